"""Encapsulated Pixel Data (PS3.5 A.4): one fragment per frame, a Basic or Extended Offset Table."""

from __future__ import annotations

import struct
from typing import Sequence

import numpy as np

__all__ = ["encapsulate", "MAX_BASIC_OFFSET"]

#: Offsets in the Basic Offset Table are 32-bit.
MAX_BASIC_OFFSET = 2**32 - 1

_ITEM = b"\xfe\xff\x00\xe0"


def _item(length: int) -> bytes:
    return _ITEM + struct.pack("<I", length)


def encapsulate(frames: Sequence[bytes], *, extended: bool = False) -> tuple[bytes, bytes | None, bytes | None]:
    """The value of an encapsulated Pixel Data element holding `frames`.

    Each frame is one fragment, padded to an even length with a zero byte.
    The Basic Offset Table holds each frame's offset from the first fragment,
    unless `extended` is True or an offset does not fit 32 bits: then the
    Basic Offset Table is empty and the offsets and lengths are returned for
    (7FE0,0001) Extended Offset Table and (7FE0,0002) Extended Offset Table
    Lengths (64-bit little endian). The Sequence Delimitation Item is not
    part of the value: pydicom writes it after an undefined-length element.

    Returns
    -------
    (pixel_data, extended_offsets, extended_lengths)
        The last two are None with a Basic Offset Table.
    """
    lengths = np.array([len(f) + (len(f) & 1) for f in frames], dtype=np.uint64)
    offsets = np.zeros(len(frames), dtype=np.uint64)
    if len(frames) > 1:
        np.cumsum(lengths[:-1] + 8, out=offsets[1:])
    if not extended and len(frames) and int(offsets[-1]) > MAX_BASIC_OFFSET:
        extended = True
    parts: list[bytes] = []
    if extended:
        parts.append(_item(0))
    else:
        table = offsets.astype("<u4").tobytes()
        parts += [_item(len(table)), table]
    for frame in frames:
        parts += [_item(len(frame) + (len(frame) & 1)), frame]
        if len(frame) & 1:
            parts.append(b"\x00")
    value = b"".join(parts)
    if extended:
        return value, offsets.astype("<u8").tobytes(), lengths.astype("<u8").tobytes()
    return value, None, None
