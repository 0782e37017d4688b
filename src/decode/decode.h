/* The decoder: one captured frame in, one struct kn_pkt out. Pure and
 * allocation-free (the hot path), every read bounds-checked. Supported link
 * types, outcomes and anomalies: docs/decoder.md. */
#ifndef KENCHI_DECODE_DECODE_H
#define KENCHI_DECODE_DECODE_H

#include <stdint.h>

#include "decode/anomaly.h"
#include "decode/pkt.h"

/* LINKTYPE_ values as in pcap/pcapng files (plus the DLT_RAW values 12 and
 * 14 that libpcap may report on some platforms). */
enum {
    KN_LINK_NULL = 0,       /* BSD loopback: 4-byte AF in host byte order */
    KN_LINK_ETHERNET = 1,
    KN_LINK_PPP = 9,
    KN_LINK_DLT_RAW12 = 12,
    KN_LINK_DLT_RAW14 = 14,
    KN_LINK_PPP_HDLC = 50,
    KN_LINK_RAW = 101,
    KN_LINK_C_HDLC = 104,   /* Cisco HDLC */
    KN_LINK_LOOP = 108,     /* OpenBSD loopback: 4-byte AF in network order */
    KN_LINK_LINUX_SLL = 113,
    KN_LINK_IPV4 = 228,
    KN_LINK_IPV6 = 229,
    KN_LINK_LINUX_SLL2 = 276,
};

#define KN_DECODE_MAX_VLAN_TAGS 8 /* stacked 802.1Q/802.1ad tags followed */
#define KN_DECODE_MAX_IPV6_EXT 10 /* IPv6 extension headers followed */

/* Decodes one frame of link type `linktype` (caplen bytes captured at data,
 * wirelen on the wire) into *out, overwriting every field: exactly one
 * outcome, the anomaly bits, and what the layers present allow. out->payload
 * borrows from data. */
void kn_decode(int32_t linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
               uint64_t ts_ns, struct kn_pkt *out);

#endif
