/* The traffic classes of the generator: a day's worth of "actors" (a Mirai
 * bot, a wide-port scanner, a DoS victim sending backscatter, ...), each a
 * small state of its own that yields its packets in time order. The
 * scheduler in gen.c merges all actors by time. docs/generator.md describes
 * every class and why it is there. */
#ifndef KENCHI_GEN_TRAFFIC_H
#define KENCHI_GEN_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "gen/gen.h"
#include "gen/plan.h"

/* What the classes need to know about the run: sensors split by family,
 * destinations known to lie outside every sensor prefix, day boundaries. */
struct gen_ctx {
    const struct kn_gen_config *cfg;
    const struct gen_prefix *s4[GEN_MAX_SENSORS], *s6[GEN_MAX_SENSORS];
    unsigned n4, n6;
    uint32_t outside4[8];       /* IPv4 addresses in no sensor prefix */
    uint8_t outside6[8][16];    /* IPv6 addresses in no sensor prefix */
    unsigned n_out4, n_out6;
    const int64_t *day_start_us; /* cfg->days + 1 entries */
    unsigned wide;               /* the wide-port threshold */
};

struct gen_actor {
    int64_t next_ts;  /* µs: time of packet i (the scheduler's key) */
    int64_t t0;       /* µs: time slot of packet 0 */
    int64_t step;     /* µs between packet slots */
    uint64_t key;     /* seeds this actor's random choices */
    uint32_t id;      /* position in the plan: ties in time go by id */
    uint32_t i, n;    /* next packet, number of packets */
    uint32_t src_id;  /* which source address (shared ids share a source) */
    uint32_t a, b;    /* class parameters */
    uint8_t cls, variant;
    uint8_t exact;    /* 1: no jitter, packet i at exactly t0 + i * step */
};

/* Fills ctx from cfg and the day boundaries (borrowed). Fails when cfg has
 * no sensor prefix or a threshold the wide-port classes cannot model. */
int gen_ctx_init(struct gen_ctx *ctx, const struct kn_gen_config *cfg,
                 const int64_t *day_start_us, struct kn_err *err);

/* Plans every actor of every day. On success *out is a malloc'd array of
 * *n actors, each with next_ts set; the caller frees it. */
int gen_traffic_plan(const struct gen_ctx *ctx, struct gen_actor **out, size_t *n,
                     struct kn_err *err);

/* Plans packet number actor->i of the actor into *p (time included), then
 * advances the actor: returns 1 while it has packets left, else 0. */
int gen_actor_emit(const struct gen_ctx *ctx, struct gen_actor *a, struct gen_pkt *p);

#endif
