/* decode: every link type the decoder knows, VLAN stacks, PPPoE, and the
 * outcome for frames that carry no IP, are cut short or are unknown. Each
 * fixture is hand-built; its readable meaning is in the comment above it. */
#include "decode/decode.h"
#include "harness.h"

/* IPv4, IHL 5, total length 40, id 0x1234, TTL 64, TCP,
 * 198.51.100.7 -> 203.0.113.5; TCP 12345 -> 23, seq 0xcb007105 (= the
 * destination address, Mirai style), ack 0, data offset 5, SYN, window 5840. */
static const uint8_t ip4_tcp[40] = {
    0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
    0xc6, 0x33, 0x64, 0x07, 0xcb, 0x00, 0x71, 0x05,
    0x30, 0x39, 0x00, 0x17, 0xcb, 0x00, 0x71, 0x05, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x02, 0x16, 0xd0, 0x00, 0x00, 0x00, 0x00,
};

/* IPv6, payload length 8, next header UDP, hop limit 64,
 * 2001:db8::1 -> 2001:db8::2; UDP 1234 -> 53, length 8, no payload. */
static const uint8_t ip6_udp[48] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Ethernet: dst 02:00:00:00:00:01, src 02:00:00:00:00:02, type given after. */
#define ETH_ADDRS 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02

static struct kn_pkt pkt;

/* Decodes header + body as one frame of the given link type. */
static void decode_frame(int32_t linktype, const uint8_t *hdr, uint32_t hlen,
                         const uint8_t *body, uint32_t blen)
{
    uint8_t buf[512];
    memcpy(buf, hdr, hlen);
    if (blen)
        memcpy(buf + hlen, body, blen);
    kn_decode(linktype, buf, hlen + blen, hlen + blen, 42, &pkt);
    pkt.payload = NULL; /* points into buf, which dies here */
}

static void check_ip4_tcp(void)
{
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.ip_version, 4);
    CHECK_EQ(pkt.src4, 0xc6336407u);
    CHECK_EQ(pkt.dst4, 0xcb007105u);
    CHECK_EQ(pkt.proto, 6);
    CHECK_EQ(pkt.dport, 23);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP);
}

static void check_ip6_udp(void)
{
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, 0);
    CHECK_EQ(pkt.ip_version, 6);
    CHECK_EQ(pkt.proto, 17);
    CHECK_EQ(pkt.sport, 1234);
    CHECK_EQ(pkt.dport, 53);
    CHECK_EQ(pkt.dst6[15], 2);
    CHECK_EQ(pkt.flags, KN_PKT_HAS_PORTS);
}

static void check_fail(enum kn_outcome outcome, uint32_t anomalies)
{
    CHECK_EQ(pkt.outcome, outcome);
    CHECK_EQ(pkt.anomalies, anomalies);
    CHECK_EQ(pkt.ip_version, 0);
    CHECK_EQ(pkt.flags, 0);
}

#define BIT(a) (1u << (a))

