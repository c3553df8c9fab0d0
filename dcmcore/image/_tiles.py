"""Tiled images: where each frame lies in the total pixel matrix, and regions read from the tiles they touch.

Two layouts (PS3.3 C.7.6.17.3):

* TILED_FULL: positions are implied. Frames fill the tile grid row by row,
  then repeat it for each focal plane and each optical path.
* TILED_SPARSE (and any tiled image with per-frame positions): each frame's
  (0048,021E)/(0048,021F) *Row/Column Position In Total Image Pixel Matrix*
  in its Plane Position (Slide) Sequence.

A region request finds the frames whose tiles overlap it (one vectorised
test over the positions), decodes each of them once, possibly on several
threads, and copies the overlapping part of each, transformed, into its
place in the output. Tiles sticking out of the total pixel matrix (the edge
tiles) are clipped. Positions no frame covers stay 0, as highdicom leaves
blank positions.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._threads import run_jobs
from dcmcore.dataset_elements import tag_name
from dcmcore.errors import InvalidElementError, MissingElementError

__all__ = ["TileLayout", "TilePiece", "read_region", "check_full_frames", "full_dimension_values"]


class TilePiece(NamedTuple):
    """One frame's part of a region: the frame, the rectangle in the frame and in the output."""

    frame: int
    src: tuple[slice, slice]
    dst: tuple[slice, slice]


def _int_element(ds: Dataset, keyword: str) -> int:
    value = ds.get(keyword)
    if value is None or value == "":
        raise MissingElementError(f"The tiled image has no '{keyword}'")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidElementError(f"'{keyword}' must be an integer, not {value!r}") from None


