/* Capture identity by SHA-256 over the frames; see content_hash.h. */
#include "analyze/content_hash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define STAGE (256u * 1024u)

struct kn_content_hash {
    EVP_MD_CTX *md;
    size_t used;
    int failed;
    uint8_t buf[STAGE];
};

struct kn_content_hash *kn_content_hash_new(struct kn_err *err)
{
    /* Freed by kn_content_hash_free(). */
    struct kn_content_hash *h = malloc(sizeof *h);
    if (!h || !(h->md = EVP_MD_CTX_new())) {
        free(h);
        kn_err_set(err, "content hash: out of memory");
        return NULL;
    }
    if (kn_content_hash_reset(h, err)) {
        kn_content_hash_free(h);
        return NULL;
    }
    return h;
}

int kn_content_hash_reset(struct kn_content_hash *h, struct kn_err *err)
{
    h->used = 0;
    h->failed = 0;
    if (EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        kn_err_set(err, "content hash: SHA-256 unavailable");
        return -1;
    }
    return 0;
}

static void flush(struct kn_content_hash *h)
{
    if (h->used && EVP_DigestUpdate(h->md, h->buf, h->used) != 1)
        h->failed = 1;
    h->used = 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void kn_content_hash_add(struct kn_content_hash *h, const struct kn_frame *f)
{
    if (h->used + 20 > STAGE)
        flush(h);
    uint8_t *p = h->buf + h->used;
    put_le(p, (uint32_t)f->linktype, 4);
    put_le(p + 4, f->ts_ns, 8);
    put_le(p + 12, f->caplen, 4);
    put_le(p + 16, f->wirelen, 4);
    h->used += 20;
    if (h->used + f->caplen > STAGE) {
        flush(h);
        if (f->caplen > STAGE) { /* a giant frame: hash it directly */
            if (EVP_DigestUpdate(h->md, f->data, f->caplen) != 1)
                h->failed = 1;
            return;
        }
    }
    memcpy(h->buf + h->used, f->data, f->caplen);
    h->used += f->caplen;
}

int kn_content_hash_final(struct kn_content_hash *h, uint8_t out[32], struct kn_err *err)
{
    flush(h);
    unsigned int len = 0;
    if (h->failed || EVP_DigestFinal_ex(h->md, out, &len) != 1 || len != 32) {
        kn_err_set(err, "content hash: SHA-256 failed");
        return -1;
    }
    return 0;
}

void kn_content_hash_free(struct kn_content_hash *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md);
    free(h);
}
