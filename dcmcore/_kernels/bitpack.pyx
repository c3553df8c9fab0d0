# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Bit packing kernels: 1 bit per pixel, least significant bit first (PS3.5 8.1.1).

Pixel ``i`` of a bit stream is bit ``i % 8`` of byte ``i // 8``.
``dcmcore.bits`` and ``dcmcore.overlays`` validate the data; every entry point
here checks again that the bits and bytes it is told to read and write lie
inside its buffers (``ValueError`` otherwise; ``unpack_into`` returns
``ST_BAD_GEOMETRY``), so no call reads or writes past an end. Failures out of
the ``nogil`` loops are status codes of ``status.pxd`` (a value that is not 0
or 1 to pack: ``ST_VALUE_RANGE``), which the callers map with
:func:`dcmcore._kernels.status.check_status`.

On x86-64 the inner loops use SSE2 (part of the x86-64 baseline, so no
compiler flag is needed) and, when the CPU reports it at run time, AVX2
(functions compiled with ``__attribute__((target("avx2")))``, never
``-march``). Streams of 32 Mi values and more (4 MiB packed) are written with
non-temporal stores, which skip reading the destination into the cache first. Elsewhere portable
scalar code (a 256 x 8 byte table for unpacking, a multiply-gather for
packing) is used. All give identical results, which the tests check on sizes
that exercise the vector bodies and the scalar heads and tails.
"""
from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from dcmcore._kernels._util cimport need_bytes, product
from dcmcore._kernels.fused cimport storage_t
from dcmcore._kernels.status cimport DCM_BAD_GEOMETRY, DCM_OK, DCM_VALUE_RANGE

cdef extern from "bitpack_simd.h" nogil:
    Py_ssize_t dcmcore_unpack_simd(const uint8_t* s, Py_ssize_t n, uint8_t* d) noexcept nogil
    Py_ssize_t dcmcore_unpack_shifted_simd(const uint8_t* s, Py_ssize_t n, int off, uint8_t* d) noexcept nogil
    Py_ssize_t dcmcore_pack_simd(const uint8_t* s, Py_ssize_t n, uint8_t* d, uint8_t* seen) noexcept nogil
    Py_ssize_t dcmcore_pack_avx2(const uint8_t* s, Py_ssize_t n64, uint8_t* d, uint8_t* seen, int stream) noexcept nogil
    Py_ssize_t dcmcore_unpack_avx2(const uint8_t* s, Py_ssize_t n4, uint8_t* d, int stream) noexcept nogil
    int dcmcore_cpu_has_avx2() noexcept nogil
    int DCMCORE_HAVE_SSE2


# _SPREAD[b] holds the 8 bits of byte ``b`` as 8 bytes of value 0 or 1,
# least significant bit first, independent of the host byte order.
cdef uint8_t _SPREAD[256][8]


cdef void _init_spread() noexcept:
    cdef int b, j
    for b in range(256):
        for j in range(8):
            _SPREAD[b][j] = (b >> j) & 1


_init_spread()

#: True when the vector (SSE2) loops are compiled in.
HAVE_SIMD = bool(DCMCORE_HAVE_SSE2)

# Streams of at least this many values (4 MiB packed, 32 MiB unpacked) are
# written with non-temporal stores.
cdef Py_ssize_t _STREAM_MIN_VALUES = 8 * 4 * 1024 * 1024

# AVX2 is chosen at run time, once, from what the CPU reports.
cdef bint _use_avx2 = dcmcore_cpu_has_avx2() != 0

#: True when the AVX2 loops are used on this CPU.
HAVE_AVX2 = bool(_use_avx2)


def _set_simd(bint avx2, Py_ssize_t stream_min_values):
    """Test hook: choose the AVX2 loops (when the CPU has AVX2) and the size from
    which outputs are streamed past the cache. Returns the previous settings."""
    global _use_avx2, _STREAM_MIN_VALUES
    old = (bool(_use_avx2), _STREAM_MIN_VALUES)
    _use_avx2 = avx2 and dcmcore_cpu_has_avx2() != 0
    _STREAM_MIN_VALUES = stream_min_values
    return old


# ---------------------------------------------------------------------------
# unpacking
# ---------------------------------------------------------------------------
cdef void _unpack(
    const uint8_t* src, Py_ssize_t src_len, int bit_offset, uint8_t* dst, Py_ssize_t count,
    bint simd
) noexcept nogil:
    # Caller guarantees 0 <= bit_offset < 8 and bit_offset + count <= 8 * src_len.
    cdef Py_ssize_t i, bit, done = 0
    cdef Py_ssize_t nfull = count >> 3
    cdef int back = 8 - bit_offset
    cdef uint8_t b
    if bit_offset == 0:
        if simd:
            if _use_avx2:
                done = dcmcore_unpack_avx2(src, nfull >> 2, dst, count >= _STREAM_MIN_VALUES)
            done += dcmcore_unpack_simd(src + done, (nfull - done) >> 4, dst + 8 * done)
        for i in range(done, nfull):
            memcpy(dst + 8 * i, _SPREAD[src[i]], 8)
    else:
        # src[i + 1] is in bounds for i < nfull: bit_offset + 8 * nfull <= bit_offset + count
        # means the byte holding bit 8 * nfull + bit_offset - 1 is src[nfull]. The vector loop
        # reads src[0 .. 16 * (nfull >> 4)], within that.
        if simd:
            done = dcmcore_unpack_shifted_simd(src, nfull >> 4, bit_offset, dst)
        for i in range(done, nfull):
            b = <uint8_t>((src[i] >> bit_offset) | (src[i + 1] << back))
            memcpy(dst + 8 * i, _SPREAD[b], 8)
    for i in range(nfull << 3, count):
        bit = i + bit_offset
        dst[i] = (src[bit >> 3] >> (bit & 7)) & 1


cdef int _check_unpack(str kernel, Py_ssize_t src_len, int bit_offset, Py_ssize_t count,
                       Py_ssize_t dst_len) except -1:
    if not 0 <= bit_offset < 8:
        raise ValueError(f"{kernel}: bit_offset {bit_offset} is not 0 to 7")
    if count < 0:
        raise ValueError(f"{kernel}: count {count} is negative")
    need_bytes(kernel, "src", src_len, (bit_offset + count + 7) >> 3)
    need_bytes(kernel, "dst", dst_len, count)
    return 0


def unpack_lsb(const uint8_t[::1] src, int bit_offset, Py_ssize_t count, uint8_t[::1] dst):
    """Kernel: dst[i] = bit (bit_offset + i) of src, LSB first.

    Needs ``0 <= bit_offset < 8``, ``bit_offset + count <= 8 * len(src)`` and
    ``len(dst) >= count``; `count` 0 does nothing.
    """
    _check_unpack("unpack_lsb", src.shape[0], bit_offset, count, dst.shape[0])
    if count == 0:
        return
    with nogil:
        _unpack(&src[0], src.shape[0], bit_offset, &dst[0], count, True)


def unpack_lsb_scalar(const uint8_t[::1] src, int bit_offset, Py_ssize_t count, uint8_t[::1] dst):
    """Kernel: as :func:`unpack_lsb` without the vector loops (for tests)."""
    _check_unpack("unpack_lsb_scalar", src.shape[0], bit_offset, count, dst.shape[0])
    if count == 0:
        return
    with nogil:
        _unpack(&src[0], src.shape[0], bit_offset, &dst[0], count, False)


def unpack_into(object src, Py_ssize_t bit_offset, Py_ssize_t count, object dst):
    """Kernel: bits ``bit_offset .. bit_offset + count - 1`` of buffer `src` into the first
    `count` bytes of the C-contiguous, writeable buffer `dst`, as 0/1 values.

    The cheapest entry point (buffer protocol, no memoryview objects), for calls
    on small data where the call overhead matters. Bounds are checked against
    the real buffer lengths: returns ``ST_OK`` (0), or ``ST_BAD_GEOMETRY``
    (nothing written) when `src` has
    fewer than ``bit_offset + count`` bits, `dst` fewer than `count` bytes, or
    an argument is negative. `count` 0 does nothing.
    """
    cdef Py_buffer s
    cdef Py_buffer d
    cdef int rc = DCM_OK
    PyObject_GetBuffer(src, &s, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &d, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE)
        try:
            if bit_offset < 0 or count < 0 or count > d.len or (bit_offset >> 3) + ((bit_offset & 7) + count + 7) // 8 > s.len:
                rc = DCM_BAD_GEOMETRY
            elif count:
                with nogil:
                    _unpack(
                        <const uint8_t*>s.buf + (bit_offset >> 3), s.len - (bit_offset >> 3),
                        <int>(bit_offset & 7), <uint8_t*>d.buf, count, True,
                    )
        finally:
            PyBuffer_Release(&d)
    finally:
        PyBuffer_Release(&s)
    return rc


cdef void _unpack_rows(
    const uint8_t* src, Py_ssize_t src_len, Py_ssize_t bit0, Py_ssize_t row_bits,
    Py_ssize_t col0, Py_ssize_t ncols, Py_ssize_t nrows, uint8_t* dst, Py_ssize_t dst_stride
) noexcept nogil:
    # Row r of the result is bits bit0 + r * row_bits + col0 ... + ncols - 1 of src.
    cdef Py_ssize_t r, start
    for r in range(nrows):
        start = bit0 + r * row_bits + col0
        _unpack(src + (start >> 3), src_len - (start >> 3), <int>(start & 7), dst + r * dst_stride, ncols, True)


def unpack_lsb_rows(
    const uint8_t[::1] src, Py_ssize_t bit0, Py_ssize_t row_bits, Py_ssize_t col0,
    Py_ssize_t ncols, Py_ssize_t nrows, uint8_t[:, ::1] dst
):
    """Kernel: a window of a bit-packed image into rows of a 2D array.

    ``dst[r, c]`` = bit ``bit0 + r * row_bits + col0 + c`` of `src` for
    ``r < nrows``, ``c < ncols``. Needs every argument non-negative,
    ``dst.shape >= (nrows, ncols)`` and the last bit read,
    ``bit0 + (nrows - 1) * row_bits + col0 + ncols - 1``, below ``8 * len(src)``.
    """
    cdef Py_ssize_t last
    if bit0 < 0 or row_bits < 0 or col0 < 0 or ncols < 0 or nrows < 0:
        raise ValueError("unpack_lsb_rows: a negative position or size")
    if nrows > dst.shape[0] or ncols > dst.shape[1]:
        raise ValueError(
            f"unpack_lsb_rows: 'dst' of shape ({dst.shape[0]}, {dst.shape[1]}) is smaller than "
            f"({nrows}, {ncols})"
        )
    if nrows == 0 or ncols == 0:
        return
    last = product("unpack_lsb_rows", nrows - 1, row_bits)
    if last > PY_SSIZE_T_MAX - bit0 - col0 - ncols:
        raise ValueError("unpack_lsb_rows: the last bit overflows a size")
    last += bit0 + col0 + ncols - 1
    need_bytes("unpack_lsb_rows", "src", src.shape[0], (last >> 3) + 1)
    with nogil:
        _unpack_rows(&src[0], src.shape[0], bit0, row_bits, col0, ncols, nrows, &dst[0, 0], dst.strides[0])


# ---------------------------------------------------------------------------
# packing
# ---------------------------------------------------------------------------
cdef inline uint8_t _gather8(const uint8_t* s) noexcept nogil:
    return s[0] | (s[1] << 1) | (s[2] << 2) | (s[3] << 3) | (
        s[4] << 4) | (s[5] << 5) | (s[6] << 6) | (s[7] << 7)


cdef int _pack(
    const uint8_t* src, Py_ssize_t count, uint8_t* dst, bint little_endian_host, bint simd
) noexcept nogil:
    # Returns DCM_OK, or DCM_VALUE_RANGE if any value is neither 0 nor 1 (dst is then undefined).
    cdef Py_ssize_t i, k, done = 0
    cdef Py_ssize_t nfull = count >> 3
    cdef uint64_t word, seen = 0
    cdef uint8_t last = 0, tail_seen = 0, simd_seen = 0
    if simd:
        if _use_avx2:
            done = dcmcore_pack_avx2(src, count >> 6, dst, &simd_seen, count >= _STREAM_MIN_VALUES)
        done += dcmcore_pack_simd(src + done, (count - done) >> 4, dst + (done >> 3), &simd_seen)
        done >>= 3
    if little_endian_host:
        for i in range(done, nfull):
            memcpy(&word, src + 8 * i, 8)
            seen |= word
            # Gathers byte j of word into bit j of the top byte (no carries).
            dst[i] = <uint8_t>(((word & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56)
    else:
        for i in range(done, nfull):
            memcpy(&word, src + 8 * i, 8)
            seen |= word
            dst[i] = _gather8(src + 8 * i)
    for k in range(count - (nfull << 3)):
        tail_seen |= src[(nfull << 3) + k]
        last |= (src[(nfull << 3) + k] & 1) << k
    if count & 7:
        dst[nfull] = last
    if (seen & 0xFEFEFEFEFEFEFEFEULL) or ((tail_seen | simd_seen) & 0xFE):
        return DCM_VALUE_RANGE
    return DCM_OK


cdef int _pack_checked(str kernel, const uint8_t[::1] src, uint8_t[::1] dst, bint little_endian_host,
                       bint simd) except? -100:
    cdef int rc
    need_bytes(kernel, "dst", dst.shape[0], (src.shape[0] + 7) >> 3)
    if src.shape[0] == 0:
        return DCM_OK
    with nogil:
        rc = _pack(&src[0], src.shape[0], &dst[0], little_endian_host, simd)
    return rc


def pack_lsb(const uint8_t[::1] src, uint8_t[::1] dst, bint little_endian_host):
    """Kernel: pack len(src) values of 0/1 into ceil(len(src) / 8) bytes, LSB first.

    Returns ``ST_OK`` (0), or ``ST_VALUE_RANGE`` when a value other than 0 or 1
    was seen. Needs ``len(dst) >= ceil(len(src) / 8)``; an empty `src` does nothing.
    """
    return _pack_checked("pack_lsb", src, dst, little_endian_host, True)


def pack_lsb_scalar(const uint8_t[::1] src, uint8_t[::1] dst, bint little_endian_host):
    """Kernel: as :func:`pack_lsb` without the vector loops (for tests)."""
    return _pack_checked("pack_lsb_scalar", src, dst, little_endian_host, False)


cdef int _pack_wide(const storage_t* src, Py_ssize_t count, uint8_t* dst) noexcept nogil:
    # Values of 16, 32 or 64 bits: bit j of dst[i] = src[8 * i + j]; DCM_VALUE_RANGE if a value > 1.
    cdef Py_ssize_t i, j
    cdef storage_t seen = 0, v
    cdef uint8_t b
    for i in range(count >> 3):
        b = 0
        for j in range(8):
            v = src[8 * i + j]
            seen |= v
            b |= <uint8_t>((v & 1) << j)
        dst[i] = b
    if count & 7:
        b = 0
        for j in range(count & 7):
            v = src[(count & ~(<Py_ssize_t>7)) + j]
            seen |= v
            b |= <uint8_t>((v & 1) << j)
        dst[count >> 3] = b
    return DCM_VALUE_RANGE if (seen >> 1) else DCM_OK


def pack_to_bytes(const storage_t[::1] src, Py_ssize_t nbytes, bint little_endian_host):
    """Kernel: pack the 0/1 values of `src` into a new ``bytes`` of length `nbytes`.

    The bytes past ``ceil(len(src) / 8)`` are zero. Returns the status
    ``ST_VALUE_RANGE`` (an int) instead when a value other than 0 or 1 was seen. Needs ``nbytes >= ceil(len(src) / 8)``.
    Signed input is passed as the unsigned type of the same width (a
    negative value then reads as a large one).
    """
    cdef Py_ssize_t count = src.shape[0]
    cdef Py_ssize_t used = (count + 7) >> 3
    cdef int rc = DCM_OK
    if nbytes < used:
        raise ValueError(f"pack_to_bytes: nbytes {nbytes} is less than the {used} bytes {count} bits need")
    out = PyBytes_FromStringAndSize(NULL, nbytes)
    cdef uint8_t* dst = <uint8_t*>PyBytes_AS_STRING(out)
    with nogil:
        if count == 0:
            pass
        elif storage_t is uint8_t:
            rc = _pack(<const uint8_t*>&src[0], count, dst, little_endian_host, True)
        else:
            rc = _pack_wide(&src[0], count, dst)
        if nbytes > used:
            memset(dst + used, 0, nbytes - used)
    if rc != DCM_OK:
        return rc
    return out


# ---------------------------------------------------------------------------
# bit planes of multi-bit samples (overlays in the unused bits of Pixel Data)
# ---------------------------------------------------------------------------
cdef void _extract_bit(const storage_t* src, Py_ssize_t n, int bit, uint8_t* dst) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        dst[i] = <uint8_t>((src[i] >> bit) & 1)


def extract_bit(const storage_t[::1] src, int bit, uint8_t[::1] dst):
    """Kernel: ``dst[i] = (src[i] >> bit) & 1``.

    Needs ``len(dst) >= len(src)`` and ``0 <= bit < 8 * itemsize``.
    """
    if not 0 <= bit < 8 * sizeof(storage_t):
        raise ValueError(f"extract_bit: bit {bit} is not 0 to {8 * sizeof(storage_t) - 1}")
    need_bytes("extract_bit", "dst", dst.shape[0], src.shape[0])
    if src.shape[0] == 0:
        return
    with nogil:
        _extract_bit(&src[0], src.shape[0], bit, &dst[0])
