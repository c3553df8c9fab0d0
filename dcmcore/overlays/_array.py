"""Overlay Data to NumPy arrays: the reference handler functions and ``overlay_array``."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from dcmcore._kernels import bitpack
from dcmcore._arrays import output_array
from dcmcore.dataset_elements import as_int, check_frame_index, is_little_endian
from dcmcore.errors import InvalidElementError
from dcmcore._kernels.status import check_status
from dcmcore.overlays._elements import (
    BITS_ALLOCATED,
    COLUMNS,
    DATA,
    FIRST_GROUP,
    FRAMES,
    LAST_GROUP,
    ROWS,
    Layout,
    check_group,
    dataset_key,
    resolve,
)

__all__ = [
    "is_available",
    "get_expected_length",
    "reshape_overlay_array",
    "get_overlay_array",
    "overlay_array",
]


def is_available() -> bool:
    """Return True: dcmcore's overlay decoding needs only NumPy and its own kernels."""
    return True


# The elements of the values given by keyword, for messages (their group is not known here).
_NAMES = {
    "OverlayRows": "(60xx,0010) 'Overlay Rows'",
    "OverlayColumns": "(60xx,0011) 'Overlay Columns'",
    "NumberOfFramesInOverlay": "(60xx,0015) 'Number of Frames in Overlay'",
}


def _count(elem: dict[str, Any], keyword: str) -> int:
    """``elem[keyword]`` as an int (a missing key is a KeyError, as in pydicom); 1 frame when absent or None."""
    if keyword == "NumberOfFramesInOverlay":
        v = elem.get(keyword, 1)
        if v is None or v == "":
            return 1
    else:
        v = elem[keyword]
    try:
        return as_int(v, 0x60000000)
    except InvalidElementError:
        raise InvalidElementError(f"{_NAMES[keyword]} has the value {v!r}, which is not an integer") from None


def _frames_of(elem: dict[str, Any]) -> int:
    return _count(elem, "NumberOfFramesInOverlay")


def get_expected_length(elem: dict[str, Any], unit: str = "bytes") -> int:
    """Return the expected length of Overlay Data, in bytes or in pixels.

    Parameters
    ----------
    elem : dict
        Element values by keyword: ``"OverlayRows"``, ``"OverlayColumns"``
        and ``"NumberOfFramesInOverlay"`` (1 when absent).
    unit : {"bytes", "pixels"}, optional
        ``"bytes"`` (default): the whole bytes holding the 1-bit pixels, not
        counting the trailing padding byte an odd length needs.
        ``"pixels"``: the number of pixels of all frames.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If `unit` is neither ``"bytes"`` nor ``"pixels"``.
    InvalidElementError
        (a ``ValueError``) if a value is not an integer, naming the element and the value.
    """
    pixels = _count(elem, "OverlayRows") * _count(elem, "OverlayColumns") * _frames_of(elem)
    if unit == "pixels":
        return pixels
    if unit == "bytes":
        return (pixels + 7) >> 3
    raise ValueError(f"'unit' must be 'bytes' or 'pixels', not {unit!r}")


def reshape_overlay_array(elem: dict[str, Any], arr: np.ndarray) -> np.ndarray:
    """Return the 1D overlay array `arr` shaped ``(rows, columns)`` or ``(frames, rows, columns)``.

    Parameters
    ----------
    elem : dict
        Element values by keyword: ``"OverlayRows"``, ``"OverlayColumns"``
        and ``"NumberOfFramesInOverlay"`` (1 when absent).
    arr : numpy.ndarray
        The unpacked overlay pixels (``rows * columns * frames`` values).

    Returns
    -------
    numpy.ndarray
        A view of `arr`: ``(rows, columns)`` for one frame,
        ``(frames, rows, columns)`` for more.

    Raises
    ------
    InvalidElementError
        (a ``ValueError``) if a value is not an integer, or (60xx,0015)
        *Number of Frames in Overlay* is below 1.
    ValueError
        If `arr` does not hold ``rows * columns * frames`` values.
    """
    frames = _frames_of(elem)
    rows, columns = _count(elem, "OverlayRows"), _count(elem, "OverlayColumns")
    if frames < 1:
        raise InvalidElementError(
            f"A (60xx,0015) 'Number of Frames in Overlay' value of {frames} is invalid: it must be at least 1"
        )
    shape = (rows, columns) if frames == 1 else (frames, rows, columns)
    if arr.size != rows * columns * frames:
        raise ValueError(f"Cannot shape {arr.size} overlay values as {shape} ({rows * columns * frames} values)")
    return arr.reshape(shape)


