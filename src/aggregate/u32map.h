/* A small open-addressing hash map from 32-bit keys to 64-bit counters:
 * the per-day (kind, protocol, port) counts. Linear probing, Fibonacci
 * hashing, grows at 3/4 load. Keys are any uint32 but KN_U32MAP_EMPTY. */
#ifndef KENCHI_AGGREGATE_U32MAP_H
#define KENCHI_AGGREGATE_U32MAP_H

#include <stddef.h>
#include <stdint.h>

#define KN_U32MAP_EMPTY UINT32_MAX

struct kn_u32map_slot {
    uint32_t key;
    uint64_t value;
};

struct kn_u32map {
    struct kn_u32map_slot *slots; /* owned; freed by kn_u32map_free() */
    size_t cap;                   /* power of two, or 0 before the first add */
    size_t used;
    unsigned shift;               /* 64 - log2(cap) */
};

void kn_u32map_init(struct kn_u32map *m);
void kn_u32map_free(struct kn_u32map *m);

/* Adds delta to key's counter (creating it at 0). 0, or -1 out of memory. */
int kn_u32map_add(struct kn_u32map *m, uint32_t key, uint64_t delta);

/* The home slot of key (Fibonacci hashing); m->cap must be non-zero. */
static inline size_t kn_u32map_slot_of(const struct kn_u32map *m, uint32_t key)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> m->shift);
}

/* A cache hint for a coming kn_u32map_add(m, key, ...). */
static inline void kn_u32map_prefetch(const struct kn_u32map *m, uint32_t key)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[kn_u32map_slot_of(m, key)]);
}

/* The counter of key, 0 when absent. */
uint64_t kn_u32map_get(const struct kn_u32map *m, uint32_t key);

#endif
