/* store/port_union.c: kn_port_union() and kn_port_union_n(), which unite
 * a stored source-day port set with a file's in the merge of source rows.
 * Oracle: the same two sets built into one record pair by pair with
 * kn_src_add_pair(), the aggregate's own rule (exact below the threshold,
 * saturated at it). Stored sides are also given as a hostile file could
 * hold them: out of order, repeated, cut short, with counts that lie. */
#include <sqlite3.h>
#include <stdlib.h>

#include "aggregate/aggregate.h"
#include "harness.h"
#include "store/store_internal.h"

static sqlite3 *db;
static sqlite3_stmt *q;

/* Big-endian 4-byte pairs of v[0..n) into out (4n bytes). */
static void encode(const uint32_t *v, uint32_t n, uint8_t *out)
{
    for (uint32_t k = 0; k < n; k++) {
        out[4 * k] = (uint8_t)(v[k] >> 24);
        out[4 * k + 1] = (uint8_t)(v[k] >> 16);
        out[4 * k + 2] = (uint8_t)(v[k] >> 8);
        out[4 * k + 3] = (uint8_t)v[k];
    }
}

struct side {
    const uint8_t *blob; /* NULL: SQL NULL */
    int len;
    long long n;
};

/* Runs both functions on (old, new, wide): *blob_out (malloc'd copy, the
 * caller frees; NULL for SQL NULL), its length, and the count. */
static void run(struct side old, struct side new, long long wide, uint8_t **blob_out, int *len,
                long long *count)
{
    for (int i = 0; i < 2; i++) {
        const struct side *s = i ? &new : &old;
        if (s->blob)
            sqlite3_bind_blob(q, 1 + 2 * i, s->blob, s->len, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 1 + 2 * i);
        sqlite3_bind_int64(q, 2 + 2 * i, s->n);
    }
    sqlite3_bind_int64(q, 5, wide);
    CHECK_EQ(sqlite3_step(q), SQLITE_ROW);
    *len = sqlite3_column_bytes(q, 0);
    *blob_out = NULL;
    if (sqlite3_column_type(q, 0) != SQLITE_NULL) {
        *blob_out = malloc((size_t)*len + 1);
        if (*len)
            memcpy(*blob_out, sqlite3_column_blob(q, 0), (size_t)*len);
    }
    *count = sqlite3_column_int64(q, 1);
    sqlite3_reset(q);
}

/* Random sets as the aggregate builds them, united by the functions and by
 * kn_src_add_pair(): the same set, count and saturation. */
static void test_random_sets_match_pair_by_pair(void)
{
    static const uint32_t thresholds[] = {1, 2, 3, 8, 100};
    uint32_t rng = 11;
    unsigned exact = 0, saturated = 0;
    for (int round = 0; round < 3000; round++) {
        uint32_t wide = thresholds[round % 5];
        struct kn_src_day a, b, want;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        memset(&want, 0, sizeof want);
        /* draws around the threshold: some unions stay below it, some reach it */
        unsigned na = ((rng = rng * 1103515245u + 12345u) >> 8) % (wide + 3);
        unsigned nb = ((rng = rng * 1103515245u + 12345u) >> 8) % (wide + 3);
        unsigned span = 8u << (round % 6);
        for (unsigned k = 0; k < na + nb; k++) {
            rng = rng * 1103515245u + 12345u;
            uint32_t pair = kn_pair(k & 1 ? KN_PROTO_UDP : KN_PROTO_TCP, (rng >> 8) % span);
            CHECK_EQ(kn_src_add_pair(k < na ? &a : &b, pair, wide), 0);
            CHECK_EQ(kn_src_add_pair(&want, pair, wide), 0);
        }
        uint8_t ba[512], bb[512];
        struct side old = {NULL, 0, a.nports}, new = {NULL, 0, b.nports};
        if (a.nports < wide) {
            encode(kn_src_pairs(&a), a.nports, ba);
            old.blob = ba;
            old.len = (int)a.nports * 4;
        }
        if (b.nports < wide) {
            encode(kn_src_pairs(&b), b.nports, bb);
            new.blob = bb;
            new.len = (int)b.nports * 4;
        }
        uint8_t *got;
        int len;
        long long count;
        run(old, new, wide, &got, &len, &count);
        CHECK_EQ(count, (long long)want.nports);
        if (want.nports >= wide) {
            saturated++;
            CHECK(got == NULL);
        } else {
            exact++;
            uint8_t expect[512];
            encode(kn_src_pairs(&want), want.nports, expect);
            CHECK(got != NULL);
            CHECK_EQ(len, (int)want.nports * 4);
            if (got && len == (int)want.nports * 4)
                CHECK_EQ(memcmp(got, expect, (size_t)len), 0);
        }
        free(got);
        kn_src_free_set(&a);
        kn_src_free_set(&b);
        kn_src_free_set(&want);
    }
    CHECK(exact > 500);
    CHECK(saturated > 500);
}

