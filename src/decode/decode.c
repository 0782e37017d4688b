/* The decoder's entry point and its link layers: Ethernet (802.1Q/802.1ad
 * tag stacks, PPPoE session), Linux cooked SLL/SLL2, BSD NULL and LOOP, PPP
 * (plain and HDLC-framed), Cisco HDLC and raw IP. Each layer proves its
 * header is captured before reading it, then hands the rest to ip.c. */
#include "decode/decode.h"

#include <string.h>

#include "decode/internal.h"

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_8021Q = 0x8100,
    ETH_8021AD = 0x88a8,
    ETH_QINQ_OLD = 0x9100,
    ETH_PPPOE_SESSION = 0x8864,
    PPP_IPV4 = 0x0021,
    PPP_IPV6 = 0x0057,
    ARPHRD_NETLINK = 824, /* SLL/SLL2 "protocol" is then a netlink family */
};

/* PPP protocol field (RFC 1661): IPv4, IPv6, anything else carries no IP. */
static void decode_ppp_proto(uint16_t proto, struct kn_span s, struct kn_pkt *o)
{
    if (proto == PPP_IPV4)
        kn_decode_ip(4, s, o);
    else if (proto == PPP_IPV6)
        kn_decode_ip(6, s, o);
    else
        o->outcome = KN_OUT_NO_IP;
}

/* PPPoE session stage (RFC 2516): ver/type 0x11, code 0, session id,
 * length, then a 2-byte PPP protocol. */
static void decode_pppoe(struct kn_span s, struct kn_pkt *o)
{
    if (s.cap < 8) {
        kn_fail(o, KN_OUT_TRUNC_LINK, KN_AN_LINK_TRUNCATED);
        return;
    }
    if (s.p[0] != 0x11 || s.p[1] != 0) {
        kn_fail(o, KN_OUT_NO_IP, KN_AN_LINK_BAD);
        return;
    }
    uint16_t proto = kn_be16(s.p + 6);
    kn_span_skip(&s, 8);
    decode_ppp_proto(proto, s, o);
}

void kn_decode_ethertype(uint16_t ethertype, struct kn_span s, struct kn_pkt *o)
{
    for (unsigned tags = 0;; tags++) {
        switch (ethertype) {
        case ETH_IPV4:
            kn_decode_ip(4, s, o);
            return;
        case ETH_IPV6:
            kn_decode_ip(6, s, o);
            return;
        case ETH_PPPOE_SESSION:
            decode_pppoe(s, o);
            return;
        case ETH_8021Q:
        case ETH_8021AD:
        case ETH_QINQ_OLD:
            /* A tag is TCI (PCP, DEI, 12-bit VLAN id) then the next type. */
            if (tags == KN_DECODE_MAX_VLAN_TAGS) {
                kn_fail(o, KN_OUT_NO_IP, KN_AN_VLAN_TOO_DEEP);
                return;
            }
            if (s.cap < 4) {
                kn_fail(o, KN_OUT_TRUNC_LINK, KN_AN_LINK_TRUNCATED);
                return;
            }
            if (tags == 0)
                o->vlan_id = kn_be16(s.p) & 0x0fff;
            ethertype = kn_be16(s.p + 2);
            kn_span_skip(&s, 4);
            break;
        default:
            /* ARP, LLDP, 802.3 length fields with LLC, ...: no IP. */
            o->outcome = KN_OUT_NO_IP;
            return;
        }
    }
}

/* Cuts a fixed-size link header off the front, or fails as truncated. */
static bool link_header(struct kn_span *s, uint32_t len, struct kn_pkt *o)
{
    if (s->cap < len) {
        kn_fail(o, KN_OUT_TRUNC_LINK, KN_AN_LINK_TRUNCATED);
        return false;
    }
    kn_span_skip(s, len);
    return true;
}

static bool is_af_inet6(uint32_t af)
{
    return af == 24 || af == 28 || af == 30; /* NetBSD/OpenBSD, FreeBSD, Darwin */
}

/* NULL/LOOP: a 4-byte address family; NULL writes it in the capturing
 * host's byte order, which the file does not record, so accept both. */
static void decode_loopback(struct kn_span s, bool either_order, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (!link_header(&s, 4, o))
        return;
    uint32_t be = kn_be32(p);
    uint32_t le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
    if (be == 2 || (either_order && le == 2))
        kn_decode_ip(4, s, o);
    else if (is_af_inet6(be) || (either_order && is_af_inet6(le)))
        kn_decode_ip(6, s, o);
    else
        o->outcome = KN_OUT_NO_IP;
}

/* Linux cooked captures. SLL: type(2) ARPHRD(2) addrlen(2) addr(8)
 * proto(2). SLL2: proto(2) reserved(2) ifindex(4) ARPHRD(2) type(1)
 * addrlen(1) addr(8). The protocol is an ethertype except on netlink. */
