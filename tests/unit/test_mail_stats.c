/* mail/stats: each verdict rule with hand-built mails that just meet and
 * just miss it, the look-alike and edit-distance helpers, and the spray
 * text normalisation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mail/stats.h"
#include "test_mail_stats_fixture.h"

static int count(const struct kn_signals *s, enum kn_verdict v)
{
    int n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->v[i].verdict == v;
    return n;
}

static void test_unpublished_recipient(void)
{
    struct kn_mail_org org = fx_org("victim", "victim.co.jp");
    struct kn_mail m = fx_mail();
    struct kn_mail_addr published[] = {{S("info@victim.co.jp"), S("")}};
    struct kn_mail_addr published_upper[] = {{S("INFO@Victim.co.jp"), S("")}};
    struct kn_mail_addr hidden[] = {{S("info@victim.co.jp"), S("")}, {S("k.sato@victim.co.jp"), S("佐藤")}};
    struct kn_mail_addr outside[] = {{S("sales@other.co.jp"), S("")}, {S("x@mail.victim.co.jp"), S("")}};
    struct kn_signals s = {0};

    m.to = published, m.n_to = 1; /* just misses: the one recipient is published */
    CHECK_EQ(kn_rule_unpublished(&m, &org, &s), 0);
    m.to = published_upper; /* address case does not make it unpublished */
    CHECK_EQ(kn_rule_unpublished(&m, &org, &s), 0);
    m.to = outside, m.n_to = 2; /* other domains, including a subdomain, are not the org's */
    CHECK_EQ(kn_rule_unpublished(&m, &org, &s), 0);
    m.to = hidden, m.n_to = 2; /* just meets: one unpublished address among published ones */
    CHECK_EQ(kn_rule_unpublished(&m, &org, &s), 1);
    CHECK_EQ(count(&s, KN_V_UNPUBLISHED), 1);
    CHECK(strstr(s.v[0].detail, "k.sato@victim.co.jp") != NULL);
    kn_signals_free(&s);
    kn_mail_org_free_fields(&org);
}

static void test_forged_strict(void)
{
    struct kn_mail_org org = fx_org("victim", "victim.co.jp");
    struct kn_mail m = fx_mail();
    struct kn_mail_auth softfail[] = {{S("mx.victim.co.jp"), KN_AUTH_SOFTFAIL, KN_AUTH_NONE, KN_AUTH_PASS}};
    struct kn_mail_auth untrusted[] = {{S("mx.attacker.example"), KN_AUTH_FAIL, KN_AUTH_FAIL, KN_AUTH_FAIL}};
    struct kn_mail_auth spf[] = {{S("MX.Victim.co.jp"), KN_AUTH_FAIL, KN_AUTH_NONE, KN_AUTH_NONE}};
    struct kn_mail_auth dkim[] = {{S("mx.victim.co.jp"), KN_AUTH_PASS, KN_AUTH_FAIL, KN_AUTH_NONE}};
    struct kn_mail_auth dmarc[] = {{S("mx.victim.co.jp"), KN_AUTH_PASS, KN_AUTH_PASS, KN_AUTH_FAIL}};
    struct kn_signals s = {0};
    m.n_auth = 1;
    m.auth = softfail; /* softfail is not a failure */
    CHECK_EQ(kn_rule_forged_strict(&m, &org, &s), 0);
    m.auth = untrusted; /* failures written by someone the org does not trust count for nothing */
    CHECK_EQ(kn_rule_forged_strict(&m, &org, &s), 0);
    m.auth = spf;
    CHECK_EQ(kn_rule_forged_strict(&m, &org, &s), 1);
    m.auth = dkim;
    CHECK_EQ(kn_rule_forged_strict(&m, &org, &s), 1);
    m.auth = dmarc;
    CHECK_EQ(kn_rule_forged_strict(&m, &org, &s), 1);
    CHECK_EQ(count(&s, KN_V_FORGED_STRICT), 3);
    m.n_auth = 0;
    CHECK_EQ(kn_rule_forged_strict(&m, &org, &s), 0);
    kn_signals_free(&s);
    kn_mail_org_free_fields(&org);
}

static void test_forged_broad_envelope_and_display(void)
{
    struct kn_mail_org org = fx_org("victim", "victim.co.jp");
    struct kn_mail m = fx_mail();
    struct kn_signals s = {0};
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0); /* the plain partner mail */
    m.return_path = S("bounce-77@mail.partner-shoji.co.jp"); /* subdomain: same organisation */
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0);
    m.return_path = S("");
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0);
    m.return_path = S("x@bulk-sender.example");
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 1);
    m.return_path = S("tanaka@partner-shoji.co.jp");
    m.from.display = S("tanaka@partner-shoji.co.jp"); /* display shows the From address itself */
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0);
    m.from.display = S("田中 (TANAKA@partner-shoji.co.jp)"); /* case only */
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0);
    m.from.display = S("田中 <tanaka@partner-shoji.co.jp.invalid-relay.example>");
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 1);
    m.from.display = S("mention @ sign only");
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0);
    CHECK_EQ(count(&s, KN_V_FORGED_BROAD), 2);
    kn_signals_free(&s);
    kn_mail_org_free_fields(&org);
}

