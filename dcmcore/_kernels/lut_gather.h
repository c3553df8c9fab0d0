/*
 * Table gathers of dcmcore._kernels.lut: dst[i] = table[src[i] - lo], with
 * one specialisation per input type (8, 16, 32 bits, signed or not) and per
 * table item size (1, 2, 4, 8 bytes), selected by dcm_gather. Whole-domain
 * tables (8 and 16 bits, indexed by the bit pattern) need no bounds check;
 * the others clamp every index into the table and count the strays.
 */
#ifndef DCMCORE_LUT_GATHER_H
#define DCMCORE_LUT_GATHER_H

#include <stdint.h>
#include <string.h>
#include "dcm_restrict.h"

/* ---- gathers ---------------------------------------------------------- */

/* Whole-domain table: the index is the value's bit pattern. */
#define DCM_DEFINE_GATHER_FULL(NAME, TIN, TIDX, TITEM)                              \
static void NAME(const TIN* DCM_RESTRICT s, Py_ssize_t n,                         \
                 const TITEM* DCM_RESTRICT t, TITEM* DCM_RESTRICT d, int three) {  \
    Py_ssize_t i;                                                                 \
    if (three) {                                                                  \
        for (i = 0; i < n; i++) {                                                 \
            const TITEM* e = t + 3 * (Py_ssize_t)(TIDX)s[i];                      \
            d[3 * i] = e[0]; d[3 * i + 1] = e[1]; d[3 * i + 2] = e[2];            \
        }                                                                         \
    } else {                                                                      \
        TIDX v[8];                                                                \
        for (i = 0; i + 8 <= n; i += 8) {                                         \
            memcpy(v, s + i, sizeof(v));                                          \
            d[i] = t[v[0]]; d[i + 1] = t[v[1]]; d[i + 2] = t[v[2]];               \
            d[i + 3] = t[v[3]]; d[i + 4] = t[v[4]]; d[i + 5] = t[v[5]];           \
            d[i + 6] = t[v[6]]; d[i + 7] = t[v[7]];                               \
        }                                                                         \
        for (; i < n; i++) d[i] = t[(TIDX)s[i]];                                  \
    }                                                                             \
}

/* Domain table lo .. lo + ntab - 1: indices clamped, strays counted. */
#define DCM_CLAMPED(k, top) ((k) < 0 ? 0 : ((uint64_t)(k) > (top) ? (int64_t)(top) : (k)))
#define DCM_DEFINE_GATHER(NAME, TIN, TITEM)                                         \
static Py_ssize_t NAME(const TIN* DCM_RESTRICT s, Py_ssize_t n, int64_t lo,       \
                       const TITEM* DCM_RESTRICT t, Py_ssize_t ntab,              \
                       TITEM* DCM_RESTRICT d, int three) {                        \
    const uint64_t top = (uint64_t)(ntab - 1);                                    \
    Py_ssize_t i = 0, bad = 0;                                                    \
    for (; i + 4 <= n; i += 4) {                                                  \
        int64_t k0 = (int64_t)s[i] - lo, k1 = (int64_t)s[i + 1] - lo;             \
        int64_t k2 = (int64_t)s[i + 2] - lo, k3 = (int64_t)s[i + 3] - lo;         \
        if (((uint64_t)k0 > top) | ((uint64_t)k1 > top) |                         \
            ((uint64_t)k2 > top) | ((uint64_t)k3 > top)) {                        \
            bad += ((uint64_t)k0 > top) + ((uint64_t)k1 > top) +                  \
                   ((uint64_t)k2 > top) + ((uint64_t)k3 > top);                   \
            k0 = DCM_CLAMPED(k0, top); k1 = DCM_CLAMPED(k1, top);                 \
            k2 = DCM_CLAMPED(k2, top); k3 = DCM_CLAMPED(k3, top);                 \
        }                                                                         \
        if (three) {                                                              \
            const TITEM *e0 = t + 3 * k0, *e1 = t + 3 * k1;                       \
            const TITEM *e2 = t + 3 * k2, *e3 = t + 3 * k3;                       \
            TITEM* o = d + 3 * i;                                                 \
            o[0] = e0[0]; o[1] = e0[1]; o[2] = e0[2];                             \
            o[3] = e1[0]; o[4] = e1[1]; o[5] = e1[2];                             \
            o[6] = e2[0]; o[7] = e2[1]; o[8] = e2[2];                             \
            o[9] = e3[0]; o[10] = e3[1]; o[11] = e3[2];                           \
        } else {                                                                  \
            d[i] = t[k0]; d[i + 1] = t[k1]; d[i + 2] = t[k2]; d[i + 3] = t[k3];   \
        }                                                                         \
    }                                                                             \
    for (; i < n; i++) {                                                          \
        int64_t k = (int64_t)s[i] - lo;                                           \
        if ((uint64_t)k > top) { bad++; k = DCM_CLAMPED(k, top); }                \
        if (three) {                                                              \
            d[3 * i] = t[3 * k]; d[3 * i + 1] = t[3 * k + 1];                     \
            d[3 * i + 2] = t[3 * k + 2];                                          \
        } else {                                                                  \
            d[i] = t[k];                                                          \
        }                                                                         \
    }                                                                             \
    return bad;                                                                   \
}

