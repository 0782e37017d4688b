/* `kenchi analyze --db PATH --sensor CIDR... [--tz ZONE] [--wide-ports N] FILE...`:
 * the command layer over the pipeline: options, the stored config, the
 * group commits (group.h), a progress line on a terminal, and the messages.
 * With --jobs N, N files are read at once on N threads (one pipeline each),
 * then added to the group in command-line order, so the database and the
 * messages are the same as with one job. One job over several files uses
 * two pipelines in turn, so that the group merges one file's figures on a
 * thread of its own while the next file is read. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analyze/analyze.h"
#include "analyze/group.h"
#include "analyze/pipeline.h"
#include "report/numfmt.h"
#include "util/monoclock.h"

static const char usage_text[] =
    "usage: kenchi analyze --db PATH --sensor CIDR [--sensor CIDR]... [--tz ZONE]\n"
    "                      [--wide-ports N] [--keep-partial] [--jobs N]\n"
    "                      [--files-per-commit N] [--timing] FILE...\n"
    "\n"
    "Reads captures (pcap or pcapng, plain, gzip or zstd; \"-\" for standard input),\n"
    "counts every packet to a sensor address into the figures of docs/metrics.md and\n"
    "stores them in the SQLite database PATH. Files are stored in groups, one\n"
    "transaction per group, each file whole or not at all.\n"
    "\n"
    "  --db PATH         database (created when absent)\n"
    "  --sensor CIDR     sensor prefix, IPv4 or IPv6, repeatable; host bits are cleared\n"
    "  --tz ZONE         IANA time zone of the days (default UTC)\n"
    "  --wide-ports N    distinct (protocol, port) pairs that make a wide-port source\n"
    "                    (default 100)\n"
    "  --keep-partial    store what was read from a file that ends in a read error\n"
    "                    (by default such a file is not stored: its complete version,\n"
    "                    analysed later, would count the same packets again)\n"
    "  --jobs N, -j N    read N files at once on N threads (default 1, at most 8);\n"
    "                    files are still stored in the order given, so the\n"
    "                    database ends up the same as with one job (with one\n"
    "                    job, each file's aggregation runs on a second thread,\n"
    "                    and its merge into the run's figures beside the next\n"
    "                    file's reading); each file being read holds its day's\n"
    "                    figures in memory, so memory grows with N, and more\n"
    "                    jobs than cores gain nothing\n"
    "  --files-per-commit N\n"
    "                    store at most N files per transaction (default: a group\n"
    "                    is stored after 10 s of reading or 2 Mi source records,\n"
    "                    before a file of another day, and at the end; 1 stores\n"
    "                    each file once it is read)\n"
    "  --timing          say on standard error, at the end, where the run's time\n"
    "                    went: opening the database, reading (with packets and\n"
    "                    bytes per second), storing (rows written, day port\n"
    "                    tables spilled to a temporary file, the wait for the\n"
    "                    last file's content hash, finished beside the writing,\n"
    "                    and the files read meanwhile), closing\n"
    "\n"
    "With one job, the next file is read while a group is stored, when the memory\n"
    "the run's figures allow has room for it (docs/performance.md).\n"
    "Sensors, zone and threshold are fixed when the database is created; later runs\n"
    "may omit them, and a different value is an error (exit 2). A file whose frames\n"
    "were already analysed (same content, whatever its name or compression) is\n"
    "skipped. A file of many days keeps the port counts of days it has left in an\n"
    "unnamed temporary file in $TMPDIR (else /tmp) until it is stored.\n"
    "Exit status: 0 all files stored or skipped, 1 a file failed, 2 usage,\n"
    "130/143 stopped by SIGINT/SIGTERM (the files read in full are stored, the one\n"
    "being read leaves nothing).\n";

#define MAX_JOBS 8

/* The running pipelines and sources, for the signal handler. */
static struct kn_pipeline *volatile sig_pipeline[MAX_JOBS];
static struct kn_source *volatile sig_source[MAX_JOBS];

static volatile sig_atomic_t caught_signal; /* the SIGINT/SIGTERM that stopped the run */

