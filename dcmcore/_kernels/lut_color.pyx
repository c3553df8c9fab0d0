# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Exact 8-bit YCbCr (YBR_FULL) <-> RGB conversion, PS3.3 C.7.6.3.1.2 / ITU-T T.871.

T.871 defines the conversion with decimal coefficients and round-to-nearest::

    R = Y + 1.402 (Cr - 128)
    G = Y - 0.344136 (Cb - 128) - 0.714136 (Cr - 128)
    B = Y + 1.772 (Cb - 128)

    Y  =  0.299 R + 0.587 G + 0.114 B
    Cb = (-0.299 R - 0.587 G + 0.886 B) / 1.772 + 128
    Cr = ( 0.701 R - 0.587 G - 0.114 B) / 1.402 + 128

Every coefficient is a ratio of small integers, so the kernels compute each
value exactly in 64-bit integers and round half up (``floor(x + 1/2)``),
then clamp to 0 .. 255: the results are those of the equations, with no
floating point or fixed-point approximation.

``dcmcore.color`` validates shapes first; each entry point checks again that
its buffers hold ``3 * npix`` bytes (``ValueError`` otherwise).
"""
from libc.stdint cimport int64_t, uint8_t

from dcmcore._kernels._util cimport need_bytes, product


cdef inline uint8_t _clamp(int64_t v) noexcept nogil:
    if v < 0:
        return 0
    if v > 255:
        return 255
    return <uint8_t>v


cdef inline int64_t _round_div(int64_t num, int64_t den) noexcept nogil:
    # floor(num / den + 1/2) for den > 0, num of either sign
    cdef int64_t t = 2 * num + den
    cdef int64_t d = 2 * den
    if t >= 0:
        return t // d
    return -((-t + d - 1) // d)


cdef void _ybr_to_rgb(const uint8_t* s, uint8_t* d, Py_ssize_t npix) noexcept nogil:
    cdef Py_ssize_t i
    cdef int64_t y, cb, cr
    for i in range(npix):
        y = s[3 * i]
        cb = <int64_t>s[3 * i + 1] - 128
        cr = <int64_t>s[3 * i + 2] - 128
        d[3 * i] = _clamp(_round_div(y * 1000000 + 1402000 * cr, 1000000))
        d[3 * i + 1] = _clamp(_round_div(y * 1000000 - 344136 * cb - 714136 * cr, 1000000))
        d[3 * i + 2] = _clamp(_round_div(y * 1000000 + 1772000 * cb, 1000000))


cdef void _rgb_to_ybr(const uint8_t* s, uint8_t* d, Py_ssize_t npix) noexcept nogil:
    cdef Py_ssize_t i
    cdef int64_t r, g, b
    for i in range(npix):
        r = s[3 * i]
        g = s[3 * i + 1]
        b = s[3 * i + 2]
        d[3 * i] = _clamp(_round_div(299 * r + 587 * g + 114 * b, 1000))
        d[3 * i + 1] = _clamp(_round_div(-299 * r - 587 * g + 886 * b, 1772) + 128)
        d[3 * i + 2] = _clamp(_round_div(701 * r - 587 * g - 114 * b, 1402) + 128)


def ybr_full_to_rgb(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t npix):
    """Kernel: ``npix`` interleaved YBR_FULL pixels to RGB; ``src`` may be ``dst``."""
    cdef Py_ssize_t n = product("ybr_full_to_rgb", npix, 3)
    need_bytes("ybr_full_to_rgb", "src", src.shape[0], n)
    need_bytes("ybr_full_to_rgb", "dst", dst.shape[0], n)
    if n == 0:
        return
    with nogil:
        _ybr_to_rgb(&src[0], &dst[0], npix)


def rgb_to_ybr_full(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t npix):
    """Kernel: ``npix`` interleaved RGB pixels to YBR_FULL; ``src`` may be ``dst``."""
    cdef Py_ssize_t n = product("rgb_to_ybr_full", npix, 3)
    need_bytes("rgb_to_ybr_full", "src", src.shape[0], n)
    need_bytes("rgb_to_ybr_full", "dst", dst.shape[0], n)
    if n == 0:
        return
    with nogil:
        _rgb_to_ybr(&src[0], &dst[0], npix)
