/* SQL functions that unite a stored source-day port set with a new one,
 * for the upsert that merges a file's source rows into a day's stored
 * rows (store_sources.c); see store_internal.h.
 *
 * A port set is stored as `nports` and `ports`, a blob of 4-byte
 * big-endian (proto << 16 | port) values, sorted, or NULL once nports has
 * reached the wide-port threshold (docs/schema.md). The stored side is
 * read as a hostile file could hold it: a blob of any length or order is
 * taken pair by pair, whole pairs only, and a count at or over the
 * threshold (or one that does not fit 32 bits unsigned) saturates. */
#include <sqlite3.h>
#include <string.h>

#include "aggregate/aggregate.h"
#include "store/store_internal.h"

void kn_store_encode_ports(const uint32_t *v, uint32_t n, uint8_t *out)
{
    for (uint32_t k = 0; k < n; k++) {
        out[4 * k] = (uint8_t)(v[k] >> 24);
        out[4 * k + 1] = (uint8_t)(v[k] >> 16);
        out[4 * k + 2] = (uint8_t)(v[k] >> 8);
        out[4 * k + 3] = (uint8_t)v[k];
    }
}

/* Adds the pairs of blob v (whole 4-byte pairs) to s until it saturates.
 * 0, or -1 out of memory. */
static int add_blob(struct kn_src_day *s, sqlite3_value *v, uint32_t wide)
{
    const uint8_t *b = sqlite3_value_blob(v);
    int n = sqlite3_value_bytes(v);
    for (int k = 0; b && k + 4 <= n && s->nports < wide; k += 4) {
        uint32_t pair = (uint32_t)b[k] << 24 | (uint32_t)b[k + 1] << 16 | (uint32_t)b[k + 2] << 8 | b[k + 3];
        if (kn_src_add_pair(s, pair, wide))
            return -1;
    }
    return 0;
}

/* A stored count as kn_src_day keeps it, 32 bits unsigned: one that does
 * not fit (negative, or too large) is as large as can be. */
static uint32_t count_of(sqlite3_value *v)
{
    sqlite3_int64 n = sqlite3_value_int64(v);
    return n < 0 || n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* The union of (argv[0] blob, argv[1] count) and (argv[2], argv[3]) under
 * threshold argv[4] (at least 1; also into *wide_out), into u (zeroed
 * first; its set is the caller's to free). 0, or -1 out of memory. */
static int unite(sqlite3_value **argv, struct kn_src_day *u, uint32_t *wide_out)
{
    memset(u, 0, sizeof *u);
    sqlite3_int64 w = sqlite3_value_int64(argv[4]);
    uint32_t wide = w < 1 ? 1 : w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
    *wide_out = wide;
    uint32_t old_n = count_of(argv[1]);
    uint32_t new_n = count_of(argv[3]);
    if (old_n >= wide || new_n >= wide) {
        u->nports = wide;
        return 0;
    }
    return add_blob(u, argv[2], wide) || add_blob(u, argv[0], wide) ? -1 : 0;
}

/* kn_port_union(ports, nports, new_ports, new_nports, wide): the united
 * set's blob, or NULL when it reaches the threshold. */
static void union_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct kn_src_day u;
    uint32_t wide;
    if (unite(argv, &u, &wide)) {
        kn_src_free_set(&u);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (u.nports >= wide) {
        sqlite3_result_null(ctx); /* saturated: the exact set is not kept */
        return;
    }
    const uint32_t *v = kn_src_pairs(&u);
    uint8_t *b = sqlite3_malloc64((sqlite3_uint64)u.nports * 4 + 1);
    if (!b) {
        kn_src_free_set(&u);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    kn_store_encode_ports(v, u.nports, b);
    kn_src_free_set(&u);
    /* Owned by SQLite from here (sqlite3_free). */
    sqlite3_result_blob64(ctx, b, (sqlite3_uint64)u.nports * 4, sqlite3_free);
}

/* kn_port_union_n(ports, nports, new_ports, new_nports, wide): the united
 * set's count, capped at the threshold. */
static void union_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct kn_src_day u;
    uint32_t wide;
    int rc = unite(argv, &u, &wide);
    kn_src_free_set(&u);
    if (rc)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_int64(ctx, u.nports);
}

int kn_store_register_port_union(sqlite3 *db, struct kn_err *err)
{
    /* Direct only: a hostile database's schema (views, triggers) cannot
     * call them. */
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;
    if (sqlite3_create_function(db, "kn_port_union", 5, flags, NULL, union_blob, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function(db, "kn_port_union_n", 5, flags, NULL, union_count, NULL, NULL) != SQLITE_OK) {
        kn_err_set(err, "sqlite: registering the port-set functions: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}
