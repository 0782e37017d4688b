/* Reading the report's figures back from the store (docs/schema.md) and
 * grouping days into periods; see report.h. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_sources.h"
#include "store/count_check.h"

int kn_report_parse_port(const char *text, struct kn_report_series *s, struct kn_err *err)
{
    unsigned proto;
    const char *num;
    if (!strncmp(text, "tcp/", 4)) {
        proto = KN_PROTO_TCP;
        num = text + 4;
    } else if (!strncmp(text, "udp/", 4)) {
        proto = KN_PROTO_UDP;
        num = text + 4;
    } else {
        kn_err_set(err, "--port '%s': expected tcp/PORT or udp/PORT", text);
        return -1;
    }
    char *end;
    unsigned long port = strtoul(num, &end, 10);
    if (!*num || *end || num[0] == '-' || num[0] == '+' || port > 65535) {
        kn_err_set(err, "--port '%s': the port must be a number 0-65535", text);
        return -1;
    }
    s->proto = proto;
    s->port = (unsigned)port;
    snprintf(s->label, sizeof s->label, "%s/%lu", proto == KN_PROTO_TCP ? "tcp" : "udp", port);
    return 0;
}

int kn_report_parse_period(const char *text, enum kn_period_kind *kind)
{
    static const char *const names[] = {"day", "month", "half", "year"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(text, names[i])) {
            *kind = (enum kn_period_kind)i;
            return 0;
        }
    return -1;
}

static int sql_fail(sqlite3 *db, sqlite3_stmt *st, struct kn_err *err)
{
    kn_err_set(err, "reading the database: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
}

/* Binds the date range to ?1 and ?2 as text. */
static void bind_range(sqlite3_stmt *st, int32_t from, int32_t to)
{
    char a[16], b[16];
    kn_day_format(from == INT32_MIN ? kn_day_from_civil(0, 1, 1) : from, a, sizeof a);
    kn_day_format(to == INT32_MAX ? kn_day_from_civil(9999, 12, 31) : to, b, sizeof b);
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
}

/* Resets st and binds ?1 to the day's text. */
static void rebind_day(sqlite3_stmt *st, int32_t day)
{
    char text[16];
    kn_day_format(day, text, sizeof text);
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
}

/* Adds the count in column col of st's row to *sum: true; false, for the
 * caller to refuse with kn_sql_not_a_count, when it is not one. */
static bool take_count(sqlite3_stmt *st, int col, uint64_t *sum)
{
    if (!kn_sql_is_count(st, col))
        return false;
    *sum += (uint64_t)sqlite3_column_int64(st, col);
    return true;
}

/* Runs `sql`, which finds a row the report cannot read and describes it
 * in one text column: that row is an error. Tables the report sums in SQL
 * (files, with TOTAL(), which reads text as 0) or reads by a date range
 * (day_family: a day that is not a date falls outside every range) are
 * checked this way, before they are read. 0 or -1. */
