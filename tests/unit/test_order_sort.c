/* store/order_sort: kn_order_sort puts entries in (day, key, idx) order
 * and keeps every entry, checked against qsort with the same order as an
 * independent oracle, on random arrays of many sizes (with repeated days
 * and keys), on the patterns that break naive quicksorts (sorted,
 * reversed, all keys equal, organ pipe, few distinct keys) and on the
 * shapes of a commit's keys, which exercise every byte of the radix sort. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store/order_sort.h"

static int cmp_ref(const void *a, const void *b)
{
    const struct kn_order *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Sorts a copy of v both ways and compares them entry by entry. */
static void check_sorted_like_qsort(const struct kn_order *v, size_t n)
{
    struct kn_order *mine = malloc((n ? n : 1) * sizeof *mine);
    struct kn_order *ref = malloc((n ? n : 1) * sizeof *ref);
    CHECK(mine && ref);
    if (!mine || !ref) {
        free(mine);
        free(ref);
        return;
    }
    memcpy(mine, v, n * sizeof *v);
    memcpy(ref, v, n * sizeof *v);
    kn_order_sort(mine, n);
    qsort(ref, n, sizeof *ref, cmp_ref);
    CHECK(memcmp(mine, ref, n * sizeof *v) == 0);
    free(mine);
    free(ref);
}

static void test_random_sizes(void)
{
    static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 18, 100, 1000, 4097, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        struct kn_order *v = malloc((n ? n : 1) * sizeof *v);
        CHECK(v != NULL);
        if (!v)
            return;
        for (size_t i = 0; i < n; i++) /* few days, keys that repeat */
            v[i] = (struct kn_order){.day = (int32_t)(next_rand() % 5) - 2,
                                     .idx = (uint32_t)i,
                                     .key = next_rand() % (n / 4 + 1) | (next_rand() & 1) << 63};
        check_sorted_like_qsort(v, n);
        free(v);
    }
}

/* Entry i of n in pattern p. 0-4 break naive quicksorts (sorted,
 * reversed, all keys equal, organ pipe, three keys; idx runs backwards so
 * that equal keys are out of order too); 5-8 are the shapes a commit gives
 * the radix sort: many entries of one day with IPv4 keys of 48 bits and
 * IPv6 keys with the top bit set, a day before 1970 and the day after it,
 * keys apart in their lowest byte only, and any day with any key. */
enum { N_PATTERNS = 9 };
static struct kn_order patterned(int p, uint32_t i, uint32_t n)
{
    uint64_t r = next_rand();
    switch (p) {
    case 0: return (struct kn_order){.day = 7, .idx = n - 1 - i, .key = i};
    case 1: return (struct kn_order){.day = 7, .idx = n - 1 - i, .key = n - i};
    case 2: return (struct kn_order){.day = 7, .idx = n - 1 - i, .key = 42};
    case 3: return (struct kn_order){.day = 7, .idx = n - 1 - i, .key = i < n / 2 ? i : n - i};
    case 4: return (struct kn_order){.day = 7, .idx = n - 1 - i, .key = r % 3};
    case 5: return (struct kn_order){.day = 18399, .idx = i, .key = r & 1 ? r >> 16 : 1ull << 63 | r >> 1};
    case 6: return (struct kn_order){.day = (int32_t)(r & 1) - 1, .idx = i, .key = r >> 40};
    case 7: return (struct kn_order){.day = 3, .idx = n - 1 - i, .key = 0x0102030405060700ull | (r & 0xFF)};
    default: return (struct kn_order){.day = (int32_t)(uint32_t)(r >> 32), .idx = i, .key = next_rand()};
    }
}

static void test_patterns(void)
{
    enum { N = 200000 };
    struct kn_order *v = malloc(N * sizeof *v);
    CHECK(v != NULL);
    if (!v)
        return;
    for (int p = 0; p < N_PATTERNS; p++) {
        for (uint32_t i = 0; i < N; i++)
            v[i] = patterned(p, i, N);
        check_sorted_like_qsort(v, N);
    }
    free(v);
}

/* What kn_order_sort_telling said, checked as it says it. */
struct told {
    const struct kn_order *v, *ref; /* being sorted; sorted by qsort */
    size_t n, last, calls, first; /* first: the length told first */
    bool prefix_wrong, not_growing;
};

static void on_ready(void *ctx, size_t k)
{
    struct told *t = ctx;
    if (t->calls++ == 0)
        t->first = k;
    if (k <= t->last || k > t->n)
        t->not_growing = true;
    else if (memcmp(t->v, t->ref, k * sizeof *t->v) != 0)
        t->prefix_wrong = true; /* told final, but not the sorted prefix */
    t->last = k;
}

/* Each prefix it tells of is final (equal to qsort's), the told lengths
 * grow up to n, and a commit-shaped order (one day, 200,000 keys) is told
 * of in many steps, the first long before the end. */
static void test_telling(void)
{
    enum { N = 200000 };
    struct kn_order *v = malloc(N * sizeof *v), *ref = malloc(N * sizeof *ref);
    CHECK(v && ref);
    if (!v || !ref) {
        free(v);
        free(ref);
        return;
    }
    static const uint32_t sizes[] = {0, 1, 17, 64, 65, 1000, N};
    for (int p = 0; p < N_PATTERNS; p++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            uint32_t n = sizes[s];
            for (uint32_t i = 0; i < n; i++)
                v[i] = patterned(p, i, n);
            memcpy(ref, v, n * sizeof *v);
            qsort(ref, n, sizeof *ref, cmp_ref);
            struct told t = {.v = v, .ref = ref, .n = n};
            kn_order_sort_telling(v, n, on_ready, &t);
            CHECK(!t.prefix_wrong);
            CHECK(!t.not_growing);
            CHECK_EQ(t.last, n);
            CHECK(n == 0 ? t.calls == 0 : t.calls >= 1);
            CHECK(memcmp(v, ref, n * sizeof *v) == 0);
            if (p == 5 && n == N) {
                printf("# one day of %u keys: told %zu times, first of %zu\n", n, t.calls,
                       t.first);
                CHECK(t.calls >= 16);
                CHECK(t.first < n / 16);
            }
        }
    }
    free(v);
    free(ref);
}

int main(void)
{
    RUN(test_random_sizes);
    RUN(test_patterns);
    RUN(test_telling);
    TEST_MAIN_END();
}
