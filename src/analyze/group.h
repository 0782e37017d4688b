/* Group commits for `kenchi analyze`: the files of a run are gathered into
 * one aggregate as they are read and stored together, in one transaction,
 * when the group is due (kn_group_due) and at the end.
 *
 * Why: a commit costs about 1.3 µs per row it upserts, and every file of a
 * day upserts that day's port rows and its sources again. 24 hourly files
 * committed one by one spent 2.4 s of 2.77 s in their commits; merging in
 * memory first (kn_agg_merge, ~0.1 µs a row) leaves one commit per group.
 * Each file is still stored whole or not at all: a group is one
 * transaction, and a file is only added once its whole content (hash) is
 * known and found neither stored nor already in the group, except two
 * kinds of file whose digest is finished and checked inside the commit,
 * before anything of the transaction is kept (kn_group_add): a run's last
 * file starting a group, and files left unhashed by their reading
 * (pipeline.h, defer_walk), whose digests a thread takes beside the
 * commit's writes. Those join only when their statistics (frames, first
 * and last time) match no stored file and no file of the group: equal
 * frames give equal statistics, so a repeat still shows before anything is
 * written. */
#ifndef KENCHI_ANALYZE_GROUP_H
#define KENCHI_ANALYZE_GROUP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "analyze/pipeline.h"
#include "util/err.h"

/* A group is due once it holds this many source records (about 100 bytes
 * each with the index: memory stays in the budget of docs/performance.md)
 * or its first file was added this many seconds ago (readers of the
 * database see progress; an interrupted run commits what it read). */
#define KN_GROUP_MAX_SOURCES (2u << 20)
#define KN_GROUP_MAX_SECONDS 10.0
/* ... or once it holds figures of more days than this, and a file that
 * would bring it beyond them starts a group of its own (kn_group_full_for).
 * A day's port table (a 64-byte slot per family, protocol and port) is
 * shared by the files of that day only, so merging files of many days
 * saves no rows and keeps every day's table until the commit: 30 generated
 * daily files in one run peaked at 329 MiB against a budget of 113 MiB,
 * six of the bench's days 256 MiB against 145 (docs/performance.md). */
#define KN_GROUP_MAX_DAYS 1
/* At most this many files of a group wait for their digests, and at most
 * a quarter of the process's file descriptor limit (each holds one, and
 * the run needs others to open the next files); later ones are hashed as
 * they are read. */
#define KN_GROUP_MAX_WALKS 256

struct kn_group_file {
    char *name;                /* owned copy */
    struct kn_run_result res;  /* KN_RUN_COMMITTED once stored, or KN_RUN_SKIPPED */
    bool digest_at_commit;     /* joined with its digest left to the commit */
};

/* What a run's flushes wrote, for `kenchi analyze --timing`: the rows
 * kenchi's aggregate held when each transaction began (a merge with rows
 * already stored writes no more rows than that). */
struct kn_group_tally {
    size_t commits;          /* transactions that stored at least one file */
    uint64_t source_days;    /* source-day records */
    uint64_t port_rows;      /* (day, family, protocol, port) counters */
    uint64_t spilled_runs;   /* day port tables parked on disk while reading (portspill.h) */
    double seconds;          /* wall time inside the transactions */
    double hash_wait;        /* of which waiting for a content hash left pending */
    size_t walks;            /* digests taken beside the commits (defer_walk) */
};

