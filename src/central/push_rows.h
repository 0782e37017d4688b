/* Sending a local kenchi database's rows to the centre, within a push's
 * transaction (central_push.c): in COPY's text format (copy_text.h),
 * straight into the centre's table or through a temporary table and an
 * upsert that leaves rows with nothing new untouched. */
#ifndef KENCHI_CENTRAL_PUSH_ROWS_H
#define KENCHI_CENTRAL_PUSH_ROWS_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "central/line_set.h"
#include "util/err.h"

/* Copies every row of the local query `sel` (whose ?1, ?2... are bound to
 * the texts args[0..nargs-1]) to the centre with `copy`, a COPY ... FROM
 * STDIN whose columns are the sensor name and then the selected ones.
 * Column `ports_col` of sel (-1: none) is a local port set, sent as an
 * int[]; every other value goes as SQLite's text of it, for the centre to
 * parse into its column's type. The columns of sel whose bits are set in
 * `counts` (bit i: column i) must hold integers >= 0 (or NULL): any other
 * value, which only a database edited by hand holds, stops the push with
 * its row and column named. A row whose text after the sensor name is in
 * `skip` (may be NULL) is not sent. Adds the number of rows sent to
 * *rows. 0 or -1 (err). */
int kn_push_copy_rows(sqlite3 *db, PGconn *pg, const char *sensor, const char *sel,
                      const char *const *args, int nargs, const char *copy, int ports_col,
                      uint32_t counts, const struct kn_line_set *skip, uint64_t *rows,
                      struct kn_err *err);

/* The tables of per-day figures, in the order a push sends them. */
enum kn_push_table {
    KN_PUSH_DAY_FAMILY,
    KN_PUSH_DAY_PORT,
    KN_PUSH_DAY_TAG_PORT,
    KN_PUSH_SOURCE_DAY,
    KN_PUSH__TABLES
};

/* The centre's name of table t. */
const char *kn_push_table_name(enum kn_push_table t);

/* Sends table t's local rows of the days from `since` on (of source_day,
 * only those whose last_ns is at least first_ns). Without `upsert` they
 * are copied straight in (the caller has emptied those days at the
 * centre). With it, each replaces the centre's row of its key, and rows
 * the centre holds already with the same values are neither sent (the
 * centre's rows of those days are read first; source_day's are chosen by
 * last_ns instead, far fewer than the day's) nor written again. Adds the
 * number of rows sent to *rows. 0 or -1 (err). */
int kn_push_day_rows(sqlite3 *db, PGconn *pg, const char *sensor, enum kn_push_table t,
                     const char *since, int64_t first_ns, bool upsert, uint64_t *rows,
                     struct kn_err *err);

#endif
