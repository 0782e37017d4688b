/* The centre's report (`kenchi central-report`, `kenchi report --db URL`):
 * the report's figures, network-wide or for one sensor. The centre's rows
 * are summed over sensors into an in-memory kenchi database with the union
 * of the sensors' prefixes, except the per-source records, whose figures
 * the centre computes (port sets unioned, so a source that is wide only
 * for the network counts as wide); the ordinary report code (report/)
 * computes and prints the figures. */
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central/central.h"
#include "central/central_pg.h"
#include "report/report.h"
#include "store/store.h"

/* The local (in-memory) database's last error into err. Returns -1. */
static int local_fail(sqlite3 *db, struct kn_err *err)
{
    kn_err_set(err, "in-memory database: %s", sqlite3_errmsg(db));
    return -1;
}

/* Runs the statements `sql` on the local database. 0 or -1. */
static int local_exec(sqlite3 *db, const char *sql, struct kn_err *err)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : local_fail(db, err);
}

/* Copies the centre's result rows of `sel` (text parameters params[0..n-1])
 * into the local table with `ins`. The rows are read one at a time
 * (libpq's single-row mode), never as one result: a centre's tables can be
 * far larger than memory (a month of port rows is millions). A cursor
 * would do as well for memory but rules out PostgreSQL's parallel plans:
 * the 60-day report took 11 s through one instead of 7.7. */
static int fill(PGconn *pg, sqlite3 *db, const char *sel, const char *const *params, int n,
                const char *ins, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, ins, -1, &st, NULL) != SQLITE_OK)
        return local_fail(db, err);
    int rc = 0;
    if (!PQsendQueryParams(pg, sel, n, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(pg)) {
        kn_pg_error(pg, err);
        rc = -1;
    }
    /* Every result up to NULL is read, also after an error, so that the
     * connection is ready for the next query. */
    PGresult *res;
    while ((res = PQgetResult(pg))) {
        ExecStatusType s = PQresultStatus(res);
        if (rc == 0 && s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK) {
            kn_err_set(err, "centre: %s", PQresultErrorMessage(res));
            kn_pg_one_line(err->msg, sizeof err->msg);
            rc = -1;
        }
        for (int c = 0; rc == 0 && s == PGRES_SINGLE_TUPLE && c < PQnfields(res); c++) {
            if (PQgetisnull(res, 0, c))
                sqlite3_bind_null(st, c + 1);
            else
                sqlite3_bind_text(st, c + 1, PQgetvalue(res, 0, c), -1, SQLITE_STATIC);
        }
        if (rc == 0 && s == PGRES_SINGLE_TUPLE) {
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = local_fail(db, err);
            sqlite3_reset(st);
        }
        PQclear(res);
    }
    sqlite3_finalize(st);
    return rc;
}

#define WHERE_SENSOR " WHERE ($1::text IS NULL OR sensor = $1)"
/* The report's days only: $2 and $3 are the first and last (NULL: open). */
#define WHERE_SENSOR_DAYS                                                                  \
    WHERE_SENSOR " AND ($2::date IS NULL OR day >= $2::date)"                               \
                 " AND ($3::date IS NULL OR day <= $3::date)"

/* An int[] literal of the series' protocols (or ports): "{6,17}". */
#define SERIES_ARRAY_SIZE (KN_REPORT_MAX_SERIES * 11 + 3)
static void series_array(const struct kn_report *want, bool port, char out[SERIES_ARRAY_SIZE])
{
    size_t n = 0;
    out[n++] = '{';
    for (size_t i = 0; i < want->n_series; i++)
        n += (size_t)snprintf(out + n, SERIES_ARRAY_SIZE - n, "%s%u", i ? "," : "",
                              port ? want->series[i].port : want->series[i].proto);
    snprintf(out + n, SERIES_ARRAY_SIZE - n, "}");
}

/* Runs `sql` on the local database, which must give one text value or
 * NULL; *out gets a copy of it (NULL for NULL), the caller's to free. */
