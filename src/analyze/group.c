/* Group commits; see group.h. */
#include "analyze/group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "aggregate/aggregate.h"
#include "util/monoclock.h"

int kn_group_init(struct kn_group *g, struct kn_store *store, uint32_t wide_ports,
                  size_t max_files, struct kn_err *err)
{
    memset(g, 0, sizeof *g);
    g->store = store;
    g->max_files = max_files;
    g->agg = kn_agg_new(wide_ports, err);
    if (!g->agg)
        return -1;
    pthread_mutex_init(&g->walk_lock, NULL);
    return 0;
}

/* Waits for the merging thread, if any; a failed merge breaks the group. */
static void settle(struct kn_group *g)
{
    if (!g->merging_from)
        return;
    pthread_join(g->merger, NULL);
    g->merging_from = NULL;
    if (g->merge_failed[0] && !g->broken[0])
        snprintf(g->broken, sizeof g->broken, "%s", g->merge_failed);
    g->merge_failed[0] = '\0';
}

void kn_group_release(struct kn_group *g, const struct kn_agg *agg)
{
    if (agg && g->merging_from == agg)
        settle(g);
}

static void *merger_main(void *arg)
{
    struct kn_group *g = arg;
    struct kn_err err;
    if (kn_agg_merge(g->agg, g->merging_from, &err))
        snprintf(g->merge_failed, sizeof g->merge_failed, "%s", err.msg);
    return NULL;
}

static void clear(struct kn_group *g)
{
    for (size_t i = 0; i < g->n; i++) {
        kn_run_result_drop(&g->files[i].res); /* a walk never taken (a broken group) */
        free(g->files[i].name);
    }
    g->n = g->counted = g->days = 0;
    g->walks = 0;
    g->walk_bytes = 0;
    g->walk_failed[0] = '\0';
    g->pending = false;
    g->broken[0] = '\0';
    /* Given back, not kept: this aggregate goes to a pipeline at the next
     * group's first file, which is mostly of other days (a group holds one
     * day's files), and what reset keeps (a day's tables, records and
     * index, ~27 MiB for the bench day) would sit idle beside the two
     * pipelines' own: three of the bench's days in one run peaked at 136
     * MiB against a budget of 104, 84 MiB without it (docs/performance.md). */
    kn_agg_trim(g->agg);
}

void kn_group_free(struct kn_group *g)
{
    if (!g->agg)
        return;
    settle(g);
    clear(g);
    free(g->files);
    kn_agg_free(g->agg);
    pthread_mutex_destroy(&g->walk_lock);
    memset(g, 0, sizeof *g);
}

/* Appends a copy of name and res. NULL out of memory. */
static struct kn_group_file *append(struct kn_group *g, const char *name,
                                    const struct kn_run_result *res, struct kn_err *err)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        struct kn_group_file *nf = realloc(g->files, cap * sizeof *nf);
        if (!nf)
            goto oom;
        g->files = nf;
        g->cap = cap;
    }
    struct kn_group_file *f = &g->files[g->n];
    if (!(f->name = strdup(name)))
        goto oom;
    f->res = *res;
    f->digest_at_commit = false;
    g->n++;
    return f;
oom:
    kn_err_set(err, "out of memory");
    return NULL;
}

/* Equal frames give equal statistics: a file whose statistics differ from
 * another's cannot have its content. (A file without frames has no times,
 * as put_file() stores none.) */
static bool same_statistics(const struct kn_ingest *a, const struct kn_ingest *b)
{
    return a->packets == b->packets &&
           (!a->packets || (a->first_ns == b->first_ns && a->last_ns == b->last_ns));
}

/* Takes the digest of a counted file whose walk waits for the commit, here
 * and now; one that cannot be taken breaks the group. */
static void finish_walk_now(struct kn_group *g, struct kn_group_file *f)
{
    g->walks--;
    g->walk_bytes -= f->res.walk_size;
    struct kn_err e;
    if (kn_run_result_finish_walk(&f->res, &e) && !g->broken[0])
        snprintf(g->broken, sizeof g->broken, "%.200s: %.300s", f->name, e.msg);
}

/* Before a file with statistics ing is checked against the group: the
 * digests of the group's files with the same statistics are taken now,
 * since only digests tell whether it repeats one of them. Whether there
 * was any such file. */
static bool finish_lookalikes(struct kn_group *g, const struct kn_ingest *ing)
{
    bool any = false;
    for (size_t i = 0; i < g->n; i++) {
        struct kn_group_file *f = &g->files[i];
        if (f->res.status != KN_RUN_COMMITTED || !same_statistics(&f->res.ingest, ing))
            continue;
        any = true;
        if (f->res.walk_pending)
            finish_walk_now(g, f);
    }
    return any;
}

