/* MIME parameters of Content-Type / Content-Disposition, the way attachment
 * names really arrive: plain (maybe with RFC 2047 words inside the quotes,
 * maybe raw 8-bit), RFC 2231 extended (name*=charset'lang'%XX), and RFC 2231
 * continuations (name*0*=, name*1=, ...) mixing encoded and plain pieces. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

#define MAX_PIECES 128

struct piece {
    char *value; /* raw bytes after unquoting */
    bool encoded;
};

static int hexv(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void percent_decode(const char *s, struct kn_buf *out)
{
    for (; *s; s++) {
        if (*s == '%' && hexv((unsigned char)s[1]) >= 0 && hexv((unsigned char)s[2]) >= 0) {
            kn_buf_addc(out, (char)(hexv((unsigned char)s[1]) * 16 + hexv((unsigned char)s[2])));
            s += 2;
        } else {
            kn_buf_addc(out, *s);
        }
    }
}

/* Splits "charset'language'data": copies the charset, returns the data. */
static const char *charset_prefix(const char *v, char *charset, size_t cap)
{
    const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    if (!q1 || !q2)
        return v;
    size_t n = (size_t)(q1 - v) < cap ? (size_t)(q1 - v) : cap - 1;
    memcpy(charset, v, n);
    charset[n] = 0;
    return q2 + 1;
}

/* A plain value: RFC 2047 words (illegal in parameters, used everywhere)
 * and raw 8-bit bytes both decode. */
static char *decode_plain(const char *v)
{
    return kn_header_decode(v);
}

/* Reads one parameter "key=value" at *sp (after a ';'); returns false at the end. */
static bool next_param(const char **sp, char **key, char **val)
{
    const char *s = *sp;
    while (*s && *s != ';') { /* skip to the next separator outside quotes */
        if (*s == '"') {
            for (s++; *s && *s != '"'; s++)
                if (*s == '\\' && s[1])
                    s++;
            if (*s)
                s++;
        } else {
            s++;
        }
    }
    if (!*s)
        return false;
    s++;
    while (*s == ' ' || *s == '\t')
        s++;
    const char *k = s;
    while (*s && *s != '=' && *s != ';')
        s++;
    const char *ke = s;
    while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
    *key = kn_xstrndup(k, (size_t)(ke - k));
    struct kn_buf v = {0};
    kn_buf_add(&v, "", 0);
    if (*s == '=') {
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '"') {
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1])
                    s++;
                kn_buf_addc(&v, *s);
            }
            if (*s)
                s++;
        } else {
            const char *st = s;
            while (*s && *s != ';')
                s++;
            const char *en = s;
            while (en > st && (en[-1] == ' ' || en[-1] == '\t'))
                en--;
            kn_buf_add(&v, st, (size_t)(en - st));
        }
    }
    *val = kn_buf_take(&v);
    *sp = s;
    return true;
}

char *kn_mime_param(const char *value, const char *name)
{
    if (!value || !name)
        return NULL;
    char *unfolded = kn_header_unfold(value);
    size_t nl = strlen(name);
    char *plain = NULL, *extended = NULL;
    struct piece pieces[MAX_PIECES] = {{0}};
    bool any_piece = false;
    const char *s = unfolded;
    char *key, *val;
    while (next_param(&s, &key, &val)) {
        bool used = false;
        if (!strncasecmp(key, name, nl)) {
            const char *rest = key + nl;
            if (!*rest) {
                if (!plain) { plain = val; used = true; }
            } else if (!strcmp(rest, "*")) {
                if (!extended) { extended = val; used = true; }
            } else if (rest[0] == '*' && isdigit((unsigned char)rest[1])) {
                char *end;
                long idx = strtol(rest + 1, &end, 10);
                bool enc = !strcmp(end, "*");
                if ((enc || !*end) && idx >= 0 && idx < MAX_PIECES && !pieces[idx].value) {
                    pieces[idx].value = val;
                    pieces[idx].encoded = enc;
                    any_piece = used = true;
                }
            }
        }
        free(key);
        if (!used)
            free(val);
    }
    char *result = NULL;
    if (any_piece || extended) {
        /* charset'language' prefix on the first encoded piece (or name*) */
        struct kn_buf bytes = {0};
        kn_buf_add(&bytes, "", 0);
        char charset[40] = "";
        bool any_encoded = extended != NULL;
        if (extended) {
            percent_decode(charset_prefix(extended, charset, sizeof charset), &bytes);
        } else {
            for (int i = 0; i < MAX_PIECES && pieces[i].value; i++) {
                const char *data = pieces[i].value;
                if (pieces[i].encoded) {
                    any_encoded = true;
                    if (i == 0)
                        data = charset_prefix(data, charset, sizeof charset);
                    percent_decode(data, &bytes);
                } else {
                    kn_buf_adds(&bytes, data);
                }
            }
        }
        if (any_encoded)
            result = kn_charset_to_utf8(charset[0] ? charset : NULL, (const uint8_t *)bytes.data, bytes.len);
        else /* plain continuations: may carry RFC 2047 words split across pieces */
            result = decode_plain(bytes.data);
        free(bytes.data);
        if (!*result && plain) { /* an empty extended value: the plain one is better */
            free(result);
            result = NULL;
        }
    }
    if (!result && plain)
        result = decode_plain(plain);
    free(plain);
    free(extended);
    for (int i = 0; i < MAX_PIECES; i++)
        free(pieces[i].value);
    free(unfolded);
    return result;
}
