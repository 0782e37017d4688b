/* Per-day, per-family and per-source aggregation; see aggregate.h. */
#include "aggregate/aggregate.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/bigmem.h"

_Static_assert(sizeof(struct kn_src_day) == 64, "keep per-source state compact");

/* Source records live in fixed-size chunks (no realloc copies, no pointer
 * invalidation of old records); the index is open addressing over 64-bit
 * slots: high 32 bits a hash fragment, low 32 bits record index + 1. */
#define CHUNK_BITS 15 /* 2 MiB of records: one huge page */
#define CHUNK (1u << CHUNK_BITS)

struct kn_agg {
    uint32_t wide_ports;
    uint64_t seed;                /* per-process hash seed: no flooding by crafted addresses */
    struct kn_dayclock clock;
    struct kn_agg_day *days;      /* owned array of n_days (cap_days) */
    size_t n_days, cap_days;
    size_t n_kept;                /* days[n_days..n_kept) hold empty port tables for reuse */
    size_t cur_day;               /* index of clock.day in days */
    struct kn_src_day **chunks;   /* owned array of owned chunks */
    size_t n_chunks;
    size_t n_src;
    uint64_t *index;              /* owned; idx_cap slots, power of two: the low 32
                                   * bits of a record's hash << 32 | (record + 1), 0 empty */
    size_t idx_cap;
    struct kn_src_day *last_src;  /* the previous packet's record: scans come in bursts */
    struct kn_portspill spill;    /* owned: port tables of days left behind (portspill.h) */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t src_hash(const struct kn_agg *agg, int32_t day, unsigned family, const uint8_t *a16)
{
    uint64_t w0, w1;
    memcpy(&w0, a16, 8);
    memcpy(&w1, a16 + 8, 8);
    uint64_t h = mix64(w0 ^ agg->seed);
    h = mix64(h ^ w1 ^ ((uint64_t)(uint32_t)day << 8 | family));
    return h;
}

static inline struct kn_src_day *src_at(const struct kn_agg *agg, size_t i)
{
    return &agg->chunks[i >> CHUNK_BITS][i & (CHUNK - 1)];
}

struct kn_agg *kn_agg_new(uint32_t wide_ports, struct kn_err *err)
{
    if (wide_ports < 1) {
        kn_err_set(err, "wide-port threshold must be at least 1");
        return NULL;
    }
    /* Freed by kn_agg_free(). */
    struct kn_agg *agg = calloc(1, sizeof *agg);
    if (!agg) {
        kn_err_set(err, "aggregate: out of memory");
        return NULL;
    }
    agg->wide_ports = wide_ports;
    if (getrandom(&agg->seed, sizeof agg->seed, 0) != sizeof agg->seed)
        agg->seed = (uint64_t)(uintptr_t)agg ^ 0x5bd1e995u;
    kn_dayclock_init(&agg->clock);
    kn_portspill_init(&agg->spill);
    agg->cur_day = SIZE_MAX;
    return agg;
}

/* Port tables a reset keeps for the next capture's days, in bytes: an
 * hourly file's ~100,000 ports grow a table by doubling to 16 MiB, and
 * growing it again for every file, in freshly zeroed memory, was a third
 * of the reading time of 24 hourly files. Bounded, so that a month-long
 * capture does not leave 30 such tables behind. */
#define KEEP_PORT_TABLE_BYTES (32u << 20)

/* Empties the days; their port tables stay, emptied, while the first ones
 * fit in keep bytes, and the rest are freed. */
static void release_days(struct kn_agg *agg, size_t keep)
{
    for (size_t i = 0; i < agg->n_days; i++) {
        free(agg->days[i].runs);
        agg->days[i].runs = NULL;
        agg->days[i].n_runs = 0;
    }
    kn_portspill_close(&agg->spill);
    size_t kept = 0, bytes = 0;
    for (size_t i = 0; i < agg->n_kept; i++) {
        struct kn_portmap *m = &agg->days[i].ports;
        size_t b = m->cap * sizeof *m->slots;
        if (kept == i && b && bytes + b <= keep) {
            kn_portmap_clear(m);
            bytes += b;
            kept++;
        } else {
            kn_portmap_free(m);
        }
    }
    agg->n_kept = kept;
    agg->n_days = 0;
}

void kn_agg_reset(struct kn_agg *agg)
{
    release_days(agg, KEEP_PORT_TABLE_BYTES);
    agg->cur_day = SIZE_MAX;
    kn_dayclock_init(&agg->clock);
    for (size_t i = 0; i < agg->n_src; i++)
        kn_src_free_set(src_at(agg, i));
    agg->n_src = 0;
    agg->last_src = NULL;
    if (agg->index)
        memset(agg->index, 0, agg->idx_cap * sizeof *agg->index);
}

void kn_agg_trim(struct kn_agg *agg)
{
    kn_agg_reset(agg);
    release_days(agg, 0);
    for (size_t i = 0; i < agg->n_chunks; i++)
        kn_big_free(agg->chunks[i], CHUNK * sizeof(struct kn_src_day));
    agg->n_chunks = 0;
    kn_agg_drop_index(agg);
}

void kn_agg_free(struct kn_agg *agg)
{
    if (!agg)
        return;
    kn_agg_reset(agg);
    release_days(agg, 0);
    free(agg->days);
    for (size_t i = 0; i < agg->n_chunks; i++)
        kn_big_free(agg->chunks[i], CHUNK * sizeof(struct kn_src_day));
    free(agg->chunks);
    kn_big_free(agg->index, agg->idx_cap * sizeof *agg->index);
    free(agg);
}

uint32_t kn_agg_wide_ports(const struct kn_agg *agg) { return agg->wide_ports; }
size_t kn_agg_n_days(const struct kn_agg *agg) { return agg->n_days; }
const struct kn_agg_day *kn_agg_day_at(const struct kn_agg *agg, size_t i) { return &agg->days[i]; }
size_t kn_agg_n_sources(const struct kn_agg *agg) { return agg->n_src; }
struct kn_src_day *kn_agg_source_at(struct kn_agg *agg, size_t i) { return src_at(agg, i); }

/* Port rows of days other than the two being filled that may stay in
 * memory: ~4-11 MiB of tables. Beyond them, those days' tables are
 * spilled; a day whose packets come back later starts a new table, and
 * its runs and tables are summed when it is read (kn_agg_day_ports). */
#define SPILL_ROWS (64u << 10)

/* Spills the port tables of the days other than keep_a and keep_b (day
 * numbers) once they hold SPILL_ROWS rows in all. 0, or -1 (err). */
static int spill_idle_days(struct kn_agg *agg, int32_t keep_a, int32_t keep_b, struct kn_err *err)
{
    uint64_t idle = 0;
    for (size_t i = 0; i < agg->n_days; i++)
        if (agg->days[i].day != keep_a && agg->days[i].day != keep_b)
            idle += agg->days[i].ports.used;
    if (idle < SPILL_ROWS)
        return 0;
    for (size_t i = 0; i < agg->n_days; i++) {
        struct kn_agg_day *d = &agg->days[i];
        if (d->day == keep_a || d->day == keep_b || !d->ports.used)
            continue;
        /* Owned by the day; freed by release_days(). */
        struct kn_spill_run *runs = realloc(d->runs, (d->n_runs + 1) * sizeof *runs);
        if (!runs) {
            kn_err_set(err, "aggregate: out of memory");
            return -1;
        }
        d->runs = runs;
        if (kn_portspill_put(&agg->spill, &d->ports, &d->runs[d->n_runs], err))
            return -1;
        d->n_runs++;
    }
    return 0;
}

/* Adds from_map's counts into to_map, which has room for all its keys. 0,
 * or -1 out of memory. */
static int merge_ports(struct kn_portmap *to_map, const struct kn_portmap *from_map)
{
    const struct kn_port_counts *slots = from_map->slots;
    size_t cap = from_map->cap;
    for (size_t j = 0; j < cap; j++) {
        if (slots[j].key == KN_PORTMAP_EMPTY)
            continue;
        struct kn_port_counts *to = kn_portmap_slot(to_map, slots[j].key);
        if (!to)
            return -1;
        kn_port_counts_add(to, &slots[j]);
    }
    return 0;
}

/* Adds day d's spilled runs into m, which is reserved for them first (see
 * kn_portmap_reserve: runs hold slots in another table's order). */
static int add_runs(const struct kn_agg *agg, const struct kn_agg_day *d, struct kn_portmap *m,
                    struct kn_err *err)
{
    uint64_t n = m->used;
    for (size_t r = 0; r < d->n_runs; r++)
        n += d->runs[r].n;
    if (kn_portmap_reserve(m, (size_t)n)) {
        kn_err_set(err, "out of memory for %llu port rows", (unsigned long long)n);
        return -1;
    }
    for (size_t r = 0; r < d->n_runs; r++)
        if (kn_portspill_add_to(&agg->spill, &d->runs[r], m, err))
            return -1;
    return 0;
}

int kn_agg_day_ports(const struct kn_agg *agg, size_t i, struct kn_portmap *merged,
                     const struct kn_portmap **ports, struct kn_err *err)
{
    const struct kn_agg_day *d = &agg->days[i];
    if (!d->n_runs) {
        *ports = &d->ports;
        return 0;
    }
    kn_portmap_init(merged);
    uint64_t n = d->ports.used;
    for (size_t r = 0; r < d->n_runs; r++)
        n += d->runs[r].n;
    if (kn_portmap_reserve(merged, (size_t)n) || /* add_runs' own reserve then has room */
        merge_ports(merged, &d->ports))
        goto oom;
    if (add_runs(agg, d, merged, err)) {
        kn_portmap_free(merged);
        return -1;
    }
    *ports = merged;
    return 0;
oom:
    kn_portmap_free(merged);
    kn_err_set(err, "aggregate: out of memory");
    return -1;
}

uint64_t kn_agg_n_port_rows(const struct kn_agg *agg)
{
    uint64_t n = 0;
    for (size_t i = 0; i < agg->n_days; i++) {
        n += agg->days[i].ports.used;
        for (size_t r = 0; r < agg->days[i].n_runs; r++)
            n += agg->days[i].runs[r].n;
    }
    return n;
}

size_t kn_agg_n_days_merged(const struct kn_agg *dst, const struct kn_agg *src)
{
    size_t n = dst->n_days;
    for (size_t i = 0; i < src->n_days; i++) {
        size_t j = 0;
        while (j < dst->n_days && dst->days[j].day != src->days[i].day)
            j++;
        n += j == dst->n_days;
    }
    return n;
}

static struct kn_agg_day *find_day(struct kn_agg *agg, int32_t day)
{
    for (size_t i = 0; i < agg->n_days; i++)
        if (agg->days[i].day == day)
            return &agg->days[i];
    if (agg->n_days == agg->cap_days) {
        size_t cap = agg->cap_days ? agg->cap_days * 2 : 4;
        struct kn_agg_day *d = realloc(agg->days, cap * sizeof *d);
        if (!d)
            return NULL;
        agg->days = d;
        agg->cap_days = cap;
    }
    struct kn_agg_day *d = &agg->days[agg->n_days];
    struct kn_portmap ports; /* the entry's emptied table, when it kept one */
    if (agg->n_days < agg->n_kept)
        ports = d->ports;
    else
        kn_portmap_init(&ports);
    memset(d, 0, sizeof *d);
    d->day = day;
    d->ports = ports;
    if (++agg->n_days > agg->n_kept)
        agg->n_kept = agg->n_days;
    return d;
}

void kn_src_free_set(struct kn_src_day *s)
{
    if (s->cap)
        free(s->set.heap);
    s->cap = 0;
}

/* Makes room in s's set for need pairs (need < threshold): inline up to
 * two, then apart, doubling up to the threshold. 0, or -1 out of memory. */
static int grow_set(struct kn_src_day *s, uint32_t need, uint32_t threshold)
{
    uint32_t room = s->cap ? s->cap : 2;
    if (need <= room)
        return 0;
    uint32_t cap = room;
    while (cap < need)
        cap *= 2;
    if (cap > threshold)
        cap = threshold;
    /* Owned by the record; freed by kn_src_free_set(). */
    uint32_t *grown = s->cap ? realloc(s->set.heap, cap * sizeof *grown) : malloc(cap * sizeof *grown);
    if (!grown)
        return -1;
    if (!s->cap)
        memcpy(grown, s->set.inl, sizeof s->set.inl);
    s->set.heap = grown;
    s->cap = cap;
    return 0;
}

int kn_src_add_pair(struct kn_src_day *s, uint32_t pair, uint32_t threshold)
{
    if (s->nports >= threshold)
        return 0; /* saturated: already a wide-port source */
    uint32_t *v = s->cap ? s->set.heap : s->set.inl;
    uint32_t lo = 0, hi = s->nports;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (v[mid] < pair)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->nports && v[lo] == pair)
        return 0;
    if (s->nports + 1 >= threshold) {
        /* Reaching the threshold: the exact set is no longer needed. */
        kn_src_free_set(s);
        s->nports = threshold;
        return 0;
    }
    if (grow_set(s, s->nports + 1, threshold))
        return -1;
    v = s->cap ? s->set.heap : s->set.inl;
    memmove(v + lo + 1, v + lo, (s->nports - lo) * sizeof *v);
    v[lo] = pair;
    s->nports++;
    return 0;
}