static void test_forged_broad_reply_to(void)
{
    struct kn_mail_org org = fx_org("victim", "victim.co.jp");
    struct kn_mail m = fx_mail();
    struct kn_mail_addr same[] = {{S("eigyo@partner-shoji.co.jp"), S("")}};
    struct kn_mail_addr other[] = {{S("tanaka.partner@freemail.example"), S("")}};
    struct kn_signals s = {0};
    m.reply_to = same, m.n_reply_to = 1;
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 0);
    m.reply_to = other;
    CHECK_EQ(kn_rule_forged_broad(&m, &org, &s), 1);
    kn_signals_free(&s);
    kn_mail_org_free_fields(&org);
}

static void test_forged_broad_lookalike(void)
{
    struct kn_mail_org org = fx_org("victim", "victim.co.jp");
    struct kn_mail m = fx_mail();
    struct kn_signals s = {0};
    static const char *const meet[] = {"victirn.co.jp", "vlctim.co.jp", "victlm.co.jp", "vitcim.co.jp",
                                       "vixxim.co.jp", "amaz0n.co.jp", "rnufg.jp", "paypa1.com"};
    static const char *const miss[] = {"victim.co.jp", "mail.victim.co.jp", "vxxxim.co.jp",
                                       "amazon.co.jp", "partner-shoji.co.jp"};
    char addr[64];
    for (size_t i = 0; i < sizeof meet / sizeof *meet; i++) {
        snprintf(addr, sizeof addr, "a@%s", meet[i]);
        m.from.addr = addr, m.return_path = addr;
        if (kn_rule_forged_broad(&m, &org, &s) != 1) {
            printf("# %s should look alike\n", meet[i]);
            CHECK(0);
        }
    }
    for (size_t i = 0; i < sizeof miss / sizeof *miss; i++) {
        snprintf(addr, sizeof addr, "a@%s", miss[i]);
        m.from.addr = addr, m.return_path = addr;
        if (kn_rule_forged_broad(&m, &org, &s) != 0) {
            printf("# %s should not look alike\n", miss[i]);
            CHECK(0);
        }
    }
    kn_signals_free(&s);
    kn_mail_org_free_fields(&org);
}

static void test_lookalike_short_targets(void)
{
    CHECK(!kn_domain_lookalike("ac.jp", "ab.jp"));     /* 5 characters: edits too cheap to mean anything */
    CHECK(kn_domain_lookalike("a0.jp", "ao.jp"));      /* homoglyphs count at any length */
    CHECK(kn_domain_lookalike("abcd.jp", "abce.jp"));  /* 7 characters, distance 1 */
    CHECK(!kn_domain_lookalike("abcd.jp", "abcd.jp")); /* identical is not a look-alike */
}

static void test_edit_distance(void)
{
    CHECK_EQ(kn_edit_distance("kitten", "sitting", 5), 3);
    CHECK_EQ(kn_edit_distance("kitten", "sitting", 2), 3); /* capped: cap + 1 */
    CHECK_EQ(kn_edit_distance("ab", "ba", 2), 1);          /* transposition is one edit */
    CHECK_EQ(kn_edit_distance("", "abc", 5), 3);
    CHECK_EQ(kn_edit_distance("ABC", "abc", 2), 0);
    CHECK(kn_domain_related("a.example.jp", "example.jp"));
    CHECK(!kn_domain_related("badexample.jp", "example.jp"));
    CHECK_STR(kn_addr_domain("x@y.jp"), "y.jp");
    CHECK_STR(kn_addr_domain("nodomain"), "");
}

static void test_encrypted_archive(void)
{
    struct kn_mail m = fx_mail();
    struct kn_attachment inner[] = {fx_attachment("請求書.doc", KN_FT_DOC, "")};
    struct kn_attachment plain_zip[] = {fx_attachment("PO-0905.zip", KN_FT_ZIP, "aa")};
    plain_zip[0].is_archive = true, plain_zip[0].members = inner, plain_zip[0].n_members = 1;
    struct kn_signals s = {0};
    m.attachments = plain_zip, m.n_attachments = 1;
    CHECK_EQ(kn_rule_encrypted(&m, &s), 0);
    plain_zip[0].encrypted = true, plain_zip[0].encryption = KN_ENC_ZIPCRYPTO;
    CHECK_EQ(kn_rule_encrypted(&m, &s), 1);
    /* an encrypted archive inside a plain one still counts */
    struct kn_attachment nested[] = {fx_attachment("inner.7z", KN_FT_7Z, "bb")};
    nested[0].is_archive = true, nested[0].encrypted = true, nested[0].encryption = KN_ENC_AES;
    struct kn_attachment outer[] = {fx_attachment("outer.zip", KN_FT_ZIP, "cc")};
    outer[0].is_archive = true, outer[0].members = nested, outer[0].n_members = 1;
    m.attachments = outer;
    CHECK_EQ(kn_rule_encrypted(&m, &s), 1);
    CHECK(strstr(s.v[1].detail, "outer.zip/inner.7z") != NULL);
    kn_signals_free(&s);
}

