/* `kenchi report --db PATH [--sensor NAME] [--format table|json|csv]
 *  [--from DATE] [--to DATE] [--period day|month|half|year] [--port tcp/3389]...`
 * and `kenchi central-report --central URL ...` with the same options: the
 * command layer. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "report/report.h"

static const char usage_text[] =
    "usage: kenchi report --db PATH [--format table|json|csv] [--from YYYY-MM-DD]\n"
    "                     [--to YYYY-MM-DD] [--period day|month|half|year]\n"
    "                     [--port tcp/3389]... [--sensor NAME]\n"
    "\n"
    "Prints the per-day figures of docs/metrics.md stored by `kenchi analyze`, then\n"
    "per period (default month) the mean per day over the days that hold data; JSON\n"
    "and CSV also give period totals. --port adds the per-day access count of that\n"
    "protocol/port (repeatable). Days are in the database's time zone.\n"
    "A PATH of postgresql://... or postgres://... reads the network-wide figures\n"
    "of a sensor-network centre (docs/central.md), or with --sensor NAME one\n"
    "sensor's, as `kenchi central-report`.\n";

static const char central_usage_text[] =
    "usage: kenchi central-report --central postgresql://... [--sensor NAME]\n"
    "                             [--format table|json|csv] [--from YYYY-MM-DD]\n"
    "                             [--to YYYY-MM-DD] [--period day|month|half|year]\n"
    "                             [--port tcp/3389]...\n"
    "  The report's figures over every sensor pushed to the centre (or one sensor),\n"
    "  with every option of `kenchi report`.\n";

static bool is_centre_url(const char *s)
{
    return !strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11);
}

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

int kn_report_main(int argc, char **argv, bool centre_only, kn_report_open_centre_fn open_centre)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"central", required_argument, NULL, 'c'},
        {"sensor", required_argument, NULL, 's'}, {"format", required_argument, NULL, 'f'},
        {"from", required_argument, NULL, 'F'},   {"to", required_argument, NULL, 'T'},
        {"period", required_argument, NULL, 'p'}, {"port", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *cmd = centre_only ? "central-report" : "report";
    const char *usage = centre_only ? central_usage_text : usage_text;
    const char *db = NULL, *sensor = NULL, *format = "table";
    int32_t from = INT32_MIN, to = INT32_MAX;
    struct kn_err err;
    /* Large: on the heap; freed before returning. */
    struct kn_report *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "kenchi %s: out of memory\n", cmd);
        return 1;
    }
    r->period_kind = KN_PERIOD_MONTH;
    int c, status = 2;
    struct kn_store *st = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
        case 'c':
            /* Each command has its own name for the database. */
            if ((c == 'c') != centre_only) {
                fprintf(stderr, "kenchi %s: %s\n\n%s", cmd,
                        centre_only ? "the centre is --central URL" : "the database is --db PATH",
                        usage);
                goto out;
            }
            db = optarg;
            break;
        case 's':
            sensor = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "json") && strcmp(optarg, "csv")) {
                fprintf(stderr, "kenchi %s: --format is table, json or csv\n", cmd);
                goto out;
            }
            format = optarg;
            break;
        case 'F':
        case 'T':
            if (kn_day_parse(optarg, c == 'F' ? &from : &to)) {
                fprintf(stderr, "kenchi %s: --%s '%s': expected a date YYYY-MM-DD\n", cmd,
                        c == 'F' ? "from" : "to", optarg);
                goto out;
            }
            break;
        case 'p':
            if (kn_report_parse_period(optarg, &r->period_kind)) {
                fprintf(stderr, "kenchi %s: --period is day, month, half or year\n", cmd);
                goto out;
            }
            break;
        case 'P':
            if (r->n_series == KN_REPORT_MAX_SERIES) {
                fprintf(stderr, "kenchi %s: at most %d --port series\n", cmd,
                        KN_REPORT_MAX_SERIES);
                goto out;
            }
            if (kn_report_parse_port(optarg, &r->series[r->n_series], &err)) {
                fprintf(stderr, "kenchi %s: %s\n", cmd, err.msg);
                goto out;
            }
            r->n_series++;
            break;
        case 'h':
            fputs(usage, stdout);
            status = 0;
            goto out;
        default:
            fputs(usage, stderr);
            goto out;
        }
    }
    if (!db || optind < argc) {
        fprintf(stderr, "kenchi %s: %s\n\n%s", cmd,
                db                ? "unexpected argument"
                : centre_only     ? "--central URL is required"
                                  : "--db PATH is required",
                usage);
        goto out;
    }
    /* A centre URL: its figures, loaded into an in-memory database. */
    bool centre = is_centre_url(db);
    if (centre_only && !centre) {
        fprintf(stderr, "kenchi %s: --central '%s': expected postgresql://... or postgres://...\n",
                cmd, db);
        goto out;
    }
    if (sensor && !centre) {
        fprintf(stderr,
                "kenchi %s: --sensor NAME selects one sensor of a centre (--db postgresql://...);"
                " a local database is one sensor's already\n",
                cmd);
        goto out;
    }
    if (from > to) {
        fprintf(stderr, "kenchi %s: --from is after --to\n", cmd);
        goto out;
    }
    status = 1;
    if (centre && !open_centre) {
        /* This program has no libpq: the helper that has runs the command. */
        kn_helper_exec(KN_HELPER_NETWORK, argc, argv, &err);
        fprintf(stderr, "kenchi %s: %s\n", cmd, err.msg);
        goto out;
    }
    if (centre ? open_centre(&st, db, sensor, from, to, r, &r->cfg, &err)
               : kn_store_open(&st, db, NULL, false, &r->cfg, &err)) {
        fprintf(stderr, "kenchi %s: %s\n", cmd, err.msg);
        goto out;
    }
    if (kn_report_load(r, kn_store_db(st), from, to, &err)) {
        fprintf(stderr, "kenchi %s: %s\n", cmd, err.msg);
        goto out;
    }
    if (kn_report_write(r, format, !centre ? db : sensor ? sensor : "centre", stdout, &err)) {
        fprintf(stderr, "kenchi %s: %s\n", cmd, err.msg);
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
    return kn_report_main(argc, argv, false, NULL);
}
