/* Ingest readers: an .eml file, an mbox with ">From " quoting, a maildir
 * (cur/ and new/ read, tmp/ not), a directory tree, and unreadable input
 * reported through the error callback. Also a forwarding report that
 * carries the original as an attached .eml file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "mail/internal.h"
#include "mail/mail.h"
#include "mail/reader.h"

static char tmpdir[] = "/tmp/kn_mail_reader_XXXXXX";

struct seen {
    char labels[16][512];
    char bodies[16][512];
    int n, errors;
};

static int on_msg(const uint8_t *d, size_t len, const char *label, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 16) {
        snprintf(s->labels[s->n], sizeof s->labels[0], "%s", label + strlen(tmpdir));
        size_t n = len < sizeof s->bodies[0] - 1 ? len : sizeof s->bodies[0] - 1;
        memcpy(s->bodies[s->n], d, n);
        s->bodies[s->n][n] = 0;
    }
    s->n++;
    return 0;
}

static void on_err(const char *label, const char *msg, void *ctx)
{
    (void)label;
    (void)msg;
    ((struct seen *)ctx)->errors++;
}

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void sub(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    mkdir(path, 0700);
}

static void test_mbox(void)
{
    put("box.mbox", "From alice@example.org Mon Jan  1 00:00:00 2020\n"
                    "From: alice@example.org\nSubject: one\n\n>From the start\n>>From deeper\n\n"
                    "From bob@example.org Mon Jan  1 00:00:01 2020\n"
                    "From: bob@example.org\nSubject: two\n\nbody two\n");
    struct seen s = {0};
    struct kn_mail_reader_cb cb = {on_msg, on_err, &s};
    char path[512];
    snprintf(path, sizeof path, "%s/box.mbox", tmpdir);
    struct kn_err err = {{0}};
    CHECK_EQ(kn_mail_read_path(path, &cb, &err), 0);
    CHECK_EQ(s.n, 2);
    CHECK_STR(s.labels[0], "/box.mbox#1");
    CHECK_STR(s.labels[1], "/box.mbox#2");
    CHECK_STR(s.bodies[0], "From: alice@example.org\nSubject: one\n\nFrom the start\n>From deeper\n");
    CHECK_STR(s.bodies[1], "From: bob@example.org\nSubject: two\n\nbody two\n");
    CHECK_EQ(s.errors, 0);
}

static void test_maildir_and_tree(void)
{
    sub("tree");
    sub("tree/md");
    sub("tree/md/cur");
    sub("tree/md/new");
    sub("tree/md/tmp");
    put("tree/md/cur/1.host:2,S", "From: a@b\nSubject: cur\n\nx\n");
    put("tree/md/new/2.host", "From: a@b\nSubject: new\n\nx\n");
    put("tree/md/tmp/3.host", "From: a@b\nSubject: half-delivered\n\nx\n");
    put("tree/a.eml", "From: a@b\nSubject: a\n\nx\n");
    put("tree/empty.eml", "");
    struct seen s = {0};
    struct kn_mail_reader_cb cb = {on_msg, on_err, &s};
    char path[512];
    snprintf(path, sizeof path, "%s/tree", tmpdir);
    struct kn_err err = {{0}};
    CHECK_EQ(kn_mail_read_path(path, &cb, &err), 0);
    CHECK_EQ(s.n, 3); /* a.eml, cur/1, new/2 in name order; tmp/ skipped */
    CHECK_STR(s.labels[0], "/tree/a.eml");
    CHECK_STR(s.labels[1], "/tree/md/cur/1.host:2,S");
    CHECK_STR(s.labels[2], "/tree/md/new/2.host");
    CHECK_EQ(s.errors, 1); /* the empty file is reported, not dropped */
    snprintf(path, sizeof path, "%s/no-such-file", tmpdir);
    CHECK_EQ(kn_mail_read_path(path, &cb, &err), -1);
    CHECK(strstr(err.msg, "no-such-file") != NULL);
}

/* A report with the original attached as a file "original.eml". */
static void test_forwarded_eml_attachment(void)
{
    const char *mail = "From: soc@partner.example\nSubject: report\nMIME-Version: 1.0\n"
                       "Content-Type: multipart/mixed; boundary=Q\n\n--Q\nContent-Type: text/plain\n\nsee file\n"
                       "--Q\nContent-Type: application/octet-stream; name=\"original.eml\"\n"
                       "Content-Transfer-Encoding: base64\n\n"
                       /* "From: x@evil.example\nSubject: bad\n\nhi\n" */
                       "RnJvbTogeEBldmlsLmV4YW1wbGUKU3ViamVjdDogYmFkCgpoaQo=\n--Q--\n";
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    CHECK_EQ(kn_mail_parse((const uint8_t *)mail, strlen(mail), &m, &err), 0);
    if (!m)
        return;
    CHECK(m->was_forwarded);
    CHECK_STR(m->from.addr, "x@evil.example");
    CHECK_STR(m->subject, "bad");
    CHECK_STR(m->reported_by.addr, "soc@partner.example");
    kn_mail_free(m);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        SKIP(all, "cannot make a temporary directory");
        return 0;
    }
    RUN(test_mbox);
    RUN(test_maildir_and_tree);
    RUN(test_forwarded_eml_attachment);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    TEST_MAIN_END();
}
