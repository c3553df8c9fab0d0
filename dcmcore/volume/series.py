"""Series of single-frame images to a volume: headers first, then every slice decoded into the output.

:func:`volume_geometry_from_positions` is the geometry half on bare values
(positions, one orientation, pixel spacing), so that the frames of an
enhanced multi-frame image can be stacked by the same rules.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

from dcmcore import config
from dcmcore._arrays import byte_view
from dcmcore._kernels import pages
from dcmcore._native_plan import NativePlan, check_native_length, needs_rgb_conversion
from dcmcore._session import Session, resolve_workers
from dcmcore._source import PixelSource
from dcmcore._threads import run_jobs
from dcmcore.pixels import pixel_array
from dcmcore.spec import PIXEL_KEYWORDS, PixelSpec
from dcmcore.transforms import TransformChain
from dcmcore.volume._headers import Header, dataset_header, read_header, read_pixel_bytes, read_pixel_data
from dcmcore.volume._dataset import get_image_coordinate_system
from dcmcore.volume.channels import RGB_COLOR_CHANNEL_DESCRIPTOR
from dcmcore.volume.enums import CoordinateSystemNames
from dcmcore.volume.geometry import VolumeGeometry
from dcmcore.volume.positions import common_orientation, get_volume_positions
from dcmcore.volume.volume import Volume

__all__ = ["get_volume_from_series", "volume_geometry_from_positions", "NOT_A_VOLUME"]

#: The start of the message of the ValueError raised for planes that do not form a volume (highdicom's).
NOT_A_VOLUME = "Series is not a regularly-spaced volume."
_scratch = threading.local()
_PIXEL_KEYWORD = {tag: keyword for keyword, tag in PIXEL_KEYWORDS.items()}


def _why_not_a_volume(positions: np.ndarray, orientation, allow_duplicates: bool) -> str:
    """A hint at why `positions` failed, for the error message."""
    unique = np.unique(positions, axis=0)
    if unique.shape[0] < positions.shape[0] and not allow_duplicates:
        return f" {positions.shape[0] - unique.shape[0]} position(s) are repeated."
    if unique.shape[0] > 2:
        normal = np.cross(np.asarray(orientation[:3], float), np.asarray(orientation[3:], float))
        gaps = np.diff(np.sort(unique @ normal))
        return f" Gaps between slices along the normal range from {gaps.min():.4g} to {gaps.max():.4g} mm."
    return ""


def volume_geometry_from_positions(
    image_positions,
    image_orientation,
    pixel_spacing,
    rows: int,
    columns: int,
    *,
    coordinate_system=CoordinateSystemNames.PATIENT,
    frame_of_reference_uid: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    perpendicular_tol: float | None = None,
    allow_missing_positions: bool = False,
    allow_duplicate_positions: bool = False,
    spacing_hint: float | None = None,
) -> tuple[VolumeGeometry, list[int]]:
    """The geometry of planes stacked into a volume, and each plane's index along axis 0.

    The planes (one position each, a shared orientation and pixel spacing)
    are sorted along the normal that makes the volume right-handed, and must
    be regularly spaced (:func:`dcmcore.spatial.get_volume_positions`);
    otherwise ``ValueError`` (:data:`NOT_A_VOLUME`). With missing positions
    allowed, axis 0 has a place for every gap.
    """
    positions = np.asarray(image_positions, dtype=np.float64)
    if len(positions) == 1:
        spacing, where = (1.0 if spacing_hint is None else abs(float(spacing_hint))), [0]
    else:
        spacing, where = get_volume_positions(
            positions, image_orientation, rtol=rtol, atol=atol, perpendicular_tol=perpendicular_tol,
            allow_missing_positions=allow_missing_positions, allow_duplicate_positions=allow_duplicate_positions,
            spacing_hint=spacing_hint,
        )  # fmt: skip
    if spacing is None or where is None:
        raise ValueError(NOT_A_VOLUME + _why_not_a_volume(positions, image_orientation, allow_duplicate_positions))
    first = positions[where.index(0)]
    geometry = VolumeGeometry.from_attributes(
        image_position=first.tolist(), image_orientation=list(image_orientation), rows=rows, columns=columns,
        pixel_spacing=list(pixel_spacing), spacing_between_slices=spacing, number_of_frames=max(where) + 1,
        coordinate_system=coordinate_system, frame_of_reference_uid=frame_of_reference_uid,
    )  # fmt: skip
    return geometry, where


def _read_header(item, previous: Header | None) -> Header:
    """A data set (with its pixel data, or where to find it in its file, scanned as `previous` was laid out)."""
    if isinstance(item, Dataset):
        return dataset_header(item)
    if isinstance(item, (str, os.PathLike)):
        return read_header(item, previous)
    raise TypeError(f"Series items must be pydicom Datasets or paths, not {type(item).__name__}")


def _same(headers: Sequence[Header], keyword: str, message: str):
    """The first image's value of `keyword`, which every image must have (``ValueError(message)`` otherwise)."""
    values = [h.value(keyword) for h in headers]
    if values[0] is None:
        raise AttributeError(f"The images have no '{keyword}'.")
    if any(v != values[0] for v in values):
        raise ValueError(message)
    return values[0]


