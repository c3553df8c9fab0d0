"""get_total_pixel_matrix of generated tiled images (tests/_tiled.py) against the known matrix and highdicom."""

from __future__ import annotations

import io

import numpy as np
import pytest

from dcmcore import imread
from tests._helpers import testdata
from tests._tiled import PAD_VALUE, matrix, tiled_dataset, write
from tests.test_image_lazy import CountingFile

hd = pytest.importorskip("highdicom")

REGIONS = [
    {},
    dict(row_start=5, row_end=40, column_start=3, column_end=-2),  # edge tiles on the right, clipped
    dict(row_start=0, row_end=17, column_start=16, column_end=33, as_indices=True),
    dict(row_start=-10, column_start=-20),  # the bottom right corner: partial edge tiles only
    dict(row_start=20, row_end=21, column_start=20, column_end=21),  # one pixel
]


def _expected(mat: np.ndarray, region: dict) -> np.ndarray:
    r0, r1 = region.get("row_start"), region.get("row_end")
    c0, c1 = region.get("column_start"), region.get("column_end")
    if not region.get("as_indices"):
        r0 = r0 - 1 if r0 is not None and r0 > 0 else r0
        r1 = r1 - 1 if r1 is not None and r1 > 0 else r1
        c0 = c0 - 1 if c0 is not None and c0 > 0 else c0
        c1 = c1 - 1 if c1 is not None and c1 > 0 else c1
    return mat[slice(r0, r1), slice(c0, c1)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiled")
    made = {}
    for full in (True, False):
        for jpeg in (False, True):
            for color in (False, True):
                mat = matrix(50, 70, color, seed=int(full) + 2 * int(jpeg))
                ds = tiled_dataset(mat, (16, 16), full=full, jpeg=jpeg, shuffle=not full)
                made[(full, jpeg, color)] = (write(ds, root / f"{full}-{jpeg}-{color}.dcm"), mat)
    return made


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom's length warning on highdicom's side
@pytest.mark.parametrize("full", [True, False], ids=["TILED_FULL", "TILED_SPARSE"])
@pytest.mark.parametrize("jpeg", [False, True], ids=["native", "jpeg"])
@pytest.mark.parametrize("color", [False, True], ids=["mono", "rgb"])
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_regions_equal_highdicom_and_the_matrix(files, full, jpeg, color, lazy):
    path, mat = files[(full, jpeg, color)]
    ref = hd.imread(str(path))
    with imread(path, lazy_frame_retrieval=lazy) as im:
        assert im.is_tiled and im.is_indexable_as_total_pixel_matrix()
        assert im.is_indexable_as_total_pixel_matrix() == ref.is_indexable_as_total_pixel_matrix()
        assert im.dimension_index_pointers == ref.dimension_index_pointers
        for region in REGIONS:
            got = im.get_total_pixel_matrix(**region, dtype=np.uint8)
            # the JPEG tiles decode identically in both (same codestream, 8-bit baseline: exact in every
            # decoder installed here, libjpeg-turbo and libjpeg 6b)
            np.testing.assert_array_equal(got, ref.get_total_pixel_matrix(**region, dtype=np.uint8))
            if not jpeg:
                np.testing.assert_array_equal(got, _expected(mat, region))
            np.testing.assert_array_equal(im.get_total_pixel_matrix(**region, dtype=np.uint8, workers=2), got)
            assert PAD_VALUE not in got[-1:, -1:] or not jpeg  # the padding of edge tiles never shows
        floats = im.get_total_pixel_matrix(row_start=3, row_end=30)
        np.testing.assert_array_equal(floats, ref.get_total_pixel_matrix(row_start=3, row_end=30))


def test_only_the_touched_tiles_are_read(files):
    path, mat = files[(True, True, True)]
    data = path.read_bytes()
    fp = CountingFile(data)
    eager = imread(io.BytesIO(data))
    with imread(fp, lazy_frame_retrieval=True) as im:
        before = fp.bytes_read
        im.get_total_pixel_matrix(row_start=17, row_end=33, column_start=17, column_end=33)  # tile (1, 1) only
        assert fp.bytes_read - before <= len(eager.get_raw_frame(1 * 5 + 1 + 1))
        before = fp.bytes_read
        im.get_total_pixel_matrix(row_start=10, row_end=20, column_start=10, column_end=20)  # four tiles
        four = sum(len(eager.get_raw_frame(k)) for k in (1, 2, 6, 7))
        assert fp.bytes_read - before <= four


def test_missing_tiles(tmp_path):
    mat = matrix(40, 40, False)
    path = write(tiled_dataset(mat, (16, 16), full=False, drop=(4,)), tmp_path / "sparse.dcm")  # tile (1, 1)
    ref = hd.imread(str(path))
    im = imread(path)
    with pytest.raises(RuntimeError, match="missing"):
        ref.get_total_pixel_matrix()
    with pytest.raises(RuntimeError, match="missing"):
        im.get_total_pixel_matrix()
    # a region that avoids the missing tile is fine in both
    np.testing.assert_array_equal(im.get_total_pixel_matrix(row_end=17), ref.get_total_pixel_matrix(row_end=17))
    filled = im.get_total_pixel_matrix(dtype=np.uint8, allow_missing_frames=True)
    want = mat.copy()
    want[16:32, 16:32] = 0  # as highdicom leaves blank positions
    np.testing.assert_array_equal(filled, want)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("full", [True, False], ids=["TILED_FULL", "TILED_SPARSE"])
def test_several_focal_planes_or_optical_paths_are_ambiguous(tmp_path, full):
    mat = matrix(40, 40, False)
    path = write(tiled_dataset(mat, (16, 16), full=full, planes=2, paths=2), tmp_path / "planes.dcm")
    im = imread(path)
    assert im.number_of_frames == 9 * 4
    with pytest.raises(RuntimeError):
        hd.imread(str(path)).get_total_pixel_matrix()
    with pytest.raises(RuntimeError, match="same position"):
        im.get_total_pixel_matrix()
    # every frame is still there: the fourth grid (second path, second plane) is the matrix + 3
    np.testing.assert_array_equal(im.get_stored_frame(27 + 1)[:16, :16], np.clip(mat[:16, :16].astype(int) + 3, 0, 255))


def test_region_arguments_are_checked(files):
    path, _ = files[(True, False, False)]
    im = imread(path)
    with pytest.raises(ValueError, match="0"):
        im.get_total_pixel_matrix(row_start=0)
    with pytest.raises(ValueError, match="out of range"):
        im.get_total_pixel_matrix(row_start=51)
    with pytest.raises(ValueError, match="empty"):
        im.get_total_pixel_matrix(row_start=10, row_end=10)
    flat = imread(testdata("emri_small.dcm"))
    assert not flat.is_tiled
    with pytest.raises(RuntimeError, match="not a tiled"):
        flat.get_total_pixel_matrix()


def test_stored_values_of_tiles_skip_the_transform(files):
    from dcmcore.transforms import TransformChain

    path, mat = files[(True, False, True)]
    im = imread(path)
    chain = TransformChain.from_dataset(im, dtype=np.uint8)
    assert chain.is_identity  # RGB, no ICC profile: the tiles' stored values are copied as they are
    assert not TransformChain.from_dataset(imread(testdata("CT_small.dcm"))).is_identity
    np.testing.assert_array_equal(im.get_total_pixel_matrix(dtype=np.uint8), mat)


_POINTER_LISTS = [
    ["RowPositionInTotalImagePixelMatrix", "ColumnPositionInTotalImagePixelMatrix"],
    ["ColumnPositionInTotalImagePixelMatrix"],
    ["XOffsetInSlideCoordinateSystem", "YOffsetInSlideCoordinateSystem"],
    ["XOffsetInSlideCoordinateSystem", "YOffsetInSlideCoordinateSystem", "ZOffsetInSlideCoordinateSystem"],
    ["RowPositionInTotalImagePixelMatrix", "ColumnPositionInTotalImagePixelMatrix", "OpticalPathIdentifier"],
    [0x0048021F, 0x0048021E, 0x0040074A, 0x00480106],
    ["OpticalPathIdentifier"],
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("planes, paths", [(1, 1), (2, 1), (2, 2)])
def test_dimension_indices_of_tiled_full_images_are_implied(tmp_path, planes, paths):
    # TILED_FULL has no Dimension Index Sequence: the grid implies the values, as highdicom takes them
    path = write(tiled_dataset(matrix(40, 40, False), (16, 16), full=True, planes=planes, paths=paths), tmp_path / "full.dcm")
    ref = hd.imread(str(path))
    im = imread(path)
    assert im.dimension_index_pointers == ref.dimension_index_pointers == []
    for pointers in _POINTER_LISTS:
        assert im.are_dimension_indices_unique(pointers) == ref.are_dimension_indices_unique(pointers), pointers
    with pytest.raises(KeyError):
        ref.are_dimension_indices_unique(["PatientName"])
    with pytest.raises(KeyError, match="0010,0010"):
        im.are_dimension_indices_unique(["PatientName"])


@pytest.mark.parametrize("short", [1, 9], ids=["one-tile-short", "one-plane-short"])
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_tiled_full_with_fewer_frames_than_its_grid_is_refused(tmp_path, short, lazy):
    from dcmcore.errors import DcmcoreError

    # 3 x 3 tiles, 2 focal planes: 18 frames implied
    ds = tiled_dataset(matrix(40, 40, False), (16, 16), full=True, planes=2)
    frames = 18 - short
    ds.NumberOfFrames = frames
    ds.PixelData = ds.PixelData[: frames * 16 * 16]
    path = write(ds, tmp_path / "short.dcm")
    with imread(path, lazy_frame_retrieval=lazy) as im:
        assert im.number_of_frames == frames
        np.testing.assert_array_equal(im.get_stored_frame(frames), ds.pixel_array[-1])  # the frames are readable
        for call in (
            lambda: im.get_total_pixel_matrix(row_end=10),
            lambda: im.are_dimension_indices_unique(["RowPositionInTotalImagePixelMatrix"]),
        ):
            with pytest.raises(DcmcoreError) as info:
                call()
            message = str(info.value)
            for name in ("Number of Frames", "Total Pixel Matrix Rows", "Total Pixel Matrix Columns",
                         "Total Pixel Matrix Focal Planes", "Number of Optical Paths", "'Rows'", "'Columns'"):
                assert name in message
            assert f"{frames}, fewer than the 18" in message
