# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Pixel transform kernels: table gathers and one fused arithmetic pass.

The whole modality -> VOI -> presentation (or palette) chain is composed once
into a table over the input's value domain, then applied in one pass:

``gather_full``
    8- and 16-bit inputs with a table over the container's whole domain (256
    or 65536 entries, indexed by the value's bit pattern): no bounds check is
    needed, every index is valid.
``gather``
    any integer input (up to 32 bits) with a table over ``lo .. lo + ntable -
    1``. A value outside that domain is never used to index memory: its index
    is clamped to the nearest end and it is counted; the count is returned so
    the caller can recompute (or reject) those pixels.

Both copy table entries by their itemsize (1, 2, 4 or 8 bytes), so one
specialisation serves every output dtype of that size, and both write three
interleaved samples per pixel when the table has three per entry (palette).

``linear_window`` is the fused arithmetic pass for float and wide integer
input, and the table builder: ``y = x * slope + intercept``, then optionally
a VOI window (PS3.3 C.11.2.1.2.1 LINEAR, C.11.2.1.3.2 LINEAR_EXACT,
C.11.2.1.3.1 SIGMOID) into ``[ymin, ymax]``, optionally reflected within that
range (an INVERSE presentation), stored as the output type. Integer outputs
are rounded half to even (as ``numpy.rint``) and clamped to ``[clip_lo,
clip_hi]`` (NaN to ``clip_lo``): the caller only asks for an integer output
when the values are known to lie in that range.

