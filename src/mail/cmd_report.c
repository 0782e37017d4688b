/* `kenchi mail report`: the statistics per month, half-year or year. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/cmd_mail.h"
#include "mail/report.h"
#include "mail/store.h"

static const char report_usage[] =
    "usage: kenchi mail report --db PATH --period month|half|year [--format json|table|csv]\n"
    "                          [--spray-unit recipient|org]\n\n"
    "Per period (by the mail's Date, UTC): total mails and how many were spray-type,\n"
    "sent to an unpublished address, with a forged sender (strict, broad), with an\n"
    "encrypted archive, and per attachment type and archive member type the number of\n"
    "mails carrying one. Every figure counts mails. --spray-unit recomputes spray-type\n"
    "for that unit first (default: the unit of the last ingest).\n";

int kn_cmd_mail_report(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"period", required_argument, 0, 'p'},
                                         {"format", required_argument, 0, 'f'},
                                         {"spray-unit", required_argument, 0, 'u'}, {"help", no_argument, 0, 'h'},
                                         {0}};
    const char *db = NULL, *period = NULL, *format = "json", *unit = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': period = optarg; break;
        case 'f': format = optarg; break;
        case 'u': unit = optarg; break;
        case 'h': fputs(report_usage, stdout); return 0;
        default: return 2;
        }
    }
    enum kn_period_kind kind;
    enum kn_report_format fmt;
    if (period && !strcmp(period, "month"))
        kind = KN_PERIOD_MONTH;
    else if (period && !strcmp(period, "half"))
        kind = KN_PERIOD_HALF;
    else if (period && !strcmp(period, "year"))
        kind = KN_PERIOD_YEAR;
    else {
        fputs(report_usage, stderr);
        return 2;
    }
    if (!strcmp(format, "json"))
        fmt = KN_FMT_JSON;
    else if (!strcmp(format, "table"))
        fmt = KN_FMT_TABLE;
    else if (!strcmp(format, "csv"))
        fmt = KN_FMT_CSV;
    else {
        fprintf(stderr, "kenchi mail report: unknown format '%s'\n", format);
        return 2;
    }
    if (unit && strcmp(unit, "recipient") && strcmp(unit, "org")) {
        fprintf(stderr, "kenchi mail report: --spray-unit is recipient or org\n");
        return 2;
    }
    if (optind != argc) {
        fputs(report_usage, stderr);
        return 2;
    }
    struct kn_mail_store *st = kn_cmd_mail_open_db("report", db);
    if (!st)
        return 1;
    struct kn_err err;
    struct kn_period_stats *p = NULL;
    size_t n = 0;
    int rc = 0;
    if ((unit && kn_mail_store_refresh_spray(st, strcmp(unit, "org") ? KN_SPRAY_RECIPIENT : KN_SPRAY_ORG, &err) < 0) ||
        kn_mail_report_query(st, kind, &p, &n, &err) < 0 || kn_mail_report_print(stdout, fmt, p, n, &err) < 0) {
        fprintf(stderr, "kenchi mail report: %s\n", err.msg);
        rc = 1;
    }
    free(p);
    kn_mail_store_close(st);
    return rc;
}
