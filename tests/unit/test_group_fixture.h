/* Shared by the group-commit unit tests: a store in a temporary
 * directory, files faked as aggregates and run results, and a report
 * callback that tallies what a flush said. */
#ifndef TEST_GROUP_FIXTURE_H
#define TEST_GROUP_FIXTURE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate/aggregate.h"
#include "analyze/group.h"
#include "sql_int.h"

/* mkdtemp()ed by the test's main */
static char dir[] = "/tmp/kn-group-XXXXXX";
static char path[128];

/* mkdtemp(dir); false (and a failed test line) when it cannot. */
static bool make_dir(void)
{
    if (mkdtemp(dir))
        return true;
    printf("not ok mkdtemp\n");
    return false;
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("not ok cleanup\n");
}

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
static inline void fake_file(struct kn_agg *agg, struct kn_run_result *res, uint8_t tag, int first,
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

#endif