static int refuse_bad_row(sqlite3 *db, const char *sql, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        kn_err_set(err, "%s (was the database edited by hand?)",
                   (const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_DONE)
        return sql_fail(db, st, err);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int load_days(struct kn_report *r, sqlite3 *db, int32_t from, int32_t to, struct kn_err *err)
{
    if (refuse_bad_row(db,
                       "SELECT 'day_family: a row''s day is ' || substr(quote(day), 1, 40)"
                       " || ', not a date YYYY-MM-DD' FROM day_family WHERE typeof(day) <> 'text'"
                       " OR day NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' LIMIT 1",
                       err))
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT day, family, accesses, low_port, high_port, mirai, rdp_3389,"
                           " backscatter, tag_mirai, tag_zmap, tag_masscan, tag_nmap"
                           " FROM day_family WHERE day BETWEEN ?1 AND ?2 ORDER BY day, family",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    bind_range(st, from, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int32_t day;
        const char *text = (const char *)sqlite3_column_text(st, 0);
        if (kn_day_parse(text, &day)) {
            kn_err_set(err, "day_family: a row's day is '%.40s', not a date (was the database"
                       " edited by hand?)", text ? text : "?");
            sqlite3_finalize(st);
            return -1;
        }
        if (!r->n_days || r->days[r->n_days - 1].day != day) {
            if (r->n_days == cap) {
                cap = cap ? cap * 2 : 64;
                /* Owned by r; freed by kn_report_free(). */
                struct kn_report_day *d = realloc(r->days, cap * sizeof *d);
                if (!d) {
                    sqlite3_finalize(st);
                    kn_err_set(err, "out of memory");
                    return -1;
                }
                r->days = d;
            }
            memset(&r->days[r->n_days], 0, sizeof r->days[0]);
            r->days[r->n_days++].day = day;
        }
        struct kn_report_day *d = &r->days[r->n_days - 1];
        int f = sqlite3_column_int(st, 1) == 4 ? KN_FAM_V4 : KN_FAM_V6;
        uint64_t *sums[] = {&d->accesses[f], &d->low[f],  &d->high[f],  &d->mirai,
                            &d->rdp[f],      &d->backscatter[f], &d->tags[0], &d->tags[1],
                            &d->tags[2],     &d->tags[3]};
        _Static_assert(KN_TAG__COUNT == 4, "one column per tag");
        for (int c = 0; c < (int)(sizeof sums / sizeof sums[0]); c++)
            if (!take_count(st, 2 + c, sums[c])) {
                char row[64];
                snprintf(row, sizeof row, "day_family row (%s, family %s)", text,
                         (const char *)sqlite3_column_text(st, 1));
                kn_sql_not_a_count(st, 2 + c, row, err);
                sqlite3_finalize(st);
                return -1;
            }
    }
    if (rc != SQLITE_DONE)
        return sql_fail(db, st, err);
    sqlite3_finalize(st);
    return 0;
}

/* Adds n to port's count in d's list, kept sorted by port. load_ports'
 * rows come in port order, so the usual case appends; the search is binary
 * either way. (A linear search here made a month's report of a generated
 * day, ~3,500 Mirai ports a day, take 1.9 s, and grew with the square of
 * the ports: docs/performance.md.) 0, or -1 out of memory. */
static int add_port_count(struct kn_report_day *d, uint32_t port, uint64_t n)
{
    size_t lo = 0, hi = d->n_mirai_ports;
    if (hi && d->mirai_ports[hi - 1].port < port)
        lo = hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->mirai_ports[mid].port < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->n_mirai_ports && d->mirai_ports[lo].port == port) {
        d->mirai_ports[lo].n += n;
        return 0;
    }
    if (d->n_mirai_ports == d->cap_mirai_ports) {
        size_t cap = d->cap_mirai_ports ? 2 * d->cap_mirai_ports : 64;
        /* Owned by the day; freed by kn_report_free(). */
        struct kn_port_count *p = realloc(d->mirai_ports, cap * sizeof *p);
        if (!p)
            return -1;
        d->mirai_ports = p;
        d->cap_mirai_ports = cap;
    }
    struct kn_port_count *p = d->mirai_ports;
    memmove(&p[lo + 1], &p[lo], (d->n_mirai_ports - lo) * sizeof *p);
    p[lo] = (struct kn_port_count){.port = port, .n = n};
    d->n_mirai_ports++;
    return 0;
}

/* a's port counts += b's, both sorted by port, in one pass: a period of a
 * year sums 365 lists of up to 65,536 ports. 0, or -1 out of memory (a is
 * then unchanged). */
static int merge_port_counts(struct kn_report_day *a, const struct kn_report_day *b)
{
    if (!b->n_mirai_ports)
        return 0;
    size_t cap = a->n_mirai_ports + b->n_mirai_ports;
    /* Owned by a, replacing its list; freed by kn_report_free(). */
    struct kn_port_count *m = malloc(cap * sizeof *m);
    if (!m)
        return -1;
    size_t i = 0, j = 0, k = 0;
    while (i < a->n_mirai_ports || j < b->n_mirai_ports) {
        if (j == b->n_mirai_ports ||
            (i < a->n_mirai_ports && a->mirai_ports[i].port < b->mirai_ports[j].port)) {
            m[k++] = a->mirai_ports[i++];
        } else if (i == a->n_mirai_ports || b->mirai_ports[j].port < a->mirai_ports[i].port) {
            m[k++] = b->mirai_ports[j++];
        } else {
            m[k] = a->mirai_ports[i++];
            m[k++].n += b->mirai_ports[j++].n;
        }
    }
    free(a->mirai_ports);
    a->mirai_ports = m;
    a->n_mirai_ports = k;
    a->cap_mirai_ports = cap;
    return 0;
}

/* Whether the database has a table (or view) of that name. */
static bool has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    bool has = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?1", -1, &st,
                                  NULL) == SQLITE_OK &&
               sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return has;
}