static void decode_cooked(struct kn_span s, uint32_t hlen, uint32_t proto_at,
                          uint32_t hatype_at, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (!link_header(&s, hlen, o))
        return;
    if (kn_be16(p + hatype_at) == ARPHRD_NETLINK) {
        o->outcome = KN_OUT_NO_IP;
        return;
    }
    kn_decode_ethertype(kn_be16(p + proto_at), s, o);
}

/* PPP (RFC 1661/1662): optional ff 03 address/control, then a protocol
 * field that may be compressed to one byte (odd first byte). */
static void decode_ppp(struct kn_span s, struct kn_pkt *o)
{
    if (s.cap >= 2 && s.p[0] == 0xff && s.p[1] == 0x03)
        kn_span_skip(&s, 2);
    if (s.cap >= 1 && (s.p[0] & 1)) {
        uint16_t proto = s.p[0];
        kn_span_skip(&s, 1);
        decode_ppp_proto(proto, s, o);
        return;
    }
    const uint8_t *p = s.p;
    if (!link_header(&s, 2, o))
        return;
    decode_ppp_proto(kn_be16(p), s, o);
}

/* Cisco HDLC: address 0x0f (unicast) or 0x8f (broadcast), control 0, then
 * an ethertype. */
static bool is_chdlc(const uint8_t *p)
{
    return (p[0] == 0x0f || p[0] == 0x8f) && p[1] == 0;
}

static void decode_chdlc(struct kn_span s, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (!link_header(&s, 4, o))
        return;
    if (!is_chdlc(p)) {
        kn_fail(o, KN_OUT_NO_IP, KN_AN_LINK_BAD);
        return;
    }
    kn_decode_ethertype(kn_be16(p + 2), s, o);
}

/* LINKTYPE_PPP_HDLC: PPP in HDLC-like framing (ff 03 + protocol); libpcap
 * also stores Cisco HDLC frames under it. */
static void decode_ppp_hdlc(struct kn_span s, struct kn_pkt *o)
{
    if (s.cap >= 2 && is_chdlc(s.p)) {
        decode_chdlc(s, o);
        return;
    }
    const uint8_t *p = s.p;
    if (!link_header(&s, 4, o))
        return;
    if (p[0] != 0xff || p[1] != 0x03) {
        kn_fail(o, KN_OUT_NO_IP, KN_AN_LINK_BAD);
        return;
    }
    decode_ppp_proto(kn_be16(p + 2), s, o);
}

/* Copied over each packet's fields rather than memset: GCC makes a memset
 * of this size `rep stosq`, whose start-up cost was ~86% of kn_decode's
 * samples (~4% of the bench day's CPU), where a copy of a constant becomes
 * eleven 16-byte moves (docs/performance.md, item 33). */
static const struct kn_pkt zero_pkt;

void kn_decode(int32_t linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
               uint64_t ts_ns, struct kn_pkt *out)
{
    *out = zero_pkt;
    out->ts_ns = ts_ns;
    out->caplen = caplen;
    out->wirelen = wirelen;
    out->linktype = linktype;
    if (!data)
        caplen = 0;
    if (wirelen < caplen) {
        kn_anomaly(out, KN_AN_CAPLEN_OVER_WIRELEN);
        wirelen = caplen;
    }
    struct kn_span s = {data, caplen, wirelen};
    const uint8_t *p = data;

    switch (linktype) {
    case KN_LINK_ETHERNET:
        if (link_header(&s, 14, out))
            kn_decode_ethertype(kn_be16(p + 12), s, out);
        break;
    case KN_LINK_LINUX_SLL:
        decode_cooked(s, 16, 14, 2, out);
        break;
    case KN_LINK_LINUX_SLL2:
        decode_cooked(s, 20, 0, 8, out);
        break;
    case KN_LINK_RAW:
    case KN_LINK_DLT_RAW12:
    case KN_LINK_DLT_RAW14:
        kn_decode_ip(0, s, out);
        break;
    case KN_LINK_IPV4:
        kn_decode_ip(4, s, out);
        break;
    case KN_LINK_IPV6:
        kn_decode_ip(6, s, out);
        break;
    case KN_LINK_NULL:
        decode_loopback(s, true, out);
        break;
    case KN_LINK_LOOP:
        decode_loopback(s, false, out);
        break;
    case KN_LINK_PPP:
        decode_ppp(s, out);
        break;
    case KN_LINK_PPP_HDLC:
        decode_ppp_hdlc(s, out);
        break;
    case KN_LINK_C_HDLC:
        decode_chdlc(s, out);
        break;
    default:
        kn_fail(out, KN_OUT_UNKNOWN_LINK, KN_AN_UNKNOWN_LINK);
        break;
    }
}
