/* Aggregation on a thread of its own. The reading thread decodes and
 * classifies, fills 48-byte items (kn_agg_item_fill) into blocks, and hands
 * full blocks over; the worker prepares, prefetches and adds them to the
 * aggregate in order. On two cores, reading and the random-access table
 * work then overlap (the content hasher shares the worker's core). The
 * aggregate belongs to the worker between kn_agg_worker_next() and
 * kn_agg_worker_finish(); after finish it is complete and the caller's. */
#ifndef KENCHI_ANALYZE_AGG_WORKER_H
#define KENCHI_ANALYZE_AGG_WORKER_H

#include "aggregate/aggregate.h"
#include "util/err.h"

struct kn_agg_worker;

/* Starts the thread, adding into agg (borrowed). NULL on failure (err).
 * Free with kn_agg_worker_free(). */
struct kn_agg_worker *kn_agg_worker_new(struct kn_agg *agg, struct kn_err *err);

/* The next item to fill, or NULL when the worker has failed (then
 * kn_agg_worker_finish() says why). Waits while every block is full. */
struct kn_agg_item *kn_agg_worker_next(struct kn_agg_worker *w);

/* Hands over the last items and waits until all are added. 0, or -1 with
 * the worker's error (out of memory); the worker is then ready for the
 * next capture either way. */
int kn_agg_worker_finish(struct kn_agg_worker *w, struct kn_err *err);

void kn_agg_worker_free(struct kn_agg_worker *w);

#endif
