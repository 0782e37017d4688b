/* kenchi gen: a darknet traffic generator with ground truth. It writes a
 * pcap (Ethernet, some 802.1Q / 802.1ad tagged frames) of realistic
 * darknet traffic, deterministic from a seed, and a TRUTH.json holding the
 * per-day figures of docs/metrics.md computed by construction: each planned
 * packet is counted by direct tests of the contract as it is emitted, never
 * by kenchi's own classify/aggregate code. docs/generator.md describes each
 * traffic class. */
#ifndef KENCHI_GEN_GEN_H
#define KENCHI_GEN_GEN_H

#include <stdint.h>

#include "gen/prefix.h"
#include "util/err.h"

#define GEN_MAX_SENSORS 16
#define GEN_MAX_DAYS 366

struct kn_gen_config {
    uint64_t seed;
    int64_t first_day;      /* days since 1970-01-01 of the first local date */
    unsigned days;          /* 1..GEN_MAX_DAYS */
    char tz[128];           /* IANA zone name */
    struct gen_prefix sensors[GEN_MAX_SENSORS];
    unsigned n_sensors;     /* non-overlapping prefixes */
    unsigned scale;         /* multiplies the number of actors of every class */
    unsigned wide_ports;    /* the wide-port threshold the truth uses (default 100) */
    unsigned radiation;     /* extra one-or-two-packet TCP SYN sources per day (default 0) */
    const char *out_path;   /* the pcap */
    const char *truth_path; /* TRUTH.json */
    const char *split_dir;  /* NULL, or a directory for hourly files HH.pcap */
};

struct kn_gen_stats {
    uint64_t packets;
    uint64_t accesses;
    double seconds; /* wall time of the generation */
};

/* Fills cfg with the defaults: seed 1, 2020-06-01, 1 day, UTC, sensors
 * 192.0.2.0/24 and 2001:db8:0:1::/64, scale 1, threshold 100. */
void kn_gen_config_default(struct kn_gen_config *cfg);

/* Adds a sensor prefix (rejecting overlaps and more than GEN_MAX_SENSORS). */
int kn_gen_config_add_sensor(struct kn_gen_config *cfg, const char *cidr, struct kn_err *err);

/* Generates the capture, the optional hourly split and the truth file. */
int kn_gen_run(const struct kn_gen_config *cfg, struct kn_gen_stats *stats, struct kn_err *err);

/* The `kenchi gen` command. */
int kn_cmd_gen(int argc, char **argv);

#endif
