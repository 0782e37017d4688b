/* Civil dates and local midnights; see calendar.h. The date algorithm is
 * the well-known era-based conversion (days from civil and back). */
#include "gen/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int64_t gen_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void gen_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

int gen_parse_date(const char *s, int64_t *days, struct kn_err *err)
{
    int y;
    unsigned m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || y < 1971 ||
        y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) {
        kn_err_set(err, "date '%s': expected YYYY-MM-DD between 1971 and 2100", s);
        return -1;
    }
    int64_t z = gen_days_from_civil(y, m, d);
    int y2;
    unsigned m2, d2;
    gen_civil_from_days(z, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d) {
        kn_err_set(err, "date '%s' does not exist", s);
        return -1;
    }
    *days = z;
    return 0;
}

void gen_format_date(int64_t days, char *out, unsigned size)
{
    int y;
    unsigned m, d;
    gen_civil_from_days(days, &y, &m, &d);
    snprintf(out, size, "%04d-%02u-%02u", y, m, d);
}

int gen_tz_check(const char *tz, struct kn_err *err)
{
    if (!strcmp(tz, "UTC"))
        return 0;
    char path[512];
    struct stat st;
    if (!*tz || tz[0] == '/' || strstr(tz, "..") ||
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz) >= (int)sizeof path ||
        stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        kn_err_set(err, "time zone '%s' is not in /usr/share/zoneinfo", tz);
        return -1;
    }
    return 0;
}

int gen_local_midnights(const char *tz, int64_t first_day, unsigned n, int64_t *starts,
                        struct kn_err *err)
{
    if (gen_tz_check(tz, err) < 0)
        return -1;
    const char *old = getenv("TZ");
    char saved[256] = "";
    int had_old = old != NULL;
    if (had_old)
        snprintf(saved, sizeof saved, "%s", old);
    setenv("TZ", tz, 1);
    tzset();
    int rc = 0;
    for (unsigned i = 0; i <= n; i++) {
        int y;
        unsigned m, d;
        gen_civil_from_days(first_day + i, &y, &m, &d);
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = (int)m - 1;
        tm.tm_mday = (int)d;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        if (t == (time_t)-1) {
            kn_err_set(err, "cannot place local midnight of day %u in zone %s", i, tz);
            rc = -1;
            break;
        }
        starts[i] = (int64_t)t;
    }
    if (had_old)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    return rc;
}
