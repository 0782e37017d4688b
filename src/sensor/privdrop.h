/* Dropping root after the captures are open (as tcpdump -Z does): the
 * process becomes `user` (its uid, gid and groups) but keeps CAP_NET_RAW
 * and CAP_NET_ADMIN, so an interface that goes away can still be reopened.
 * Must be called before any thread starts: capabilities are per thread and
 * inherited at creation. */
#ifndef KENCHI_SENSOR_PRIVDROP_H
#define KENCHI_SENSOR_PRIVDROP_H

#include "util/err.h"

/* Hands the files at paths (NULL-terminated; missing ones are fine) to the
 * user, then switches to it. 0 or -1 (err). */
int kn_drop_privileges(const char *user, const char *const *paths, struct kn_err *err);

#endif
