/* store/page_arena: kn_store_page_arena gives SQLite its page cache only
 * where it fits: not for a database of 4 KiB pages, not for an unreadable
 * header, not once SQLite is in use; given, a commit of 3,000 source-days
 * goes through it (SQLite's own PAGECACHE_USED counter) and the rows read
 * back exactly. The arena is process-wide, hence a test binary of its own
 * whose first SQLite use is in here. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "sql_int.h"
#include "store/store.h"

#define NS 1000000000ull
#define T0 1589673600ull /* 2020-05-17 00:00 UTC */

static char dir[64];
static char path[128];

static void write_file(const char *name, const void *bytes, size_t n)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ(write(fd, bytes, n), (long long)n);
        close(fd);
    }
}

static void test_refused_where_it_does_not_fit(void)
{
    /* a database header of 4 KiB pages (bytes 16-17, big-endian) */
    unsigned char head[100] = "SQLite format 3";
    head[16] = 0x10;
    head[17] = 0x00;
    write_file("small-pages.db", head, sizeof head);
    CHECK(!kn_store_page_arena(path, 16));
    write_file("short.db", "SQLi", 4); /* too short to say */
    CHECK(!kn_store_page_arena(path, 16));
    CHECK(!kn_store_page_arena("/nonexistent-dir/x.db", 0)); /* no slots asked */
}

static void test_commit_through_arena(void)
{
    snprintf(path, sizeof path, "%s/arena.db", dir);
    CHECK(kn_store_page_arena(path, 64));
    struct kn_config_request req;
    memset(&req, 0, sizeof req);
    struct kn_err e;
    CHECK_EQ(kn_cidr_parse("192.0.2.0/24", &req.sensors[0], NULL, &e), 0);
    req.n_sensors = 1;
    struct kn_store *st;
    struct kn_config cfg;
    CHECK_EQ(kn_store_open(&st, path, &req, true, &cfg, &e), 0);
    if (!st)
        return;
    kn_tz_select("UTC", &e);
    struct kn_agg *a = kn_agg_new(cfg.wide_ports, &e);
    for (uint32_t host = 0; host < 3000; host++) { /* 3,000 sources, one SYN each */
        struct kn_pkt p;
        memset(&p, 0, sizeof p);
        p.ts_ns = (T0 + 60 + host) * NS;
        p.outcome = KN_OUT_IP;
        p.ip_version = 4;
        p.proto = KN_PROTO_TCP;
        p.flags = KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP;
        p.tcp_flags = KN_TCP_SYN;
        p.src4 = 0xCB007100u + (host << 8) + 1; /* distinct /24s from 203.0.113.1 */
        p.dst4 = 0xC0000201u;                   /* 192.0.2.1 */
        p.dport = (uint16_t)(1000 + host % 500);
        CHECK_EQ(kn_agg_add(a, &p, kn_classify(&p), &e), 0);
    }
    struct kn_ingest ing;
    memset(&ing, 0, sizeof ing);
    ing.packets = ing.accesses = 3000;
    uint8_t h[32] = {7};
    bool skipped = true;
    char as[64];
    CHECK_EQ(kn_store_commit_file(st, h, "arena.pcap", &ing, a, &skipped, as, sizeof as, &e), 0);
    CHECK(!skipped);
    int cur = 0, hi = 0;
    CHECK_EQ(sqlite3_status(SQLITE_STATUS_PAGECACHE_USED, &cur, &hi, 0), SQLITE_OK);
    CHECK(hi > 0); /* SQLite's pages came from the arena */
    kn_agg_free(a);
    kn_store_close(st);
    CHECK_EQ(sql_int_at(path, "SELECT COUNT(*) FROM source_day"), 3000);
    CHECK_EQ(sql_int_at(path, "SELECT SUM(packets) FROM source_day"), 3000);
    CHECK_EQ(sql_int_at(path, "SELECT accesses FROM day_port WHERE proto = 6 AND port = 1499"), 6);
    CHECK_EQ(sql_int_at(path, "PRAGMA page_size"), 65536);
    /* SQLite is in use now: too late to configure it */
    CHECK(!kn_store_page_arena(path, 64));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kenchi-test-arena-XXXXXX");
    if (!mkdtemp(dir)) {
        SKIP(test_store_arena, "no temporary directory");
        return 0;
    }
    RUN(test_refused_where_it_does_not_fit);
    RUN(test_commit_through_arena);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    TEST_MAIN_END();
}
