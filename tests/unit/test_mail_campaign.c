/* mail/campaign: union-find over the same attachment, the same normalised
 * text and ssdeep similarity — transitive links join, unrelated mails stay
 * out, singletons are not campaigns. */
#include <fuzzy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mail/campaign.h"
#include "test_mail_stats_fixture.h"

static struct kn_mail_store *st;
static struct kn_mail_org org;
static char db_path[64];

static long long put(const char *mid, const char *text, const char *sha, const char *ssdeep, const char *rcpt)
{
    struct kn_mail m = fx_mail();
    struct kn_attachment a[] = {fx_attachment("f.zip", KN_FT_ZIP, sha ? sha : "")};
    struct kn_mail_addr to[] = {{(char *)rcpt, S("")}};
    m.message_id = (char *)mid;
    m.body_text = (char *)text;
    m.to = to, m.n_to = 1;
    if (sha) {
        a[0].ssdeep = (char *)(ssdeep ? ssdeep : "");
        m.attachments = a, m.n_attachments = 1;
    }
    long long id = 0;
    struct kn_err err;
    if (kn_mail_store_put(st, &org, &m, "t", &id, &err) != 0)
        printf("# put %s: %s\n", mid, err.msg);
    return id;
}

/* Two ssdeep signatures of buffers differing in a few bytes. */
static void similar_pair(char a[FUZZY_MAX_RESULT], char b[FUZZY_MAX_RESULT], char c[FUZZY_MAX_RESULT])
{
    unsigned char buf[8192];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)((x = x * 1103515245 + 12345) >> 16);
    fuzzy_hash_buf(buf, sizeof buf, a);
    buf[100] ^= 1, buf[4000] ^= 1;
    fuzzy_hash_buf(buf, sizeof buf, b);
    for (size_t i = 0; i < sizeof buf; i++) /* unrelated bytes */
        buf[i] = (unsigned char)((x = x * 1103515245 + 12345) >> 16);
    fuzzy_hash_buf(buf, sizeof buf, c);
}

static void test_clusters(void)
{
    char s1[FUZZY_MAX_RESULT], s2[FUZZY_MAX_RESULT], s3[FUZZY_MAX_RESULT];
    similar_pair(s1, s2, s3);
    CHECK(fuzzy_compare(s1, s2) >= KN_CAMPAIGN_SSDEEP_MIN);
    CHECK(fuzzy_compare(s1, s3) < KN_CAMPAIGN_SSDEEP_MIN);
    /* A: 1-2 same attachment, 2-3 same text (digits differ), 3-4 similar attachments */
    long long a1 = put("<a1>", "alpha one", "sha-a", "", "u1@victim.co.jp");
    long long a2 = put("<a2>", "bravo text 123", "sha-a", "", "u2@victim.co.jp");
    long long a3 = put("<a3>", "bravo text 456", "sha-b", s1, "u3@victim.co.jp");
    long long a4 = put("<a4>", "charlie", "sha-c", s2, "U3@victim.co.jp");
    /* B: two mails with the same text only */
    long long b1 = put("<b1>", "delta delta", NULL, NULL, "u5@victim.co.jp");
    long long b2 = put("<b2>", "delta  delta 9", NULL, NULL, "u6@victim.co.jp");
    /* singletons: an unrelated attachment, an unrelated text */
    put("<c1>", "echo", "sha-e", s3, "u7@victim.co.jp");
    put("<c2>", "foxtrot", NULL, NULL, "u8@victim.co.jp");
    struct kn_campaign *c = NULL;
    size_t n = 0;
    struct kn_err err;
    CHECK_EQ(kn_mail_campaigns(st, &c, &n, &err), 0);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EQ(c[0].n_mails, 4); /* largest first */
        CHECK_EQ(c[0].id, a1);
        CHECK_EQ(c[0].mail_ids[0], a1);
        CHECK_EQ(c[0].mail_ids[3], a4);
        (void)a2, (void)a3;
        CHECK_EQ(c[0].links, KN_LINK_ATTACHMENT | KN_LINK_TEXT | KN_LINK_SSDEEP);
        CHECK_EQ(c[0].n_recipients, 3); /* u3 and U3 are one address */
        CHECK_EQ(c[0].orgs.n, 1);
        CHECK_STR(c[0].orgs.v[0], "victim");
        CHECK_EQ(c[0].subjects.n, 1);
        CHECK_EQ(c[1].n_mails, 2);
        CHECK_EQ(c[1].id, b1);
        CHECK_EQ(c[1].mail_ids[1], b2);
        CHECK_EQ(c[1].links, KN_LINK_TEXT);
    }
    kn_campaigns_free(c, n);
}

int main(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/kenchi-mail-campaign-%d.db", (int)getpid());
    unlink(db_path);
    struct kn_err err;
    kn_mail_store_open(db_path, &st, &err);
    org = fx_org("victim", "victim.co.jp");
    kn_mail_org_save(st, &org, &err);
    RUN(test_clusters);
    kn_mail_org_free_fields(&org);
    kn_mail_store_close(st);
    unlink(db_path);
    TEST_MAIN_END();
}
