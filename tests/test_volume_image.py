"""Image.get_volume and Image.get_volume_geometry against highdicom's on the same files: real and generated multi-frame images."""

from __future__ import annotations

import copy

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

import dcmcore
from dcmcore._testdata import testdata_file
from tests import _tiled
from tests._volume_util import ORIENTATIONS, series_positions

REAL = ["eCT_Supplemental.dcm", "liver.dcm", "CT_small.dcm", "MR_small.dcm"]


def both(path):
    return dcmcore.imread(path), hd.imread(str(path))


def same_geometry(ours, theirs):
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert ours.spatial_shape == theirs.spatial_shape
        np.testing.assert_allclose(ours.affine, theirs.affine, atol=1e-9)
        assert ours.coordinate_system.value == theirs.coordinate_system.value


def same_volume(ours, theirs):
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours.array, theirs.array)
    np.testing.assert_allclose(ours.affine, theirs.affine, atol=1e-9)
    assert ours.frame_of_reference_uid == theirs.frame_of_reference_uid
    assert [str(c) for c in ours.channel_descriptors] == [str(c) for c in theirs.channel_descriptors]


def enhanced(tmp_path, positions, orientation=ORIENTATIONS["axial"], *, order=None, name="mf.dcm", change=None):
    """An enhanced CT image (pydicom's eCT_Supplemental header) with one frame per position, in `order`."""
    base = pydicom.dcmread(testdata_file("eCT_Supplemental.dcm"))
    frame0 = base.pixel_array[0]
    order = list(range(len(positions))) if order is None else list(order)
    base.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient = list(orientation)
    template = base.PerFrameFunctionalGroupsSequence[0]
    items = []
    for i in order:
        item = copy.deepcopy(template)
        item.PlanePositionSequence[0].ImagePositionPatient = [float(v) for v in positions[i]]
        items.append(item)
    base.PerFrameFunctionalGroupsSequence = items
    base.NumberOfFrames = len(order)
    base.FrameOfReferenceUID, base.SOPInstanceUID = generate_uid(), generate_uid()
    base.PixelData = np.stack([np.roll(frame0, 7 * i, axis=1) for i in order]).astype(frame0.dtype).tobytes()
    if change is not None:
        change(base)
    path = tmp_path / name
    base.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize("name", REAL)
def test_real_files_geometry_and_volume(name):
    ours, theirs = both(testdata_file(name))
    same_geometry(ours.get_volume_geometry(), theirs.get_volume_geometry())
    same_volume(ours.get_volume(), theirs.get_volume())
    same_volume(ours.get_volume(dtype=np.float32, workers=2), theirs.get_volume(dtype=np.float32))
    region = dict(row_start=3, row_end=-2, column_start=5, column_end=-3)
    same_volume(ours.get_volume(**region), theirs.get_volume(**region))
    same_volume(ours.get_volume(slice_start=-1), theirs.get_volume(slice_start=-1))
    same_volume(ours.get_volume(apply_modality_transform=False, apply_real_world_transform=False),
                theirs.get_volume(apply_modality_transform=False, apply_real_world_transform=False))


