/* `kenchi sensor`: options and configuration file, then the daemon. */
#include <stdio.h>
#include <string.h>

#include "sensor/config.h"
#include "sensor/daemon.h"
#include "sensor/sensor.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: kenchi sensor [--config FILE] [--KEY VALUE]...\n"
            "\n"
            "Captures live on the configured interfaces and counts every packet to a\n"
            "sensor address into the figures of docs/metrics.md, committing one interval\n"
            "at a time (one SQLite transaction keyed by sensor name and interval start):\n"
            "a restart never counts a packet twice and a kill loses at most the open\n"
            "interval. Kernel drops are recorded per interval. `kenchi report --db DB`\n"
            "shows the figures while the sensor runs.\n"
            "\n"
            "Every key of the INI file (section [sensor], \"key = value\") is also a flag:\n"
            "  --config FILE       read the keys from FILE (SIGHUP reads it again)\n"
            "  --interface NAME    interface to capture on, repeatable (required)\n"
            "  --sensor CIDR       sensor prefix, repeatable (fixed when the db is created)\n"
            "  --db PATH           local SQLite database (required)\n"
            "  --name NAME         sensor name, part of every interval key (default: host name)\n"
            "  --interval SECONDS  commit period (default 60)\n"
            "  --bpf EXPR          capture filter, e.g. \"not port 22\"\n"
            "  --tz ZONE           time zone of the days (default UTC; fixed at creation)\n"
            "  --wide-ports N      wide-port threshold (default 100; fixed at creation)\n"
            "  --user USER         drop root after opening the captures (keeps CAP_NET_RAW)\n"
            "  --metrics HOST:PORT serve Prometheus /metrics there (e.g. 127.0.0.1:9108)\n"
            "  --replay FILE       read a capture file instead of interfaces, intervals in\n"
            "                      packet time (tests, soak runs, backfill)\n"
            "  --central URL       push the figures to this central PostgreSQL\n"
            "                      (postgresql://...; put passwords in ~/.pgpass): at\n"
            "                      start, every push-interval and at stop (a replay pushes\n"
            "                      at its end), from a thread of its own; while the centre\n"
            "                      is unreachable the local database keeps everything and\n"
            "                      pushes are retried with backoff\n"
            "  --push-interval SECONDS  seconds between pushes (default 300)\n"
            "\n"
            "Signals: SIGTERM/SIGINT commit the open interval (and push it, with a\n"
            "centre) and stop; SIGHUP commits, reloads the file and restarts the\n"
            "captures. An interface that goes away is reopened with backoff (1 s\n"
            "doubling to 60 s). Logs go to stderr with\n"
            "syslog level prefixes (\"<6>...\") unless stderr is a terminal.\n"
            "Exit status: 0 stopped cleanly, 1 runtime failure, 2 usage.\n");
}

struct args {
    int argc;
    char **argv;
    const char *config;
};

/* Loads the file (if any), then applies the flags over it. */
static int build_config(const struct args *a, struct kn_sensor_config *c, struct kn_err *err)
{
    kn_sensor_config_defaults(c);
    if (a->config && kn_sensor_config_load(c, a->config, err))
        return -1;
    for (int i = 1; i < a->argc; i++) {
        const char *arg = a->argv[i];
        char key[64];
        const char *value;
        const char *eq = strchr(arg, '=');
        size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (klen < 3 || klen - 2 >= sizeof key || strncmp(arg, "--", 2)) {
            kn_err_set(err, "unexpected argument \"%s\"", arg);
            return -1;
        }
        memcpy(key, arg + 2, klen - 2);
        key[klen - 2] = '\0';
        if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= a->argc) {
                kn_err_set(err, "--%s needs a value", key);
                return -1;
            }
            value = a->argv[++i];
        }
        if (!strcmp(key, "config"))
            continue;
        if (!kn_sensor_config_is_key(key)) {
            kn_err_set(err, "unknown option --%s", key);
            return -1;
        }
        if (kn_sensor_config_set(c, key, value, true, err)) {
            kn_err_prefix(err, "--%s", key);
            return -1;
        }
    }
    return kn_sensor_config_check(c, err);
}

static int reload(void *ctx, struct kn_sensor_config *c, struct kn_err *err)
{
    return build_config(ctx, c, err);
}

int kn_cmd_sensor(int argc, char **argv)
{
    struct args a = {argc, argv, NULL};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            a.config = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            a.config = argv[i] + 9;
    }
    static struct kn_sensor_config cfg; /* large: not on the stack */
    struct kn_err err;
    if (build_config(&a, &cfg, &err)) {
        fprintf(stderr, "kenchi sensor: %s\n", err.msg);
        usage(stderr);
        return 2;
    }
    return kn_sensor_run(&cfg, a.config ? reload : NULL, &a);
}
