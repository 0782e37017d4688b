/* Traffic classes and the per-day plan; see traffic.h and docs/generator.md.
 * Every choice comes from gen_rng streams keyed by (actor key, packet
 * index), so a packet can be planned without replaying its predecessors. */
#include "gen/traffic.h"

#include <stdlib.h>
#include <string.h>

#include "gen/rng.h"

enum gen_class {
    C_MIRAI, C_MIRAI_HYBRID, C_MIRAI_WIDE, C_WIDE, C_ZMAP, C_MASSCAN, C_NMAP, C_NEAR_NMAP,
    C_RDP, C_BS_TCP, C_BS_ICMP, C_BS_V6, C_EDGE, C_UDP, C_ICMP, C_TCP_NOISE, C_OTHER_PROTO,
    C_FRAG, C_TRUNC, C_ARP, C_OUTSIDE, C__COUNT
};

/* Wide-port scanner variants, around the threshold W. */
enum wide_variant {
    WV_EXACT,            /* W TCP ports: wide */
    WV_PLUS1_MIXED,      /* W+1 pairs, TCP and UDP alternating: wide */
    WV_PLUS50,           /* W+50 ports: wide */
    WV_MINUS1_MANY,      /* W-1 ports, each on 4 addresses (4(W-1) packets): not wide */
    WV_MINUS1_BS,        /* W-1 probe ports + 20 RSTs to other ports: not wide */
    WV_BOTH_PROTOS,      /* ceil(W/2) port numbers on TCP and UDP = W pairs: wide */
    WV_SAME_PORT,        /* tcp/445 on up to 256 addresses: one pair, not wide */
    WV_MINUS1_OUTSIDE,   /* W-1 ports on sensors + 30 to outside addresses: not wide */
    WV_MINUS1_NOPORT,    /* W-1 ports + 10 packets cut after the IP header: not wide */
    WV_MINUS1_PORTCUT,   /* W-1 ports + 1 packet cut after the ports: wide */
    WV_V6_EXACT,         /* W ports over IPv6: wide */
    WV_V6_MINUS1,        /* W-1 ports over IPv6, twice: not wide */
    WV__DAY,             /* the variants above live inside one day */
    WV_MN_DISJOINT = WV__DAY, /* 0.6W before midnight, 0.6W others after: not wide */
    WV_MN_WIDE_BEFORE,   /* W before, 20 new after: wide on the first day only */
    WV_MN_SAME,          /* the same W-1 ports before and after: not wide */
    WV_MN_WIDE_BOTH,     /* the same W ports before and after: wide on both days */
    WV__COUNT
};

#define US 1000000LL

/* ---- addresses ---------------------------------------------------------- */

/* Source id -> address: a bijection, so distinct ids never collide. IPv4
 * sources live in 10.0.0.0/8, IPv6 sources in 2001:db8:ff00::/40. */
static uint32_t src4_of(const struct gen_ctx *c, uint32_t id)
{
    return 0x0a000000u | gen_bij(id, 24, (uint32_t)c->cfg->seed);
}

static void src6_of(const struct gen_ctx *c, uint32_t id, uint8_t out[16])
{
    static const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff};
    memcpy(out, base, 16);
    uint32_t x = gen_bij(id, 32, (uint32_t)(c->cfg->seed >> 7));
    out[12] = (uint8_t)(x >> 24);
    out[13] = (uint8_t)(x >> 16);
    out[14] = (uint8_t)(x >> 8);
    out[15] = (uint8_t)x;
    out[7] = (uint8_t)(id & 0x0f); /* keep some variety in the upper bits */
}

static void set_v4(const struct gen_ctx *c, const struct gen_actor *a, struct gen_pkt *p)
{
    p->link = GEN_L_IP4;
    p->src4 = src4_of(c, a->src_id);
}

static void set_v6(const struct gen_ctx *c, const struct gen_actor *a, struct gen_pkt *p)
{
    p->link = GEN_L_IP6;
    src6_of(c, a->src_id, p->src6);
}

static void dst_outside4(const struct gen_ctx *c, struct gen_rng *r, struct gen_pkt *p)
{
    p->to_sensor = 0;
    p->dst4 = c->outside4[gen_rng_below(r, c->n_out4)];
}

static void dst_outside6(const struct gen_ctx *c, struct gen_rng *r, struct gen_pkt *p)
{
    p->to_sensor = 0;
    memcpy(p->dst6, c->outside6[gen_rng_below(r, c->n_out6)], 16);
}

/* A random sensor address of the packet's family (outside when there is
 * no sensor prefix of that family: the packet then is no access). */
static void dst_sensor(const struct gen_ctx *c, struct gen_rng *r, struct gen_pkt *p)
{
    if (p->link == GEN_L_IP4) {
        if (!c->n4) {
            dst_outside4(c, r, p);
            return;
        }
        p->dst4 = gen_prefix_pick4(c->s4[gen_rng_below(r, c->n4)], r);
    } else {
        if (!c->n6) {
            dst_outside6(c, r, p);
            return;
        }
        gen_prefix_pick6(c->s6[gen_rng_below(r, c->n6)], r, p->dst6);
    }
    p->to_sensor = 1;
}

static void dst_outside(const struct gen_ctx *c, struct gen_rng *r, struct gen_pkt *p)
{
    if (p->link == GEN_L_IP4)
        dst_outside4(c, r, p);
    else
        dst_outside6(c, r, p);
}

