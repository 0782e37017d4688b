/* report: number formatting, --port and --period parsing, and the period
 * grouping (labels, day counts, sums) over a database built through the
 * store, with expected values worked out by hand in the comments, and the
 * Mirai port lists of days and periods against counts kept in the test,
 * and the source figures of many days against SQLite's own GROUP BY and
 * COUNT(DISTINCT). */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "report/numfmt.h"
#include "report/report.h"
#include "report/report_sources.h"

static void test_numfmt(void)
{
    char b[32];
    kn_fmt_thousands(0, b, sizeof b);
    CHECK_STR(b, "0");
    kn_fmt_thousands(999, b, sizeof b);
    CHECK_STR(b, "999");
    kn_fmt_thousands(1000, b, sizeof b);
    CHECK_STR(b, "1,000");
    kn_fmt_thousands(1234567, b, sizeof b);
    CHECK_STR(b, "1,234,567");
    kn_fmt_thousands(UINT64_MAX, b, sizeof b);
    CHECK_STR(b, "18,446,744,073,709,551,615");
    kn_fmt_decimal(6506.44, 1, b, sizeof b);
    CHECK_STR(b, "6,506.4");
    kn_fmt_decimal(0.125, 2, b, sizeof b);
    CHECK_STR(b, "0.12"); /* round-half-even of the binary value 0.125 */
    kn_fmt_decimal(-1, 1, b, sizeof b);
    CHECK_STR(b, "-");
}

static void test_parse_options(void)
{
    struct kn_report_series s;
    struct kn_err e;
    CHECK_EQ(kn_report_parse_port("tcp/3389", &s, &e), 0);
    CHECK_EQ(s.proto, 6);
    CHECK_EQ(s.port, 3389);
    CHECK_STR(s.label, "tcp/3389");
    CHECK_EQ(kn_report_parse_port("udp/0", &s, &e), 0);
    CHECK_EQ(s.proto, 17);
    CHECK_EQ(kn_report_parse_port("udp/65536", &s, &e), -1);
    CHECK_EQ(kn_report_parse_port("tcp/", &s, &e), -1);
    CHECK_EQ(kn_report_parse_port("tcp/-1", &s, &e), -1);
    CHECK_EQ(kn_report_parse_port("sctp/80", &s, &e), -1);
    CHECK(strstr(e.msg, "tcp/PORT") != NULL);
    enum kn_period_kind k;
    CHECK_EQ(kn_report_parse_period("half", &k), 0);
    CHECK_EQ(k, KN_PERIOD_HALF);
    CHECK_EQ(kn_report_parse_period("week", &k), -1);
}

/* A new database in a directory of its own, sensors a /30 (4 IPv4
 * addresses), days in UTC; closed and removed by test_db_close(). */
struct test_db {
    char dir[32];
    struct kn_store *st;
    struct kn_config cfg;
};

static int test_db_open(struct test_db *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/kenchi-test-report-XXXXXX");
    if (!mkdtemp(t->dir)) {
        CHECK(0);
        return -1;
    }
    char path[64];
    snprintf(path, sizeof path, "%s/r.db", t->dir);
    struct kn_config_request *req = calloc(1, sizeof *req);
    struct kn_err e;
    kn_cidr_parse("192.0.2.0/30", &req->sensors[0], NULL, &e);
    req->n_sensors = 1;
    int rc = kn_store_open(&t->st, path, req, true, &t->cfg, &e);
    CHECK_EQ(rc, 0);
    free(req);
    kn_tz_select("UTC", &e);
    return rc ? -1 : 0;
}

