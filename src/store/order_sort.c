/* In-place sort of write-order entries; see order_sort.h. */
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

void kn_order_sort(struct kn_order *v, size_t n)
{
    unsigned depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    sort_orders(v, n, depth);
}
