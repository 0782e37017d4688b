/* The report's mail statistics per period (docs/mail.md §report): counts of
 * MAILS — total, spray-type, unpublished recipient, forged sender (strict
 * and broad), encrypted archive, and per attachment type and archive member
 * type the number of mails carrying one — and their rendering as JSON,
 * a table with the shares the NPA report prints, or CSV. */
#ifndef KENCHI_MAIL_REPORT_H
#define KENCHI_MAIL_REPORT_H

#include <stdio.h>

#include "mail/mail.h"
#include "mail/store.h"

enum kn_period_kind { KN_PERIOD_MONTH, KN_PERIOD_HALF, KN_PERIOD_YEAR };
enum kn_report_format { KN_FMT_JSON, KN_FMT_TABLE, KN_FMT_CSV };

struct kn_period_stats {
    char period[16]; /* "2020", "2020-H2", "2020-11" (UTC) */
    long long total, spray, unpublished, forged_strict, forged_broad, encrypted_archives;
    long long attachment_types[KN_FT__COUNT];     /* mails with >= 1 attachment of the type */
    long long archive_member_types[KN_FT__COUNT]; /* mails with >= 1 archive member of the type */
};

/* Fills *out (malloc'd array, caller frees) with one entry per period that
 * has mails, oldest first. */
int kn_mail_report_query(struct kn_mail_store *st, enum kn_period_kind kind, struct kn_period_stats **out,
                         size_t *n, struct kn_err *err);

/* Writes the periods to out in the format. */
int kn_mail_report_print(FILE *out, enum kn_report_format fmt, const struct kn_period_stats *p, size_t n,
                         struct kn_err *err);

#endif
