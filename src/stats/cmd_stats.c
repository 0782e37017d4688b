/* `kenchi stats [--json] FILE...`: reads each capture file (pcap or pcapng,
 * plain, gzip or zstd; "-" for standard input), decodes every packet and
 * prints its ingest statistics, plus a total over several files. A file
 * that cannot be read gets one line `kenchi: FILE: reason` on stderr; the
 * others go on, and the exit status is 1 at the end. */
#include "stats/cmd_stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capture/source.h"
#include "stats/ingest.h"

static const char usage_text[] =
    "usage: kenchi stats [--json] FILE...\n"
    "\n"
    "Reads capture files (pcap or pcapng, plain or gzip/zstd-compressed, recognised\n"
    "by content; '-' is standard input), decodes every packet and prints per file:\n"
    "packets, each ingest outcome (every packet lands in exactly one), anomaly\n"
    "counts by name, packets per link type, IPv4/IPv6 and TCP/UDP/ICMP/ICMPv6/other\n"
    "counts over intact IP headers, first/last timestamp (UTC) and the\n"
    "decompression used; with several files, a total too.\n"
    "\n"
    "  --json   one JSON object: {\"files\": [...], \"total\": {...}}\n"
    "  --help   this text\n"
    "\n"
    "A file that cannot be read, or fails part-way, is reported on stderr as\n"
    "`kenchi: FILE: reason` (what was read before the failure is counted); the\n"
    "other files are still read, and the exit status is 1.\n"
    "\n"
    "example: kenchi stats --json day1.pcap.zst day2.pcapng\n";

/* Reads one file into *st. 0 read to the end; -1 failed (err says why);
 * *opened tells whether any statistics exist. */
static int stats_one(const char *path, struct kn_ingest *st, bool *opened, struct kn_err *err)
{
    struct kn_source *src;
    kn_ingest_init(st);
    *opened = false;
    if (kn_source_open_file(&src, path, err) != 0)
        return -1;
    *opened = true;
    int rc = kn_ingest_source(src, st, NULL, NULL, err);
    kn_source_close(src);
    return rc;
}

int kn_cmd_stats(int argc, char **argv)
{
    bool json = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        if (!strcmp(argv[first], "--json")) {
            json = true;
        } else if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(argv[first], "--")) {
            first++;
            break;
        } else {
            fprintf(stderr, "kenchi stats: unknown option '%s'\n%s", argv[first], usage_text);
            return 2;
        }
    }
    if (first >= argc) {
        fputs(usage_text, stderr);
        return 2;
    }
    int status = 0;
    int n_files = argc - first;
    struct kn_ingest total, st;
    kn_ingest_init(&total);
    bool total_started = false;
    json_t *files = json ? json_array() : NULL;
    for (int i = first; i < argc; i++) {
        struct kn_err err = {""};
        bool opened;
        int rc = stats_one(argv[i], &st, &opened, &err);
        if (rc != 0) {
            fprintf(stderr, "kenchi: %s: %s\n", argv[i], err.msg);
            fflush(stderr);
            status = 1;
        }
        if (opened) {
            if (!total_started)
                snprintf(total.compression, sizeof total.compression, "%s", st.compression);
            total_started = true;
            kn_ingest_merge(&total, &st);
        }
        if (json) {
            json_t *o = opened ? kn_ingest_json(&st) : json_object();
            json_object_set_new(o, "file", json_string(argv[i]));
            json_object_set_new(o, "error", rc != 0 ? json_string(err.msg) : json_null());
            json_array_append_new(files, o);
        } else if (opened) {
            kn_ingest_print(stdout, argv[i], &st);
            if (rc != 0)
                printf("  %-28s %s\n", "read error", err.msg);
            fflush(stdout);
        }
    }
    if (json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "files", files);
        if (n_files > 1)
            json_object_set_new(doc, "total", kn_ingest_json(&total));
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(doc);
    } else if (n_files > 1) {
        char title[64];
        snprintf(title, sizeof title, "total (%d files)", n_files);
        kn_ingest_print(stdout, title, &total);
    }
    return status;
}