/* A stored side as a hostile or damaged file may hold it. */
static void test_hostile_stored_sides(void)
{
    uint32_t fresh[2] = {kn_pair(KN_PROTO_TCP, 22), kn_pair(KN_PROTO_TCP, 23)};
    uint8_t nb[8];
    encode(fresh, 2, nb);
    struct side new = {nb, 8, 2};
    uint8_t *got;
    int len;
    long long count;

    /* out of order, repeated, and a trailing partial pair: the whole
     * pairs count, once each */
    uint32_t messy[4] = {kn_pair(KN_PROTO_UDP, 53), kn_pair(KN_PROTO_TCP, 23),
                         kn_pair(KN_PROTO_UDP, 53), kn_pair(KN_PROTO_TCP, 80)};
    uint8_t mb[19];
    encode(messy, 4, mb);
    mb[16] = mb[17] = mb[18] = 0xff;
    run((struct side){mb, 19, 3}, new, 100, &got, &len, &count);
    CHECK_EQ(count, 4); /* tcp/22, tcp/23, tcp/80, udp/53 */
    uint32_t want4[4] = {kn_pair(KN_PROTO_TCP, 22), kn_pair(KN_PROTO_TCP, 23),
                         kn_pair(KN_PROTO_TCP, 80), kn_pair(KN_PROTO_UDP, 53)};
    uint8_t w4[16];
    encode(want4, 4, w4);
    CHECK(got && len == 16 && !memcmp(got, w4, 16));
    free(got);

    /* a count at the threshold, or one that does not fit 32 bits unsigned
     * (negative), saturates whatever the blob says */
    run((struct side){mb, 16, 100}, new, 100, &got, &len, &count);
    CHECK(got == NULL);
    CHECK_EQ(count, 100);
    run((struct side){mb, 16, -1}, new, 100, &got, &len, &count);
    CHECK(got == NULL);
    CHECK_EQ(count, 100);
    run((struct side){mb, 16, 4294967296LL + 3}, new, 100, &got, &len, &count);
    CHECK(got == NULL);
    CHECK_EQ(count, 100);

    /* no stored set at all (NULL blob, count 0): the new set alone */
    run((struct side){NULL, 0, 0}, new, 100, &got, &len, &count);
    CHECK_EQ(count, 2);
    CHECK(got && len == 8 && !memcmp(got, nb, 8));
    free(got);

    /* two empty sets: an empty blob, not NULL (as a new row stores it) */
    run((struct side){(const uint8_t *)"", 0, 0}, (struct side){(const uint8_t *)"", 0, 0}, 100,
        &got, &len, &count);
    CHECK_EQ(count, 0);
    CHECK(got != NULL);
    CHECK_EQ(len, 0);
    free(got);

    /* a threshold below 1 counts as 1: every set is saturated */
    run((struct side){NULL, 0, 0}, new, 0, &got, &len, &count);
    CHECK(got == NULL);
    CHECK_EQ(count, 1);

    /* a long stored blob stops at the threshold */
    uint8_t *big = malloc(4 * 5000);
    for (uint32_t k = 0; k < 5000; k++) {
        uint32_t p = kn_pair(KN_PROTO_TCP, 1000 + k);
        encode(&p, 1, big + 4 * k);
    }
    run((struct side){big, 4 * 5000, 7}, new, 100, &got, &len, &count);
    CHECK(got == NULL);
    CHECK_EQ(count, 100);
    free(big);
}

/* Registered direct-only: a database's own schema cannot call them. */
static void test_direct_only(void)
{
    CHECK_EQ(sqlite3_exec(db, "CREATE VIEW v AS SELECT kn_port_union(NULL, 0, NULL, 0, 3) AS u",
                          NULL, NULL, NULL),
             SQLITE_OK);
    char *msg = NULL;
    CHECK(sqlite3_exec(db, "SELECT u FROM v", NULL, NULL, &msg) != SQLITE_OK);
    CHECK(msg && strstr(msg, "unsafe use of kn_port_union"));
    sqlite3_free(msg);
}

int main(void)
{
    struct kn_err e;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || kn_store_register_port_union(db, &e) ||
        sqlite3_prepare_v2(db, "SELECT kn_port_union(?1, ?2, ?3, ?4, ?5), kn_port_union_n(?1, ?2, ?3, ?4, ?5)",
                           -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "cannot set up: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    RUN(test_random_sets_match_pair_by_pair);
    RUN(test_hostile_stored_sides);
    RUN(test_direct_only);
    sqlite3_finalize(q);
    sqlite3_close(db);
    TEST_MAIN_END();
}