static void on_signal(int sig)
{
    caught_signal = sig;
    for (int k = 0; k < MAX_JOBS; k++) {
        if (sig_pipeline[k])
            sig_pipeline[k]->interrupted = 1;
        if (sig_source[k])
            kn_source_stop(sig_source[k]);
    }
}

/* One file of a batch: opened, read (maybe on a thread of its own), then
 * committed by the main thread. */
struct job {
    const char *name;
    struct kn_pipeline *pl;
    struct kn_source *src; /* NULL when it could not be opened */
    struct kn_run_result res;
    struct kn_err err;
    int rc;                /* kn_pipeline_read's */
    pthread_t thread;
    bool threaded;
    bool read;             /* read already (ahead, beside a commit) */
};

static void *read_job(void *arg)
{
    struct job *j = arg;
    j->rc = kn_pipeline_read(j->pl, j->src, &j->res, NULL, NULL, &j->err);
    return NULL;
}

/* Starts reading argv[next] on a thread, into the pipeline it would get
 * (one job: the two alternate), while the caller stores the group: for a
 * run of daily files each commit then overlaps the next day's reading
 * (docs/performance.md, item 37). Only when the memory budget allows
 * (kn_group_room_to_read_beside; unadded: figures read but not yet in the
 * group). Whether it started (ahead is then that file's job). */
static bool read_ahead(struct job *ahead, struct kn_group *g, const struct kn_agg *unadded,
                       struct kn_pipeline *pls, char **argv, int first, int next, int argc)
{
    if (next >= argc || pls[0].interrupted || !kn_group_room_to_read_beside(g, unadded))
        return false;
    memset(ahead, 0, sizeof *ahead);
    ahead->name = argv[next];
    ahead->pl = &pls[(next - first) % 2];
    ahead->pl->defer_hash = next == argc - 1;
    ahead->pl->defer_walk = true; /* several files: the group digests them */
    ahead->pl->defer_walk_max = kn_group_walk_room(g);
    kn_group_release(g, ahead->pl->agg); /* the group may still be merging it */
    ahead->read = true;
    if (kn_source_open_file(&ahead->src, ahead->name, &ahead->err))
        return true; /* reported when its turn comes */
    sig_source[1] = ahead->src;
    ahead->threaded = pthread_create(&ahead->thread, NULL, read_job, ahead) == 0;
    if (!ahead->threaded)
        read_job(ahead); /* no thread to be had: here, before the commit */
    return true;
}

struct progress {
    const char *name;
    struct timespec start, last;
    bool shown;
};

static void show_progress(void *ctx, const struct kn_ingest *ing, const struct kn_source_stats *ss)
{
    struct progress *pr = ctx;
    if (kn_seconds_since(&pr->last) < 0.5)
        return;
    pr->last = kn_mono_now();
    double el = kn_seconds_since(&pr->start);
    char pk[32], rate[32];
    kn_fmt_thousands(ing->packets, pk, sizeof pk);
    kn_fmt_thousands((uint64_t)(el > 0 ? (double)ing->packets / el : 0), rate, sizeof rate);
    if (ss->bytes_total)
        fprintf(stderr, "\r%s: %s packets, %s packets/s, %.0f%%   ", pr->name, pk, rate,
                100.0 * (double)ss->bytes_read / (double)ss->bytes_total);
    else
        fprintf(stderr, "\r%s: %s packets, %s packets/s   ", pr->name, pk, rate);
    pr->shown = true;
}

