/*
 * Vector loops of dcmcore._kernels.bitpack: 1-bit unpacking and packing, LSB
 * first (PS3.5 8.1.1). SSE2 (the x86-64 baseline) is used when the compiler
 * targets it; AVX2 bodies are compiled with __attribute__((target("avx2")))
 * and chosen at run time (dcmcore_cpu_has_avx2), never with -march. Without
 * SSE2 every function does nothing and returns 0, and the caller's scalar
 * loops do all the work.
 */
#ifndef DCMCORE_BITPACK_SIMD_H
#define DCMCORE_BITPACK_SIMD_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif
#define DCMCORE_HAVE_SSE2 1
#else
#define DCMCORE_HAVE_SSE2 0
#endif

#if DCMCORE_HAVE_SSE2
/* 8 copies of bytes k and k+1 of x become lanes 0-7 and 8-15 of the result;
   AND with `sel` keeps bit j in lane j (mod 8); min with 1 maps non-zero to 1. */
#define DCMCORE_SPREAD_STORE(x, ptr, sel, one) \
    _mm_storeu_si128((__m128i*)(ptr), _mm_min_epu8(_mm_and_si128((x), (sel)), (one)))

static inline void dcmcore_spread16(__m128i v, uint8_t* d, __m128i sel, __m128i one) {
    __m128i lo = _mm_unpacklo_epi8(v, v), hi = _mm_unpackhi_epi8(v, v);
    __m128i l0 = _mm_unpacklo_epi16(lo, lo), l1 = _mm_unpackhi_epi16(lo, lo);
    __m128i h0 = _mm_unpacklo_epi16(hi, hi), h1 = _mm_unpackhi_epi16(hi, hi);
    DCMCORE_SPREAD_STORE(_mm_unpacklo_epi32(l0, l0), d +   0, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpackhi_epi32(l0, l0), d +  16, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpacklo_epi32(l1, l1), d +  32, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpackhi_epi32(l1, l1), d +  48, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpacklo_epi32(h0, h0), d +  64, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpackhi_epi32(h0, h0), d +  80, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpacklo_epi32(h1, h1), d +  96, sel, one);
    DCMCORE_SPREAD_STORE(_mm_unpackhi_epi32(h1, h1), d + 112, sel, one);
}
#endif

/* Unpack the bytes s[0 .. 16*n) into 128*n bytes of 0/1 at d. Returns the
   number of source bytes done: 16*n with SSE2, 0 without (the caller then
   does them all). */
static Py_ssize_t dcmcore_unpack_simd(const uint8_t* s, Py_ssize_t n, uint8_t* d) {
#if DCMCORE_HAVE_SSE2
    const __m128i sel = _mm_set_epi8(-128, 64, 32, 16, 8, 4, 2, 1, -128, 64, 32, 16, 8, 4, 2, 1);
    const __m128i one = _mm_set1_epi8(1);
    Py_ssize_t k;
    for (k = 0; k < n; k++) {
        dcmcore_spread16(_mm_loadu_si128((const __m128i*)(s + 16 * k)), d + 128 * k, sel, one);
    }
    return 16 * n;
#else
    (void)s; (void)n; (void)d;
    return 0;
#endif
}

/* As dcmcore_unpack_simd for a stream starting at bit `off` (1..7) of s[0]:
   logical byte i is (s[i] >> off) | (s[i + 1] << (8 - off)). Reads s[0 .. 16*n]
   inclusive, so the caller guarantees 16*n + 1 readable bytes. */
