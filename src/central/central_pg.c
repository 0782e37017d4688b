/* PostgreSQL connection, schema and partitions of the centre (see
 * central_pg.h and docs/central.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central/central_pg.h"

/* libpq's messages span lines ("...failed: Connection refused\n\tIs the
 * server running..."); a log line must not. Joins them with "; " (into a
 * copy: "; " can be longer than the line break it replaces). */
void kn_pg_one_line(char *msg, size_t size)
{
    char out[sizeof ((struct kn_err *)0)->msg];
    size_t w = 0;
    for (const char *r = msg; *r && w + 3 < sizeof out;) {
        if (*r == '\n') {
            while (*r == '\n' || *r == '\t' || *r == ' ')
                r++;
            if (*r && w) {
                out[w++] = ';';
                out[w++] = ' ';
            }
            continue;
        }
        out[w++] = *r++;
    }
    out[w] = '\0';
    snprintf(msg, size, "%s", out);
}

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* "relation already exists, skipping" and the like */
}

PGconn *kn_pg_connect(const char *url, struct kn_err *err)
{
    /* Defaults the URL may override (it is expanded after them): a centre
     * that does not answer must not hold a sensor's pusher for minutes. An
     * unreachable host fails after 10 s; a connection that goes silent
     * mid-push fails after about a minute (TCP keepalives, user timeout)
     * instead of the kernel's quarter of an hour. Freed by the caller with
     * PQfinish(). */
    static const char *const keys[] = {"connect_timeout",    "keepalives_idle",
                                       "keepalives_interval", "keepalives_count",
                                       "tcp_user_timeout",   "dbname",
                                       NULL};
    const char *values[] = {"10", "30", "10", "3", "60000", url, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        kn_err_set(err, "connecting to the centre: %s",
                   pg ? PQerrorMessage(pg) : "out of memory");
        kn_pg_one_line(err->msg, sizeof err->msg);
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, quiet_notice, NULL);
    return pg;
}

void kn_pg_error(PGconn *pg, struct kn_err *err)
{
    kn_err_set(err, "centre: %s", PQerrorMessage(pg));
    kn_pg_one_line(err->msg, sizeof err->msg);
}

PGresult *kn_pg_query(PGconn *pg, const char *sql, int n, const char *const *params,
                      struct kn_err *err)
{
    /* Freed by the caller with PQclear(). */
    PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        kn_pg_error(pg, err);
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Runs sql, whose result must have status `one` or `other`. 0 or -1. */
static int exec_expecting(PGconn *pg, const char *sql, ExecStatusType one, ExecStatusType other,
                          struct kn_err *err)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    PQclear(res);
    if (s != one && s != other) {
        kn_pg_error(pg, err);
        return -1;
    }
    return 0;
}

int kn_pg_exec(PGconn *pg, const char *sql, struct kn_err *err)
{
    return exec_expecting(pg, sql, PGRES_COMMAND_OK, PGRES_TUPLES_OK, err);
}

int kn_pg_copy_begin(PGconn *pg, const char *sql, struct kn_err *err)
{
    return exec_expecting(pg, sql, PGRES_COPY_IN, PGRES_COPY_OUT, err);
}

int kn_pg_copy_send(PGconn *pg, struct kn_copy_text *t, struct kn_err *err)
{
    /* libpq takes an int length: send in pieces below INT_MAX (a buffer
     * only grows past a piece for one enormous hand-written field). */
    const size_t piece = 1u << 30;
    for (size_t off = 0; off < t->len; off += piece) {
        size_t n = t->len - off < piece ? t->len - off : piece;
        if (PQputCopyData(pg, t->buf + off, (int)n) != 1) {
            kn_pg_error(pg, err);
            return -1;
        }
    }
    kn_copy_text_reset(t);
    return 0;
}

int kn_pg_copy_end(PGconn *pg, const char *abandon, struct kn_err *err)
{
    struct kn_err mine;
    struct kn_err *e = abandon ? &mine : err; /* an abandoned copy keeps the caller's reason */
    int rc = 0;
    if (PQputCopyEnd(pg, abandon) != 1) {
        kn_pg_error(pg, e);
        rc = -1;
    }
    /* The copy's result, then NULL; a connection gone gives NULL at once. */
    PGresult *res;
    bool got = false;
    while ((res = PQgetResult(pg))) {
        if (!got && PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            kn_pg_error(pg, e);
            rc = -1;
        }
        got = true;
        PQclear(res);
    }
    if (!got && rc == 0) {
        kn_pg_error(pg, e);
        rc = -1;
    }
    return abandon ? -1 : rc;
}

/* Tables partitioned by day (monthly ranges), in creation order. */
static const char *const day_tables[] = {"day_family", "day_port", "day_tag_port", "source_day"};

