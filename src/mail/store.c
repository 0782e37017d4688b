/* The mail_* schema, opening the database, and organisations. */
#include "mail/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS mail_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS mail_org(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS mail_org_domain(org_id INTEGER NOT NULL, domain TEXT NOT NULL,"
    " PRIMARY KEY(org_id, domain));"
    "CREATE TABLE IF NOT EXISTS mail_org_authserv(org_id INTEGER NOT NULL, authserv_id TEXT NOT NULL,"
    " PRIMARY KEY(org_id, authserv_id));"
    "CREATE TABLE IF NOT EXISTS mail_org_published(org_id INTEGER NOT NULL, addr TEXT NOT NULL,"
    " PRIMARY KEY(org_id, addr));"
    "CREATE TABLE IF NOT EXISTS mail_msg(id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL,"
    " message_id TEXT NOT NULL, content_hash TEXT NOT NULL, text_hash TEXT,"
    " date INTEGER NOT NULL, date_source TEXT NOT NULL, from_addr TEXT NOT NULL,"
    " from_display TEXT NOT NULL, return_path TEXT NOT NULL, subject TEXT NOT NULL,"
    " originating_ip TEXT NOT NULL, body_text TEXT NOT NULL, was_forwarded INTEGER NOT NULL,"
    " source TEXT NOT NULL, ingested_at INTEGER NOT NULL,"
    " spray INTEGER NOT NULL DEFAULT 0, unpublished INTEGER NOT NULL, forged_strict INTEGER NOT NULL,"
    " forged_broad INTEGER NOT NULL, encrypted INTEGER NOT NULL,"
    " UNIQUE(org_id, message_id, content_hash));"
    "CREATE INDEX IF NOT EXISTS mail_msg_text ON mail_msg(text_hash);"
    "CREATE INDEX IF NOT EXISTS mail_msg_date ON mail_msg(date);"
    "CREATE TABLE IF NOT EXISTS mail_rcpt(msg_id INTEGER NOT NULL, addr TEXT NOT NULL,"
    " display TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS mail_rcpt_msg ON mail_rcpt(msg_id);"
    "CREATE TABLE IF NOT EXISTS mail_reply_to(msg_id INTEGER NOT NULL, addr TEXT NOT NULL,"
    " display TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS mail_hop(msg_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " from_host TEXT NOT NULL, from_ip TEXT NOT NULL, by_host TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS mail_auth(msg_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " authserv_id TEXT NOT NULL, trusted INTEGER NOT NULL, spf INTEGER NOT NULL,"
    " dkim INTEGER NOT NULL, dmarc INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS mail_url(msg_id INTEGER NOT NULL, url TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS mail_attach(id INTEGER PRIMARY KEY, msg_id INTEGER NOT NULL,"
    " parent_id INTEGER, idx INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,"
    " md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL, ssdeep TEXT NOT NULL,"
    " type INTEGER NOT NULL, name_lies INTEGER NOT NULL, is_archive INTEGER NOT NULL,"
    " encrypted INTEGER NOT NULL, encryption INTEGER NOT NULL, password TEXT, error TEXT);"
    "CREATE INDEX IF NOT EXISTS mail_attach_msg ON mail_attach(msg_id);"
    "CREATE INDEX IF NOT EXISTS mail_attach_sha256 ON mail_attach(sha256);"
    "CREATE TABLE IF NOT EXISTS mail_signal(msg_id INTEGER NOT NULL, verdict TEXT NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS mail_signal_msg ON mail_signal(msg_id);"
    "CREATE TABLE IF NOT EXISTS mail_warning(msg_id INTEGER NOT NULL, text TEXT NOT NULL);";

int store_exec(struct kn_mail_store *st, const char *sql, struct kn_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static const char *const stmt_sql[ST__COUNT] = {
    [ST_FIND_MSG] = "SELECT id FROM mail_msg WHERE org_id=? AND message_id=? AND content_hash=?",
    [ST_INS_MSG] = "INSERT INTO mail_msg(org_id, message_id, content_hash, text_hash, date, date_source,"
                   " from_addr, from_display, return_path, subject, originating_ip, body_text,"
                   " was_forwarded, source, ingested_at, unpublished, forged_strict, forged_broad,"
                   " encrypted) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_RCPT] = "INSERT INTO mail_rcpt(msg_id, addr, display) VALUES(?,?,?)",
    [ST_INS_REPLY_TO] = "INSERT INTO mail_reply_to(msg_id, addr, display) VALUES(?,?,?)",
    [ST_INS_HOP] = "INSERT INTO mail_hop(msg_id, idx, from_host, from_ip, by_host, at) VALUES(?,?,?,?,?,?)",
    [ST_INS_AUTH] = "INSERT INTO mail_auth(msg_id, idx, authserv_id, trusted, spf, dkim, dmarc)"
                    " VALUES(?,?,?,?,?,?,?)",
    [ST_INS_URL] = "INSERT INTO mail_url(msg_id, url) VALUES(?,?)",
    [ST_INS_ATTACH] = "INSERT INTO mail_attach(msg_id, parent_id, idx, name, size, md5, sha1, sha256,"
                      " ssdeep, type, name_lies, is_archive, encrypted, encryption, password, error)"
                      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_SIGNAL] = "INSERT INTO mail_signal(msg_id, verdict, detail) VALUES(?,?,?)",
    [ST_INS_WARNING] = "INSERT INTO mail_warning(msg_id, text) VALUES(?,?)",
};

sqlite3_stmt *store_stmt(struct kn_mail_store *st, enum store_stmt which, struct kn_err *err)
{
    sqlite3_stmt *s = st->stmt[which];
    if (!s) {
        if (sqlite3_prepare_v2(st->db, stmt_sql[which], -1, &s, NULL) != SQLITE_OK) {
            kn_err_set(err, "sqlite prepare: %s", sqlite3_errmsg(st->db));
            return NULL;
        }
        st->stmt[which] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int check_version(struct kn_mail_store *st, struct kn_err *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM mail_meta WHERE key='schema_version'", -1, &s,
                           NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    int rc = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        int v = sqlite3_column_int(s, 0);
        if (v > KN_MAIL_SCHEMA_VERSION) {
            kn_err_set(err, "mail schema version %d is newer than this kenchi (%d)", v,
                       KN_MAIL_SCHEMA_VERSION);
            rc = -1;
        }
    } else {
        sqlite3_finalize(s);
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO mail_meta VALUES('schema_version', '%d')",
                 KN_MAIL_SCHEMA_VERSION);
        return store_exec(st, sql, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int kn_mail_store_open(const char *path, struct kn_mail_store **out, struct kn_err *err)
{
    struct kn_mail_store *st = calloc(1, sizeof *st);
    if (!st) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    if (sqlite3_open(path, &st->db) != SQLITE_OK) {
        kn_err_set(err, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
        kn_mail_store_close(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 10000);
    if (store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err) < 0 ||
        store_exec(st, schema_sql, err) < 0 || check_version(st, err) < 0) {
        kn_err_prefix(err, "%s", path);
        kn_mail_store_close(st);
        return -1;
    }
    *out = st;
    return 0;
}

void kn_mail_store_close(struct kn_mail_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    sqlite3_close(st->db);
    free(st);
}

sqlite3 *kn_mail_store_db(struct kn_mail_store *st)
{
    return st->db;
}

int kn_mail_store_begin(struct kn_mail_store *st, struct kn_err *err)
{
    return store_exec(st, "BEGIN", err);
}

int kn_mail_store_commit(struct kn_mail_store *st, struct kn_err *err)
{
    return store_exec(st, "COMMIT", err);
}

/* Replaces the rows of one org list table when the new list is non-empty. */
static int save_list(struct kn_mail_store *st, const char *table, const char *col, long long org_id,
                     const struct kn_strlist *l, struct kn_err *err)
{
    if (!l->n)
        return 0;
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE org_id=%lld", table, org_id);
    if (store_exec(st, sql, err) < 0)
        return -1;
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %s(org_id, %s) VALUES(?, lower(?))", table, col);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, org_id);
        sqlite3_bind_text(s, 2, l->v[i], -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
            rc = -1;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

int kn_mail_org_save(struct kn_mail_store *st, struct kn_mail_org *org, struct kn_err *err)
{
    sqlite3_stmt *s;
    if (store_exec(st, "BEGIN", err) < 0)
        return -1;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO mail_org(name) VALUES(?) ON CONFLICT(name) DO UPDATE SET"
                                   " name=excluded.name RETURNING id", -1, &s, NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        store_exec(st, "ROLLBACK", NULL);
        return -1;
    }
    sqlite3_bind_text(s, 1, org->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        org->id = sqlite3_column_int64(s, 0);
    else
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW || save_list(st, "mail_org_domain", "domain", org->id, &org->domains, err) < 0 ||
        save_list(st, "mail_org_authserv", "authserv_id", org->id, &org->authserv_ids, err) < 0 ||
        save_list(st, "mail_org_published", "addr", org->id, &org->published, err) < 0) {
        store_exec(st, "ROLLBACK", NULL);
        kn_err_prefix(err, "organisation %s", org->name);
        return -1;
    }
    return store_exec(st, "COMMIT", err);
}

static int load_list(struct kn_mail_store *st, const char *table, const char *col, long long org_id,
                     struct kn_strlist *l, struct kn_err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE org_id=? ORDER BY 1", col, table);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    sqlite3_bind_int64(s, 1, org_id);
    int rc = 0;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW)
        if (kn_strlist_add(l, (const char *)sqlite3_column_text(s, 0)) < 0) {
            kn_err_set(err, "out of memory");
            rc = -1;
        }
    sqlite3_finalize(s);
    return rc;
}

int kn_mail_org_load(struct kn_mail_store *st, const char *name, struct kn_mail_org *org,
                     struct kn_err *err)
{
    memset(org, 0, sizeof *org);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM mail_org WHERE name=?", -1, &s, NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(s) == SQLITE_ROW;
    if (found)
        org->id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (!found)
        return 1;
    org->name = strdup(name);
    if (!org->name || load_list(st, "mail_org_domain", "domain", org->id, &org->domains, err) < 0 ||
        load_list(st, "mail_org_authserv", "authserv_id", org->id, &org->authserv_ids, err) < 0 ||
        load_list(st, "mail_org_published", "addr", org->id, &org->published, err) < 0) {
        if (!org->name)
            kn_err_set(err, "out of memory");
        kn_mail_org_free_fields(org);
        return -1;
    }
    return 0;
}