static void print_summary(const char *name, const struct kn_run_result *r)
{
    const struct kn_ingest *g = &r->ingest;
    char a[32], b[32], c[32];
    kn_fmt_thousands(g->packets, a, sizeof a);
    kn_fmt_thousands(g->accesses, b, sizeof b);
    kn_fmt_thousands(g->not_sensor, c, sizeof c);
    printf("%s%s%s packets, %s accesses, %s not to a sensor", name, *name ? ": " : "", a, b, c);
    static const char *const other[KN_OUT__COUNT] = {
        [KN_OUT_NO_IP] = "without IP", [KN_OUT_TRUNC_LINK] = "truncated in the link layer",
        [KN_OUT_TRUNC_IP] = "truncated in the IP header", [KN_OUT_BAD_IP] = "with a bad IP header",
        [KN_OUT_UNKNOWN_LINK] = "of an unknown link type"};
    for (int o = 1; o < KN_OUT__COUNT; o++)
        if (g->outcome[o]) {
            kn_fmt_thousands(g->outcome[o], a, sizeof a);
            printf(", %s %s", a, other[o]);
        }
    if (!*name)
        printf("\n");
    else if (r->status == KN_RUN_SKIPPED)
        printf("; skipped: same content as already analysed '%s', not counted again\n",
               r->skipped_as);
    else
        printf("; stored\n");
}

/* Where a run's time went (--timing): wall seconds of each phase, which
 * follow each other on the main thread, so that with the process's
 * start-up (loading libraries, before the command starts) they make up the
 * run's wall time. */
struct timing {
    struct timespec start;          /* the command started */
    double open, read, store, close;
    uint64_t packets, bytes;        /* frames read and input bytes consumed, every file */
    unsigned read_beside;           /* files read while a group was stored (read_ahead) */
};

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void print_timing(const struct timing *t, const struct kn_group_tally *g)
{
    char pk[32], pps[32], sd[32], pr[32];
    kn_fmt_thousands(t->packets, pk, sizeof pk);
    kn_fmt_thousands(t->read > 0 ? (uint64_t)((double)t->packets / t->read) : 0, pps, sizeof pps);
    kn_fmt_thousands(g->source_days, sd, sizeof sd);
    kn_fmt_thousands(g->port_rows, pr, sizeof pr);
    double mib = (double)t->bytes / 1048576.0;
    fprintf(stderr, "timing: open  %.3f s\n", t->open);
    fprintf(stderr, "timing: read  %.3f s  %s packets  %s packets/s  %.1f MiB  %.1f MiB/s\n", t->read,
            pk, pps, mib, t->read > 0 ? mib / t->read : 0.0);
    fprintf(stderr, "timing: store %.3f s  %zu commit%s  %s source-days  %s port rows", t->store,
            g->commits, g->commits == 1 ? "" : "s", sd, pr);
    if (g->spilled_runs)
        fprintf(stderr, "  (%llu day port tables spilled to a temporary file while reading)",
                (unsigned long long)g->spilled_runs);
    if (g->walks)
        fprintf(stderr, "  (%zu content hash%s taken beside the writes)", g->walks,
                g->walks == 1 ? "" : "es");
    if (g->hash_wait > 0)
        fprintf(stderr, "  (%.3f s of it waiting for content hashes)", g->hash_wait);
    if (t->read_beside)
        fprintf(stderr, "  (%u file%s read meanwhile)", t->read_beside,
                t->read_beside == 1 ? "" : "s");
    fputc('\n', stderr);
    fprintf(stderr, "timing: close %.3f s\n", t->close);
    fprintf(stderr, "timing: total %.3f s wall  %.3f s CPU\n", kn_seconds_since(&t->start),
            cpu_seconds());
}

/* The run's tally, kept by report_file(). */
struct run {
    int files, failed;
    struct kn_run_result total; /* ingest statistics of the files stored or skipped */
};

/* kn_group_report_fn: one file's outcome, as the group commit gives it. */
static void report_file(void *ctx, const char *name, const struct kn_run_result *res,
                        const char *error)
{
    struct run *run = ctx;
    if (error) {
        fprintf(stderr, "kenchi analyze: %s: %s\n", name, error);
        run->failed++;
        return;
    }
    print_summary(name, res);
    run->files++;
    run->total.ingest.packets += res->ingest.packets;
    run->total.ingest.accesses += res->ingest.accesses;
    run->total.ingest.not_sensor += res->ingest.not_sensor;
    for (int o = 0; o < KN_OUT__COUNT; o++)
        run->total.ingest.outcome[o] += res->ingest.outcome[o];
    if (res->ingest.read_error[0]) {
        fprintf(stderr, "kenchi analyze: %s: read error after %llu packets (those are "
                        "stored, --keep-partial): %s\n", name,
                (unsigned long long)res->ingest.packets, res->ingest.read_error);
        run->failed++;
    }
}

