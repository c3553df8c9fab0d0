# cython: language_level=3
"""Fused types shared by dcmcore kernels, and the byte swap of any of them."""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

from dcmcore._kernels._util cimport bswap16, bswap32, bswap64

# Unsigned storage types of every integer Bits Allocated dcmcore decodes.
ctypedef fused storage_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

# A second, independent alias for kernels whose output type differs from the input's.
ctypedef fused out_storage_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t


cdef inline storage_t bswap_storage(storage_t v) noexcept nogil:
    """`v` with its bytes in the other order (the identity for one byte)."""
    if storage_t is uint16_t:
        return bswap16(v)
    elif storage_t is uint32_t:
        return bswap32(v)
    elif storage_t is uint64_t:
        return bswap64(v)
    else:
        return v
