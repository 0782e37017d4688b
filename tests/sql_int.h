/* For unit tests that check a database file through plain SQL. */
#ifndef KENCHI_TESTS_SQL_INT_H
#define KENCHI_TESTS_SQL_INT_H

#include <sqlite3.h>

/* The first column of the first row of sql on the database at db_path, as
 * an integer: -1 for NULL, -999 when the query fails or returns no row.
 * Opens its own connection, as a user's sqlite3 would. */
static inline long long sql_int_at(const char *db_path, const char *sql)
{
    sqlite3 *db;
    long long v = -999;
    if (sqlite3_open(db_path, &db) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(db);
    return v;
}

#endif
