/* `kenchi stats`: ingest statistics of capture files. */
#ifndef KENCHI_STATS_CMD_STATS_H
#define KENCHI_STATS_CMD_STATS_H

int kn_cmd_stats(int argc, char **argv);

#endif
