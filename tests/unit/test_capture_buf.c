/* capture/pcapbuf: the buffered pcap reader must deliver exactly the frames
 * libpcap delivers (the oracle: kn_source_open_file_libpcap), and end the
 * same way (the same error text after the same frames), both on the file
 * and in stream mode, on a zstd copy of it (decompressed through the
 * feeder's pipe, hand-overs through the replaying cookie). Checked on
 * hand-built files with every kind of record the buffered reader hands over
 * to libpcap mid-file, on files larger than the reading window, and on
 * every pcap file of the shared data (skipped where it is absent). */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "capture/pcapbuf.h"
#include "capture/source.h"
#include "harness.h"

static char tmpdir[] = "/tmp/kn-buf-XXXXXX";

/* What a reader made of a file: frame count, a SHA-256 over every frame's
 * fields and bytes, how it ended; and how many of the frames the buffered
 * reader itself returned (kn_source_is_buffered() still true after the
 * call: it turns false at the hand-over), which libpcap's summary does not
 * have and equal() does not compare. */
struct summary {
    int opened, rc;
    uint64_t frames, buffered;
    uint8_t digest[32];
    char err[512];
};

static struct summary summarise(const char *path, bool buffered)
{
    struct summary r = {0};
    struct kn_source *s;
    struct kn_err e = {""};
    r.opened = (buffered ? kn_source_open_file(&s, path, &e) : kn_source_open_file_libpcap(&s, path, &e)) == 0;
    if (!r.opened) {
        snprintf(r.err, sizeof r.err, "%s", e.msg);
        return r;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    struct kn_frame f;
    while ((r.rc = kn_source_next(s, &f, &e)) == 1) {
        uint64_t meta[4] = {f.ts_ns, f.caplen, f.wirelen, (uint64_t)(int64_t)f.linktype};
        EVP_DigestUpdate(md, meta, sizeof meta);
        EVP_DigestUpdate(md, f.data, f.caplen);
        r.frames++;
        r.buffered += kn_source_is_buffered(s);
    }
    unsigned len;
    EVP_DigestFinal_ex(md, r.digest, &len);
    EVP_MD_CTX_free(md);
    snprintf(r.err, sizeof r.err, "%s", r.rc < 0 ? e.msg : "");
    kn_source_close(s);
    return r;
}

static bool equal(const struct summary *a, const struct summary *b)
{
    return a->opened == b->opened && a->rc == b->rc && a->frames == b->frames &&
           !memcmp(a->digest, b->digest, 32) && !strcmp(a->err, b->err);
}

/* A zstd copy of the file at path, next to it (path.zst); NULL if it
 * could not be made. */
static const char *zstd_copy(const char *path)
{
    static char zpath[600];
    snprintf(zpath, sizeof zpath, "%s.zst", path);
    size_t n;
    uint8_t *raw = th_slurp(path, &n);
    size_t zcap = ZSTD_compressBound(n);
    uint8_t *z = raw ? malloc(zcap) : NULL;
    const char *out = NULL;
    if (z) {
        size_t zn = ZSTD_compress(z, zcap, raw, n, 1);
        FILE *g = ZSTD_isError(zn) ? NULL : fopen(zpath, "wb");
        if (g) {
            out = fwrite(z, 1, zn, g) == zn ? zpath : NULL;
            fclose(g);
        }
    }
    free(raw);
    free(z);
    return out;
}

/* The buffered reader on the file and on its zstd copy both equal libpcap
 * on the file. *m, *mz: the buffered reader's summaries of the file and of
 * the zstd copy (stream mode); either may be NULL. */
static int same(const char *path, struct summary *m, struct summary *mz)
{
    struct summary a = summarise(path, true), b = summarise(path, false);
    if (m)
        *m = a;
    const char *z = zstd_copy(path);
    struct summary c = z ? summarise(z, true) : (struct summary){.opened = -1};
    if (mz)
        *mz = c;
    if (z)
        unlink(z);
    if (!equal(&c, &b))
        printf("# stream mode differs from libpcap on %s: frames %llu/%llu rc %d/%d '%s'/'%s'\n",
               path, (unsigned long long)c.frames, (unsigned long long)b.frames, c.rc, b.rc, c.err,
               b.err);
    return equal(&a, &b) && equal(&c, &b);
}

/* A file built record by record. */
static uint8_t *B;
static size_t Bn, Bcap;
static void put(const void *p, size_t n)
{
    if (Bn + n > Bcap) {
        Bcap = (Bn + n) * 2;
        B = realloc(B, Bcap);
    }
    memcpy(B + Bn, p, n);
    Bn += n;
}
static void put32(uint32_t v, bool be)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
    put(b, 4);
}
static void header(bool be, bool ns, uint32_t snaplen)
{
    Bn = 0;
    put32(ns ? 0xa1b23c4d : 0xa1b2c3d4, be);
    uint8_t ver[4] = {be ? 0 : 2, be ? 2 : 0, be ? 0 : 4, be ? 4 : 0};
    put(ver, 4);
    put32(0, be);
    put32(0, be);
    put32(snaplen, be);
    put32(1, be); /* Ethernet */
}
static void record(bool be, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen,
                   uint32_t bytes)
{
    put32(sec, be);
    put32(frac, be);
    put32(caplen, be);
    put32(wirelen, be);
    for (uint32_t i = 0; i < bytes; i++) {
        uint8_t c = (uint8_t)(i * 7 + sec);
        put(&c, 1);
    }
}
static const char *save(const char *name)
{
    static char p[300];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    fwrite(B, 1, Bn, f);
    fclose(f);
    return p;
}

