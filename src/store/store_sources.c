/* Writing a file's source-day records into source_day (docs/schema.md),
 * merged with what the table already holds for those days.
 *
 * This is the largest part of a commit: one row per (day, source), often
 * 10^5..10^7 of them. Rows go in in the table's key order (day, then addr
 * as text), so every insert lands next to the previous one in the B-tree
 * instead of at a random page: about twice as fast as insertion order,
 * measured with 143k rows. The order is found without formatting every
 * address first: an IPv4 address's text order is computed from its octets
 * (text_key_v4), IPv6 rows follow the IPv4 rows of their day in binary
 * order, which is close enough to text order to keep inserts local. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/rowfeed.h"
#include "store/store_internal.h"
#include "store/order_sort.h"
#include "util/bigmem.h"

/* The order of an IPv4 address's dotted text under SQLite's BINARY
 * collation, as a 48-bit number: per octet its decimal digits as 1..10,
 * left-aligned in three 4-bit places, an absent digit as 0. An octet that is
 * a prefix of another ("3" of "34") is followed in the text by '.' or the
 * end, both below any digit, just as 0 is below 1..10 here; the first octet
 * that differs decides both comparisons. */
static uint64_t text_key_v4(const uint8_t a[4])
{
    uint64_t k = 0;
    for (int i = 0; i < 4; i++) {
        unsigned o = a[i], d[3], n = 0;
        if (o >= 100)
            d[n++] = o / 100;
        if (o >= 10)
            d[n++] = o / 10 % 10;
        d[n++] = o % 10;
        unsigned part = 0;
        for (unsigned j = 0; j < 3; j++)
            part = part << 4 | (j < n ? d[j] + 1 : 0);
        k = k << 12 | part;
    }
    return k;
}

static uint64_t order_key(const struct kn_src_day *r)
{
    if (r->family == 4)
        return text_key_v4(r->addr);
    uint64_t hi = 0;
    for (int i = 0; i < 8; i++)
        hi = hi << 8 | r->addr[i];
    return 1ull << 63 | hi >> 1; /* after every IPv4 key */
}

/* Dotted-quad text of a (what inet_ntop writes, without its generality). */
static void format_v4(const uint8_t a[4], char out[16])
{
    char *p = out;
    for (int i = 0; i < 4; i++) {
        unsigned o = a[i];
        if (o >= 100)
            *p++ = (char)('0' + o / 100);
        if (o >= 10)
            *p++ = (char)('0' + o / 10 % 10);
        *p++ = (char)('0' + o % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
}

/* Does source_day hold any row of this day? Days without rows (the first
 * file of a day) need no per-source lookup before the insert. 1, 0 or -1. */
static int day_has_sources(sqlite3 *db, sqlite3_stmt *q, const char *day, struct kn_err *err)
{
    sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(db));
        return -1;
    }
    return rc == SQLITE_ROW;
}

struct writer {
    sqlite3_stmt *has;
    uint8_t *blob; /* scratch for one port set; freed by kn_store_put_sources() */
    size_t blob_cap;
};

/* The stored form of r's port set in w->blob (kn_store_encode_ports). Its
 * length, or -1 out of memory. */
static long encode_ports(struct writer *w, const struct kn_src_day *r)
{
    size_t need = (size_t)r->nports * 4;
    if (need > w->blob_cap) {
        uint8_t *nb = realloc(w->blob, need);
        if (!nb)
            return -1;
        w->blob = nb;
        w->blob_cap = need;
    }
    kn_store_encode_ports(kn_src_pairs(r), r->nports, w->blob);
    return (long)need;
}

/* The write order of a commit's records, built on a thread of its own
 * while the commit writes the day and port rows: the records are only read
 * from here on, and the day rows never touch the source index or records.
 * ~25 ms of the bench day's commit. The rows are written as soon as their
 * part of the order is final (kn_order_sort_telling): at 10 million
 * source-days the whole order took 0.8-1.6 s, which the commit waited. */
struct kn_src_order {
    struct kn_agg *agg; /* borrowed */
    struct kn_order *ord;  /* owned; NULL when out of memory (once done or ready > 0) */
    size_t n;
    pthread_t thread;
    bool threaded;
    pthread_mutex_t lock;
    pthread_cond_t progressed;
    size_t ready;          /* ord[0..ready) is final (under lock) */
    bool done;             /* the builder has finished or failed (under lock) */
};

static void tell_ready(void *ctx, size_t k)
{
    struct kn_src_order *o = ctx;
    pthread_mutex_lock(&o->lock);
    o->ready = k;
    pthread_cond_broadcast(&o->progressed);
    pthread_mutex_unlock(&o->lock);
}

