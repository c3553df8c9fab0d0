# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Bit packing kernels: 1 bit per pixel, least significant bit first (PS3.5 8.1.1).

The kernels trust their arguments; ``dcmcore.bits`` validates them.
"""
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

# _SPREAD[b] holds the 8 bits of byte ``b`` as 8 bytes of value 0 or 1,
# least significant bit first, independent of the host byte order.
cdef uint8_t _SPREAD[256][8]


cdef void _init_spread() noexcept:
    cdef int b, j
    for b in range(256):
        for j in range(8):
            _SPREAD[b][j] = (b >> j) & 1


_init_spread()


cdef void _unpack(
    const uint8_t* src, Py_ssize_t src_len, int bit_offset, uint8_t* dst, Py_ssize_t count
) noexcept nogil:
    # Caller guarantees 0 <= bit_offset < 8 and bit_offset + count <= 8 * src_len.
    cdef Py_ssize_t i, bit
    cdef Py_ssize_t nfull = count >> 3
    cdef int back = 8 - bit_offset
    cdef uint8_t b
    if bit_offset == 0:
        for i in range(nfull):
            memcpy(dst + 8 * i, _SPREAD[src[i]], 8)
    else:
        # src[i + 1] is in bounds: bit_offset + 8 * nfull <= bit_offset + count
        # means the byte holding bit 8 * nfull + bit_offset - 1 is src[nfull].
        for i in range(nfull):
            b = <uint8_t>((src[i] >> bit_offset) | (src[i + 1] << back))
            memcpy(dst + 8 * i, _SPREAD[b], 8)
    for i in range(nfull << 3, count):
        bit = i + bit_offset
        dst[i] = (src[bit >> 3] >> (bit & 7)) & 1


def unpack_lsb(const uint8_t[::1] src, int bit_offset, Py_ssize_t count, uint8_t[::1] dst):
    """Kernel: dst[i] = bit (bit_offset + i) of src, LSB first.

    The caller guarantees ``0 <= bit_offset < 8``, ``count > 0``,
    ``bit_offset + count <= 8 * len(src)`` and ``len(dst) >= count``.
    """
    with nogil:
        _unpack(&src[0], src.shape[0], bit_offset, &dst[0], count)


cdef inline uint8_t _gather8(const uint8_t* s) noexcept nogil:
    return s[0] | (s[1] << 1) | (s[2] << 2) | (s[3] << 3) | (
        s[4] << 4) | (s[5] << 5) | (s[6] << 6) | (s[7] << 7)


cdef int _pack(
    const uint8_t* src, Py_ssize_t count, uint8_t* dst, bint little_endian_host
) noexcept nogil:
    # Returns 0 on success, -1 if any value is neither 0 nor 1 (dst is then undefined).
    cdef Py_ssize_t i, k
    cdef Py_ssize_t nfull = count >> 3
    cdef uint64_t word, seen = 0
    cdef uint8_t last = 0, tail_seen = 0
    if little_endian_host:
        for i in range(nfull):
            memcpy(&word, src + 8 * i, 8)
            seen |= word
            # Gathers byte j of word into bit j of the top byte (no carries).
            dst[i] = <uint8_t>(((word & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56)
    else:
        for i in range(nfull):
            memcpy(&word, src + 8 * i, 8)
            seen |= word
            dst[i] = _gather8(src + 8 * i)
    for k in range(count - (nfull << 3)):
        tail_seen |= src[(nfull << 3) + k]
        last |= (src[(nfull << 3) + k] & 1) << k
    if count & 7:
        dst[nfull] = last
    if (seen & 0xFEFEFEFEFEFEFEFEULL) or (tail_seen & 0xFE):
        return -1
    return 0


def pack_lsb(const uint8_t[::1] src, uint8_t[::1] dst, bint little_endian_host):
    """Kernel: pack len(src) values of 0/1 into ceil(len(src) / 8) bytes, LSB first.

    Returns 0, or -1 when a value other than 0 or 1 was seen. The caller
    guarantees ``len(src) > 0`` and ``len(dst) >= ceil(len(src) / 8)``.
    """
    cdef int rc
    with nogil:
        rc = _pack(&src[0], src.shape[0], &dst[0], little_endian_host)
    return rc
