/* Charset conversion to UTF-8 for mail text, with the Japanese rules mail
 * needs: ISO-2022-JP is decoded through CP932 so the Windows extensions
 * (NEC special characters such as ① ㈱, NEC-selected IBM extensions such as
 * 髙) come out right, Shift_JIS is read as CP932 and EUC-JP as EUC-JP-MS.
 * Missing or wrong labels fall back to detection: an ISO-2022-JP escape,
 * valid UTF-8, then CP932 or EUC-JP by validity, then Windows-1252.
 * Nothing fails: undecodable bytes become U+FFFD. */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

/* A few iconv descriptors per thread: iconv_open costs more than a short
 * header's conversion. Kept for the thread's life (never closed). */
#define ICONV_CACHE 8
static _Thread_local struct {
    char name[32];
    iconv_t cd;
} iconv_cache[ICONV_CACHE];
static _Thread_local unsigned iconv_next;

static iconv_t cached_iconv(const char *from)
{
    for (int i = 0; i < ICONV_CACHE; i++)
        if (iconv_cache[i].name[0] && !strcasecmp(iconv_cache[i].name, from)) {
            iconv(iconv_cache[i].cd, NULL, NULL, NULL, NULL);
            return iconv_cache[i].cd;
        }
    if (strlen(from) >= sizeof iconv_cache[0].name)
        return (iconv_t)-1;
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return cd;
    unsigned slot = iconv_next++ % ICONV_CACHE;
    if (iconv_cache[slot].name[0])
        iconv_close(iconv_cache[slot].cd);
    memcpy(iconv_cache[slot].name, from, strlen(from) + 1);
    iconv_cache[slot].cd = cd;
    return cd;
}

bool kn_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t min;
        if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { n = 3; min = 0x10000; }
        else return false;
        if (i + n >= len) /* needs bytes i+1..i+n */
            return false;
        uint32_t cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

static const char REPLACEMENT[] = "\xEF\xBF\xBD";

/* Converts with iconv. strict: returns false at the first bad byte (out is
 * then incomplete); lenient: emits U+FFFD per bad byte and goes on. */
static bool iconv_convert(const char *from, const uint8_t *in, size_t len, struct kn_buf *out,
                          bool strict)
{
    iconv_t cd = cached_iconv(from);
    if (cd == (iconv_t)-1)
        return false;
    char *ip = (char *)in;
    size_t il = len;
    char tmp[4096];
    bool clean = true;
    for (;;) {
        char *op = tmp;
        size_t ol = sizeof tmp;
        size_t r = iconv(cd, il ? &ip : NULL, il ? &il : NULL, &op, &ol);
        int e = errno;
        kn_buf_add(out, tmp, (size_t)(op - tmp));
        if (r != (size_t)-1) {
            if (il == 0) {
                /* flush shift state */
                op = tmp;
                ol = sizeof tmp;
                iconv(cd, NULL, NULL, &op, &ol);
                kn_buf_add(out, tmp, (size_t)(op - tmp));
                return clean;
            }
            continue;
        }
        if (e == E2BIG)
            continue;
        /* EILSEQ or EINVAL (truncated input): one bad byte */
        clean = false;
        if (strict)
            return false;
        kn_buf_adds(out, REPLACEMENT);
        ip++;
        il--;
        iconv(cd, NULL, NULL, NULL, NULL);
        if (il == 0)
            return false;
    }
}

static bool has_jis_escape(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++)
        if (p[i] == 0x1B && p[i + 1] == '$' && (p[i + 2] == 'B' || p[i + 2] == '@' || p[i + 2] == '('))
            return true;
    return false;
}

/* ISO-2022-JP (and its CP5022x / -MS extensions) -> CP932 bytes. JIS X
 * 0208 row/cell maps arithmetically onto Shift_JIS, which for rows 13 (NEC
 * specials) and 89-92 (NEC-selected IBM extensions) is exactly where CP932
 * keeps them. JIS X 0212 characters have no CP932 form: 〓 (0x81AC). */
