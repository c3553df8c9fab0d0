"""Transformers between pixel indices, image coordinates and frame-of-reference coordinates of 2-D images.

Pixel indices are integer (column, row) pairs whose (0, 0) is the centre of
the top left pixel; image coordinates are (column, row) floats whose (0.0, 0.0)
is the top left corner of that pixel; reference coordinates are (x, y, z) in
millimetres in the frame of reference. Each transformer holds one 4 x 4 affine
and applies it to an (n, 2) or (n, 3) array in one matrix product.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.volume._affine import (
    create_affine_matrix_from_attributes,
    get_normal_vector,
    inverse_affine_from_attributes,
)
from dcmcore.volume._dataset import spatial_information

__all__ = [
    "PixelToReferenceTransformer",
    "ReferenceToPixelTransformer",
    "PixelToPixelTransformer",
    "ImageToReferenceTransformer",
    "ReferenceToImageTransformer",
    "ImageToImageTransformer",
]

_PARALLEL_TOLERANCE = 1e-3
_DISTANCE_TOLERANCE = 1e-5

# image coordinates -> pixel indices, and back (half a pixel in each in-plane direction)
_IMAGE_TO_PIXEL = np.array([[1.0, 0, 0, -0.5], [0, 1.0, 0, -0.5], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])
_PIXEL_TO_IMAGE = np.array([[1.0, 0, 0, 0.5], [0, 1.0, 0, 0.5], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])


def _apply(affine: np.ndarray, points: np.ndarray, n_in: int, n_out: int) -> np.ndarray:
    """``affine`` applied to (n, n_in) points (a zero third coordinate when n_in is 2), first n_out outputs."""
    out = affine[:n_out, :n_in] @ np.asarray(points, dtype=np.float64).T  # one BLAS product
    out += affine[:n_out, 3:4]
    return out.T


def _check_points(points: np.ndarray, width: int, name: str) -> None:
    if points.ndim != 2 or points.shape[1] != width:
        raise ValueError(f'Argument "{name}" must be a two-dimensional array with shape [n, {width}].')


def _check_integers(indices: np.ndarray) -> None:
    if indices.dtype.kind not in "ui":
        raise TypeError('Argument "indices" must be a two-dimensional array of integers.')


def _coplanar(position_a, orientation_a, position_b, orientation_b) -> bool:
    normal_a = get_normal_vector(orientation_a)
    normal_b = get_normal_vector(orientation_b)
    cosine = float(normal_a @ normal_b)
    if abs(abs(cosine) - 1.0) >= _PARALLEL_TOLERANCE:
        return False
    distance = (np.asarray(position_a, dtype=np.float64) - np.asarray(position_b, dtype=np.float64)) @ normal_a
    return abs(float(distance)) < _DISTANCE_TOLERANCE


def _check_coplanar(position_a, orientation_a, position_b, orientation_b) -> None:
    if not _coplanar(position_a, orientation_a, position_b, orientation_b):
        raise ValueError(
            "The two images do not lie in the same plane of the frame of reference, so there is no "
            "transformation between their pixels."
        )


def _in_plane(out: np.ndarray, drop: bool, what: str) -> np.ndarray:
    """(n, 3) outputs, or their first two columns with `drop` (refused more than half a slice off the plane)."""
    if not drop:
        return out
    if out.shape[0] and np.abs(out[:, 2]).max() > 0.5:
        raise RuntimeError(f"Output {what} do not lie within the given image plane.")
    return out[:, :2]


def _plane_of(dataset: Dataset, frame_number, for_total_pixel_matrix: bool) -> tuple:
    """(position, orientation, pixel spacing, spacing between slices, 1.0 when absent) of an image or frame."""
    position, orientation, spacing, between = spatial_information(dataset, frame_number, for_total_pixel_matrix)
    return position, orientation, spacing, 1.0 if between is None else between


def _between(position_from, orientation_from, spacing_from, position_to, orientation_to, spacing_to) -> np.ndarray:
    """The affine from pixel indices of a "from" plane to those of a coplanar "to" plane."""
    _check_coplanar(position_from, orientation_from, position_to, orientation_to)
    forward = create_affine_matrix_from_attributes(position_from, orientation_from, spacing_from)
    return inverse_affine_from_attributes(position_to, orientation_to, spacing_to) @ forward


def _pair_information(dataset_from, dataset_to, frame_from, frame_to, total_from, total_to):
    for ds in (dataset_from, dataset_to):
        if "FrameOfReferenceUID" not in ds:
            raise ValueError("Cannot determine spatial relationship because datasets lack a frame of reference UID.")
    if dataset_from.FrameOfReferenceUID != dataset_to.FrameOfReferenceUID:
        raise ValueError(
            "Datasets do not share a frame of reference, so the spatial relationship between them is not defined."
        )
    return (
        spatial_information(dataset_from, frame_number=frame_from, for_total_pixel_matrix=total_from),
        spatial_information(dataset_to, frame_number=frame_to, for_total_pixel_matrix=total_to),
    )


class _Affine:
    __slots__ = ("_affine",)

    @property
    def affine(self) -> np.ndarray:
        """numpy.ndarray: the 4 x 4 affine matrix (a copy)."""
        return self._affine.copy()


class PixelToReferenceTransformer(_Affine):
    """Maps integer (column, row) pixel indices of an image to frame-of-reference (x, y, z)."""

    __slots__ = ()

    def __init__(self, image_position, image_orientation, pixel_spacing):
        self._affine = create_affine_matrix_from_attributes(image_position, image_orientation, pixel_spacing)

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        """(n, 2) integer (column, row) indices -> (n, 3) reference coordinates."""
        _check_points(indices, 2, "indices")
        _check_integers(indices)
        return _apply(self._affine, indices, 2, 3)

    @classmethod
    def for_image(cls, dataset: Dataset, frame_number: int | None = None, for_total_pixel_matrix: bool = False):
        """The transformer of an image (1-based `frame_number` for a multi-frame image)."""
        return cls(*_plane_of(dataset, frame_number, for_total_pixel_matrix)[:3])


class ReferenceToPixelTransformer(_Affine):
    """Maps frame-of-reference (x, y, z) to (column, row, slice) pixel indices of an image."""

    __slots__ = ("_round_output", "_drop_slice_index")

    def __init__(
        self,
        image_position,
        image_orientation,
        pixel_spacing,
        spacing_between_slices: float = 1.0,
        round_output: bool = True,
        drop_slice_index: bool = False,
    ):
        self._round_output = round_output
        self._drop_slice_index = drop_slice_index
        self._affine = inverse_affine_from_attributes(
            image_position, image_orientation, pixel_spacing, spacing_between_slices
        )

    def __call__(self, coordinates: np.ndarray) -> np.ndarray:
        """(n, 3) reference coordinates -> (n, 3) indices, or (n, 2) with `drop_slice_index`.

        Raises ``RuntimeError`` with `drop_slice_index` when a point lies more
        than half a slice off the image plane.
        """
        _check_points(coordinates, 3, "coordinates")
        out = _in_plane(_apply(self._affine, coordinates, 3, 3), self._drop_slice_index, "indices")
        return np.around(out).astype(int) if self._round_output else out

    @classmethod
    def for_image(
        cls,
        dataset: Dataset,
        frame_number: int | None = None,
        for_total_pixel_matrix: bool = False,
        round_output: bool = True,
        drop_slice_index: bool = False,
    ):
        """The transformer of an image (1-based `frame_number` for a multi-frame image)."""
        return cls(*_plane_of(dataset, frame_number, for_total_pixel_matrix), round_output, drop_slice_index)


class PixelToPixelTransformer(_Affine):
    """Maps (column, row) pixel indices of one image to those of another image in the same plane."""

    __slots__ = ("_round_output",)

    def __init__(
        self,
        image_position_from,
        image_orientation_from,
        pixel_spacing_from,
        image_position_to,
        image_orientation_to,
        pixel_spacing_to,
        round_output: bool = True,
    ):
        self._round_output = round_output
        self._affine = _between(
            image_position_from, image_orientation_from, pixel_spacing_from, image_position_to, image_orientation_to, pixel_spacing_to
        )

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        """(n, 2) integer indices of the "from" image -> (n, 2) indices of the "to" image."""
        _check_points(indices, 2, "indices")
        _check_integers(indices)
        out = _apply(self._affine, indices, 2, 2)
        return np.around(out).astype(int) if self._round_output else out

    @classmethod
    def for_images(
        cls,
        dataset_from: Dataset,
        dataset_to: Dataset,
        frame_number_from: int | None = None,
        frame_number_to: int | None = None,
        for_total_pixel_matrix_from: bool = False,
        for_total_pixel_matrix_to: bool = False,
        round_output: bool = True,
    ):
        """The transformer between two images (or frames) that share a frame of reference."""
        a, b = _pair_information(
            dataset_from, dataset_to, frame_number_from, frame_number_to,
            for_total_pixel_matrix_from, for_total_pixel_matrix_to,
        )  # fmt: skip
        return cls(*a[:3], *b[:3], round_output=round_output)


class ImageToReferenceTransformer(_Affine):
    """Maps (column, row) image coordinates (sub-pixel, corner origin) to frame-of-reference (x, y, z)."""

    __slots__ = ()

    def __init__(self, image_position, image_orientation, pixel_spacing):
        forward = create_affine_matrix_from_attributes(image_position, image_orientation, pixel_spacing)
        self._affine = forward @ _IMAGE_TO_PIXEL

    def __call__(self, coordinates: np.ndarray) -> np.ndarray:
        """(n, 2) image coordinates -> (n, 3) reference coordinates."""
        _check_points(coordinates, 2, "coordinates")
        return _apply(self._affine, coordinates, 2, 3)

    @classmethod
    def for_image(cls, dataset: Dataset, frame_number: int | None = None, for_total_pixel_matrix: bool = False):
        """The transformer of an image (1-based `frame_number` for a multi-frame image)."""
        return cls(*_plane_of(dataset, frame_number, for_total_pixel_matrix)[:3])


class ReferenceToImageTransformer(_Affine):
    """Maps frame-of-reference (x, y, z) to (column, row, slice) image coordinates."""

    __slots__ = ("_drop_slice_coord",)

    def __init__(
        self,
        image_position,
        image_orientation,
        pixel_spacing,
        spacing_between_slices: float = 1.0,
        drop_slice_coord: bool = False,
    ):
        self._drop_slice_coord = drop_slice_coord
        backward = inverse_affine_from_attributes(
            image_position, image_orientation, pixel_spacing, spacing_between_slices
        )
        self._affine = _PIXEL_TO_IMAGE @ backward

    def __call__(self, coordinates: np.ndarray) -> np.ndarray:
        """(n, 3) reference coordinates -> (n, 3) image coordinates, or (n, 2) with `drop_slice_coord`."""
        _check_points(coordinates, 3, "coordinates")
        return _in_plane(_apply(self._affine, coordinates, 3, 3), self._drop_slice_coord, "coordinates")

    @classmethod
    def for_image(
        cls,
        dataset: Dataset,
        frame_number: int | None = None,
        for_total_pixel_matrix: bool = False,
        drop_slice_coord: bool = False,
    ):
        """The transformer of an image (1-based `frame_number` for a multi-frame image)."""
        return cls(*_plane_of(dataset, frame_number, for_total_pixel_matrix), drop_slice_coord)


class ImageToImageTransformer(_Affine):
    """Maps (column, row) image coordinates of one image to those of another image in the same plane."""

    __slots__ = ()

    def __init__(
        self,
        image_position_from,
        image_orientation_from,
        pixel_spacing_from,
        image_position_to,
        image_orientation_to,
        pixel_spacing_to,
    ):
        between = _between(
            image_position_from, image_orientation_from, pixel_spacing_from, image_position_to, image_orientation_to, pixel_spacing_to
        )
        self._affine = _PIXEL_TO_IMAGE @ between @ _IMAGE_TO_PIXEL

    def __call__(self, coordinates: np.ndarray) -> np.ndarray:
        """(n, 2) image coordinates of the "from" image -> (n, 2) image coordinates of the "to" image."""
        _check_points(coordinates, 2, "coordinates")
        return _apply(self._affine, coordinates, 2, 2)

    @classmethod
    def for_images(
        cls,
        dataset_from: Dataset,
        dataset_to: Dataset,
        frame_number_from: int | None = None,
        frame_number_to: int | None = None,
        for_total_pixel_matrix_from: bool = False,
        for_total_pixel_matrix_to: bool = False,
    ):
        """The transformer between two images (or frames) that share a frame of reference."""
        a, b = _pair_information(
            dataset_from, dataset_to, frame_number_from, frame_number_to,
            for_total_pixel_matrix_from, for_total_pixel_matrix_to,
        )  # fmt: skip
        return cls(*a[:3], *b[:3])
