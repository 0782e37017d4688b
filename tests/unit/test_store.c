/* store: creation and the stored config (conflicts are errors), schema
 * version checks, one commit per file, skip by content hash, and merging of
 * per-source records across files (port sets unioned, capped at the
 * threshold) checked through plain SQL on the documented schema. */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdarg.h>
#include <unistd.h>

#include "harness.h"
#include "sql_int.h"
#include "store/store.h"

#define NS 1000000000ull
#define T0 1589673600ull /* 2020-05-17 00:00 UTC */

static char dir[64];
static char path[128];

static void fresh_path(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static struct kn_config_request *request(const char *tz, uint32_t wide, int n, ...)
{
    static struct kn_config_request r;
    memset(&r, 0, sizeof r);
    r.tz = tz;
    r.wide_ports = wide;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        struct kn_err e;
        kn_cidr_parse(va_arg(ap, const char *), &r.sensors[r.n_sensors++], NULL, &e);
    }
    va_end(ap);
    return &r;
}

static long long sql_int(const char *sql) { return sql_int_at(path, sql); }

static void test_config_created_and_checked(void)
{
    struct kn_store *st;
    struct kn_config cfg;
    struct kn_err e;
    fresh_path("cfg.db");
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 0), true, &cfg, &e), KN_STORE_CONFLICT);
    CHECK(strstr(e.msg, "needs at least one --sensor") != NULL);
    CHECK_EQ(kn_store_open(&st, path, request("Asia/Tokyo", 50, 2, "2001:db8::/48", "192.0.2.0/24"),
                           true, &cfg, &e), 0);
    CHECK_STR(cfg.tz, "Asia/Tokyo");
    CHECK_EQ(cfg.wide_ports, 50);
    CHECK_EQ(cfg.n_sensors, 2);
    CHECK_EQ(cfg.sensors[0].family, 4); /* sorted: IPv4 first */
    kn_store_close(st);
    /* Later runs may omit everything ... */
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 0), true, &cfg, &e), 0);
    CHECK_STR(cfg.tz, "Asia/Tokyo");
    kn_store_close(st);
    /* ... or repeat it, in any order, with duplicates ... */
    CHECK_EQ(kn_store_open(&st, path, request("Asia/Tokyo", 50, 3, "192.0.2.0/24", "2001:db8::/48",
                                              "192.0.2.0/24"), true, &cfg, &e), 0);
    kn_store_close(st);
    /* ... but not contradict it. */
    CHECK_EQ(kn_store_open(&st, path, request("UTC", 0, 0), true, &cfg, &e), KN_STORE_CONFLICT);
    CHECK(strstr(e.msg, "--tz UTC conflicts") != NULL);
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 100, 0), true, &cfg, &e), KN_STORE_CONFLICT);
    CHECK(strstr(e.msg, "--wide-ports 100 conflicts") != NULL);
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 1, "192.0.2.0/24"), true, &cfg, &e),
             KN_STORE_CONFLICT);
    CHECK(strstr(e.msg, "192.0.2.0/24 2001:db8::/48") != NULL);
    /* Read-only open for reports. */
    CHECK_EQ(kn_store_open(&st, path, NULL, false, &cfg, &e), 0);
    CHECK_EQ(cfg.wide_ports, 50);
    kn_store_close(st);
    CHECK_EQ(sql_int("PRAGMA user_version"), KN_SCHEMA_VERSION);
}

static void test_refuses_foreign_and_newer(void)
{
    struct kn_store *st;
    struct kn_config cfg;
    struct kn_err e;
    fresh_path("foreign.db");
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE notes (x); INSERT INTO notes VALUES (1)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 1, "192.0.2.0/24"), true, &cfg, &e), -1);
    CHECK(strstr(e.msg, "not a kenchi database") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM notes"), 1); /* untouched */

    fresh_path("newer.db");
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 1, "192.0.2.0/24"), true, &cfg, &e), 0);
    kn_store_close(st);
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 0), true, &cfg, &e), -1);
    CHECK(strstr(e.msg, "newer than this kenchi") != NULL);
    CHECK_EQ(kn_store_open(&st, path, NULL, false, &cfg, &e), -1);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM sensors"), 1); /* not recreated */
    fresh_path("absent.db");
    CHECK_EQ(kn_store_open(&st, path, NULL, false, &cfg, &e), -1);
    CHECK(access(path, F_OK) != 0); /* a report does not create databases */
}

/* A SYN from 198.51.100.`host` to 192.0.2.1:port at second `sec` of the day;
 * host 3 sends Mirai SYNs (seq == destination). */
static void syn(struct kn_agg *a, int host, unsigned port, uint64_t sec)
{
    struct kn_pkt p;
    memset(&p, 0, sizeof p);
    p.ts_ns = (T0 + sec) * NS;
    p.outcome = KN_OUT_IP;
    p.ip_version = 4;
    p.proto = KN_PROTO_TCP;
    p.flags = KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP;
    p.tcp_flags = KN_TCP_SYN;
    p.src4 = 0xC6336400u + (uint32_t)host; /* 198.51.100.host */
    p.dst4 = 0xC0000201u;                  /* 192.0.2.1 */
    p.dport = (uint16_t)port;
    p.seq = host == 3 ? p.dst4 : 7; /* host 3 is the Mirai bot */
    struct kn_err e;
    kn_agg_add(a, &p, kn_classify(&p), &e);
}