/* How many files may wait for their digests (group.h). */
static size_t max_walks(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return KN_GROUP_MAX_WALKS;
    return rl.rlim_cur / 4 < KN_GROUP_MAX_WALKS ? (size_t)(rl.rlim_cur / 4) : KN_GROUP_MAX_WALKS;
}

uint64_t kn_group_walk_room(const struct kn_group *g)
{
    uint64_t max = g->walk_bytes_max ? g->walk_bytes_max : kn_hash_lag_default();
    return g->walks >= max_walks() || g->walk_bytes >= max ? 0 : max - g->walk_bytes;
}

/* f has the content of the stored file named earlier: not counted. */
static void mark_skipped(struct kn_group_file *f, const char *earlier)
{
    f->res.status = KN_RUN_SKIPPED;
    snprintf(f->res.skipped_as, sizeof f->res.skipped_as, "%s", earlier);
}

/* Decides the pending first file before another joins: its hash is
 * finished and looked up now. Stored already, it turns skipped and its
 * figures leave the group; a hash that cannot be finished breaks the
 * group, as a failed merge does. */
static void settle_pending(struct kn_group *g)
{
    if (!g->pending)
        return;
    g->pending = false;
    struct kn_group_file *f = &g->files[g->pending_at];
    char earlier[sizeof f->res.skipped_as] = "";
    struct kn_err e;
    int stored = kn_run_result_finish_hash(&f->res, &e)
                     ? -1
                     : kn_store_find_file(g->store, f->res.hash, earlier, sizeof earlier, &e);
    if (stored < 0 && !g->broken[0])
        snprintf(g->broken, sizeof g->broken, "%.200s: %.300s", f->name, e.msg);
    if (stored == 1) {
        mark_skipped(f, earlier);
        kn_agg_reset(g->agg);
        g->counted = g->days = 0;
    }
}

int kn_group_add(struct kn_group *g, struct kn_agg *agg, const char *name,
                 struct kn_run_result *given, struct kn_err *err)
{
    settle(g); /* the figures of the file before: merged before anything else */
    settle_pending(g);
    struct kn_run_result r = *given; /* its hash finished below, or kept pending */
    given->walk_pending = false;     /* its walk is this function's now */
    const struct kn_run_result *res = &r;
    /* A digest may wait for the commit when no stored file has the file's
     * statistics (so none has its content), nor a file of the group: a
     * walk (its file digested beside the commit's writes), and a pending
     * hash only for the group's first file (taken over whole, as a first
     * file is). The commit checks the digests again before it keeps
     * anything. */
    bool lookalike = !g->broken[0] && finish_lookalikes(g, &r.ingest);
    bool may_wait = (r.walk_pending ? r.walk_size <= kn_group_walk_room(g)
                                    : r.hash_pending && g->counted == 0) &&
                    !g->broken[0] && !lookalike;
    int may_be_stored = may_wait ? kn_store_may_have_file(g->store, &r.ingest, err) : 1;
    if (may_be_stored < 0)
        goto fail;
    if (may_be_stored) {
        if (kn_run_result_finish_hash(&r, err))
            return -1;
        char earlier[sizeof res->skipped_as] = "";
        int stored = kn_store_find_file(g->store, res->hash, earlier, sizeof earlier, err);
        if (stored < 0)
            return -1;
        for (size_t i = 0; !stored && i < g->n; i++)
            if (g->files[i].res.status == KN_RUN_COMMITTED && !g->files[i].res.walk_pending &&
                !memcmp(g->files[i].res.hash, res->hash, sizeof res->hash)) {
                snprintf(earlier, sizeof earlier, "%s", g->files[i].name);
                stored = 1;
            }
        if (stored) {
            struct kn_group_file *f = append(g, name, res, err);
            if (!f)
                return -1;
            mark_skipped(f, earlier);
            return 0;
        }
    }
    struct kn_group_file *f = append(g, name, res, err);
    if (!f)
        goto fail;
    f->res.status = KN_RUN_COMMITTED;
    f->digest_at_commit = f->res.hash_pending || f->res.walk_pending;
    if (f->res.hash_pending) {
        g->pending = true;
        g->pending_at = g->n - 1;
    }
    if (f->res.walk_pending) {
        g->walks++;
        g->walk_bytes += f->res.walk_size;
    }
    if (g->counted++ == 0)
        g->first = kn_mono_now();
    /* The first file's figures are taken over whole (the group's empty
     * aggregate goes to the pipeline instead); later ones are merged. A
     * merge that fails half way leaves the group's figures wrong: the
     * group is then broken, and its commit fails every file in it. */
    struct kn_err merr;
    if (g->counted == 1) {
        kn_agg_swap(g->agg, agg);
        g->days = kn_agg_n_days(g->agg);
    } else if (!g->broken[0]) {
        g->sources_bound = kn_agg_n_sources(g->agg) + kn_agg_n_sources(agg);
        g->days = kn_agg_n_days_merged(g->agg, agg);
        g->merging_from = agg; /* before the thread starts: it reads it */
        if (!g->overlap || pthread_create(&g->merger, NULL, merger_main, g) != 0) {
            /* at once, here: not asked to overlap, or no thread to be had */
            g->merging_from = NULL;
            if (kn_agg_merge(g->agg, agg, &merr))
                snprintf(g->broken, sizeof g->broken, "%s", merr.msg);
        }
    }
    return 0;
fail:
    kn_run_result_drop(&r);
    return -1;
}

