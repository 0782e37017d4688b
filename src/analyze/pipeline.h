/* The analysis pipeline: source -> decode -> classify -> aggregate ->
 * store, one capture (or one batch of a live capture) at a time. Reused by
 * `kenchi analyze`, and meant for live capture and a sensor daemon: open a
 * source, kn_pipeline_run(), repeat. Per packet it decodes into a stack
 * record, tests sensor membership, classifies and aggregates; nothing is
 * allocated and SQLite is touched only once per file, at commit. */
#ifndef KENCHI_ANALYZE_PIPELINE_H
#define KENCHI_ANALYZE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "analyze/agg_worker.h"
#include "analyze/content_hash.h"
#include "capture/source.h"
#include "classify/prefix.h"
#include "store/store.h"
#include "util/err.h"

struct kn_pipeline {
    struct kn_prefix_set sensors;
    struct kn_agg *agg;
    struct kn_content_hash *hash;
    struct kn_agg_worker *worker;      /* NULL: aggregation on the reading thread */
    struct kn_store *store;            /* borrowed */
    volatile int interrupted;          /* set by a signal handler: do not commit */
    bool keep_partial;                 /* commit a file that ended in a read error */
    /* Set by the caller before a read whose digest can wait until its
     * commit (a run's last file): kn_pipeline_read then leaves it pending
     * (res->hash_pending) and, for a plain pcap file, lets the hasher give
     * way to the reading (content_hash.h). Why: the bench day's reading
     * took 0.27-0.30 s instead of 0.37-0.40, and the digest's remaining
     * ~0.15 s ran beside the commit (docs/performance.md, item 35). */
    bool defer_hash;
    /* Set by the caller before a read whose digest it may take itself,
     * later (the files of a run, analyze/group.h): a plain pcap file of
     * at most defer_walk_max bytes that the buffered reader reads to its
     * end is then not hashed while it is read at all; its file is handed
     * over in res->walk_pending instead. Why: in a run of 24 hourly files
     * their hashers took a core's share from the reading (0.36 s against
     * 0.25 s without them); the group digests them beside its commit,
     * whose SQLite writes leave the other core idle (docs/performance.md,
     * item 41). A read that the buffered reader hands over to libpcap
     * half way is hashed as usual: its frames from there on are staged,
     * after the walk. */
    bool defer_walk;
    uint64_t defer_walk_max;
    /* How far a hasher that gives way may fall behind the reading before it
     * must keep up, in file bytes; 0: an eighth of the machine's memory, so
     * that what it has yet to digest is still in the page cache. */
    uint64_t hash_lag_max;
};

/* The default of pl->hash_lag_max: an eighth of the machine's memory (at
 * least 64 MiB). A hasher further behind would read from disk again what
 * the page cache has dropped since the reading passed it. */
uint64_t kn_hash_lag_default(void);

/* Called about every 64Ki packets while reading (e.g. for a progress line). */
typedef void (*kn_progress_fn)(void *ctx, const struct kn_ingest *ing,
                               const struct kn_source_stats *stats);

enum kn_run_status {
    KN_RUN_COMMITTED = 0, /* counted and stored */
    KN_RUN_SKIPPED = 1,   /* same content already stored: nothing written */
    KN_RUN_INTERRUPTED = 2, /* stopped by a signal: nothing written */
    KN_RUN_PARTIAL = 3,   /* a read error ended the file early: nothing written
                           * (unless keep_partial), since the complete file, read
                           * later, has another content hash and would count the
                           * same packets twice */
};

struct kn_run_result {
    enum kn_run_status status;
    struct kn_ingest ingest;
    /* The content hash; not known yet while hash_pending (borrowed from the
     * pipeline, valid until its next read) is set: see
     * kn_run_result_finish_hash(). */
    uint8_t hash[32];
    struct kn_content_hash *hash_pending;
    bool hash_fell_behind;         /* its hasher, giving way, fell hash_lag_max behind */
    /* Not hashed at all yet (pl->defer_walk): the digest is that of the
     * plain pcap file open as walk_fd, walk_size bytes when it was read
     * (kn_content_hash_file). walk_fd is owned by the result:
     * kn_run_result_finish_hash() or kn_run_result_drop() closes it. */
    bool walk_pending;
    int walk_fd;
    uint64_t walk_size;
    char skipped_as[256];          /* name of the stored file with the same content */
};

/* Sets up for the given config (time zone selected, sensor set built).
 * store may be NULL to aggregate without storing. Free with kn_pipeline_free. */
int kn_pipeline_init(struct kn_pipeline *pl, const struct kn_config *cfg, struct kn_store *store,
                     struct kn_err *err);
void kn_pipeline_free(struct kn_pipeline *pl);

/* Aggregates on a thread of its own from now on (agg_worker.h): for one
 * capture at a time on two cores; with several captures read in parallel
 * their reading threads already fill the cores. 0 or -1. */
int kn_pipeline_use_worker(struct kn_pipeline *pl, struct kn_err *err);

/* Reads src to its end and aggregates it (ingest statistics in *res,
 * aggregate in pl->agg). A read error that ends the source early is kept in
 * res->ingest.read_error: what was read before still counts. 0, or -1 on a
 * failure that makes the counts unusable (out of memory). */
int kn_pipeline_read(struct kn_pipeline *pl, struct kn_source *src, struct kn_run_result *res,
                     kn_progress_fn progress, void *ctx, struct kn_err *err);

/* Waits for the digest kn_pipeline_read left pending (if any), or takes
 * it here for a walk left pending, and puts it in res->hash; hash_pending
 * and walk_pending are then clear. 0 or -1 (err: the hasher failed to read
 * the file, or it changed meanwhile). */
int kn_run_result_finish_hash(struct kn_run_result *res, struct kn_err *err);

/* The digest of a walk left pending, taken on the calling thread (for a
 * caller that takes several on a thread of its own): res->hash set and
 * walk_pending cleared. Fails when the file no longer holds the frames
 * read from it (another count: it changed since). 0 or -1. */
int kn_run_result_finish_walk(struct kn_run_result *res, struct kn_err *err);

/* For a result given up without its digest: closes a walk's file. */
void kn_run_result_drop(struct kn_run_result *res);

/* kn_pipeline_read + commit to the store under `name` (unless interrupted
 * or already stored). 0 or -1. */
int kn_pipeline_run(struct kn_pipeline *pl, struct kn_source *src, const char *name,
                    struct kn_run_result *res, kn_progress_fn progress, void *ctx,
                    struct kn_err *err);

/* The second half of kn_pipeline_run: decides and commits what
 * kn_pipeline_read left in pl->agg and *res (res->status set). Several
 * pipelines may read in parallel threads; commits go one at a time from
 * the thread that owns the store, in file order. 0 or -1. */
int kn_pipeline_commit(struct kn_pipeline *pl, const char *name, struct kn_run_result *res,
                       struct kn_err *err);

#endif