static void *build_order(void *arg)
{
    struct kn_src_order *o = arg;
    size_t n = o->n;
    /* The records are only walked from here on: their index's memory (16
     * bytes a record at 10 million sources) goes before the order's. */
    kn_agg_drop_index(o->agg);
    struct kn_order *ord = kn_big_alloc(n * sizeof *ord);
    if (ord) {
        for (size_t i = 0; i < n; i++) {
            const struct kn_src_day *r = kn_agg_source_at(o->agg, i);
            ord[i] = (struct kn_order){.day = r->day, .idx = (uint32_t)i, .key = order_key(r)};
        }
        pthread_mutex_lock(&o->lock);
        o->ord = ord;
        pthread_mutex_unlock(&o->lock);
        kn_order_sort_telling(ord, n, tell_ready, o);
    }
    pthread_mutex_lock(&o->lock);
    o->done = true;
    pthread_cond_broadcast(&o->progressed);
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

/* Waits until ord[0..k) is final or the builder is done (failed, when
 * ord is NULL). */
static void wait_ready(struct kn_src_order *o, size_t k)
{
    pthread_mutex_lock(&o->lock);
    while (o->ready < k && !o->done)
        pthread_cond_wait(&o->progressed, &o->lock);
    pthread_mutex_unlock(&o->lock);
}

struct kn_src_order *kn_store_order_sources(struct kn_agg *agg, struct kn_err *err)
{
    /* Freed by kn_store_order_free() or kn_store_put_sources(). */
    struct kn_src_order *o = calloc(1, sizeof *o);
    if (!o) {
        kn_err_set(err, "out of memory");
        return NULL;
    }
    o->agg = agg;
    o->n = kn_agg_n_sources(agg);
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->progressed, NULL);
    if (!o->n) {
        o->done = true;
        return o;
    }
    o->threaded = pthread_create(&o->thread, NULL, build_order, o) == 0;
    if (!o->threaded)
        build_order(o); /* no thread to be had: here, now */
    return o;
}

/* Waits for the order; NULL is fine. */
static void wait_order(struct kn_src_order *o)
{
    if (o && o->threaded) {
        pthread_join(o->thread, NULL);
        o->threaded = false;
    }
}

void kn_store_order_free(struct kn_src_order *o)
{
    if (!o)
        return;
    wait_order(o);
    kn_big_free(o->ord, o->n * sizeof *o->ord);
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->progressed);
    free(o);
}

/* Records the feed copies out of the aggregate at a time, in key order:
 * 128 KiB, which stays in the core's L2 while SQLite takes them. */
enum { GATHER = 2048 };

/* The feed (kn_feed_sources) of one day's records, ord[begin, end) in key
 * order (the upsert that takes them unites them with the day's stored
 * rows, if it has any).
 *
 * Key order visits the records at random. Reading each one as its row
 * comes, between SQLite's inserts, every record was a cache and TLB miss
 * of its own: with 10 million records (640 MB) that wait was 19% of the
 * run. The feed instead copies the next GATHER records in one tight loop,
 * where the processor overlaps the misses, and SQLite reads the copies. */
struct source_feed {
    struct kn_agg *agg;
    struct kn_src_order *order;      /* waited on as the rows come (wait_ready) */
    const struct kn_order *ord;
    int32_t day_num;                 /* the rows of this day, from begin on */
    size_t begin, end, i;            /* i: the current row + 1, from begin; end: a bound */
    const struct kn_src_day *r;      /* the current row's record (in gathered) */
    struct kn_src_day *gathered;     /* GATHER copies, the caller's; rows [at, at + n) */
    size_t at, n;
    const char *day;
    uint32_t wide;
    struct writer *w;                /* its blob buffer holds the current port set */
    char addr[INET6_ADDRSTRLEN];     /* the current row's address */
};

static void source_rewind(void *ctx)
{
    struct source_feed *f = ctx;
    f->i = f->begin;
    f->n = 0;
}

/* Copies the records of rows [i, i + GATHER) (or up to the end, or the
 * day's last row), once that part of the order is final, and prefetches
 * the port sets that live apart. */
static void gather(struct source_feed *f, size_t i)
{
    size_t want = f->end - i < GATHER ? f->end - i : GATHER;
    wait_ready(f->order, i + want);
    size_t n = 0;
    for (; n < want && f->ord[i + n].day == f->day_num; n++) {
        if (n + 16 < want)
            __builtin_prefetch(kn_agg_source_at(f->agg, f->ord[i + n + 16].idx));
        f->gathered[n] = *kn_agg_source_at(f->agg, f->ord[i + n].idx);
        if (f->gathered[n].cap)
            __builtin_prefetch(f->gathered[n].set.heap);
    }
    f->at = i;
    f->n = n;
}

