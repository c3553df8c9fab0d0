"""dcmcore.VolumeGeometry against highdicom.VolumeGeometry: every member, the same inputs, the same errors."""

from __future__ import annotations

import highdicom as hd
import numpy as np
import pytest

import dcmcore
from dcmcore.volume import AxisHandedness, CoordinateSystemNames, PatientOrientationValuesBiped, VolumeGeometry
from tests._volume_util import ORIENTATIONS, geometry_args

# Products taken in another order than highdicom's (index @ affine.T instead of affine @ homogeneous
# indices; np.linalg.inv of the same matrix) agree to a few ulps: 1e-12 relative on millimetre values.
RTOL = 1e-12
UID = "1.2.826.0.1.3680043.10.511.3.12345"


def pair(name="oblique", **kw):
    affine, shape = geometry_args(name, **kw)
    return (
        VolumeGeometry(affine, shape, "PATIENT", frame_of_reference_uid=UID),
        hd.VolumeGeometry(affine, shape, "PATIENT", frame_of_reference_uid=UID),
    )


def same(ours, theirs, exact=True):
    """The two geometries agree: shape, affine (exactly, or to RTOL), coordinate system."""
    assert ours.spatial_shape == tuple(theirs.spatial_shape)
    assert ours.coordinate_system.value == theirs.coordinate_system.value
    if exact:
        assert np.array_equal(ours.affine, theirs.affine), (ours.affine, theirs.affine)
    else:
        np.testing.assert_allclose(ours.affine, theirs.affine, rtol=RTOL, atol=1e-9)


SCALARS = [
    "spatial_shape", "nearest_center_indices", "center_indices", "direction_cosines", "pixel_spacing",
    "spacing_between_slices", "spacing", "voxel_volume", "position", "physical_extent", "physical_volume",
    "shape", "ndim",
]  # fmt: skip


@pytest.mark.parametrize("name", list(ORIENTATIONS))
def test_properties(name):
    ours, theirs = pair(name)
    for attribute in SCALARS:
        assert getattr(ours, attribute) == pytest.approx(getattr(theirs, attribute), rel=RTOL), attribute
    assert ours.frame_of_reference_uid == theirs.frame_of_reference_uid == UID
    assert np.array_equal(ours.affine, theirs.affine)
    np.testing.assert_allclose(ours.inverse_affine, theirs.inverse_affine, rtol=RTOL, atol=1e-15)
    assert np.array_equal(ours.direction, theirs.direction)
    assert ours.handedness.value == theirs.handedness.value
    assert ours.coordinate_system is CoordinateSystemNames.PATIENT
    np.testing.assert_allclose(ours.center_position, theirs.center_position, rtol=RTOL)
    for a, b in zip(ours.spacing_vectors(), theirs.spacing_vectors()):
        assert np.array_equal(a, b)
    for a, b in zip(ours.unit_vectors(), theirs.unit_vectors()):
        assert np.array_equal(a, b)
    assert [d.value for d in ours.get_closest_patient_orientation()] == [
        d.value for d in theirs.get_closest_patient_orientation()
    ]
    for convention in ("RAH", "LPS", "RAS", ("L", "P", "H")):
        assert np.array_equal(ours.get_affine(convention), theirs.get_affine(convention))
    assert np.array_equal(ours.get_affine(None), theirs.get_affine(None))


def test_get_affine_permuted_convention():
    # "FPL" is the reference's own example of a convention string; highdicom 0.28 raises ValueError for it
    ours, _ = pair("axial")
    fpl = ours.get_affine("FPL")
    lps = ours.affine
    assert np.array_equal(fpl[0], -lps[2]) and np.array_equal(fpl[1], lps[1]) and np.array_equal(fpl[2], lps[0])


