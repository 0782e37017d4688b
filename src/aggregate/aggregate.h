/* Aggregation: per day (in the database's time zone) and per address
 * family, the additive counters behind every figure of docs/metrics.md,
 * per-day counts per (kind, protocol, port), and one compact record per
 * (day, source address). All state is mergeable (sums, min/max, unions of
 * port sets capped at the wide-port threshold), which is what makes hourly
 * files analysed in separate runs equal one run over the whole day.
 *
 * Per packet: a cached day compare, a few counter increments, one port
 * slot and one source-table probe; no allocation except when a table grows
 * or a source's port set spills out of its inline slots. */
#ifndef KENCHI_AGGREGATE_AGGREGATE_H
#define KENCHI_AGGREGATE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate/dayclock.h"
#include "aggregate/portmap.h"
#include "aggregate/portspill.h"
#include "classify/classify.h"
#include "decode/pkt.h"
#include "util/err.h"

/* Address families as array indexes: [KN_FAM_V4] and [KN_FAM_V6]. */
enum { KN_FAM_V4 = 0, KN_FAM_V6 = 1, KN_FAM__COUNT };

/* Additive per-day, per-family counters. */
struct kn_day_counts {
    uint64_t accesses;
    uint64_t low_port, high_port; /* TCP/UDP accesses with a port, by class */
    uint64_t mirai;               /* the `mirai` figure (IPv4 only) */
    uint64_t rdp_3389;            /* probe TCP accesses to port 3389 */
    uint64_t backscatter;
    uint64_t tags[KN_TAG__COUNT]; /* probe accesses with each fingerprint */
};

struct kn_agg_day {
    int32_t day;                           /* kn_day_from_civil() number */
    struct kn_day_counts c[KN_FAM__COUNT];
    struct kn_portmap ports;               /* per (family, protocol, port), in memory */
    struct kn_spill_run *runs;             /* owned: more of them, spilled to disk */
    size_t n_runs;                         /* (portspill.h); read with kn_agg_day_ports() */
};

/* A (protocol, destination port) pair as stored in port sets: proto << 16 | port. */
static inline uint32_t kn_pair(unsigned proto, unsigned port) { return (uint32_t)proto << 16 | port; }

/* One source address on one day. 64 bytes. The port set holds the distinct
 * (protocol, port) pairs of the source's PROBE TCP/UDP accesses, sorted,
 * exact until it reaches the wide-port threshold; then it is dropped and
 * nports stays at the threshold ("saturated": a wide-port source). */
struct kn_src_day {
    uint8_t addr[16];   /* IPv4: first 4 bytes, wire order; IPv6: wire order */
    uint64_t first_ns, last_ns;
    uint64_t packets;   /* accesses from this source on this day */
    union {
        uint32_t *heap; /* cap > 0: sorted pairs, owned by the record */
        uint32_t inl[2];/* cap == 0: up to 2 pairs inline */
    } set;
    uint32_t nports;    /* distinct pairs, capped at the threshold */
    uint32_t cap;       /* heap capacity, 0 when inline or saturated */
    int32_t day;
    uint8_t family;     /* 4 or 6 */
    uint8_t tags;       /* OR of (1u << enum kn_tag) over its probes */
};

/* The sorted pairs of s (valid while nports < threshold; nports of them). */
static inline const uint32_t *kn_src_pairs(const struct kn_src_day *s)
{
    return s->cap ? s->set.heap : s->set.inl;
}

/* Adds one pair to s's set (no-op once saturated). 0, or -1 out of memory. */
int kn_src_add_pair(struct kn_src_day *s, uint32_t pair, uint32_t threshold);
/* Frees s's heap set (the record itself belongs to its table). */
void kn_src_free_set(struct kn_src_day *s);

struct kn_agg;

/* A new, empty aggregate; wide_ports >= 1. Free with kn_agg_free(). */
struct kn_agg *kn_agg_new(uint32_t wide_ports, struct kn_err *err);
void kn_agg_free(struct kn_agg *agg);
/* Empties the aggregate for reuse (keeps the threshold and table memory). */
void kn_agg_reset(struct kn_agg *agg);
/* Empties it and gives all its memory back (tables, records, index): for
 * an aggregate that will next count other days, where what reset keeps
 * would sit idle. */
void kn_agg_trim(struct kn_agg *agg);

uint32_t kn_agg_wide_ports(const struct kn_agg *agg);

/* Counts one access (the caller decided it is one) with its classes.
 * 0, or -1 out of memory (err says so). */
