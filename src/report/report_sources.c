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

/* One day's rows; addr/len are the current row's, valid until its next step. */
struct cursor {
    sqlite3_stmt *st;
    struct kn_report_day *day;
    const unsigned char *addr;
    size_t len;
};

/* SQLite's BINARY collation, which orders the key: bytes, then length. */
static int addr_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

static int cursor_less(const struct cursor *a, const struct cursor *b)
{
    return addr_cmp(a->addr, a->len, b->addr, b->len) < 0;
}

/* The address, then its row's figures as bits of one integer: one call of
 * the API reads both (a column each, or the type test in SQL, cost more). */
enum { ROW_V4 = 1, ROW_WIDE = 2 };
const char kn_report_sources_sql[] =
    "SELECT addr, (family = 4) + 2 * (nports >= ?2) FROM source_day WHERE day = ?1"
    " ORDER BY addr";

/* Steps c and counts its row into its day: 1 a row, 0 the day's end, -1 an
 * error. A row whose address is not text (a database written by hand) may
 * be out of the merge's order: *unordered is set, the counts still hold. */
static int cursor_step(struct cursor *c, bool *unordered)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return -1;
    int bits = sqlite3_column_int(c->st, 1);
    int f = bits & ROW_V4 ? KN_FAM_V4 : KN_FAM_V6;
    c->day->sources[f]++;
    c->day->wide[f] += (bits & ROW_WIDE) != 0;
    /* The type first: reading the text converts other types. */
    bool text = sqlite3_column_type(c->st, 0) == SQLITE_TEXT;
    c->addr = sqlite3_column_text(c->st, 0);
    c->len = (size_t)sqlite3_column_bytes(c->st, 0);
    if (!text || !c->addr) { /* !addr: out of memory converting it */
        if (!c->addr) {
            c->addr = (const unsigned char *)"";
            c->len = 0;
        }
        *unordered = true;
    }
    return 1;
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
    /* Owned here, freed before returning: the cursors, the heap, and a copy
     * of the last address counted (a cursor's own moves on). */
    struct cursor *cur = calloc(n_days, sizeof *cur);
    struct cursor **heap = calloc(n_days, sizeof *heap);
    unsigned char *last = NULL;
    size_t last_len = 0, last_cap = 0, n_heap = 0;
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
        int s = cursor_step(&cur[i], &unordered);
        if (s < 0)
            goto out;
        if (s)
            heap[n_heap++] = &cur[i];
    }
    for (size_t i = n_heap / 2; i-- > 0;)
        sift_down(heap, n_heap, i);
    while (n_heap) {
        struct cursor *c = heap[0];
        if (!have_last || addr_cmp(c->addr, c->len, last, last_len) != 0) {
            ++*distinct;
            if (c->len > last_cap) {
                size_t cap = c->len * 2;
                unsigned char *grown = realloc(last, cap);
                if (!grown) {
                    oom = true;
                    goto out;
                }
                last = grown;
                last_cap = cap;
            }
            if (c->len)
                memcpy(last, c->addr, c->len);
            last_len = c->len;
            have_last = true;
        }
        int s = cursor_step(c, &unordered);
        if (s < 0)
            goto out;
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
    if (rc && oom)
        kn_err_set(err, "out of memory");
    else if (rc)
        kn_err_set(err, "reading the database: %s", sqlite3_errmsg(db));
    for (size_t i = 0; cur && i < n_days; i++)
        sqlite3_finalize(cur[i].st);
    free(cur);
    free(heap);
    free(last);
    return rc;
}
