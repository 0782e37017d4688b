/* Day boundaries in the configured time zone; see dayclock.h. */
#include "aggregate/dayclock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int kn_tz_select(const char *zone, struct kn_err *err)
{
    if (!zone || !*zone || zone[0] == '/' || strstr(zone, "..") || strlen(zone) > 200) {
        kn_err_set(err, "time zone '%s': expected an IANA name such as Asia/Tokyo or UTC",
                   zone ? zone : "");
        return -1;
    }
    if (strcmp(zone, "UTC") != 0) {
        const char *dir = getenv("TZDIR");
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            kn_err_set(err, "time zone '%s': unknown (no %s)", zone, path);
            return -1;
        }
    }
    if (setenv("TZ", zone, 1) != 0) {
        kn_err_errno(err, "setenv TZ");
        return -1;
    }
    tzset();
    return 0;
}

/* Howard Hinnant's days-from-civil algorithm (a fact of the calendar). */
int32_t kn_day_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int64_t)doe - 719468);
}

void kn_day_to_civil(int32_t day, int64_t *year, unsigned *month, unsigned *mday)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *mday = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

void kn_day_format(int32_t day, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    kn_day_to_civil(day, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02u-%02u", (long long)y, m, d);
}

int kn_day_parse(const char *t, int32_t *day)
{
    if (strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (t[i] < '0' || t[i] > '9'))
            return -1;
    int64_t y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    unsigned m = (unsigned)((t[5] - '0') * 10 + (t[6] - '0'));
    unsigned d = (unsigned)((t[8] - '0') * 10 + (t[9] - '0'));
    if (m < 1 || m > 12 || d < 1)
        return -1;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *day = kn_day_from_civil(y, m, d);
    return 0;
}

void kn_dayclock_init(struct kn_dayclock *dc)
{
    dc->start_ns = 1; /* an empty range: the first lookup fills it */
    dc->end_ns = 0;
    dc->day = 0;
}

/* Local midnight starting the civil day `day`, in seconds since the epoch.
 * mktime with tm_isdst = -1 resolves DST; a midnight that does not exist
 * (a zone jumping over 00:00) becomes the first instant of the day. */
static int64_t local_midnight(int32_t day)
{
    int64_t y;
    unsigned m, d;
    kn_day_to_civil(day, &y, &m, &d);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = (int)m - 1;
    tm.tm_mday = (int)d;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    /* If mktime landed on the previous civil day (e.g. DST at midnight), it
     * still is the start of `day` for our purposes only if it maps to `day`. */
    struct tm back;
    localtime_r(&t, &back);
    if (kn_day_from_civil((int64_t)back.tm_year + 1900, (unsigned)back.tm_mon + 1,
                          (unsigned)back.tm_mday) != day) {
        /* step forward to the first second that is in `day` */
        t += 3600 - (t % 3600 + 3600) % 3600;
    }
    return (int64_t)t;
}

void kn_dayclock_fill(struct kn_dayclock *dc, uint64_t ts_ns)
{
    time_t s = (time_t)(ts_ns / 1000000000u);
    struct tm tm;
    localtime_r(&s, &tm);
    int32_t day = kn_day_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                    (unsigned)tm.tm_mday);
    int64_t start = local_midnight(day), end = local_midnight(day + 1);
    dc->day = day;
    dc->start_ns = start <= 0 ? 0 : (uint64_t)start * 1000000000u;
    dc->end_ns = (uint64_t)end * 1000000000u;
    /* Guard: whatever the zone database says, the cache must hold ts_ns,
     * or every packet would take the slow path. */
    if (ts_ns < dc->start_ns)
        dc->start_ns = ts_ns - ts_ns % 1000000000u;
    if (ts_ns >= dc->end_ns)
        dc->end_ns = ts_ns - ts_ns % 1000000000u + 1000000000u;
}
