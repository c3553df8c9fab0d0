"""Tiles of a total pixel matrix (highdicom.spatial's tiling helpers): the TILED_FULL grid, tile arrays, tile positions.

A TILED_FULL image (PS3.3 C.7.6.17.3) lists its frames row by row over the
tile grid of its total pixel matrix, for each focal plane of each optical
path (or segment); the tiles of the last row and column may stick out of the
matrix. Offsets here are 1-based, as DICOM's Row/Column Position In Total
Image Pixel Matrix.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ParametricMapStorage, SegmentationStorage, VLWholeSlideMicroscopyImageStorage

from dcmcore.uids import LabelMapSegmentationStorage
from dcmcore.volume._affine import create_affine_matrix_from_attributes

__all__ = [
    "is_tiled_image",
    "tile_pixel_matrix",
    "get_tile_array",
    "compute_tile_positions_per_frame",
    "iter_tiled_full_frame_data",
]


def is_tiled_image(dataset: Dataset) -> bool:
    """Whether `dataset` is a tiled image: it has a total pixel matrix and a number of frames."""
    return all(k in dataset for k in ("TotalPixelMatrixRows", "TotalPixelMatrixColumns", "NumberOfFrames"))


def _grid(total_rows: int, total_columns: int, rows: int, columns: int) -> tuple[int, int]:
    """(tile rows, tile columns) of the grid: the matrix divided by the tile size, rounded up."""
    return -(-int(total_rows) // int(rows)), -(-int(total_columns) // int(columns))


def tile_pixel_matrix(
    total_pixel_matrix_rows: int, total_pixel_matrix_columns: int, rows: int, columns: int
) -> Iterator[tuple[int, int]]:
    """The 1-based (column, row) index of each tile of the grid, row after row (the TILED_FULL order)."""
    down, across = _grid(total_pixel_matrix_rows, total_pixel_matrix_columns, rows, columns)
    return ((c, r) for r in range(1, down + 1) for c in range(1, across + 1))


def get_tile_array(
    pixel_array: np.ndarray, row_offset: int, column_offset: int, tile_rows: int, tile_columns: int, pad: bool = True
) -> np.ndarray:
    """The tile whose top left pixel is at 1-based (`row_offset`, `column_offset`) of a total pixel matrix.

    The first two axes of `pixel_array` are rows and columns (others are
    kept). A tile reaching past the matrix is cut at its edge, then padded
    with zeros to the full tile size with `pad`.

    Raises
    ------
    ValueError
        An offset outside the matrix.
    """
    height, width = pixel_array.shape[:2]
    if not 1 <= row_offset <= height:
        raise ValueError("Row offset must be between 1 and the size of dimension 0 of the pixel array.")
    if not 1 <= column_offset <= width:
        raise ValueError("Column offset must be between 1 and the size of dimension 1 of the pixel array.")
    top, left = row_offset - 1, column_offset - 1
    bottom, right = min(top + tile_rows, height), min(left + tile_columns, width)
    tile = pixel_array[top:bottom, left:right]
    missing = (top + tile_rows - bottom, left + tile_columns - right)
    if pad and any(missing):
        tile = np.pad(tile, [(0, missing[0]), (0, missing[1])] + [(0, 0)] * (pixel_array.ndim - 2))
    return tile


def compute_tile_positions_per_frame(
    rows: int,
    columns: int,
    total_pixel_matrix_rows: int,
    total_pixel_matrix_columns: int,
    total_pixel_matrix_image_position: Sequence[float],
    image_orientation: Sequence[float],
    pixel_spacing: Sequence[float],
) -> list[tuple[list[int], list[float]]]:
    """For each tile of a TILED_FULL grid, its 1-based [column, row] offset and the [x, y, z] of its top left pixel.

    Raises
    ------
    ValueError
        A position not of 3 values, an orientation not of 6, a spacing not of 2.
    """
    for name, value, size in (
        ("total_pixel_matrix_image_position", total_pixel_matrix_image_position, 3),
        ("image_orientation", image_orientation, 6),
        ("pixel_spacing", pixel_spacing, 2),
    ):
        if len(value) != size:
            raise ValueError(f"Argument '{name}' must have length {size}.")
    down, across = _grid(total_pixel_matrix_rows, total_pixel_matrix_columns, rows, columns)
    tile_row, tile_column = np.divmod(np.arange(down * across), across)
    offsets = np.stack([tile_column * int(columns), tile_row * int(rows)], axis=1)  # 0-based (column, row)
    affine = create_affine_matrix_from_attributes(total_pixel_matrix_image_position, image_orientation, pixel_spacing)
    positions = offsets @ affine[:3, :2].T + affine[:3, 3]
    return list(zip((offsets + 1).tolist(), positions.tolist()))


def _channels(dataset: Dataset) -> Sequence[int | None]:
    """The "channels" TILED_FULL frames repeat over: segments, optical paths, or none."""
    sop_class = dataset.SOPClassUID
    if sop_class in (LabelMapSegmentationStorage, ParametricMapStorage):
        return [None]
    if sop_class == SegmentationStorage:
        return range(1, len(dataset.SegmentSequence) + 1)
    if sop_class == VLWholeSlideMicroscopyImageStorage:
        return range(1, int(dataset.get("NumberOfOpticalPaths", len(dataset.OpticalPathSequence))) + 1)
    raise ValueError("Expected a VL Whole Slide Microscopy Image, Segmentation Image, or Parametric Map.")


def iter_tiled_full_frame_data(dataset: Dataset) -> Iterator[tuple[int | None, int, int, int, float, float, float]]:
    """For each frame of a TILED_FULL image, in frame order: (channel, focal plane, column, row, x, y, z).

    The channel is the 1-based segment number of a segmentation, the optical
    path number of a slide image, None for a label map segmentation or a
    parametric map; focal planes, columns and rows are 1-based; x, y, z the
    frame's top left pixel in the slide coordinate system, focal planes
    `SpacingBetweenSlices` apart (1 mm when absent).

    Raises
    ------
    ValueError
        Another kind of image, or not TILED_FULL.
    """
    channels = _channels(dataset)
    if dataset.get("DimensionOrganizationType") != "TILED_FULL":
        raise ValueError('Expected an image with "TILED_FULL" dimension organization type.')
    origin = dataset.TotalPixelMatrixOriginSequence[0]
    orientation = [float(v) for v in dataset.ImageOrientationSlide]
    measures = dataset.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]
    spacing = [float(v) for v in measures.PixelSpacing]
    between = float(measures.get("SpacingBetweenSlices", 1.0))
    x, y = origin.XOffsetInSlideCoordinateSystem, origin.YOffsetInSlideCoordinateSystem
    planes = int(dataset.get("TotalPixelMatrixFocalPlanes", 1))
    for channel in channels:
        for plane in range(1, planes + 1):
            tiles = compute_tile_positions_per_frame(
                dataset.Rows, dataset.Columns, dataset.TotalPixelMatrixRows, dataset.TotalPixelMatrixColumns,
                (x, y, (plane - 1) * between), orientation, spacing,
            )  # fmt: skip
            for (column, row), (px, py, pz) in tiles:
                yield channel, plane, int(column), int(row), float(px), float(py), float(pz)
