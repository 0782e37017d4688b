/* The sensor daemon; see daemon.h. Threads: one reader per interface,
 * which decodes and counts into its own current interval under its mutex;
 * the main thread waits for signals and interval ends (sigtimedwait: no
 * async handlers), swaps each reader's interval for an empty one, merges
 * them and commits. */
#include "sensor/daemon.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sensor/interval.h"
#include "sensor/log.h"
#include "sensor/metrics.h"
#include "sensor/privdrop.h"
#include "sensor/push.h"

#define BACKOFF_MAX_S 60
#define SENSOR_BUFFER_BYTES (64 << 20) /* kernel ring per interface: ~0.5 s at 1 Mpps of small frames */

struct reader {
    char iface[64];
    const char *bpf;                  /* the daemon's config */
    const struct kn_prefix_set *sensors;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    /* under mu: */
    struct kn_source *src;
    struct kn_interval cur;
    uint64_t rep_recv, rep_drop;      /* src's kernel counts already reported */
    bool quit;
    bool failed;                      /* out of memory: counts unusable */
    struct kn_err fail;
};

struct daemon {
    struct kn_sensor_config cfg;
    struct kn_config store_cfg;
    struct kn_store *st;
    struct kn_prefix_set sensors;
    struct reader *readers;
    size_t n_readers;
    struct kn_interval total;         /* being committed (or kept after a failed commit) */
    struct kn_interval spare;
    struct kn_sensor_counters counters;
    pthread_mutex_t counters_mu;
    struct kn_metrics *metrics;
    struct kn_pusher *pusher;         /* NULL when no centre is configured */
    bool replay;                      /* intervals from a file: not live, no kernel counts */
    uint64_t already;                 /* intervals found committed before: not counted */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps up to s seconds, waking early when the reader must quit. */
static void backoff_sleep(struct reader *r, unsigned s)
{
    for (unsigned i = 0; i < s * 10; i++) {
        pthread_mutex_lock(&r->mu);
        bool q = r->quit;
        pthread_mutex_unlock(&r->mu);
        if (q)
            return;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
}

/* Folds the kernel counts of r->src since the last report into r->cur.
 * Caller holds r->mu. */
static void take_kernel_counts(struct reader *r)
{
    if (!r->src)
        return;
    struct kn_source_stats ss;
    kn_source_get_stats(r->src, &ss);
    if (ss.kernel_received >= r->rep_recv)
        r->cur.ing.kernel_received += ss.kernel_received - r->rep_recv;
    if (ss.kernel_dropped >= r->rep_drop)
        r->cur.ing.kernel_dropped += ss.kernel_dropped - r->rep_drop;
    r->rep_recv = ss.kernel_received;
    r->rep_drop = ss.kernel_dropped;
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    unsigned backoff = 1;
    bool warned = false;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        bool quit = r->quit;
        bool have = r->src != NULL;
        pthread_mutex_unlock(&r->mu);
        if (quit)
            break;
        if (!have) {
            struct kn_source *s;
            struct kn_err err;
            if (kn_source_open_live_buffered(&s, r->iface, r->bpf, SENSOR_BUFFER_BYTES, &err)) {
                if (!warned)
                    kn_slog(KN_LOG_WARNING, "%s: cannot capture (%s); retrying with backoff",
                            r->iface, err.msg);
                warned = true;
                backoff_sleep(r, backoff);
                backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
                continue;
            }
            if (warned)
                kn_slog(KN_LOG_NOTICE, "%s: capturing again", r->iface);
            warned = false;
            backoff = 1;
            pthread_mutex_lock(&r->mu);
            r->src = s;
            r->rep_recv = r->rep_drop = 0;
            if (r->quit)
                kn_source_stop(s);
            pthread_mutex_unlock(&r->mu);
        }
        struct kn_frame f;
        struct kn_err err;
        int rc;
        while ((rc = kn_source_next(r->src, &f, &err)) == 1) {
            pthread_mutex_lock(&r->mu);
            struct kn_err ferr;
            if (!r->failed && kn_interval_feed(&r->cur, r->sensors, &f, &ferr)) {
                r->failed = true;
                r->fail = ferr;
            }
            pthread_mutex_unlock(&r->mu);
        }
        if (rc == 0)
            continue; /* stopped: the loop head sees quit */
        kn_slog(KN_LOG_WARNING, "%s: capture ended (%s); reopening", r->iface, err.msg);
        pthread_mutex_lock(&r->mu);
        take_kernel_counts(r);
        kn_source_close(r->src);
        r->src = NULL;
        pthread_mutex_unlock(&r->mu);
    }
    pthread_mutex_lock(&r->mu);
    take_kernel_counts(r);
    kn_source_close(r->src);
    r->src = NULL;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Opens the readers' captures (failures are retried by the threads). */
static int readers_create(struct daemon *d, struct kn_err *err)
{
    d->n_readers = d->cfg.n_ifaces;
    d->readers = calloc(d->n_readers, sizeof *d->readers); /* freed by readers_destroy */
    if (!d->readers) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < d->n_readers; i++) {
        struct reader *r = &d->readers[i];
        snprintf(r->iface, sizeof r->iface, "%s", d->cfg.ifaces[i]);
        r->bpf = d->cfg.bpf;
        r->sensors = &d->sensors;
        pthread_mutex_init(&r->mu, NULL);
        if (kn_interval_init(&r->cur, d->store_cfg.wide_ports, 0, err))
            return -1;
        struct kn_err oerr;
        if (kn_source_open_live_buffered(&r->src, r->iface, r->bpf, SENSOR_BUFFER_BYTES, &oerr))
            kn_slog(KN_LOG_WARNING, "%s: cannot capture yet (%s); will retry", r->iface,
                    oerr.msg);
        else
            kn_slog(KN_LOG_INFO, "%s: capturing%s%s", r->iface, r->bpf[0] ? " with filter " : "",
                    r->bpf);
    }
    return 0;
}

static int readers_start(struct daemon *d, struct kn_err *err)
{
    for (size_t i = 0; i < d->n_readers; i++) {
        int rc = pthread_create(&d->readers[i].thread, NULL, reader_main, &d->readers[i]);
        if (rc) {
            errno = rc;
            kn_err_errno(err, "pthread_create");
            return -1;
        }
        d->readers[i].started = true;
    }
    return 0;
}

static void readers_stop(struct daemon *d)
{
    for (size_t i = 0; i < d->n_readers; i++) {
        struct reader *r = &d->readers[i];
        pthread_mutex_lock(&r->mu);
        r->quit = true;
        if (r->src)
            kn_source_stop(r->src);
        pthread_mutex_unlock(&r->mu);
    }
    for (size_t i = 0; i < d->n_readers; i++)
        if (d->readers[i].started) {
            pthread_join(d->readers[i].thread, NULL);
            d->readers[i].started = false;
        }
}

static void readers_destroy(struct daemon *d)
{
    for (size_t i = 0; i < d->n_readers; i++) {
        struct reader *r = &d->readers[i];
        kn_source_close(r->src);
        kn_interval_free(&r->cur);
        pthread_mutex_destroy(&r->mu);
    }
    free(d->readers);
    d->readers = NULL;
    d->n_readers = 0;
}

enum commit_outcome { COMMITTED, ALREADY, FAILED };

static void update_counters(struct daemon *d, const struct kn_ingest *ing,
                            enum commit_outcome outcome, uint64_t next_start)
{
    pthread_mutex_lock(&d->counters_mu);
    struct kn_sensor_counters *c = &d->counters;
    if (outcome == COMMITTED) {
        c->packets += ing->packets;
        c->accesses += ing->accesses;
        c->kernel_received += ing->kernel_received;
        c->kernel_dropped += ing->kernel_dropped;
        c->intervals_committed++;
        c->last_commit_ns = now_ns();
    } else if (outcome == FAILED) {
        c->commit_failures++;
    }
    c->open_interval_start_ns = next_start;
    pthread_mutex_unlock(&d->counters_mu);
}

/* Commits d->total; on failure keeps it (same key) to retry with the next
 * interval's counts merged in. Returns 0 committed, 1 kept for a retry. */
static int commit_total(struct daemon *d, uint64_t next_start)
{
    struct kn_err err;
    bool already;
    struct kn_ingest ing = d->total.ing;
    if (kn_interval_commit(d->st, d->cfg.name, &d->total, &already, &err)) {
        kn_slog(KN_LOG_ERR, "commit of the interval failed (%s); keeping it for the next try",
                err.msg);
        update_counters(d, &ing, FAILED, d->total.start_ns);
        return 1;
    }
    if (already && !d->replay) /* replays report the total at the end */
        kn_slog(KN_LOG_WARNING, "interval already committed: not counted again");
    if (already)
        d->already++;
    if (ing.kernel_dropped)
        kn_slog(KN_LOG_WARNING, "kernel dropped %llu packets in the last interval",
                (unsigned long long)ing.kernel_dropped);
    update_counters(d, &ing, already ? ALREADY : COMMITTED, next_start);
    kn_interval_reset(&d->total, next_start);
    d->total.ing.live = !d->replay;
    return 0;
}

/* Ends the open interval at `now`: collects every reader's counts and
 * commits. 0 (committed), 1 (kept for a retry), -1 (counts unusable). */
static int flush(struct daemon *d, uint64_t now)
{
    for (size_t i = 0; i < d->n_readers; i++) {
        struct reader *r = &d->readers[i];
        pthread_mutex_lock(&r->mu);
        take_kernel_counts(r);
        struct kn_interval t = r->cur;
        r->cur = d->spare;
        d->spare = t;
        bool failed = r->failed;
        struct kn_err ferr = r->fail;
        pthread_mutex_unlock(&r->mu);
        if (failed) {
            kn_slog(KN_LOG_ERR, "%s: %s", r->iface, ferr.msg);
            return -1;
        }
        struct kn_err err;
        if (kn_interval_merge(&d->total, &d->spare, &err)) {
            kn_slog(KN_LOG_ERR, "merging intervals: %s", err.msg);
            return -1;
        }
        kn_interval_reset(&d->spare, 0);
    }
    return commit_total(d, now);
}

static uint64_t next_boundary(uint64_t now, uint32_t interval_s)
{
    uint64_t step = (uint64_t)interval_s * 1000000000u;
    return (now / step + 1) * step;
}

/* The sensor setup must not change under a database: the store says so. */
static int open_store(struct daemon *d, struct kn_err *err)
{
    struct kn_config_request req;
    memset(&req, 0, sizeof req);
    memcpy(req.sensors, d->cfg.sensors, sizeof req.sensors);
    req.n_sensors = d->cfg.n_sensors;
    req.tz = d->cfg.tz[0] ? d->cfg.tz : NULL;
    req.wide_ports = d->cfg.wide_ports;
    int rc = kn_store_open(&d->st, d->cfg.db, &req, true, &d->store_cfg, err);
    if (rc)
        return -1;
    if (kn_tz_select(d->store_cfg.tz, err) ||
        kn_prefix_set_build(&d->sensors, d->store_cfg.sensors, d->store_cfg.n_sensors, err))
        return -1;
    return 0;
}

static struct kn_pusher_config pusher_config(const struct daemon *d)
{
    struct kn_pusher_config pc = {d->cfg.db, d->cfg.central, d->cfg.name,
                                  d->cfg.push_interval_s};
    return pc;
}

/* Starts the pusher when a centre is configured. 0 or -1 (logged). */
static int pusher_start(struct daemon *d)
{
    if (!d->cfg.central[0])
        return 0;
    struct kn_err err;
    struct kn_pusher_config pc = pusher_config(d);
    d->pusher = kn_pusher_start(&pc, &d->counters, &d->counters_mu, &err);
    if (!d->pusher) {
        kn_slog(KN_LOG_ERR, "%s", err.msg);
        return -1;
    }
    kn_slog(KN_LOG_INFO, "pushing to the centre every %u s", d->cfg.push_interval_s);
    return 0;
}

static int run_replay(struct daemon *d)
{
    struct kn_err err;
    struct kn_source *src;
    if (kn_source_open_file(&src, d->cfg.replay, &err)) {
        kn_slog(KN_LOG_ERR, "%s", err.msg);
        return 1;
    }
    /* SIGTERM/SIGINT end the replay early (checked between frames). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    uint64_t step = (uint64_t)d->cfg.interval_s * 1000000000u, end = 0;
    bool started = false;
    struct kn_frame f;
    int rc;
    uint64_t n = 0;
    while ((rc = kn_source_next(src, &f, &err)) == 1) {
        if (!started || f.ts_ns >= end) {
            if (started && commit_total(d, f.ts_ns / step * step))
                goto fail;
            if (!started)
                d->total.start_ns = f.ts_ns;
            else
                d->total.start_ns = f.ts_ns / step * step;
            end = (f.ts_ns / step + 1) * step;
            started = true;
        }
        if (kn_interval_feed(&d->total, &d->sensors, &f, &err)) {
            kn_slog(KN_LOG_ERR, "%s", err.msg);
            goto fail;
        }
        if ((++n & 0xFFF) == 0) {
            sigset_t pend;
            sigpending(&pend);
            if (sigismember(&pend, SIGTERM) || sigismember(&pend, SIGINT))
                break;
        }
    }
    if (rc < 0)
        snprintf(d->total.ing.read_error, sizeof d->total.ing.read_error, "%s", err.msg);
    if (started && commit_total(d, 0))
        goto fail;
    kn_source_close(src);
    if (d->cfg.central[0]) {
        struct kn_pusher_config pc = pusher_config(d);
        if (kn_push_once(&pc, &d->counters, &d->counters_mu))
            return 1;
    }
    return d->counters.commit_failures ? 1 : 0;
fail:
    kn_source_close(src);
    return 1;
}

static int run_live(struct daemon *d, kn_sensor_reload_fn reload, void *ctx)
{
    struct kn_err err;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread */
    if (readers_create(d, &err)) {
        kn_slog(KN_LOG_ERR, "%s", err.msg);
        return 1;
    }
    if (d->cfg.user[0]) {
        char wal[1100], shm[1100];
        snprintf(wal, sizeof wal, "%s-wal", d->cfg.db);
        snprintf(shm, sizeof shm, "%s-shm", d->cfg.db);
        const char *paths[] = {d->cfg.db, wal, shm, NULL};
        if (kn_drop_privileges(d->cfg.user, paths, &err)) {
            kn_slog(KN_LOG_ERR, "%s", err.msg);
            return 1;
        }
        kn_slog(KN_LOG_INFO, "running as %s", d->cfg.user);
    }
    if (d->cfg.metrics[0]) {
        d->metrics = kn_metrics_start(d->cfg.metrics, &d->counters, &d->counters_mu, d->cfg.db,
                                      &err);
        if (!d->metrics) {
            kn_slog(KN_LOG_ERR, "metrics: %s", err.msg);
            return 1;
        }
        kn_slog(KN_LOG_INFO, "metrics on http://%s/metrics", d->cfg.metrics);
    }
    if (readers_start(d, &err)) {
        kn_slog(KN_LOG_ERR, "%s", err.msg);
        return 1;
    }
    if (pusher_start(d))
        return 1;
    uint64_t start = now_ns();
    d->total.start_ns = start;
    d->counters.open_interval_start_ns = start;
    uint64_t end = next_boundary(start, d->cfg.interval_s);
    kn_slog(KN_LOG_INFO, "sensor %s started: %zu interface(s), interval %u s, database %s",
            d->cfg.name, d->n_readers, d->cfg.interval_s, d->cfg.db);
    int status = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) {
            if (flush(d, now) < 0) {
                status = 1;
                break;
            }
            end = next_boundary(now, d->cfg.interval_s);
            continue;
        }
        uint64_t wait = end - now;
        struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            kn_slog(KN_LOG_INFO, "signal %d: committing the open interval and stopping", sig);
            readers_stop(d);
            if (flush(d, now_ns()))
                status = 1; /* not committed at exit: lost, say so */
            kn_pusher_stop(d->pusher, status == 0); /* the centre gets the last interval */
            d->pusher = NULL;
            break;
        }
        if (sig == SIGHUP) {
            struct kn_sensor_config nc;
            if (!reload || reload(ctx, &nc, &err) || kn_sensor_config_check(&nc, &err)) {
                kn_slog(KN_LOG_ERR, "reload failed (%s); keeping the running configuration",
                        reload ? err.msg : "no configuration file");
                continue;
            }
            if (strcmp(nc.db, d->cfg.db) || nc.n_sensors != d->cfg.n_sensors ||
                memcmp(nc.sensors, d->cfg.sensors, sizeof nc.sensors) ||
                strcmp(nc.tz, d->cfg.tz) || nc.wide_ports != d->cfg.wide_ports ||
                strcmp(nc.user, d->cfg.user) || strcmp(nc.metrics, d->cfg.metrics)) {
                kn_slog(KN_LOG_ERR, "reload: db, sensor, tz, wide-ports, user and metrics "
                                    "need a restart; keeping the running configuration");
                continue;
            }
            readers_stop(d);
            if (flush(d, now_ns()) < 0) {
                status = 1;
                break;
            }
            readers_destroy(d);
            bool push_changed = strcmp(nc.central, d->cfg.central) ||
                                nc.push_interval_s != d->cfg.push_interval_s ||
                                strcmp(nc.name, d->cfg.name);
            d->cfg = nc;
            if (readers_create(d, &err) || readers_start(d, &err)) {
                kn_slog(KN_LOG_ERR, "reload: %s", err.msg);
                status = 1;
                break;
            }
            if (push_changed) {
                kn_pusher_stop(d->pusher, false);
                d->pusher = NULL;
                if (pusher_start(d)) {
                    status = 1;
                    break;
                }
            }
            end = next_boundary(now_ns(), d->cfg.interval_s);
            kn_slog(KN_LOG_INFO, "configuration reloaded: %zu interface(s), interval %u s",
                    d->n_readers, d->cfg.interval_s);
        }
    }
    kn_pusher_stop(d->pusher, false);
    d->pusher = NULL;
    readers_stop(d);
    readers_destroy(d);
    kn_metrics_stop(d->metrics);
    return status;
}

