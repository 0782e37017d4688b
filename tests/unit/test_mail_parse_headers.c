/* Hand-crafted mails: headers, addresses, Received chain, originating IP,
 * Authentication-Results, URLs, body text, forwarding reports, line ends.
 * Expected values are read off the crafted bytes by hand. */
#include <string.h>

#include "harness.h"
#include "mail/internal.h"
#include "mail/mail.h"

static struct kn_mail *parse(const char *text)
{
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    if (kn_mail_parse((const uint8_t *)text, strlen(text), &m, &err) != 0)
        printf("# parse failed: %s\n", err.msg);
    return m;
}

static const char basic[] =
    "Return-Path: <Bounce@Mail.Example.NET>\n"
    "Received: from mx.example.net (mx.example.net [198.51.100.7])\n"
    "\tby mail.victim.example (Postfix) with ESMTPS id 1234\n"
    "\tfor <a@victim.example>; Tue, 3 Nov 2020 10:00:02 +0900\n"
    "Received: from [10.0.0.5] (unknown [10.0.0.5])\n"
    "\tby mx.example.net with ESMTP; Tue, 3 Nov 2020 01:00:00 +0000\n"
    "Received: from laptop (HELO laptop) (203.0.113.9)\n"
    "\tby relay.example.net; Tue, 3 Nov 2020 00:59:59 +0000\n"
    "Received: from localhost (localhost [127.0.0.1]) by laptop; Tue, 3 Nov 2020 00:59:58 +0000\n"
    "Authentication-Results: mail.victim.example; spf=fail (sender IP is 198.51.100.7)\n"
    " smtp.mailfrom=example.net; dkim=none; dmarc=fail (p=reject) header.from=bank.example\n"
    "Authentication-Results: evil.example; spf=pass smtp.mailfrom=x; dkim=pass header.d=x;\n"
    "  dkim=fail header.d=y\n"
    "From: \"Sales Dept\" <Sales@Bank.Example>\n"
    "Reply-To: other@Evil.Example\n"
    "To: a@victim.example, \"B, Person\" <b@victim.example>\n"
    "Cc: undisclosed-recipients:;\n"
    "Cc: Team: c@victim.example, d@victim.example;\n"
    "Subject: Invoice\n"
    "Date: Tue, 3 Nov 2020 01:00:00 +0000\n"
    "Message-ID: <abc@example.net>\n"
    "\n"
    "Please see https://login.bank.example/verify?id=1&x=2. and\n"
    "(http://Evil.Example:8080/path) also https://login.bank.example/verify?id=1&x=2\n";

static void test_headers(void)
{
    struct kn_mail *m = parse(basic);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_STR(m->from.addr, "Sales@bank.example");
    CHECK_STR(m->from.display, "Sales Dept");
    CHECK_STR(m->return_path, "Bounce@mail.example.net");
    CHECK_EQ(m->n_reply_to, 1);
    CHECK_STR(m->reply_to[0].addr, "other@evil.example");
    CHECK_EQ(m->n_to, 4);
    CHECK_STR(m->to[1].addr, "b@victim.example");
    CHECK_STR(m->to[1].display, "B, Person");
    CHECK_STR(m->to[2].addr, "c@victim.example");
    CHECK_STR(m->to[3].addr, "d@victim.example");
    CHECK_STR(m->subject, "Invoice");
    CHECK_EQ(m->date, 1604365200); /* 2020-11-03 01:00:00 UTC */
    CHECK_STR(m->message_id, "abc@example.net");
    kn_mail_free(m);
}

static void test_received(void)
{
    struct kn_mail *m = parse(basic);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n_hops, 4);
    CHECK_STR(m->hops[0].from_host, "mx.example.net");
    CHECK_STR(m->hops[0].from_ip, "198.51.100.7");
    CHECK_STR(m->hops[0].by_host, "mail.victim.example");
    CHECK_EQ(m->hops[0].when, 1604365202);
    CHECK_STR(m->hops[1].from_ip, "10.0.0.5");
    CHECK_STR(m->hops[2].from_ip, "203.0.113.9");
    CHECK_STR(m->hops[3].from_ip, "127.0.0.1");
    /* bottom-most public: 127.0.0.1 is loopback, so the third hop */
    CHECK_STR(m->originating_ip, "203.0.113.9");
    kn_mail_free(m);
}

