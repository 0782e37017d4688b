/* analyze/group with a content hash left pending (a run's last file,
 * pipeline.h): the commit finishes it and stores the finished digest; a
 * file found stored once its digest is known is skipped with nothing of it
 * written, whether the store could tell from its statistics before the
 * commit or only from the digest inside it; and a pending file is decided
 * before another file joins the group. Checked through plain SQL, with the
 * digests computed here as docs/schema.md defines them
 * (test_digest_fixture.h), not by the hasher under test. */
#include "harness.h"
#include "test_digest_fixture.h"
#include "test_group_fixture.h"

#include "analyze/content_hash.h"

/* Feeds h `n` frames whose bytes all are `fill`. */
static void feed(struct kn_content_hash *h, uint8_t fill, int n)
{
    uint8_t data[60];
    memset(data, fill, sizeof data);
    for (int i = 0; i < n; i++) {
        struct kn_frame f = {.ts_ns = 1589673600000000000ull + (uint64_t)i,
                             .caplen = sizeof data,
                             .wirelen = sizeof data,
                             .linktype = 1,
                             .data = data};
        kn_content_hash_add(h, &f);
    }
}

/* The digest of feed(fill, n): the same frames into SHA-256 here. */
static void digest_of(uint8_t fill, int n, uint8_t out[32])
{
    uint8_t data[60];
    memset(data, fill, sizeof data);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    for (int i = 0; i < n; i++)
        digest_frame(sha, 1, 1589673600000000000ull + (uint64_t)i, sizeof data, sizeof data, data);
    EVP_DigestFinal_ex(sha, out, NULL);
    EVP_MD_CTX_free(sha);
}

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* fake_file() (test_group_fixture.h) whose hash is pending in h, fed the
 * frames feed(fill, 2). */
static void pending_file(struct kn_agg *agg, struct kn_run_result *res,
                         struct kn_content_hash *h, uint8_t fill, int first, int sources)
{
    struct kn_err e;
    fake_file(agg, res, 0, first, sources);
    memset(res->hash, 0, sizeof res->hash);
    kn_content_hash_reset(h, &e);
    feed(h, fill, 2);
    res->hash_pending = h;
}

/* Stores a file with content feed(fill, 2) but other statistics (packets),
 * as another run would have: the pending file's statistics then do not
 * give it away, only its digest does. */
static void store_elsewhere(struct kn_store *st, uint8_t fill, uint64_t packets, const char *name)
{
    struct kn_err e;
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 0, 200, 1);
    digest_of(fill, 2, res.hash);
    res.ingest.packets = packets;
    bool skipped = true;
    char as[64];
    CHECK_EQ(kn_store_commit_file(st, res.hash, name, &res.ingest, agg, &skipped, as, sizeof as,
                                  &e), 0);
    CHECK(!skipped);
    kn_agg_free(agg);
}

/* A store, a group on it, the pipeline's aggregate and hasher. */
struct setup {
    struct kn_store *st;
    struct kn_group g;
    struct kn_agg *agg;
    struct kn_content_hash *h;
    struct kn_run_result res;
    struct tally t;
};

/* Opens db (a file stored by another run first when elsewhere_fill is not
 * 0, see store_elsewhere) and adds a pending file of `sources` sources
 * from .1 whose frames are feed(fill, 2). */
static void start(struct setup *s, const char *db, uint8_t elsewhere_fill,
                  uint64_t elsewhere_packets, uint8_t fill, int sources, const char *name)
{
    struct kn_err e;
    memset(s, 0, sizeof *s);
    s->st = open_store(db);
    if (elsewhere_fill)
        store_elsewhere(s->st, elsewhere_fill, elsewhere_packets, "earlier.pcap");
    CHECK_EQ(kn_group_init(&s->g, s->st, 100, 0, &e), 0);
    s->agg = kn_agg_new(100, &e);
    s->h = kn_content_hash_new(&e);
    pending_file(s->agg, &s->res, s->h, fill, 1, sources);
    CHECK_EQ(kn_group_add(&s->g, s->agg, name, &s->res, &e), 0);
}

