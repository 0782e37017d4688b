/* Error messages with context; see err.h. */
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kn_err_set(struct kn_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void kn_err_prefix(struct kn_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Keep as much of both as fits; the precision makes truncation explicit. */
    snprintf(err->msg, sizeof err->msg, "%.255s: %.254s", prefix, old);
}

void kn_err_errno(struct kn_err *err, const char *what)
{
    int saved = errno;
    kn_err_set(err, "%s: %s", what, strerror(saved));
}
