/*
 * 8-bit YCbCr (YBR_FULL) <-> RGB, PS3.3 C.7.6.3.1.2 / ITU-T T.871, for color.pyx.
 *
 * The values are those of pydicom's convert_color_space (and so of pydicom's
 * pixel_array) when NumPy's float32 matrix product runs on a BLAS kernel that
 * fuses multiply-adds, as OpenBLAS does on every x86-64 CPU with FMA (on a
 * kernel without FMA, pydicom's values differ for 42 of the 2**24 YBR_FULL and
 * 859 of the 2**24 RGB triplets; dcmcore's do not depend on the machine):
 *
 *   - each coefficient is T.871's decimal expression, evaluated in double and
 *     rounded once to float32 (DCM_* below);
 *   - each output sample is a float32 fused multiply-add chain over the input
 *     samples in their order (Y, Cb - 128, Cr - 128, or R, G, B), each step
 *     rounded once to float32 (a step with a zero coefficient changes nothing
 *     and is left out);
 *   - then 0.5 (Y, R, G, B) or 128.5 (Cb, Cr) is added in float32, and the
 *     result is floored and clamped to 0 .. 255.
 *
 * Two paths compute exactly this:
 *   - the portable one emulates each fused step in double: the operands are
 *     integers of magnitude below 2**8 and float32 sums below 2**10, times float32
 *     coefficients whose last bit weighs at least 2**-27, so a * b + c has at
 *     most 37 significant bits and is exact in double; the cast to float is
 *     then the one rounding, as in an FMA instruction;
 *   - the SIMD one uses AVX2 FMA instructions (8 float lanes; 16 pixels a step,
 *     32 for YBR_FULL_422), compiled with a function target attribute and only
 *     called when the CPU reports AVX2 and FMA (the builds never use -march).
 * Truncating toward zero and then saturating to 0 .. 255 is floor-and-clamp,
 * because every negative value clamps to 0.
 */
#ifndef DCMCORE_COLOR_H
#define DCMCORE_COLOR_H

#include "simd8.h"

/* YCbCr -> RGB: R = Y + 1.402 Cr', G = Y - (0.114 * 1.772 / 0.587) Cb' - (0.299 * 1.402 / 0.587) Cr',
 * B = Y + 1.772 Cb', with Cb' = Cb - 128 and Cr' = Cr - 128 */
#define DCM_R_CR ((float)1.402)
#define DCM_G_CB ((float)(-0.114 * 1.772 / 0.587))
#define DCM_G_CR ((float)(-0.299 * 1.402 / 0.587))
#define DCM_B_CB ((float)1.772)
/* RGB -> YCbCr: Y = 0.299 R + 0.587 G + 0.114 B, Cb = (B - Y) / 1.772 + 128, Cr = (R - Y) / 1.402 + 128 */
#define DCM_Y_R ((float)0.299)
#define DCM_Y_G ((float)0.587)
#define DCM_Y_B ((float)0.114)
#define DCM_CB_R ((float)(-0.299 / 1.772))
#define DCM_CB_G ((float)(-0.587 / 1.772))
#define DCM_CB_B ((float)(0.886 / 1.772))
#define DCM_CR_R ((float)(0.701 / 1.402))
#define DCM_CR_G ((float)(-0.587 / 1.402))
#define DCM_CR_B ((float)(-0.114 / 1.402))

/* a * b + c rounded once to float32 (exact in double for the operands here, see above). */
static inline float dcm_fma32(float a, float b, float c) {
    return (float)((double)a * (double)b + (double)c);
}

/* floor(v) clamped to 0 .. 255, for |v| < 2**31 (here |v| < 2**10) */
static inline uint8_t dcm_floor_u8(float v) {
    int32_t i = (int32_t)v; /* truncation: floor for v >= 0, and any v < 0 clamps to 0 */
    i = i < 0 ? 0 : i;
    return (uint8_t)(i > 255 ? 255 : i);
}