def overlay_output(out: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """`out` checked to receive an overlay of `shape` (``uint8`` or ``bool``), or a new ``uint8`` array."""
    return output_array(out, shape, np.uint8, what="the overlay", allow_bool=True)


def check_overlay_index(index: Any, frames: int, group: int) -> int:
    """`index` checked to be a frame of the `frames` of overlay `group` (:class:`~dcmcore.errors.FrameIndexError`)."""
    return check_frame_index(
        index, frames, holder=f"overlay group 0x{group:04X}", counted_by="(60xx,0015) 'Number of Frames in Overlay'"
    )


def unpack_layout(layout: Layout, index: int | None, out: np.ndarray | None) -> np.ndarray:
    """Unpack the Overlay Data of `layout` (all frames, or frame `index`) into `out` or a new array."""
    rows, columns, frames = layout.rows, layout.columns, layout.frames
    assert frames is not None
    npix = rows * columns
    if index is None:
        arr = overlay_output(out, (rows, columns) if frames == 1 else (frames, rows, columns))
        _unpacked(_unpack_into(layout.data, 0, npix * frames, arr))
        return arr
    index = check_overlay_index(index, frames, layout.group)
    arr = overlay_output(out, (rows, columns))
    _unpacked(_unpack_into(layout.data, index * npix, npix, arr))
    return arr


def _unpacked(rc: int) -> None:
    if rc:  # pragma: no cover - the lengths were validated; the kernel checks them again
        check_status(rc, "Overlay Data", "shorter than validated: this is a bug in dcmcore")


# Per overlay group, the keys of the elements the fast path reads.
_FAST_KEYS = {
    group: tuple(dataset_key((group << 16) | elem) for elem in (DATA, ROWS, COLUMNS, BITS_ALLOCATED, FRAMES))
    for group in range(FIRST_GROUP, LAST_GROUP + 1, 2)
}
_empty = np.empty
_uint8 = np.uint8
_unpack_into = bitpack.unpack_into


def _fast_overlay(ds: Dataset, keys: tuple) -> np.ndarray | None:
    """The whole overlay when it is the common case that needs no message: converted
    elements, Overlay Data of exactly the padded length, OB or little endian OW.
    None otherwise (the general path then reads, validates and reports).

    One function with few objects touched, because on a small overlay the call
    overhead is most of the time (and more so on a cold cache, e.g. the first
    call after reading a file).
    """
    d = ds._dict
    e_data = d.get(keys[0])
    e_rows = d.get(keys[1])
    e_cols = d.get(keys[2])
    e_bits = d.get(keys[3])
    e_frames = d.get(keys[4])
    if (
        e_data.__class__ is not DataElement
        or e_rows.__class__ is not DataElement
        or e_cols.__class__ is not DataElement
        or e_bits.__class__ is not DataElement
    ):
        return None
    rows, columns, data = e_rows.value, e_cols.value, e_data.value
    if e_bits.value != 1 or rows.__class__ is not int or columns.__class__ is not int or data.__class__ is not bytes:
        return None
    if e_frames is None:
        frames = 1
    elif e_frames.__class__ is DataElement and isinstance(e_frames.value, int):
        frames = int(e_frames.value)
    else:
        return None
    if rows < 1 or columns < 1 or frames < 1:
        return None
    n = rows * columns * frames
    nbytes = (n + 7) >> 3
    if len(data) != nbytes + (nbytes & 1):
        return None
    if e_data.VR == "OW" and not is_little_endian(ds):
        return None  # maybe big endian: let the general path decide
    arr = _empty((rows, columns) if frames == 1 else (frames, rows, columns), _uint8)
    if _unpack_into(data, 0, n, arr):  # cannot fail after the checks above; the kernel checks again
        return None
    return arr


def overlay_array(ds: Dataset, group: int, *, index: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Return overlay `group` of `ds` as an array of 0s and 1s.

    Reads (60xx,3000) *Overlay Data*, or, for the retired overlays stored in
    the unused high bits of Pixel Data ((60xx,0100) *Overlay Bits Allocated*
    above 1, no Overlay Data), the bit (60xx,0102) *Overlay Bit Position* of
    every stored pixel value.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The data set holding the Overlay Plane module.
    group : int
        The overlay's group: an even number from 0x6000 to 0x601E.
    index : int, optional
        Return only overlay frame `index` (0-based) of a multi-frame overlay,
        unpacked straight from its first bit, which need not be on a byte
        boundary. All frames when None.
    out : numpy.ndarray, optional
        A C-contiguous ``uint8`` (or ``bool``) array of the result's shape to
        write into; it is returned.

    Returns
    -------
    numpy.ndarray
        ``uint8``, shaped ``(rows, columns)`` for a single frame overlay (or
        when `index` is given) and ``(frames, rows, columns)`` otherwise, as
        pydicom's ``Dataset.overlay_array()``.

    Raises
    ------
    ValueError
        If `group` is not an overlay group (a plain ``ValueError``, or a
        ``TypeError`` for a `group` that is not an int); about the data, each
        a :class:`~dcmcore.errors.DcmcoreError` naming the element and value:
        :class:`~dcmcore.errors.InvalidElementError` for an unreadable or
        invalid value, :class:`~dcmcore.errors.PixelDataLengthError` for
        Overlay Data shorter than the overlay needs (both lengths given),
        :class:`~dcmcore.errors.FrameIndexError` for `index` out of range.
    AttributeError
        If required elements are missing (all are named,
        :class:`~dcmcore.errors.MissingElementError`).
    NotImplementedError
        If Overlay Data is present with an Overlay Bits Allocated other than 1
        (:class:`~dcmcore.errors.UnsupportedPixelDataError`).
    """
    if index is None and out is None and group.__class__ is int:
        keys = _FAST_KEYS.get(group)
        if keys is not None:
            arr = _fast_overlay(ds, keys)
            if arr is not None:
                return arr
    layout = resolve(ds, check_group(group))
    if layout.data is None:
        from dcmcore.overlays._embedded import embedded_overlay

        return embedded_overlay(ds, layout, index=index, out=out)
    return unpack_layout(layout, index, out)


def get_overlay_array(ds: Dataset, group: int) -> np.ndarray:
    """Return the overlay in `group` of `ds` as a ``uint8`` array (see :func:`overlay_array`).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The data set containing an Overlay Plane module.
    group : int
        The group of the overlay's elements, e.g. ``0x6000``.

    Returns
    -------
    numpy.ndarray
        ``(rows, columns)`` or ``(frames, rows, columns)``.

    Raises
    ------
    AttributeError
        If `ds` is missing a required element.
    ValueError
        If the Overlay Data is shorter than expected, or `group` is invalid.
    """
    return overlay_array(ds, group)
