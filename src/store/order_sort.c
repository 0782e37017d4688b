/* In-place sort of write-order entries; see order_sort.h. A radix sort on
 * the key bytes, with an introsort for small buckets. */
#include "store/order_sort.h"

#include <stdbool.h>

static bool order_less(const struct kn_order *x, const struct kn_order *y)
{
    if (x->day != y->day)
        return x->day < y->day;
    if (x->key != y->key)
        return x->key < y->key;
    return x->idx < y->idx;
}

static void swap_order(struct kn_order *a, struct kn_order *b)
{
    struct kn_order t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(struct kn_order *v, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && order_less(&v[child], &v[child + 1]))
            child++;
        if (!order_less(&v[root], &v[child]))
            return;
        swap_order(&v[root], &v[child]);
    }
}

static void heap_sort(struct kn_order *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end-- > 1;) {
        swap_order(&v[0], &v[end]);
        sift_down(v, 0, end);
    }
}

/* Quicksort with a median of three, insertion sort for short runs, and
 * heapsort once the depth passes 2 log2 n, so crafted addresses cannot make
 * it quadratic. Recursion only into the smaller side: the stack stays
 * O(log n). */
static void sort_orders(struct kn_order *v, size_t n, unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        size_t mid = n / 2;
        if (order_less(&v[mid], &v[0]))
            swap_order(&v[mid], &v[0]);
        if (order_less(&v[n - 1], &v[0]))
            swap_order(&v[n - 1], &v[0]);
        if (order_less(&v[n - 1], &v[mid]))
            swap_order(&v[n - 1], &v[mid]);
        struct kn_order pivot = v[mid];
        size_t i = 0, j = n - 1;
        for (;;) { /* Hoare partition around the median */
            while (order_less(&v[i], &pivot))
                i++;
            while (order_less(&pivot, &v[j]))
                j--;
            if (i >= j)
                break;
            swap_order(&v[i], &v[j]);
            i++;
            j--;
        }
        size_t left = j + 1; /* v[0..j] <= pivot <= v[j+1..n) */
        if (left < n - left) {
            sort_orders(v, left, depth);
            v += left;
            n -= left;
        } else {
            sort_orders(v + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) /* insertion sort of the short rest */
        for (size_t k = i; k > 0 && order_less(&v[k], &v[k - 1]); k--)
            swap_order(&v[k], &v[k - 1]);
}

static void intro_sort(struct kn_order *v, size_t n)
{
    unsigned depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    sort_orders(v, n, depth);
}

/* An entry's 16-byte sort key as two words, most significant first: the
 * day (its sign flipped, so that unsigned order is signed order), the key,
 * the index. */
static uint64_t key_word(const struct kn_order *e, unsigned w)
{
    if (w == 0)
        return (uint64_t)((uint32_t)e->day ^ 0x80000000u) << 32 | e->key >> 32;
    return e->key << 32 | e->idx;
}

/* Byte b (0..15) of the sort key. */
static unsigned key_byte(const struct kn_order *e, unsigned b)
{
    return (unsigned)(key_word(e, b >> 3) >> (56 - 8 * (b & 7))) & 0xFF;
}

/* The first byte in which some entry of v[0..n) differs from v[0] (16 if
 * none): the bytes before it need no pass of their own. */
static unsigned first_varying_byte(const struct kn_order *v, size_t n)
{
    for (unsigned w = 0; w < 2; w++) {
        uint64_t first = key_word(&v[0], w), diff = 0;
        for (size_t i = 1; i < n; i++)
            diff |= key_word(&v[i], w) ^ first;
        if (diff)
            return 8 * w + (unsigned)__builtin_clzll(diff) / 8;
    }
    return 16;
}

/* Buckets at most this large are left to the comparison sort. */
#define RADIX_MIN 64

/* In-place most-significant-byte-first radix sort ("American flag sort"):
 * per key byte, one pass counts the bucket sizes and a second moves every
 * entry into its bucket by swapping along cycles; then each bucket is
 * sorted on the next byte. A byte that all entries share costs only its
 * counting pass (a commit's entries are mostly of one day, and IPv4 keys
 * use 6 of their 8 bytes). At most 16 levels, each O(n): linear whatever
 * the addresses, where the comparison sort needed ~1.1 s for 10 million
 * entries of one day (a tenth of that commit). */
/* Whom kn_order_sort_telling tells of the final prefix, and how far it
 * has told: every TELL_STEP entries at most, or it would take a lock per
 * small bucket. */
struct teller {
    void (*ready)(void *ctx, size_t k);
    void *ctx;
    size_t n, told;
};
#define TELL_STEP 8192

/* Entries [0, k) of the whole array are final. */
static void tell_upto(struct teller *t, size_t k)
{
    if (t && k > t->told && (k == t->n || k - t->told >= TELL_STEP)) {
        t->told = k;
        t->ready(t->ctx, k);
    }
}

/* v is the whole array's entries from base on; tell (or NULL) hears of
 * each bucket finished, at every level: buckets are finished in order. */
static void radix_sort(struct kn_order *v, size_t n, unsigned b, struct teller *tell, size_t base)
{
    for (;;) {
        if (n <= RADIX_MIN || b == 16) {
            intro_sort(v, n);
            tell_upto(tell, base + n);
            return;
        }
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[key_byte(&v[i], b)]++;
        if (count[key_byte(&v[0], b)] == n) {
            /* one bucket: on to the next byte that varies, moving nothing */
            b = first_varying_byte(v, n);
            continue;
        }
        size_t next[256], end[256], at = 0;
        for (unsigned d = 0; d < 256; d++) {
            next[d] = at;
            at += count[d];
            end[d] = at;
        }
        for (unsigned d = 0; d < 256; d++) {
            while (next[d] < end[d]) {
                struct kn_order e = v[next[d]];
                unsigned k;
                while ((k = key_byte(&e, b)) != d) {
                    struct kn_order displaced = v[next[k]];
                    v[next[k]++] = e;
                    e = displaced;
                }
                v[next[d]++] = e;
            }
        }
        for (unsigned d = 0; d < 256; d++) {
            size_t start = end[d] - count[d];
            if (count[d] > 1)
                radix_sort(v + start, count[d], b + 1, tell, base + start);
            tell_upto(tell, base + end[d]);
        }
        return;
    }
}

void kn_order_sort(struct kn_order *v, size_t n)
{
    radix_sort(v, n, 0, NULL, 0);
}

void kn_order_sort_telling(struct kn_order *v, size_t n, void (*ready)(void *ctx, size_t k),
                           void *ctx)
{
    struct teller t = {ready, ctx, n, 0};
    radix_sort(v, n, 0, &t, 0);
}
