/*
 * 8-bit byte shuffles with an SSSE3 path chosen at run time: three sample planes
 * <-> interleaved triplets, 16 triplets (48 bytes) at a time.
 *
 * Cython cannot put a target attribute on a function, so these loops are written
 * in C and included by convert.pyx (planar -> interleaved) and, through color.h,
 * by color.pyx (the colour loops reuse dcm_split3_16 / dcm_merge3_16).
 *
 * The builds never use -march: the SSSE3 code is compiled with a function target
 * attribute and only called when the CPU reports SSSE3.
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

/* Three planes of n bytes each -> n interleaved triplets. */
DCM_MAYBE_UNUSED static void dcm_interleave3_u8_scalar(const uint8_t *a, const uint8_t *b, const uint8_t *c,
                                                       uint8_t *d, ptrdiff_t n) {
    for (ptrdiff_t p = 0; p < n; p++) {
        d[3 * p] = a[p];
        d[3 * p + 1] = b[p];
        d[3 * p + 2] = c[p];
    }
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define DCMCORE_HAVE_SSSE3_PATH 1
#include <immintrin.h>

/* 16 bytes of each of a, b, c -> 48 bytes a0 b0 c0 a1 b1 c1 ... at d. */
__attribute__((target("ssse3")))
DCM_MAYBE_UNUSED static inline void dcm_merge3_16(__m128i a, __m128i b, __m128i c, uint8_t *d) {
    const __m128i a0 = _mm_setr_epi8(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
    const __m128i b0 = _mm_setr_epi8(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
    const __m128i c0 = _mm_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m128i a1 = _mm_setr_epi8(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
    const __m128i b1 = _mm_setr_epi8(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
    const __m128i c1 = _mm_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
    const __m128i a2 = _mm_setr_epi8(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
    const __m128i b2 = _mm_setr_epi8(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
    const __m128i c2 = _mm_setr_epi8(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
    _mm_storeu_si128((__m128i *)d, _mm_or_si128(_mm_or_si128(
        _mm_shuffle_epi8(a, a0), _mm_shuffle_epi8(b, b0)), _mm_shuffle_epi8(c, c0)));
    _mm_storeu_si128((__m128i *)(d + 16), _mm_or_si128(_mm_or_si128(
        _mm_shuffle_epi8(a, a1), _mm_shuffle_epi8(b, b1)), _mm_shuffle_epi8(c, c1)));
    _mm_storeu_si128((__m128i *)(d + 32), _mm_or_si128(_mm_or_si128(
        _mm_shuffle_epi8(a, a2), _mm_shuffle_epi8(b, b2)), _mm_shuffle_epi8(c, c2)));
}

/* 48 bytes a0 b0 c0 a1 b1 c1 ... at s -> 16 bytes of each of a, b, c. */
__attribute__((target("ssse3")))
DCM_MAYBE_UNUSED static inline void dcm_split3_16(const uint8_t *s, __m128i *a, __m128i *b, __m128i *c) {
    const __m128i s0 = _mm_loadu_si128((const __m128i *)s);
    const __m128i s1 = _mm_loadu_si128((const __m128i *)(s + 16));
    const __m128i s2 = _mm_loadu_si128((const __m128i *)(s + 32));
    const __m128i a0 = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i a1 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1);
    const __m128i a2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13);
    const __m128i b0 = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i b1 = _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1);
    const __m128i b2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14);
    const __m128i c0 = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i c1 = _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1);
    const __m128i c2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15);
    *a = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(s0, a0), _mm_shuffle_epi8(s1, a1)), _mm_shuffle_epi8(s2, a2));
    *b = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(s0, b0), _mm_shuffle_epi8(s1, b1)), _mm_shuffle_epi8(s2, b2));
    *c = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(s0, c0), _mm_shuffle_epi8(s1, c1)), _mm_shuffle_epi8(s2, c2));
}

__attribute__((target("ssse3")))
DCM_MAYBE_UNUSED static void dcm_interleave3_u8_ssse3(const uint8_t *a, const uint8_t *b, const uint8_t *c,
                                                      uint8_t *d, ptrdiff_t n) {
    ptrdiff_t p = 0;
    for (; p + 16 <= n; p += 16) {
        dcm_merge3_16(_mm_loadu_si128((const __m128i *)(a + p)), _mm_loadu_si128((const __m128i *)(b + p)),
                      _mm_loadu_si128((const __m128i *)(c + p)), d + 3 * p);
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
