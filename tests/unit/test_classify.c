/* classify: CIDR parsing, prefix-set membership and sizes, backscatter vs
 * probe, port class, and the four tool fingerprints of docs/metrics.md, each
 * from a packet built to match and packets built to just miss. */
#include <arpa/inet.h>

#include "classify/classify.h"
#include "harness.h"

static struct kn_cidr cidr(const char *text)
{
    struct kn_cidr c;
    struct kn_err e;
    if (kn_cidr_parse(text, &c, NULL, &e) != 0)
        printf("# parse %s: %s\n", text, e.msg);
    return c;
}

static uint32_t ip4(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return ntohl(a.s_addr);
}

static void test_cidr_parse_and_errors(void)
{
    struct kn_cidr c;
    struct kn_err e;
    bool norm;
    char buf[64];
    CHECK_EQ(kn_cidr_parse("192.0.2.0/24", &c, &norm, &e), 0);
    CHECK_EQ(c.family, 4);
    CHECK_EQ(c.len, 24);
    CHECK(!norm);
    CHECK_EQ(kn_cidr_parse("192.0.2.77/24", &c, &norm, &e), 0);
    CHECK(norm);
    kn_cidr_format(&c, buf, sizeof buf);
    CHECK_STR(buf, "192.0.2.0/24");
    CHECK_EQ(kn_cidr_parse("2001:db8:0:1:ffff::1/64", &c, &norm, &e), 0);
    CHECK(norm);
    kn_cidr_format(&c, buf, sizeof buf);
    CHECK_STR(buf, "2001:db8:0:1::/64");
    CHECK_EQ(kn_cidr_parse("198.51.100.1/32", &c, &norm, &e), 0);
    CHECK(!norm);
    CHECK_EQ(kn_cidr_parse("203.0.113.0/27", &c, &norm, &e), 0);
    /* /27 keeps the top 3 bits of the last byte: .255 -> .224 */
    CHECK_EQ(kn_cidr_parse("203.0.113.255/27", &c, &norm, &e), 0);
    kn_cidr_format(&c, buf, sizeof buf);
    CHECK_STR(buf, "203.0.113.224/27");

    CHECK_EQ(kn_cidr_parse("192.0.2.0", &c, NULL, &e), -1);
    CHECK(strstr(e.msg, "missing '/LENGTH'") != NULL);
    CHECK_EQ(kn_cidr_parse("192.0.2.0/33", &c, NULL, &e), -1);
    CHECK(strstr(e.msg, "longer than 32") != NULL);
    CHECK_EQ(kn_cidr_parse("2001:db8::/129", &c, NULL, &e), -1);
    CHECK_EQ(kn_cidr_parse("192.0.2.0/", &c, NULL, &e), -1);
    CHECK_EQ(kn_cidr_parse("192.0.2.0/2x", &c, NULL, &e), -1);
    CHECK_EQ(kn_cidr_parse("192.0.2.0/-1", &c, NULL, &e), -1);
    CHECK_EQ(kn_cidr_parse("192.0.2.0/99999999999999999999", &c, NULL, &e), -1);
    CHECK_EQ(kn_cidr_parse("banana/8", &c, NULL, &e), -1);
    CHECK(strstr(e.msg, "not an IPv4 or IPv6 address") != NULL);
    CHECK_EQ(kn_cidr_parse("/8", &c, NULL, &e), -1);
}

