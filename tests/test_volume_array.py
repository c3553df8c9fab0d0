"""dcmcore.Volume and VolumeToVolumeTransformer against highdicom's on the same arrays and affines."""

from __future__ import annotations

import highdicom as hd
import numpy as np
import pytest

import dcmcore
from dcmcore.transforms import RGBColorChannels
from dcmcore.volume import RGB_COLOR_CHANNEL_DESCRIPTOR, ChannelDescriptor, Volume, VolumeGeometry, VolumeToVolumeTransformer
from tests._volume_util import geometry_args

# Matrix products in another order than highdicom's agree to a few ulps: 1e-12 relative.
RTOL = 1e-12


def make(array, name="oblique", channels=None):
    affine, _ = geometry_args(name, shape=array.shape[:3])
    hd_channels = None
    if channels is not None:
        hd_channels = {(hd.volume.RGB_COLOR_CHANNEL_DESCRIPTOR if k is RGB_COLOR_CHANNEL_DESCRIPTOR else k): v for k, v in channels.items()}
    return Volume(array, affine, "PATIENT", channels=channels), hd.Volume(array, affine, "PATIENT", channels=hd_channels)


def same(ours, theirs, exact_affine=False):
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours.array, theirs.array)
    if exact_affine:
        assert np.array_equal(ours.affine, theirs.affine)
    else:
        np.testing.assert_allclose(ours.affine, theirs.affine, rtol=RTOL, atol=1e-9)
    assert [str(c) for c in ours.channel_descriptors] == [str(c) for c in theirs.channel_descriptors]


@pytest.fixture
def int_volumes():
    array = np.random.default_rng(0).integers(-1000, 3000, (6, 9, 11), dtype=np.int16)
    return make(array)


@pytest.fixture
def channel_volumes():
    array = np.random.default_rng(1).random((5, 6, 7, 3, 2)).astype(np.float32)
    return make(array, channels={RGB_COLOR_CHANNEL_DESCRIPTOR: ["R", "G", "B"], "EchoTime": [10.0, 20.0]})


def test_basic_members(int_volumes, channel_volumes):
    ours, theirs = int_volumes
    assert ours.spatial_shape == theirs.spatial_shape and ours.ndim == 3 and ours.number_of_channel_dimensions == 0
    assert ours.get_geometry().geometry_equal(theirs.get_geometry())
    assert isinstance(ours.get_geometry(), VolumeGeometry)
    ours, theirs = channel_volumes
    assert ours.channel_shape == theirs.channel_shape == (3, 2) and ours.number_of_channel_dimensions == 2
    assert ours.get_channel_values("RGBColorChannel") == [RGBColorChannels.R, RGBColorChannels.G, RGBColorChannels.B]
    assert ours.get_channel_values("EchoTime") == theirs.get_channel_values("EchoTime") == [10.0, 20.0]
    assert ours.get_channel_values(0x00180081) == [10.0, 20.0]
    assert dcmcore.Volume is Volume


def test_indexing_and_views(int_volumes, channel_volumes):
    for ours, theirs in (int_volumes, channel_volumes):
        for index in [(slice(1, 4), slice(None, None, -2), 3), 2, (slice(None), -1), (slice(4, 0, -1), slice(2, 6, 3))]:
            same(ours[index], theirs[index])
        sub = ours[1:4, ::-2]
        assert np.shares_memory(sub.array, ours.array)  # a view, as numpy's
        same(ours.copy(), theirs.copy(), exact_affine=True)
        assert not np.shares_memory(ours.copy().array, ours.array)


