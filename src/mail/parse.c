/* kn_mail_parse: one RFC 5322 message -> struct kn_mail. GMime splits the
 * MIME structure and undoes transfer encodings; headers, parameters and
 * charsets are decoded by this module's own code (rfc2047.c, params.c,
 * charset.c) so that Japanese mail decodes the way Japanese mailers meant
 * it. Forwarding reports are unwrapped to the reported mail. */
#include <gmime/gmime.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;
static void gmime_start(void) { g_mime_init(); }

static void warn(struct kn_mail *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct kn_mail *m, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < m->n_warnings; i++)
        if (!strcmp(m->warnings[i], msg))
            return;
    if (m->n_warnings >= KN_MAIL_MAX_WARNINGS)
        return;
    *(char **)kn_xpush(&m->warnings, &m->n_warnings, sizeof(char *)) = kn_xstrdup(msg);
}

/* LF, CRLF and CR-only line ends -> LF (GMime does not know CR-only); a
 * leading mbox "From " envelope line is dropped. Caller frees. */
static char *normalise(const uint8_t *d, size_t len, size_t *out_len)
{
    char *o = kn_xmalloc(len + 1);
    size_t k = 0, i = 0;
    if (len > 5 && !memcmp(d, "From ", 5)) {
        const uint8_t *nl = memchr(d, '\n', len);
        const uint8_t *cr = memchr(d, '\r', nl ? (size_t)(nl - d) : len);
        const uint8_t *e = cr ? cr : nl;
        if (e && e + 1 < d + len && memchr(e + 1, ':', (size_t)(d + len - e - 1)))
            i = (size_t)(e - d);
    }
    for (; i < len; i++) {
        if (d[i] == '\r') {
            o[k++] = '\n';
            if (i + 1 < len && d[i + 1] == '\n')
                i++;
        } else {
            o[k++] = (char)d[i];
        }
    }
    /* drop the line break left by a skipped envelope line */
    size_t st = 0;
    while (st < k && o[st] == '\n' && i > 0 && st == 0 && len > 5 && !memcmp(d, "From ", 5))
        st++;
    if (st)
        memmove(o, o + st, k - st);
    k -= st;
    o[k] = 0;
    *out_len = k;
    return o;
}

static GMimeMessage *parse_bytes(const char *p, size_t len)
{
    GMimeStream *st = g_mime_stream_mem_new_with_buffer(p, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(st);
    g_object_unref(st);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    return msg;
}

/* The raw value of the first header `name` of obj, or NULL. */
static const char *raw_header(GMimeObject *obj, const char *name)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        if (!strcasecmp(g_mime_header_get_name(h), name))
            return g_mime_header_get_raw_value(h);
    }
    return NULL;
}

/* Decoded content of a leaf part (transfer encoding undone). Caller frees
 * with g_byte_array_free(ba, TRUE). */
static GByteArray *part_bytes(GMimePart *part)
{
    GMimeStream *out = g_mime_stream_mem_new();
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    if (dw)
        g_mime_data_wrapper_write_to_stream(dw, out);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
    g_object_unref(out);
    return ba;
}

/* Serialised form of an embedded message. Caller frees as above. */
static GByteArray *message_bytes(GMimeMessage *msg)
{
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, out);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
    g_object_unref(out);
    return ba;
}

static char *part_filename(GMimeObject *obj)
{
    char *n = kn_mime_param(raw_header(obj, "Content-Disposition"), "filename");
    if (!n || !*n) {
        free(n);
        n = kn_mime_param(raw_header(obj, "Content-Type"), "name");
    }
    return n;
}

