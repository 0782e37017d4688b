/* The centre of a sensor network (docs/central.md): sensors push their
 * stored figures to one PostgreSQL database, which reports them
 * network-wide or per sensor with the same fields as `kenchi report`. */
#ifndef KENCHI_CENTRAL_CENTRAL_H
#define KENCHI_CENTRAL_CENTRAL_H

#include <stdbool.h>
#include <stdint.h>

#include "report/report.h"
#include "store/store.h"
#include "util/err.h"

/* Reads the centre at url (libpq URL) in one snapshot: every sensor, or
 * only `sensor` when not NULL, summed, into a new in-memory kenchi database
 * whose config is the centre's (prefixes: the union of the sensors').
 * Only the days from..to (day numbers, INT32_MIN and INT32_MAX for no
 * bound) are read; the files rows all are. Only what kn_report_load
 * reads for the report `want` is copied: of the port rows, want's series
 * (every sensor's rows of those keys, summed, so each is exact) and, in
 * a table of their own (given_mirai_ports: day, port, mirai), the Mirai
 * accesses of the IPv4 TCP ports; no tag rows; no per-source records,
 * whose figures the centre computes (port sets unioned across sensors)
 * per day and per period of want's kind (given_day_sources,
 * given_period_sources). *out is the caller's: kn_store_close().
 * 0 or -1 (err). */
int kn_central_open(struct kn_store **out, const char *url, const char *sensor, int32_t from,
                    int32_t to, const struct kn_report *want, struct kn_config *cfg,
                    struct kn_err *err);

/* What a push sent. */
struct kn_push_stats {
    int64_t after;        /* 0: a full push; else the centre had the local files rows up to this id */
    int64_t last_file_id; /* the newest local file (interval) row the push included */
    uint64_t days, rows;  /* local days replaced at the centre, rows sent */
};

/* Pushes the local kenchi database at db to the centre at url (libpq URL)
 * as sensor `sensor`, in one transaction at the centre and one read
 * snapshot locally: an error leaves the centre as it was. The centre
 * records the newest local files row each push included; when the local
 * database still holds it (same id, same hash, as many rows up to it),
 * only the file rows newer than it and what they changed are sent (their
 * days are computed in the process's time zone, which must be the
 * database's: kn_tz_select). Otherwise, or with `full`, every local day
 * and file row. 0 or -1 (err). */
int kn_central_push(const char *db, const char *url, const char *sensor, bool full,
                    struct kn_push_stats *ps, struct kn_err *err);

/* `kenchi push` and `kenchi central-report`. */
int kn_cmd_push(int argc, char **argv);
int kn_cmd_central_report(int argc, char **argv);
/* `kenchi report` in kenchi-network: the same, with centre URLs opened by
 * kn_central_open. */
int kn_cmd_report_centre(int argc, char **argv);

#endif
