/*
 * 8-bit YCbCr (YBR_FULL) <-> RGB, PS3.3 C.7.6.3.1.2 / ITU-T T.871, for color.pyx.
 *
 * The values are those of pydicom's convert_color_space (and so of pydicom's
 * pixel_array) when NumPy's float32 matrix product runs on a BLAS kernel that
 * fuses multiply-adds, as OpenBLAS does on every x86-64 CPU with FMA:
 *
 *   - each coefficient is T.871's decimal expression, evaluated in double and
 *     rounded once to float32 (DCM_* below);
 *   - each output sample is a float32 fused multiply-add chain over the input
 *     samples in their order (Y, Cb - 128, Cr - 128, or R, G, B), each step
 *     rounded once to float32; a zero coefficient is no step;
 *   - then 0.5 (Y, R, G, B) or 128.5 (Cb, Cr) is added in float32, and the
 *     result is floored and clamped to 0 .. 255.
 *
 * Two paths compute exactly this:
 *   - the portable one emulates each fused step in double: the operands are
 *     integers below 2**8 and float32 sums below 2**10, multiplied by float32
 *     coefficients whose last bit weighs at least 2**-27, so a * b + c has at
 *     most 37 significant bits and is exact in double; the cast to float is
 *     then the one rounding, as in an FMA instruction;
 *   - the SIMD one uses AVX2 FMA instructions (8 float lanes, 16 pixels a step),
 *     compiled with a function target attribute and only called when the CPU
 *     reports AVX2 and FMA (the builds never use -march).
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

/* floor(v) clamped to 0 .. 255 */
static inline uint8_t dcm_floor_u8(float v) {
    if (v < 0.0f)
        return 0;
    if (v >= 255.0f)
        return 255;
    return (uint8_t)(int32_t)v;
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

/* the low 8 bytes of v as 8 floats */
DCM_AVX2 static inline __m256 dcm_u8x8_to_ps(__m128i v) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v));
}

/* floor and clamp 16 floats (lo: first 8) to 16 bytes */
DCM_AVX2 static inline __m128i dcm_floor_u8x16(__m256 lo, __m256 hi) {
    __m256i w = _mm256_packs_epi32(_mm256_cvttps_epi32(lo), _mm256_cvttps_epi32(hi));
    w = _mm256_permute4x64_epi64(w, 0xD8); /* packs works per 128-bit lane: restore the order */
    return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

/* 16 pixels: bytes of Y, Cb, Cr -> 48 interleaved R G B bytes at d */
DCM_AVX2 static inline void dcm_ybr_to_rgb_16(__m128i y, __m128i cb, __m128i cr, uint8_t *d) {
    const __m256 c128 = _mm256_set1_ps(128.0f), half = _mm256_set1_ps(0.5f);
    const __m256 r_cr = _mm256_set1_ps(DCM_R_CR), g_cb = _mm256_set1_ps(DCM_G_CB);
    const __m256 g_cr = _mm256_set1_ps(DCM_G_CR), b_cb = _mm256_set1_ps(DCM_B_CB);
    __m256 r[2], g[2], b[2];
    for (int k = 0; k < 2; k++) {
        __m256 fy = dcm_u8x8_to_ps(y), fcb = _mm256_sub_ps(dcm_u8x8_to_ps(cb), c128);
        __m256 fcr = _mm256_sub_ps(dcm_u8x8_to_ps(cr), c128);
        r[k] = _mm256_add_ps(_mm256_fmadd_ps(fcr, r_cr, fy), half);
        g[k] = _mm256_add_ps(_mm256_fmadd_ps(fcr, g_cr, _mm256_fmadd_ps(fcb, g_cb, fy)), half);
        b[k] = _mm256_add_ps(_mm256_fmadd_ps(fcb, b_cb, fy), half);
        y = _mm_unpackhi_epi64(y, y);
        cb = _mm_unpackhi_epi64(cb, cb);
        cr = _mm_unpackhi_epi64(cr, cr);
    }
    dcm_merge3_16(dcm_floor_u8x16(r[0], r[1]), dcm_floor_u8x16(g[0], g[1]), dcm_floor_u8x16(b[0], b[1]), d);
}

/* 16 pixels: bytes of R, G, B -> 48 interleaved Y Cb Cr bytes at d */
DCM_AVX2 static inline void dcm_rgb_to_ybr_16(__m128i r, __m128i g, __m128i b, uint8_t *d) {
    const __m256 zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f), off = _mm256_set1_ps(128.5f);
    __m256 y[2], cb[2], cr[2];
    for (int k = 0; k < 2; k++) {
        __m256 fr = dcm_u8x8_to_ps(r), fg = dcm_u8x8_to_ps(g), fb = dcm_u8x8_to_ps(b);
        y[k] = _mm256_fmadd_ps(fg, _mm256_set1_ps(DCM_Y_G), _mm256_fmadd_ps(fr, _mm256_set1_ps(DCM_Y_R), zero));
        y[k] = _mm256_add_ps(_mm256_fmadd_ps(fb, _mm256_set1_ps(DCM_Y_B), y[k]), half);
        cb[k] = _mm256_fmadd_ps(fg, _mm256_set1_ps(DCM_CB_G), _mm256_fmadd_ps(fr, _mm256_set1_ps(DCM_CB_R), zero));
        cb[k] = _mm256_add_ps(_mm256_fmadd_ps(fb, _mm256_set1_ps(DCM_CB_B), cb[k]), off);
        cr[k] = _mm256_fmadd_ps(fg, _mm256_set1_ps(DCM_CR_G), _mm256_fmadd_ps(fr, _mm256_set1_ps(DCM_CR_R), zero));
        cr[k] = _mm256_add_ps(_mm256_fmadd_ps(fb, _mm256_set1_ps(DCM_CR_B), cr[k]), off);
        r = _mm_unpackhi_epi64(r, r);
        g = _mm_unpackhi_epi64(g, g);
        b = _mm_unpackhi_epi64(b, b);
    }
    dcm_merge3_16(dcm_floor_u8x16(y[0], y[1]), dcm_floor_u8x16(cb[0], cb[1]), dcm_floor_u8x16(cr[0], cr[1]), d);
}

DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_ybr_to_rgb_avx2(const uint8_t *s, uint8_t *d, ptrdiff_t n) {
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        __m128i y, cb, cr;
        dcm_split3_16(s + 3 * p, &y, &cb, &cr); /* all 48 bytes are read before any is written */
        dcm_ybr_to_rgb_16(y, cb, cr, d + 3 * p);
    }
    dcm_ybr_to_rgb_scalar(s + 3 * p, d + 3 * p, n - p);
}

DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_ybr_planes_to_rgb_avx2(const uint8_t *y, const uint8_t *cb,
                                                                const uint8_t *cr, uint8_t *d, ptrdiff_t n) {
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        dcm_ybr_to_rgb_16(_mm_loadu_si128((const __m128i *)(y + p)), _mm_loadu_si128((const __m128i *)(cb + p)),
                          _mm_loadu_si128((const __m128i *)(cr + p)), d + 3 * p);
    }
    dcm_ybr_planes_to_rgb_scalar(y + p, cb + p, cr + p, d + 3 * p, n - p);
}

/* 8 pixel pairs (32 source bytes) -> 16 RGB pixels (48 bytes) per step */
DCM_AVX2 DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb_avx2(const uint8_t *s, uint8_t *d, ptrdiff_t npairs) {
    /* per 16-byte load of 4 pairs: Y1 Y2 (x4) | Cb x4 | Cr x4 */
    const __m128i split = _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    /* cbA0-3 crA0-3 cbB0-3 crB0-3 -> cb0-7 cr0-7 */
    const __m128i chroma = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
    ptrdiff_t i = 0;
    for (; i + 8 <= npairs; i += 8) {
        __m128i a = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 4 * i)), split);
        __m128i b = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 4 * i + 16)), split);
        __m128i cbcr = _mm_shuffle_epi8(_mm_unpackhi_epi64(a, b), chroma);
        /* each chroma pair serves two neighbouring pixels */
        dcm_ybr_to_rgb_16(_mm_unpacklo_epi64(a, b), _mm_unpacklo_epi8(cbcr, cbcr), _mm_unpackhi_epi8(cbcr, cbcr),
                          d + 6 * i);
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
