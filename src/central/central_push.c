/* `kenchi push --db LOCAL --central URL [--sensor-name NAME]`: copies a
 * sensor's stored figures to the centre as per-(sensor, day) snapshots, in
 * one PostgreSQL transaction (docs/central.md). Each pushed day of this
 * sensor replaces what the centre held for it, and files are inserted
 * with ON CONFLICT DO NOTHING on (sensor, hash): pushing again counts
 * once, and an interrupted push leaves the centre as before. */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central/central.h"
#include "central/central_pg.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: kenchi push --db LOCAL.sqlite --central postgresql://... [--sensor-name NAME]\n"
    "  Copies the figures of a kenchi database (sensor or analyze) to the centre.\n"
    "  --sensor-name  the sensor's name at the centre (default: the host name)\n";

#define MAX_COLS 16

/* Copies every row of the local query `sel` into the centre with `ins`,
 * whose $1 is the sensor name and $2.. the selected columns as text. */
static int copy_rows(sqlite3 *db, PGconn *pg, const char *sensor, const char *sel,
                     const char *ins, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sel, -1, &st, NULL) != SQLITE_OK) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        return -1;
    }
    int ncol = sqlite3_column_count(st);
    if (ncol + 1 > MAX_COLS) {
        sqlite3_finalize(st);
        kn_err_set(err, "internal: too many columns");
        return -1;
    }
    PGresult *prep = PQprepare(pg, "", ins, ncol + 1, NULL);
    if (!prep || PQresultStatus(prep) != PGRES_COMMAND_OK) {
        kn_err_set(err, "centre: %s", PQerrorMessage(pg));
        PQclear(prep);
        sqlite3_finalize(st);
        return -1;
    }
    PQclear(prep);
    const char *params[MAX_COLS];
    params[0] = sensor;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++)
            params[c + 1] = (const char *)sqlite3_column_text(st, c); /* NULL stays NULL */
        PGresult *res = PQexecPrepared(pg, "", ncol + 1, params, NULL, NULL, 0);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
            kn_err_set(err, "centre: %s", PQerrorMessage(pg));
            PQclear(res);
            sqlite3_finalize(st);
            return -1;
        }
        PQclear(res);
    }
    if (rc != SQLITE_DONE) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

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

/* Creates the partitions of the local days and removes this sensor's
 * earlier snapshot of them. */
static int clear_days(sqlite3 *db, PGconn *pg, const char *sensor, struct kn_err *err)
{
    static const char *const del[] = {
        "DELETE FROM day_family WHERE sensor = $1 AND day = $2::date",
        "DELETE FROM day_port WHERE sensor = $1 AND day = $2::date",
        "DELETE FROM day_tag_port WHERE sensor = $1 AND day = $2::date",
        "DELETE FROM source_day WHERE sensor = $1 AND day = $2::date",
    };
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT day FROM day_family UNION SELECT day FROM day_port"
                           " UNION SELECT day FROM day_tag_port UNION SELECT day FROM source_day"
                           " ORDER BY 1",
                           -1, &st, NULL) != SQLITE_OK) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
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
        for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
            PGresult *res = kn_pg_query(pg, del[i], 2, p, err);
            if (!res)
                goto fail;
            PQclear(res);
        }
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

static int push(sqlite3 *db, PGconn *pg, const char *sensor, const struct kn_config *cfg,
                struct kn_err *err)
{
    if (kn_pg_exec(pg, "BEGIN", err) || kn_pg_migrate(pg, err) || check_config(pg, cfg, err) ||
        push_prefixes(pg, sensor, cfg, err) || clear_days(db, pg, sensor, err))
        return -1;
    if (copy_rows(db, pg, sensor,
                  "SELECT day, family, accesses, low_port, high_port, mirai, rdp_3389,"
                  " backscatter, tag_mirai, tag_zmap, tag_masscan, tag_nmap FROM day_family",
                  "INSERT INTO day_family VALUES ($1, $2::date, $3::int, $4::bigint, $5::bigint,"
                  " $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint,"
                  " $12::bigint, $13::bigint)",
                  err) ||
        copy_rows(db, pg, sensor,
                  "SELECT day, family, proto, port, accesses, probes, mirai FROM day_port",
                  "INSERT INTO day_port VALUES ($1, $2::date, $3::int, $4::int, $5::int,"
                  " $6::bigint, $7::bigint, $8::bigint)",
                  err) ||
        copy_rows(db, pg, sensor, "SELECT day, tag, proto, port, probes FROM day_tag_port",
                  "INSERT INTO day_tag_port VALUES ($1, $2::date, $3, $4::int, $5::int,"
                  " $6::bigint)",
                  err) ||
        copy_rows(db, pg, sensor,
                  "SELECT day, addr, family, first_ns, last_ns, packets, nports,"
                  " CASE WHEN ports IS NULL THEN NULL ELSE hex(ports) END, tags FROM source_day",
                  "INSERT INTO source_day VALUES ($1, $2::date, $3, $4::int, $5::bigint,"
                  " $6::bigint, $7::bigint, $8::int, kenchi_ports(decode($9::text, 'hex')),"
                  " $10::int)",
                  err) ||
        copy_rows(db, pg, sensor,
                  "SELECT hash, name, packets, accesses, not_sensor, no_ip, trunc_link, trunc_ip,"
                  " bad_ip, unknown_link, kernel_received, kernel_dropped, first_ns, last_ns"
                  " FROM files",
                  "INSERT INTO files VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6::bigint,"
                  " $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::bigint,"
                  " $13::bigint, $14::bigint, $15::bigint) ON CONFLICT (sensor, hash) DO NOTHING",
                  err))
        return -1;
    return kn_pg_exec(pg, "COMMIT", err);
}

int kn_cmd_push(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"central", required_argument, NULL, 'c'},
        {"sensor-name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = NULL, *url = NULL, *name = NULL;
    char host[256];
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': url = optarg; break;
        case 'n': name = optarg; break;
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
    struct kn_config *cfg = calloc(1, sizeof *cfg); /* large; freed below */
    struct kn_store *st = NULL;
    PGconn *pg = NULL;
    int status = 1;
    if (!cfg) {
        fprintf(stderr, "kenchi push: out of memory\n");
        return 1;
    }
    if (kn_store_open(&st, db, NULL, false, cfg, &err) || !(pg = kn_pg_connect(url, &err))) {
        fprintf(stderr, "kenchi push: %s\n", err.msg);
        goto out;
    }
    sqlite3 *lite = kn_store_db(st);
    /* One local read snapshot, so a sensor committing meanwhile is seen
     * either wholly or not at all. */
    if (sqlite3_exec(lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "kenchi push: %s: %s\n", db, sqlite3_errmsg(lite));
        goto out;
    }
    if (push(lite, pg, name, cfg, &err)) {
        fprintf(stderr, "kenchi push: %s (nothing of this push was kept)\n", err.msg);
        sqlite3_exec(lite, "COMMIT", NULL, NULL, NULL);
        goto out;
    }
    sqlite3_exec(lite, "COMMIT", NULL, NULL, NULL);
    fprintf(stderr, "kenchi push: %s pushed as sensor '%s'\n", db, name);
    status = 0;
out:
    PQfinish(pg);
    kn_store_close(st);
    free(cfg);
    return status;
}
