/* SQLite store: open, migrate, and the stored configuration; see store.h.
 * The per-file commit is in store_commit.c. */
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/rowfeed.h"
#include "store/schema.h"
#include "store/store_internal.h"

int kn_sql_exec(sqlite3 *db, const char *sql, struct kn_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int kn_sql_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct kn_err *err)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s (in: %.80s)", sqlite3_errmsg(db), sql);
        return -1;
    }
    return 0;
}

static int cmp_cidr(const void *a, const void *b)
{
    const struct kn_cidr *x = a, *y = b;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    int c = memcmp(x->addr, y->addr, 16);
    if (c)
        return c;
    return (int)x->len - (int)y->len;
}

/* Reads config and sensors into cfg. */
static int load_config(sqlite3 *db, struct kn_config *cfg, struct kn_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    sqlite3_stmt *st;
    if (kn_sql_prepare(db, &st, "SELECT key, value FROM config", err))
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        if (!k || !v)
            continue;
        if (!strcmp(k, "tz"))
            snprintf(cfg->tz, sizeof cfg->tz, "%s", v);
        else if (!strcmp(k, "wide_ports"))
            cfg->wide_ports = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(k, "created"))
            snprintf(cfg->created, sizeof cfg->created, "%s", v);
    }
    sqlite3_finalize(st);
    if (kn_sql_prepare(db, &st, "SELECT prefix FROM sensors", err))
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW && cfg->n_sensors < KN_MAX_SENSORS) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        if (p && kn_cidr_parse(p, &cfg->sensors[cfg->n_sensors], NULL, err) == 0)
            cfg->n_sensors++;
    }
    sqlite3_finalize(st);
    if (!cfg->tz[0] || cfg->wide_ports < 1 || cfg->n_sensors == 0) {
        kn_err_set(err, "database config is incomplete (tz '%s', wide_ports %u, %zu sensors)",
                   cfg->tz, cfg->wide_ports, cfg->n_sensors);
        return -1;
    }
    qsort(cfg->sensors, cfg->n_sensors, sizeof cfg->sensors[0], cmp_cidr);
    return 0;
}

