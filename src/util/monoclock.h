/* Elapsed wall time on the monotonic clock, for progress lines, group
 * ages and `analyze --timing` (a clock that jumps with the date would
 * give negative phases). */
#ifndef KENCHI_UTIL_MONOCLOCK_H
#define KENCHI_UTIL_MONOCLOCK_H

#include <time.h>

static inline struct timespec kn_mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

/* Seconds from t to now. */
static inline double kn_seconds_since(const struct timespec *t)
{
    struct timespec now = kn_mono_now();
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

#endif
