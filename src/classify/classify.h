/* Classification of one decoded packet: the pure predicates of
 * docs/metrics.md ("Classes" and "Scanner tool fingerprints"). Each is a
 * small inline function over struct kn_pkt, so the hot path pays a few
 * compares; kn_classify() bundles them into one small result. */
#ifndef KENCHI_CLASSIFY_CLASSIFY_H
#define KENCHI_CLASSIFY_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "classify/prefix.h"
#include "decode/anomaly.h"
#include "decode/pkt.h"

#define KN_PROTO_ICMP 1
#define KN_PROTO_TCP 6
#define KN_PROTO_UDP 17
#define KN_PROTO_ICMPV6 58

/* Tool fingerprint tags. The values are bit positions stored in databases
 * (src_day.tags): append only, never renumber. */
enum kn_tag {
    KN_TAG_MIRAI = 0,
    KN_TAG_ZMAP = 1,
    KN_TAG_MASSCAN = 2,
    KN_TAG_NMAP = 3,
    KN_TAG__COUNT
};

/* Names as in the report's "tags" object. */
extern const char *const kn_tag_names[KN_TAG__COUNT];

enum kn_port_class { KN_PORT_NONE = 0, KN_PORT_LOW = 1, KN_PORT_HIGH = 2 };

/* Is the destination a sensor address? Only for outcome == KN_OUT_IP. */
static inline bool kn_is_access(const struct kn_prefix_set *sensors, const struct kn_pkt *p)
{
    if (p->outcome != KN_OUT_IP)
        return false;
    if (p->ip_version == 4)
        return kn_prefix_set_has_v4(sensors, p->dst4);
    if (p->ip_version == 6)
        return kn_prefix_set_has_v6(sensors, p->dst6);
    return false;
}

static inline bool kn_is_tcp(const struct kn_pkt *p)
{
    return p->proto == KN_PROTO_TCP && (p->flags & KN_PKT_HAS_TCP);
}

/* A TCP SYN without ACK: the packets the fingerprints look at. */
static inline bool kn_is_syn_only(const struct kn_pkt *p)
{
    return kn_is_tcp(p) && (p->tcp_flags & KN_TCP_SYN) && !(p->tcp_flags & KN_TCP_ACK);
}

/* Backscatter: replies to forged-source packets. TCP SYN+ACK or RST;
 * ICMPv4 types 0 3 4 5 11 12 14 16 18; ICMPv6 types 1 2 3 4 129. */
static inline bool kn_is_backscatter(const struct kn_pkt *p)
{
    if (kn_is_tcp(p)) {
        uint8_t f = p->tcp_flags;
        return (f & KN_TCP_RST) || ((f & KN_TCP_SYN) && (f & KN_TCP_ACK));
    }
    if (!(p->flags & KN_PKT_HAS_ICMP))
        return false;
    if (p->ip_version == 4 && p->proto == KN_PROTO_ICMP) {
        /* bit t set for each backscatter type t */
        const uint32_t types = 1u << 0 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 11 | 1u << 12 |
                               1u << 14 | 1u << 16 | 1u << 18;
        return p->icmp_type < 32 && (types >> p->icmp_type & 1);
    }
    if (p->ip_version == 6 && p->proto == KN_PROTO_ICMPV6) {
        uint8_t t = p->icmp_type;
        return (t >= 1 && t <= 4) || t == 129;
    }
    return false;
}

/* Port class of a TCP or UDP access carrying a destination port. */
static inline enum kn_port_class kn_port_class(const struct kn_pkt *p)
{
    if (!(p->flags & KN_PKT_HAS_PORTS) || (p->proto != KN_PROTO_TCP && p->proto != KN_PROTO_UDP))
        return KN_PORT_NONE;
    return p->dport < 1024 ? KN_PORT_LOW : KN_PORT_HIGH;
}

/* The `mirai` figure's test (IPv4 TCP, SYN set, ACK clear, seq == dst),
 * which also is the mirai tag's test on probes. */
static inline bool kn_is_mirai(const struct kn_pkt *p)
{
    return p->ip_version == 4 && kn_is_syn_only(p) && p->seq == p->dst4;
}

/* ZMap before 4.1: IP ID 54321. */
static inline bool kn_is_zmap(const struct kn_pkt *p)
{
    return p->ip_version == 4 && kn_is_syn_only(p) && p->ip_id == 54321;
}

/* masscan: IP ID == (dst ^ dport ^ seq) & 0xFFFF. */
static inline bool kn_is_masscan(const struct kn_pkt *p)
{
    return p->ip_version == 4 && kn_is_syn_only(p) &&
           p->ip_id == (uint16_t)((p->dst4 ^ p->dport ^ p->seq) & 0xFFFFu);
}

/* nmap SYN scan defaults: window 1024, exactly one option, MSS 1460.
 * "Exactly one" is only known when the option list parsed to its end: after
 * a malformed option length the decoder stops counting, so MSS followed by
 * garbage must not pass for nmap's lone MSS. */
static inline bool kn_is_nmap(const struct kn_pkt *p)
{
    return p->ip_version == 4 && kn_is_syn_only(p) && p->window == 1024 &&
           p->tcp_opt_count == 1 && p->tcp_opt_kinds[0] == 2 && p->mss == 1460 &&
           !(p->anomalies & (1u << KN_AN_TCP_OPTS_BAD));
}

/* What aggregate needs to know about one access. */
struct kn_class {
    bool backscatter;
    bool mirai;            /* the `mirai` figure (any access, probe or not) */
    uint8_t port_class;    /* enum kn_port_class */
    uint8_t tags;          /* bit (1u << enum kn_tag), probes only */
};

static inline struct kn_class kn_classify(const struct kn_pkt *p)
{
    struct kn_class c;
    c.backscatter = kn_is_backscatter(p);
    c.mirai = kn_is_mirai(p);
    c.port_class = (uint8_t)kn_port_class(p);
    c.tags = 0;
    if (!c.backscatter && p->ip_version == 4 && kn_is_syn_only(p)) {
        c.tags = (uint8_t)((c.mirai ? 1u << KN_TAG_MIRAI : 0) |
                           (kn_is_zmap(p) ? 1u << KN_TAG_ZMAP : 0) |
                           (kn_is_masscan(p) ? 1u << KN_TAG_MASSCAN : 0) |
                           (kn_is_nmap(p) ? 1u << KN_TAG_NMAP : 0));
    }
    return c;
}

#endif