def _check_series(headers: Sequence[Header], orientation_tol: float | None) -> list[float]:
    if get_image_coordinate_system(headers[0].dataset) is not CoordinateSystemNames.PATIENT:
        raise ValueError("Dataset should exist in the patient coordinate_system.")
    if any(h.is_multiframe for h in headers):
        raise ValueError("Datasets should be single-frame images.")
    _same(headers, "SeriesInstanceUID", "Images do not belong to the same series.")
    _same(headers, "FrameOfReferenceUID", "Images do not share a frame of reference.")
    if orientation_tol is None:
        orientation = list(_same(headers, "ImageOrientationPatient", "Images do not have the same orientation."))
    else:
        orientation = common_orientation([h.value("ImageOrientationPatient") for h in headers], orientation_tol)  # type: ignore[assignment]
        if orientation is None:
            raise ValueError("Orientations are not consistent within the specified tolerance.")
    _same(headers, "PixelSpacing", "Images do not have the same spacing.")
    message = "Images do not have the same number of rows and columns."
    _same(headers, "Rows", message), _same(headers, "Columns", message)
    if any(h.value("ImagePositionPatient") is None for h in headers):
        raise AttributeError("An image has no 'ImagePositionPatient'.")
    return orientation


def get_volume_from_series(
    series_datasets,
    *,
    dtype=np.float64,
    apply_real_world_transform: bool | None = None,
    real_world_value_map_selector=0,
    apply_modality_transform: bool | None = None,
    apply_voi_transform: bool | None = False,
    voi_transform_selector=0,
    voi_output_range: tuple[float, float] = (0.0, 1.0),
    apply_presentation_lut: bool = True,
    apply_palette_color_lut: bool | None = None,
    apply_icc_profile: bool | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    perpendicular_tol: float | None = None,
    orientation_tol: float | None = None,
    workers: int | None = 1,
) -> Volume:
    """A volume from a series of single-frame images, in any order.

    Parameters
    ----------
    series_datasets : sequence of pydicom.dataset.Dataset or paths
        The images of one series. Paths are read headers first (pixel data
        deferred) and decoded once the geometry is known to be a volume.
    dtype : numpy dtype, optional
        The volume's dtype (float64 by default, as highdicom's).
    apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
    apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
    apply_palette_color_lut, apply_icc_profile
        The pixel transforms, as :meth:`dcmcore.TransformChain.from_dataset`
        (highdicom's ``Image.get_frame``) takes them, applied per slice.
    atol, rtol : float, optional
        Absolute (mm) *or* relative tolerance on the slice spacing; 1 %
        relative by default.
    perpendicular_tol, orientation_tol : float, optional
        Tolerance on the slices lying along the normal, and on orientations
        differing (exact equality by default).
    workers : int or None, optional
        Threads decoding slices (default 1; 0 or None: one per core).

    Raises
    ------
    ValueError
        Images of several series or frames of reference, different
        orientations, pixel spacings or sizes, not in the patient coordinate
        system; or slices that are not regularly spaced along their normal
        (duplicate or missing positions, gantry tilt): "Series is not a
        regularly-spaced volume."
    """
    items = list(series_datasets)
    if not items:
        raise ValueError("The series is empty.")
    read: list[Header] = []
    for item in items:
        read.append(_read_header(item, read[-1] if read else None))
    orientation = _check_series(read, orientation_tol)
    first = read[0]
    hint = None
    if len(read) == 1:
        between = first.value("SpacingBetweenSlices")
        hint = 1.0 if between is None else between[0]
    rows, columns = first.value("Rows"), first.value("Columns")
    geometry, where = volume_geometry_from_positions(
        [h.value("ImagePositionPatient") for h in read], orientation, first.value("PixelSpacing"), rows, columns,
        frame_of_reference_uid=first.value("FrameOfReferenceUID"), rtol=rtol, atol=atol,
        perpendicular_tol=perpendicular_tol, spacing_hint=hint,
    )  # fmt: skip
    options = dict(
        dtype=dtype, apply_real_world_transform=apply_real_world_transform,
        real_world_value_map_selector=real_world_value_map_selector, apply_modality_transform=apply_modality_transform,
        apply_voi_transform=apply_voi_transform, voi_transform_selector=voi_transform_selector,
        voi_output_range=voi_output_range, apply_presentation_lut=apply_presentation_lut,
        apply_palette_color_lut=apply_palette_color_lut, apply_icc_profile=apply_icc_profile,
    )  # fmt: skip
    by_key: dict = {}
    chains = []
    for header in read:
        key = header.transform_key
        chain = by_key.get(key) if key is not None else None
        if chain is None:
            chain = TransformChain.from_dataset(header.dataset, **options)
            if key is not None:
                by_key[key] = chain
        chains.append(chain)
    color = chains[0].color_output
    if any(chain.color_output != color for chain in chains):
        raise ValueError("Some images of the series are colour and some are not.")
    out = np.empty((len(read), rows, columns, *((3,) if color else ())), dtype=chains[0].dtype)
    prefault = new_memory(out)
    specs: dict = {}

    def decode(position: int, index: int) -> None:
        header = read[index]
        key = header.transform_key
        if header.length is not None and key is not None:  # from a file: its pixel bytes, described once per key
            found = specs.get(key)
            if found is None:
                found = specs[key] = _describe(header)
            spec, ds, plan = found
            if plan is not None:  # read into the buffer, then fix the bits there: one pass, no other copy
                check_native_length(spec, header.length or 0, allow_excess_frames=True)
                stored = _buffer(spec.frame_shape, plan.dtype)
                read_pixel_bytes(header, stored, spec.frame_nbytes)
                plan.transform_in_place(stored, 1)
            else:
                stored = _decode_bytes(_read_raw(header), spec, ds)
        else:
            ds = read_pixel_data(header)
            stored = _decode_stored(ds)
            if header.path:
                ds.pop(header.pixel_tag or 0x7FE00010, None)  # the series' pixel bytes are not kept once in the volume
        if prefault:  # map the slice's pages from their end (see dcmcore._kernels.pages), without the GIL
            pages.prefault(byte_view(out[position]))
        chains[index](stored, out=out[position])

    # slices in volume order: the output is written front to back
    jobs = sorted(((where[i], i) for i in range(len(read))), key=lambda job: job[0])
    run_jobs(decode, jobs, resolve_workers(workers))
    channels = {RGB_COLOR_CHANNEL_DESCRIPTOR: ["R", "G", "B"]} if color else None
    return geometry.with_array(out, channels=channels)