/* Ends at the day's last row: f->i is then the next day's first. */
static bool source_next(void *ctx)
{
    struct source_feed *f = ctx;
    if (f->i >= f->end)
        return false;
    if (f->i - f->at >= f->n) { /* past the copies (none after a rewind) */
        gather(f, f->i);
        if (!f->n)
            return false;
    }
    f->r = &f->gathered[f->i - f->at];
    f->i++;
    if (f->r->family == 4)
        format_v4(f->r->addr, f->addr);
    else
        inet_ntop(AF_INET6, f->r->addr, f->addr, sizeof f->addr);
    return true;
}

static void source_column(void *ctx, int col, sqlite3_context *out)
{
    struct source_feed *f = ctx;
    const struct kn_src_day *r = f->r;
    switch (col) {
    case 0: sqlite3_result_text(out, f->day, -1, SQLITE_STATIC); break;
    case 1: sqlite3_result_text(out, f->addr, -1, SQLITE_STATIC); break;
    case 2: sqlite3_result_int(out, r->family); break;
    case 3: sqlite3_result_int64(out, (sqlite3_int64)r->first_ns); break;
    case 4: sqlite3_result_int64(out, (sqlite3_int64)r->last_ns); break;
    case 5: sqlite3_result_int64(out, (sqlite3_int64)r->packets); break;
    case 6: sqlite3_result_int64(out, r->nports); break;
    case 7: {
        if (r->nports >= f->wide) {
            sqlite3_result_null(out); /* saturated: the exact set is not kept */
            break;
        }
        long len = encode_ports(f->w, r);
        if (len < 0)
            sqlite3_result_error_nomem(out);
        else
            sqlite3_result_blob(out, f->w->blob ? (const void *)f->w->blob : "", (int)len,
                                SQLITE_STATIC);
        break;
    }
    default: sqlite3_result_int(out, r->tags); break;
    }
}

int kn_store_put_sources(sqlite3 *db, struct kn_rowfeeds *feeds, struct kn_agg *agg,
                         struct kn_src_order *o, uint32_t wide, struct kn_err *err)
{
    size_t n = o->n;
    if (!n)
        return 0;
    wait_ready(o, 1);
    pthread_mutex_lock(&o->lock);
    struct kn_order *ord = o->ord;
    pthread_mutex_unlock(&o->lock);
    if (!ord) {
        kn_err_set(err, "out of memory ordering %zu source records", n);
        return -1;
    }
    struct writer w = {0};
    int rc = -1;
    /* The feed's copies; freed at out. */
    struct kn_src_day *gathered = malloc(GATHER * sizeof *gathered);
    if (!gathered) {
        kn_err_set(err, "out of memory writing source records");
        return -1;
    }
    if (kn_sql_prepare(db, &w.has, "SELECT 1 FROM source_day WHERE day = ? LIMIT 1", err))
        goto out;
    /* A day with stored rows takes the file's rows by an upsert, which
     * unites each row that is there already with the file's in one
     * B-tree visit (port sets by port_union.c's functions). */
    char merge_sql[640];
    snprintf(merge_sql, sizeof merge_sql,
             "INSERT INTO source_day SELECT * FROM kn_feed_sources WHERE true"
             " ON CONFLICT (day, addr) DO UPDATE SET"
             " first_ns = min(first_ns, excluded.first_ns), last_ns = max(last_ns, excluded.last_ns),"
             " packets = packets + excluded.packets, tags = tags | excluded.tags,"
             " nports = kn_port_union_n(ports, nports, excluded.ports, excluded.nports, %u),"
             " ports = kn_port_union(ports, nports, excluded.ports, excluded.nports, %u)",
             (unsigned)wide, (unsigned)wide);
    char day[16];
    for (size_t i = 0, end; i < n; i = end) {
        wait_ready(o, i + 1);
        kn_day_format(ord[i].day, day, sizeof day);
        int has = day_has_sources(db, w.has, day, err);
        if (has < 0)
            goto out;
        /* The day's rows go in as one INSERT ... SELECT (rowfeed.h), as
         * their order comes; the feed ends with the day. */
        struct source_feed f = {.agg = agg, .order = o, .ord = ord, .day_num = ord[i].day,
                                .begin = i, .end = n, .day = day, .wide = wide, .w = &w,
                                .gathered = gathered};
        const struct kn_rowfeed feed = {&f, source_rewind, source_next, source_column};
        if (kn_rowfeed_exec(db, feeds, KN_FEED_SOURCES, &feed,
                            has ? merge_sql : "INSERT INTO source_day SELECT * FROM kn_feed_sources",
                            err))
            goto out;
        if (f.i <= i) { /* cannot be: the feed ends with its day, which has row i */
            kn_err_set(err, "writing source records: no row of %s written", day);
            goto out;
        }
        end = f.i; /* the next day's first row, or n */
    }
    rc = 0;
out:
    sqlite3_finalize(w.has);
    free(w.blob);
    free(gathered);
    return rc;
}