void kn_agg_drop_index(struct kn_agg *agg)
{
    kn_big_free(agg->index, agg->idx_cap * sizeof *agg->index);
    agg->index = NULL;
    agg->idx_cap = 0;
}

/* A slot's home is the low bits of its hash, and a slot keeps the low 32
 * bits: a table of up to 2^32 slots grows from the old one alone, walked
 * in order, its entries landing in two forward-moving streams of the new
 * one. Rehashing every record instead read each 64-byte record and wrote
 * one random slot per source: half of the 10-million-source day's
 * aggregation samples in `perf` (docs/performance.md, item 34). */
static void index_put(uint64_t *idx, size_t cap, uint64_t entry)
{
    size_t j = (size_t)(entry >> 32) & (cap - 1);
    while (idx[j])
        j = (j + 1) & (cap - 1);
    idx[j] = entry;
}

/* The index starts at one huge page (2 MiB, 262,144 slots, room for
 * 196,608 sources). Grown from 1,024 slots it spent its growth at up to
 * 3/4 load, and the long probe runs of those small tables cost the bench
 * day's lookups 9 ns an access in all, where the rehashing itself took
 * 2 ms (docs/performance.md, item 40). A capture of a few sources pays
 * for the page once per aggregate. */
#define INDEX_MIN_SLOTS ((size_t)1 << 18)