static bool disposition_attachment(GMimeObject *obj)
{
    const char *d = raw_header(obj, "Content-Disposition");
    if (!d)
        return false;
    while (*d == ' ' || *d == '\t' || *d == '\r' || *d == '\n')
        d++;
    return !strncasecmp(d, "attachment", 10);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

/* The reported mail inside a forwarding report, with a reference the
 * caller owns; NULL when msg is not one. Delivery and disposition reports
 * (multipart/report) carry the bounced original: they are not unwrapped. */
static GMimeMessage *forwarded_inner(GMimeMessage *msg)
{
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    if (!top)
        return NULL;
    if (GMIME_IS_MESSAGE_PART(top)) {
        GMimeMessage *in = g_mime_message_part_get_message(GMIME_MESSAGE_PART(top));
        return in ? g_object_ref(in) : NULL;
    }
    if (!GMIME_IS_MULTIPART(top))
        return NULL;
    GMimeContentType *ct = g_mime_object_get_content_type(top);
    if (ct && g_mime_content_type_get_media_subtype(ct) &&
        !strcasecmp(g_mime_content_type_get_media_subtype(ct), "report"))
        return NULL;
    int n = g_mime_multipart_get_count(GMIME_MULTIPART(top));
    for (int i = 0; i < n; i++) {
        GMimeObject *c = g_mime_multipart_get_part(GMIME_MULTIPART(top), i);
        if (GMIME_IS_MESSAGE_PART(c)) {
            GMimeMessage *in = g_mime_message_part_get_message(GMIME_MESSAGE_PART(c));
            if (in)
                return g_object_ref(in);
        } else if (GMIME_IS_PART(c)) {
            char *name = part_filename(c);
            bool eml = name && has_suffix(name, ".eml");
            free(name);
            if (!eml)
                continue;
            GByteArray *ba = part_bytes(GMIME_PART(c));
            size_t nl;
            char *norm = normalise(ba->data, ba->len, &nl);
            g_byte_array_free(ba, TRUE);
            GMimeMessage *in = parse_bytes(norm, nl);
            free(norm);
            if (in)
                return in;
        }
    }
    return NULL;
}

struct pending {
    char *name;
    GByteArray *bytes;
    bool is_message;
};

struct walk {
    struct kn_mail *m;
    struct kn_buf plain, html_text, extra_text;
    struct kn_url_set urls;
    struct pending *att;
    size_t n_att, parts;
};

static void add_body(struct walk *w, struct kn_buf *b, const char *text)
{
    size_t n = strlen(text);
    if (b->len + n + 1 > KN_MAIL_MAX_BODY) {
        warn(w->m, "body text longer than %zu bytes: truncated", KN_MAIL_MAX_BODY);
        size_t room = KN_MAIL_MAX_BODY > b->len + 1 ? KN_MAIL_MAX_BODY - b->len - 1 : 0;
        while (room > 0 && ((unsigned char)text[room] & 0xC0) == 0x80)
            room--; /* whole UTF-8 characters only */
        n = room < n ? room : n;
    }
    if (b->len && n)
        kn_buf_addc(b, '\n');
    kn_buf_add(b, text, n);
}

static void add_pending(struct walk *w, char *name, GByteArray *bytes, bool is_message)
{
    if (w->n_att >= KN_MAIL_MAX_ATTACH) {
        warn(w->m, "more than %d attachments: the rest are not analysed", KN_MAIL_MAX_ATTACH);
        free(name);
        g_byte_array_free(bytes, TRUE);
        return;
    }
    struct pending *p = kn_xpush(&w->att, &w->n_att, sizeof *p);
    p->name = name ? name : kn_xstrdup("");
    p->bytes = bytes;
    p->is_message = is_message;
}

static void walk_part(struct walk *w, GMimeObject *obj, int depth)
{
    if (!obj)
        return;
    if (depth > KN_MAIL_MAX_MIME_DEPTH) {
        warn(w->m, "MIME nesting deeper than %d: inner parts skipped", KN_MAIL_MAX_MIME_DEPTH);
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
        for (int i = 0; i < n; i++)
            walk_part(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
        return;
    }
    if (++w->parts > KN_MAIL_MAX_PARTS) {
        warn(w->m, "more than %d MIME parts: the rest are skipped", KN_MAIL_MAX_PARTS);
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *in = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (in)
            add_pending(w, part_filename(obj), message_bytes(in), true);
        return;
    }
    if (!GMIME_IS_PART(obj))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    char *name = part_filename(obj);
    bool text = type && !strcasecmp(type, "text");
    GByteArray *ba = part_bytes(GMIME_PART(obj));
    if (text && !disposition_attachment(obj) && (!name || !*name)) {
        free(name);
        char *cs = kn_mime_param(raw_header(obj, "Content-Type"), "charset");
        char *u = kn_charset_to_utf8(cs, ba->data, ba->len);
        free(cs);
        g_byte_array_free(ba, TRUE);
        bool html = sub && !strcasecmp(sub, "html");
        if (w->urls.n_urls < KN_MAIL_MAX_URLS)
            kn_urls_scan(&w->urls, u, strlen(u), html);
        if (html) {
            char *t = kn_html_to_text(u, strlen(u));
            add_body(w, &w->html_text, t);
            free(t);
        } else {
            add_body(w, &w->plain, u);
        }
        free(u);
        return;
    }
    if (text && ba->len < 65536) { /* a text attachment may carry the password */
        char *cs = kn_mime_param(raw_header(obj, "Content-Type"), "charset");
        char *u = kn_charset_to_utf8(cs, ba->data, ba->len);
        add_body(w, &w->extra_text, u);
        free(u);
        free(cs);
    }
    add_pending(w, name, ba, false);
}

static void take_headers(struct kn_mail *m, GMimeMessage *msg)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    struct kn_mail_addr *delivered = NULL;
    size_t n_delivered = 0;
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h), *raw = g_mime_header_get_raw_value(h);
        if (!name || !raw)
            continue;
        if (!strcasecmp(name, "From") && !m->from.addr) {
            kn_addr_parse_one(raw, &m->from);
        } else if (!strcasecmp(name, "Return-Path") && !m->return_path) {
            struct kn_mail_addr a;
            kn_addr_parse_one(raw, &a);
            m->return_path = a.addr;
            free(a.display);
        } else if (!strcasecmp(name, "Reply-To")) {
            kn_addr_list_parse(raw, &m->reply_to, &m->n_reply_to);
        } else if (!strcasecmp(name, "To") || !strcasecmp(name, "Cc")) {
            kn_addr_list_parse(raw, &m->to, &m->n_to);
        } else if (!strcasecmp(name, "Delivered-To") || !strcasecmp(name, "X-Original-To")) {
            kn_addr_list_parse(raw, &delivered, &n_delivered);
        } else if (!strcasecmp(name, "Subject") && !m->subject) {
            m->subject = kn_header_decode(raw);
        } else if (!strcasecmp(name, "Date") && !m->date) {
            char *v = kn_header_unfold(raw);
            m->date = kn_date_parse(v);
            if (!m->date)
                warn(m, "Date header unparseable");
            free(v);
        } else if (!strcasecmp(name, "Message-ID") && !m->message_id) {
            char *v = kn_header_unfold(raw);
            size_t st = v[0] == '<', len = strlen(v);
            if (st && len > 1 && v[len - 1] == '>')
                len--;
            m->message_id = kn_xstrndup(v + st, len - st);
            free(v);
        } else if (!strcasecmp(name, "Received")) {
            if (m->n_hops >= KN_MAIL_MAX_HOPS) {
                warn(m, "more than %d Received headers: the rest ignored", KN_MAIL_MAX_HOPS);
                continue;
            }
            kn_received_parse(raw, kn_xpush(&m->hops, &m->n_hops, sizeof *m->hops));
        } else if (!strcasecmp(name, "Authentication-Results")) {
            if (m->n_auth < 32)
                kn_auth_results_parse(raw, kn_xpush(&m->auth, &m->n_auth, sizeof *m->auth));
        }
    }
    if (m->n_to == 0 && n_delivered) {
        m->to = delivered;
        m->n_to = n_delivered;
    } else {
        for (size_t i = 0; i < n_delivered; i++)
            kn_addr_free(&delivered[i]);
        free(delivered);
    }
    for (size_t i = m->n_hops; i-- > 0;) { /* bottom-most hop with a public address */
        if (m->hops[i].from_ip[0] && kn_ip_is_public(m->hops[i].from_ip)) {
            m->originating_ip = kn_xstrdup(m->hops[i].from_ip);
            break;
        }
    }
}

