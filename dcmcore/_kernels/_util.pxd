# cython: language_level=3
"""Shared inline helpers for dcmcore kernels (byte swaps).

Plugins may ``cimport dcmcore._kernels._util`` to reuse them.
"""
from libc.stdint cimport uint16_t, uint32_t, uint64_t

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