static void test_prefix_set_membership_and_sizes(void)
{
    struct kn_cidr cs[] = {cidr("192.0.2.0/24"), cidr("198.51.100.128/25"),
                           cidr("198.51.100.192/26") /* inside the /25 */,
                           cidr("203.0.113.0/32"), cidr("2001:db8:0:1::/64"),
                           cidr("2001:db8:0:2::/64") /* adjacent: merged */};
    struct kn_prefix_set s;
    struct kn_err e;
    CHECK_EQ(kn_prefix_set_build(&s, cs, 6, &e), 0);
    CHECK_EQ(s.size_v4, 256 + 128 + 1);
    CHECK_EQ(s.n_v4, 3);
    CHECK_EQ(s.n_v6, 1);
    CHECK_EQ(s.size_v6.hi, 2); /* 2 * 2^64 = 2^65: hi 2, lo 0 */
    CHECK_EQ(s.size_v6.lo, 0);
    CHECK(kn_prefix_set_has_v4(&s, ip4("192.0.2.0")));   /* network address counts */
    CHECK(kn_prefix_set_has_v4(&s, ip4("192.0.2.255"))); /* broadcast counts */
    CHECK(!kn_prefix_set_has_v4(&s, ip4("192.0.3.0")));
    CHECK(!kn_prefix_set_has_v4(&s, ip4("192.0.1.255")));
    CHECK(kn_prefix_set_has_v4(&s, ip4("198.51.100.128")));
    CHECK(!kn_prefix_set_has_v4(&s, ip4("198.51.100.127")));
    CHECK(kn_prefix_set_has_v4(&s, ip4("203.0.113.0")));
    CHECK(!kn_prefix_set_has_v4(&s, ip4("203.0.113.1")));
    CHECK(!kn_prefix_set_has_v4(&s, 0));
    CHECK(!kn_prefix_set_has_v4(&s, UINT32_MAX));
    uint8_t a[16];
    inet_pton(AF_INET6, "2001:db8:0:2:ffff:ffff:ffff:ffff", a);
    CHECK(kn_prefix_set_has_v6(&s, a));
    inet_pton(AF_INET6, "2001:db8:0:3::", a);
    CHECK(!kn_prefix_set_has_v6(&s, a));
    inet_pton(AF_INET6, "2001:db8::ffff", a);
    CHECK(!kn_prefix_set_has_v6(&s, a));
    char buf[48];
    kn_u128_format(s.size_v6, buf, sizeof buf);
    CHECK_STR(buf, "36893488147419103232"); /* 2^65 */
    kn_prefix_set_free(&s);
}

static void test_prefix_set_edges(void)
{
    struct kn_cidr cs[] = {cidr("0.0.0.0/0"), cidr("::/0")};
    struct kn_prefix_set s;
    struct kn_err e;
    CHECK_EQ(kn_prefix_set_build(&s, cs, 2, &e), 0);
    CHECK_EQ(s.size_v4, 4294967296ll);
    CHECK(kn_prefix_set_has_v4(&s, 0) && kn_prefix_set_has_v4(&s, UINT32_MAX));
    char buf[48];
    kn_u128_format(s.size_v6, buf, sizeof buf); /* saturates at 2^128 - 1 */
    CHECK_STR(buf, "340282366920938463463374607431768211455");
    kn_prefix_set_free(&s);
    CHECK_EQ(kn_prefix_set_build(&s, NULL, 0, &e), 0);
    CHECK_EQ(s.size_v4, 0);
    CHECK(!kn_prefix_set_has_v4(&s, 1));
    kn_prefix_set_free(&s);
    kn_u128_format((struct kn_u128){0, 0}, buf, sizeof buf);
    CHECK_STR(buf, "0");
    kn_u128_format((struct kn_u128){0, 9007199254740993ull}, buf, sizeof buf);
    CHECK_STR(buf, "9007199254740993");
}

/* An IPv4 TCP SYN to 192.0.2.10:23 with everything a fingerprint looks at
 * set to values that match none of them. */
static struct kn_pkt syn4(void)
{
    struct kn_pkt p;
    memset(&p, 0, sizeof p);
    p.outcome = KN_OUT_IP;
    p.ip_version = 4;
    p.proto = KN_PROTO_TCP;
    p.flags = KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP;
    p.tcp_flags = KN_TCP_SYN;
    p.src4 = ip4("198.51.100.7");
    p.dst4 = ip4("192.0.2.10");
    p.sport = 40000;
    p.dport = 23;
    p.seq = 12345;
    p.ip_id = 777;
    p.window = 29200;
    return p;
}

