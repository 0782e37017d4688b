/* `kenchi mail gen`: the targeted-mail corpus generator with ground truth. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "mail/cmd_mail.h"
#include "mail/gen.h"

int kn_cmd_mail_gen(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'}, {"truth", required_argument, 0, 't'},
                                         {"seed", required_argument, 0, 's'}, {"count", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'}, {0}};
    struct kn_mailgen_opts o = {.seed = 1, .count = 500};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out_dir = optarg; break;
        case 't': o.truth_path = optarg; break;
        case 's': o.seed = strtoull(optarg, NULL, 10); break;
        case 'c': o.count = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'h':
            puts("usage: kenchi mail gen --out DIR --truth TRUTH.json [--seed N] [--count N]\n\n"
                 "Writes about N (default 500) realistic targeted-attack mails reported by three\n"
                 "organisations under DIR (one folder per organisation, .eml files and an mbox),\n"
                 "DIR/orgs.txt (NAME DOMAIN AUTHSERV-ID PUBLISHED-FILE per line) and TRUTH.json:\n"
                 "the expected `kenchi mail report` per month, half and year. Needs zip and 7z.");
            return 0;
        default: return 2;
        }
    }
    if (!o.out_dir || !o.truth_path || optind != argc) {
        fputs("usage: kenchi mail gen --out DIR --truth TRUTH.json [--seed N] [--count N]\n", stderr);
        return 2;
    }
    struct kn_err err;
    if (kn_mailgen_run(&o, &err) < 0) {
        fprintf(stderr, "kenchi mail gen: %s\n", err.msg);
        return 1;
    }
    return 0;
}
