/* The analysis pipeline; see pipeline.h. */
#include "analyze/pipeline.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aggregate/dayclock.h"
#include "classify/classify.h"
#include "decode/decode.h"

int kn_pipeline_init(struct kn_pipeline *pl, const struct kn_config *cfg, struct kn_store *store,
                     struct kn_err *err)
{
    memset(pl, 0, sizeof *pl);
    pl->store = store;
    if (kn_tz_select(cfg->tz, err))
        return -1;
    if (kn_prefix_set_build(&pl->sensors, cfg->sensors, cfg->n_sensors, err))
        return -1;
    pl->agg = kn_agg_new(cfg->wide_ports, err);
    pl->hash = kn_content_hash_new(err);
    if (!pl->agg || !pl->hash) {
        kn_pipeline_free(pl);
        return -1;
    }
    return 0;
}

int kn_pipeline_use_worker(struct kn_pipeline *pl, struct kn_err *err)
{
    if (!pl->worker)
        pl->worker = kn_agg_worker_new(pl->agg, err);
    return pl->worker ? 0 : -1;
}

void kn_pipeline_free(struct kn_pipeline *pl)
{
    kn_agg_worker_free(pl->worker); /* first: it adds into pl->agg */
    pl->worker = NULL;
    kn_prefix_set_free(&pl->sensors);
    kn_agg_free(pl->agg);
    kn_content_hash_free(pl->hash);
    pl->agg = NULL;
    pl->hash = NULL;
}

/* Accesses wait in a small ring before they are aggregated: each source is
 * a random probe into a table far larger than the cache, so the table's
 * slot is prefetched when a packet enters the ring and its record half
 * way through, and both are in the cache by the time kn_agg_add() runs.
 * Order is kept: the ring only delays. */
#define AHEAD 16 /* a power of two */

struct ring {
    struct kn_agg_item v[AHEAD];
    uint64_t in, out; /* packets entered, packets aggregated */
};

static int ring_drain(struct kn_pipeline *pl, struct ring *r, uint64_t upto, struct kn_err *err)
{
    for (; r->out < upto; r->out++)
        if (kn_agg_add_item(pl->agg, &r->v[r->out % AHEAD], err))
            return -1;
    return 0;
}

static int ring_push(struct kn_pipeline *pl, struct ring *r, const struct kn_pkt *p,
                     struct kn_err *err)
{
    if (r->in - r->out == AHEAD && ring_drain(pl, r, r->out + 1, err))
        return -1;
    kn_agg_prepare(pl->agg, p, kn_classify(p), &r->v[r->in % AHEAD]);
    r->in++;
    if (r->in - r->out > AHEAD / 2)
        kn_agg_prefetch_source(pl->agg, &r->v[(r->in - 1 - AHEAD / 2) % AHEAD]);
    return 0;
}

uint64_t kn_hash_lag_default(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    uint64_t eighth = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 8 : 0;
    return eighth > (64u << 20) ? eighth : 64u << 20;
}