static void test_backscatter_and_probe(void)
{
    struct kn_pkt p = syn4();
    CHECK(!kn_is_backscatter(&p));
    p.tcp_flags = KN_TCP_SYN | KN_TCP_ACK;
    CHECK(kn_is_backscatter(&p));
    p.tcp_flags = KN_TCP_RST;
    CHECK(kn_is_backscatter(&p));
    p.tcp_flags = KN_TCP_RST | KN_TCP_ACK;
    CHECK(kn_is_backscatter(&p));
    p.tcp_flags = KN_TCP_ACK; /* a bare ACK is a probe (ACK scan) */
    CHECK(!kn_is_backscatter(&p));
    p.tcp_flags = KN_TCP_SYN | KN_TCP_ACK;
    p.flags = KN_PKT_HAS_PORTS; /* flags not captured: cannot tell, so a probe */
    CHECK(!kn_is_backscatter(&p));

    struct kn_pkt i = syn4();
    i.proto = KN_PROTO_ICMP;
    i.flags = KN_PKT_HAS_ICMP;
    const int v4_back[] = {0, 3, 4, 5, 11, 12, 14, 16, 18};
    int n_back = 0;
    for (int t = 0; t < 256; t++) {
        i.icmp_type = (uint8_t)t;
        if (kn_is_backscatter(&i)) {
            CHECK(n_back < 9 && v4_back[n_back] == t);
            n_back++;
        }
    }
    CHECK_EQ(n_back, 9);
    i.icmp_type = 8; /* echo request: a probe */
    CHECK(!kn_is_backscatter(&i));
    i.icmp_type = 0;
    i.flags = 0; /* type not captured */
    CHECK(!kn_is_backscatter(&i));

    struct kn_pkt s;
    memset(&s, 0, sizeof s);
    s.outcome = KN_OUT_IP;
    s.ip_version = 6;
    s.proto = KN_PROTO_ICMPV6;
    s.flags = KN_PKT_HAS_ICMP;
    const int v6_back[] = {1, 2, 3, 4, 129};
    n_back = 0;
    for (int t = 0; t < 256; t++) {
        s.icmp_type = (uint8_t)t;
        if (kn_is_backscatter(&s)) {
            CHECK(n_back < 5 && v6_back[n_back] == t);
            n_back++;
        }
    }
    CHECK_EQ(n_back, 5);
    /* ICMPv4 type numbers inside ICMPv6 and the reverse do not mix */
    s.proto = KN_PROTO_ICMP;
    s.icmp_type = 0;
    CHECK(!kn_is_backscatter(&s));
}

static void test_port_class(void)
{
    struct kn_pkt p = syn4();
    p.dport = 1023;
    CHECK_EQ(kn_port_class(&p), KN_PORT_LOW);
    p.dport = 1024;
    CHECK_EQ(kn_port_class(&p), KN_PORT_HIGH);
    p.dport = 0;
    CHECK_EQ(kn_port_class(&p), KN_PORT_LOW);
    p.proto = KN_PROTO_UDP;
    p.flags = KN_PKT_HAS_PORTS;
    p.dport = 65535;
    CHECK_EQ(kn_port_class(&p), KN_PORT_HIGH);
    p.flags = KN_PKT_FRAGMENT; /* no transport header: no port class */
    CHECK_EQ(kn_port_class(&p), KN_PORT_NONE);
    p.flags = KN_PKT_HAS_PORTS;
    p.proto = 132; /* SCTP has ports, but the classes are TCP/UDP only */
    CHECK_EQ(kn_port_class(&p), KN_PORT_NONE);
}

static void test_mirai(void)
{
    struct kn_pkt p = syn4();
    p.seq = p.dst4;
    CHECK(kn_is_mirai(&p));
    CHECK(kn_classify(&p).tags == 1u << KN_TAG_MIRAI);
    p.dport = 2323;
    CHECK(kn_is_mirai(&p)); /* any port */
    p.seq = p.dst4 + 1;     /* just miss: off by one */
    CHECK(!kn_is_mirai(&p));
    p.seq = p.dst4;
    p.tcp_flags = KN_TCP_SYN | KN_TCP_ACK; /* just miss: ACK set */
    CHECK(!kn_is_mirai(&p));
    p.tcp_flags = KN_TCP_SYN | KN_TCP_PSH; /* other flags beside SYN are fine */
    CHECK(kn_is_mirai(&p));
    p.tcp_flags = KN_TCP_SYN | KN_TCP_RST; /* the figure counts it, the tag does not */
    struct kn_class c = kn_classify(&p);
    CHECK(c.mirai && c.backscatter && c.tags == 0);
    p.tcp_flags = KN_TCP_FIN; /* just miss: SYN clear */
    CHECK(!kn_is_mirai(&p));
    p.tcp_flags = KN_TCP_SYN;
    p.flags = KN_PKT_HAS_PORTS; /* seq not captured */
    CHECK(!kn_is_mirai(&p));
    p.flags = KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP;
    p.ip_version = 6; /* IPv4 only */
    CHECK(!kn_is_mirai(&p));
}

