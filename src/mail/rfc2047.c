/* Header value decoding: unfolding and RFC 2047 encoded words. Adjacent
 * encoded words in one charset are joined as bytes BEFORE charset
 * conversion, because mailers split ISO-2022-JP and UTF-8 text in the
 * middle of a character. Unencoded 8-bit header bytes (common in Japanese
 * mail) go through charset detection. */
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

char *kn_header_unfold(const char *raw)
{
    struct kn_buf b = {0};
    kn_buf_add(&b, "", 0);
    if (!raw)
        return kn_buf_take(&b);
    for (const char *s = raw; *s; s++) {
        if (*s == '\r' || *s == '\n')
            continue; /* folding: the whitespace after the break stays */
        kn_buf_addc(&b, *s == '\t' ? ' ' : *s);
    }
    size_t st = 0, en = b.len;
    while (st < en && (b.data[st] == ' '))
        st++;
    while (en > st && (b.data[en - 1] == ' '))
        en--;
    char *r = kn_xstrndup(b.data + st, en - st);
    free(b.data);
    return r;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Lenient base64: skips non-alphabet characters, tolerates missing padding. */
static void b64_decode(const char *s, size_t n, struct kn_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            kn_buf_addc(out, (char)((acc >> bits) & 0xFF));
        }
    }
}

static void q_decode(const char *s, size_t n, struct kn_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            kn_buf_addc(out, ' ');
        } else if (s[i] == '=' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
                   hexval((unsigned char)s[i + 2]) >= 0) {
            kn_buf_addc(out, (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2])));
            i += 2;
        } else {
            kn_buf_addc(out, s[i]);
        }
    }
}

#define MAX_WORD 4096 /* longest encoded text accepted (RFC 2047 says 75; mailers exceed it) */

/* Recognises "=?charset?E?text?=" at s. Fills the parts; returns the length
 * of the whole word or 0. */
static size_t encoded_word(const char *s, const char **cs, size_t *cs_len, char *enc,
                           const char **text, size_t *text_len)
{
    if (s[0] != '=' || s[1] != '?')
        return 0;
    const char *c = s + 2, *q = memchr(c, '?', strnlen(c, 41));
    if (!q || q == c)
        return 0;
    if (!(q[1] == 'B' || q[1] == 'b' || q[1] == 'Q' || q[1] == 'q') || q[2] != '?')
        return 0;
    const char *t = q + 3;
    /* bounded search: text full of "=?" must stay linear */
    const char *end = memmem(t, strnlen(t, MAX_WORD), "?=", 2);
    if (!end)
        return 0;
    for (const char *x = t; x < end; x++)
        if (*x == ' ' && (q[1] == 'B' || q[1] == 'b'))
            return 0; /* a base64 word has no spaces: this is not a word */
    *cs = c;
    *cs_len = (size_t)(q - c);
    const char *star = memchr(c, '*', *cs_len); /* RFC 2231 language suffix */
    if (star)
        *cs_len = (size_t)(star - c);
    *enc = (char)(q[1] | 0x20);
    *text = t;
    *text_len = (size_t)(end - t);
    return (size_t)(end + 2 - s);
}

static void flush_literal(struct kn_buf *out, const char *s, size_t n)
{
    if (!n)
        return;
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1B)
            ascii = false;
    if (ascii) {
        kn_buf_add(out, s, n);
        return;
    }
    char *u = kn_charset_to_utf8(NULL, (const uint8_t *)s, n);
    kn_buf_adds(out, u);
    free(u);
}

char *kn_header_decode(const char *raw)
{
    char *v = kn_header_unfold(raw);
    struct kn_buf out = {0}, bytes = {0};
    kn_buf_add(&out, "", 0);
    char charset[48] = "";
    bool pending = false;    /* bytes holds decoded words of `charset` */
    bool after_word = false; /* the last thing seen was an encoded word */
    const char *lit = v;  /* start of literal text not yet emitted */
    const char *s = v;
    while (*s) {
        const char *cs, *text;
        size_t cs_len, text_len;
        char enc;
        size_t wl = encoded_word(s, &cs, &cs_len, &enc, &text, &text_len);
        if (!wl) {
            if (*s != ' ')
                after_word = false;
            s++;
            continue;
        }
        /* Literal text before this word: whitespace only between two words
         * is dropped (RFC 2047 6.2); anything else ends the pending run. */
        bool only_ws = true;
        for (const char *x = lit; x < s; x++)
            if (*x != ' ')
                only_ws = false;
        bool same = pending && cs_len < sizeof charset && strlen(charset) == cs_len &&
                    !strncasecmp(charset, cs, cs_len);
        if (pending && !(only_ws && same)) {
            char *u = kn_charset_to_utf8(charset, (const uint8_t *)bytes.data, bytes.len);
            kn_buf_adds(&out, u);
            free(u);
            bytes.len = 0;
            pending = false;
        }
        if (!(only_ws && after_word))
            flush_literal(&out, lit, (size_t)(s - lit));
        after_word = true;
        if (!pending) {
            size_t n = cs_len < sizeof charset ? cs_len : sizeof charset - 1;
            memcpy(charset, cs, n);
            charset[n] = 0;
            pending = true;
        }
        if (enc == 'b')
            b64_decode(text, text_len, &bytes);
        else
            q_decode(text, text_len, &bytes);
        s += wl;
        lit = s;
    }
    if (pending) {
        char *u = kn_charset_to_utf8(charset, (const uint8_t *)(bytes.data ? bytes.data : ""), bytes.len);
        kn_buf_adds(&out, u);
        free(u);
    }
    flush_literal(&out, lit, strlen(lit));
    free(bytes.data);
    free(v);
    return kn_buf_take(&out);
}
