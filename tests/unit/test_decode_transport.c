/* decode: TCP (options summary, scanner fingerprints, data offset), UDP,
 * ICMP/ICMPv6 errors with their quoted headers, truncation at every byte
 * offset, and random garbage. Frames are copied into exact-size heap
 * buffers so the sanitised build catches any read past the capture. */
#include "decode/decode.h"
#include "harness.h"

#define BIT(a) (1u << (a))

static struct kn_pkt pkt;

/* Decodes a copy of data[0..caplen) that ends exactly at caplen. The
 * payload pointer is rebased onto `data` so tests can compare it. */
static void decode_exact(int32_t linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    uint8_t *copy = malloc(caplen ? caplen : 1); /* freed below */
    if (!copy)
        abort();
    memcpy(copy, data, caplen);
    kn_decode(linktype, copy, caplen, wirelen, 0, &pkt);
    if (pkt.payload)
        pkt.payload = data + (pkt.payload - copy);
    free(copy);
}

/* Ethernet, IPv4 (IHL 6: one 4-byte option, router alert 94 04 00 00),
 * total length 61, TTL 64, TCP, 198.51.100.7 -> 203.0.113.5;
 * TCP 40000 -> 443, seq 0x01020304, ack 0, data offset 8 (12 bytes of
 * options: MSS 1460, NOP, window scale 7, SACK permitted, NOP, NOP), PSH|ACK,
 * window 65535; payload "hello". 14 + 24 + 32 + 5 = 75 bytes. */
static const uint8_t eth_ip4_tcp_opts[75] = {
    0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
    0x46, 0x00, 0x00, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
    0xc6, 0x33, 0x64, 0x07, 0xcb, 0x00, 0x71, 0x05, 0x94, 0x04, 0x00, 0x00,
    0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07, 0x04, 0x02, 0x01, 0x01,
    'h', 'e', 'l', 'l', 'o',
};

static void test_tcp_full_header_and_options(void)
{
    decode_exact(KN_LINK_ETHERNET, eth_ip4_tcp_opts, 75, 75);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP);
    CHECK_EQ(pkt.sport, 40000);
    CHECK_EQ(pkt.dport, 443);
    CHECK_EQ(pkt.seq, 0x01020304);
    CHECK_EQ(pkt.tcp_flags, KN_TCP_PSH | KN_TCP_ACK);
    CHECK_EQ(pkt.window, 65535);
    CHECK_EQ(pkt.mss, 1460);
    CHECK_EQ(pkt.tcp_opt_count, 6);
    const uint8_t kinds[6] = {2, 1, 3, 4, 1, 1};
    CHECK(memcmp(pkt.tcp_opt_kinds, kinds, 6) == 0);
    CHECK_EQ(pkt.payload_len, 5);
    CHECK(pkt.payload == eth_ip4_tcp_opts + 70);
}

/* The expected outcome and flags when only the first n bytes of
 * eth_ip4_tcp_opts exist: captured (snaplen; the wire had all 75) or, with
 * wire_cut, also all there was on the wire. Boundaries: Ethernet 14, IPv4
 * fixed header 34, with options 38, ports 42, TCP fixed 58, options 70. */