static void test_zmap(void)
{
    struct kn_pkt p = syn4();
    p.ip_id = 54321;
    CHECK(kn_is_zmap(&p));
    CHECK(kn_classify(&p).tags == 1u << KN_TAG_ZMAP);
    p.ip_id = 54320;
    CHECK(!kn_is_zmap(&p));
    p.ip_id = 54321;
    p.tcp_flags = KN_TCP_SYN | KN_TCP_ACK;
    CHECK(!kn_is_zmap(&p));
    p.tcp_flags = KN_TCP_SYN;
    p.proto = KN_PROTO_UDP;
    p.flags = KN_PKT_HAS_PORTS;
    CHECK(!kn_is_zmap(&p));
}

static void test_masscan(void)
{
    struct kn_pkt p = syn4();
    p.dport = 8080;
    p.seq = 0xdeadbeef;
    p.ip_id = (uint16_t)((p.dst4 ^ 8080u ^ 0xdeadbeefu) & 0xFFFF);
    CHECK(kn_is_masscan(&p));
    CHECK(kn_classify(&p).tags == 1u << KN_TAG_MASSCAN);
    p.ip_id ^= 1;
    CHECK(!kn_is_masscan(&p));
    p.ip_id ^= 1;
    p.dport = 8081; /* the port is part of the formula */
    CHECK(!kn_is_masscan(&p));
    p.dport = 8080;
    p.tcp_flags = KN_TCP_SYN | KN_TCP_ACK;
    CHECK(!kn_is_masscan(&p));
}

static void test_nmap(void)
{
    struct kn_pkt p = syn4();
    p.window = 1024;
    p.tcp_opt_count = 1;
    p.tcp_opt_kinds[0] = 2;
    p.mss = 1460;
    CHECK(kn_is_nmap(&p));
    CHECK(kn_classify(&p).tags == 1u << KN_TAG_NMAP);
    p.window = 1025;
    CHECK(!kn_is_nmap(&p));
    p.window = 1024;
    p.mss = 1400;
    CHECK(!kn_is_nmap(&p));
    p.mss = 1460;
    p.tcp_opt_count = 2; /* MSS + NOP: not exactly one option */
    p.tcp_opt_kinds[1] = 1;
    CHECK(!kn_is_nmap(&p));
    p.tcp_opt_count = 0;
    CHECK(!kn_is_nmap(&p));
    p.tcp_opt_count = 1;
    /* MSS 1460 then a malformed option: the count stopped at one, but the
     * packet does not carry exactly one option. */
    p.anomalies = 1u << KN_AN_TCP_OPTS_BAD;
    CHECK(!kn_is_nmap(&p));
    p.anomalies = 0;
    CHECK(kn_is_nmap(&p));
    p.tcp_flags = KN_TCP_SYN | KN_TCP_ACK;
    CHECK(!kn_is_nmap(&p));
}

static void test_several_tags_on_one_packet(void)
{
    struct kn_pkt p = syn4();
    p.seq = p.dst4;
    p.ip_id = 54321;
    p.window = 1024;
    p.tcp_opt_count = 1;
    p.tcp_opt_kinds[0] = 2;
    p.mss = 1460;
    CHECK_EQ(kn_classify(&p).tags,
             (1u << KN_TAG_MIRAI) | (1u << KN_TAG_ZMAP) | (1u << KN_TAG_NMAP));
    CHECK_STR(kn_tag_names[KN_TAG_MASSCAN], "masscan");
}

static void test_access(void)
{
    struct kn_cidr cs[] = {cidr("192.0.2.0/24")};
    struct kn_prefix_set s;
    struct kn_err e;
    kn_prefix_set_build(&s, cs, 1, &e);
    struct kn_pkt p = syn4();
    CHECK(kn_is_access(&s, &p));
    p.dst4 = ip4("192.0.3.1");
    CHECK(!kn_is_access(&s, &p));
    p.dst4 = ip4("192.0.2.1");
    p.outcome = KN_OUT_TRUNC_IP;
    CHECK(!kn_is_access(&s, &p));
    p.outcome = KN_OUT_IP;
    p.ip_version = 6; /* IPv6 packet: its dst4 is not looked at */
    CHECK(!kn_is_access(&s, &p));
    kn_prefix_set_free(&s);
}

int main(void)
{
    RUN(test_cidr_parse_and_errors);
    RUN(test_prefix_set_membership_and_sizes);
    RUN(test_prefix_set_edges);
    RUN(test_backscatter_and_probe);
    RUN(test_port_class);
    RUN(test_mirai);
    RUN(test_zmap);
    RUN(test_masscan);
    RUN(test_nmap);
    RUN(test_several_tags_on_one_packet);
    RUN(test_access);
    TEST_MAIN_END();
}
