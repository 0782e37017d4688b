/* util/err: messages with context, truncation instead of overflow. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "util/err.h"

static void test_set_and_prefix(void)
{
    struct kn_err e;
    kn_err_set(&e, "bad length %d", 7);
    CHECK_STR(e.msg, "bad length 7");
    kn_err_prefix(&e, "file %s", "a.pcap");
    CHECK_STR(e.msg, "file a.pcap: bad length 7");
}

static void test_truncates_long_messages(void)
{
    struct kn_err e;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kn_err_set(&e, "%s", big);
    CHECK_EQ(strlen(e.msg), sizeof e.msg - 1);
    kn_err_prefix(&e, "ctx");
    CHECK(strncmp(e.msg, "ctx: x", 6) == 0);
    CHECK(strlen(e.msg) < sizeof e.msg);
}

static void test_errno_message(void)
{
    struct kn_err e;
    errno = ENOENT;
    kn_err_errno(&e, "open x");
    CHECK_STR(e.msg, "open x: No such file or directory");
}

int main(void)
{
    RUN(test_set_and_prefix);
    RUN(test_truncates_long_messages);
    RUN(test_errno_message);
    TEST_MAIN_END();
}