def test_operations_match_highdicom(int_volumes, channel_volumes):
    for ours, theirs in (int_volumes, channel_volumes):
        same(ours.permute_spatial_axes([2, 0, 1]), theirs.permute_spatial_axes([2, 0, 1]), exact_affine=True)
        same(ours.swap_spatial_axes(0, 1), theirs.swap_spatial_axes(0, 1), exact_affine=True)
        same(ours.flip_spatial([0, 2]), theirs.flip_spatial([0, 2]))
        same(ours.crop_to_spatial_shape((3, 4, 5)), theirs.crop_to_spatial_shape((3, 4, 5)))
        same(ours.to_patient_orientation("FPL"), theirs.to_patient_orientation("FPL"))
        same(ours.ensure_handedness("LEFT_HANDED", flip_axis=1), theirs.ensure_handedness("LEFT_HANDED", flip_axis=1))
        same(ours.clip(0.2, 2000), theirs.clip(0.2, 2000))
        for mode in ("CONSTANT", "EDGE", "MINIMUM", "MAXIMUM", "MEAN", "MEDIAN", "edge", hd.PadModes.MEAN):
            for per_channel in (False, True):
                kw = dict(mode=mode, constant_value=7, per_channel=per_channel)
                same(ours.pad([[1, 2], [0, 1], [3, 0]], **kw), theirs.pad([[1, 2], [0, 1], [3, 0]], **kw))
        same(ours.pad_to_spatial_shape((8, 10, 12)), theirs.pad_to_spatial_shape((8, 10, 12)))
        kw = dict(mode="MINIMUM")
        same(ours.pad_or_crop_to_spatial_shape((8, 3, 12), **kw), theirs.pad_or_crop_to_spatial_shape((8, 3, 12), **kw))


def test_normalize(int_volumes, channel_volumes):
    # The same operations in the same dtype as highdicom ((a - mean) / scale + output mean); dcmcore passes
    # the mean to std instead of computing it twice, which numpy documents as equivalent. min-max
    # multiplies by a factor where highdicom does too, so both agree to rounding of float32 (1e-6).
    for ours, theirs in (int_volumes, channel_volumes):
        for per_channel in (True, False):
            for kw in ({}, {"output_mean": 2.0, "output_std": 3.0}):
                got, expected = ours.normalize_mean_std(per_channel=per_channel, **kw), theirs.normalize_mean_std(per_channel=per_channel, **kw)
                assert got.dtype == expected.dtype
                np.testing.assert_allclose(got.array, expected.array, rtol=1e-6, atol=1e-6)
            got = ours.normalize_min_max(-1.0, 2.0, per_channel=per_channel)
            expected = theirs.normalize_min_max(-1.0, 2.0, per_channel=per_channel)
            assert got.dtype == expected.dtype
            np.testing.assert_allclose(got.array, expected.array, rtol=1e-6, atol=1e-6)
        with pytest.raises(ValueError):
            ours.normalize_mean_std(output_std=0.0)
        with pytest.raises(ValueError):
            ours.normalize_min_max(1.0, 0.0)
    constant = Volume(np.full((2, 2, 2), 5.0), np.eye(4), "PATIENT")
    assert np.array_equal(constant.normalize_mean_std().array, np.zeros((2, 2, 2)))
    assert np.array_equal(constant.normalize_min_max().array, np.zeros((2, 2, 2)))


def test_astype_and_with_array(int_volumes):
    ours, theirs = int_volumes
    for dtype in (np.float32, np.int32, np.int16):
        same(ours.astype(dtype), theirs.astype(dtype), exact_affine=True)
    for volume in (ours, theirs):
        with pytest.raises(ValueError):
            volume.astype(np.uint8)
        with pytest.raises(ValueError):
            volume.astype(bool)
    assert ours.with_array(ours.array > 0).astype(bool).dtype == bool
    replaced = ours.with_array(np.zeros((6, 9, 11, 2)), channels={"EchoTime": [1.0, 2.0]})
    assert replaced.channel_shape == (2,)
    for volume in (ours, theirs):
        with pytest.raises(ValueError):
            volume.with_array(np.zeros((6, 9, 10)))
        with pytest.raises(ValueError):
            volume.array = np.zeros((1, 1, 1))
    ours.array = np.ones_like(ours.array)
    assert ours.array.sum() == ours.array.size


