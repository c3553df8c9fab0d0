/*
 * 8-bit loops with an SSSE3 path chosen at run time: YBR_FULL_422 -> RGB, and
 * three sample planes -> interleaved samples.
 *
 * Cython cannot put a target attribute on a function, so these hot loops are
 * written in C and included by ycbcr.pyx and convert.pyx. Both paths compute exactly the same
 * fixed-point values (scale 2**14, round half up, clamp to 0..255):
 *
 *     tr = (22970 * cr          + 8192) >> 14       1.402    * (Cr - 128)
 *     tg = (-5638 * cb - 11700 * cr + 8192) >> 14   -0.344136 * (Cb - 128) - 0.714136 * (Cr - 128)
 *     tb = (29032 * cb          + 8192) >> 14       1.772    * (Cb - 128)
 *     R = clamp(Y + tr), G = clamp(Y + tg), B = clamp(Y + tb)
 *
 * The builds never use -march: the SSSE3 path is compiled with a function
 * target attribute and only called when the CPU reports SSSE3.
 */
#ifndef DCMCORE_SIMD8_H
#define DCMCORE_SIMD8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define DCM_MAYBE_UNUSED __attribute__((unused))
#else
#define DCM_MAYBE_UNUSED
#endif

#define DCM_CR_R 22970
#define DCM_CB_G 5638
#define DCM_CR_G 11700
#define DCM_CB_B 29032
#define DCM_HALF 8192
#define DCM_BIAS (256 << 14) /* keeps the shifted value non-negative */

static inline int32_t dcm_term(int32_t fixed) {
    return ((fixed + DCM_HALF + DCM_BIAS) >> 14) - 256;
}

static inline uint8_t dcm_clamp(int32_t v) {
    v = v < 0 ? 0 : v;
    return (uint8_t)(v > 255 ? 255 : v);
}

/* One YCbCr pixel to RGB (shared by every portable loop). */
static inline void dcm_ybr_px(int32_t y, int32_t cb, int32_t cr, uint8_t *o) {
    cb -= 128;
    cr -= 128;
    o[0] = dcm_clamp(y + dcm_term(DCM_CR_R * cr));
    o[1] = dcm_clamp(y + dcm_term(-DCM_CB_G * cb - DCM_CR_G * cr));
    o[2] = dcm_clamp(y + dcm_term(DCM_CB_B * cb));
}

DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb_scalar(const uint8_t *s, uint8_t *d, ptrdiff_t npairs) {
    for (ptrdiff_t i = 0; i < npairs; i++) {
        int32_t y1 = s[4 * i], y2 = s[4 * i + 1];
        int32_t cb = (int32_t)s[4 * i + 2] - 128, cr = (int32_t)s[4 * i + 3] - 128;
        int32_t tr = dcm_term(DCM_CR_R * cr);
        int32_t tg = dcm_term(-DCM_CB_G * cb - DCM_CR_G * cr);
        int32_t tb = dcm_term(DCM_CB_B * cb);
        uint8_t *o = d + 6 * i;
        o[0] = dcm_clamp(y1 + tr);
        o[1] = dcm_clamp(y1 + tg);
        o[2] = dcm_clamp(y1 + tb);
        o[3] = dcm_clamp(y2 + tr);
        o[4] = dcm_clamp(y2 + tg);
        o[5] = dcm_clamp(y2 + tb);
    }
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define DCMCORE_HAVE_SSSE3_PATH 1
#include <immintrin.h>

/* 8 pixel pairs (32 source bytes) -> 16 RGB pixels (48 bytes) per step. */
__attribute__((target("ssse3")))
DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb_ssse3(const uint8_t *s, uint8_t *d, ptrdiff_t npairs) {
    const __m128i zero = _mm_setzero_si128();
    const __m128i c128 = _mm_set1_epi16(128);
    /* per 16-byte load of 4 pairs: Y1 Y2 (x4) | Cb x4 | Cr x4 */
    const __m128i split = _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    /* cbA0-3 crA0-3 cbB0-3 crB0-3 -> cb0-7 cr0-7 */
    const __m128i chroma = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
    /* madd weights for (cb, cr) int16 pairs */
    const __m128i w_r = _mm_set1_epi32((int32_t)((uint32_t)DCM_CR_R << 16));
    const __m128i w_g = _mm_set1_epi32((int32_t)(((uint32_t)(uint16_t)(-DCM_CR_G) << 16) | (uint16_t)(-DCM_CB_G)));
    const __m128i w_b = _mm_set1_epi32(DCM_CB_B);
    const __m128i half = _mm_set1_epi32(DCM_HALF);
    /* interleave R, G, B (16 bytes each) into 48 bytes */
    const __m128i r0 = _mm_setr_epi8(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
    const __m128i g0 = _mm_setr_epi8(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
    const __m128i b0 = _mm_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m128i r1 = _mm_setr_epi8(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
    const __m128i g1 = _mm_setr_epi8(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
    const __m128i b1 = _mm_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
    const __m128i r2 = _mm_setr_epi8(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
    const __m128i g2 = _mm_setr_epi8(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
    const __m128i b2 = _mm_setr_epi8(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
    ptrdiff_t i = 0;
    for (; i + 8 <= npairs; i += 8) {
        __m128i a = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 4 * i)), split);
        __m128i b = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 4 * i + 16)), split);
        __m128i y = _mm_unpacklo_epi64(a, b);                     /* 16 Y, pixel order */
        __m128i cbcr = _mm_shuffle_epi8(_mm_unpackhi_epi64(a, b), chroma);  /* cb0-7 cr0-7 */
        __m128i cb = _mm_sub_epi16(_mm_unpacklo_epi8(cbcr, zero), c128);    /* 8 x int16 */
        __m128i cr = _mm_sub_epi16(_mm_unpackhi_epi8(cbcr, zero), c128);
        __m128i p_lo = _mm_unpacklo_epi16(cb, cr);                /* (cb, cr) pairs 0-3 */
        __m128i p_hi = _mm_unpackhi_epi16(cb, cr);                /* pairs 4-7 */
        __m128i tr = _mm_packs_epi32(
            _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(p_lo, w_r), half), 14),
            _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(p_hi, w_r), half), 14));
        __m128i tg = _mm_packs_epi32(
            _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(p_lo, w_g), half), 14),
            _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(p_hi, w_g), half), 14));
        __m128i tb = _mm_packs_epi32(
            _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(p_lo, w_b), half), 14),
            _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(p_hi, w_b), half), 14));
        __m128i y_lo = _mm_unpacklo_epi8(y, zero), y_hi = _mm_unpackhi_epi8(y, zero);
        /* each chroma term serves two neighbouring pixels */
        __m128i R = _mm_packus_epi16(_mm_add_epi16(y_lo, _mm_unpacklo_epi16(tr, tr)),
                                     _mm_add_epi16(y_hi, _mm_unpackhi_epi16(tr, tr)));
        __m128i G = _mm_packus_epi16(_mm_add_epi16(y_lo, _mm_unpacklo_epi16(tg, tg)),
                                     _mm_add_epi16(y_hi, _mm_unpackhi_epi16(tg, tg)));
        __m128i B = _mm_packus_epi16(_mm_add_epi16(y_lo, _mm_unpacklo_epi16(tb, tb)),
                                     _mm_add_epi16(y_hi, _mm_unpackhi_epi16(tb, tb)));
        __m128i o0 = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(R, r0), _mm_shuffle_epi8(G, g0)),
                                  _mm_shuffle_epi8(B, b0));
        __m128i o1 = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(R, r1), _mm_shuffle_epi8(G, g1)),
                                  _mm_shuffle_epi8(B, b1));
        __m128i o2 = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(R, r2), _mm_shuffle_epi8(G, g2)),
                                  _mm_shuffle_epi8(B, b2));
        _mm_storeu_si128((__m128i *)(d + 6 * i), o0);
        _mm_storeu_si128((__m128i *)(d + 6 * i + 16), o1);
        _mm_storeu_si128((__m128i *)(d + 6 * i + 32), o2);
    }
    dcm_ybr422_to_rgb_scalar(s + 4 * i, d + 6 * i, npairs - i);
}
#endif

