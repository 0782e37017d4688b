/* Thousands separators; see numfmt.h. */
#include "report/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void kn_fmt_thousands(uint64_t v, char *buf, size_t size)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    char out[32];
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
}

void kn_fmt_decimal(double v, int decimals, char *buf, size_t size)
{
    if (!isfinite(v) || v < 0) {
        snprintf(buf, size, "-");
        return;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    char *dot = strchr(tmp, '.');
    unsigned long long ip = 0;
    for (const char *p = tmp; *p && p != dot; p++)
        ip = ip * 10 + (unsigned long long)(*p - '0');
    char ints[32];
    kn_fmt_thousands(ip, ints, sizeof ints);
    snprintf(buf, size, "%s%s", ints, dot ? dot : "");
}