def test_channels(channel_volumes):
    ours, theirs = channel_volumes
    same(ours.get_channel(RGBColorChannel="G"), theirs.get_channel(RGBColorChannel="G"))
    same(ours.get_channel(EchoTime=20.0, keepdims=True), theirs.get_channel(EchoTime=20.0, keepdims=True))
    same(ours.permute_channel_axes_by_index([1, 0]), theirs.permute_channel_axes_by_index([1, 0]))
    same(ours.permute_channel_axes(["EchoTime", "RGBColorChannel"]), theirs.permute_channel_axes(["EchoTime", "RGBColorChannel"]))
    single = ours.get_channel(EchoTime=10.0, keepdims=True)
    same(single.squeeze_channel(), theirs.get_channel(EchoTime=10.0, keepdims=True).squeeze_channel())
    # highdicom 0.28 fails here: squeezing named channels forgets the descriptors of the others
    squeezed = single.squeeze_channel(["EchoTime"])
    assert np.array_equal(squeezed.array, single.array[..., 0]) and squeezed.channel_descriptors == (RGB_COLOR_CHANNEL_DESCRIPTOR,)
    with pytest.raises(RuntimeError):
        ours.squeeze_channel(["EchoTime"])
    with pytest.raises(ValueError):
        ours.get_channel_values("FlipAngle")
    with pytest.raises(IndexError):
        ours.get_channel(EchoTime=30.0)
    with pytest.raises(TypeError):
        ours.get_channel(EchoTime="a")
    with pytest.raises(ValueError):
        ours.permute_channel_axes_by_index([0, 0])
    # highdicom's own descriptor is accepted
    mine = Volume(ours.array, ours.affine, "PATIENT", channels={hd.volume.RGB_COLOR_CHANNEL_DESCRIPTOR: ["R", "G", "B"], "EchoTime": [1.0, 2.0]})
    assert mine.channel_descriptors[0] == RGB_COLOR_CHANNEL_DESCRIPTOR


def test_channel_descriptor():
    for identifier in ("EchoTime", 0x00180081):
        ours, theirs = ChannelDescriptor(identifier), hd.ChannelDescriptor(identifier)
        assert (ours.keyword, ours.tag, ours.value_type, ours.is_custom, ours.is_enumerated) == (
            theirs.keyword, theirs.tag, theirs.value_type, theirs.is_custom, theirs.is_enumerated
        )
    custom = ChannelDescriptor("Label", is_custom=True, value_type=str)
    assert custom.is_custom and custom.tag is None and custom == ChannelDescriptor(custom) and hash(custom) == hash("Label")
    assert RGB_COLOR_CHANNEL_DESCRIPTOR.is_enumerated
    for module in (dcmcore.volume, hd):
        with pytest.raises(ValueError):
            module.ChannelDescriptor("NotAKeyword")
        with pytest.raises(ValueError):
            module.ChannelDescriptor("EchoTime", is_custom=True, value_type=float)
        with pytest.raises(TypeError):
            module.ChannelDescriptor("Label", is_custom=True)
        with pytest.raises(TypeError):
            module.ChannelDescriptor("EchoTime", value_type=float)
        with pytest.raises(TypeError):
            module.ChannelDescriptor(1.5)


def test_constructor_errors():
    for cls in (Volume, hd.Volume):
        with pytest.raises(ValueError):
            cls(np.zeros((2, 2)), np.eye(4), "PATIENT")
        with pytest.raises(ValueError):
            cls(np.zeros((2, 2, 2), dtype=complex), np.eye(4), "PATIENT")
        with pytest.raises(ValueError):
            cls(np.zeros((2, 2, 2, 3)), np.eye(4), "PATIENT")
        with pytest.raises(ValueError):
            cls(np.zeros((2, 2, 2, 3)), np.eye(4), "PATIENT", channels={"EchoTime": [1.0, 2.0]})
        with pytest.raises(TypeError):
            cls(np.zeros((2, 2, 2, 2)), np.eye(4), "PATIENT", channels={"EchoTime": ["a", "b"]})