static void check_prefix(uint32_t n, bool wire_cut)
{
    uint32_t cut = BIT(wire_cut ? KN_AN_IPV4_TOTLEN_LONG : KN_AN_IPV4_PAYLOAD_CUT);
    if (n < 14) {
        CHECK_EQ(pkt.outcome, KN_OUT_TRUNC_LINK);
        CHECK_EQ(pkt.anomalies, BIT(KN_AN_LINK_TRUNCATED));
    } else if (n < 38) {
        CHECK_EQ(pkt.outcome, KN_OUT_TRUNC_IP);
        CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_TRUNCATED));
    }
    if (n < 38) {
        CHECK_EQ(pkt.ip_version, 0);
        CHECK_EQ(pkt.flags, 0);
        return;
    }
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.ip_version, 4);
    CHECK_EQ(pkt.dst4, 0xcb007105u);
    CHECK_EQ(pkt.proto, 6);
    if (n < 42) {
        CHECK_EQ(pkt.flags, 0);
        CHECK_EQ(pkt.anomalies, cut | BIT(KN_AN_TCP_TRUNC_NO_PORTS));
        return;
    }
    CHECK_EQ(pkt.sport, 40000);
    CHECK_EQ(pkt.dport, 443);
    if (n < 58) {
        CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
        CHECK_EQ(pkt.anomalies, cut | BIT(KN_AN_TCP_TRUNC));
        return;
    }
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP);
    CHECK_EQ(pkt.seq, 0x01020304);
    CHECK_EQ(pkt.window, 65535);
    if (n < 70) {
        CHECK(pkt.payload == NULL);
        if (wire_cut) { /* the header claims bytes the datagram does not have */
            CHECK_EQ(pkt.anomalies, cut | BIT(KN_AN_TCP_BAD_DOFF));
            CHECK_EQ(pkt.tcp_opt_count, 0);
            return;
        }
        CHECK_EQ(pkt.anomalies, cut | BIT(KN_AN_TCP_OPTS_CUT));
        /* Options complete at 62 (MSS), 63 (NOP), 66 (WS), 68 (SACK-OK), 69 (NOP). */
        unsigned want = n >= 69 ? 5 : n >= 68 ? 4 : n >= 66 ? 3 : n >= 63 ? 2 : n >= 62 ? 1 : 0;
        CHECK_EQ(pkt.tcp_opt_count, want);
        CHECK_EQ(pkt.mss, n >= 62 ? 1460 : 0);
        return;
    }
    CHECK_EQ(pkt.anomalies, n < 75 ? cut : 0);
    CHECK_EQ(pkt.tcp_opt_count, 6);
    CHECK_EQ(pkt.mss, 1460);
    CHECK_EQ(pkt.payload_len, n - 70);
    CHECK(n == 70 ? pkt.payload == NULL : pkt.payload == eth_ip4_tcp_opts + 70);
}

static void test_truncation_at_every_offset_snaplen(void)
{
    for (uint32_t n = 0; n <= 75; n++) {
        decode_exact(KN_LINK_ETHERNET, eth_ip4_tcp_opts, n, 75);
        check_prefix(n, false);
        if (th_current_failed) {
            printf("# at prefix length %u\n", n);
            return;
        }
    }
}

static void test_truncation_at_every_offset_on_the_wire(void)
{
    for (uint32_t n = 0; n <= 75; n++) {
        decode_exact(KN_LINK_ETHERNET, eth_ip4_tcp_opts, n, n);
        check_prefix(n, true);
        if (th_current_failed) {
            printf("# at prefix length %u\n", n);
            return;
        }
    }
}

/* Raw IPv4 TCP SYN, 192.0.2.77 -> 203.0.113.9, IP id 0x1234, TCP
 * 51000 -> 80, seq 0x11223344, window 1024, data offset 6, options given
 * in the last 4 bytes (filled in by the tests). */
static uint8_t syn_with_opts[44] = {
    0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x4d, 0xcb, 0x00, 0x71, 0x09,
    0xc7, 0x38, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
    0, 0, 0, 0,
};

static void decode_syn_opts(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    syn_with_opts[40] = a;
    syn_with_opts[41] = b;
    syn_with_opts[42] = c;
    syn_with_opts[43] = d;
    decode_exact(KN_LINK_RAW, syn_with_opts, 44, 44);
}

