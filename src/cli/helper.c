/* Running a helper program in place of kenchi; see commands.h. */
#include "cli/commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Cuts path after its last slash into dir. 0, or -1 when it has none or
 * does not fit. */
static int dirname_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) >= size)
        return -1;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    return 0;
}

/* The directory of the running executable into dir (no trailing slash):
 * /proc/self/exe, or where /proc is not mounted (a bare chroot or
 * container) the directory of argv[0] when that is a path. 0 or -1 (err). */
static int exe_dir(char *dir, size_t size, struct kn_err *err)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0 && (size_t)n < sizeof self - 1) {
        self[n] = '\0';
        if (dirname_of(self, dir, size) == 0)
            return 0;
    }
    if (dirname_of(program_invocation_name, dir, size) == 0)
        return 0;
    kn_err_set(err, "cannot tell where kenchi's own executable is (/proc/self/exe unreadable, "
                    "and it was run as '%s', not by a path): run it by its path",
               program_invocation_name);
    return -1;
}

int kn_helper_exec(const char *helper, int argc, char **argv, struct kn_err *err)
{
    char dir[PATH_MAX];
    if (exe_dir(dir, sizeof dir, err))
        return -1;
    /* Freed only when no exec succeeds: a successful one replaces us. */
    char **nargv = calloc((size_t)argc + 2, sizeof *nargv);
    if (!nargv) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    nargv[0] = program_invocation_name;
    for (int i = 0; i < argc; i++)
        nargv[i + 1] = argv[i];
    char beside[PATH_MAX + 64], installed[PATH_MAX + 64];
    snprintf(beside, sizeof beside, "%s/%s", dir, helper);
    snprintf(installed, sizeof installed, "%s/../libexec/kenchi/%s", dir, helper);
    /* Nothing buffered may be lost, or printed twice, by the exec. */
    fflush(NULL);
    execv(beside, nargv);
    int first = errno;
    if (first == ENOENT) {
        execv(installed, nargv);
        kn_err_set(err, "cannot run %s, which has the '%s' command: %s (looked for %s and %s)",
                   helper, argv[0], strerror(errno), beside, installed);
    } else {
        kn_err_set(err, "cannot run %s, which has the '%s' command: %s: %s", helper, argv[0],
                   beside, strerror(first));
    }
    free(nargv);
    return -1;
}
