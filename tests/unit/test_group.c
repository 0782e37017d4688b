/* analyze/group: group commits store nothing before the group is flushed
 * and then every file of it in one transaction, skip a file whose content
 * is stored or already in the group, fall due at --files-per-commit and
 * beyond KN_GROUP_MAX_DAYS days, and store nothing at all when another run
 * stored one of the group's files meanwhile (each file whole or not at
 * all). Checked through plain SQL. */
#include "harness.h"
#include "test_group_fixture.h"

static void test_nothing_stored_before_flush(void)
{
    struct kn_store *st = open_store("a.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 1, 1, 3);
    CHECK_EQ(kn_group_add(&g, agg, "one.pcap", &res, &e), 0);
    fake_file(agg, &res, 2, 2, 3); /* overlaps: .2 and .3 again, .4 new */
    CHECK_EQ(kn_group_add(&g, agg, "two.pcap", &res, &e), 0);
    fake_file(agg, &res, 1, 9, 1); /* the same content as one.pcap */
    CHECK_EQ(kn_group_add(&g, agg, "copy.pcap", &res, &e), 0);
    CHECK(!kn_group_due(&g));
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 0);
    struct tally t = {0};
    CHECK_EQ(kn_group_flush(&g, report, &t), 0);
    CHECK_EQ(t.stored, 2);
    CHECK_EQ(t.skipped, 1);
    CHECK_STR(t.skipped_as, "one.pcap");
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 2);
    /* .1-.4, the overlap merged: 6 packets from 4 sources */
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 4);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 6);
    CHECK_EQ(sql_int("SELECT packets FROM source_day WHERE addr = '198.51.100.3'"), 2);

    /* A later group: a file stored by the first one is skipped. */
    fake_file(agg, &res, 2, 50, 2);
    CHECK_EQ(kn_group_add(&g, agg, "two-again.pcap", &res, &e), 0);
    memset(&t, 0, sizeof t);
    CHECK_EQ(kn_group_flush(&g, report, &t), 0);
    CHECK_EQ(t.skipped, 1);
    CHECK_STR(t.skipped_as, "two.pcap");
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 4);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

