/* Schema migrations; the tables are documented in docs/schema.md. */
#include "store/schema.h"

#include <sqlite3.h>
#include <stdio.h>

#include "store/store.h"

static const char *const migrations[KN_SCHEMA_VERSION] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE sensors (prefix TEXT PRIMARY KEY, family INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE files ("
    " id INTEGER PRIMARY KEY,"
    " hash TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " packets INTEGER NOT NULL, accesses INTEGER NOT NULL, not_sensor INTEGER NOT NULL,"
    " no_ip INTEGER NOT NULL, trunc_link INTEGER NOT NULL, trunc_ip INTEGER NOT NULL,"
    " bad_ip INTEGER NOT NULL, unknown_link INTEGER NOT NULL,"
    " kernel_received INTEGER, kernel_dropped INTEGER,"
    " first_ns INTEGER, last_ns INTEGER,"
    " read_error TEXT,"
    " analysed_at TEXT NOT NULL);"
    "CREATE TABLE file_anomalies (file_id INTEGER NOT NULL REFERENCES files(id),"
    " anomaly INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " PRIMARY KEY (file_id, anomaly)) WITHOUT ROWID;"
    "CREATE TABLE day_family (day TEXT NOT NULL, family INTEGER NOT NULL,"
    " accesses INTEGER NOT NULL, low_port INTEGER NOT NULL, high_port INTEGER NOT NULL,"
    " mirai INTEGER NOT NULL, rdp_3389 INTEGER NOT NULL, backscatter INTEGER NOT NULL,"
    " tag_mirai INTEGER NOT NULL, tag_zmap INTEGER NOT NULL, tag_masscan INTEGER NOT NULL,"
    " tag_nmap INTEGER NOT NULL,"
    " PRIMARY KEY (day, family)) WITHOUT ROWID;"
    "CREATE TABLE day_port (day TEXT NOT NULL, family INTEGER NOT NULL, proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL, accesses INTEGER NOT NULL, probes INTEGER NOT NULL,"
    " mirai INTEGER NOT NULL,"
    " PRIMARY KEY (day, family, proto, port)) WITHOUT ROWID;"
    "CREATE TABLE day_tag_port (day TEXT NOT NULL, tag TEXT NOT NULL, proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL, probes INTEGER NOT NULL,"
    " PRIMARY KEY (day, tag, proto, port)) WITHOUT ROWID;"
    "CREATE TABLE source_day (day TEXT NOT NULL, addr TEXT NOT NULL, family INTEGER NOT NULL,"
    " first_ns INTEGER NOT NULL, last_ns INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " nports INTEGER NOT NULL, ports BLOB, tags INTEGER NOT NULL,"
    " PRIMARY KEY (day, addr)) WITHOUT ROWID;"
    "CREATE VIEW day_sources AS SELECT s.day AS day, s.family AS family,"
    " COUNT(*) AS sources,"
    " SUM(s.nports >= (SELECT CAST(value AS INTEGER) FROM config WHERE key = 'wide_ports'))"
    "  AS wide_port_sources"
    " FROM source_day s GROUP BY s.day, s.family;",
};

static int exec(sqlite3 *db, const char *sql, struct kn_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kn_err_set(err, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int query_int(sqlite3 *db, const char *sql, long long *out, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        kn_err_set(err, "%s", sqlite3_errmsg(db));
        return -1;
    }
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kn_err_set(err, "%s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int kn_schema_migrate(sqlite3 *db, int *created, struct kn_err *err)
{
    long long version, app, objects;
    *created = 0;
    if (query_int(db, "PRAGMA user_version", &version, err) ||
        query_int(db, "PRAGMA application_id", &app, err) ||
        query_int(db, "SELECT COUNT(*) FROM sqlite_master", &objects, err))
        return -1;
    if (version == 0 && objects > 0) {
        kn_err_set(err, "not a kenchi database (it holds other tables); refusing to touch it");
        return -1;
    }
    if (version > 0 && app != KN_APPLICATION_ID) {
        kn_err_set(err, "not a kenchi database (application_id %lld)", app);
        return -1;
    }
    if (version > KN_SCHEMA_VERSION) {
        kn_err_set(err, "database schema version %lld is newer than this kenchi knows (%d): "
                        "use a newer kenchi", version, KN_SCHEMA_VERSION);
        return -1;
    }
    if (version == 0) {
        *created = 1;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", KN_APPLICATION_ID);
        if (exec(db, sql, err))
            return -1;
    }
    for (long long v = version; v < KN_SCHEMA_VERSION; v++) {
        if (exec(db, migrations[v], err)) {
            kn_err_prefix(err, "schema migration %lld -> %lld", v, v + 1);
            return -1;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", v + 1);
        if (exec(db, sql, err))
            return -1;
    }
    return 0;
}