static void fill_defaults(struct kn_mail *m)
{
    if (!m->message_id) m->message_id = kn_xstrdup("");
    if (!m->from.addr) m->from.addr = kn_xstrdup("");
    if (!m->from.display) m->from.display = kn_xstrdup("");
    if (!m->reported_by.addr) m->reported_by.addr = kn_xstrdup("");
    if (!m->reported_by.display) m->reported_by.display = kn_xstrdup("");
    if (!m->return_path) m->return_path = kn_xstrdup("");
    if (!m->subject) m->subject = kn_xstrdup("");
    if (!m->originating_ip) m->originating_ip = kn_xstrdup("");
    if (!m->body_text) m->body_text = kn_xstrdup("");
}

void kn_mail_tune_allocator(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20); /* the largest glibc accepts */
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

int kn_mail_parse(const uint8_t *data, size_t len, struct kn_mail **out, struct kn_err *err)
{
    *out = NULL;
    if (!data || len == 0) {
        kn_err_set(err, "empty message");
        return -1;
    }
    if (len > KN_MAIL_MAX_INPUT) {
        kn_err_set(err, "message of %zu bytes is over the %zu-byte limit", len, KN_MAIL_MAX_INPUT);
        return -1;
    }
    pthread_once(&gmime_once, gmime_start);
    size_t nl;
    char *norm = normalise(data, len, &nl);
    GMimeMessage *msg = parse_bytes(norm, nl);
    free(norm);
    GMimeHeaderList *hl = msg ? g_mime_object_get_header_list(GMIME_OBJECT(msg)) : NULL;
    if (!msg || !hl || g_mime_header_list_get_count(hl) == 0) {
        if (msg)
            g_object_unref(msg);
        kn_err_set(err, "not a mail: no header fields");
        return -1;
    }
    struct kn_mail *m = calloc(1, sizeof *m);
    if (!m) {
        g_object_unref(msg);
        kn_err_set(err, "out of memory");
        return -1;
    }
    for (int f = 0; f < KN_MAIL_MAX_FORWARD; f++) {
        GMimeMessage *inner = forwarded_inner(msg);
        if (!inner)
            break;
        if (!m->was_forwarded)
            kn_addr_parse_one(raw_header(GMIME_OBJECT(msg), "From"), &m->reported_by);
        m->was_forwarded = true;
        g_object_unref(msg);
        msg = inner;
    }
    take_headers(m, msg);

    struct walk w = {.m = m};
    walk_part(&w, g_mime_message_get_mime_part(msg), 0);
    m->urls = w.urls.urls;
    m->n_urls = w.urls.n_urls;
    m->domains = w.urls.domains;
    m->n_domains = w.urls.n_domains;
    if (m->n_urls >= KN_MAIL_MAX_URLS)
        warn(m, "more than %d URLs: the rest are not listed", KN_MAIL_MAX_URLS);
    /* Password candidates from everything the recipient could read. */
    struct kn_buf all = {0};
    kn_buf_adds(&all, m->subject ? m->subject : "");
    kn_buf_addc(&all, '\n');
    kn_buf_add(&all, w.plain.data ? w.plain.data : "", w.plain.len);
    kn_buf_addc(&all, '\n');
    kn_buf_add(&all, w.html_text.data ? w.html_text.data : "", w.html_text.len);
    kn_buf_addc(&all, '\n');
    kn_buf_add(&all, w.extra_text.data ? w.extra_text.data : "", w.extra_text.len);
    char *pw[KN_MAX_PASSWORDS];
    /* candidates are looked for only when an encrypted archive needs them */
    struct kn_attach_ctx ctx = {.passwords = pw, .password_text = all.data};

    m->body_text = w.plain.len ? kn_buf_take(&w.plain) : kn_buf_take(&w.html_text);
    free(w.plain.data);
    free(w.html_text.data);
    free(w.extra_text.data);

    if (w.n_att) {
        m->attachments = calloc(w.n_att, sizeof *m->attachments);
        if (!m->attachments)
            abort();
    }
    for (size_t i = 0; i < w.n_att; i++) {
        struct kn_attachment *a = &m->attachments[m->n_attachments++];
        a->name = w.att[i].name;
        kn_attach_analyse(a, w.att[i].bytes->data, w.att[i].bytes->len, &ctx, 0);
        if (w.att[i].is_message && a->type != KN_FT_EML) {
            a->type = KN_FT_EML;
            a->name_lies = kn_file_name_lies(a->name, a->type);
        }
        if (a->error)
            warn(m, "attachment %zu: %s", i + 1, a->error);
        g_byte_array_free(w.att[i].bytes, TRUE);
    }
    free(w.att);
    for (size_t i = 0; i < ctx.n_passwords; i++)
        free(pw[i]);
    free(all.data);
    g_object_unref(msg);
    fill_defaults(m);
    *out = m;
    return 0;
}

