/* The mail generator's small tools: buffer, random numbers, Base64,
 * ISO-2022-JP conversion and RFC 2047 encoded words. */
#include "mail/gen_internal.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mgb_reserve(struct mgen_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("kenchi mail gen: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void mgb_add(struct mgen_buf *b, const void *p, size_t n)
{
    mgb_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void mgb_adds(struct mgen_buf *b, const char *s)
{
    mgb_add(b, s, strlen(s));
}

void mgb_printf(struct mgen_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    mgb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mgb_free(struct mgen_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

uint64_t mgen_rand(struct mgen_rng *r) /* xorshift64* */
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

unsigned mgen_below(struct mgen_rng *r, unsigned n)
{
    return n ? (unsigned)(mgen_rand(r) % n) : 0;
}

void mgen_letters(struct mgen_rng *r, char *out, size_t n, bool upper)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)((upper ? 'A' : 'a') + mgen_below(r, 26));
    out[n] = '\0';
}

void mgen_base64(struct mgen_buf *b, const void *p, size_t n, const char *eol)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = p;
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], i + 1 < n ? tbl[(v >> 6) & 63] : '=',
                     i + 2 < n ? tbl[v & 63] : '='};
        mgb_add(b, q, 4);
        col += 4;
        if (eol && col >= 76) {
            mgb_adds(b, eol);
            col = 0;
        }
    }
    if (eol && col)
        mgb_adds(b, eol);
}

int mgen_to_iso2022jp(struct mgen_buf *b, const char *utf8, struct kn_err *err)
{
    iconv_t cd = iconv_open("ISO-2022-JP", "UTF-8");
    if (cd == (iconv_t)-1) {
        kn_err_errno(err, "iconv ISO-2022-JP");
        return -1;
    }
    size_t inleft = strlen(utf8);
    char *in = (char *)utf8;
    char tmp[1024];
    int rc = 0;
    while (inleft) {
        char *o = tmp;
        size_t oleft = sizeof tmp;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        mgb_add(b, tmp, (size_t)(o - tmp));
        if (r == (size_t)-1 && errno != E2BIG) {
            kn_err_set(err, "text not representable in ISO-2022-JP near \"%.20s\"", in);
            rc = -1;
            break;
        }
    }
    char *o = tmp; /* shift back to ASCII at the end */
    size_t oleft = sizeof tmp;
    iconv(cd, NULL, NULL, &o, &oleft);
    mgb_add(b, tmp, (size_t)(o - tmp));
    iconv_close(cd);
    return rc;
}

int mgen_encoded_word(struct mgen_buf *b, const char *utf8, bool iso2022jp, struct kn_err *err)
{
    struct mgen_buf raw = {0};
    if (iso2022jp) {
        if (mgen_to_iso2022jp(&raw, utf8, err) < 0) {
            mgb_free(&raw);
            return -1;
        }
    } else {
        mgb_adds(&raw, utf8);
    }
    mgb_adds(b, iso2022jp ? "=?ISO-2022-JP?B?" : "=?UTF-8?B?");
    mgen_base64(b, raw.p ? raw.p : "", raw.len, NULL);
    mgb_adds(b, "?=");
    mgb_free(&raw);
    return 0;
}

int mgen_write_file(const char *path, const void *p, size_t n, struct kn_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        if (f)
            fclose(f);
        kn_err_errno(err, path);
        return -1;
    }
    return 0;
}
