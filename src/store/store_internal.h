/* Shared by the store's own files only. */
#ifndef KENCHI_STORE_STORE_INTERNAL_H
#define KENCHI_STORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "util/err.h"

struct kn_store {
    sqlite3 *db;
    uint32_t wide_ports;
};

/* sqlite3_exec / prepare with the message in err. 0 or -1. */
int kn_sql_exec(sqlite3 *db, const char *sql, struct kn_err *err);
int kn_sql_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct kn_err *err);

#endif
