"""dcmcore.spatial against highdicom.spatial on the same inputs: affines, transformers, orientations, positions."""

from __future__ import annotations

import highdicom as hd
import highdicom.spatial as hs
import numpy as np
import pydicom
import pytest

import dcmcore.spatial as ds_
import dcmcore.volume as dv
from dcmcore._testdata import testdata_file
from tests._volume_util import ORIENTATIONS, series_positions

# Where dcmcore computes a product in another order than highdicom (one matrix
# product instead of stacking homogeneous coordinates), results may differ in
# the last bits: 1e-12 relative is a few ulps of the millimetre values used here.
RTOL = 1e-12


@pytest.mark.parametrize("name", list(ORIENTATIONS))
@pytest.mark.parametrize("convention", ["RD", "DR", "LU", ("U", "R")])
@pytest.mark.parametrize("handedness", ["RIGHT_HANDED", "LEFT_HANDED"])
@pytest.mark.parametrize("slices_first", [False, True])
def test_rotation_and_normal(name, convention, handedness, slices_first):
    o = ORIENTATIONS[name]
    kw = dict(index_convention=convention, handedness=handedness, slices_first=slices_first)
    expected = hs.create_rotation_matrix(o, pixel_spacing=[0.7, 0.9], spacing_between_slices=2.5, **kw)
    got = ds_.create_rotation_matrix(o, pixel_spacing=[0.7, 0.9], spacing_between_slices=2.5, **kw)
    assert np.array_equal(got, expected)
    assert np.array_equal(
        ds_.get_normal_vector(o, convention, handedness), hs.get_normal_vector(o, convention, handedness)
    )


@pytest.mark.parametrize("name", list(ORIENTATIONS))
@pytest.mark.parametrize("convention", ["RD", "DR"])
@pytest.mark.parametrize("slices_first", [False, True])
def test_affine_from_attributes(name, convention, slices_first):
    args = ([1.5, -2.25, 30.0], ORIENTATIONS[name], [0.7, 0.9], 2.5)
    kw = dict(index_convention=convention, slices_first=slices_first)
    assert np.array_equal(ds_.create_affine_matrix_from_attributes(*args, **kw), hs.create_affine_matrix_from_attributes(*args, **kw))


def test_affine_from_attributes_errors():
    o = ORIENTATIONS["axial"]
    for module in (ds_, hs):
        with pytest.raises(TypeError):
            module.create_affine_matrix_from_attributes(1.0, o, [1.0, 1.0])
        with pytest.raises(ValueError):
            module.create_affine_matrix_from_attributes([0.0, 0.0], o, [1.0, 1.0])
        with pytest.raises(ValueError):
            module.create_affine_matrix_from_attributes([0.0] * 3, o, [1.0, 1.0], index_convention="LU")
        with pytest.raises(ValueError):
            module.create_rotation_matrix(o, index_convention="RL")
        with pytest.raises(ValueError):
            module.create_rotation_matrix(o, pixel_spacing=[0.0, 1.0])


@pytest.mark.parametrize("orientation", ["LPH", "RAS", "FPL", ("S", "A", "R"), "HRP"])
def test_patient_orientation_helpers(orientation):
    expected = hs.rotation_for_patient_orientation(orientation, spacing=[1.0, 2.0, 3.0])
    assert np.array_equal(ds_.rotation_for_patient_orientation(orientation, spacing=[1.0, 2.0, 3.0]), expected)
    affine = np.eye(4)
    affine[:3, :3] = expected
    # dcmcore's members, highdicom's values
    assert all(isinstance(d, dv.PatientOrientationValuesBiped) for d in ds_.get_closest_patient_orientation(affine))
    assert [d.value for d in ds_.get_closest_patient_orientation(affine)] == [
        d.value for d in hs.get_closest_patient_orientation(affine)
    ]


@pytest.mark.parametrize("to", ["RAH", "LPS", "RAS", "PLH"])
def test_convert_affine_to_convention(to):
    affine = np.eye(4)
    affine[:3, :3] = np.diag([1.0, 2.0, 3.0]) @ hs.rotation_for_patient_orientation("PHR")
    affine[:3, 3] = [4.0, 5.0, 6.0]
    assert np.array_equal(ds_.convert_affine_to_convention(affine, "LPS", to), hs.convert_affine_to_convention(affine, "LPS", to))


