/* mail/store: schema and version, organisations, once-per-organisation
 * dedup, and the spray-type threshold (9 places miss, 10 meet) for both
 * units, all with hand-built mails in a temporary database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mail/store.h"
#include "test_mail_stats_fixture.h"

static char db_path[64];

static struct kn_mail_store *fresh_store(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/kenchi-mail-store-%d.db", (int)getpid());
    unlink(db_path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    unlink(wal);
    struct kn_mail_store *st = NULL;
    struct kn_err err;
    if (kn_mail_store_open(db_path, &st, &err) < 0)
        printf("# %s\n", err.msg);
    return st;
}

static long long query_int(struct kn_mail_store *st, const char *sql)
{
    sqlite3_stmt *s;
    long long v = -1;
    if (sqlite3_prepare_v2(kn_mail_store_db(st), sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void test_schema_version_and_reopen(void)
{
    struct kn_mail_store *st = fresh_store();
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK_EQ(query_int(st, "SELECT value FROM mail_meta WHERE key='schema_version'"), KN_MAIL_SCHEMA_VERSION);
    sqlite3_exec(kn_mail_store_db(st), "UPDATE mail_meta SET value='99' WHERE key='schema_version'", 0, 0, 0);
    kn_mail_store_close(st);
    struct kn_err err;
    st = NULL;
    CHECK_EQ(kn_mail_store_open(db_path, &st, &err), -1); /* a newer schema is refused */
    CHECK(strstr(err.msg, "newer") != NULL);
    kn_mail_store_close(st);
    unlink(db_path);
}

static void test_org_save_and_update(void)
{
    struct kn_mail_store *st = fresh_store();
    struct kn_err err;
    struct kn_mail_org org = fx_org("victim", "Victim.co.jp");
    kn_strlist_add(&org.domains, "victim-group.jp");
    CHECK_EQ(kn_mail_org_save(st, &org, &err), 0);
    CHECK(org.id > 0);
    long long id = org.id;
    kn_mail_org_free_fields(&org);
    /* update: only the published list given; domains and authserv-ids stay */
    struct kn_mail_org upd = {0};
    upd.name = strdup("victim");
    kn_strlist_add(&upd.published, "press@victim.co.jp");
    kn_strlist_add(&upd.published, "recruit@victim.co.jp");
    CHECK_EQ(kn_mail_org_save(st, &upd, &err), 0);
    CHECK_EQ(upd.id, id);
    kn_mail_org_free_fields(&upd);
    struct kn_mail_org got;
    CHECK_EQ(kn_mail_org_load(st, "victim", &got, &err), 0);
    CHECK_EQ(got.domains.n, 2);
    CHECK(kn_strlist_has_ci(&got.domains, "victim.co.jp"));
    CHECK_STR(got.domains.v[0], "victim-group.jp"); /* stored lower case, loaded sorted */
    CHECK_EQ(got.authserv_ids.n, 1);
    CHECK_EQ(got.published.n, 2);
    CHECK(!kn_strlist_has_ci(&got.published, "info@victim.co.jp")); /* replaced */
    kn_mail_org_free_fields(&got);
    CHECK_EQ(kn_mail_org_load(st, "nobody", &got, &err), 1);
    kn_mail_store_close(st);
    unlink(db_path);
}

