/* Committing one file's aggregate to the SQLite store in one transaction;
 * see store.h. Counters are added with upserts; source-day records are
 * merged with what is stored (min/max, sums, port-set union capped at the
 * wide-port threshold), which is what makes split files add up exactly. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "store/rowfeed.h"
#include "store/store_internal.h"
#include "store/order_sort.h"
#include "util/bigmem.h"

#define N_STMTS 3
enum { S_DAY, S_FILE, S_ANOM };

static const char *const stmt_sql[N_STMTS] = {
    [S_DAY] = "INSERT INTO day_family (day, family, accesses, low_port, high_port, mirai,"
              " rdp_3389, backscatter, tag_mirai, tag_zmap, tag_masscan, tag_nmap)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
              " ON CONFLICT (day, family) DO UPDATE SET accesses = accesses + ?3,"
              " low_port = low_port + ?4, high_port = high_port + ?5, mirai = mirai + ?6,"
              " rdp_3389 = rdp_3389 + ?7, backscatter = backscatter + ?8,"
              " tag_mirai = tag_mirai + ?9, tag_zmap = tag_zmap + ?10,"
              " tag_masscan = tag_masscan + ?11, tag_nmap = tag_nmap + ?12",
    [S_FILE] = "INSERT INTO files (hash, name, packets, accesses, not_sensor, no_ip, trunc_link,"
               " trunc_ip, bad_ip, unknown_link, kernel_received, kernel_dropped, first_ns,"
               " last_ns, read_error, analysed_at)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [S_ANOM] = "INSERT INTO file_anomalies (file_id, anomaly, packets) VALUES (?1, ?2, ?3)",
};

static void hex(const uint8_t hash[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[64] = '\0';
}

/* SQLite integers are signed 64-bit: counters and ns times fit until 2262. */
static void bind_u64(sqlite3_stmt *s, int i, uint64_t v) { sqlite3_bind_int64(s, i, (sqlite3_int64)v); }

