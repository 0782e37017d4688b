/* Large tables (the per-source index and records, the per-day port table)
 * are probed at random, one or two cache misses per packet; with 4 KiB
 * pages each miss also misses the TLB once a table outgrows a few MiB.
 * These allocations ask the kernel for transparent huge pages (2 MiB), which
 * cuts the page walks; the memory is zeroed, as calloc's. Sizes below
 * 128 KiB come from calloc; from there to 2 MiB the pages are populated at
 * once, for callers that write the whole table anyway (bigmem.c says
 * why). Pair every kn_big_alloc with kn_big_free(p, same size). */
#ifndef KENCHI_UTIL_BIGMEM_H
#define KENCHI_UTIL_BIGMEM_H

#include <stddef.h>

/* size zeroed bytes (2 MiB-aligned when huge-page backed); NULL when out
 * of memory. */
void *kn_big_alloc(size_t size);
void kn_big_free(void *p, size_t size);

#endif
