/* aggregate: day boundaries in a time zone, every per-day counter from
 * hand-built packets, per-source records and port sets (exact below the
 * wide-port threshold, saturated at it), merge == one pass (and merged
 * port sets == sets built pair by pair), and port
 * tables spilled to disk counted whole. */
#include <arpa/inet.h>

#include "aggregate/aggregate.h"
#include "harness.h"

#define NS 1000000000ull
/* 2020-05-17 00:00:00 UTC */
#define T0 1589673600ull

static uint32_t ip4(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return ntohl(a.s_addr);
}

static struct kn_pkt tcp4(const char *src, const char *dst, unsigned dport, uint8_t flags, uint64_t ts)
{
    struct kn_pkt p;
    memset(&p, 0, sizeof p);
    p.ts_ns = ts;
    p.outcome = KN_OUT_IP;
    p.ip_version = 4;
    p.proto = KN_PROTO_TCP;
    p.flags = KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP;
    p.tcp_flags = flags;
    p.src4 = ip4(src);
    p.dst4 = ip4(dst);
    p.sport = 5555;
    p.dport = (uint16_t)dport;
    p.seq = 1;
    p.ip_id = 1;
    p.window = 65535;
    return p;
}

static int add(struct kn_agg *a, const struct kn_pkt *p)
{
    struct kn_err e;
    return kn_agg_add(a, p, kn_classify(p), &e);
}

