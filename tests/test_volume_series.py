"""get_volume_from_series against highdicom's on real series (pydicom's test data) and generated ones."""

from __future__ import annotations

import copy

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

import dcmcore
from dcmcore._testdata import testdata_file
from dcmcore.spatial import get_volume_positions
from dcmcore.transforms import RGBColorChannels
from dcmcore.volume import RGB_COLOR_CHANNEL_DESCRIPTOR, volume_geometry_from_positions
from tests._volume_util import ORIENTATIONS, series_positions

CT5N = "dicomdirtests/98892001/CT5N"


def real_series(folder: str) -> list:
    root = testdata_file("CT_small.dcm").parent / folder
    return sorted(p for p in root.iterdir() if p.is_file())


def same(ours, theirs, rtol=0.0):
    """Same array (exactly unless `rtol` is given) and the same affine and channels."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if rtol:
        np.testing.assert_allclose(ours.array, theirs.array, rtol=rtol)
    else:
        assert np.array_equal(ours.array, theirs.array)
    assert np.array_equal(ours.affine, theirs.affine)
    assert ours.frame_of_reference_uid == theirs.frame_of_reference_uid
    assert [str(c) for c in ours.channel_descriptors] == [str(c) for c in theirs.channel_descriptors]


def make_series(tmp_path, positions, orientation=ORIENTATIONS["axial"], source="CT_small.dcm", order=None, change=None, save=None):
    """Files of a generated series: `source`'s pixels (rolled per slice) at `positions`, written in `order`."""
    base = pydicom.dcmread(testdata_file(source))
    series, frame = generate_uid(), generate_uid()
    paths = []
    order = range(len(positions)) if order is None else order
    for n, i in enumerate(order):
        ds = copy.deepcopy(base)
        ds.SeriesInstanceUID, ds.FrameOfReferenceUID, ds.SOPInstanceUID = series, frame, generate_uid()
        ds.ImagePositionPatient = [float(v) for v in positions[i]]
        ds.ImageOrientationPatient = list(orientation)
        ds.PixelSpacing = [0.5, 0.75]
        arr = np.roll(base.pixel_array, 3 * i, axis=1)
        ds.PixelData = arr.tobytes()
        if change is not None:
            change(ds, i)
        path = tmp_path / f"{n:03d}.dcm"
        if save is None:
            ds.save_as(path, enforce_file_format=True)
        else:
            save(ds, path)
        paths.append(path)
    return paths


def test_real_ct_series_from_paths_and_datasets():
    paths = real_series(CT5N)
    datasets = [pydicom.dcmread(p) for p in paths]
    expected = hd.get_volume_from_series(datasets)
    same(dcmcore.get_volume_from_series(paths), expected)
    same(dcmcore.get_volume_from_series(datasets[::-1]), expected)
    for dtype in (np.float32, np.float64):
        kw = dict(dtype=dtype)
        same(dcmcore.get_volume_from_series(paths, **kw, workers=2), hd.get_volume_from_series(datasets, **kw))
    kw = dict(apply_voi_transform=None, voi_output_range=(0.0, 255.0), dtype=np.float32)
    # the window is computed in another order than highdicom's (one table over the stored values):
    # float32 results differ in the last bit
    same(dcmcore.get_volume_from_series(paths, **kw), hd.get_volume_from_series(datasets, **kw), rtol=1e-6)
    kw = dict(apply_modality_transform=False, dtype=np.float64)
    same(dcmcore.get_volume_from_series(paths, **kw), hd.get_volume_from_series(datasets, **kw))


@pytest.mark.parametrize("folder", ["dicomdirtests/77654033/CT2", "dicomdirtests/98892003/MR2", "dicomdirtests/98892003/MR700"])
def test_real_series_that_are_not_volumes(folder):
    datasets = [pydicom.dcmread(p) for p in real_series(folder)]
    with pytest.raises(ValueError) as expected:
        hd.get_volume_from_series(datasets)
    with pytest.raises(ValueError) as got:
        dcmcore.get_volume_from_series(real_series(folder))
    assert str(got.value).startswith(str(expected.value))


@pytest.mark.parametrize("name", ["axial", "oblique", "sagittal", "flipped"])
@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
def test_generated_series(tmp_path, name, order):
    positions = series_positions(ORIENTATIONS[name], 6, 1.25)
    indices = {"sorted": None, "reversed": range(5, -1, -1), "shuffled": [3, 0, 5, 1, 4, 2]}[order]
    paths = make_series(tmp_path, positions, ORIENTATIONS[name], order=indices)
    datasets = [pydicom.dcmread(p) for p in paths]
    expected = hd.get_volume_from_series(datasets, dtype=np.float32)
    got = dcmcore.get_volume_from_series(paths, dtype=np.float32, workers=2)
    same(got, expected)
    # the slices are stacked right-handed along the normal, whatever the files' order
    assert got.handedness.value == "RIGHT_HANDED"
    assert got.get_geometry().geometry_equal(
        volume_geometry_from_positions(positions, ORIENTATIONS[name], [0.5, 0.75], 128, 128)[0], tol=None
    ) or np.allclose(got.affine, expected.affine)


