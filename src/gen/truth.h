/* The generator's ground truth: per-day figures of docs/metrics.md counted
 * from the planned packets (plan.h) with direct, independent tests of the
 * contract's definitions, then written as TRUTH.json. */
#ifndef KENCHI_GEN_TRUTH_H
#define KENCHI_GEN_TRUTH_H

#include <stdint.h>

#include "gen/gen.h"
#include "gen/plan.h"
#include "util/err.h"

struct gen_truth;

/* Creates an empty truth for days [day_start_us[0], day_start_us[ndays]).
 * Returns NULL on allocation failure. Free with gen_truth_free(). */
struct gen_truth *gen_truth_new(unsigned ndays, const int64_t *day_start_us, unsigned wide_ports);
void gen_truth_free(struct gen_truth *t);

/* Counts one emitted packet. Returns -1 only when memory runs out. */
int gen_truth_count(struct gen_truth *t, const struct gen_pkt *p);

uint64_t gen_truth_packets(const struct gen_truth *t);
uint64_t gen_truth_accesses(const struct gen_truth *t);

/* Writes TRUTH.json: {"config": ..., "days": [...], "ingest": {...}}.
 * Sorts the per-day Mirai port lists in place. */
int gen_truth_write(struct gen_truth *t, const struct kn_gen_config *cfg, const char *path,
                    struct kn_err *err);

#endif
