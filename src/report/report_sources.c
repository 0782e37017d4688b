/* A period's source figures in one pass; see report_sources.h.
 *
 * source_day's key is (day, addr), so one day's rows come in address order
 * straight from the table. Stepping one cursor per day of the period and
 * always taking the smallest address next (a k-way merge) counts each
 * day's sources and the period's distinct addresses without the sorting
 * SQLite does for `GROUP BY day, family` and `COUNT(DISTINCT addr)`: on a
 * day of 10 million sources those two queries took 4.6 and 2.1 s, and the
 * distinct count grew faster than the rows over longer periods
 * (docs/performance.md, item 42). */
#include "report/report_sources.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* One day's rows, read BATCH at a time into the cursor's own buffer: the
 * merge then compares addresses in memory it keeps hot, and SQLite reads
 * each page's cells in a burst. Stepping every day's statement one row at
 * a time instead left a month's 31 pages fighting for the cache: a quarter
 * of the time went to loading cells (docs/performance.md, item 42). */
#define BATCH 64
#define ADDR_MAX 64 /* room for any address text (45 bytes at most) */

/* One address: its bytes (zeros after len), and its first 16 bytes as two
 * big-endian numbers. Addresses whose heads differ are in the order of
 * their heads; equal heads of two addresses of 16 bytes or less leave only
 * their lengths to compare. An IPv4 address is 15 bytes at most, so most
 * comparisons need no memcmp. */
struct addr {
    uint64_t head[2];
    uint8_t len;
    unsigned char bytes[ADDR_MAX];
};

struct cursor {
    sqlite3_stmt *st;
    struct kn_report_day *day;
    bool ended;     /* the statement has given its last row */
    unsigned n, at; /* rows buffered, the current one */
    struct addr row[BATCH];
};

/* Sets a from len bytes at text (len <= ADDR_MAX). */
static void addr_set(struct addr *a, const unsigned char *text, size_t len)
{
    memset(a->bytes, 0, 16);
    if (len)
        memcpy(a->bytes, text, len);
    a->len = (uint8_t)len;
    uint64_t w[2];
    memcpy(w, a->bytes, sizeof w);
    a->head[0] = __builtin_bswap64(w[0]);
    a->head[1] = __builtin_bswap64(w[1]);
}

/* SQLite's BINARY collation, which orders the key: bytes, then length. */
static int addr_cmp(const struct addr *a, const struct addr *b)
{
    for (int k = 0; k < 2; k++)
        if (a->head[k] != b->head[k])
            return a->head[k] < b->head[k] ? -1 : 1;
    if (a->len > 16 && b->len > 16) {
        size_t n = (a->len < b->len ? a->len : b->len) - 16u;
        int c = memcmp(a->bytes + 16, b->bytes + 16, n);
        if (c)
            return c;
    }
    return (a->len > b->len) - (a->len < b->len);
}

static int cursor_less(const struct cursor *a, const struct cursor *b)
{
    return addr_cmp(&a->row[a->at], &b->row[b->at]) < 0;
}

/* The address, then its row's figures as bits of one integer: one call of
 * the API reads both (a column each, or the type test in SQL, cost more).
 * ROW_BAD: nports is not a count (a row edited by hand): text or a blob,
 * which SQLite ranks above every number, so the wide test holds and the
 * bound then fails, or a negative number. Nested CASEs cost the common
 * row two comparisons and no arithmetic: typeof(), or an OR of two more
 * comparisons times 4 added on, cost the 10-million-source day's report
 * 0.5-0.9 s of CPU, these nothing measurable (1.61-1.68 s against
 * 1.63-1.68 s). */
enum { ROW_V4 = 1, ROW_WIDE = 2, ROW_BAD = 4 };
const char kn_report_sources_sql[] =
    "SELECT addr, (family = 4) + CASE WHEN nports >= ?2 THEN CASE WHEN nports <="
    " 9223372036854775807 THEN 2 ELSE 6 END WHEN nports < 0 THEN 4 ELSE 0 END"
    " FROM source_day WHERE day = ?1 ORDER BY addr";

/* Reads c's next rows into its buffer and counts them into its day: 1 some
 * rows, 0 the day's end, -1 an error (-2: a row's nports is not a count;
 * *bad gets its address). A row whose address is not text, or longer than
 * any address (a database written by hand), may be out of the merge's
 * order or cut short: *unordered is set, the counts still hold. */