int kn_sensor_run(const struct kn_sensor_config *cfg, kn_sensor_reload_fn reload, void *ctx)
{
    /* Heap: the config and two intervals are large; freed below. */
    struct daemon *d = calloc(1, sizeof *d);
    if (!d) {
        kn_slog(KN_LOG_ERR, "out of memory");
        return 1;
    }
    d->cfg = *cfg;
    pthread_mutex_init(&d->counters_mu, NULL);
    struct kn_err err;
    int status = 1;
    if (open_store(d, &err)) {
        kn_slog(KN_LOG_ERR, "%s: %s", cfg->db, err.msg);
        goto out;
    }
    if (kn_interval_init(&d->total, d->store_cfg.wide_ports, 0, &err) ||
        kn_interval_init(&d->spare, d->store_cfg.wide_ports, 0, &err)) {
        kn_slog(KN_LOG_ERR, "%s", err.msg);
        goto out;
    }
    d->replay = d->cfg.replay[0] != '\0';
    d->total.ing.live = !d->replay;
    status = d->replay ? run_replay(d) : run_live(d, reload, ctx);
    if (d->already)
        kn_slog(KN_LOG_NOTICE, "%llu intervals were already committed: not counted again",
                (unsigned long long)d->already);
    kn_slog(KN_LOG_INFO, "stopped: %llu intervals committed, %llu packets, %llu accesses, "
                         "%llu kernel drops, %llu failed commits, %llu pushes, %llu failed pushes",
            (unsigned long long)d->counters.intervals_committed,
            (unsigned long long)d->counters.packets, (unsigned long long)d->counters.accesses,
            (unsigned long long)d->counters.kernel_dropped,
            (unsigned long long)d->counters.commit_failures,
            (unsigned long long)d->counters.pushes,
            (unsigned long long)d->counters.push_failures);
out:
    kn_interval_free(&d->total);
    kn_interval_free(&d->spare);
    kn_prefix_set_free(&d->sensors);
    kn_store_close(d->st);
    pthread_mutex_destroy(&d->counters_mu);
    free(d);
    return status;
}
