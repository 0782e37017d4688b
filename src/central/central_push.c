/* Pushing to the centre: kn_central_push (also the sensor's automatic
 * push) and `kenchi push --db LOCAL --central URL [--sensor-name NAME]`.
 * Copies a sensor's stored figures to the centre as per-(sensor, day)
 * snapshots, in one PostgreSQL transaction (docs/central.md). Each pushed
 * day of this sensor replaces what the centre held for it (whole, or, when
 * the centre has this database's files up to some row, the per-source rows
 * the newer files changed), and files are inserted with ON CONFLICT DO
 * NOTHING on (sensor, hash): pushing again counts once, and an interrupted
 * push leaves the centre as before. */
#include <getopt.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central/central.h"
#include "aggregate/dayclock.h"
#include "central/central_pg.h"
#include "central/push_rows.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: kenchi push --db LOCAL.sqlite --central postgresql://... [--sensor-name NAME]\n"
    "                   [--full]\n"
    "  Copies the figures of a kenchi database (sensor or analyze) to the centre.\n"
    "  Only what is newer than the centre's copy is sent when the centre's copy\n"
    "  came from this database; everything otherwise.\n"
    "  --sensor-name  the sensor's name at the centre (default: the host name)\n"
    "  --full         send everything, whatever the centre has\n";

/* The centre's tz and wide-port threshold are those of the first push;
 * a sensor with others would make the figures incomparable. */
static int check_config(PGconn *pg, const struct kn_config *cfg, struct kn_err *err)
{
    char wide[16];
    snprintf(wide, sizeof wide, "%u", cfg->wide_ports);
    const char *keys[2][2] = {{"tz", cfg->tz}, {"wide_ports", wide}};
    for (int i = 0; i < 2; i++) {
        PGresult *res = kn_pg_query(pg,
                                    "INSERT INTO centre_config VALUES ($1, $2)"
                                    " ON CONFLICT (key) DO NOTHING",
                                    2, keys[i], err);
        if (!res)
            return -1;
        PQclear(res);
        res = kn_pg_query(pg, "SELECT value FROM centre_config WHERE key = $1", 1, keys[i], err);
        if (!res)
            return -1;
        int same = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), keys[i][1]);
        if (!same)
            kn_err_set(err, "the centre's %s is '%s', this database's is '%s'", keys[i][0],
                       PQntuples(res) ? PQgetvalue(res, 0, 0) : "", keys[i][1]);
        PQclear(res);
        if (!same)
            return -1;
    }
    return 0;
}

static int push_prefixes(PGconn *pg, const char *sensor, const struct kn_config *cfg,
                         struct kn_err *err)
{
    const char *p[2] = {sensor, NULL};
    PGresult *res = kn_pg_query(pg, "DELETE FROM sensor_prefix WHERE sensor = $1", 1, p, err);
    if (!res)
        return -1;
    PQclear(res);
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        char text[64];
        kn_cidr_format(&cfg->sensors[i], text, sizeof text);
        p[1] = text;
        res = kn_pg_query(pg, "INSERT INTO sensor_prefix VALUES ($1, $2)", 2, p, err);
        if (!res)
            return -1;
        PQclear(res);
    }
    return 0;
}

/* Creates the partitions of the local days from `since` on and, with
 * `empty`, removes this sensor's earlier snapshot of them. Adds the number
 * of days to *days. */
static int clear_days(sqlite3 *db, PGconn *pg, const char *sensor, const char *since,
                      bool empty, uint64_t *days, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT day FROM (SELECT day FROM day_family UNION SELECT day"
                           " FROM day_port UNION SELECT day FROM day_tag_port UNION SELECT day"
                           " FROM source_day) WHERE day >= ?1 ORDER BY 1",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, since, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    char month[8] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *day = (const char *)sqlite3_column_text(st, 0);
        if (!day || strncmp(month, day, 7)) {
            if (kn_pg_partition(pg, day ? day : "", err))
                goto fail;
            snprintf(month, sizeof month, "%.7s", day);
        }
        const char *p[2] = {sensor, day};
        for (int t = 0; empty && t < KN_PUSH__TABLES; t++) {
            char del[128];
            snprintf(del, sizeof del, "DELETE FROM %s WHERE sensor = $1 AND day = $2::date",
                     kn_push_table_name((enum kn_push_table)t));
            PGresult *res = kn_pg_query(pg, del, 2, p, err);
            if (!res)
                goto fail;
            PQclear(res);
        }
        (*days)++;
    }
    if (rc != SQLITE_DONE) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        goto fail;
    }
    sqlite3_finalize(st);
    return 0;
fail:
    sqlite3_finalize(st);
    return -1;
}

