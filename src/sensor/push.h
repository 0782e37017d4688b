/* The sensor's automatic push to the centre (docs/sensor.md): a thread of
 * its own, with its own connections to the local SQLite database (a read
 * snapshot; WAL lets the daemon keep committing) and to PostgreSQL, so the
 * capture and the local commits never wait for the network. It pushes at
 * start (catching up with what the spool holds) and then every
 * push-interval seconds; each push sends only the intervals the centre
 * does not have yet and what they changed (kn_central_push). When the
 * centre cannot be reached the spool keeps everything and the thread retries with backoff (1 s doubling up to
 * the push interval), logging one line when the centre becomes unreachable
 * and one when it is back, never one per retry. */
#ifndef KENCHI_SENSOR_PUSH_H
#define KENCHI_SENSOR_PUSH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct kn_sensor_counters;
struct kn_pusher;

/* What to push where. The strings are copied. */
struct kn_pusher_config {
    const char *db;       /* the local database */
    const char *url;      /* libpq URL of the centre */
    const char *name;     /* the sensor's name at the centre */
    uint32_t interval_s;  /* seconds between pushes */
};

/* Starts the thread (signals must already be blocked by the caller: the
 * thread inherits the mask). Push counters are updated in *c under mu.
 * Returns the pusher, freed by kn_pusher_stop, or NULL (err). */
struct kn_pusher *kn_pusher_start(const struct kn_pusher_config *pc,
                                  struct kn_sensor_counters *c, pthread_mutex_t *mu,
                                  struct kn_err *err);

/* Stops the thread, waiting for a push under way to end; with final_push,
 * pushes once more first (the interval committed at shutdown), logging
 * only when that fails. Frees p. NULL is allowed. */
void kn_pusher_stop(struct kn_pusher *p, bool final_push);

/* One synchronous push of everything (replay mode's end), logged and
 * counted like the thread's. 0 or -1. */
int kn_push_once(const struct kn_pusher_config *pc, struct kn_sensor_counters *c,
                 pthread_mutex_t *mu);

#endif
