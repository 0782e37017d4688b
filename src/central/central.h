/* The centre of a sensor network (docs/central.md): sensors push their
 * stored figures to one PostgreSQL database, which reports them
 * network-wide or per sensor with the same fields as `kenchi report`. */
#ifndef KENCHI_CENTRAL_CENTRAL_H
#define KENCHI_CENTRAL_CENTRAL_H

#include "store/store.h"
#include "util/err.h"

/* Reads the centre at url (libpq URL) in one snapshot: every sensor, or
 * only `sensor` when not NULL, summed and with per-source port sets
 * unioned, into a new in-memory kenchi database whose config is the
 * centre's (prefixes: the union of the sensors'). *out is the caller's:
 * kn_store_close(). 0 or -1 (err). */
int kn_central_open(struct kn_store **out, const char *url, const char *sensor,
                    struct kn_config *cfg, struct kn_err *err);

/* `kenchi push` and `kenchi central-report`. */
int kn_cmd_push(int argc, char **argv);
int kn_cmd_central_report(int argc, char **argv);

#endif
