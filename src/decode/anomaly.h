/* Decoder anomalies: malformed or cut-short traffic is data, so each kind has
 * a bit in kn_pkt.anomalies (1u << value) and a counter downstream. The
 * values are stored in databases: APPEND ONLY, never renumber or reuse.
 * Meanings, one line each, in docs/decoder.md. */
#ifndef KENCHI_DECODE_ANOMALY_H
#define KENCHI_DECODE_ANOMALY_H

enum kn_anomaly {
    KN_AN_LINK_TRUNCATED = 0,       /* capture ends inside a link-layer header */
    KN_AN_LINK_BAD = 1,             /* link-layer header present but invalid */
    KN_AN_VLAN_TOO_DEEP = 2,        /* more than KN_DECODE_MAX_VLAN_TAGS tags */
    KN_AN_UNKNOWN_LINK = 3,         /* link type the decoder does not know */
    KN_AN_CAPLEN_OVER_WIRELEN = 4,  /* record claims more captured than wire bytes */
    KN_AN_IP_EMPTY = 5,             /* raw-IP frame with no bytes at all */
    KN_AN_IP_VERSION_BAD = 6,       /* version nibble not the one the link announced */
    KN_AN_IPV4_TRUNCATED = 7,       /* capture ends inside the IPv4 header */
    KN_AN_IPV4_BAD_IHL = 8,         /* IHL < 5 */
    KN_AN_IPV4_TOTLEN_SHORT = 9,    /* total length < header length */
    KN_AN_IPV4_TOTLEN_LONG = 10,    /* total length > bytes on the wire */
    KN_AN_IPV4_PAYLOAD_CUT = 11,    /* snaplen ends inside the datagram */
    KN_AN_IPV6_TRUNCATED = 12,      /* capture ends inside the fixed IPv6 header */
    KN_AN_IPV6_PLEN_BAD = 13,       /* payload length > bytes on the wire */
    KN_AN_IPV6_PAYLOAD_CUT = 14,    /* snaplen ends inside the datagram */
    KN_AN_IPV6_EXT_TOO_LONG = 15,   /* more than KN_DECODE_MAX_IPV6_EXT headers */
    KN_AN_IPV6_EXT_TRUNCATED = 16,  /* an extension header runs past the data */
    KN_AN_TCP_TRUNC_NO_PORTS = 17,  /* fewer than 4 TCP bytes: no ports */
    KN_AN_TCP_TRUNC = 18,           /* ports present, rest of the 20 bytes missing */
    KN_AN_TCP_BAD_DOFF = 19,        /* data offset < 5 or past the IP payload */
    KN_AN_TCP_OPTS_CUT = 20,        /* snaplen ends inside the TCP options */
    KN_AN_TCP_OPTS_BAD = 21,        /* option length malformed: parsing stopped */
    KN_AN_UDP_TRUNC_NO_PORTS = 22,  /* fewer than 4 UDP bytes: no ports */
    KN_AN_UDP_TRUNC = 23,           /* ports present, length/checksum missing */
    KN_AN_UDP_LEN_BAD = 24,         /* UDP length < 8 or > the IP payload */
    KN_AN_ICMP_TRUNC = 25,          /* fewer than 8 ICMP bytes */
    KN_AN_ICMP_INNER_TRUNC = 26,    /* error message quotes less than an IP header */
    KN_AN_ICMP_INNER_BAD = 27,      /* quoted IP header invalid (version, IHL) */
    KN_AN__COUNT
};

/* Short snake_case names for JSON and terminals; "?" for values out of range. */
const char *kn_anomaly_name(unsigned anomaly);
const char *kn_outcome_name(unsigned outcome);

#endif
