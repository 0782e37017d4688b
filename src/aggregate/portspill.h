/* Port tables of days the reading has moved on from, parked on disk.
 *
 * Why: a day's port table holds a 64-byte slot for every (family,
 * protocol, port) seen that day, tens of thousands to a few hundred
 * thousand of them, while the memory budget of issue 4 grows only with
 * the source-days. One file of a whole year (366 generated days, 2.1
 * million source-days) held 366 tables until its commit: 1.7 GB against
 * a budget of 266 MiB (docs/performance.md). The aggregate now writes a
 * table it no longer fills to an unnamed temporary file as a run of its
 * used slots and frees it; the commit and merges add the runs back, one
 * day at a time. */
#ifndef KENCHI_AGGREGATE_PORTSPILL_H
#define KENCHI_AGGREGATE_PORTSPILL_H

#include <stdint.h>

#include "aggregate/portmap.h"
#include "util/err.h"

/* A run of used slots in the spill file. */
struct kn_spill_run {
    uint64_t offset;   /* bytes */
    uint64_t n;        /* slots */
};

/* An unnamed file in $TMPDIR (else /tmp), created at the first spill and
 * gone when closed (or when the process dies). */
struct kn_portspill {
    int fd;            /* -1 until the first spill */
    uint64_t end;      /* bytes written */
};

void kn_portspill_init(struct kn_portspill *s);
void kn_portspill_close(struct kn_portspill *s);

/* Appends m's used slots as one run (*run says where) and frees m's
 * table. 0, or -1 (err says why: the temporary file could not be
 * created or written; m is then unchanged). */
int kn_portspill_put(struct kn_portspill *s, struct kn_portmap *m, struct kn_spill_run *run,
                     struct kn_err *err);

/* Adds the counts of run into m. 0, or -1 (reading failed or m could not
 * grow; err says which). */
int kn_portspill_add_to(const struct kn_portspill *s, const struct kn_spill_run *run,
                        struct kn_portmap *m, struct kn_err *err);

#endif