struct kn_group {
    struct kn_store *store;       /* borrowed */
    struct kn_agg *agg;           /* owned: the counted files' figures */
    /* Merging beside the next file's reading (set by the caller after
     * kn_group_init): kn_group_add() then merges a file's figures on a
     * thread of its own and returns at once. Why: the bench day's 24
     * hourly files stored in 0.22 s against 0.14 s for the day in one
     * file, the difference their merges on one core while the other
     * idled (docs/performance.md, item 28). */
    bool overlap;
    pthread_t merger;             /* running while merging_from is set */
    const struct kn_agg *merging_from; /* borrowed: the figures merger reads; NULL when not merging */
    size_t sources_bound;         /* while merging: agg's records once merged, at most */
    size_t days;                  /* agg's days, once any running merge is done */
    char merge_failed[sizeof((struct kn_err *)0)->msg]; /* merger's error, or "" */
    struct kn_group_file *files;  /* owned, n of cap, in the order added */
    size_t n, cap;
    size_t counted;               /* files whose figures are in agg */
    /* files[pending_at], the only counted file, came with its content hash
     * pending: the commit finishes it beside its writing, and a later
     * kn_group_add() before that (kn_group_add). */
    bool pending;
    size_t pending_at;
    size_t max_files;             /* due at this many counted files; 0 no limit */
    /* Counted files whose digest waits for the commit (res.walk_pending),
     * and their files' bytes. */
    size_t walks;
    uint64_t walk_bytes;
    uint64_t walk_bytes_max;      /* 0: kn_hash_lag_default() (set it before the first add) */
    pthread_t walker;             /* taking those digests during a flush */
    bool walker_running;
    _Atomic size_t walk_next;     /* the next file a walker claims (group.c, take_walks) */
    pthread_mutex_t walk_lock;    /* guards walk_failed */
    char walk_failed[sizeof((struct kn_err *)0)->msg]; /* the walkers' first error, or "" */
    struct timespec first;        /* when the first counted file was added */
    struct kn_group_tally tally;  /* what the flushes wrote so far */
    char broken[sizeof((struct kn_err *)0)->msg]; /* why agg is wrong (a merge failed), or "" */
};

int kn_group_init(struct kn_group *g, struct kn_store *store, uint32_t wide_ports,
                  size_t max_files, struct kn_err *err);
void kn_group_free(struct kn_group *g);

/* Takes a file that kn_pipeline_read() left in agg and *res (to be
 * stored: not interrupted, not a partial file to drop). A file whose
 * content is stored already, or is in the group, is kept as skipped (named
 * after the earlier one); otherwise its figures move into the group and
 * agg is left to the next read's reset. A content hash still pending
 * (res->hash_pending) is finished here, except for the group's first
 * counted file: that one is checked at the commit, or when another file
 * joins (its figures are merged, which cannot be undone), so the pipeline
 * that read it must not read again before either. A walk left pending
 * (res->walk_pending) is the group's from here on, whatever the outcome
 * (res->walk_pending is cleared): kept for the commit when the file fits
 * in the group's room (kn_group_walk_room) and its statistics match no
 * stored file and no file of the group, else its digest is taken here. 0, or -1 when the file could not be added (err;
 * nothing changed). With g->overlap, agg may still be read
 * by the group's merging thread on return: it is the caller's again after
 * kn_group_release(g, agg), or after the next kn_group_add(),
 * kn_group_flush() or kn_group_free(). */
int kn_group_add(struct kn_group *g, struct kn_agg *agg, const char *name,
                 struct kn_run_result *res, struct kn_err *err);

/* The largest file whose digest the next read may leave to the group
 * (pl->defer_walk_max): what the files waiting for their digests leave of
 * g->walk_bytes_max, so that their bytes are still in the page cache when
 * the commit digests them (the hasher's lag bound, pipeline.h); 0 once
 * KN_GROUP_MAX_WALKS files (or a quarter of RLIMIT_NOFILE) wait. */
uint64_t kn_group_walk_room(const struct kn_group *g);

/* Whether the next file may be read while the group is stored: within the
 * memory budget of docs/performance.md (64 MiB + 100 B per source-day of
 * the run so far, unadded's records counted too) with the process's
 * resident memory now plus figures as large as the group's, which such a
 * file may bring (a day's: three bench-size days held at once exceeded the
 * budget). Waits for a running merge first. unadded may be NULL. */
bool kn_group_room_to_read_beside(struct kn_group *g, const struct kn_agg *unadded);

/* Waits until the group no longer reads agg (a merge of it has ended). */
void kn_group_release(struct kn_group *g, const struct kn_agg *agg);

bool kn_group_due(const struct kn_group *g);

/* Whether the group should be stored before agg joins it, because it would
 * then hold more than KN_GROUP_MAX_DAYS days (waits for a running merge):
 * the files of one day merge, and the next day starts a new group. */
bool kn_group_full_for(struct kn_group *g, const struct kn_agg *agg);

/* Called by kn_group_flush() once per file, in the order added: error is
 * NULL when the file was stored or skipped (res->status says which), else
 * why nothing of it was stored. */
typedef void (*kn_group_report_fn)(void *ctx, const char *name, const struct kn_run_result *res,
                                   const char *error);

/* Stores the group's files in one transaction and reports each; the group
 * is empty afterwards. Returns how many files failed (0 when all were
 * stored or skipped). */
int kn_group_flush(struct kn_group *g, kn_group_report_fn report, void *ctx);

#endif
