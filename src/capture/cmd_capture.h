/* `kenchi capture`: live capture with ingest statistics. */
#ifndef KENCHI_CAPTURE_CMD_CAPTURE_H
#define KENCHI_CAPTURE_CMD_CAPTURE_H

int kn_cmd_capture(int argc, char **argv);

#endif
