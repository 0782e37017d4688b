/* /metrics over libmicrohttpd; see metrics.h. */
#include "sensor/metrics.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "sensor/daemon.h"

struct kn_metrics {
    struct MHD_Daemon *mhd;
    const struct kn_sensor_counters *c;
    pthread_mutex_t *mu;
    char db[1024];
};

static unsigned long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
}

size_t kn_metrics_format(const struct kn_sensor_counters *c, const char *db, double now_s,
                         char *buf, size_t size)
{
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", db);
    double open_s = (double)c->open_interval_start_ns / 1e9;
    double lag = c->last_commit_ns ? now_s - (double)c->last_commit_ns / 1e9 : now_s - open_s;
    int n = snprintf(
        buf, size,
        "# HELP kenchi_sensor_packets_total Packets captured, as of the last committed interval.\n"
        "# TYPE kenchi_sensor_packets_total counter\n"
        "kenchi_sensor_packets_total %llu\n"
        "# HELP kenchi_sensor_accesses_total Packets to sensor addresses (accesses).\n"
        "# TYPE kenchi_sensor_accesses_total counter\n"
        "kenchi_sensor_accesses_total %llu\n"
        "# HELP kenchi_sensor_kernel_received_total Packets the kernel passed to the capture.\n"
        "# TYPE kenchi_sensor_kernel_received_total counter\n"
        "kenchi_sensor_kernel_received_total %llu\n"
        "# HELP kenchi_sensor_kernel_dropped_total Packets the kernel dropped (buffer full).\n"
        "# TYPE kenchi_sensor_kernel_dropped_total counter\n"
        "kenchi_sensor_kernel_dropped_total %llu\n"
        "# HELP kenchi_sensor_intervals_committed_total Intervals committed to the database.\n"
        "# TYPE kenchi_sensor_intervals_committed_total counter\n"
        "kenchi_sensor_intervals_committed_total %llu\n"
        "# HELP kenchi_sensor_commit_failures_total Failed interval commits (retried).\n"
        "# TYPE kenchi_sensor_commit_failures_total counter\n"
        "kenchi_sensor_commit_failures_total %llu\n"
        "# HELP kenchi_sensor_interval_lag_seconds Seconds since the last committed interval.\n"
        "# TYPE kenchi_sensor_interval_lag_seconds gauge\n"
        "kenchi_sensor_interval_lag_seconds %.3f\n"
        "# HELP kenchi_sensor_database_bytes Size of the SQLite database and its WAL.\n"
        "# TYPE kenchi_sensor_database_bytes gauge\n"
        "kenchi_sensor_database_bytes %llu\n"
        "# HELP kenchi_sensor_pushes_total Successful pushes to the centre.\n"
        "# TYPE kenchi_sensor_pushes_total counter\n"
        "kenchi_sensor_pushes_total %llu\n"
        "# HELP kenchi_sensor_push_failures_total Failed pushes to the centre (retried).\n"
        "# TYPE kenchi_sensor_push_failures_total counter\n"
        "kenchi_sensor_push_failures_total %llu\n"
        "# HELP kenchi_sensor_last_push_timestamp_seconds Time of the last successful push"
        " (0: none yet).\n"
        "# TYPE kenchi_sensor_last_push_timestamp_seconds gauge\n"
        "kenchi_sensor_last_push_timestamp_seconds %.3f\n",
        (unsigned long long)c->packets, (unsigned long long)c->accesses,
        (unsigned long long)c->kernel_received, (unsigned long long)c->kernel_dropped,
        (unsigned long long)c->intervals_committed, (unsigned long long)c->commit_failures,
        lag < 0 ? 0.0 : lag, file_size(db) + file_size(wal), (unsigned long long)c->pushes,
        (unsigned long long)c->push_failures, (double)c->last_push_ns / 1e9);
    if (n < 0)
        n = 0;
    return (size_t)n < size ? (size_t)n : size - 1;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)version, (void)upload, (void)upload_size, (void)state;
    struct kn_metrics *m = cls;
    char body[8192];
    unsigned status = MHD_HTTP_OK;
    size_t len;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        len = (size_t)snprintf(body, sizeof body, "only GET\n");
    } else if (strcmp(url, "/metrics")) {
        status = MHD_HTTP_NOT_FOUND;
        len = (size_t)snprintf(body, sizeof body, "see /metrics\n");
    } else {
        struct kn_sensor_counters c;
        pthread_mutex_lock(m->mu);
        c = *m->c;
        pthread_mutex_unlock(m->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        len = kn_metrics_format(&c, m->db, (double)ts.tv_sec + ts.tv_nsec / 1e9, body,
                                sizeof body);
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

struct kn_metrics *kn_metrics_start(const char *listen, const struct kn_sensor_counters *c,
                                    pthread_mutex_t *mu, const char *db, struct kn_err *err)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !colon[1]) {
        kn_err_set(err, "\"%s\": expected HOST:PORT (e.g. 127.0.0.1:9108)", listen);
        return NULL;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1]:9108 */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai) {
        kn_err_set(err, "\"%s\": %s", listen, gai_strerror(gai));
        return NULL;
    }
    struct kn_metrics *m = calloc(1, sizeof *m); /* freed by kn_metrics_stop */
    if (!m) {
        freeaddrinfo(ai);
        kn_err_set(err, "out of memory");
        return NULL;
    }
    m->c = c;
    m->mu = mu;
    snprintf(m->db, sizeof m->db, "%s", db);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, m, MHD_OPTION_SOCK_ADDR,
                              ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, 16u,
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!m->mhd) {
        kn_err_set(err, "cannot listen on %s", listen);
        free(m);
        return NULL;
    }
    return m;
}

void kn_metrics_stop(struct kn_metrics *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->mhd);
    free(m);
}