bool kn_group_full_for(struct kn_group *g, const struct kn_agg *agg)
{
    settle(g);
    return g->counted && kn_agg_n_days_merged(g->agg, agg) > KN_GROUP_MAX_DAYS;
}

/* The process's resident memory in bytes, or UINT64_MAX when unknown. */
static uint64_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size, resident;
    int got = f ? fscanf(f, "%llu %llu", &size, &resident) : 0;
    if (f)
        fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return got == 2 && page > 0 ? resident * (uint64_t)page : UINT64_MAX;
}

bool kn_group_room_to_read_beside(struct kn_group *g, const struct kn_agg *unadded)
{
    settle(g); /* a merge still running changes agg (the flush waits for it anyway) */
    uint64_t source_days = g->tally.source_days + kn_agg_n_sources(g->agg) +
                           (unadded ? kn_agg_n_sources(unadded) : 0);
    uint64_t budget = (64ull << 20) + 100 * source_days, rss = resident_bytes();
    return rss != UINT64_MAX && rss + kn_agg_memory(g->agg) <= budget;
}

bool kn_group_due(const struct kn_group *g)
{
    if (g->broken[0])
        return true;
    if (!g->counted)
        return false;
    if (g->max_files && g->counted >= g->max_files)
        return true;
    if (g->days > KN_GROUP_MAX_DAYS)
        return true;
    /* While merging, agg is the merger's: its size once merged is at most
     * the two sizes summed (a source in both counts once). A failed merge
     * shows at the next kn_group_add() or at the flush. */
    if ((g->merging_from ? g->sources_bound : kn_agg_n_sources(g->agg)) >= KN_GROUP_MAX_SOURCES)
        return true;
    return kn_seconds_since(&g->first) >= KN_GROUP_MAX_SECONDS;
}

/* Takes the digests left to the commit, in the order the files were
 * added, sharing them out with whoever else runs this: each file goes to
 * the one that claims its index (walk_next). The first failure is kept in
 * walk_failed. Only the walkers touch those files' results until the
 * walker thread is joined. */
static void take_walks(struct kn_group *g)
{
    size_t i;
    while ((i = atomic_fetch_add(&g->walk_next, 1)) < g->n) {
        struct kn_group_file *f = &g->files[i];
        struct kn_err e;
        if (!f->res.walk_pending || !kn_run_result_finish_walk(&f->res, &e))
            continue;
        pthread_mutex_lock(&g->walk_lock);
        if (!g->walk_failed[0])
            snprintf(g->walk_failed, sizeof g->walk_failed, "%.200s: %.300s", f->name, e.msg);
        pthread_mutex_unlock(&g->walk_lock);
    }
}

static void *walker_main(void *arg)
{
    take_walks(arg);
    return NULL;
}

/* Takes the digests not claimed yet here too (the commit's writes are
 * done: both cores are free) and waits for the walker. 0 or -1 (err:
 * which file's digest failed). */
static int join_walker(struct kn_group *g, struct kn_err *err)
{
    take_walks(g);
    if (g->walker_running)
        pthread_join(g->walker, NULL);
    g->walker_running = false;
    g->walks = 0;
    g->walk_bytes = 0;
    if (g->walk_failed[0]) {
        kn_err_set(err, "%s", g->walk_failed);
        return -1;
    }
    return 0;
}

/* kn_commit_hook: finishes the digests left to the commit inside it, once
 * the figures are written (the walker and a pending file's hasher ran
 * beside the writing). A digest so finished that another counted file has
 * too (which their statistics, compared at the add, rule out) fails the
 * commit; the others were compared at their add. */