static void test_ethernet_ipv4_tcp_all_fields(void)
{
    const uint8_t eth[] = {ETH_ADDRS, 0x08, 0x00}; /* type IPv4 */
    decode_frame(KN_LINK_ETHERNET, eth, sizeof eth, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    CHECK_EQ(pkt.ts_ns, 42);
    CHECK_EQ(pkt.caplen, 54);
    CHECK_EQ(pkt.wirelen, 54);
    CHECK_EQ(pkt.linktype, 1);
    CHECK_EQ(pkt.ttl, 64);
    CHECK_EQ(pkt.ip_id, 0x1234);
    CHECK_EQ(pkt.sport, 12345);
    CHECK_EQ(pkt.seq, 0xcb007105u);
    CHECK_EQ(pkt.seq, pkt.dst4); /* the Mirai fingerprint */
    CHECK_EQ(pkt.ack, 0);
    CHECK_EQ(pkt.tcp_flags, KN_TCP_SYN);
    CHECK_EQ(pkt.window, 5840);
    CHECK_EQ(pkt.tcp_opt_count, 0);
    CHECK_EQ(pkt.mss, 0);
    CHECK_EQ(pkt.vlan_id, 0);
    CHECK_EQ(pkt.payload_len, 0);
    CHECK_EQ(pkt.inner_version, 0);
}

static void test_ethernet_ipv6_udp(void)
{
    const uint8_t eth[] = {ETH_ADDRS, 0x86, 0xdd};
    decode_frame(KN_LINK_ETHERNET, eth, sizeof eth, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    CHECK_EQ(pkt.ttl, 64);
    CHECK_EQ(pkt.src6[0], 0x20);
    CHECK_EQ(pkt.src6[15], 1);
}

static void test_ethernet_padding_is_not_payload(void)
{
    /* A 40-byte datagram padded to the 60-byte Ethernet minimum. */
    uint8_t frame[60] = {ETH_ADDRS, 0x08, 0x00};
    memcpy(frame + 14, ip4_tcp, sizeof ip4_tcp);
    memset(frame + 54, 0xee, 6);
    kn_decode(KN_LINK_ETHERNET, frame, 60, 60, 0, &pkt);
    check_ip4_tcp();
    CHECK_EQ(pkt.payload_len, 0);
    CHECK(pkt.payload == NULL);
}

static void test_ethernet_non_ip(void)
{
    /* ARP request (type 0x0806), first 8 bytes of its body. */
    const uint8_t arp[] = {ETH_ADDRS, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};
    decode_frame(KN_LINK_ETHERNET, arp, sizeof arp, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
    /* 802.3 length 0x0026 with LLC DSAP/SSAP 0x42 (spanning tree). */
    const uint8_t stp[] = {ETH_ADDRS, 0x00, 0x26, 0x42, 0x42, 0x03, 0, 0};
    decode_frame(KN_LINK_ETHERNET, stp, sizeof stp, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
    /* LLDP (0x88cc). */
    const uint8_t lldp[] = {ETH_ADDRS, 0x88, 0xcc, 0x02, 0x07};
    decode_frame(KN_LINK_ETHERNET, lldp, sizeof lldp, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
}

static void test_ethernet_truncated(void)
{
    const uint8_t eth[] = {ETH_ADDRS, 0x08, 0x00};
    decode_frame(KN_LINK_ETHERNET, eth, 13, NULL, 0); /* type cut in half */
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
    decode_frame(KN_LINK_ETHERNET, eth, 0, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
    /* Header complete, IP announced, nothing after it. */
    decode_frame(KN_LINK_ETHERNET, eth, 14, NULL, 0);
    check_fail(KN_OUT_TRUNC_IP, BIT(KN_AN_IPV4_TRUNCATED));
}

static void test_vlan_single_and_qinq(void)
{
    /* 802.1Q, PCP 5, VLAN 100 (TCI 0xa064), then IPv4. */
    const uint8_t q[] = {ETH_ADDRS, 0x81, 0x00, 0xa0, 0x64, 0x08, 0x00};
    decode_frame(KN_LINK_ETHERNET, q, sizeof q, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    CHECK_EQ(pkt.vlan_id, 100);
    /* 802.1ad outer VLAN 200, 802.1Q inner VLAN 300, then IPv6. */
    const uint8_t ad[] = {ETH_ADDRS, 0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x01, 0x2c, 0x86, 0xdd};
    decode_frame(KN_LINK_ETHERNET, ad, sizeof ad, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    CHECK_EQ(pkt.vlan_id, 200);
    /* Old QinQ type 0x9100, VLAN 4095, then 0x8100 VLAN 1, then IPv4. */
    const uint8_t old[] = {ETH_ADDRS, 0x91, 0x00, 0x0f, 0xff, 0x81, 0x00, 0x00, 0x01, 0x08, 0x00};
    decode_frame(KN_LINK_ETHERNET, old, sizeof old, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    CHECK_EQ(pkt.vlan_id, 4095);
    /* A tag that carries ARP. */
    const uint8_t arp[] = {ETH_ADDRS, 0x81, 0x00, 0x00, 0x05, 0x08, 0x06, 0, 1};
    decode_frame(KN_LINK_ETHERNET, arp, sizeof arp, NULL, 0);
    CHECK_EQ(pkt.outcome, KN_OUT_NO_IP);
    CHECK_EQ(pkt.vlan_id, 5);
}

/* Ethernet with n stacked 802.1Q tags (VLAN ids 1..n), then IPv4. */
static void decode_vlan_stack(unsigned n)
{
    uint8_t hdr[14 + 4 * 12] = {ETH_ADDRS};
    uint32_t off = 12;
    for (unsigned i = 0; i < n; i++) {
        hdr[off++] = 0x81;
        hdr[off++] = 0x00;
        hdr[off++] = 0;
        hdr[off++] = (uint8_t)(i + 1);
    }
    hdr[off++] = 0x08;
    hdr[off++] = 0x00;
    decode_frame(KN_LINK_ETHERNET, hdr, off, ip4_tcp, sizeof ip4_tcp);
}

static void test_vlan_stack_depth(void)
{
    decode_vlan_stack(KN_DECODE_MAX_VLAN_TAGS);
    check_ip4_tcp();
    CHECK_EQ(pkt.vlan_id, 1);
    decode_vlan_stack(KN_DECODE_MAX_VLAN_TAGS + 1);
    check_fail(KN_OUT_NO_IP, BIT(KN_AN_VLAN_TOO_DEEP));
    CHECK_EQ(pkt.vlan_id, 1);
    decode_vlan_stack(12);
    check_fail(KN_OUT_NO_IP, BIT(KN_AN_VLAN_TOO_DEEP));
}

static void test_vlan_truncated(void)
{
    /* 802.1Q announced, only 3 of the tag's 4 bytes captured. */
    const uint8_t q[] = {ETH_ADDRS, 0x81, 0x00, 0x00, 0x64, 0x08};
    decode_frame(KN_LINK_ETHERNET, q, sizeof q, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
}

static void test_pppoe_session(void)
{
    /* PPPoE session (0x8864): ver/type 0x11, code 0, session 0x0001,
     * length 42, PPP protocol 0x0021 (IPv4). */
    const uint8_t v4[] = {ETH_ADDRS, 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x21};
    decode_frame(KN_LINK_ETHERNET, v4, sizeof v4, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    /* Same with PPP protocol 0x0057 (IPv6). */
    const uint8_t v6[] = {ETH_ADDRS, 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x32, 0x00, 0x57};
    decode_frame(KN_LINK_ETHERNET, v6, sizeof v6, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    /* PPP LCP (0xc021): no IP. */
    const uint8_t lcp[] = {ETH_ADDRS, 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x04, 0xc0, 0x21, 1, 1};
    decode_frame(KN_LINK_ETHERNET, lcp, sizeof lcp, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
    /* ver/type 0x22: not PPPoE as RFC 2516 defines it. */
    const uint8_t bad[] = {ETH_ADDRS, 0x88, 0x64, 0x22, 0x00, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x21};
    decode_frame(KN_LINK_ETHERNET, bad, sizeof bad, ip4_tcp, sizeof ip4_tcp);
    check_fail(KN_OUT_NO_IP, BIT(KN_AN_LINK_BAD));
    /* Header cut after 7 of its 8 bytes. */
    decode_frame(KN_LINK_ETHERNET, v4, sizeof v4 - 1, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
    /* PPPoE discovery (0x8863): no IP. */
    const uint8_t disc[] = {ETH_ADDRS, 0x88, 0x63, 0x11, 0x09, 0x00, 0x00, 0x00, 0x00};
    decode_frame(KN_LINK_ETHERNET, disc, sizeof disc, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
}

static void test_linux_sll(void)
{
    /* SLL: packet type 0 (to us), ARPHRD_ETHER (1), address length 6,
     * address 02:00:00:00:00:02 + 2 bytes padding, protocol 0x0800. */
    const uint8_t sll[] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0, 0x08, 0x00};
    decode_frame(KN_LINK_LINUX_SLL, sll, sizeof sll, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    /* Protocol 0x8100: libpcap re-inserts the VLAN tag (VLAN 7) after SLL. */
    const uint8_t sllq[] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0, 0x81, 0x00,
                            0x00, 0x07, 0x86, 0xdd};
    decode_frame(KN_LINK_LINUX_SLL, sllq, sizeof sllq, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    CHECK_EQ(pkt.vlan_id, 7);
    /* ARPHRD_NETLINK (824 = 0x0338): the protocol field is a netlink family. */
    const uint8_t nl[] = {0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00};
    decode_frame(KN_LINK_LINUX_SLL, nl, sizeof nl, ip4_tcp, sizeof ip4_tcp);
    check_fail(KN_OUT_NO_IP, 0);
    decode_frame(KN_LINK_LINUX_SLL, sll, 15, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
}

static void test_linux_sll2(void)
{
    /* SLL2: protocol 0x86dd, reserved, ifindex 2, ARPHRD_ETHER, packet
     * type 0, address length 6, address + 2 bytes padding. */
    const uint8_t sll2[] = {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0};
    decode_frame(KN_LINK_LINUX_SLL2, sll2, sizeof sll2, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    /* Protocol 0x0806 (ARP). */
    const uint8_t arp[] = {0x08, 0x06, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0};
    decode_frame(KN_LINK_LINUX_SLL2, arp, sizeof arp, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
    decode_frame(KN_LINK_LINUX_SLL2, sll2, 19, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
}

static void test_raw_ip(void)
{
    const int32_t raws[] = {KN_LINK_RAW, KN_LINK_DLT_RAW12, KN_LINK_DLT_RAW14};
    for (unsigned i = 0; i < 3; i++) {
        decode_frame(raws[i], ip4_tcp, sizeof ip4_tcp, NULL, 0);
        check_ip4_tcp();
        decode_frame(raws[i], ip6_udp, sizeof ip6_udp, NULL, 0);
        check_ip6_udp();
    }
    /* Version nibble 5 (ST-II): not IP. */
    const uint8_t v5[] = {0x55, 0, 0, 20};
    decode_frame(KN_LINK_RAW, v5, sizeof v5, NULL, 0);
    check_fail(KN_OUT_BAD_IP, BIT(KN_AN_IP_VERSION_BAD));
    /* An empty frame. */
    decode_frame(KN_LINK_RAW, v5, 0, NULL, 0);
    check_fail(KN_OUT_TRUNC_IP, BIT(KN_AN_IP_EMPTY));
}

static void test_linktype_ipv4_ipv6(void)
{
    decode_frame(KN_LINK_IPV4, ip4_tcp, sizeof ip4_tcp, NULL, 0);
    check_ip4_tcp();
    decode_frame(KN_LINK_IPV6, ip6_udp, sizeof ip6_udp, NULL, 0);
    check_ip6_udp();
    /* The link type promises one version, the header says the other. */
    decode_frame(KN_LINK_IPV4, ip6_udp, sizeof ip6_udp, NULL, 0);
    check_fail(KN_OUT_BAD_IP, BIT(KN_AN_IP_VERSION_BAD));
    decode_frame(KN_LINK_IPV6, ip4_tcp, sizeof ip4_tcp, NULL, 0);
    check_fail(KN_OUT_BAD_IP, BIT(KN_AN_IP_VERSION_BAD));
    decode_frame(KN_LINK_IPV6, ip6_udp, 0, NULL, 0);
    check_fail(KN_OUT_TRUNC_IP, BIT(KN_AN_IPV6_TRUNCATED));
}

static void test_null_loopback_both_orders(void)
{
    const uint8_t le_inet[] = {2, 0, 0, 0};    /* AF_INET, little-endian host */
    const uint8_t be_inet[] = {0, 0, 0, 2};    /* AF_INET, big-endian host */
    const uint8_t le_inet6_24[] = {24, 0, 0, 0}; /* NetBSD/OpenBSD AF_INET6 */
    const uint8_t be_inet6_28[] = {0, 0, 0, 28}; /* FreeBSD AF_INET6 */
    const uint8_t le_inet6_30[] = {30, 0, 0, 0}; /* Darwin AF_INET6 */
    const uint8_t le_other[] = {17, 0, 0, 0};  /* some other family */
    decode_frame(KN_LINK_NULL, le_inet, 4, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_NULL, be_inet, 4, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_NULL, le_inet6_24, 4, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    decode_frame(KN_LINK_NULL, be_inet6_28, 4, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    decode_frame(KN_LINK_NULL, le_inet6_30, 4, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    decode_frame(KN_LINK_NULL, le_other, 4, ip4_tcp, sizeof ip4_tcp);
    check_fail(KN_OUT_NO_IP, 0);
    decode_frame(KN_LINK_NULL, le_inet, 3, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
}

static void test_loop_network_order_only(void)
{
    const uint8_t be_inet[] = {0, 0, 0, 2};
    const uint8_t be_inet6[] = {0, 0, 0, 24};
    const uint8_t le_inet[] = {2, 0, 0, 0}; /* 0x02000000 in network order */
    decode_frame(KN_LINK_LOOP, be_inet, 4, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_LOOP, be_inet6, 4, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    decode_frame(KN_LINK_LOOP, le_inet, 4, ip4_tcp, sizeof ip4_tcp);
    check_fail(KN_OUT_NO_IP, 0);
}

static void test_ppp(void)
{
    const uint8_t full[] = {0xff, 0x03, 0x00, 0x21}; /* address, control, IPv4 */
    const uint8_t bare[] = {0x00, 0x21};             /* address/control compressed */
    const uint8_t pfc[] = {0x21};                    /* protocol compressed to 1 byte */
    const uint8_t v6[] = {0xff, 0x03, 0x00, 0x57};   /* IPv6 */
    const uint8_t lcp[] = {0xff, 0x03, 0xc0, 0x21, 1, 1}; /* LCP configure-request */
    decode_frame(KN_LINK_PPP, full, sizeof full, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_PPP, bare, sizeof bare, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_PPP, pfc, sizeof pfc, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_PPP, v6, sizeof v6, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    decode_frame(KN_LINK_PPP, lcp, sizeof lcp, NULL, 0);
    check_fail(KN_OUT_NO_IP, 0);
    decode_frame(KN_LINK_PPP, full, 3, NULL, 0); /* protocol cut in half */
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
    decode_frame(KN_LINK_PPP, full, 0, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
}

static void test_ppp_hdlc_and_cisco_hdlc(void)
{
    const uint8_t ppp[] = {0xff, 0x03, 0x00, 0x21};   /* PPP in HDLC framing, IPv4 */
    const uint8_t chdlc[] = {0x0f, 0x00, 0x08, 0x00}; /* Cisco HDLC unicast, IPv4 */
    const uint8_t chdlc6[] = {0x8f, 0x00, 0x86, 0xdd}; /* Cisco HDLC broadcast, IPv6 */
    const uint8_t bad[] = {0x12, 0x34, 0x00, 0x21};   /* neither framing */
    decode_frame(KN_LINK_PPP_HDLC, ppp, sizeof ppp, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_PPP_HDLC, chdlc, sizeof chdlc, ip4_tcp, sizeof ip4_tcp);
    check_ip4_tcp();
    decode_frame(KN_LINK_PPP_HDLC, bad, sizeof bad, ip4_tcp, sizeof ip4_tcp);
    check_fail(KN_OUT_NO_IP, BIT(KN_AN_LINK_BAD));
    decode_frame(KN_LINK_PPP_HDLC, ppp, 3, NULL, 0);
    check_fail(KN_OUT_TRUNC_LINK, BIT(KN_AN_LINK_TRUNCATED));
    decode_frame(KN_LINK_C_HDLC, chdlc6, sizeof chdlc6, ip6_udp, sizeof ip6_udp);
    check_ip6_udp();
    decode_frame(KN_LINK_C_HDLC, bad, sizeof bad, ip4_tcp, sizeof ip4_tcp);
    check_fail(KN_OUT_NO_IP, BIT(KN_AN_LINK_BAD));
}

static void test_unknown_link(void)
{
    const int32_t unknown[] = {105 /* 802.11 */, 147 /* user 0 */, -1, 0x7fffffff};
    for (unsigned i = 0; i < 4; i++) {
        decode_frame(unknown[i], ip4_tcp, sizeof ip4_tcp, NULL, 0);
        check_fail(KN_OUT_UNKNOWN_LINK, BIT(KN_AN_UNKNOWN_LINK));
        CHECK_EQ(pkt.linktype, unknown[i]);
    }
}

static void test_caplen_over_wirelen(void)
{
    kn_decode(KN_LINK_RAW, ip4_tcp, 40, 20, 0, &pkt);
    CHECK_EQ(pkt.outcome, KN_OUT_IP);
    CHECK_EQ(pkt.anomalies, BIT(KN_AN_CAPLEN_OVER_WIRELEN));
    CHECK_EQ(pkt.caplen, 40);
    CHECK_EQ(pkt.wirelen, 20);
    kn_decode(KN_LINK_RAW, NULL, 0, 0, 0, &pkt);
    check_fail(KN_OUT_TRUNC_IP, BIT(KN_AN_IP_EMPTY));
}

static void test_every_field_overwritten(void)
{
    /* A record full of garbage must come out as if it had been zeroed. */
    struct kn_pkt a, b;
    memset(&a, 0xa5, sizeof a);
    memset(&b, 0x5a, sizeof b);
    const uint8_t arp[] = {ETH_ADDRS, 0x08, 0x06, 0, 1};
    kn_decode(KN_LINK_ETHERNET, arp, sizeof arp, sizeof arp, 7, &a);
    kn_decode(KN_LINK_ETHERNET, arp, sizeof arp, sizeof arp, 7, &b);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
}

static void test_names_distinct_and_nonempty(void)
{
    for (unsigned i = 0; i < KN_OUT__COUNT; i++) {
        const char *n = kn_outcome_name(i);
        CHECK(n && n[0] && strcmp(n, "?") != 0);
        for (unsigned j = 0; j < i; j++)
            CHECK(strcmp(n, kn_outcome_name(j)) != 0);
    }
    for (unsigned i = 0; i < KN_AN__COUNT; i++) {
        const char *n = kn_anomaly_name(i);
        CHECK(n && n[0] && strcmp(n, "?") != 0);
        for (const char *c = n; *c; c++)
            CHECK((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
        for (unsigned j = 0; j < i; j++)
            CHECK(strcmp(n, kn_anomaly_name(j)) != 0);
    }
    CHECK_STR(kn_outcome_name(KN_OUT__COUNT), "?");
    CHECK_STR(kn_anomaly_name(KN_AN__COUNT), "?");
    CHECK_STR(kn_anomaly_name(KN_AN_TCP_TRUNC), "tcp_header_truncated");
    CHECK_STR(kn_outcome_name(KN_OUT_IP), "ip");
}

int main(void)
{
    RUN(test_ethernet_ipv4_tcp_all_fields);
    RUN(test_ethernet_ipv6_udp);
    RUN(test_ethernet_padding_is_not_payload);
    RUN(test_ethernet_non_ip);
    RUN(test_ethernet_truncated);
    RUN(test_vlan_single_and_qinq);
    RUN(test_vlan_stack_depth);
    RUN(test_vlan_truncated);
    RUN(test_pppoe_session);
    RUN(test_linux_sll);
    RUN(test_linux_sll2);
    RUN(test_raw_ip);
    RUN(test_linktype_ipv4_ipv6);
    RUN(test_null_loopback_both_orders);
    RUN(test_loop_network_order_only);
    RUN(test_ppp);
    RUN(test_ppp_hdlc_and_cisco_hdlc);
    RUN(test_unknown_link);
    RUN(test_caplen_over_wirelen);
    RUN(test_every_field_overwritten);
    RUN(test_names_distinct_and_nonempty);
    TEST_MAIN_END();
}