static Py_ssize_t dcmcore_unpack_shifted_simd(const uint8_t* s, Py_ssize_t n, int off, uint8_t* d) {
#if DCMCORE_HAVE_SSE2
    const __m128i sel = _mm_set_epi8(-128, 64, 32, 16, 8, 4, 2, 1, -128, 64, 32, 16, 8, 4, 2, 1);
    const __m128i one = _mm_set1_epi8(1);
    const __m128i keep_lo = _mm_set1_epi8((char)(0xFF >> off));
    const __m128i keep_hi = _mm_set1_epi8((char)((0xFF << (8 - off)) & 0xFF));
    const __m128i rs = _mm_cvtsi32_si128(off), ls = _mm_cvtsi32_si128(8 - off);
    Py_ssize_t k;
    for (k = 0; k < n; k++) {
        __m128i v0 = _mm_loadu_si128((const __m128i*)(s + 16 * k));
        __m128i v1 = _mm_loadu_si128((const __m128i*)(s + 16 * k + 1));
        __m128i v = _mm_or_si128(_mm_and_si128(_mm_srl_epi16(v0, rs), keep_lo),
                                 _mm_and_si128(_mm_sll_epi16(v1, ls), keep_hi));
        dcmcore_spread16(v, d + 128 * k, sel, one);
    }
    return 16 * n;
#else
    (void)s; (void)n; (void)off; (void)d;
    return 0;
#endif
}

#if DCMCORE_HAVE_SSE2 && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define DCMCORE_HAVE_AVX2_TARGET 1
/* AVX2 body of dcmcore_pack_simd, used only when the CPU reports AVX2 at run
   time (no -mavx2 flag: the rest of the module stays baseline x86-64). */
__attribute__((target("avx2")))
static inline uint64_t dcmcore_pack64_avx2(const uint8_t* s, __m256i* acc) {
    __m256i v0 = _mm256_loadu_si256((const __m256i*)s);
    __m256i v1 = _mm256_loadu_si256((const __m256i*)(s + 32));
    *acc = _mm256_or_si256(*acc, _mm256_or_si256(v0, v1));
    /* bit 0 of every byte moves to bit 7 of that byte; movemask gathers bit 7 */
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(v0, 7))
        | ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(v1, 7)) << 32);
}

/* AVX2 body of dcmcore_pack_simd for 64*n64 values, used only when the CPU
   reports AVX2 at run time (no -mavx2 flag: the rest of the module stays
   baseline x86-64). With `stream`, whole 16-byte blocks of output are
   written with non-temporal stores, which saves reading the destination
   into the cache first when the output is larger than the caches. */
__attribute__((target("avx2")))
static Py_ssize_t dcmcore_pack_avx2(const uint8_t* s, Py_ssize_t n64, uint8_t* d, uint8_t* seen, int stream) {
    __m256i acc = _mm256_setzero_si256();
    Py_ssize_t k = 0;
    uint64_t w;
    uint8_t lanes[32];
    int j;
    if (stream) {
        /* 8-byte steps until d + 8k is 16-byte aligned, then 16 bytes per step */
        for (; k < n64 && (((uintptr_t)(d + 8 * k)) & 15); k++) {
            w = dcmcore_pack64_avx2(s + 64 * k, &acc);
            memcpy(d + 8 * k, &w, 8);
        }
        for (; k + 2 <= n64; k += 2) {
            uint64_t w1;
            w = dcmcore_pack64_avx2(s + 64 * k, &acc);
            w1 = dcmcore_pack64_avx2(s + 64 * k + 64, &acc);
            _mm_stream_si128((__m128i*)(d + 8 * k), _mm_set_epi64x((long long)w1, (long long)w));
        }
        _mm_sfence();
    }
    for (; k < n64; k++) {
        w = dcmcore_pack64_avx2(s + 64 * k, &acc);
        memcpy(d + 8 * k, &w, 8);
    }
    _mm256_storeu_si256((__m256i*)lanes, acc);
    for (j = 0; j < 32; j++) *seen |= lanes[j];
    return 64 * n64;
}

/* AVX2 unpacking of 4*n4 bytes into 32*n4 bytes of 0/1: 4 source bytes are
   broadcast, each replicated to 8 lanes by a shuffle, and bit j kept in lane j. */
