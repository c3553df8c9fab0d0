"""Writing an overlay back: an array of 0s and 1s into the elements of an overlay group."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.bits import pack_bits
from dcmcore.dataset_elements import is_little_endian
from dcmcore.overlays._elements import (
    BIT_POSITION,
    BITS_ALLOCATED,
    COLUMNS,
    DATA,
    FRAMES,
    ORIGIN,
    ROWS,
    TYPE,
    swap_word_bytes,
    check_group,
    element,
)

__all__ = ["set_overlay_array"]


def set_overlay_array(ds: Dataset, arr: Any, group: int = 0x6000) -> None:
    """Store `arr` as the overlay `group` of `ds`: the inverse of :func:`overlay_array`.

    Packs the bits (:func:`dcmcore.pack_bits`, padded to an even length),
    writes them as (60xx,3000) *Overlay Data*, and sets *Overlay Rows*,
    *Overlay Columns*, *Overlay Bits Allocated* 1, *Overlay Bit Position* 0
    and, for several frames, *Number of Frames in Overlay*. *Overlay Type*
    ``G`` and *Overlay Origin* ``1\\1`` are added when absent; other elements
    (origin, description, Image Frame Origin) are kept.

    For a data set read as, or destined to be written in, big endian, an OW
    value holds big endian 16-bit words (PS3.5 8.2): the packed words are
    byte-swapped, so that :func:`overlay_array` (and any reader that follows
    the standard) reads back `arr` before and after ``save_as``/``dcmread``.
    An existing OB Overlay Data stays OB (byte order does not apply).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The data set to change, in place.
    arr : array_like
        0s and 1s, ``(rows, columns)`` or ``(frames, rows, columns)``.
    group : int, optional
        The overlay group, an even number from 0x6000 to 0x601E.

    Raises
    ------
    ValueError
        If `group` is not an overlay group, `arr` is not 2D or 3D or empty,
        or holds values other than 0 and 1.
    """
    group = check_group(group)
    arr = np.asarray(arr)
    if arr.ndim not in (2, 3) or 0 in arr.shape:
        raise ValueError(
            f"An overlay is (rows, columns) or (frames, rows, columns) with at least one pixel, not {arr.shape}"
        )
    if arr.shape[-2] > 0xFFFF or arr.shape[-1] > 0xFFFF:
        raise ValueError(f"Overlay Rows and Columns are 16-bit values: {arr.shape[-2:]} does not fit")
    data = pack_bits(arr, pad=True)
    base = group << 16
    old = element(ds, group, DATA)
    vr = "OB" if old is not None and old.VR == "OB" else "OW"
    if vr == "OW" and not is_little_endian(ds):
        data = swap_word_bytes(data)
    ds.add_new(base | ROWS, "US", int(arr.shape[-2]))
    ds.add_new(base | COLUMNS, "US", int(arr.shape[-1]))
    ds.add_new(base | BITS_ALLOCATED, "US", 1)
    ds.add_new(base | BIT_POSITION, "US", 0)
    if arr.ndim == 3:
        ds.add_new(base | FRAMES, "IS", int(arr.shape[0]))
    elif (base | FRAMES) in ds:
        del ds[base | FRAMES]
    if (base | TYPE) not in ds:
        ds.add_new(base | TYPE, "CS", "G")
    if (base | ORIGIN) not in ds:
        ds.add_new(base | ORIGIN, "SS", [1, 1])
    ds.add_new(base | DATA, vr, data)
