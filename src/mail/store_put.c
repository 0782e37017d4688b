/* Storing one parsed mail with its verdicts, once per organisation: the
 * dedup key is (organisation, Message-ID, content hash), see
 * docs/mail.md §dedup. */
#include "mail/store_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The content hash given the text hash already computed (saves a second
 * normalisation per stored mail). */
static void content_hash(const struct kn_mail *m, const char text[65], char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char date[32];
    snprintf(date, sizeof date, "%lld", (long long)m->date);
    const char *parts[] = {nz(m->from.addr), nz(m->subject), date, text};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1); /* with the NUL: unambiguous */
    /* Attachment hashes in sorted order: the same files in another MIME order are the same mail. */
    const char **h = m->n_attachments ? malloc(m->n_attachments * sizeof *h) : NULL;
    if (h) {
        for (size_t i = 0; i < m->n_attachments; i++)
            h[i] = m->attachments[i].sha256;
        qsort(h, m->n_attachments, sizeof *h, cmp_str);
        for (size_t i = 0; i < m->n_attachments; i++)
            EVP_DigestUpdate(ctx, h[i], strlen(h[i]) + 1);
        free(h);
    } else if (m->n_attachments) { /* out of memory: MIME order is still deterministic */
        for (size_t i = 0; i < m->n_attachments; i++)
            EVP_DigestUpdate(ctx, m->attachments[i].sha256, strlen(m->attachments[i].sha256) + 1);
    }
    unsigned char md[32];
    EVP_DigestFinal_ex(ctx, md, NULL);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void kn_mail_content_hash(const struct kn_mail *m, char hex[65])
{
    char text[65];
    kn_text_hash(m->body_text, text);
    content_hash(m, text, hex);
}

static int step_done(struct kn_mail_store *st, sqlite3_stmt *s, struct kn_err *err)
{
    if (sqlite3_step(s) != SQLITE_DONE) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    return 0;
}

static int put_addrs(struct kn_mail_store *st, enum store_stmt which, long long id,
                     const struct kn_mail_addr *a, size_t n, struct kn_err *err)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, which, err);
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, nz(a[i].addr), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, nz(a[i].display), -1, SQLITE_STATIC);
        if (step_done(st, s, err) < 0)
            return -1;
    }
    return 0;
}

static int put_attachments(struct kn_mail_store *st, long long msg_id, long long parent,
                           const struct kn_attachment *a, size_t n, int depth, struct kn_err *err)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, ST_INS_ATTACH, err);
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, msg_id);
        if (parent)
            sqlite3_bind_int64(s, 2, parent);
        sqlite3_bind_int64(s, 3, (long long)i);
        sqlite3_bind_text(s, 4, nz(a[i].name), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, (long long)a[i].size);
        sqlite3_bind_text(s, 6, a[i].md5, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, a[i].sha1, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, a[i].sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 9, nz(a[i].ssdeep), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 10, (int)a[i].type);
        sqlite3_bind_int(s, 11, a[i].name_lies);
        sqlite3_bind_int(s, 12, a[i].is_archive);
        sqlite3_bind_int(s, 13, a[i].encrypted);
        sqlite3_bind_int(s, 14, (int)a[i].encryption);
        if (a[i].password)
            sqlite3_bind_text(s, 15, a[i].password, -1, SQLITE_STATIC);
        if (a[i].error)
            sqlite3_bind_text(s, 16, a[i].error, -1, SQLITE_STATIC);
        if (step_done(st, s, err) < 0)
            return -1;
        long long id = sqlite3_last_insert_rowid(st->db);
        /* The parser bounds nesting; the guard keeps a hand-built cycle from recursing forever. */
        if (a[i].n_members && depth < 64 &&
            put_attachments(st, msg_id, id, a[i].members, a[i].n_members, depth + 1, err) < 0)
            return -1;
    }
    return 0;
}

/* The period date: the Date header; else the newest Received hop's date;
 * else the time of ingest (docs/mail.md §periods). */
static long long mail_when(const struct kn_mail *m, const char **source)
{
    if (m->date) {
        *source = "date";
        return (long long)m->date;
    }
    for (size_t i = 0; i < m->n_hops; i++)
        if (m->hops[i].when) {
            *source = "received";
            return (long long)m->hops[i].when;
        }
    *source = "ingest";
    return (long long)time(NULL);
}

