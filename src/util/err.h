/* Errors carried back to the caller with context, never printed deep inside
 * a library. A function that can fail takes a `struct kn_err *` last and
 * fills it; the command at the top decides what to print. */
#ifndef KENCHI_UTIL_ERR_H
#define KENCHI_UTIL_ERR_H

#include <stddef.h>

struct kn_err {
    char msg[512];
};

/* Replaces the message. printf-style; truncates rather than overflows. */
void kn_err_set(struct kn_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts context in front of the current message: "CONTEXT: old message". */
void kn_err_prefix(struct kn_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the message to "what: strerror(errno)". */
void kn_err_errno(struct kn_err *err, const char *what);

#endif
