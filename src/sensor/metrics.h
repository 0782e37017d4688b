/* The sensor's Prometheus endpoint: GET /metrics in the text exposition
 * format (libmicrohttpd, its own thread), on the address given as
 * "HOST:PORT" (loopback unless configured otherwise). Counters come from
 * the daemon's committed intervals. */
#ifndef KENCHI_SENSOR_METRICS_H
#define KENCHI_SENSOR_METRICS_H

#include <pthread.h>
#include <stddef.h>

#include "util/err.h"

struct kn_sensor_counters;
struct kn_metrics;

/* Starts serving; counters are read under mu. db is the database path
 * (its size and its -wal file's are reported). NULL on error (err).
 * Stop with kn_metrics_stop. */
struct kn_metrics *kn_metrics_start(const char *listen, const struct kn_sensor_counters *c,
                                    pthread_mutex_t *mu, const char *db, struct kn_err *err);
void kn_metrics_stop(struct kn_metrics *m);

/* Writes the exposition text into buf (NUL-terminated). Returns its length. */
size_t kn_metrics_format(const struct kn_sensor_counters *c, const char *db, double now_s,
                         char *buf, size_t size);

#endif