static void test_day_numbers(void)
{
    char buf[16];
    CHECK_EQ(kn_day_from_civil(1970, 1, 1), 0);
    CHECK_EQ(kn_day_from_civil(2020, 5, 17), 18399); /* 1589673600 / 86400 */
    kn_day_format(18399, buf, sizeof buf);
    CHECK_STR(buf, "2020-05-17");
    kn_day_format(-1, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31");
    int32_t d;
    CHECK_EQ(kn_day_parse("2020-02-29", &d), 0);
    CHECK_EQ(d, kn_day_from_civil(2020, 2, 29));
    CHECK_EQ(kn_day_parse("2021-02-29", &d), -1);
    CHECK_EQ(kn_day_parse("2020-13-01", &d), -1);
    CHECK_EQ(kn_day_parse("2020-5-17", &d), -1);
    CHECK_EQ(kn_day_parse("2020-05-17x", &d), -1);
}

static void test_tz_boundaries(void)
{
    struct kn_err e;
    struct kn_dayclock dc;
    CHECK_EQ(kn_tz_select("Not/AZone", &e), -1);
    CHECK(strstr(e.msg, "unknown") != NULL);
    CHECK_EQ(kn_tz_select("../etc/passwd", &e), -1);
    CHECK_EQ(kn_tz_select("UTC", &e), 0);
    kn_dayclock_init(&dc);
    CHECK_EQ(kn_dayclock_day(&dc, T0 * NS - 1), 18398);
    CHECK_EQ(kn_dayclock_day(&dc, T0 * NS), 18399);
    CHECK_EQ(dc.start_ns, T0 * NS);
    CHECK_EQ(dc.end_ns, (T0 + 86400) * NS);
    /* Tokyo is UTC+9 without DST: its 2020-05-17 starts at 05-16 15:00 UTC. */
    CHECK_EQ(kn_tz_select("Asia/Tokyo", &e), 0);
    kn_dayclock_init(&dc);
    CHECK_EQ(kn_dayclock_day(&dc, (T0 - 9 * 3600) * NS), 18399);
    CHECK_EQ(kn_dayclock_day(&dc, (T0 - 9 * 3600) * NS - 1), 18398);
    CHECK_EQ(kn_dayclock_day(&dc, (T0 + 15 * 3600) * NS - 1), 18399);
    CHECK_EQ(dc.start_ns, (T0 - 9 * 3600) * NS);
    CHECK_EQ(dc.end_ns, (T0 + 15 * 3600) * NS);
    /* New York 2020-03-08 has 23 hours (DST starts at 02:00). */
    CHECK_EQ(kn_tz_select("America/New_York", &e), 0);
    kn_dayclock_init(&dc);
    uint64_t mar8 = 1583643600ull; /* 2020-03-08 05:00 UTC = 00:00 EST */
    CHECK_EQ(kn_dayclock_day(&dc, mar8 * NS), kn_day_from_civil(2020, 3, 8));
    CHECK_EQ(dc.end_ns - dc.start_ns, 23 * 3600 * NS);
    CHECK_EQ(kn_tz_select("UTC", &e), 0);
}

static void test_counters(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    struct kn_agg *a = kn_agg_new(100, &e);
    uint64_t t = (T0 + 100) * NS;
    const char *S = "192.0.2.9";
    /* 1 mirai probe to 23 */
    struct kn_pkt p = tcp4("198.51.100.1", S, 23, KN_TCP_SYN, t);
    p.seq = p.dst4;
    CHECK_EQ(add(a, &p), 0);
    /* 2 RDP probes, one zmap-tagged */
    p = tcp4("198.51.100.2", S, 3389, KN_TCP_SYN, t + 1);
    CHECK_EQ(add(a, &p), 0);
    p.ip_id = 54321;
    CHECK_EQ(add(a, &p), 0);
    /* backscatter SYN-ACK from port 80 to a high port: not RDP even at 3389 */
    p = tcp4("203.0.113.5", S, 3389, KN_TCP_SYN | KN_TCP_ACK, t + 2);
    CHECK_EQ(add(a, &p), 0);
    /* an ICMP echo reply (backscatter) with no port */
    struct kn_pkt i = p;
    i.proto = KN_PROTO_ICMP;
    i.flags = KN_PKT_HAS_ICMP;
    i.icmp_type = 0;
    CHECK_EQ(add(a, &i), 0);
    /* a UDP probe to 53 over IPv6 */
    struct kn_pkt u;
    memset(&u, 0, sizeof u);
    u.ts_ns = t + 3;
    u.outcome = KN_OUT_IP;
    u.ip_version = 6;
    u.proto = KN_PROTO_UDP;
    u.flags = KN_PKT_HAS_PORTS;
    u.dport = 53;
    inet_pton(AF_INET6, "2001:db8:ffff::1", u.src6);
    inet_pton(AF_INET6, "2001:db8:0:1::1", u.dst6);
    CHECK_EQ(add(a, &u), 0);

    CHECK_EQ(kn_agg_n_days(a), 1);
    const struct kn_agg_day *d = kn_agg_day_at(a, 0);
    CHECK_EQ(d->day, 18399);
    const struct kn_day_counts *c4 = &d->c[KN_FAM_V4], *c6 = &d->c[KN_FAM_V6];
    CHECK_EQ(c4->accesses, 5);
    CHECK_EQ(c6->accesses, 1);
    CHECK_EQ(c4->low_port, 1);   /* 23 */
    CHECK_EQ(c4->high_port, 3);  /* 3389 x3 */
    CHECK_EQ(c6->low_port, 1);   /* 53 */
    CHECK_EQ(c4->mirai, 1);
    CHECK_EQ(c4->rdp_3389, 2);
    CHECK_EQ(c4->backscatter, 2);
    CHECK_EQ(c4->tags[KN_TAG_MIRAI], 1);
    CHECK_EQ(c4->tags[KN_TAG_ZMAP], 1);
    CHECK_EQ(c4->tags[KN_TAG_NMAP], 0);
    const struct kn_port_counts *rdp = kn_portmap_find(&d->ports, kn_port_key(KN_FAM_V4, 6, 3389));
    const struct kn_port_counts *tel = kn_portmap_find(&d->ports, kn_port_key(KN_FAM_V4, 6, 23));
    const struct kn_port_counts *icmp = kn_portmap_find(&d->ports, kn_noport_key(KN_FAM_V4, 1));
    const struct kn_port_counts *dns6 = kn_portmap_find(&d->ports, kn_port_key(KN_FAM_V6, 17, 53));
    CHECK(rdp && tel && icmp && dns6);
    if (rdp && tel && icmp && dns6) {
        CHECK_EQ(rdp->accesses, 3);
        CHECK_EQ(rdp->probes, 2);
        CHECK_EQ(rdp->tags[KN_TAG_ZMAP], 1);
        CHECK_EQ(tel->mirai, 1);
        CHECK_EQ(tel->tags[KN_TAG_MIRAI], 1);
        CHECK_EQ(icmp->accesses, 1);
        CHECK_EQ(icmp->probes, 0); /* no port: not in any port figure */
        CHECK_EQ(dns6->accesses, 1);
    }
    CHECK(kn_portmap_find(&d->ports, kn_port_key(KN_FAM_V6, 6, 3389)) == NULL);
    uint64_t src, wide;
    kn_agg_source_counts(a, 18399, KN_FAM_V4, &src, &wide);
    CHECK_EQ(src, 3);
    CHECK_EQ(wide, 0);
    kn_agg_source_counts(a, 18399, KN_FAM_V6, &src, &wide);
    CHECK_EQ(src, 1);
    uint8_t a2[4] = {198, 51, 100, 2};
    struct kn_src_day *s = kn_agg_source(a, 18399, 4, a2);
    CHECK_EQ(s->packets, 2);
    CHECK_EQ(s->first_ns, t + 1);
    CHECK_EQ(s->nports, 1);
    CHECK_EQ(kn_src_pairs(s)[0], kn_pair(6, 3389));
    CHECK_EQ(s->tags, 1u << KN_TAG_ZMAP);
    uint8_t a5[4] = {203, 0, 113, 5};
    s = kn_agg_source(a, 18399, 4, a5);
    CHECK_EQ(s->packets, 2);
    CHECK_EQ(s->nports, 0); /* backscatter does not add ports */
    kn_agg_free(a);
}

/* Source A probes 99 distinct pairs (just below 100), source B 100 (at
 * the threshold, split across UDP and TCP with repeats), source C 150. */
static void feed_scanners(struct kn_agg *a, uint64_t t, unsigned part, unsigned parts)
{
    unsigned n = 0;
    for (unsigned k = 0; k < 99; k++, n++)
        if (n % parts == part) {
            struct kn_pkt p = tcp4("198.51.100.10", "192.0.2.1", 1000 + k, KN_TCP_SYN, t + n * NS);
            add(a, &p);
        }
    for (unsigned k = 0; k < 130; k++, n++)
        if (n % parts == part) {
            struct kn_pkt p = tcp4("198.51.100.11", "192.0.2.2", 2000 + k % 50, KN_TCP_SYN, t + n * NS);
            if (k >= 80) {
                p.proto = KN_PROTO_UDP;
                p.flags = KN_PKT_HAS_PORTS;
                p.dport = (uint16_t)(2000 + k % 50); /* same numbers, other protocol */
            }
            add(a, &p);
        }
    for (unsigned k = 0; k < 150; k++, n++)
        if (n % parts == part) {
            struct kn_pkt p = tcp4("198.51.100.12", "192.0.2.3", 40000 + k, KN_TCP_SYN, t + n * NS);
            add(a, &p);
        }
}

static void test_wide_port_threshold(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    struct kn_agg *a = kn_agg_new(100, &e);
    feed_scanners(a, (T0 + 10) * NS, 0, 1);
    uint64_t src, wide;
    kn_agg_source_counts(a, 18399, KN_FAM_V4, &src, &wide);
    CHECK_EQ(src, 3);
    CHECK_EQ(wide, 2);
    uint8_t A[4] = {198, 51, 100, 10}, B[4] = {198, 51, 100, 11};
    CHECK_EQ(kn_agg_source(a, 18399, 4, A)->nports, 99);
    CHECK_EQ(kn_agg_source(a, 18399, 4, B)->nports, 100);
    CHECK_EQ(kn_agg_source(a, 18399, 4, B)->packets, 130);
    /* 50 TCP pairs (2000..2049) + 50 UDP pairs (2030..2049 and 2000..2029) */
    kn_agg_free(a);

    /* A backscatter-heavy source never becomes wide. */
    a = kn_agg_new(3, &e);
    for (unsigned k = 0; k < 10; k++) {
        struct kn_pkt p = tcp4("203.0.113.1", "192.0.2.1", 100 + k, KN_TCP_RST, (T0 + 1) * NS);
        add(a, &p);
    }
    kn_agg_source_counts(a, 18399, KN_FAM_V4, &src, &wide);
    CHECK_EQ(wide, 0);
    kn_agg_free(a);
}

static void test_merge_equals_one_pass(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    uint64_t t = (T0 + 86400 - 200) * NS; /* crosses midnight */
    struct kn_agg *whole = kn_agg_new(100, &e);
    feed_scanners(whole, t, 0, 1);
    struct kn_agg *merged = kn_agg_new(100, &e);
    for (unsigned part = 0; part < 3; part++) {
        struct kn_agg *p = kn_agg_new(100, &e);
        feed_scanners(p, t, part, 3);
        CHECK_EQ(kn_agg_merge(merged, p, &e), 0);
        kn_agg_free(p);
    }
    CHECK_EQ(kn_agg_n_days(whole), 2);
    CHECK_EQ(kn_agg_n_days(merged), 2);
    for (int32_t day = 18399; day <= 18400; day++) {
        uint64_t s1, w1, s2, w2;
        kn_agg_source_counts(whole, day, KN_FAM_V4, &s1, &w1);
        kn_agg_source_counts(merged, day, KN_FAM_V4, &s2, &w2);
        CHECK_EQ(s1, s2);
        CHECK_EQ(w1, w2);
    }
    for (size_t i = 0; i < kn_agg_n_days(whole); i++) {
        const struct kn_agg_day *a = kn_agg_day_at(whole, i), *b = NULL;
        for (size_t j = 0; j < kn_agg_n_days(merged); j++)
            if (kn_agg_day_at(merged, j)->day == a->day)
                b = kn_agg_day_at(merged, j);
        CHECK(b != NULL);
        if (!b)
            continue;
        CHECK(!memcmp(&a->c, &b->c, sizeof a->c));
        CHECK_EQ(a->ports.used, b->ports.used);
        for (size_t k = 0; k < a->ports.cap; k++)
            if (a->ports.slots[k].key != KN_PORTMAP_EMPTY) {
                const struct kn_port_counts *x = &a->ports.slots[k];
                const struct kn_port_counts *y = kn_portmap_find(&b->ports, x->key);
                CHECK(y && !memcmp(x, y, sizeof *x));
            }
    }
    CHECK_EQ(kn_agg_n_sources(whole), kn_agg_n_sources(merged));
    for (size_t i = 0; i < kn_agg_n_sources(whole); i++) {
        struct kn_src_day *s = kn_agg_source_at(whole, i);
        struct kn_src_day *m = kn_agg_source(merged, s->day, s->family, s->addr);
        CHECK_EQ(m->packets, s->packets);
        CHECK_EQ(m->first_ns, s->first_ns);
        CHECK_EQ(m->last_ns, s->last_ns);
        CHECK_EQ(m->nports, s->nports);
        if (s->nports < 100 && m->nports == s->nports)
            CHECK(!memcmp(kn_src_pairs(m), kn_src_pairs(s), s->nports * 4));
    }
    kn_agg_free(whole);
    kn_agg_free(merged);
}

/* Merging many sources: the merge fetches sources ahead of the one it
 * merges and the destination's index grows under it, so it must equal one
 * pass for tens of thousands of sources split over parts, each source in
 * several parts, on two days, with port sets inline, apart and saturated. */
static void test_merge_many_sources(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    enum { PARTS = 4, PACKETS = 400000 };
    struct kn_agg *whole = kn_agg_new(20, &e);
    struct kn_agg *parts[PARTS];
    for (unsigned k = 0; k < PARTS; k++)
        parts[k] = kn_agg_new(20, &e);
    uint32_t rng = 99;
    for (unsigned n = 0; n < PACKETS; n++) {
        rng = rng * 1103515245u + 12345u;
        /* a quarter of the packets come from 2,000 scanners */
        unsigned src = (rng >> 28) == 0 || (rng >> 28) > 11 ? (rng >> 8) % 2000 : (rng >> 8) % 30000;
        char addr[32];
        snprintf(addr, sizeof addr, "10.%u.%u.%u", src >> 16, (src >> 8) & 255, src & 255);
        /* busier sources reach more ports: some stay inline, some saturate */
        unsigned port = 1 + (rng >> 3) % (src < 2000 ? 60 : 2 + src % 12);
        uint64_t ts = (T0 + (n % 7 == 0 ? 86400 : 0) + n % 86000) * NS;
        struct kn_pkt p = tcp4(addr, "192.0.2.1", port, KN_TCP_SYN, ts);
        CHECK_EQ(add(whole, &p), 0);
        CHECK_EQ(add(parts[(rng >> 20) % PARTS], &p), 0);
    }
    struct kn_agg *merged = kn_agg_new(20, &e);
    for (unsigned k = 0; k < PARTS; k++)
        CHECK_EQ(kn_agg_merge(merged, parts[k], &e), 0);
    CHECK(kn_agg_n_sources(whole) > 30000);
    CHECK_EQ(kn_agg_n_sources(merged), kn_agg_n_sources(whole));
    size_t apart = 0, saturated = 0, bad = 0;
    for (size_t i = 0; i < kn_agg_n_sources(whole); i++) {
        struct kn_src_day *s = kn_agg_source_at(whole, i);
        struct kn_src_day *m = kn_agg_source(merged, s->day, s->family, s->addr);
        apart += s->cap > 0;
        saturated += s->nports >= 20;
        if (!m || m->packets != s->packets || m->first_ns != s->first_ns ||
            m->last_ns != s->last_ns || m->nports != s->nports ||
            (s->nports < 20 && memcmp(kn_src_pairs(m), kn_src_pairs(s), s->nports * 4)))
            bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK(apart > 1000);
    CHECK(saturated > 1000);
    for (unsigned k = 0; k < PARTS; k++)
        kn_agg_free(parts[k]);
    kn_agg_free(whole);
    kn_agg_free(merged);
}

/* A port set built pair by pair from a random draw of n pairs out of
 * `span` (so that two sets overlap), in random order. */
static void random_set(struct kn_src_day *s, uint32_t *rng, unsigned n, unsigned span,
                       uint32_t threshold)
{
    memset(s, 0, sizeof *s);
    for (unsigned k = 0; k < n; k++) {
        *rng = *rng * 1103515245u + 12345u;
        uint32_t pair = kn_pair(k % 3 ? KN_PROTO_TCP : KN_PROTO_UDP, (*rng >> 8) % span);
        CHECK_EQ(kn_src_add_pair(s, pair, threshold), 0);
    }
}

/* kn_src_merge unites two port sets in one pass: the result must be the
 * set kn_src_add_pair() builds from both, pair by pair, exact below the
 * threshold and saturated at it, for sets inline (up to two pairs) and
 * apart, overlapping or not, and thresholds small and large. */
static void test_merged_port_sets_equal_one_by_one(void)
{
    static const uint32_t thresholds[] = {1, 2, 3, 5, 17, 100};
    static const unsigned sizes[] = {0, 1, 2, 3, 7, 40, 99, 150};
    uint32_t rng = 7;
    unsigned saturated = 0, exact = 0;
    for (size_t t = 0; t < sizeof thresholds / sizeof *thresholds; t++) {
        for (size_t x = 0; x < sizeof sizes / sizeof *sizes; x++) {
            for (size_t y = 0; y < sizeof sizes / sizeof *sizes; y++) {
                for (unsigned span = 4; span <= 400; span *= 10) {
                    uint32_t th = thresholds[t];
                    struct kn_src_day a, b, want;
                    uint32_t seed = rng;
                    random_set(&a, &rng, sizes[x], span, th);
                    random_set(&b, &rng, sizes[y], span, th);
                    /* the same two draws again, added one by one */
                    uint32_t again = seed;
                    random_set(&want, &again, sizes[x], span, th);
                    const uint32_t *bv = kn_src_pairs(&b);
                    for (uint32_t k = 0; k < b.nports && b.nports < th && want.nports < th; k++)
                        CHECK_EQ(kn_src_add_pair(&want, bv[k], th), 0);
                    if (b.nports >= th) {
                        kn_src_free_set(&want);
                        want.nports = th;
                    }
                    CHECK_EQ(kn_src_merge(&a, &b, th), 0);
                    CHECK_EQ(a.nports, want.nports);
                    if (a.nports < th) {
                        exact++;
                        CHECK(a.cap == 0 || a.cap >= a.nports);
                        CHECK(a.cap <= th);
                        CHECK_EQ(memcmp(kn_src_pairs(&a), kn_src_pairs(&want),
                                        a.nports * sizeof(uint32_t)), 0);
                        for (uint32_t k = 1; k < a.nports; k++)
                            CHECK(kn_src_pairs(&a)[k - 1] < kn_src_pairs(&a)[k]);
                    } else {
                        saturated++;
                        CHECK_EQ(a.cap, 0);
                    }
                    kn_src_free_set(&a);
                    kn_src_free_set(&b);
                    kn_src_free_set(&want);
                }
            }
        }
    }
    /* both outcomes were exercised, many times */
    CHECK(exact > 200);
    CHECK(saturated > 200);
}

#define MANY 250000u

static void test_many_sources_and_reset(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    struct kn_agg *a = kn_agg_new(100, &e);
    for (int round = 0; round < 2; round++) {
        /* Two passes: the first grows the index (its first 262,144 slots
         * hold 196,608 sources), the second finds every source through
         * the grown one. */
        for (int pass = 0; pass < 2; pass++) {
            for (uint32_t k = 0; k < MANY; k++) {
                struct kn_pkt p = tcp4("10.0.0.0", "192.0.2.1", 22, KN_TCP_SYN, (T0 + 5) * NS);
                p.src4 = 0x0A000000u + k;
                add(a, &p);
            }
        }
        CHECK_EQ(kn_agg_n_sources(a), MANY);
        size_t not_two = 0;
        for (size_t i = 0; i < kn_agg_n_sources(a); i++)
            not_two += kn_agg_source_at(a, i)->packets != 2;
        CHECK_EQ(not_two, 0);
        if (round == 1)
            kn_agg_drop_index(a); /* as a commit does: the next lookup rebuilds it */
        uint8_t x[4] = {10, 0, 0x30, 0x39}; /* 10.0.48.57 = k 12345 */
        CHECK_EQ(kn_agg_source(a, 18399, 4, x)->packets, 2);
        CHECK_EQ(kn_agg_n_sources(a), MANY); /* found, not created again */
        CHECK(kn_agg_memory(a) < MANY * 100 + (1u << 20));
        kn_agg_reset(a);
        CHECK_EQ(kn_agg_n_sources(a), 0);
        CHECK_EQ(kn_agg_n_days(a), 0);
    }
    kn_agg_free(a);
}

/* ports distinct TCP ports from one source on the day starting at t (s). */
static void add_ports(struct kn_agg *a, uint64_t t, unsigned first, unsigned ports)
{
    for (unsigned k = 0; k < ports; k++) {
        struct kn_pkt p = tcp4("198.51.100.9", "192.0.2.1", first + k, KN_TCP_SYN, (t + 60) * NS);
        add(a, &p);
    }
}

static size_t port_keys(const struct kn_agg_day *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->ports.cap; i++)
        n += d->ports.slots[i].key != KN_PORTMAP_EMPTY;
    return n;
}

/* A reset keeps the days' port tables (emptied) for the next capture, up
 * to a bound, and what is counted afterwards is what a fresh aggregate
 * counts: no key or count of the days before survives. */
static void test_port_tables_reused_after_reset(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    struct kn_agg *a = kn_agg_new(100, &e);
    add_ports(a, T0, 0, 40000); /* 40,000 keys: a table of 65,536 slots, 4 MiB */
    size_t table = 65536 * sizeof(struct kn_port_counts);
    CHECK_EQ(kn_agg_day_at(a, 0)->ports.cap, 65536);
    size_t before = kn_agg_memory(a);
    kn_agg_reset(a);
    CHECK_EQ(kn_agg_n_days(a), 0);
    CHECK(kn_agg_memory(a) + 4096 > table); /* kept */
    add_ports(a, T0 + 86400, 50000, 10);
    CHECK_EQ(kn_agg_n_days(a), 1);
    const struct kn_agg_day *d = kn_agg_day_at(a, 0);
    CHECK_EQ(d->day, 18400);
    CHECK_EQ(d->ports.cap, 65536); /* the kept table, not a new one */
    CHECK_EQ(port_keys(d), 10);
    CHECK(kn_portmap_find(&d->ports, kn_port_key(KN_FAM_V4, KN_PROTO_TCP, 7)) == NULL);
    const struct kn_port_counts *c = kn_portmap_find(&d->ports, kn_port_key(KN_FAM_V4, KN_PROTO_TCP, 50003));
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ(c->accesses, 1);
        CHECK_EQ(c->probes, 1);
    }
    CHECK_EQ(d->c[KN_FAM_V4].accesses, 10);
    CHECK(kn_agg_memory(a) < before + 4096); /* no second table */

    /* Twelve days of 4 MiB tables: a reset keeps 32 MiB of them (eight)
     * and frees the rest; counting twelve days again still works. (Merged
     * in: counted directly, the days left behind would be spilled to disk,
     * test_spilled_days_counted_whole.) */
    kn_agg_reset(a);
    for (unsigned day = 0; day < 12; day++) {
        struct kn_agg *one = kn_agg_new(100, &e);
        add_ports(one, T0 + 86400ull * day, 0, 40000);
        CHECK_EQ(kn_agg_merge(a, one, &e), 0);
        kn_agg_free(one);
    }
    CHECK_EQ(kn_agg_n_days(a), 12);
    size_t twelve = kn_agg_memory(a);
    kn_agg_reset(a);
    size_t after = kn_agg_memory(a);
    CHECK(twelve - after >= 4 * table);
    CHECK(after < twelve - 4 * table + table / 2);
    for (unsigned day = 0; day < 12; day++)
        add_ports(a, T0 + 86400ull * day, 100, 3);
    CHECK_EQ(kn_agg_n_days(a), 12);
    for (size_t i = 0; i < 12; i++) {
        CHECK_EQ(port_keys(kn_agg_day_at(a, i)), 3);
        CHECK_EQ(kn_agg_day_at(a, i)->c[KN_FAM_V4].accesses, 3);
    }
    kn_agg_free(a);
}

