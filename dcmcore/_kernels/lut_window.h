/*
 * The fused arithmetic pass of dcmcore._kernels.lut: y = x * slope +
 * intercept, then optionally a VOI window (LINEAR / LINEAR_EXACT, SIGMOID)
 * into [ymin, ymax], optionally reflected (INVERSE), stored as the output type
 * (integers rounded half to even and clamped). One specialisation per input
 * and output type, selected by dcm_linear_window.
 */
#ifndef DCMCORE_LUT_WINDOW_H
#define DCMCORE_LUT_WINDOW_H

#include <math.h>
#include <stdint.h>
#include "dcm_restrict.h"

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
#define DCM_STORE(TOUT, IS_INT)                                                     \
    if (IS_INT) {                                                                 \
        t = (t + DCM_MAGIC) - DCM_MAGIC;                                          \
        t = t >= lo ? t : lo;                                                     \
        t = t > hi ? hi : t;                                                      \
        if (IS_INT == 2) d[i] = (TOUT)(int64_t)t; else d[i] = (TOUT)(int32_t)t;   \
    } else {                                                                      \
        d[i] = (TOUT)t;                                                           \
    }

/* The LINEAR and LINEAR_EXACT windows are written as a clamp of the line
   through (c - w/2, ymin) with the window's slope: the same function as
   the piecewise definitions of PS3.3, without a branch in the loop. */
#define DCM_DEFINE_LINEAR(NAME, TIN, TOUT, IS_INT)                                  \
static void NAME(const TIN* DCM_RESTRICT s, TOUT* DCM_RESTRICT d,                 \
                 Py_ssize_t n, const dcm_wparams* p) {                             \
    const double m = p->slope, b = p->intercept, wmin = p->wmin, sc = p->scale;   \
    const double y0 = p->ymin, y1 = p->ymax, ia = p->inv_a, ib = p->inv_b;        \
    const double lo = p->clip_lo, hi = p->clip_hi;                                \
    const double c = p->center, k4 = p->neg4_over_w, yr = p->yrange;              \
    Py_ssize_t i;                                                                 \
    (void)lo; (void)hi;                                                           \
    if (p->mode == 1) {                                                           \
        for (i = 0; i < n; i++) {                                                 \
            double t = ((double)s[i] * m + b - wmin) * sc + y0;                   \
            t = t < y0 ? y0 : t;                                                  \
            t = t > y1 ? y1 : t;                                                  \
            t = ia * t + ib;                                                      \
            DCM_STORE(TOUT, IS_INT)                                               \
        }                                                                         \
    } else if (p->mode == 3) {                                                    \
        for (i = 0; i < n; i++) {                                                 \
            double t = yr / (1.0 + exp(k4 * ((double)s[i] * m + b - c))) + y0;   \
            t = ia * t + ib;                                                      \
            DCM_STORE(TOUT, IS_INT)                                               \
        }                                                                         \
    } else {                                                                      \
        for (i = 0; i < n; i++) {                                                 \
            double t = ia * ((double)s[i] * m + b) + ib;                          \
            DCM_STORE(TOUT, IS_INT)                                               \
        }                                                                         \
    }                                                                             \
}

#define DCM_DEFINE_LINEAR_FOR_INPUT(SUF, TIN)                                       \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u8, TIN, uint8_t, 1)                        \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i8, TIN, int8_t, 1)                         \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u16, TIN, uint16_t, 1)                      \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i16, TIN, int16_t, 1)                       \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_u32, TIN, uint32_t, 2)                      \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_i32, TIN, int32_t, 1)                       \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_f32, TIN, float, 0)                         \
    DCM_DEFINE_LINEAR(dcm_lin_##SUF##_f64, TIN, double, 0)                        \
    static void dcm_lin_##SUF(const void* s, void* d, int out_code,               \
                              Py_ssize_t n, const dcm_wparams* p) {               \
        switch (out_code) {                                                       \
        case 0: dcm_lin_##SUF##_u8((const TIN*)s, (uint8_t*)d, n, p); break;      \
        case 1: dcm_lin_##SUF##_i8((const TIN*)s, (int8_t*)d, n, p); break;       \
        case 2: dcm_lin_##SUF##_u16((const TIN*)s, (uint16_t*)d, n, p); break;    \
        case 3: dcm_lin_##SUF##_i16((const TIN*)s, (int16_t*)d, n, p); break;     \
        case 4: dcm_lin_##SUF##_u32((const TIN*)s, (uint32_t*)d, n, p); break;    \
        case 5: dcm_lin_##SUF##_i32((const TIN*)s, (int32_t*)d, n, p); break;     \
        case 6: dcm_lin_##SUF##_f32((const TIN*)s, (float*)d, n, p); break;       \
        default: dcm_lin_##SUF##_f64((const TIN*)s, (double*)d, n, p); break;     \
        }                                                                         \
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

#endif /* DCMCORE_LUT_WINDOW_H */
