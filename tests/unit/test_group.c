/* analyze/group: group commits store nothing before the group is flushed
 * and then every file of it in one transaction, skip a file whose content
 * is stored or already in the group, fall due at --files-per-commit, and
 * store nothing at all when another run stored one of the group's files
 * meanwhile (each file whole or not at all). Checked through plain SQL. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate/aggregate.h"
#include "analyze/group.h"
#include "harness.h"
#include "sql_int.h"

static char dir[] = "/tmp/kn-group-XXXXXX";
static char path[128];

static long long sql_int(const char *sql) { return sql_int_at(path, sql); }

static struct kn_store *open_store(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    static struct kn_config_request req;
    memset(&req, 0, sizeof req);
    req.wide_ports = 100;
    struct kn_err e;
    kn_cidr_parse("192.0.2.0/24", &req.sensors[req.n_sensors++], NULL, &e);
    struct kn_config cfg;
    struct kn_store *st = NULL;
    if (kn_store_open(&st, path, &req, true, &cfg, &e))
        printf("# open: %s\n", e.msg);
    return st;
}

/* A file's result and figures: `sources` source records of day 18399
 * (2020-05-17) from 198.51.100.(first + i), one packet each. */
static void fake_file(struct kn_agg *agg, struct kn_run_result *res, uint8_t tag, int first,
                      int sources)
{
    kn_agg_reset(agg);
    memset(res, 0, sizeof *res);
    memset(res->hash, tag, sizeof res->hash);
    res->ingest.packets = (uint64_t)sources;
    for (int i = 0; i < sources; i++) {
        uint8_t a[4] = {198, 51, 100, (uint8_t)(first + i)};
        struct kn_src_day *s = kn_agg_source(agg, 18399, 4, a);
        s->packets++;
        s->first_ns = s->last_ns = 1589673600000000000ull;
    }
}

struct tally {
    int stored, skipped, failed;
    char last_error[512];
    char skipped_as[256];
};

static void report(void *ctx, const char *name, const struct kn_run_result *res, const char *error)
{
    (void)name;
    struct tally *t = ctx;
    if (error) {
        t->failed++;
        snprintf(t->last_error, sizeof t->last_error, "%s", error);
    } else if (res->status == KN_RUN_SKIPPED) {
        t->skipped++;
        snprintf(t->skipped_as, sizeof t->skipped_as, "%s", res->skipped_as);
    } else {
        t->stored++;
    }
}

static void test_nothing_stored_before_flush(void)
{
    struct kn_store *st = open_store("a.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 1, 1, 3);
    CHECK_EQ(kn_group_add(&g, agg, "one.pcap", &res, &e), 0);
    fake_file(agg, &res, 2, 2, 3); /* overlaps: .2 and .3 again, .4 new */
    CHECK_EQ(kn_group_add(&g, agg, "two.pcap", &res, &e), 0);
    fake_file(agg, &res, 1, 9, 1); /* the same content as one.pcap */
    CHECK_EQ(kn_group_add(&g, agg, "copy.pcap", &res, &e), 0);
    CHECK(!kn_group_due(&g));
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 0);
    struct tally t = {0};
    CHECK_EQ(kn_group_flush(&g, report, &t), 0);
    CHECK_EQ(t.stored, 2);
    CHECK_EQ(t.skipped, 1);
    CHECK_STR(t.skipped_as, "one.pcap");
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 2);
    /* .1-.4, the overlap merged: 6 packets from 4 sources */
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 4);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 6);
    CHECK_EQ(sql_int("SELECT packets FROM source_day WHERE addr = '198.51.100.3'"), 2);

    /* A later group: a file stored by the first one is skipped. */
    fake_file(agg, &res, 2, 50, 2);
    CHECK_EQ(kn_group_add(&g, agg, "two-again.pcap", &res, &e), 0);
    memset(&t, 0, sizeof t);
    CHECK_EQ(kn_group_flush(&g, report, &t), 0);
    CHECK_EQ(t.skipped, 1);
    CHECK_STR(t.skipped_as, "two.pcap");
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 4);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

static void test_due_at_files_per_commit(void)
{
    struct kn_store *st = open_store("b.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 2, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 1, 1, 1);
    kn_group_add(&g, agg, "a", &res, &e);
    CHECK(!kn_group_due(&g));
    fake_file(agg, &res, 1, 1, 1); /* skipped ones do not count */
    kn_group_add(&g, agg, "a2", &res, &e);
    CHECK(!kn_group_due(&g));
    fake_file(agg, &res, 2, 2, 1);
    kn_group_add(&g, agg, "b", &res, &e);
    CHECK(kn_group_due(&g));
    struct tally t = {0};
    kn_group_flush(&g, report, &t);
    CHECK(!kn_group_due(&g));
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 2);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

/* Another run stores one of the group's files between its add and the
 * commit: the group stores nothing, and says which file and why. */
static void test_raced_group_stores_nothing(void)
{
    struct kn_store *st = open_store("c.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 1, 1, 2);
    kn_group_add(&g, agg, "first.pcap", &res, &e);
    fake_file(agg, &res, 2, 10, 2);
    kn_group_add(&g, agg, "second.pcap", &res, &e);

    /* the other run, on its own handle */
    struct kn_store *other;
    struct kn_config cfg;
    static struct kn_config_request later; /* a later run may omit the config */
    CHECK_EQ(kn_store_open(&other, path, &later, false, &cfg, &e), 0);
    struct kn_agg *oagg = kn_agg_new(100, &e);
    struct kn_run_result ores;
    fake_file(oagg, &ores, 2, 10, 2);
    bool skipped = true;
    char as[64];
    CHECK_EQ(kn_store_commit_file(other, ores.hash, "second-elsewhere.pcap", &ores.ingest, oagg,
                                  &skipped, as, sizeof as, &e), 0);
    CHECK(!skipped);
    kn_store_close(other);
    kn_agg_free(oagg);

    struct tally t = {0};
    CHECK_EQ(kn_group_flush(&g, report, &t), 2);
    CHECK_EQ(t.stored, 0);
    CHECK_EQ(t.failed, 2);
    printf("# %s\n", t.last_error);
    CHECK(strstr(t.last_error, "another run") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 1); /* the other run's only */
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day WHERE addr = '198.51.100.1'"), 0);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 2);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        printf("not ok mkdtemp\n");
        return 1;
    }
    RUN(test_nothing_stored_before_flush);
    RUN(test_due_at_files_per_commit);
    RUN(test_raced_group_stores_nothing);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("not ok cleanup\n");
    TEST_MAIN_END();
}
