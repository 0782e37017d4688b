/* store/rowfeed: a feed's rows reach INSERT ... SELECT exactly (values,
 * types, order, none when empty); a feed table read outside
 * kn_rowfeed_exec() has no rows; a failing statement (a duplicate key, an
 * error raised by the feed) returns -1 with SQLite's message and inserts
 * nothing. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store/rowfeed.h"

struct rows {
    int n, i;
    int fail_at; /* raise an error on this row's last column; -1 never */
};

static void rewind_rows(void *ctx) { ((struct rows *)ctx)->i = 0; }
static bool next_row(void *ctx)
{
    struct rows *r = ctx;
    return ++r->i <= r->n;
}
/* kn_feed_tags columns: day, tag, proto, port, probes */
static void column(void *ctx, int col, sqlite3_context *out)
{
    struct rows *r = ctx;
    static const char *const tags[] = {"mirai", "zmap", "nmap"};
    switch (col) {
    case 0: sqlite3_result_text(out, "2020-05-17", -1, SQLITE_STATIC); break;
    case 1: sqlite3_result_text(out, tags[(r->i - 1) % 3], -1, SQLITE_STATIC); break;
    case 2: sqlite3_result_int(out, 6); break;
    case 3: sqlite3_result_int(out, 1000 + r->i); break;
    default:
        if (r->i - 1 == r->fail_at)
            sqlite3_result_error_nomem(out);
        else
            sqlite3_result_int64(out, (sqlite3_int64)r->i * 1000000000000ll);
    }
}

static long long q(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *const insert = "INSERT INTO t SELECT * FROM kn_feed_tags";

static void test_rows_arrive_exactly(void)
{
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    struct kn_rowfeeds *f;
    struct kn_err e;
    CHECK_EQ(kn_rowfeeds_register(db, &f, &e), 0);
    sqlite3_exec(db, "CREATE TABLE t (day TEXT, tag TEXT, proto INTEGER, port INTEGER,"
                     " probes INTEGER, PRIMARY KEY (day, tag, proto, port)) WITHOUT ROWID",
                 NULL, NULL, NULL);
    struct rows r = {.n = 1000, .fail_at = -1};
    const struct kn_rowfeed feed = {&r, rewind_rows, next_row, column};
    CHECK_EQ(kn_rowfeed_exec(db, f, KN_FEED_TAGS, &feed, insert, &e), 0);
    CHECK_EQ(q(db, "SELECT COUNT(*) FROM t"), 1000);
    CHECK_EQ(q(db, "SELECT SUM(port) FROM t"), 1000 * 1000 + 1000 * 1001 / 2);
    CHECK_EQ(q(db, "SELECT probes FROM t WHERE port = 1999"), 999000000000000ll);
    CHECK_EQ(q(db, "SELECT COUNT(*) FROM t WHERE tag = 'zmap' AND typeof(probes) = 'integer'"
                   " AND typeof(day) = 'text'"), 333);
    /* outside an exec the table is empty */
    CHECK_EQ(q(db, "SELECT COUNT(*) FROM kn_feed_tags"), 0);
    /* an empty feed inserts nothing */
    struct rows none = {.n = 0, .fail_at = -1};
    const struct kn_rowfeed empty = {&none, rewind_rows, next_row, column};
    CHECK_EQ(kn_rowfeed_exec(db, f, KN_FEED_TAGS, &empty, insert, &e), 0);
    CHECK_EQ(q(db, "SELECT COUNT(*) FROM t"), 1000);
    /* the same rows again: a duplicate key, the statement fails whole */
    r.n = 1001;
    CHECK_EQ(kn_rowfeed_exec(db, f, KN_FEED_TAGS, &feed, insert, &e), -1);
    printf("# %s\n", e.msg);
    CHECK(strstr(e.msg, "UNIQUE") != NULL);
    CHECK_EQ(q(db, "SELECT COUNT(*) FROM t"), 1000);
    /* an upsert adds */
    r.n = 3;
    CHECK_EQ(kn_rowfeed_exec(db, f, KN_FEED_TAGS, &feed,
                             "INSERT INTO t SELECT * FROM kn_feed_tags WHERE true ON CONFLICT"
                             " (day, tag, proto, port) DO UPDATE SET probes = probes + excluded.probes",
                             &e), 0);
    CHECK_EQ(q(db, "SELECT probes FROM t WHERE port = 1001"), 2000000000000ll);
    sqlite3_close(db);
    kn_rowfeeds_free(f);
}

static void test_feed_error_inserts_nothing(void)
{
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    struct kn_rowfeeds *f;
    struct kn_err e;
    CHECK_EQ(kn_rowfeeds_register(db, &f, &e), 0);
    sqlite3_exec(db, "CREATE TABLE t (day, tag, proto, port, probes)", NULL, NULL, NULL);
    struct rows r = {.n = 100, .fail_at = 57};
    const struct kn_rowfeed feed = {&r, rewind_rows, next_row, column};
    CHECK_EQ(kn_rowfeed_exec(db, f, KN_FEED_TAGS, &feed, insert, &e), -1);
    printf("# %s\n", e.msg);
    CHECK(e.msg[0] != '\0');
    CHECK_EQ(q(db, "SELECT COUNT(*) FROM t"), 0);
    sqlite3_close(db);
    kn_rowfeeds_free(f);
}

int main(void)
{
    RUN(test_rows_arrive_exactly);
    RUN(test_feed_error_inserts_nothing);
    TEST_MAIN_END();
}
