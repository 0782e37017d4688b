/* kenchi: the telescope analysis in this program, the other commands in
 * its helpers (cli/commands.h says why). */
#include <stddef.h>

#include "analyze/analyze.h"
#include "capture/cmd_capture.h"
#include "cli/commands.h"
#include "gen/gen.h"
#include "report/report.h"
#include "stats/cmd_stats.h"

/* The registry: one line per command, in the order --help lists them. */
static const struct kn_command commands[] = {
    {"analyze", "count captures into the daily telescope figures (SQLite)", kn_cmd_analyze, NULL},
    {"report", "print the daily figures and period means (table, JSON, CSV)", kn_cmd_report, NULL},
    {"sensor", "capture live into the local database, one committed interval at a time", NULL,
     KN_HELPER_NETWORK},
    {"push", "copy a database's figures to the central PostgreSQL (sensor network)", NULL,
     KN_HELPER_NETWORK},
    {"central-report", "network-wide or per-sensor figures from the central PostgreSQL", NULL,
     KN_HELPER_NETWORK},
    {"stats", "ingest statistics of capture files (pcap/pcapng, .gz/.zst, -)", kn_cmd_stats, NULL},
    {"capture", "capture live packets (BPF filter, -w FILE) with ingest statistics", kn_cmd_capture,
     NULL},
    {"gen", "write a realistic darknet capture and its ground truth (TRUTH.json)", kn_cmd_gen, NULL},
    {"mail", "targeted-email analysis: organisations, ingest, report, campaigns, show, gen", NULL,
     KN_HELPER_MAIL},
    {0},
};

int main(int argc, char **argv)
{
    return kn_dispatch(commands, argc, argv);
}