static void jis_to_cp932(const uint8_t *p, size_t len, struct kn_buf *sj)
{
    enum { ASCII, KANJI, KANA, X0212 } mode = ASCII;
    bool shift_out = false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == 0x1B && i + 2 < len) {
            uint8_t a = p[i + 1], b = p[i + 2];
            if (a == '(' && (b == 'B' || b == 'J' || b == 'H')) { mode = ASCII; i += 2; continue; }
            if (a == '(' && b == 'I') { mode = KANA; i += 2; continue; }
            if (a == '$' && (b == 'B' || b == '@')) { mode = KANJI; i += 2; continue; }
            if (a == '$' && b == '(' && i + 3 < len) {
                mode = (p[i + 3] == 'D') ? X0212 : KANJI;
                i += 3;
                continue;
            }
            if (a == '&' && b == '@') { i += 2; continue; } /* JIS X 0208-1990 announcer */
        }
        if (c == 0x0E) { shift_out = true; continue; }
        if (c == 0x0F) { shift_out = false; continue; }
        if (c == '\n' || c == '\r') { /* lines should end in ASCII; stop runaway modes */
            mode = ASCII;
            shift_out = false;
            kn_buf_addc(sj, (char)c);
            continue;
        }
        if (c >= 0x80) { /* 8-bit bytes in a 7-bit charset: assume raw CP932 */
            kn_buf_addc(sj, (char)c);
            continue;
        }
        if (shift_out || mode == KANA) {
            if (c >= 0x21 && c <= 0x5F)
                kn_buf_addc(sj, (char)(c + 0x80));
            else
                kn_buf_addc(sj, (char)c);
            continue;
        }
        if ((mode == KANJI || mode == X0212) && c >= 0x21 && c <= 0x7E && i + 1 < len &&
            p[i + 1] >= 0x21 && p[i + 1] <= 0x7E) {
            uint8_t j1 = c, j2 = p[++i];
            if (mode == X0212) {
                kn_buf_add(sj, "\x81\xAC", 2);
                continue;
            }
            uint8_t s1 = (uint8_t)(((j1 + 1) >> 1) + 0x70);
            if (s1 > 0x9F)
                s1 += 0x40;
            uint8_t s2;
            if (j1 & 1) {
                s2 = (uint8_t)(j2 + 0x1F);
                if (s2 >= 0x7F)
                    s2++;
            } else {
                s2 = (uint8_t)(j2 + 0x7E);
            }
            kn_buf_addc(sj, (char)s1);
            kn_buf_addc(sj, (char)s2);
            continue;
        }
        kn_buf_addc(sj, (char)c);
    }
}

static void decode_jis(const uint8_t *p, size_t len, struct kn_buf *out)
{
    struct kn_buf sj = {0};
    jis_to_cp932(p, len, &sj);
    iconv_convert("CP932", (const uint8_t *)(sj.data ? sj.data : ""), sj.len, out, false);
    free(sj.data);
}

/* Which charset family a label names, after the aliases mail really uses. */
enum family { FAM_NONE, FAM_JIS, FAM_SJIS, FAM_EUCJP, FAM_UTF8, FAM_ASCII, FAM_OTHER };

static enum family label_family(const char *l, const char **iconv_name)
{
    static const struct { const char *label; enum family fam; const char *iconv; } map[] = {
        {"iso-2022-jp", FAM_JIS, NULL}, {"iso2022jp", FAM_JIS, NULL}, {"csiso2022jp", FAM_JIS, NULL},
        {"iso-2022-jp-1", FAM_JIS, NULL}, {"iso-2022-jp-ms", FAM_JIS, NULL},
        {"iso-2022-jp-2", FAM_JIS, NULL}, {"iso-2022-jp-3", FAM_JIS, NULL},
        {"cp50220", FAM_JIS, NULL}, {"cp50221", FAM_JIS, NULL}, {"cp50222", FAM_JIS, NULL},
        {"jis", FAM_JIS, NULL}, {"x-jis", FAM_JIS, NULL},
        {"shift_jis", FAM_SJIS, NULL}, {"shift-jis", FAM_SJIS, NULL}, {"sjis", FAM_SJIS, NULL},
        {"x-sjis", FAM_SJIS, NULL}, {"ms_kanji", FAM_SJIS, NULL}, {"csshiftjis", FAM_SJIS, NULL},
        {"windows-31j", FAM_SJIS, NULL}, {"cp932", FAM_SJIS, NULL}, {"ms932", FAM_SJIS, NULL},
        {"x-ms-cp932", FAM_SJIS, NULL}, {"shift_jisx0213", FAM_SJIS, NULL},
        {"euc-jp", FAM_EUCJP, NULL}, {"x-euc-jp", FAM_EUCJP, NULL}, {"eucjp", FAM_EUCJP, NULL},
        {"euc-jp-ms", FAM_EUCJP, NULL}, {"cp51932", FAM_EUCJP, NULL}, {"ujis", FAM_EUCJP, NULL},
        {"cseucpkdfmtjapanese", FAM_EUCJP, NULL},
        {"utf-8", FAM_UTF8, NULL}, {"utf8", FAM_UTF8, NULL}, {"x-unknown", FAM_NONE, NULL},
        {"us-ascii", FAM_ASCII, NULL}, {"ascii", FAM_ASCII, NULL}, {"unknown-8bit", FAM_NONE, NULL},
        {"default", FAM_NONE, NULL}, {"x-user-defined", FAM_NONE, NULL},
        {"ks_c_5601-1987", FAM_OTHER, "CP949"}, {"ks_c_5601", FAM_OTHER, "CP949"},
        {"euc-kr", FAM_OTHER, "CP949"}, {"gb2312", FAM_OTHER, "GB18030"},
        {"gbk", FAM_OTHER, "GB18030"}, {"x-gbk", FAM_OTHER, "GB18030"},
        {"big5", FAM_OTHER, "BIG5-HKSCS"}, {"unicode-1-1-utf-7", FAM_OTHER, "UTF-7"},
        {"iso-8859-1", FAM_OTHER, "WINDOWS-1252"}, {"latin1", FAM_OTHER, "WINDOWS-1252"},
    };
    *iconv_name = NULL;
    if (!l || !*l)
        return FAM_NONE;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(l, map[i].label)) {
            *iconv_name = map[i].iconv;
            return map[i].fam;
        }
    *iconv_name = l;
    return FAM_OTHER;
}