int kn_agg_add(struct kn_agg *agg, const struct kn_pkt *p, struct kn_class c, struct kn_err *err);

/* One access as the aggregate needs it, 48 bytes: what kn_agg_add()
 * reads of a decoded packet and its classes, with the source key and its
 * hash computed once. The pipeline keeps a few of these in flight between
 * kn_agg_prepare() and kn_agg_add_item() so that the table slots they need
 * are in the cache by then: kn_agg_prepare() fetches the source index slot
 * and the day's port slot, and kn_agg_prefetch_source(), once that index
 * slot is there, the source's record. Hints change no state. */
struct kn_agg_item {
    uint64_t ts_ns;
    uint64_t hash;       /* of (day, family, a16); valid when day_ok */
    uint8_t a16[16];     /* source address, zero-padded to 16 bytes */
    int32_t day;         /* valid when day_ok */
    uint16_t dport;
    uint8_t proto;
    uint8_t family;      /* 4 or 6 */
    struct kn_class c;
    uint8_t day_ok;      /* ts_ns fell in the aggregate's current day when prepared */
};
void kn_agg_prepare(const struct kn_agg *agg, const struct kn_pkt *p, struct kn_class c,
                    struct kn_agg_item *it);
/* The two halves of kn_agg_prepare(): filling the item touches no
 * aggregate state (any thread may do it); preparing it reads the
 * aggregate's day clock and tables (the thread that adds must). */
void kn_agg_item_fill(const struct kn_pkt *p, struct kn_class c, struct kn_agg_item *it);
void kn_agg_item_prepare(const struct kn_agg *agg, struct kn_agg_item *it);
void kn_agg_prefetch_source(const struct kn_agg *agg, const struct kn_agg_item *it);
/* Counts a prepared access. 0, or -1 out of memory. */
int kn_agg_add_item(struct kn_agg *agg, const struct kn_agg_item *it, struct kn_err *err);

/* Merges src into dst (same threshold). 0 or -1. */
int kn_agg_merge(struct kn_agg *dst, const struct kn_agg *src, struct kn_err *err);
/* Exchanges the contents of a and b (same threshold): what was counted
 * into a is b's, without copying it. Pointers to a and b stay valid. */
void kn_agg_swap(struct kn_agg *a, struct kn_agg *b);

/* Days, in no particular order. */
size_t kn_agg_n_days(const struct kn_agg *agg);
/* The days dst would hold with src merged into it (a day in both counts once). */
size_t kn_agg_n_days_merged(const struct kn_agg *dst, const struct kn_agg *src);
/* Day i's port counts, those spilled to disk included: *ports is the day's
 * own table when nothing of it was spilled, else `merged`, filled here,
 * which the caller then frees with kn_portmap_free(). The aggregate is not
 * changed (a commit that fails can be tried again). 0, or -1 (err). */
int kn_agg_day_ports(const struct kn_agg *agg, size_t i, struct kn_portmap *merged,
                     const struct kn_portmap **ports, struct kn_err *err);
/* Port rows over all days: exact, unless a day received packets again
 * after its table was spilled (then at most this many). */
uint64_t kn_agg_n_port_rows(const struct kn_agg *agg);
const struct kn_agg_day *kn_agg_day_at(const struct kn_agg *agg, size_t i);

/* Source-day records, in insertion order. */
size_t kn_agg_n_sources(const struct kn_agg *agg);
struct kn_src_day *kn_agg_source_at(struct kn_agg *agg, size_t i);

/* Finds or creates the record of (day, family, addr); addr is 4 or 16
 * bytes by family. New records are zero with first_ns = UINT64_MAX. NULL
 * out of memory. The pointer is valid until the next add/find. */
struct kn_src_day *kn_agg_source(struct kn_agg *agg, int32_t day, unsigned family,
                                 const uint8_t *addr);

/* Frees the source index (records stay, in insertion order): a commit
 * that only walks the records gives its memory back before sorting them.
 * The index is rebuilt by the next kn_agg_source()/add, so nothing breaks
 * if the aggregate is used again. */
void kn_agg_drop_index(struct kn_agg *agg);

/* Merges record b into a (same key): min/max times, sums, tags, ports. */
int kn_src_merge(struct kn_src_day *a, const struct kn_src_day *b, uint32_t threshold);

/* Figures derived from the source records of one day and family. */
void kn_agg_source_counts(const struct kn_agg *agg, int32_t day, unsigned fam,
                          uint64_t *sources, uint64_t *wide);

/* Bytes of memory held (tables, records, port sets): for the perf budget. */
size_t kn_agg_memory(const struct kn_agg *agg);

#endif