/* ---- packet shapes ------------------------------------------------------ */

static void tcp(struct gen_pkt *p, struct gen_rng *r, uint8_t flags, uint16_t dport)
{
    p->proto = GEN_PROTO_TCP;
    p->tcp_flags = flags;
    p->dport = dport;
    p->sport = (uint16_t)gen_rng_range(r, 1024, 65535);
    p->seq = (uint32_t)gen_rng_next(r);
    p->ack = (flags & GEN_TCP_ACK) ? (uint32_t)gen_rng_next(r) : 0;
    p->ip_id = (uint16_t)gen_rng_next(r);
    p->window = 64240;
    p->opts = GEN_O_LINUX;
}

static void udp(struct gen_pkt *p, struct gen_rng *r, uint16_t dport)
{
    p->proto = GEN_PROTO_UDP;
    p->dport = dport;
    p->sport = (uint16_t)gen_rng_range(r, 1024, 65535);
    p->ip_id = (uint16_t)gen_rng_next(r);
    p->payload_len = (uint16_t)gen_rng_range(r, 8, 64);
}

static void icmp(struct gen_pkt *p, struct gen_rng *r, uint8_t type, uint8_t code)
{
    p->proto = p->link == GEN_L_IP4 ? GEN_PROTO_ICMP : GEN_PROTO_ICMP6;
    p->icmp_type = type;
    p->icmp_code = code;
    p->ip_id = (uint16_t)gen_rng_next(r);
    p->sport = (uint16_t)gen_rng_next(r); /* echo id */
    p->dport = (uint16_t)gen_rng_next(r); /* echo sequence */
    p->payload_len = 32;
}

/* An ICMP error quoting a forged packet: the quote carries a TCP or UDP
 * header whose source is our sensor address. */
static void icmp_error(struct gen_pkt *p, struct gen_rng *r, uint8_t type, uint8_t code)
{
    icmp(p, r, type, code);
    p->payload_len = 0;
    p->quote_proto = gen_rng_pct(r, 70) ? GEN_PROTO_TCP : GEN_PROTO_UDP;
    p->seq = (uint32_t)gen_rng_next(r);
}

/* Mirai's scan SYN: the sequence number is the destination address. */
static void mirai_syn(struct gen_pkt *p, struct gen_rng *r, uint16_t dport)
{
    tcp(p, r, GEN_TCP_SYN, dport);
    p->seq = p->dst4;
    p->window = (uint16_t)gen_rng_next(r);
    p->opts = GEN_O_NONE;
    p->ttl = (uint8_t)gen_rng_range(r, 30, 64);
}

/* The port of the k-th distinct port of a wide scanner: k -> 1 + (k * 7919
 * + offset) mod 65535 is one-to-one for k < 65535 (7919 is prime to 65535). */
static uint16_t wide_port(uint32_t k, uint32_t offset)
{
    return (uint16_t)(1 + ((uint64_t)k * 7919u + offset) % 65535u);
}

static const uint16_t mirai_variant_ports[] = {37215, 5555, 80, 8080, 52869, 7547, 81, 60001};
static const uint16_t zmap_ports[] = {443, 22, 80, 8443, 7547, 3389, 445, 8080, 21, 5900};
static const uint16_t masscan_ports[] = {80, 443, 22, 3389, 5900, 8080, 1433, 3306,
                                         6379, 9200, 27017, 5432, 11211, 2375};
static const uint16_t nmap_top[] = {21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 199, 443,
                                    445, 587, 993, 995, 1025, 1720, 1723, 3306, 3389, 5900,
                                    8080, 8888, 554, 113, 256, 1026, 8443};
static const uint16_t noise_ports[] = {22, 80, 443, 445, 1433, 3306, 5900, 6379, 8088, 9200,
                                       2375, 5432, 8081, 8000, 9000, 25, 110, 143, 139, 49152};
static const uint16_t udp_ports[] = {53, 123, 161, 1900, 5060, 11211, 137, 389, 19, 5353,
                                     500, 4500, 27015, 47808, 69, 3702, 10001, 5683};
static const uint16_t victim_ports[] = {80, 443, 53, 25, 22, 6667, 3389, 8080};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- classes: each plans packet a->i into p (link, source, the rest) ---- */

static void plan_mirai(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                       struct gen_pkt *p)
{
    set_v4(c, a, p);
    uint16_t port;
    if (a->variant == 0)
        port = gen_rng_pct(r, 90) ? 23 : 2323;
    else if (a->variant == 1)
        port = gen_rng_pct(r, 50) ? 23 : 2323;
    else
        port = (uint16_t)a->a;
    if (gen_rng_pct(r, 5))
        dst_outside(c, r, p); /* bots scan everything; some of it passes by */
    else
        dst_sensor(c, r, p);
    mirai_syn(p, r, port);
    if (gen_rng_pct(r, 3))
        p->tcp_flags |= GEN_TCP_ECE | GEN_TCP_CWR; /* still SYN without ACK */
}

