/* The subcommand table shared by kenchi and its helper programs.
 *
 * `kenchi` itself links only what the telescope analysis needs (libpcap,
 * SQLite, the decompressors, OpenSSL's hash): loading the mail module's
 * and the sensor network's ~45 further shared libraries took ~30 ms of
 * every run, a twentieth of analysing a 3-million-packet capture
 * (docs/performance.md). Commands that need them live in helper programs,
 * kenchi-mail and kenchi-network, which kenchi runs in its place (exec:
 * same process id, arguments, signals and exit status), as git runs its
 * git-* programs. */
#ifndef KENCHI_CLI_COMMANDS_H
#define KENCHI_CLI_COMMANDS_H

#include "util/err.h"

#define KENCHI_VERSION "0.1.0"

/* Each command takes the arguments after its own name (argv[0] is the
 * command name) and returns the process exit status: 0 success, 1 runtime
 * failure, 2 usage error. */
struct kn_command {
    const char *name;
    const char *summary;               /* one line for `kenchi --help` */
    int (*run)(int argc, char **argv); /* NULL: the command is in `helper` */
    const char *helper;                /* the helper program that has it linked in */
};

#define KN_HELPER_MAIL "kenchi-mail"
#define KN_HELPER_NETWORK "kenchi-network"

/* main() of kenchi and of each helper: --help, --version, then argv[1]
 * looked up in table (ended by an entry without a name). */
int kn_dispatch(const struct kn_command *table, int argc, char **argv);

/* Replaces the process with helper running the command argv[0] with
 * argv[1..argc-1]; the new program's argv[0] is this one's. The helper is
 * looked for beside this program's executable (/proc/self/exe, else the
 * directory of argv[0]; the build tree), then in
 * ../libexec/kenchi/ from there (`make install`). Returns only on failure:
 * -1 and err, naming the places looked at. */
int kn_helper_exec(const char *helper, int argc, char **argv, struct kn_err *err);

#endif
