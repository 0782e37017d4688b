/* Schema migrations of the SQLite store: migration i takes user_version i
 * to i + 1. Append only: a released migration never changes. */
#ifndef KENCHI_STORE_SCHEMA_H
#define KENCHI_STORE_SCHEMA_H

#include "util/err.h"

struct sqlite3;

/* 'KNCH': marks a kenchi database (PRAGMA application_id). */
#define KN_APPLICATION_ID 0x4B4E4348

/* Brings the database to KN_SCHEMA_VERSION inside the caller's write
 * transaction. A database from a newer kenchi, or a non-empty database
 * that is not kenchi's, is an error. *created is set when the database
 * was empty. 0 or -1. */
int kn_schema_migrate(struct sqlite3 *db, int *created, struct kn_err *err);

#endif
