/* Refusing what is not a count; see count_check.h. */
#include "store/count_check.h"

int kn_sql_not_a_count(sqlite3_stmt *st, int col, const char *row, struct kn_err *err)
{
    int type = sqlite3_column_type(st, col);
    const char *text = type == SQLITE_NULL   ? "NULL"
                       : type == SQLITE_BLOB ? "a blob"
                                             : (const char *)sqlite3_column_text(st, col);
    kn_err_set(err, "%s: %s is '%.40s', not a count (was the database edited by hand?)", row,
               sqlite3_column_name(st, col), text ? text : "?");
    return -1;
}
