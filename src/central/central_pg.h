/* PostgreSQL side of the centre: connection, schema migration, partitions
 * and small libpq helpers that turn failures into struct kn_err. */
#ifndef KENCHI_CENTRAL_CENTRAL_PG_H
#define KENCHI_CENTRAL_CENTRAL_PG_H

#include <libpq-fe.h>
#include <stddef.h>

#include "central/copy_text.h"
#include "util/err.h"

#define KN_CENTRAL_SCHEMA_VERSION 2

/* Joins the lines of a libpq message in place with "; " (log lines and
 * struct kn_err messages are one line). msg is a string in a buffer of
 * size bytes. */
void kn_pg_one_line(char *msg, size_t size);

/* Connects to url (errors and notices stay out of stderr). Returns the
 * connection, freed by the caller with PQfinish, or NULL with err set. */
PGconn *kn_pg_connect(const char *url, struct kn_err *err);

/* Sets err to "centre: " and the connection's last error, on one line. */
void kn_pg_error(PGconn *pg, struct kn_err *err);

/* Runs sql (no parameters, no rows expected). 0 or -1. */
int kn_pg_exec(PGconn *pg, const char *sql, struct kn_err *err);

/* Runs a parameterised statement with text parameters. Returns the result
 * (caller frees with PQclear) or NULL with err set when it did not succeed. */
PGresult *kn_pg_query(PGconn *pg, const char *sql, int n, const char *const *params,
                      struct kn_err *err);

/* COPY ... FROM STDIN in text format, for many rows in few round trips:
 * kn_pg_copy_begin runs the COPY statement sql; kn_pg_copy_send sends the
 * whole rows in t and empties it; kn_pg_copy_end ends the copy and waits
 * for the server's verdict on every row sent. With `abandon` (a reason,
 * e.g. the local read failed) the server is told to discard the copy and
 * -1 is returned with err left as the caller set it. A copy begun must be
 * ended before anything else runs on pg. kn_pg_copy_begin also starts a
 * COPY ... TO STDOUT, whose rows the caller reads with PQgetCopyData.
 * Each: 0 or -1 (err). */
int kn_pg_copy_begin(PGconn *pg, const char *sql, struct kn_err *err);
int kn_pg_copy_send(PGconn *pg, struct kn_copy_text *t, struct kn_err *err);
int kn_pg_copy_end(PGconn *pg, const char *abandon, struct kn_err *err);

/* Inside a transaction: serialises writers (advisory lock) and creates or
 * migrates the schema (table kenchi_version). 0 or -1. */
int kn_pg_migrate(PGconn *pg, struct kn_err *err);

/* Creates the month partition of every day-partitioned table that holds
 * day "YYYY-MM-DD" (idempotent). 0 or -1. */
int kn_pg_partition(PGconn *pg, const char *day, struct kn_err *err);

#endif
