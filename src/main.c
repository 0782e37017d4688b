/* kenchi: subcommand dispatch. Everything else lives in the modules. */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "capture/cmd_capture.h"
#include "central/central.h"
#include "commands.h"
#include "gen/gen.h"
#include "mail/cmd_mail.h"
#include "report/report.h"
#include "sensor/sensor.h"
#include "stats/cmd_stats.h"

#define KENCHI_VERSION "0.1.0"

/* The registry: one line per subcommand, in the order --help lists them. */
static const struct kn_command commands[] = {
    {"analyze", "count captures into the daily telescope figures (SQLite)", kn_cmd_analyze},
    {"report", "print the daily figures and period means (table, JSON, CSV)", kn_cmd_report},
    {"sensor", "capture live into the local database, one committed interval at a time", kn_cmd_sensor},
    {"push", "copy a database's figures to the central PostgreSQL (sensor network)", kn_cmd_push},
    {"central-report", "network-wide or per-sensor figures from the central PostgreSQL", kn_cmd_central_report},
    {"stats", "ingest statistics of capture files (pcap/pcapng, .gz/.zst, -)", kn_cmd_stats},
    {"capture", "capture live packets (BPF filter, -w FILE) with ingest statistics", kn_cmd_capture},
    {"gen", "write a realistic darknet capture and its ground truth (TRUTH.json)", kn_cmd_gen},
    {"mail", "targeted-email analysis: organisations, ingest, report, campaigns, show, gen", kn_cmd_mail},
    {0},
};

static void usage(FILE *out)
{
    fprintf(out, "kenchi %s - darknet observation: who scans the Internet, with what, and when it changes\n\n"
                 "usage: kenchi COMMAND [OPTIONS] [ARGS]\n\ncommands:\n",
            KENCHI_VERSION);
    for (const struct kn_command *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n`kenchi COMMAND --help` describes each command; see also kenchi(1).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version")) {
        printf("kenchi %s\n", KENCHI_VERSION);
        return 0;
    }
    for (const struct kn_command *c = commands; c->name; c++)
        if (!strcmp(name, c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "kenchi: unknown command '%s' (kenchi --help lists them)\n", name);
    return 2;
}
