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

#include "aggregate/dayclock.h"
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
 * Then each day that several sensors saw, by a query of its own, grouped
 * by address alone (an address has one family), each group once. Item
 * 49's query joined that grouping back to itself, and its plan rested on
 * the partitioned table's statistics, which autovacuum never gathers: on
 * a centre left to it, it sorted every record for a merge join (37 s for
 * one sensor's day). Item 50's grouped all such days at once by (day,
 * family, address): without those statistics the planner hashed, spilling
 * to hundreds of batches, and with a constant day leading the sort key no
 * abbreviated keys were possible (24.4 s against 12.2 s for the two
 * sensors' copies of the 10-million-source day). So hash aggregation is
 * off, the sort key is the address, bytewise (COLLATE "C": only equality
 * matters here), and the families are counted by filters, not grouped.
 * The day's records are found by the key's index ((sensor, day) leads
 * it), so a day costs its own records, not its month's. A source that
 * several sensors saw, wide at none, is wide only if the union of its
 * port sets reaches the threshold, which needs the sum of their sizes (t)
 * to reach it first; only those few sources have their sets read again,
 * by the key's index. The planner's cost of those lookups, multiplied by
 * every group, crosses the threshold for inlining in JIT, which takes
 * longer than a small centre's whole query (0.56 s against 0.29 s without
 * it) and gains the 10-million-source day nothing, so it is off for both. */
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
    if (local_exec(db,
                   "CREATE TABLE given_day_sources (day TEXT, family INTEGER, sources INTEGER,"
                   " wide INTEGER, PRIMARY KEY (day, family)) WITHOUT ROWID;"
                   "CREATE TEMP TABLE centre_day_sensors (day TEXT, family INTEGER,"
                   " sources INTEGER, wide INTEGER, sensors INTEGER)",
                   err) ||
        kn_pg_exec(pg, "SET LOCAL jit_inline_above_cost = -1", err) ||
        fill(pg, db, sql, p, 3, "INSERT INTO centre_day_sensors VALUES (?,?,?,?,?)", err) ||
        local_exec(db,
                   "INSERT INTO given_day_sources SELECT day, family, sources, wide"
                   " FROM centre_day_sensors WHERE day NOT IN"
                   " (SELECT day FROM centre_day_sensors WHERE sensors > 1)",
                   err))
        return -1;
    sqlite3_stmt *shared; /* the days several sensors saw */
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT day FROM centre_day_sensors WHERE sensors > 1"
                           " ORDER BY day",
                           -1, &shared, NULL) != SQLITE_OK)
        return local_fail(db, err);
#define REPORT_SENSORS "ARRAY(SELECT DISTINCT sensor FROM sensor_prefix" WHERE_SENSOR ")"
    snprintf(sql, sizeof sql,
             "WITH u AS (SELECT addr COLLATE \"C\" addr,"
             " max(CASE WHEN family = 4 THEN 4 ELSE 6 END) f, bool_or(nports >= %u) w,"
             " count(*) k, sum(nports) t FROM source_day WHERE sensor = ANY (" REPORT_SENSORS ")"
             " AND day = $2::date GROUP BY 1),"
             " v AS (SELECT f, w OR (k > 1 AND t >= %u AND (SELECT count(DISTINCT x)"
             " FROM source_day s, unnest(s.ports) x WHERE s.sensor = ANY (" REPORT_SENSORS ")"
             " AND s.day = $2::date AND s.addr = u.addr COLLATE \"default\") >= %u) wide FROM u)"
             " SELECT to_char($2::date, 'YYYY-MM-DD'), count(*) FILTER (WHERE f = 4),"
             " count(*) FILTER (WHERE f = 4 AND wide), count(*) FILTER (WHERE f = 6),"
             " count(*) FILTER (WHERE f = 6 AND wide) FROM v",
             wide, wide, wide);