/* The local days a push must replace: all of them for a full push; after
 * file id `after`, the days from that of the earliest packet of a newer
 * file on (the days the newer files touched; a packet's day is never
 * before its file's first packet's). "~" (after every date) when no newer
 * file has packets. The process's time zone is the database's.
 * *first_ns is that earliest packet's time (INT64_MIN for a full push,
 * INT64_MAX when there is none): a source row the newer files changed
 * has a packet of theirs, so its last_ns is at least that. */
static int days_since(sqlite3 *db, int64_t after, char since[16], int64_t *first_ns,
                      struct kn_err *err)
{
    since[0] = '\0';
    *first_ns = INT64_MIN;
    if (after <= 0)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT min(first_ns) FROM files WHERE id > ?1 AND packets > 0",
                           -1, &st, NULL) != SQLITE_OK) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, after);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        struct kn_dayclock dc;
        kn_dayclock_init(&dc);
        sqlite3_int64 first = sqlite3_column_int64(st, 0);
        kn_day_format(kn_dayclock_day(&dc, first > 0 ? (uint64_t)first : 0), since, 16);
        *first_ns = first;
    } else if (rc == SQLITE_ROW) {
        snprintf(since, 16, "~");
        *first_ns = INT64_MAX;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static int max_file_id(sqlite3 *db, int64_t *id, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM files", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* The local files rows after id `after`. COPY cannot skip rows the centre
 * has already (a file pushed before, a retried push), so they go through a
 * table of this transaction's own, then in with ON CONFLICT DO NOTHING. */
static int push_files(sqlite3 *db, PGconn *pg, const char *sensor, const char *after,
                      uint64_t *rows, struct kn_err *err)
{
#define FILE_COLS                                                                           \
    "sensor, hash, name, packets, accesses, not_sensor, no_ip, trunc_link, trunc_ip, bad_ip," \
    " unknown_link, kernel_received, kernel_dropped, first_ns, last_ns"
    if (kn_pg_exec(pg,
                   "CREATE TEMP TABLE kenchi_push_files ON COMMIT DROP AS"
                   " SELECT " FILE_COLS " FROM files WITH NO DATA",
                   err) ||
        kn_push_copy_rows(db, pg, sensor,
                          "SELECT hash, name, packets, accesses, not_sensor, no_ip, trunc_link,"
                          " trunc_ip, bad_ip, unknown_link, kernel_received, kernel_dropped,"
                          " first_ns, last_ns FROM files WHERE id > CAST(?1 AS INTEGER)",
                          /* packets .. kernel_dropped are counts */
                          &after, 1, "COPY kenchi_push_files FROM STDIN", -1, 0x3FFu << 2,
                          NULL, rows, err))
        return -1;
    return kn_pg_exec(pg,
                      "INSERT INTO files (" FILE_COLS ") SELECT " FILE_COLS
                      " FROM kenchi_push_files ON CONFLICT (sensor, hash) DO NOTHING",
                      err);
#undef FILE_COLS
}

/* Where an incremental push may start: the newest local files row the
 * centre has from this sensor (table sensor_push), when the local database
 * still holds that very row (its id and hash) and as many rows up to it as
 * then. Otherwise (a first push, another database under this name, or one
 * rebuilt since) *after is 0: everything is sent. */
static int centre_has_up_to(sqlite3 *db, PGconn *pg, const char *sensor, int64_t *after,
                            struct kn_err *err)
{
    *after = 0;
    const char *p[1] = {sensor};
    PGresult *res = kn_pg_query(pg,
                                "SELECT last_file_id, last_file_hash, files_up_to FROM sensor_push"
                                " WHERE sensor = $1",
                                1, p, err);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    long long id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    long long up_to = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT hash FROM files WHERE id = ?1) IS ?2"
                                " AND (SELECT count(*) FROM files WHERE id <= ?1) = ?3",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (!PQgetisnull(res, 0, 1))
            sqlite3_bind_text(st, 2, PQgetvalue(res, 0, 1), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, up_to);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_int(st, 0))
            *after = id;
    }
    PQclear(res);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

/* Records at the centre that it now has every local files row up to
 * `last` (see centre_has_up_to). */
static int record_push(sqlite3 *db, PGconn *pg, const char *sensor, int64_t last,
                       struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT hash FROM files WHERE id = ?1),"
                           " (SELECT count(*) FROM files WHERE id <= ?1)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(st, 1, last) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    char id_text[32];
    snprintf(id_text, sizeof id_text, "%lld", (long long)last);
    const char *p[4] = {sensor, id_text, (const char *)sqlite3_column_text(st, 0),
                        (const char *)sqlite3_column_text(st, 1)};
    PGresult *res = kn_pg_query(pg,
                                "INSERT INTO sensor_push VALUES ($1, $2::bigint, $3, $4::bigint)"
                                " ON CONFLICT (sensor) DO UPDATE SET"
                                " last_file_id = excluded.last_file_id,"
                                " last_file_hash = excluded.last_file_hash,"
                                " files_up_to = excluded.files_up_to, pushed_at = now()",
                                4, p, err);
    sqlite3_finalize(st);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

