/* kn_line_set: membership is exact (length and every byte, NUL included),
 * a line is kept once, and nothing is lost while the table grows. The
 * oracle for the large case is the construction itself: line i is the
 * decimal of i, so exactly 0..N-1 are in and N..2N-1 are not. */
#include "harness.h"
#include "central/line_set.h"

static void test_exact(void)
{
    struct kn_line_set s;
    kn_line_set_init(&s);
    CHECK(!kn_line_set_has(&s, "a", 1)); /* empty set */
    CHECK_EQ(kn_line_set_add(&s, "2020-06-01\t4\t6\t80\t12", 20), 0);
    CHECK_EQ(kn_line_set_add(&s, "", 0), 0);
    CHECK_EQ(kn_line_set_add(&s, "x\0y", 3), 0);
    CHECK(kn_line_set_has(&s, "2020-06-01\t4\t6\t80\t12", 20));
    CHECK(!kn_line_set_has(&s, "2020-06-01\t4\t6\t80\t1", 19)); /* a prefix */
    CHECK(!kn_line_set_has(&s, "2020-06-01\t4\t6\t80\t13", 20)); /* one byte off */
    CHECK(kn_line_set_has(&s, "", 0));
    CHECK(kn_line_set_has(&s, "x\0y", 3));
    CHECK(!kn_line_set_has(&s, "x\0z", 3)); /* after the NUL counts */
    CHECK(!kn_line_set_has(&s, "x", 1));
    CHECK_EQ(s.n, 3);
    CHECK_EQ(kn_line_set_add(&s, "x\0y", 3), 0); /* once only */
    CHECK_EQ(s.n, 3);
    kn_line_set_free(&s);
    CHECK(s.bytes == NULL && s.n == 0 && s.slots == NULL);
}

static void test_growth(void)
{
    enum { N = 200000 };
    struct kn_line_set s;
    kn_line_set_init(&s);
    char line[32];
    int bad = 0;
    for (int i = 0; i < N; i++) {
        int n = snprintf(line, sizeof line, "%d", i);
        bad += kn_line_set_add(&s, line, (size_t)n) != 0;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(s.n, N);
    int in = 0, out = 0;
    for (int i = 0; i < 2 * N; i++) {
        int n = snprintf(line, sizeof line, "%d", i);
        if (kn_line_set_has(&s, line, (size_t)n)) {
            if (i < N)
                in++;
            else
                out++;
        }
    }
    CHECK_EQ(in, N);
    CHECK_EQ(out, 0);
    CHECK(s.n_slots >= 2 * s.n);
    kn_line_set_free(&s);
}

int main(void)
{
    RUN(test_exact);
    RUN(test_growth);
    TEST_MAIN_END();
}
