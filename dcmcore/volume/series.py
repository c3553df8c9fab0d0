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

from dcmcore._session import resolve_workers
from dcmcore._threads import run_jobs
from dcmcore.pixels import pixel_array
from dcmcore.spec import PixelSpec
from dcmcore.transforms import TransformChain
from dcmcore.volume._headers import Header, read_header, read_pixel_data
from dcmcore.volume._dataset import get_image_coordinate_system, is_multiframe
from dcmcore.volume.channels import RGB_COLOR_CHANNEL_DESCRIPTOR
from dcmcore.volume.enums import CoordinateSystemNames
from dcmcore.volume.geometry import VolumeGeometry
from dcmcore.volume.positions import check_orientation_consistency, get_volume_positions
from dcmcore.volume.volume import Volume

__all__ = ["get_volume_from_series", "volume_geometry_from_positions", "NOT_A_VOLUME"]

#: The start of the message of the ValueError raised for planes that do not form a volume (highdicom's).
NOT_A_VOLUME = "Series is not a regularly-spaced volume."
_scratch = threading.local()


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


def _read_header(item) -> Header:
    """A data set (with its pixel data, or where to find it in its file)."""
    if isinstance(item, Dataset):
        return Header(item, "")
    if isinstance(item, (str, os.PathLike)):
        return read_header(item)
    raise TypeError(f"Series items must be pydicom Datasets or paths, not {type(item).__name__}")


def _check_series(headers: Sequence[Dataset], orientation_tol: float | None) -> list[float]:
    first = headers[0]
    if get_image_coordinate_system(first) is not CoordinateSystemNames.PATIENT:
        raise ValueError("Dataset should exist in the patient coordinate_system.")
    if any(is_multiframe(ds) for ds in headers):
        raise ValueError("Datasets should be single-frame images.")
    series = first.SeriesInstanceUID
    if any(ds.SeriesInstanceUID != series for ds in headers):
        raise ValueError("Images do not belong to the same series.")
    frame_of_reference = first.FrameOfReferenceUID
    if any(ds.FrameOfReferenceUID != frame_of_reference for ds in headers):
        raise ValueError("Images do not share a frame of reference.")
    if orientation_tol is None:
        orientation = first.ImageOrientationPatient
        if any(ds.ImageOrientationPatient != orientation for ds in headers):
            raise ValueError("Images do not have the same orientation.")
        orientation = list(orientation)
    else:
        orientation = check_orientation_consistency(headers, orientation_tol)  # type: ignore[assignment]
        if orientation is None:
            raise ValueError("Orientations are not consistent within the specified tolerance.")
    spacing = first.PixelSpacing
    if any(ds.PixelSpacing != spacing for ds in headers):
        raise ValueError("Images do not have the same spacing.")
    shape = (first.Rows, first.Columns)
    if any((ds.Rows, ds.Columns) != shape for ds in headers):
        raise ValueError("Images do not have the same number of rows and columns.")
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
    read = [_read_header(item) for item in items]
    headers = [header.dataset for header in read]
    orientation = _check_series(headers, orientation_tol)
    first = headers[0]
    hint = None
    if len(headers) == 1:
        hint = float(first.get("SpacingBetweenSlices", 1.0))
    geometry, where = volume_geometry_from_positions(
        [ds.ImagePositionPatient for ds in headers], orientation, first.PixelSpacing, first.Rows, first.Columns,
        frame_of_reference_uid=first.FrameOfReferenceUID, rtol=rtol, atol=atol, perpendicular_tol=perpendicular_tol,
        spacing_hint=hint,
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
    frame_shape = (int(first.Rows), int(first.Columns)) + ((3,) if color else ())
    out = np.empty((len(headers), *frame_shape), dtype=chains[0].dtype)

    def decode(position: int, index: int) -> None:
        header = read[index]
        ds = read_pixel_data(header)
        chains[index](_decode_stored(ds), out=out[position])
        if header.length is not None or header.path:
            ds.pop(header.pixel_tag or 0x7FE00010, None)  # the series' pixel bytes are not kept once in the volume

    run_jobs(decode, [(where[i], i) for i in range(len(headers))], resolve_workers(workers))
    channels = {RGB_COLOR_CHANNEL_DESCRIPTOR: ["R", "G", "B"]} if color else None
    return geometry.with_array(out, channels=channels)


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