static void test_judge_combines(void)
{
    struct kn_mail_org org = fx_org("victim", "victim.co.jp");
    struct kn_mail m = fx_mail();
    struct kn_mail_addr to[] = {{S("k.sato@victim.co.jp"), S("")}};
    struct kn_mail_auth auth[] = {{S("mx.victim.co.jp"), KN_AUTH_FAIL, KN_AUTH_NONE, KN_AUTH_NONE}};
    m.to = to, m.n_to = 1, m.auth = auth, m.n_auth = 1;
    struct kn_signals s = {0};
    struct kn_err err;
    CHECK_EQ(kn_mail_judge(&m, &org, &s, &err), 0);
    CHECK(kn_signals_has(&s, KN_V_UNPUBLISHED));
    CHECK(kn_signals_has(&s, KN_V_FORGED_STRICT));
    CHECK(!kn_signals_has(&s, KN_V_FORGED_BROAD)); /* the broad verdict adds strict itself */
    CHECK(!kn_signals_has(&s, KN_V_ENCRYPTED));
    kn_signals_free(&s);
    kn_mail_org_free_fields(&org);
}

static void norm_is(const char *in, const char *want)
{
    char *out;
    CHECK(kn_text_normalise(in, &out) >= 0);
    if (strcmp(out, want) != 0)
        printf("# normalise(\"%s\") = \"%s\", want \"%s\"\n", in, out, want);
    CHECK_STR(out, want);
    free(out);
}

static void test_normalisation(void)
{
    norm_is("Hello  World 123\r\n", "helloworld");
    norm_is("ＨＥＬＬＯ　ｗｏｒｌｄ１２", "helloworld");                    /* full width, ideographic space */
    norm_is("ｱｲｳｴｵ ｶﾞ", "アイウエオカ゛");                                /* half-width katakana */
    norm_is("ご確認ください https://x.example/a?b=1 以上\n", "ご確認ください以上");
    norm_is("see www.evil.example/p.zip.", "see");
    norm_is("返信です\n> 元の本文\n  > 引用\n＞全角引用\n以上", "返信です以上");
    norm_is("", "");
    norm_is("\xff\xfe ok", "\xEF\xBF\xBD\xEF\xBF\xBDok"); /* invalid bytes: U+FFFD, no overrun */
    char a[65], b[65];
    CHECK(kn_text_hash("請求書を送付します。PO-1234 2020/11/05", a));
    CHECK(kn_text_hash("請求書を送付します。 PO-9876  2021/01/31\n> old thread", b));
    CHECK_STR(a, b);
    CHECK(kn_text_hash("請求書を送付しました。PO-1234", b));
    CHECK(strcmp(a, b) != 0);
    CHECK(!kn_text_hash("  12 34\n> only a quote\nhttp://x.example/", a));
    CHECK_STR(a, "");
    CHECK(!kn_text_hash(NULL, a));
}

/* Hostile text: random bytes (invalid UTF-8, NULs cut short, lone
 * continuation bytes) never overrun and never grow beyond 3x the input. */
static void test_normalise_random_bytes(void)
{
    unsigned x = 2024;
    char buf[600];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 599);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (char)((x >> 16) | 1); /* no NUL inside */
        }
        buf[n] = '\0';
        char *out;
        long len = kn_text_normalise(buf, &out);
        CHECK(len >= 0 && (size_t)len <= 3 * n);
        CHECK(len < 0 || strlen(out) == (size_t)len);
        free(out);
        char a[40], b[40];
        snprintf(a, sizeof a, "%.30s", buf);
        snprintf(b, sizeof b, "%.30s", buf + n / 2);
        (void)kn_domain_lookalike(a, b);
        CHECK(kn_edit_distance(a, a, 2) == 0);
    }
}

int main(void)
{
    RUN(test_unpublished_recipient);
    RUN(test_forged_strict);
    RUN(test_forged_broad_envelope_and_display);
    RUN(test_forged_broad_reply_to);
    RUN(test_forged_broad_lookalike);
    RUN(test_lookalike_short_targets);
    RUN(test_edit_distance);
    RUN(test_encrypted_archive);
    RUN(test_judge_combines);
    RUN(test_normalisation);
    RUN(test_normalise_random_bytes);
    TEST_MAIN_END();
}
