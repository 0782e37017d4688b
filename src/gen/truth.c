/* Ground truth counting; see truth.h. The tests below restate
 * docs/metrics.md in the generator's own words:
 *   access      = an IP packet with an intact IP header to a sensor address
 *   backscatter = TCP SYN+ACK or RST; ICMPv4 0,3,4,5,11,12,14,16,18;
 *                 ICMPv6 1,2,3,4,129 (only when the header with the flags
 *                 or the type was captured)
 *   probe       = every other access
 * Distinct sets (sources per day, (protocol, port) pairs per source and
 * day) live in two open-addressing hash tables keyed by exact values. */
#include "gen/truth.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/calendar.h"
#include "gen/rng.h"

enum { TAG_MIRAI, TAG_ZMAP, TAG_MASSCAN, TAG_NMAP, TAG__COUNT };
static const char *const tag_names[TAG__COUNT] = {"mirai", "zmap", "masscan", "nmap"};

struct port_count {
    uint16_t port;
    uint64_t n;
};

struct truth_day {
    uint64_t accesses_v4, accesses_v6, low_v4, high_v4, low, high;
    uint64_t sources, wide, mirai, rdp, rdp_v4, backscatter, probes;
    uint64_t tags[TAG__COUNT];
    struct port_count *mirai_ports; /* owned; freed by gen_truth_free */
    unsigned n_mirai_ports, cap_mirai_ports;
};

/* Key of both sets: (day, family, source address[, protocol, port]). */
struct set_key {
    uint32_t day;
    uint8_t family; /* 4 or 6; 0 marks an empty slot */
    uint8_t proto;
    uint16_t port;
    uint8_t addr[16];
};

struct set_slot {
    struct set_key key;
    uint32_t value; /* sources: distinct (proto, port) pairs so far */
};

struct set {
    struct set_slot *slots; /* owned */
    size_t cap, used;       /* cap a power of two */
};

struct gen_truth {
    unsigned ndays;
    const int64_t *day_start_us; /* borrowed, ndays + 1 entries */
    unsigned wide_ports;
    struct truth_day *days;      /* owned */
    struct set sources, pairs;
    uint64_t packets, accesses, not_sensor, no_ip, trunc_ip;
};

static uint64_t key_hash(const struct set_key *k)
{
    uint64_t a, b;
    memcpy(&a, k->addr, 8);
    memcpy(&b, k->addr + 8, 8);
    uint64_t h = gen_mix64(a ^ ((uint64_t)k->day << 32 | (uint64_t)k->family << 24 |
                                (uint64_t)k->proto << 16 | k->port));
    return gen_mix64(h ^ b);
}

static int set_grow(struct set *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    struct set_slot *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].key.family)
            continue;
        size_t j = key_hash(&s->slots[i].key) & (ncap - 1);
        while (n[j].key.family)
            j = (j + 1) & (ncap - 1);
        n[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = n;
    s->cap = ncap;
    return 0;
}

/* Finds or inserts key; *fresh says whether it was new. NULL when out of
 * memory. The pointer is valid until the next insert into the same set. */