static void test_nmap_like_syn(void)
{
    decode_syn_opts(0x02, 0x04, 0x05, 0xb4); /* MSS 1460, nothing else */
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.window, 1024);
    CHECK_EQ(pkt.tcp_flags, KN_TCP_SYN);
    CHECK_EQ(pkt.tcp_opt_count, 1);
    CHECK_EQ(pkt.tcp_opt_kinds[0], 2);
    CHECK_EQ(pkt.mss, 1460);
    CHECK_EQ(pkt.payload_len, 0);
}

static void test_options_eol_and_nop(void)
{
    decode_syn_opts(0x01, 0x01, 0x00, 0x00); /* NOP NOP EOL padding */
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.tcp_opt_count, 2);
    CHECK_EQ(pkt.mss, 0);
    decode_syn_opts(0x00, 0x02, 0x04, 0x05); /* EOL first: the rest is padding */
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.tcp_opt_count, 0);
    CHECK_EQ(pkt.mss, 0);
}

static void test_options_malformed(void)
{
    decode_syn_opts(0x08, 0x00, 0x00, 0x00); /* timestamps with length 0 */
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_OPTS_BAD));
    CHECK_EQ(pkt.tcp_opt_count, 0);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP);
    decode_syn_opts(0x01, 0x08, 0x0a, 0x00); /* NOP, timestamps of 10 in 3 bytes */
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_OPTS_BAD));
    CHECK_EQ(pkt.tcp_opt_count, 1);
    decode_syn_opts(0x01, 0x01, 0x01, 0x03); /* 3 NOPs, window scale without length */
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_OPTS_BAD));
    CHECK_EQ(pkt.tcp_opt_count, 3);
    decode_syn_opts(0x02, 0x03, 0x05, 0x00); /* MSS with length 3 */
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_OPTS_BAD));
    CHECK_EQ(pkt.mss, 0);
    decode_syn_opts(0x04, 0x01, 0x00, 0x00); /* SACK-OK with length 1 */
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_OPTS_BAD));
}

static void test_more_options_than_recorded(void)
{
    /* Data offset 15: 40 bytes of options, all NOP. Kinds of the first
     * KN_TCP_MAX_OPTS are kept, all 40 are counted. */
    uint8_t syn[80];
    memcpy(syn, syn_with_opts, 40);
    syn[3] = 80;
    syn[32] = 0xf0;
    memset(syn + 40, 0x01, 40);
    decode_exact(KN_LINK_RAW, syn, 80, 80);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.tcp_opt_count, 40);
    for (unsigned i = 0; i < KN_TCP_MAX_OPTS; i++)
        CHECK_EQ(pkt.tcp_opt_kinds[i], 1);
}

static void test_bad_data_offset(void)
{
    uint8_t syn[44];
    memcpy(syn, syn_with_opts, 44);
    syn[32] = 0x40; /* data offset 4: 16 bytes, less than the fixed header */
    decode_exact(KN_LINK_RAW, syn, 44, 44);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_BAD_DOFF));
    CHECK_EQ(pkt.seq, 0x11223344);
    CHECK(pkt.payload == NULL);
    syn[32] = 0xf0; /* data offset 15: 60 bytes, the datagram has 24 */
    decode_exact(KN_LINK_RAW, syn, 44, 44);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_TCP_BAD_DOFF));
    CHECK_EQ(pkt.tcp_opt_count, 0);
    CHECK(pkt.payload == NULL);
}

static void test_mirai_like_syn(void)
{
    /* IPv4 TCP SYN 198.51.100.99 -> 203.0.113.200 port 23 whose sequence
     * number 0xcb0071c8 is the destination address, window 14600. */
    const uint8_t mirai[40] = {
        0x45, 0x00, 0x00, 0x28, 0x5a, 0x5a, 0x00, 0x00, 0x35, 0x06, 0x00, 0x00,
        0xc6, 0x33, 0x64, 0x63, 0xcb, 0x00, 0x71, 0xc8,
        0xd4, 0x31, 0x00, 0x17, 0xcb, 0x00, 0x71, 0xc8, 0x00, 0x00, 0x00, 0x00,
        0x50, 0x02, 0x39, 0x08, 0x00, 0x00, 0x00, 0x00,
    };
    decode_exact(KN_LINK_IPV4, mirai, 40, 40);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.dst4, 0xcb0071c8u);
    CHECK_EQ(pkt.seq, pkt.dst4);
    CHECK_EQ(pkt.dport, 23);
    CHECK_EQ(pkt.tcp_flags, KN_TCP_SYN);
    CHECK_EQ(pkt.window, 14600);
    CHECK_EQ(pkt.tcp_opt_count, 0);
}

