/*
 * 16-bit stored values -> native values for outputs much larger than the
 * caches, written with non-temporal (streaming) stores.
 *
 *     v = bswap16(s[i]) if swap else s[i]
 *     d[i] = ((v & mask) ^ sign) - sign
 *
 * An output of tens of megabytes is not read again before it leaves the
 * caches, so ordinary stores cost a read of every destination line (write
 * allocate) that streaming stores avoid. SSE2 is part of x86-64, so the
 * vector path needs no run-time CPU check; elsewhere the scalar loop runs.
 * Both paths give exactly the same values.
 */
#ifndef DCMCORE_STREAM16_H
#define DCMCORE_STREAM16_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define DCM_HAVE_STREAM16 1
#else
#define DCM_HAVE_STREAM16 0
#endif

static inline uint16_t dcm_fix16(uint16_t v, int swap, uint16_t mask, uint16_t sign) {
    if (swap) {
        v = (uint16_t)((v << 8) | (v >> 8));
    }
    return (uint16_t)(((v & mask) ^ sign) - sign);
}

/* Returns 1 when the streaming path ran, 0 when the caller's loop must (no SSE2). */
static int dcm_convert16_stream(const uint16_t *s, uint16_t *d, ptrdiff_t n, int swap,
                                uint16_t mask, uint16_t sign) {
#if DCM_HAVE_STREAM16
    ptrdiff_t i = 0;
    /* scalar head until the destination is 16-byte aligned (it is 2-byte aligned) */
    while (i < n && ((uintptr_t)(d + i) & 15)) {
        d[i] = dcm_fix16(s[i], swap, mask, sign);
        i++;
    }
    const __m128i vmask = _mm_set1_epi16((short)mask);
    const __m128i vsign = _mm_set1_epi16((short)sign);
    if (swap) {
        for (; i + 8 <= n; i += 8) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            v = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
            v = _mm_sub_epi16(_mm_xor_si128(_mm_and_si128(v, vmask), vsign), vsign);
            _mm_stream_si128((__m128i *)(d + i), v);
        }
    } else {
        for (; i + 8 <= n; i += 8) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            v = _mm_sub_epi16(_mm_xor_si128(_mm_and_si128(v, vmask), vsign), vsign);
            _mm_stream_si128((__m128i *)(d + i), v);
        }
    }
    _mm_sfence(); /* streaming stores are weakly ordered: finish them before returning */
    for (; i < n; i++) {
        d[i] = dcm_fix16(s[i], swap, mask, sign);
    }
    return 1;
#else
    (void)s; (void)d; (void)n; (void)swap; (void)mask; (void)sign;
    return 0;
#endif
}

/*
 * In place (d == s), an output that stays in the caches: one frame read into
 * its output array, fixed there. The same loop compiled for AVX2, chosen at
 * run time when the CPU has it (no -mavx2 flag: the module stays baseline
 * x86-64); the compiler vectorises it 16 samples at a time. Returns 1 when it
 * ran, 0 when the caller's loop must (no AVX2). Same values as dcm_fix16.
 */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("avx2")))
static void dcm_fix16_inplace_avx2(uint16_t *d, ptrdiff_t n, int swap, uint16_t mask, uint16_t sign) {
    ptrdiff_t i;
    if (swap) {
        for (i = 0; i < n; i++) {
            uint16_t v = d[i];
            v = (uint16_t)((v << 8) | (v >> 8));
            d[i] = (uint16_t)(((v & mask) ^ sign) - sign);
        }
    } else {
        for (i = 0; i < n; i++) {
            d[i] = (uint16_t)(((d[i] & mask) ^ sign) - sign);
        }
    }
}

static int dcm_fix16_inplace(uint16_t *d, ptrdiff_t n, int swap, uint16_t mask, uint16_t sign) {
    static int has_avx2 = -1; /* a benign race: every thread computes the same value */
    if (has_avx2 < 0) {
        __builtin_cpu_init();
        has_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    if (!has_avx2) {
        return 0;
    }
    dcm_fix16_inplace_avx2(d, n, swap, mask, sign);
    return 1;
}
#else
static int dcm_fix16_inplace(uint16_t *d, ptrdiff_t n, int swap, uint16_t mask, uint16_t sign) {
    (void)d; (void)n; (void)swap; (void)mask; (void)sign;
    return 0;
}
#endif

#endif /* DCMCORE_STREAM16_H */