/* Mirai SYNs that also carry other fingerprints: the tags are not exclusive. */
static void plan_mirai_hybrid(const struct gen_ctx *c, const struct gen_actor *a,
                              struct gen_rng *r, struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    mirai_syn(p, r, gen_rng_pct(r, 80) ? 23 : 2323);
    switch (a->variant) {
    case 0: /* + zmap */
        p->ip_id = 54321;
        break;
    case 1: /* + masscan: with seq == dst, (dst ^ dport ^ seq) & 0xffff is dport */
        p->ip_id = p->dport;
        break;
    case 2: /* + nmap */
        p->window = 1024;
        p->opts = GEN_O_MSS1460;
        break;
    default: /* all four at once: port 54321 makes zmap's and masscan's ID agree */
        p->dport = 54321;
        p->ip_id = 54321;
        p->window = 1024;
        p->opts = GEN_O_MSS1460;
    }
}

static void plan_mirai_wide(const struct gen_ctx *c, const struct gen_actor *a,
                            struct gen_rng *r, struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    mirai_syn(p, r, wide_port(a->i, a->a));
}

static void plan_wide(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                      struct gen_pkt *p)
{
    unsigned W = c->wide, i = a->i, before = a->b;
    uint32_t k = i;
    uint8_t proto = GEN_PROTO_TCP;
    int outside = 0, backscatter = 0;
    if (a->variant == WV_V6_EXACT || a->variant == WV_V6_MINUS1)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    switch (a->variant) {
    case WV_EXACT: k = i % W; break;
    case WV_PLUS1_MIXED:
        k = i % (W + 1);
        proto = k & 1 ? GEN_PROTO_UDP : GEN_PROTO_TCP;
        break;
    case WV_PLUS50: k = i % (W + 50); break;
    case WV_MINUS1_MANY: k = i % (W - 1); break;
    case WV_MINUS1_BS: backscatter = i >= W - 1; break;
    case WV_BOTH_PROTOS:
        k = i / 2;
        proto = i & 1 ? GEN_PROTO_UDP : GEN_PROTO_TCP;
        break;
    case WV_MINUS1_OUTSIDE: outside = i >= W - 1; break;
    case WV_MINUS1_NOPORT:
        if (i >= W - 1)
            p->trunc = GEN_T_AFTER_IP;
        break;
    case WV_MINUS1_PORTCUT:
        if (i == W - 1)
            p->trunc = GEN_T_PORTS;
        break;
    case WV_V6_EXACT: k = i % W; break;
    case WV_V6_MINUS1: k = i % (W - 1); break;
    case WV_MN_DISJOINT: break;           /* ports never repeat */
    case WV_MN_WIDE_BEFORE: break;        /* ditto */
    case WV_MN_SAME:
    case WV_MN_WIDE_BOTH: k = i >= before ? i - before : i; break;
    }
    if (a->variant == WV_SAME_PORT) {
        p->to_sensor = 1;
        if (c->n4)
            p->dst4 = gen_prefix_nth4(c->s4[0], i);
        else
            dst_outside(c, r, p);
        tcp(p, r, GEN_TCP_SYN, 445);
        return;
    }
    if (outside)
        dst_outside(c, r, p);
    else
        dst_sensor(c, r, p);
    uint16_t port = wide_port(k, a->a);
    if (backscatter)
        tcp(p, r, GEN_TCP_RST | GEN_TCP_ACK, port);
    else if (proto == GEN_PROTO_UDP)
        udp(p, r, port);
    else
        tcp(p, r, GEN_TCP_SYN, port);
    p->opts = GEN_O_NONE;
    p->window = 29200;
}

static void plan_zmap(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                      struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    tcp(p, r, GEN_TCP_SYN, (uint16_t)a->a);
    p->sport = (uint16_t)a->b;
    p->ip_id = 54321;
    p->window = 65535;
    p->opts = GEN_O_NONE;
    p->ttl = 255;
}

static void plan_masscan(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                         struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    uint16_t port = masscan_ports[(a->a + gen_rng_below(r, a->b)) % N(masscan_ports)];
    tcp(p, r, GEN_TCP_SYN, port);
    p->sport = 61000;
    p->ip_id = (uint16_t)((p->dst4 ^ p->dport ^ p->seq) & 0xffff);
    p->window = 1024;
    p->opts = GEN_O_NONE;
    p->ttl = 255;
}

static void plan_nmap(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                      struct gen_pkt *p)
{
    set_v4(c, a, p);
    /* a->b target addresses, each scanned over the top ports */
    struct gen_rng tr = gen_rng_make(a->key, 0x7a7a0000u + a->i % a->b);
    dst_sensor(c, &tr, p);
    tcp(p, r, GEN_TCP_SYN, nmap_top[(a->i / a->b) % N(nmap_top)]);
    p->sport = (uint16_t)a->a;
    p->window = 1024;
    p->opts = GEN_O_MSS1460;
    p->ttl = (uint8_t)gen_rng_range(r, 37, 59);
}

/* Near misses of the nmap fingerprint, and the real thing where it does not
 * count (IPv6, SYN-ACK). */
static void plan_near_nmap(const struct gen_ctx *c, const struct gen_actor *a,
                           struct gen_rng *r, struct gen_pkt *p)
{
    if (a->variant == 3)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_sensor(c, r, p);
    tcp(p, r, a->variant == 4 ? GEN_TCP_SYN | GEN_TCP_ACK : GEN_TCP_SYN,
        nmap_top[gen_rng_below(r, N(nmap_top))]);
    p->window = a->variant == 2 ? 2048 : 1024;
    p->opts = a->variant == 0 ? GEN_O_MSS1460_NOP
            : a->variant == 1 ? GEN_O_MSS1380 : GEN_O_MSS1460;
}