/* Raw IPv4 UDP 192.0.2.1 -> 198.51.100.2, 1900 -> 1900, UDP length 12,
 * payload "M-SE" and 4 trailing bytes inside the IP datagram (total 36). */
static const uint8_t udp_trailing[36] = {
    0x45, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
    0x07, 0x6c, 0x07, 0x6c, 0x00, 0x0c, 0x00, 0x00, 'M', '-', 'S', 'E',
    0xde, 0xad, 0xbe, 0xef,
};

static void test_udp_lengths(void)
{
    decode_exact(KN_LINK_RAW, udp_trailing, 36, 36);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
    CHECK_EQ(pkt.dport, 1900);
    CHECK_EQ(pkt.payload_len, 4); /* the UDP length, not the IP one */
    CHECK(pkt.payload == udp_trailing + 28);
    uint8_t bad[36];
    memcpy(bad, udp_trailing, 36);
    bad[25] = 7; /* UDP length 7 < 8 */
    decode_exact(KN_LINK_RAW, bad, 36, 36);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_UDP_LEN_BAD));
    CHECK_EQ(pkt.payload_len, 8); /* all captured bytes */
    bad[25] = 17; /* UDP length 17 > 16 bytes of IP payload */
    decode_exact(KN_LINK_RAW, bad, 36, 36);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_UDP_LEN_BAD));
    decode_exact(KN_LINK_RAW, udp_trailing, 23, 36); /* 3 UDP bytes */
    CHECK_EQ(pkt.flags, 0);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_UDP_TRUNC_NO_PORTS));
    decode_exact(KN_LINK_RAW, udp_trailing, 27, 36); /* 7 UDP bytes */
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_UDP_TRUNC));
}

/* Raw IPv4 ICMP port unreachable (type 3, code 3) from 203.0.113.1 to
 * 192.0.2.5, quoting IPv4 UDP 192.0.2.5 -> 203.0.113.1 (IHL 5) and its
 * first 8 bytes: 33434 -> 33435. 20 + 8 + 20 + 8 = 56 bytes. */
static const uint8_t icmp4_unreach[56] = {
    0x45, 0x00, 0x00, 0x38, 0x00, 0x02, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
    0xcb, 0x00, 0x71, 0x01, 0xc0, 0x00, 0x02, 0x05,
    0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x03, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x05, 0xcb, 0x00, 0x71, 0x01,
    0x82, 0x9a, 0x82, 0x9b, 0x00, 0x28, 0x00, 0x00,
};