static int grow_index(struct kn_agg *agg)
{
    size_t cap = agg->idx_cap ? agg->idx_cap * 2 : INDEX_MIN_SLOTS;
    while ((agg->n_src + 1) * 4 > cap * 3) /* after kn_agg_drop_index: room for all */
        cap *= 2;
    /* Owned by agg; freed by kn_agg_free() (or here when replaced). */
    uint64_t *idx = kn_big_alloc(cap * sizeof *idx);
    if (!idx)
        return -1;
    if (agg->idx_cap && (uint64_t)cap <= (uint64_t)1 << 32) {
        for (size_t k = 0; k < agg->idx_cap; k++)
            if (agg->index[k])
                index_put(idx, cap, agg->index[k]);
    } else { /* no index (dropped), or one too big for the kept bits */
        for (size_t i = 0; i < agg->n_src; i++) {
            const struct kn_src_day *s = src_at(agg, i);
            index_put(idx, cap, src_hash(agg, s->day, s->family, s->addr) << 32 | (uint64_t)(i + 1));
        }
    }
    kn_big_free(agg->index, agg->idx_cap * sizeof *agg->index);
    agg->index = idx;
    agg->idx_cap = cap;
    return 0;
}

/* Finds or creates (day, family, a16) whose hash is h. */
static struct kn_src_day *source_hashed(struct kn_agg *agg, int32_t day, unsigned family,
                                        const uint8_t a16[16], uint64_t h)
{
    if ((agg->n_src + 1) * 4 > agg->idx_cap * 3 && grow_index(agg) != 0)
        return NULL;
    uint64_t frag = h << 32;
    uint64_t w0, w1;
    memcpy(&w0, a16, 8);
    memcpy(&w1, a16 + 8, 8);
    size_t mask = agg->idx_cap - 1, j = (size_t)h & mask;
    for (; agg->index[j]; j = (j + 1) & mask) {
        if ((agg->index[j] & 0xFFFFFFFF00000000ull) != frag)
            continue;
        struct kn_src_day *s = src_at(agg, (size_t)(agg->index[j] & 0xFFFFFFFFu) - 1);
        uint64_t s0, s1;
        memcpy(&s0, s->addr, 8);
        memcpy(&s1, s->addr + 8, 8);
        if (s->day == day && s->family == family && s0 == w0 && s1 == w1)
            return s;
    }
    if (agg->n_src >= UINT32_MAX - 1)
        return NULL;
    size_t i = agg->n_src;
    if ((i >> CHUNK_BITS) >= agg->n_chunks) {
        struct kn_src_day **c = realloc(agg->chunks, (agg->n_chunks + 1) * sizeof *c);
        if (!c)
            return NULL;
        agg->chunks = c;
        /* Owned by agg; freed by kn_agg_free(). */
        c[agg->n_chunks] = kn_big_alloc(CHUNK * sizeof **c);
        if (!c[agg->n_chunks])
            return NULL;
        agg->n_chunks++;
    }
    struct kn_src_day *s = src_at(agg, i);
    memset(s, 0, sizeof *s);
    memcpy(s->addr, a16, 16);
    s->day = day;
    s->family = (uint8_t)family;
    s->first_ns = UINT64_MAX;
    agg->n_src++;
    agg->index[j] = frag | (uint64_t)(i + 1);
    return s;
}

