/* `kenchi gen`: command-line front of the traffic generator (gen.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/calendar.h"
#include "gen/gen.h"

static void gen_usage(FILE *out)
{
    fprintf(out,
            "usage: kenchi gen --out FILE.pcap --truth TRUTH.json [OPTIONS]\n"
            "\n"
            "Writes a realistic darknet capture (Ethernet pcap, some 802.1Q/802.1ad\n"
            "tagged frames) and the figures docs/metrics.md defines for it, computed by\n"
            "construction, as TRUTH.json. Same options, same bytes. Traffic: Mirai bots,\n"
            "wide-port scanners around the threshold (some across midnight), ZMap-,\n"
            "masscan- and nmap-like scanners, RDP probes, TCP/ICMP/ICMPv6 backscatter,\n"
            "UDP and ICMP probes, IPv6, truncated packets, ARP, traffic to non-sensor\n"
            "addresses (docs/generator.md).\n"
            "\n"
            "options:\n"
            "  --out FILE          the capture to write (required)\n"
            "  --truth FILE        the ground truth JSON to write (required)\n"
            "  --seed N            random seed (default 1)\n"
            "  --start YYYY-MM-DD  first local date (default 2020-06-01)\n"
            "  --days N            number of days (default 1, at most %d)\n"
            "  --tz ZONE           IANA time zone of the days (default UTC)\n"
            "  --sensor CIDR       sensor prefix, repeatable (default 192.0.2.0/24 and\n"
            "                      2001:db8:0:1::/64)\n"
            "  --scale N           multiply the traffic by N (default 1: about 12,000\n"
            "                      packets a day)\n"
            "  --wide-ports N      wide-port threshold the truth uses (default 100)\n"
            "  --radiation N       add N background-radiation sources a day, each sending\n"
            "                      one or two TCP SYNs (default 0; for memory tests)\n"
            "  --split-hours DIR   also write the packets as hourly files DIR/HH.pcap, HH\n"
            "                      counted from the first local midnight (00, 01, ... 47 ...)\n",
            GEN_MAX_DAYS);
}

static int parse_uint(const char *s, const char *what, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v > max || s[0] == '-') {
        fprintf(stderr, "kenchi gen: %s '%s': expected a number up to %" PRIu64 "\n", what, s, max);
        return -1;
    }
    *out = v;
    return 0;
}

int kn_cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},     {"truth", required_argument, 0, 't'},
        {"seed", required_argument, 0, 's'},    {"start", required_argument, 0, 'S'},
        {"days", required_argument, 0, 'd'},    {"tz", required_argument, 0, 'z'},
        {"sensor", required_argument, 0, 'n'},  {"scale", required_argument, 0, 'x'},
        {"wide-ports", required_argument, 0, 'w'}, {"split-hours", required_argument, 0, 'H'},
        {"radiation", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    struct kn_gen_config cfg;
    kn_gen_config_default(&cfg);
    int custom_sensors = 0;
    struct kn_err err = {{0}};
    uint64_t v;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': cfg.out_path = optarg; break;
        case 't': cfg.truth_path = optarg; break;
        case 'H': cfg.split_dir = optarg; break;
        case 's':
            if (parse_uint(optarg, "--seed", UINT64_MAX >> 1, &v) < 0)
                return 2;
            cfg.seed = v;
            break;
        case 'd':
            if (parse_uint(optarg, "--days", GEN_MAX_DAYS, &v) < 0)
                return 2;
            if (v == 0) {
                fprintf(stderr, "kenchi gen: --days must be at least 1\n");
                return 2;
            }
            cfg.days = (unsigned)v;
            break;
        case 'x':
            if (parse_uint(optarg, "--scale", 100000, &v) < 0)
                return 2;
            if (v == 0) {
                fprintf(stderr, "kenchi gen: --scale must be at least 1\n");
                return 2;
            }
            cfg.scale = (unsigned)v;
            break;
        case 'R':
            if (parse_uint(optarg, "--radiation", 15000000, &v) < 0)
                return 2;
            cfg.radiation = (unsigned)v;
            break;
        case 'w':
            if (parse_uint(optarg, "--wide-ports", 30000, &v) < 0 || v < 2) {
                fprintf(stderr, "kenchi gen: --wide-ports must be 2..30000\n");
                return 2;
            }
            cfg.wide_ports = (unsigned)v;
            break;
        case 'S':
            if (gen_parse_date(optarg, &cfg.first_day, &err) < 0) {
                fprintf(stderr, "kenchi gen: --start: %s\n", err.msg);
                return 2;
            }
            break;
        case 'z':
            if (strlen(optarg) >= sizeof cfg.tz || gen_tz_check(optarg, &err) < 0) {
                fprintf(stderr, "kenchi gen: --tz: %s\n", err.msg[0] ? err.msg : "name too long");
                return 2;
            }
            snprintf(cfg.tz, sizeof cfg.tz, "%s", optarg);
            break;
        case 'n':
            if (!custom_sensors) {
                cfg.n_sensors = 0; /* the first --sensor replaces the defaults */
                custom_sensors = 1;
            }
            if (kn_gen_config_add_sensor(&cfg, optarg, &err) < 0) {
                fprintf(stderr, "kenchi gen: %s\n", err.msg);
                return 2;
            }
            break;
        case 'h':
            gen_usage(stdout);
            return 0;
        default:
            gen_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kenchi gen: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!cfg.out_path || !cfg.truth_path) {
        fprintf(stderr, "kenchi gen: --out and --truth are required (kenchi gen --help)\n");
        return 2;
    }
    struct kn_gen_stats st;
    if (kn_gen_run(&cfg, &st, &err) < 0) {
        fprintf(stderr, "kenchi gen: %s\n", err.msg);
        return 1;
    }
    fprintf(stderr,
            "kenchi gen: %" PRIu64 " packets (%" PRIu64 " accesses) in %.2f s (%.0f packets/s) "
            "-> %s, truth %s\n",
            st.packets, st.accesses, st.seconds, st.seconds > 0 ? st.packets / st.seconds : 0.0,
            cfg.out_path, cfg.truth_path);
    return 0;
}
