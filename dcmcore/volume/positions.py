"""Where planes lie along their normal: sorting, regular spacing, duplicates and gaps.

:func:`get_volume_positions` works on bare positions and one orientation, so
that a series of single-frame data sets and the frames of an enhanced
multi-frame image are turned into a volume by the same code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.volume._affine import VOLUME_INDEX_CONVENTION, get_normal_vector, inverse_affine_from_attributes
from dcmcore.volume._affine import create_affine_matrix_from_attributes
from dcmcore.volume._dataset import is_multiframe
from dcmcore.volume.enums import AxisHandedness

__all__ = [
    "DEFAULT_SPACING_RELATIVE_TOLERANCE",
    "DEFAULT_PERPENDICULAR_TOLERANCE",
    "get_volume_positions",
    "get_series_volume_positions",
    "get_plane_sort_index",
    "get_dataset_sort_index",
    "sort_datasets",
    "are_points_coplanar",
    "check_orientation_consistency",
    "map_pixel_into_coordinate_system",
    "map_coordinate_into_pixel_matrix",
]

#: Relative tolerance on slice spacing when neither `rtol` nor `atol` is given.
DEFAULT_SPACING_RELATIVE_TOLERANCE = 1e-2
#: Largest deviation of |cos| from 1 between the slice-to-slice direction and the normal.
DEFAULT_PERPENDICULAR_TOLERANCE = 1e-3
_ZERO_SPACING = 1e-5


def _tolerances(rtol: float | None, atol: float | None) -> tuple[float, float]:
    if atol is not None and rtol is not None:
        raise TypeError("Arguments 'rtol' and 'atol' may not be provided together.")
    if atol is not None:
        return 0.0, float(atol)
    if rtol is not None:
        return float(rtol), 0.0
    return DEFAULT_SPACING_RELATIVE_TOLERANCE, 0.0


def get_volume_positions(
    image_positions: Sequence[Sequence[float]],
    image_orientation: Sequence[float],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    perpendicular_tol: float | None = None,
    sort: bool = True,
    allow_missing_positions: bool = False,
    allow_duplicate_positions: bool = False,
    spacing_hint: float | None = None,
    index_convention=VOLUME_INDEX_CONVENTION,
    handedness=AxisHandedness.RIGHT_HANDED,
    enforce_handedness: bool = False,
) -> tuple[float | None, list[int] | None]:
    """The slice spacing and each plane's 0-based index in the volume, or (None, None).

    The planes (one position each, one shared orientation) form a volume when,
    once sorted along the normal that `index_convention` and `handedness`
    define, they are regularly spaced (within `rtol` *or* `atol`; 1 % of the
    spacing by default) along that normal (within `perpendicular_tol`), with
    no repeated position unless `allow_duplicate_positions` and no gap unless
    `allow_missing_positions` (the spacing is then `spacing_hint`, or the
    smallest gap). With `enforce_handedness`, planes ordered against the
    normal are refused.
    """
    if not sort and (allow_duplicate_positions or allow_missing_positions):
        name = "allow_duplicate_positions" if allow_duplicate_positions else "allow_missing_positions"
        raise ValueError(f"Argument '{name}' requires 'sort'.")
    if spacing_hint is not None:
        spacing_hint = abs(float(spacing_hint))
        if spacing_hint == 0.0:
            raise ValueError("Argument 'spacing_hint' cannot be 0.")
    rtol, atol = _tolerances(rtol, atol)
    if perpendicular_tol is None:
        perpendicular_tol = DEFAULT_PERPENDICULAR_TOLERANCE
    if perpendicular_tol < 0.0:
        raise ValueError("Argument 'perpendicular_tol' may not be negative.")
    positions = np.array(image_positions, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise ValueError("Argument 'image_positions' should be an (N, 3) array.")
    n = positions.shape[0]
    if n == 0:
        raise ValueError("Argument 'image_positions' should contain at least 1 position.")
    single = 1.0 if spacing_hint is None else spacing_hint
    if n == 1:
        return single, [0]
    normal = get_normal_vector(image_orientation, index_convention=index_convention, handedness=handedness)
    unique, which = np.unique(positions, axis=0, return_inverse=True)
    which = which.reshape(-1)
    if unique.shape[0] < n and not allow_duplicate_positions:
        return None, None
    if unique.shape[0] == 1:
        return single, [0] * n
    distances = unique @ normal
    order = np.argsort(distances, kind="stable") if sort else np.arange(unique.shape[0])
    ordered = distances[order]
    steps = np.diff(ordered)
    if allow_missing_positions:
        spacing = spacing_hint if spacing_hint is not None else float(steps.min())
        if spacing_hint is None and abs(spacing) <= _ZERO_SPACING:
            return None, None  # in-plane translations only
        multiples = (distances - distances.min()) / spacing
        rounded = np.round(multiples)
        deviations = np.abs(distances - (rounded * spacing + distances.min()))
        regular = bool((deviations <= atol + rtol * abs(spacing)).all())
        rank = rounded.astype(np.int64)
    else:
        spacing = float((ordered[-1] - ordered[0]) / (len(ordered) - 1))
        if spacing_hint is not None and not np.isclose(abs(spacing), spacing_hint, rtol=rtol, atol=atol):
            return None, None
        regular = bool(np.isclose(steps, spacing, rtol=rtol, atol=atol).all())
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
    if regular and enforce_handedness and spacing < 0.0:
        return None, None
    spans = unique[order[1:]] - unique[order[0]]
    cosines = (spans / np.linalg.norm(spans, axis=1)[:, None]) @ normal
    perpendicular = bool(np.all(np.abs(np.abs(cosines) - 1.0) < perpendicular_tol))
    if not (regular and perpendicular):
        return None, None
    return abs(spacing), rank[which].tolist()


def check_orientation_consistency(series_datasets: Sequence[Dataset], orientation_tol: float) -> list[float] | None:
    """The most common Image Orientation (Patient), if every other is within `orientation_tol` of it."""
    return common_orientation([tuple(ds.ImageOrientationPatient) for ds in series_datasets], orientation_tol)


def common_orientation(orientations: Sequence[tuple[float, ...]], orientation_tol: float) -> list[float] | None:
    """The most common of `orientations` (six direction cosines each), if every other is within `orientation_tol` of it."""
    counts = Counter(orientations)
    common = counts.most_common(1)[0][0]
    rows, cols = np.array(common[:3]), np.array(common[3:])
    for other in counts:
        if np.array(other[:3]) @ rows < 1.0 - orientation_tol or np.array(other[3:]) @ cols < 1.0 - orientation_tol:
            return None
    return list(common)


def get_series_volume_positions(
    datasets: Sequence[Dataset],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    perpendicular_tol: float | None = None,
    orientation_tol: float | None = None,
    sort: bool = True,
    allow_missing_positions: bool = False,
    allow_duplicate_positions: bool = False,
    index_convention=VOLUME_INDEX_CONVENTION,
    handedness=AxisHandedness.RIGHT_HANDED,
    enforce_handedness: bool = False,
) -> tuple[float | None, list[int] | None]:
    """:func:`get_volume_positions` for a series of single-frame data sets (headers suffice)."""
    if len(datasets) == 0:
        raise ValueError("List must not be empty.")
    if len(datasets) == 1:
        return 1.0, [0]
    if any(is_multiframe(ds) for ds in datasets):
        raise ValueError("Datasets should be single-frame images.")
    if orientation_tol is None:
        orientation = datasets[0].ImageOrientationPatient
        if any(ds.ImageOrientationPatient != orientation for ds in datasets[1:]):
            return None, None
    else:
        orientation = check_orientation_consistency(datasets, orientation_tol)
        if orientation is None:
            return None, None
    hint = None
    if allow_missing_positions:
        hint = datasets[0].get("SpacingBetweenSlices")
        hint = None if hint is None or float(hint) == 0.0 else float(hint)
    return get_volume_positions(
        [ds.ImagePositionPatient for ds in datasets],
        orientation,
        rtol=rtol,
        atol=atol,
        perpendicular_tol=perpendicular_tol,
        sort=sort,
        allow_missing_positions=allow_missing_positions,
        allow_duplicate_positions=allow_duplicate_positions,
        spacing_hint=hint,
        index_convention=index_convention,
        handedness=handedness,
        enforce_handedness=enforce_handedness,
    )


def get_plane_sort_index(
    image_positions, image_orientation, index_convention=VOLUME_INDEX_CONVENTION, handedness=AxisHandedness.RIGHT_HANDED
) -> list[int]:
    """The order of the planes along their normal (a stable sort)."""
    positions = np.asarray(image_positions, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise ValueError("Argument 'image_positions' must have shape (N, 3)")
    orientation = np.asarray(image_orientation, dtype=np.float64)
    if orientation.shape != (6,):
        raise ValueError("Argument 'image_orientation' must have shape (6, )")
    normal = get_normal_vector(orientation, index_convention=index_convention, handedness=handedness)
    return np.argsort(positions @ normal, kind="stable").tolist()


def get_dataset_sort_index(
    datasets: Sequence[Dataset], index_convention=VOLUME_INDEX_CONVENTION, handedness=AxisHandedness.RIGHT_HANDED
) -> list[int]:
    """The order of single-frame data sets along their common normal."""
    if is_multiframe(datasets[0]):
        raise ValueError("Datasets should be single frame images.")
    if "ImageOrientationPatient" not in datasets[0]:
        raise AttributeError("Datasets do not have an orientation.")
    orientation = datasets[0].ImageOrientationPatient
    if not all(np.allclose(ds.ImageOrientationPatient, orientation) for ds in datasets):
        raise ValueError("Datasets do not have a consistent orientation.")
    return get_plane_sort_index(
        [ds.ImagePositionPatient for ds in datasets], orientation, index_convention, handedness
    )


def sort_datasets(
    datasets: Sequence[Dataset], index_convention=VOLUME_INDEX_CONVENTION, handedness=AxisHandedness.RIGHT_HANDED
) -> list[Dataset]:
    """The data sets sorted along their common normal."""
    return [datasets[i] for i in get_dataset_sort_index(datasets, index_convention, handedness)]


def are_points_coplanar(points: np.ndarray, tol: float = 1e-5) -> bool:
    """True when (n, 3) `points` lie within `tol` of one plane (always for fewer than 4)."""
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError("Array should have shape (n x 3).")
    if points.shape[0] < 4:
        return True
    centred = points - points.mean(axis=0, keepdims=True)
    normal = np.linalg.svd(centred.T)[0][:, -1]
    return bool(np.abs(centred @ normal).max() <= tol)


def map_pixel_into_coordinate_system(index, image_position, image_orientation, pixel_spacing) -> tuple[float, ...]:
    """The frame-of-reference (x, y, z) of one (column, row) pixel index."""
    affine = create_affine_matrix_from_attributes(image_position, image_orientation, pixel_spacing)
    point = affine[:3, :2] @ np.asarray(index, dtype=np.float64) + affine[:3, 3]
    return tuple(point.tolist())


def map_coordinate_into_pixel_matrix(
    coordinate, image_position, image_orientation, pixel_spacing, spacing_between_slices: float = 1.0
) -> tuple[int, int, int]:
    """The nearest (column, row, slice) pixel index of a frame-of-reference (x, y, z)."""
    inverse = inverse_affine_from_attributes(image_position, image_orientation, pixel_spacing, spacing_between_slices)
    index = inverse[:3, :3] @ np.asarray(coordinate, dtype=np.float64) + inverse[:3, 3]
    return tuple(round(v) for v in index.tolist())  # type: ignore[return-value]
