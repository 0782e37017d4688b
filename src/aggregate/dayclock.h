/* Days in the database's time zone. A day is [00:00, 24:00) local time
 * (docs/metrics.md), identified by its civil date as a day number (days
 * since 1970-01-01 of the proleptic Gregorian calendar, so day numbers sort
 * and subtract like dates). The zone is the process's (TZ), chosen once with
 * kn_tz_select(); the boundaries of the current day are cached, so the
 * per-packet cost is two compares. */
#ifndef KENCHI_AGGREGATE_DAYCLOCK_H
#define KENCHI_AGGREGATE_DAYCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Makes ZONE (an IANA name such as "Asia/Tokyo", or "UTC") the process's
 * time zone for all day computations. Unknown names are an error: the C
 * library would silently fall back to UTC. */
int kn_tz_select(const char *zone, struct kn_err *err);

/* A cache of one day's boundaries in nanoseconds since the epoch. */
struct kn_dayclock {
    uint64_t start_ns, end_ns; /* [start, end); start clamped at 0 */
    int32_t day;
};

/* Resets the cache (after kn_tz_select or when starting fresh). */
void kn_dayclock_init(struct kn_dayclock *dc);

/* Slow path: computes the day holding ts_ns and its boundaries. */
void kn_dayclock_fill(struct kn_dayclock *dc, uint64_t ts_ns);

/* The day of ts_ns: a compare when it is in the cached day. */
static inline int32_t kn_dayclock_day(struct kn_dayclock *dc, uint64_t ts_ns)
{
    if (ts_ns < dc->start_ns || ts_ns >= dc->end_ns)
        kn_dayclock_fill(dc, ts_ns);
    return dc->day;
}

/* Civil date <-> day number. */
int32_t kn_day_from_civil(int64_t year, unsigned month, unsigned mday);
void kn_day_to_civil(int32_t day, int64_t *year, unsigned *month, unsigned *mday);

/* "YYYY-MM-DD" (buf of at least 16 bytes). */
void kn_day_format(int32_t day, char *buf, size_t size);

/* Parses "YYYY-MM-DD" strictly (a real calendar date). 0 or -1. */
int kn_day_parse(const char *text, int32_t *day);

#endif
