/* `kenchi mail SUBCOMMAND`: dispatch and the usage text. */
#include "mail/cmd_mail.h"

#include <stdio.h>
#include <string.h>

#include "mail/dump.h"
#include "mail/store.h"

struct mail_subcommand {
    const char *name, *usage;
    int (*run)(int argc, char **argv);
};

static const struct mail_subcommand subcommands[] = {
    {"org", "org --db PATH ORG [--domain D]... [--authserv-id ID]... [--published FILE]", kn_cmd_mail_org},
    {"ingest", "ingest --db PATH --org ORG [--spray-unit recipient|org] FILE|DIR|MBOX...", kn_cmd_mail_ingest},
    {"report", "report --db PATH --period month|half|year [--format json|table|csv] [--spray-unit U]",
     kn_cmd_mail_report},
    {"campaigns", "campaigns --db PATH [--format table|json]", kn_cmd_mail_campaigns},
    {"show", "show --db PATH ID", kn_cmd_mail_show},
    {"gen", "gen --out DIR --truth TRUTH.json [--seed N] [--count N]", kn_cmd_mail_gen},
    {"dump", "dump [--brief] FILE|DIR|MBOX...", cmd_mail_dump},
    {0},
};

static void usage(FILE *out)
{
    fputs("usage: kenchi mail SUBCOMMAND ...\n\n"
          "Targeted-attack e-mail analysis: organisations report the mails they receive;\n"
          "kenchi stores them once per organisation, judges each (spray-type, unpublished\n"
          "recipient, forged sender strict/broad, encrypted archive) and prints the\n"
          "statistics per month, half-year and year, the campaigns behind them, and one\n"
          "mail with all its evidence. Definitions: docs/mail.md.\n\n", out);
    for (const struct mail_subcommand *s = subcommands; s->name; s++)
        fprintf(out, "  kenchi mail %s\n", s->usage);
}

int kn_cmd_mail(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (const struct mail_subcommand *s = subcommands; s->name; s++)
        if (!strcmp(argv[1], s->name))
            return s->run(argc - 1, argv + 1);
    fprintf(stderr, "kenchi mail: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

struct kn_mail_store *kn_cmd_mail_open_db(const char *cmd, const char *path)
{
    if (!path) {
        fprintf(stderr, "kenchi mail %s: --db PATH is required\n", cmd);
        return NULL;
    }
    struct kn_mail_store *st;
    struct kn_err err;
    if (kn_mail_store_open(path, &st, &err) < 0) {
        fprintf(stderr, "kenchi mail %s: %s\n", cmd, err.msg);
        return NULL;
    }
    return st;
}