static int write_config(sqlite3 *db, const struct kn_config_request *req, struct kn_err *err)
{
    if (req->n_sensors == 0) {
        kn_err_set(err, "a new database needs at least one --sensor CIDR");
        return KN_STORE_CONFLICT;
    }
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char wide[16];
    snprintf(wide, sizeof wide, "%u", req->wide_ports ? req->wide_ports : 100);
    const char *kv[][2] = {{"tz", req->tz ? req->tz : "UTC"},
                           {"wide_ports", wide},
                           {"created", created},
                           {"schema_note", "see docs/schema.md"}};
    sqlite3_stmt *st;
    if (kn_sql_prepare(db, &st, "INSERT INTO config (key, value) VALUES (?, ?)", err))
        return -1;
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        sqlite3_bind_text(st, 1, kv[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kv[i][1], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            kn_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (kn_sql_prepare(db, &st, "INSERT OR IGNORE INTO sensors (prefix, family) VALUES (?, ?)", err))
        return -1;
    for (size_t i = 0; i < req->n_sensors; i++) {
        char text[64];
        kn_cidr_format(&req->sensors[i], text, sizeof text);
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, req->sensors[i].family);
        if (sqlite3_step(st) != SQLITE_DONE) {
            kn_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Compares a request with the stored config: any given value must match. */
static int check_request(const struct kn_config *cfg, const struct kn_config_request *req,
                         struct kn_err *err)
{
    if (req->tz && strcmp(req->tz, cfg->tz) != 0) {
        kn_err_set(err, "--tz %s conflicts with the database's time zone %s (fixed when it was "
                        "created; omit --tz or use another database)", req->tz, cfg->tz);
        return KN_STORE_CONFLICT;
    }
    if (req->wide_ports && req->wide_ports != cfg->wide_ports) {
        kn_err_set(err, "--wide-ports %u conflicts with the database's threshold %u (fixed when "
                        "it was created)", req->wide_ports, cfg->wide_ports);
        return KN_STORE_CONFLICT;
    }
    if (req->n_sensors) {
        struct kn_cidr want[KN_MAX_SENSORS];
        memcpy(want, req->sensors, req->n_sensors * sizeof want[0]);
        qsort(want, req->n_sensors, sizeof want[0], cmp_cidr);
        size_t n = 0; /* drop duplicates from the request */
        for (size_t i = 0; i < req->n_sensors; i++)
            if (!n || cmp_cidr(&want[n - 1], &want[i]))
                want[n++] = want[i];
        bool same = n == cfg->n_sensors;
        for (size_t i = 0; same && i < n; i++)
            same = !cmp_cidr(&want[i], &cfg->sensors[i]);
        if (!same) {
            char stored[512] = "";
            size_t len = 0;
            for (size_t i = 0; i < cfg->n_sensors && len < sizeof stored - 64; i++) {
                char t[64];
                kn_cidr_format(&cfg->sensors[i], t, sizeof t);
                len += (size_t)snprintf(stored + len, sizeof stored - len, "%s%s", i ? " " : "", t);
            }
            kn_err_set(err, "--sensor prefixes conflict with the database's sensors (%s), fixed "
                            "when it was created; omit --sensor or use another database", stored);
            return KN_STORE_CONFLICT;
        }
    }
    return 0;
}

int kn_store_open(struct kn_store **out, const char *path, const struct kn_config_request *req,
                  bool create, struct kn_config *cfg, struct kn_err *err)
{
    *out = NULL;
    /* Freed by kn_store_close(). */
    struct kn_store *st = calloc(1, sizeof *st);
    if (!st) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    bool readonly = req == NULL;
    bool existed = access(path, F_OK) == 0;
    /* NOMUTEX: a handle is used by one thread at a time (store.h), so
     * SQLite's per-call locking is pure cost: ~3% of an analysis, measured. */
    int flags = SQLITE_OPEN_NOMUTEX | (readonly ? SQLITE_OPEN_READONLY
                                                : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        kn_err_set(err, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
        kn_store_close(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 30000);
    int rc = -1, created = 0;
    if (readonly) {
        /* Readers never write: no migration, no lock beyond a read snapshot. */
        long long version = 0;
        sqlite3_stmt *q;
        if (kn_sql_prepare(st->db, &q, "PRAGMA user_version", err))
            goto fail;
        int step = sqlite3_step(q);
        if (step == SQLITE_ROW)
            version = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        if (step != SQLITE_ROW) {
            /* Not "not a kenchi database": the file could not be read. */
            if (sqlite3_extended_errcode(st->db) == SQLITE_READONLY_ROLLBACK)
                kn_err_set(err, "a write to it was cut short and must be rolled back first, "
                                "which a reader cannot do: open it once for writing (`kenchi "
                                "analyze --db` on it, or sqlite3)");
            else
                kn_err_set(err, "cannot read it: %s", sqlite3_errmsg(st->db));
            goto fail;
        }
        if (version != KN_SCHEMA_VERSION) {
            kn_err_set(err, version == 0 ? "not a kenchi database (or empty)"
                                         : "schema version %lld, this kenchi reads %d (run "
                                           "`kenchi analyze` on it to migrate)",
                       version, KN_SCHEMA_VERSION);
            goto fail;
        }
        if (kn_sql_exec(st->db, "BEGIN", err) || load_config(st->db, cfg, err))
            goto rollback;
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
        st->wide_ports = cfg->wide_ports;
        *out = st;
        return 0;
    }
    /* 64 KiB pages (the page size only takes on a new, empty file): a
     * commit writes its pages to the WAL one write() each, and a day's
     * commit is megabytes: 0.125 -> ~0.02 s of WAL writing on the bench
     * day, and fewer B-tree levels. Lookups read bigger pages, but they
     * are cached (analyze_cmd.c sets a 32 MiB cache). */
    if (kn_sql_exec(st->db, "PRAGMA page_size = " KN_STRINGIFY(KN_NEW_PAGE_SIZE) "; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                            "PRAGMA foreign_keys = ON;", err) ||
        kn_sql_exec(st->db, "BEGIN IMMEDIATE", err))
        goto fail;
    if (kn_rowfeeds_register(st->db, &st->feeds, err) || kn_store_register_port_union(st->db, err))
        goto rollback;
    if (kn_schema_migrate(st->db, &created, err))
        goto rollback;
    if (created && (rc = write_config(st->db, req, err)) != 0)
        goto rollback;
    rc = -1;
    if (load_config(st->db, cfg, err))
        goto rollback;
    if ((rc = check_request(cfg, req, err)) != 0)
        goto rollback;
    rc = -1;
    if (kn_sql_exec(st->db, "COMMIT", err))
        goto fail;
    st->wide_ports = cfg->wide_ports;
    *out = st;
    return 0;
rollback:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
fail:
    kn_err_prefix(err, "%s", path);
    kn_store_close(st);
    if (!existed && !readonly) { /* a failed creation leaves no empty database behind */
        char side[4096];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
    return rc;
}

void kn_store_close(struct kn_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    kn_rowfeeds_free(st->feeds);
    free(st);
}

struct sqlite3 *kn_store_db(struct kn_store *st) { return st->db; }