static inline void dcm_ybr_to_rgb_px(int32_t y, int32_t cb, int32_t cr, uint8_t *o) {
    float fy = (float)y, fcb = (float)(cb - 128), fcr = (float)(cr - 128);
    o[0] = dcm_floor_u8(dcm_fma32(fcr, DCM_R_CR, fy) + 0.5f);
    o[1] = dcm_floor_u8(dcm_fma32(fcr, DCM_G_CR, dcm_fma32(fcb, DCM_G_CB, fy)) + 0.5f);
    o[2] = dcm_floor_u8(dcm_fma32(fcb, DCM_B_CB, fy) + 0.5f);
}

static inline void dcm_rgb_to_ybr_px(int32_t r, int32_t g, int32_t b, uint8_t *o) {
    float fr = (float)r, fg = (float)g, fb = (float)b;
    o[0] = dcm_floor_u8(dcm_fma32(fb, DCM_Y_B, dcm_fma32(fg, DCM_Y_G, dcm_fma32(fr, DCM_Y_R, 0.0f))) + 0.5f);
    o[1] = dcm_floor_u8(dcm_fma32(fb, DCM_CB_B, dcm_fma32(fg, DCM_CB_G, dcm_fma32(fr, DCM_CB_R, 0.0f))) + 128.5f);
    o[2] = dcm_floor_u8(dcm_fma32(fb, DCM_CR_B, dcm_fma32(fg, DCM_CR_G, dcm_fma32(fr, DCM_CR_R, 0.0f))) + 128.5f);
}

/* ---- portable loops ------------------------------------------------------------ */

/* n interleaved Y Cb Cr triplets -> R G B; s may be d */
DCM_MAYBE_UNUSED static void dcm_ybr_to_rgb_scalar(const uint8_t *s, uint8_t *d, ptrdiff_t n) {
    for (ptrdiff_t p = 0; p < n; p++)
        dcm_ybr_to_rgb_px(s[3 * p], s[3 * p + 1], s[3 * p + 2], d + 3 * p);
}

/* n pixels held as three planes -> interleaved R G B */
DCM_MAYBE_UNUSED static void dcm_ybr_planes_to_rgb_scalar(const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
                                                          uint8_t *d, ptrdiff_t n) {
    for (ptrdiff_t p = 0; p < n; p++)
        dcm_ybr_to_rgb_px(y[p], cb[p], cr[p], d + 3 * p);
}

/* YBR_FULL_422: Y1 Y2 Cb Cr per pixel pair -> two R G B pixels */
DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb_scalar(const uint8_t *s, uint8_t *d, ptrdiff_t npairs) {
    for (ptrdiff_t i = 0; i < npairs; i++) {
        dcm_ybr_to_rgb_px(s[4 * i], s[4 * i + 2], s[4 * i + 3], d + 6 * i);
        dcm_ybr_to_rgb_px(s[4 * i + 1], s[4 * i + 2], s[4 * i + 3], d + 6 * i + 3);
    }
}

/* n interleaved R G B triplets -> Y Cb Cr; s may be d */
DCM_MAYBE_UNUSED static void dcm_rgb_to_ybr_scalar(const uint8_t *s, uint8_t *d, ptrdiff_t n) {
    for (ptrdiff_t p = 0; p < n; p++)
        dcm_rgb_to_ybr_px(s[3 * p], s[3 * p + 1], s[3 * p + 2], d + 3 * p);
}

/* ---- AVX2 + FMA loops ----------------------------------------------------------- */
#ifdef DCMCORE_HAVE_SSSE3_PATH
#define DCMCORE_HAVE_COLOR_SIMD 1
#define DCM_AVX2 __attribute__((target("avx2,fma")))

/*
 * The 16 pixels of a step are held in two vectors of 8 floats: pixels 0-3 and
 * 8-11 in the first, 4-7 and 12-15 in the second (the order in which the
 * per-128-bit-lane packs below put them back in line).
 */

/* 16 bytes -> two vectors of 8 floats in step order */
DCM_AVX2 static inline void dcm_u8x16_to_ps(__m128i v, __m256 *a, __m256 *b) {
    const __m256i pick_a = _mm256_setr_epi8(0, -1, -1, -1, 1, -1, -1, -1, 2, -1, -1, -1, 3, -1, -1, -1,
                                            8, -1, -1, -1, 9, -1, -1, -1, 10, -1, -1, -1, 11, -1, -1, -1);
    const __m256i pick_b = _mm256_setr_epi8(4, -1, -1, -1, 5, -1, -1, -1, 6, -1, -1, -1, 7, -1, -1, -1,
                                            12, -1, -1, -1, 13, -1, -1, -1, 14, -1, -1, -1, 15, -1, -1, -1);
    __m256i both = _mm256_broadcastsi128_si256(v);
    *a = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(both, pick_a));
    *b = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(both, pick_b));
}

