/* Candidate passwords for encrypted attachments, taken from the mail's own
 * text the way Emotet-style and "PPAP" mails write them:
 *   パスワード: abc123   password: abc123   PW：abc123   暗証番号 = abc123
 *   パスワードは「abc123」です        (a label, then a quoted token)
 *   【パスワード】\n abc123            (a label alone on its line: the next line)
 * then any quoted token 「…」 『…』 "…" of 4-32 visible ASCII characters.
 * Full-width letters and digits (ａｂｃ１２３) are also tried as ASCII. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

static const char *const labels[] = {
    "解凍パスワード", "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "暗証番号", "解凍キー", "解凍パス", "password", "passwort",
    "passcode", "pass", "pwd", "pw", "パス",
};

/* Separators and quotes, UTF-8. */
static const char *const seps[] = {":", "：", "=", "＝", "は", "-", "→", "】", "]", "』", "」", "(", ")"};
static const char *const openers[] = {"「", "『", "\"", "'", "“", "【", "[", "＜", "<"};
static const char *const closers[] = {"」", "』", "\"", "'", "”", "】", "]", "＞", ">"};

/* The closer within the next 100 bytes of the same line, or NULL: bounded
 * so that text full of unmatched quotes stays linear. */
static const char *find_closer(const char *b, const char *closer)
{
    size_t lim = strnlen(b, 100);
    const char *e = memmem(b, lim, closer, strlen(closer));
    const char *nl = memchr(b, '\n', lim);
    return (e && (!nl || e < nl)) ? e : NULL;
}

static size_t match_any(const char *s, const char *const *list, size_t n, size_t *which)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        if (!strncmp(s, list[i], l)) {
            if (which)
                *which = i;
            return l;
        }
    }
    return 0;
}

static const char *skip_space(const char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else if (!strncmp(s, "\xE3\x80\x80", 3)) /* U+3000 ideographic space */
            s += 3;
        else
            return s;
    }
}

static void add(char **out, size_t *n, size_t max, const char *s, size_t len)
{
    if (len == 0 || len > 64 || *n >= max)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strlen(out[i]) == len && !memcmp(out[i], s, len))
            return;
    out[(*n)++] = kn_xstrndup(s, len);
    /* full-width ASCII (U+FF01..U+FF5E = EF BC 81..EF BD 9E) -> ASCII variant */
    struct kn_buf b = {0};
    bool changed = false;
    for (size_t i = 0; i < len; i++) {
        const unsigned char *u = (const unsigned char *)s + i;
        if (i + 2 < len && u[0] == 0xEF && (u[1] == 0xBC || u[1] == 0xBD)) {
            unsigned cp = 0xFF00 + ((u[1] & 0x03u) << 6) + (u[2] & 0x3Fu);
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                kn_buf_addc(&b, (char)(cp - 0xFF01 + 0x21));
                i += 2;
                changed = true;
                continue;
            }
        }
        kn_buf_addc(&b, s[i]);
    }
    if (changed && *n < max)
        add(out, n, max, b.data, b.len);
    free(b.data);
}

/* A token at s: quoted (up to the matching closer) or a run of visible
 * non-space characters that stops at Japanese punctuation. */
static size_t token(const char *s, const char **start)
{
    size_t which, ol = match_any(s, openers, sizeof openers / sizeof openers[0], &which);
    if (ol) {
        const char *b = s + ol, *e = find_closer(b, closers[which]);
        if (e) {
            *start = b;
            return (size_t)(e - b);
        }
        s += ol;
    }
    *start = s;
    const char *p = s;
    while (*p && *p != '\n' && *p != '\r' && *p != ' ' && *p != '\t') {
        if (!strncmp(p, "\xE3\x80\x82", 3) || !strncmp(p, "\xE3\x80\x81", 3) ||
            !strncmp(p, "\xE3\x80\x80", 3) || !strncmp(p, "\xE3\x80\x8D", 3) ||
            !strncmp(p, "\xE3\x80\x8F", 3) || !strncmp(p, "\xEF\xBC\x89", 3))
            break; /* 。 、 ideographic space 」 』 ） */
        if ((unsigned char)*p >= 0x80 && (unsigned char)*p < 0xC0)
            p++;
        else if ((unsigned char)*p >= 0xE3 && (unsigned char)*p <= 0xE9 &&
                 !((unsigned char)*p == 0xEF))
            break; /* kana/kanji: a sentence goes on, the password ended */
        else
            p++;
    }
    /* a trailing ASCII full stop or comma ends the sentence */
    while (p > s && (p[-1] == '.' || p[-1] == ','))
        p--;
    return (size_t)(p - s);
}

size_t kn_password_candidates(const char *text, char **out, size_t max)
{
    size_t n = 0;
    if (!text)
        return 0;
    /* Bytes a label can start with: most bytes of a text cannot, and the
     * scan would otherwise compare every byte with every label. */
    bool starts[256] = {false};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        unsigned char f = (unsigned char)labels[i][0];
        starts[f] = starts[tolower(f)] = starts[toupper(f)] = true;
    }
    /* 1. labelled */
    for (const char *s = text; *s && n < max; s++) {
        if (!starts[(unsigned char)*s])
            continue;
        if (s != text && isalnum((unsigned char)s[-1]) && isalpha((unsigned char)*s))
            continue; /* "bypass" is not "pass" */
        size_t which = 0, ll = 0;
        for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
            size_t l = strlen(labels[i]);
            if (!strncasecmp(s, labels[i], l)) {
                which = i;
                ll = l;
                break;
            }
        }
        if (!ll)
            continue;
        (void)which;
        const char *p = s + ll;
        if (isalpha((unsigned char)s[0]) && isalpha((unsigned char)*p) && strncasecmp(p, "word", 4) &&
            strncasecmp(p, "code", 4))
            continue; /* "passage", "pwn" */
        while (!strncasecmp(p, "word", 4) || !strncasecmp(p, "code", 4))
            p += 4;
        p = skip_space(p);
        size_t sl;
        int guard = 0;
        bool sep_seen = false;
        while ((sl = match_any(p, seps, sizeof seps / sizeof seps[0], NULL)) && guard++ < 4) {
            p = skip_space(p + sl);
            sep_seen = true;
        }
        /* "password reset now": an ASCII label needs a separator or a quote */
        if (isalpha((unsigned char)s[0]) && !sep_seen &&
            !match_any(p, openers, sizeof openers / sizeof openers[0], NULL))
            continue;
        if (*p == '\r' || *p == '\n' || !*p) { /* label alone: the next non-empty line */
            while (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')
                p++;
            p = skip_space(p);
        }
        const char *st;
        size_t tl = token(p, &st);
        if (tl >= 3)
            add(out, &n, max, st, tl);
        s = p > s ? p - 1 : s;
    }
    /* 2. any quoted token of visible ASCII */
    for (const char *s = text; *s && n < max; s++) {
        if (*s != '"' && *s != '\'' && (unsigned char)*s != 0xE3) /* 「 『 are E3 80 8C / 8E */
            continue;
        size_t which, ol = match_any(s, openers, 4, &which);
        if (!ol)
            continue;
        const char *b = s + ol, *e = find_closer(b, closers[which]);
        if (!e || e - b < 4 || e - b > 32) {
            s += ol - 1;
            continue;
        }
        bool ok = true;
        for (const char *c = b; c < e; c++)
            if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7F)
                ok = false;
        if (ok)
            add(out, &n, max, b, (size_t)(e - b));
        s = e + strlen(closers[which]) - 1;
    }
    return n;
}