@pytest.mark.parametrize(
    "case",
    ["irregular", "duplicate", "missing", "tilted", "orientation", "spacing", "series", "frame_of_reference", "size"],
)
def test_generated_series_errors(tmp_path, case):
    o = ORIENTATIONS["axial"]
    positions = series_positions(o, 6, 2.0)
    change = None
    if case == "irregular":
        positions[3, 2] += 0.7
    elif case == "duplicate":
        positions[3] = positions[2]
    elif case == "missing":
        positions = np.delete(positions, 2, axis=0)
    elif case == "tilted":  # gantry tilt: each slice moves along y as well
        positions[:, 1] += np.arange(6) * 0.5
    else:
        def change(ds, i):
            if i != 2:
                return
            if case == "orientation":
                ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 0.99, 0.01]
            elif case == "spacing":
                ds.PixelSpacing = [0.5, 0.5]
            elif case == "series":
                ds.SeriesInstanceUID = generate_uid()
            elif case == "frame_of_reference":
                ds.FrameOfReferenceUID = generate_uid()
    paths = make_series(tmp_path, positions, o, change=change)
    datasets = [pydicom.dcmread(p) for p in paths]
    if case == "size":
        datasets[1] = copy.deepcopy(datasets[1])
        datasets[1].Rows = 64
        with pytest.raises(ValueError):
            dcmcore.get_volume_from_series(datasets)
        return
    with pytest.raises(ValueError) as expected:
        hd.get_volume_from_series(datasets)
    for series in (paths, datasets):
        with pytest.raises(ValueError) as got:
            dcmcore.get_volume_from_series(series)
        assert str(got.value).startswith(str(expected.value))


def test_tolerances_and_tilt_geometry(tmp_path):
    o = ORIENTATIONS["axial"]
    positions = series_positions(o, 6, 2.0)
    positions[3, 2] += 0.03  # 1.5 % of the spacing
    paths = make_series(tmp_path, positions, o)
    datasets = [pydicom.dcmread(p) for p in paths]
    for kw in ({"atol": 0.05}, {"rtol": 0.02}):
        same(dcmcore.get_volume_from_series(paths, **kw), hd.get_volume_from_series(datasets, **kw))
    with pytest.raises(ValueError):
        dcmcore.get_volume_from_series(paths, atol=0.01)
    with pytest.raises(TypeError):
        dcmcore.get_volume_from_series(paths, atol=0.01, rtol=0.01)
    # a gantry tilt is accepted once the perpendicular tolerance allows it, as in highdicom
    tilted = series_positions(o, 4, 2.0)
    tilted[:, 1] += np.arange(4) * 0.02
    paths = make_series(tmp_path, tilted, o)
    datasets = [pydicom.dcmread(p) for p in paths]
    same(dcmcore.get_volume_from_series(paths, perpendicular_tol=0.01), hd.get_volume_from_series(datasets, perpendicular_tol=0.01))


def test_single_slice_and_mr(tmp_path):
    paths = make_series(tmp_path, series_positions(ORIENTATIONS["coronal"], 1, 1.0), ORIENTATIONS["coronal"], source="MR_small.dcm")
    datasets = [pydicom.dcmread(p) for p in paths]
    same(dcmcore.get_volume_from_series(paths), hd.get_volume_from_series(datasets))
    (tmp_path / "mr").mkdir()
    paths = make_series(tmp_path / "mr", series_positions(ORIENTATIONS["oblique"], 5, 3.0), ORIENTATIONS["oblique"], source="MR_small.dcm", order=[4, 2, 0, 1, 3])
    datasets = [pydicom.dcmread(p) for p in paths]
    same(dcmcore.get_volume_from_series(paths, dtype=np.float32), hd.get_volume_from_series(datasets, dtype=np.float32))


def test_color_series_carries_the_rgb_channel(tmp_path):
    def colour(ds, i):
        rgb = pydicom.dcmread(testdata_file("SC_rgb.dcm"))
        for keyword in ("SamplesPerPixel", "PhotometricInterpretation", "PlanarConfiguration", "BitsAllocated",
                        "BitsStored", "HighBit", "PixelRepresentation", "Rows", "Columns"):  # fmt: skip
            setattr(ds, keyword, rgb[keyword].value)
        for keyword in ("RescaleSlope", "RescaleIntercept", "RescaleType", "WindowCenter", "WindowWidth"):
            ds.pop(keyword, None)
        ds.PixelData = np.roll(rgb.pixel_array, i, axis=0).tobytes()

    paths = make_series(tmp_path, series_positions(ORIENTATIONS["axial"], 3, 1.0), change=colour)
    datasets = [pydicom.dcmread(p) for p in paths]
    got = dcmcore.get_volume_from_series(paths, dtype=np.uint8)
    same(got, hd.get_volume_from_series(datasets, dtype=np.uint8))
    assert got.channel_descriptors == (RGB_COLOR_CHANNEL_DESCRIPTOR,)
    assert got.get_channel_values(RGB_COLOR_CHANNEL_DESCRIPTOR) == list(RGBColorChannels)
    assert np.array_equal(got.get_channel(RGBColorChannel="G").array, got.array[..., 1])


