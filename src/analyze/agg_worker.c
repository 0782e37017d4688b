/* Aggregation worker thread; see agg_worker.h.
 *
 * NBLOCKS blocks of BLOCK items circulate as in the content hasher: the
 * reader fills the current block and hands it over under the lock once per
 * BLOCK items; the worker adds blocks in order. Within a block the worker
 * prepares an item AHEAD items before adding it (fetching its index slot
 * and port slot) and fetches its source record half way. */
#include "analyze/agg_worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define BLOCK 2048
#define NBLOCKS 4
#define AHEAD 16

struct block {
    size_t n;
    struct kn_agg_item items[BLOCK];
};

struct kn_agg_worker {
    struct kn_agg *agg;          /* borrowed */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled;       /* a block was handed over, or quit */
    pthread_cond_t emptied;      /* the worker finished a block */
    uint64_t handed, added;      /* blocks, ever */
    bool quit;
    bool failed;                 /* under lock; err says why */
    struct kn_err err;
    struct block *cur;           /* being filled: blocks[handed % NBLOCKS] */
    struct block blocks[NBLOCKS];
};

static int add_block(struct kn_agg *agg, struct block *b, struct kn_err *err)
{
    size_t n = b->n;
    for (size_t i = 0; i < n && i < AHEAD; i++)
        kn_agg_item_prepare(agg, &b->items[i]);
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            kn_agg_item_prepare(agg, &b->items[i + AHEAD]);
        if (i + AHEAD / 2 < n)
            kn_agg_prefetch_source(agg, &b->items[i + AHEAD / 2]);
        if (kn_agg_add_item(agg, &b->items[i], err))
            return -1;
    }
    return 0;
}

static void *worker(void *arg)
{
    struct kn_agg_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->added == w->handed && !w->quit)
            pthread_cond_wait(&w->filled, &w->lock);
        if (w->added == w->handed)
            break; /* quit, and nothing left */
        struct block *b = &w->blocks[w->added % NBLOCKS];
        bool skip = w->failed; /* after a failure, blocks are only released */
        pthread_mutex_unlock(&w->lock);
        struct kn_err err;
        int rc = skip ? 0 : add_block(w->agg, b, &err);
        pthread_mutex_lock(&w->lock);
        if (rc && !w->failed) {
            w->failed = true;
            w->err = err;
        }
        w->added++;
        pthread_cond_broadcast(&w->emptied);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct kn_agg_worker *kn_agg_worker_new(struct kn_agg *agg, struct kn_err *err)
{
    /* Freed by kn_agg_worker_free(). */
    struct kn_agg_worker *w = calloc(1, sizeof *w);
    if (!w) {
        kn_err_set(err, "aggregation worker: out of memory");
        return NULL;
    }
    w->agg = agg;
    w->cur = &w->blocks[0];
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->filled, NULL);
    pthread_cond_init(&w->emptied, NULL);
    if (pthread_create(&w->thread, NULL, worker, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->filled);
        pthread_cond_destroy(&w->emptied);
        free(w);
        kn_err_set(err, "aggregation worker: cannot start its thread");
        return NULL;
    }
    return w;
}

/* Hands the current block (if it holds anything) to the worker and takes
 * the next, waiting until the worker has released it. false if it failed. */
static bool hand_over(struct kn_agg_worker *w)
{
    pthread_mutex_lock(&w->lock);
    if (w->cur->n) {
        w->handed++;
        pthread_cond_signal(&w->filled);
        while (w->handed - w->added >= NBLOCKS)
            pthread_cond_wait(&w->emptied, &w->lock);
        w->cur = &w->blocks[w->handed % NBLOCKS];
        w->cur->n = 0;
    }
    bool ok = !w->failed;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

struct kn_agg_item *kn_agg_worker_next(struct kn_agg_worker *w)
{
    if (w->cur->n == BLOCK && !hand_over(w))
        return NULL;
    return &w->cur->items[w->cur->n++];
}

int kn_agg_worker_finish(struct kn_agg_worker *w, struct kn_err *err)
{
    hand_over(w);
    pthread_mutex_lock(&w->lock);
    while (w->added != w->handed)
        pthread_cond_wait(&w->emptied, &w->lock);
    bool failed = w->failed;
    if (failed)
        *err = w->err;
    w->failed = false;
    pthread_mutex_unlock(&w->lock);
    return failed ? -1 : 0;
}

void kn_agg_worker_free(struct kn_agg_worker *w)
{
    if (!w)
        return;
    struct kn_err ignored;
    kn_agg_worker_finish(w, &ignored);
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_signal(&w->filled);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->filled);
    pthread_cond_destroy(&w->emptied);
    free(w);
}
