/* Aggregating stored mails into periods. The verdict flags are per mail,
 * so every figure is a number of mails: a mail with two encrypted zips, or
 * two .doc members, counts once. Types beyond this build's enum (written by
 * a newer kenchi) count as unknown. */
#include "mail/report.h"

#include <stdlib.h>
#include <string.h>

#include "mail/store.h"

/* SQL expression for the period label of mail_msg.date (UTC). */
static const char *period_expr(enum kn_period_kind kind)
{
    switch (kind) {
    case KN_PERIOD_YEAR:
        return "strftime('%Y', date, 'unixepoch')";
    case KN_PERIOD_HALF:
        return "strftime('%Y', date, 'unixepoch') || '-H' ||"
               " (CASE WHEN CAST(strftime('%m', date, 'unixepoch') AS INTEGER) <= 6 THEN 1 ELSE 2 END)";
    case KN_PERIOD_MONTH:
    default:
        return "strftime('%Y-%m', date, 'unixepoch')";
    }
}

static int find_period(struct kn_period_stats *p, size_t n, const char *label)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].period, label))
            return (int)i;
    return -1;
}

int kn_mail_report_query(struct kn_mail_store *st, enum kn_period_kind kind, struct kn_period_stats **out,
                         size_t *n, struct kn_err *err)
{
    sqlite3 *db = kn_mail_store_db(st);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT %s AS p, COUNT(*), SUM(spray), SUM(unpublished), SUM(forged_strict),"
             " SUM(forged_broad), SUM(encrypted) FROM mail_msg GROUP BY p ORDER BY p",
             period_expr(kind));
    sqlite3_stmt *s;
    struct kn_period_stats *p = NULL;
    size_t np = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct kn_period_stats *np2 = realloc(p, (np + 1) * sizeof *p);
        if (!np2) {
            sqlite3_finalize(s);
            free(p);
            kn_err_set(err, "out of memory");
            return -1;
        }
        p = np2;
        struct kn_period_stats *e = &p[np++];
        memset(e, 0, sizeof *e);
        snprintf(e->period, sizeof e->period, "%s", (const char *)sqlite3_column_text(s, 0));
        e->total = sqlite3_column_int64(s, 1);
        e->spray = sqlite3_column_int64(s, 2);
        e->unpublished = sqlite3_column_int64(s, 3);
        e->forged_strict = sqlite3_column_int64(s, 4);
        e->forged_broad = sqlite3_column_int64(s, 5);
        e->encrypted_archives = sqlite3_column_int64(s, 6);
    }
    sqlite3_finalize(s);
    snprintf(sql, sizeof sql,
             "SELECT %s AS p, a.parent_id IS NOT NULL, a.type, COUNT(DISTINCT a.msg_id)"
             " FROM mail_attach a JOIN mail_msg ON mail_msg.id = a.msg_id GROUP BY 1, 2, 3",
             period_expr(kind));
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int i = find_period(p, np, (const char *)sqlite3_column_text(s, 0));
        if (i < 0)
            continue; /* cannot happen: both queries group the same mails */
        int type = sqlite3_column_int(s, 2);
        if (type < 0 || type >= KN_FT__COUNT)
            type = KN_FT_UNKNOWN;
        long long *counts = sqlite3_column_int(s, 1) ? p[i].archive_member_types : p[i].attachment_types;
        counts[type] += sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    *out = p;
    *n = np;
    return 0;
sqlfail:
    kn_err_set(err, "report query: %s", sqlite3_errmsg(db));
    free(p);
    return -1;
}