static void test_auth_results(void)
{
    struct kn_mail *m = parse(basic);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n_auth, 2);
    CHECK_STR(m->auth[0].authserv_id, "mail.victim.example");
    CHECK_EQ(m->auth[0].spf, KN_AUTH_FAIL);
    CHECK_EQ(m->auth[0].dkim, KN_AUTH_NONE);
    CHECK_EQ(m->auth[0].dmarc, KN_AUTH_FAIL);
    CHECK_STR(m->auth[1].authserv_id, "evil.example");
    CHECK_EQ(m->auth[1].spf, KN_AUTH_PASS);
    CHECK_EQ(m->auth[1].dkim, KN_AUTH_PASS); /* one passing signature wins */
    CHECK_EQ(m->auth[1].dmarc, KN_AUTH_NONE);
    kn_mail_free(m);
}

static void test_urls(void)
{
    struct kn_mail *m = parse(basic);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n_urls, 2);
    CHECK_STR(m->urls[0], "https://login.bank.example/verify?id=1&x=2");
    CHECK_STR(m->urls[1], "http://Evil.Example:8080/path");
    CHECK_EQ(m->n_domains, 2);
    CHECK_STR(m->domains[1], "evil.example");
    CHECK(strstr(m->body_text, "Please see") != NULL);
    kn_mail_free(m);

    m = parse("From: a@b.example\nContent-Type: text/html\n\n"
              "<html><head><style>p{color:red}</style></head><body><p>Hello &amp; "
              "<a href=\"http://x.example/a?b=1&amp;c=2\">click</a></p><script>var u='http://hidden.example/';</script></body></html>\n");
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n_urls, 2);
    CHECK_STR(m->urls[0], "http://x.example/a?b=1&c=2");
    CHECK(strstr(m->body_text, "Hello & click") != NULL);
    CHECK(strstr(m->body_text, "color") == NULL);
    kn_mail_free(m);
}

/* The same mail with CRLF and with CR-only line ends parses the same. */
static void test_line_ends(void)
{
    const char *lf = "From: x@y.example\nSubject: line\n ends\nTo: z@y.example\n\nbody one\nbody two\n";
    char crlf[256], cr[256];
    size_t a = 0, b = 0;
    for (const char *s = lf; *s; s++) {
        if (*s == '\n') {
            crlf[a++] = '\r';
            crlf[a++] = '\n';
            cr[b++] = '\r';
        } else {
            crlf[a++] = *s;
            cr[b++] = *s;
        }
    }
    crlf[a] = cr[b] = 0;
    const char *variants[] = {lf, crlf, cr};
    for (int i = 0; i < 3; i++) {
        struct kn_mail *m = parse(variants[i]);
        CHECK(m != NULL);
        if (!m)
            continue;
        CHECK_STR(m->subject, "line ends");
        CHECK_EQ(m->n_to, 1);
        CHECK_STR(m->to[0].addr, "z@y.example");
        CHECK(strstr(m->body_text, "body one\nbody two") != NULL);
        kn_mail_free(m);
    }
}

