/* util/bigmem: kn_big_alloc gives zeroed, writable memory of every size
 * class (calloc below 128 KiB, a populated mapping below 2 MiB, huge-page
 * advice above), 2 MiB-aligned in the last class, and kn_big_free takes
 * each back (ASan and the sanitised run see a mismatched free). */
#include <stdint.h>

#include "harness.h"
#include "util/bigmem.h"

static void test_sizes_zeroed_and_writable(void)
{
    static const size_t sizes[] = {0,        1,         4095,      4096,      (128 << 10) - 1,
                                   128 << 10, (1 << 20) + 3, (2 << 20) - 1, 2 << 20, (5 << 20) + 7};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        unsigned char *p = kn_big_alloc(n);
        CHECK(p != NULL);
        if (!p)
            continue;
        size_t nonzero = 0;
        for (size_t i = 0; i < n; i++)
            nonzero += p[i] != 0;
        CHECK_EQ(nonzero, 0);
        for (size_t i = 0; i < n; i++)
            p[i] = (unsigned char)i;
        if (n)
            CHECK_EQ(p[n - 1], (unsigned char)(n - 1));
        if (n >= (2u << 20))
            CHECK_EQ((uintptr_t)p % (2u << 20), 0);
        kn_big_free(p, n);
    }
    kn_big_free(NULL, 1 << 20); /* nothing to free is fine */
}

int main(void)
{
    RUN(test_sizes_zeroed_and_writable);
    TEST_MAIN_END();
}
