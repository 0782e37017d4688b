/* gen: the truth file matches the packets. Generates two days in
 * Asia/Tokyo, reads the capture back with libpcap, recounts every per-day
 * figure with a deliberately plain decoder written here (Ethernet, VLAN
 * tags, IPv4/IPv6, TCP/UDP/ICMP by fixed offsets), and compares with
 * TRUTH.json. The recount shares no code with the generator's counting. */
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#include "gen/gen.h"
#include "harness.h"

#define DAYS 2
#define TOKYO (9 * 3600)
#define FIRST_DAY 18414 /* 2020-06-01 as days since the epoch */

struct rec { /* one (day, source[, proto, port]) fact, for distinct counts */
    int day;
    unsigned char addr[17]; /* family byte + address */
    int proto, port;
};

struct day {
    long acc4, acc6, low4, high4, mirai, bs, rdp, tag[4], sources, wide;
    long mirai_port[65536];
};

static struct day days[DAYS];
static struct rec *srcs, *pairs;
static size_t n_srcs, n_pairs, cap;

static unsigned be16(const u_char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long be32(const u_char *p) { return (unsigned long)be16(p) << 16 | be16(p + 2); }

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->day != y->day)
        return x->day - y->day;
    int c = memcmp(x->addr, y->addr, sizeof x->addr);
    if (c)
        return c;
    if (x->proto != y->proto)
        return x->proto - y->proto;
    return x->port - y->port;
}

static void count_frame(const struct pcap_pkthdr *h, const u_char *f)
{
    unsigned len = h->caplen, off = 12;
    unsigned type = be16(f + off);
    while (type == 0x8100 || type == 0x88a8) {
        off += 4;
        type = be16(f + off);
    }
    off += 2;
    int v4 = type == 0x0800, v6 = type == 0x86dd;
    if ((!v4 && !v6) || len < off + (v4 ? 20u : 40u))
        return; /* no IP, or the IP header is cut: not an access */
    const u_char *ip = f + off, *src, *dst;
    unsigned proto, hl;
    int later_fragment = 0;
    if (v4) {
        hl = (ip[0] & 15) * 4u;
        proto = ip[9];
        later_fragment = (be16(ip + 6) & 0x1fff) != 0;
        src = ip + 12;
        dst = ip + 16;
        if (!(dst[0] == 192 && dst[1] == 0 && dst[2] == 2))
            return;
    } else {
        static const u_char sensor6[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
        hl = 40;
        proto = ip[6];
        src = ip + 8;
        dst = ip + 24;
        if (memcmp(dst, sensor6, 8))
            return;
    }
    int d = (int)((h->ts.tv_sec + TOKYO) / 86400 - FIRST_DAY);
    if (d < 0 || d >= DAYS) {
        printf("# packet outside the generated days\n");
        return;
    }
    struct day *D = &days[d];
    const u_char *t = ip + hl;
    unsigned avail = len - off - hl;
    int ports = (proto == 6 || proto == 17) && !later_fragment && avail >= 4;
    int tcp = proto == 6 && !later_fragment && avail >= 20;
    unsigned flags = tcp ? t[13] : 0, dport = ports ? be16(t + 2) : 0;
    int bs = 0;
    if (tcp)
        bs = ((flags & 0x12) == 0x12) || (flags & 0x04);
    else if (v4 && proto == 1 && avail >= 1)
        bs = t[0] == 0 || t[0] == 3 || t[0] == 4 || t[0] == 5 || t[0] == 11 || t[0] == 12 ||
             t[0] == 14 || t[0] == 16 || t[0] == 18;
    else if (v6 && proto == 58 && avail >= 1)
        bs = (t[0] >= 1 && t[0] <= 4) || t[0] == 129;
    if (v4)
        D->acc4++;
    else
        D->acc6++;
    if (v4 && ports) {
        if (dport < 1024)
            D->low4++;
        else
            D->high4++;
    }
    D->bs += bs;
    int syn = tcp && (flags & 0x12) == 0x02;
    if (v4 && syn && be32(t + 4) == be32(dst)) {
        D->mirai++;
        D->mirai_port[dport]++;
    }
    if (!bs && proto == 6 && ports && dport == 3389)
        D->rdp++;
    if (!bs && v4 && syn) {
        unsigned id = be16(ip + 4);
        D->tag[0] += be32(t + 4) == be32(dst);
        D->tag[1] += id == 54321;
        D->tag[2] += id == ((be32(dst) ^ dport ^ be32(t + 4)) & 0xffff);
        D->tag[3] += be16(t + 14) == 1024 && (t[12] >> 4) == 6 && !memcmp(t + 20, "\x02\x04\x05\xb4", 4);
    }
    if (n_pairs + 1 >= cap || n_srcs + 1 >= cap) {
        cap = cap ? cap * 2 : 65536;
        srcs = realloc(srcs, cap * sizeof *srcs);
        pairs = realloc(pairs, cap * sizeof *pairs);
    }
    struct rec r = {.day = d};
    r.addr[0] = v4 ? 4 : 6;
    memcpy(r.addr + 1, src, v4 ? 4 : 16);
    srcs[n_srcs++] = r;
    if (!bs && ports) {
        r.proto = (int)proto;
        r.port = (int)dport;
        pairs[n_pairs++] = r;
    }
}

static void distinct_counts(void)
{
    qsort(srcs, n_srcs, sizeof *srcs, cmp_rec);
    for (size_t i = 0; i < n_srcs; i++)
        if (i == 0 || cmp_rec(&srcs[i], &srcs[i - 1]))
            days[srcs[i].day].sources++;
    qsort(pairs, n_pairs, sizeof *pairs, cmp_rec);
    long run = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        int same_src = i > 0 && pairs[i].day == pairs[i - 1].day &&
                       !memcmp(pairs[i].addr, pairs[i - 1].addr, sizeof pairs[i].addr);
        if (!same_src)
            run = 0;
        if (i == 0 || cmp_rec(&pairs[i], &pairs[i - 1]))
            if (++run == 100)
                days[pairs[i].day].wide++;
    }
}

