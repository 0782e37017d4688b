/* Calendar arithmetic for the generator: civil dates, and the UTC instant of
 * local midnight in an IANA time zone (the contract's "day"). */
#ifndef KENCHI_GEN_CALENDAR_H
#define KENCHI_GEN_CALENDAR_H

#include <stdint.h>

#include "util/err.h"

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t gen_days_from_civil(int y, unsigned m, unsigned d);
void gen_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/* Parses "YYYY-MM-DD" (a real date) into days since the epoch. */
int gen_parse_date(const char *s, int64_t *days, struct kn_err *err);

/* Writes "YYYY-MM-DD" for days since the epoch into out (>= 11 bytes). */
void gen_format_date(int64_t days, char *out, unsigned size);

/* Checks that tz names a zone in the system's zoneinfo database (glibc
 * silently falls back to UTC for unknown names, which would fake a truth). */
int gen_tz_check(const char *tz, struct kn_err *err);

/* Fills starts[i] (i = 0..n) with the UTC second at which local date
 * first_day + i begins in zone tz; starts has n + 1 entries, so day i is
 * [starts[i], starts[i+1]). Temporarily sets TZ in this process. */
int gen_local_midnights(const char *tz, int64_t first_day, unsigned n, int64_t *starts,
                        struct kn_err *err);

#endif