@pytest.mark.parametrize("name", list(ORIENTATIONS))
def test_mapping_and_round_trip(name):
    ours, theirs = pair(name)
    rng = np.random.default_rng(7)
    ix = np.column_stack([rng.integers(-3, n + 3, 500) for n in ours.spatial_shape])
    ref = ours.map_indices_to_reference(ix)
    np.testing.assert_allclose(ref, theirs.map_indices_to_reference(ix), rtol=RTOL, atol=1e-9)
    # the round trip
    assert np.array_equal(ours.map_reference_to_indices(ref, round_output=True), ix)
    np.testing.assert_allclose(ours.map_reference_to_indices(ref), ix, rtol=0, atol=1e-9)  # float, a few ulps
    got, expected = ours.map_reference_to_indices(ref, round_output=True), theirs.map_reference_to_indices(ref, round_output=True)
    assert np.array_equal(got, expected) and got.dtype == expected.dtype
    np.testing.assert_allclose(ours.map_reference_to_indices(ref), theirs.map_reference_to_indices(ref), rtol=RTOL, atol=1e-9)
    inside = ours.map_indices_to_reference(np.array([[0, 0, 0], [n - 1 for n in ours.spatial_shape]]))
    ours.map_reference_to_indices(inside, check_bounds=True)
    for module_geometry in (ours, theirs):
        with pytest.raises(RuntimeError):
            module_geometry.map_reference_to_indices(ref, check_bounds=True)
        with pytest.raises(ValueError):
            module_geometry.map_indices_to_reference(ix[:, :2])
        with pytest.raises(ValueError):
            module_geometry.map_reference_to_indices(ref[:, :2])


INDEXES = [
    (slice(2, 5),),
    (slice(None), slice(1, 8, 3), slice(None, None, -1)),
    (3, slice(2, None), slice(None, 4)),
    (-1,),
    (slice(-3, None, -2), -2, 0),
    (slice(None, None, -1), slice(None, None, -1), slice(None, None, -1)),
    slice(1, None),
    2,
]


@pytest.mark.parametrize("index", INDEXES, ids=str)
def test_indexing_keeps_the_affine_right(index):
    ours, theirs = pair()
    sub = ours[index]
    same(sub, theirs[index], exact=False)
    # the voxel of sub at (0, 0, 0) is where it was in the source
    items = index if isinstance(index, tuple) else (index,)
    starts = []
    for axis in range(3):
        item = items[axis] if axis < len(items) else slice(None)
        item = slice(item, item + 1 if item != -1 else None) if isinstance(item, int) else item
        starts.append(range(ours.spatial_shape[axis])[item][0])
    np.testing.assert_allclose(sub.position, ours.map_indices_to_reference(np.array([starts]))[0], rtol=RTOL)


@pytest.mark.parametrize("index", [20, slice(0, 30), slice(3, 3), "a", (0, 0, 0, 0)], ids=str)
def test_indexing_errors(index):
    ours, theirs = pair()
    with pytest.raises((IndexError, ValueError, TypeError)) as ours_error:
        ours[index]
    if index != (0, 0, 0, 0):  # highdicom fails on a fourth item with an internal IndexError too
        with pytest.raises((IndexError, ValueError, TypeError)) as theirs_error:
            theirs[index]
        assert isinstance(ours_error.value, type(theirs_error.value))


@pytest.mark.parametrize("width", [2, [1, 3], [[1], [2], [3]], [[0, 1], [2, 0], [3, 4]]], ids=str)
def test_pad(width):
    ours, theirs = pair()
    same(ours.pad(width), theirs.pad(width), exact=False)
    for geometry in (ours, theirs):
        with pytest.raises(ValueError):
            geometry.pad(-1)
        with pytest.raises(ValueError):
            geometry.pad([[1, 2, 3]] * 3)


def test_crop_and_pad_to_shape():
    ours, theirs = pair()
    for target in [(5, 6, 7), (7, 10, 12), (3, 10, 1)]:
        same(ours.crop_to_spatial_shape(target), theirs.crop_to_spatial_shape(target), exact=False)
    for target in [(9, 13, 12), (8, 11, 15)]:
        same(ours.pad_to_spatial_shape(target), theirs.pad_to_spatial_shape(target), exact=False)
    for target in [(9, 5, 12), (4, 13, 3)]:
        same(ours.pad_or_crop_to_spatial_shape(target), theirs.pad_or_crop_to_spatial_shape(target), exact=False)
    for geometry in (ours, theirs):
        with pytest.raises(ValueError):
            geometry.crop_to_spatial_shape((8, 1, 1))
        with pytest.raises(ValueError):
            geometry.pad_to_spatial_shape((1, 20, 20))
        with pytest.raises(ValueError):
            geometry.crop_to_spatial_shape((1, 1))


