"""One image to a volume: the frames of an enhanced multi-frame image stacked along their normal, a single frame, or a tile grid.

:meth:`dcmcore.Image.get_volume` and :meth:`dcmcore.Image.get_volume_geometry`
(highdicom's) delegate here. The geometry comes from the frames' Plane
Position and Plane Orientation (per-frame or shared functional groups, or the
data set's own elements for a single frame) through
:func:`~dcmcore.volume.series.volume_geometry_from_positions`, the rules a
series of files is stacked by; then only the frames the requested slices need
are decoded, each into a reusable buffer of its thread, and transformed
straight into its place in the output volume (on `workers` threads).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._arrays import byte_view
from dcmcore._kernels import pages
from dcmcore._session import resolve_workers
from dcmcore._threads import run_jobs
from dcmcore.image._numbers import region_indices
from dcmcore.volume._dataset import get_image_coordinate_system, is_multiframe
from dcmcore.volume.channels import RGB_COLOR_CHANNEL_DESCRIPTOR
from dcmcore.volume.enums import CoordinateSystemNames
from dcmcore.volume.geometry import VolumeGeometry
from dcmcore.volume.series import new_memory, volume_geometry_from_positions
from dcmcore.volume.volume import Volume

__all__ = ["FramePlanes", "frame_planes", "image_volume_geometry", "image_volume", "slice_indices"]

NO_FRAME_OF_REFERENCE = "Image does not exist within a frame-of-reference coordinate system."
NOT_REGULAR = "Frame positions do not form a regularly-spaced volume."


class FramePlanes:
    """Each frame's position, and the orientation, pixel spacing and slice spacing the frames share."""

    def __init__(self, positions: list, orientation: list, pixel_spacing: list, spacing_hint: float | None) -> None:
        self.positions = positions
        self.orientation = orientation
        self.pixel_spacing = pixel_spacing
        self.spacing_hint = spacing_hint


def _frame_items(ds: Dataset, sequence: str) -> list[Dataset | None]:
    """For each frame, the item of functional group `sequence` that applies (per-frame first, then shared)."""
    nframes = int(ds.get("NumberOfFrames") or 1)
    shared_groups = ds.get("SharedFunctionalGroupsSequence") or []
    shared = shared_groups[0].get(sequence) if shared_groups else None
    shared_item = shared[0] if shared else None
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    items: list[Dataset | None] = []
    for i in range(nframes):
        seq = per_frame[i].get(sequence) if i < len(per_frame) else None
        items.append(seq[0] if seq else shared_item)
    return items


def _frame_values(ds: Dataset, sequence: str, keyword: str) -> list:
    """Each frame's value of `keyword` in its functional group `sequence` (None where absent)."""
    return [None if item is None else item.get(keyword) for item in _frame_items(ds, sequence)]


def _shared(values: list, keyword: str, missing_ok: bool = False) -> Any:
    """The one value every frame has for `keyword`, as a list (None when absent and `missing_ok`)."""
    if any(v is None for v in values):
        if missing_ok and all(v is None for v in values):
            return None
        raise RuntimeError(f"Not every frame has a {keyword}.")
    distinct = {tuple(v) if hasattr(v, "__len__") and not isinstance(v, str) else (v,) for v in values}
    if len(distinct) != 1:
        raise RuntimeError(f"Frames do not have a consistent {keyword}.")
    return list(next(iter(distinct)))


def frame_planes(ds: Dataset) -> FramePlanes:
    """The planes of an image in the patient coordinate system, one per frame (one for a single frame).

    Raises
    ------
    RuntimeError
        A frame without a position, or frames whose orientations, pixel
        spacings or slice spacings differ.
    """
    if not is_multiframe(ds):
        if "ImagePositionPatient" not in ds:
            raise RuntimeError("The image has no Image Position (Patient).")
        between = ds.get("SpacingBetweenSlices")
        return FramePlanes(
            [list(ds.ImagePositionPatient)], list(ds.ImageOrientationPatient), list(ds.PixelSpacing),
            None if between is None else float(between),
        )  # fmt: skip
    positions = _frame_values(ds, "PlanePositionSequence", "ImagePositionPatient")
    if any(p is None for p in positions):
        raise RuntimeError("Not every frame has an ImagePositionPatient.")
    orientations = _frame_values(ds, "PlaneOrientationSequence", "ImageOrientationPatient")
    spacings = _frame_values(ds, "PixelMeasuresSequence", "PixelSpacing")
    hint = _shared(_frame_values(ds, "PixelMeasuresSequence", "SpacingBetweenSlices"), "SpacingBetweenSlices", missing_ok=True)
    return FramePlanes(
        [list(p) for p in positions], _shared(orientations, "ImageOrientationPatient"),
        _shared(spacings, "PixelSpacing"), None if hint is None else float(hint[0]),
    )  # fmt: skip


