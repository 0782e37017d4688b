/* kenchi gen's engine: plans the actors of every day, merges their packets
 * in time order with a binary heap, writes each frame to the pcap (and to
 * its hourly file with --split-hours) and counts it into the truth. No
 * allocation per packet: one frame buffer, one planned-packet record. */
#include "gen/gen.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gen/calendar.h"
#include "gen/frame.h"
#include "gen/traffic.h"
#include "gen/truth.h"
#include "util/monoclock.h"

#define GEN_SNAPLEN 262144

void kn_gen_config_default(struct kn_gen_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->first_day = gen_days_from_civil(2020, 6, 1);
    cfg->days = 1;
    snprintf(cfg->tz, sizeof cfg->tz, "UTC");
    cfg->scale = 1;
    cfg->wide_ports = 100;
    struct kn_err ignored;
    kn_gen_config_add_sensor(cfg, "192.0.2.0/24", &ignored);
    kn_gen_config_add_sensor(cfg, "2001:db8:0:1::/64", &ignored);
}

int kn_gen_config_add_sensor(struct kn_gen_config *cfg, const char *cidr, struct kn_err *err)
{
    if (cfg->n_sensors == GEN_MAX_SENSORS) {
        kn_err_set(err, "more than %d sensor prefixes", GEN_MAX_SENSORS);
        return -1;
    }
    struct gen_prefix p;
    if (gen_prefix_parse(cidr, &p, err) < 0)
        return -1;
    for (unsigned i = 0; i < cfg->n_sensors; i++)
        if (gen_prefix_overlap(&p, &cfg->sensors[i])) {
            kn_err_set(err, "sensor prefix %s overlaps %s", p.text, cfg->sensors[i].text);
            return -1;
        }
    cfg->sensors[cfg->n_sensors++] = p;
    return 0;
}

/* ---- the time-ordered merge of actors ------------------------------------ */

/* A heap entry carries its actor's key, so sifting touches only the heap. */
struct heap_entry {
    int64_t ts;
    uint32_t id; /* the actor's index: ties in time go by it, deterministically */
};

static int before(const struct heap_entry *x, const struct heap_entry *y)
{
    return x->ts < y->ts || (x->ts == y->ts && x->id < y->id);
}

static void sift_down(struct heap_entry *heap, size_t n, size_t i)
{
    struct heap_entry e = heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n)
            break;
        if (l + 1 < n && before(&heap[l + 1], &heap[l]))
            m = l + 1;
        if (!before(&heap[m], &e))
            break;
        heap[i] = heap[m];
        i = m;
    }
    heap[i] = e;
}

/* ---- output files -------------------------------------------------------- */

/* Opens a pcap for writing through a large stdio buffer (pcap_dump_open
 * would give no chance to size it). Closed with pcap_dump_close. */
static pcap_dumper_t *open_dump(pcap_t *pd, const char *path, struct kn_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        kn_err_errno(err, path);
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    pcap_dumper_t *d = pcap_dump_fopen(pd, f);
    if (!d) {
        kn_err_set(err, "%s: %s", path, pcap_geterr(pd));
        fclose(f);
    }
    return d;
}

/* Flushes and closes; -1 when anything failed to reach the file. */
static int close_dump(pcap_dumper_t *d, const char *path, struct kn_err *err)
{
    if (!d)
        return 0;
    int bad = pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d));
    pcap_dump_close(d);
    if (bad) {
        kn_err_set(err, "%s: write failed", path);
        return -1;
    }
    return 0;
}

struct writer {
    pcap_t *pd;
    pcap_dumper_t *all, *hour;
    const char *split_dir;
    int64_t start_us;
    int64_t hour_no; /* which hourly file is open, -1 for none */
    char hour_path[4096];
};

