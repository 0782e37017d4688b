/* Shared by the store's own files only. */
#ifndef KENCHI_STORE_STORE_INTERNAL_H
#define KENCHI_STORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "util/err.h"

struct kn_rowfeeds;

/* The page size of databases kenchi creates (store.c says why; the page
 * cache arena, page_arena.c, is sized for it), and as text for the PRAGMA. */
#define KN_NEW_PAGE_SIZE 65536
#define KN_STRINGIFY_(x) #x
#define KN_STRINGIFY(x) KN_STRINGIFY_(x)

struct kn_store {
    sqlite3 *db;
    uint32_t wide_ports;
    struct kn_rowfeeds *feeds; /* owned; NULL on read-only handles */
};

/* sqlite3_exec / prepare with the message in err. 0 or -1. */
int kn_sql_exec(sqlite3 *db, const char *sql, struct kn_err *err);
int kn_sql_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct kn_err *err);

struct kn_agg;
struct kn_src_order;
/* Starts ordering agg's records for kn_store_put_sources() on a thread of
 * its own (in place when no thread can be had), so the commit can write
 * the day rows meanwhile; from here on the records must not change and
 * the source index is gone. NULL out of memory; else free it with
 * kn_store_order_free() after the put, or instead of it. */
struct kn_src_order *kn_store_order_sources(struct kn_agg *agg, struct kn_err *err);
void kn_store_order_free(struct kn_src_order *o);
/* Writes agg's source-day records into source_day in o's order, merged
 * with the rows stored for their days (store_sources.c); inside the
 * caller's transaction. 0 or -1. */
struct kn_rowfeeds;
int kn_store_put_sources(sqlite3 *db, struct kn_rowfeeds *feeds, struct kn_agg *agg,
                         struct kn_src_order *o, uint32_t wide, struct kn_err *err);

/* The stored form of a port set (source_day.ports, docs/schema.md): the n
 * sorted pairs v as 4-byte big-endian (proto << 16 | port) values, 4n
 * bytes at out. */
void kn_store_encode_ports(const uint32_t *v, uint32_t n, uint8_t *out);

/* Registers kn_port_union() and kn_port_union_n() on db (port_union.c),
 * which the merge of source rows into a day's stored rows uses. 0 or -1. */
int kn_store_register_port_union(sqlite3 *db, struct kn_err *err);

#endif
