/* Rows to the centre; see push_rows.h. */
#include "central/push_rows.h"

#include <stdio.h>
#include <string.h>

#include "central/central_pg.h"
#include "central/copy_text.h"
#include "store/count_check.h"

/* Rows are sent once this much of them is buffered: large enough that a
 * round trip is rare, small enough to stay in cache. */
#define COPY_FLUSH_BYTES (256u * 1024)

/* Whether column c of st's row, a count, can be sent: a count
 * (count_check.h), or NULL, which the centre's NOT NULL refuses itself
 * where it must. A negative count would be summed at the centre, text
 * refused there with no row named. Sets err naming the row by its table
 * and first two columns (its key, or the start of it) and returns -1; 0
 * when the value is fine. */
static int check_count(sqlite3_stmt *st, int c, struct kn_err *err)
{
    if (sqlite3_column_type(st, c) == SQLITE_NULL || kn_sql_is_count(st, c))
        return 0;
    char key[160] = "";
    for (int k = 0, w = 0; k < 2 && k < sqlite3_column_count(st); k++) {
        const char *v = (const char *)sqlite3_column_text(st, k);
        int n = snprintf(key + w, sizeof key - (size_t)w, "%s%.64s", k ? ", " : "", v ? v : "NULL");
        if (n < 0 || (size_t)(w + n) >= sizeof key)
            break;
        w += n;
    }
    const char *table = sqlite3_column_table_name(st, c);
    char row[200];
    snprintf(row, sizeof row, "local %s row (%s, ...)", table ? table : "", key);
    return kn_sql_not_a_count(st, c, row, err);
}

int kn_push_copy_rows(sqlite3 *db, PGconn *pg, const char *sensor, const char *sel,
                      const char *const *args, int nargs, const char *copy, int ports_col,
                      uint32_t counts, const struct kn_line_set *skip, uint64_t *rows,
                      struct kn_err *err)
{
    sqlite3_stmt *st;
    int bound = sqlite3_prepare_v2(db, sel, -1, &st, NULL) == SQLITE_OK;
    for (int i = 0; bound && i < nargs; i++)
        bound = sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT) == SQLITE_OK;
    if (!bound) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    if (kn_pg_copy_begin(pg, copy, err)) {
        sqlite3_finalize(st);
        return -1;
    }
    int ncol = sqlite3_column_count(st);
    size_t sensor_len = strlen(sensor);
    struct kn_copy_text text;
    kn_copy_text_init(&text);
    const char *failed = NULL; /* why the local side gave up, for the server */
    uint64_t n = 0;
    int rc;
    while (!failed && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t row_start = text.len;
        int bad = kn_copy_text_field(&text, sensor, sensor_len);
        size_t body = text.len + 1; /* past the tab the next field puts first */
        for (int c = 0; c < ncol && !bad; c++) {
            int type = sqlite3_column_type(st, c);
            if (c < 32 && (counts >> c & 1) && check_count(st, c, err)) {
                failed = "a local value is not a count";
                break;
            }
            if (type == SQLITE_NULL) {
                bad = kn_copy_text_null(&text);
            } else if (c == ports_col) {
                const void *b = sqlite3_column_blob(st, c);
                bad = kn_copy_text_ports(&text, b, (size_t)sqlite3_column_bytes(st, c));
            } else {
                const unsigned char *v = sqlite3_column_text(st, c);
                bad = v ? kn_copy_text_field(&text, (const char *)v,
                                             (size_t)sqlite3_column_bytes(st, c))
                        : -1;
            }
        }
        if (failed)
            break;
        if (bad || kn_copy_text_end_row(&text)) {
            kn_err_set(err, "out of memory formatting a row for the centre");
            failed = "out of memory";
            break;
        }
        if (skip && ncol && kn_line_set_has(skip, text.buf + body, text.len - 1 - body)) {
            kn_copy_text_truncate(&text, row_start);
            continue;
        }
        n++;
        if (text.len >= COPY_FLUSH_BYTES && kn_pg_copy_send(pg, &text, err))
            failed = "the connection failed";
    }
    if (!failed && rc != SQLITE_DONE) {
        kn_err_set(err, "reading the local database: %s", sqlite3_errmsg(db));
        failed = "reading the local database failed";
    }
    if (!failed && text.len && kn_pg_copy_send(pg, &text, err))
        failed = "the connection failed";
    kn_copy_text_free(&text);
    sqlite3_finalize(st);
    if (kn_pg_copy_end(pg, failed, err))
        return -1;
    *rows += n;
    return 0;
}