@pytest.mark.parametrize("orientation", ["axial", "oblique", "sagittal", "flipped"])
def test_generated_multiframe_any_order(tmp_path, orientation):
    positions = series_positions(ORIENTATIONS[orientation], 6, 2.5)
    path = enhanced(tmp_path, positions, ORIENTATIONS[orientation], order=[3, 0, 5, 1, 4, 2])
    ours, theirs = both(path)
    geometry = ours.get_volume_geometry()
    same_geometry(geometry, theirs.get_volume_geometry())
    assert geometry.frame_of_reference_uid == pydicom.dcmread(path, stop_before_pixels=True).FrameOfReferenceUID
    same_volume(ours.get_volume(), theirs.get_volume())
    same_volume(ours.get_volume(dtype=np.float32, workers=2), theirs.get_volume(dtype=np.float32))
    # slice selection: 1-based numbers by default, 0-based indices with as_indices
    same_volume(ours.get_volume(slice_start=3), theirs.get_volume(slice_start=3))
    same_volume(ours.get_volume(slice_start=-2), theirs.get_volume(slice_start=-2))
    same_volume(ours.get_volume(slice_end=4, as_indices=True), theirs.get_volume(slice_end=4, as_indices=True))
    same_volume(
        ours.get_volume(slice_start=2, slice_end=-1, as_indices=True, row_start=10, column_end=-10),
        theirs.get_volume(slice_start=2, slice_end=-1, as_indices=True, row_start=10, column_end=-10),
    )
    # 1-based: slices 2 and 3 (an end of 4 stops before slice 4); highdicom 0.28 raises an empty
    # ValueError whenever slice_start is 1 and slice_end is given, so it is compared through indices
    part = ours.get_volume(slice_start=2, slice_end=4)
    same_volume(part, theirs.get_volume(slice_start=1, slice_end=3, as_indices=True))
    assert np.array_equal(ours.get_volume(slice_start=1, slice_end=3).array, theirs.get_volume(slice_end=2, as_indices=True).array)


def test_missing_positions(tmp_path):
    positions = series_positions(ORIENTATIONS["coronal"], 6, 3.0)
    path = enhanced(tmp_path, positions, ORIENTATIONS["coronal"], order=[0, 1, 3, 4, 5])
    ours, theirs = both(path)
    assert ours.get_volume_geometry() is None and theirs.get_volume_geometry() is None
    same_geometry(ours.get_volume_geometry(allow_missing_positions=True), theirs.get_volume_geometry(allow_missing_positions=True))
    with pytest.raises(RuntimeError):
        theirs.get_volume()
    with pytest.raises(RuntimeError, match="regularly-spaced"):
        ours.get_volume()
    same_volume(ours.get_volume(allow_missing_positions=True), theirs.get_volume(allow_missing_positions=True))


def test_irregular_and_tolerances(tmp_path):
    positions = series_positions(ORIENTATIONS["axial"], 5, 2.0)
    positions[3] += np.array([0.0, 0.0, 0.1])  # 5 % of the spacing
    ours, theirs = both(enhanced(tmp_path, positions))
    assert ours.get_volume_geometry() is None and theirs.get_volume_geometry() is None
    with pytest.raises(RuntimeError):
        theirs.get_volume()
    with pytest.raises(RuntimeError, match="regularly-spaced"):
        ours.get_volume()
    same_geometry(ours.get_volume_geometry(rtol=0.1), theirs.get_volume_geometry(rtol=0.1))
    same_geometry(ours.get_volume_geometry(atol=0.2), theirs.get_volume_geometry(atol=0.2))
    same_volume(ours.get_volume(atol=0.2), theirs.get_volume(atol=0.2))


def test_duplicate_positions(tmp_path):
    positions = series_positions(ORIENTATIONS["axial"], 4, 2.0)
    ours, theirs = both(enhanced(tmp_path, positions, order=[0, 1, 1, 2, 3]))
    same_geometry(ours.get_volume_geometry(), theirs.get_volume_geometry())
    same_geometry(
        ours.get_volume_geometry(allow_duplicate_positions=False), theirs.get_volume_geometry(allow_duplicate_positions=False)
    )
    with pytest.raises(RuntimeError):
        theirs.get_volume()
    with pytest.raises(RuntimeError, match="Multiple frames"):
        ours.get_volume()