#undef REPORT_SENSORS
    int rc = kn_pg_exec(pg, "SET LOCAL enable_hashagg = off", err), step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(shared)) == SQLITE_ROW) {
        const char *day = (const char *)sqlite3_column_text(shared, 0);
        if (!day) {
            kn_err_set(err, "the centre gave a day of NULL");
            rc = -1;
            break;
        }
        const char *pd[2] = {p[0], day};
        /* A family's row only when it has sources, as a GROUP BY gives
         * (the values arrive as text, which SQLite ranks above numbers). */
        rc = fill(pg, db, sql, pd, 2,
                  "INSERT INTO given_day_sources SELECT ?1, 4, ?2, ?3 WHERE CAST(?2 AS INTEGER) > 0"
                  " UNION ALL SELECT ?1, 6, ?4, ?5 WHERE CAST(?4 AS INTEGER) > 0",
                  err);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = local_fail(db, err);
    sqlite3_finalize(shared);
    if (rc == 0 && (local_exec(db, "DROP TABLE centre_day_sensors", err) ||
                    kn_pg_exec(pg, "SET LOCAL enable_hashagg = DEFAULT", err) ||
                    kn_pg_exec(pg, "SET LOCAL jit_inline_above_cost = DEFAULT", err)))
        rc = -1;
    return rc;
}

/* Distinct sources per period of the report's kind (given_period_sources),
 * after load_day_sources: the periods and their days are those of
 * given_day_sources, labelled as the report labels them. A period of one
 * day takes that day's sources (every day of a `--period day` report, the
 * current month's first day): it has no other records. A longer one is
 * counted by the centre, each period by a query of its own over its days:
 * sorting the period's addresses alone (COLLATE "C": bytewise, whatever
 * the centre's locale), in parallel workers, and counting the merged
 * runs. Sorting (label, address) pairs for all periods at once cost a
 * label formatted for every record and, with the label leading, no
 * abbreviated keys: 0.44 s against 0.17 s for the 60-day file's two
 * months. count(DISTINCT) sorts in one process, and hashing ten million
 * addresses spills, so hash aggregation is off for these queries, and the
 * plan does not depend on estimates. p: $1 of WHERE_SENSOR. */
/* One period's distinct sources into given_period_sources (ins): `one_day`
 * when the period has one day, else counted by the centre over its days
 * first..last. *counting tells whether hash aggregation is off already. */
static int put_period(PGconn *pg, sqlite3 *db, sqlite3_stmt *ins, const char *sensor,
                      const char *label, const char *first, const char *last, int64_t n_days,
                      int64_t one_day, bool *counting, struct kn_err *err)
{
    char count[24];
    snprintf(count, sizeof count, "%lld", (long long)one_day);
    PGresult *res = NULL; /* the centre's count; freed below */
    if (n_days > 1) {
        if (!*counting && kn_pg_exec(pg, "SET LOCAL enable_hashagg = off", err))
            return -1;
        *counting = true;
        const char *pp[3] = {sensor, first, last};
        if (!(res = kn_pg_query(pg,
                                "SELECT count(*) FROM (SELECT DISTINCT addr COLLATE \"C\""
                                " FROM source_day" WHERE_SENSOR
                                " AND day >= $2::date AND day <= $3::date) d",
                                3, pp, err)))
            return -1;
    }
    sqlite3_bind_text(ins, 1, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, res ? PQgetvalue(res, 0, 0) : count, -1, SQLITE_STATIC);
    int rc = sqlite3_step(ins) == SQLITE_DONE ? 0 : local_fail(db, err);
    sqlite3_reset(ins);
    PQclear(res);
    return rc;
}