static int cursor_fill(struct cursor *c, bool *unordered, struct addr *bad)
{
    c->n = c->at = 0;
    while (!c->ended && c->n < BATCH) {
        int rc = sqlite3_step(c->st);
        if (rc == SQLITE_DONE) {
            c->ended = true;
            break;
        }
        if (rc != SQLITE_ROW)
            return -1;
        int bits = sqlite3_column_int(c->st, 1);
        int f = bits & ROW_V4 ? KN_FAM_V4 : KN_FAM_V6;
        c->day->sources[f]++;
        c->day->wide[f] += (bits & ROW_WIDE) != 0;
        /* The type first: reading the text converts other types. */
        bool text = sqlite3_column_type(c->st, 0) == SQLITE_TEXT;
        const unsigned char *addr = sqlite3_column_text(c->st, 0);
        size_t len = addr ? (size_t)sqlite3_column_bytes(c->st, 0) : 0; /* !addr: out of memory */
        if (!text || !addr || len > ADDR_MAX) {
            *unordered = true;
            if (len > ADDR_MAX)
                len = ADDR_MAX;
        }
        addr_set(&c->row[c->n++], addr, len);
        if (bits & ROW_BAD) {
            *bad = c->row[c->n - 1];
            return -2;
        }
    }
    return c->n > 0;
}

/* Moves c to its next row: 1, 0 at the day's end, -1 or -2 as cursor_fill. */
static int cursor_next(struct cursor *c, bool *unordered, struct addr *bad)
{
    if (++c->at < c->n)
        return 1;
    return cursor_fill(c, unordered, bad);
}

static void sift_down(struct cursor **heap, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cursor_less(heap[l], heap[m]))
            m = l;
        if (l + 1 < n && cursor_less(heap[l + 1], heap[m]))
            m = l + 1;
        if (m == i)
            return;
        struct cursor *t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

/* COUNT(DISTINCT addr) by SQLite over the period's dates, for rows the merge
 * cannot order. */
static int distinct_by_sql(sqlite3 *db, const char *from, const char *to, uint64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT addr) FROM source_day WHERE day BETWEEN ?1 AND ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int kn_report_scan_sources(struct sqlite3 *db, struct kn_report_day *days, size_t n_days,
                           uint32_t wide_ports, uint64_t *distinct, struct kn_err *err)
{
    *distinct = 0;
    if (n_days == 0)
        return 0;
    /* Owned here, freed before returning: the cursors and the heap. */
    struct cursor *cur = calloc(n_days, sizeof *cur);
    struct cursor **heap = calloc(n_days, sizeof *heap);
    struct addr last; /* the last address counted (a cursor's buffer moves on) */
    struct addr bad;  /* the address of a row whose nports is not a count */
    const struct kn_report_day *bad_day = NULL;
    size_t n_heap = 0;
    bool unordered = false, have_last = false, oom = false;
    int rc = -1;
    if (!cur || !heap) {
        oom = true;
        goto out;
    }
    for (size_t i = 0; i < n_days; i++) {
        struct kn_report_day *d = &days[i];
        memset(d->sources, 0, sizeof d->sources);
        memset(d->wide, 0, sizeof d->wide);
        cur[i].day = d;
        if (sqlite3_prepare_v2(db, kn_report_sources_sql, -1, &cur[i].st, NULL) != SQLITE_OK)
            goto out;
        char label[16];
        kn_day_format(d->day, label, sizeof label);
        sqlite3_bind_text(cur[i].st, 1, label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(cur[i].st, 2, wide_ports);
        int s = cursor_fill(&cur[i], &unordered, &bad);
        if (s < 0) {
            bad_day = s == -2 ? d : NULL;
            goto out;
        }
        if (s)
            heap[n_heap++] = &cur[i];
    }
    for (size_t i = n_heap / 2; i-- > 0;)
        sift_down(heap, n_heap, i);
    while (n_heap) {
        struct cursor *c = heap[0];
        const struct addr *a = &c->row[c->at];
        if (!have_last || addr_cmp(a, &last) != 0) {
            ++*distinct;
            last = *a;
            have_last = true;
        }
        int s = cursor_next(c, &unordered, &bad);
        if (s < 0) {
            bad_day = s == -2 ? c->day : NULL;
            goto out;
        }
        if (!s)
            heap[0] = heap[--n_heap];
        sift_down(heap, n_heap, 0);
    }
    if (unordered) {
        char from[16], to[16];
        kn_day_format(days[0].day, from, sizeof from);
        kn_day_format(days[n_days - 1].day, to, sizeof to);
        if (distinct_by_sql(db, from, to, distinct))
            goto out;
    }
    rc = 0;
out:
    if (rc && oom) {
        kn_err_set(err, "out of memory");
    } else if (rc && bad_day) {
        char day[16];
        kn_day_format(bad_day->day, day, sizeof day);
        kn_err_set(err, "source_day row (%s, %.*s): nports is not a count (was the database"
                   " edited by hand?)", day, (int)bad.len, (const char *)bad.bytes);
    } else if (rc)
        kn_err_set(err, "reading the database: %s", sqlite3_errmsg(db));
    for (size_t i = 0; cur && i < n_days; i++)
        sqlite3_finalize(cur[i].st);
    free(cur);
    free(heap);
    return rc;
}