static int local_text(sqlite3 *db, const char *sql, char **out, struct kn_err *err)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return local_fail(db, err);
    int rc = 0;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = local_fail(db, err);
    } else if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
               !(*out = strdup((const char *)sqlite3_column_text(st, 0)))) {
        kn_err_set(err, "out of memory");
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Sources and wide-port sources per day and family (given_day_sources),
 * computed by the centre: a /8's day is ten million per-source records,
 * which are never loaded here (report_load.c reads these figures instead
 * of source_day). A source of the network is wide when any sensor saw it
 * wide, or when the union of the sensors' exact port sets reaches the
 * threshold. p: $1-$3 of WHERE_SENSOR_DAYS.
 *
 * First, each sensor's own figures per day and family, one pass without
 * grouping by address (1.2 s for the 10-million-source day). A day that
 * only one sensor saw (every day of a one-sensor report) takes them as
 * they are: by the key (sensor, day, addr) its sources are distinct
 * already.
 * Then, only if there are any, the days that several sensors saw, grouped
 * by address (an address has one family), each group once. Item 49's
 * query joined that grouping back to itself, and its plan rested on the
 * partitioned table's statistics, which autovacuum never gathers: on a
 * centre left to it, it sorted every record for a merge join (37 s for one
 * sensor's day). Addresses sort bytewise (COLLATE "C") whatever the
 * centre's locale: only equality matters here. A source that several
 * sensors saw, wide at none, is wide only if the union of its port sets
 * reaches the threshold, which needs the sum of their sizes (t) to reach
 * it first; only those few sources have their sets read again, by the
 * key's index. The planner's cost of those lookups, multiplied by every
 * group, crosses the threshold for inlining in JIT, which takes longer
 * than a small centre's whole query (0.56 s against 0.29 s without it)
 * and gains the 10-million-source day nothing, so it is off for both. */
static int load_day_sources(PGconn *pg, sqlite3 *db, const char *const *p, uint32_t wide,
                            struct kn_err *err)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT to_char(day, 'YYYY-MM-DD'), CASE WHEN family = 4 THEN 4 ELSE 6 END f,"
             " sum(n), sum(nw), count(DISTINCT sensor) FROM (SELECT sensor, day, family,"
             " count(*) n, count(*) FILTER (WHERE nports >= %u) nw FROM source_day"
             WHERE_SENSOR_DAYS " GROUP BY sensor, day, family) a GROUP BY day, 2",
             wide);
    char *shared = NULL; /* the days several sensors saw, as a date[] literal; owned here */
    if (local_exec(db,
                   "CREATE TABLE given_day_sources (day TEXT, family INTEGER, sources INTEGER,"
                   " wide INTEGER, PRIMARY KEY (day, family)) WITHOUT ROWID;"
                   "CREATE TEMP TABLE centre_day_sensors (day TEXT, family INTEGER,"
                   " sources INTEGER, wide INTEGER, sensors INTEGER)",
                   err) ||
        kn_pg_exec(pg, "SET LOCAL jit_inline_above_cost = -1", err) ||
        fill(pg, db, sql, p, 3, "INSERT INTO centre_day_sensors VALUES (?,?,?,?,?)", err) ||
        local_text(db,
                   "SELECT '{' || group_concat(day) || '}' FROM"
                   " (SELECT DISTINCT day FROM centre_day_sensors WHERE sensors > 1)",
                   &shared, err))
        return -1;
    int rc = local_exec(db,
                        "INSERT INTO given_day_sources SELECT day, family, sources, wide"
                        " FROM centre_day_sensors WHERE day NOT IN"
                        " (SELECT day FROM centre_day_sensors WHERE sensors > 1);"
                        "DROP TABLE centre_day_sensors",
                        err);
    if (rc == 0 && shared) {
        snprintf(sql, sizeof sql,
                 "WITH u AS (SELECT day, CASE WHEN family = 4 THEN 4 ELSE 6 END f,"
                 " addr COLLATE \"C\" addr, bool_or(nports >= %u) w, count(*) k, sum(nports) t"
                 " FROM source_day" WHERE_SENSOR_DAYS " AND day = ANY ($4::date[]) GROUP BY 1, 2, 3)"
                 " SELECT to_char(day, 'YYYY-MM-DD'), f, count(*), count(*) FILTER (WHERE w"
                 " OR (k > 1 AND t >= %u AND (SELECT count(DISTINCT x) FROM source_day s,"
                 " unnest(s.ports) x WHERE s.sensor = ANY (ARRAY(SELECT DISTINCT sensor"
                 " FROM sensor_prefix" WHERE_SENSOR ")) AND s.day = u.day"
                 " AND s.addr = u.addr COLLATE \"default\") >= %u)) FROM u GROUP BY day, f",
                 wide, wide, wide);
        const char *pm[4] = {p[0], p[1], p[2], shared};
        rc = fill(pg, db, sql, pm, 4, "INSERT INTO given_day_sources VALUES (?,?,?,?)", err);
    }
    free(shared);
    if (rc == 0 && kn_pg_exec(pg, "SET LOCAL jit_inline_above_cost = DEFAULT", err))
        rc = -1;
    return rc;
}

