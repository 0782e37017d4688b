/* Capture identity by SHA-256 over the frames; see content_hash.h.
 *
 * SHA-256 of a 250 MB capture takes ~0.16 s of a core even with the CPU's
 * SHA instructions, as much as reading the capture: so the analysing
 * thread only stages frames into blocks, and a hashing thread digests full
 * blocks in order. NBLOCKS blocks circulate between the two: the stager
 * waits only when all are full (the hasher is behind), the hasher when all
 * are empty. */
#include "analyze/content_hash.h"

#include <unistd.h>

#include "capture/pcapbuf.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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
    int walk_fd;             /* a pcap file to walk before the handed blocks; -1 none */
    uint64_t walk_size;
    bool walking;            /* the hasher is walking walk_fd (under lock) */
    atomic_int abandon;      /* stop a walk early: its digest will not be used */
    _Atomic uint64_t walked; /* file bytes the current walk has digested, about */
    uint8_t meta[20];        /* the hasher's staging of one frame's fields */
    bool quit;
    bool giving_way;         /* the hasher runs at SCHED_IDLE (kn_content_hash_give_way) */
    int failed;              /* a digest update failed (under lock) */
    struct block *cur;       /* the block being filled: blocks[handed % NBLOCKS] */
    struct block blocks[NBLOCKS];
};

/* Little-endian stores, spelled out so that the compiler makes each one
 * store (a loop over the bytes stayed a loop, once per frame). */
static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* memcpy of n <= 256 bytes: GCC turns a memcpy whose size it knows to be
 * small into `rep movsq`, whose start-up cost is paid per frame; 16-byte
 * moves (the last one overlapping) cost a few cycles. */
static void copy_small(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n >= 16) {
        for (size_t i = 0; i + 16 <= n; i += 16)
            memcpy(dst + i, src + i, 16);
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            dst[i] = src[i];
    }
}

static void frame_fields(uint8_t out[20], const struct kn_frame *f)
{
    put_le32(out, (uint32_t)f->linktype);
    put_le64(out + 4, f->ts_ns);
    put_le32(out + 12, f->caplen);
    put_le32(out + 16, f->wirelen);
}

/* The walk over a pcap file: the frames the buffered reader gives the
 * analysing thread, in the same order, up to the end or the record the
 * reader hands over to libpcap, digested into md. Fields are staged per
 * frame; payloads are digested in place. Stops early once *abandon is set
 * (abandon may be NULL); *walked, if not NULL, follows the file bytes
 * digested; *frames (if not NULL) counts the frames. Closes fd. 0, or -1
 * when the digest or reading failed. */
static int walk(EVP_MD_CTX *md, int fd, uint64_t size, const atomic_int *abandon,
                _Atomic uint64_t *walked_so_far, uint64_t *frames)
{
    struct kn_pcapbuf *m = NULL;
    struct kn_err err;
    uint8_t head[24];
    int rc = -1;
    if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
        kn_pcapbuf_open(&m, fd, size, head, &err) != 1)
        goto out; /* the reader took it: so can we, unless the file changed */
    struct kn_frame f;
    int n;
    uint8_t stage[64 * 1024];
    size_t used = 0;
    uint64_t walked = sizeof head;
    uint64_t count = 0;
    while ((n = kn_pcapbuf_next(m, &f, &err)) == KN_PCAPBUF_FRAME) {
        if (abandon && atomic_load_explicit(abandon, memory_order_relaxed))
            goto out;
        count++;
        walked += 16 + (uint64_t)f.caplen;
        if (used + 20 > sizeof stage) {
            if (EVP_DigestUpdate(md, stage, used) != 1)
                goto out;
            used = 0;
            if (walked_so_far)
                atomic_store_explicit(walked_so_far, walked, memory_order_relaxed);
        }
        frame_fields(stage + used, &f);
        used += 20;
        /* small frames are staged with their fields; big ones digested in place */
        if (f.caplen <= 256 && used + f.caplen <= sizeof stage) {
            copy_small(stage + used, f.data, f.caplen);
            used += f.caplen;
            continue;
        }
        if (EVP_DigestUpdate(md, stage, used) != 1 || EVP_DigestUpdate(md, f.data, f.caplen) != 1)
            goto out;
        used = 0;
        if (walked_so_far)
            atomic_store_explicit(walked_so_far, walked, memory_order_relaxed);
    }
    if (n == KN_PCAPBUF_ERROR || (used && EVP_DigestUpdate(md, stage, used) != 1))
        goto out;
    if (walked_so_far)
        atomic_store_explicit(walked_so_far, walked, memory_order_relaxed);
    if (frames)
        *frames = count;
    rc = 0;
out:
    kn_pcapbuf_close(m);
    close(fd);
    return rc;
}

