/* Ingest statistics (docs/metrics.md, "Ingest statistics"): what a run or
 * a file held, packet by packet: each packet's decode outcome (exactly one
 * per packet), anomaly counts by kind, link types, IP versions and
 * transport protocols, the time range, and the source's own figures
 * (decompression, the kernel's received/dropped counts for live capture).
 * Fixed size, no heap: copy it, merge it, print it. */
#ifndef KENCHI_STATS_INGEST_H
#define KENCHI_STATS_INGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/source.h"
#include "decode/anomaly.h"
#include "decode/pkt.h"
#include "util/err.h"

/* Distinct link types counted one by one; more go to links_other. */
#define KN_INGEST_MAX_LINKS 32

struct kn_ingest {
    uint64_t packets;
    uint64_t outcome[KN_OUT__COUNT];
    uint64_t anomaly[KN_AN__COUNT];
    /* Over packets with outcome KN_OUT_IP only (an intact IP header): */
    uint64_t ipv4, ipv6;
    /* transport protocol: IPv4's protocol field, IPv6's next header after
     * the extension headers; non-first fragments count too. */
    uint64_t tcp, udp, icmp, icmpv6, other_proto;
    struct {
        int32_t linktype;
        uint64_t packets;
    } links[KN_INGEST_MAX_LINKS];
    unsigned n_links;
    uint64_t links_other;
    uint64_t ts_min, ts_max; /* ns since the epoch; valid when packets > 0 */
    /* From the source: */
    char compression[8];     /* "none", "gzip", "zstd"; "mixed" in a total */
    bool live;
    uint64_t kernel_received, kernel_dropped, if_dropped;
};

void kn_ingest_init(struct kn_ingest *st);

/* Counts one decoded packet. */
void kn_ingest_add(struct kn_ingest *st, const struct kn_pkt *pkt);

/* Adds `from` into `into` (for totals over several files or threads). */
void kn_ingest_merge(struct kn_ingest *into, const struct kn_ingest *from);

/* Called for every frame before it is decoded; non-zero stops the run. */
typedef int (*kn_frame_hook)(void *ctx, const struct kn_frame *frame);

/* Reads `src` to its end (or kn_source_stop), decoding and counting every
 * frame into *st (hook may be NULL); then copies the source's own figures
 * in. Returns 0, or -1 with err filled when the source failed mid-way (the
 * frames before the failure are counted) or the hook stopped the run. */
int kn_ingest_source(struct kn_source *src, struct kn_ingest *st, kn_frame_hook hook, void *ctx,
                     struct kn_err *err);

/* A JSON object with every counter (all outcome and anomaly names, zero or
 * not, so the shape never changes). New reference: the caller json_decref()s. */
json_t *kn_ingest_json(const struct kn_ingest *st);

/* An aligned, human-readable block; `title` heads it. Zero anomaly counts
 * are left out. */
void kn_ingest_print(FILE *out, const char *title, const struct kn_ingest *st);

#endif