static long jint(json_t *o, const char *k) { return (long)json_integer_value(json_object_get(o, k)); }

static void test_truth_matches_recount(void)
{
    char dir[] = "/tmp/kn-gen-truth-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char out[64], truth[64];
    snprintf(out, sizeof out, "%s/g.pcap", dir);
    snprintf(truth, sizeof truth, "%s/t.json", dir);
    struct kn_gen_config cfg;
    kn_gen_config_default(&cfg);
    cfg.seed = 42;
    cfg.days = DAYS;
    snprintf(cfg.tz, sizeof cfg.tz, "Asia/Tokyo");
    cfg.out_path = out;
    cfg.truth_path = truth;
    struct kn_err err = {{0}};
    CHECK_EQ(kn_gen_run(&cfg, NULL, &err), 0);

    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(out, eb);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
    struct pcap_pkthdr *h;
    const u_char *f;
    long vlan = 0, packets = 0;
    while (pcap_next_ex(p, &h, &f) == 1) {
        packets++;
        vlan += be16(f + 12) == 0x8100 || be16(f + 12) == 0x88a8;
        count_frame(h, f);
    }
    pcap_close(p);
    distinct_counts();
    CHECK(vlan > 0);

    json_error_t je;
    json_t *root = json_load_file(truth, 0, &je);
    CHECK(root != NULL);
    if (!root)
        return;
    CHECK_EQ(jint(json_object_get(root, "ingest"), "packets"), packets);
    json_t *jd = json_object_get(root, "days");
    CHECK_EQ(json_array_size(jd), DAYS);
    static const char *tags[4] = {"mirai", "zmap", "masscan", "nmap"};
    for (int d = 0; d < DAYS && d < (int)json_array_size(jd); d++) {
        json_t *o = json_array_get(jd, (size_t)d);
        struct day *D = &days[d];
        CHECK_STR(json_string_value(json_object_get(o, "date")), d ? "2020-06-02" : "2020-06-01");
        CHECK_EQ(jint(o, "accesses_v4"), D->acc4);
        CHECK_EQ(jint(o, "accesses_v6"), D->acc6);
        CHECK_EQ(jint(o, "accesses"), D->acc4 + D->acc6);
        CHECK(json_real_value(json_object_get(o, "low_port_per_ip")) == D->low4 / 256.0);
        CHECK(json_real_value(json_object_get(o, "high_port_per_ip")) == D->high4 / 256.0);
        CHECK_EQ(jint(o, "mirai"), D->mirai);
        CHECK_EQ(jint(o, "backscatter"), D->bs);
        CHECK_EQ(jint(o, "rdp_3389"), D->rdp);
        CHECK_EQ(jint(o, "sources"), D->sources);
        CHECK_EQ(jint(o, "wide_port_sources"), D->wide);
        json_t *jt = json_object_get(o, "tags");
        for (int i = 0; i < 4; i++)
            CHECK_EQ(jint(jt, tags[i]), D->tag[i]);
        json_t *bp = json_object_get(o, "mirai_by_port");
        long listed = 0;
        const char *key;
        json_t *val;
        json_object_foreach(bp, key, val) {
            CHECK_EQ(json_integer_value(val), D->mirai_port[atoi(key)]);
            listed += json_integer_value(val);
        }
        CHECK_EQ(listed, D->mirai);
        /* the plan's promises: every class present on every day */
        CHECK(D->mirai > 1000 && D->bs > 1000 && D->acc6 > 100 && D->rdp > 50);
        CHECK(D->tag[1] > 0 && D->tag[2] > 0 && D->tag[3] > 0);
        CHECK(D->wide >= 8);
    }
    json_decref(root);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
}

int main(void)
{
    RUN(test_truth_matches_recount);
    free(srcs);
    free(pairs);
    TEST_MAIN_END();
}