def test_geometry_from_positions_for_frames():
    # the function Image.get_volume can share: bare positions, missing positions allowed
    o = ORIENTATIONS["oblique"]
    positions = series_positions(o, 8, 1.5)[[0, 1, 2, 4, 5, 7]]
    geometry, where = volume_geometry_from_positions(positions, o, [0.5, 0.5], 64, 32, allow_missing_positions=True)
    # the volume's normal (columns x rows: right-handed with slices first) is against the positions' order
    assert where == [7, 6, 5, 3, 2, 0] and geometry.spatial_shape == (8, 64, 32)
    assert where == get_volume_positions(positions, o, allow_missing_positions=True)[1]
    np.testing.assert_allclose(geometry.map_indices_to_reference(np.array([[w, 0, 0] for w in where])), positions, atol=1e-9)
    with pytest.raises(ValueError, match="regularly-spaced"):
        volume_geometry_from_positions(positions, o, [0.5, 0.5], 64, 32)


def test_bad_items():
    with pytest.raises(TypeError):
        dcmcore.get_volume_from_series([1, 2])
    with pytest.raises(ValueError):
        dcmcore.get_volume_from_series([])
    with pytest.raises(ValueError):
        dcmcore.get_volume_from_series([pydicom.dcmread(testdata_file("eCT_Supplemental.dcm"), stop_before_pixels=True)] * 2)


def _implicit(ds, path):
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)


def _big_endian(ds, path):
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRBigEndian
    ds.PixelData = np.frombuffer(ds.PixelData, "<i2").astype(">i2").tobytes()
    pydicom.dcmwrite(path, ds, implicit_vr=False, little_endian=False, enforce_file_format=True)


def _rle(ds, path):
    ds.compress(pydicom.uid.RLELossless, encoding_plugin="pydicom")
    ds.save_as(path, enforce_file_format=True)


def _nested_sequences(ds, path):
    # sequences of undefined length, nested, before the pixel data: the header scan must skip them
    inner = pydicom.Dataset()
    inner.CodeValue, inner.CodeMeaning = "1", "x" * 40
    item = pydicom.Dataset()
    item.ConceptNameCodeSequence = pydicom.Sequence([inner, inner])
    ds.ContentSequence = pydicom.Sequence([item])
    ds["ContentSequence"].is_undefined_length = True
    ds.ContentSequence[0]["ConceptNameCodeSequence"].is_undefined_length = True
    ds.ContentSequence[0].is_undefined_length_sequence_item = True
    ds.ReferencedImageSequence = pydicom.Sequence([item])
    ds.save_as(path, enforce_file_format=True)


def _long_header(ds, path):
    # a header longer than the first read
    ds.add_new(0x00091010, "LO", "y" * 60)
    ds.add_new(0x00091011, "OB", b"z" * 50_000)
    ds.save_as(path, enforce_file_format=True)


@pytest.mark.parametrize("save", [_implicit, _big_endian, _rle, _nested_sequences, _long_header])
def test_series_files_of_every_kind(tmp_path, save):
    positions = series_positions(ORIENTATIONS["oblique"], 4, 2.0)
    paths = make_series(tmp_path, positions, ORIENTATIONS["oblique"], order=[2, 0, 3, 1], save=save)
    datasets = [pydicom.dcmread(p) for p in paths]
    same(dcmcore.get_volume_from_series(paths, dtype=np.float32), hd.get_volume_from_series(datasets, dtype=np.float32))


def _mixed(ds, path):
    # files of one series laid out differently: an element only some files have, values of other
    # lengths, private blobs whose bytes look like element headers, and one file in implicit VR
    n = ds.InstanceNumber
    if n % 2:
        ds.ImageComments = "odd" * n
    if n % 3 == 0:
        ds.add_new(0x00091010, "OB", b"\x20\x00\x32\x00DS\x10\x00" * (n + 1))
    ds.SeriesDescription = "s" * (n % 5)
    ds.InstanceNumber = n * 1000
    if n == 3:
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)


def test_series_files_laid_out_differently(tmp_path):
    positions = series_positions(ORIENTATIONS["sagittal"], 7, 1.5)

    def number(ds, i):
        ds.InstanceNumber = i + 1
        ds.RescaleIntercept = -1000 - 8 * (i % 3)

    paths = make_series(tmp_path, positions, ORIENTATIONS["sagittal"], order=[4, 1, 6, 0, 3, 5, 2], change=number, save=_mixed)
    datasets = [pydicom.dcmread(p) for p in paths]
    for workers in (1, 2):
        got = dcmcore.get_volume_from_series(paths, dtype=np.float32, workers=workers)
        same(got, hd.get_volume_from_series(datasets, dtype=np.float32))
