/* Address headers (From, To, Cc, Reply-To, Return-Path) split into address
 * and decoded display name. Written by hand rather than with GMime's
 * parser so display names go through the same Japanese-aware decoding as
 * every other header, and so broken lists still yield what they can. */
#include <ctype.h>
#include <string.h>

#include "mail/internal.h"

void kn_addr_free(struct kn_mail_addr *a)
{
    if (!a)
        return;
    free(a->addr);
    free(a->display);
    a->addr = a->display = NULL;
}

static void trim(struct kn_buf *b)
{
    size_t st = 0, en = b->len;
    while (st < en && isspace((unsigned char)b->data[st]))
        st++;
    while (en > st && isspace((unsigned char)b->data[en - 1]))
        en--;
    memmove(b->data, b->data + st, en - st);
    b->len = en - st;
    b->data[b->len] = 0;
}

/* Lower-cases the domain, drops whitespace, keeps valid UTF-8 (RFC 6532). */
static char *clean_addr(const char *s, size_t n)
{
    struct kn_buf b = {0};
    kn_buf_add(&b, "", 0);
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]) && s[i] != '"')
            kn_buf_addc(&b, s[i]);
    char *at = strrchr(b.data, '@');
    if (at)
        for (char *d = at + 1; *d; d++)
            *d = (char)tolower((unsigned char)*d);
    if (!kn_utf8_valid((const uint8_t *)b.data, b.len)) {
        char *u = kn_charset_to_utf8(NULL, (const uint8_t *)b.data, b.len);
        free(b.data);
        return u;
    }
    return kn_buf_take(&b);
}

/* One list item (no top-level commas). */
static void parse_item(const char *s, size_t n, struct kn_mail_addr *out)
{
    struct kn_buf display = {0}, comment = {0}, bare = {0};
    kn_buf_add(&display, "", 0);
    kn_buf_add(&comment, "", 0);
    kn_buf_add(&bare, "", 0);
    const char *angle = NULL, *angle_end = NULL;
    int depth = 0;
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (quoted) {
            if (c == '\\' && i + 1 < n) {
                kn_buf_addc(&display, s[++i]);
                continue;
            }
            if (c == '"') {
                quoted = false;
                continue;
            }
            kn_buf_addc(&display, c);
            continue;
        }
        if (depth > 0) {
            if (c == '(')
                depth++;
            else if (c == ')')
                depth--;
            if (depth > 0)
                kn_buf_addc(&comment, c);
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '(') {
            depth = 1;
        } else if (c == '<' && !angle) {
            angle = s + i + 1;
            const char *e = memchr(angle, '>', n - i - 1);
            angle_end = e ? e : s + n;
            i = (size_t)(angle_end - s);
        } else {
            kn_buf_addc(angle ? &bare : &display, c);
            if (!angle)
                kn_buf_addc(&bare, c);
        }
    }
    trim(&display);
    trim(&comment);
    trim(&bare);
    if (angle) {
        out->addr = clean_addr(angle, (size_t)(angle_end - angle));
        out->display = kn_header_decode(display.data);
    } else {
        /* bare address; a comment "(Name)" is the old way to give a name */
        bool spaced = false;
        for (size_t i = 0; i < bare.len; i++)
            if (isspace((unsigned char)bare.data[i]))
                spaced = true;
        if (!spaced && strchr(bare.data, '@')) {
            out->addr = clean_addr(bare.data, bare.len);
            out->display = kn_header_decode(comment.data);
        } else {
            out->addr = kn_xstrdup("");
            out->display = kn_header_decode(display.len ? display.data : comment.data);
        }
    }
    free(display.data);
    free(comment.data);
    free(bare.data);
}

/* Calls fn for each top-level item; group names ("team: a, b;") are skipped. */
static void split_list(const char *v, void (*fn)(const char *, size_t, void *), void *ctx)
{
    const char *item = v;
    int depth = 0;
    bool quoted = false, angle = false, item_has_at = false;
    for (const char *s = v;; s++) {
        char c = *s;
        if (c && quoted) {
            if (c == '\\' && s[1])
                s++;
            else if (c == '"')
                quoted = false;
            continue;
        }
        if (c && depth) {
            if (c == '(') depth++;
            else if (c == ')') depth--;
            continue;
        }
        if (c == '"') { quoted = true; continue; }
        if (c == '(') { depth = 1; continue; }
        if (c == '<') { angle = true; continue; }
        if (c == '>') { angle = false; continue; }
        if (c == '@')
            item_has_at = true;
        if (c == ':' && !angle && !item_has_at) {
            item = s + 1; /* a group's display name */
            continue;
        }
        if (!c || ((c == ',' || c == ';') && !angle)) {
            size_t n = (size_t)(s - item);
            bool blank = true;
            for (size_t i = 0; i < n; i++)
                if (!isspace((unsigned char)item[i]))
                    blank = false;
            if (!blank)
                fn(item, n, ctx);
            item = s + 1;
            item_has_at = false;
            if (!c)
                break;
        }
    }
}

struct list_ctx {
    struct kn_mail_addr **arr;
    size_t *n;
    bool one_only;
};

static void add_item(const char *s, size_t n, void *vctx)
{
    struct list_ctx *ctx = vctx;
    if (*ctx->n >= KN_MAIL_MAX_ADDRS || (ctx->one_only && *ctx->n >= 1))
        return;
    struct kn_mail_addr a;
    parse_item(s, n, &a);
    struct kn_mail_addr *slot = kn_xpush(ctx->arr, ctx->n, sizeof **ctx->arr);
    *slot = a;
}

void kn_addr_list_parse(const char *raw, struct kn_mail_addr **arr, size_t *n)
{
    char *v = kn_header_unfold(raw);
    struct list_ctx ctx = {arr, n, false};
    split_list(v, add_item, &ctx);
    free(v);
}

void kn_addr_parse_one(const char *raw, struct kn_mail_addr *out)
{
    struct kn_mail_addr *arr = NULL;
    size_t n = 0;
    char *v = kn_header_unfold(raw);
    struct list_ctx ctx = {&arr, &n, true};
    split_list(v, add_item, &ctx);
    free(v);
    if (n) {
        *out = arr[0];
    } else {
        out->addr = kn_xstrdup("");
        out->display = kn_xstrdup("");
    }
    free(arr);
}