struct kn_src_day *kn_agg_source(struct kn_agg *agg, int32_t day, unsigned family,
                                 const uint8_t *addr)
{
    uint8_t a16[16] = {0};
    memcpy(a16, addr, family == 4 ? 4 : 16);
    return source_hashed(agg, day, family, a16, src_hash(agg, day, family, a16));
}

/* The source address of p, zero-padded to 16 bytes as records keep it. */
static inline void src_key(const struct kn_pkt *p, uint8_t a16[16])
{
    if (p->ip_version != 4) {
        memcpy(a16, p->src6, 16);
        return;
    }
    uint32_t be = __builtin_bswap32(p->src4); /* p->src4 is in host order */
    memcpy(a16, &be, 4);
    memset(a16 + 4, 0, 12);
}

static inline uint32_t port_key_of(const struct kn_agg_item *it)
{
    unsigned fam = it->family == 4 ? KN_FAM_V4 : KN_FAM_V6;
    return it->c.port_class != KN_PORT_NONE ? kn_port_key(fam, it->proto, it->dport)
                                            : kn_noport_key(fam, it->proto);
}

void kn_agg_item_fill(const struct kn_pkt *p, struct kn_class c, struct kn_agg_item *it)
{
    it->ts_ns = p->ts_ns;
    src_key(p, it->a16);
    it->dport = p->dport;
    it->proto = p->proto;
    it->family = p->ip_version;
    it->c = c;
    it->day_ok = 0;
}

