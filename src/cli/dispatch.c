/* The command-line entry shared by kenchi and its helpers; see commands.h. */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

static void usage(const struct kn_command *table, FILE *out)
{
    fprintf(out, "kenchi %s - darknet observation: who scans the Internet, with what, and when it changes\n\n"
                 "usage: kenchi COMMAND [OPTIONS] [ARGS]\n\ncommands:\n",
            KENCHI_VERSION);
    for (const struct kn_command *c = table; c->name; c++)
        fprintf(out, "  %-14s %s\n", c->name, c->summary);
    fprintf(out, "\n`kenchi COMMAND --help` describes each command; see also kenchi(1).\n");
}

int kn_dispatch(const struct kn_command *table, int argc, char **argv)
{
    if (argc < 2) {
        usage(table, stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(table, stdout);
        return 0;
    }
    if (!strcmp(name, "--version")) {
        printf("kenchi %s\n", KENCHI_VERSION);
        return 0;
    }
    for (const struct kn_command *c = table; c->name; c++) {
        if (strcmp(name, c->name))
            continue;
        if (c->run)
            return c->run(argc - 1, argv + 1);
        struct kn_err err;
        kn_helper_exec(c->helper, argc - 1, argv + 1, &err);
        fprintf(stderr, "kenchi: %s\n", err.msg);
        return 1;
    }
    fprintf(stderr, "kenchi: unknown command '%s' (kenchi --help lists them)\n", name);
    return 2;
}
