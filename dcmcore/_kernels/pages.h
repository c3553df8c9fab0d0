/*
 * Whether the memory page holding an address is already mapped (Linux:
 * mincore). Elsewhere, or when the kernel cannot say, it is taken as mapped,
 * so that callers skip work they cannot prove useful.
 */
#ifndef DCMCORE_PAGES_H
#define DCMCORE_PAGES_H

#include <stdint.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

static int dcm_page_mapped(const void *p) {
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

#endif /* DCMCORE_PAGES_H */
