/* `kenchi mail show ID`: one stored mail as an analyst reads it — headers,
 * hops, authentication results (trusted or not), URLs, the attachment tree
 * with hashes and types, and every verdict with the signals behind it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/cmd_mail.h"
#include "mail/mail.h"
#include "mail/stats.h"
#include "mail/store.h"

static const char show_usage[] = "usage: kenchi mail show --db PATH ID\n\n"
                                 "Prints stored mail ID (as listed by `kenchi mail campaigns`) with all its evidence.\n";

static const char *col(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

static void when_text(long long t, char *out, size_t n)
{
    if (!t) {
        snprintf(out, n, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Runs sql with ?1 = id and calls row() for each result row. */
static void each_row(sqlite3 *db, const char *sql, long long id, void (*row)(sqlite3_stmt *, void *), void *ctx)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        printf("  (cannot read: %s)\n", sqlite3_errmsg(db));
        return;
    }
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW)
        row(s, ctx);
    sqlite3_finalize(s);
}

static void print_addr_row(sqlite3_stmt *s, void *label)
{
    if (*col(s, 1))
        printf("%-14s %s <%s>\n", (const char *)label, col(s, 1), col(s, 0));
    else
        printf("%-14s %s\n", (const char *)label, col(s, 0));
}

static void print_hop(sqlite3_stmt *s, void *ctx)
{
    (void)ctx;
    char w[40];
    when_text(sqlite3_column_int64(s, 4), w, sizeof w);
    printf("  %2d. from %s [%s] by %s  %s\n", sqlite3_column_int(s, 0) + 1, *col(s, 1) ? col(s, 1) : "?",
           *col(s, 2) ? col(s, 2) : "-", col(s, 3), w);
}