struct day_table {
    const char *name;  /* the same at the centre and locally */
    const char *key;   /* the centre's key after sensor */
    const char *other; /* the other columns */
    bool by_last_ns;   /* incremental pushes select rows by last_ns */
    int ports_col;     /* index of ports in key, other (-1: none) */
    uint32_t counts;   /* bit i: column i of key, other is a count (kn_push_copy_rows) */
};

/* Not counts: the keys (a port row's port is -1 for protocols without
 * ports), family, the times (a time past 2262 saturates to -1 as int64)
 * and tags (bits). */
static const struct day_table tables[KN_PUSH__TABLES] = {
    [KN_PUSH_DAY_FAMILY] = {"day_family", "day, family",
                            "accesses, low_port, high_port, mirai, rdp_3389, backscatter,"
                            " tag_mirai, tag_zmap, tag_masscan, tag_nmap",
                            false, -1, 0x3FFu << 2},
    [KN_PUSH_DAY_PORT] = {"day_port", "day, family, proto, port", "accesses, probes, mirai",
                          false, -1, 0x7u << 4},
    [KN_PUSH_DAY_TAG_PORT] = {"day_tag_port", "day, tag, proto, port", "probes", false, -1,
                              1u << 4},
    [KN_PUSH_SOURCE_DAY] = {"source_day", "day, addr",
                            "family, first_ns, last_ns, packets, nports, ports, tags", true, 7,
                            1u << 5 | 1u << 6},
};

const char *kn_push_table_name(enum kn_push_table t)
{
    return tables[t].name;
}

/* "excluded.a, excluded.b" or "name.a, name.b" from "a, b". */
static void qualified(char *out, size_t size, const char *prefix, const char *cols)
{
    size_t w = 0;
    out[0] = '\0';
    for (const char *c = cols; *c && w + 1 < size;) {
        while (*c == ' ' || *c == ',')
            c++;
        size_t n = strcspn(c, ",");
        int k = snprintf(out + w, size - w, "%s%s.%.*s", w ? ", " : "", prefix, (int)n, c);
        if (k < 0 || (size_t)k >= size - w)
            break;
        w += (size_t)k;
        c += n;
    }
}

/* The centre's rows of this sensor in table d from day `since` on, as
 * lines of COPY's text format without the sensor column, into *set. */