def _tiled_geometry(ds: Dataset) -> VolumeGeometry:
    """The plane of the total pixel matrix of a tiled slide image."""
    spacing = _shared(_frame_values(ds, "PixelMeasuresSequence", "PixelSpacing"), "PixelSpacing")
    between = _shared(_frame_values(ds, "PixelMeasuresSequence", "SpacingBetweenSlices"), "SpacingBetweenSlices", missing_ok=True)
    origin = ds.TotalPixelMatrixOriginSequence[0]
    position = [
        origin.XOffsetInSlideCoordinateSystem, origin.YOffsetInSlideCoordinateSystem,
        origin.get("ZOffsetInSlideCoordinateSystem", 0.0),
    ]  # fmt: skip
    return VolumeGeometry.from_attributes(
        image_position=position, image_orientation=list(ds.ImageOrientationSlide), rows=int(ds.TotalPixelMatrixRows),
        columns=int(ds.TotalPixelMatrixColumns), pixel_spacing=spacing, number_of_frames=1,
        spacing_between_slices=1.0 if between is None else float(between[0]), coordinate_system=CoordinateSystemNames.SLIDE,
        frame_of_reference_uid=ds.get("FrameOfReferenceUID"),
    )  # fmt: skip


def _is_tiled(ds: Dataset) -> bool:
    return "TotalPixelMatrixRows" in ds and "TotalPixelMatrixColumns" in ds and "NumberOfFrames" in ds


def _stacked(ds: Dataset, **tolerances: Any) -> tuple[VolumeGeometry, list[int]]:
    """The geometry of the frames stacked along their normal, and each frame's slice index."""
    planes = frame_planes(ds)
    try:
        return volume_geometry_from_positions(
            planes.positions, planes.orientation, planes.pixel_spacing, int(ds.Rows), int(ds.Columns),
            frame_of_reference_uid=ds.get("FrameOfReferenceUID"), spacing_hint=planes.spacing_hint, **tolerances,
        )  # fmt: skip
    except ValueError as exc:
        raise RuntimeError(f"{NOT_REGULAR} {exc}") from None


def _geometry(ds: Dataset, **tolerances: Any) -> VolumeGeometry:
    system = get_image_coordinate_system(ds)
    if system is None:
        raise RuntimeError(NO_FRAME_OF_REFERENCE)
    if is_multiframe(ds) and _is_tiled(ds) and system is CoordinateSystemNames.SLIDE:
        return _tiled_geometry(ds)
    if system is not CoordinateSystemNames.PATIENT:
        raise RuntimeError("The image is in the slide coordinate system but is not tiled.")
    if not is_multiframe(ds) and int(ds.get("NumberOfFrames") or 1) > 1:
        raise RuntimeError("A multi-frame image without functional groups has no frame positions.")
    if not is_multiframe(ds):
        between = ds.get("SpacingBetweenSlices")
        return VolumeGeometry.from_attributes(
            image_position=list(ds.ImagePositionPatient), image_orientation=list(ds.ImageOrientationPatient),
            rows=int(ds.Rows), columns=int(ds.Columns), pixel_spacing=list(ds.PixelSpacing), number_of_frames=1,
            spacing_between_slices=1.0 if between is None else float(between), coordinate_system=system,
            frame_of_reference_uid=ds.get("FrameOfReferenceUID"),
        )  # fmt: skip
    return _stacked(ds, **tolerances)[0]


def image_volume_geometry(
    ds: Dataset, *, rtol: float | None = None, atol: float | None = None, perpendicular_tol: float | None = None,
    allow_missing_positions: bool = False, allow_duplicate_positions: bool = True,
) -> VolumeGeometry | None:
    """:meth:`dcmcore.Image.get_volume_geometry`: the geometry, or None when the image is not a volume."""
    try:
        return _geometry(
            ds, rtol=rtol, atol=atol, perpendicular_tol=perpendicular_tol,
            allow_missing_positions=allow_missing_positions, allow_duplicate_positions=allow_duplicate_positions,
        )  # fmt: skip
    except (RuntimeError, AttributeError, KeyError):
        return None