static void plan_rdp(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                     struct gen_pkt *p)
{
    if (a->variant == 1)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_sensor(c, r, p);
    if (gen_rng_pct(r, 80)) {
        tcp(p, r, GEN_TCP_SYN, 3389);
    } else { /* the connection request after a handshake elsewhere */
        tcp(p, r, GEN_TCP_ACK | GEN_TCP_PSH, 3389);
        p->opts = GEN_O_NONE;
        p->payload_len = 43;
    }
}

static void plan_bs_tcp(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                        struct gen_pkt *p)
{
    set_v4(c, a, p);
    if (gen_rng_pct(r, 5))
        dst_outside(c, r, p);
    else
        dst_sensor(c, r, p);
    unsigned roll = (unsigned)gen_rng_below(r, 100);
    uint8_t flags = roll < 60 ? GEN_TCP_SYN | GEN_TCP_ACK
                  : roll < 85 ? GEN_TCP_RST : GEN_TCP_RST | GEN_TCP_ACK;
    tcp(p, r, flags, (uint16_t)gen_rng_range(r, 1, 65535));
    p->sport = victim_ports[a->a % N(victim_ports)];
    p->opts = flags & GEN_TCP_SYN ? GEN_O_MSS1460 : GEN_O_NONE;
    p->window = flags & GEN_TCP_SYN ? 1024 : 0; /* a SYN-ACK with nmap's look: no tag */
}

static void plan_bs_icmp(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                         struct gen_pkt *p)
{
    static const uint8_t unreach_codes[] = {0, 1, 3, 13};
    static const uint8_t rare[] = {4, 5, 12, 14, 16, 18};
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    uint16_t qs = (uint16_t)gen_rng_range(r, 1024, 65535), qd = (uint16_t)gen_rng_range(r, 1, 1023);
    switch (a->variant) {
    case 0:
        icmp_error(p, r, 3, unreach_codes[gen_rng_below(r, N(unreach_codes))]);
        break;
    case 1:
        icmp_error(p, r, 11, 0);
        break;
    case 2:
        icmp(p, r, 0, 0);
        return;
    default: {
        uint8_t type = rare[a->i % N(rare)];
        if (type == 14 || type == 16 || type == 18)
            icmp(p, r, type, 0);
        else
            icmp_error(p, r, type, 0);
    }
    }
    p->sport = qs;
    p->dport = qd;
}

static void plan_bs_v6(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                       struct gen_pkt *p)
{
    static const uint8_t types[] = {1, 2, 3, 4, 129};
    set_v6(c, a, p);
    dst_sensor(c, r, p);
    unsigned roll = a->i % 7;
    if (roll < 5) {
        uint8_t t = types[roll];
        if (t == 129)
            icmp(p, r, t, 0);
        else
            icmp_error(p, r, t, 0);
    } else {
        tcp(p, r, roll == 5 ? GEN_TCP_SYN | GEN_TCP_ACK : GEN_TCP_RST, (uint16_t)gen_rng_range(r, 1024, 65535));
        p->sport = 443;
        p->opts = GEN_O_NONE;
    }
}

/* Single packets on the edges of the contract's definitions. */
enum {
    E_SYNACK_SEQDST, E_SYNRST_SEQDST, E_RST_3389, E_SYNFIN_SEQDST, E_NET_ADDR, E_BCAST_ADDR,
    E_ACK_3389, E_SYNACK_FROM_3389_TO_3389, E_UDP_3389, E_TCP_PORT0, E_UDP_PORT0, E_ICMP_ECHO,
    E_ICMP_UNREACH, E_MIRAI_OUTSIDE, E_V6_SEQ_LOW32, E_SYNACK_ZMAP_ID, E_ICMP_TS_REQUEST,
    E_ICMP_TS_REPLY, E_GRE, E__COUNT
};