/* 0: portable loop, 1: SSSE3 when the CPU has it (the default). */
DCM_MAYBE_UNUSED static void dcm_ybr422_to_rgb(const uint8_t *s, uint8_t *d, ptrdiff_t npairs, int allow_simd) {
#ifdef DCMCORE_HAVE_SSSE3_PATH
    if (allow_simd && __builtin_cpu_supports("ssse3")) {
        dcm_ybr422_to_rgb_ssse3(s, d, npairs);
        return;
    }
#endif
    (void)allow_simd;
    dcm_ybr422_to_rgb_scalar(s, d, npairs);
}

/* Three planes of n bytes each -> n interleaved triplets. */
DCM_MAYBE_UNUSED static void dcm_interleave3_u8_scalar(const uint8_t *a, const uint8_t *b, const uint8_t *c,
                                      uint8_t *d, ptrdiff_t n) {
    for (ptrdiff_t p = 0; p < n; p++) {
        d[3 * p] = a[p];
        d[3 * p + 1] = b[p];
        d[3 * p + 2] = c[p];
    }
}

#ifdef DCMCORE_HAVE_SSSE3_PATH
__attribute__((target("ssse3")))
DCM_MAYBE_UNUSED static void dcm_interleave3_u8_ssse3(const uint8_t *a, const uint8_t *b, const uint8_t *c,
                                     uint8_t *d, ptrdiff_t n) {
    const __m128i r0 = _mm_setr_epi8(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
    const __m128i g0 = _mm_setr_epi8(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
    const __m128i b0 = _mm_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m128i r1 = _mm_setr_epi8(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
    const __m128i g1 = _mm_setr_epi8(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
    const __m128i b1 = _mm_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
    const __m128i r2 = _mm_setr_epi8(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
    const __m128i g2 = _mm_setr_epi8(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
    const __m128i b2 = _mm_setr_epi8(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        __m128i R = _mm_loadu_si128((const __m128i *)(a + p));
        __m128i G = _mm_loadu_si128((const __m128i *)(b + p));
        __m128i B = _mm_loadu_si128((const __m128i *)(c + p));
        _mm_storeu_si128((__m128i *)(d + 3 * p), _mm_or_si128(_mm_or_si128(
            _mm_shuffle_epi8(R, r0), _mm_shuffle_epi8(G, g0)), _mm_shuffle_epi8(B, b0)));
        _mm_storeu_si128((__m128i *)(d + 3 * p + 16), _mm_or_si128(_mm_or_si128(
            _mm_shuffle_epi8(R, r1), _mm_shuffle_epi8(G, g1)), _mm_shuffle_epi8(B, b1)));
        _mm_storeu_si128((__m128i *)(d + 3 * p + 32), _mm_or_si128(_mm_or_si128(
            _mm_shuffle_epi8(R, r2), _mm_shuffle_epi8(G, g2)), _mm_shuffle_epi8(B, b2)));
    }
    dcm_interleave3_u8_scalar(a + p, b + p, c + p, d + 3 * p, n - p);
}
#endif

DCM_MAYBE_UNUSED static void dcm_interleave3_u8(const uint8_t *a, const uint8_t *b, const uint8_t *c,
                               uint8_t *d, ptrdiff_t n, int allow_simd) {
#ifdef DCMCORE_HAVE_SSSE3_PATH
    if (allow_simd && __builtin_cpu_supports("ssse3")) {
        dcm_interleave3_u8_ssse3(a, b, c, d, n);
        return;
    }
#endif
    (void)allow_simd;
    dcm_interleave3_u8_scalar(a, b, c, d, n);
}

#endif /* DCMCORE_SIMD8_H */