static int load_period_sources(PGconn *pg, sqlite3 *db, const char *const *p,
                               enum kn_period_kind kind, struct kn_err *err)
{
    sqlite3_stmt *days = NULL, *ins = NULL;
    if (local_exec(db,
                   "CREATE TABLE given_period_sources (label TEXT PRIMARY KEY,"
                   " distinct_sources INTEGER) WITHOUT ROWID",
                   err))
        return -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT day, sum(sources) FROM given_day_sources GROUP BY day"
                           " ORDER BY day",
                           -1, &days, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO given_period_sources VALUES (?1, ?2)", -1, &ins,
                           NULL) != SQLITE_OK) {
        local_fail(db, err);
        sqlite3_finalize(days);
        return -1;
    }
    bool counting = false;
    /* The period being gathered: its label, first and last days, how many
     * days it has, and its last day's sources. */
    char label[16] = "", first[16] = "", last[16] = "";
    int64_t n_days = 0, one_day = 0;
    int rc = 0, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(days)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(days, 0);
        int32_t day;
        char next[16];
        if (!text || kn_day_parse(text, &day)) {
            kn_err_set(err, "the centre gave a bad day '%s'", text ? text : "(null)");
            rc = -1;
            break;
        }
        kn_report_period_label(kind, day, next, sizeof next);
        if (n_days && strcmp(next, label)) {
            rc = put_period(pg, db, ins, p[0], label, first, last, n_days, one_day, &counting,
                            err);
            n_days = 0;
        }
        if (!n_days++) {
            snprintf(label, sizeof label, "%s", next);
            snprintf(first, sizeof first, "%s", text);
        }
        snprintf(last, sizeof last, "%s", text);
        one_day = sqlite3_column_int64(days, 1);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = local_fail(db, err);
    if (rc == 0 && n_days)
        rc = put_period(pg, db, ins, p[0], label, first, last, n_days, one_day, &counting, err);
    sqlite3_finalize(days);
    sqlite3_finalize(ins);
    if (rc == 0 && counting && kn_pg_exec(pg, "SET LOCAL enable_hashagg = DEFAULT", err))
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
    if (local_exec(db,
                   "CREATE TABLE given_mirai_ports (day TEXT, port INTEGER, mirai INTEGER,"
                   " PRIMARY KEY (day, port)) WITHOUT ROWID",
                   err))
        return -1;
    return fill(pg, db,
                "SELECT to_char(day, 'YYYY-MM-DD'), family, sum(accesses), sum(low_port),"
                " sum(high_port), sum(mirai), sum(rdp_3389), sum(backscatter), sum(tag_mirai),"
                " sum(tag_zmap), sum(tag_masscan), sum(tag_nmap) FROM day_family"
                WHERE_SENSOR_DAYS " GROUP BY day, family ORDER BY day, family",
                p, 3, "INSERT INTO day_family VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", err) ||
                   /* Of the port rows (a bench day has 129,000 and the
                    * 60-day file 1.9 million) the report reads the Mirai
                    * accesses of IPv4 TCP ports and the --port series.
                    * The Mirai counts are summed over the rows that have
                    * any, one scan: a sensor's row without them adds
                    * nothing. Copying those keys' rows whole instead
                    * needed every sensor's row of them, found by a
                    * second scan (0.72 s against 0.18 s for the 60-day
                    * file). The series' keys are copied whole, every
                    * sensor's row summed. No tag rows: the report reads
                    * none. */
                   fill(pg, db,
                        "SELECT to_char(day, 'YYYY-MM-DD'), port, sum(mirai) FROM day_port"
                        WHERE_SENSOR_DAYS " AND family = 4 AND proto = 6 AND mirai > 0"
                        " GROUP BY day, port",
                        p, 3, "INSERT INTO given_mirai_ports VALUES (?,?,?)", err) ||
                   (want->n_series &&
                    fill(pg, db,
                         "SELECT to_char(day, 'YYYY-MM-DD'), family, proto, port, sum(accesses),"
                         " sum(probes), sum(mirai) FROM day_port" WHERE_SENSOR_DAYS
                         " AND (proto, port) IN (SELECT * FROM unnest($4::int[], $5::int[]))"
                         " GROUP BY day, family, proto, port",
                         p, 5, "INSERT INTO day_port VALUES (?,?,?,?,?,?,?)", err)) ||
                   load_day_sources(pg, db, p, wide, err) ||
                   load_period_sources(pg, db, p, want->period_kind, err) ||
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