static void plan_edge(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                      struct gen_pkt *p)
{
    unsigned e = a->i % E__COUNT;
    if (e == E_V6_SEQ_LOW32)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_sensor(c, r, p);
    switch (e) {
    case E_SYNACK_SEQDST: /* backscatter, not Mirai: ACK is set */
        mirai_syn(p, r, 23);
        p->tcp_flags |= GEN_TCP_ACK;
        break;
    case E_SYNRST_SEQDST: /* backscatter (RST) and Mirai (SYN, no ACK), but no tag */
        mirai_syn(p, r, 23);
        p->tcp_flags |= GEN_TCP_RST;
        break;
    case E_RST_3389: /* backscatter: not an RDP probe */
        tcp(p, r, GEN_TCP_RST, 3389);
        break;
    case E_SYNFIN_SEQDST: /* SYN without ACK: Mirai, tagged */
        mirai_syn(p, r, 2323);
        p->tcp_flags |= GEN_TCP_FIN;
        break;
    case E_NET_ADDR: /* every address of a darknet counts, network address too */
    case E_BCAST_ADDR:
        if (c->n4) {
            uint64_t size = gen_prefix_size4(c->s4[0]);
            p->dst4 = gen_prefix_nth4(c->s4[0], e == E_NET_ADDR ? 0 : size - 1);
        }
        mirai_syn(p, r, 23);
        break;
    case E_ACK_3389: /* a bare ACK is a probe: RDP counted */
        tcp(p, r, GEN_TCP_ACK, 3389);
        break;
    case E_SYNACK_FROM_3389_TO_3389:
        tcp(p, r, GEN_TCP_SYN | GEN_TCP_ACK, 3389);
        p->sport = 3389;
        break;
    case E_UDP_3389: /* RDP counts TCP only */
        udp(p, r, 3389);
        break;
    case E_TCP_PORT0:
        tcp(p, r, GEN_TCP_SYN, 0);
        break;
    case E_UDP_PORT0:
        udp(p, r, 0);
        break;
    case E_ICMP_ECHO:
        icmp(p, r, 8, 0);
        break;
    case E_ICMP_UNREACH:
        icmp_error(p, r, 3, 10);
        break;
    case E_MIRAI_OUTSIDE:
        dst_outside(c, r, p);
        mirai_syn(p, r, 23);
        break;
    case E_V6_SEQ_LOW32: /* Mirai is an IPv4 fingerprint */
        tcp(p, r, GEN_TCP_SYN, 23);
        p->seq = (uint32_t)p->dst6[12] << 24 | (uint32_t)p->dst6[13] << 16 |
                 (uint32_t)p->dst6[14] << 8 | p->dst6[15];
        p->window = 1024;
        p->opts = GEN_O_MSS1460;
        break;
    case E_SYNACK_ZMAP_ID: /* tags need ACK clear */
        tcp(p, r, GEN_TCP_SYN | GEN_TCP_ACK, 443);
        p->ip_id = 54321;
        break;
    case E_ICMP_TS_REQUEST: /* 13 is a probe, its reply 14 backscatter */
        icmp(p, r, 13, 0);
        break;
    case E_ICMP_TS_REPLY:
        icmp(p, r, 14, 0);
        break;
    case E_GRE:
        p->proto = GEN_PROTO_GRE;
        p->payload_len = 24;
        break;
    }
}

static void plan_udp(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                     struct gen_pkt *p)
{
    if (a->variant == 1)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_sensor(c, r, p);
    udp(p, r, udp_ports[(a->a + gen_rng_below(r, 3)) % N(udp_ports)]);
}

static void plan_icmp(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                      struct gen_pkt *p)
{
    if (a->variant == 1) {
        set_v6(c, a, p);
        dst_sensor(c, r, p);
        icmp(p, r, 128, 0);
        return;
    }
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    unsigned roll = (unsigned)gen_rng_below(r, 10);
    icmp(p, r, roll < 8 ? 8 : roll == 8 ? 13 : 17, 0);
}

static void plan_tcp_noise(const struct gen_ctx *c, const struct gen_actor *a,
                           struct gen_rng *r, struct gen_pkt *p)
{
    static const uint8_t odd_flags[] = {GEN_TCP_FIN, 0, GEN_TCP_FIN | GEN_TCP_PSH | GEN_TCP_URG,
                                        GEN_TCP_ACK};
    if (a->variant == 2)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_sensor(c, r, p);
    uint16_t port = noise_ports[(a->a + gen_rng_below(r, 4)) % N(noise_ports)];
    if (a->variant == 1) { /* FIN, NULL, Xmas and ACK scans */
        tcp(p, r, odd_flags[gen_rng_below(r, N(odd_flags))], port);
        p->opts = GEN_O_NONE;
        p->window = 1024;
    } else {
        tcp(p, r, GEN_TCP_SYN, port);
    }
}

static void plan_other_proto(const struct gen_ctx *c, const struct gen_actor *a,
                             struct gen_rng *r, struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    p->proto = a->i & 1 ? GEN_PROTO_ESP : GEN_PROTO_GRE;
    p->payload_len = (uint16_t)gen_rng_range(r, 16, 80);
    p->ip_id = (uint16_t)gen_rng_next(r);
}

static void plan_frag(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                      struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p);
    udp(p, r, 53);
    p->frag = 1; /* a later fragment: the bytes where ports would be are data */
    p->payload_len = 48;
}

/* Snaplen cuts: after the IP header (an access without a port), after the
 * ports (an access with a port but no flags), inside the IP header (none). */
static void plan_trunc(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                       struct gen_pkt *p)
{
    unsigned v = a->i % 7;
    if (v == 1 || v == 6)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_sensor(c, r, p);
    switch (v) {
    case 0:
    case 1:
        tcp(p, r, GEN_TCP_SYN, 22);
        p->trunc = GEN_T_AFTER_IP;
        break;
    case 2:
        udp(p, r, 161);
        p->trunc = GEN_T_PORTS;
        break;
    case 3: /* port known, flags not: a probe to 3389 */
        tcp(p, r, GEN_TCP_SYN, 3389);
        p->trunc = GEN_T_PORTS;
        break;
    case 4: /* a Mirai SYN whose sequence number was not captured */
        mirai_syn(p, r, 23);
        p->trunc = GEN_T_PORTS;
        break;
    default:
        tcp(p, r, GEN_TCP_SYN, 23);
        p->trunc = GEN_T_IN_IP;
    }
}

static void plan_arp(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                     struct gen_pkt *p)
{
    set_v4(c, a, p);
    dst_sensor(c, r, p); /* who-has a sensor address */
    p->link = GEN_L_ARP;
    p->to_sensor = 0;
}

