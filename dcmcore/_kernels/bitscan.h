/*
 * Count of trailing zero bits of a non-zero 64-bit word, with the compiler's
 * builtin where there is one (dcmcore._kernels.overlay visits the set bits of
 * an overlay word by word).
 */
#ifndef DCMCORE_BITSCAN_H
#define DCMCORE_BITSCAN_H

#include <stdint.h>
#if defined(__GNUC__) || defined(__clang__)
#define DCMCORE_CTZ64(x) __builtin_ctzll(x)
#elif defined(_MSC_VER) && defined(_M_X64)
#include <intrin.h>
static __inline int DCMCORE_CTZ64(unsigned long long x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
#else
static int DCMCORE_CTZ64(unsigned long long x) { int n = 0; while (!(x & 1)) { x >>= 1; n++; } return n; }
#endif

#endif /* DCMCORE_BITSCAN_H */
