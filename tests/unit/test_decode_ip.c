/* decode: IPv4 (options, lengths, fragments) and IPv6 (payload length,
 * extension-header chains, fragments). Raw-IP frames, hand-built; each
 * fixture's meaning is in the comment above it. */
#include "decode/decode.h"
#include "harness.h"

#define BIT(a) (1u << (a))

static struct kn_pkt pkt;

static void decode_raw(const uint8_t *ip, uint32_t caplen, uint32_t wirelen)
{
    kn_decode(KN_LINK_RAW, ip, caplen, wirelen, 0, &pkt);
}

/* IPv4, IHL 7 (8 bytes of options: record route, length 7, pointer 4,
 * one empty slot + EOL), total length 36, id 7, DF, TTL 50, UDP,
 * 192.0.2.1 -> 198.51.100.2; UDP 5353 -> 53, length 8. */
static const uint8_t ip4_opts_udp[36] = {
    0x47, 0x00, 0x00, 0x24, 0x00, 0x07, 0x40, 0x00, 0x32, 0x11, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
    0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x14, 0xe9, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

static void test_ipv4_options_skipped(void)
{
    decode_raw(ip4_opts_udp, sizeof ip4_opts_udp, sizeof ip4_opts_udp);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.ip_id, 7);
    CHECK_EQ(pkt.ttl, 50);
    CHECK_EQ(pkt.src4, 0xc0000201u);
    CHECK_EQ(pkt.dst4, 0xc6336402u);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
    CHECK_EQ(pkt.sport, 5353);
    CHECK_EQ(pkt.dport, 53);
    CHECK_EQ(pkt.payload_len, 0);
    /* Capture ends inside the options: the header is not intact. */
    decode_raw(ip4_opts_udp, 24, sizeof ip4_opts_udp);
    CHECK_EQ(pkt.outcome, KN_OUT_TRUNC_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_TRUNCATED));
    /* Capture ends right after the header: still an access, no ports. */
    decode_raw(ip4_opts_udp, 28, sizeof ip4_opts_udp);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.flags, 0);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_UDP_TRUNC_NO_PORTS));
}

static void test_ipv4_bad_headers(void)
{
    uint8_t ip[36];
    memcpy(ip, ip4_opts_udp, sizeof ip);
    ip[0] = 0x44; /* IHL 4: 16 bytes, less than the fixed header */
    decode_raw(ip, sizeof ip, sizeof ip);
    CHECK_EQ(pkt.outcome, KN_OUT_BAD_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_BAD_IHL));
    CHECK_EQ(pkt.ip_version, 0);
    ip[0] = 0x4f; /* IHL 15: 60 bytes, only 36 captured */
    decode_raw(ip, sizeof ip, sizeof ip);
    CHECK_EQ(pkt.outcome, KN_OUT_TRUNC_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_TRUNCATED));
    memcpy(ip, ip4_opts_udp, sizeof ip);
    ip[3] = 27; /* total length 27 < header length 28 */
    decode_raw(ip, sizeof ip, sizeof ip);
    CHECK_EQ(pkt.outcome, KN_OUT_BAD_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_TOTLEN_SHORT));
    ip[3] = 28; /* total length = header length: an empty datagram */
    decode_raw(ip, sizeof ip, sizeof ip);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_UDP_TRUNC_NO_PORTS));
    /* Total length 100 but 36 bytes on the wire. */
    ip[3] = 100;
    decode_raw(ip, sizeof ip, sizeof ip);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_TOTLEN_LONG));
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
    /* Total length 100, 100 on the wire, 36 captured (snaplen). */
    decode_raw(ip, sizeof ip, 100);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT));
}

/* IPv4 TCP first fragment: total length 28, MF set, offset 0 - the first 8
 * bytes of a TCP header (ports and seq) only. 192.0.2.9 -> 203.0.113.1,
 * 40000 -> 80. */
