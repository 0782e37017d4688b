/* Transport headers: TCP (RFC 9293: ports, flags, seq/ack, window, option
 * summary), UDP (RFC 768) and ICMP/ICMPv6 (RFC 792/4443: type, code and the
 * IP header an error message quotes). The span's cap is what was captured,
 * its wire what the IP layer claims for the transport part. */
#include <string.h>

#include "decode/decode.h"
#include "decode/internal.h"

enum {
    PROTO_ICMP = 1,
    PROTO_TCP = 6,
    PROTO_UDP = 17,
    PROTO_ICMPV6 = 58,
    TCPOPT_EOL = 0,
    TCPOPT_NOP = 1,
    TCPOPT_MSS = 2,
};

static void set_payload(struct kn_pkt *o, const uint8_t *p, uint32_t len)
{
    o->payload = len ? p : NULL;
    o->payload_len = len;
}

static void note_option(struct kn_pkt *o, uint8_t kind)
{
    if (o->tcp_opt_count < KN_TCP_MAX_OPTS)
        o->tcp_opt_kinds[o->tcp_opt_count] = kind;
    o->tcp_opt_count++; /* <= 40 options fit in 40 bytes: no overflow */
}

/* Walks the options in p[0..len). `cut`: the capture ended before the
 * header did, so an option running past len is cut short, not malformed. */
static void tcp_options(const uint8_t *p, uint32_t len, bool cut, struct kn_pkt *o)
{
    uint32_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == TCPOPT_EOL)
            return; /* the rest is padding */
        if (kind == TCPOPT_NOP) {
            note_option(o, kind);
            i++;
            continue;
        }
        if (len - i < 2) {
            if (!cut)
                kn_anomaly(o, KN_AN_TCP_OPTS_BAD);
            return;
        }
        uint32_t olen = p[i + 1];
        if (olen < 2 || (kind == TCPOPT_MSS && olen != 4)) {
            kn_anomaly(o, KN_AN_TCP_OPTS_BAD);
            return;
        }
        if (olen > len - i) {
            if (!cut)
                kn_anomaly(o, KN_AN_TCP_OPTS_BAD);
            return;
        }
        if (kind == TCPOPT_MSS)
            o->mss = kn_be16(p + i + 2);
        note_option(o, kind);
        i += olen;
    }
}

static void decode_tcp(struct kn_span s, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (s.cap < 4) {
        kn_anomaly(o, KN_AN_TCP_TRUNC_NO_PORTS);
        return;
    }
    o->sport = kn_be16(p);
    o->dport = kn_be16(p + 2);
    o->flags |= KN_PKT_HAS_PORTS;
    if (s.cap < 20) {
        kn_anomaly(o, KN_AN_TCP_TRUNC);
        return;
    }
    o->flags |= KN_PKT_HAS_TCP;
    o->seq = kn_be32(p + 4);
    o->ack = kn_be32(p + 8);
    o->tcp_flags = p[13];
    o->window = kn_be16(p + 14);
    uint32_t hlen = (uint32_t)(p[12] >> 4) * 4;
    if (hlen < 20 || hlen > s.wire) {
        kn_anomaly(o, KN_AN_TCP_BAD_DOFF);
        return;
    }
    if (hlen > s.cap) { /* snaplen ended inside the options */
        kn_anomaly(o, KN_AN_TCP_OPTS_CUT);
        tcp_options(p + 20, s.cap - 20, true, o);
        return;
    }
    tcp_options(p + 20, hlen - 20, false, o);
    set_payload(o, p + hlen, s.cap - hlen);
}

static void decode_udp(struct kn_span s, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (s.cap < 4) {
        kn_anomaly(o, KN_AN_UDP_TRUNC_NO_PORTS);
        return;
    }
    o->sport = kn_be16(p);
    o->dport = kn_be16(p + 2);
    o->flags |= KN_PKT_HAS_PORTS;
    if (s.cap < 8) {
        kn_anomaly(o, KN_AN_UDP_TRUNC);
        return;
    }
    uint32_t ulen = kn_be16(p + 4);
    uint32_t captured = s.cap - 8;
    if (ulen < 8 || ulen > s.wire)
        kn_anomaly(o, KN_AN_UDP_LEN_BAD); /* keep what was captured */
    else if (ulen - 8 < captured)
        captured = ulen - 8; /* bytes after the UDP datagram are not its payload */
    set_payload(o, p + 8, captured);
}

