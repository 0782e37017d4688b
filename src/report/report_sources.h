/* The source figures of a period's days read in one pass over source_day:
 * each day's sources and wide-port sources (docs/metrics.md) and the
 * period's distinct addresses. Internal to the report loader. */
#ifndef KENCHI_REPORT_REPORT_SOURCES_H
#define KENCHI_REPORT_REPORT_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

/* Sets sources[] and wide[] of days[0 .. n_days) (sorted by day, one
 * period) from their source_day rows, wide meaning nports >= wide_ports,
 * and *distinct to the addresses counted over all of them once each. Only
 * the given days are read: a database kenchi wrote has no source rows on
 * a day without day figures. 0, or -1 with err set. */
int kn_report_scan_sources(struct sqlite3 *db, struct kn_report_day *days, size_t n_days,
                           uint32_t wide_ports, uint64_t *distinct, struct kn_err *err);

/* One day's rows, in the key's order (so without a sort: the tests check
 * SQLite's plan). */
extern const char kn_report_sources_sql[];

#endif
