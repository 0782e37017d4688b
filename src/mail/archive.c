/* Archive attachments (zip, rar, 7z, gzip/tar.gz, ISO 9660, cab) opened with
 * libarchive from memory: every member in archive order with name, size,
 * type and hashes when readable, encryption per member (ZipCrypto/AES for
 * zip from the central directory, see zipdir.c), and password tries with
 * the candidates found in the mail's text. Limits keep zip bombs and deep
 * nesting harmless: each hit becomes an error text. */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

#define PASSWORD_CHECK_BYTES ((size_t)4 << 20) /* read this much to trust a password */

static struct archive *open_mem(const uint8_t *p, size_t len, enum kn_file_type t, const char *pw)
{
    struct archive *ar = archive_read_new();
    if (!ar)
        return NULL;
    switch (t) {
    case KN_FT_ZIP: archive_read_support_format_zip(ar); break;
    case KN_FT_RAR: archive_read_support_format_rar(ar); archive_read_support_format_rar5(ar); break;
    case KN_FT_7Z: archive_read_support_format_7zip(ar); break;
    case KN_FT_ISO: archive_read_support_format_iso9660(ar); break;
    case KN_FT_CAB: archive_read_support_format_cab(ar); break;
    default: /* gzip: a tar inside, or one raw file */
        archive_read_support_filter_gzip(ar);
        archive_read_support_format_tar(ar);
        archive_read_support_format_raw(ar);
        break;
    }
    if (pw)
        archive_read_add_passphrase(ar, pw);
    archive_read_open_memory(ar, p, len);
    return ar;
}

/* Reads the current entry's data into b up to limit bytes.
 * 0: complete; 1: limit reached (stopped); -1: read error. */
static int read_entry(struct archive *ar, struct kn_buf *b, size_t limit)
{
    char tmp[65536];
    for (;;) {
        la_ssize_t r = archive_read_data(ar, tmp, sizeof tmp);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (b->len + (size_t)r > limit)
            return 1;
        kn_buf_add(b, tmp, (size_t)r);
    }
}

/* The original name in a gzip header (FNAME), or NULL. Caller frees. */
static char *gzip_name(const uint8_t *p, size_t len)
{
    if (len < 10 || !(p[3] & 8))
        return NULL;
    size_t off = 10;
    if (p[3] & 4) {
        if (len < 12)
            return NULL;
        off += 2 + (size_t)(p[10] | p[11] << 8);
    }
    if (off >= len)
        return NULL;
    const uint8_t *z = memchr(p + off, 0, len - off);
    if (!z || z == p + off)
        return NULL;
    return kn_charset_to_utf8(NULL, p + off, (size_t)(z - (p + off)));
}

static char *entry_name(struct archive_entry *e)
{
    const char *u = archive_entry_pathname_utf8(e);
    if (u)
        return kn_xstrdup(u);
    const char *raw = archive_entry_pathname(e);
    return raw ? kn_charset_to_utf8(NULL, (const uint8_t *)raw, strlen(raw)) : kn_xstrdup("");
}

static void set_error(struct kn_attachment *a, const char *msg)
{
    if (!a->error)
        a->error = kn_xstrdup(msg);
}

static void note_encrypted(struct kn_attachment *a, struct kn_attachment *m, enum kn_encryption enc)
{
    m->stored_encrypted = true;
    m->stored_encryption = enc;
    a->encrypted = true;
    if (a->encryption == KN_ENC_NONE || enc == KN_ENC_AES)
        a->encryption = enc;
}

/* Lists (and with a password, opens) the members. zm: zip central
 * directory entries (for encryption kinds), may be NULL. *opened (may be
 * NULL) tells whether the first encrypted member unpacked (or reached the
 * size limit) — the test try_password makes, so a listing with a password
 * can itself confirm it. */