static void test_due_at_files_per_commit(void)
{
    struct kn_store *st = open_store("b.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 2, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 1, 1, 1);
    kn_group_add(&g, agg, "a", &res, &e);
    CHECK(!kn_group_due(&g));
    fake_file(agg, &res, 1, 1, 1); /* skipped ones do not count */
    kn_group_add(&g, agg, "a2", &res, &e);
    CHECK(!kn_group_due(&g));
    fake_file(agg, &res, 2, 2, 1);
    kn_group_add(&g, agg, "b", &res, &e);
    CHECK(kn_group_due(&g));
    struct tally t = {0};
    kn_group_flush(&g, report, &t);
    CHECK(!kn_group_due(&g));
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 2);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

/* Counts one access to 192.0.2.1 at 01:00 of day (from 2020-05-17): a TCP
 * SYN, or a UDP datagram, to port, from 198.51.100.0 + host. */
static void add_access(struct kn_agg *agg, int day, unsigned proto, unsigned port, unsigned host)
{
    struct kn_err e;
    struct kn_pkt p;
    memset(&p, 0, sizeof p);
    p.ts_ns = (uint64_t)(18399 + day) * 86400 * 1000000000ull + 3600 * 1000000000ull;
    p.outcome = KN_OUT_IP;
    p.ip_version = 4;
    p.proto = (uint8_t)proto;
    p.flags = KN_PKT_HAS_PORTS | (proto == KN_PROTO_TCP ? KN_PKT_HAS_TCP : 0);
    p.tcp_flags = proto == KN_PROTO_TCP ? KN_TCP_SYN : 0;
    p.src4 = 0xC6336400u + host;
    p.dst4 = 0xC0000201u;
    p.dport = (uint16_t)port;
    CHECK_EQ(kn_agg_add(agg, &p, kn_classify(&p), &e), 0);
}

/* A file of one SYN to the sensor on each of the given days (days from
 * 2020-05-17), from 198.51.100.tag: figures of those days, counters and
 * port rows, as the pipeline leaves them. */
static void day_file(struct kn_agg *agg, struct kn_run_result *res, uint8_t tag,
                     const int *days, int n_days)
{
    kn_agg_reset(agg);
    memset(res, 0, sizeof *res);
    memset(res->hash, tag, sizeof res->hash);
    for (int i = 0; i < n_days; i++) {
        add_access(agg, days[i], KN_PROTO_TCP, 1000u + (unsigned)days[i], tag);
        res->ingest.packets++;
    }
}

/* A group falls due once it holds more than KN_GROUP_MAX_DAYS days, and is
 * full for a file that would bring it beyond them; days are counted once
 * however many of its files hold them, with and without overlapped merges
 * (where the count must not read the aggregate being merged). */
static void test_due_at_max_days(void)
{
    for (int overlap = 0; overlap < 2; overlap++) {
        struct kn_store *st = open_store(overlap ? "days2.db" : "days1.db");
        struct kn_err e;
        struct kn_group g;
        CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
        g.overlap = overlap;
        struct kn_agg *aggs[2] = {kn_agg_new(100, &e), kn_agg_new(100, &e)};
        struct kn_run_result res;
        const int d0[] = {0}, d01[] = {0, 1}, d1[] = {1}, d2[] = {2}, d34[] = {3, 4};
        struct { const int *days; int n; bool due; } plan[] = {
            {d0, 1, false}, {d0, 1, false}, /* the hours of one day */
            {d01, 2, true},                 /* one reaching into the next */
            {d1, 1, false}, {d1, 1, false}, /* after the flush: the next day */
            {d2, 1, true},
        };
        int k = 0;
        struct tally t = {0};
        for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++, k ^= 1) {
            kn_group_release(&g, aggs[k]);
            day_file(aggs[k], &res, (uint8_t)(i + 1), plan[i].days, plan[i].n);
            CHECK_EQ(kn_group_add(&g, aggs[k], "f", &res, &e), 0);
            CHECK_EQ(kn_group_due(&g), plan[i].due);
            if (plan[i].due) {
                CHECK_EQ(kn_group_flush(&g, report, &t), 0);
                CHECK(!kn_group_due(&g));
            }
        }
        CHECK_EQ(t.stored, 6);
        /* a repeat adds no day: its figures are not counted */
        kn_group_release(&g, aggs[k]);
        day_file(aggs[k], &res, 1, d34, 2); /* the content of the first file */
        CHECK_EQ(kn_group_add(&g, aggs[k], "f-again", &res, &e), 0);
        CHECK(!kn_group_due(&g));
        k ^= 1;
        kn_group_release(&g, aggs[k]);
        day_file(aggs[k], &res, 9, d34, 2); /* a file of two days on its own */
        CHECK_EQ(kn_group_add(&g, aggs[k], "g", &res, &e), 0);
        CHECK(kn_group_due(&g));
        CHECK_EQ(kn_group_flush(&g, report, &t), 0);
        CHECK_EQ(sql_int("SELECT COUNT(DISTINCT day) FROM day_port"), 5);
        /* before adding: a file of another day would make the group too
         * big; one of its day would not; an empty group takes anything */
        kn_group_release(&g, aggs[k]);
        day_file(aggs[k], &res, 20, d0, 1);
        CHECK(!kn_group_full_for(&g, aggs[k]));
        CHECK_EQ(kn_group_add(&g, aggs[k], "h", &res, &e), 0);
        k ^= 1;
        kn_group_release(&g, aggs[k]);
        day_file(aggs[k], &res, 21, d0, 1);
        CHECK(!kn_group_full_for(&g, aggs[k]));
        day_file(aggs[k], &res, 21, d1, 1);
        CHECK(kn_group_full_for(&g, aggs[k]));
        CHECK_EQ(kn_group_flush(&g, report, &t), 0);
        CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 8);
        CHECK_EQ(t.skipped, 1);
        kn_group_free(&g);
        kn_agg_free(aggs[0]);
        kn_agg_free(aggs[1]);
        kn_store_close(st);
    }
}

/* A flush gives the group's memory back: its aggregate next goes to a
 * pipeline for files of other days, where what a reset keeps would sit
 * idle (docs/performance.md, items 29-30). */
