/* A set of byte strings; see line_set.h. */
#include "central/line_set.h"

#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

#define MAX_LINES (1u << 31)

void kn_line_set_init(struct kn_line_set *s)
{
    memset(s, 0, sizeof *s);
}

void kn_line_set_free(struct kn_line_set *s)
{
    free(s->bytes);
    free(s->ends);
    free(s->slots);
    kn_line_set_init(s);
}

/* FNV-1a, 64 bits: lines are short, and the set is the centre's own rows,
 * not an adversary's choice of keys for this process. */
static uint64_t hash_of(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static size_t start_of(const struct kn_line_set *s, size_t i)
{
    return i ? (size_t)s->ends[i - 1] : 0;
}

static bool line_is(const struct kn_line_set *s, size_t i, const char *p, size_t n)
{
    size_t a = start_of(s, i);
    return (size_t)s->ends[i] - a == n && (!n || !memcmp(s->bytes + a, p, n));
}

/* The slot holding the line, or the empty slot where it would go. */
static size_t find_slot(const struct kn_line_set *s, const char *p, size_t n)
{
    size_t mask = s->n_slots - 1;
    for (size_t i = (size_t)hash_of(p, n) & mask;; i = (i + 1) & mask)
        if (!s->slots[i] || line_is(s, s->slots[i] - 1, p, n))
            return i;
}

static int grow_slots(struct kn_line_set *s)
{
    size_t n_slots = s->n_slots ? s->n_slots * 2 : 1024;
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    uint32_t *old = s->slots;
    s->slots = slots;
    s->n_slots = n_slots;
    for (size_t i = 0; i < s->n; i++) {
        size_t a = start_of(s, i);
        s->slots[find_slot(s, s->bytes + a, (size_t)s->ends[i] - a)] = (uint32_t)(i + 1);
    }
    free(old);
    return 0;
}

int kn_line_set_add(struct kn_line_set *s, const char *p, size_t n)
{
    if (s->n + 1 >= MAX_LINES)
        return -1;
    if ((s->n + 1) * 2 > s->n_slots && grow_slots(s))
        return -1;
    size_t slot = find_slot(s, p, n);
    if (s->slots[slot])
        return 0;
    if (kn_bytes_reserve(&s->bytes, &s->cap, s->used, n, 65536))
        return -1;
    if (s->n == s->n_cap) {
        size_t n_cap = s->n_cap ? s->n_cap * 2 : 1024;
        uint64_t *ends = realloc(s->ends, n_cap * sizeof *ends);
        if (!ends)
            return -1;
        s->ends = ends;
        s->n_cap = n_cap;
    }
    if (n)
        memcpy(s->bytes + s->used, p, n);
    s->used += n;
    s->ends[s->n] = s->used;
    s->slots[slot] = (uint32_t)(s->n + 1);
    s->n++;
    return 0;
}

bool kn_line_set_has(const struct kn_line_set *s, const char *p, size_t n)
{
    return s->n_slots && s->slots[find_slot(s, p, n)];
}
