# cython: language_level=3
"""Shared inline helpers for dcmcore kernels: byte swaps, and the size checks
every kernel's Python entry point makes before it hands pointers to C.

A kernel never trusts its caller: whatever the wrapper in ``dcmcore`` already
checked, the entry point checks again that every buffer holds what the other
arguments say it will read or write, and raises ``ValueError`` (naming the
kernel, the argument and both sizes) instead of reading or writing past an end.
The checks are O(1) and made once per call, with the GIL, before ``nogil``.

Plugins may ``cimport dcmcore._kernels._util`` to reuse them.
"""
from libc.stdint cimport uint16_t, uint32_t, uint64_t, uintptr_t
from cpython.pyport cimport PY_SSIZE_T_MAX

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <stdlib.h>
    #define DCMCORE_BSWAP16(x) _byteswap_ushort(x)
    #define DCMCORE_BSWAP32(x) _byteswap_ulong(x)
    #define DCMCORE_BSWAP64(x) _byteswap_uint64(x)
    #else
    #define DCMCORE_BSWAP16(x) __builtin_bswap16(x)
    #define DCMCORE_BSWAP32(x) __builtin_bswap32(x)
    #define DCMCORE_BSWAP64(x) __builtin_bswap64(x)
    #endif
    """
    uint16_t DCMCORE_BSWAP16(uint16_t x) noexcept nogil
    uint32_t DCMCORE_BSWAP32(uint32_t x) noexcept nogil
    uint64_t DCMCORE_BSWAP64(uint64_t x) noexcept nogil


cdef inline uint16_t bswap16(uint16_t x) noexcept nogil:
    return DCMCORE_BSWAP16(x)


cdef inline uint32_t bswap32(uint32_t x) noexcept nogil:
    return DCMCORE_BSWAP32(x)


cdef inline uint64_t bswap64(uint64_t x) noexcept nogil:
    return DCMCORE_BSWAP64(x)


cdef inline Py_ssize_t product(str kernel, Py_ssize_t a, Py_ssize_t b) except -1:
    """``a * b`` for sizes, refusing a negative factor and overflow."""
    if a < 0 or b < 0:
        raise ValueError(f"{kernel}: a size of {a if a < 0 else b} is negative")
    if b and a > PY_SSIZE_T_MAX // b:
        raise ValueError(f"{kernel}: {a} x {b} overflows a size")
    return a * b


cdef inline int need_bytes(str kernel, str name, Py_ssize_t have, Py_ssize_t need) except -1:
    """Refuse a buffer `name` of `have` bytes where the call reads or writes `need`."""
    if have < need:
        raise ValueError(f"{kernel}: '{name}' holds {have} bytes, the arguments need {need}")
    return 0


cdef inline int need_aligned(str kernel, str name, const void* p, Py_ssize_t itemsize) except -1:
    """Refuse a buffer `name` not aligned to its `itemsize` (1, 2, 4 or 8)."""
    if itemsize != 1 and itemsize != 2 and itemsize != 4 and itemsize != 8:
        raise ValueError(f"{kernel}: an item size of {itemsize} is not 1, 2, 4 or 8")
    if (<uintptr_t>p) % <uintptr_t>itemsize:
        raise ValueError(f"{kernel}: '{name}' is not aligned to its item size {itemsize}")
    return 0


cdef inline int no_partial_overlap(str kernel, const void* s, Py_ssize_t ns, const void* d, Py_ssize_t nd,
                                   bint same_ok) except -1:
    """Refuse a `d` of `nd` bytes that overlaps `s` of `ns` bytes other than (when `same_ok`) exactly."""
    cdef uintptr_t a = <uintptr_t>s, b = <uintptr_t>d
    if same_ok and a == b:
        return 0
    if a < b + <uintptr_t>nd and b < a + <uintptr_t>ns:
        raise ValueError(f"{kernel}: 'src' and 'dst' overlap")
    return 0