static void test_icmp4_error_with_inner(void)
{
    decode_exact(KN_LINK_RAW, icmp4_unreach, 56, 56);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.proto, 1);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP | KN_PKT_HAS_INNER);
    CHECK_EQ(pkt.icmp_type, 3);
    CHECK_EQ(pkt.icmp_code, 3);
    CHECK_EQ(pkt.inner_version, 4);
    CHECK_EQ(pkt.inner_proto, 17);
    CHECK_EQ(pkt.inner_src4, 0xc0000205u);
    CHECK_EQ(pkt.inner_dst4, 0xcb007101u);
    CHECK_EQ(pkt.inner_sport, 33434);
    CHECK_EQ(pkt.inner_dport, 33435);
    CHECK_EQ(pkt.payload_len, 28);
    /* Quote cut after 2 transport bytes: inner header but no inner ports. */
    decode_exact(KN_LINK_RAW, icmp4_unreach, 50, 56);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP | KN_PKT_HAS_INNER);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT));
    CHECK_EQ(pkt.inner_sport, 0);
    CHECK_EQ(pkt.inner_dport, 0);
    /* Quote cut inside the inner IP header. */
    decode_exact(KN_LINK_RAW, icmp4_unreach, 47, 56);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_ICMP_INNER_TRUNC));
    CHECK_EQ(pkt.inner_version, 0);
    /* No quote at all. */
    decode_exact(KN_LINK_RAW, icmp4_unreach, 28, 56);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_ICMP_INNER_TRUNC));
    /* ICMP header cut: type and code present, the rest not. */
    decode_exact(KN_LINK_RAW, icmp4_unreach, 24, 56);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP);
    CHECK_EQ(pkt.icmp_type, 3);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_ICMP_TRUNC));
    decode_exact(KN_LINK_RAW, icmp4_unreach, 21, 56);
    CHECK_EQ(pkt.flags, 0);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV4_PAYLOAD_CUT) | BIT(KN_AN_ICMP_TRUNC));
    /* A quote that is not IP (version 7), and one with IHL 2. */
    uint8_t bad[56];
    memcpy(bad, icmp4_unreach, 56);
    bad[28] = 0x75;
    decode_exact(KN_LINK_RAW, bad, 56, 56);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_ICMP_INNER_BAD));
    bad[28] = 0x42;
    decode_exact(KN_LINK_RAW, bad, 56, 56);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_ICMP_INNER_BAD));
}

static void test_icmp4_non_errors_have_no_inner(void)
{
    /* The same bytes with type 8 (echo request) and type 0 (echo reply):
     * the data is not a quote. Type 11 (time exceeded) is. */
    uint8_t echo[56];
    memcpy(echo, icmp4_unreach, 56);
    const uint8_t types[] = {8, 0, 11, 12, 4, 5};
    const uint8_t inner[] = {0, 0, 1, 1, 1, 1};
    for (unsigned i = 0; i < 6; i++) {
        echo[20] = types[i];
        decode_exact(KN_LINK_RAW, echo, 56, 56);
        CHECK_EQ(pkt.icmp_type, types[i]);
        CHECK_EQ(!!(pkt.flags & KN_PKT_HAS_INNER), inner[i]);
        CHECK_EQ(pkt.anomalies, 0);
    }
}

/* Raw IPv6 ICMPv6 destination unreachable (type 1, code 4 = port
 * unreachable) 2001:db8::2 -> 2001:db8::1, quoting IPv6 UDP
 * 2001:db8::1 -> 2001:db8::2, 5000 -> 6000. 40 + 8 + 40 + 8 = 96. */
static const uint8_t icmp6_unreach[96] = {
    0x60, 0, 0, 0, 0x00, 0x38, 58, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x60, 0, 0, 0, 0x00, 0x08, 17, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x13, 0x88, 0x17, 0x70, 0x00, 0x08, 0x00, 0x00,
};

static void test_icmp6_error_with_inner(void)
{
    decode_exact(KN_LINK_RAW, icmp6_unreach, 96, 96);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.proto, 58);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP | KN_PKT_HAS_INNER);
    CHECK_EQ(pkt.icmp_type, 1);
    CHECK_EQ(pkt.icmp_code, 4);
    CHECK_EQ(pkt.inner_version, 6);
    CHECK_EQ(pkt.inner_proto, 17);
    CHECK_EQ(pkt.inner_src6[15], 1);
    CHECK_EQ(pkt.inner_dst6[15], 2);
    CHECK_EQ(pkt.inner_sport, 5000);
    CHECK_EQ(pkt.inner_dport, 6000);
    decode_exact(KN_LINK_RAW, icmp6_unreach, 87, 96); /* inner header cut */
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_IPV6_PAYLOAD_CUT) | BIT(KN_AN_ICMP_INNER_TRUNC));
    uint8_t echo[96];
    memcpy(echo, icmp6_unreach, 96);
    echo[40] = 128; /* echo request: not an error */
    decode_exact(KN_LINK_RAW, echo, 96, 96);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP);
    CHECK_EQ(pkt.icmp_type, 128);
    CHECK_EQ(pkt.anomalies, 0);
    echo[40] = 2; /* packet too big: an error */
    decode_exact(KN_LINK_RAW, echo, 96, 96);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_ICMP | KN_PKT_HAS_INNER);
    CHECK_EQ(pkt.inner_dport, 6000);
}

