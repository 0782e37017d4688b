/* `kenchi mail dump [--brief] PATH...`: parses every message in each path
 * (see reader.h) and prints one JSON object per message. --brief leaves
 * out body text. Exit 0 when every message parsed, 1 otherwise. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mail/dump.h"
#include "mail/mail.h"
#include "mail/reader.h"

struct dump_ctx {
    bool brief;
    size_t ok, failed;
};

static json_t *addr_json(const struct kn_mail_addr *a)
{
    return json_pack("{s:s, s:s}", "addr", a->addr, "display", a->display);
}

static const char *const enc_names[] = {"none", "zipcrypto", "aes", "other"};
static const char *const auth_names[] = {"none", "pass", "fail", "softfail", "neutral",
                                         "temperror", "permerror", "other"};

static json_t *attach_json(const struct kn_attachment *a)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "name", a->name,
                          "size", (json_int_t)a->size, "md5", a->md5, "sha1", a->sha1, "sha256", a->sha256,
                          "ssdeep", a->ssdeep ? a->ssdeep : "", "type", kn_file_type_name(a->type),
                          "name_lies", a->name_lies);
    if (a->stored_encrypted)
        json_object_set_new(o, "stored_encryption", json_string(enc_names[a->stored_encryption & 3]));
    if (a->is_archive) {
        json_object_set_new(o, "encrypted", json_boolean(a->encrypted));
        json_object_set_new(o, "encryption", json_string(enc_names[a->encryption & 3]));
        if (a->password)
            json_object_set_new(o, "password", json_string(a->password));
        json_t *mem = json_array();
        for (size_t i = 0; i < a->n_members; i++)
            json_array_append_new(mem, attach_json(&a->members[i]));
        json_object_set_new(o, "members", mem);
    }
    if (a->error)
        json_object_set_new(o, "error", json_string(a->error));
    return o;
}

static json_t *strings(char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static int on_message(const uint8_t *data, size_t len, const char *label, void *vctx)
{
    struct dump_ctx *ctx = vctx;
    struct kn_err err = {{0}};
    struct kn_mail *m;
    json_t *o;
    if (kn_mail_parse(data, len, &m, &err) != 0) {
        ctx->failed++;
        o = json_pack("{s:s, s:s}", "source", label, "error", err.msg);
    } else {
        ctx->ok++;
        o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:I, s:s, s:b}", "source", label, "message_id",
                      m->message_id, "from", addr_json(&m->from), "return_path", m->return_path,
                      "subject", m->subject, "date", (json_int_t)m->date, "originating_ip",
                      m->originating_ip, "was_forwarded", m->was_forwarded);
        json_t *a = json_array();
        for (size_t i = 0; i < m->n_to; i++)
            json_array_append_new(a, addr_json(&m->to[i]));
        json_object_set_new(o, "to", a);
        a = json_array();
        for (size_t i = 0; i < m->n_reply_to; i++)
            json_array_append_new(a, addr_json(&m->reply_to[i]));
        json_object_set_new(o, "reply_to", a);
        a = json_array();
        for (size_t i = 0; i < m->n_hops; i++)
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "from_host", m->hops[i].from_host,
                                               "from_ip", m->hops[i].from_ip, "by_host", m->hops[i].by_host,
                                               "when", (json_int_t)m->hops[i].when));
        json_object_set_new(o, "hops", a);
        a = json_array();
        for (size_t i = 0; i < m->n_auth; i++)
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "authserv_id", m->auth[i].authserv_id,
                                               "spf", auth_names[m->auth[i].spf & 7], "dkim",
                                               auth_names[m->auth[i].dkim & 7], "dmarc",
                                               auth_names[m->auth[i].dmarc & 7]));
        json_object_set_new(o, "auth", a);
        json_object_set_new(o, "urls", strings(m->urls, m->n_urls));
        json_object_set_new(o, "domains", strings(m->domains, m->n_domains));
        a = json_array();
        for (size_t i = 0; i < m->n_attachments; i++)
            json_array_append_new(a, attach_json(&m->attachments[i]));
        json_object_set_new(o, "attachments", a);
        json_object_set_new(o, "warnings", strings(m->warnings, m->n_warnings));
        if (m->was_forwarded)
            json_object_set_new(o, "reported_by", addr_json(&m->reported_by));
        if (!ctx->brief)
            json_object_set_new(o, "body_text", json_string(m->body_text));
        kn_mail_free(m);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    if (s)
        puts(s);
    free(s);
    json_decref(o);
    return 0;
}

static void on_error(const char *label, const char *msg, void *vctx)
{
    struct dump_ctx *ctx = vctx;
    ctx->failed++;
    json_t *o = json_pack("{s:s, s:s}", "source", label, "error", msg);
    char *s = json_dumps(o, JSON_COMPACT);
    if (s)
        puts(s);
    free(s);
    json_decref(o);
}

int cmd_mail_dump(int argc, char **argv)
{
    struct dump_ctx ctx = {0};
    int first = 1;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: kenchi mail dump [--brief] FILE|DIR|MBOX...\n"
               "Parses every message (.eml, mbox, maildir, directories) and prints one JSON\n"
               "object per message: headers, hops, authentication results, URLs, attachments\n"
               "with hashes, types and archive members. --brief omits body_text.\n");
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--brief")) {
        ctx.brief = true;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: kenchi mail dump [--brief] FILE|DIR|MBOX...\n");
        return 2;
    }
    struct kn_mail_reader_cb cb = {on_message, on_error, &ctx};
    for (int i = first; i < argc; i++) {
        struct kn_err err = {{0}};
        if (kn_mail_read_path(argv[i], &cb, &err) < 0) {
            fprintf(stderr, "kenchi mail dump: %s\n", err.msg);
            ctx.failed++;
        }
    }
    fflush(stdout);
    fprintf(stderr, "kenchi mail dump: %zu parsed, %zu failed\n", ctx.ok, ctx.failed);
    return ctx.failed ? 1 : 0;
}