static void test_dedup_once_per_org(void)
{
    struct kn_mail_store *st = fresh_store();
    struct kn_err err;
    struct kn_mail_org a = fx_org("a", "a-corp.co.jp"), b = fx_org("b", "b-corp.co.jp");
    kn_mail_org_save(st, &a, &err);
    kn_mail_org_save(st, &b, &err);
    struct kn_mail m = fx_mail();
    struct kn_mail_addr to[] = {{S("k.sato@a-corp.co.jp"), S("")}};
    struct kn_attachment att[] = {fx_attachment("PO-0905.zip", KN_FT_ZIP, "ab12")};
    m.to = to, m.n_to = 1, m.attachments = att, m.n_attachments = 1;
    long long id1 = 0, id2 = 0;
    CHECK_EQ(kn_mail_store_put(st, &a, &m, "x.eml", &id1, &err), 0);
    CHECK_EQ(kn_mail_store_put(st, &a, &m, "copy.eml", &id2, &err), 1); /* the same report again */
    CHECK_EQ(id2, id1);
    m.body_text = S("いつもお世話に なっております。\n見積書を添付いたします。 2020\n> quoted\n"); /* same after normalising */
    CHECK_EQ(kn_mail_store_put(st, &a, &m, "reflowed.eml", &id2, &err), 1);
    CHECK_EQ(kn_mail_store_put(st, &b, &m, "x.eml", &id2, &err), 0); /* another organisation */
    m.subject = S("見積依頼（再送）"); /* same Message-ID, other content: another mail */
    CHECK_EQ(kn_mail_store_put(st, &a, &m, "y.eml", &id2, &err), 0);
    CHECK_EQ(query_int(st, "SELECT COUNT(*) FROM mail_msg"), 3);
    CHECK_EQ(query_int(st, "SELECT COUNT(*) FROM mail_attach"), 3);
    CHECK_EQ(query_int(st, "SELECT SUM(unpublished) FROM mail_msg"), 2); /* k.sato is a's, not b's */
    kn_mail_org_free_fields(&a);
    kn_mail_org_free_fields(&b);
    kn_mail_store_close(st);
    unlink(db_path);
}

/* Stores n mails with text (or attachment hash) key from org to n distinct
 * recipients, one each; returns the first id. */
static long long put_campaign(struct kn_mail_store *st, const struct kn_mail_org *org, const char *text,
                              const char *sha256, int n, int first)
{
    long long first_id = 0;
    for (int i = 0; i < n; i++) {
        struct kn_mail m = fx_mail();
        char rcpt[64], mid[64], body[128];
        snprintf(rcpt, sizeof rcpt, "user%d@%s", first + i, org->domains.v[0]);
        static int serial;
        snprintf(mid, sizeof mid, "<c%d.%s@x>", serial++, org->name);
        struct kn_mail_addr to[] = {{rcpt, S("")}};
        struct kn_attachment att[1];
        m.to = to, m.n_to = 1, m.message_id = mid;
        if (text) {
            m.body_text = (char *)text;
        } else { /* unique text per mail: only the attachment links them */
            snprintf(body, sizeof body, "individual text %c%c", 'a' + (first + i) % 26, 'a' + (first + i) / 26);
            m.body_text = body;
        }
        if (sha256) {
            att[0] = fx_attachment("PO-1.zip", KN_FT_ZIP, sha256);
            m.attachments = att, m.n_attachments = 1;
        }
        long long id;
        struct kn_err err;
        if (kn_mail_store_put(st, org, &m, "t", &id, &err) < 0)
            printf("# put: %s\n", err.msg);
        if (!first_id)
            first_id = id;
    }
    return first_id;
}

static void test_spray_threshold(void)
{
    struct kn_mail_store *st = fresh_store();
    struct kn_err err;
    struct kn_mail_org a = fx_org("a", "a-corp.co.jp"), b = fx_org("b", "b-corp.co.jp");
    kn_mail_org_save(st, &a, &err);
    kn_mail_org_save(st, &b, &err);
    put_campaign(st, &a, "nine places text", NULL, 9, 0);         /* misses */
    put_campaign(st, &a, "ten places text", NULL, 10, 100);       /* meets */
    put_campaign(st, &a, NULL, "feedbeef", 6, 200);               /* 6 + 4 = 10 via the attachment */
    put_campaign(st, &b, NULL, "feedbeef", 4, 300);
    put_campaign(st, &a, NULL, "cafe", 9, 400);                   /* 9: misses */
    CHECK_EQ(kn_mail_store_refresh_spray(st, KN_SPRAY_RECIPIENT, &err), 0);
    CHECK_EQ(query_int(st, "SELECT COUNT(*) FROM mail_msg"), 38);
    CHECK_EQ(query_int(st, "SELECT SUM(spray) FROM mail_msg"), 20);
    CHECK_EQ(query_int(st, "SELECT COUNT(*) FROM mail_signal WHERE verdict='spray'"), 20);
    /* the same recipient twice counts once: a 10th mail to user0 keeps "nine" below */
    put_campaign(st, &a, "nine places text", NULL, 1, 0);
    CHECK_EQ(kn_mail_store_refresh_spray(st, KN_SPRAY_RECIPIENT, &err), 0);
    CHECK_EQ(query_int(st, "SELECT COUNT(*) FROM mail_msg"), 39);
    CHECK_EQ(query_int(st, "SELECT SUM(spray) FROM mail_msg"), 20);
    /* organisations as the unit: only two organisations ever, nothing is spray */
    CHECK_EQ(kn_mail_store_refresh_spray(st, KN_SPRAY_ORG, &err), 0);
    CHECK_EQ(query_int(st, "SELECT SUM(spray) FROM mail_msg"), 0);
    CHECK_EQ(query_int(st, "SELECT COUNT(*) FROM mail_meta WHERE key='spray_unit' AND value='org'"), 1);
    kn_mail_org_free_fields(&a);
    kn_mail_org_free_fields(&b);
    kn_mail_store_close(st);
    unlink(db_path);
}