/* floor and clamp the three samples of 16 pixels (step order) and store them interleaved at d */
DCM_AVX2 static inline void dcm_store_u8x16x3(const __m256 *x, const __m256 *y, const __m256 *z, uint8_t *d) {
    /* truncation, then saturation: packs keeps each lane's order, so the words come out 0 .. 15 */
    __m256i wx = _mm256_packs_epi32(_mm256_cvttps_epi32(x[0]), _mm256_cvttps_epi32(x[1]));
    __m256i wy = _mm256_packs_epi32(_mm256_cvttps_epi32(y[0]), _mm256_cvttps_epi32(y[1]));
    __m256i wz = _mm256_packs_epi32(_mm256_cvttps_epi32(z[0]), _mm256_cvttps_epi32(z[1]));
    __m256i xy = _mm256_permute4x64_epi64(_mm256_packus_epi16(wx, wy), 0xD8); /* x0-15 | y0-15 */
    __m256i zz = _mm256_permute4x64_epi64(_mm256_packus_epi16(wz, wz), 0x08); /* z0-15 | ... */
    dcm_merge3_16(_mm256_castsi256_si128(xy), _mm256_extracti128_si256(xy, 1), _mm256_castsi256_si128(zz), d);
}

/* 16 pixels, Y and Cb - 128, Cr - 128 in step order -> 48 interleaved R G B bytes at d */
DCM_AVX2 static inline void dcm_ybr_to_rgb_16(const __m256 *fy, const __m256 *fcb, const __m256 *fcr, uint8_t *d) {
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 r_cr = _mm256_set1_ps(DCM_R_CR), g_cb = _mm256_set1_ps(DCM_G_CB);
    const __m256 g_cr = _mm256_set1_ps(DCM_G_CR), b_cb = _mm256_set1_ps(DCM_B_CB);
    __m256 r[2], g[2], b[2];
    for (int k = 0; k < 2; k++) {
        r[k] = _mm256_add_ps(_mm256_fmadd_ps(fcr[k], r_cr, fy[k]), half);
        g[k] = _mm256_add_ps(_mm256_fmadd_ps(fcr[k], g_cr, _mm256_fmadd_ps(fcb[k], g_cb, fy[k])), half);
        b[k] = _mm256_add_ps(_mm256_fmadd_ps(fcb[k], b_cb, fy[k]), half);
    }
    dcm_store_u8x16x3(r, g, b, d);
}

/* 16 pixels: bytes of Y, Cb, Cr -> 48 interleaved R G B bytes at d */
DCM_AVX2 static inline void dcm_ybr_bytes_to_rgb_16(__m128i y, __m128i cb, __m128i cr, uint8_t *d) {
    const __m256 c128 = _mm256_set1_ps(128.0f);
    __m256 fy[2], fcb[2], fcr[2];
    dcm_u8x16_to_ps(y, &fy[0], &fy[1]);
    dcm_u8x16_to_ps(cb, &fcb[0], &fcb[1]);
    dcm_u8x16_to_ps(cr, &fcr[0], &fcr[1]);
    for (int k = 0; k < 2; k++) {
        fcb[k] = _mm256_sub_ps(fcb[k], c128);
        fcr[k] = _mm256_sub_ps(fcr[k], c128);
    }
    dcm_ybr_to_rgb_16(fy, fcb, fcr, d);
}