int kn_pipeline_read(struct kn_pipeline *pl, struct kn_source *src, struct kn_run_result *res,
                     kn_progress_fn progress, void *ctx, struct kn_err *err)
{
    memset(res, 0, sizeof *res);
    struct kn_ingest *ing = &res->ingest;
    kn_agg_reset(pl->agg);
    if (kn_content_hash_reset(pl->hash, err))
        return -1;
    /* A file of the buffered reader is hashed by the hasher reading it
     * itself: this thread then reads only the headers of its frames. */
    uint64_t buf_size;
    int buf_fd = kn_source_dup_buffered(src, &buf_size);
    /* Its walk left to the caller: buf_fd is this function's until it goes
     * to the result or, at a hand-over, to the hasher. */
    bool walk_later = buf_fd >= 0 && pl->defer_walk && buf_size <= pl->defer_walk_max;
    /* A walk whose digest can wait gives way to this thread and the
     * aggregation worker until they are done. Not staged frames: a stager
     * waits for the hasher once its blocks are full. */
    bool gave_way = buf_fd >= 0 && !walk_later && pl->defer_hash &&
                    kn_content_hash_give_way(pl->hash, true);
    uint64_t lag_max = !gave_way ? 0 : pl->hash_lag_max ? pl->hash_lag_max : kn_hash_lag_default();
    if (buf_fd >= 0 && !walk_later && kn_content_hash_walk_file(pl->hash, buf_fd, buf_size, err))
        return -1;
    bool buffered = buf_fd >= 0;
    struct kn_frame f;
    struct kn_pkt p;
    struct kn_err rerr;
    struct ring ring;
    ring.in = ring.out = 0;
    int rc;
    uint64_t first = UINT64_MAX, last = 0;
    while ((rc = kn_source_next(src, &f, &rerr)) == 1) {
        if (!buffered || !(buffered = kn_source_is_buffered(src))) {
            /* The walk up to here comes before the staged frames: now. */
            if (walk_later) {
                walk_later = false;
                if (kn_content_hash_walk_file(pl->hash, buf_fd, buf_size, err))
                    return -1;
            }
            kn_content_hash_add(pl->hash, &f); /* not from the buffered reader: stage it */
        }
        kn_decode(f.linktype, f.data, f.caplen, f.wirelen, f.ts_ns, &p);
        ing->packets++;
        ing->outcome[p.outcome < KN_OUT__COUNT ? p.outcome : KN_OUT_BAD_IP]++;
        for (uint32_t a = p.anomalies; a; a &= a - 1)
            ing->anomalies[__builtin_ctz(a)]++;
        if (f.ts_ns < first)
            first = f.ts_ns;
        if (f.ts_ns > last)
            last = f.ts_ns;
        if (p.outcome == KN_OUT_IP) {
            if (kn_is_access(&pl->sensors, &p)) {
                ing->accesses++;
                if (pl->worker) {
                    struct kn_agg_item *it = kn_agg_worker_next(pl->worker);
                    if (!it) {
                        kn_agg_worker_finish(pl->worker, err);
                        goto fail;
                    }
                    kn_agg_item_fill(&p, kn_classify(&p), it);
                } else if (ring_push(pl, &ring, &p, err)) {
                    goto fail;
                }
            } else {
                ing->not_sensor++;
            }
        }
        if ((progress || gave_way) && (ing->packets & 0xFFFF) == 0) {
            struct kn_source_stats ss;
            kn_source_get_stats(src, &ss);
            if (progress)
                progress(ctx, ing, &ss);
            uint64_t walked = gave_way ? kn_content_hash_walked(pl->hash) : 0;
            if (gave_way && ss.bytes_read > walked && ss.bytes_read - walked > lag_max) {
                gave_way = kn_content_hash_give_way(pl->hash, false);
                res->hash_fell_behind = true;
            }
        }
    }
    if (pl->interrupted)
        kn_content_hash_abandon(pl->hash); /* nothing of it is stored: no need to wait for it */
    if (pl->worker ? kn_agg_worker_finish(pl->worker, err) : ring_drain(pl, &ring, ring.in, err))
        goto fail;
    if (gave_way)
        kn_content_hash_give_way(pl->hash, false); /* the cores are free now */
    if (rc < 0)
        snprintf(ing->read_error, sizeof ing->read_error, "%s", rerr.msg);
    struct kn_source_stats ss;
    kn_source_get_stats(src, &ss);
    ing->live = ss.live;
    ing->kernel_received = ss.kernel_received;
    ing->kernel_dropped = ss.kernel_dropped;
    ing->first_ns = ing->packets ? first : 0;
    ing->last_ns = last;
    if (progress)
        progress(ctx, ing, &ss);
    if (pl->interrupted) {
        if (walk_later)
            close(buf_fd);
        return 0; /* no digest: nothing is committed (the next reset drains the hasher) */
    }
    if (walk_later) {
        res->walk_pending = true;
        res->walk_fd = buf_fd;
        res->walk_size = buf_size;
        return 0;
    }
    if (pl->defer_hash) {
        res->hash_pending = pl->hash;
        return 0;
    }
    return kn_content_hash_final(pl->hash, res->hash, err);
fail:
    if (walk_later)
        close(buf_fd);
    return -1;
}

int kn_run_result_finish_walk(struct kn_run_result *res, struct kn_err *err)
{
    if (!res->walk_pending)
        return 0;
    res->walk_pending = false;
    /* Grown since (a capture still being written): the walk reads only
     * the bytes there were, as the reading did. Shorter, it cannot. */
    struct stat st;
    if (fstat(res->walk_fd, &st) == 0 && (uint64_t)st.st_size < res->walk_size) {
        close(res->walk_fd);
        kn_err_set(err, "content hash: the file changed since it was read (%llu bytes then, "
                        "%llu now)", (unsigned long long)res->walk_size,
                   (unsigned long long)st.st_size);
        return -1;
    }
    uint64_t frames = 0;
    if (kn_content_hash_file(res->walk_fd, res->walk_size, res->hash, &frames, err))
        return -1;
    if (frames != res->ingest.packets) {
        kn_err_set(err, "content hash: the file changed since it was read (%llu frames, "
                        "%llu read)", (unsigned long long)frames,
                   (unsigned long long)res->ingest.packets);
        return -1;
    }
    return 0;
}

void kn_run_result_drop(struct kn_run_result *res)
{
    if (res->walk_pending)
        close(res->walk_fd);
    res->walk_pending = false;
}

int kn_run_result_finish_hash(struct kn_run_result *res, struct kn_err *err)
{
    if (res->walk_pending)
        return kn_run_result_finish_walk(res, err);
    if (!res->hash_pending)
        return 0;
    int rc = kn_content_hash_final(res->hash_pending, res->hash, err);
    res->hash_pending = NULL;
    return rc;
}

int kn_pipeline_run(struct kn_pipeline *pl, struct kn_source *src, const char *name,
                    struct kn_run_result *res, kn_progress_fn progress, void *ctx,
                    struct kn_err *err)
{
    if (kn_pipeline_read(pl, src, res, progress, ctx, err))
        return -1;
    return kn_pipeline_commit(pl, name, res, err);
}

int kn_pipeline_commit(struct kn_pipeline *pl, const char *name, struct kn_run_result *res,
                       struct kn_err *err)
{
    if (pl->interrupted) {
        kn_run_result_drop(res);
        res->status = KN_RUN_INTERRUPTED;
        return 0;
    }
    if (res->ingest.read_error[0] && !pl->keep_partial) {
        kn_run_result_drop(res);
        res->status = KN_RUN_PARTIAL;
        return 0;
    }
    if (!pl->store) {
        res->status = KN_RUN_COMMITTED;
        return 0;
    }
    if (kn_run_result_finish_hash(res, err))
        return -1;
    bool skipped;
    if (kn_store_commit_file(pl->store, res->hash, name, &res->ingest, pl->agg, &skipped,
                             res->skipped_as, sizeof res->skipped_as, err))
        return -1;
    res->status = skipped ? KN_RUN_SKIPPED : KN_RUN_COMMITTED;
    return 0;
}