static const char *auth_text(int r)
{
    static const char *const names[] = {"none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "other"};
    return r >= 0 && r < 8 ? names[r] : "?";
}

static void print_auth(sqlite3_stmt *s, void *ctx)
{
    (void)ctx;
    printf("  %s (%s): spf=%s dkim=%s dmarc=%s\n", col(s, 0),
           sqlite3_column_int(s, 1) ? "trusted" : "NOT trusted: ignored", auth_text(sqlite3_column_int(s, 2)),
           auth_text(sqlite3_column_int(s, 3)), auth_text(sqlite3_column_int(s, 4)));
}

static void print_line(sqlite3_stmt *s, void *ctx)
{
    printf("  %s%s\n", (const char *)ctx, col(s, 0));
}

struct tree {
    sqlite3 *db;
    int depth;
};

static void print_attachment(sqlite3_stmt *s, void *ctx);

static void print_children(struct tree *t, long long parent)
{
    struct tree sub = {t->db, t->depth + 1};
    each_row(t->db,
             "SELECT id, name, size, type, md5, sha1, sha256, ssdeep, name_lies, is_archive, encrypted, encryption,"
             " password, error FROM mail_attach WHERE parent_id = ?1 ORDER BY idx",
             parent, print_attachment, &sub);
}

static void print_attachment(sqlite3_stmt *s, void *ctx)
{
    struct tree *t = ctx;
    static const char *const enc[] = {"none", "ZipCrypto", "AES", "other"};
    int ind = 2 + 4 * t->depth;
    int e = sqlite3_column_int(s, 11);
    printf("%*s%s%s  [%s, %lld bytes]%s", ind, "", t->depth ? "└ " : "- ", *col(s, 1) ? col(s, 1) : "(no name)",
           kn_file_type_name((enum kn_file_type)sqlite3_column_int(s, 3)), sqlite3_column_int64(s, 2),
           sqlite3_column_int(s, 8) ? "  NAME LIES about the content" : "");
    if (sqlite3_column_int(s, 10))
        printf("  encrypted (%s)%s%s%s", e >= 0 && e < 4 ? enc[e] : "?",
               sqlite3_column_type(s, 12) != SQLITE_NULL ? ", opened with password \"" : "",
               col(s, 12), sqlite3_column_type(s, 12) != SQLITE_NULL ? "\"" : "");
    fputc('\n', stdout);
    if (*col(s, 6))
        printf("%*s  sha256 %s\n%*s  md5 %s  sha1 %s\n", ind, "", col(s, 6), ind, "", col(s, 4), col(s, 5));
    if (*col(s, 7))
        printf("%*s  ssdeep %s\n", ind, "", col(s, 7));
    if (*col(s, 13))
        printf("%*s  analysis stopped: %s\n", ind, "", col(s, 13));
    print_children(t, sqlite3_column_int64(s, 0));
}

struct verdict_ctx {
    const char *name;
    int n;
};

static void print_signal(sqlite3_stmt *s, void *ctx)
{
    struct verdict_ctx *v = ctx;
    if (strcmp(col(s, 0), v->name) != 0)
        return;
    printf("      - %s\n", col(s, 1));
    v->n++;
}

static void print_verdict(sqlite3 *db, long long id, const char *label, int flag, const char *signal_name,
                          const char *also)
{
    printf("  %-26s %s\n", label, flag ? "YES" : "no");
    struct verdict_ctx v = {signal_name, 0};
    each_row(db, "SELECT verdict, detail FROM mail_signal WHERE msg_id = ?1 ORDER BY rowid", id, print_signal, &v);
    if (also) {
        v.name = also;
        each_row(db, "SELECT verdict, detail FROM mail_signal WHERE msg_id = ?1 ORDER BY rowid", id, print_signal, &v);
    }
}

static int show(sqlite3 *db, long long id)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT o.name, m.source, m.message_id, m.date, m.date_source, m.from_addr,"
                               " m.from_display, m.return_path, m.subject, m.originating_ip, m.was_forwarded,"
                               " m.spray, m.unpublished, m.forged_strict, m.forged_broad, m.encrypted, m.ingested_at,"
                               " m.text_hash FROM mail_msg m JOIN mail_org o ON o.id = m.org_id WHERE m.id = ?1",
                           -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "kenchi mail show: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        fprintf(stderr, "kenchi mail show: no mail %lld\n", id);
        return 1;
    }
    char date[40], ing[40];
    when_text(sqlite3_column_int64(s, 3), date, sizeof date);
    when_text(sqlite3_column_int64(s, 16), ing, sizeof ing);
    printf("mail %lld, reported by %s (%s%s), ingested %s\n\n", id, col(s, 0), col(s, 1),
           sqlite3_column_int(s, 10) ? ", unwrapped from a forwarding report" : "", ing);
    printf("%-14s %s\n", "Message-ID:", col(s, 2));
    printf("%-14s %s (period date from: %s)\n", "Date:", date, col(s, 4));
    printf("%-14s %s <%s>\n", "From:", col(s, 6), col(s, 5));
    printf("%-14s %s\n", "Return-Path:", *col(s, 7) ? col(s, 7) : "-");
    each_row(db, "SELECT addr, display FROM mail_reply_to WHERE msg_id = ?1", id, print_addr_row, "Reply-To:");
    each_row(db, "SELECT addr, display FROM mail_rcpt WHERE msg_id = ?1", id, print_addr_row, "To/Cc:");
    printf("%-14s %s\n", "Subject:", col(s, 8));
    printf("%-14s %s\n", "Text hash:", *col(s, 17) ? col(s, 17) : "- (no text after normalisation)");
    printf("\nReceived hops (newest first), originating IP %s:\n", *col(s, 9) ? col(s, 9) : "unknown");
    each_row(db, "SELECT idx, from_host, from_ip, by_host, at FROM mail_hop WHERE msg_id = ?1 ORDER BY idx", id,
             print_hop, NULL);
    printf("\nAuthentication-Results:\n");
    each_row(db, "SELECT authserv_id, trusted, spf, dkim, dmarc FROM mail_auth WHERE msg_id = ?1 ORDER BY idx", id,
             print_auth, NULL);
    printf("\nURLs:\n");
    each_row(db, "SELECT url FROM mail_url WHERE msg_id = ?1", id, print_line, "");
    printf("\nAttachments:\n");
    struct tree t = {db, 0};
    each_row(db,
             "SELECT id, name, size, type, md5, sha1, sha256, ssdeep, name_lies, is_archive, encrypted, encryption,"
             " password, error FROM mail_attach WHERE msg_id = ?1 AND parent_id IS NULL ORDER BY idx",
             id, print_attachment, &t);
    printf("\nVerdicts:\n");
    print_verdict(db, id, "spray-type:", sqlite3_column_int(s, 11), "spray", NULL);
    print_verdict(db, id, "unpublished recipient:", sqlite3_column_int(s, 12), "unpublished", NULL);
    print_verdict(db, id, "forged sender (strict):", sqlite3_column_int(s, 13), "forged_strict", NULL);
    print_verdict(db, id, "forged sender (broad):", sqlite3_column_int(s, 14), "forged_strict", "forged_broad");
    print_verdict(db, id, "encrypted archive:", sqlite3_column_int(s, 15), "encrypted_archive", NULL);
    printf("\nParser warnings:\n");
    each_row(db, "SELECT text FROM mail_warning WHERE msg_id = ?1", id, print_line, "");
    sqlite3_finalize(s);
    return 0;
}

int kn_cmd_mail_show(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0}};
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(show_usage, stdout); return 0;
        default: return 2;
        }
    }
    char *end;
    long long id = optind == argc - 1 ? strtoll(argv[optind], &end, 10) : 0;
    if (optind != argc - 1 || *end || id <= 0) {
        fputs(show_usage, stderr);
        return 2;
    }
    struct kn_mail_store *st = kn_cmd_mail_open_db("show", db);
    if (!st)
        return 1;
    int rc = show(kn_mail_store_db(st), id);
    kn_mail_store_close(st);
    return rc;
}