static void test_commit_skip_and_merge(void)
{
    struct kn_store *st;
    struct kn_config cfg;
    struct kn_err e;
    fresh_path("commit.db");
    CHECK_EQ(kn_store_open(&st, path, request(NULL, 0, 1, "192.0.2.0/24"), true, &cfg, &e), 0);
    kn_tz_select("UTC", &e);
    struct kn_agg *a = kn_agg_new(cfg.wide_ports, &e);
    struct kn_ingest ing;
    memset(&ing, 0, sizeof ing);
    uint8_t h1[32] = {1}, h2[32] = {2}, h3[32] = {3};
    bool skipped;
    char as[64];
    /* file 1: host 1 probes ports 1..60, host 2 ports 1..50, host 3 a Mirai SYN at 10:00 */
    for (unsigned p = 1; p <= 60; p++)
        syn(a, 1, p, 3600 + p);
    for (unsigned p = 1; p <= 50; p++)
        syn(a, 2, p, 3600 + p);
    syn(a, 3, 23, 36000);
    ing.packets = ing.accesses = 111;
    CHECK_EQ(kn_store_commit_file(st, h1, "one.pcap", &ing, a, &skipped, as, sizeof as, &e), 0);
    CHECK(!skipped);
    CHECK_EQ(kn_store_has_file(st, h1, &e), 1);
    /* the same content again: skipped, nothing written */
    CHECK_EQ(kn_store_commit_file(st, h1, "copy.pcap.gz", &ing, a, &skipped, as, sizeof as, &e), 0);
    CHECK(skipped);
    CHECK_STR(as, "one.pcap");
    CHECK_EQ(sql_int("SELECT accesses FROM day_family WHERE day = '2020-05-17'"), 111);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 1);
    /* file 2: host 1 ports 41..100 (20 overlap -> 100 distinct: wide),
     * host 2 the same 50 ports again (stays 50), host 3 again at 01:00 */
    kn_agg_reset(a);
    for (unsigned p = 41; p <= 100; p++)
        syn(a, 1, p, 7200 + p);
    for (unsigned p = 1; p <= 50; p++)
        syn(a, 2, p, 7200 + p);
    syn(a, 3, 23, 3600);
    ing.packets = ing.accesses = 111;
    CHECK_EQ(kn_store_commit_file(st, h2, "two.pcap", &ing, a, &skipped, as, sizeof as, &e), 0);
    CHECK(!skipped);
    CHECK_EQ(sql_int("SELECT accesses FROM day_family WHERE day = '2020-05-17' AND family = 4"), 222);
    CHECK_EQ(sql_int("SELECT mirai FROM day_family WHERE day = '2020-05-17'"), 2);
    CHECK_EQ(sql_int("SELECT tag_mirai FROM day_family WHERE day = '2020-05-17'"), 2);
    CHECK_EQ(sql_int("SELECT nports FROM source_day WHERE addr = '198.51.100.1'"), 100);
    CHECK_EQ(sql_int("SELECT ports IS NULL FROM source_day WHERE addr = '198.51.100.1'"), 1);
    CHECK_EQ(sql_int("SELECT nports FROM source_day WHERE addr = '198.51.100.2'"), 50);
    CHECK_EQ(sql_int("SELECT length(ports) FROM source_day WHERE addr = '198.51.100.2'"), 200);
    CHECK_EQ(sql_int("SELECT packets FROM source_day WHERE addr = '198.51.100.2'"), 100);
    /* first/last seen: min and max over both files */
    CHECK_EQ(sql_int("SELECT first_ns FROM source_day WHERE addr = '198.51.100.3'"), (T0 + 3600) * NS);
    CHECK_EQ(sql_int("SELECT last_ns FROM source_day WHERE addr = '198.51.100.3'"), (T0 + 36000) * NS);
    CHECK_EQ(sql_int("SELECT tags FROM source_day WHERE addr = '198.51.100.3'"), 1);
    CHECK_EQ(sql_int("SELECT wide_port_sources FROM day_sources WHERE day = '2020-05-17'"), 1);
    CHECK_EQ(sql_int("SELECT sources FROM day_sources WHERE day = '2020-05-17'"), 3);
    CHECK_EQ(sql_int("SELECT mirai FROM day_port WHERE day = '2020-05-17' AND proto = 6 AND port = 23"), 2);
    CHECK_EQ(sql_int("SELECT accesses FROM day_port WHERE proto = 6 AND port = 45"), 4); /* hosts 1 and 2, both files */
    CHECK_EQ(sql_int("SELECT probes FROM day_tag_port WHERE tag = 'mirai' AND port = 23"), 2);
    /* one more port for host 2 in a third file: exact union 51 */
    kn_agg_reset(a);
    syn(a, 2, 999, 9000);
    CHECK_EQ(kn_store_commit_file(st, h3, "three.pcap", &ing, a, &skipped, as, sizeof as, &e), 0);
    CHECK_EQ(sql_int("SELECT nports FROM source_day WHERE addr = '198.51.100.2'"), 51);
    kn_agg_free(a);
    kn_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kenchi-test-store-XXXXXX");
    if (!mkdtemp(dir)) {
        SKIP(test_store, "no temporary directory");
        return 0;
    }
    RUN(test_config_created_and_checked);
    RUN(test_refuses_foreign_and_newer);
    RUN(test_commit_skip_and_merge);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    TEST_MAIN_END();
}
