/* COPY text-format rows; see copy_text.h. */
#include "central/copy_text.h"

#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

void kn_copy_text_init(struct kn_copy_text *t)
{
    memset(t, 0, sizeof *t);
}

void kn_copy_text_free(struct kn_copy_text *t)
{
    free(t->buf);
    kn_copy_text_init(t);
}

void kn_copy_text_reset(struct kn_copy_text *t)
{
    t->len = 0;
    t->in_row = false;
}

void kn_copy_text_truncate(struct kn_copy_text *t, size_t len)
{
    if (len < t->len)
        t->len = len;
    t->in_row = false;
}

/* Room for `more` bytes past len. */
static int reserve(struct kn_copy_text *t, size_t more)
{
    return kn_bytes_reserve(&t->buf, &t->cap, t->len, more, 4096);
}

/* Reserves for a field of at most `body` bytes and writes its separator. */
static int begin_field(struct kn_copy_text *t, size_t body)
{
    if (body > SIZE_MAX / 4 || reserve(t, body + 1))
        return -1;
    if (t->in_row)
        t->buf[t->len++] = '\t';
    t->in_row = true;
    return 0;
}

int kn_copy_text_field(struct kn_copy_text *t, const char *s, size_t n)
{
    if (n > SIZE_MAX / 4 || begin_field(t, 2 * n))
        return -1;
    char *w = t->buf + t->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        /* COPY's text format gives these four a meaning of their own: the
         * field and row separators, and the escape character itself. */
        const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r" : NULL;
        if (esc) {
            *w++ = esc[0];
            *w++ = esc[1];
        } else {
            *w++ = c;
        }
    }
    t->len = (size_t)(w - t->buf);
    return 0;
}

int kn_copy_text_null(struct kn_copy_text *t)
{
    if (begin_field(t, 2))
        return -1;
    memcpy(t->buf + t->len, "\\N", 2);
    t->len += 2;
    return 0;
}

int kn_copy_text_ports(struct kn_copy_text *t, const uint8_t *b, size_t n)
{
    size_t values = n / 4;
    /* "-2147483648," is 12 bytes; the braces 2. */
    if (values > (SIZE_MAX / 4 - 2) / 12 || begin_field(t, 12 * values + 2))
        return -1;
    char *w = t->buf + t->len;
    *w++ = '{';
    for (size_t i = 0; i < values; i++) {
        const uint8_t *p = b + 4 * i;
        uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        /* The centre's function shifts int4s, so a first byte >= 0x80 makes
         * a negative value: the same bits read as int32. */
        int64_t v = u >= 0x80000000u ? (int64_t)u - 0x100000000 : (int64_t)u;
        if (i)
            *w++ = ',';
        char digits[12];
        int nd = 0;
        uint64_t mag = v < 0 ? (uint64_t)-v : (uint64_t)v;
        do {
            digits[nd++] = (char)('0' + mag % 10);
            mag /= 10;
        } while (mag);
        if (v < 0)
            *w++ = '-';
        while (nd)
            *w++ = digits[--nd];
    }
    *w++ = '}';
    t->len = (size_t)(w - t->buf);
    return 0;
}

int kn_copy_text_end_row(struct kn_copy_text *t)
{
    if (reserve(t, 1))
        return -1;
    t->buf[t->len++] = '\n';
    t->in_row = false;
    return 0;
}
