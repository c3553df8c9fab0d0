"""Overlays in the unused high bits of Pixel Data (retired, PS3.3-2004 C.9.2; PS3.5-2004 8.1.2).

Such an overlay has (60xx,0100) *Overlay Bits Allocated* equal to the image's
Bits Allocated, (60xx,0102) *Overlay Bit Position* naming the bit of every
stored sample that holds it, and no (60xx,3000) *Overlay Data*. Overlay frame
``k`` lives in image frame ``Image Frame Origin - 1 + k``.
"""

from __future__ import annotations

import warnings
from typing import Iterable

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._kernels import bitpack
from dcmcore._native_plan import check_native_length
from dcmcore.errors import InvalidElementError, InvalidPixelSpecError, UnsupportedPixelDataError
from dcmcore.overlays._elements import (
    BIT_POSITION,
    BITS_ALLOCATED,
    COLUMNS,
    DATA,
    ROWS,
    Layout,
    check_group,
    frame_origin,
    resolve,
    tag_name,
)
from dcmcore.pixels import iter_pixels, pixel_array
from dcmcore.spec import PixelSpec

__all__ = [
    "check_embedded",
    "embedded_overlay",
    "embedded_groups",
    "split_embedded_overlays",
    "clear_embedded_overlays",
]

_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def check_embedded(
    ds: Dataset, layout: Layout, spec: PixelSpec | None = None, *, warn: bool = True
) -> tuple[PixelSpec, int, int]:
    """Validate an embedded overlay against the image; return (spec, first image frame 0-based, frames)."""
    g = layout.group
    if spec is None:
        spec = PixelSpec.from_dataset(ds)
    if spec.is_float or spec.bits_allocated == 1:
        raise InvalidPixelSpecError(
            f"Overlay group 0x{g:04X} has no Overlay Data and a {tag_name(g, BITS_ALLOCATED)} of "
            f"{layout.bits_allocated}, so its bits are in the pixel data, but "
            f"{spec.pixel_keyword} with (0028,0100) 'Bits Allocated' {spec.bits_allocated} has no unused bits"
        )
    if spec.samples_per_pixel != 1:
        raise UnsupportedPixelDataError(
            f"Overlay group 0x{g:04X} is embedded in pixel data with a (0028,0002) 'Samples per Pixel' of "
            f"{spec.samples_per_pixel}: embedded overlays were only defined for 1 sample per pixel"
        )
    if warn and layout.bits_allocated != spec.bits_allocated:
        warnings.warn(
            f"A {tag_name(g, BITS_ALLOCATED)} of {layout.bits_allocated} differs from the (0028,0100) "
            f"'Bits Allocated' of {spec.bits_allocated} of the pixel data holding the overlay; "
            f"using {spec.bits_allocated}",
            UserWarning,
            stacklevel=4,
        )
    if not 0 <= layout.bit_position < spec.bits_allocated:
        raise InvalidElementError(
            f"A {tag_name(g, BIT_POSITION)} of {layout.bit_position} is invalid: it must be 0 to "
            f"{spec.bits_allocated - 1} for pixel data with (0028,0100) 'Bits Allocated' {spec.bits_allocated}"
        )
    if warn and layout.bit_position < spec.bits_stored:
        warnings.warn(
            f"The {tag_name(g, BIT_POSITION)} {layout.bit_position} lies within the (0028,0101) "
            f"'Bits Stored' ({spec.bits_stored}): the overlay bits are also part of the pixel values",
            UserWarning,
            stacklevel=4,
        )
    if (layout.rows, layout.columns) != (spec.rows, spec.columns):
        raise InvalidElementError(
            f"Overlay group 0x{g:04X} is embedded in the pixel data but its {tag_name(g, ROWS)} and "
            f"{tag_name(g, COLUMNS)} ({layout.rows} x {layout.columns}) differ from the image's "
            f"{spec.rows} x {spec.columns}"
        )
    origin = frame_origin(ds, g)
    first = origin - 1
    frames = spec.number_of_frames - first if layout.frames is None else layout.frames
    if frames < 1 or first + frames > spec.number_of_frames:
        raise InvalidElementError(
            f"Overlay group 0x{g:04X} covers image frames {first + 1} to {first + max(frames, 1)} "
            f"((60xx,0051) 'Image Frame Origin' {origin}, (60xx,0015) 'Number of Frames in "
            f"Overlay' {frames}) but the pixel data has {spec.number_of_frames} frame"
            f"{'s' if spec.number_of_frames != 1 else ''}"
        )
    _check_pixel_length(ds, spec)
    return spec, first, frames