static const uint8_t frag_first[28] = {
    0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x20, 0x00, 0x40, 0x06, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x09, 0xcb, 0x00, 0x71, 0x01,
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
};

/* The next fragment: offset 1 (8 bytes), MF clear, 12 bytes of the rest of
 * the TCP header, whose first 4 bytes must not be taken for ports. */
static const uint8_t frag_later[32] = {
    0x45, 0x00, 0x00, 0x20, 0xab, 0xcd, 0x00, 0x01, 0x40, 0x06, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x09, 0xcb, 0x00, 0x71, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_ipv4_fragments(void)
{
    decode_raw(frag_first, sizeof frag_first, sizeof frag_first);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
    CHECK_EQ(pkt.sport, 40000);
    CHECK_EQ(pkt.dport, 80);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_TRUNC));
    decode_raw(frag_later, sizeof frag_later, sizeof frag_later);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.flags, KN_PKT_FRAGMENT);
    CHECK_EQ(pkt.proto, 6);
    CHECK_EQ(pkt.sport, 0);
    CHECK_EQ(pkt.dport, 0);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.ip_id, 0xabcd);
    CHECK(pkt.payload == NULL);
}

/* IPv6 2001:db8::a -> 2001:db8::b, next header hop-by-hop, then
 *   hop-by-hop (next routing, len 0: 8 bytes, PadN),
 *   routing (next fragment, len 0: type 0, segments left 0),
 *   fragment (next dest-opts, offset 0, M set, id 0x11223344),
 *   destination options (next AH, len 0),
 *   AH (next TCP, payload len 1: (1+2)*4 = 12 bytes),
 *   TCP 1000 -> 22, SYN|ACK, data offset 5.
 * Payload length 8+8+8+8+12+20 = 64. */
static const uint8_t ip6_chain[104] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
    /* hop-by-hop */ 43, 0, 0x01, 0x04, 0, 0, 0, 0,
    /* routing */ 44, 0, 0, 0, 0, 0, 0, 0,
    /* fragment */ 60, 0, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
    /* dest opts */ 51, 0, 0x01, 0x04, 0, 0, 0, 0,
    /* AH */ 6, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
    /* TCP */ 0x03, 0xe8, 0x00, 0x16, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x12, 0x10, 0x00,
    0, 0, 0, 0,
};

static void test_ipv6_extension_chain(void)
{
    decode_raw(ip6_chain, sizeof ip6_chain, sizeof ip6_chain);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.ip_version, 6);
    CHECK_EQ(pkt.proto, 6);
    CHECK_EQ(pkt.ip_id, 0x3344);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP);
    CHECK_EQ(pkt.sport, 1000);
    CHECK_EQ(pkt.dport, 22);
    CHECK_EQ(pkt.tcp_flags, KN_TCP_SYN | KN_TCP_ACK);
    CHECK_EQ(pkt.seq, 1);
    CHECK_EQ(pkt.ack, 2);
    CHECK_EQ(pkt.window, 4096);
    /* Cut inside the AH header (offset 40+32+5): chain truncated, still IP. */
    decode_raw(ip6_chain, 77, sizeof ip6_chain);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.flags, 0);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_PAYLOAD_CUT) | BIT(KN_AN_IPV6_EXT_TRUNCATED));
    /* Cut right after the fixed header. */
    decode_raw(ip6_chain, 40, sizeof ip6_chain);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_PAYLOAD_CUT) | BIT(KN_AN_IPV6_EXT_TRUNCATED));
    decode_raw(ip6_chain, 39, sizeof ip6_chain);
    CHECK_EQ(pkt.outcome, KN_OUT_TRUNC_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_TRUNCATED));
}