static void plan_outside(const struct gen_ctx *c, const struct gen_actor *a, struct gen_rng *r,
                         struct gen_pkt *p)
{
    if (a->i % 3 == 2)
        set_v6(c, a, p);
    else
        set_v4(c, a, p);
    dst_outside(c, r, p);
    switch (a->i % 4) {
    case 0: tcp(p, r, GEN_TCP_SYN, 3389); break;
    case 1: tcp(p, r, GEN_TCP_SYN | GEN_TCP_ACK, 80); break;
    case 2: udp(p, r, 53); break;
    default: icmp(p, r, p->link == GEN_L_IP4 ? 8 : 128, 0);
    }
}

typedef void (*plan_fn)(const struct gen_ctx *, const struct gen_actor *, struct gen_rng *,
                        struct gen_pkt *);

static const plan_fn planners[C__COUNT] = {
    [C_MIRAI] = plan_mirai,           [C_MIRAI_HYBRID] = plan_mirai_hybrid,
    [C_MIRAI_WIDE] = plan_mirai_wide, [C_WIDE] = plan_wide,
    [C_ZMAP] = plan_zmap,             [C_MASSCAN] = plan_masscan,
    [C_NMAP] = plan_nmap,             [C_NEAR_NMAP] = plan_near_nmap,
    [C_RDP] = plan_rdp,               [C_BS_TCP] = plan_bs_tcp,
    [C_BS_ICMP] = plan_bs_icmp,       [C_BS_V6] = plan_bs_v6,
    [C_EDGE] = plan_edge,             [C_UDP] = plan_udp,
    [C_ICMP] = plan_icmp,             [C_TCP_NOISE] = plan_tcp_noise,
    [C_OTHER_PROTO] = plan_other_proto, [C_FRAG] = plan_frag,
    [C_TRUNC] = plan_trunc,           [C_ARP] = plan_arp,
    [C_OUTSIDE] = plan_outside,
};

static int64_t slot_time(const struct gen_actor *a)
{
    int64_t t = a->t0 + (int64_t)a->i * a->step;
    if (!a->exact && a->step > 1)
        t += (int64_t)(gen_mix64(a->key ^ ((uint64_t)a->i << 40 | 0xa5)) % (uint64_t)a->step);
    return t;
}

int gen_actor_emit(const struct gen_ctx *c, struct gen_actor *a, struct gen_pkt *p)
{
    memset(p, 0, sizeof *p);
    struct gen_rng r = gen_rng_make(a->key, a->i);
    p->ttl = (uint8_t)gen_rng_range(&r, 40, 120);
    planners[a->cls](c, a, &r, p);
    p->ts_us = (uint64_t)a->next_ts;
    /* A tenth of the frames carry an 802.1Q tag, one in a hundred two tags. */
    unsigned v = (unsigned)gen_rng_below(&r, 100);
    if (v < 10) {
        p->vlan = v == 0 ? GEN_V_QINQ : GEN_V_8021Q;
        p->vlan_id = (uint16_t)gen_rng_range(&r, 1, 4094);
    }
    a->i++;
    if (a->i >= a->n)
        return 0;
    a->next_ts = slot_time(a);
    return 1;
}

/* ---- the plan ----------------------------------------------------------- */

struct planner {
    const struct gen_ctx *c;
    struct gen_actor *v; /* owned until handed to the caller */
    size_t n, cap;
    uint32_t next_src;
    int oom;
};

/* Adds an actor of n packets spread over day d at a random pace. */
static struct gen_actor *add(struct planner *pl, unsigned d, uint8_t cls, uint8_t variant,
                             uint32_t n, uint32_t src_id)
{
    if (pl->n == pl->cap) {
        size_t ncap = pl->cap ? pl->cap * 2 : 4096;
        struct gen_actor *nv = realloc(pl->v, ncap * sizeof *nv);
        if (!nv) {
            pl->oom = 1;
            return NULL;
        }
        pl->v = nv;
        pl->cap = ncap;
    }
    struct gen_actor *a = &pl->v[pl->n];
    memset(a, 0, sizeof *a);
    a->id = (uint32_t)pl->n++;
    a->key = gen_mix64(pl->c->cfg->seed * 0x9e3779b97f4a7c15ULL + a->id);
    a->cls = cls;
    a->variant = variant;
    a->n = n;
    a->src_id = src_id;
    struct gen_rng r = gen_rng_make(a->key, 0xfeedULL);
    int64_t start = pl->c->day_start_us[d], len = pl->c->day_start_us[d + 1] - start;
    int64_t step = (int64_t)gen_rng_range(&r, US / 5, 120 * US);
    if (step * (int64_t)n >= len)
        step = len / ((int64_t)n + 1);
    if (step < 1)
        step = 1;
    a->step = step;
    a->t0 = start + (int64_t)gen_rng_below(&r, (uint64_t)(len - step * (int64_t)n));
    a->a = (uint32_t)gen_rng_next(&r);
    a->b = (uint32_t)gen_rng_next(&r);
    a->next_ts = slot_time(a);
    return a;
}

static uint32_t new_src(struct planner *pl) { return pl->next_src++; }

/* A scanner whose packets straddle the midnight that ends day d: exactly
 * `before` of them before it, ten seconds apart. */
static void add_midnight(struct planner *pl, unsigned d, uint8_t variant, uint32_t before,
                         uint32_t after)
{
    struct gen_actor *a = add(pl, d, C_WIDE, variant, before + after, new_src(pl));
    if (!a)
        return;
    a->exact = 1;
    a->step = 10 * US;
    a->b = before;
    a->t0 = pl->c->day_start_us[d + 1] - (int64_t)before * a->step;
    a->next_ts = a->t0;
}

