/* Running a helper program in place of kenchi; see commands.h. */
#include "cli/commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory of the running executable into dir (no trailing slash).
 * 0 or -1 (err). */
static int exe_dir(char *dir, size_t size, struct kn_err *err)
{
    ssize_t n = readlink("/proc/self/exe", dir, size - 1);
    if (n < 0) {
        kn_err_errno(err, "finding kenchi's own executable (/proc/self/exe)");
        return -1;
    }
    if ((size_t)n == size - 1) {
        kn_err_set(err, "kenchi's own executable has a path longer than %zu bytes", size - 2);
        return -1;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash) {
        kn_err_set(err, "kenchi's own executable has no directory: '%s'", dir);
        return -1;
    }
    *slash = '\0';
    return 0;
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
