/* Privilege drop keeping the capture capabilities; see privdrop.h. */
#include "sensor/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int kn_drop_privileges(const char *user, const char *const *paths, struct kn_err *err)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        kn_err_set(err, "user %s: no such user", user);
        return -1;
    }
    for (size_t i = 0; paths && paths[i]; i++)
        if (chown(paths[i], pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT) {
            kn_err_errno(err, paths[i]);
            return -1;
        }
    if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) {
        kn_err_errno(err, "prctl(PR_SET_KEEPCAPS)");
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        kn_err_errno(err, "switching to the user");
        return -1;
    }
    /* Keep only what capture needs, effective and permitted. */
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {{0}};
    data[0].effective = data[0].permitted = (1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN);
    if (syscall(SYS_capset, &hdr, data) != 0) {
        kn_err_errno(err, "capset");
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        kn_err_set(err, "could regain root after dropping it; refusing to run");
        return -1;
    }
    return 0;
}
