# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Overlay drawing kernel: set image pixels where a bit-packed overlay has a 1.

The overlay is read straight from its packed bits (PS3.5 8.1.1 / 8.2: LSB
first, rows continuous, frames not byte aligned), 56 bits at a time, and only
its set bits are visited, so the cost follows the number of overlay pixels that
are 1 plus one word read per 56 overlay pixels. ``dcmcore.overlays.burn_in``
validates and clips; the kernel checks every bound again against the real
buffers and returns the status ``ST_BAD_GEOMETRY`` (``status.pxd``) instead of
reading or writing outside them.
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_STRIDES, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from dcmcore._kernels.status cimport DCM_BAD_GEOMETRY

cdef extern from "bitscan.h" nogil:
    int DCMCORE_CTZ64(uint64_t x) noexcept nogil


cdef inline uint64_t _load_bits(const uint8_t* src, Py_ssize_t src_len, Py_ssize_t bit) noexcept nogil:
    # Up to 64 bits of src from bit `bit` on (bit < 8 * src_len), LSB first; bits past the end are 0.
    cdef Py_ssize_t byte = bit >> 3
    cdef uint64_t w = 0
    cdef Py_ssize_t k, n
    if byte + 8 <= src_len:
        for k in range(8):  # byte-order independent; compilers make this one load on little endian hosts
            w |= (<uint64_t>src[byte + k]) << (8 * k)
    else:
        n = src_len - byte
        for k in range(n):
            w |= (<uint64_t>src[byte + k]) << (8 * k)
    return w >> (bit & 7)


cdef inline void _put(uint8_t* p, const uint8_t* value, Py_ssize_t size) noexcept nogil:
    if size == 1:
        p[0] = value[0]
    elif size == 2:
        memcpy(p, value, 2)
    elif size == 4:
        memcpy(p, value, 4)
    elif size == 8:
        memcpy(p, value, 8)
    else:
        memcpy(p, value, size)


cdef Py_ssize_t _burn(
    const uint8_t* src, Py_ssize_t src_len, Py_ssize_t bit0, Py_ssize_t row_bits, Py_ssize_t col0,
    Py_ssize_t ncols, Py_ssize_t nrows, uint8_t* dst, Py_ssize_t row_stride, Py_ssize_t pixel_stride,
    const uint8_t* value, Py_ssize_t value_size
) noexcept nogil:
    # Returns the number of pixels set.
    cdef Py_ssize_t r, c, take, start, drawn = 0
    cdef uint64_t word
    cdef uint8_t* row
    for r in range(nrows):
        start = bit0 + r * row_bits + col0
        row = dst + r * row_stride
        c = 0
        while c < ncols:
            take = ncols - c
            if take > 56:
                take = 56
            word = _load_bits(src, src_len, start + c)
            if take < 64:
                word &= ((<uint64_t>1) << take) - 1
            while word:
                _put(row + (c + DCMCORE_CTZ64(word)) * pixel_stride, value, value_size)
                word &= word - 1
                drawn += 1
            c += take
    return drawn


def burn(
    object src, Py_ssize_t bit0, Py_ssize_t row_bits, Py_ssize_t col0, Py_ssize_t ncols, Py_ssize_t nrows,
    object dst, const uint8_t[::1] value
):
    """Kernel: ``dst[r, c] = value`` where bit ``bit0 + r * row_bits + col0 + c`` of `src` is 1.

    `dst` is a writeable 2D ``(rows, columns)`` or 3D ``(rows, columns, samples)``
    array of any row and column strides whose samples are adjacent; `value` is
    the bytes of one pixel (``itemsize * samples``). Returns the number of
    pixels set, or the negative status ``ST_BAD_GEOMETRY`` (nothing written)
    when a bound does not hold: `dst` smaller
    than ``nrows x ncols``, `value` of the wrong size, a read beyond `src`.
    """
    cdef Py_buffer s
    cdef Py_buffer d
    cdef Py_ssize_t drawn = DCM_BAD_GEOMETRY, pixel_size, last
    PyObject_GetBuffer(src, &s, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &d, PyBUF_STRIDES | PyBUF_WRITABLE)
        try:
            pixel_size = d.itemsize
            if d.ndim == 3:
                pixel_size = d.itemsize * d.shape[2]
            last = bit0 + (nrows - 1) * row_bits + col0 + ncols - 1
            if (
                (d.ndim == 2 or (d.ndim == 3 and (d.shape[2] == 1 or d.strides[2] == d.itemsize)))
                and nrows >= 0 and ncols >= 0 and bit0 >= 0 and col0 >= 0 and row_bits >= 0
                and nrows <= d.shape[0] and ncols <= d.shape[1]
                and value.shape[0] == pixel_size
                and (nrows == 0 or ncols == 0 or last < 8 * s.len)
            ):
                drawn = 0
                if nrows and ncols:
                    with nogil:
                        drawn = _burn(
                            <const uint8_t*>s.buf, s.len, bit0, row_bits, col0, ncols, nrows,
                            <uint8_t*>d.buf, d.strides[0], d.strides[1], &value[0], pixel_size,
                        )
        finally:
            PyBuffer_Release(&d)
    finally:
        PyBuffer_Release(&s)
    return drawn