def test_inconsistent_orientation_and_shared_position(tmp_path):
    positions = series_positions(ORIENTATIONS["axial"], 3, 2.0)

    def per_frame_orientation(ds):
        del ds.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence
        for i, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
            orientation = Dataset()
            orientation.ImageOrientationPatient = ORIENTATIONS["axial" if i < 2 else "oblique"]
            item.PlaneOrientationSequence = [orientation]

    ours, theirs = both(enhanced(tmp_path, positions, change=per_frame_orientation))
    assert ours.get_volume_geometry() is None and theirs.get_volume_geometry() is None
    with pytest.raises(RuntimeError):
        theirs.get_volume()
    with pytest.raises(RuntimeError, match="consistent ImageOrientationPatient"):
        ours.get_volume()

    def shared_position(ds):
        ds.SharedFunctionalGroupsSequence[0].PlanePositionSequence = ds.PerFrameFunctionalGroupsSequence[0].PlanePositionSequence
        for item in ds.PerFrameFunctionalGroupsSequence:
            del item.PlanePositionSequence

    ours, theirs = both(enhanced(tmp_path, positions, change=shared_position, name="shared.dcm"))
    same_geometry(ours.get_volume_geometry(), theirs.get_volume_geometry())
    with pytest.raises(RuntimeError):
        theirs.get_volume()
    with pytest.raises(RuntimeError, match="Multiple frames"):
        ours.get_volume()


def test_numbering_errors(tmp_path):
    path = enhanced(tmp_path, series_positions(ORIENTATIONS["axial"], 4, 2.0))
    ours, theirs = both(path)
    for kwargs, error in [
        (dict(slice_start=0), ValueError),
        (dict(row_start=0), ValueError),
        (dict(column_start=0), ValueError),
        (dict(slice_end=9), IndexError),
        (dict(slice_end=-9), IndexError),
        (dict(row_end=600), ValueError),
        (dict(slice_start=3, slice_end=2), ValueError),
    ]:
        with pytest.raises(error):
            theirs.get_volume(**kwargs)
        with pytest.raises(error):
            ours.get_volume(**kwargs)


def test_not_volumes():
    for name in ["SC_rgb.dcm", "emri_small.dcm"]:  # no frame of reference
        ours, theirs = both(testdata_file(name))
        assert ours.get_volume_geometry() is None and theirs.get_volume_geometry() is None
        with pytest.raises(RuntimeError, match="frame-of-reference"):
            theirs.get_volume()
        with pytest.raises(RuntimeError, match="frame-of-reference"):
            ours.get_volume()


@pytest.mark.parametrize("color", [False, True])
def test_tiled_slide_image(tmp_path, color):
    mat = _tiled.matrix(40, 52, color)
    path = _tiled.write(_tiled.tiled_dataset(mat, (16, 16)), tmp_path / "tiled.dcm")
    ours, theirs = both(path)
    same_geometry(ours.get_volume_geometry(), theirs.get_volume_geometry())
    same_volume(ours.get_volume(dtype=np.uint8), theirs.get_volume(dtype=np.uint8))
    region = dict(row_start=5, row_end=30, column_start=-20, dtype=np.float32)
    same_volume(ours.get_volume(**region, workers=2), theirs.get_volume(**region))


def test_lazily_read_image(tmp_path):
    positions = series_positions(ORIENTATIONS["oblique"], 5, 2.0)
    path = enhanced(tmp_path, positions, ORIENTATIONS["oblique"], order=[2, 4, 0, 3, 1])
    theirs = hd.imread(str(path), lazy_frame_retrieval=True)
    with dcmcore.imread(path, lazy_frame_retrieval=True) as ours:
        same_volume(ours.get_volume(slice_start=2, workers=2), theirs.get_volume(slice_start=2))
        same_geometry(ours.get_volume_geometry(), theirs.get_volume_geometry())


def test_one_coordinate_system_enumeration_for_images_and_volumes():
    import dcmcore.volume
    from pydicom.data import get_testdata_file

    image = dcmcore.imread(get_testdata_file("CT_small.dcm"))
    assert dcmcore.image.CoordinateSystemNames is dcmcore.volume.CoordinateSystemNames
    assert image.coordinate_system is dcmcore.volume.CoordinateSystemNames.PATIENT
    assert image.get_volume_geometry().coordinate_system == image.coordinate_system
