/* The sensor daemon: live capture on the configured interfaces (one reader
 * thread each, reopened with backoff when an interface goes away), counted
 * into an interval that is committed to the local SQLite store every
 * `interval` seconds of wall-clock time (sensor/interval.h), with the
 * kernel's received/dropped counts of that interval. SIGTERM/SIGINT commit
 * the open interval and stop; SIGHUP commits, reloads the configuration and
 * restarts the captures. With a centre configured, a thread pushes the
 * committed figures there (sensor/push.h). The replay mode drives the same interval code from
 * a capture file, with intervals in packet time (tests, soak, backfill). */
#ifndef KENCHI_SENSOR_DAEMON_H
#define KENCHI_SENSOR_DAEMON_H

#include <stdint.h>

#include "sensor/config.h"
#include "store/store.h"

/* Counters shown by /metrics and the final log line; updated by the daemon. */
struct kn_sensor_counters {
    uint64_t packets, accesses, kernel_received, kernel_dropped;
    uint64_t intervals_committed, commit_failures;
    uint64_t last_commit_ns;     /* wall clock of the last successful commit */
    uint64_t open_interval_start_ns;
    uint64_t pushes, push_failures; /* pushes to the centre that succeeded / failed */
    uint64_t last_push_ns;          /* wall clock of the last successful push, 0 = none */
};

/* Reloads the configuration (SIGHUP): fills *c, 0 or -1 (err). */
typedef int (*kn_sensor_reload_fn)(void *ctx, struct kn_sensor_config *c, struct kn_err *err);

/* Runs until SIGTERM/SIGINT (live) or the end of the replay file. cfg is
 * complete (kn_sensor_config_check). Returns the exit status (0, 1). */
int kn_sensor_run(const struct kn_sensor_config *cfg, kn_sensor_reload_fn reload, void *ctx);

#endif