def test_convert_affine_to_a_permuted_convention():
    # highdicom 0.28 raises ValueError for conventions that permute the axes ("FPL"), which its
    # documentation allows: dcmcore permutes the rows of the affine
    affine = np.diag([1.0, 2.0, 3.0, 1.0])
    affine[:3, 3] = [4.0, 5.0, 6.0]
    got = ds_.convert_affine_to_convention(affine, "LPS", "FPL")
    assert np.array_equal(got[:3], [[0, 0, -3, -6], [0, 2, 0, 5], [1, 0, 0, 4]])
    back = ds_.convert_affine_to_convention(got, "FPL", "LPS")
    assert np.array_equal(back, affine)


def test_components():
    kw = dict(spacing=[1.0, 2.0, 3.0], position=[1.0, 2.0, 3.0])
    for direction in (np.eye(3), np.eye(3).ravel()[::-1].reshape(3, 3)):
        assert np.array_equal(
            ds_.create_affine_matrix_from_components(direction=direction, **kw),
            hs.create_affine_matrix_from_components(direction=direction, **kw),
        )
    kw = dict(spacing=[1.0, 2.0, 3.0], center_position=[1.0, 2.0, 3.0], spatial_shape=(4, 5, 6))
    assert np.array_equal(
        ds_.create_affine_matrix_from_components(patient_orientation="FPL", **kw),
        hs.create_affine_matrix_from_components(patient_orientation="FPL", **kw),
    )
    for module in (ds_, hs):
        with pytest.raises(TypeError):
            module.create_affine_matrix_from_components(spacing=[1.0] * 3, position=[0.0] * 3)
        with pytest.raises(TypeError):
            module.create_affine_matrix_from_components(spacing=[1.0] * 3, direction=np.eye(3))
        with pytest.raises(ValueError):
            module.create_affine_matrix_from_components(spacing=[1.0] * 3, position=[0.0] * 3, direction=np.ones((3, 3)))


def test_components_single_float_spacing():
    # documented by highdicom ("a single float value to be shared by all spatial dimensions"),
    # a TypeError in highdicom 0.28
    got = ds_.create_affine_matrix_from_components(spacing=2.0, position=[1.0, 2.0, 3.0], direction=np.eye(3))
    expected = hs.create_affine_matrix_from_components(spacing=[2.0] * 3, position=[1.0, 2.0, 3.0], direction=np.eye(3))
    assert np.array_equal(got, expected)


TRANSFORMER_ARGS = dict(image_position=[56.0, 34.2, 1.0], image_orientation=ORIENTATIONS["oblique"], pixel_spacing=[0.5, 0.75])


@pytest.mark.parametrize(
    "name, points",
    [
        ("PixelToReferenceTransformer", np.array([[0, 0], [10, 5], [511, 3]])),
        ("ImageToReferenceTransformer", np.array([[0.0, 10.0], [5.5, 5.25]])),
        ("ReferenceToPixelTransformer", np.array([[56.0, 34.2, 1.0], [60.0, 40.0, -3.0]])),
        ("ReferenceToImageTransformer", np.array([[56.0, 34.2, 1.0], [60.0, 40.0, -3.0]])),
    ],
)
def test_image_transformers(name, points):
    ours, theirs = getattr(ds_, name)(**TRANSFORMER_ARGS), getattr(hs, name)(**TRANSFORMER_ARGS)
    np.testing.assert_allclose(ours.affine, theirs.affine, rtol=RTOL, atol=1e-12)
    got, expected = ours(points), theirs(points)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-10)


def test_reference_example_values():
    t = ds_.ImageToReferenceTransformer(image_position=[56.0, 34.2, 1.0], image_orientation=[1.0, 0, 0, 0, 1.0, 0], pixel_spacing=[0.5, 0.5])
    np.testing.assert_allclose(t(np.array([[0.0, 10.0], [5.0, 5.0]])), [[55.75, 38.95, 1.0], [58.25, 36.45, 1.0]], rtol=RTOL)
    t = ds_.ImageToImageTransformer(
        image_position_from=[0.0, 0.0, 0.0], image_orientation_from=[1.0, 0, 0, 0, 1.0, 0], pixel_spacing_from=[1.0, 1.0],
        image_position_to=[0.0, 100.0, 0.0], image_orientation_to=[1.0, 0, 0, 0, -1.0, 0], pixel_spacing_to=[1.0, 1.0],
    )
    assert np.array_equal(t(np.array([[0, 0], [50, 50]])), [[0.0, 101.0], [50.0, 51.0]])