static void list_members(struct kn_attachment *a, const uint8_t *p, size_t len, const char *pw,
                         struct kn_attach_ctx *ctx, int depth, const struct kn_zip_member *zm, size_t nzm,
                         bool *opened)
{
    bool first_encrypted = true;
    if (opened)
        *opened = false;
    struct archive *ar = open_mem(p, len, a->type, pw);
    if (!ar) {
        set_error(a, "cannot allocate an archive reader");
        return;
    }
    struct archive_entry *e;
    size_t hint = 0;
    int r;
    while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (archive_entry_filetype(e) == AE_IFDIR)
            continue;
        if (a->n_members >= KN_ARC_MAX_MEMBERS || ctx->members_total >= KN_ARC_MAX_ALL_MEMBERS) {
            set_error(a, "too many members: listing stopped at the limit");
            break;
        }
        ctx->members_total++;
        struct kn_attachment *m = kn_xpush(&a->members, &a->n_members, sizeof *m);
        m->name = entry_name(e);
        if (a->type == KN_FT_GZIP && archive_format(ar) == ARCHIVE_FORMAT_RAW) {
            char *g = gzip_name(p, len);
            if (g) {
                free(m->name);
                m->name = g;
            }
        }
        m->size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0 ? (size_t)archive_entry_size(e) : 0;
        enum kn_encryption enc = KN_ENC_NONE;
        for (size_t k = 0; k < nzm; k++) { /* same order as the directory: start at the hint */
            size_t i = (hint + k) % nzm;
            if (!strcmp(zm[i].name, m->name)) {
                enc = zm[i].enc;
                hint = i + 1;
                break;
            }
        }
        bool encrypted = archive_entry_is_encrypted(e) || enc != KN_ENC_NONE;
        if (encrypted) {
            if (enc == KN_ENC_NONE)
                enc = (a->type == KN_FT_ZIP) ? KN_ENC_ZIPCRYPTO : KN_ENC_AES; /* rar and 7z use AES */
            note_encrypted(a, m, enc);
            if (!pw) {
                m->ssdeep = kn_xstrdup("");
                continue;
            }
        }
        size_t room = ctx->unpacked_total < KN_ARC_MAX_TOTAL ? KN_ARC_MAX_TOTAL - ctx->unpacked_total : 0;
        size_t limit = room < KN_ARC_MAX_MEMBER ? room : KN_ARC_MAX_MEMBER;
        struct kn_buf b = {0};
        int rc = read_entry(ar, &b, limit);
        ctx->unpacked_total += b.len;
        if (encrypted && first_encrypted) {
            first_encrypted = false;
            if (opened)
                *opened = rc >= 0;
        }
        if (rc == 0) {
            kn_attach_analyse(m, (const uint8_t *)(b.data ? b.data : ""), b.len, ctx, depth + 1);
        } else {
            m->ssdeep = kn_xstrdup("");
            if (rc == 1) {
                m->error = kn_xstrdup("unpacked size over the limit (zip bomb?): not analysed");
                set_error(a, "unpack limit reached (zip bomb?): some members not analysed");
                if (b.len > m->size)
                    m->size = b.len;
            } else {
                const char *why = archive_error_string(ar);
                struct kn_buf msg = {0};
                kn_buf_adds(&msg, "cannot unpack: ");
                kn_buf_adds(&msg, why ? why : "unknown error");
                m->error = kn_buf_take(&msg);
            }
        }
        free(b.data);
    }
    if (r != ARCHIVE_EOF && r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        const char *why = archive_error_string(ar);
        struct kn_buf msg = {0};
        kn_buf_adds(&msg, a->n_members ? "archive damaged after some members: " : "cannot read archive: ");
        kn_buf_adds(&msg, why ? why : "unknown error");
        if (why && (strcasestr(why, "encrypt") || strcasestr(why, "passphrase"))) {
            a->encrypted = true; /* e.g. 7z with encrypted headers: names unreadable */
            if (a->encryption == KN_ENC_NONE)
                a->encryption = a->type == KN_FT_ZIP ? KN_ENC_ZIPCRYPTO : KN_ENC_AES;
        }
        if (!a->error)
            a->error = kn_buf_take(&msg);
        else
            free(msg.data);
    }
    archive_read_free(ar);
}

/* Does pw open the first encrypted member? Reads up to
 * PASSWORD_CHECK_BYTES of it: a wrong ZipCrypto key passes the one-byte
 * header check 1 time in 256 but then fails inflating or the CRC. */
static bool try_password(const uint8_t *p, size_t len, enum kn_file_type t, const char *pw,
                         struct kn_attach_ctx *ctx)
{
    struct archive *ar = open_mem(p, len, t, pw);
    if (!ar)
        return false;
    struct archive_entry *e;
    bool ok = false;
    while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
        if (!archive_entry_is_encrypted(e))
            continue;
        struct kn_buf b = {0};
        int rc = read_entry(ar, &b, PASSWORD_CHECK_BYTES);
        ctx->unpacked_total += b.len;
        free(b.data);
        ok = rc >= 0;
        break;
    }
    archive_read_free(ar);
    return ok;
}

static void free_members(struct kn_attachment *a)
{
    for (size_t i = 0; i < a->n_members; i++)
        kn_attach_free(&a->members[i]);
    free(a->members);
    a->members = NULL;
    a->n_members = 0;
    free(a->error);
    a->error = NULL;
}

/* The members as listed so far, set aside while a password is tried. */
struct listing {
    struct kn_attachment *members;
    size_t n_members, members_total;
    char *error;
    bool encrypted;
    enum kn_encryption encryption;
};