``dcmcore.transforms._engine`` checks codes, sizes and lengths first, once;
each entry point checks again that its codes are known and its buffers hold
and are aligned for what the sizes say (``ValueError`` otherwise).
"""
from libc.float cimport DBL_MAX
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint64_t

from dcmcore._kernels._util cimport need_aligned, need_bytes, product

# Input and output type codes, shared with dcmcore.transforms._engine
cdef enum:
    CODE_U8 = 0
    CODE_I8 = 1
    CODE_U16 = 2
    CODE_I16 = 3
    CODE_U32 = 4
    CODE_I32 = 5
    CODE_F32 = 6
    CODE_F64 = 7

# Window modes
cdef enum:
    WIN_NONE = 0
    WIN_LINEAR = 1
    WIN_LINEAR_EXACT = 2
    WIN_SIGMOID = 3

cdef extern from *:
    """
    #include <math.h>
    #include <stdint.h>
    #include <string.h>
    #if defined(_MSC_VER)
    #define DCM_RESTRICT __restrict
    #else
    #define DCM_RESTRICT __restrict__
    #endif

    /* ---- gathers ---------------------------------------------------------- */

    /* Whole-domain table: the index is the value's bit pattern. */
    #define DCM_DEFINE_GATHER_FULL(NAME, TIN, TIDX, TITEM)                              \\
    static void NAME(const TIN* DCM_RESTRICT s, Py_ssize_t n,                         \\
                     const TITEM* DCM_RESTRICT t, TITEM* DCM_RESTRICT d, int three) {  \\
        Py_ssize_t i;                                                                 \\
        if (three) {                                                                  \\
            for (i = 0; i < n; i++) {                                                 \\
                const TITEM* e = t + 3 * (Py_ssize_t)(TIDX)s[i];                      \\
                d[3 * i] = e[0]; d[3 * i + 1] = e[1]; d[3 * i + 2] = e[2];            \\
            }                                                                         \\
        } else {                                                                      \\
            TIDX v[8];                                                                \\
            for (i = 0; i + 8 <= n; i += 8) {                                         \\
                memcpy(v, s + i, sizeof(v));                                          \\
                d[i] = t[v[0]]; d[i + 1] = t[v[1]]; d[i + 2] = t[v[2]];               \\
                d[i + 3] = t[v[3]]; d[i + 4] = t[v[4]]; d[i + 5] = t[v[5]];           \\
                d[i + 6] = t[v[6]]; d[i + 7] = t[v[7]];                               \\
            }                                                                         \\
            for (; i < n; i++) d[i] = t[(TIDX)s[i]];                                  \\
        }                                                                             \\
    }

    /* Domain table lo .. lo + ntab - 1: indices clamped, strays counted. */
    #define DCM_CLAMPED(k, top) ((k) < 0 ? 0 : ((uint64_t)(k) > (top) ? (int64_t)(top) : (k)))
    #define DCM_DEFINE_GATHER(NAME, TIN, TITEM)                                         \\
    static Py_ssize_t NAME(const TIN* DCM_RESTRICT s, Py_ssize_t n, int64_t lo,       \\
                           const TITEM* DCM_RESTRICT t, Py_ssize_t ntab,              \\
                           TITEM* DCM_RESTRICT d, int three) {                        \\
        const uint64_t top = (uint64_t)(ntab - 1);                                    \\
        Py_ssize_t i = 0, bad = 0;                                                    \\
        for (; i + 4 <= n; i += 4) {                                                  \\
            int64_t k0 = (int64_t)s[i] - lo, k1 = (int64_t)s[i + 1] - lo;             \\
            int64_t k2 = (int64_t)s[i + 2] - lo, k3 = (int64_t)s[i + 3] - lo;         \\
            if (((uint64_t)k0 > top) | ((uint64_t)k1 > top) |                         \\
                ((uint64_t)k2 > top) | ((uint64_t)k3 > top)) {                        \\
                bad += ((uint64_t)k0 > top) + ((uint64_t)k1 > top) +                  \\
                       ((uint64_t)k2 > top) + ((uint64_t)k3 > top);                   \\
                k0 = DCM_CLAMPED(k0, top); k1 = DCM_CLAMPED(k1, top);                 \\
                k2 = DCM_CLAMPED(k2, top); k3 = DCM_CLAMPED(k3, top);                 \\
            }                                                                         \\
            if (three) {                                                              \\
                const TITEM *e0 = t + 3 * k0, *e1 = t + 3 * k1;                       \\
                const TITEM *e2 = t + 3 * k2, *e3 = t + 3 * k3;                       \\
                TITEM* o = d + 3 * i;                                                 \\
                o[0] = e0[0]; o[1] = e0[1]; o[2] = e0[2];                             \\
                o[3] = e1[0]; o[4] = e1[1]; o[5] = e1[2];                             \\
                o[6] = e2[0]; o[7] = e2[1]; o[8] = e2[2];                             \\
                o[9] = e3[0]; o[10] = e3[1]; o[11] = e3[2];                           \\
            } else {                                                                  \\
                d[i] = t[k0]; d[i + 1] = t[k1]; d[i + 2] = t[k2]; d[i + 3] = t[k3];   \\
            }                                                                         \\
        }                                                                             \\
        for (; i < n; i++) {                                                          \\
            int64_t k = (int64_t)s[i] - lo;                                           \\
            if ((uint64_t)k > top) { bad++; k = DCM_CLAMPED(k, top); }                \\
            if (three) {                                                              \\
                d[3 * i] = t[3 * k]; d[3 * i + 1] = t[3 * k + 1];                     \\
                d[3 * i + 2] = t[3 * k + 2];                                          \\
            } else {                                                                  \\
                d[i] = t[k];                                                          \\
            }                                                                         \\
        }                                                                             \\
        return bad;                                                                   \\
    }

    #define DCM_DEFINE_GATHERS_FOR_ITEM(SUF, TITEM)                                     \\
        DCM_DEFINE_GATHER_FULL(dcm_gfull_u8_##SUF, uint8_t, uint8_t, TITEM)           \\
        DCM_DEFINE_GATHER_FULL(dcm_gfull_i8_##SUF, int8_t, uint8_t, TITEM)            \\
        DCM_DEFINE_GATHER_FULL(dcm_gfull_u16_##SUF, uint16_t, uint16_t, TITEM)        \\
        DCM_DEFINE_GATHER_FULL(dcm_gfull_i16_##SUF, int16_t, uint16_t, TITEM)         \\
        DCM_DEFINE_GATHER(dcm_g_u8_##SUF, uint8_t, TITEM)                             \\
        DCM_DEFINE_GATHER(dcm_g_i8_##SUF, int8_t, TITEM)                              \\
        DCM_DEFINE_GATHER(dcm_g_u16_##SUF, uint16_t, TITEM)                           \\
        DCM_DEFINE_GATHER(dcm_g_i16_##SUF, int16_t, TITEM)                            \\
        DCM_DEFINE_GATHER(dcm_g_u32_##SUF, uint32_t, TITEM)                           \\
        DCM_DEFINE_GATHER(dcm_g_i32_##SUF, int32_t, TITEM)                            \\
        static Py_ssize_t dcm_gather_##SUF(const void* s, int in_code, Py_ssize_t n,  \\
                int64_t lo, const void* t, Py_ssize_t ntab, void* d, int three,       \\
                int full) {                                                           \\
            const TITEM* tt = (const TITEM*)t;                                        \\
            TITEM* dd = (TITEM*)d;                                                    \\
            if (full) {                                                               \\
                switch (in_code) {                                                    \\
                case 0: dcm_gfull_u8_##SUF((const uint8_t*)s, n, tt, dd, three); break;   \\
                case 1: dcm_gfull_i8_##SUF((const int8_t*)s, n, tt, dd, three); break;    \\
                case 2: dcm_gfull_u16_##SUF((const uint16_t*)s, n, tt, dd, three); break; \\
                default: dcm_gfull_i16_##SUF((const int16_t*)s, n, tt, dd, three); break; \\
                }                                                                     \\
                return 0;                                                             \\
            }                                                                         \\
            switch (in_code) {                                                        \\
            case 0: return dcm_g_u8_##SUF((const uint8_t*)s, n, lo, tt, ntab, dd, three);   \\
            case 1: return dcm_g_i8_##SUF((const int8_t*)s, n, lo, tt, ntab, dd, three);    \\
            case 2: return dcm_g_u16_##SUF((const uint16_t*)s, n, lo, tt, ntab, dd, three); \\
            case 3: return dcm_g_i16_##SUF((const int16_t*)s, n, lo, tt, ntab, dd, three);  \\
            case 4: return dcm_g_u32_##SUF((const uint32_t*)s, n, lo, tt, ntab, dd, three); \\
            default: return dcm_g_i32_##SUF((const int32_t*)s, n, lo, tt, ntab, dd, three); \\
            }                                                                         \\
        }

    DCM_DEFINE_GATHERS_FOR_ITEM(1, uint8_t)
    DCM_DEFINE_GATHERS_FOR_ITEM(2, uint16_t)
    DCM_DEFINE_GATHERS_FOR_ITEM(4, uint32_t)
    DCM_DEFINE_GATHERS_FOR_ITEM(8, uint64_t)

    static Py_ssize_t dcm_gather(const void* s, int in_code, Py_ssize_t n, int64_t lo,
                                 const void* t, Py_ssize_t ntab, int itemsize, void* d,
                                 int three, int full) {
        switch (itemsize) {
        case 1: return dcm_gather_1(s, in_code, n, lo, t, ntab, d, three, full);
        case 2: return dcm_gather_2(s, in_code, n, lo, t, ntab, d, three, full);
        case 4: return dcm_gather_4(s, in_code, n, lo, t, ntab, d, three, full);
        default: return dcm_gather_8(s, in_code, n, lo, t, ntab, d, three, full);
        }
    }

    /* ---- fused arithmetic pass --------------------------------------------- */

    typedef struct {
        double slope, intercept;
        int mode;                     /* 0: none, 1: LINEAR or LINEAR_EXACT, 3: SIGMOID */
        double wmin, scale;           /* window line: t = (y - wmin) * scale + ymin */
        double center, neg4_over_w;   /* SIGMOID */
        double ymin, ymax, yrange;
        double inv_a, inv_b;          /* r = inv_a * t + inv_b: (1, 0) or (-1, ymin + ymax) */
        double clip_lo, clip_hi;      /* integer outputs */
    } dcm_wparams;

    /* Round half to even for |t| < 2**51 (every integer output range here):
       plain adds, so loops vectorise, and the result equals rint(t). */
    #define DCM_MAGIC 6755399441055744.0

    /* IS_INT: 0 float, 1 integer through int32 (vectorises), 2 through int64 (uint32) */
    #define DCM_STORE(TOUT, IS_INT)                                                     \\
        if (IS_INT) {                                                                 \\
            t = (t + DCM_MAGIC) - DCM_MAGIC;                                          \\
            t = t >= lo ? t : lo;                                                     \\
            t = t > hi ? hi : t;                                                      \\
            if (IS_INT == 2) d[i] = (TOUT)(int64_t)t; else d[i] = (TOUT)(int32_t)t;   \\
        } else {                                                                      \\
            d[i] = (TOUT)t;                                                           \\
        }

    /* The LINEAR and LINEAR_EXACT windows are written as a clamp of the line
       through (c - w/2, ymin) with the window's slope: the same function as
       the piecewise definitions of PS3.3, without a branch in the loop. */
    #define DCM_DEFINE_LINEAR(NAME, TIN, TOUT, IS_INT)                                  \\
    static void NAME(const TIN* DCM_RESTRICT s, TOUT* DCM_RESTRICT d,                 \\
                     Py_ssize_t n, const dcm_wparams* p) {                             \\
        const double m = p->slope, b = p->intercept, wmin = p->wmin, sc = p->scale;   \\
        const double y0 = p->ymin, y1 = p->ymax, ia = p->inv_a, ib = p->inv_b;        \\
        const double lo = p->clip_lo, hi = p->clip_hi;                                \\
        const double c = p->center, k4 = p->neg4_over_w, yr = p->yrange;              \\
        Py_ssize_t i;                                                                 \\
        (void)lo; (void)hi;                                                           \\
        if (p->mode == 1) {                                                           \\
            for (i = 0; i < n; i++) {                                                 \\
                double t = ((double)s[i] * m + b - wmin) * sc + y0;                   \\
                t = t < y0 ? y0 : t;                                                  \\
                t = t > y1 ? y1 : t;                                                  \\
                t = ia * t + ib;                                                      \\
                DCM_STORE(TOUT, IS_INT)                                               \\
            }                                                                         \\
        } else if (p->mode == 3) {                                                    \\
            for (i = 0; i < n; i++) {                                                 \\
                double t = yr / (1.0 + exp(k4 * ((double)s[i] * m + b - c))) + y0;   \\
                t = ia * t + ib;                                                      \\
                DCM_STORE(TOUT, IS_INT)                                               \\
            }                                                                         \\
        } else {                                                                      \\
            for (i = 0; i < n; i++) {                                                 \\
                double t = ia * ((double)s[i] * m + b) + ib;                          \\
                DCM_STORE(TOUT, IS_INT)                                               \\
            }                                                                         \\
        }                                                                             \\
    }

    #define DCM_DEFINE_LINEAR_FOR_INPUT(SUF, TIN)                                       \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u8, TIN, uint8_t, 1)                        \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i8, TIN, int8_t, 1)                         \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u16, TIN, uint16_t, 1)                      \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i16, TIN, int16_t, 1)                       \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u32, TIN, uint32_t, 2)                      \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i32, TIN, int32_t, 1)                       \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_f32, TIN, float, 0)                         \\
        DCM_DEFINE_LINEAR(dcm_lin_##SUF##_f64, TIN, double, 0)                        \\
        static void dcm_lin_##SUF(const void* s, void* d, int out_code,               \\
                                  Py_ssize_t n, const dcm_wparams* p) {               \\
            switch (out_code) {                                                       \\
            case 0: dcm_lin_##SUF##_u8((const TIN*)s, (uint8_t*)d, n, p); break;      \\
            case 1: dcm_lin_##SUF##_i8((const TIN*)s, (int8_t*)d, n, p); break;       \\
            case 2: dcm_lin_##SUF##_u16((const TIN*)s, (uint16_t*)d, n, p); break;    \\
            case 3: dcm_lin_##SUF##_i16((const TIN*)s, (int16_t*)d, n, p); break;     \\
            case 4: dcm_lin_##SUF##_u32((const TIN*)s, (uint32_t*)d, n, p); break;    \\
            case 5: dcm_lin_##SUF##_i32((const TIN*)s, (int32_t*)d, n, p); break;     \\
            case 6: dcm_lin_##SUF##_f32((const TIN*)s, (float*)d, n, p); break;       \\
            default: dcm_lin_##SUF##_f64((const TIN*)s, (double*)d, n, p); break;     \\
            }                                                                         \\
        }

    DCM_DEFINE_LINEAR_FOR_INPUT(u8, uint8_t)
    DCM_DEFINE_LINEAR_FOR_INPUT(i8, int8_t)
    DCM_DEFINE_LINEAR_FOR_INPUT(u16, uint16_t)
    DCM_DEFINE_LINEAR_FOR_INPUT(i16, int16_t)
    DCM_DEFINE_LINEAR_FOR_INPUT(u32, uint32_t)
    DCM_DEFINE_LINEAR_FOR_INPUT(i32, int32_t)
    DCM_DEFINE_LINEAR_FOR_INPUT(f32, float)
    DCM_DEFINE_LINEAR_FOR_INPUT(f64, double)

    static void dcm_linear_window(const void* s, int in_code, void* d, int out_code,
                                  Py_ssize_t n, const dcm_wparams* p) {
        switch (in_code) {
        case 0: dcm_lin_u8(s, d, out_code, n, p); break;
        case 1: dcm_lin_i8(s, d, out_code, n, p); break;
        case 2: dcm_lin_u16(s, d, out_code, n, p); break;
        case 3: dcm_lin_i16(s, d, out_code, n, p); break;
        case 4: dcm_lin_u32(s, d, out_code, n, p); break;
        case 5: dcm_lin_i32(s, d, out_code, n, p); break;
        case 6: dcm_lin_f32(s, d, out_code, n, p); break;
        default: dcm_lin_f64(s, d, out_code, n, p); break;
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
    Py_ssize_t dcm_gather(const void* s, int in_code, Py_ssize_t n, int64_t lo, const void* t,
                          Py_ssize_t ntab, int itemsize, void* d, int three, int full) noexcept nogil
    void dcm_linear_window(const void* s, int in_code, void* d, int out_code,
                           Py_ssize_t n, const dcm_wparams* p) noexcept nogil


cdef Py_ssize_t _code_size(str kernel, str name, int code, int last) except -1:
    # Bytes of one value of type `code` (CODE_U8 .. `last`).
    if code < CODE_U8 or code > last:
        raise ValueError(f"{kernel}: {name} {code} is not a type code 0 to {last}")
    return (1, 1, 2, 2, 4, 4, 4, 8)[code]


cdef int _check_values(str kernel, str name, const uint8_t[::1] buf, Py_ssize_t n, Py_ssize_t size) except -1:
    need_bytes(kernel, name, buf.shape[0], product(kernel, n, size))
    if buf.shape[0]:
        need_aligned(kernel, name, &buf[0], size)
    return 0


def gather(
    const uint8_t[::1] src, int in_code, Py_ssize_t n, int64_t lo,
    const uint8_t[::1] table, Py_ssize_t ntable, int itemsize, uint8_t[::1] dst,
    bint three=False, bint full=False,
):
    """Kernel: ``dst[i] = table[src[i] - lo]`` for ``n`` pixels; returns the stray count.

    ``src`` holds ``n`` values of type ``in_code`` (U8 .. I32); ``table``
    holds ``ntable`` entries (of 3 items when `three`) and ``dst`` ``n``
    entries, items of ``itemsize`` bytes (1, 2, 4 or 8); all views are aligned
    to their item size and ``n``, ``ntable`` >= 1. With `full` the input is 8
    or 16 bits, ``ntable`` is 256 or 65536 and entry ``i`` belongs to the
    value whose bit pattern is ``i`` (``lo`` is ignored, nothing is counted).
    """
    cdef Py_ssize_t bad
    cdef Py_ssize_t k = 3 if three else 1
    cdef Py_ssize_t in_size = _code_size("gather", "in_code", in_code, CODE_I16 if full else CODE_I32)
    if full:
        if ntable != (1 << (8 * in_size)):
            raise ValueError(f"gather: a full table of {in_size}-byte values has {1 << (8 * in_size)} entries, not {ntable}")
    elif ntable < 1:
        raise ValueError(f"gather: ntable {ntable} is not positive")
    _check_values("gather", "src", src, n, in_size)
    _check_values("gather", "table", table, product("gather", ntable, k), itemsize)
    _check_values("gather", "dst", dst, product("gather", n, k), itemsize)
    if n == 0:
        return 0
    with nogil:
        bad = dcm_gather(&src[0], in_code, n, lo, &table[0], ntable, itemsize, &dst[0], three, full)
    return bad


def linear_window(
    const uint8_t[::1] src, int in_code, Py_ssize_t n, uint8_t[::1] dst, int out_code,
    double slope, double intercept, int mode, double center, double width,
    double ymin, double ymax, bint invert, double clip_lo, double clip_hi,
):
    """Kernel: the fused rescale -> window -> invert pass over ``n`` values.

    ``mode`` is 0 (no window), 1 (LINEAR), 2 (LINEAR_EXACT) or 3 (SIGMOID);
    with a window ``width`` is at least 1 (LINEAR) or positive and ``ymin <
    ymax``. With no window `invert` reflects within ``[ymin, ymax]`` too.
    Integer outputs are rounded half to even and clamped to ``[clip_lo,
    clip_hi]``.
    """
    cdef dcm_wparams p
    _check_values("linear_window", "src", src, n, _code_size("linear_window", "in_code", in_code, CODE_F64))
    _check_values("linear_window", "dst", dst, n, _code_size("linear_window", "out_code", out_code, CODE_F64))
    if n == 0:
        return
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
    p.neg4_over_w = 0.0
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
        p.neg4_over_w = -4.0 / width
    with nogil:
        dcm_linear_window(&src[0], in_code, &dst[0], out_code, n, &p)


# ---- segmented palette expansion (PS3.3 C.7.9.2) ------------------------------------

# Status codes of expand_segments (negative), mapped to messages by dcmcore.transforms._lutdata
cdef enum:
    SEG_TRUNCATED = -1
    SEG_LINEAR_FIRST = -2
    SEG_UNKNOWN_OPCODE = -3
    SEG_NESTED_INDIRECT = -4
    SEG_INDIRECT_BEYOND = -5
    SEG_INDIRECT_UNALIGNED = -6
    SEG_TOO_LONG = -7
    SEG_INDIRECT_FIRST = -8
    SEG_VALUE_RANGE = -9
    SEG_TOO_MANY = -10
    # segments expanded at most (indirect segments repeat others): bounds the work
    SEG_MAX_VISITS = 1 << 22


cdef struct SegState:
    const uint16_t* w
    Py_ssize_t nwords
    uint16_t* out
    Py_ssize_t nout
    Py_ssize_t cap
    bint bytewise
    bint little
    Py_ssize_t fail_pos
    Py_ssize_t visits


cdef Py_ssize_t _segment(SegState* st, Py_ssize_t pos, bint allow_indirect) noexcept nogil:
    """Expand the segment at word `pos`; return the next position, or a status code."""
    cdef const uint16_t* w = st.w
    cdef Py_ssize_t n = st.nwords
    cdef int64_t op, length, i, y0, y1, num, q, r
    cdef Py_ssize_t end, target, k
    cdef uint64_t offset, lsw, msw
    st.fail_pos = pos
    st.visits += 1
    if st.visits > SEG_MAX_VISITS:
        return SEG_TOO_MANY
    if pos + 1 >= n:
        return SEG_TRUNCATED
    op = w[pos]
    length = w[pos + 1]
    if op == 0:
        end = pos + 2 + length
        if end > n:
            return SEG_TRUNCATED
        if st.nout + length > st.cap:
            return SEG_TOO_LONG
        for i in range(length):
            st.out[st.nout + i] = w[pos + 2 + i]
        st.nout += length
        return end
    if op == 1:
        if pos + 2 >= n:
            return SEG_TRUNCATED
        if st.nout == 0:
            return SEG_LINEAR_FIRST
        if st.nout + length > st.cap:
            return SEG_TOO_LONG
        y0 = st.out[st.nout - 1]
        y1 = w[pos + 2]
        for i in range(1, length + 1):
            # round half to even of (y0 (length - i) + y1 i) / length, exactly
            num = y0 * (length - i) + y1 * i
            q = num // length
            r = num - q * length
            if 2 * r > length or (2 * r == length and (q & 1)):
                q += 1
            st.out[st.nout + i - 1] = <uint16_t>q
        st.nout += length
        return pos + 3
    if op == 2:
        if not allow_indirect:
            return SEG_NESTED_INDIRECT
        if st.nout == 0:
            return SEG_INDIRECT_FIRST
        if st.bytewise:
            if pos + 5 >= n:
                return SEG_TRUNCATED
            # two 16-bit words, least significant first, each in the data set's byte order
            if st.little:
                lsw = w[pos + 2] | (<uint64_t>w[pos + 3] << 8)
                msw = w[pos + 4] | (<uint64_t>w[pos + 5] << 8)
            else:
                lsw = (<uint64_t>w[pos + 2] << 8) | w[pos + 3]
                msw = (<uint64_t>w[pos + 4] << 8) | w[pos + 5]
            offset = lsw | (msw << 16)
            end = pos + 6
            target = <Py_ssize_t>offset
        else:
            if pos + 3 >= n:
                return SEG_TRUNCATED
            offset = w[pos + 2] | (<uint64_t>w[pos + 3] << 16)
            end = pos + 4
            if offset & 1:
                return SEG_INDIRECT_UNALIGNED
            target = <Py_ssize_t>(offset >> 1)
        for k in range(length):
            if target >= n:
                st.fail_pos = pos
                return SEG_INDIRECT_BEYOND
            target = _segment(st, target, False)
            if target < 0:
                return target
        return end
    return SEG_UNKNOWN_OPCODE


def expand_segments(const uint16_t[::1] words, uint16_t[::1] out, bint bytewise, bint little):
    """Kernel: expand segmented palette data into ``out``; returns ``(status, value)``.

    ``words`` holds one segment word per item (8-bit data one byte per item
    when `bytewise`); a single trailing word is padding. On success ``status``
    is 0 and ``value`` the number of entries written (at most ``len(out)``);
    otherwise ``status`` is a negative code and ``value`` the word position
    of the failing segment.
    """
    cdef SegState st
    cdef Py_ssize_t pos = 0
    st.w = &words[0] if words.shape[0] else NULL
    st.nwords = words.shape[0]
    st.out = &out[0]
    st.nout = 0
    st.cap = out.shape[0]
    st.bytewise = bytewise
    st.little = little
    st.fail_pos = 0
    st.visits = 0
    with nogil:
        while pos + 1 < st.nwords:
            pos = _segment(&st, pos, True)
            if pos < 0:
                break
    if pos < 0:
        return pos, st.fail_pos
    return 0, st.nout
