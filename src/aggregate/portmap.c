/* The per-day port table; see portmap.h. */
#include "aggregate/portmap.h"

#include <stdlib.h>

#include "util/bigmem.h"

_Static_assert(sizeof(struct kn_port_counts) == 64, "one cache line per port");

void kn_portmap_init(struct kn_portmap *m)
{
    m->slots = NULL;
    m->cap = m->used = 0;
    m->shift = 64;
}

void kn_portmap_free(struct kn_portmap *m)
{
    kn_big_free(m->slots, m->cap * sizeof *m->slots);
    kn_portmap_init(m);
}

void kn_portmap_clear(struct kn_portmap *m)
{
    if (!m->used)
        return;
    for (size_t i = 0; i < m->cap; i++)
        m->slots[i].key = KN_PORTMAP_EMPTY;
    m->used = 0;
}

static int grow_to(struct kn_portmap *m, size_t cap)
{
    /* Freed by kn_portmap_free() (or here, replacing the old array). */
    struct kn_port_counts *s = kn_big_alloc(cap * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < cap; i++)
        s[i].key = KN_PORTMAP_EMPTY;
    struct kn_portmap old = *m;
    m->slots = s;
    m->cap = cap;
    m->shift = 64;
    for (size_t c = cap; c > 1; c >>= 1)
        m->shift--;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key == KN_PORTMAP_EMPTY)
            continue;
        size_t j = kn_portmap_home(m, old.slots[i].key);
        while (s[j].key != KN_PORTMAP_EMPTY)
            j = (j + 1) & (cap - 1);
        s[j] = old.slots[i];
    }
    kn_big_free(old.slots, old.cap * sizeof *old.slots);
    return 0;
}

static int grow(struct kn_portmap *m)
{
    return grow_to(m, m->cap ? m->cap * 2 : 64);
}

int kn_portmap_reserve(struct kn_portmap *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 64;
    while ((n + 1) * 4 > cap * 3)
        cap *= 2;
    return cap > m->cap ? grow_to(m, cap) : 0;
}

struct kn_port_counts *kn_portmap_slot(struct kn_portmap *m, uint32_t key)
{
    if (m->cap) {
        for (size_t j = kn_portmap_home(m, key);; j = (j + 1) & (m->cap - 1)) {
            struct kn_port_counts *s = &m->slots[j];
            if (s->key == key)
                return s;
            if (s->key == KN_PORTMAP_EMPTY)
                break;
        }
    }
    /* Absent: make room first (growing moves every slot), then insert. */
    if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return NULL;
    size_t j = kn_portmap_home(m, key);
    while (m->slots[j].key != KN_PORTMAP_EMPTY)
        j = (j + 1) & (m->cap - 1);
    struct kn_port_counts *s = &m->slots[j];
    *s = (struct kn_port_counts){.key = key};
    m->used++;
    return s;
}

const struct kn_port_counts *kn_portmap_find(const struct kn_portmap *m, uint32_t key)
{
    if (!m->cap)
        return NULL;
    for (size_t j = kn_portmap_home(m, key);; j = (j + 1) & (m->cap - 1)) {
        const struct kn_port_counts *s = &m->slots[j];
        if (s->key == key)
            return s;
        if (s->key == KN_PORTMAP_EMPTY)
            return NULL;
    }
}

void kn_port_counts_add(struct kn_port_counts *a, const struct kn_port_counts *b)
{
    a->accesses += b->accesses;
    a->probes += b->probes;
    a->mirai += b->mirai;
    for (unsigned t = 0; t < KN_TAG__COUNT; t++)
        a->tags[t] += b->tags[t];
}
