/* Text normalisation for spray-type detection (see stats.h and
 * docs/mail.md §normalisation): the same campaign text sent to many places
 * differs in whitespace, numbers (dates, order numbers), links, width of
 * Japanese/ASCII characters and the quoted thread below; none of that
 * should keep two copies apart. */
#include "mail/stats.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Half-width katakana U+FF61..U+FF9F to their full-width forms. */
static const uint16_t halfwidth_kana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C,
};

/* Decodes one UTF-8 sequence at s (n bytes left); sets *len. Invalid bytes
 * decode as U+FFFD of length 1 so hostile text still makes progress. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
    uint32_t c = s[0];
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    size_t need = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (need == 9 || need >= n) {
        *len = 1;
        return 0xFFFD;
    }
    c &= need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *len = 1;
            return 0xFFFD;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *len = need + 1;
    return c;
}

static size_t utf8_put(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static uint32_t fold_width(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        c = c - 0xFF01 + 0x21;
    if (c == 0x3000)
        return ' ';
    if (c >= 0xFF61 && c <= 0xFF9F)
        return halfwidth_kana[c - 0xFF61];
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    return c;
}

static bool is_url_start(const char *p, const char *end)
{
    size_t n = (size_t)(end - p);
    return (n >= 7 && !strncasecmp(p, "http://", 7)) || (n >= 8 && !strncasecmp(p, "https://", 8)) ||
           (n >= 4 && !strncasecmp(p, "www.", 4));
}

/* A URL ends at whitespace, a quote or an angle bracket (ASCII only: links
 * in mail are ASCII; a Japanese character after one also ends it). */
static const char *skip_url(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
           *p != '<' && *p != '>')
        p++;
    return p;
}

static bool line_is_quote(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '>')
        return true;
    return end - p >= 3 && !memcmp(p, "\xEF\xBC\x9E", 3); /* U+FF1E full-width '>' */
}

/* Output is at most 3x the input: an invalid byte becomes U+FFFD (3 bytes);
 * every other fold maps to no more bytes than it reads. */
long kn_text_normalise(const char *text, char **out)
{
    size_t n = text ? strlen(text) : 0;
    char *o = malloc(3 * n + 1);
    if (!o)
        return -1;
    size_t w = 0;
    const char *p = text ? text : "", *end = p + n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if (!line_is_quote(p, line_end)) {
            const char *q = p;
            while (q < line_end) {
                if (is_url_start(q, line_end)) {
                    q = skip_url(q, line_end);
                    continue;
                }
                size_t len;
                uint32_t c = fold_width(utf8_next((const unsigned char *)q, (size_t)(line_end - q), &len));
                q += len;
                if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || (c >= '0' && c <= '9'))
                    continue;
                char buf[4];
                size_t bl = utf8_put(c, buf);
                memcpy(o + w, buf, bl);
                w += bl;
            }
        }
        p = eol ? eol + 1 : end;
    }
    o[w] = '\0';
    *out = o;
    return (long)w;
}

bool kn_text_hash(const char *text, char hex[65])
{
    hex[0] = '\0';
    char *norm;
    long len = kn_text_normalise(text, &norm);
    if (len <= 0) {
        free(len == 0 ? norm : NULL);
        return false;
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(norm, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
    free(norm);
    static const char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    return true;
}
