# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Pixel transform kernels: table gathers and one fused arithmetic pass.

``gather`` maps every input value ``v`` to ``table[v - lo]``: the whole
modality -> VOI -> presentation chain, composed once into a table over the
stored-value domain ``lo .. lo + ntable - 1``, applied in one pass.
``gather3`` does the same with three interleaved output samples per entry
(palette colour). Both copy table entries by their itemsize (1, 2, 4 or 8
bytes), so one specialisation serves every output dtype of that size.

An input value outside the table's domain is never used to index memory: its
index is clamped to the nearest end of the table and it is counted. The count
is returned, and the caller recomputes (or rejects) those pixels.

``linear_window`` is the fused arithmetic pass for float and wide integer
input: ``y = x * slope + intercept``, then optionally a VOI window (PS3.3
C.11.2.1.2 LINEAR, C.11.2.1.3.2 LINEAR_EXACT, C.11.2.1.3.1 SIGMOID) into
``[ymin, ymax]``, optionally reflected within that range (an INVERSE
presentation), then stored as the output type. Integer outputs are rounded
half to even (as ``numpy.rint``) and values outside ``[clip_lo, clip_hi]``
(NaN included) are clamped there and counted.

The kernels trust their arguments: ``dcmcore.transforms._engine`` checks
codes, sizes and lengths first.
"""
from libc.float cimport DBL_MAX
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

# Input codes shared with dcmcore.transforms._engine.IN_CODES
cdef enum:
    IN_U8 = 0
    IN_I8 = 1
    IN_U16 = 2
    IN_I16 = 3
    IN_U32 = 4
    IN_I32 = 5
    IN_F32 = 6
    IN_F64 = 7

# Output codes shared with dcmcore.transforms._engine.OUT_CODES
cdef enum:
    OUT_U8 = 0
    OUT_I8 = 1
    OUT_U16 = 2
    OUT_I16 = 3
    OUT_U32 = 4
    OUT_I32 = 5
    OUT_F32 = 6
    OUT_F64 = 7

# Window modes
cdef enum:
    WIN_NONE = 0
    WIN_LINEAR = 1
    WIN_LINEAR_EXACT = 2
    WIN_SIGMOID = 3

ctypedef fused index_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    uint32_t
    int32_t

ctypedef fused item_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused arith_in_t:
    uint32_t
    int32_t
    float
    double

ctypedef fused arith_out_t:
    uint8_t
    int8_t
    uint16_t
    int16_t
    uint32_t
    int32_t
    float
    double


cdef Py_ssize_t _gather(
    const index_t* s, Py_ssize_t n, int64_t lo, const item_t* tab, Py_ssize_t ntab, item_t* d
) noexcept nogil:
    cdef Py_ssize_t i
    cdef Py_ssize_t bad = 0
    cdef int64_t k
    cdef uint64_t top = <uint64_t>(ntab - 1)
    for i in range(n):
        k = <int64_t>s[i] - lo
        if <uint64_t>k > top:
            bad += 1
            k = 0 if k < 0 else <int64_t>top
        d[i] = tab[k]
    return bad


cdef Py_ssize_t _gather3(
    const index_t* s, Py_ssize_t n, int64_t lo, const item_t* tab, Py_ssize_t ntab, item_t* d
) noexcept nogil:
    cdef Py_ssize_t i
    cdef Py_ssize_t bad = 0
    cdef int64_t k
    cdef uint64_t top = <uint64_t>(ntab - 1)
    cdef const item_t* t
    for i in range(n):
        k = <int64_t>s[i] - lo
        if <uint64_t>k > top:
            bad += 1
            k = 0 if k < 0 else <int64_t>top
        t = tab + 3 * k
        d[3 * i] = t[0]
        d[3 * i + 1] = t[1]
        d[3 * i + 2] = t[2]
    return bad


cdef Py_ssize_t _dispatch_items(
    int in_code, const void* s, Py_ssize_t n, int64_t lo, const item_t* tab, Py_ssize_t ntab, item_t* d, bint three
) noexcept nogil:
    if three:
        if in_code == IN_U8:
            return _gather3(<const uint8_t*>s, n, lo, tab, ntab, d)
        if in_code == IN_I8:
            return _gather3(<const int8_t*>s, n, lo, tab, ntab, d)
        if in_code == IN_U16:
            return _gather3(<const uint16_t*>s, n, lo, tab, ntab, d)
        if in_code == IN_I16:
            return _gather3(<const int16_t*>s, n, lo, tab, ntab, d)
        if in_code == IN_U32:
            return _gather3(<const uint32_t*>s, n, lo, tab, ntab, d)
        return _gather3(<const int32_t*>s, n, lo, tab, ntab, d)
    if in_code == IN_U8:
        return _gather(<const uint8_t*>s, n, lo, tab, ntab, d)
    if in_code == IN_I8:
        return _gather(<const int8_t*>s, n, lo, tab, ntab, d)
    if in_code == IN_U16:
        return _gather(<const uint16_t*>s, n, lo, tab, ntab, d)
    if in_code == IN_I16:
        return _gather(<const int16_t*>s, n, lo, tab, ntab, d)
    if in_code == IN_U32:
        return _gather(<const uint32_t*>s, n, lo, tab, ntab, d)
    return _gather(<const int32_t*>s, n, lo, tab, ntab, d)


cdef Py_ssize_t _gather_any(
    const uint8_t* s, int in_code, Py_ssize_t n, int64_t lo,
    const uint8_t* tab, Py_ssize_t ntab, int itemsize, uint8_t* d, bint three
) noexcept nogil:
    if itemsize == 1:
        return _dispatch_items(in_code, s, n, lo, <const uint8_t*>tab, ntab, <uint8_t*>d, three)
    if itemsize == 2:
        return _dispatch_items(in_code, s, n, lo, <const uint16_t*>tab, ntab, <uint16_t*>d, three)
    if itemsize == 4:
        return _dispatch_items(in_code, s, n, lo, <const uint32_t*>tab, ntab, <uint32_t*>d, three)
    return _dispatch_items(in_code, s, n, lo, <const uint64_t*>tab, ntab, <uint64_t*>d, three)


def gather(
    const uint8_t[::1] src, int in_code, Py_ssize_t n, int64_t lo,
    const uint8_t[::1] table, Py_ssize_t ntable, int itemsize, uint8_t[::1] dst, bint three=False
):
    """Kernel: ``dst[i] = table[src[i] - lo]`` for ``n`` pixels; returns the out-of-domain count.

    ``src`` holds ``n`` values of the input code's type, ``table`` ``ntable``
    entries (times 3 when `three`) and ``dst`` ``n`` entries (times 3) of
    ``itemsize`` bytes, all aligned to their item size; ``n`` and ``ntable``
    are at least 1.
    """
    cdef Py_ssize_t bad
    with nogil:
        bad = _gather_any(&src[0], in_code, n, lo, &table[0], ntable, itemsize, &dst[0], three)
    return bad



cdef extern from *:
    """
    #include <math.h>
    #include <float.h>
    #include <stdint.h>
    #if defined(_MSC_VER)
    #define DCM_RESTRICT __restrict
    #else
    #define DCM_RESTRICT __restrict__
    #endif

    typedef struct {
        double slope, intercept;
        int mode;                     /* 0: none, 1: LINEAR or LINEAR_EXACT, 3: SIGMOID */
        double wmin, scale;           /* t = (y - wmin) * scale + ymin, clamped */
        double center, neg4_over_w;   /* SIGMOID */
        double ymin, ymax, yrange;
        double inv_a, inv_b;          /* r = inv_a * t + inv_b: (1, 0) or (-1, ymin + ymax) */
        double clip_lo, clip_hi;      /* integer outputs */
    } dcm_wparams;

    /* Round half to even for |t| < 2**51 (the output range of every integer
       type here); plain adds, so the loop vectorises and matches rint(). */
    #define DCM_MAGIC 6755399441055744.0

    /* One pass per (input, output) type pair. The window is written as a
       clamp of the straight line through (c - w/2, ymin) with the window's
       slope, which equals the PS3.3 C.11.2.1.2.1 / C.11.2.1.3.2 piecewise
       definition and vectorises (no branch in the loop body). */
    #define DCM_DEFINE_LINEAR(NAME, TIN, TOUT, IS_INT)                                  \\
    static Py_ssize_t NAME(const TIN* DCM_RESTRICT s, TOUT* DCM_RESTRICT d,           \\
                           Py_ssize_t n, const dcm_wparams* p) {                       \\
        const double m = p->slope, b = p->intercept, wmin = p->wmin, sc = p->scale;   \\
        const double y0 = p->ymin, y1 = p->ymax, ia = p->inv_a, ib = p->inv_b;        \\
        const double lo = p->clip_lo, hi = p->clip_hi;                                \\
        const double c = p->center, k4 = p->neg4_over_w, yr = p->yrange;              \\
        Py_ssize_t i, bad = 0;                                                        \\
        if (p->mode == 1) {                                                           \\
            for (i = 0; i < n; i++) {                                                 \\
                double t = ((double)s[i] * m + b - wmin) * sc + y0;                   \\
                t = t < y0 ? y0 : t;                                                  \\
                t = t > y1 ? y1 : t;                                                  \\
                t = ia * t + ib;                                                      \\
                if (IS_INT) {                                                         \\
                    t = (t + DCM_MAGIC) - DCM_MAGIC;                                  \\
                    bad += (t >= lo) & (t <= hi) ? 0 : 1;                             \\
                    t = t >= lo ? t : lo;                                             \\
                    t = t > hi ? hi : t;                                              \\
                    d[i] = (TOUT)(int64_t)t;                                          \\
                } else {                                                              \\
                    d[i] = (TOUT)t;                                                   \\
                }                                                                     \\
            }                                                                         \\
        } else if (p->mode == 3) {                                                    \\
            for (i = 0; i < n; i++) {                                                 \\
                double y = (double)s[i] * m + b;                                      \\
                double t = yr / (1.0 + exp(k4 * (y - c))) + y0;                       \\
                t = ia * t + ib;                                                      \\
                if (IS_INT) {                                                         \\
                    t = (t + DCM_MAGIC) - DCM_MAGIC;                                  \\
                    bad += (t >= lo) & (t <= hi) ? 0 : 1;                             \\
                    t = t >= lo ? t : lo;                                             \\
                    t = t > hi ? hi : t;                                              \\
                    d[i] = (TOUT)(int64_t)t;                                          \\
                } else {                                                              \\
                    d[i] = (TOUT)t;                                                   \\
                }                                                                     \\
            }                                                                         \\
        } else {                                                                      \\
            for (i = 0; i < n; i++) {                                                 \\
                double t = ia * ((double)s[i] * m + b) + ib;                          \\
                if (IS_INT) {                                                         \\
                    t = (t + DCM_MAGIC) - DCM_MAGIC;                                  \\
                    bad += (t >= lo) & (t <= hi) ? 0 : 1;                             \\
                    t = t >= lo ? t : lo;                                             \\
                    t = t > hi ? hi : t;                                              \\
                    d[i] = (TOUT)(int64_t)t;                                          \\
                } else {                                                              \\
                    d[i] = (TOUT)t;                                                   \\
                }                                                                     \\
            }                                                                         \\
        }                                                                             \\
        return bad;                                                                   \\
    }

    #define DCM_DEFINE_FOR_INPUT(SUF, TIN)                                              \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u8, TIN, uint8_t, 1)                        \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i8, TIN, int8_t, 1)                         \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u16, TIN, uint16_t, 1)                      \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i16, TIN, int16_t, 1)                       \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u32, TIN, uint32_t, 1)                      \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i32, TIN, int32_t, 1)                       \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_f32, TIN, float, 0)                         \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_f64, TIN, double, 0)                        \\
        static Py_ssize_t dcm_lin_##SUF(const void* s, void* d, int out_code,         \\
                                        Py_ssize_t n, const dcm_wparams* p) {         \\
            switch (out_code) {                                                       \\
            case 0: return dcm_lin_##SUF##_u8((const TIN*)s, (uint8_t*)d, n, p);      \\
            case 1: return dcm_lin_##SUF##_i8((const TIN*)s, (int8_t*)d, n, p);       \\
            case 2: return dcm_lin_##SUF##_u16((const TIN*)s, (uint16_t*)d, n, p);    \\
            case 3: return dcm_lin_##SUF##_i16((const TIN*)s, (int16_t*)d, n, p);     \\
            case 4: return dcm_lin_##SUF##_u32((const TIN*)s, (uint32_t*)d, n, p);    \\
            case 5: return dcm_lin_##SUF##_i32((const TIN*)s, (int32_t*)d, n, p);     \\
            case 6: return dcm_lin_##SUF##_f32((const TIN*)s, (float*)d, n, p);       \\
            default: return dcm_lin_##SUF##_f64((const TIN*)s, (double*)d, n, p);     \\
            }                                                                         \\
        }

    DCM_DEFINE_FOR_INPUT(u8, uint8_t)
    DCM_DEFINE_FOR_INPUT(i8, int8_t)
    DCM_DEFINE_FOR_INPUT(u16, uint16_t)
    DCM_DEFINE_FOR_INPUT(i16, int16_t)
    DCM_DEFINE_FOR_INPUT(u32, uint32_t)
    DCM_DEFINE_FOR_INPUT(i32, int32_t)
    DCM_DEFINE_FOR_INPUT(f32, float)
    DCM_DEFINE_FOR_INPUT(f64, double)

    static Py_ssize_t dcm_linear_window(const void* s, int in_code, void* d, int out_code,
                                        Py_ssize_t n, const dcm_wparams* p) {
        switch (in_code) {
        case 0: return dcm_lin_u8(s, d, out_code, n, p);
        case 1: return dcm_lin_i8(s, d, out_code, n, p);
        case 2: return dcm_lin_u16(s, d, out_code, n, p);
        case 3: return dcm_lin_i16(s, d, out_code, n, p);
        case 4: return dcm_lin_u32(s, d, out_code, n, p);
        case 5: return dcm_lin_i32(s, d, out_code, n, p);
        case 6: return dcm_lin_f32(s, d, out_code, n, p);
        default: return dcm_lin_f64(s, d, out_code, n, p);
        }
    }
    """
    ctypedef struct dcm_wparams:
        double slope
        double intercept
        int mode
        double wmin
        double scale
        double center
        double neg4_over_w
        double ymin
        double ymax
        double yrange
        double inv_a
        double inv_b
        double clip_lo
        double clip_hi
    Py_ssize_t dcm_linear_window(const void* s, int in_code, void* d, int out_code,
                                 Py_ssize_t n, const dcm_wparams* p) noexcept nogil


def linear_window(
    const uint8_t[::1] src, int in_code, Py_ssize_t n, uint8_t[::1] dst, int out_code,
    double slope, double intercept, int mode, double center, double width,
    double ymin, double ymax, bint invert, double clip_lo, double clip_hi,
):
    """Kernel: the fused rescale -> window -> invert pass over ``n`` values.

    ``mode`` is 0 (no window), 1 (LINEAR), 2 (LINEAR_EXACT) or 3 (SIGMOID);
    ``width`` is at least 1 for LINEAR and positive otherwise, and ``ymin <
    ymax``. Integer outputs are rounded half to even; the number of them that
    fell outside ``[clip_lo, clip_hi]`` (NaN included) and were clamped is
    returned.
    """
    cdef dcm_wparams p
    cdef Py_ssize_t bad
    p.slope = slope
    p.intercept = intercept
    p.center = center
    p.ymin = ymin
    p.ymax = ymax
    p.yrange = ymax - ymin
    p.inv_a = -1.0 if invert else 1.0
    p.inv_b = (ymin + ymax) if invert else 0.0
    p.clip_lo = clip_lo
    p.clip_hi = clip_hi
    p.wmin = center - width / 2.0
    p.neg4_over_w = -4.0 / width if mode == WIN_SIGMOID else 0.0
    p.mode = 0
    p.scale = 0.0
    if mode == WIN_LINEAR or mode == WIN_LINEAR_EXACT:
        p.mode = 1
        if mode == WIN_LINEAR:
            # LINEAR reaches ymax at c + w/2 - 1; a width of 1 is a step at c - 1/2
            p.scale = (ymax - ymin) / (width - 1.0) if width != 1.0 else DBL_MAX
        else:
            p.scale = (ymax - ymin) / width
    elif mode == WIN_SIGMOID:
        p.mode = 3
    with nogil:
        bad = dcm_linear_window(&src[0], in_code, &dst[0], out_code, n, &p)
    return bad