void kn_agg_item_prepare(const struct kn_agg *agg, struct kn_agg_item *it)
{
    const struct kn_dayclock *dc = &agg->clock;
    it->day_ok = 0;
    if (agg->cur_day == SIZE_MAX || it->ts_ns < dc->start_ns || it->ts_ns >= dc->end_ns)
        return; /* another day: kn_agg_add_item() finds it the slow way */
    it->day_ok = 1;
    it->day = dc->day;
    it->hash = src_hash(agg, dc->day, it->family, it->a16);
    if (agg->idx_cap)
        __builtin_prefetch(&agg->index[(size_t)it->hash & (agg->idx_cap - 1)]);
    kn_portmap_prefetch(&agg->days[agg->cur_day].ports, port_key_of(it));
}

void kn_agg_prepare(const struct kn_agg *agg, const struct kn_pkt *p, struct kn_class c,
                    struct kn_agg_item *it)
{
    kn_agg_item_fill(p, c, it);
    kn_agg_item_prepare(agg, it);
}

/* The record whose hash is h, if agg's index has it where a lookup would
 * find it soon: a hint to fetch (a fragment match is not yet a key match). */
static const struct kn_src_day *probe_hint(const struct kn_agg *agg, uint64_t h)
{
    size_t mask = agg->idx_cap - 1, j = (size_t)h & mask;
    for (int k = 0; k < 4 && agg->index[j]; k++, j = (j + 1) & mask) {
        uint64_t slot = agg->index[j];
        if ((slot >> 32) == (uint32_t)h)
            return src_at(agg, (size_t)(slot & 0xFFFFFFFFu) - 1);
    }
    return NULL;
}

