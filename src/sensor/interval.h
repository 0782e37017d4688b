/* One sensor interval: the aggregate and ingest statistics of the packets
 * captured between two commits, and its commit to the store as one
 * transaction keyed by (sensor name, interval start). The key is recorded
 * in the store's `files` table (hash = SHA-256 of the key, name =
 * "sensor NAME interval START"), so committing the same interval again
 * writes nothing, and a restarted sensor begins a new interval at its start
 * time: a restart never counts a packet twice, and a kill -9 loses only the
 * interval that was open. */
#ifndef KENCHI_SENSOR_INTERVAL_H
#define KENCHI_SENSOR_INTERVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "capture/source.h"
#include "classify/prefix.h"
#include "store/store.h"
#include "util/err.h"

struct kn_interval {
    struct kn_agg *agg;     /* owned */
    struct kn_ingest ing;   /* packets and outcomes; live = true */
    uint64_t start_ns;      /* the key's time: when this interval began */
};

/* Allocates the aggregate. Free with kn_interval_free. 0 or -1. */
int kn_interval_init(struct kn_interval *iv, uint32_t wide_ports, uint64_t start_ns,
                     struct kn_err *err);
void kn_interval_free(struct kn_interval *iv);

/* Empties it for reuse as the interval beginning at start_ns (keeps table memory). */
void kn_interval_reset(struct kn_interval *iv, uint64_t start_ns);

/* Decodes, classifies and counts one frame. 0, or -1 out of memory. */
int kn_interval_feed(struct kn_interval *iv, const struct kn_prefix_set *sensors,
                     const struct kn_frame *f, struct kn_err *err);

/* Adds src's counts into dst (src unchanged). 0 or -1. */
int kn_interval_merge(struct kn_interval *dst, const struct kn_interval *src, struct kn_err *err);

/* The key's SHA-256 and its readable name (size >= 128). */
void kn_interval_key(const char *sensor_name, uint64_t start_ns, uint8_t hash[32], char *name,
                     size_t name_size);

/* Commits iv (its source records are consumed) in one transaction.
 * *already: the key was committed before, nothing written. 0 or -1. */
int kn_interval_commit(struct kn_store *st, const char *sensor_name, struct kn_interval *iv,
                       bool *already, struct kn_err *err);

#endif
