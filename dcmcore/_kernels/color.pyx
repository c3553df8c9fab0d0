# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Colour kernels (the private half of ``dcmcore.color``): YBR_FULL <-> RGB and
YBR_FULL_422 upsampling, 8 bits per sample (PS3.3 C.7.6.3.1.2, ITU-T T.871).

The arithmetic lives in ``color.h``: T.871's coefficients rounded once to
float32, a fused multiply-add chain per output sample, + 0.5 (or + 128.5),
floor, clamp to 0 .. 255 -- the values of pydicom's ``convert_color_space``
when its float32 matrix product fuses multiply-adds (see ``color.h``). An
AVX2 + FMA loop is picked at run time; ``simd=False`` forces the portable
loop, which gives identical values.

``dcmcore.color``, ``dcmcore._native_plan`` and ``dcmcore._session`` validate the
data first; each entry point here checks again that its buffers hold what the
sizes it is given say, and that source and destination do not partly overlap
(``ValueError`` otherwise), so no call can read or write past an end.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

from dcmcore._kernels._util cimport need_aligned, need_bytes, no_partial_overlap, product

from dcmcore._kernels.fused cimport storage_t

cdef extern from "color.h" nogil:
    int dcm_color_simd_available()
    void dcm_ybr_to_rgb(const uint8_t* s, uint8_t* d, Py_ssize_t n, int allow_simd)
    void dcm_ybr_planes_to_rgb(const uint8_t* y, const uint8_t* cb, const uint8_t* cr,
                               uint8_t* d, Py_ssize_t n, int allow_simd)
    void dcm_ybr422_to_rgb(const uint8_t* s, uint8_t* d, Py_ssize_t npairs, int allow_simd)
    void dcm_rgb_to_ybr(const uint8_t* s, uint8_t* d, Py_ssize_t n, int allow_simd)


def simd_available() -> bool:
    """True when the AVX2 + FMA loops run on this CPU (``simd=True`` uses them)."""
    return dcm_color_simd_available() != 0


def ybr_full_to_rgb(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t nframes, Py_ssize_t npix,
                    bint planar, bint simd=True):
    """Kernel: 8-bit YBR_FULL frames to interleaved RGB.

    ``src`` holds ``nframes`` frames of ``npix`` pixels, interleaved or (when
    ``planar``) as three planes per frame; ``dst`` receives them interleaved.
    ``src`` may be ``dst`` when ``planar`` is false.
    """
    cdef Py_ssize_t n = product("ybr_full_to_rgb", product("ybr_full_to_rgb", nframes, npix), 3)
    cdef Py_ssize_t f
    cdef const uint8_t* s
    need_bytes("ybr_full_to_rgb", "src", src.shape[0], n)
    need_bytes("ybr_full_to_rgb", "dst", dst.shape[0], n)
    if n == 0:
        return
    no_partial_overlap("ybr_full_to_rgb", &src[0], n, &dst[0], n, not planar)
    with nogil:
        if planar:
            for f in range(nframes):
                s = &src[0] + 3 * npix * f
                dcm_ybr_planes_to_rgb(s, s + npix, s + 2 * npix, &dst[0] + 3 * npix * f, npix, simd)
        else:
            dcm_ybr_to_rgb(&src[0], &dst[0], n // 3, simd)


def ybr422_to_rgb(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t npairs, bint simd=True):
    """Kernel: 8-bit YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair) to interleaved RGB.

    ``src`` holds at least ``4 * npairs`` bytes and ``dst`` at least
    ``6 * npairs``; they must not overlap.
    """
    cdef Py_ssize_t ns = product("ybr422_to_rgb", npairs, 4)
    cdef Py_ssize_t nd = product("ybr422_to_rgb", npairs, 6)
    need_bytes("ybr422_to_rgb", "src", src.shape[0], ns)
    need_bytes("ybr422_to_rgb", "dst", dst.shape[0], nd)
    if npairs == 0:
        return
    no_partial_overlap("ybr422_to_rgb", &src[0], ns, &dst[0], nd, False)
    with nogil:
        dcm_ybr422_to_rgb(&src[0], &dst[0], npairs, simd)


def rgb_to_ybr_full(const uint8_t[::1] src, uint8_t[::1] dst, Py_ssize_t npix, bint simd=True):
    """Kernel: ``npix`` interleaved 8-bit RGB pixels to YBR_FULL; ``src`` may be ``dst``."""
    cdef Py_ssize_t n = product("rgb_to_ybr_full", npix, 3)
    need_bytes("rgb_to_ybr_full", "src", src.shape[0], n)
    need_bytes("rgb_to_ybr_full", "dst", dst.shape[0], n)
    if n == 0:
        return
    no_partial_overlap("rgb_to_ybr_full", &src[0], n, &dst[0], n, True)
    with nogil:
        dcm_rgb_to_ybr(&src[0], &dst[0], npix, simd)


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
    ``src`` holds ``4 * npairs`` samples and ``dst`` ``6 * npairs``; they must
    not overlap.
    """
    cdef Py_ssize_t pair = product("ybr422_expand", npairs, itemsize)
    cdef Py_ssize_t ns = product("ybr422_expand", pair, 4)
    cdef Py_ssize_t nd = product("ybr422_expand", pair, 6)
    need_bytes("ybr422_expand", "src", src.shape[0], ns)
    need_bytes("ybr422_expand", "dst", dst.shape[0], nd)
    if npairs == 0:
        return
    need_aligned("ybr422_expand", "src", &src[0], itemsize)
    need_aligned("ybr422_expand", "dst", &dst[0], itemsize)
    no_partial_overlap("ybr422_expand", &src[0], ns, &dst[0], nd, False)
    with nogil:
        if itemsize == 1:
            _ybr422_expand(<const uint8_t*>&src[0], <uint8_t*>&dst[0], npairs)
        elif itemsize == 2:
            _ybr422_expand(<const uint16_t*>&src[0], <uint16_t*>&dst[0], npairs)
        elif itemsize == 4:
            _ybr422_expand(<const uint32_t*>&src[0], <uint32_t*>&dst[0], npairs)
        else:
            _ybr422_expand(<const uint64_t*>&src[0], <uint64_t*>&dst[0], npairs)
