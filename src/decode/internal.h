/* Shared between the decoder's layer files (link.c, ip.c, transport.c);
 * not for use outside src/decode/. */
#ifndef KENCHI_DECODE_INTERNAL_H
#define KENCHI_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/anomaly.h"
#include "decode/pkt.h"

/* The rest of a frame from some layer on: cap bytes captured at p, wire
 * bytes the layer below says exist (wire >= cap always). */
struct kn_span {
    const uint8_t *p;
    uint32_t cap;
    uint32_t wire;
};

/* Drops n bytes from the front; the caller has proved n <= s->cap. */
static inline void kn_span_skip(struct kn_span *s, uint32_t n)
{
    s->p += n;
    s->cap -= n;
    s->wire -= n;
}

static inline uint16_t kn_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t kn_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void kn_anomaly(struct kn_pkt *o, enum kn_anomaly a)
{
    o->anomalies |= 1u << a;
}

/* Ends decoding with a non-IP outcome and the anomaly that explains it. */
static inline void kn_fail(struct kn_pkt *o, enum kn_outcome outcome, enum kn_anomaly a)
{
    o->outcome = (uint8_t)outcome;
    kn_anomaly(o, a);
}

/* link.c: dispatches on an ethertype (following VLAN tags and PPPoE). */
void kn_decode_ethertype(uint16_t ethertype, struct kn_span s, struct kn_pkt *o);

/* ip.c: decodes an IP header. version 4 or 6 when the link layer announced
 * one, 0 to take it from the first nibble (raw IP). */
void kn_decode_ip(unsigned version, struct kn_span s, struct kn_pkt *o);

/* ip.c: where an IPv6 extension-header chain ends. */
struct kn_ip6_chain {
    uint8_t proto;      /* first header that is not a followed extension */
    uint32_t offset;    /* its offset from the chain's start */
    bool fragment;      /* a non-first fragment: no transport header */
    bool truncated;     /* an extension header runs past the data */
    bool too_long;      /* more than KN_DECODE_MAX_IPV6_EXT extensions */
    bool has_frag_id;
    uint16_t frag_id;   /* low 16 bits of the fragment header's id */
};
void kn_ipv6_walk(uint8_t next, const uint8_t *p, uint32_t len, struct kn_ip6_chain *c);

/* transport.c: decodes the header of `proto` at s (s.wire = the length the
 * IP layer claims for it, bounded by the wire). */
void kn_decode_transport(uint8_t proto, struct kn_span s, struct kn_pkt *o);

#endif