static int write_frame(struct writer *w, const struct gen_pkt *p, const uint8_t *frame,
                       uint32_t caplen, uint32_t wirelen, struct kn_err *err)
{
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(p->ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(p->ts_us % 1000000u);
    h.caplen = caplen;
    h.len = wirelen;
    pcap_dump((u_char *)w->all, &h, frame);
    if (!w->split_dir)
        return 0;
    int64_t hour = ((int64_t)p->ts_us - w->start_us) / (3600 * 1000000LL);
    if (hour != w->hour_no) {
        if (close_dump(w->hour, w->hour_path, err) < 0)
            return -1;
        w->hour = NULL;
        snprintf(w->hour_path, sizeof w->hour_path, "%s/%02lld.pcap", w->split_dir, (long long)hour);
        w->hour = open_dump(w->pd, w->hour_path, err);
        if (!w->hour)
            return -1;
        w->hour_no = hour;
    }
    pcap_dump((u_char *)w->hour, &h, frame);
    return 0;
}

int kn_gen_run(const struct kn_gen_config *cfg, struct kn_gen_stats *stats, struct kn_err *err)
{
    struct timespec t_start = kn_mono_now();
    if (cfg->days < 1 || cfg->days > GEN_MAX_DAYS || cfg->scale < 1) {
        kn_err_set(err, "days must be 1..%d and scale at least 1", GEN_MAX_DAYS);
        return -1;
    }
    int64_t starts[GEN_MAX_DAYS + 1];
    if (gen_local_midnights(cfg->tz, cfg->first_day, cfg->days, starts, err) < 0)
        return -1;
    for (unsigned i = 0; i <= cfg->days; i++)
        starts[i] *= 1000000;

    struct gen_ctx ctx;
    if (gen_ctx_init(&ctx, cfg, starts, err) < 0)
        return -1;
    struct gen_actor *actors = NULL;
    size_t n_actors = 0;
    if (gen_traffic_plan(&ctx, &actors, &n_actors, err) < 0)
        return -1;

    int rc = -1;
    struct heap_entry *heap = malloc((n_actors ? n_actors : 1) * sizeof *heap);
    struct gen_truth *truth = gen_truth_new(cfg->days, starts, cfg->wide_ports);
    struct writer w = {.split_dir = cfg->split_dir, .start_us = starts[0], .hour_no = -1};
    w.pd = pcap_open_dead(DLT_EN10MB, GEN_SNAPLEN);
    if (!heap || !truth || !w.pd) {
        kn_err_set(err, "out of memory");
        goto out;
    }
    if (cfg->split_dir && mkdir(cfg->split_dir, 0777) != 0 && errno != EEXIST) {
        kn_err_errno(err, cfg->split_dir);
        goto out;
    }
    w.all = open_dump(w.pd, cfg->out_path, err);
    if (!w.all)
        goto out;

    size_t hn = 0;
    for (size_t i = 0; i < n_actors; i++)
        if (actors[i].n > 0)
            heap[hn++] = (struct heap_entry){actors[i].next_ts, (uint32_t)i};
    for (size_t i = hn / 2; i-- > 0;)
        sift_down(heap, hn, i);

    struct gen_pkt p;
    uint8_t frame[GEN_FRAME_MAX];
    while (hn > 0) {
        struct gen_actor *a = &actors[heap[0].id];
        int more = gen_actor_emit(&ctx, a, &p);
        uint32_t caplen, wirelen;
        gen_frame_build(&p, frame, &caplen, &wirelen);
        if (write_frame(&w, &p, frame, caplen, wirelen, err) < 0)
            goto out;
        if (gen_truth_count(truth, &p) < 0) {
            kn_err_set(err, "out of memory counting the truth");
            goto out;
        }
        if (more)
            heap[0].ts = a->next_ts;
        else
            heap[0] = heap[--hn];
        if (hn)
            sift_down(heap, hn, 0);
    }
    int closed = close_dump(w.all, cfg->out_path, err);
    w.all = NULL;
    if (closed < 0)
        goto out;
    closed = close_dump(w.hour, w.hour_path, err);
    w.hour = NULL;
    if (closed < 0)
        goto out;
    if (gen_truth_write(truth, cfg, cfg->truth_path, err) < 0)
        goto out;
    if (stats) {
        stats->packets = gen_truth_packets(truth);
        stats->accesses = gen_truth_accesses(truth);
        stats->seconds = kn_seconds_since(&t_start);
    }
    rc = 0;
out:
    if (w.all)
        pcap_dump_close(w.all);
    if (w.hour)
        pcap_dump_close(w.hour);
    if (w.pd)
        pcap_close(w.pd);
    gen_truth_free(truth);
    free(heap);
    free(actors);
    return rc;
}
