/* The write order of a commit's rows: 16-byte entries sorted in place.
 *
 * Rows go into SQLite in their table's key order (store_sources.c,
 * store_commit.c); an entry stands for one row, by its position (idx) in
 * the caller's array, with the key that orders it. */
#ifndef KENCHI_STORE_ORDER_SORT_H
#define KENCHI_STORE_ORDER_SORT_H

#include <stddef.h>
#include <stdint.h>

struct kn_order {
    int32_t day;  /* first: by day */
    uint32_t idx; /* last: the row's position, which makes keys unique */
    uint64_t key; /* then: by key within the day */
};

/* Sorts v[0..n) by (day, key, idx), in place and in O(n) whatever the
 * keys (a radix sort on their 16 bytes): no second array (glibc's qsort
 * is a merge sort that allocates one as large as the first: 153 MiB more
 * at 10 million source-days, and thousands of first-touch page faults at
 * any size). */
void kn_order_sort(struct kn_order *v, size_t n);

/* kn_order_sort, telling as it goes: ready(ctx, k) each time v[0..k) is
 * final, k growing, the last call with k = n (none when n = 0). A reader on
 * another thread can start on the first entries while the rest are sorted:
 * buckets are finished one by one in order, at every level, and told of
 * every 8192 entries or so. */
void kn_order_sort_telling(struct kn_order *v, size_t n, void (*ready)(void *ctx, size_t k),
                           void *ctx);

#endif