def _check_pixel_length(ds: Dataset, spec: PixelSpec) -> None:
    """Refuse natively encoded pixel data shorter than the image elements promise.

    Runs before anything is allocated for the overlay, so that absurd Rows,
    Columns or Number of Frames fail with the lengths, not a huge allocation.
    Excess data is left for :func:`dcmcore.pixel_array` to warn about.
    """
    if not spec.is_native:
        return
    value = ds.get(spec.pixel_keyword)
    if value is None:
        return  # nothing to check here: pixel_array raises for the missing element
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_native_length(spec, len(value))


def _stored_values(ds: Dataset, spec: PixelSpec, first: int, count: int) -> np.ndarray:
    """Stored values (unused bits intact) of image frames ``first .. first+count-1``, unsigned view."""
    # Overlay frames refer to image frames by (0028,0008) Number of Frames: whole frames of
    # excess data (which pixel_array returns by default, as pydicom does) are not image frames.
    options = dict(raw=True, correct_unused_bits=False, allow_excess_frames=False)
    if count == spec.number_of_frames:
        arr = pixel_array(ds, **options)
    elif count == 1:
        arr = pixel_array(ds, index=first, **options)
    else:
        arr = np.empty((count, spec.rows, spec.columns), spec.dtype)
        for _ in iter_pixels(ds, indices=range(first, first + count), out=arr, **options):
            pass
    return arr.view(_UNSIGNED[arr.dtype.itemsize])


def _extract(values: np.ndarray, bit: int, out: np.ndarray) -> None:
    if values.size:
        src = np.ascontiguousarray(values).reshape(-1)
        bitpack.extract_bit(src, bit, out.reshape(-1).view(np.uint8))


def embedded_overlay(ds: Dataset, layout: Layout, *, index: int | None, out: np.ndarray | None) -> np.ndarray:
    """The overlay `layout` (embedded) as ``uint8`` 0/1, shaped as :func:`overlay_array` documents."""
    from dcmcore.overlays._array import check_overlay_index, overlay_output

    spec, first, frames = check_embedded(ds, layout)
    if index is None:
        shape: tuple[int, ...] = (spec.rows, spec.columns) if frames == 1 else (frames, spec.rows, spec.columns)
        result = overlay_output(out, shape)
        values = _stored_values(ds, spec, first, frames)
    else:
        index = check_overlay_index(index, frames, layout.group)
        result = overlay_output(out, (spec.rows, spec.columns))
        values = _stored_values(ds, spec, first + index, 1)
    _extract(values, layout.bit_position, result)
    return result


def embedded_groups(ds: Dataset) -> list[int]:
    """The overlay groups of `ds` whose bits are embedded in its pixel data."""
    from dcmcore.overlays._info import list_overlays

    return [info.group for info in list_overlays(ds) if info.location == "PixelData"]