__attribute__((target("avx2")))
static Py_ssize_t dcmcore_unpack_avx2(const uint8_t* s, Py_ssize_t n4, uint8_t* d, int stream) {
    const __m256i rep = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                         2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i sel = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                                         1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const __m256i one = _mm256_set1_epi8(1);
    Py_ssize_t k = 0;
    uint32_t w;
    __m256i v;
    if (stream) {
        for (; k < n4 && (((uintptr_t)(d + 32 * k)) & 31); k++) {
            memcpy(&w, s + 4 * k, 4);
            v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)w), rep);
            _mm256_storeu_si256((__m256i*)(d + 32 * k), _mm256_min_epu8(_mm256_and_si256(v, sel), one));
        }
        for (; k < n4; k++) {
            memcpy(&w, s + 4 * k, 4);
            v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)w), rep);
            _mm256_stream_si256((__m256i*)(d + 32 * k), _mm256_min_epu8(_mm256_and_si256(v, sel), one));
        }
        _mm_sfence();
    }
    for (; k < n4; k++) {
        memcpy(&w, s + 4 * k, 4);
        v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)w), rep);
        _mm256_storeu_si256((__m256i*)(d + 32 * k), _mm256_min_epu8(_mm256_and_si256(v, sel), one));
    }
    return 4 * n4;
}

static int dcmcore_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}
#else
#define DCMCORE_HAVE_AVX2_TARGET 0
static Py_ssize_t dcmcore_pack_avx2(const uint8_t* s, Py_ssize_t n64, uint8_t* d, uint8_t* seen, int stream) {
    (void)s; (void)n64; (void)d; (void)seen; (void)stream;
    return 0;
}
static Py_ssize_t dcmcore_unpack_avx2(const uint8_t* s, Py_ssize_t n4, uint8_t* d, int stream) {
    (void)s; (void)n4; (void)d; (void)stream;
    return 0;
}
static int dcmcore_cpu_has_avx2(void) { return 0; }
#endif

/* Pack the values s[0 .. 16*n) (each 0 or 1) into 2*n bytes at d, LSB first,
   OR-ing every value into *seen (so the caller can tell values > 1). Returns
   the number of values done: 16*n with SSE2, 0 without. */
static Py_ssize_t dcmcore_pack_simd(const uint8_t* s, Py_ssize_t n, uint8_t* d, uint8_t* seen) {
#if DCMCORE_HAVE_SSE2
    __m128i acc0 = _mm_setzero_si128(), acc1 = _mm_setzero_si128();
    Py_ssize_t k = 0;
    uint16_t m0;
    uint8_t lanes[16];
    int j;
    for (; k + 4 <= n; k += 4) {
        __m128i v0 = _mm_loadu_si128((const __m128i*)(s + 16 * k));
        __m128i v1 = _mm_loadu_si128((const __m128i*)(s + 16 * k + 16));
        __m128i v2 = _mm_loadu_si128((const __m128i*)(s + 16 * k + 32));
        __m128i v3 = _mm_loadu_si128((const __m128i*)(s + 16 * k + 48));
        uint64_t w;
        acc0 = _mm_or_si128(acc0, _mm_or_si128(v0, v1));
        acc1 = _mm_or_si128(acc1, _mm_or_si128(v2, v3));
        /* bit 0 of every byte moves to bit 7 of that byte; movemask gathers bit 7 */
        w = (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_slli_epi16(v0, 7))
            | ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_slli_epi16(v1, 7)) << 16)
            | ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_slli_epi16(v2, 7)) << 32)
            | ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_slli_epi16(v3, 7)) << 48);
        /* x86 is little endian: byte m of w is values 8m .. 8m+7 */
        memcpy(d + 2 * k, &w, 8);
    }
    for (; k < n; k++) {
        __m128i v0 = _mm_loadu_si128((const __m128i*)(s + 16 * k));
        acc0 = _mm_or_si128(acc0, v0);
        m0 = (uint16_t)_mm_movemask_epi8(_mm_slli_epi16(v0, 7));
        d[2 * k] = (uint8_t)m0; d[2 * k + 1] = (uint8_t)(m0 >> 8);
    }
    _mm_storeu_si128((__m128i*)lanes, _mm_or_si128(acc0, acc1));
    for (j = 0; j < 16; j++) *seen |= lanes[j];
    return 16 * n;
#else
    (void)s; (void)n; (void)d; (void)seen;
    return 0;
#endif
}

#endif /* DCMCORE_BITPACK_SIMD_H */
