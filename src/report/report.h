/* The report: per-day figures of docs/metrics.md read back from the store,
 * grouped into periods (day, month, half, year) with totals and means per
 * day over the days that hold data, and optional per-port series. The
 * formatters (table, JSON, CSV) all read the same struct kn_report. */
#ifndef KENCHI_REPORT_REPORT_H
#define KENCHI_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate/aggregate.h"
#include "store/store.h"
#include "util/err.h"

struct sqlite3;

#define KN_REPORT_MAX_SERIES 32

struct kn_port_count {
    uint32_t port;
    uint64_t n;
};

/* One day's figures, by family where the contract sums families. */
struct kn_report_day {
    int32_t day;
    uint64_t accesses[KN_FAM__COUNT], low[KN_FAM__COUNT], high[KN_FAM__COUNT];
    uint64_t rdp[KN_FAM__COUNT], backscatter[KN_FAM__COUNT];
    uint64_t sources[KN_FAM__COUNT], wide[KN_FAM__COUNT];
    uint64_t mirai;                 /* IPv4 by definition */
    uint64_t tags[KN_TAG__COUNT];
    struct kn_port_count *mirai_ports; /* owned, sorted by port */
    size_t n_mirai_ports, cap_mirai_ports; /* used / allocated entries */
    uint64_t series[KN_REPORT_MAX_SERIES][2]; /* --port: accesses, probes */
};

struct kn_report_series {
    unsigned proto, port;
    char label[16]; /* "tcp/3389" */
};

enum kn_period_kind { KN_PERIOD_DAY, KN_PERIOD_MONTH, KN_PERIOD_HALF, KN_PERIOD_YEAR };

struct kn_period {
    char label[16];        /* "2020", "2020-H1", "2020-05", "2020-05-17" */
    size_t first, n_days;  /* days[first .. first + n_days) */
    uint64_t distinct_sources; /* distinct addresses over the whole period */
    struct kn_report_day sum;  /* every count summed over its days */
};

struct kn_report {
    struct kn_config cfg;
    uint64_t sensors_v4;
    struct kn_u128 sensors_v6;
    struct kn_report_day *days;  /* owned, sorted by day */
    size_t n_days;
    struct kn_report_series series[KN_REPORT_MAX_SERIES];
    size_t n_series;
    enum kn_period_kind period_kind;
    struct kn_period *periods;   /* owned */
    size_t n_periods;
    /* ingest statistics summed over the stored files */
    uint64_t files, packets, accesses, not_sensor, outcome[KN_OUT__COUNT];
    /* live capture (kenchi sensor intervals): kernel counts, so a gap shows */
    uint64_t live_intervals, drop_intervals, kernel_received, kernel_dropped;
};

/* Parses "tcp/3389", "udp/53" into a series. 0 or -1 (err). */
int kn_report_parse_port(const char *text, struct kn_report_series *s, struct kn_err *err);
/* Parses "day", "month", "half", "year". 0 or -1. */
int kn_report_parse_period(const char *text, enum kn_period_kind *kind);
/* The label of the period of kind k holding `day`: "2020-05-01", "2020-05",
 * "2020-H1", "2020" (buf of at least 16 bytes). */
void kn_report_period_label(enum kn_period_kind k, int32_t day, char *buf, size_t size);

/* Loads days in [from, to] (day numbers; INT32_MIN/INT32_MAX for open ends)
 * and builds the periods. r->cfg, r->series/n_series and r->period_kind must
 * be set before. Free with kn_report_free(). 0 or -1.
 * Of the port tables it reads only day_port: the IPv4 TCP rows with Mirai
 * accesses and the rows of r's series. A centre's database (central/
 * central.h) holds only the series' rows there, and the Mirai counts in
 * given_mirai_ports; per-source figures come from source_day, or from
 * given_day_sources and given_period_sources where those exist. */
int kn_report_load(struct kn_report *r, struct sqlite3 *db, int32_t from, int32_t to,
                   struct kn_err *err);
void kn_report_free(struct kn_report *r);

/* Accessors used by every format: one definition of each figure. */
static inline uint64_t kn_rd_accesses(const struct kn_report_day *d)
{
    return d->accesses[0] + d->accesses[1];
}
static inline uint64_t kn_rd_sources(const struct kn_report_day *d) { return d->sources[0] + d->sources[1]; }
static inline uint64_t kn_rd_wide(const struct kn_report_day *d) { return d->wide[0] + d->wide[1]; }
static inline uint64_t kn_rd_rdp(const struct kn_report_day *d) { return d->rdp[0] + d->rdp[1]; }
static inline uint64_t kn_rd_backscatter(const struct kn_report_day *d)
{
    return d->backscatter[0] + d->backscatter[1];
}

/* count / sensor_addresses_v4; negative when there are no IPv4 sensors. */
static inline double kn_rd_per_ip(const struct kn_report *r, double count)
{
    return r->sensors_v4 ? count / (double)r->sensors_v4 : -1.0;
}

/* Formatters: write the report to out. 0 or -1 (err). */
int kn_report_json(const struct kn_report *r, FILE *out, struct kn_err *err);
int kn_report_csv(const struct kn_report *r, FILE *out, struct kn_err *err);
int kn_report_table(const struct kn_report *r, const char *db_name, FILE *out, struct kn_err *err);

/* Writes the report in `format` ("json", "csv", anything else: the table
 * headed by db_name) to out and flushes it. 0 or -1 (err). */
int kn_report_write(const struct kn_report *r, const char *format, const char *db_name, FILE *out,
                    struct kn_err *err);

/* Opens a sensor-network centre's figures of the days from..to (day
 * numbers; INT32_MIN and INT32_MAX for no bound) as a store: every
 * sensor's, or only `sensor`'s when not NULL, with what the report `want`
 * will read (its period kind and series) and no more (kn_central_open).
 * 0 or -1 (err). */
typedef int (*kn_report_open_centre_fn)(struct kn_store **out, const char *url,
                                        const char *sensor, int32_t from, int32_t to,
                                        const struct kn_report *want, struct kn_config *cfg,
                                        struct kn_err *err);

/* `kenchi report` (centre_only false: argv[0] is "report", --db PATH or a
 * centre URL) and `kenchi central-report` (centre_only: argv[0] is
 * "central-report", --central URL): one set of options, so a centre's
 * report, network-wide or with --sensor NAME, takes every option of a
 * local one. A centre URL is opened with open_centre; where that is NULL
 * (kenchi itself, which does not link libpq), the command is handed to the
 * kenchi-network helper. */
int kn_report_main(int argc, char **argv, bool centre_only, kn_report_open_centre_fn open_centre);
int kn_cmd_report(int argc, char **argv);

#endif