/* Both byte orders and precisions, good records only: all buffered, equal. */
static void test_plain_files_equal(void)
{
    for (int k = 0; k < 4; k++) {
        bool be = k & 1, ns = k & 2;
        header(be, ns, 65535);
        for (uint32_t r = 0; r < 50; r++)
            record(be, 1600000000 + r, ns ? 999999999 - r : 999999 - r, 60 + r, 60 + r + (r & 3), 60 + r);
        struct summary m, mz;
        CHECK(same(save("plain.pcap"), &m, &mz));
        CHECK_EQ(m.frames, 50);
        CHECK_EQ(m.rc, 0);
        CHECK_EQ(m.buffered, 50); /* every record plain: none left to libpcap */
        CHECK_EQ(mz.buffered, 50);
    }
}

/* Each odd record after two good ones: the reader hands over there and the
 * result (frames, bytes, error text) is libpcap's. The odd records whose
 * own header says so are handed over after the 2 good frames; the one cut
 * short in mid-file is not odd in its header (its 100 bytes run into the
 * next record), so the reader takes it as a third frame and hands over at
 * the header after it, made of that record's last 16 data bytes, whose
 * sub-second field (bytes 48-51 of record(3, ...): 0x68615a53) is out of
 * range. Both in file and in stream mode. */
static void test_handover_cases(void)
{
    struct {
        const char *what;
        uint32_t sec, frac, caplen, wirelen, bytes;
        uint64_t buffered;
    } odd[] = {
        {"caplen above snaplen", 5, 0, 200, 300, 200, 2},
        {"caplen above wire length", 5, 0, 80, 60, 80, 2},
        {"sub-second field out of range", 5, 2000000, 60, 60, 60, 2},
        {"negative seconds", 0x80000001u, 0, 60, 60, 60, 2},
        {"record cut short", 5, 0, 100, 100, 40, 3},
        {"absurd caplen", 5, 0, 0x7fffffffu, 0x7fffffffu, 10, 2},
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        header(false, false, 128);
        record(false, 1, 0, 60, 60, 60);
        record(false, 2, 0, 60, 60, 60);
        record(false, odd[i].sec, odd[i].frac, odd[i].caplen, odd[i].wirelen, odd[i].bytes);
        record(false, 3, 0, 60, 60, 60);
        struct summary m, mz;
        if (!same(save("odd.pcap"), &m, &mz))
            printf("# differs from libpcap: %s\n", odd[i].what);
        CHECK(same(save("odd.pcap"), &m, &mz));
        CHECK(m.frames >= 2);
        CHECK_EQ(m.buffered, odd[i].buffered);
        CHECK_EQ(mz.buffered, odd[i].buffered);
    }
    /* a cut record header at the very end */
    header(false, false, 65535);
    record(false, 1, 0, 60, 60, 60);
    put("\x01\x02\x03", 3);
    struct summary m, mz;
    CHECK(same(save("cuthdr.pcap"), &m, &mz));
    CHECK_EQ(m.frames, 1);
    CHECK(m.rc < 0);
    CHECK_EQ(m.buffered, 1);
    CHECK_EQ(mz.buffered, 1);
    /* a record cut by the end of the file (a capture whose writer died) */
    header(false, false, 65535);
    record(false, 1, 0, 60, 60, 60);
    record(false, 2, 0, 100, 100, 40);
    CHECK(same(save("cutrec.pcap"), &m, &mz));
    CHECK_EQ(m.frames, 1);
    CHECK(m.rc < 0);
    CHECK_EQ(m.buffered, 1);
    CHECK_EQ(mz.buffered, 1);
}