static void test_ipv6_fragments(void)
{
    uint8_t ip[104];
    memcpy(ip, ip6_chain, sizeof ip);
    ip[58] = 0x00; /* fragment offset 1 (8 bytes), M clear */
    ip[59] = 0x08;
    decode_raw(ip, sizeof ip, sizeof ip);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.flags, KN_PKT_FRAGMENT);
    CHECK_EQ(pkt.proto, 60); /* what the fragment header says comes next */
    CHECK_EQ(pkt.ip_id, 0x3344);
    CHECK_EQ(pkt.anomalies, 0);
}

/* IPv6 with n destination-options headers (8 bytes each) then UDP 7 -> 9. */
static uint32_t build_dstopts_chain(uint8_t *ip, unsigned n)
{
    static const uint8_t fixed[40] = {
        0x60, 0, 0, 0, 0, 0, 60, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
    };
    memcpy(ip, fixed, 40);
    if (n == 0)
        ip[6] = 17; /* UDP right after the fixed header */
    uint32_t off = 40;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t opt[8] = {i + 1 < n ? 60 : 17, 0, 0x01, 0x04, 0, 0, 0, 0};
        memcpy(ip + off, opt, 8);
        off += 8;
    }
    const uint8_t udp[8] = {0, 7, 0, 9, 0, 8, 0, 0};
    memcpy(ip + off, udp, 8);
    off += 8;
    ip[4] = (uint8_t)((off - 40) >> 8);
    ip[5] = (uint8_t)(off - 40);
    return off;
}

static void test_ipv6_chain_bounds(void)
{
    uint8_t ip[40 + 8 * 20 + 8];
    uint32_t len = build_dstopts_chain(ip, KN_DECODE_MAX_IPV6_EXT);
    decode_raw(ip, len, len);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.proto, 17);
    CHECK_EQ(pkt.dport, 9);
    len = build_dstopts_chain(ip, KN_DECODE_MAX_IPV6_EXT + 1);
    decode_raw(ip, len, len);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_EXT_TOO_LONG));
    CHECK_EQ(pkt.flags, 0);
    len = build_dstopts_chain(ip, 20);
    decode_raw(ip, len, len);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_EXT_TOO_LONG));
    /* An extension header whose length runs past the payload: the first
     * destination-options header claims (255+1)*8 bytes. */
    len = build_dstopts_chain(ip, 2);
    ip[41] = 255;
    decode_raw(ip, len, len);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_EXT_TRUNCATED));
}

static void test_ipv6_terminal_headers(void)
{
    uint8_t ip[64];
    uint32_t len = build_dstopts_chain(ip, 1);
    const uint8_t terminal[] = {50 /* ESP */, 59 /* no next */, 135 /* mobility */};
    for (unsigned i = 0; i < 3; i++) {
        ip[40] = terminal[i];
        decode_raw(ip, len, len);
        CHECK_EQ(pkt.outcome, KN_OUT_IP);
        CHECK_EQ(pkt.proto, terminal[i]);
        CHECK_EQ(pkt.flags, 0);
        CHECK_EQ(pkt.anomalies, 0);
    }
}

static void test_ipv6_payload_length(void)
{
    uint8_t ip[64];
    uint32_t len = build_dstopts_chain(ip, 0); /* plain UDP, payload length 8 */
    ip[5] = 200; /* claims 200 bytes, 8 on the wire */
    decode_raw(ip, len, len);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_PLEN_BAD));
    CHECK_EQ(pkt.dport, 9);
    decode_raw(ip, len, 240); /* 200 on the wire, 8 captured */
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_PAYLOAD_CUT));
    ip[5] = 4; /* claims 4: half a UDP header */
    decode_raw(ip, len, len);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_UDP_TRUNC));
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
}

int main(void)
{
    RUN(test_ipv4_options_skipped);
    RUN(test_ipv4_bad_headers);
    RUN(test_ipv4_fragments);
    RUN(test_ipv6_extension_chain);
    RUN(test_ipv6_fragments);
    RUN(test_ipv6_chain_bounds);
    RUN(test_ipv6_terminal_headers);
    RUN(test_ipv6_payload_length);
    TEST_MAIN_END();
}