static const char *const schema_v1 =
    "CREATE TABLE centre_config (key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE sensor_prefix (sensor text NOT NULL, prefix text NOT NULL,"
    " PRIMARY KEY (sensor, prefix));"
    "CREATE TABLE files (sensor text NOT NULL, hash text NOT NULL, name text NOT NULL,"
    " packets bigint NOT NULL, accesses bigint NOT NULL, not_sensor bigint NOT NULL,"
    " no_ip bigint NOT NULL, trunc_link bigint NOT NULL, trunc_ip bigint NOT NULL,"
    " bad_ip bigint NOT NULL, unknown_link bigint NOT NULL,"
    " kernel_received bigint, kernel_dropped bigint, first_ns bigint, last_ns bigint,"
    " pushed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (sensor, hash));"
    "CREATE TABLE day_family (sensor text NOT NULL, day date NOT NULL, family int NOT NULL,"
    " accesses bigint NOT NULL, low_port bigint NOT NULL, high_port bigint NOT NULL,"
    " mirai bigint NOT NULL, rdp_3389 bigint NOT NULL, backscatter bigint NOT NULL,"
    " tag_mirai bigint NOT NULL, tag_zmap bigint NOT NULL, tag_masscan bigint NOT NULL,"
    " tag_nmap bigint NOT NULL, PRIMARY KEY (sensor, day, family)) PARTITION BY RANGE (day);"
    "CREATE TABLE day_port (sensor text NOT NULL, day date NOT NULL, family int NOT NULL,"
    " proto int NOT NULL, port int NOT NULL, accesses bigint NOT NULL, probes bigint NOT NULL,"
    " mirai bigint NOT NULL, PRIMARY KEY (sensor, day, family, proto, port))"
    " PARTITION BY RANGE (day);"
    "CREATE TABLE day_tag_port (sensor text NOT NULL, day date NOT NULL, tag text NOT NULL,"
    " proto int NOT NULL, port int NOT NULL, probes bigint NOT NULL,"
    " PRIMARY KEY (sensor, day, tag, proto, port)) PARTITION BY RANGE (day);"
    "CREATE TABLE source_day (sensor text NOT NULL, day date NOT NULL, addr text NOT NULL,"
    " family int NOT NULL, first_ns bigint NOT NULL, last_ns bigint NOT NULL,"
    " packets bigint NOT NULL, nports int NOT NULL, ports int[], tags int NOT NULL,"
    " PRIMARY KEY (sensor, day, addr)) PARTITION BY RANGE (day);"
    /* The local blob of 4-byte big-endian (proto << 16 | port) values as an
     * array, so sets can be unioned across sensors in SQL. */
    "CREATE FUNCTION kenchi_ports(b bytea) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$"
    " SELECT CASE WHEN b IS NULL THEN NULL ELSE coalesce((SELECT array_agg("
    " (get_byte(b, i) << 24) | (get_byte(b, i + 1) << 16) | (get_byte(b, i + 2) << 8)"
    " | get_byte(b, i + 3) ORDER BY i) FROM generate_series(0, length(b) - 4, 4) i),"
    " '{}') END $$;"
    "INSERT INTO kenchi_version VALUES (1);";

/* 1 -> 2: what each sensor last pushed, for incremental pushes: the
 * newest local files row the centre has (id and hash) and how many local
 * files rows there were up to it, which a later push checks against its
 * local database before sending only what is newer. */
static const char *const schema_v2 =
    "CREATE TABLE sensor_push (sensor text PRIMARY KEY, last_file_id bigint NOT NULL,"
    " last_file_hash text, files_up_to bigint NOT NULL,"
    " pushed_at timestamptz NOT NULL DEFAULT now());"
    "INSERT INTO kenchi_version VALUES (2);";

int kn_pg_migrate(PGconn *pg, struct kn_err *err)
{
    /* One writer at a time: pushes from many sensors queue here, so the
     * snapshot replacement and partition creation never race. */
    if (kn_pg_exec(pg, "SELECT pg_advisory_xact_lock(1263420232)", err) ||
        kn_pg_exec(pg, "CREATE TABLE IF NOT EXISTS kenchi_version (version int NOT NULL)", err))
        return -1;
    PGresult *res = kn_pg_query(pg, "SELECT coalesce(max(version), 0) FROM kenchi_version", 0,
                                NULL, err);
    if (!res)
        return -1;
    int version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (version > KN_CENTRAL_SCHEMA_VERSION) {
        kn_err_set(err, "centre schema version %d, this kenchi knows %d: upgrade kenchi", version,
                   KN_CENTRAL_SCHEMA_VERSION);
        return -1;
    }
    if ((version < 1 && kn_pg_exec(pg, schema_v1, err)) ||
        (version < 2 && kn_pg_exec(pg, schema_v2, err)))
        return -1;
    return 0;
}

int kn_pg_partition(PGconn *pg, const char *day, struct kn_err *err)
{
    int y, m;
    if (sscanf(day, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12) {
        kn_err_set(err, "bad day '%s' in the local database", day);
        return -1;
    }
    int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    for (size_t t = 0; t < sizeof day_tables / sizeof day_tables[0]; t++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS %s_%04d_%02d PARTITION OF %s"
                 " FOR VALUES FROM ('%04d-%02d-01') TO ('%04d-%02d-01')",
                 day_tables[t], y, m, day_tables[t], y, m, ny, nm);
        if (kn_pg_exec(pg, sql, err))
            return -1;
    }
    return 0;
}
