"""Packing and unpacking of 1-bit data: Pixel Data with Bits Allocated 1 and Overlay Data.

DICOM packs 1-bit pixels least significant bit first (PS3.5 8.1.1, 8.1.2 and
Annex D): pixel ``i`` is bit ``i % 8`` of byte ``i // 8``, and a frame need not
start on a byte boundary. :func:`unpack_bits` and :func:`pack_bits` are the
validating wrappers around the Cython kernels in ``dcmcore._kernels.bitpack``;
they round-trip exactly and match ``numpy.unpackbits``/``numpy.packbits`` with
``bitorder="little"`` and pydicom's ``unpack_bits``/``pack_bits``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from dcmcore._kernels import bitpack
from dcmcore._arrays import output_array, readable_bytes
from dcmcore._kernels.status import check_status

__all__ = ["pack_bits", "unpack_bits", "packed_length"]

_LITTLE_HOST = sys.byteorder == "little"
_UNSIGNED = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32), 8: np.dtype(np.uint64)}


def packed_length(count: int, pad: bool = False) -> int:
    """Bytes needed for `count` 1-bit values; with `pad`, rounded up to an even number."""
    n = (count + 7) >> 3
    return n + (n & 1) if pad else n


def unpack_bits(buf: Any, count: int | None = None, *, bit_offset: int = 0, out: np.ndarray | None = None) -> np.ndarray:
    """Unpack 1-bit data, least significant bit first, to one byte (0 or 1) per bit.

    Parameters
    ----------
    buf : bytes-like
        The packed data (``bytes``, ``bytearray``, ``memoryview`` or a
        C-contiguous array, whose bytes are used).
    count : int, optional
        The number of values to unpack; by default every bit of `buf` from
        `bit_offset` on (``8 * len(buf) - bit_offset``).
    bit_offset : int, optional
        The bit of `buf` holding the first value (0 by default); any
        non-negative value, so a frame that does not start on a byte boundary
        can be unpacked without shifting the data first.
    out : numpy.ndarray, optional
        A C-contiguous, writeable ``uint8`` (or ``bool``) array of any shape
        with `count` elements, to unpack into without allocating. It is returned.

    Returns
    -------
    numpy.ndarray
        `out`, or a new 1D ``uint8`` array of `count` values.

    Raises
    ------
    ValueError
        If `buf` holds fewer than ``bit_offset + count`` bits, or `count` or
        `bit_offset` is negative, or `out` does not fit.
    TypeError
        If `buf` is not a buffer or `out` is not a ``uint8``/``bool`` array.

    Examples
    --------
    >>> unpack_bits(b"\\x05", 4)
    array([1, 0, 1, 0], dtype=uint8)

    .. versionadded:: 0.1
    """
    view = readable_bytes(buf, "buf")
    if isinstance(count, bool) or isinstance(bit_offset, bool):
        raise TypeError("'count' and 'bit_offset' must be integers, not bool")
    bit_offset = int(bit_offset)
    if bit_offset < 0:
        raise ValueError(f"'bit_offset' must be 0 or more, not {bit_offset}")
    available = 8 * view.nbytes - bit_offset
    if count is None:
        count = max(available, 0)
    count = int(count)
    if count < 0:
        raise ValueError(f"'count' must be 0 or more, not {count}")
    if count > available:
        raise ValueError(
            f"'buf' holds {view.nbytes} bytes ({8 * view.nbytes} bits) but {count} bits from "
            f"bit {bit_offset} were asked for ({packed_length(bit_offset + count)} bytes needed)"
        )
    if out is None:
        out = np.empty(count, np.uint8)
    else:
        out = output_array(
            out, (count,), np.uint8, what="unpacked bits", allow_bool=True, any_shape="bits are to be unpacked"
        )
    if count:
        check_status(bitpack.unpack_into(view, bit_offset, count, out), "unpack_bits")  # validated above
    return out


def _first_bad(flat: np.ndarray) -> str:
    """Describe the first value of `flat` that is neither 0 nor 1 (for the error message)."""
    if flat.dtype.kind == "f":
        bad = np.flatnonzero(~((flat == 0) | (flat == 1)))
    else:
        bad = np.flatnonzero(flat > 1) if flat.dtype.kind in "ub" else np.flatnonzero((flat < 0) | (flat > 1))
    if bad.size == 0:  # pragma: no cover - only called after a failed check
        return ""
    i = int(bad[0])
    return f" (the first, at flat index {i}, is {flat[i]!r})"


def pack_bits(arr: Any, pad: bool = True) -> bytes:
    """Pack an array of 0s and 1s into bytes, least significant bit first.

    The inverse of :func:`unpack_bits`, for (60xx,3000) *Overlay Data* and
    Pixel Data with (0028,0100) *Bits Allocated* 1. Values are taken in C
    (row-major) order, so a ``(rows, columns)`` or ``(frames, rows, columns)``
    array packs as DICOM expects. Frames are not padded to a byte boundary:
    the bit stream is continuous and only its end is padded with 0 bits.

    Parameters
    ----------
    arr : array_like
        Values 0 or 1 of any integer or boolean dtype (floating point values
        equal to 0 or 1 are accepted too), of any shape.
    pad : bool, optional
        If True (default), append a zero byte when the packed length is odd, as
        an element value must have an even length (PS3.5 7.1.1).

    Returns
    -------
    bytes
        ``ceil(arr.size / 8)`` bytes, plus one with `pad` when that is odd;
        ``b""`` for an empty array.

    Raises
    ------
    ValueError
        If `arr` holds a value other than 0 or 1.
    TypeError
        If `arr` has a dtype that cannot hold 0/1 values (strings, objects).

    Examples
    --------
    >>> pack_bits([1, 0, 1, 1])
    b'\\r\\x00'

    .. versionadded:: 0.1
    """
    a = arr if isinstance(arr, np.ndarray) else np.asarray(arr)
    kind = a.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"pack_bits needs an array of 0s and 1s of integer or bool dtype, not {a.dtype}")
    n = a.size
    if n == 0:
        return b""
    nbytes = packed_length(n, pad)
    if kind == "f":
        if not ((a == 0) | (a == 1)).all():
            raise ValueError(f"Only values of 0 and 1 can be packed: 'arr' holds others{_first_bad(a.reshape(-1))}")
        a = a.astype(np.uint8)
    elif not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    flat = a.reshape(-1)  # a view when C-contiguous, else one C-order copy
    src = flat.view(_UNSIGNED[a.dtype.itemsize])
    packed = bitpack.pack_to_bytes(src, nbytes, _LITTLE_HOST)
    if packed.__class__ is int:  # a status: a value other than 0 or 1
        check_status(packed, "", f"Only values of 0 and 1 can be packed: 'arr' holds others{_first_bad(flat)}")
    return packed
