/* The per-packet record: what the decoder extracts from one captured frame,
 * and all that classify and aggregate ever look at. Fixed size, no heap; the
 * payload pointer borrows the frame's bytes and is valid only as long as
 * the frame is (until the source's next read).
 *
 * The values of enum kn_outcome and enum kn_anomaly are stored in databases:
 * append only, never renumber. */
#ifndef KENCHI_DECODE_PKT_H
#define KENCHI_DECODE_PKT_H

#include <stdbool.h>
#include <stdint.h>

/* Every packet lands in exactly one outcome: these are the ingest counters
 * of docs/metrics.md ("Ingest statistics"). Whether an intact IP packet is
 * an access or a not-sensor packet is decided later, by classify. */
enum kn_outcome {
    KN_OUT_IP = 0,       /* IP header intact (an access or not-sensor packet) */
    KN_OUT_NO_IP = 1,    /* link layer fine, carries no IP (ARP, LLDP, STP, ...) */
    KN_OUT_TRUNC_LINK = 2, /* capture ends inside the link-layer header(s) */
    KN_OUT_TRUNC_IP = 3, /* capture ends inside the IPv4/IPv6 header */
    KN_OUT_BAD_IP = 4,   /* IP header present but invalid (version, IHL < 5) */
    KN_OUT_UNKNOWN_LINK = 5, /* a link type the decoder does not know */
    KN_OUT__COUNT
};

/* Flags in kn_pkt.flags. */
enum {
    KN_PKT_HAS_PORTS = 1u << 0,  /* sport/dport valid (first 4 transport bytes present) */
    KN_PKT_HAS_TCP = 1u << 1,    /* full TCP header present: flags, seq, ack, window */
    KN_PKT_FRAGMENT = 1u << 2,   /* a non-first IP fragment: no transport header */
    KN_PKT_HAS_ICMP = 1u << 3,   /* icmp_type/icmp_code valid (ICMPv4 or ICMPv6) */
    KN_PKT_HAS_INNER = 1u << 4,  /* ICMP error quoting an IP header: inner_* valid */
};

/* TCP flag bits as on the wire (kn_pkt.tcp_flags). */
enum {
    KN_TCP_FIN = 0x01, KN_TCP_SYN = 0x02, KN_TCP_RST = 0x04, KN_TCP_PSH = 0x08,
    KN_TCP_ACK = 0x10, KN_TCP_URG = 0x20, KN_TCP_ECE = 0x40, KN_TCP_CWR = 0x80,
};

#define KN_TCP_MAX_OPTS 8

struct kn_pkt {
    uint64_t ts_ns;        /* capture time, nanoseconds since the Unix epoch */
    uint32_t caplen;       /* bytes captured */
    uint32_t wirelen;      /* bytes on the wire */
    uint32_t anomalies;    /* bit (1u << enum kn_anomaly) per anomaly seen */
    int32_t linktype;      /* DLT/LINKTYPE of the frame */
    uint8_t outcome;       /* enum kn_outcome */
    uint8_t ip_version;    /* 4 or 6 when outcome == KN_OUT_IP, else 0 */
    uint8_t proto;         /* transport protocol (after IPv6 extension headers) */
    uint8_t ttl;           /* IPv4 TTL or IPv6 hop limit */
    uint8_t flags;         /* KN_PKT_* */
    uint8_t tcp_flags;     /* KN_TCP_* when KN_PKT_HAS_TCP */
    uint16_t ip_id;        /* IPv4 identification; IPv6: low 16 bits of a fragment id, else 0 */
    uint16_t vlan_id;      /* outermost 802.1Q/802.1ad VLAN id, 0 when untagged */
    uint32_t src4, dst4;   /* IPv4 addresses in host byte order (ip_version 4) */
    uint8_t src6[16];      /* IPv6 addresses as on the wire (ip_version 6) */
    uint8_t dst6[16];
    uint16_t sport, dport; /* host byte order, when KN_PKT_HAS_PORTS */
    uint32_t seq, ack;     /* host byte order, when KN_PKT_HAS_TCP */
    uint16_t window;
    uint16_t mss;          /* MSS option value, 0 when absent */
    uint8_t tcp_opt_count; /* options present, NOPs included, EOL and padding not */
    uint8_t tcp_opt_kinds[KN_TCP_MAX_OPTS]; /* kinds of the first options, in order */
    uint8_t icmp_type, icmp_code; /* when KN_PKT_HAS_ICMP */
    /* The IP header quoted by an ICMP error (backscatter: who was attacked). */
    uint8_t inner_version, inner_proto;
    uint16_t inner_sport, inner_dport; /* 0 when not quoted */
    uint32_t inner_src4, inner_dst4;
    uint8_t inner_src6[16], inner_dst6[16];
    const uint8_t *payload; /* transport payload, borrowed from the frame; NULL if none */
    uint32_t payload_len;   /* captured payload bytes */
};

#endif