static void plan_day(struct planner *pl, unsigned d, uint32_t *mirai_prev, uint32_t *mirai_cur,
                     size_t n_bots)
{
    const struct gen_ctx *c = pl->c;
    unsigned s = c->cfg->scale, W = c->wide;
    struct gen_rng r = gen_rng_make(c->cfg->seed, 0xd0000000ULL + d);

    /* Mirai bots; about a third of a day's bots were also seen the day before. */
    for (size_t j = 0; j < n_bots; j++) {
        uint32_t src = d > 0 && j % 3 == 0 ? mirai_prev[j] : new_src(pl);
        mirai_cur[j] = src;
        unsigned roll = (unsigned)gen_rng_below(&r, 100);
        uint8_t variant = roll < 60 ? 0 : roll < 85 ? 1 : 2;
        struct gen_actor *a = add(pl, d, C_MIRAI, variant, (uint32_t)gen_rng_range(&r, 1, 30), src);
        if (a && variant == 2)
            a->a = mirai_variant_ports[gen_rng_below(&r, N(mirai_variant_ports))];
    }
    for (unsigned k = 0; k < s; k++) {
        for (uint8_t v = 0; v < 4; v++)
            add(pl, d, C_MIRAI_HYBRID, v, 20, new_src(pl));
        add(pl, d, C_MIRAI_WIDE, 0, W + 20, new_src(pl));

        static const struct { uint8_t variant; int extra; int per_port; } wide[] = {
            {WV_EXACT, 0, 1}, {WV_PLUS1_MIXED, 1, 1}, {WV_PLUS50, 50, 1},
            {WV_MINUS1_MANY, -1, 4}, {WV_MINUS1_BS, 19, 1}, {WV_BOTH_PROTOS, 0, 1},
            {WV_MINUS1_OUTSIDE, 29, 1}, {WV_MINUS1_NOPORT, 9, 1}, {WV_MINUS1_PORTCUT, 0, 1},
            {WV_V6_EXACT, 0, 1}, {WV_V6_MINUS1, -1, 2},
        };
        for (size_t w = 0; w < N(wide); w++)
            add(pl, d, C_WIDE, wide[w].variant, (uint32_t)((int)W + wide[w].extra) * (uint32_t)wide[w].per_port,
                new_src(pl));
        add(pl, d, C_WIDE, WV_SAME_PORT, 256, new_src(pl));
        if (d + 1 < c->cfg->days) {
            uint32_t six = (W * 6 + 9) / 10;
            add_midnight(pl, d, WV_MN_DISJOINT, six, six);
            add_midnight(pl, d, WV_MN_WIDE_BEFORE, W, 20);
            add_midnight(pl, d, WV_MN_SAME, W - 1, W - 1);
            add_midnight(pl, d, WV_MN_WIDE_BOTH, W, W);
        }

        for (int j = 0; j < 3; j++) {
            struct gen_actor *a = add(pl, d, C_ZMAP, 0, (uint32_t)gen_rng_range(&r, 50, 300), new_src(pl));
            if (a) {
                a->a = zmap_ports[gen_rng_below(&r, N(zmap_ports))];
                a->b = (uint32_t)gen_rng_range(&r, 32768, 61000);
            }
            a = add(pl, d, C_MASSCAN, 0, (uint32_t)gen_rng_range(&r, 50, 300), new_src(pl));
            if (a)
                a->b = (uint32_t)gen_rng_range(&r, 1, 8);
        }
        for (int j = 0; j < 2; j++) {
            uint32_t naddr = (uint32_t)gen_rng_range(&r, 1, 3);
            /* the first nmap user of the day is also one of its Mirai bots */
            uint32_t src = j == 0 && n_bots ? mirai_cur[k % n_bots] : new_src(pl);
            struct gen_actor *a = add(pl, d, C_NMAP, 0, naddr * (uint32_t)N(nmap_top), src);
            if (a) {
                a->b = naddr;
                a->a = (uint32_t)gen_rng_range(&r, 32768, 61000);
            }
        }
        for (uint8_t v = 0; v < 5; v++)
            add(pl, d, C_NEAR_NMAP, v, 30, new_src(pl));
        for (int j = 0; j < 40; j++)
            add(pl, d, C_RDP, j % 8 == 7, (uint32_t)gen_rng_range(&r, 1, 10), new_src(pl));
        uint32_t victim = 0;
        for (int j = 0; j < 8; j++) {
            struct gen_actor *a = add(pl, d, C_BS_TCP, 0, (uint32_t)gen_rng_range(&r, 50, 500), new_src(pl));
            if (a && j == 0)
                victim = a->src_id;
        }
        for (uint8_t v = 0; v < 8; v++)
            add(pl, d, C_BS_ICMP, v % 4, (uint32_t)gen_rng_range(&r, 20, 200), new_src(pl));
        for (int j = 0; j < 3; j++)
            add(pl, d, C_BS_V6, 0, (uint32_t)gen_rng_range(&r, 50, 150), new_src(pl));
        add(pl, d, C_EDGE, 0, E__COUNT, new_src(pl));
        for (int j = 0; j < 60; j++)
            add(pl, d, C_UDP, j % 7 == 6, (uint32_t)gen_rng_range(&r, 1, 8), new_src(pl));
        for (int j = 0; j < 40; j++)
            add(pl, d, C_ICMP, j % 5 == 4, (uint32_t)gen_rng_range(&r, 1, 6), new_src(pl));
        for (int j = 0; j < 80; j++) {
            /* the first noise scanner is the day's first backscatter victim:
             * one source, both backscatter and probes */
            uint32_t src = j == 0 && victim ? victim : new_src(pl);
            add(pl, d, C_TCP_NOISE, (uint8_t)(j % 5 == 4 ? 1 : j % 5 == 3 ? 2 : 0),
                (uint32_t)gen_rng_range(&r, 1, 10), src);
        }
        add(pl, d, C_OTHER_PROTO, 0, 6, new_src(pl));
        add(pl, d, C_FRAG, 0, 5, new_src(pl));
        add(pl, d, C_TRUNC, 0, 21, new_src(pl));
        add(pl, d, C_ARP, 0, 12, new_src(pl));
        for (int j = 0; j < 5; j++)
            add(pl, d, C_OUTSIDE, 0, (uint32_t)gen_rng_range(&r, 4, 40), new_src(pl));
    }
    /* Background radiation (--radiation): many sources seen once or twice,
     * as a telescope sees most of its sources. Its own random stream, so
     * runs without it stay byte for byte what they were. */
    struct gen_rng rr = gen_rng_make(c->cfg->seed, 0xbac0000000ULL + d);
    for (unsigned j = 0; j < c->cfg->radiation && !pl->oom; j++)
        add(pl, d, C_TCP_NOISE, 0, 1 + (uint32_t)gen_rng_below(&rr, 2), new_src(pl));
}