void kn_agg_prefetch_source(const struct kn_agg *agg, const struct kn_agg_item *it)
{
    if (!it->day_ok || !agg->idx_cap)
        return;
    const struct kn_src_day *hint = probe_hint(agg, it->hash);
    if (hint)
        __builtin_prefetch(hint);
}

int kn_agg_add_item(struct kn_agg *agg, const struct kn_agg_item *it, struct kn_err *err)
{
    int32_t day = it->day_ok ? it->day : kn_dayclock_day(&agg->clock, it->ts_ns);
    if (agg->cur_day == SIZE_MAX || agg->days[agg->cur_day].day != day) {
        int32_t left = agg->cur_day == SIZE_MAX ? day : agg->days[agg->cur_day].day;
        kn_dayclock_day(&agg->clock, it->ts_ns);
        struct kn_agg_day *d = find_day(agg, day);
        if (!d)
            goto oom;
        agg->cur_day = (size_t)(d - agg->days);
        /* the day just left stays in memory too: packets around midnight */
        if (spill_idle_days(agg, day, left, err))
            return -1;
    }
    struct kn_agg_day *d = &agg->days[agg->cur_day];
    unsigned fam = it->family == 4 ? KN_FAM_V4 : KN_FAM_V6;
    struct kn_day_counts *k = &d->c[fam];
    struct kn_class c = it->c;
    bool probe = !c.backscatter;
    bool has_port = c.port_class != KN_PORT_NONE;

    k->accesses++;
    k->low_port += c.port_class == KN_PORT_LOW;
    k->high_port += c.port_class == KN_PORT_HIGH;
    k->backscatter += c.backscatter;
    k->mirai += c.mirai;
    k->rdp_3389 += probe && it->proto == KN_PROTO_TCP && has_port && it->dport == 3389;

    struct kn_port_counts *pc = kn_portmap_slot(&d->ports, port_key_of(it));
    if (!pc)
        goto oom;
    pc->accesses++;
    pc->probes += probe && has_port;
    pc->mirai += c.mirai;
    for (unsigned t = 0, tags = c.tags; tags && t < KN_TAG__COUNT; t++, tags >>= 1) {
        if (tags & 1) {
            k->tags[t]++;
            pc->tags[t]++;
        }
    }

    /* Records never move (chunks), so the previous packet's record stays
     * valid; scans come in bursts from one source. */
    struct kn_src_day *s = agg->last_src;
    uint64_t w0, w1, s0 = 0, s1 = 0;
    memcpy(&w0, it->a16, 8);
    memcpy(&w1, it->a16 + 8, 8);
    if (s) {
        memcpy(&s0, s->addr, 8);
        memcpy(&s1, s->addr + 8, 8);
    }
    if (!s || s->day != day || s->family != it->family || s0 != w0 || s1 != w1) {
        uint64_t h = it->day_ok ? it->hash : src_hash(agg, day, it->family, it->a16);
        s = source_hashed(agg, day, it->family, it->a16, h);
        if (!s)
            goto oom;
        agg->last_src = s;
    }
    if (it->ts_ns < s->first_ns)
        s->first_ns = it->ts_ns;
    if (it->ts_ns > s->last_ns)
        s->last_ns = it->ts_ns;
    s->packets++;
    s->tags |= c.tags;
    if (probe && has_port && kn_src_add_pair(s, kn_pair(it->proto, it->dport), agg->wide_ports))
        goto oom;
    return 0;
oom:
    kn_err_set(err, "aggregate: out of memory");
    return -1;
}

