/* Fuzz target: kn_port_union() / kn_port_union_n() (store/port_union.c),
 * which read a stored port-set blob as a damaged or hostile database may
 * hold it. Input: byte 0 the wide-port threshold, bytes 1-8 the stored
 * and the new count (int32, little-endian), then the stored blob and the
 * new one, split where byte 9 says. Properties checked (abort on
 * violation): the count is at most the threshold; the blob is NULL exactly
 * when the count reaches it, and whenever either side's count does;
 * otherwise it holds count strictly increasing 4-byte pairs, and every
 * whole pair of either blob is among them. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static sqlite3_stmt *q;

static uint32_t pair_at(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Whether pair is in the sorted pairs of blob r (n pairs). */
static int has_pair(const uint8_t *r, long n, uint32_t pair)
{
    for (long k = 0; k < n; k++)
        if (pair_at(r + 4 * k) == pair)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 10 || size > 4096)
        return 0;
    if (!db) { /* one connection for the process; never closed */
        struct kn_err e;
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || kn_store_register_port_union(db, &e) ||
            sqlite3_prepare_v2(db,
                               "SELECT kn_port_union(?1, ?2, ?3, ?4, ?5), kn_port_union_n(?1, ?2, ?3, ?4, ?5)",
                               -1, &q, NULL) != SQLITE_OK)
            abort();
    }
    unsigned wide = data[0] ? data[0] : 1;
    int32_t old_n, new_n;
    memcpy(&old_n, data + 1, 4);
    memcpy(&new_n, data + 5, 4);
    const uint8_t *blobs = data + 10;
    size_t len = size - 10, cut = len ? data[9] % (len + 1) : 0;
    sqlite3_bind_blob(q, 1, blobs, (int)cut, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, old_n);
    sqlite3_bind_blob(q, 3, blobs + cut, (int)(len - cut), SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, new_n);
    sqlite3_bind_int64(q, 5, wide);
    if (sqlite3_step(q) != SQLITE_ROW)
        abort();
    long count = (long)sqlite3_column_int64(q, 1);
    const uint8_t *r = sqlite3_column_blob(q, 0);
    long rlen = sqlite3_column_bytes(q, 0);
    int null = sqlite3_column_type(q, 0) == SQLITE_NULL;
    if (count < 0 || count > (long)wide || null != (count == (long)wide))
        abort();
    /* a count at the threshold, on either side, is a wide-port source */
    if (((uint32_t)old_n >= wide || (uint32_t)new_n >= wide) && !null)
        abort();
    if (!null) {
        if (rlen != 4 * count || (rlen && !r))
            abort();
        for (long k = 1; k < count; k++)
            if (pair_at(r + 4 * (k - 1)) >= pair_at(r + 4 * k))
                abort();
        for (size_t k = 0; k + 4 <= cut; k += 4)
            if (!has_pair(r, count, pair_at(blobs + k)))
                abort();
        for (size_t k = cut; k + 4 <= len; k += 4)
            if (!has_pair(r, count, pair_at(blobs + k)))
                abort();
    }
    sqlite3_reset(q);
    return 0;
}
