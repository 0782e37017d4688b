/* Huge-page-backed zeroed allocations; see bigmem.h. */
#include "util/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE ((size_t)2 << 20)

/* Below this, a table fits the TLB's reach anyway: plain calloc (an
 * aligned_alloc here fragmented the heap of a long-running sensor). */
#define BIG_MIN HUGE

static size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

void *kn_big_alloc(size_t size)
{
    if (size < BIG_MIN)
        return calloc(1, size ? size : 1);
    /* Map one huge page more than needed and trim to a 2 MiB boundary:
     * only aligned 2 MiB ranges can be huge pages. */
    size_t len = round_up(size, HUGE);
    uint8_t *raw = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *p = (uint8_t *)round_up((uintptr_t)raw, HUGE);
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if (raw + len + HUGE > p + len)
        munmap(p + len, (size_t)(raw + len + HUGE - (p + len)));
    madvise(p, len, MADV_HUGEPAGE); /* advice: without THP all is still correct */
    return p;
}

void kn_big_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size < BIG_MIN)
        free(p);
    else
        munmap(p, round_up(size, HUGE));
}
