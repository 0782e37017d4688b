/* Capture identity by SHA-256 over the frames; see content_hash.h.
 *
 * SHA-256 of a 250 MB capture takes ~0.16 s of a core even with the CPU's
 * SHA instructions, as much as reading the capture: so the analysing
 * thread only stages frames into blocks, and a hashing thread digests full
 * blocks in order. NBLOCKS blocks circulate between the two: the stager
 * waits only when all are full (the hasher is behind), the hasher when all
 * are empty. */
#include "analyze/content_hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STAGE (256u * 1024u)
#define NBLOCKS 4

struct block {
    size_t used;
    uint8_t data[STAGE];
};

struct kn_content_hash {
    EVP_MD_CTX *md;          /* used by the hasher thread only, between reset and final */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled;   /* a block was handed over, or quit */
    pthread_cond_t emptied;  /* the hasher finished a block */
    uint64_t handed, hashed; /* blocks handed to the hasher / digested, ever */
    bool quit;
    int failed;              /* a digest update failed (under lock) */
    struct block *cur;       /* the block being filled: blocks[handed % NBLOCKS] */
    struct block blocks[NBLOCKS];
};

static void *hasher(void *arg)
{
    struct kn_content_hash *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->hashed == h->handed && !h->quit)
            pthread_cond_wait(&h->filled, &h->lock);
        if (h->hashed == h->handed)
            break; /* quit, and nothing left */
        struct block *b = &h->blocks[h->hashed % NBLOCKS];
        pthread_mutex_unlock(&h->lock);
        int ok = EVP_DigestUpdate(h->md, b->data, b->used) == 1;
        pthread_mutex_lock(&h->lock);
        if (!ok)
            h->failed = 1;
        h->hashed++;
        pthread_cond_broadcast(&h->emptied);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Hands the current block (if it holds anything) to the hasher and takes
 * the next one, waiting until the hasher has emptied it. */
static void hand_over(struct kn_content_hash *h)
{
    if (!h->cur->used)
        return;
    pthread_mutex_lock(&h->lock);
    h->handed++;
    pthread_cond_signal(&h->filled);
    while (h->handed - h->hashed >= NBLOCKS)
        pthread_cond_wait(&h->emptied, &h->lock);
    h->cur = &h->blocks[h->handed % NBLOCKS];
    pthread_mutex_unlock(&h->lock);
    h->cur->used = 0;
}

/* Waits until the hasher has digested everything handed over. */
static void drain(struct kn_content_hash *h)
{
    hand_over(h);
    pthread_mutex_lock(&h->lock);
    while (h->hashed != h->handed)
        pthread_cond_wait(&h->emptied, &h->lock);
    pthread_mutex_unlock(&h->lock);
}

struct kn_content_hash *kn_content_hash_new(struct kn_err *err)
{
    /* Freed by kn_content_hash_free(). */
    struct kn_content_hash *h = calloc(1, sizeof *h);
    if (!h || !(h->md = EVP_MD_CTX_new())) {
        free(h);
        kn_err_set(err, "content hash: out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->filled, NULL);
    pthread_cond_init(&h->emptied, NULL);
    h->cur = &h->blocks[0];
    if (pthread_create(&h->thread, NULL, hasher, h) != 0) {
        pthread_mutex_destroy(&h->lock);
        pthread_cond_destroy(&h->filled);
        pthread_cond_destroy(&h->emptied);
        EVP_MD_CTX_free(h->md);
        free(h);
        kn_err_set(err, "content hash: cannot start its thread");
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
    drain(h); /* a reset in the middle of a capture: let the hasher finish with md */
    h->cur->used = 0;
    h->failed = 0;
    if (EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        kn_err_set(err, "content hash: SHA-256 unavailable");
        return -1;
    }
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void kn_content_hash_add(struct kn_content_hash *h, const struct kn_frame *f)
{
    if (h->cur->used + 20 > STAGE)
        hand_over(h);
    uint8_t *p = h->cur->data + h->cur->used;
    put_le(p, (uint32_t)f->linktype, 4);
    put_le(p + 4, f->ts_ns, 8);
    put_le(p + 12, f->caplen, 4);
    put_le(p + 16, f->wirelen, 4);
    h->cur->used += 20;
    /* Frames larger than the room left continue in the next block(s): the
     * digest sees one stream of bytes either way. */
    const uint8_t *d = f->data;
    size_t left = f->caplen;
    while (left) {
        if (h->cur->used == STAGE)
            hand_over(h);
        size_t n = STAGE - h->cur->used < left ? STAGE - h->cur->used : left;
        memcpy(h->cur->data + h->cur->used, d, n);
        h->cur->used += n;
        d += n;
        left -= n;
    }
}

int kn_content_hash_final(struct kn_content_hash *h, uint8_t out[32], struct kn_err *err)
{
    drain(h);
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
    drain(h);
    pthread_mutex_lock(&h->lock);
    h->quit = true;
    pthread_cond_signal(&h->filled);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->filled);
    pthread_cond_destroy(&h->emptied);
    EVP_MD_CTX_free(h->md);
    free(h);
}