#define DCM_DEFINE_GATHERS_FOR_ITEM(SUF, TITEM)                                     \
    DCM_DEFINE_GATHER_FULL(dcm_gfull_u8_##SUF, uint8_t, uint8_t, TITEM)           \
    DCM_DEFINE_GATHER_FULL(dcm_gfull_i8_##SUF, int8_t, uint8_t, TITEM)            \
    DCM_DEFINE_GATHER_FULL(dcm_gfull_u16_##SUF, uint16_t, uint16_t, TITEM)        \
    DCM_DEFINE_GATHER_FULL(dcm_gfull_i16_##SUF, int16_t, uint16_t, TITEM)         \
    DCM_DEFINE_GATHER(dcm_g_u8_##SUF, uint8_t, TITEM)                             \
    DCM_DEFINE_GATHER(dcm_g_i8_##SUF, int8_t, TITEM)                              \
    DCM_DEFINE_GATHER(dcm_g_u16_##SUF, uint16_t, TITEM)                           \
    DCM_DEFINE_GATHER(dcm_g_i16_##SUF, int16_t, TITEM)                            \
    DCM_DEFINE_GATHER(dcm_g_u32_##SUF, uint32_t, TITEM)                           \
    DCM_DEFINE_GATHER(dcm_g_i32_##SUF, int32_t, TITEM)                            \
    static Py_ssize_t dcm_gather_##SUF(const void* s, int in_code, Py_ssize_t n,  \
            int64_t lo, const void* t, Py_ssize_t ntab, void* d, int three,       \
            int full) {                                                           \
        const TITEM* tt = (const TITEM*)t;                                        \
        TITEM* dd = (TITEM*)d;                                                    \
        if (full) {                                                               \
            switch (in_code) {                                                    \
            case 0: dcm_gfull_u8_##SUF((const uint8_t*)s, n, tt, dd, three); break;   \
            case 1: dcm_gfull_i8_##SUF((const int8_t*)s, n, tt, dd, three); break;    \
            case 2: dcm_gfull_u16_##SUF((const uint16_t*)s, n, tt, dd, three); break; \
            default: dcm_gfull_i16_##SUF((const int16_t*)s, n, tt, dd, three); break; \
            }                                                                     \
            return 0;                                                             \
        }                                                                         \
        switch (in_code) {                                                        \
        case 0: return dcm_g_u8_##SUF((const uint8_t*)s, n, lo, tt, ntab, dd, three);   \
        case 1: return dcm_g_i8_##SUF((const int8_t*)s, n, lo, tt, ntab, dd, three);    \
        case 2: return dcm_g_u16_##SUF((const uint16_t*)s, n, lo, tt, ntab, dd, three); \
        case 3: return dcm_g_i16_##SUF((const int16_t*)s, n, lo, tt, ntab, dd, three);  \
        case 4: return dcm_g_u32_##SUF((const uint32_t*)s, n, lo, tt, ntab, dd, three); \
        default: return dcm_g_i32_##SUF((const int32_t*)s, n, lo, tt, ntab, dd, three); \
        }                                                                         \
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

#endif /* DCMCORE_LUT_GATHER_H */
