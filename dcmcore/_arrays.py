"""Checks shared by the wrappers that call kernels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dcmcore import config
from dcmcore._kernels import pages
from dcmcore._kernels.pages import HUGE_PAGE
from dcmcore.errors import ArrayTooLargeError

__all__ = ["output_array", "new_array", "byte_view", "readable_bytes"]

#: New arrays of at least this many bytes start on a :data:`HUGE_PAGE` boundary.
ALIGN_BYTES = 1 << 24


def output_array(
    out: np.ndarray | None,
    shape: tuple[int, ...],
    dtype: np.dtype,
    name: str = "out",
    *,
    what: str = "the decoded pixel data",
    allow_bool: bool = False,
    any_shape: str | None = None,
) -> np.ndarray:
    """Return `out` checked to receive an array of `shape` and `dtype`, or a new empty one.

    The one check of a caller's output array, for pixel data, unpacked bits
    and overlays. `out` must be a C-contiguous, aligned, writeable
    ``numpy.ndarray`` of exactly `dtype` (native byte order; also ``bool``
    with `allow_bool`) and of `shape`; a leading axis of length 1 is also
    accepted, so ``big[i:i + 1]`` can receive a single frame. With
    `any_shape`, any shape holding as many values will do, and the message
    for a wrong size reads ``"'out' holds 7 values but 8 <any_shape>"``.
    `what` names the result in the messages.

    Raises
    ------
    TypeError
        `out` is no ndarray, or has another dtype.
    ValueError
        A wrong shape (or size), not C-contiguous, read-only or misaligned.
    """
    dtype = np.dtype(dtype)
    if out is None:
        return new_array(shape, dtype, what)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"'{name}' must be a numpy.ndarray, not {type(out).__name__}")
    if out.dtype != dtype and not (allow_bool and out.dtype == np.bool_):
        raise TypeError(f"'{name}' has dtype {out.dtype}, {what} needs {dtype}{' (or bool)' if allow_bool else ''}")
    if any_shape is not None:
        if out.size != math.prod(shape):
            raise ValueError(f"'{name}' holds {out.size} values but {math.prod(shape)} {any_shape}")
    elif out.shape != tuple(shape) and out.shape != (1, *shape):
        raise ValueError(f"'{name}' has shape {out.shape}, {what} needs {tuple(shape)}")
    if not out.flags.c_contiguous:
        raise ValueError(f"'{name}' must be C-contiguous (a slice along its first axis is)")
    if not out.flags.writeable:
        raise ValueError(f"'{name}' is read-only")
    if not out.flags.aligned:
        raise ValueError(f"'{name}' is not aligned to its itemsize")
    return out


def new_array(
    shape: tuple[int, ...], dtype: np.dtype, what: str = "the decoded pixel data", *, huge_pages: bool = False
) -> np.ndarray:
    """An uninitialised C-contiguous array, as ``np.empty``; a large one starts on a 2 MiB boundary.

    Every output dcmcore allocates comes from here: an array over
    :data:`dcmcore.config.max_array_bytes`, or one the machine cannot
    allocate, is an :class:`~dcmcore.errors.ArrayTooLargeError` naming `what`
    and its size.

    The C allocator puts a large block at any 4 KiB offset of a new mapping,
    so the first and last partial 2 MiB of it get 4 KiB pages instead of
    transparent huge pages: up to a thousand more page faults. An array of
    :data:`ALIGN_BYTES` or more is therefore a view (its ``base`` is the
    block) starting at a :data:`HUGE_PAGE` boundary of a block allocated
    less than 4 MiB larger; less than 2 MiB of that is ever touched, the end
    of the array's last huge page.

    With `huge_pages`, an array of one :data:`HUGE_PAGE` or more that fills
    at least three quarters of its last huge page is aligned so too, and its
    pages are mapped before it is returned (one fault per huge page instead
    of one per 4 KiB page): for outputs made one frame at a time.
    """
    dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
    dims = tuple(map(int, shape))
    nbytes = dtype.itemsize * math.prod(dims)
    limit = config.max_array_bytes
    if limit is not None and nbytes > limit:
        raise ArrayTooLargeError(f"{what} would take {nbytes} bytes, more than dcmcore.config.max_array_bytes ({limit})")
    try:
        if nbytes < ALIGN_BYTES and not huge_pages:
            return np.empty(dims, dtype)  # the usual case; NumPy's own error for a negative size
        huge = huge_pages and nbytes >= HUGE_PAGE and (-nbytes % HUGE_PAGE) * 4 <= HUGE_PAGE
        if dtype.hasobject or min(dims, default=0) < 0 or (nbytes < ALIGN_BYTES and not huge):
            return np.empty(shape, dtype)  # NumPy's own result, or its own error
        block = np.empty(-(-nbytes // HUGE_PAGE) * HUGE_PAGE + HUGE_PAGE, np.uint8)
    except MemoryError:
        raise ArrayTooLargeError(f"{what} needs {nbytes} bytes, which could not be allocated") from None
    start = -block.ctypes.data % HUGE_PAGE
    arr = block[start : start + nbytes]
    if huge_pages and not pages.is_mapped(arr):
        pages.prefault(arr)
    return arr.view(dtype).reshape(dims)


def byte_view(arr: np.ndarray) -> np.ndarray:
    """A flat uint8 view of a C-contiguous array (no copy)."""
    return arr.reshape(-1).view(np.uint8)


def readable_bytes(src: Any, name: str | None = None) -> memoryview:
    """A flat, read-only byte view of any buffer (bytes, bytearray, memoryview, ndarray).

    `name`, the caller's parameter, is quoted in the messages when given.
    """
    try:
        view = memoryview(src)
    except TypeError:
        what = f"'{name}' must be" if name else "Expected"
        raise TypeError(f"{what} a bytes-like object, not {type(src).__name__}") from None
    if not view.c_contiguous:
        raise ValueError(f"'{name}' must be a C-contiguous buffer" if name else "The buffer must be C-contiguous")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view
