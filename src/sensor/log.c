/* Sensor log lines; see log.h. */
#include "sensor/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void kn_slog(int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    static const char *const names[8] = {"emerg", "alert", "crit", "error",
                                         "warning", "notice", "info", "debug"};
    char line[1100];
    int n;
    if (isatty(STDERR_FILENO))
        n = snprintf(line, sizeof line, "kenchi sensor: %s: %s\n", names[level & 7], msg);
    else
        n = snprintf(line, sizeof line, "<%d>%s\n", level & 7, msg);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