def slice_indices(slice_start: int | None, slice_end: int | None, count: int, as_indices: bool) -> tuple[int, int]:
    """``(start, end)`` 0-based slice indices, end excluded, from 1-based numbers (or indices with `as_indices`).

    As row and column numbers: 1 is the first slice, an end of n stops
    before slice n, negative values count from the end (-1 the last).

    Raises
    ------
    ValueError
        A 0 number (without `as_indices`), or no slice between the bounds.
    IndexError
        A bound beyond the volume's `count` slices.
    """
    bounds = []
    for name, value, default in (("slice_start", slice_start, 0), ("slice_end", slice_end, count)):
        if value is None:
            bounds.append(default)
            continue
        value = int(value)
        if not as_indices:
            if value == 0:
                raise ValueError(f"Value of '{name}' cannot be 0. Did you mean to pass 'as_indices=True'?")
            if value > 0:
                value -= 1
        if value < 0:
            value += count
        limit = count - 1 if name == "slice_start" else count
        if not 0 <= value <= limit:
            given = slice_start if name == "slice_start" else slice_end
            raise IndexError(f"Value of {given} for '{name}' is not valid for an image with {count} volume positions.")
        bounds.append(value)
    start, end = bounds
    if end <= start:
        raise ValueError("The combination of 'slice_start' and 'slice_end' gives an empty volume.")
    return start, end


def image_volume(
    ds: Dataset,
    decode: Callable[..., np.ndarray],
    chain_for: Callable[[int], Any],
    total_pixel_matrix: Callable[..., np.ndarray],
    *,
    slice_start: int | None = None,
    slice_end: int | None = None,
    row_start: int | None = None,
    row_end: int | None = None,
    column_start: int | None = None,
    column_end: int | None = None,
    as_indices: bool = False,
    allow_missing_positions: bool = False,
    rtol: float | None = None,
    atol: float | None = None,
    perpendicular_tol: float | None = None,
    workers: int | None = 1,
) -> Volume:
    """:meth:`dcmcore.Image.get_volume`.

    `decode(index, out=None)` gives frame `index` (0-based) of stored values,
    into `out` when given; `chain_for(index)` the frame's
    :class:`~dcmcore.transforms.TransformChain` (the shared one for index
    None); `total_pixel_matrix(r0, r1, c0, c1)` a region of a tiled image's
    total pixel matrix (0-based, ends excluded) with the transforms applied.
    """
    system = get_image_coordinate_system(ds)
    if system is None:
        raise RuntimeError(NO_FRAME_OF_REFERENCE)
    tiled = is_multiframe(ds) and _is_tiled(ds)
    rows, columns = (int(ds.TotalPixelMatrixRows), int(ds.TotalPixelMatrixColumns)) if tiled else (int(ds.Rows), int(ds.Columns))
    r0, r1, c0, c1 = region_indices(row_start, row_end, column_start, column_end, rows, columns, as_indices)
    shared = chain_for(None)
    channels = {RGB_COLOR_CHANNEL_DESCRIPTOR: ["R", "G", "B"]} if shared.color_output else None
    if tiled:
        geometry = _geometry(ds)
        slice_indices(slice_start, slice_end, 1, as_indices)
        array = total_pixel_matrix(r0, r1, c0, c1)[None]
        return Volume(array, geometry[:, r0:, c0:].affine, system, geometry.frame_of_reference_uid, channels)
    if is_multiframe(ds):
        planes = frame_planes(ds)
        if len({tuple(float(v) for v in p) for p in planes.positions}) != len(planes.positions):
            raise RuntimeError("Multiple frames found at one or more plane positions.")
        geometry, where = _stacked(
            ds, rtol=rtol, atol=atol, perpendicular_tol=perpendicular_tol, allow_missing_positions=allow_missing_positions
        )
    else:
        geometry, where = _geometry(ds), [0]
    start, end = slice_indices(slice_start, slice_end, geometry.spatial_shape[0], as_indices)
    jobs = [(index, slot - start) for index, slot in enumerate(where) if start <= slot < end]
    full = (r0, r1, c0, c1) == (0, rows, 0, columns)
    make = np.empty if len(jobs) == end - start else np.zeros  # missing positions stay 0, as highdicom's
    out = make((end - start, r1 - r0, c1 - c0, *((3,) if shared.color_output else ())), dtype=shared.dtype)
    prefault = new_memory(out)
    scratch = threading.local()

    def one(index: int, slot: int) -> None:
        buffer = getattr(scratch, "buffer", None)
        stored = None
        if buffer is not None:
            try:
                stored = decode(index, buffer)
            except (ValueError, TypeError):  # another shape or dtype than this thread's previous frame
                stored = None
        if stored is None:
            stored = scratch.buffer = decode(index)
        if not full:
            stored = np.ascontiguousarray(stored[r0:r1, c0:c1])
        if prefault:
            pages.prefault(byte_view(out[slot]))
        chain_for(index)(stored, out=out[slot])

    jobs.sort(key=lambda job: job[1])  # the output written front to back
    run_jobs(one, jobs, max(1, min(resolve_workers(workers), len(jobs))))
    return Volume(out, geometry[start:end, r0:r1, c0:c1].affine, system, geometry.frame_of_reference_uid, channels)