static int step_done(sqlite3 *db, sqlite3_stmt *s, struct kn_err *err)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int kn_store_find_file(struct kn_store *st, const uint8_t hash[32], char *name, size_t name_size,
                       struct kn_err *err)
{
    char h[65];
    hex(hash, h);
    sqlite3_stmt *s;
    if (kn_sql_prepare(st->db, &s, "SELECT name FROM files WHERE hash = ?", err))
        return -1;
    sqlite3_bind_text(s, 1, h, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && name_size)
        snprintf(name, name_size, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    return rc == SQLITE_ROW;
}

int kn_store_may_have_file(struct kn_store *st, const struct kn_ingest *ing, struct kn_err *err)
{
    sqlite3_stmt *s;
    if (kn_sql_prepare(st->db, &s,
                       "SELECT 1 FROM files WHERE packets = ?1 AND first_ns IS ?2 AND last_ns IS ?3"
                       " LIMIT 1", err))
        return -1;
    bind_u64(s, 1, ing->packets);
    if (ing->packets) { /* put_file() stores no times for an empty file */
        bind_u64(s, 2, ing->first_ns);
        bind_u64(s, 3, ing->last_ns);
    }
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    return rc == SQLITE_ROW;
}

int kn_store_has_file(struct kn_store *st, const uint8_t hash[32], struct kn_err *err)
{
    return kn_store_find_file(st, hash, NULL, 0, err);
}

/* day_port's key order within a day: family, protocol, port (-1, the
 * no-port row, first). Rows written in key order land next to each other
 * in the B-tree. */
static uint64_t port_row_order(uint32_t key)
{
    uint64_t port = kn_port_key_has_port(key) ? (uint64_t)kn_port_key_port(key) + 1 : 0;
    return (uint64_t)kn_port_key_fam(key) << 40 | (uint64_t)kn_port_key_proto(key) << 20 | port;
}

/* The feed of a day's port rows (kn_feed_ports), in key order. */
struct port_feed {
    const struct kn_order *rows;   /* key = port_row_order, idx = the slot */
    const struct kn_port_counts *slots;
    size_t n, i;               /* i: the current row + 1 */
    const char *day;
    unsigned tag;              /* kn_feed_tags: the current tag */
};

/* The slots are visited in key order, i.e. at random in the map (8 MiB at
 * 129k ports): fetch a few rows ahead, or every row waits for memory (2%
 * of an analysis, measured). */
enum { AHEAD = 8 };

static void port_rewind(void *ctx)
{
    struct port_feed *f = ctx;
    f->i = 0;
    f->tag = 0;
}

static bool port_next(void *ctx)
{
    struct port_feed *f = ctx;
    if (f->i + AHEAD < f->n)
        __builtin_prefetch(&f->slots[f->rows[f->i + AHEAD].idx]);
    return ++f->i <= f->n;
}

static void port_column(void *ctx, int col, sqlite3_context *out)
{
    const struct port_feed *f = ctx;
    const struct kn_port_counts *v = &f->slots[f->rows[f->i - 1].idx];
    uint32_t key = v->key;
    switch (col) {
    case 0: sqlite3_result_text(out, f->day, -1, SQLITE_STATIC); break;
    case 1: sqlite3_result_int(out, kn_port_key_fam(key) == KN_FAM_V4 ? 4 : 6); break;
    case 2: sqlite3_result_int(out, (int)kn_port_key_proto(key)); break;
    case 3: sqlite3_result_int(out, kn_port_key_has_port(key) ? (int)kn_port_key_port(key) : -1); break;
    case 4: sqlite3_result_int64(out, (sqlite3_int64)v->accesses); break;
    case 5: sqlite3_result_int64(out, (sqlite3_int64)v->probes); break;
    default: sqlite3_result_int64(out, (sqlite3_int64)v->mirai); break;
    }
}

/* kn_feed_tags: every (tag, port) with probes, tag by tag. */
static bool tag_next(void *ctx)
{
    struct port_feed *f = ctx;
    for (;;) {
        if (f->i == f->n) {
            if (++f->tag >= KN_TAG__COUNT)
                return false;
            f->i = 0;
        }
        if (f->i + AHEAD < f->n)
            __builtin_prefetch(&f->slots[f->rows[f->i + AHEAD].idx]);
        if (f->slots[f->rows[f->i++].idx].tags[f->tag])
            return true;
    }
}

static void tag_column(void *ctx, int col, sqlite3_context *out)
{
    const struct port_feed *f = ctx;
    const struct kn_port_counts *v = &f->slots[f->rows[f->i - 1].idx];
    switch (col) {
    case 0: sqlite3_result_text(out, f->day, -1, SQLITE_STATIC); break;
    case 1: sqlite3_result_text(out, kn_tag_names[f->tag], -1, SQLITE_STATIC); break;
    case 2: sqlite3_result_int(out, (int)kn_port_key_proto(v->key)); break;
    case 3: sqlite3_result_int(out, (int)kn_port_key_port(v->key)); break;
    default: sqlite3_result_int64(out, (sqlite3_int64)v->tags[f->tag]); break;
    }
}

/* The day's per-port rows: day_port, and day_tag_port per tag (summed
 * over both families by the upsert), each one INSERT ... SELECT from a
 * feed (rowfeed.h). 0 or -1. */
static int put_ports(struct kn_store *st, const struct kn_portmap *m, const char *day,
                     struct kn_err *err)
{
    if (!m->used)
        return 0;
    /* The slots in key order; freed below. */
    size_t size = m->used * sizeof(struct kn_order);
    struct kn_order *rows = kn_big_alloc(size);
    if (!rows) {
        kn_err_set(err, "out of memory ordering %zu port rows", m->used);
        return -1;
    }
    size_t n = 0;
    for (size_t j = 0; j < m->cap; j++)
        if (m->slots[j].key != KN_PORTMAP_EMPTY)
            rows[n++] = (struct kn_order){.idx = (uint32_t)j, .key = port_row_order(m->slots[j].key)};
    kn_order_sort(rows, n);
    struct port_feed pf = {.rows = rows, .slots = m->slots, .n = n, .day = day};
    const struct kn_rowfeed ports = {&pf, port_rewind, port_next, port_column};
    const struct kn_rowfeed tags = {&pf, port_rewind, tag_next, tag_column};
    /* WHERE true: an upsert's SELECT needs one, or ON reads as a join. */
    int rc = kn_rowfeed_exec(st->db, st->feeds, KN_FEED_PORTS, &ports,
                             "INSERT INTO day_port SELECT * FROM kn_feed_ports WHERE true"
                             " ON CONFLICT (day, family, proto, port) DO UPDATE SET"
                             " accesses = accesses + excluded.accesses,"
                             " probes = probes + excluded.probes, mirai = mirai + excluded.mirai",
                             err);
    if (!rc)
        rc = kn_rowfeed_exec(st->db, st->feeds, KN_FEED_TAGS, &tags,
                             "INSERT INTO day_tag_port SELECT * FROM kn_feed_tags WHERE true"
                             " ON CONFLICT (day, tag, proto, port) DO UPDATE SET"
                             " probes = probes + excluded.probes",
                             err);
    kn_big_free(rows, size);
    return rc;
}

static int put_days(struct kn_store *st, sqlite3_stmt **s, const struct kn_agg *agg, struct kn_err *err)
{
    for (size_t i = 0; i < kn_agg_n_days(agg); i++) {
        const struct kn_agg_day *d = kn_agg_day_at(agg, i);
        char day[16];
        kn_day_format(d->day, day, sizeof day);
        for (unsigned f = 0; f < KN_FAM__COUNT; f++) {
            const struct kn_day_counts *c = &d->c[f];
            if (!c->accesses)
                continue;
            sqlite3_stmt *q = s[S_DAY];
            sqlite3_bind_text(q, 1, day, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(q, 2, f == KN_FAM_V4 ? 4 : 6);
            uint64_t v[] = {c->accesses, c->low_port, c->high_port, c->mirai, c->rdp_3389,
                            c->backscatter, c->tags[KN_TAG_MIRAI], c->tags[KN_TAG_ZMAP],
                            c->tags[KN_TAG_MASSCAN], c->tags[KN_TAG_NMAP]};
            for (int k = 0; k < 10; k++)
                bind_u64(q, 3 + k, v[k]);
            if (step_done(st->db, q, err))
                return -1;
        }
        /* a day spilled to disk comes back one at a time (portspill.h) */
        struct kn_portmap merged;
        const struct kn_portmap *ports;
        if (kn_agg_day_ports(agg, i, &merged, &ports, err))
            return -1;
        int rc = put_ports(st, ports, day, err);
        if (ports == &merged)
            kn_portmap_free(&merged);
        if (rc)
            return -1;
    }
    return 0;
}

static int put_file(sqlite3 *db, sqlite3_stmt **s, const char *h, const char *name,
                    const struct kn_ingest *ing, struct kn_err *err)
{
    sqlite3_stmt *q = s[S_FILE];
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3_bind_text(q, 1, h, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
    uint64_t v[] = {ing->packets, ing->accesses, ing->not_sensor, ing->outcome[KN_OUT_NO_IP],
                    ing->outcome[KN_OUT_TRUNC_LINK], ing->outcome[KN_OUT_TRUNC_IP],
                    ing->outcome[KN_OUT_BAD_IP], ing->outcome[KN_OUT_UNKNOWN_LINK]};
    for (int k = 0; k < 8; k++)
        bind_u64(q, 3 + k, v[k]);
    if (ing->live) {
        bind_u64(q, 11, ing->kernel_received);
        bind_u64(q, 12, ing->kernel_dropped);
    } else {
        sqlite3_bind_null(q, 11);
        sqlite3_bind_null(q, 12);
    }
    if (ing->packets) {
        bind_u64(q, 13, ing->first_ns);
        bind_u64(q, 14, ing->last_ns);
    } else {
        sqlite3_bind_null(q, 13);
        sqlite3_bind_null(q, 14);
    }
    if (ing->read_error[0])
        sqlite3_bind_text(q, 15, ing->read_error, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 15);
    sqlite3_bind_text(q, 16, now, -1, SQLITE_TRANSIENT);
    if (step_done(db, q, err))
        return -1;
    sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    for (int a = 0; a < 32; a++) {
        if (!ing->anomalies[a])
            continue;
        sqlite3_stmt *an = s[S_ANOM];
        sqlite3_bind_int64(an, 1, id);
        sqlite3_bind_int(an, 2, a);
        bind_u64(an, 3, ing->anomalies[a]);
        if (step_done(db, an, err))
            return -1;
    }
    return 0;
}

/* Is one of the files stored? 1 (*dup its index, its earlier name in
 * dup_name), 0 or -1. */
static int find_stored(struct kn_store *st, const struct kn_commit_file *files, size_t n,
                       size_t *dup, char *dup_name, size_t dup_name_size, struct kn_err *err)
{
    for (size_t i = 0; i < n; i++) {
        int found = kn_store_find_file(st, files[i].hash, dup_name, dup_name_size, err);
        if (found) {
            *dup = i;
            return found;
        }
    }
    return 0;
}

/* Writes the aggregate and the files' rows inside an open transaction
 * after checking that none of the files is stored: a stored one ends it
 * with 1 and *dup its index (its earlier name in dup_name). With a hook
 * the check comes after the figures and the hook (which may finish a
 * hash), before the files' rows. 0, 1 or -1. */
static int write_files(struct kn_store *st, const struct kn_commit_file *files, size_t n,
                       struct kn_agg *agg, const struct kn_commit_hook *hook, size_t *dup,
                       char *dup_name, size_t dup_name_size, struct kn_err *err)
{
    int found = hook ? 0 : find_stored(st, files, n, dup, dup_name, dup_name_size, err);
    if (found)
        return found;
    sqlite3_stmt *s[N_STMTS] = {0};
    struct kn_src_order *order = NULL;
    int rc = -1;
    for (int i = 0; i < N_STMTS; i++)
        if (kn_sql_prepare(st->db, &s[i], stmt_sql[i], err))
            goto out;
    if (!(order = kn_store_order_sources(agg, err)))
        goto out;
    if (put_days(st, s, agg, err) || kn_store_put_sources(st->db, st->feeds, agg, order, st->wide_ports, err))
        goto out;
    if (hook && (hook->before_files(hook->ctx, err) ||
                 (found = find_stored(st, files, n, dup, dup_name, dup_name_size, err)))) {
        rc = found > 0 ? 1 : -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char h[65];
        hex(files[i].hash, h);
        if (put_file(st->db, s, h, files[i].name, files[i].ing, err))
            goto out;
    }
    rc = 0;
out:
    kn_store_order_free(order);
    for (int i = 0; i < N_STMTS; i++)
        sqlite3_finalize(s[i]);
    return rc;
}

/* BEGIN IMMEDIATE: the duplicate check and the writes are one atomic step,
 * so two concurrent runs on the same file cannot both count it. */
static int commit(struct kn_store *st, const struct kn_commit_file *files, size_t n,
                  struct kn_agg *agg, const struct kn_commit_hook *hook, size_t *dup,
                  char *dup_name, size_t dup_name_size, struct kn_err *err)
{
    if (kn_sql_exec(st->db, "BEGIN IMMEDIATE", err))
        return -1;
    int rc = write_files(st, files, n, agg, hook, dup, dup_name, dup_name_size, err);
    if (rc == 0 && kn_sql_exec(st->db, "COMMIT", err) == 0)
        return 0;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc == 1 ? 1 : -1;
}

int kn_store_commit_file(struct kn_store *st, const uint8_t hash[32], const char *name,
                         const struct kn_ingest *ing, struct kn_agg *agg, bool *skipped,
                         char *skipped_as, size_t skipped_as_size, struct kn_err *err)
{
    struct kn_commit_file f = {hash, name, ing};
    size_t dup;
    int rc = commit(st, &f, 1, agg, NULL, &dup, skipped_as, skipped_as_size, err);
    *skipped = rc == 1;
    if (rc < 0)
        kn_err_prefix(err, "storing %s", name);
    return rc < 0 ? -1 : 0;
}

int kn_store_commit_files(struct kn_store *st, const struct kn_commit_file *files, size_t n,
                          struct kn_agg *agg, const struct kn_commit_hook *hook, size_t *raced,
                          char *raced_as, size_t raced_as_size, struct kn_err *err)
{
    int rc = commit(st, files, n, agg, hook, raced, raced_as, raced_as_size, err);
    if (rc < 0)
        kn_err_prefix(err, "storing %zu file%s", n, n == 1 ? "" : "s");
    return rc < 0 ? -1 : rc ? KN_STORE_RACED : 0;
}
