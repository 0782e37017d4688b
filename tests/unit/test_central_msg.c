/* kn_pg_one_line: libpq's multi-line messages become one log line, "; "
 * between the lines, without writing past the buffer even when every line
 * break is a single '\n' (the replacement is longer than what it replaces),
 * and truncated, still terminated, when the joined text does not fit
 * (overruns are what the ASan build of this test would catch). */
#include "harness.h"
#include "central/central_pg.h"

static void test_joins_lines(void)
{
    char m[128];
    snprintf(m, sizeof m, "connection failed: refused\n\tIs the server running?\n");
    kn_pg_one_line(m, sizeof m);
    CHECK_STR(m, "connection failed: refused; Is the server running?");
    snprintf(m, sizeof m, "a\nb\nc\n");
    kn_pg_one_line(m, sizeof m);
    CHECK_STR(m, "a; b; c");
    snprintf(m, sizeof m, "\n\nonly\n");
    kn_pg_one_line(m, sizeof m);
    CHECK_STR(m, "only");
    snprintf(m, sizeof m, "%s", "");
    kn_pg_one_line(m, sizeof m);
    CHECK_STR(m, "");
}

static void test_full_buffer(void)
{
    char m[16];
    memset(m, 0, sizeof m);
    memcpy(m, "a\nb\nc\nd\ne\nf\ng", 13); /* joined: 19 characters */
    kn_pg_one_line(m, sizeof m);
    CHECK_STR(m, "a; b; c; d; e; ");
    CHECK_EQ(strlen(m), 15);
}

int main(void)
{
    RUN(test_joins_lines);
    RUN(test_full_buffer);
    TEST_MAIN_END();
}
