/* The sensor's pusher thread; see push.h. */
#include "sensor/push.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "central/central.h"
#include "sensor/daemon.h"
#include "sensor/log.h"

enum centre_state { CENTRE_UNKNOWN, CENTRE_UP, CENTRE_DOWN };

struct kn_pusher {
    char db[1024], url[1024], name[64];
    uint32_t interval_s;
    struct kn_sensor_counters *c;
    pthread_mutex_t *cmu;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool quit;                /* under mu */
    /* the thread's own (the caller's after the join): */
    enum centre_state state;
    uint64_t failed_in_row;
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int copy_config(struct kn_pusher *p, const struct kn_pusher_config *pc,
                       struct kn_err *err)
{
    if (strlen(pc->db) >= sizeof p->db || strlen(pc->url) >= sizeof p->url ||
        strlen(pc->name) >= sizeof p->name) {
        kn_err_set(err, "push: database path, URL or name too long");
        return -1;
    }
    snprintf(p->db, sizeof p->db, "%s", pc->db);
    snprintf(p->url, sizeof p->url, "%s", pc->url);
    snprintf(p->name, sizeof p->name, "%s", pc->name);
    p->interval_s = pc->interval_s ? pc->interval_s : 1;
    return 0;
}

/* One push; counts it and logs only when the centre's state changes (or a
 * final push fails). 0 pushed, -1 not. */
static int attempt(struct kn_pusher *p, bool final)
{
    struct kn_push_stats ps;
    struct kn_err err = {{0}};
    uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    int rc = kn_central_push(p->db, p->url, p->name, false, &ps, &err);
    double secs = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
    pthread_mutex_lock(p->cmu);
    if (rc == 0) {
        p->c->pushes++;
        p->c->last_push_ns = clock_ns(CLOCK_REALTIME);
    } else {
        p->c->push_failures++;
    }
    pthread_mutex_unlock(p->cmu);
    if (rc == 0) {
        if (p->state == CENTRE_UNKNOWN)
            kn_slog(KN_LOG_INFO, "centre: pushed as '%s' (%s: %llu days, %llu rows in %.1f s)",
                    p->name, ps.after ? "what is newer than the centre's" : "everything",
                    (unsigned long long)ps.days, (unsigned long long)ps.rows, secs);
        else if (p->state == CENTRE_DOWN)
            kn_slog(KN_LOG_NOTICE,
                    "centre: reachable again after %llu failed pushes; caught up (%llu days, "
                    "%llu rows in %.1f s)",
                    (unsigned long long)p->failed_in_row, (unsigned long long)ps.days,
                    (unsigned long long)ps.rows, secs);
        p->state = CENTRE_UP;
        p->failed_in_row = 0;
        return 0;
    }
    if (final)
        kn_slog(KN_LOG_WARNING,
                "centre: the last push failed (%s); the spool keeps everything and the next "
                "start pushes it",
                err.msg);
    else if (p->state != CENTRE_DOWN)
        kn_slog(KN_LOG_WARNING,
                "centre: push failed (%s); the spool keeps everything, retrying with backoff "
                "up to %u s",
                err.msg, p->interval_s);
    p->state = CENTRE_DOWN;
    p->failed_in_row++;
    return -1;
}

static void *pusher_main(void *arg)
{
    struct kn_pusher *p = arg;
    uint64_t next = clock_ns(CLOCK_MONOTONIC); /* at once: catch up with the spool */
    uint64_t backoff_s = 1;
    pthread_mutex_lock(&p->mu);
    while (!p->quit) {
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now < next) {
            struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        int rc = attempt(p, false);
        now = clock_ns(CLOCK_MONOTONIC);
        if (rc == 0) {
            backoff_s = 1;
            next = now + (uint64_t)p->interval_s * 1000000000u;
        } else {
            next = now + backoff_s * 1000000000u;
            backoff_s = backoff_s * 2 > p->interval_s ? p->interval_s : backoff_s * 2;
        }
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct kn_pusher *kn_pusher_start(const struct kn_pusher_config *pc,
                                  struct kn_sensor_counters *c, pthread_mutex_t *mu,
                                  struct kn_err *err)
{
    struct kn_pusher *p = calloc(1, sizeof *p); /* freed by kn_pusher_stop */
    if (!p) {
        kn_err_set(err, "out of memory");
        return NULL;
    }
    if (copy_config(p, pc, err)) {
        free(p);
        return NULL;
    }
    p->c = c;
    p->cmu = mu;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mu, NULL);
    int rc = pthread_create(&p->thread, NULL, pusher_main, p);
    if (rc) {
        errno = rc;
        kn_err_errno(err, "push: pthread_create");
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void kn_pusher_stop(struct kn_pusher *p, bool final_push)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    if (final_push)
        attempt(p, true);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int kn_push_once(const struct kn_pusher_config *pc, struct kn_sensor_counters *c,
                 pthread_mutex_t *mu)
{
    struct kn_pusher *p = calloc(1, sizeof *p); /* large strings: freed below */
    struct kn_err err;
    if (!p || copy_config(p, pc, &err)) {
        kn_slog(KN_LOG_ERR, "centre: %s", p ? err.msg : "out of memory");
        free(p);
        return -1;
    }
    p->c = c;
    p->cmu = mu;
    int rc = attempt(p, true);
    free(p);
    return rc;
}
