/* Rows from memory into `INSERT ... SELECT`, through eponymous virtual
 * tables of the store's own connection.
 *
 * Why: inserting a row with bind/step/reset costs twice what SQLite needs
 * to insert it when it pulls the rows itself. Measured with the bench
 * day's 143,128 source rows in key order (64 KiB pages): 0.146 s with a
 * prepared statement per row, 0.075 s as one `INSERT INTO source_day
 * SELECT * FROM kn_feed_sources`. The commit writes ~300,000 such rows.
 *
 * A feed is an iterator over rows that live in the caller's memory; a
 * statement reading a feed table sees the rows of the feed set for the
 * length of kn_rowfeed_exec(), and no rows otherwise. */
#ifndef KENCHI_STORE_ROWFEED_H
#define KENCHI_STORE_ROWFEED_H

#include <sqlite3.h>
#include <stdbool.h>

#include "util/err.h"

struct kn_rowfeed {
    void *ctx;
    void (*rewind)(void *ctx);  /* before the first row */
    bool (*next)(void *ctx);    /* to the next (first) row; false: no more */
    /* Column col of the current row. Text and blobs may be SQLITE_STATIC
     * if they stay unchanged until the next call of next(). */
    void (*column)(void *ctx, int col, sqlite3_context *out);
};

/* The feed tables and their columns (those of the tables they feed). */
enum kn_feed_table {
    KN_FEED_SOURCES, /* kn_feed_sources: as source_day */
    KN_FEED_PORTS,   /* kn_feed_ports: as day_port */
    KN_FEED_TAGS,    /* kn_feed_tags: as day_tag_port */
    KN_FEED__COUNT
};

struct kn_rowfeeds;

/* Gives the connection the feed tables. *out belongs to the caller (free
 * with kn_rowfeeds_free() after closing db). 0 or -1. */
int kn_rowfeeds_register(sqlite3 *db, struct kn_rowfeeds **out, struct kn_err *err);
void kn_rowfeeds_free(struct kn_rowfeeds *f);

/* Runs sql, a statement reading table t, with feed as t's rows. 0 or -1. */
int kn_rowfeed_exec(sqlite3 *db, struct kn_rowfeeds *f, enum kn_feed_table t,
                    const struct kn_rowfeed *feed, const char *sql, struct kn_err *err);

#endif