/* Records crossing the reading window's edges, frames of every size. */
static void test_larger_than_window(void)
{
    header(false, true, 65535);
    uint32_t r = 0;
    while (Bn < 2 * (size_t)KN_PCAPBUF_WINDOW + 12345)
        record(false, 1600000000 + r / 1000, r % 1000000000, 1 + r % 1600, 1 + r % 1600, 1 + r % 1600), r++;
    struct summary m, mz;
    CHECK(same(save("big.pcap"), &m, &mz));
    CHECK_EQ(m.frames, r);
    CHECK_EQ(m.buffered, r); /* all plain: read across the edges, not handed over */
    CHECK_EQ(mz.buffered, r);
}

/* Records as large as libpcap allows (262,144 bytes: the buffer must grow
 * past its usual window), between small ones, in both precisions. */
static void test_records_above_window(void)
{
    for (int ns = 0; ns < 2; ns++) {
        header(false, ns, 262144);
        uint32_t sizes[] = {60, 262144, 1, 200000, 262144, 262144, 70, KN_PCAPBUF_WINDOW - 16, 9};
        uint32_t n = sizeof sizes / sizeof sizes[0];
        for (uint32_t i = 0; i < n; i++)
            record(false, 1600000000 + i, i, sizes[i], sizes[i] + 4, sizes[i]);
        struct summary m, mz;
        CHECK(same(save(ns ? "huge-ns.pcap" : "huge-us.pcap"), &m, &mz));
        CHECK_EQ(m.frames, n);
        CHECK_EQ(m.rc, 0);
        CHECK_EQ(m.buffered, n); /* 262,144 is the reader's limit too: all its own */
        CHECK_EQ(mz.buffered, n);
    }
}

/* A file cut short while it is being read (the reader knows its size from
 * the open): an error naming the byte where it ended, after exactly the
 * frames before the cut, never a crash (a mapping would have died of
 * SIGBUS here). */
static void test_file_shrinks_while_read(void)
{
    header(false, false, 65535);
    uint32_t r = 0;
    while (Bn < 3 * (size_t)KN_PCAPBUF_WINDOW)
        record(false, 1600000000 + r, 0, 1000, 1000, 1000), r++;
    const char *path = save("shrinks.pcap");
    struct kn_source *s;
    struct kn_err e = {""};
    CHECK_EQ(kn_source_open_file(&s, path, &e), 0);
    CHECK(kn_source_is_buffered(s));
    CHECK_EQ(truncate(path, 24 + 16 * 1016), 0); /* 16 records stay */
    struct kn_frame f;
    int rc;
    uint64_t frames = 0;
    while ((rc = kn_source_next(s, &f, &e)) == 1)
        frames++;
    CHECK(rc < 0);
    CHECK_EQ(frames, 16);
    CHECK(strstr(e.msg, "truncated while being read") != NULL);
    printf("# %s\n", e.msg);
    kn_source_close(s);
}

static int shared_files, shared_differ;
static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    if (flag != FTW_F || !S_ISREG(st->st_mode) || n < 5 ||
        (strcmp(path + n - 5, ".pcap") && strcmp(path + n - 4, ".cap") && strcmp(path + n - 5, ".dmp")))
        return 0;
    shared_files++;
    if (!same(path, NULL, NULL)) {
        shared_differ++;
        printf("# buffered reader differs from libpcap: %s\n", path);
    }
    return 0;
}

static char shared_dir[512];
static void test_shared_captures(void)
{
    nftw(shared_dir, visit, 16, FTW_PHYS);
    printf("# %d shared capture files compared\n", shared_files);
    CHECK(shared_files > 100);
    CHECK_EQ(shared_differ, 0);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        printf("not ok mkdtemp\n");
        return 1;
    }
    RUN(test_plain_files_equal);
    RUN(test_handover_cases);
    RUN(test_larger_than_window);
    RUN(test_records_above_window);
    RUN(test_file_shrinks_while_read);
    const char *data = getenv("KENCHI_DATA");
    snprintf(shared_dir, sizeof shared_dir, "%s/pcap", data ? data : "../shared/data");
    if (access(shared_dir, R_OK) == 0)
        RUN(test_shared_captures);
    else
        SKIP(test_shared_captures, "the shared data (KENCHI_DATA/pcap) is absent");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("not ok cleanup\n");
    free(B);
    TEST_MAIN_END();
}