@pytest.mark.parametrize("name", ["PixelToPixelTransformer", "ImageToImageTransformer"])
def test_image_to_image_transformers(name):
    to = dict(image_position_to=[56.0, 34.2, 1.0], image_orientation_to=[1.0, 0, 0, 0, -1.0, 0], pixel_spacing_to=[0.25, 0.5])
    fr = dict(image_position_from=[50.0, 30.0, 1.0], image_orientation_from=[1.0, 0, 0, 0, 1.0, 0], pixel_spacing_from=[0.5, 0.5])
    ours, theirs = getattr(ds_, name)(**fr, **to), getattr(hs, name)(**fr, **to)
    np.testing.assert_allclose(ours.affine, theirs.affine, rtol=RTOL, atol=1e-12)
    points = np.array([[0, 0], [7, 9]])
    np.testing.assert_allclose(ours(points), theirs(points), rtol=RTOL, atol=1e-10)
    off_plane = dict(to, image_position_to=[56.0, 34.2, 2.0])
    with pytest.raises(ValueError):
        getattr(ds_, name)(**fr, **off_plane)
    with pytest.raises(ValueError):
        getattr(hs, name)(**fr, **off_plane)


def test_transformer_errors():
    for module in (ds_, hs):
        with pytest.raises(ValueError):
            module.PixelToReferenceTransformer(**TRANSFORMER_ARGS)(np.zeros((2, 3), int))
        with pytest.raises(TypeError):
            module.PixelToReferenceTransformer(**TRANSFORMER_ARGS)(np.zeros((2, 2)))
        t = module.ReferenceToPixelTransformer(**TRANSFORMER_ARGS, drop_slice_index=True)
        with pytest.raises(RuntimeError):
            t(np.array([[56.0, 34.2, 10.0]]))


def test_for_image_single_and_multiframe():
    ct = pydicom.dcmread(testdata_file("CT_small.dcm"))
    for name in ("PixelToReferenceTransformer", "ReferenceToPixelTransformer", "ImageToReferenceTransformer", "ReferenceToImageTransformer"):
        np.testing.assert_allclose(getattr(ds_, name).for_image(ct).affine, getattr(hs, name).for_image(ct).affine, rtol=RTOL, atol=1e-12)
    mf = pydicom.dcmread(testdata_file("eCT_Supplemental.dcm"))
    for frame in (1, 2):
        np.testing.assert_allclose(
            ds_.PixelToReferenceTransformer.for_image(mf, frame_number=frame).affine,
            hs.PixelToReferenceTransformer.for_image(mf, frame_number=frame).affine, rtol=RTOL,
        )
    with pytest.raises(TypeError):
        ds_.PixelToReferenceTransformer.for_image(mf)
    with pytest.raises(TypeError):
        ds_.PixelToReferenceTransformer.for_image(ct, frame_number=2)
    assert ds_.get_image_coordinate_system(ct) is dv.CoordinateSystemNames.PATIENT
    assert hs.get_image_coordinate_system(ct).value == "PATIENT"


def test_enums_accept_highdicom_members():
    assert dv.AxisHandedness(hd.AxisHandedness.LEFT_HANDED) is dv.AxisHandedness.LEFT_HANDED
    assert dv.CoordinateSystemNames(hd.CoordinateSystemNames.SLIDE) is dv.CoordinateSystemNames.SLIDE
    assert dv.PadModes("edge") is dv.PadModes.EDGE and dv.PadModes(hd.PadModes.MEDIAN) is dv.PadModes.MEDIAN
    assert dv.PixelIndexDirections(hd.PixelIndexDirections.U) is dv.PixelIndexDirections.U
    for ours, theirs in [
        (dv.PatientOrientationValuesBiped, hd.PatientOrientationValuesBiped),
        (dv.PatientOrientationValuesQuadruped, hd.PatientOrientationValuesQuadruped),
        (dv.PadModes, hd.PadModes),
        (dv.AxisHandedness, hd.AxisHandedness),
        (dv.PixelIndexDirections, hd.PixelIndexDirections),
    ]:
        assert {m.name: m.value for m in ours} == {m.name: m.value for m in theirs}
    with pytest.raises(ValueError):
        dv.AxisHandedness("LEFT")
    assert {k.value: v.value for k, v in ds_.PATIENT_ORIENTATION_OPPOSITES.items()} == {
        k.value: v.value for k, v in hs.PATIENT_ORIENTATION_OPPOSITES.items()
    }
    # highdicom's enum members as arguments
    o = ORIENTATIONS["oblique"]
    assert np.array_equal(ds_.get_normal_vector(o, (hd.PixelIndexDirections.D, hd.PixelIndexDirections.R), hd.AxisHandedness.LEFT_HANDED), hs.get_normal_vector(o, "DR", "LEFT_HANDED"))