static void test_forwarded(void)
{
    const char *fwd =
        "From: soc@partner.example\nTo: report@police.example\nSubject: Fwd: suspicious\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n"
        "--XX\nContent-Type: text/plain\n\nPlease find the mail attached.\n"
        "--XX\nContent-Type: message/rfc822\n\n"
        "From: attacker@evil.example\nTo: victim@partner.example\nSubject: Quote request\n\n"
        "Open the file.\n"
        "--XX--\n";
    struct kn_mail *m = parse(fwd);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(m->was_forwarded);
    CHECK_STR(m->from.addr, "attacker@evil.example");
    CHECK_STR(m->subject, "Quote request");
    CHECK_STR(m->reported_by.addr, "soc@partner.example");
    CHECK(strstr(m->body_text, "Open the file.") != NULL);
    kn_mail_free(m);

    /* a delivery report carries the bounced original: not a forwarding report */
    const char *dsn =
        "From: MAILER-DAEMON@x.example\nTo: a@b.example\nSubject: Undelivered\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        "--B\nContent-Type: text/plain\n\nfailed\n--B\nContent-Type: message/rfc822\n\n"
        "From: a@b.example\nSubject: orig\n\nhi\n--B--\n";
    m = parse(dsn);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(!m->was_forwarded);
    CHECK_STR(m->subject, "Undelivered");
    CHECK_EQ(m->n_attachments, 1);
    CHECK_EQ(m->attachments[0].type, KN_FT_EML);
    kn_mail_free(m);
}

static void test_not_a_mail(void)
{
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    CHECK_EQ(kn_mail_parse((const uint8_t *)"", 0, &m, &err), -1);
    CHECK(m == NULL);
    CHECK(err.msg[0] != 0);
}

static void test_display_names(void)
{
    struct kn_mail_addr a;
    kn_addr_parse_one("=?UTF-8?B?5bGx55Sw?= <yamada@Example.JP>", &a);
    CHECK_STR(a.addr, "yamada@example.jp");
    CHECK_STR(a.display, "山田");
    kn_addr_free(&a);
    kn_addr_parse_one("user@host.example (Old Style)", &a);
    CHECK_STR(a.addr, "user@host.example");
    CHECK_STR(a.display, "Old Style");
    kn_addr_free(&a);
    kn_addr_parse_one("\"Bank <support@bank.example>\" <x@evil.example>", &a);
    CHECK_STR(a.addr, "x@evil.example");
    CHECK_STR(a.display, "Bank <support@bank.example>");
    kn_addr_free(&a);
}

/* 300 nested multiparts: the walk stops at KN_MAIL_MAX_MIME_DEPTH with a
 * warning; 300 nested message/rfc822 layers: 3 are unwrapped as forwards,
 * the rest is one eml attachment. */
static void test_deep_nesting(void)
{
    struct kn_buf b = {0};
    kn_buf_adds(&b, "From: a@b.example\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n");
    char line[128];
    for (int i = 1; i < 300; i++) {
        snprintf(line, sizeof line, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i);
        kn_buf_adds(&b, line);
    }
    kn_buf_adds(&b, "--b299\nContent-Type: text/plain\n\nleaf\n");
    struct kn_mail *m = parse(b.data);
    free(b.data);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_STR(m->subject, "deep");
    CHECK_EQ(m->n_warnings, 1);
    if (m->n_warnings)
        CHECK(strstr(m->warnings[0], "MIME nesting") != NULL);
    CHECK_STR(m->body_text, "");
    kn_mail_free(m);

    struct kn_buf c = {0};
    for (int i = 0; i < 300; i++) {
        snprintf(line, sizeof line, "From: l%d@b.example\nSubject: l%d\nContent-Type: message/rfc822\n\n", i, i);
        kn_buf_adds(&c, line);
    }
    kn_buf_adds(&c, "From: bottom@b.example\nSubject: bottom\n\nleaf\n");
    m = parse(c.data);
    free(c.data);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(m->was_forwarded);
    CHECK_STR(m->reported_by.addr, "l0@b.example");
    CHECK_STR(m->subject, "l3");
    CHECK_EQ(m->n_attachments, 1);
    if (m->n_attachments)
        CHECK_EQ(m->attachments[0].type, KN_FT_EML);
    kn_mail_free(m);
}

int main(void)
{
    RUN(test_headers);
    RUN(test_received);
    RUN(test_auth_results);
    RUN(test_urls);
    RUN(test_line_ends);
    RUN(test_forwarded);
    RUN(test_not_a_mail);
    RUN(test_display_names);
    RUN(test_deep_nesting);
    TEST_MAIN_END();
}
