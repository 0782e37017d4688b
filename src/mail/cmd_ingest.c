/* `kenchi mail ingest`: parses every message under the given paths, judges
 * it for its organisation and stores it once. A message that cannot be
 * parsed or stored gets one line on stderr and is counted; nothing else
 * stops. Spray-type verdicts are recomputed over the whole store at the
 * end, since one new mail can make a campaign reach ten places. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/cmd_mail.h"
#include "mail/mail.h"
#include "mail/reader.h"
#include "mail/store.h"

#define COMMIT_EVERY 2000

static const char ingest_usage[] =
    "usage: kenchi mail ingest --db PATH --org ORG [--spray-unit recipient|org] FILE|DIR|MBOX...\n\n"
    "Parses each message (.eml files, mbox, maildir, directories; forwarded reports are\n"
    "unwrapped to the original), stores it for organisation ORG (registered with\n"
    "`kenchi mail org`) unless ORG already reported the same mail (same Message-ID and\n"
    "normalised content), and records its verdicts. Prints one line per message that\n"
    "fails and a summary; exits 1 if any failed.\n";

struct ingest {
    struct kn_mail_store *st;
    struct kn_mail_org org;
    unsigned long seen, stored, duplicates, failed, since_commit;
    int fatal; /* the database itself failed: stop */
};

static int on_message(const uint8_t *data, size_t len, const char *label, void *ctx)
{
    struct ingest *in = ctx;
    struct kn_err err;
    struct kn_mail *m = NULL;
    in->seen++;
    if (kn_mail_parse(data, len, &m, &err) < 0) {
        fprintf(stderr, "kenchi mail ingest: %s: %s\n", label, err.msg);
        in->failed++;
        return 0;
    }
    long long id;
    int rc = kn_mail_store_put(in->st, &in->org, m, label, &id, &err);
    kn_mail_free(m);
    if (rc < 0) {
        fprintf(stderr, "kenchi mail ingest: %s: cannot store: %s\n", label, err.msg);
        in->failed++;
        in->fatal = 1;
        return 1;
    }
    if (rc == 1)
        in->duplicates++;
    else
        in->stored++;
    if (++in->since_commit >= COMMIT_EVERY) {
        in->since_commit = 0;
        if (kn_mail_store_commit(in->st, &err) < 0 || kn_mail_store_begin(in->st, &err) < 0) {
            fprintf(stderr, "kenchi mail ingest: %s\n", err.msg);
            in->fatal = 1;
            return 1;
        }
    }
    return 0;
}

static void on_error(const char *label, const char *msg, void *ctx)
{
    struct ingest *in = ctx;
    fprintf(stderr, "kenchi mail ingest: %s: %s\n", label, msg);
    in->seen++; /* a file that should have held a message */
    in->failed++;
}

int kn_cmd_mail_ingest(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"org", required_argument, 0, 'o'},
                                         {"spray-unit", required_argument, 0, 'u'}, {"help", no_argument, 0, 'h'},
                                         {0}};
    const char *db = NULL, *org = NULL, *unit = "recipient";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': org = optarg; break;
        case 'u': unit = optarg; break;
        case 'h': fputs(ingest_usage, stdout); return 0;
        default: return 2;
        }
    }
    if (!db || !org || optind >= argc || (strcmp(unit, "recipient") && strcmp(unit, "org"))) {
        fputs(ingest_usage, stderr);
        return 2;
    }
    kn_mail_tune_allocator();
    struct ingest in = {0};
    struct kn_err err;
    if (!(in.st = kn_cmd_mail_open_db("ingest", db)))
        return 1;
    int lr = kn_mail_org_load(in.st, org, &in.org, &err);
    if (lr != 0) {
        if (lr > 0)
            fprintf(stderr, "kenchi mail ingest: no organisation '%s' (register it with `kenchi mail org`)\n", org);
        else
            fprintf(stderr, "kenchi mail ingest: %s\n", err.msg);
        kn_mail_store_close(in.st);
        return 1;
    }
    const struct kn_mail_reader_cb cb = {on_message, on_error, &in};
    if (kn_mail_store_begin(in.st, &err) < 0) {
        fprintf(stderr, "kenchi mail ingest: %s\n", err.msg);
        in.fatal = 1;
    }
    for (int i = optind; i < argc && !in.fatal; i++)
        if (kn_mail_read_path(argv[i], &cb, &err) < 0) {
            fprintf(stderr, "kenchi mail ingest: %s\n", err.msg);
            in.failed++;
        }
    if (!in.fatal && (kn_mail_store_commit(in.st, &err) < 0 ||
                      kn_mail_store_refresh_spray(in.st, strcmp(unit, "org") ? KN_SPRAY_RECIPIENT : KN_SPRAY_ORG,
                                                  &err) < 0)) {
        fprintf(stderr, "kenchi mail ingest: %s\n", err.msg);
        in.fatal = 1;
    }
    printf("%s: %lu messages: %lu stored, %lu already reported, %lu failed\n", org, in.seen, in.stored,
           in.duplicates, in.failed);
    kn_mail_org_free_fields(&in.org);
    kn_mail_store_close(in.st);
    return in.fatal || in.failed ? 1 : 0;
}
