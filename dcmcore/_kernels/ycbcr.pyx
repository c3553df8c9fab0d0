# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""YCbCr kernels: YBR_FULL_422 upsampling and YBR_FULL <-> RGB (PS3.3 C.7.6.3.1.2).

YCbCr to RGB is 8-bit, in fixed point (scale 2**14) with round-half-up and
clamping, the equations of ITU-T T.871 that PS3.3 refers to::

    R = Y                 + 1.402    (Cr - 128)
    G = Y - 0.344136 (Cb - 128) - 0.714136 (Cr - 128)
    B = Y + 1.772    (Cb - 128)

The per-pixel arithmetic lives in ``simd8.h`` (with an SSSE3 loop for
YBR_FULL_422, picked at run time), so every path gives identical values.

``dcmcore.color`` and ``dcmcore._native`` validate the data first; each entry
point here checks again that its buffers hold what the sizes it is given say
(``ValueError`` otherwise), so no call can read or write past an end.
"""
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint32_t, uint64_t

from dcmcore._kernels._util cimport need_aligned, need_bytes, product

from dcmcore._kernels.fused cimport storage_t

cdef extern from "simd8.h" nogil:
    void dcm_ybr_px(int32_t y, int32_t cb, int32_t cr, uint8_t* o)
    void dcm_ybr422_to_rgb(const uint8_t* s, uint8_t* d, Py_ssize_t npairs, int allow_simd)

# RGB -> YBR_FULL coefficients, scaled by 2**16 (each row sums exactly).
cdef enum:
    _ONE = 65536
    _HALF = 32768
    _BIAS = 256 * 65536  # keeps the shifted value non-negative
    _R_Y = 19595  # 0.299
    _G_Y = 38470  # 0.587
    _B_Y = 7471  # 0.114
    _R_CB = 11058  # 0.168736
    _G_CB = 21710  # 0.331264
    _B_CB = 32768  # 0.5
    _R_CR = 32768  # 0.5
    _G_CR = 27439  # 0.418688
    _B_CR = 5329  # 0.081312


cdef inline uint8_t _clamp8(int32_t fixed) noexcept nogil:
    # fixed = value * 2**16; round half up, then clamp to 0..255 (branch-free)
    cdef int32_t v = ((fixed + _HALF + _BIAS) >> 16) - 256
    v = 0 if v < 0 else v
    v = 255 if v > 255 else v
    return <uint8_t>v


cdef void _ybr_to_rgb(
    const uint8_t* s, uint8_t* d, Py_ssize_t nframes, Py_ssize_t npix, bint planar
) noexcept nogil:
    cdef Py_ssize_t f, p
    cdef const uint8_t* a
    cdef uint8_t* o
    for f in range(nframes):
        a = s + 3 * npix * f
        o = d + 3 * npix * f
        if planar:
            for p in range(npix):
                dcm_ybr_px(a[p], a[npix + p], a[2 * npix + p], o + 3 * p)
        else:
            for p in range(npix):
                dcm_ybr_px(a[3 * p], a[3 * p + 1], a[3 * p + 2], o + 3 * p)


def ybr_to_rgb8(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t nframes, Py_ssize_t npix, bint planar):
    """Kernel: 8-bit YBR_FULL frames to interleaved RGB.

    ``src`` holds ``nframes`` frames of ``npix`` pixels, interleaved or planar;
    ``dst`` receives them interleaved. ``src`` and ``dst`` may be the same
    buffer when ``planar`` is false.
    """
    cdef Py_ssize_t n = product("ybr_to_rgb8", product("ybr_to_rgb8", nframes, npix), 3)
    need_bytes("ybr_to_rgb8", "src", src.shape[0], n)
    need_bytes("ybr_to_rgb8", "dst", dst.shape[0], n)
    if n == 0:
        return
    if planar and &src[0] < &dst[0] + n and &dst[0] < &src[0] + n:
        raise ValueError("ybr_to_rgb8: planar 'src' and 'dst' overlap")
    with nogil:
        _ybr_to_rgb(&src[0], &dst[0], nframes, npix, planar)


def ybr422_to_rgb8(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t npairs, bint simd=True):
    """Kernel: 8-bit YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair) to interleaved RGB.

    ``src`` holds at least ``4 * npairs`` bytes and ``dst`` at least ``6 * npairs``.
    ``simd=False`` forces the portable loop (the results are identical).
    """
    need_bytes("ybr422_to_rgb8", "src", src.shape[0], product("ybr422_to_rgb8", npairs, 4))
    need_bytes("ybr422_to_rgb8", "dst", dst.shape[0], product("ybr422_to_rgb8", npairs, 6))
    if npairs == 0:
        return
    with nogil:
        dcm_ybr422_to_rgb(&src[0], &dst[0], npairs, simd)


cdef void _ybr422_expand(const storage_t* s, storage_t* d, Py_ssize_t npairs) noexcept nogil:
    cdef Py_ssize_t i
    cdef storage_t cb, cr
    for i in range(npairs):
        cb = s[4 * i + 2]
        cr = s[4 * i + 3]
        d[6 * i] = s[4 * i]
        d[6 * i + 1] = cb
        d[6 * i + 2] = cr
        d[6 * i + 3] = s[4 * i + 1]
        d[6 * i + 4] = cb
        d[6 * i + 5] = cr


def ybr422_expand(const uint8_t[::1] src, uint8_t[::1] dst, int itemsize, Py_ssize_t npairs):
    """Kernel: remove YBR_FULL_422 sub-sampling: Y1 Y2 Cb Cr -> Y1 Cb Cr Y2 Cb Cr.

    Samples are ``itemsize`` bytes in native order, the views aligned to it;
    ``src`` holds ``4 * npairs`` samples and ``dst`` ``6 * npairs``.
    """
    cdef Py_ssize_t pair = product("ybr422_expand", npairs, itemsize)
    need_bytes("ybr422_expand", "src", src.shape[0], product("ybr422_expand", pair, 4))
    need_bytes("ybr422_expand", "dst", dst.shape[0], product("ybr422_expand", pair, 6))
    if npairs == 0:
        return
    need_aligned("ybr422_expand", "src", &src[0], itemsize)
    need_aligned("ybr422_expand", "dst", &dst[0], itemsize)
    with nogil:
        if itemsize == 1:
            _ybr422_expand(<const uint8_t*>&src[0], <uint8_t*>&dst[0], npairs)
        elif itemsize == 2:
            _ybr422_expand(<const uint16_t*>&src[0], <uint16_t*>&dst[0], npairs)
        elif itemsize == 4:
            _ybr422_expand(<const uint32_t*>&src[0], <uint32_t*>&dst[0], npairs)
        else:
            _ybr422_expand(<const uint64_t*>&src[0], <uint64_t*>&dst[0], npairs)


cdef void _rgb_to_ybr(const uint8_t* s, uint8_t* d, Py_ssize_t npix) noexcept nogil:
    cdef Py_ssize_t p
    cdef int32_t r, g, b
    for p in range(npix):
        r = s[3 * p]
        g = s[3 * p + 1]
        b = s[3 * p + 2]
        d[3 * p] = _clamp8(_R_Y * r + _G_Y * g + _B_Y * b)
        d[3 * p + 1] = _clamp8(-_R_CB * r - _G_CB * g + _B_CB * b + 128 * _ONE)
        d[3 * p + 2] = _clamp8(_R_CR * r - _G_CR * g - _B_CR * b + 128 * _ONE)


def rgb_to_ybr8(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t npix):
    """Kernel: interleaved 8-bit RGB to interleaved YBR_FULL; ``src`` may be ``dst``."""
    cdef Py_ssize_t n = product("rgb_to_ybr8", npix, 3)
    need_bytes("rgb_to_ybr8", "src", src.shape[0], n)
    need_bytes("rgb_to_ybr8", "dst", dst.shape[0], n)
    if n == 0:
        return
    with nogil:
        _rgb_to_ybr(&src[0], &dst[0], npix)