static void finish(struct setup *s)
{
    kn_content_hash_free(s->h);
    kn_agg_free(s->agg);
    kn_group_free(&s->g);
    kn_store_close(s->st);
}

static void test_commit_stores_the_finished_digest(void)
{
    struct setup s;
    start(&s, "p1.db", 0, 0, 0xab, 3, "last.pcap");
    CHECK(s.g.pending);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    CHECK_EQ(kn_group_flush(&s.g, report, &s.t), 0);
    CHECK_EQ(s.t.stored, 1);
    uint8_t want[32];
    char want_hex[65], q[160];
    digest_of(0xab, 2, want);
    hex(want, want_hex);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM files WHERE name = 'last.pcap' AND hash = '%s'",
             want_hex);
    CHECK_EQ(sql_int(q), 1);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 3);
    finish(&s);
}

/* Stored under other statistics: only the digest, finished inside the
 * commit, finds it; the commit then writes nothing. */
static void test_repeat_found_inside_the_commit(void)
{
    struct setup s;
    start(&s, "p2.db", 0xcd, 999, 0xcd, 3, "again.pcap");
    CHECK(s.g.pending); /* its statistics match no stored file */
    CHECK_EQ(kn_group_flush(&s.g, report, &s.t), 0);
    CHECK_EQ(s.t.stored, 0);
    CHECK_EQ(s.t.failed, 0);
    CHECK_EQ(s.t.skipped, 1);
    CHECK_STR(s.t.skipped_as, "earlier.pcap");
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 1);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 1); /* earlier.pcap's one source */
    CHECK_EQ(s.g.tally.commits, 0);
    finish(&s);
}

/* Stored with the same statistics: the digest is finished at the add, and
 * the repeat is skipped before anything is written. */
static void test_repeat_with_same_statistics_found_at_add(void)
{
    struct setup s;
    start(&s, "p3.db", 0xef, 3, 0xef, 3, "again.pcap"); /* 3 packets, as stored */
    CHECK(!s.g.pending);
    CHECK_EQ(s.g.counted, 0);
    CHECK_EQ(kn_group_flush(&s.g, report, &s.t), 0);
    CHECK_EQ(s.t.skipped, 1);
    CHECK_STR(s.t.skipped_as, "earlier.pcap");
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 1);
    finish(&s);
}

/* Another file joins while the first one's digest is pending: the first
 * is decided then. Stored already, it turns skipped and its figures leave
 * the group; not stored, it stays and both are committed. */
static void test_pending_decided_when_another_joins(void)
{
    for (int stored = 0; stored < 2; stored++) {
        struct setup s;
        struct kn_err e;
        start(&s, stored ? "p4.db" : "p5.db", stored ? 0x11 : 0, 999, 0x11, 3, "first.pcap");
        CHECK(s.g.pending); /* .1-.3 */
        fake_file(s.agg, &s.res, 7, 3, 2); /* .3-.4, its hash known */
        CHECK_EQ(kn_group_add(&s.g, s.agg, "second.pcap", &s.res, &e), 0);
        CHECK(!s.g.pending);
        CHECK_EQ(s.g.counted, stored ? 1u : 2u);
        CHECK_EQ(kn_group_flush(&s.g, report, &s.t), 0);
        CHECK_EQ(s.t.skipped, stored);
        CHECK_EQ(s.t.stored, 2 - stored);
        /* not stored: .1-.4 with .3 twice; stored: second.pcap's .3-.4,
         * plus earlier.pcap's own source */
        CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), stored ? 3 : 4);
        CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day WHERE addr LIKE '198.51.100._'"),
                 stored ? 2 : 5);
        finish(&s);
    }
}

int main(void)
{
    if (!make_dir())
        return 1;
    RUN(test_commit_stores_the_finished_digest);
    RUN(test_repeat_found_inside_the_commit);
    RUN(test_repeat_with_same_statistics_found_at_add);
    RUN(test_pending_decided_when_another_joins);
    remove_dir();
    TEST_MAIN_END();
}