def test_constructors_match():
    array = np.arange(4 * 5 * 6, dtype=np.uint16).reshape(4, 5, 6)
    kw = dict(image_position=[1.0, 2.0, 3.0], image_orientation=[0.0, 1.0, 0.0, 0.0, 0.0, -1.0],
              pixel_spacing=[0.5, 0.75], spacing_between_slices=2.0, coordinate_system="PATIENT")  # fmt: skip
    same(Volume.from_attributes(array=array, **kw), hd.Volume.from_attributes(array=array, **kw), exact_affine=True)
    kw = dict(spacing=[1.0, 2.0, 3.0], coordinate_system="PATIENT", center_position=[0.0, 0.0, 0.0], patient_orientation="RAS")
    same(Volume.from_components(array, **kw), hd.Volume.from_components(array, **kw), exact_affine=True)
    one = Volume.from_components(array, spacing=1.5, coordinate_system="PATIENT", position=[0.0] * 3, direction=np.eye(3))
    assert one.spacing == (1.5, 1.5, 1.5)
    assert VolumeGeometry((one.affine), (4, 5, 6), "PATIENT").with_array(array).geometry_equal(one)


def test_match_geometry_carries_the_array():
    array = np.arange(6 * 8 * 10, dtype=np.float32).reshape(6, 8, 10)
    ours, theirs = make(array, "axial")
    target = ours.get_geometry().permute_spatial_axes([1, 0, 2]).flip_spatial(2)[1:7, 1:5].pad([[1, 1], [0, 2], [0, 0]])
    target_hd = theirs.get_geometry().permute_spatial_axes([1, 0, 2]).flip_spatial(2)[1:7, 1:5].pad([[1, 1], [0, 2], [0, 0]])
    got = ours.match_geometry(target)
    same(got, theirs.match_geometry(target_hd))
    assert got.geometry_equal(target)
    # every voxel holds the value at its position in the source
    index = np.argwhere(np.ones(got.spatial_shape, bool))
    source = ours.map_reference_to_indices(got.map_indices_to_reference(index), round_output=True)
    inside = np.all((source >= 0) & (source < ours.spatial_shape), axis=1)
    assert np.array_equal(got.array[tuple(index[inside].T)], array[tuple(source[inside].T)])
    assert np.all(got.array[tuple(index[~inside].T)] == 0)
    stepped = ours.get_geometry()[::2, ::-1]
    assert np.array_equal(ours.match_geometry(stepped).array, array[::2, ::-1])


@pytest.mark.parametrize("round_output", [False, True])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.float64])
def test_volume_to_volume_transformer(round_output, dtype):
    a, a_hd = make(np.zeros((6, 9, 11)))
    b = a.get_geometry().permute_spatial_axes([2, 1, 0])[::-1, 2:, 1:4]
    b_hd = a_hd.get_geometry().permute_spatial_axes([2, 1, 0])[::-1, 2:, 1:4]
    ours = VolumeToVolumeTransformer(a, b, round_output=round_output)
    theirs = hd.VolumeToVolumeTransformer(a_hd, b_hd, round_output=round_output)
    np.testing.assert_allclose(ours.affine, theirs.affine, rtol=RTOL, atol=1e-9)
    indices = np.array([[0, 0, 0], [5, 8, 10], [2, 3, 4]], dtype=dtype)
    got, expected = ours(indices), theirs(indices)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)  # float32 inputs: float32 results


def test_volume_to_volume_bounds_are_per_axis():
    # highdicom 0.28 compares each point's smallest and largest index with the axes' lengths in turn;
    # its documentation (and dcmcore) checks each axis against its own length
    a = VolumeGeometry(np.eye(4), (10, 10, 10), "PATIENT")
    b = VolumeGeometry(np.eye(4), (2, 20, 20), "PATIENT")
    check = VolumeToVolumeTransformer(a, b, check_bounds=True)
    assert np.array_equal(check(np.array([[1, 9, 9]])), [[1.0, 9.0, 9.0]])
    with pytest.raises(ValueError):
        check(np.array([[5, 0, 0]]))
    with pytest.raises(ValueError):
        check(np.array([[0, 0]]))
