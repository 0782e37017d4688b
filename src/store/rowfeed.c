/* Feed tables: eponymous-only virtual tables over C iterators; see
 * rowfeed.h. */
#include "store/rowfeed.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *schema;
} tables[KN_FEED__COUNT] = {
    [KN_FEED_SOURCES] = {"kn_feed_sources",
                         "CREATE TABLE x(day, addr, family, first_ns, last_ns, packets, nports,"
                         " ports, tags)"},
    [KN_FEED_PORTS] = {"kn_feed_ports",
                       "CREATE TABLE x(day, family, proto, port, accesses, probes, mirai)"},
    [KN_FEED_TAGS] = {"kn_feed_tags", "CREATE TABLE x(day, tag, proto, port, probes)"},
};

/* One table's client data: which table, and where its current feed is. */
struct aux {
    struct kn_rowfeeds *owner;
    enum kn_feed_table table;
};

struct kn_rowfeeds {
    const struct kn_rowfeed *cur[KN_FEED__COUNT]; /* set during kn_rowfeed_exec() */
    struct aux aux[KN_FEED__COUNT];
};

struct vtab {
    sqlite3_vtab base;
    struct aux *aux;
};

struct cursor {
    sqlite3_vtab_cursor base;
    const struct kn_rowfeed *feed; /* NULL: no rows */
    bool eof;
    sqlite3_int64 row;
};

static int x_connect(sqlite3 *db, void *paux, int argc, const char *const *argv,
                     sqlite3_vtab **out, char **msg)
{
    (void)argc;
    (void)argv;
    (void)msg;
    struct aux *a = paux;
    int rc = sqlite3_declare_vtab(db, tables[a->table].schema);
    if (rc != SQLITE_OK)
        return rc;
    /* Freed by x_disconnect(). */
    struct vtab *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->aux = a;
    *out = &v->base;
    return SQLITE_OK;
}

static int x_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int x_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    info->estimatedCost = 1e6; /* one full scan, whatever the constraints */
    return SQLITE_OK;
}

static int x_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    /* Freed by x_close(). */
    struct cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    struct aux *a = ((struct vtab *)v)->aux;
    c->feed = a->owner->cur[a->table];
    *out = &c->base;
    return SQLITE_OK;
}

static int x_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int x_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                    sqlite3_value **argv)
{
    (void)idx;
    (void)idx_str;
    (void)argc;
    (void)argv;
    struct cursor *c = (struct cursor *)cur;
    c->row = 0;
    if (!c->feed) {
        c->eof = true;
        return SQLITE_OK;
    }
    c->feed->rewind(c->feed->ctx);
    c->eof = !c->feed->next(c->feed->ctx);
    return SQLITE_OK;
}

static int x_next(sqlite3_vtab_cursor *cur)
{
    struct cursor *c = (struct cursor *)cur;
    c->eof = !c->feed->next(c->feed->ctx);
    c->row++;
    return SQLITE_OK;
}

static int x_eof(sqlite3_vtab_cursor *cur) { return ((struct cursor *)cur)->eof; }

static int x_column(sqlite3_vtab_cursor *cur, sqlite3_context *out, int col)
{
    struct cursor *c = (struct cursor *)cur;
    c->feed->column(c->feed->ctx, col, out);
    return SQLITE_OK;
}

static int x_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = ((struct cursor *)cur)->row;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate), read-only (no xUpdate). */
static const sqlite3_module feed_module = {
    .iVersion = 1,
    .xConnect = x_connect,
    .xBestIndex = x_best_index,
    .xDisconnect = x_disconnect,
    .xOpen = x_open,
    .xClose = x_close,
    .xFilter = x_filter,
    .xNext = x_next,
    .xEof = x_eof,
    .xColumn = x_column,
    .xRowid = x_rowid,
};

int kn_rowfeeds_register(sqlite3 *db, struct kn_rowfeeds **out, struct kn_err *err)
{
    /* Freed by kn_rowfeeds_free(), after the connection that uses it. */
    struct kn_rowfeeds *f = calloc(1, sizeof *f);
    if (!f) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    for (int t = 0; t < KN_FEED__COUNT; t++) {
        f->aux[t] = (struct aux){f, (enum kn_feed_table)t};
        if (sqlite3_create_module(db, tables[t].name, &feed_module, &f->aux[t]) != SQLITE_OK) {
            kn_err_set(err, "sqlite: registering %s: %s", tables[t].name, sqlite3_errmsg(db));
            free(f);
            return -1;
        }
    }
    *out = f;
    return 0;
}

void kn_rowfeeds_free(struct kn_rowfeeds *f) { free(f); }

int kn_rowfeed_exec(sqlite3 *db, struct kn_rowfeeds *f, enum kn_feed_table t,
                    const struct kn_rowfeed *feed, const char *sql, struct kn_err *err)
{
    f->cur[t] = feed;
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    f->cur[t] = NULL;
    if (rc != SQLITE_OK) {
        kn_err_set(err, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}
