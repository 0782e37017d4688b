/* Subcommands of the kenchi binary. Each takes the arguments after its own
 * name (argv[0] is the subcommand name) and returns the process exit status:
 * 0 success, 1 runtime failure, 2 usage error. */
#ifndef KENCHI_COMMANDS_H
#define KENCHI_COMMANDS_H

struct kn_command {
    const char *name;
    const char *summary; /* one line for `kenchi --help` */
    int (*run)(int argc, char **argv);
};

#endif