/* The IP header quoted by an ICMP error, and the ports after it. */
static void decode_quoted(const uint8_t *p, uint32_t len, struct kn_pkt *o)
{
    if (len < 1) {
        kn_anomaly(o, KN_AN_ICMP_INNER_TRUNC);
        return;
    }
    uint32_t hlen;
    bool first_fragment = true;
    switch (p[0] >> 4) {
    case 4:
        if (len < 20) {
            kn_anomaly(o, KN_AN_ICMP_INNER_TRUNC);
            return;
        }
        hlen = (p[0] & 0x0fu) * 4;
        if (hlen < 20) {
            kn_anomaly(o, KN_AN_ICMP_INNER_BAD);
            return;
        }
        if (hlen > len) {
            kn_anomaly(o, KN_AN_ICMP_INNER_TRUNC);
            return;
        }
        o->inner_version = 4;
        o->inner_proto = p[9];
        o->inner_src4 = kn_be32(p + 12);
        o->inner_dst4 = kn_be32(p + 16);
        first_fragment = (kn_be16(p + 6) & 0x1fff) == 0;
        break;
    case 6: {
        if (len < 40) {
            kn_anomaly(o, KN_AN_ICMP_INNER_TRUNC);
            return;
        }
        o->inner_version = 6;
        memcpy(o->inner_src6, p + 8, 16);
        memcpy(o->inner_dst6, p + 24, 16);
        /* Quotes are cut at 1280 bytes or less: a chain ending early is
         * normal here, so it is not an anomaly, just no ports. */
        struct kn_ip6_chain c;
        kn_ipv6_walk(p[6], p + 40, len - 40, &c);
        o->inner_proto = c.proto;
        hlen = 40 + c.offset;
        first_fragment = !c.fragment && !c.truncated && !c.too_long;
        break;
    }
    default:
        kn_anomaly(o, KN_AN_ICMP_INNER_BAD);
        return;
    }
    o->flags |= KN_PKT_HAS_INNER;
    if (first_fragment && (o->inner_proto == PROTO_TCP || o->inner_proto == PROTO_UDP) &&
        len - hlen >= 4) {
        o->inner_sport = kn_be16(p + hlen);
        o->inner_dport = kn_be16(p + hlen + 2);
    }
}

static bool is_icmp_error(bool v6, uint8_t type)
{
    if (v6)
        return type >= 1 && type <= 4; /* unreachable, too big, time exceeded, parameter */
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* ICMP and ICMPv6 share the layout: type, code, checksum, 4 bytes that
 * depend on the type, then data (for errors: the offending packet). */
static void decode_icmp(bool v6, struct kn_span s, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (s.cap < 2) {
        kn_anomaly(o, KN_AN_ICMP_TRUNC);
        return;
    }
    o->flags |= KN_PKT_HAS_ICMP;
    o->icmp_type = p[0];
    o->icmp_code = p[1];
    if (s.cap < 8) {
        kn_anomaly(o, KN_AN_ICMP_TRUNC);
        return;
    }
    set_payload(o, p + 8, s.cap - 8);
    if (is_icmp_error(v6, o->icmp_type))
        decode_quoted(p + 8, s.cap - 8, o);
}

void kn_decode_transport(uint8_t proto, struct kn_span s, struct kn_pkt *o)
{
    switch (proto) {
    case PROTO_TCP:
        decode_tcp(s, o);
        break;
    case PROTO_UDP:
        decode_udp(s, o);
        break;
    case PROTO_ICMP:
        decode_icmp(false, s, o);
        break;
    case PROTO_ICMPV6:
        decode_icmp(true, s, o);
        break;
    default:
        break; /* other protocols: the IP layer says all there is */
    }
}