int gen_traffic_plan(const struct gen_ctx *c, struct gen_actor **out, size_t *n, struct kn_err *err)
{
    struct planner pl = {.c = c, .next_src = 1};
    size_t n_bots = (size_t)300 * c->cfg->scale;
    uint32_t *prev = calloc(n_bots ? n_bots : 1, sizeof *prev);
    uint32_t *cur = calloc(n_bots ? n_bots : 1, sizeof *cur);
    if (!prev || !cur) {
        pl.oom = 1;
    } else {
        for (unsigned d = 0; d < c->cfg->days && !pl.oom; d++) {
            plan_day(&pl, d, prev, cur, n_bots);
            uint32_t *t = prev;
            prev = cur;
            cur = t;
        }
    }
    free(prev);
    free(cur);
    if (pl.oom) {
        free(pl.v);
        kn_err_set(err, "out of memory planning %zu actors", pl.n);
        return -1;
    }
    if (pl.next_src >= (1u << 24)) {
        free(pl.v);
        kn_err_set(err, "too many sources (%u) for the 10.0.0.0/8 source pool: lower --scale or --days",
                   pl.next_src);
        return -1;
    }
    *out = pl.v;
    *n = pl.n;
    return 0;
}

/* ---- context ------------------------------------------------------------ */

int gen_ctx_init(struct gen_ctx *c, const struct kn_gen_config *cfg, const int64_t *day_start_us,
                 struct kn_err *err)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->day_start_us = day_start_us;
    c->wide = cfg->wide_ports;
    if (cfg->n_sensors == 0) {
        kn_err_set(err, "no sensor prefix");
        return -1;
    }
    if (c->wide < 2 || c->wide > 30000) {
        kn_err_set(err, "wide-port threshold %u: the generator models 2..30000", c->wide);
        return -1;
    }
    for (unsigned i = 0; i < cfg->n_sensors; i++) {
        if (cfg->sensors[i].v6)
            c->s6[c->n6++] = &cfg->sensors[i];
        else
            c->s4[c->n4++] = &cfg->sensors[i];
    }
    /* Candidate outside addresses: documentation, then private, space. */
    static const uint32_t cand4[] = {0xcb00710au, 0xc633640bu, 0xc000020cu, 0xcb0071feu,
                                     0x0afefe01u, 0xac1f0001u, 0xc0a80101u, 0x64400001u};
    for (size_t i = 0; i < N(cand4); i++) {
        int inside = 0;
        for (unsigned k = 0; k < c->n4; k++)
            inside |= gen_prefix_has4(c->s4[k], cand4[i]);
        if (!inside)
            c->outside4[c->n_out4++] = cand4[i];
    }
    static const uint8_t cand6[][16] = {
        {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x10},
        {0x20, 0x01, 0x0d, 0xb8, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},
        {0xfd, 0x6b, 0x65, 0x6e, 0x63, 0x68, 0x69, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},
        {0xfd, 0x6b, 0x65, 0x6e, 0x63, 0x68, 0x69, 1, 0, 0, 0, 0, 0, 0, 0, 0x02},
    };
    for (size_t i = 0; i < N(cand6); i++) {
        int inside = 0;
        for (unsigned k = 0; k < c->n6; k++)
            inside |= gen_prefix_has6(c->s6[k], cand6[i]);
        if (!inside)
            memcpy(c->outside6[c->n_out6++], cand6[i], 16);
    }
    if (!c->n_out4 || !c->n_out6) {
        kn_err_set(err, "the sensor prefixes cover every outside address the generator uses "
                        "(203.0.113.10, 10.254.254.1, 2001:db8:0:2::10, fd6b:656e:6368:6900::1, ...)");
        return -1;
    }
    return 0;
}
