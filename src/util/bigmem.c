/* Huge-page-backed zeroed allocations; see bigmem.h. */
#include "util/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE ((size_t)2 << 20)

/* Below HUGE a table fits the TLB's reach anyway; below MAPPED_MIN it
 * comes from calloc. Between the two it is mapped with MAP_POPULATE (an
 * aligned_alloc here fragmented the heap of a long-running sensor): every
 * caller writes such a table all over, and on a paravirtualised VM a page
 * faulted in by a first touch costs ~14 us, ten times its share of one
 * populating mmap (docs/performance.md). */
#define MAPPED_MIN ((size_t)128 << 10)
#define PAGE ((size_t)4096)

static size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

void *kn_big_alloc(size_t size)
{
    if (size < MAPPED_MIN)
        return calloc(1, size ? size : 1);
    if (size < HUGE) {
        void *p = mmap(NULL, round_up(size, PAGE), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
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
    if (size < MAPPED_MIN)
        free(p);
    else
        munmap(p, round_up(size, size < HUGE ? PAGE : HUGE));
}