@pytest.mark.parametrize("name", list(ORIENTATIONS))
def test_permute_flip_swap_orient(name):
    ours, theirs = pair(name)
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]):
        same(ours.permute_spatial_axes(order), theirs.permute_spatial_axes(order))
    for axes in (0, [1], [0, 2], [0, 1, 2]):
        same(ours.flip_spatial(axes), theirs.flip_spatial(axes), exact=False)
    same(ours.swap_spatial_axes(0, 2), theirs.swap_spatial_axes(0, 2))
    for orientation in ("LPH", "FPL", "RAS", ("H", "L", "A")):
        same(ours.to_patient_orientation(orientation), theirs.to_patient_orientation(orientation), exact=False)
        assert [d.value for d in ours.to_patient_orientation(orientation).get_closest_patient_orientation()] == [
            d.value for d in theirs.to_patient_orientation(orientation).get_closest_patient_orientation()
        ]
    for flip_axis, swap_axes in ((0, None), (None, (1, 2))):
        for handedness in ("LEFT_HANDED", hd.AxisHandedness.RIGHT_HANDED):
            kw = dict(flip_axis=flip_axis, swap_axes=swap_axes)
            same(ours.ensure_handedness(handedness, **kw), theirs.ensure_handedness(handedness, **kw), exact=False)
    for geometry in (ours, theirs):
        with pytest.raises(ValueError):
            geometry.permute_spatial_axes([0, 1, 1])
        with pytest.raises(ValueError):
            geometry.swap_spatial_axes(1, 1)
        with pytest.raises(ValueError):
            geometry.flip_spatial([3])
        with pytest.raises(TypeError):
            geometry.ensure_handedness("LEFT_HANDED")


def test_random_operations_are_geometry_operations():
    ours, _ = pair()
    np.random.seed(0)
    for _ in range(10):
        flipped = ours.random_flip_spatial((0, 2))
        assert flipped.spatial_shape == ours.spatial_shape
        assert np.allclose(np.abs(flipped.affine[:3, :3]), np.abs(ours.affine[:3, :3]))
        permuted = ours.random_permute_spatial_axes((0, 1))
        assert permuted.spatial_shape[2] == ours.spatial_shape[2]
        crop = ours.random_spatial_crop((3, 4, 5))
        assert crop.spatial_shape == (3, 4, 5)
        start = ours.map_reference_to_indices(np.array([crop.position]), round_output=True)[0]
        assert all(0 <= s <= n - c for s, n, c in zip(start, ours.spatial_shape, (3, 4, 5)))
    for bad in ((0,), (0, 0), (0, 3)):
        with pytest.raises(ValueError):
            ours.random_flip_spatial(bad)
    with pytest.raises(ValueError):
        ours.random_spatial_crop((8, 1, 1))


def test_geometry_equal_and_match():
    ours, theirs = pair()
    other = ours.permute_spatial_axes([2, 0, 1]).flip_spatial(1)[1:5, :, 2:9].pad(2)
    other_hd = theirs.permute_spatial_axes([2, 0, 1]).flip_spatial(1)[1:5, :, 2:9].pad(2)
    matched = ours.match_geometry(other)
    assert matched.geometry_equal(other) and not ours.geometry_equal(other)
    same(matched, theirs.match_geometry(other_hd), exact=False)
    assert ours.geometry_equal(theirs) and ours.geometry_equal(ours.copy(), tol=None)
    moved = VolumeGeometry(ours.affine + np.array([[0, 0, 0, 1e-3]] * 3 + [[0, 0, 0, 0]]), ours.spatial_shape, "PATIENT")
    assert not ours.geometry_equal(moved) and ours.geometry_equal(moved, tol=1e-2)
    # highdicom 0.28 compares a geometry's frame of reference with itself; a different one is a different geometry
    elsewhere = VolumeGeometry(ours.affine, ours.spatial_shape, "PATIENT", frame_of_reference_uid=UID + ".1")
    assert not ours.geometry_equal(elsewhere)
    with pytest.raises(RuntimeError):
        ours.match_geometry(elsewhere)
    with pytest.raises(RuntimeError):
        ours.match_geometry(VolumeGeometry(ours.affine, ours.spatial_shape, "SLIDE"))
    half = VolumeGeometry.from_components((3, 3, 3), spacing=[1.25, 0.7, 0.9], coordinate_system="PATIENT", position=ours.position, direction=ours.direction)
    with pytest.raises(RuntimeError):
        ours.match_geometry(half)


def test_match_geometry_with_a_step():
    # a target whose spacing is a multiple of ours: every other slice, reversed. highdicom 0.28 pads
    # such a target by its step times too many voxels and returns a different geometry
    ours, _ = pair("axial")
    target = ours[::-2, 1:9:3, :]
    matched = ours.match_geometry(target)
    assert matched.geometry_equal(target)
    wider = ours.pad(4)[::-2, ::3, 1:]
    assert ours.match_geometry(wider).geometry_equal(wider)