/* 16 pixels: bytes of R, G, B -> 48 interleaved Y Cb Cr bytes at d */
DCM_AVX2 static inline void dcm_rgb_to_ybr_16(__m128i r, __m128i g, __m128i b, uint8_t *d) {
    const __m256 zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f), off = _mm256_set1_ps(128.5f);
    __m256 fr[2], fg[2], fb[2], y[2], cb[2], cr[2];
    dcm_u8x16_to_ps(r, &fr[0], &fr[1]);
    dcm_u8x16_to_ps(g, &fg[0], &fg[1]);
    dcm_u8x16_to_ps(b, &fb[0], &fb[1]);
    for (int k = 0; k < 2; k++) {
        y[k] = _mm256_fmadd_ps(fg[k], _mm256_set1_ps(DCM_Y_G), _mm256_fmadd_ps(fr[k], _mm256_set1_ps(DCM_Y_R), zero));
        y[k] = _mm256_add_ps(_mm256_fmadd_ps(fb[k], _mm256_set1_ps(DCM_Y_B), y[k]), half);
        cb[k] = _mm256_fmadd_ps(fg[k], _mm256_set1_ps(DCM_CB_G), _mm256_fmadd_ps(fr[k], _mm256_set1_ps(DCM_CB_R), zero));
        cb[k] = _mm256_add_ps(_mm256_fmadd_ps(fb[k], _mm256_set1_ps(DCM_CB_B), cb[k]), off);
        cr[k] = _mm256_fmadd_ps(fg[k], _mm256_set1_ps(DCM_CR_G), _mm256_fmadd_ps(fr[k], _mm256_set1_ps(DCM_CR_R), zero));
        cr[k] = _mm256_add_ps(_mm256_fmadd_ps(fb[k], _mm256_set1_ps(DCM_CR_B), cr[k]), off);
    }
    dcm_store_u8x16x3(y, cb, cr, d);
}

DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_ybr_to_rgb_avx2(const uint8_t *s, uint8_t *d, ptrdiff_t n) {
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        __m128i y, cb, cr;
        dcm_split3_16(s + 3 * p, &y, &cb, &cr); /* all 48 bytes are read before any is written */
        dcm_ybr_bytes_to_rgb_16(y, cb, cr, d + 3 * p);
    }
    dcm_ybr_to_rgb_scalar(s + 3 * p, d + 3 * p, n - p);
}

DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_ybr_planes_to_rgb_avx2(const uint8_t *y, const uint8_t *cb,
                                                                const uint8_t *cr, uint8_t *d, ptrdiff_t n) {
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        dcm_ybr_bytes_to_rgb_16(_mm_loadu_si128((const __m128i *)(y + p)),
                                _mm_loadu_si128((const __m128i *)(cb + p)),
                                _mm_loadu_si128((const __m128i *)(cr + p)), d + 3 * p);
    }
    dcm_ybr_planes_to_rgb_scalar(y + p, cb + p, cr + p, d + 3 * p, n - p);
}

/*
 * YBR_FULL_422 takes 16 pixel pairs (64 source bytes, 32 pixels) a step, in
 * 256-bit lanes: the floats of a sample are four vectors holding pixels 0-3 |
 * 16-19, 4-7 | 20-23, 8-11 | 24-27 and 12-15 | 28-31, so that the per-lane
 * packs give the bytes of pixels 0-15 | 16-31 and the per-lane byte shuffles
 * interleave both halves at once.
 */

/* floor and clamp 32 floats (the order above) to bytes 0-15 | 16-31 */
DCM_AVX2 static inline __m256i dcm_floor_u8x32(const __m256 *v) {
    __m256i lo = _mm256_packs_epi32(_mm256_cvttps_epi32(v[0]), _mm256_cvttps_epi32(v[1]));
    __m256i hi = _mm256_packs_epi32(_mm256_cvttps_epi32(v[2]), _mm256_cvttps_epi32(v[3]));
    return _mm256_packus_epi16(lo, hi);
}