POSITION_CASES = {
    "sorted": lambda p: p,
    "reversed": lambda p: p[::-1],
    "shuffled": lambda p: p[np.random.default_rng(3).permutation(len(p))],
    "irregular": lambda p: np.concatenate([p[:4], p[5:6] + 0.3 * (p[1] - p[0]), p[6:]]),
    "duplicate": lambda p: np.concatenate([p, p[3:4]]),
    "missing": lambda p: np.concatenate([p[:3], p[5:]]),
    "tilted": lambda p: p + np.arange(len(p))[:, None] * np.array([0.0, 0.4, 0.0]),
    "jitter": lambda p: p + np.random.default_rng(1).normal(0.0, 0.004, p.shape),
    "one": lambda p: p[:1],
    "same": lambda p: np.repeat(p[:1], 3, axis=0),
}


@pytest.mark.parametrize("name", list(ORIENTATIONS))
@pytest.mark.parametrize("case", list(POSITION_CASES))
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"allow_duplicate_positions": True},
        {"allow_missing_positions": True},
        {"allow_missing_positions": True, "spacing_hint": 2.5},
        {"atol": 0.01},
        {"rtol": 1e-4},
        {"enforce_handedness": True},
        {"sort": False},
        {"handedness": "LEFT_HANDED"},
        {"perpendicular_tol": 0.1},
    ],
)
def test_get_volume_positions(name, case, kw):
    positions = POSITION_CASES[case](series_positions(ORIENTATIONS[name], 10, 2.5))
    got = ds_.get_volume_positions(positions.tolist(), ORIENTATIONS[name], **kw)
    expected = hs.get_volume_positions(positions.tolist(), ORIENTATIONS[name], **kw)
    assert got[1] == expected[1]
    if expected[0] is None:
        assert got[0] is None
    else:
        assert got[0] == pytest.approx(expected[0], rel=RTOL)
    assert ds_.get_plane_sort_index(positions, ORIENTATIONS[name]) == hs.get_plane_sort_index(positions, ORIENTATIONS[name])


def test_get_volume_positions_errors():
    o = ORIENTATIONS["axial"]
    p = series_positions(o, 4, 1.0)
    for module in (ds_, hs):
        with pytest.raises(TypeError):
            module.get_volume_positions(p, o, atol=1.0, rtol=1.0)
        with pytest.raises(ValueError):
            module.get_volume_positions(p, o, sort=False, allow_missing_positions=True)
        with pytest.raises(ValueError):
            module.get_volume_positions(p[:, :2], o)
        with pytest.raises(ValueError):
            module.get_volume_positions(p, o, spacing_hint=0.0)


def test_points_coplanar_and_maps():
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(20, 3))
    plane[:, 2] = 0.5 * plane[:, 0]
    for points in (plane, rng.normal(size=(20, 3)), plane[:3]):
        assert ds_.are_points_coplanar(points) == hs.are_points_coplanar(points)
    args = ([56.0, 34.2, 1.0], ORIENTATIONS["oblique"], [0.5, 0.75])
    np.testing.assert_allclose(ds_.map_pixel_into_coordinate_system((3, 4), *args), hs.map_pixel_into_coordinate_system((3, 4), *args), rtol=RTOL)
    assert ds_.map_coordinate_into_pixel_matrix((60.0, 40.0, 0.0), *args) == hs.map_coordinate_into_pixel_matrix((60.0, 40.0, 0.0), *args)