static int push(sqlite3 *db, PGconn *pg, const char *sensor, const struct kn_config *cfg,
                bool full, struct kn_push_stats *ps, struct kn_err *err)
{
    /* The writers' lock (kn_pg_migrate) is taken before the first local
     * read, which starts the local snapshot: two pushes of one sensor run
     * one after the other, the later one reading the newer snapshot. */
    if (kn_pg_exec(pg, "BEGIN", err) || kn_pg_migrate(pg, err) ||
        (!full && centre_has_up_to(db, pg, sensor, &ps->after, err)))
        return -1;
    char since[16], after_text[32];
    int64_t first_ns;
    snprintf(after_text, sizeof after_text, "%lld", (long long)ps->after);
    if (days_since(db, ps->after, since, &first_ns, err) ||
        max_file_id(db, &ps->last_file_id, err))
        return -1;
    /* An incremental push's centre holds this database's rows as of the
     * recorded file, and kenchi never removes a local row: each row sent
     * replaces its own, and no day needs emptying. */
    bool incremental = first_ns != INT64_MIN;
    if (check_config(pg, cfg, err) || push_prefixes(pg, sensor, cfg, err) ||
        clear_days(db, pg, sensor, since, !incremental, &ps->days, err))
        return -1;
    for (int t = 0; t < KN_PUSH__TABLES; t++)
        if (kn_push_day_rows(db, pg, sensor, (enum kn_push_table)t, since, first_ns, incremental,
                             &ps->rows, err))
            return -1;
    if (push_files(db, pg, sensor, after_text, &ps->rows, err) ||
        record_push(db, pg, sensor, ps->last_file_id, err))
        return -1;
    return kn_pg_exec(pg, "COMMIT", err);
}

int kn_central_push(const char *db, const char *url, const char *sensor, bool full,
                    struct kn_push_stats *ps, struct kn_err *err)
{
    memset(ps, 0, sizeof *ps);
    struct kn_config *cfg = calloc(1, sizeof *cfg); /* large; freed below */
    struct kn_store *st = NULL;
    PGconn *pg = NULL;
    int rc = -1;
    if (!cfg) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    if (kn_store_open(&st, db, NULL, false, cfg, err)) {
        kn_err_prefix(err, "%s", db);
        goto out;
    }
    if (!(pg = kn_pg_connect(url, err)))
        goto out;
    sqlite3 *lite = kn_store_db(st);
    /* One local read snapshot, so a sensor committing meanwhile is seen
     * either wholly or not at all. */
    if (sqlite3_exec(lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        kn_err_set(err, "%s: %s", db, sqlite3_errmsg(lite));
        goto out;
    }
    rc = push(lite, pg, sensor, cfg, full, ps, err);
    sqlite3_exec(lite, "COMMIT", NULL, NULL, NULL);
out:
    PQfinish(pg); /* an unfinished transaction is rolled back by the server */
    kn_store_close(st);
    free(cfg);
    return rc;
}

int kn_cmd_push(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"central", required_argument, NULL, 'c'},
        {"sensor-name", required_argument, NULL, 'n'},
        {"full", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = NULL, *url = NULL, *name = NULL;
    bool full = false;
    char host[256];
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': url = optarg; break;
        case 'n': name = optarg; break;
        case 'f': full = true; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (!db || !url || optind < argc) {
        fprintf(stderr, "kenchi push: %s\n\n%s",
                optind < argc ? "unexpected argument" : "--db and --central are required",
                usage_text);
        return 2;
    }
    if (!name) {
        if (gethostname(host, sizeof host))
            snprintf(host, sizeof host, "sensor");
        host[sizeof host - 1] = 0;
        name = host;
    }
    if (!*name) {
        fprintf(stderr, "kenchi push: --sensor-name must not be empty\n");
        return 2;
    }
    struct kn_err err = {{0}};
    struct kn_push_stats ps;
    if (kn_central_push(db, url, name, full, &ps, &err)) {
        fprintf(stderr, "kenchi push: %s (nothing of this push was kept)\n", err.msg);
        return 1;
    }
    if (ps.after)
        fprintf(stderr,
                "kenchi push: %s pushed as sensor '%s' (what is newer than local file #%lld,"
                " which the centre had: %llu days, %llu rows)\n",
                db, name, (long long)ps.after, (unsigned long long)ps.days,
                (unsigned long long)ps.rows);
    else
        fprintf(stderr, "kenchi push: %s pushed as sensor '%s' (everything: %llu days, %llu rows)\n",
                db, name, (unsigned long long)ps.days, (unsigned long long)ps.rows);
    return 0;
}
