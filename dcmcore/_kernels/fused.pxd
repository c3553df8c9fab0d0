# cython: language_level=3
"""Fused types shared by dcmcore kernels."""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

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
