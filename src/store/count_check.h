/* Counts read back from a kenchi database. A database can be edited by
 * hand (docs/schema.md invites plain SQL), and a count that is not an
 * integer >= 0 would otherwise be read as 0, wrap around, or be summed
 * elsewhere: whoever reads one (the report, the push) refuses it with the
 * row and column named, never a silent figure. */
#ifndef KENCHI_STORE_COUNT_CHECK_H
#define KENCHI_STORE_COUNT_CHECK_H

#include <sqlite3.h>
#include <stdbool.h>

#include "util/err.h"

/* Whether column col of st's current row is an integer >= 0. */
static inline bool kn_sql_is_count(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_INTEGER && sqlite3_column_int64(st, col) >= 0;
}

/* The error for column col of st's row, which is not a count; `row` names
 * the row ("day_family row (2020-06-01, family 4)"). Returns -1. */
int kn_sql_not_a_count(sqlite3_stmt *st, int col, const char *row, struct kn_err *err);

#endif
