/* The SQLite store of the telescope figures (schema: docs/schema.md).
 *
 * One database holds one observation setup: its sensor prefixes, time zone
 * and wide-port threshold are written when it is created and checked on
 * every later open. Each capture file is committed in ONE transaction
 * together with its row in `files`, so a process killed at any moment
 * leaves the database as it was before that file; a file whose content
 * hash is already in `files` is not counted again. WAL mode, so reports
 * can read while an analysis writes. Schema versions are migrated in
 * place (PRAGMA user_version), never silently recreated. */
#ifndef KENCHI_STORE_STORE_H
#define KENCHI_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "classify/prefix.h"
#include "decode/pkt.h"
#include "util/err.h"

#define KN_SCHEMA_VERSION 1
#define KN_MAX_SENSORS 256

/* The observation setup. */
struct kn_config {
    struct kn_cidr sensors[KN_MAX_SENSORS];
    size_t n_sensors;
    char tz[64];          /* IANA name */
    uint32_t wide_ports;  /* >= 1 */
    char created[32];     /* ISO 8601 UTC, set when the database is created */
};

/* What the caller asked for: unset fields are taken from the database. */
struct kn_config_request {
    struct kn_cidr sensors[KN_MAX_SENSORS];
    size_t n_sensors;     /* 0: not given */
    const char *tz;       /* NULL: not given */
    uint32_t wide_ports;  /* 0: not given */
};

/* Ingest statistics of one file or run (docs/metrics.md): every packet is
 * in exactly one of accesses, not_sensor and outcome[KN_OUT_NO_IP ..]. */
struct kn_ingest {
    uint64_t packets;
    uint64_t accesses;
    uint64_t not_sensor;
    uint64_t outcome[KN_OUT__COUNT]; /* outcome[KN_OUT_IP] = accesses + not_sensor */
    uint64_t anomalies[32];          /* packets with anomaly bit i (decoder's enum) */
    bool live;
    uint64_t kernel_received, kernel_dropped;
    uint64_t first_ns, last_ns;      /* capture times of the packets read (0 when none) */
    char read_error[512];            /* the error that ended the file early, "" if none */
};

struct kn_store;

/* Return codes beside 0 and -1. */
#define KN_STORE_CONFLICT (-2) /* the request contradicts the stored config */

/* Opens (creating when `create` and absent) the database at path, checks
 * or writes the config, and fills *cfg with the effective config. With
 * req == NULL the database is opened read-only (reports): it must exist
 * and have the current schema. Returns
 * 0, -1 (error) or KN_STORE_CONFLICT; err says why. *out is owned by the
 * caller: kn_store_close(). A handle may move between threads but is used
 * by one thread at a time (it is opened without SQLite's own locking);
 * threads that work at the same time open handles of their own. */
int kn_store_open(struct kn_store **out, const char *path, const struct kn_config_request *req,
                  bool create, struct kn_config *cfg, struct kn_err *err);
void kn_store_close(struct kn_store *st);

/* Gives SQLite, for the rest of the process, a page cache of `pages`
 * 64 KiB slots in huge pages, used before its own allocations. On this
 * kind of VM every first touch of a 4 KiB page costs ~14 us: a commit that
 * fills SQLite's cache from malloc() takes thousands of such faults (0.08
 * s of the bench day's 0.24 s commit, docs/performance.md). Only before
 * SQLite is first used, and only for a database at path with 64 KiB pages
 * (or none yet). false when not applied: nothing else changes. */
bool kn_store_page_arena(const char *path, size_t pages);

/* Commits one file: its aggregate (merged with what the database already
 * holds) and its row in `files`, in one transaction. If a file with the
 * same content hash is already stored, nothing is written and *skipped is
 * set together with the earlier file's name in skipped_as. The aggregate's
 * source index is given up to make room for the rows' write order
 * (kn_agg_drop_index: the records stay). 0 or -1. */
int kn_store_commit_file(struct kn_store *st, const uint8_t hash[32], const char *name,
                         const struct kn_ingest *ing, struct kn_agg *agg, bool *skipped,
                         char *skipped_as, size_t skipped_as_size, struct kn_err *err);

/* One file of a group commit. */
struct kn_commit_file {
    const uint8_t *hash;          /* 32 bytes */
    const char *name;
    const struct kn_ingest *ing;
};

/* Called inside a group commit's transaction once the figures are
 * written, before the files are checked and recorded: a file's content
 * hash may be finished there (analyze/group.c), beside the writing.
 * 0, or -1 (err) to roll everything back. */
struct kn_commit_hook {
    int (*before_files)(void *ctx, struct kn_err *err);
    void *ctx;
};

/* Commits the aggregate of several files (no two alike) and their rows in
 * `files`, in one transaction: all of them or none. If one of them is
 * stored already (by a concurrent run meanwhile, or a file whose hash hook
 * finished), nothing is written and KN_STORE_RACED is returned with *raced
 * its index and the stored file's name in raced_as (the aggregate is then
 * consumed: read the files again). hook may be NULL. 0, -1 or
 * KN_STORE_RACED. */
#define KN_STORE_RACED 1
int kn_store_commit_files(struct kn_store *st, const struct kn_commit_file *files, size_t n,
                          struct kn_agg *agg, const struct kn_commit_hook *hook, size_t *raced,
                          char *raced_as, size_t raced_as_size, struct kn_err *err);

/* Could a file with these ingest statistics be stored already? Files of
 * the same content have the same frames, so the same packet count and
 * first and last times: when no stored file has those, none has its hash
 * (and the hash can wait, analyze/group.c). 1, 0 or -1. */
int kn_store_may_have_file(struct kn_store *st, const struct kn_ingest *ing, struct kn_err *err);

/* Is a file with this content hash stored? 1 yes (its name in name, when
 * name_size > 0), 0 no, -1 error. */
int kn_store_find_file(struct kn_store *st, const uint8_t hash[32], char *name, size_t name_size,
                       struct kn_err *err);
/* The same without the name. */
int kn_store_has_file(struct kn_store *st, const uint8_t hash[32], struct kn_err *err);

/* The open handle, for read-only queries by report (sqlite3 *). */
struct sqlite3 *kn_store_db(struct kn_store *st);

#endif