static struct set_slot *set_upsert(struct set *s, const struct set_key *k, bool *fresh)
{
    if ((s->used + 1) * 2 > s->cap && set_grow(s) < 0)
        return NULL;
    size_t j = key_hash(k) & (s->cap - 1);
    while (s->slots[j].key.family) {
        if (!memcmp(&s->slots[j].key, k, sizeof *k)) {
            *fresh = false;
            return &s->slots[j];
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j].key = *k;
    s->slots[j].value = 0;
    s->used++;
    *fresh = true;
    return &s->slots[j];
}

struct gen_truth *gen_truth_new(unsigned ndays, const int64_t *day_start_us, unsigned wide_ports)
{
    struct gen_truth *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->days = calloc(ndays, sizeof *t->days);
    if (!t->days) {
        free(t);
        return NULL;
    }
    t->ndays = ndays;
    t->day_start_us = day_start_us;
    t->wide_ports = wide_ports;
    return t;
}

void gen_truth_free(struct gen_truth *t)
{
    if (!t)
        return;
    for (unsigned d = 0; d < t->ndays; d++)
        free(t->days[d].mirai_ports);
    free(t->days);
    free(t->sources.slots);
    free(t->pairs.slots);
    free(t);
}

uint64_t gen_truth_packets(const struct gen_truth *t) { return t->packets; }
uint64_t gen_truth_accesses(const struct gen_truth *t) { return t->accesses; }

static unsigned day_of(const struct gen_truth *t, uint64_t ts_us)
{
    unsigned lo = 0, hi = t->ndays; /* invariant: start[lo] <= ts < start[hi] */
    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;
        if ((int64_t)ts_us >= t->day_start_us[mid])
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static bool is_backscatter(const struct gen_pkt *p, bool has_tcp_header)
{
    if (p->frag)
        return false;
    if (p->proto == GEN_PROTO_TCP) {
        if (!has_tcp_header)
            return false;
        bool synack = (p->tcp_flags & GEN_TCP_SYN) && (p->tcp_flags & GEN_TCP_ACK);
        return synack || (p->tcp_flags & GEN_TCP_RST);
    }
    if (p->trunc != GEN_T_NONE)
        return false; /* the ICMP type was not captured */
    if (p->link == GEN_L_IP4 && p->proto == GEN_PROTO_ICMP) {
        switch (p->icmp_type) {
        case 0: case 3: case 4: case 5: case 11: case 12: case 14: case 16: case 18:
            return true;
        }
        return false;
    }
    if (p->link == GEN_L_IP6 && p->proto == GEN_PROTO_ICMP6) {
        switch (p->icmp_type) {
        case 1: case 2: case 3: case 4: case 129:
            return true;
        }
    }
    return false;
}

static int add_mirai_port(struct truth_day *d, uint16_t port)
{
    for (unsigned i = 0; i < d->n_mirai_ports; i++)
        if (d->mirai_ports[i].port == port) {
            d->mirai_ports[i].n++;
            return 0;
        }
    if (d->n_mirai_ports == d->cap_mirai_ports) {
        unsigned ncap = d->cap_mirai_ports ? d->cap_mirai_ports * 2 : 16;
        struct port_count *n = realloc(d->mirai_ports, ncap * sizeof *n);
        if (!n)
            return -1;
        d->mirai_ports = n;
        d->cap_mirai_ports = ncap;
    }
    d->mirai_ports[d->n_mirai_ports++] = (struct port_count){port, 1};
    return 0;
}

int gen_truth_count(struct gen_truth *t, const struct gen_pkt *p)
{
    t->packets++;
    if (p->link == GEN_L_ARP) {
        t->no_ip++;
        return 0;
    }
    if (p->trunc == GEN_T_IN_IP) {
        t->trunc_ip++;
        return 0;
    }
    if (!p->to_sensor) {
        t->not_sensor++;
        return 0;
    }
    t->accesses++;
    struct truth_day *d = &t->days[day_of(t, p->ts_us)];
    unsigned day = (unsigned)(d - t->days);
    bool v4 = p->link == GEN_L_IP4;
    bool tcp_udp = p->proto == GEN_PROTO_TCP || p->proto == GEN_PROTO_UDP;
    bool has_port = tcp_udp && !p->frag && p->trunc != GEN_T_AFTER_IP;
    bool has_tcp_header = p->proto == GEN_PROTO_TCP && !p->frag && p->trunc == GEN_T_NONE;
    bool backscatter = is_backscatter(p, has_tcp_header);
    bool syn_no_ack = has_tcp_header && (p->tcp_flags & GEN_TCP_SYN) && !(p->tcp_flags & GEN_TCP_ACK);

    if (v4)
        d->accesses_v4++;
    else
        d->accesses_v6++;
    if (has_port) {
        bool low = p->dport < 1024;
        if (low)
            d->low++;
        else
            d->high++;
        if (v4 && low)
            d->low_v4++;
        else if (v4)
            d->high_v4++;
    }
    if (backscatter)
        d->backscatter++;
    else
        d->probes++;
    if (v4 && syn_no_ack && p->seq == p->dst4) {
        d->mirai++;
        if (add_mirai_port(d, p->dport) < 0)
            return -1;
    }
    if (!backscatter && p->proto == GEN_PROTO_TCP && has_port && p->dport == 3389) {
        d->rdp++;
        if (v4)
            d->rdp_v4++;
    }
    if (!backscatter && v4 && syn_no_ack) {
        if (p->seq == p->dst4)
            d->tags[TAG_MIRAI]++;
        if (p->ip_id == 54321)
            d->tags[TAG_ZMAP]++;
        if (p->ip_id == ((p->dst4 ^ p->dport ^ p->seq) & 0xffff))
            d->tags[TAG_MASSCAN]++;
        if (p->window == 1024 && p->opts == GEN_O_MSS1460)
            d->tags[TAG_NMAP]++;
    }

    struct set_key k = {.day = day, .family = v4 ? 4 : 6};
    if (v4) {
        uint32_t a = p->src4;
        memcpy(k.addr, &a, 4);
    } else {
        memcpy(k.addr, p->src6, 16);
    }
    bool fresh;
    struct set_slot *src = set_upsert(&t->sources, &k, &fresh);
    if (!src)
        return -1;
    if (fresh)
        d->sources++;
    /* Once a source is wide on a day, more pairs change nothing. */
    if (!backscatter && has_port && src->value < t->wide_ports) {
        k.proto = p->proto;
        k.port = p->dport;
        struct set_slot *pair = set_upsert(&t->pairs, &k, &fresh);
        if (!pair)
            return -1;
        if (fresh && ++src->value == t->wide_ports)
            d->wide++;
    }
    return 0;
}

static int cmp_port(const void *a, const void *b)
{
    const struct port_count *x = a, *y = b;
    return (x->port > y->port) - (x->port < y->port);
}

/* A per-IP figure: count / IPv4 sensor addresses, null without any. */
static json_t *per_ip(uint64_t n, uint64_t sensors_v4)
{
    return sensors_v4 ? json_real((double)n / (double)sensors_v4) : json_null();
}

/* The IPv6 sensor count: a number up to 2^53, else a decimal string. */
static json_t *v6_count(uint64_t hi, uint64_t lo)
{
    if (hi == 0 && lo <= (1ULL << 53))
        return json_integer((json_int_t)lo);
    char digits[48];
    int n = 0;
    while (hi || lo) { /* divide the 128-bit value by 10, collecting digits */
        uint64_t rem_hi = hi % 10;
        hi /= 10;
        unsigned __int128 cur = ((unsigned __int128)rem_hi << 64) | lo;
        lo = (uint64_t)(cur / 10);
        digits[n++] = (char)('0' + (int)(cur % 10));
    }
    char out[48];
    for (int i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return json_string(out);
}

static json_t *day_json(struct truth_day *d, int64_t date, uint64_t s4, uint64_t s6hi,
                        uint64_t s6lo)
{
    char datebuf[16];
    gen_format_date(date, datebuf, sizeof datebuf);
    json_t *o = json_object();
    json_object_set_new(o, "date", json_string(datebuf));
    json_object_set_new(o, "sensor_addresses_v4", json_integer((json_int_t)s4));
    json_object_set_new(o, "sensor_addresses_v6", v6_count(s6hi, s6lo));
    json_object_set_new(o, "accesses", json_integer((json_int_t)(d->accesses_v4 + d->accesses_v6)));
    json_object_set_new(o, "accesses_v4", json_integer((json_int_t)d->accesses_v4));
    json_object_set_new(o, "accesses_v6", json_integer((json_int_t)d->accesses_v6));
    json_object_set_new(o, "accesses_per_ip", per_ip(d->accesses_v4, s4));
    json_object_set_new(o, "low_port_per_ip", per_ip(d->low_v4, s4));
    json_object_set_new(o, "high_port_per_ip", per_ip(d->high_v4, s4));
    json_object_set_new(o, "sources", json_integer((json_int_t)d->sources));
    json_object_set_new(o, "wide_port_sources", json_integer((json_int_t)d->wide));
    json_object_set_new(o, "mirai", json_integer((json_int_t)d->mirai));
    json_object_set_new(o, "mirai_per_ip", per_ip(d->mirai, s4));
    qsort(d->mirai_ports, d->n_mirai_ports, sizeof *d->mirai_ports, cmp_port);
    json_t *bp = json_object();
    for (unsigned i = 0; i < d->n_mirai_ports; i++) {
        char port[8];
        snprintf(port, sizeof port, "%u", d->mirai_ports[i].port);
        json_object_set_new(bp, port, json_integer((json_int_t)d->mirai_ports[i].n));
    }
    json_object_set_new(o, "mirai_by_port", bp);
    json_object_set_new(o, "rdp_3389", json_integer((json_int_t)d->rdp));
    json_object_set_new(o, "rdp_3389_per_ip", per_ip(d->rdp_v4, s4));
    json_object_set_new(o, "backscatter", json_integer((json_int_t)d->backscatter));
    json_t *tags = json_object();
    for (int i = 0; i < TAG__COUNT; i++)
        json_object_set_new(tags, tag_names[i], json_integer((json_int_t)d->tags[i]));
    json_object_set_new(o, "tags", tags);
    /* Extra counts the contract allows beside the fields. */
    json_object_set_new(o, "low_port", json_integer((json_int_t)d->low));
    json_object_set_new(o, "high_port", json_integer((json_int_t)d->high));
    json_object_set_new(o, "probes", json_integer((json_int_t)d->probes));
    return o;
}

int gen_truth_write(struct gen_truth *t, const struct kn_gen_config *cfg, const char *path,
                    struct kn_err *err)
{
    uint64_t s4 = 0, s6hi = 0, s6lo = 0;
    json_t *sensors = json_array();
    for (unsigned i = 0; i < cfg->n_sensors; i++) {
        const struct gen_prefix *p = &cfg->sensors[i];
        json_array_append_new(sensors, json_string(p->text));
        if (!p->v6) {
            s4 += gen_prefix_size4(p);
        } else {
            uint64_t hi, lo;
            gen_prefix_size6(p, &hi, &lo);
            s6hi += hi;
            s6lo += lo;
            if (s6lo < lo)
                s6hi++;
        }
    }
    char start[16];
    gen_format_date(cfg->first_day, start, sizeof start);
    json_t *config = json_object();
    json_object_set_new(config, "sensors", sensors);
    json_object_set_new(config, "tz", json_string(cfg->tz));
    json_object_set_new(config, "wide_ports", json_integer(cfg->wide_ports));
    json_object_set_new(config, "seed", json_integer((json_int_t)cfg->seed));
    json_object_set_new(config, "start", json_string(start));
    json_object_set_new(config, "days", json_integer(cfg->days));
    json_object_set_new(config, "scale", json_integer(cfg->scale));
    if (cfg->radiation)
        json_object_set_new(config, "radiation", json_integer(cfg->radiation));

    json_t *days = json_array();
    for (unsigned d = 0; d < t->ndays; d++) {
        struct truth_day *td = &t->days[d]; /* its port list gets sorted */
        if (td->accesses_v4 + td->accesses_v6 == 0)
            continue; /* a day without accesses is no day of the report */
        json_array_append_new(days, day_json(td, cfg->first_day + d, s4, s6hi, s6lo));
    }
    json_t *ingest = json_object();
    json_object_set_new(ingest, "packets", json_integer((json_int_t)t->packets));
    json_object_set_new(ingest, "accesses", json_integer((json_int_t)t->accesses));
    json_object_set_new(ingest, "not_sensor", json_integer((json_int_t)t->not_sensor));
    json_object_set_new(ingest, "no_ip", json_integer((json_int_t)t->no_ip));
    json_object_set_new(ingest, "truncated_ip", json_integer((json_int_t)t->trunc_ip));

    json_t *root = json_object();
    json_object_set_new(root, "config", config);
    json_object_set_new(root, "days", days);
    json_object_set_new(root, "ingest", ingest);
    int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc != 0) {
        kn_err_errno(err, path);
        kn_err_prefix(err, "writing truth");
        return -1;
    }
    return 0;
}