static bool is_ascii(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] >= 0x80)
            return false;
    return true;
}

/* No usable label: guess. */
static void decode_guess(const uint8_t *p, size_t len, struct kn_buf *out)
{
    if (has_jis_escape(p, len)) {
        decode_jis(p, len, out);
        return;
    }
    if (kn_utf8_valid(p, len)) {
        kn_buf_add(out, p, len);
        return;
    }
    /* EUC-JP uses only bytes >= 0xA1 (and 0x8E/0x8F prefixes); CP932 lead
     * bytes 0x81-0x9F are far more common in Japanese Shift_JIS text. */
    bool sjis_lead = false;
    for (size_t i = 0; i < len; i++)
        if (p[i] >= 0x81 && p[i] <= 0x9F && p[i] != 0x8E && p[i] != 0x8F) {
            sjis_lead = true;
            break;
        }
    const char *first = sjis_lead ? "CP932" : "EUC-JP-MS";
    const char *second = sjis_lead ? "EUC-JP-MS" : "CP932";
    size_t mark = out->len;
    if (iconv_convert(first, p, len, out, true))
        return;
    out->len = mark;
    if (iconv_convert(second, p, len, out, true))
        return;
    out->len = mark;
    iconv_convert("WINDOWS-1252", p, len, out, false);
}

static bool latin_label(const char *l)
{
    return !strncasecmp(l, "iso-8859-", 9) || !strncasecmp(l, "windows-125", 11) ||
           !strcasecmp(l, "latin1") || !strcasecmp(l, "cp1252");
}

/* Japanese (or UTF-8) text under a Latin label, as old mailers sent it:
 * taken as such when it has several high bytes and decodes strictly. A
 * Latin text rarely forms only valid double-byte pairs. */
static bool japanese_in_latin(const uint8_t *p, size_t len, struct kn_buf *out)
{
    size_t high = 0;
    for (size_t i = 0; i < len; i++)
        high += p[i] >= 0x80;
    if (high < 4)
        return false;
    if (kn_utf8_valid(p, len)) {
        kn_buf_add(out, p, len);
        return true;
    }
    size_t mark = out->len;
    if (iconv_convert("EUC-JP-MS", p, len, out, true))
        return true;
    out->len = mark;
    bool sjis_lead = false;
    for (size_t i = 0; i < len; i++)
        sjis_lead |= p[i] >= 0x81 && p[i] <= 0x9F;
    if (sjis_lead && iconv_convert("CP932", p, len, out, true))
        return true;
    out->len = mark;
    return false;
}

char *kn_charset_to_utf8(const char *label, const uint8_t *in, size_t len)
{
    struct kn_buf out = {0};
    kn_buf_add(&out, "", 0);
    char clean[40] = "";
    if (label) { /* strip quotes, spaces and an RFC 2231 "*lang" suffix */
        size_t k = 0;
        for (const char *s = label; *s && *s != '*' && k + 1 < sizeof clean; s++)
            if (*s != '"' && *s != '\'' && *s != ' ' && *s != '\t')
                clean[k++] = *s;
        clean[k] = 0;
    }
    const char *iconv_name;
    enum family fam = label_family(clean, &iconv_name);
    if (fam != FAM_JIS && has_jis_escape(in, len))
        fam = FAM_JIS; /* the escape sequence is a stronger signal than a wrong label */
    size_t mark = out.len;
    switch (fam) {
    case FAM_JIS:
        decode_jis(in, len, &out);
        break;
    case FAM_SJIS:
        if (!iconv_convert("CP932", in, len, &out, true)) {
            out.len = mark;
            if (kn_utf8_valid(in, len))
                kn_buf_add(&out, in, len);
            else
                iconv_convert("CP932", in, len, &out, false);
        }
        break;
    case FAM_EUCJP:
        if (!iconv_convert("EUC-JP-MS", in, len, &out, true)) {
            out.len = mark;
            if (!iconv_convert("EUC-JP", in, len, &out, true)) {
                out.len = mark;
                decode_guess(in, len, &out);
            }
        }
        break;
    case FAM_UTF8:
    case FAM_ASCII:
        if (kn_utf8_valid(in, len))
            kn_buf_add(&out, in, len);
        else
            decode_guess(in, len, &out);
        break;
    case FAM_OTHER:
        if (latin_label(clean) && japanese_in_latin(in, len, &out))
            break;
        if (is_ascii(in, len)) {
            kn_buf_add(&out, in, len);
        } else if (!iconv_convert(iconv_name, in, len, &out, true)) {
            out.len = mark;
            decode_guess(in, len, &out);
        }
        break;
    case FAM_NONE:
        decode_guess(in, len, &out);
        break;
    }
    /* Strings are NUL-terminated: an embedded NUL must not cut them short. */
    for (size_t i = 0; i < out.len; i++)
        if (out.data[i] == 0)
            out.data[i] = ' ';
    out.data[out.len] = 0;
    return kn_buf_take(&out);
}