static int centre_lines(PGconn *pg, const char *sensor, const struct day_table *d,
                        const char *since, struct kn_line_set *set, struct kn_err *err)
{
    char *lit_sensor = PQescapeLiteral(pg, sensor, strlen(sensor));
    char *lit_since = PQescapeLiteral(pg, since, strlen(since));
    char sql[1024];
    int ok = lit_sensor && lit_since &&
             (size_t)snprintf(sql, sizeof sql,
                              "COPY (SELECT %s, %s FROM %s WHERE sensor = %s AND day >= %s::date)"
                              " TO STDOUT",
                              d->key, d->other, d->name, lit_sensor, lit_since) < sizeof sql;
    PQfreemem(lit_sensor);
    PQfreemem(lit_since);
    /* Dates as the local database writes them, whatever the server's
     * DateStyle. */
    if (!ok || kn_pg_exec(pg, "SET LOCAL DateStyle = 'ISO, YMD'", err)) {
        if (!ok)
            kn_pg_error(pg, err);
        return -1;
    }
    if (kn_pg_copy_begin(pg, sql, err))
        return -1;
    PGresult *res;
    int rc = 0, n;
    char *line;
    /* Each line is read to the end of the copy, also after a failure here,
     * so that the connection is ready for the next statement. */
    while ((n = PQgetCopyData(pg, &line, 0)) > 0) {
        /* A line ends in its newline, which the local rows are compared without. */
        if (rc == 0 && kn_line_set_add(set, line, (size_t)n - (line[n - 1] == '\n'))) {
            kn_err_set(err, "out of memory reading the centre's rows of %s", d->name);
            rc = -1;
        }
        PQfreemem(line);
    }
    while ((res = PQgetResult(pg))) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
            kn_pg_error(pg, err);
            rc = -1;
        }
        PQclear(res);
    }
    if (rc == 0 && n == -2) {
        kn_pg_error(pg, err);
        rc = -1;
    }
    return rc;
}

int kn_push_day_rows(sqlite3 *db, PGconn *pg, const char *sensor, enum kn_push_table t,
                     const char *since, int64_t first_ns, bool upsert, uint64_t *rows,
                     struct kn_err *err)
{
    const struct day_table *d = &tables[t];
    char sel[512], copy[512], first_text[32];
    snprintf(first_text, sizeof first_text, "%lld", (long long)first_ns);
    const char *args[2] = {since, first_text};
    snprintf(sel, sizeof sel, "SELECT %s, %s FROM %s WHERE day >= ?1%s", d->key, d->other,
             d->name, d->by_last_ns ? " AND last_ns >= CAST(?2 AS INTEGER)" : "");
    int nargs = d->by_last_ns ? 2 : 1;
    if (!upsert) {
        snprintf(copy, sizeof copy, "COPY %s (sensor, %s, %s) FROM STDIN", d->name, d->key,
                 d->other);
        return kn_push_copy_rows(db, pg, sensor, sel, args, nargs, copy, d->ports_col,
                                 d->counts, NULL, rows, err);
    }
    if (!strcmp(since, "~"))
        return 0; /* no day to send */
    /* Into a table of this transaction's own, then one upsert: COPY alone
     * cannot replace rows, and deleting them first makes every new row's
     * key check visit the dead one (the bench day's 129,109 port rows:
     * 0.81 s copied into their emptied day, 0.48 s upserted). */
    char sql[2048], set_old[512], set_new[512];
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE kenchi_push_%s ON COMMIT DROP AS"
             " SELECT sensor, %s, %s FROM %s WITH NO DATA",
             d->name, d->key, d->other, d->name);
    snprintf(copy, sizeof copy, "COPY kenchi_push_%s FROM STDIN", d->name);
    struct kn_line_set centre;
    kn_line_set_init(&centre);
    int rc = (!d->by_last_ns && centre_lines(pg, sensor, d, since, &centre, err)) ||
             kn_pg_exec(pg, sql, err) ||
             kn_push_copy_rows(db, pg, sensor, sel, args, nargs, copy, d->ports_col, d->counts,
                               d->by_last_ns ? NULL : &centre, rows, err);
    kn_line_set_free(&centre);
    if (rc)
        return -1;
    qualified(set_old, sizeof set_old, d->name, d->other);
    qualified(set_new, sizeof set_new, "excluded", d->other);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (sensor, %s, %s) SELECT sensor, %s, %s FROM kenchi_push_%s"
             " ON CONFLICT (sensor, %s) DO UPDATE SET (%s) = ROW(%s)"
             " WHERE ROW(%s) IS DISTINCT FROM ROW(%s)",
             d->name, d->key, d->other, d->key, d->other, d->name, d->key, d->other, set_new,
             set_old, set_new);
    return kn_pg_exec(pg, sql, err);
}