static void test_db_close(struct test_db *t)
{
    kn_store_close(t->st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    CHECK_EQ(system(cmd), 0);
}

/* A TCP SYN to 192.0.2.1:dport, sent second `second` of day (a day
 * number) from 198.51.100.host, with sequence number seq (the Mirai
 * fingerprint when seq is 192.0.2.1). */
static struct kn_pkt syn(int32_t day, uint64_t second, uint32_t host, unsigned dport, uint32_t seq)
{
    struct kn_pkt p;
    memset(&p, 0, sizeof p);
    p.ts_ns = ((uint64_t)day * 86400 + second) * 1000000000ull;
    p.outcome = KN_OUT_IP;
    p.ip_version = 4;
    p.proto = KN_PROTO_TCP;
    p.flags = KN_PKT_HAS_PORTS | KN_PKT_HAS_TCP;
    p.tcp_flags = KN_TCP_SYN;
    p.src4 = 0xC6336400u + host;
    p.dst4 = 0xC0000201u;
    p.seq = seq;
    p.dport = (uint16_t)dport;
    return p;
}

/* Stores a's figures as one file (content tag) and frees a. */
static void store_file(struct kn_store *st, struct kn_agg *a, uint8_t tag)
{
    struct kn_ingest ing;
    memset(&ing, 0, sizeof ing);
    uint8_t h[32] = {tag};
    bool skipped;
    char as[8];
    struct kn_err e;
    CHECK_EQ(kn_store_commit_file(st, h, "x", &ing, a, &skipped, as, sizeof as, &e), 0);
    kn_agg_free(a);
}

/* 4 days: 2020-06-30 (3 SYNs), 2020-07-01 (1), 2020-07-02 (2), 2021-01-01 (1),
 * all from 198.51.100.1 except one from .2 on 07-02; sensors: a /30 (4 IPv4). */
static void test_periods(void)
{
    struct test_db t;
    if (test_db_open(&t))
        return;
    struct kn_store *st = t.st;
    struct kn_config cfg = t.cfg;
    struct kn_err e;
    struct kn_agg *a = kn_agg_new(100, &e);
    const struct { int y, m, d, n, host; } plan[] = {
        {2020, 6, 30, 3, 1}, {2020, 7, 1, 1, 1}, {2020, 7, 2, 1, 1}, {2020, 7, 2, 1, 2}, {2021, 1, 1, 1, 1}};
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
        for (int k = 0; k < plan[i].n; k++) {
            struct kn_pkt p = syn(kn_day_from_civil(plan[i].y, (unsigned)plan[i].m, (unsigned)plan[i].d),
                                  60 + (uint64_t)k, (uint32_t)plan[i].host, 3389, 0);
            kn_agg_add(a, &p, kn_classify(&p), &e);
        }
    store_file(st, a, 9);

    struct kn_report *r = calloc(1, sizeof *r);
    r->cfg = cfg;
    r->period_kind = KN_PERIOD_HALF;
    kn_report_parse_port("tcp/3389", &r->series[0], &e);
    r->n_series = 1;
    CHECK_EQ(kn_report_load(r, kn_store_db(st), INT32_MIN, INT32_MAX, &e), 0);
    CHECK_EQ(r->sensors_v4, 4);
    CHECK_EQ(r->n_days, 4);
    CHECK_EQ(r->n_periods, 3); /* 2020-H1, 2020-H2, 2021-H1 */
    if (r->n_periods == 3) {
        CHECK_STR(r->periods[0].label, "2020-H1");
        CHECK_EQ(r->periods[0].n_days, 1);
        CHECK_STR(r->periods[1].label, "2020-H2");
        CHECK_EQ(r->periods[1].n_days, 2);
        CHECK_EQ(kn_rd_rdp(&r->periods[1].sum), 3);
        CHECK_EQ(kn_rd_sources(&r->periods[1].sum), 3); /* 1 + 2 daily */
        CHECK_EQ(r->periods[1].distinct_sources, 2);
        CHECK_EQ(r->periods[1].sum.series[0][0], 3);
        CHECK_STR(r->periods[2].label, "2021-H1");
    }
    CHECK_EQ(r->days[2].sources[KN_FAM_V4], 2);
    kn_report_free(r);
    /* --from/--to bound the days; year periods */
    r->period_kind = KN_PERIOD_YEAR;
    int32_t from, to;
    kn_day_parse("2020-07-01", &from);
    kn_day_parse("2020-12-31", &to);
    CHECK_EQ(kn_report_load(r, kn_store_db(st), from, to, &e), 0);
    CHECK_EQ(r->n_days, 2);
    CHECK_EQ(r->n_periods, 1);
    CHECK_STR(r->periods[0].label, "2020");
    kn_report_free(r);
    free(r);
    test_db_close(&t);
}

/* Checks one list of Mirai port counts against a reference array: sorted by
 * port, strictly, every count equal, no port missing or added. */
static void check_port_list(const struct kn_report_day *d, const uint64_t *ref, size_t n_ports)
{
    size_t nonzero = 0;
    for (size_t i = 0; i < n_ports; i++)
        nonzero += ref[i] != 0;
    CHECK_EQ(d->n_mirai_ports, nonzero);
    for (size_t i = 0; i < d->n_mirai_ports; i++) {
        CHECK(i == 0 || d->mirai_ports[i - 1].port < d->mirai_ports[i].port);
        CHECK(d->mirai_ports[i].port < n_ports);
        if (d->mirai_ports[i].port < n_ports)
            CHECK_EQ(d->mirai_ports[i].n, ref[d->mirai_ports[i].port]);
    }
}

/* Mirai SYNs (seq == destination) on pseudo-random ports over three days of
 * one half-year: each day's list and the period's sum must equal counts
 * kept here in plain arrays, so ports seen on one day only, on several
 * days, and many times a day are all summed where they belong. */
static void test_mirai_ports_summed(void)
{
    enum { DAYS = 3, PORTS = 3000, PER_DAY = 4000 };
    struct test_db t;
    if (test_db_open(&t))
        return;
    struct kn_store *st = t.st;
    struct kn_config cfg = t.cfg;
    struct kn_err e;
    struct kn_agg *a = kn_agg_new(100000, &e);
    static uint64_t ref[DAYS + 1][PORTS]; /* [DAYS] is the period's sum */
    memset(ref, 0, sizeof ref);
    uint32_t x = 12345;
    for (int day = 0; day < DAYS; day++)
        for (int k = 0; k < PER_DAY; k++) {
            x = x * 1103515245u + 12345u;
            /* day 0 the low ports, day 2 the high ones, day 1 across both */
            uint32_t port = (x >> 8) % (PORTS / 2) + (uint32_t)day * (PORTS / 4);
            struct kn_pkt p = syn(kn_day_from_civil(2020, 7, 1 + (unsigned)day), 60 + (uint64_t)k,
                                  (uint32_t)(k % 7), port, 0xC0000201u);
            CHECK(kn_is_mirai(&p));
            kn_agg_add(a, &p, kn_classify(&p), &e);
            ref[day][port]++;
            ref[DAYS][port]++;
        }
    store_file(st, a, 7);

    struct kn_report *r = calloc(1, sizeof *r);
    r->cfg = cfg;
    r->period_kind = KN_PERIOD_HALF;
    CHECK_EQ(kn_report_load(r, kn_store_db(st), INT32_MIN, INT32_MAX, &e), 0);
    CHECK_EQ(r->n_days, DAYS);
    CHECK_EQ(r->n_periods, 1);
    if (r->n_days == DAYS && r->n_periods == 1) {
        for (int day = 0; day < DAYS; day++)
            check_port_list(&r->days[day], ref[day], PORTS);
        check_port_list(&r->periods[0].sum, ref[DAYS], PORTS);
        CHECK_EQ(r->periods[0].sum.mirai, (uint64_t)DAYS * PER_DAY);
    }
    kn_report_free(r);
    free(r);
    test_db_close(&t);
}

/* Runs sql (one row of one integer expected) with ?1 and ?2 bound to a and
 * b when given; the value, or -1. */
static long long sql_count(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* A day_family row for day, so that the report lists the day. */
static void add_day_row(sqlite3 *db, const char *day)
{
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO day_family VALUES ('%s', 4, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)", day);
    CHECK_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* The report's per-day sources and wide-port sources and each period's
 * distinct sources against SQLite computing the same figures by the
 * queries the report used before its merge (GROUP BY and COUNT(DISTINCT)),
 * on source_day rows written here: IPv4 and IPv6 text from small pools so
 * that days share addresses, addresses that are prefixes of others
 * ("1.0.0.1" and "1.0.0.19": the key orders by bytes, then length), and
 * nports on both sides of the threshold. Then a BLOB address equal in its
 * bytes to a text one on another day, which SQLite counts as a different
 * value and orders after all text, and two texts longer than the merge's
 * buffer keeps, alike up to there: the merge must give those periods'
 * counts back to SQLite. */
static void test_sources_merge(void)
{
    struct test_db t;
    if (test_db_open(&t))
        return;
    sqlite3 *db = kn_store_db(t.st);
    static const char *const days[] = {"2020-06-28", "2020-06-29", "2020-06-30", "2020-07-01",
                                       "2020-07-02", "2020-07-09", "2020-07-31"};
    enum { N_DAYS = sizeof days / sizeof days[0], PER_DAY = 3000 };
    sqlite3_stmt *ins;
    CHECK_EQ(sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO source_day VALUES (?1, ?2, ?3, 0, 0, 1, ?4, NULL, 0)",
                                -1, &ins, NULL), SQLITE_OK);
    uint32_t x = 99;
    for (size_t d = 0; d < N_DAYS; d++) {
        add_day_row(db, days[d]);
        for (int k = 0; k < PER_DAY; k++) {
            x = x * 1103515245u + 12345u;
            char addr[64];
            int fam = (x >> 3) % 5 ? 4 : 6;
            unsigned host = (x >> 8) % 4000;
            /* short ones, and long ones alike in their first 16 bytes: the
             * merge compares those as numbers, then the rest */
            static const char *const v6[] = {"", "2001:db8", "2001:db8:1234:5678", "2001:db8:1234:5678"};
            if (fam == 4)
                snprintf(addr, sizeof addr, "%s.0.%u.%u", x >> 31 ? "1" : "10", host / 250, host % 250);
            else
                snprintf(addr, sizeof addr, "%s::%x", v6[x >> 30], host);
            sqlite3_bind_text(ins, 1, days[d], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, addr, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(ins, 3, fam);
            sqlite3_bind_int(ins, 4, (int)((x >> 20) % 200));
            CHECK_EQ(sqlite3_step(ins), SQLITE_DONE);
            sqlite3_reset(ins);
        }
    }
    sqlite3_finalize(ins);
    /* SQLite's plan for the report's reading: the key, no sort. */
    sqlite3_stmt *plan;
    char eqp[512];
    snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", kn_report_sources_sql);
    CHECK_EQ(sqlite3_prepare_v2(db, eqp, -1, &plan, NULL), SQLITE_OK);
    int steps = 0;
    while (sqlite3_step(plan) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(plan, 3);
        CHECK(detail && strstr(detail, "PRIMARY KEY") && !strstr(detail, "TEMP B-TREE"));
        steps++;
    }
    CHECK_EQ(steps, 1);
    sqlite3_finalize(plan);

    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            /* '10.0.0.1' as a BLOB on the last day, and as text on the
             * first; two texts longer than any address, alike in their
             * first 70 bytes, on two days of one month */
            CHECK_EQ(sqlite3_exec(db,
                                  "INSERT OR IGNORE INTO source_day VALUES ('2020-06-28', '10.0.0.1', 4, 0, 0, 1, 1, NULL, 0);"
                                  "INSERT INTO source_day VALUES ('2020-07-31', CAST('10.0.0.1' AS BLOB), 4, 0, 0, 1, 1, NULL, 0);"
                                  "INSERT INTO source_day VALUES ('2020-06-29', printf('%.70c1', 'x'), 4, 0, 0, 1, 1, NULL, 0);"
                                  "INSERT INTO source_day VALUES ('2020-06-30', printf('%.70c2', 'x'), 4, 0, 0, 1, 1, NULL, 0);",
                                  NULL, NULL, NULL), SQLITE_OK);
            CHECK_EQ(sql_count(db, "SELECT COUNT(*) FROM source_day WHERE length(addr) = 71", NULL, NULL), 2);
        }
        for (int kind = KN_PERIOD_DAY; kind <= KN_PERIOD_YEAR; kind++) {
            struct kn_report *r = calloc(1, sizeof *r);
            struct kn_err e;
            r->cfg = t.cfg;
            r->period_kind = (enum kn_period_kind)kind;
            CHECK_EQ(kn_report_load(r, db, INT32_MIN, INT32_MAX, &e), 0);
            CHECK_EQ(r->n_days, N_DAYS);
            for (size_t d = 0; d < r->n_days && d < N_DAYS; d++) {
                char day[16];
                kn_day_format(r->days[d].day, day, sizeof day);
                CHECK_STR(day, days[d]);
                char sql[192];
                for (int fam = 4; fam <= 6; fam += 2) {
                    int f = fam == 4 ? KN_FAM_V4 : KN_FAM_V6;
                    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM source_day WHERE day = ?1 AND family = %d", fam);
                    CHECK_EQ((long long)r->days[d].sources[f], sql_count(db, sql, day, NULL));
                    snprintf(sql, sizeof sql,
                             "SELECT COUNT(*) FROM source_day WHERE day = ?1 AND family = %d AND nports >= %u",
                             fam, t.cfg.wide_ports);
                    CHECK_EQ((long long)r->days[d].wide[f], sql_count(db, sql, day, NULL));
                }
                CHECK(r->days[d].sources[KN_FAM_V4] > 0 && r->days[d].sources[KN_FAM_V6] > 0);
                CHECK(r->days[d].wide[KN_FAM_V4] > 0);
            }
            CHECK_EQ(r->n_periods, kind == KN_PERIOD_DAY ? N_DAYS : kind == KN_PERIOD_YEAR ? 1 : 2);
            for (size_t i = 0; i < r->n_periods; i++) {
                const struct kn_period *p = &r->periods[i];
                char from[16], to[16];
                kn_day_format(r->days[p->first].day, from, sizeof from);
                kn_day_format(r->days[p->first + p->n_days - 1].day, to, sizeof to);
                long long want = sql_count(db, "SELECT COUNT(DISTINCT addr) FROM source_day WHERE day BETWEEN ?1 AND ?2",
                                           from, to);
                CHECK_EQ((long long)p->distinct_sources, want);
                if (p->n_days > 1)
                    CHECK((long long)kn_rd_sources(&p->sum) > want); /* the days share addresses */
            }
            kn_report_free(r);
            free(r);
        }
    }
    test_db_close(&t);
}

/* The --port series against SQLite summing the same rows per day over any
 * family: port rows of IPv4, IPv6 and a hand-written family 5, on the
 * series' ports and beside them (other ports, the other protocol), with a
 * day holding no row of one series. */
static void test_series_by_seeks(void)
{
    struct test_db t;
    if (test_db_open(&t))
        return;
    sqlite3 *db = kn_store_db(t.st);
    static const char *const days[] = {"2020-06-01", "2020-06-02", "2020-06-03"};
    enum { N_DAYS = sizeof days / sizeof days[0] };
    uint32_t x = 7;
    for (size_t d = 0; d < N_DAYS; d++) {
        add_day_row(db, days[d]);
        char sql[256];
        static const int fams[] = {4, 5, 6};
        for (size_t f = 0; f < 3; f++)
            for (int proto = 6; proto <= 17; proto += 11)
                for (int port = 3380; port < 3400; port++) {
                    x = x * 1103515245u + 12345u;
                    if (d == 2 && port == 3389 && proto == 6)
                        continue; /* no tcp/3389 on the last day */
                    snprintf(sql, sizeof sql,
                             "INSERT INTO day_port VALUES ('%s', %d, %d, %d, %u, %u, 0)", days[d], fams[f],
                             proto, port, (x >> 8) % 1000 + 1, (x >> 20) % 500);
                    CHECK_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
                }
    }
    struct kn_report *r = calloc(1, sizeof *r);
    struct kn_err e;
    r->cfg = t.cfg;
    r->period_kind = KN_PERIOD_MONTH;
    CHECK_EQ(kn_report_parse_port("tcp/3389", &r->series[0], &e), 0);
    CHECK_EQ(kn_report_parse_port("udp/3389", &r->series[1], &e), 0);
    CHECK_EQ(kn_report_parse_port("tcp/3399", &r->series[2], &e), 0);
    r->n_series = 3;
    CHECK_EQ(kn_report_load(r, db, INT32_MIN, INT32_MAX, &e), 0);
    CHECK_EQ(r->n_days, N_DAYS);
    for (size_t d = 0; d < r->n_days && d < N_DAYS; d++)
        for (size_t k = 0; k < r->n_series; k++)
            for (int c = 0; c < 2; c++) {
                char sql[160];
                snprintf(sql, sizeof sql, "SELECT TOTAL(%s) FROM day_port WHERE day = ?1 AND proto = %u AND port = %u",
                         c ? "probes" : "accesses", r->series[k].proto, r->series[k].port);
                CHECK_EQ((long long)r->days[d].series[k][c], sql_count(db, sql, days[d], NULL));
            }
    CHECK_EQ(r->days[2].series[0][0], 0);
    CHECK(r->days[0].series[0][0] > 0);
    kn_report_free(r);
    free(r);
    test_db_close(&t);
}

int main(void)
{
    RUN(test_numfmt);
    RUN(test_parse_options);
    RUN(test_periods);
    RUN(test_mirai_ports_summed);
    RUN(test_sources_merge);
    RUN(test_series_by_seeks);
    TEST_MAIN_END();
}
