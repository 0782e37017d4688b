/* stats/ingest: counting, merging and output of ingest statistics over
 * hand-built packet records and a hand-built pcap run through the decoder
 * (expected outcomes reasoned from the bytes written). */
#include <stdlib.h>
#include <unistd.h>

#include "capture/source.h"
#include "decode/decode.h"
#include "harness.h"
#include "stats/ingest.h"

static struct kn_pkt ip_pkt(uint8_t version, uint8_t proto, uint64_t ts)
{
    return (struct kn_pkt){.outcome = KN_OUT_IP, .ip_version = version, .proto = proto,
                           .ts_ns = ts, .linktype = 1};
}

static void test_counts_each_packet_once(void)
{
    struct kn_ingest st;
    kn_ingest_init(&st);
    struct kn_pkt p[] = {ip_pkt(4, 6, 50), ip_pkt(4, 17, 10), ip_pkt(4, 1, 30), ip_pkt(6, 58, 20),
                         ip_pkt(6, 6, 40), ip_pkt(6, 47, 60), ip_pkt(6, 1, 70) /* proto 1 over v6: other */};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        kn_ingest_add(&st, &p[i]);
    struct kn_pkt arp = {.outcome = KN_OUT_NO_IP, .linktype = 1, .ts_ns = 5};
    struct kn_pkt cut = {.outcome = KN_OUT_TRUNC_IP, .linktype = 113, .ts_ns = 80,
                         .anomalies = 1u << KN_AN_IPV4_TRUNCATED};
    kn_ingest_add(&st, &arp);
    kn_ingest_add(&st, &cut);
    CHECK_EQ(st.packets, 9);
    CHECK_EQ(st.outcome[KN_OUT_IP], 7);
    CHECK_EQ(st.outcome[KN_OUT_NO_IP], 1);
    CHECK_EQ(st.outcome[KN_OUT_TRUNC_IP], 1);
    CHECK_EQ(st.anomaly[KN_AN_IPV4_TRUNCATED], 1);
    CHECK_EQ(st.ipv4, 3);
    CHECK_EQ(st.ipv6, 4);
    CHECK_EQ(st.tcp, 2);
    CHECK_EQ(st.udp, 1);
    CHECK_EQ(st.icmp, 1);
    CHECK_EQ(st.icmpv6, 1);
    CHECK_EQ(st.other_proto, 2);
    CHECK_EQ(st.ts_min, 5);
    CHECK_EQ(st.ts_max, 80);
    CHECK_EQ(st.n_links, 2);
    CHECK_EQ(st.links[0].linktype, 1);
    CHECK_EQ(st.links[0].packets, 8);
    CHECK_EQ(st.links[1].packets, 1);
}

static void test_merge_adds_and_widens_time(void)
{
    struct kn_ingest a, b;
    kn_ingest_init(&a);
    kn_ingest_init(&b);
    struct kn_pkt p1 = ip_pkt(4, 6, 100), p2 = ip_pkt(6, 17, 7);
    kn_ingest_add(&a, &p1);
    kn_ingest_add(&b, &p2);
    snprintf(b.compression, sizeof b.compression, "zstd");
    kn_ingest_merge(&a, &b);
    CHECK_EQ(a.packets, 2);
    CHECK_EQ(a.tcp, 1);
    CHECK_EQ(a.udp, 1);
    CHECK_EQ(a.ts_min, 7);
    CHECK_EQ(a.ts_max, 100);
    CHECK_STR(a.compression, "mixed");
    struct kn_ingest empty;
    kn_ingest_init(&empty);
    kn_ingest_merge(&a, &empty); /* an empty file does not move the time range */
    CHECK_EQ(a.ts_min, 7);
}

static void test_link_table_overflows_into_other(void)
{
    struct kn_ingest st;
    kn_ingest_init(&st);
    for (int lt = 0; lt < KN_INGEST_MAX_LINKS + 5; lt++) {
        struct kn_pkt p = {.outcome = KN_OUT_UNKNOWN_LINK, .linktype = 1000 + lt};
        kn_ingest_add(&st, &p);
    }
    CHECK_EQ(st.n_links, KN_INGEST_MAX_LINKS);
    CHECK_EQ(st.links_other, 5);
}

static void test_json_has_every_name(void)
{
    struct kn_ingest st;
    kn_ingest_init(&st);
    struct kn_pkt p = ip_pkt(4, 6, 1500000000123456789ull);
    kn_ingest_add(&st, &p);
    json_t *o = kn_ingest_json(&st);
    CHECK_EQ(json_integer_value(json_object_get(o, "packets")), 1);
    CHECK_EQ(json_object_size(json_object_get(o, "outcomes")), KN_OUT__COUNT);
    CHECK_EQ(json_object_size(json_object_get(o, "anomalies")), KN_AN__COUNT);
    CHECK_STR(json_string_value(json_object_get(o, "first")), "2017-07-14T02:40:00.123456789Z");
    CHECK_STR(json_string_value(json_object_get(o, "compression")), "none");
    CHECK(json_object_get(o, "kernel_received") == NULL); /* files only */
    json_decref(o);
}

/* Ethernet frames written byte by byte: IPv4/TCP, ARP, and one cut inside
 * the IPv4 header. */
static void test_source_through_decoder(void)
{
    static const uint8_t tcp[] = {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,          /* Ethernet, IPv4 */
        0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1,
        0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0};
    static const uint8_t arp[42] = {[12] = 0x08, [13] = 0x06};
    char path[] = "/tmp/kn-ingest-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    uint32_t hdr[6] = {0xa1b2c3d4u, 0, 0, 0, 65535, 1};
    uint16_t ver[2] = {2, 4};
    memcpy(&hdr[1], ver, 4);
    fwrite(hdr, 4, 6, f);
    const uint8_t *frames[] = {tcp, arp, tcp};
    uint32_t lens[] = {sizeof tcp, sizeof arp, 14 + 12 /* IPv4 header cut at 12 bytes */};
    for (int i = 0; i < 3; i++) {
        uint32_t rec[4] = {1000 + (uint32_t)i, 0, lens[i], sizeof tcp};
        fwrite(rec, 4, 4, f);
        fwrite(frames[i], 1, lens[i], f);
    }
    fclose(f);
    struct kn_source *src;
    struct kn_err err;
    CHECK(kn_source_open_file(&src, path, &err) == 0);
    struct kn_ingest st;
    kn_ingest_init(&st);
    CHECK_EQ(kn_ingest_source(src, &st, NULL, NULL, &err), 0);
    kn_source_close(src);
    unlink(path);
    CHECK_EQ(st.packets, 3);
    CHECK_EQ(st.outcome[KN_OUT_IP], 1);
    CHECK_EQ(st.outcome[KN_OUT_NO_IP], 1);
    CHECK_EQ(st.outcome[KN_OUT_TRUNC_IP], 1);
    CHECK_EQ(st.tcp, 1);
    CHECK_EQ(st.ipv4, 1);
    CHECK_EQ(st.ts_min, 1000000000000ull);
    CHECK_EQ(st.ts_max, 1002000000000ull);
    CHECK_STR(st.compression, "none");
}

int main(void)
{
    RUN(test_counts_each_packet_once);
    RUN(test_merge_adds_and_widens_time);
    RUN(test_link_table_overflows_into_other);
    RUN(test_json_has_every_name);
    RUN(test_source_through_decoder);
    TEST_MAIN_END();
}