def test_dicom_descriptions():
    ours, theirs = pair()
    for got, expected in zip(ours.get_plane_positions(), theirs.get_plane_positions()):
        np.testing.assert_allclose(got[0].ImagePositionPatient, expected[0].ImagePositionPatient, rtol=1e-9)
    np.testing.assert_allclose(ours.get_plane_position(3)[0].ImagePositionPatient, theirs.get_plane_position(3)[0].ImagePositionPatient, rtol=1e-9)
    np.testing.assert_allclose(
        ours.get_plane_orientation()[0].ImageOrientationPatient, theirs.get_plane_orientation()[0].ImageOrientationPatient, rtol=1e-9, atol=1e-12
    )
    got, expected = ours.get_pixel_measures()[0], theirs.get_pixel_measures()[0]
    for keyword in ("PixelSpacing", "SliceThickness", "SpacingBetweenSlices"):
        np.testing.assert_allclose(got[keyword].value, expected[keyword].value, rtol=1e-9)
    for geometry in (ours, theirs):
        with pytest.raises(ValueError):
            geometry.get_plane_position(7)


def test_constructors():
    o = ORIENTATIONS["oblique"]
    kw = dict(image_position=[1.0, 2.0, 3.0], image_orientation=o, rows=10, columns=12, pixel_spacing=[0.7, 0.9],
              spacing_between_slices=2.5, number_of_frames=7, coordinate_system="PATIENT")  # fmt: skip
    same(VolumeGeometry.from_attributes(**kw), hd.VolumeGeometry.from_attributes(**kw))
    kw = dict(spacing=[1.0, 2.0, 3.0], coordinate_system="PATIENT", center_position=[1.0, 2.0, 3.0], patient_orientation="FPL")
    same(VolumeGeometry.from_components((4, 5, 6), **kw), hd.VolumeGeometry.from_components((4, 5, 6), **kw))
    # documented, a TypeError in highdicom 0.28: one float shared by the three axes
    one = VolumeGeometry.from_components((4, 5, 6), spacing=2.0, coordinate_system="PATIENT", position=[0.0] * 3, direction=np.eye(3))
    assert one.spacing == (2.0, 2.0, 2.0)
    with pytest.raises(ValueError):
        VolumeGeometry.from_components((4, 5, 6), spacing=1.0, coordinate_system="SLIDE", position=[0.0] * 3, patient_orientation="LPH")
    ras = VolumeGeometry(np.diag([2.0, 3.0, 4.0, 1.0]), (2, 2, 2), "PATIENT", from_reference_convention="RAS")
    assert np.array_equal(ras.affine, hd.VolumeGeometry(np.diag([2.0, 3.0, 4.0, 1.0]), (2, 2, 2), "PATIENT", from_reference_convention="RAS").affine)
    for cls in (VolumeGeometry, hd.VolumeGeometry):
        with pytest.raises(ValueError):
            cls(np.eye(3), (1, 2, 3), "PATIENT")
        with pytest.raises(ValueError):
            cls(np.ones((4, 4)), (1, 2, 3), "PATIENT")
        with pytest.raises(ValueError):
            cls(np.eye(4), (1, 2), "PATIENT")
        with pytest.raises(ValueError):
            cls(np.eye(4), (1, 2, 3), "PLANET")
    assert VolumeGeometry(np.eye(4), (1, 2, 3), hd.CoordinateSystemNames.SLIDE).coordinate_system is CoordinateSystemNames.SLIDE
    assert dcmcore.VolumeGeometry is VolumeGeometry
    assert VolumeGeometry(np.diag([1.0, 1.0, -1.0, 1.0]), (1, 1, 1), "PATIENT").handedness is AxisHandedness.LEFT_HANDED


def test_slide_geometry():
    affine, shape = geometry_args("axial")
    ours = VolumeGeometry(affine, shape, "SLIDE")
    theirs = hd.VolumeGeometry(affine, shape, "SLIDE")
    got, expected = ours.get_plane_position(2)[0], theirs.get_plane_position(2)[0]
    for keyword in ("XOffsetInSlideCoordinateSystem", "YOffsetInSlideCoordinateSystem", "ZOffsetInSlideCoordinateSystem"):
        assert float(got[keyword].value) == pytest.approx(float(expected[keyword].value))
    assert "ImageOrientationSlide" in ours.get_plane_orientation()[0]
    with pytest.raises(RuntimeError):
        ours.get_closest_patient_orientation()
    with pytest.raises(RuntimeError):
        ours.to_patient_orientation("LPH")
    assert PatientOrientationValuesBiped("L") is PatientOrientationValuesBiped.L
