/* The per-day port table: for each (family, protocol, destination port),
 * or (family, protocol) for accesses without a port, every per-port count
 * of docs/metrics.md in one 64-byte slot, so a packet costs one lookup
 * (one cache line) whatever it is counted as. Open addressing with linear
 * probing and Fibonacci hashing, grows at 3/4 load. */
#ifndef KENCHI_AGGREGATE_PORTMAP_H
#define KENCHI_AGGREGATE_PORTMAP_H

#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

#define KN_PORTMAP_EMPTY UINT32_MAX /* not a key: a no-port key has port 0 */

struct kn_port_counts {
    uint32_t key;                 /* kn_port_key() / kn_noport_key() */
    uint32_t reserved;
    uint64_t accesses;
    uint64_t probes;              /* accesses that are not backscatter */
    uint64_t mirai;               /* the `mirai` figure */
    uint64_t tags[KN_TAG__COUNT]; /* probes with each fingerprint */
};

struct kn_portmap {
    struct kn_port_counts *slots; /* owned; freed by kn_portmap_free() */
    size_t cap;                   /* power of two, or 0 before the first use */
    size_t used;
    unsigned shift;               /* 64 - log2(cap) */
};

/* Keys: family index (KN_FAM_V4 0 / KN_FAM_V6 1), a no-port bit, protocol, port. */
static inline uint32_t kn_port_key(unsigned fam, unsigned proto, unsigned port)
{
    return (uint32_t)fam << 31 | (uint32_t)proto << 16 | port;
}
static inline uint32_t kn_noport_key(unsigned fam, unsigned proto)
{
    return (uint32_t)fam << 31 | 1u << 30 | (uint32_t)proto << 16;
}
static inline unsigned kn_port_key_fam(uint32_t k) { return k >> 31; }
static inline int kn_port_key_has_port(uint32_t k) { return !(k >> 30 & 1); }
static inline unsigned kn_port_key_proto(uint32_t k) { return k >> 16 & 0xFF; }
static inline unsigned kn_port_key_port(uint32_t k) { return k & 0xFFFF; }

void kn_portmap_init(struct kn_portmap *m);
void kn_portmap_free(struct kn_portmap *m);
/* Empties m but keeps its slots for reuse. */
void kn_portmap_clear(struct kn_portmap *m);

/* key's slot, created with zero counts when absent. NULL out of memory.
 * Valid until the next kn_portmap_slot() on m. */
struct kn_port_counts *kn_portmap_slot(struct kn_portmap *m, uint32_t key);

/* Grows m to hold n keys without growing again. 0, or -1 out of memory.
 * Merging a table into an empty or smaller one must reserve first: walking
 * the source's slots in order inserts keys in the order of their home
 * slots, and in a smaller table they then pile up into one long probe run
 * (quadratic: 80k keys took 1 s instead of 0.05 s). */
int kn_portmap_reserve(struct kn_portmap *m, size_t n);

/* key's slot or NULL when absent. */
const struct kn_port_counts *kn_portmap_find(const struct kn_portmap *m, uint32_t key);

/* Adds b's counts into a (same key). */
void kn_port_counts_add(struct kn_port_counts *a, const struct kn_port_counts *b);

static inline size_t kn_portmap_home(const struct kn_portmap *m, uint32_t key)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> m->shift);
}

/* A cache hint for a coming kn_portmap_slot(m, key). */
static inline void kn_portmap_prefetch(const struct kn_portmap *m, uint32_t key)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[kn_portmap_home(m, key)]);
}

#endif