static int finish_pending(void *ctx, struct kn_err *err)
{
    struct kn_group *g = ctx;
    struct timespec t0 = kn_mono_now();
    int rc = join_walker(g, err);
    if (rc == 0 && g->pending)
        rc = kn_run_result_finish_hash(&g->files[g->pending_at].res, err);
    g->tally.hash_wait += kn_seconds_since(&t0);
    for (size_t i = 0; rc == 0 && i < g->n; i++) {
        const struct kn_group_file *a = &g->files[i];
        for (size_t j = 0; rc == 0 && a->digest_at_commit && j < g->n; j++) {
            const struct kn_group_file *b = &g->files[j];
            if (j != i && a->res.status == KN_RUN_COMMITTED && b->res.status == KN_RUN_COMMITTED &&
                !memcmp(a->res.hash, b->res.hash, sizeof a->res.hash)) {
                kn_err_set(err, "%.200s and %.200s have the same content but not the same "
                                "statistics", a->name, b->name);
                rc = -1;
            }
        }
    }
    return rc;
}

int kn_group_flush(struct kn_group *g, kn_group_report_fn report, void *ctx)
{
    settle(g);
    int failed = 0;
    struct kn_err err = {""};
    int rc = 0;
    size_t raced = 0;
    char earlier[sizeof g->files[0].res.skipped_as] = ""; /* the stored file a raced one repeats */
    if (g->broken[0]) {
        kn_err_set(&err, "%s", g->broken);
        rc = -1;
    } else if (g->counted) {
        /* The counted files' rows; freed below. */
        struct kn_commit_file *cf = malloc(g->counted * sizeof *cf);
        if (!cf) {
            kn_err_set(&err, "out of memory");
            rc = -1;
        } else {
            size_t k = 0;
            for (size_t i = 0; i < g->n; i++)
                if (g->files[i].res.status == KN_RUN_COMMITTED)
                    cf[k++] = (struct kn_commit_file){g->files[i].res.hash, g->files[i].name,
                                                      &g->files[i].res.ingest};
            struct timespec t0 = kn_mono_now();
            uint64_t sources = kn_agg_n_sources(g->agg), ports = kn_agg_n_port_rows(g->agg);
            uint64_t runs = 0;
            for (size_t d = 0; d < kn_agg_n_days(g->agg); d++)
                runs += kn_agg_day_at(g->agg, d)->n_runs;
            const struct kn_commit_hook hook = {finish_pending, g};
            /* The digests left to the commit are taken beside its writes,
             * which keep one core busy with SQLite. */
            size_t walks = g->walks;
            bool walked = walks > 0;
            atomic_store(&g->walk_next, 0);
            g->walker_running = walked && pthread_create(&g->walker, NULL, walker_main, g) == 0;
            rc = kn_store_commit_files(g->store, cf, k, g->agg,
                                       g->pending || walked ? &hook : NULL, &raced, earlier,
                                       sizeof earlier, &err);
            free(cf);
            if (g->walker_running) {
                /* The commit failed before its hook: the digests are not
                 * wanted. No file is claimed from here on; clear() closes
                 * the ones left. */
                atomic_store(&g->walk_next, g->n);
                struct kn_err ignored;
                join_walker(g, &ignored);
            }
            g->tally.walks += walks;
            if (rc == KN_STORE_RACED && (g->pending || walked) && g->counted == 1) {
                /* The only file, found stored once its hash was known:
                 * skipped, as kn_group_add() would have found it. */
                for (size_t i = 0; i < g->n; i++)
                    if (g->files[i].res.status == KN_RUN_COMMITTED)
                        mark_skipped(&g->files[i], earlier);
                rc = 0;
            } else if (rc == 0) {
                g->tally.commits++;
                g->tally.source_days += sources;
                g->tally.port_rows += ports;
                g->tally.spilled_runs += runs;
            }
            g->tally.seconds += kn_seconds_since(&t0);
        }
    }
    char msg[sizeof err.msg + 256];
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        struct kn_group_file *f = &g->files[i];
        const char *error = NULL;
        if (f->res.status == KN_RUN_COMMITTED) {
            if (rc == KN_STORE_RACED) {
                if (k == raced)
                    snprintf(msg, sizeof msg,
                             "stored already as '%.200s' (by another run meanwhile, or under "
                             "other statistics), so nothing of its group of %zu files was "
                             "stored: analyse the others again", earlier, g->counted);
                else
                    snprintf(msg, sizeof msg,
                             "not stored: another file of its group of %zu files was stored "
                             "by another run meanwhile; analyse this one again", g->counted);
                error = msg;
            } else if (rc) {
                error = err.msg;
            }
            k++;
        }
        failed += error != NULL;
        report(ctx, f->name, &f->res, error);
    }
    clear(g);
    return failed;
}