class TileLayout:
    """The tile grid of a tiled image.

    Attributes
    ----------
    tile_shape : (int, int)
        Rows and columns of a frame.
    total_shape : (int, int)
        Rows and columns of the total pixel matrix.
    positions : numpy.ndarray
        ``(frames, 2)`` 0-based row and column of each frame's top left
        pixel in the total pixel matrix.
    full : bool
        TILED_FULL (positions implied by the grid).
    """

    def __init__(self, tile_shape: tuple[int, int], total_shape: tuple[int, int], positions: np.ndarray, full: bool) -> None:
        self.tile_shape = tile_shape
        self.total_shape = total_shape
        self.positions = positions
        self.full = full

    @classmethod
    def from_dataset(cls, ds: Dataset, nframes: int) -> TileLayout:
        """The layout of tiled image `ds` of `nframes` frames."""
        tile = (_int_element(ds, "Rows"), _int_element(ds, "Columns"))
        total = (_int_element(ds, "TotalPixelMatrixRows"), _int_element(ds, "TotalPixelMatrixColumns"))
        if tile[0] < 1 or tile[1] < 1:
            raise InvalidElementError(f"A tile of {tile[0]} x {tile[1]} pixels cannot tile a total pixel matrix")
        if ds.get("DimensionOrganizationType", "") == "TILED_FULL":
            check_full_frames(ds, tile, total, nframes)
            return cls(tile, total, full_positions(tile, total, nframes), True)
        return cls(tile, total, sparse_positions(ds, nframes), False)

    def grid_tiles(self, r0: int, r1: int, c0: int, c1: int) -> int:
        """How many tiles of the grid overlap rows ``r0 .. r1-1`` and columns ``c0 .. c1-1``."""
        th, tw = self.tile_shape
        return ((r1 - 1) // th - r0 // th + 1) * ((c1 - 1) // tw - c0 // tw + 1)

    def plan(self, r0: int, r1: int, c0: int, c1: int) -> list[TilePiece]:
        """The frames overlapping rows ``r0 .. r1-1`` and columns ``c0 .. c1-1`` (0-based), and where their parts go.

        Raises
        ------
        RuntimeError
            Several frames cover one position of the region (more than one
            focal plane or optical path, say): the region would be ambiguous.
        """
        th, tw = self.tile_shape
        rows, cols = self.positions[:, 0], self.positions[:, 1]
        hit = (rows < r1) & (rows + th > r0) & (cols < c1) & (cols + tw > c0)
        frames = np.flatnonzero(hit)
        if frames.size:
            keys = rows[frames] * (self.total_shape[1] + tw) + cols[frames]
            if np.unique(keys).size != frames.size:
                raise RuntimeError(
                    "Several frames lie at the same position of the total pixel matrix (focal planes, optical "
                    "paths or repeated tiles): the frames do not identify the region uniquely"
                )
        pieces = []
        for f in frames.tolist():
            fr, fc = int(rows[f]), int(cols[f])
            top, bottom = max(fr, r0), min(fr + th, r1, self.total_shape[0])
            left, right = max(fc, c0), min(fc + tw, c1, self.total_shape[1])
            if bottom <= top or right <= left:
                continue
            src = (slice(top - fr, bottom - fr), slice(left - fc, right - fc))
            dst = (slice(top - r0, bottom - r0), slice(left - c0, right - c0))
            pieces.append(TilePiece(f, src, dst))
        return pieces


def full_positions(tile: tuple[int, int], total: tuple[int, int], nframes: int) -> np.ndarray:
    """The implied positions of TILED_FULL frames: the grid row by row, repeated per plane and path."""
    per_row = -(-total[1] // tile[1])
    per_column = -(-total[0] // tile[0])
    per_plane = per_row * per_column
    k = np.arange(nframes, dtype=np.int64) % per_plane
    return np.stack([(k // per_row) * tile[0], (k % per_row) * tile[1]], axis=1)


def _count(ds: Dataset, keyword: str, default: int) -> int:
    value = ds.get(keyword)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidElementError(f"'{keyword}' must be an integer, not {value!r}") from None


def full_grid(ds: Dataset) -> tuple[int, int, int, int]:
    """A TILED_FULL image's tiles per column, tiles per row, focal planes and optical paths."""
    tile = (_int_element(ds, "Rows"), _int_element(ds, "Columns"))
    total = (_int_element(ds, "TotalPixelMatrixRows"), _int_element(ds, "TotalPixelMatrixColumns"))
    paths = ds.get("OpticalPathSequence")
    return (
        -(-total[0] // max(tile[0], 1)), -(-total[1] // max(tile[1], 1)),
        _count(ds, "TotalPixelMatrixFocalPlanes", 1), _count(ds, "NumberOfOpticalPaths", len(paths) if paths else 1),
    )


def check_full_frames(ds: Dataset, tile: tuple[int, int], total: tuple[int, int], nframes: int) -> None:
    """Refuse a TILED_FULL image with fewer frames than its tile grid, focal planes and optical paths imply.

    Raises
    ------
    InvalidElementError
        Naming (0028,0008) *Number of Frames* and the elements the count
        comes from.
    """
    down, across, planes, paths = full_grid(ds)
    implied = down * across * planes * paths
    if nframes < implied:
        name = tag_name
        raise InvalidElementError(
            f"The TILED_FULL image has {name(0x00280008)} {nframes}, fewer than the {implied} its tile grid implies: "
            f"{down} x {across} tiles of {tile[0]} x {tile[1]} ({name(0x00280010)} x {name(0x00280011)}) cover the "
            f"total pixel matrix of {total[0]} x {total[1]} ({name(0x00480007)} x {name(0x00480006)}), for each of "
            f"{planes} focal planes ({name(0x00480303)}) and {paths} optical paths ({name(0x00480302)})"
        )


def full_dimension_values(ds: Dataset, nframes: int) -> dict[int, np.ndarray]:
    """The dimension values a TILED_FULL image's frames imply, by dimension index pointer, one row per frame.

    Row and column positions in the total pixel matrix, X, Y and Z offsets in
    the slide coordinate system and, when the image has an Optical Path
    Sequence, the optical path (its 1-based number).
    """
    tile = (_int_element(ds, "Rows"), _int_element(ds, "Columns"))
    total = (_int_element(ds, "TotalPixelMatrixRows"), _int_element(ds, "TotalPixelMatrixColumns"))
    check_full_frames(ds, tile, total, nframes)
    down, across, planes, _paths = full_grid(ds)
    k = np.arange(nframes, dtype=np.int64)
    in_plane = k % (down * across)
    plane = (k // (down * across)) % planes
    path = k // (down * across * planes)
    row = (in_plane // across) * tile[0]
    col = (in_plane % across) * tile[1]
    values: dict[int, np.ndarray] = {0x0048021F: row + 1, 0x0048021E: col + 1}
    origin = (ds.get("TotalPixelMatrixOriginSequence") or [Dataset()])[0]
    cosines = [float(v) for v in (ds.get("ImageOrientationSlide") or (0, 1, 0, 1, 0, 0))]
    shared = (ds.get("SharedFunctionalGroupsSequence") or [Dataset()])[0]
    measures = (shared.get("PixelMeasuresSequence") or [Dataset()])[0]
    spacing = [float(v) for v in (measures.get("PixelSpacing") or (1.0, 1.0))]
    between = float(measures.get("SpacingBetweenSlices") or 1.0)
    start = (float(origin.get("XOffsetInSlideCoordinateSystem") or 0.0), float(origin.get("YOffsetInSlideCoordinateSystem") or 0.0))
    for axis, (tag, offset) in enumerate(((0x0040072A, start[0]), (0x0040073A, start[1]))):
        values[tag] = offset + col * spacing[1] * cosines[axis] + row * spacing[0] * cosines[3 + axis]
    values[0x0040074A] = plane * between + col * spacing[1] * cosines[2] + row * spacing[0] * cosines[5]
    if "OpticalPathSequence" in ds:
        values[0x00480106] = path + 1
    return values


def sparse_positions(ds: Dataset, nframes: int) -> np.ndarray:
    """Each frame's position from its (or the shared) Plane Position (Slide) Sequence."""
    positions = np.empty((nframes, 2), np.int64)
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    shared = ds.get("SharedFunctionalGroupsSequence") or []
    shared_item = _plane_position(shared[0]) if shared else None
    for i in range(nframes):
        item = _plane_position(per_frame[i]) if i < len(per_frame) else None
        item = item if item is not None else shared_item
        if item is None:
            raise MissingElementError(
                f"Frame {i + 1} of the tiled image has no Plane Position (Slide) Sequence: "
                "its place in the total pixel matrix is unknown"
            )
        positions[i, 0] = _int_element(item, "RowPositionInTotalImagePixelMatrix") - 1
        positions[i, 1] = _int_element(item, "ColumnPositionInTotalImagePixelMatrix") - 1
    return positions


def _plane_position(item: Dataset) -> Dataset | None:
    for keyword in ("PlanePositionSlideSequence", "PlanePositionSequence"):
        seq = item.get(keyword)
        if seq and "RowPositionInTotalImagePixelMatrix" in seq[0]:
            return seq[0]
    return None


def read_region(
    pieces: list[TilePiece],
    out: np.ndarray,
    fetch: Callable[[int], np.ndarray],
    workers: int,
) -> np.ndarray:
    """Fill `out` with the pieces: each frame's values from `fetch` (decoded, transformed), its part copied in place.

    Pieces go to `workers` threads (the decoders and the copies release the
    GIL); they write disjoint parts of `out`. `fetch` may return a scratch
    array of its thread: it is read before that thread's next call.
    """

    def one(piece: TilePiece) -> None:
        out[piece.dst] = fetch(piece.frame)[piece.src]

    run_jobs(one, [(p,) for p in pieces], max(1, min(workers, len(pieces))))
    return out