int kn_agg_add(struct kn_agg *agg, const struct kn_pkt *p, struct kn_class c, struct kn_err *err)
{
    struct kn_agg_item it;
    kn_agg_item_fill(p, c, &it);
    return kn_agg_add_item(agg, &it, err);
}

/* Adds the sorted pairs v[0..nv) to a's set, as kn_src_add_pair() would
 * one by one, in one pass over both: a merge of an hour's scanner into its
 * day inserted each pair with a binary search and a shift of the rest. 0,
 * or -1 out of memory. */
static int merge_sets(struct kn_src_day *a, const uint32_t *v, uint32_t nv, uint32_t threshold)
{
    if (a->nports >= threshold || !nv)
        return 0;
    const uint32_t *u = kn_src_pairs(a);
    uint32_t nu = a->nports, n = 0;
    for (uint32_t i = 0, j = 0; i < nu || j < nv; n++) {
        if (j == nv || (i < nu && u[i] < v[j]))
            i++;
        else if (i == nu || v[j] < u[i])
            j++;
        else
            i++, j++;
    }
    if (n == nu)
        return 0; /* nothing new */
    if (n >= threshold) { /* a wide-port source now */
        kn_src_free_set(a);
        a->nports = threshold;
        return 0;
    }
    if (grow_set(a, n, threshold))
        return -1;
    /* From the back, so that a's pairs move only once, into their place. */
    uint32_t *w = a->cap ? a->set.heap : a->set.inl;
    uint32_t i = nu, j = nv, k = n;
    while (j > 0) {
        if (i > 0 && w[i - 1] > v[j - 1]) {
            w[--k] = w[--i];
        } else {
            if (i > 0 && w[i - 1] == v[j - 1])
                i--;
            w[--k] = v[--j];
        }
    }
    a->nports = n;
    return 0;
}

int kn_src_merge(struct kn_src_day *a, const struct kn_src_day *b, uint32_t threshold)
{
    if (b->first_ns < a->first_ns)
        a->first_ns = b->first_ns;
    if (b->last_ns > a->last_ns)
        a->last_ns = b->last_ns;
    a->packets += b->packets;
    a->tags |= b->tags;
    if (b->nports >= threshold) {
        kn_src_free_set(a);
        a->nports = threshold;
        return 0;
    }
    return merge_sets(a, kn_src_pairs(b), b->nports, threshold);
}

static void add_counts(struct kn_day_counts *a, const struct kn_day_counts *b)
{
    a->accesses += b->accesses;
    a->low_port += b->low_port;
    a->high_port += b->high_port;
    a->mirai += b->mirai;
    a->rdp_3389 += b->rdp_3389;
    a->backscatter += b->backscatter;
    for (unsigned t = 0; t < KN_TAG__COUNT; t++)
        a->tags[t] += b->tags[t];
}

/* Merging looks each source of one aggregate up in the other's table, at
 * random: a cache miss per source, as for packets. The merge computes a
 * source's hash and fetches its index slot MERGE_AHEAD sources before
 * merging it, and its record half as far. Ports need no such help: the
 * slots of one table, walked in order, are the other's in the order of
 * their home slots (same hash), so those misses are few; a prefetch there
 * made the merge slower. Measured in docs/performance.md, item 38. */
#define MERGE_AHEAD 16

