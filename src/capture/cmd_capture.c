/* `kenchi capture -i IFACE [-w FILE.pcap] [-c COUNT] [--json] [FILTER...]`:
 * reads a live interface through the same source API and ingest statistics
 * as `kenchi stats`, optionally writing every frame to a pcap file. SIGINT
 * or SIGTERM (or COUNT frames) end it cleanly: the file is flushed and
 * closed, then the statistics, with the kernel's received/dropped counts,
 * go to stdout. */
#include "capture/cmd_capture.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/source.h"
#include "capture/writer.h"
#include "stats/ingest.h"

#define WRITE_SNAPLEN 262144

static const char usage_text[] =
    "usage: kenchi capture -i IFACE [-w FILE.pcap] [-c COUNT] [--json] [FILTER...]\n"
    "\n"
    "Captures packets on a live interface (promiscuous; needs CAP_NET_RAW) and\n"
    "decodes each one like `kenchi stats`. FILTER is a BPF expression (as for\n"
    "tcpdump), given as one or several words. Ends after COUNT packets, or on\n"
    "SIGINT/SIGTERM: flushes the -w file, then prints the ingest statistics with\n"
    "the kernel's received and dropped counts.\n"
    "\n"
    "  -i, --interface IFACE  interface to capture on (required)\n"
    "  -w, --write FILE       also write every packet to FILE (pcap, ns timestamps)\n"
    "  -c, --count N          stop after N packets\n"
    "      --json             statistics as JSON\n"
    "  -h, --help             this text\n"
    "\n"
    "example: kenchi capture -i eth0 -w darknet.pcap 'dst net 192.0.2.0/24'\n";

static struct kn_source *volatile running; /* for the signal handler */

static void on_signal(int sig)
{
    (void)sig;
    struct kn_source *s = running;
    if (s)
        kn_source_stop(s); /* async-signal-safe */
}

struct capture_ctx {
    struct kn_source *src;
    struct kn_pcap_writer *writer;
    uint64_t limit, seen;
    struct kn_err err;
};

/* Per frame, before decoding: write it out, count it, stop at the limit. */
static int on_frame(void *arg, const struct kn_frame *f)
{
    struct capture_ctx *c = arg;
    if (c->writer && kn_pcap_writer_write(c->writer, f, &c->err) != 0)
        return -1;
    if (c->limit && ++c->seen >= c->limit)
        kn_source_stop(c->src);
    return 0;
}

/* Joins FILTER words with spaces, as tcpdump does. Caller frees. */
static char *join_filter(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *f = calloc(1, len);
    if (!f)
        return NULL;
    size_t pos = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (i)
            f[pos++] = ' ';
        memcpy(f + pos, argv[i], n);
        pos += n;
    }
    return f;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v == 0)
        return -1;
    *out = v;
    return 0;
}

int kn_cmd_capture(int argc, char **argv)
{
    static const struct option opts[] = {
        {"interface", required_argument, NULL, 'i'}, {"write", required_argument, NULL, 'w'},
        {"count", required_argument, NULL, 'c'},     {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},            {0},
    };
    struct capture_ctx c = {0};
    const char *iface = NULL, *write_path = NULL;
    bool json = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+i:w:c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'i': iface = optarg; break;
        case 'w': write_path = optarg; break;
        case 'c':
            if (parse_count(optarg, &c.limit) != 0) {
                fprintf(stderr, "kenchi capture: -c wants a positive number, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'j': json = true; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (!iface) {
        fprintf(stderr, "kenchi capture: -i IFACE is required\n%s", usage_text);
        return 2;
    }
    char *filter = join_filter(argc - optind, argv + optind);
    if (!filter) {
        fprintf(stderr, "kenchi: out of memory\n");
        return 1;
    }
    struct kn_err err = {""};
    if (kn_source_open_live(&c.src, iface, filter, &err) != 0) {
        fprintf(stderr, "kenchi: %s: %s\n", iface, err.msg);
        free(filter);
        return 1;
    }
    free(filter);
    /* Created before the first packet, so a capture that sees nothing still
     * leaves a valid (empty) pcap file behind. */
    if (write_path && kn_pcap_writer_open(&c.writer, write_path, kn_source_linktype(c.src),
                                            WRITE_SNAPLEN, &err) != 0) {
        fprintf(stderr, "kenchi: %s\n", err.msg);
        kn_source_close(c.src);
        return 1;
    }

    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: reads return */
    sigemptyset(&sa.sa_mask);
    running = c.src;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr, "kenchi: capturing on %s%s%s\n", iface, write_path ? ", writing " : "",
            write_path ? write_path : "");

    struct kn_ingest st;
    kn_ingest_init(&st);
    int status = 0;
    if (kn_ingest_source(c.src, &st, on_frame, &c, &err) != 0) {
        fprintf(stderr, "kenchi: %s: %s\n", iface, c.err.msg[0] ? c.err.msg : err.msg);
        status = 1;
    }
    /* The handlers stay: a second signal (GNU timeout, for one, sends
     * SIGTERM to the child and again to its process group) must not kill
     * us during the final flush and statistics; with `running` NULL it
     * does nothing. */
    running = NULL;
    if (kn_pcap_writer_close(c.writer, &err) != 0) {
        fprintf(stderr, "kenchi: %s\n", err.msg);
        status = 1;
    }
    kn_source_close(c.src);
    if (json) {
        json_t *o = kn_ingest_json(&st);
        json_object_set_new(o, "interface", json_string(iface));
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        kn_ingest_print(stdout, iface, &st);
    }
    return status;
}
