/* kn_copy_text: rows in COPY's text format. The expected bytes are written
 * out by hand from PostgreSQL's documentation of the format (COPY, "Text
 * Format"): fields split by a tab, rows ended by a newline, \N for NULL,
 * and a backslash before backslash, tab, newline and carriage return.
 * tests/central/copy_fields.sh checks the same against a real server. */
#include "harness.h"
#include "central/copy_text.h"

/* The buffer as a string (it is not terminated). */
static const char *text_of(const struct kn_copy_text *t)
{
    static char out[1024];
    size_t n = t->len < sizeof out - 1 ? t->len : sizeof out - 1;
    memcpy(out, t->buf, n);
    out[n] = '\0';
    return out;
}

static void test_fields_and_rows(void)
{
    struct kn_copy_text t;
    kn_copy_text_init(&t);
    CHECK_EQ(kn_copy_text_field(&t, "s1", 2), 0);
    CHECK_EQ(kn_copy_text_null(&t), 0);
    CHECK_EQ(kn_copy_text_field(&t, "", 0), 0);
    CHECK_EQ(kn_copy_text_end_row(&t), 0);
    CHECK_EQ(kn_copy_text_field(&t, "2020-06-01", 10), 0);
    CHECK_EQ(kn_copy_text_end_row(&t), 0);
    /* An empty string is an empty field, not NULL. */
    CHECK_STR(text_of(&t), "s1\t\\N\t\n2020-06-01\n");
    kn_copy_text_reset(&t);
    CHECK_EQ(t.len, 0);
    CHECK_EQ(kn_copy_text_field(&t, "a", 1), 0);
    CHECK_EQ(kn_copy_text_end_row(&t), 0);
    CHECK_STR(text_of(&t), "a\n"); /* no tab left over from before the reset */
    /* A row dropped after it was formatted: the buffer as before it. */
    size_t before = t.len;
    CHECK_EQ(kn_copy_text_field(&t, "b", 1), 0);
    CHECK_EQ(kn_copy_text_field(&t, "c", 1), 0);
    CHECK_EQ(kn_copy_text_end_row(&t), 0);
    kn_copy_text_truncate(&t, before);
    CHECK_EQ(kn_copy_text_field(&t, "d", 1), 0);
    CHECK_EQ(kn_copy_text_end_row(&t), 0);
    CHECK_STR(text_of(&t), "a\nd\n");
    kn_copy_text_free(&t);
}

static void test_escapes(void)
{
    struct kn_copy_text t;
    kn_copy_text_init(&t);
    /* The four special bytes, and text that only looks like an escape. */
    const char in[] = "a\tb\nc\rd\\e \\N \\. \x01 \xe6\xa4\x9c";
    CHECK_EQ(kn_copy_text_field(&t, in, sizeof in - 1), 0);
    CHECK_STR(text_of(&t), "a\\tb\\nc\\rd\\\\e \\\\N \\\\. \x01 \xe6\xa4\x9c");
    kn_copy_text_reset(&t);
    /* The length is the caller's: a NUL byte goes as it is (the server
     * refuses it in text, which the push reports), and so does what
     * follows it. */
    CHECK_EQ(kn_copy_text_field(&t, "x\0y", 3), 0);
    CHECK_EQ(t.len, 3);
    CHECK(t.buf[1] == '\0' && t.buf[2] == 'y');
    kn_copy_text_free(&t);
}

static void test_ports(void)
{
    struct kn_copy_text t;
    kn_copy_text_init(&t);
    /* 6 << 16 | 80 = 393296; 17 << 16 | 53 = 1114165. */
    const uint8_t two[] = {0, 6, 0, 80, 0, 17, 0, 53};
    CHECK_EQ(kn_copy_text_ports(&t, two, sizeof two), 0);
    CHECK_STR(text_of(&t), "{393296,1114165}");
    kn_copy_text_reset(&t);
    /* The top bit set: int32 values, as the centre's shifts of int4 give. */
    const uint8_t high[] = {0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff,
                            0x80, 0, 0, 1};
    CHECK_EQ(kn_copy_text_ports(&t, high, sizeof high), 0);
    CHECK_STR(text_of(&t), "{-1,-2147483648,2147483647,-2147483647}");
    kn_copy_text_reset(&t);
    /* A trailing 1-3 bytes is ignored; under 4 bytes in all is {}; 0 is 0. */
    const uint8_t odd[] = {0, 0, 0, 0, 0, 6, 0};
    CHECK_EQ(kn_copy_text_ports(&t, odd, sizeof odd), 0);
    CHECK_EQ(kn_copy_text_ports(&t, odd, 3), 0);
    CHECK_EQ(kn_copy_text_ports(&t, NULL, 0), 0);
    CHECK_STR(text_of(&t), "{0}\t{}\t{}");
    kn_copy_text_free(&t);
}

static void test_growth(void)
{
    /* A field far over the first allocation, escaped to twice its size. */
    enum { N = 100000 };
    char *big = malloc(N);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, '\\', N);
    struct kn_copy_text t;
    kn_copy_text_init(&t);
    CHECK_EQ(kn_copy_text_field(&t, "k", 1), 0);
    CHECK_EQ(kn_copy_text_field(&t, big, N), 0);
    CHECK_EQ(kn_copy_text_end_row(&t), 0);
    CHECK_EQ(t.len, 1 + 1 + 2 * N + 1);
    CHECK(t.cap >= t.len);
    size_t backslashes = 0;
    for (size_t i = 2; i < t.len - 1; i++)
        backslashes += t.buf[i] == '\\';
    CHECK_EQ(backslashes, 2 * N);
    CHECK(t.buf[0] == 'k' && t.buf[1] == '\t' && t.buf[t.len - 1] == '\n');
    kn_copy_text_free(&t);
    CHECK(t.buf == NULL && t.len == 0 && t.cap == 0);
    free(big);
}

int main(void)
{
    RUN(test_fields_and_rows);
    RUN(test_escapes);
    RUN(test_ports);
    RUN(test_growth);
    TEST_MAIN_END();
}
