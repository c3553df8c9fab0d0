/*
 * Whether the memory page holding an address is already mapped (Linux:
 * mincore). Elsewhere, or when the kernel cannot say, it is taken as mapped,
 * so that callers skip work they cannot prove useful.
 */
#ifndef DCMCORE_PAGES_H
#define DCMCORE_PAGES_H

#include <stddef.h>
#include <stdint.h>

/* Stride of the touches (the smallest page size in use) and the transparent huge page size. */
#define DCM_PAGE_STRIDE 4096
#define DCM_HUGE_PAGE ((size_t)1 << 21)

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

static inline int dcm_page_mapped(const void *p) {
#if defined(__linux__)
    long size = sysconf(_SC_PAGESIZE);
    unsigned char vec = 0;
    if (size <= 0) {
        return 1;
    }
    uintptr_t page = (uintptr_t)p & ~((uintptr_t)size - 1);
    if (mincore((void *)page, 1, &vec) != 0) {
        return 1;
    }
    return vec & 1;
#else
    (void)p;
    return 1;
#endif
}

/* Write a zero byte every DCM_PAGE_STRIDE bytes of d[lo:hi], the last byte first, then d[lo]:
 * maps never-written pages so that each huge page is first written near its end. */
static inline void dcm_touch_down(volatile uint8_t *d, ptrdiff_t lo, ptrdiff_t hi) {
    if (hi <= lo) {
        return;
    }
    for (ptrdiff_t i = hi - 1; i >= lo; i -= DCM_PAGE_STRIDE) {
        d[i] = 0;
    }
    d[lo] = 0;
}

#endif /* DCMCORE_PAGES_H */
