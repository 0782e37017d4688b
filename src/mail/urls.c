/* URLs in text and HTML parts (as written: nothing is defanged or
 * followed), the set of their host names, and HTML-to-text for the body
 * used in normalisation. Counts are bounded by KN_MAIL_MAX_URLS. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

static bool url_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F)
        return false;
    return !strchr("\"'<>`{}|\\^", c);
}

static bool contains(char **arr, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(arr[i], s))
            return true;
    return false;
}

static void add_domain(struct kn_url_set *set, const char *url)
{
    const char *h = strstr(url, "://");
    if (!h)
        return;
    h += 3;
    const char *end = h + strcspn(h, "/?#");
    const char *at = memchr(h, '@', (size_t)(end - h)); /* user:pass@host */
    if (at)
        h = at + 1;
    const char *he;
    if (*h == '[') {
        he = memchr(h, ']', (size_t)(end - h));
        he = he ? he + 1 : end;
    } else {
        he = h;
        while (he < end && *he != ':')
            he++;
    }
    while (he > h && he[-1] == '.')
        he--;
    if (he == h || he - h > 253)
        return;
    char *d = kn_xstrndup(h, (size_t)(he - h));
    for (char *c = d; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (contains(set->domains, set->n_domains, d) || set->n_domains >= KN_MAIL_MAX_URLS) {
        free(d);
        return;
    }
    *(char **)kn_xpush(&set->domains, &set->n_domains, sizeof(char *)) = d;
}

void kn_urls_scan(struct kn_url_set *set, const char *text, size_t len, bool html)
{
    for (size_t i = 0; i + 7 < len && set->n_urls < KN_MAIL_MAX_URLS; i++) {
        char c = (char)(text[i] | 0x20);
        if (c != 'h' && c != 'f')
            continue;
        size_t skip;
        if (!strncasecmp(text + i, "http://", 7)) skip = 7;
        else if (i + 8 <= len && !strncasecmp(text + i, "https://", 8)) skip = 8;
        else if (!strncasecmp(text + i, "ftp://", 6)) skip = 6;
        else continue;
        if (i > 0 && isalnum((unsigned char)text[i - 1]))
            continue;
        size_t j = i + skip;
        while (j < len && url_char((unsigned char)text[j]))
            j++;
        /* trailing punctuation belongs to the sentence, not the URL */
        while (j > i + skip && strchr(".,;:!?)]", text[j - 1])) {
            if (text[j - 1] == ')' && memchr(text + i, '(', j - i))
                break;
            j--;
        }
        if (j == i + skip) {
            i = j;
            continue;
        }
        struct kn_buf u = {0};
        for (size_t k = i; k < j; k++) {
            if (html && text[k] == '&' && k + 5 <= j && !strncasecmp(text + k, "&amp;", 5)) {
                kn_buf_addc(&u, '&');
                k += 4;
            } else {
                kn_buf_addc(&u, text[k]);
            }
        }
        char *url = kn_buf_take(&u);
        if (contains(set->urls, set->n_urls, url)) {
            free(url);
        } else {
            *(char **)kn_xpush(&set->urls, &set->n_urls, sizeof(char *)) = url;
            add_domain(set, url);
        }
        i = j - 1;
    }
}

static void put_codepoint(struct kn_buf *b, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    kn_buf_add(b, u, n);
}

/* Decodes the entity at s (after '&'); returns its length including ';' or 0. */
static size_t entity(const char *s, const char *end, struct kn_buf *b)
{
    static const struct { const char *name; unsigned long cp; } named[] = {
        {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''},
        {"nbsp;", ' '}, {"copy;", 0xA9}, {"yen;", 0xA5},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - s) >= n && !strncasecmp(s, named[i].name, n)) {
            put_codepoint(b, named[i].cp);
            return n;
        }
    }
    if (s < end && *s == '#') {
        const char *p = s + 1;
        int base = 10;
        if (p < end && (*p == 'x' || *p == 'X')) { base = 16; p++; }
        unsigned long cp = 0;
        const char *d = p;
        while (p < end && p - d < 8 && isxdigit((unsigned char)*p) && (base == 16 || isdigit((unsigned char)*p))) {
            cp = cp * (unsigned long)base + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' : (*p | 0x20) - 'a' + 10);
            p++;
        }
        if (p > d) {
            put_codepoint(b, cp);
            return (size_t)(p - s) + (p < end && *p == ';');
        }
    }
    return 0;
}

char *kn_html_to_text(const char *html, size_t len)
{
    struct kn_buf b = {0};
    kn_buf_add(&b, "", 0);
    const char *s = html, *end = html + len;
    while (s < end) {
        if (*s == '<') {
            if (end - s >= 4 && !strncmp(s, "<!--", 4)) {
                const char *e = memmem(s, (size_t)(end - s), "-->", 3);
                s = e ? e + 3 : end;
                continue;
            }
            const char *e = memchr(s, '>', (size_t)(end - s));
            if (!e)
                break;
            size_t tl = (size_t)(e - s);
            bool skip_block = (tl >= 7 && !strncasecmp(s, "<script", 7)) ||
                              (tl >= 6 && !strncasecmp(s, "<style", 6));
            if (skip_block) {
                const char *close = s[1] == 's' || s[1] == 'S' ? (s[2] == 'c' || s[2] == 'C' ? "</script" : "</style") : "</style";
                const char *c = e;
                size_t cl = strlen(close);
                while (c && (c = memchr(c, '<', (size_t)(end - c))) && (size_t)(end - c) >= cl &&
                       strncasecmp(c, close, cl))
                    c++;
                if (!c || (size_t)(end - c) < cl)
                    break;
                e = memchr(c, '>', (size_t)(end - c));
                if (!e)
                    break;
            } else if (tl >= 2) {
                const char *t = s + 1 + (s[1] == '/');
                if (!strncasecmp(t, "br", 2) || !strncasecmp(t, "p", 1) || !strncasecmp(t, "div", 3) ||
                    !strncasecmp(t, "tr", 2) || !strncasecmp(t, "li", 2))
                    kn_buf_addc(&b, '\n');
            }
            s = e + 1;
            continue;
        }
        if (*s == '&') {
            size_t n = entity(s + 1, end, &b);
            if (n) {
                s += 1 + n;
                continue;
            }
        }
        kn_buf_addc(&b, *s++);
    }
    return kn_buf_take(&b);
}
