"""dcmcore.spatial's tiling helpers against highdicom.spatial's on the same inputs, and the module's names against highdicom's."""

from __future__ import annotations

import inspect

import highdicom.spatial as hs
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ParametricMapStorage, SegmentationStorage

import dcmcore.spatial as ds_
from dcmcore._testdata import testdata_file
from tests import _tiled
from tests._volume_util import ORIENTATIONS

SIZES = [(40, 52, 16, 16), (32, 32, 16, 16), (5, 7, 8, 3), (100, 33, 10, 40), (1, 1, 1, 1)]


def test_every_highdicom_spatial_function_is_here_with_its_parameters():
    names = [n for n, v in vars(hs).items() if not n.startswith("_") and getattr(v, "__module__", None) == hs.__name__]
    assert names
    for name in names:
        ours = getattr(ds_, name)
        if inspect.isfunction(getattr(hs, name)):
            assert list(inspect.signature(ours).parameters) == list(inspect.signature(getattr(hs, name)).parameters), name


@pytest.mark.parametrize("total_rows, total_columns, rows, columns", SIZES)
def test_tile_pixel_matrix(total_rows, total_columns, rows, columns):
    expected = list(hs.tile_pixel_matrix(total_rows, total_columns, rows, columns))
    assert list(ds_.tile_pixel_matrix(total_rows, total_columns, rows, columns)) == expected


@pytest.mark.parametrize("shape", [(20, 23), (20, 23, 3)])
@pytest.mark.parametrize("offsets", [(1, 1), (5, 9), (17, 20), (20, 23), (11, 1)])
@pytest.mark.parametrize("pad", [True, False])
def test_get_tile_array(shape, offsets, pad):
    array = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    for tile in [(8, 8), (4, 10), (30, 30)]:
        expected = hs.get_tile_array(array, *offsets, *tile, pad=pad)
        got = ds_.get_tile_array(array, *offsets, *tile, pad=pad)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize("offsets", [(0, 1), (1, 0), (21, 1), (1, 24), (-1, 3)])
def test_get_tile_array_errors(offsets):
    array = np.zeros((20, 23))
    with pytest.raises(ValueError):
        hs.get_tile_array(array, *offsets, 4, 4)
    with pytest.raises(ValueError):
        ds_.get_tile_array(array, *offsets, 4, 4)


@pytest.mark.parametrize("total_rows, total_columns, rows, columns", SIZES)
@pytest.mark.parametrize("orientation", [[0, 1, 0, 1, 0, 0], [0, -1, 0, -1, 0, 0], ORIENTATIONS["oblique"]])
def test_compute_tile_positions_per_frame(total_rows, total_columns, rows, columns, orientation):
    args = (rows, columns, total_rows, total_columns, [10.0, 20.5, 0.25], orientation, [0.25, 0.5])
    expected = hs.compute_tile_positions_per_frame(*args)
    got = ds_.compute_tile_positions_per_frame(*args)
    assert [offsets for offsets, _ in got] == [offsets for offsets, _ in expected]
    np.testing.assert_allclose([p for _, p in got], [p for _, p in expected], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [dict(position=[1.0, 2.0]), dict(orientation=[1, 0, 0, 0, 1]), dict(spacing=[1.0])])
def test_compute_tile_positions_per_frame_errors(bad):
    args = (
        16, 16, 40, 40, bad.get("position", [0.0, 0.0, 0.0]), bad.get("orientation", [0, 1, 0, 1, 0, 0]),
        bad.get("spacing", [1.0, 1.0]),
    )  # fmt: skip
    with pytest.raises(ValueError):
        hs.compute_tile_positions_per_frame(*args)
    with pytest.raises(ValueError):
        ds_.compute_tile_positions_per_frame(*args)


def test_is_tiled_image():
    tiled = _tiled.tiled_dataset(_tiled.matrix(40, 52, False))
    ct = pydicom.dcmread(testdata_file("CT_small.dcm"))
    for ds in (tiled, ct):
        assert ds_.is_tiled_image(ds) is hs.is_tiled_image(ds)
    assert ds_.is_tiled_image(tiled)


def _segmentation(ds: Dataset, segments: int) -> Dataset:
    ds.SOPClassUID = SegmentationStorage
    ds.SegmentSequence = [Dataset() for _ in range(segments)]
    return ds


def _parametric_map(ds: Dataset) -> Dataset:
    ds.SOPClassUID = ParametricMapStorage
    return ds


@pytest.mark.parametrize(
    "make",
    [
        lambda: _tiled.tiled_dataset(_tiled.matrix(40, 52, False)),
        lambda: _tiled.tiled_dataset(_tiled.matrix(33, 20, True), (8, 16), planes=2, paths=3),
        lambda: _segmentation(_tiled.tiled_dataset(_tiled.matrix(40, 52, False), planes=2), 3),
        lambda: _parametric_map(_tiled.tiled_dataset(_tiled.matrix(40, 52, False))),
    ],
)
def test_iter_tiled_full_frame_data(make):
    ds = make()
    ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].SpacingBetweenSlices = 0.004
    expected = list(hs.iter_tiled_full_frame_data(ds))
    got = list(ds_.iter_tiled_full_frame_data(ds))
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    np.testing.assert_allclose([g[4:] for g in got], [e[4:] for e in expected], rtol=1e-12, atol=1e-12)
    assert all(type(v) is type(w) for g, e in zip(got, expected) for v, w in zip(g, e))


def test_iter_tiled_full_frame_data_errors():
    sparse = _tiled.tiled_dataset(_tiled.matrix(40, 52, False), full=False)
    ct = pydicom.dcmread(testdata_file("CT_small.dcm"))
    for ds in (sparse, ct):
        with pytest.raises(ValueError):
            list(hs.iter_tiled_full_frame_data(ds))
        with pytest.raises(ValueError):
            list(ds_.iter_tiled_full_frame_data(ds))