static int load_centre(PGconn *pg, sqlite3 *db, const char *sensor, int32_t from, int32_t to,
                       const struct kn_report *want, uint32_t wide, struct kn_err *err)
{
    char first[16], last[16];
    kn_day_format(from, first, sizeof first);
    kn_day_format(to, last, sizeof last);
    /* $4 and $5: the series' protocols and ports, as array literals. */
    char protos[SERIES_ARRAY_SIZE], ports[SERIES_ARRAY_SIZE];
    series_array(want, false, protos);
    series_array(want, true, ports);
    const char *p[5] = {sensor, from == INT32_MIN ? NULL : first, to == INT32_MAX ? NULL : last,
                        protos, ports};
    char period_sql[1024];
    /* The labels of report_load.c's periods. */
    static const char *const label[] = {
        [KN_PERIOD_DAY] = "to_char(day, 'YYYY-MM-DD')",
        [KN_PERIOD_MONTH] = "to_char(day, 'YYYY-MM')",
        [KN_PERIOD_HALF] = "to_char(day, 'YYYY') || CASE WHEN extract(month FROM day) <= 6"
                           " THEN '-H1' ELSE '-H2' END",
        [KN_PERIOD_YEAR] = "to_char(day, 'YYYY')",
    };
    /* Distinct sources per period by sorting (label, address) in parallel
     * workers and counting the merged runs; count(DISTINCT) sorts in one
     * process, and hashing ten million addresses spills: 14.9 and 16.4 s
     * against 9.3 s for the two sensors' copies of the 10-million-source
     * day. Hash aggregation is turned off for this query only (below) so
     * that the plan does not depend on estimates. */
    snprintf(period_sql, sizeof period_sql,
             "SELECT l, count(*) FROM (SELECT DISTINCT %s l, addr COLLATE \"C\" FROM source_day"
             WHERE_SENSOR_DAYS ") d GROUP BY l",
             label[want->period_kind]);
    if (local_exec(db,
                   "CREATE TABLE given_period_sources (label TEXT PRIMARY KEY,"
                   " distinct_sources INTEGER) WITHOUT ROWID",
                   err))
        return -1;
    return fill(pg, db,
                "SELECT to_char(day, 'YYYY-MM-DD'), family, sum(accesses), sum(low_port),"
                " sum(high_port), sum(mirai), sum(rdp_3389), sum(backscatter), sum(tag_mirai),"
                " sum(tag_zmap), sum(tag_masscan), sum(tag_nmap) FROM day_family"
                WHERE_SENSOR_DAYS " GROUP BY day, family ORDER BY day, family",
                p, 3, "INSERT INTO day_family VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", err) ||
                   /* Only the port rows the report reads (report.h): a
                    * bench day has 129,000 and the 60-day file 1.9
                    * million, of which it reads the few IPv4 TCP ports
                    * with Mirai accesses and its --port series. Every
                    * sensor's row of such a key is summed, so each row
                    * copied is the network's whole. No tag rows: the
                    * report reads none. */
                   fill(pg, db,
                        "SELECT to_char(day, 'YYYY-MM-DD'), family, proto, port, sum(accesses),"
                        " sum(probes), sum(mirai) FROM day_port" WHERE_SENSOR_DAYS
                        " AND ((family = 4 AND proto = 6 AND (day, port) IN (SELECT day, port"
                        " FROM day_port" WHERE_SENSOR_DAYS
                        " AND family = 4 AND proto = 6 AND mirai > 0))"
                        " OR (proto, port) IN (SELECT * FROM unnest($4::int[], $5::int[])))"
                        " GROUP BY day, family, proto, port ORDER BY day, family, proto, port",
                        p, 5, "INSERT INTO day_port VALUES (?,?,?,?,?,?,?)", err) ||
                   load_day_sources(pg, db, p, wide, err) ||
                   kn_pg_exec(pg, "SET LOCAL enable_hashagg = off", err) ||
                   fill(pg, db, period_sql, p, 3,
                        "INSERT INTO given_period_sources VALUES (?,?)", err) ||
                   kn_pg_exec(pg, "SET LOCAL enable_hashagg = DEFAULT", err) ||
                   fill(pg, db,
                        "SELECT sensor || ':' || hash, name, packets, accesses, not_sensor, no_ip,"
                        " trunc_link, trunc_ip, bad_ip, unknown_link, kernel_received,"
                        " kernel_dropped, first_ns, last_ns, pushed_at::text FROM files"
                        WHERE_SENSOR, /* every file: the report's ingest is not by day */
                        p, 1,
                        "INSERT INTO files (hash, name, packets, accesses, not_sensor, no_ip,"
                        " trunc_link, trunc_ip, bad_ip, unknown_link, kernel_received,"
                        " kernel_dropped, first_ns, last_ns, analysed_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        err)
               ? -1
               : 0;
}

/* Reads the centre's config and the (selected) sensors' prefixes. */
static int load_config(PGconn *pg, const char *sensor, struct kn_config_request *req,
                       char *tz, size_t tz_size, struct kn_err *err)
{
    PGresult *res = kn_pg_query(pg, "SELECT key, value FROM centre_config", 0, NULL, err);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        if (!strcmp(PQgetvalue(res, i, 0), "tz"))
            snprintf(tz, tz_size, "%s", PQgetvalue(res, i, 1));
        else if (!strcmp(PQgetvalue(res, i, 0), "wide_ports"))
            req->wide_ports = (uint32_t)strtoul(PQgetvalue(res, i, 1), NULL, 10);
    }
    PQclear(res);
    req->tz = tz;
    const char *p[1] = {sensor};
    res = kn_pg_query(pg, "SELECT DISTINCT prefix FROM sensor_prefix" WHERE_SENSOR, 1, p, err);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res) && req->n_sensors < KN_MAX_SENSORS; i++) {
        bool normalised;
        if (kn_cidr_parse(PQgetvalue(res, i, 0), &req->sensors[req->n_sensors], &normalised, err)) {
            PQclear(res);
            return -1;
        }
        req->n_sensors++;
    }
    int n = PQntuples(res);
    PQclear(res);
    if (n > KN_MAX_SENSORS) {
        kn_err_set(err, "more than %d sensor prefixes at the centre", KN_MAX_SENSORS);
        return -1;
    }
    if (!n || !req->wide_ports || !*tz) {
        kn_err_set(err, sensor ? "no sensor '%s' at the centre" : "nothing pushed to the centre%s",
                   sensor ? sensor : "");
        return -1;
    }
    return 0;
}