/* Port tables spilled to disk (portspill.h): six days of 30,000 ports
 * each, in time order, then back to two spilled days with ports they had
 * and ports they had not. Every day's counts, read back through
 * kn_agg_day_ports and through a merge, equal counts kept here; at most
 * three days keep tables in memory; a spill that cannot create its file
 * fails with a message, not silently. */
enum { SP_DAYS = 6, SP_PORTS = 30000 };
static uint32_t sp_expect[SP_DAYS][65536];

static void sp_add(struct kn_agg *a, int day, unsigned port, int *bad)
{
    struct kn_pkt p = tcp4("198.51.100.7", "192.0.2.1", port, KN_TCP_SYN,
                           (T0 + (uint64_t)day * 86400 + 3600) * NS);
    *bad += add(a, &p) != 0;
    sp_expect[day][port]++;
}

static void sp_check_day(const struct kn_agg_day *d, const struct kn_portmap *m, int *bad)
{
    int day = d->day - 18399;
    size_t distinct = 0;
    for (unsigned port = 0; port < 65536; port++)
        if (sp_expect[day][port]) {
            distinct++;
            const struct kn_port_counts *c = kn_portmap_find(m, kn_port_key(KN_FAM_V4, KN_PROTO_TCP, port));
            *bad += !c || c->accesses != sp_expect[day][port] || c->probes != sp_expect[day][port];
        }
    *bad += m->used != distinct;
}

