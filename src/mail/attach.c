/* One attachment (or archive member): size, hashes, fuzzy hash, content
 * type, whether its name lies, and for archives their members. */
#include <fuzzy.h>
#include <openssl/evp.h>
#include <string.h>

#include "mail/internal.h"

static void hex(const unsigned char *d, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

/* MD5, SHA-1 and SHA-256 in one pass over the bytes, chunk by chunk so the
 * data stays in cache for all three. */
static void hashes(const uint8_t *p, size_t len, struct kn_attachment *a)
{
    EVP_MD_CTX *c[3] = {EVP_MD_CTX_new(), EVP_MD_CTX_new(), EVP_MD_CTX_new()};
    const EVP_MD *md[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};
    char *out[3] = {a->md5, a->sha1, a->sha256};
    bool ok = c[0] && c[1] && c[2];
    for (int i = 0; ok && i < 3; i++)
        ok = EVP_DigestInit_ex(c[i], md[i], NULL) == 1;
    for (size_t off = 0; ok && off < len; off += 65536) {
        size_t n = len - off < 65536 ? len - off : 65536;
        for (int i = 0; i < 3; i++)
            EVP_DigestUpdate(c[i], p + off, n);
    }
    for (int i = 0; i < 3; i++) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned dl = 0;
        if (ok && EVP_DigestFinal_ex(c[i], d, &dl) == 1)
            hex(d, dl, out[i]);
        EVP_MD_CTX_free(c[i]);
    }
}

/* ssdeep by content. Spray campaigns send one file to many places, so a
 * run sees the same bytes again and again; the fuzzy hash (the costliest
 * per-byte step) is looked up by SHA-256 in a small direct-mapped cache
 * per thread, allocated on first use and kept for the thread's life (like
 * the libmagic cookie). */
#define SSDEEP_CACHE_SLOTS 1024 /* 1024 * 213 bytes */
struct ssdeep_slot {
    char sha256[65];
    char ssdeep[FUZZY_MAX_RESULT];
};
static _Thread_local struct ssdeep_slot *ssdeep_cache;

static unsigned hexval(char c)
{
    return c >= 'a' ? (unsigned)(c - 'a' + 10) : (unsigned)(c - '0');
}

static char *ssdeep_of(const uint8_t *p, size_t len, const char *sha256)
{
    if (len == 0 || len > KN_SSDEEP_MAX)
        return kn_xstrdup("");
    struct ssdeep_slot *slot = NULL;
    if (strlen(sha256) == 64) {
        if (!ssdeep_cache)
            ssdeep_cache = calloc(SSDEEP_CACHE_SLOTS, sizeof *ssdeep_cache); /* NULL: no cache */
        if (ssdeep_cache) {
            unsigned i = (hexval(sha256[0]) << 8 | hexval(sha256[1]) << 4 | hexval(sha256[2])) % SSDEEP_CACHE_SLOTS;
            slot = &ssdeep_cache[i];
            if (!strcmp(slot->sha256, sha256))
                return kn_xstrdup(slot->ssdeep);
        }
    }
    char fz[FUZZY_MAX_RESULT];
    if (fuzzy_hash_buf(p, (uint32_t)len, fz) != 0)
        return kn_xstrdup("");
    if (slot) {
        memcpy(slot->sha256, sha256, 65);
        memcpy(slot->ssdeep, fz, strlen(fz) + 1);
    }
    return kn_xstrdup(fz);
}

static bool is_archive_type(enum kn_file_type t)
{
    return t == KN_FT_ZIP || t == KN_FT_RAR || t == KN_FT_7Z || t == KN_FT_GZIP ||
           t == KN_FT_ISO || t == KN_FT_CAB;
}

void kn_attach_analyse(struct kn_attachment *a, const uint8_t *p, size_t len,
                       struct kn_attach_ctx *ctx, int depth)
{
    if (!a->name)
        a->name = kn_xstrdup("");
    a->size = len;
    hashes(p, len, a);
    a->ssdeep = ssdeep_of(p, len, a->sha256);
    a->type = kn_file_type_detect(p, len);
    a->name_lies = kn_file_name_lies(a->name, a->type);
    if (is_archive_type(a->type)) {
        if (depth >= KN_ARC_MAX_DEPTH) {
            a->is_archive = true;
            free(a->error);
            a->error = kn_xstrdup("archive nested too deep: not opened");
        } else {
            kn_archive_analyse(a, p, len, ctx, depth);
        }
    }
}

size_t kn_attach_passwords(struct kn_attach_ctx *ctx)
{
    if (!ctx->passwords_found) {
        ctx->passwords_found = true;
        if (ctx->passwords && ctx->password_text)
            ctx->n_passwords = kn_password_candidates(ctx->password_text, ctx->passwords, KN_MAX_PASSWORDS);
    }
    return ctx->n_passwords;
}

void kn_attach_free(struct kn_attachment *a)
{
    if (!a)
        return;
    free(a->name);
    free(a->ssdeep);
    free(a->password);
    free(a->error);
    for (size_t i = 0; i < a->n_members; i++)
        kn_attach_free(&a->members[i]);
    free(a->members);
    memset(a, 0, sizeof *a);
}