static int put_rest(struct kn_mail_store *st, const struct kn_mail_org *org, const struct kn_mail *m,
                    long long id, const struct kn_signals *sig, struct kn_err *err)
{
    sqlite3_stmt *s;
    if (put_addrs(st, ST_INS_RCPT, id, m->to, m->n_to, err) < 0 ||
        put_addrs(st, ST_INS_REPLY_TO, id, m->reply_to, m->n_reply_to, err) < 0)
        return -1;
    for (size_t i = 0; i < m->n_hops; i++) {
        if (!(s = store_stmt(st, ST_INS_HOP, err)))
            return -1;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, (long long)i);
        sqlite3_bind_text(s, 3, nz(m->hops[i].from_host), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, nz(m->hops[i].from_ip), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, nz(m->hops[i].by_host), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, (long long)m->hops[i].when);
        if (step_done(st, s, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < m->n_auth; i++) {
        if (!(s = store_stmt(st, ST_INS_AUTH, err)))
            return -1;
        const struct kn_mail_auth *a = &m->auth[i];
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, (long long)i);
        sqlite3_bind_text(s, 3, nz(a->authserv_id), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, a->authserv_id && kn_strlist_has_ci(&org->authserv_ids, a->authserv_id));
        sqlite3_bind_int(s, 5, (int)a->spf);
        sqlite3_bind_int(s, 6, (int)a->dkim);
        sqlite3_bind_int(s, 7, (int)a->dmarc);
        if (step_done(st, s, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < m->n_urls; i++) {
        if (!(s = store_stmt(st, ST_INS_URL, err)))
            return -1;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, nz(m->urls[i]), -1, SQLITE_STATIC);
        if (step_done(st, s, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < m->n_warnings; i++) {
        if (!(s = store_stmt(st, ST_INS_WARNING, err)))
            return -1;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, nz(m->warnings[i]), -1, SQLITE_STATIC);
        if (step_done(st, s, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < sig->n; i++) {
        if (!(s = store_stmt(st, ST_INS_SIGNAL, err)))
            return -1;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, kn_verdict_name(sig->v[i].verdict), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, sig->v[i].detail, -1, SQLITE_STATIC);
        if (step_done(st, s, err) < 0)
            return -1;
    }
    return put_attachments(st, id, 0, m->attachments, m->n_attachments, 0, err);
}

int kn_mail_store_put(struct kn_mail_store *st, const struct kn_mail_org *org, const struct kn_mail *m,
                      const char *source, long long *id, struct kn_err *err)
{
    char chash[65], thash[65];
    bool has_text = kn_text_hash(m->body_text, thash);
    content_hash(m, thash, chash);
    sqlite3_stmt *s = store_stmt(st, ST_FIND_MSG, err);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, org->id);
    sqlite3_bind_text(s, 2, nz(m->message_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, chash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        return 1;
    }
    if (rc != SQLITE_DONE) {
        kn_err_set(err, "sqlite: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    struct kn_signals sig = {0};
    if (kn_mail_judge(m, org, &sig, err) < 0)
        return -1;
    bool strict = kn_signals_has(&sig, KN_V_FORGED_STRICT);
    const char *date_source;
    long long when = mail_when(m, &date_source);
    if (!(s = store_stmt(st, ST_INS_MSG, err))) {
        kn_signals_free(&sig);
        return -1;
    }
    sqlite3_bind_int64(s, 1, org->id);
    sqlite3_bind_text(s, 2, nz(m->message_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, chash, -1, SQLITE_STATIC);
    if (has_text)
        sqlite3_bind_text(s, 4, thash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, when);
    sqlite3_bind_text(s, 6, date_source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, nz(m->from.addr), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, nz(m->from.display), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, nz(m->return_path), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, nz(m->subject), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, nz(m->originating_ip), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 12, nz(m->body_text), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 13, m->was_forwarded);
    sqlite3_bind_text(s, 14, nz(source), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 15, (long long)time(NULL));
    sqlite3_bind_int(s, 16, kn_signals_has(&sig, KN_V_UNPUBLISHED));
    sqlite3_bind_int(s, 17, strict);
    sqlite3_bind_int(s, 18, strict || kn_signals_has(&sig, KN_V_FORGED_BROAD));
    sqlite3_bind_int(s, 19, kn_signals_has(&sig, KN_V_ENCRYPTED));
    if (step_done(st, s, err) < 0) {
        kn_signals_free(&sig);
        return -1;
    }
    *id = sqlite3_last_insert_rowid(st->db);
    rc = put_rest(st, org, m, *id, &sig, err);
    kn_signals_free(&sig);
    return rc < 0 ? -1 : 0;
}
