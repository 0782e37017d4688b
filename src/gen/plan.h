/* One planned packet: what the traffic generator decided to emit, in plain
 * fields. The frame builder (frame.c) turns it into bytes; the truth counter
 * (truth.c) counts it from the same fields with its own direct tests of the
 * metric contract. Neither looks at the other's output, and nothing here
 * uses kenchi's decoder or classifier. */
#ifndef KENCHI_GEN_PLAN_H
#define KENCHI_GEN_PLAN_H

#include <stdint.h>

enum gen_link {
    GEN_L_IP4 = 0,
    GEN_L_IP6 = 1,
    GEN_L_ARP = 2, /* an Ethernet frame with no IP in it */
};

/* How much of the frame is captured (the snaplen cut of a real capture). */
enum gen_trunc {
    GEN_T_NONE = 0,
    GEN_T_AFTER_IP = 1, /* the IP header and nothing after it: still an access, no port */
    GEN_T_PORTS = 2,    /* the IP header and the first 4 transport bytes: ports, no flags */
    GEN_T_IN_IP = 3,    /* cut inside the IP header: not an access */
};

/* TCP option sets. Only GEN_O_MSS1460 is the nmap fingerprint (exactly one
 * option, MSS 1460); the others are near misses or ordinary stacks. */
enum gen_opts {
    GEN_O_NONE = 0,
    GEN_O_MSS1460 = 1,     /* MSS 1460, alone (nmap SYN scan) */
    GEN_O_MSS1460_NOP = 2, /* MSS 1460 then NOP: two options */
    GEN_O_MSS1380 = 3,     /* MSS 1380, alone */
    GEN_O_LINUX = 4,       /* MSS 1460, SACK-permitted, timestamps, NOP, window scale */
};

enum gen_vlan { GEN_V_NONE = 0, GEN_V_8021Q = 1, GEN_V_QINQ = 2 };

#define GEN_PROTO_ICMP 1
#define GEN_PROTO_TCP 6
#define GEN_PROTO_UDP 17
#define GEN_PROTO_GRE 47
#define GEN_PROTO_ESP 50
#define GEN_PROTO_ICMP6 58

enum {
    GEN_TCP_FIN = 0x01, GEN_TCP_SYN = 0x02, GEN_TCP_RST = 0x04, GEN_TCP_PSH = 0x08,
    GEN_TCP_ACK = 0x10, GEN_TCP_URG = 0x20, GEN_TCP_ECE = 0x40, GEN_TCP_CWR = 0x80,
};

struct gen_pkt {
    uint64_t ts_us;      /* capture time, microseconds since the Unix epoch */
    uint8_t link;        /* enum gen_link */
    uint8_t proto;       /* IP protocol / IPv6 next header */
    uint8_t tcp_flags;
    uint8_t opts;        /* enum gen_opts (TCP only) */
    uint8_t vlan;        /* enum gen_vlan */
    uint8_t trunc;       /* enum gen_trunc */
    uint8_t ttl;
    uint8_t frag;        /* 1: an IPv4 non-first fragment (no transport header) */
    uint8_t to_sensor;   /* 1: the destination was drawn from a sensor prefix */
    uint8_t icmp_type, icmp_code;
    uint8_t quote_proto; /* ICMP errors: protocol of the quoted packet */
    uint16_t vlan_id;
    uint16_t ip_id, window;
    /* TCP/UDP ports; for ICMP errors the quoted packet's ports; for ICMP
     * echo the identifier (sport) and sequence number (dport). */
    uint16_t sport, dport;
    uint16_t payload_len;
    uint32_t seq, ack;
    uint32_t src4, dst4; /* host byte order */
    uint8_t src6[16], dst6[16];
};

#endif