static void test_flush_gives_memory_back(void)
{
    struct kn_store *st = open_store("trim.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    const int d0[] = {0};
    day_file(agg, &res, 30, d0, 1);
    for (unsigned port = 1; port <= 40000; port++) /* a 4 MiB port table */
        add_access(agg, 0, KN_PROTO_UDP, port, port % 200);
    CHECK_EQ(kn_group_add(&g, agg, "big", &res, &e), 0);
    CHECK(kn_agg_memory(g.agg) > (4u << 20));
    struct tally t = {0};
    CHECK_EQ(kn_group_flush(&g, report, &t), 0);
    CHECK_EQ(t.stored, 1);
    CHECK(kn_agg_memory(g.agg) < (64u << 10));
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM day_port WHERE proto = 17"), 40000);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

/* Another run stores one of the group's files between its add and the
 * commit: the group stores nothing, and says which file and why. */
static void test_raced_group_stores_nothing(void)
{
    struct kn_store *st = open_store("c.db");
    struct kn_err e;
    struct kn_group g;
    CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
    struct kn_agg *agg = kn_agg_new(100, &e);
    struct kn_run_result res;
    fake_file(agg, &res, 1, 1, 2);
    kn_group_add(&g, agg, "first.pcap", &res, &e);
    fake_file(agg, &res, 2, 10, 2);
    kn_group_add(&g, agg, "second.pcap", &res, &e);

    /* the other run, on its own handle */
    struct kn_store *other;
    struct kn_config cfg;
    static struct kn_config_request later; /* a later run may omit the config */
    CHECK_EQ(kn_store_open(&other, path, &later, false, &cfg, &e), 0);
    struct kn_agg *oagg = kn_agg_new(100, &e);
    struct kn_run_result ores;
    fake_file(oagg, &ores, 2, 10, 2);
    bool skipped = true;
    char as[64];
    CHECK_EQ(kn_store_commit_file(other, ores.hash, "second-elsewhere.pcap", &ores.ingest, oagg,
                                  &skipped, as, sizeof as, &e), 0);
    CHECK(!skipped);
    kn_store_close(other);
    kn_agg_free(oagg);

    struct tally t = {0};
    CHECK_EQ(kn_group_flush(&g, report, &t), 2);
    CHECK_EQ(t.stored, 0);
    CHECK_EQ(t.failed, 2);
    printf("# %s\n", t.last_error);
    CHECK(strstr(t.last_error, "another run") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 1); /* the other run's only */
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day WHERE addr = '198.51.100.1'"), 0);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 2);
    kn_agg_free(agg);
    kn_group_free(&g);
    kn_store_close(st);
}

/* Group rows as text, for comparing two databases. */
static void dump(const char *db, char *out, size_t cap)
{
    char q[512];
    snprintf(q, sizeof q, "sqlite3 %s \"SELECT addr, packets, first_ns FROM source_day "
                          "ORDER BY addr; SELECT name FROM files ORDER BY id\"", db);
    FILE *p = popen(q, "r");
    size_t n = p ? fread(out, 1, cap - 1, p) : 0;
    out[n] = '\0';
    if (p)
        pclose(p);
}

/* With overlap, kn_group_add() merges on a thread of its own and returns
 * while it still reads the file's aggregate: read in turn into two
 * aggregates, as `kenchi analyze` does, the group must store exactly what
 * inline merges store, skip repeats the same way, and give an aggregate
 * back only once its merge has ended. */
static void test_overlapped_merges_equal_inline(void)
{
    static char want[8192], got[8192];
    struct kn_err e;
    struct kn_run_result res;
    for (int overlap = 0; overlap < 2; overlap++) {
        struct kn_store *st = open_store(overlap ? "o1.db" : "o0.db");
        struct kn_group g;
        CHECK_EQ(kn_group_init(&g, st, 100, 0, &e), 0);
        g.overlap = overlap;
        struct kn_agg *aggs[2] = {kn_agg_new(100, &e), kn_agg_new(100, &e)};
        char name[32];
        for (int f = 0; f < 12; f++) {
            struct kn_agg *a = aggs[f % 2];
            kn_group_release(&g, a);
            CHECK(g.merging_from != a);
            /* files 5 and 9 repeat file 2's content; the others overlap in sources */
            fake_file(a, &res, (uint8_t)(f == 5 || f == 9 ? 3 : f + 1), 10 * f, 40);
            snprintf(name, sizeof name, "f%02d.pcap", f);
            CHECK_EQ(kn_group_add(&g, a, name, &res, &e), 0);
            if (overlap && f >= 1 && f != 5 && f != 9)
                CHECK(g.merging_from == a); /* returned with the merge on its thread */
            if (f == 7) { /* giving back the aggregate being merged waits for it */
                kn_group_release(&g, a);
                CHECK(g.merging_from == NULL);
            }
            CHECK(!kn_group_due(&g));
        }
        struct tally t = {0};
        CHECK_EQ(kn_group_flush(&g, report, &t), 0);
        CHECK(g.merging_from == NULL);
        CHECK_EQ(t.stored, 10);
        CHECK_EQ(t.skipped, 2);
        CHECK_STR(t.skipped_as, "f02.pcap");
        /* 198.51.100.0-149 once or twice: 10 files of 40 from 10 f on,
         * overlapping by 30 (f and f+1), minus the two repeats */
        CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 400);
        dump(path, overlap ? got : want, sizeof want);
        kn_agg_free(aggs[0]);
        kn_agg_free(aggs[1]);
        kn_group_free(&g);
        kn_store_close(st);
    }
    CHECK(want[0] != '\0');
    CHECK_STR(got, want);
}

int main(void)
{
    if (!make_dir())
        return 1;
    RUN(test_nothing_stored_before_flush);
    RUN(test_due_at_files_per_commit);
    RUN(test_due_at_max_days);
    RUN(test_flush_gives_memory_back);
    RUN(test_raced_group_stores_nothing);
    RUN(test_overlapped_merges_equal_inline);
    remove_dir();
    TEST_MAIN_END();
}