int kn_central_open(struct kn_store **out, const char *url, const char *sensor, int32_t from,
                    int32_t to, const struct kn_report *want, struct kn_config *cfg,
                    struct kn_err *err)
{
    *out = NULL;
    char tz[64] = "";
    /* Freed below. */
    struct kn_config_request *req = calloc(1, sizeof *req);
    struct kn_store *st = NULL;
    PGconn *pg = NULL;
    int rc = -1;
    if (!req) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    /* One snapshot of the centre for every figure. */
    if (!(pg = kn_pg_connect(url, err)) ||
        kn_pg_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) ||
        load_config(pg, sensor, req, tz, sizeof tz, err) ||
        kn_store_open(&st, ":memory:", req, true, cfg, err))
        goto out;
    if (local_exec(kn_store_db(st), "BEGIN", err) ||
        load_centre(pg, kn_store_db(st), sensor, from, to, want, cfg->wide_ports, err) ||
        local_exec(kn_store_db(st), "COMMIT", err)) {
        kn_store_close(st);
        goto out;
    }
    *out = st;
    rc = 0;
out:
    PQfinish(pg);
    free(req);
    return rc;
}

int kn_cmd_central_report(int argc, char **argv)
{
    return kn_report_main(argc, argv, true, kn_central_open);
}

int kn_cmd_report_centre(int argc, char **argv)
{
    return kn_report_main(argc, argv, false, kn_central_open);
}