static void set_aside(struct kn_attachment *a, const struct kn_attach_ctx *ctx, struct listing *l)
{
    *l = (struct listing){a->members, a->n_members, ctx->members_total, a->error, a->encrypted, a->encryption};
    a->members = NULL;
    a->n_members = 0;
    a->error = NULL;
    a->encrypted = false;
    a->encryption = KN_ENC_NONE;
}

static void put_back(struct kn_attachment *a, struct kn_attach_ctx *ctx, struct listing *l)
{
    free_members(a);
    a->members = l->members;
    a->n_members = l->n_members;
    a->error = l->error;
    a->encrypted = l->encrypted;
    a->encryption = l->encryption;
    ctx->members_total = l->members_total;
}

static void drop(struct listing *l)
{
    struct kn_attachment tmp = {.members = l->members, .n_members = l->n_members, .error = l->error};
    free_members(&tmp);
}

/* The first encrypted member in the central directory, or NULL. */
static const struct kn_zip_member *first_encrypted(const struct kn_zip_member *zm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (zm[i].enc != KN_ENC_NONE)
            return &zm[i];
    return NULL;
}

/* Tries the candidate passwords, best first; the first that opens is
 * recorded and the members are listed again with it (types, hashes).
 * Zip candidates are pre-checked on the first encrypted member's local
 * header (zippass.c): a surely wrong one never reaches libarchive, and one
 * that passes is confirmed by the listing itself (no separate try), so
 * an AES zip costs one verifier block plus one key derivation in
 * libarchive instead of two derivations per candidate. */
static void try_passwords(struct kn_attachment *a, const uint8_t *p, size_t len, struct kn_attach_ctx *ctx,
                          int depth, const struct kn_zip_member *zm, size_t nz)
{
    const struct kn_zip_member *first = first_encrypted(zm, nz);
    /* A mail's archives usually share one password: the one that opened
     * the last archive goes first. (A local order: nested archives opened
     * during the listing below change ctx->last_opened.) */
    const char *order[KN_MAX_PASSWORDS];
    size_t n = 0;
    if (ctx->last_opened)
        order[n++] = ctx->last_opened;
    size_t found = kn_attach_passwords(ctx);
    for (size_t i = 0; i < found && n < KN_MAX_PASSWORDS; i++)
        if (ctx->passwords[i] != ctx->last_opened)
            order[n++] = ctx->passwords[i];
    for (size_t i = 0; i < n; i++) {
        if (ctx->unpacked_total >= KN_ARC_MAX_TOTAL)
            break;
        const char *pw = order[i];
        int check = first ? kn_zip_password_check(p, len, first->local_off, pw) : -1;
        if (check == 0)
            continue; /* fails the stored check value: surely wrong */
        if (check < 0 && !try_password(p, len, a->type, pw, ctx))
            continue;
        struct listing before;
        set_aside(a, ctx, &before);
        bool opened;
        list_members(a, p, len, pw, ctx, depth, zm, nz, &opened);
        if (check > 0 && !opened) { /* passed the check value by chance */
            put_back(a, ctx, &before);
            continue;
        }
        if (!a->encrypted) { /* keep what the first pass knew */
            a->encrypted = true;
            a->encryption = before.encryption;
        }
        drop(&before);
        a->password = kn_xstrdup(pw);
        ctx->last_opened = pw;
        break;
    }
}

void kn_archive_analyse(struct kn_attachment *a, const uint8_t *p, size_t len,
                        struct kn_attach_ctx *ctx, int depth)
{
    a->is_archive = true;
    struct kn_zip_member *zm = NULL;
    long nzm = a->type == KN_FT_ZIP ? kn_zip_members(p, len, &zm, KN_ARC_MAX_MEMBERS) : -1;
    size_t nz = nzm > 0 ? (size_t)nzm : 0;
    list_members(a, p, len, NULL, ctx, depth, zm, nz, NULL);
    if (a->n_members == 0 && nz > 0) {
        /* libarchive could not read it; the central directory still names the members */
        for (size_t i = 0; i < nz; i++) {
            if (nz && zm[i].name[0] && zm[i].name[strlen(zm[i].name) - 1] == '/')
                continue;
            struct kn_attachment *m = kn_xpush(&a->members, &a->n_members, sizeof *m);
            m->name = kn_xstrdup(zm[i].name);
            m->size = (size_t)zm[i].usize;
            m->ssdeep = kn_xstrdup("");
            if (zm[i].enc != KN_ENC_NONE)
                note_encrypted(a, m, zm[i].enc);
        }
    }
    if (a->encrypted && a->n_members)
        try_passwords(a, p, len, ctx, depth, zm, nz);
    kn_zip_members_free(zm, nz);
}
