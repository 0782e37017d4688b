/* Helpers shared by the mail unit tests (tests/unit/test_mail_*.c): read a
 * file made by an outside tool, and base64 for building MIME fixtures. */
#ifndef KENCHI_TESTS_MAIL_FIXTURES_H
#define KENCHI_TESTS_MAIL_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "mail/internal.h"

/* The bytes of dir/name, or NULL; *len gets their count. Caller frees. */
static inline uint8_t *fixture_slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return th_slurp(path, len);
}

/* Appends p as base64 in 76-character lines. */
static inline void fixture_b64(struct kn_buf *b, const uint8_t *p, size_t len)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
        char q[4] = {a[v >> 18], a[(v >> 12) & 63], i + 1 < len ? a[(v >> 6) & 63] : '=', i + 2 < len ? a[v & 63] : '='};
        kn_buf_add(b, q, 4);
        if (i % 57 == 54)
            kn_buf_addc(b, '\n');
    }
    kn_buf_addc(b, '\n');
}

#endif
