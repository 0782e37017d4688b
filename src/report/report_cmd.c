/* `kenchi report --db PATH [--format table|json|csv] [--from DATE] [--to DATE]
 *  [--period day|month|half|year] [--port tcp/3389]...`: the command layer. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "report/report.h"

static const char usage_text[] =
    "usage: kenchi report --db PATH [--format table|json|csv] [--from YYYY-MM-DD]\n"
    "                     [--to YYYY-MM-DD] [--period day|month|half|year]\n"
    "                     [--port tcp/3389]...\n"
    "\n"
    "Prints the per-day figures of docs/metrics.md stored by `kenchi analyze`, then\n"
    "per period (default month) the mean per day over the days that hold data; JSON\n"
    "and CSV also give period totals. --port adds the per-day access count of that\n"
    "protocol/port (repeatable). Days are in the database's time zone.\n"
    "A PATH of postgresql://... or postgres://... reads the network-wide figures\n"
    "of a sensor-network centre (docs/central.md), as `kenchi central-report`.\n";

int kn_report_write(const struct kn_report *r, const char *format, const char *db_name, FILE *out,
                    struct kn_err *err)
{
    int rc = !strcmp(format, "json")  ? kn_report_json(r, out, err)
             : !strcmp(format, "csv") ? kn_report_csv(r, out, err)
                                      : kn_report_table(r, db_name, out, err);
    if (rc == 0 && fflush(out) != 0) {
        kn_err_errno(err, "writing the report");
        rc = -1;
    }
    return rc;
}

int kn_report_main(int argc, char **argv, kn_report_open_centre_fn open_centre)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"format", required_argument, NULL, 'f'},
        {"from", required_argument, NULL, 'F'},   {"to", required_argument, NULL, 'T'},
        {"period", required_argument, NULL, 'p'}, {"port", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *format = "table";
    int32_t from = INT32_MIN, to = INT32_MAX;
    struct kn_err err;
    /* Large: on the heap; freed before returning. */
    struct kn_report *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "kenchi report: out of memory\n");
        return 1;
    }
    r->period_kind = KN_PERIOD_MONTH;
    int c, status = 2;
    struct kn_store *st = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "json") && strcmp(optarg, "csv")) {
                fprintf(stderr, "kenchi report: --format is table, json or csv\n");
                goto out;
            }
            format = optarg;
            break;
        case 'F':
        case 'T':
            if (kn_day_parse(optarg, c == 'F' ? &from : &to)) {
                fprintf(stderr, "kenchi report: --%s '%s': expected a date YYYY-MM-DD\n",
                        c == 'F' ? "from" : "to", optarg);
                goto out;
            }
            break;
        case 'p':
            if (kn_report_parse_period(optarg, &r->period_kind)) {
                fprintf(stderr, "kenchi report: --period is day, month, half or year\n");
                goto out;
            }
            break;
        case 'P':
            if (r->n_series == KN_REPORT_MAX_SERIES) {
                fprintf(stderr, "kenchi report: at most %d --port series\n", KN_REPORT_MAX_SERIES);
                goto out;
            }
            if (kn_report_parse_port(optarg, &r->series[r->n_series], &err)) {
                fprintf(stderr, "kenchi report: %s\n", err.msg);
                goto out;
            }
            r->n_series++;
            break;
        case 'h':
            fputs(usage_text, stdout);
            status = 0;
            goto out;
        default:
            fputs(usage_text, stderr);
            goto out;
        }
    }
    if (!db || optind < argc) {
        fprintf(stderr, "kenchi report: %s\n\n%s",
                !db ? "--db PATH is required" : "unexpected argument", usage_text);
        goto out;
    }
    if (from > to) {
        fprintf(stderr, "kenchi report: --from is after --to\n");
        goto out;
    }
    status = 1;
    /* A centre URL: its figures, loaded into an in-memory database. */
    bool centre = !strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11);
    if (centre && !open_centre) {
        /* This program has no libpq: the helper that has runs the command. */
        kn_helper_exec(KN_HELPER_NETWORK, argc, argv, &err);
        fprintf(stderr, "kenchi report: %s\n", err.msg);
        goto out;
    }
    if (centre ? open_centre(&st, db, from, to, r, &r->cfg, &err)
               : kn_store_open(&st, db, NULL, false, &r->cfg, &err)) {
        fprintf(stderr, "kenchi report: %s\n", err.msg);
        goto out;
    }
    if (kn_report_load(r, kn_store_db(st), from, to, &err)) {
        fprintf(stderr, "kenchi report: %s\n", err.msg);
        goto out;
    }
    if (kn_report_write(r, format, centre ? "centre" : db, stdout, &err)) {
        fprintf(stderr, "kenchi report: %s\n", err.msg);
        goto out;
    }
    status = 0;
out:
    kn_store_close(st);
    kn_report_free(r);
    free(r);
    return status;
}

int kn_cmd_report(int argc, char **argv)
{
    return kn_report_main(argc, argv, NULL);
}