/* bytes 0-15 | 16-31 of a, b, c -> 96 bytes a0 b0 c0 a1 b1 c1 ... at d */
DCM_AVX2 static inline void dcm_merge3_32(__m256i a, __m256i b, __m256i c, uint8_t *d) {
#define DCM_TWICE(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
    const __m256i a0 = DCM_TWICE(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
    const __m256i b0 = DCM_TWICE(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
    const __m256i c0 = DCM_TWICE(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m256i a1 = DCM_TWICE(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
    const __m256i b1 = DCM_TWICE(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
    const __m256i c1 = DCM_TWICE(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
    const __m256i a2 = DCM_TWICE(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
    const __m256i b2 = DCM_TWICE(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
    const __m256i c2 = DCM_TWICE(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
#undef DCM_TWICE
    /* blocks of 16 output bytes: o0 = 0 | 3, o1 = 1 | 4, o2 = 2 | 5 */
    __m256i o0 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a, a0), _mm256_shuffle_epi8(b, b0)),
                                 _mm256_shuffle_epi8(c, c0));
    __m256i o1 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a, a1), _mm256_shuffle_epi8(b, b1)),
                                 _mm256_shuffle_epi8(c, c1));
    __m256i o2 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a, a2), _mm256_shuffle_epi8(b, b2)),
                                 _mm256_shuffle_epi8(c, c2));
    _mm256_storeu_si256((__m256i *)d, _mm256_permute2x128_si256(o0, o1, 0x20));
    _mm256_storeu_si256((__m256i *)(d + 32), _mm256_permute2x128_si256(o2, o0, 0x30));
    _mm256_storeu_si256((__m256i *)(d + 64), _mm256_permute2x128_si256(o1, o2, 0x31));
}

/* 8 signed bytes (chroma - 128) -> 8 floats */
DCM_AVX2 static inline __m256 dcm_s8x8_to_ps(__m128i v) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
}

DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb_avx2(const uint8_t *s, uint8_t *d, ptrdiff_t npairs) {
#define DCM_TWICE(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
    /* per 16 bytes (4 pairs): Y1 Y2 (x4) | Cb x4 | Cr x4 */
    const __m256i split = DCM_TWICE(0, 1, 4, 5, 8, 9, 12, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    /* Cb of pairs 0-3 | Cr 0-3 | Cb 8-11 | Cr 8-11 (and 4-7, 12-15) -> Cb 0-3 8-11 | Cr 0-3 8-11 */
    const __m256i chroma = DCM_TWICE(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
    /* Y of pixels 0-3 | 16-19 as dwords, then 4-7 | 20-23, ... */
    const __m256i y0 = DCM_TWICE(0, -1, -1, -1, 1, -1, -1, -1, 2, -1, -1, -1, 3, -1, -1, -1);
    const __m256i y1 = DCM_TWICE(4, -1, -1, -1, 5, -1, -1, -1, 6, -1, -1, -1, 7, -1, -1, -1);
    const __m256i y2 = DCM_TWICE(8, -1, -1, -1, 9, -1, -1, -1, 10, -1, -1, -1, 11, -1, -1, -1);
    const __m256i y3 = DCM_TWICE(12, -1, -1, -1, 13, -1, -1, -1, 14, -1, -1, -1, 15, -1, -1, -1);
#undef DCM_TWICE
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    /* chroma floats hold pairs 0-3 8-11 (or 4-7 12-15); each serves two neighbouring pixels */
    const __m256i first = _mm256_setr_epi32(0, 0, 1, 1, 4, 4, 5, 5);
    const __m256i second = _mm256_setr_epi32(2, 2, 3, 3, 6, 6, 7, 7);
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 r_cr = _mm256_set1_ps(DCM_R_CR), g_cb = _mm256_set1_ps(DCM_G_CB);
    const __m256 g_cr = _mm256_set1_ps(DCM_G_CR), b_cb = _mm256_set1_ps(DCM_B_CB);
    ptrdiff_t i = 0;
    for (; i + 16 <= npairs; i += 16) {
        __m256i a = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(s + 4 * i)), split);
        __m256i b = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(s + 4 * i + 32)), split);
        __m256i y = _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(a, b), 0xD8); /* Y 0-15 | 16-31 */
        __m256i c = _mm256_shuffle_epi8(_mm256_xor_si256(_mm256_unpackhi_epi64(a, b), bias), chroma);
        __m128i c_lo = _mm256_castsi256_si128(c), c_hi = _mm256_extracti128_si256(c, 1);
        __m256 cb_lo = dcm_s8x8_to_ps(c_lo), cr_lo = dcm_s8x8_to_ps(_mm_unpackhi_epi64(c_lo, c_lo));
        __m256 cb_hi = dcm_s8x8_to_ps(c_hi), cr_hi = dcm_s8x8_to_ps(_mm_unpackhi_epi64(c_hi, c_hi));
        __m256 fy[4], fcb[4], fcr[4], r[4], g[4], bl[4];
        fy[0] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(y, y0));
        fy[1] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(y, y1));
        fy[2] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(y, y2));
        fy[3] = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(y, y3));
        fcb[0] = _mm256_permutevar8x32_ps(cb_lo, first);
        fcb[1] = _mm256_permutevar8x32_ps(cb_lo, second);
        fcb[2] = _mm256_permutevar8x32_ps(cb_hi, first);
        fcb[3] = _mm256_permutevar8x32_ps(cb_hi, second);
        fcr[0] = _mm256_permutevar8x32_ps(cr_lo, first);
        fcr[1] = _mm256_permutevar8x32_ps(cr_lo, second);
        fcr[2] = _mm256_permutevar8x32_ps(cr_hi, first);
        fcr[3] = _mm256_permutevar8x32_ps(cr_hi, second);
        for (int k = 0; k < 4; k++) {
            r[k] = _mm256_add_ps(_mm256_fmadd_ps(fcr[k], r_cr, fy[k]), half);
            g[k] = _mm256_add_ps(_mm256_fmadd_ps(fcr[k], g_cr, _mm256_fmadd_ps(fcb[k], g_cb, fy[k])), half);
            bl[k] = _mm256_add_ps(_mm256_fmadd_ps(fcb[k], b_cb, fy[k]), half);
        }
        dcm_merge3_32(dcm_floor_u8x32(r), dcm_floor_u8x32(g), dcm_floor_u8x32(bl), d + 6 * i);
    }
    dcm_ybr422_to_rgb_scalar(s + 4 * i, d + 6 * i, npairs - i);
}

DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_rgb_to_ybr_avx2(const uint8_t *s, uint8_t *d, ptrdiff_t n) {
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        __m128i r, g, b;
        dcm_split3_16(s + 3 * p, &r, &g, &b);
        dcm_rgb_to_ybr_16(r, g, b, d + 3 * p);
    }
    dcm_rgb_to_ybr_scalar(s + 3 * p, d + 3 * p, n - p);
}
#endif

/* ---- run-time choice: allow_simd 0 forces the portable loop (same values) -------- */

/* 1 when the SIMD loops run on this CPU */
DCM_MAYBE_UNUSED static int dcm_color_simd_available(void) {
#ifdef DCMCORE_HAVE_COLOR_SIMD
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

DCM_MAYBE_UNUSED static void dcm_ybr_to_rgb(const uint8_t *s, uint8_t *d, ptrdiff_t n, int allow_simd) {
#ifdef DCMCORE_HAVE_COLOR_SIMD
    if (allow_simd && dcm_color_simd_available()) {
        dcm_ybr_to_rgb_avx2(s, d, n);
        return;
    }
#endif
    (void)allow_simd;
    dcm_ybr_to_rgb_scalar(s, d, n);
}

DCM_MAYBE_UNUSED static void dcm_ybr_planes_to_rgb(const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
                                                   uint8_t *d, ptrdiff_t n, int allow_simd) {
#ifdef DCMCORE_HAVE_COLOR_SIMD
    if (allow_simd && dcm_color_simd_available()) {
        dcm_ybr_planes_to_rgb_avx2(y, cb, cr, d, n);
        return;
    }
#endif
    (void)allow_simd;
    dcm_ybr_planes_to_rgb_scalar(y, cb, cr, d, n);
}

DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb(const uint8_t *s, uint8_t *d, ptrdiff_t npairs, int allow_simd) {
#ifdef DCMCORE_HAVE_COLOR_SIMD
    if (allow_simd && dcm_color_simd_available()) {
        dcm_ybr422_to_rgb_avx2(s, d, npairs);
        return;
    }
#endif
    (void)allow_simd;
    dcm_ybr422_to_rgb_scalar(s, d, npairs);
}

DCM_MAYBE_UNUSED static void dcm_rgb_to_ybr(const uint8_t *s, uint8_t *d, ptrdiff_t n, int allow_simd) {
#ifdef DCMCORE_HAVE_COLOR_SIMD
    if (allow_simd && dcm_color_simd_available()) {
        dcm_rgb_to_ybr_avx2(s, d, n);
        return;
    }
#endif
    (void)allow_simd;
    dcm_rgb_to_ybr_scalar(s, d, n);
}

#endif /* DCMCORE_COLOR_H */
