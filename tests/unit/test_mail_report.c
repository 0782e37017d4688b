/* mail/report: periods by Date with the Received and ingest fallbacks,
 * half-year boundaries, every figure a number of mails (two encrypted zips
 * or two members of one type count once), and the JSON contract. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mail/report.h"
#include "test_mail_stats_fixture.h"

static struct kn_mail_store *st;
static struct kn_mail_org org;
static char db_path[64];

static void put(struct kn_mail *m, const char *mid)
{
    long long id;
    struct kn_err err;
    m->message_id = (char *)mid;
    if (kn_mail_store_put(st, &org, m, "t", &id, &err) != 0)
        printf("# put %s: %s\n", mid, err.msg);
}

static void setup(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/kenchi-mail-report-%d.db", (int)getpid());
    unlink(db_path);
    struct kn_err err;
    kn_mail_store_open(db_path, &st, &err);
    org = fx_org("victim", "victim.co.jp");
    kn_mail_org_save(st, &org, &err);

    struct kn_mail_addr hidden[] = {{S("k.sato@victim.co.jp"), S("")}};
    struct kn_mail_addr pub[] = {{S("info@victim.co.jp"), S("")}};
    /* 1: 2020-06-30 23:59:59 UTC — last second of H1; two encrypted zips, each with a pe */
    struct kn_mail m = fx_mail();
    m.date = 1593561599;
    m.to = hidden, m.n_to = 1;
    struct kn_attachment pe1[] = {fx_attachment("a.exe", KN_FT_PE, "p1")}, pe2[] = {fx_attachment("b.exe", KN_FT_PE, "p2")};
    struct kn_attachment zips[] = {fx_attachment("a.zip", KN_FT_ZIP, "z1"), fx_attachment("b.zip", KN_FT_ZIP, "z2")};
    zips[0].is_archive = zips[1].is_archive = true;
    zips[0].encrypted = zips[1].encrypted = true;
    zips[0].members = pe1, zips[0].n_members = 1;
    zips[1].members = pe2, zips[1].n_members = 1;
    m.attachments = zips, m.n_attachments = 2;
    m.body_text = S("first mail text");
    put(&m, "<1@x>");
    /* 2: 2020-07-01 00:00:00 UTC — first second of H2; no Date, the Received hop has it */
    struct kn_mail m2 = fx_mail();
    m2.date = 0;
    struct kn_mail_hop hop[] = {{S("a"), S("203.0.113.1"), S("mx1.victim.co.jp"), 1593561600}};
    m2.hops = hop, m2.n_hops = 1;
    m2.to = pub, m2.n_to = 1;
    struct kn_mail_auth fail[] = {{S("mx.victim.co.jp"), KN_AUTH_FAIL, KN_AUTH_NONE, KN_AUTH_NONE}};
    m2.auth = fail, m2.n_auth = 1;
    struct kn_attachment pdf[] = {fx_attachment("x.pdf", KN_FT_PDF, "d1")};
    m2.attachments = pdf, m2.n_attachments = 1;
    m2.body_text = S("second mail text");
    put(&m2, "<2@x>");
    /* 3: 2020-11-15, Return-Path elsewhere: broad only */
    struct kn_mail m3 = fx_mail();
    m3.date = 1605398400;
    m3.to = pub, m3.n_to = 1;
    m3.return_path = S("b@bulk.example.net");
    m3.body_text = S("third mail text");
    put(&m3, "<3@x>");
}

static void test_periods_and_counts(void)
{
    struct kn_period_stats *p = NULL;
    size_t n = 0;
    struct kn_err err;
    CHECK_EQ(kn_mail_report_query(st, KN_PERIOD_HALF, &p, &n, &err), 0);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_STR(p[0].period, "2020-H1");
        CHECK_EQ(p[0].total, 1);
        CHECK_EQ(p[0].encrypted_archives, 1);                 /* two encrypted zips: one mail */
        CHECK_EQ(p[0].attachment_types[KN_FT_ZIP], 1);
        CHECK_EQ(p[0].archive_member_types[KN_FT_PE], 1);     /* two pe members: one mail */
        CHECK_EQ(p[0].unpublished, 1);
        CHECK_STR(p[1].period, "2020-H2");
        CHECK_EQ(p[1].total, 2);
        CHECK_EQ(p[1].forged_strict, 1);
        CHECK_EQ(p[1].forged_broad, 2);                       /* strict counts as broad */
        CHECK_EQ(p[1].unpublished, 0);
        CHECK_EQ(p[1].attachment_types[KN_FT_PDF], 1);
        CHECK_EQ(p[1].encrypted_archives, 0);
    }
    free(p);
    CHECK_EQ(kn_mail_report_query(st, KN_PERIOD_MONTH, &p, &n, &err), 0);
    CHECK_EQ(n, 3);
    if (n == 3) {
        CHECK_STR(p[0].period, "2020-06");
        CHECK_STR(p[1].period, "2020-07"); /* from the Received hop */
        CHECK_STR(p[2].period, "2020-11");
    }
    free(p);
    CHECK_EQ(kn_mail_report_query(st, KN_PERIOD_YEAR, &p, &n, &err), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(p[0].total, 3);
    free(p);
}

static void test_json_contract(void)
{
    struct kn_period_stats *p = NULL;
    size_t n = 0;
    struct kn_err err;
    kn_mail_report_query(st, KN_PERIOD_HALF, &p, &n, &err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_EQ(kn_mail_report_print(f, KN_FMT_JSON, p, n, &err), 0);
    fclose(f);
    json_error_t je;
    json_t *root = json_loads(buf, 0, &je);
    CHECK(root != NULL);
    json_t *h1 = json_array_get(json_object_get(root, "periods"), 0);
    CHECK_STR(json_string_value(json_object_get(h1, "period")), "2020-H1");
    CHECK_EQ(json_integer_value(json_object_get(h1, "encrypted_archives")), 1);
    CHECK_EQ(json_integer_value(json_object_get(json_object_get(h1, "archive_member_types"), "pe")), 1);
    CHECK_EQ(json_integer_value(json_object_get(json_object_get(h1, "attachment_types"), "zip")), 1);
    CHECK_EQ(json_object_size(h1), 9); /* period, total, 5 verdicts, 2 type maps: nothing else */
    json_decref(root);
    free(buf);
    free(p);
}

static void test_no_date_no_hop_uses_ingest_time(void)
{
    struct kn_mail m = fx_mail();
    m.date = 0;
    m.body_text = S("fourth");
    put(&m, "<4@x>");
    sqlite3_stmt *s;
    sqlite3_prepare_v2(kn_mail_store_db(st), "SELECT date_source, date FROM mail_msg WHERE message_id='<4@x>'", -1, &s, NULL);
    CHECK(sqlite3_step(s) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(s, 0), "ingest");
    CHECK(sqlite3_column_int64(s, 1) > 1700000000); /* now, not 1970 */
    sqlite3_finalize(s);
}

int main(void)
{
    setup();
    RUN(test_periods_and_counts);
    RUN(test_json_contract);
    RUN(test_no_date_no_hop_uses_ingest_time);
    kn_mail_org_free_fields(&org);
    kn_mail_store_close(st);
    unlink(db_path);
    TEST_MAIN_END();
}