def split_embedded_overlays(
    ds: Dataset, *, index: int | None = None, correct_unused_bits: bool = False
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Decode the pixel data once and separate the overlays embedded in its unused bits.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A data set whose overlays (some or all) live in the high bits of its
        Pixel Data.
    index : int, optional
        Decode only image frame `index` (0-based); all frames when None.
    correct_unused_bits : bool, optional
        If False (default) the returned pixel values are the stored values
        with only the overlay bits cleared. If True, every bit above
        (0028,0101) *Bits Stored* is then cleared (unsigned) or set from the
        sign bit (signed), as :func:`dcmcore.pixel_array` does by default.

    Returns
    -------
    pixels : numpy.ndarray
        Shaped as :func:`dcmcore.pixel_array` returns it with ``allow_excess_frames=False``:
        (0028,0008) *Number of Frames* frames, whole frames of excess data left out.
    overlays : dict of int to numpy.ndarray
        By group, each overlay's ``uint8`` 0/1 array, shaped as
        :func:`~dcmcore.overlays.overlay_array` returns it; with `index`, only
        the overlays that cover that image frame, each ``(rows, columns)``.
    """
    spec = PixelSpec.from_dataset(ds)
    options = dict(raw=True, correct_unused_bits=False, allow_excess_frames=False)  # see _stored_values
    if index is None:
        pixels = pixel_array(ds, **options)
        stack = pixels.reshape(spec.number_of_frames, spec.rows, spec.columns)
        lo = 0
    else:
        pixels = pixel_array(ds, index=index, **options)
        stack = pixels.reshape(1, spec.rows, spec.columns)
        lo = int(index)
    values = stack.view(_UNSIGNED[stack.dtype.itemsize])
    overlays: dict[int, np.ndarray] = {}
    mask = 0
    for group in embedded_groups(ds):
        layout = resolve(ds, group)
        _, first, frames = check_embedded(ds, layout, spec)
        if index is None:
            sel = values[first : first + frames]
            arr = np.empty(sel.shape if frames > 1 else sel.shape[1:], np.uint8)
        elif first <= lo < first + frames:
            sel = values
            arr = np.empty(sel.shape[1:], np.uint8)
        else:
            mask |= 1 << layout.bit_position
            continue
        _extract(sel, layout.bit_position, arr)
        overlays[group] = arr
        mask |= 1 << layout.bit_position
    if mask:
        np.bitwise_and(values, values.dtype.type(~mask & ((1 << (8 * values.itemsize)) - 1)), out=values)
    if correct_unused_bits:
        _correct(pixels, spec)
    return pixels, overlays


def _correct(arr: np.ndarray, spec: PixelSpec) -> None:
    shift = 8 * arr.itemsize - spec.bits_stored
    if shift <= 0:
        return
    if spec.is_signed:
        unsigned = arr.view(_UNSIGNED[arr.itemsize])
        np.left_shift(unsigned, unsigned.dtype.type(shift), out=unsigned)
        np.right_shift(arr, arr.dtype.type(shift), out=arr)  # arithmetic: copies the sign bit
    else:
        np.bitwise_and(arr, arr.dtype.type((1 << spec.bits_stored) - 1), out=arr)


def clear_embedded_overlays(arr: np.ndarray, ds: Dataset, groups: Iterable[int] | None = None) -> np.ndarray:
    """Clear, in place, the bits of the embedded overlays `groups` (all when None) in stored values `arr`.

    Parameters
    ----------
    arr : numpy.ndarray
        Stored pixel values of `ds` with their unused bits intact, e.g. from
        ``dcmcore.pixel_array(ds, correct_unused_bits=False)``: an integer
        array whose itemsize is Bits Allocated / 8.
    ds : pydicom.dataset.Dataset
        The data set describing the overlays.
    groups : iterable of int, optional
        The overlay groups whose bits to clear; every embedded overlay when None.

    Returns
    -------
    numpy.ndarray
        `arr`.
    """
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iu":
        raise TypeError("'arr' must be an integer numpy.ndarray of stored pixel values")
    if not arr.flags.writeable:
        raise ValueError("'arr' is read-only")
    chosen = embedded_groups(ds) if groups is None else [check_group(g) for g in groups]
    mask = 0
    for group in chosen:
        layout = resolve(ds, group)
        if layout.data is not None:
            raise InvalidElementError(
                f"Overlay group 0x{group:04X} has {tag_name(group, DATA)}: its bits are not in the pixel data"
            )
        if layout.bit_position >= 8 * arr.itemsize:
            raise InvalidElementError(
                f"{tag_name(group, BIT_POSITION)} {layout.bit_position} is beyond the {8 * arr.itemsize} bits of 'arr'"
            )
        mask |= 1 << layout.bit_position
    if mask:
        view = arr.view(_UNSIGNED[arr.itemsize])
        np.bitwise_and(view, view.dtype.type(~mask & ((1 << (8 * arr.itemsize)) - 1)), out=view)
    return arr
