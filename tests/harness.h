/* Tiny unit-test harness. Each test binary prints one line per check group:
 *   ok NAME            a test function whose checks all held
 *   not ok NAME: WHY   a failed check, with file:line and the expression
 *   skip NAME: WHY     a test that cannot run here (missing data, no root)
 * tests/run.sh reads these lines from every binary and script and prints the
 * closing `N passed, N failed, N skipped` line. */
#ifndef KENCHI_TEST_HARNESS_H
#define KENCHI_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file at path, or NULL when it cannot be opened or read in
 * full; *len gets its size. One byte more is allocated, so a caller may
 * end the bytes with a NUL. Caller frees. */
static inline unsigned char *th_slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = sz >= 0 ? malloc((size_t)sz + 1) : NULL;
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        *len = (size_t)sz;
    return b;
}

static int th_failed_total;
static int th_current_failed;
static const char *th_current_name;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            if (!th_current_failed)                                                   \
                printf("not ok %s: %s:%d: CHECK(%s)\n", th_current_name, __FILE__,    \
                       __LINE__, #cond);                                              \
            th_current_failed = 1;                                                    \
        }                                                                             \
    } while (0)

/* Integer equality with both values in the message. */
#define CHECK_EQ(a, b)                                                                \
    do {                                                                              \
        long long th_a = (long long)(a), th_b = (long long)(b);                       \
        if (th_a != th_b) {                                                           \
            if (!th_current_failed)                                                   \
                printf("not ok %s: %s:%d: %s == %lld, expected %s == %lld\n",         \
                       th_current_name, __FILE__, __LINE__, #a, th_a, #b, th_b);      \
            th_current_failed = 1;                                                    \
        }                                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *th_a = (a), *th_b = (b);                                          \
        if (!th_a || !th_b || strcmp(th_a, th_b) != 0) {                              \
            if (!th_current_failed)                                                   \
                printf("not ok %s: %s:%d: %s == \"%s\", expected \"%s\"\n",           \
                       th_current_name, __FILE__, __LINE__, #a, th_a ? th_a : "(null)", \
                       th_b ? th_b : "(null)");                                       \
            th_current_failed = 1;                                                    \
        }                                                                             \
    } while (0)

#define RUN(fn)                                                                       \
    do {                                                                              \
        th_current_name = #fn;                                                        \
        th_current_failed = 0;                                                        \
        fn();                                                                         \
        if (th_current_failed)                                                        \
            th_failed_total++;                                                        \
        else                                                                          \
            printf("ok %s\n", #fn);                                                   \
        fflush(stdout);                                                               \
    } while (0)

#define SKIP(fn, why) printf("skip %s: %s\n", #fn, why)

#define TEST_MAIN_END() return th_failed_total ? 1 : 0

#endif