int kn_cmd_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},       {"sensor", required_argument, NULL, 's'},
        {"tz", required_argument, NULL, 'z'},       {"wide-ports", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},           {"keep-partial", no_argument, NULL, 'k'},
        {"jobs", required_argument, NULL, 'j'},     {"files-per-commit", required_argument, NULL, 'f'},
        {"timing", no_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    bool keep_partial = false, want_timing = false, ran = false;
    struct timing tm = {.start = kn_mono_now()};
    struct timespec t0;
    /* Large: on the heap. Freed before every return below. */
    struct kn_config_request *req = calloc(1, sizeof *req);
    struct kn_config *cfg = calloc(1, sizeof *cfg);
    int status = 2, c;
    struct kn_err err;
    struct kn_store *st = NULL;
    struct kn_pipeline pls[MAX_JOBS];
    int n_pl = 0, jobs = 1;
    size_t files_per_commit = 0; /* 0: by the group's size and age (group.h) */
    struct kn_group group;       /* freed at out */
    memset(&group, 0, sizeof group);
    if (!req || !cfg) {
        fprintf(stderr, "kenchi analyze: out of memory\n");
        goto out;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 's': {
            bool norm;
            if (req->n_sensors == KN_MAX_SENSORS) {
                fprintf(stderr, "kenchi analyze: at most %d --sensor prefixes\n", KN_MAX_SENSORS);
                goto out;
            }
            if (kn_cidr_parse(optarg, &req->sensors[req->n_sensors], &norm, &err)) {
                fprintf(stderr, "kenchi analyze: %s\n", err.msg);
                goto out;
            }
            if (norm) {
                char t[64];
                kn_cidr_format(&req->sensors[req->n_sensors], t, sizeof t);
                fprintf(stderr, "kenchi analyze: note: %s has host bits set; using %s\n", optarg, t);
            }
            req->n_sensors++;
            break;
        }
        case 'z':
            req->tz = optarg;
            break;
        case 'w': {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 131072 || optarg[0] == '-') {
                fprintf(stderr, "kenchi analyze: --wide-ports wants a number from 1 to 131072\n");
                goto out;
            }
            req->wide_ports = (uint32_t)n;
            break;
        }
        case 'k':
            keep_partial = true;
            break;
        case 't':
            want_timing = true;
            break;
        case 'j': {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > MAX_JOBS || optarg[0] == '-') {
                fprintf(stderr, "kenchi analyze: --jobs wants a number from 1 to %d\n", MAX_JOBS);
                goto out;
            }
            jobs = (int)n;
            break;
        }
        case 'f': {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 1000000 || optarg[0] == '-') {
                fprintf(stderr, "kenchi analyze: --files-per-commit wants a number from 1 to "
                                "1000000\n");
                goto out;
            }
            files_per_commit = n;
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            status = 0;
            goto out;
        default:
            fputs(usage_text, stderr);
            goto out;
        }
    }
    if (!db || optind >= argc) {
        fprintf(stderr, "kenchi analyze: %s\n\n%s", !db ? "--db PATH is required" : "no FILE given",
                usage_text);
        goto out;
    }
    if (req->tz && kn_tz_select(req->tz, &err)) {
        fprintf(stderr, "kenchi analyze: %s\n", err.msg);
        goto out;
    }
    /* 160 slots, 10 MiB, take most of a commit's first-touch faults off:
     * 256 (the bench day's whole database) were no faster and put --jobs 2
     * over the memory budget (79 MiB of 77.6); larger commits take the rest
     * of the 32 MiB cache below from malloc(). */
    t0 = kn_mono_now();
    kn_store_page_arena(db, 160);
    int orc = kn_store_open(&st, db, req, true, cfg, &err);
    if (orc) {
        fprintf(stderr, "kenchi analyze: %s\n", err.msg);
        status = orc == KN_STORE_CONFLICT ? 2 : 1;
        goto out;
    }
    status = 1;
    /* A commit writes one row per source-day, often 10^5..10^7 of them, into
     * indexes spread over the whole file: with SQLite's default 2 MiB page
     * cache every insert re-reads and re-writes pages through the kernel.
     * 32 MiB keeps a large day's working set in memory (docs/performance.md). */
    sqlite3_exec(kn_store_db(st), "PRAGMA cache_size = -32768", NULL, NULL, NULL);
    /* One job over several files reads them through two pipelines in
     * turn: one file's figures merge into the group (group.h) while the
     * next file is read into the other pipeline. */
    bool alternate = jobs == 1 && argc - optind > 1;
    for (; n_pl < (alternate ? 2 : jobs); n_pl++) {
        if (kn_pipeline_init(&pls[n_pl], cfg, st, &err)) {
            fprintf(stderr, "kenchi analyze: %s\n", err.msg);
            goto out;
        }
        pls[n_pl].keep_partial = keep_partial;
        sig_pipeline[n_pl] = &pls[n_pl];
    }
    /* One file at a time: its aggregation gets a thread of its own, beside
     * the reading (with --jobs N the N readers fill the cores instead). */
    for (int k = 0; jobs == 1 && k < n_pl; k++) {
        if (kn_pipeline_use_worker(&pls[k], &err)) {
            fprintf(stderr, "kenchi analyze: %s\n", err.msg);
            goto out;
        }
    }
    if (kn_group_init(&group, st, cfg->wide_ports, files_per_commit, &err)) {
        fprintf(stderr, "kenchi analyze: %s\n", err.msg);
        goto out;
    }
    group.overlap = alternate;
    tm.open = kn_seconds_since(&t0);
    ran = true;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    bool tty = isatty(STDERR_FILENO);
    bool stop = false;
    struct run run; /* files reported so far, and their ingest statistics */
    memset(&run, 0, sizeof run);
    /* With one job, the file after the current one may be read on a thread
     * while a group is stored (read_ahead): ahead is that file's job, in
     * place while its thread fills it. */
    struct job ahead;
    bool have_ahead = false;
    for (int i = optind; i < argc && !stop && !pls[0].interrupted; i += jobs) {
        struct job batch[MAX_JOBS];
        int n = argc - i < jobs ? argc - i : jobs;
        t0 = kn_mono_now();
        bool was_ahead = have_ahead;
        if (have_ahead) { /* n is 1: the file read beside the last commit */
            if (ahead.threaded)
                pthread_join(ahead.thread, NULL);
            sig_source[1] = NULL;
            batch[0] = ahead;
            batch[0].threaded = false;
            have_ahead = false;
        }
        for (int k = 0; k < n && !was_ahead; k++) {
            struct job *j = &batch[k];
            memset(j, 0, sizeof *j);
            j->name = argv[i + k];
            j->pl = &pls[alternate ? (i - optind) % 2 : k];
            /* The run's last file: its digest can wait for its commit; and
             * with several files, every plain pcap's can (pipeline.h,
             * defer_walk; the jobs of one batch share the group's room,
             * which kn_group_add() holds to). */
            j->pl->defer_hash = i + k == argc - 1;
            j->pl->defer_walk = argc - optind > 1;
            j->pl->defer_walk_max = kn_group_walk_room(&group);
            kn_group_release(&group, j->pl->agg); /* the group may still be merging it */
            if (kn_source_open_file(&j->src, j->name, &j->err))
                continue;
            sig_source[k] = j->src;
            /* With several jobs all but the first read on threads of their
             * own; one job reads here, with the progress line. */
            if (n > 1 && k > 0)
                j->threaded = pthread_create(&j->thread, NULL, read_job, j) == 0;
            if (n > 1 && k > 0 && !j->threaded)
                read_job(j); /* no thread to be had: read it here, in turn */
        }
        for (int k = 0; k < n; k++) {
            struct job *j = &batch[k];
            if (!j->src || j->threaded || j->read || (n > 1 && k > 0))
                continue;
            struct progress pr = {.name = j->name, .start = kn_mono_now()};
            pr.last = pr.start;
            j->rc = kn_pipeline_read(j->pl, j->src, &j->res, tty && n == 1 ? show_progress : NULL,
                                     &pr, &j->err);
            if (pr.shown)
                fprintf(stderr, "\r\033[K");
        }
        for (int k = 0; k < n; k++) {
            if (batch[k].threaded)
                pthread_join(batch[k].thread, NULL);
            sig_source[k] = NULL;
            if (batch[k].src) {
                struct kn_source_stats ss;
                kn_source_get_stats(batch[k].src, &ss);
                tm.bytes += ss.bytes_read;
                tm.packets += batch[k].res.ingest.packets;
            }
            kn_source_close(batch[k].src);
        }
        tm.read += kn_seconds_since(&t0);
        t0 = kn_mono_now();
        for (int k = 0; k < n && !stop; k++) {
            struct job *j = &batch[k];
            const char *name = j->name;
            struct kn_run_result *res = &j->res;
            if (!j->src || j->rc) {
                fprintf(stderr, "kenchi analyze: %s: %s\n", name, j->err.msg);
                run.failed++;
                continue;
            }
            if (j->pl->interrupted) {
                fprintf(stderr, "kenchi analyze: interrupted while reading %s: nothing of it was "
                                "stored\n", name);
                run.failed++;
                stop = true;
                break;
            }
            if (res->ingest.read_error[0] && !keep_partial) {
                fprintf(stderr, "kenchi analyze: %s: read error after %llu packets: %s; nothing "
                                "of it was stored (--keep-partial stores what was read)\n",
                        name, (unsigned long long)res->ingest.packets, res->ingest.read_error);
                kn_run_result_drop(res);
                run.failed++;
                continue;
            }
            /* a file of another day: the group before it is stored first */
            if (kn_group_full_for(&group, j->pl->agg)) {
                if (!have_ahead && alternate &&
                    read_ahead(&ahead, &group, j->pl->agg, pls, argv, optind, i + 1, argc)) {
                    have_ahead = true;
                    tm.read_beside++;
                }
                kn_group_flush(&group, report_file, &run);
            }
            if (kn_group_add(&group, j->pl->agg, name, res, &j->err)) {
                fprintf(stderr, "kenchi analyze: %s: %s\n", name, j->err.msg);
                run.failed++;
                continue;
            }
            if (kn_group_due(&group)) {
                if (!have_ahead && alternate &&
                    read_ahead(&ahead, &group, NULL, pls, argv, optind, i + 1, argc)) {
                    have_ahead = true;
                    tm.read_beside++;
                }
                kn_group_flush(&group, report_file, &run);
            }
        }
        for (int k = 0; k < n; k++) /* a file a signal stopped the run before */
            kn_run_result_drop(&batch[k].res);
        tm.store += kn_seconds_since(&t0);
    }
    if (have_ahead) { /* a signal stopped the run before it came to that file */
        if (ahead.threaded)
            pthread_join(ahead.thread, NULL);
        sig_source[1] = NULL;
        kn_source_close(ahead.src);
        kn_run_result_drop(&ahead.res);
    }
    /* What was read in full is stored, also when a signal stopped the run. */
    t0 = kn_mono_now();
    kn_group_flush(&group, report_file, &run);
    tm.store += kn_seconds_since(&t0);
    int files = run.files, failed = run.failed;
    struct kn_run_result total = run.total;
    if (files > 1) {
        total.status = KN_RUN_COMMITTED;
        printf("run total (%d files, stored or skipped): ", files);
        print_summary("", &total);
    }
    /* Stopped by a signal: the shell's convention, 128 + its number. */
    status = caught_signal ? 128 + caught_signal : failed ? 1 : 0;
out:
    for (int k = 0; k < n_pl; k++) {
        kn_group_release(&group, pls[k].agg);
        sig_pipeline[k] = NULL;
        kn_pipeline_free(&pls[k]);
    }
    t0 = kn_mono_now();
    kn_store_close(st);
    tm.close = kn_seconds_since(&t0);
    if (want_timing && ran)
        print_timing(&tm, &group.tally);
    kn_group_free(&group);
    free(req);
    free(cfg);
    return status;
}
