/* sensor intervals: counting hand-built frames (an access with the Mirai
 * fingerprint, a packet to another address, a frame with no IP header),
 * merging, and commits keyed by (sensor name, interval start): the same key
 * twice writes once, another start or another sensor name is a new row. */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "sql_int.h"
#include "sensor/interval.h"

#define NS 1000000000ull
#define T0 1589673600ull /* 2020-05-17 00:00 UTC */

static char path[128];

/* A raw IPv4 TCP SYN (LINKTYPE_RAW) from 198.51.100.1 to dst:dport, with seq. */
static void tcp_syn(uint8_t *b, const uint8_t dst[4], unsigned dport, uint32_t seq)
{
    memset(b, 0, 40);
    b[0] = 0x45;
    b[3] = 40;
    b[8] = 64;
    b[9] = 6;
    b[12] = 198, b[13] = 51, b[14] = 100, b[15] = 1;
    memcpy(b + 16, dst, 4);
    b[20] = 0x9c, b[21] = 0x40;
    b[22] = (uint8_t)(dport >> 8), b[23] = (uint8_t)dport;
    b[24] = (uint8_t)(seq >> 24), b[25] = (uint8_t)(seq >> 16), b[26] = (uint8_t)(seq >> 8),
    b[27] = (uint8_t)seq;
    b[32] = 0x50;
    b[33] = 0x02; /* SYN */
    b[34] = 0x04; /* window 1024 */
}

static long long sql_int(const char *sql) { return sql_int_at(path, sql); }

static struct kn_store *open_store(struct kn_prefix_set *set)
{
    struct kn_config_request req;
    memset(&req, 0, sizeof req);
    struct kn_err e;
    kn_cidr_parse("192.0.2.0/24", &req.sensors[0], NULL, &e);
    req.n_sensors = 1;
    struct kn_store *st = NULL;
    struct kn_config cfg;
    if (kn_store_open(&st, path, &req, true, &cfg, &e) == 0) {
        kn_tz_select(cfg.tz, &e);
        kn_prefix_set_build(set, cfg.sensors, cfg.n_sensors, &e);
    }
    return st;
}

static void feed3(struct kn_interval *iv, const struct kn_prefix_set *set, uint64_t t)
{
    static const uint8_t sensor[4] = {192, 0, 2, 5}, other[4] = {203, 0, 113, 9};
    uint8_t a[40], b[40], junk[2] = {0x45, 0};
    tcp_syn(a, sensor, 23, 0xC0000205u);
    tcp_syn(b, other, 23, 1);
    struct kn_err e;
    struct kn_frame f = {.ts_ns = t, .caplen = 40, .wirelen = 40, .linktype = 101, .data = a};
    CHECK_EQ(kn_interval_feed(iv, set, &f, &e), 0);
    f.data = b;
    f.ts_ns = t + 1;
    CHECK_EQ(kn_interval_feed(iv, set, &f, &e), 0);
    f.data = junk;
    f.caplen = f.wirelen = 2;
    f.ts_ns = t + 2;
    CHECK_EQ(kn_interval_feed(iv, set, &f, &e), 0);
}

static void test_counts_and_keyed_commits(void)
{
    unlink(path);
    struct kn_prefix_set set;
    struct kn_store *st = open_store(&set);
    CHECK(st != NULL);
    if (!st)
        return;
    struct kn_interval iv, other;
    struct kn_err e;
    CHECK_EQ(kn_interval_init(&iv, 100, T0 * NS, &e), 0);
    CHECK_EQ(kn_interval_init(&other, 100, 0, &e), 0);
    feed3(&iv, &set, T0 * NS + 5);
    CHECK_EQ(iv.ing.packets, 3);
    CHECK_EQ(iv.ing.accesses, 1);
    CHECK_EQ(iv.ing.not_sensor, 1);
    CHECK_EQ(iv.ing.first_ns, T0 * NS + 5);
    CHECK_EQ(iv.ing.last_ns, T0 * NS + 7);
    /* merging a second interval's counts doubles them */
    feed3(&other, &set, T0 * NS + 100);
    other.ing.kernel_dropped = 4;
    CHECK_EQ(kn_interval_merge(&iv, &other, &e), 0);
    CHECK_EQ(iv.ing.packets, 6);
    CHECK_EQ(iv.ing.kernel_dropped, 4);
    CHECK_EQ(iv.ing.last_ns, T0 * NS + 102);
    bool already = true;
    CHECK_EQ(kn_interval_commit(st, "s1", &iv, &already, &e), 0);
    CHECK(!already);
    CHECK_EQ(sql_int("SELECT mirai FROM day_family WHERE day = '2020-05-17' AND family = 4"), 2);
    CHECK_EQ(sql_int("SELECT kernel_dropped FROM files"), 4);
    /* the same key again: nothing written */
    kn_interval_reset(&iv, T0 * NS);
    feed3(&iv, &set, T0 * NS + 200);
    CHECK_EQ(kn_interval_commit(st, "s1", &iv, &already, &e), 0);
    CHECK(already);
    CHECK_EQ(sql_int("SELECT mirai FROM day_family WHERE family = 4"), 2);
    /* another start, or another sensor with the same start: new rows */
    kn_interval_reset(&iv, T0 * NS + 60 * NS);
    feed3(&iv, &set, T0 * NS + 61 * NS);
    CHECK_EQ(kn_interval_commit(st, "s1", &iv, &already, &e), 0);
    CHECK(!already);
    kn_interval_reset(&iv, T0 * NS);
    feed3(&iv, &set, T0 * NS + 300);
    CHECK_EQ(kn_interval_commit(st, "s2", &iv, &already, &e), 0);
    CHECK(!already);
    CHECK_EQ(sql_int("SELECT mirai FROM day_family WHERE family = 4"), 4);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 3);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM files"), 12);
    /* an empty interval is still committed: the sensor was up, nothing came */
    kn_interval_reset(&iv, T0 * NS + 120 * NS);
    CHECK_EQ(kn_interval_commit(st, "s1", &iv, &already, &e), 0);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files WHERE packets = 0 AND first_ns IS NULL"), 1);
    kn_interval_free(&iv);
    kn_interval_free(&other);
    kn_prefix_set_free(&set);
    kn_store_close(st);
}

static void test_key_names(void)
{
    uint8_t h1[32], h2[32], h3[32];
    char n1[256], n2[256];
    kn_interval_key("tokyo-1", T0 * NS + 5, h1, n1, sizeof n1);
    kn_interval_key("tokyo-1", T0 * NS + 6, h2, n2, sizeof n2);
    kn_interval_key("tokyo-2", T0 * NS + 5, h3, n2, sizeof n2);
    CHECK_STR(n1, "sensor tokyo-1 interval 2020-05-17T00:00:00.000000005Z");
    CHECK(memcmp(h1, h2, 32) != 0);
    CHECK(memcmp(h1, h3, 32) != 0);
}

int main(void)
{
    char dir[] = "/tmp/kenchi-interval-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/s.db", dir);
    RUN(test_counts_and_keyed_commits);
    RUN(test_key_names);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    TEST_MAIN_END();
}