/* Merges src's source records into dst's. 0, or -1 out of memory. */
static int merge_sources(struct kn_agg *dst, const struct kn_agg *src)
{
    uint64_t ahead[MERGE_AHEAD]; /* hashes of records i .. i + MERGE_AHEAD - 1 */
    size_t n = src->n_src;
    for (size_t i = 0; i < n + MERGE_AHEAD; i++) {
        if (i < n) { /* record i enters: its hash, and its index slot fetched */
            const struct kn_src_day *s = src_at(src, i);
            uint64_t h = src_hash(dst, s->day, s->family, s->addr);
            ahead[i % MERGE_AHEAD] = h;
            if (dst->idx_cap)
                __builtin_prefetch(&dst->index[(size_t)h & (dst->idx_cap - 1)]);
        }
        if (i >= MERGE_AHEAD / 2 && i - MERGE_AHEAD / 2 < n && dst->idx_cap) {
            const struct kn_src_day *hint = probe_hint(dst, ahead[(i - MERGE_AHEAD / 2) % MERGE_AHEAD]);
            if (hint)
                __builtin_prefetch(hint);
        }
        if (i < MERGE_AHEAD - 1 || i - (MERGE_AHEAD - 1) >= n)
            continue;
        size_t k = i - (MERGE_AHEAD - 1); /* record k leaves: merged */
        const struct kn_src_day *s = src_at(src, k);
        struct kn_src_day *d = source_hashed(dst, s->day, s->family, s->addr, ahead[k % MERGE_AHEAD]);
        if (!d || kn_src_merge(d, s, dst->wide_ports))
            return -1;
    }
    return 0;
}

int kn_agg_merge(struct kn_agg *dst, const struct kn_agg *src, struct kn_err *err)
{
    for (size_t i = 0; i < src->n_days; i++) {
        const struct kn_agg_day *sd = &src->days[i];
        struct kn_agg_day *dd = find_day(dst, sd->day);
        if (!dd)
            goto oom;
        dst->cur_day = SIZE_MAX; /* find_day may have moved the array */
        for (unsigned f = 0; f < KN_FAM__COUNT; f++)
            add_counts(&dd->c[f], &sd->c[f]);
        /* reserved first: merged into a smaller table, keys walked in the
         * order of their home slots pile up (portmap.h) */
        if (kn_portmap_reserve(&dd->ports, dd->ports.used + sd->ports.used))
            goto oom;
        if (merge_ports(&dd->ports, &sd->ports))
            goto oom;
        if (sd->n_runs && add_runs(src, sd, &dd->ports, err)) {
            kn_err_prefix(err, "aggregate merge");
            return -1;
        }
    }
    if (merge_sources(dst, src))
        goto oom;
    return 0;
oom:
    kn_err_set(err, "aggregate merge: out of memory");
    return -1;
}

void kn_agg_swap(struct kn_agg *a, struct kn_agg *b)
{
    struct kn_agg t = *a; /* no pointer of an aggregate points into itself */
    *a = *b;
    *b = t;
}

void kn_agg_source_counts(const struct kn_agg *agg, int32_t day, unsigned fam,
                          uint64_t *sources, uint64_t *wide)
{
    *sources = *wide = 0;
    unsigned family = fam == KN_FAM_V4 ? 4 : 6;
    for (size_t i = 0; i < agg->n_src; i++) {
        const struct kn_src_day *s = src_at(agg, i);
        if (s->day == day && s->family == family) {
            (*sources)++;
            if (s->nports >= agg->wide_ports)
                (*wide)++;
        }
    }
}

size_t kn_agg_memory(const struct kn_agg *agg)
{
    size_t m = sizeof *agg + agg->cap_days * sizeof *agg->days + agg->idx_cap * sizeof *agg->index +
               agg->n_chunks * (CHUNK * sizeof(struct kn_src_day) + sizeof(void *));
    for (size_t i = 0; i < agg->n_kept; i++)
        m += agg->days[i].ports.cap * sizeof(struct kn_port_counts);
    for (size_t i = 0; i < agg->n_src; i++)
        m += src_at(agg, i)->cap * sizeof(uint32_t);
    return m;
}
