/* IPv4 (RFC 791) and IPv6 (RFC 8200) headers: validity, the addresses, the
 * length the datagram claims versus what was captured and what was on the
 * wire, fragments, and the IPv6 extension-header chain up to the transport
 * header. Ethernet padding beyond the IP length is cut off here. */
#include <string.h>

#include "decode/decode.h"
#include "decode/internal.h"

enum {
    IP6_HOPOPTS = 0,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_ESP = 50,
    IP6_AH = 51,
    IP6_NONE = 59,
    IP6_DSTOPTS = 60,
};

/* The transport region of a datagram whose header is hlen bytes and whose
 * claimed end is `end` (bounded by the wire): at most what was captured. */
static struct kn_span transport_span(struct kn_span s, uint32_t hlen, uint32_t end)
{
    struct kn_span t = {s.p + hlen, (end < s.cap ? end : s.cap) - hlen, end - hlen};
    return t;
}

static void decode_ipv4(struct kn_span s, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (s.cap < 20) {
        kn_fail(o, KN_OUT_TRUNC_IP, KN_AN_IPV4_TRUNCATED);
        return;
    }
    uint32_t hlen = (p[0] & 0x0fu) * 4;
    if (hlen < 20) {
        kn_fail(o, KN_OUT_BAD_IP, KN_AN_IPV4_BAD_IHL);
        return;
    }
    if (hlen > s.cap) { /* capture ends inside the options */
        kn_fail(o, KN_OUT_TRUNC_IP, KN_AN_IPV4_TRUNCATED);
        return;
    }
    uint32_t total = kn_be16(p + 2);
    if (total < hlen) {
        kn_fail(o, KN_OUT_BAD_IP, KN_AN_IPV4_TOTLEN_SHORT);
        return;
    }
    o->outcome = KN_OUT_IP;
    o->ip_version = 4;
    o->ip_id = kn_be16(p + 4);
    o->ttl = p[8];
    o->proto = p[9];
    o->src4 = kn_be32(p + 12);
    o->dst4 = kn_be32(p + 16);

    uint32_t end = total;
    if (end > s.wire) {
        kn_anomaly(o, KN_AN_IPV4_TOTLEN_LONG);
        end = s.wire;
    }
    if (end > s.cap)
        kn_anomaly(o, KN_AN_IPV4_PAYLOAD_CUT);
    if ((kn_be16(p + 6) & 0x1fff) != 0) { /* fragment offset: not the first */
        o->flags |= KN_PKT_FRAGMENT;
        return;
    }
    kn_decode_transport(o->proto, transport_span(s, hlen, end), o);
}

void kn_ipv6_walk(uint8_t next, const uint8_t *p, uint32_t len, struct kn_ip6_chain *c)
{
    memset(c, 0, sizeof *c);
    uint32_t off = 0;
    for (unsigned n = 0;; n++) {
        uint32_t hlen;
        switch (next) {
        case IP6_HOPOPTS:
        case IP6_ROUTING:
        case IP6_DSTOPTS:
        case IP6_AH:
        case IP6_FRAGMENT:
            break;
        default: /* transport, ESP (50), no next header (59), mobility
                  * (135, terminal here), anything unknown */
            c->proto = next;
            c->offset = off;
            return;
        }
        c->proto = next;
        c->offset = off;
        if (n == KN_DECODE_MAX_IPV6_EXT) {
            c->too_long = true;
            return;
        }
        if (len - off < 8) { /* every extension header is >= 8 bytes */
            c->truncated = true;
            return;
        }
        const uint8_t *h = p + off;
        if (next == IP6_FRAGMENT) {
            hlen = 8;
            c->has_frag_id = true;
            c->frag_id = (uint16_t)kn_be32(h + 4);
            if ((kn_be16(h + 2) >> 3) != 0) { /* offset in 8-byte units */
                c->fragment = true;
                c->proto = h[0];
                c->offset = off + 8;
                return;
            }
        } else if (next == IP6_AH) {
            hlen = ((uint32_t)h[1] + 2) * 4; /* RFC 4302: 32-bit words - 2 */
        } else {
            hlen = ((uint32_t)h[1] + 1) * 8; /* 8-byte units, not counting the first */
        }
        if (hlen > len - off) {
            c->truncated = true;
            return;
        }
        next = h[0];
        off += hlen;
    }
}

static void decode_ipv6(struct kn_span s, struct kn_pkt *o)
{
    const uint8_t *p = s.p;
    if (s.cap < 40) {
        kn_fail(o, KN_OUT_TRUNC_IP, KN_AN_IPV6_TRUNCATED);
        return;
    }
    o->outcome = KN_OUT_IP;
    o->ip_version = 6;
    o->ttl = p[7];
    memcpy(o->src6, p + 8, 16);
    memcpy(o->dst6, p + 24, 16);

    uint32_t plen = kn_be16(p + 4);
    uint32_t end = 40 + plen;
    if (plen == 0 && p[6] == IP6_HOPOPTS) {
        end = s.wire; /* a jumbogram (RFC 2675): the length is in an option */
    } else if (end > s.wire) {
        kn_anomaly(o, KN_AN_IPV6_PLEN_BAD);
        end = s.wire;
    }
    if (end > s.cap)
        kn_anomaly(o, KN_AN_IPV6_PAYLOAD_CUT);
    struct kn_span t = transport_span(s, 40, end);

    struct kn_ip6_chain c;
    kn_ipv6_walk(p[6], t.p, t.cap, &c);
    o->proto = c.proto;
    if (c.has_frag_id)
        o->ip_id = c.frag_id;
    if (c.too_long) {
        kn_anomaly(o, KN_AN_IPV6_EXT_TOO_LONG);
        return;
    }
    if (c.truncated) {
        kn_anomaly(o, KN_AN_IPV6_EXT_TRUNCATED);
        return;
    }
    if (c.fragment) {
        o->flags |= KN_PKT_FRAGMENT;
        return;
    }
    kn_span_skip(&t, c.offset);
    kn_decode_transport(c.proto, t, o);
}

void kn_decode_ip(unsigned version, struct kn_span s, struct kn_pkt *o)
{
    if (s.cap == 0) {
        kn_fail(o, KN_OUT_TRUNC_IP,
                version == 4   ? KN_AN_IPV4_TRUNCATED
                : version == 6 ? KN_AN_IPV6_TRUNCATED
                               : KN_AN_IP_EMPTY);
        return;
    }
    unsigned found = s.p[0] >> 4;
    if ((version && found != version) || (found != 4 && found != 6)) {
        kn_fail(o, KN_OUT_BAD_IP, KN_AN_IP_VERSION_BAD);
        return;
    }
    if (found == 4)
        decode_ipv4(s, o);
    else
        decode_ipv6(s, o);
}