def new_memory(out: np.ndarray) -> bool:
    """Whether to map the pages of the new array `out` a slice at a time before writing it (:mod:`dcmcore.config`)."""
    if config.prefault is not None:
        return bool(config.prefault)
    return out.nbytes >= config.prefault_bytes and not pages.is_mapped(byte_view(out))


def _describe(header: Header) -> tuple[PixelSpec, Dataset, NativePlan | None]:
    """The pixel description of a file's header, and the plan decoding its frame in place (None: decoded otherwise)."""
    spec = PixelSpec.from_dataset(header.dataset, pixel_keyword=_PIXEL_KEYWORD[header.pixel_tag])
    plan = None
    if spec.is_native and spec.number_of_frames == 1:
        plan = NativePlan(spec, to_rgb=needs_rgb_conversion(spec, raw=False, as_rgb=True))
        if not plan.works_in_place or spec.frame_nbytes != spec.frame_decoded_nbytes or spec.bits_allocated == 1:
            plan = None
    return spec, header.dataset, plan


def _buffer(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """This thread's reusable buffer of stored values of `shape` and `dtype`."""
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
        buffer = _scratch.buffer = np.empty(shape, dtype)
    return buffer


def _read_raw(header: Header) -> memoryview:
    """The header's pixel bytes, read into this thread's reusable byte buffer."""
    raw = getattr(_scratch, "raw", None)
    if raw is None or raw.size < (header.length or 0):
        raw = _scratch.raw = np.empty(header.length or 0, np.uint8)
    read_pixel_bytes(header, raw)
    return memoryview(raw)[: header.length]


def _decode_bytes(data: memoryview, spec: PixelSpec, ds: Dataset) -> np.ndarray:
    """The stored values of one frame's pixel bytes described by `spec`, into this thread's reusable buffer."""
    session = Session(PixelSource(ds, spec, buffer=data))
    buffer = _buffer(spec.frame_shape, session.dtype)
    session.decode(0, 1, buffer)
    return buffer


def _decode_stored(ds: Dataset) -> np.ndarray:
    """The stored values of a single-frame data set, decoded into this thread's reusable buffer."""
    buffer = getattr(_scratch, "buffer", None)
    if buffer is not None:
        try:
            return pixel_array(ds, index=0, out=buffer)
        except (ValueError, TypeError):  # another shape or dtype than the previous slice's: a new buffer
            pass
    spec = PixelSpec.from_dataset(ds)
    buffer = _scratch.buffer = np.empty(spec.frame_shape, spec.dtype)
    try:
        return pixel_array(ds, index=0, out=buffer)
    except (ValueError, TypeError):  # a decoder whose output is not the spec's shape or dtype (colour conversions)
        return pixel_array(ds, index=0)