/* The same malware inside differently packed archives: the member's
 * SHA-256 links them, so ten places make all ten spray-type. */
static void test_spray_by_archive_member(void)
{
    struct kn_mail_store *st = fresh_store();
    struct kn_err err;
    struct kn_mail_org a = fx_org("a", "a-corp.co.jp");
    kn_mail_org_save(st, &a, &err);
    for (int n = 0; n < 10; n++) {
        struct kn_mail m = fx_mail();
        char rcpt[64], mid[32], body[64], zsha[65];
        snprintf(rcpt, sizeof rcpt, "m%d@a-corp.co.jp", n);
        snprintf(mid, sizeof mid, "<member%d@x>", n);
        snprintf(body, sizeof body, "text %c%c only here", 'a' + n, 'k' + n);
        snprintf(zsha, sizeof zsha, "zip%d", n);
        struct kn_mail_addr to[] = {{rcpt, S("")}};
        struct kn_attachment member[] = {fx_attachment("x.exe", KN_FT_PE, "same-pe")};
        struct kn_attachment zip[] = {fx_attachment("x.zip", KN_FT_ZIP, zsha)};
        zip[0].is_archive = true, zip[0].members = member, zip[0].n_members = 1;
        m.to = to, m.n_to = 1, m.message_id = mid, m.body_text = body;
        m.attachments = zip, m.n_attachments = 1;
        long long id;
        kn_mail_store_put(st, &a, &m, "t", &id, &err);
        CHECK_EQ(kn_mail_store_refresh_spray(st, KN_SPRAY_RECIPIENT, &err), 0);
        CHECK_EQ(query_int(st, "SELECT SUM(spray) FROM mail_msg"), n == 9 ? 10 : 0);
    }
    kn_mail_org_free_fields(&a);
    kn_mail_store_close(st);
    unlink(db_path);
}

static void test_spray_by_org_unit(void)
{
    struct kn_mail_store *st = fresh_store();
    struct kn_err err;
    struct kn_mail_org orgs[10];
    for (int i = 0; i < 10; i++) {
        char name[16], dom[32];
        snprintf(name, sizeof name, "org%d", i);
        snprintf(dom, sizeof dom, "org%d-kaisha.co.jp", i);
        orgs[i] = fx_org(name, dom);
        kn_mail_org_save(st, &orgs[i], &err);
    }
    for (int i = 0; i < 9; i++)
        put_campaign(st, &orgs[i], "same text everywhere", NULL, 1, i);
    CHECK_EQ(kn_mail_store_refresh_spray(st, KN_SPRAY_ORG, &err), 0);
    CHECK_EQ(query_int(st, "SELECT SUM(spray) FROM mail_msg"), 0);
    put_campaign(st, &orgs[9], "same text everywhere", NULL, 1, 9);
    CHECK_EQ(kn_mail_store_refresh_spray(st, KN_SPRAY_ORG, &err), 0);
    CHECK_EQ(query_int(st, "SELECT SUM(spray) FROM mail_msg"), 10);
    for (int i = 0; i < 10; i++)
        kn_mail_org_free_fields(&orgs[i]);
    kn_mail_store_close(st);
    unlink(db_path);
}

int main(void)
{
    RUN(test_schema_version_and_reopen);
    RUN(test_org_save_and_update);
    RUN(test_dedup_once_per_org);
    RUN(test_spray_threshold);
    RUN(test_spray_by_archive_member);
    RUN(test_spray_by_org_unit);
    TEST_MAIN_END();
}