void kn_mail_free(struct kn_mail *m)
{
    if (!m)
        return;
    free(m->message_id);
    kn_addr_free(&m->from);
    kn_addr_free(&m->reported_by);
    free(m->return_path);
    for (size_t i = 0; i < m->n_reply_to; i++)
        kn_addr_free(&m->reply_to[i]);
    free(m->reply_to);
    for (size_t i = 0; i < m->n_to; i++)
        kn_addr_free(&m->to[i]);
    free(m->to);
    free(m->subject);
    for (size_t i = 0; i < m->n_hops; i++) {
        free(m->hops[i].from_host);
        free(m->hops[i].from_ip);
        free(m->hops[i].by_host);
    }
    free(m->hops);
    free(m->originating_ip);
    for (size_t i = 0; i < m->n_auth; i++)
        free(m->auth[i].authserv_id);
    free(m->auth);
    for (size_t i = 0; i < m->n_urls; i++)
        free(m->urls[i]);
    free(m->urls);
    for (size_t i = 0; i < m->n_domains; i++)
        free(m->domains[i]);
    free(m->domains);
    free(m->body_text);
    for (size_t i = 0; i < m->n_attachments; i++)
        kn_attach_free(&m->attachments[i]);
    free(m->attachments);
    for (size_t i = 0; i < m->n_warnings; i++)
        free(m->warnings[i]);
    free(m->warnings);
    free(m);
}
