/* Small allocation helpers for the mail parser: a growable buffer and
 * aborting allocators (see internal.h for why aborting is the choice). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/internal.h"

void *kn_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("kenchi: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *kn_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("kenchi: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *kn_xstrndup(const char *s, size_t n)
{
    char *d = kn_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *kn_xstrdup(const char *s)
{
    return s ? kn_xstrndup(s, strlen(s)) : kn_xstrndup("", 0);
}

void *kn_xpush(void *arr_ptr, size_t *n, size_t sz)
{
    char **arr = arr_ptr;
    size_t cnt = *n;
    if (cnt == 0 || (cnt & (cnt - 1)) == 0) /* full at 0,1,2,4,8...: double */
        *arr = kn_xrealloc(*arr, (cnt ? cnt * 2 : 1) * sz);
    char *slot = *arr + cnt * sz;
    memset(slot, 0, sz);
    (*n)++;
    return slot;
}

void kn_buf_add(struct kn_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = kn_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void kn_buf_addc(struct kn_buf *b, char c)
{
    kn_buf_add(b, &c, 1);
}

void kn_buf_adds(struct kn_buf *b, const char *s)
{
    kn_buf_add(b, s, strlen(s));
}

char *kn_buf_take(struct kn_buf *b)
{
    char *d = b->data ? b->data : kn_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