static void test_spilled_days_counted_whole(void)
{
    struct kn_err e;
    kn_tz_select("UTC", &e);
    memset(sp_expect, 0, sizeof sp_expect);
    struct kn_agg *a = kn_agg_new(100, &e);
    int bad = 0;
    for (int day = 0; day < SP_DAYS; day++)
        for (unsigned k = 0; k < SP_PORTS; k++)
            sp_add(a, day, 1 + (k * 7 + (unsigned)day * 1000) % 60000, &bad);
    /* day 1 was spilled on the way to day 4: it comes back with 1,000
     * ports it had and 100 it had not; day 2 likewise, which spills 3-5 */
    for (int back = 1; back <= 2; back++) {
        for (unsigned k = 0; k < 1000; k++)
            sp_add(a, back, 1 + (k * 7 + (unsigned)back * 1000) % 60000, &bad);
        for (unsigned k = 0; k < 100; k++)
            sp_add(a, back, 61000 + k, &bad);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(kn_agg_n_days(a), SP_DAYS);
    size_t in_memory = 0, spilled = 0;
    uint64_t exact = 0;
    for (size_t i = 0; i < kn_agg_n_days(a); i++) {
        const struct kn_agg_day *d = kn_agg_day_at(a, i);
        in_memory += d->ports.cap > 0;
        spilled += d->n_runs > 0;
        struct kn_portmap merged;
        const struct kn_portmap *m;
        CHECK_EQ(kn_agg_day_ports(a, i, &merged, &m, &e), 0);
        sp_check_day(d, m, &bad);
        exact += m->used;
        if (m == &merged)
            kn_portmap_free(&merged);
    }
    CHECK_EQ(bad, 0);
    CHECK(in_memory <= 3);
    CHECK(spilled >= 4);
    /* the 1,000 ports each of days 1 and 2 had before are counted twice */
    CHECK_EQ(kn_agg_n_port_rows(a), exact + 2000);
    /* a merge adds the spilled runs into the destination's tables */
    struct kn_agg *dst = kn_agg_new(100, &e);
    CHECK_EQ(kn_agg_merge(dst, a, &e), 0);
    for (size_t i = 0; i < kn_agg_n_days(dst); i++) {
        const struct kn_agg_day *d = kn_agg_day_at(dst, i);
        CHECK_EQ(d->n_runs, 0);
        sp_check_day(d, &d->ports, &bad);
    }
    CHECK_EQ(bad, 0);
    kn_agg_free(dst);
    /* reset drops the runs; then a spill with nowhere to go is an error */
    kn_agg_reset(a);
    CHECK_EQ(kn_agg_n_port_rows(a), 0);
    setenv("TMPDIR", "/nonexistent-kenchi-dir", 1);
    memset(sp_expect, 0, sizeof sp_expect);
    int failed = 0;
    for (int day = 0; day < SP_DAYS && !failed; day++)
        for (unsigned k = 0; k < SP_PORTS && !failed; k++) {
            struct kn_pkt p = tcp4("198.51.100.7", "192.0.2.1", 1 + k, KN_TCP_SYN,
                                   (T0 + (uint64_t)day * 86400) * NS);
            failed = kn_agg_add(a, &p, kn_classify(&p), &e) != 0;
        }
    unsetenv("TMPDIR");
    CHECK(failed);
    CHECK(strstr(e.msg, "/nonexistent-kenchi-dir") != NULL);
    kn_agg_free(a);
}

int main(void)
{
    RUN(test_day_numbers);
    RUN(test_tz_boundaries);
    RUN(test_counters);
    RUN(test_wide_port_threshold);
    RUN(test_merge_equals_one_pass);
    RUN(test_merged_port_sets_equal_one_by_one);
    RUN(test_merge_many_sources);
    RUN(test_many_sources_and_reset);
    RUN(test_port_tables_reused_after_reset);
    RUN(test_spilled_days_counted_whole);
    TEST_MAIN_END();
}