/* Checks what must hold for any frame whatever its bytes. */
static void check_invariants(const uint8_t *frame, uint32_t caplen)
{
    CHECK(pkt.outcome < KN_OUT__COUNT);
    CHECK(pkt.anomalies < (1u << KN_AN__COUNT) || KN_AN__COUNT == 32);
    CHECK(pkt.outcome == KN_OUT_IP ? (pkt.ip_version == 4 || pkt.ip_version == 6)
                                   : (pkt.ip_version == 0 && pkt.flags == 0));
    CHECK(pkt.outcome == KN_OUT_IP || pkt.anomalies != 0 || pkt.outcome == KN_OUT_NO_IP);
    if (pkt.flags & KN_PKT_HAS_TCP)
        CHECK(pkt.flags & KN_PKT_HAS_PORTS);
    if (pkt.flags & KN_PKT_FRAGMENT)
        CHECK(!(pkt.flags & (KN_PKT_HAS_PORTS | KN_PKT_HAS_ICMP)));
    if (pkt.flags & KN_PKT_HAS_INNER)
        CHECK(pkt.inner_version == 4 || pkt.inner_version == 6);
    CHECK(pkt.tcp_opt_count <= 40);
    if (pkt.payload) {
        CHECK(pkt.payload_len > 0);
        CHECK(pkt.payload > frame && pkt.payload + pkt.payload_len <= frame + caplen);
    } else {
        CHECK_EQ(pkt.payload_len, 0);
    }
}

static void test_random_garbage(void)
{
    const int32_t links[] = {0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276, 147};
    uint32_t seed = 12345;
    uint8_t frame[256];
    for (unsigned iter = 0; iter < 200000 && !th_current_failed; iter++) {
        uint32_t len = 0;
        for (unsigned i = 0; i < sizeof frame; i++) {
            seed = seed * 1103515245u + 12345u;
            frame[i] = (uint8_t)(seed >> 16);
        }
        len = frame[0] % 128;
        if (iter & 1) { /* make IP more likely: a plausible first nibble */
            frame[14] = (frame[14] & 0x0f) | (iter & 2 ? 0x40 : 0x60);
            frame[12] = 0x08;
            frame[13] = 0x00;
        }
        int32_t link = links[frame[1] % (sizeof links / sizeof links[0])];
        decode_exact(link, frame, len, len + (frame[2] & 3u) * 10);
        /* decode_exact rebased payload onto frame. */
        check_invariants(frame, len);
    }
}

int main(void)
{
    RUN(test_tcp_full_header_and_options);
    RUN(test_truncation_at_every_offset_snaplen);
    RUN(test_truncation_at_every_offset_on_the_wire);
    RUN(test_nmap_like_syn);
    RUN(test_options_eol_and_nop);
    RUN(test_options_malformed);
    RUN(test_more_options_than_recorded);
    RUN(test_bad_data_offset);
    RUN(test_mirai_like_syn);
    RUN(test_udp_lengths);
    RUN(test_icmp4_error_with_inner);
    RUN(test_icmp4_non_errors_have_no_inner);
    RUN(test_icmp6_error_with_inner);
    RUN(test_random_garbage);
    TEST_MAIN_END();
}