static void *hasher(void *arg)
{
    struct kn_content_hash *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->hashed == h->handed && !h->quit && h->walk_fd < 0)
            pthread_cond_wait(&h->filled, &h->lock);
        if (h->walk_fd >= 0) {
            int fd = h->walk_fd;
            uint64_t size = h->walk_size;
            h->walk_fd = -1;
            h->walking = true;
            pthread_mutex_unlock(&h->lock);
            int rc = walk(h->md, fd, size, &h->abandon, &h->walked, NULL);
            pthread_mutex_lock(&h->lock);
            if (rc)
                h->failed = 1;
            h->walking = false;
            pthread_cond_broadcast(&h->emptied);
            continue;
        }
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
    while (h->hashed != h->handed || h->walk_fd >= 0 || h->walking)
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
    h->walk_fd = -1;
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

/* Whether this process may take a thread out of SCHED_IDLE again: root,
 * CAP_SYS_NICE or an RLIMIT_NICE that allows nice 0. Tried on a thread of
 * its own, since a thread that cannot leave SCHED_IDLE stays there. */
static bool may_give_way;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void *probe_main(void *arg)
{
    struct sched_param none = {0};
    *(bool *)arg = pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) == 0 &&
                   pthread_setschedparam(pthread_self(), SCHED_OTHER, &none) == 0;
    return NULL;
}

static void probe(void)
{
    bool ok = false;
    pthread_t t;
    if (pthread_create(&t, NULL, probe_main, &ok) == 0 && pthread_join(t, NULL) == 0)
        may_give_way = ok;
}

bool kn_content_hash_give_way(struct kn_content_hash *h, bool on)
{
    if (h->giving_way == on)
        return on; /* (no probe for a hasher that never gave way) */
    pthread_once(&probe_once, probe);
    if (!may_give_way)
        return false;
    struct sched_param none = {0};
    if (pthread_setschedparam(h->thread, on ? SCHED_IDLE : SCHED_OTHER, &none) == 0)
        h->giving_way = on;
    return h->giving_way;
}

void kn_content_hash_abandon(struct kn_content_hash *h)
{
    atomic_store(&h->abandon, 1);
}

int kn_content_hash_reset(struct kn_content_hash *h, struct kn_err *err)
{
    kn_content_hash_give_way(h, false); /* or the drain could crawl */
    drain(h); /* a reset in the middle of a capture: let the hasher finish with md */
    atomic_store(&h->abandon, 0);
    h->cur->used = 0;
    h->failed = 0;
    if (EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        kn_err_set(err, "content hash: SHA-256 unavailable");
        return -1;
    }
    return 0;
}

void kn_content_hash_add(struct kn_content_hash *h, const struct kn_frame *f)
{
    if (h->cur->used + 20 > STAGE)
        hand_over(h);
    frame_fields(h->cur->data + h->cur->used, f);
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

uint64_t kn_content_hash_walked(const struct kn_content_hash *h)
{
    return atomic_load_explicit(&h->walked, memory_order_relaxed);
}

int kn_content_hash_walk_file(struct kn_content_hash *h, int fd, uint64_t size, struct kn_err *err)
{
    pthread_mutex_lock(&h->lock);
    if (h->cur->used || h->handed != h->hashed || h->walking || h->walk_fd >= 0) {
        pthread_mutex_unlock(&h->lock);
        close(fd);
        kn_err_set(err, "content hash: a file walk must come first");
        return -1;
    }
    h->walk_fd = fd;
    h->walk_size = size;
    atomic_store_explicit(&h->walked, 0, memory_order_relaxed);
    pthread_cond_signal(&h->filled);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

int kn_content_hash_final(struct kn_content_hash *h, uint8_t out[32], struct kn_err *err)
{
    kn_content_hash_give_way(h, false); /* its digest is wanted now */
    drain(h);
    unsigned int len = 0;
    if (h->failed || EVP_DigestFinal_ex(h->md, out, &len) != 1 || len != 32) {
        kn_err_set(err, "content hash: %s", atomic_load(&h->abandon) ? "abandoned"
                                            : "SHA-256 or reading the capture failed");
        return -1;
    }
    return 0;
}

void kn_content_hash_free(struct kn_content_hash *h)
{
    if (!h)
        return;
    kn_content_hash_abandon(h);
    kn_content_hash_give_way(h, false);
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

int kn_content_hash_file(int fd, uint64_t size, uint8_t out[32], uint64_t *frames,
                         struct kn_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new(); /* freed below */
    unsigned int len = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (!ok)
        close(fd);
    ok = ok && walk(md, fd, size, NULL, NULL, frames) == 0 &&
         EVP_DigestFinal_ex(md, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(md);
    if (!ok)
        kn_err_set(err, "content hash: SHA-256 or reading the capture failed");
    return ok ? 0 : -1;
}