/* Each day's Mirai counts by port (IPv4 TCP rows only: a seek to the day's
 * (4, 6) range of day_port's key, where a range over the dates read every
 * row of every day). A centre gives them summed over its sensors in a table
 * of their own (central/central.h), since its day_port holds only the
 * series' rows. */
static int load_mirai_ports(struct kn_report *r, sqlite3 *db, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           has_table(db, "given_mirai_ports")
                               ? "SELECT port, mirai FROM given_mirai_ports WHERE day = ?1"
                                 " ORDER BY port"
                               : "SELECT port, mirai FROM day_port WHERE day = ?1 AND family = 4"
                                 " AND proto = 6 AND mirai > 0 ORDER BY port",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    for (size_t i = 0; i < r->n_days; i++) {
        struct kn_report_day *d = &r->days[i];
        char day[16];
        kn_day_format(d->day, day, sizeof day);
        rebind_day(st, d->day);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            uint64_t port = 0, mirai = 0;
            int bad = -1; /* the column that is not a count */
            if (!take_count(st, 0, &port))
                bad = 0;
            else if (!take_count(st, 1, &mirai))
                bad = 1;
            if (bad >= 0 || port > 65535) {
                char row[96];
                snprintf(row, sizeof row, "day_port row (%s, IPv4 tcp/%.20s)", day,
                         (const char *)sqlite3_column_text(st, 0));
                if (bad >= 0)
                    kn_sql_not_a_count(st, bad, row, err);
                else
                    kn_err_set(err, "%s: %llu is not a port (was the database edited by hand?)",
                               row, (unsigned long long)port);
                sqlite3_finalize(st);
                return -1;
            }
            if (add_port_count(d, (uint32_t)port, mirai)) {
                kn_err_set(err, "out of memory");
                sqlite3_finalize(st);
                return -1;
            }
        }
        if (rc != SQLITE_DONE)
            return sql_fail(db, st, err);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The --port series: each day's accesses and probes of one protocol and
 * port, summed over the families. The key is (day, family, proto, port),
 * so the families present that day are found by seeks (the first, then
 * each past the one before: kenchi writes 4 and 6, and any other value a
 * hand-written row holds counts too), and each one's row by another seek,
 * where a range over the dates read every port row of every day. */
static int load_series(struct kn_report *r, sqlite3 *db, struct kn_err *err)
{
    sqlite3_stmt *first = NULL, *next = NULL, *get = NULL;
    sqlite3_value *fam = NULL; /* the current family, owned here */
    if (sqlite3_prepare_v2(db, "SELECT family FROM day_port WHERE day = ?1 ORDER BY family LIMIT 1",
                           -1, &first, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT family FROM day_port WHERE day = ?1 AND family > ?2"
                           " ORDER BY family LIMIT 1",
                           -1, &next, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT accesses, probes FROM day_port WHERE day = ?1 AND family = ?2"
                           " AND proto = ?3 AND port = ?4",
                           -1, &get, NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < r->n_days; i++) {
        struct kn_report_day *d = &r->days[i];
        char day[16];
        kn_day_format(d->day, day, sizeof day);
        sqlite3_stmt *find = first;
        sqlite3_reset(first);
        sqlite3_bind_text(first, 1, day, -1, SQLITE_TRANSIENT);
        int rc;
        while ((rc = sqlite3_step(find)) == SQLITE_ROW) {
            sqlite3_value_free(fam);
            if (!(fam = sqlite3_value_dup(sqlite3_column_value(find, 0)))) {
                kn_err_set(err, "out of memory");
                goto out;
            }
            for (size_t s = 0; s < r->n_series; s++) {
                sqlite3_reset(get);
                sqlite3_bind_text(get, 1, day, -1, SQLITE_TRANSIENT);
                sqlite3_bind_value(get, 2, fam);
                sqlite3_bind_int(get, 3, (int)r->series[s].proto);
                sqlite3_bind_int(get, 4, (int)r->series[s].port);
                int g;
                while ((g = sqlite3_step(get)) == SQLITE_ROW) {
                    for (int c = 0; c < 2; c++) {
                        if (take_count(get, c, &d->series[s][c]))
                            continue;
                        char row[96];
                        snprintf(row, sizeof row, "day_port row (%s, family %.12s, %s)", day,
                                 (const char *)sqlite3_value_text(fam), r->series[s].label);
                        kn_sql_not_a_count(get, c, row, err);
                        goto out;
                    }
                }
                if (g != SQLITE_DONE)
                    goto fail;
            }
            find = next;
            sqlite3_reset(next);
            sqlite3_bind_text(next, 1, day, -1, SQLITE_TRANSIENT);
            sqlite3_bind_value(next, 2, fam);
        }
        if (rc != SQLITE_DONE)
            goto fail;
    }
    sqlite3_value_free(fam);
    sqlite3_finalize(first);
    sqlite3_finalize(next);
    sqlite3_finalize(get);
    return 0;
fail:
    kn_err_set(err, "reading the database: %s", sqlite3_errmsg(db));
out:
    sqlite3_value_free(fam);
    sqlite3_finalize(first);
    sqlite3_finalize(next);
    sqlite3_finalize(get);
    return -1;
}

static int load_ports(struct kn_report *r, sqlite3 *db, struct kn_err *err)
{
    return load_mirai_ports(r, db, err) || (r->n_series && load_series(r, db, err)) ? -1 : 0;
}

static int load_ingest(struct kn_report *r, sqlite3 *db, struct kn_err *err)
{
    /* Each count an integer >= 0 (the kernel's may be NULL: a file not
     * captured live). */
#define KN_COUNT_OK(c) " AND typeof(" c ") = 'integer' AND " c " >= 0"
#define KN_COUNT_OR_NULL(c) " AND (" c " IS NULL OR (typeof(" c ") = 'integer' AND " c " >= 0))"
    if (refuse_bad_row(db,
                       "SELECT 'files row ' || id || ' (' || quote(substr(name, 1, 60))"
                       " || '): a count is not an integer >= 0' FROM files WHERE NOT (1"
                       KN_COUNT_OK("packets") KN_COUNT_OK("accesses") KN_COUNT_OK("not_sensor")
                       KN_COUNT_OK("no_ip") KN_COUNT_OK("trunc_link") KN_COUNT_OK("trunc_ip")
                       KN_COUNT_OK("bad_ip") KN_COUNT_OK("unknown_link")
                       KN_COUNT_OR_NULL("kernel_received") KN_COUNT_OR_NULL("kernel_dropped")
                       ") LIMIT 1",
                       err))
        return -1;
#undef KN_COUNT_OK
#undef KN_COUNT_OR_NULL
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT COUNT(*), TOTAL(packets), TOTAL(accesses), TOTAL(not_sensor),"
                           " TOTAL(no_ip), TOTAL(trunc_link), TOTAL(trunc_ip), TOTAL(bad_ip),"
                           " TOTAL(unknown_link) FROM files",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    if (sqlite3_step(st) != SQLITE_ROW)
        return sql_fail(db, st, err);
    r->files = (uint64_t)sqlite3_column_int64(st, 0);
    r->packets = (uint64_t)sqlite3_column_int64(st, 1);
    r->accesses = (uint64_t)sqlite3_column_int64(st, 2);
    r->not_sensor = (uint64_t)sqlite3_column_int64(st, 3);
    for (int o = 1; o < KN_OUT__COUNT; o++)
        r->outcome[o] = (uint64_t)sqlite3_column_int64(st, 3 + o);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db,
                           "SELECT COUNT(kernel_received), TOTAL(kernel_dropped > 0),"
                           " TOTAL(kernel_received), TOTAL(kernel_dropped) FROM files",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    if (sqlite3_step(st) != SQLITE_ROW)
        return sql_fail(db, st, err);
    r->live_intervals = (uint64_t)sqlite3_column_int64(st, 0);
    r->drop_intervals = (uint64_t)sqlite3_column_int64(st, 1);
    r->kernel_received = (uint64_t)sqlite3_column_int64(st, 2);
    r->kernel_dropped = (uint64_t)sqlite3_column_int64(st, 3);
    sqlite3_finalize(st);
    return 0;
}

void kn_report_period_label(enum kn_period_kind k, int32_t day, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    kn_day_to_civil(day, &y, &m, &d);
    switch (k) {
    case KN_PERIOD_DAY:
        kn_day_format(day, buf, size);
        break;
    case KN_PERIOD_MONTH:
        snprintf(buf, size, "%04lld-%02u", (long long)y, m);
        break;
    case KN_PERIOD_HALF:
        snprintf(buf, size, "%04lld-H%u", (long long)y, m <= 6 ? 1u : 2u);
        break;
    case KN_PERIOD_YEAR:
        snprintf(buf, size, "%04lld", (long long)y);
        break;
    }
}

static int add_day(struct kn_report_day *a, const struct kn_report_day *b, size_t n_series)
{
    for (int f = 0; f < KN_FAM__COUNT; f++) {
        a->accesses[f] += b->accesses[f];
        a->low[f] += b->low[f];
        a->high[f] += b->high[f];
        a->rdp[f] += b->rdp[f];
        a->backscatter[f] += b->backscatter[f];
        a->sources[f] += b->sources[f];
        a->wide[f] += b->wide[f];
    }
    a->mirai += b->mirai;
    for (int t = 0; t < KN_TAG__COUNT; t++)
        a->tags[t] += b->tags[t];
    for (size_t s = 0; s < n_series; s++) {
        a->series[s][0] += b->series[s][0];
        a->series[s][1] += b->series[s][1];
    }
    return merge_port_counts(a, b);
}

static int read_given_sources(sqlite3 *db, struct kn_report_day *days, size_t n_days,
                              const char *label, uint64_t *distinct, struct kn_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT family, sources, wide FROM given_day_sources WHERE day = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    for (size_t i = 0; i < n_days; i++) {
        struct kn_report_day *d = &days[i];
        memset(d->sources, 0, sizeof d->sources);
        memset(d->wide, 0, sizeof d->wide);
        rebind_day(st, d->day);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int f = sqlite3_column_int(st, 0) == 4 ? KN_FAM_V4 : KN_FAM_V6;
            d->sources[f] += (uint64_t)sqlite3_column_int64(st, 1);
            d->wide[f] += (uint64_t)sqlite3_column_int64(st, 2);
        }
        if (rc != SQLITE_DONE)
            return sql_fail(db, st, err);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT distinct_sources FROM given_period_sources WHERE label = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    sqlite3_bind_text(st, 1, label, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *distinct = (uint64_t)sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        kn_err_set(err, "the centre gave no distinct sources for period %s", label);
    else
        return sql_fail(db, st, err);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int build_periods(struct kn_report *r, sqlite3 *db, struct kn_err *err)
{
    /* A centre's report (src/central/central_report.c) gives the source
     * figures PostgreSQL computed, in two tables of its in-memory database,
     * instead of every per-source record: per day and family, and per
     * period label (of the report's period kind). */
    bool given = has_table(db, "given_period_sources");
    for (size_t i = 0; i < r->n_days;) {
        char label[16], next[16];
        kn_report_period_label(r->period_kind, r->days[i].day, label, sizeof label);
        size_t j = i + 1;
        for (; j < r->n_days; j++) {
            kn_report_period_label(r->period_kind, r->days[j].day, next, sizeof next);
            if (strcmp(label, next))
                break;
        }
        uint64_t distinct = 0;
        if (given ? read_given_sources(db, &r->days[i], j - i, label, &distinct, err)
                  : kn_report_scan_sources(db, &r->days[i], j - i, r->cfg.wide_ports, &distinct,
                                           err))
            return -1;
        /* Owned by r; freed by kn_report_free(). */
        struct kn_period *p = realloc(r->periods, (r->n_periods + 1) * sizeof *p);
        if (!p)
            goto oom;
        r->periods = p;
        p = &r->periods[r->n_periods++];
        memset(p, 0, sizeof *p);
        snprintf(p->label, sizeof p->label, "%s", label);
        p->first = i;
        p->n_days = j - i;
        p->distinct_sources = distinct;
        for (size_t k = i; k < j; k++)
            if (add_day(&p->sum, &r->days[k], r->n_series))
                goto oom;
        i = j;
    }
    return 0;
oom:
    kn_err_set(err, "out of memory");
    return -1;
}

int kn_report_load(struct kn_report *r, struct sqlite3 *db, int32_t from, int32_t to,
                   struct kn_err *err)
{
    struct kn_prefix_set set;
    if (kn_prefix_set_build(&set, r->cfg.sensors, r->cfg.n_sensors, err))
        return -1;
    r->sensors_v4 = set.size_v4;
    r->sensors_v6 = set.size_v6;
    kn_prefix_set_free(&set);
    /* One read transaction: every figure from the same snapshot, even while
     * an analysis commits. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(db, NULL, err);
    int rc = load_days(r, db, from, to, err) ||
             load_ports(r, db, err) || load_ingest(r, db, err) ||
             build_periods(r, db, err) ? -1 : 0;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

void kn_report_free(struct kn_report *r)
{
    for (size_t i = 0; i < r->n_days; i++)
        free(r->days[i].mirai_ports);
    free(r->days);
    for (size_t i = 0; i < r->n_periods; i++)
        free(r->periods[i].sum.mirai_ports);
    free(r->periods);
    r->days = NULL;
    r->periods = NULL;
    r->n_days = r->n_periods = 0;
}
