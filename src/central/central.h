/* The centre of a sensor network (docs/central.md): sensors push their
 * stored figures to one PostgreSQL database, which reports them
 * network-wide or per sensor with the same fields as `kenchi report`. */
#ifndef KENCHI_CENTRAL_CENTRAL_H
#define KENCHI_CENTRAL_CENTRAL_H

/* `kenchi push` and `kenchi central-report`. */
int kn_cmd_push(int argc, char **argv);
int kn_cmd_central_report(int argc, char **argv);

#endif
