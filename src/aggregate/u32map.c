/* 32-bit key -> 64-bit counter hash map; see u32map.h. */
#include "aggregate/u32map.h"

#include <stdlib.h>

void kn_u32map_init(struct kn_u32map *m)
{
    m->slots = NULL;
    m->cap = m->used = 0;
    m->shift = 64;
}

void kn_u32map_free(struct kn_u32map *m)
{
    free(m->slots);
    kn_u32map_init(m);
}

#define slot_of kn_u32map_slot_of

static int grow(struct kn_u32map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    /* Freed by kn_u32map_free() (or here, replacing the old array). */
    struct kn_u32map_slot *s = malloc(cap * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < cap; i++)
        s[i].key = KN_U32MAP_EMPTY;
    struct kn_u32map old = *m;
    m->slots = s;
    m->cap = cap;
    m->shift = 64;
    for (size_t c = cap; c > 1; c >>= 1)
        m->shift--;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key == KN_U32MAP_EMPTY)
            continue;
        size_t j = slot_of(m, old.slots[i].key);
        while (s[j].key != KN_U32MAP_EMPTY)
            j = (j + 1) & (cap - 1);
        s[j] = old.slots[i];
    }
    free(old.slots);
    return 0;
}

int kn_u32map_add(struct kn_u32map *m, uint32_t key, uint64_t delta)
{
    if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return -1;
    size_t j = slot_of(m, key);
    for (;;) {
        struct kn_u32map_slot *s = &m->slots[j];
        if (s->key == key) {
            s->value += delta;
            return 0;
        }
        if (s->key == KN_U32MAP_EMPTY) {
            s->key = key;
            s->value = delta;
            m->used++;
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
}

uint64_t kn_u32map_get(const struct kn_u32map *m, uint32_t key)
{
    if (!m->cap)
        return 0;
    size_t j = slot_of(m, key);
    for (;;) {
        const struct kn_u32map_slot *s = &m->slots[j];
        if (s->key == key)
            return s->value;
        if (s->key == KN_U32MAP_EMPTY)
            return 0;
        j = (j + 1) & (m->cap - 1);
    }
}
