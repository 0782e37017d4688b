/* capture/source: hand-built pcap and pcapng files (every byte written
 * here, expected values from their construction), compressed copies made
 * with zlib and libzstd, and the failure paths: truncation, absurd record
 * lengths, corrupt compression, early close with the feeder mid-stream. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "capture/source.h"
#include "capture/writer.h"
#include "harness.h"

static char tmpdir[] = "/tmp/kn-capture-XXXXXX";

/* A byte buffer for building files (4 MiB: the largest test needs ~3). */
struct buf {
    uint8_t d[4 << 20];
    size_t n;
};
static struct buf B;

static void put(const void *p, size_t n)
{
    memcpy(B.d + B.n, p, n);
    B.n += n;
}
static void put8(uint8_t v) { put(&v, 1); }
static void put16(uint16_t v, bool be)
{
    uint8_t b[2] = {be ? v >> 8 : v & 0xff, be ? v & 0xff : v >> 8};
    put(b, 2);
}
static void put32(uint32_t v, bool be)
{
    for (int i = 0; i < 4; i++)
        put8((uint8_t)(v >> (be ? 24 - 8 * i : 8 * i)));
}

static const char *path_of(const char *name)
{
    static char p[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static const char *save(const char *name, const uint8_t *d, size_t n)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    fwrite(d, 1, n, f);
    fclose(f);
    return p;
}

/* pcap: header, then `count` records of `len` bytes each (byte i = i). */
static void build_pcap(bool be, bool ns, uint32_t linktype, int count, uint32_t len)
{
    B.n = 0;
    put32(ns ? 0xa1b23c4d : 0xa1b2c3d4, be);
    put16(2, be);
    put16(4, be);
    put32(0, be);
    put32(0, be);
    put32(65535, be);
    put32(linktype, be);
    for (int r = 0; r < count; r++) {
        put32(1000 + (uint32_t)r, be);       /* seconds */
        put32(ns ? 123456789 : 123456, be);  /* sub-second part */
        put32(len, be);
        put32(len + 10, be);
        for (uint32_t i = 0; i < len; i++)
            put8((uint8_t)i);
    }
}

struct readout {
    int opened, rc, frames;
    struct kn_frame first, last; /* their data pointers die with the source: */
    uint8_t first_data[1024], last_data[1024]; /* copies of their first bytes */
    int32_t linktypes[16];
    char err[512];
};

static struct readout read_all(const char *path)
{
    struct readout r = {0};
    struct kn_source *s;
    struct kn_err e = {""};
    r.opened = kn_source_open_file(&s, path, &e) == 0;
    if (!r.opened) {
        snprintf(r.err, sizeof r.err, "%s", e.msg);
        return r;
    }
    struct kn_frame f;
    while ((r.rc = kn_source_next(s, &f, &e)) == 1) {
        size_t keep = f.caplen < sizeof r.last_data ? f.caplen : sizeof r.last_data;
        if (r.frames == 0) {
            r.first = f;
            memcpy(r.first_data, f.data, keep);
        }
        r.last = f;
        memcpy(r.last_data, f.data, keep);
        if (r.frames < 16)
            r.linktypes[r.frames] = f.linktype;
        r.frames++;
    }
    snprintf(r.err, sizeof r.err, "%s", r.rc < 0 ? e.msg : "");
    struct kn_source_stats st;
    kn_source_get_stats(s, &st);
    if (st.frames != (uint64_t)r.frames || st.live)
        r.frames = -1; /* caught by the callers' frame checks */
    kn_source_close(s);
    return r;
}

static void test_pcap_byte_orders_and_precisions(void)
{
    for (int be = 0; be < 2; be++) {
        for (int ns = 0; ns < 2; ns++) {
            build_pcap(be, ns, 1, 3, 60);
            struct readout r = read_all(save("p.pcap", B.d, B.n));
            CHECK(r.opened);
            CHECK_EQ(r.rc, 0);
            CHECK_EQ(r.frames, 3);
            CHECK_EQ(r.first.linktype, 1);
            CHECK_EQ(r.first.caplen, 60);
            CHECK_EQ(r.first.wirelen, 70);
            CHECK_EQ(r.first.ts_ns, 1000ull * 1000000000 + (ns ? 123456789 : 123456000));
            CHECK_EQ(r.last.ts_ns / 1000000000, 1002);
            CHECK_EQ(r.last_data[59], 59);
        }
    }
}

static void test_pcap_linktype_raw_is_reported_as_linktype(void)
{
    build_pcap(false, false, 101, 1, 20); /* LINKTYPE_RAW; libpcap's DLT_RAW is 12 */
    struct readout r = read_all(save("raw.pcap", B.d, B.n));
    CHECK_EQ(r.frames, 1);
    CHECK_EQ(r.first.linktype, 101);
}

/* pcapng blocks. */
static void ng_block_start(uint32_t type, uint32_t body_len, bool be)
{
    put32(type, be);
    put32(12 + body_len, be);
}
static void ng_shb(bool be, uint16_t major, uint16_t minor)
{
    ng_block_start(0x0A0D0D0A, 16, be);
    put32(0x1A2B3C4D, be);
    put16(major, be);
    put16(minor, be);
    put32(0xffffffff, be);
    put32(0xffffffff, be);
    put32(28, be);
}
/* IDB with an if_tsresol option (tsresol 0: no option). */
static void ng_idb(uint16_t lt, uint8_t tsresol, bool be)
{
    uint32_t body = 8 + (tsresol ? 8 + 4 : 0);
    ng_block_start(1, body, be);
    put16(lt, be);
    put16(0, be);
    put32(0, be);
    if (tsresol) {
        put16(9, be);
        put16(1, be);
        put8(tsresol);
        put8(0), put8(0), put8(0);
        put32(0, be); /* opt_endofopt */
    }
    put32(12 + body, be);
}
static void ng_epb(uint32_t iface, uint64_t ts, uint32_t caplen, bool be)
{
    uint32_t padded = (caplen + 3) & ~3u;
    ng_block_start(6, 20 + padded, be);
    put32(iface, be);
    put32((uint32_t)(ts >> 32), be);
    put32((uint32_t)ts, be);
    put32(caplen, be);
    put32(caplen, be);
    for (uint32_t i = 0; i < padded; i++)
        put8((uint8_t)(i < caplen ? 0xA0 + i : 0));
    put32(12 + 20 + padded, be);
}
static void ng_spb(uint32_t len, bool be)
{
    uint32_t padded = (len + 3) & ~3u;
    ng_block_start(3, 4 + padded, be);
    put32(len, be);
    for (uint32_t i = 0; i < padded; i++)
        put8(0x55);
    put32(12 + 4 + padded, be);
}

/* Two sections (little- then big-endian), interfaces with different link
 * types and time resolutions, EPB and SPB, and a block kenchi skips. */
static void build_pcapng(void)
{
    B.n = 0;
    ng_shb(false, 1, 0);
    ng_idb(1, 0, false);    /* Ethernet, µs */
    ng_idb(101, 9, false);  /* raw IP, ns */
    ng_epb(0, 5000001ull, 14, false);          /* 5.000001 s */
    ng_epb(1, 7000000123ull, 20, false);       /* 7.000000123 s */
    ng_block_start(0x00000005, 4, false);      /* interface statistics: skipped */
    put32(0, false);
    put32(16, false);
    ng_spb(10, false);                          /* interface 0 */
    ng_shb(true, 1, 0);                         /* new section: interfaces reset */
    ng_idb(113, 0x80 | 10, true);               /* SLL, 2^-10 s */
    ng_epb(0, 3 * 1024 + 512, 16, true);        /* 3.5 s */
}

static void test_pcapng_per_interface_linktypes(void)
{
    build_pcapng();
    struct readout r = read_all(save("n.pcapng", B.d, B.n));
    CHECK(r.opened);
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(r.frames, 4);
    CHECK_EQ(r.linktypes[0], 1);
    CHECK_EQ(r.linktypes[1], 101);
    CHECK_EQ(r.linktypes[2], 1);
    CHECK_EQ(r.linktypes[3], 113);
    CHECK_EQ(r.first.ts_ns, 5000001000ull);
    CHECK_EQ(r.first_data[0], 0xA0);
    CHECK_EQ(r.last.ts_ns, 3500000000ull);
    CHECK_EQ(r.last.caplen, 16);
}

static void test_pcapng_timestamps_ns(void)
{
    build_pcapng();
    save("n.pcapng", B.d, B.n);
    struct kn_source *s;
    struct kn_err e;
    CHECK(kn_source_open_file(&s, path_of("n.pcapng"), &e) == 0);
    struct kn_frame f;
    CHECK_EQ(kn_source_next(s, &f, &e), 1);
    CHECK_EQ(kn_source_next(s, &f, &e), 1);
    CHECK_EQ(f.ts_ns, 7000000123ull);
    CHECK_EQ(kn_source_next(s, &f, &e), 1);
    CHECK_EQ(f.caplen, 10); /* SPB: the original length, all captured */
    CHECK_EQ(f.wirelen, 10);
    kn_source_close(s);
}

static void test_pcapng_bad_version_and_interface(void)
{
    B.n = 0;
    ng_shb(false, 2, 0);
    struct readout r = read_all(save("v.pcapng", B.d, B.n));
    CHECK(!r.opened);
    CHECK(strstr(r.err, "unsupported pcapng version 2.0") != NULL);

    B.n = 0;
    ng_shb(false, 1, 0);
    ng_idb(1, 0, false);
    ng_epb(0, 1, 4, false);
    ng_epb(3, 1, 4, false); /* no interface 3 */
    r = read_all(save("i.pcapng", B.d, B.n));
    CHECK(r.opened);
    CHECK_EQ(r.frames, 1);
    CHECK_EQ(r.rc, -1);
    CHECK(strstr(r.err, "interface 3") != NULL);
}

static void test_pcapng_huge_block_rejected(void)
{
    B.n = 0;
    ng_shb(false, 1, 0);
    ng_idb(1, 0, false);
    put32(6, false);
    put32(0xF0000000u, false); /* 4 GB block */
    put32(0, false);
    struct readout r = read_all(save("h.pcapng", B.d, B.n));
    CHECK(r.opened);
    CHECK_EQ(r.frames, 0);
    CHECK_EQ(r.rc, -1);
    CHECK(strstr(r.err, "claims") != NULL);
}

/* Frame k of the window test: its captured length (1 MiB for k == 200, a
 * block larger than the reader's 256 KiB read-ahead, else 1 .. 3000 bytes
 * in no pattern a window size shares) and its bytes. */
#define WIN_FRAMES 700
static uint32_t win_caplen(uint32_t k) { return k == 200 ? 1u << 20 : (k * 7919u) % 3000u + 1; }
static uint8_t win_byte(uint32_t k, uint32_t i) { return (uint8_t)(k * 31u + i); }

/* SHB, IDB (Ethernet, ns), then WIN_FRAMES packet blocks (timestamp k):
 * about 2 MiB, so blocks straddle the read-ahead's edge many times. */
static void build_window_pcapng(void)
{
    B.n = 0;
    ng_shb(false, 1, 0);
    ng_idb(1, 9, false);
    for (uint32_t k = 0; k < WIN_FRAMES; k++) {
        uint32_t caplen = win_caplen(k), padded = (caplen + 3) & ~3u;
        ng_block_start(6, 20 + padded, false);
        put32(0, false);
        put32(0, false);
        put32(k, false);
        put32(caplen, false);
        put32(caplen + 4, false);
        for (uint32_t i = 0; i < padded; i++)
            put8(i < caplen ? win_byte(k, i) : 0);
        put32(12 + 20 + padded, false);
    }
}

/* Reads path and checks each frame against its construction: how many
 * frames matched, and the read's last result in *rc (err its message). */
static uint32_t read_window_frames(const char *path, int *rc, char *err, size_t err_size)
{
    struct kn_source *s;
    struct kn_err e = {""};
    *rc = -2;
    if (kn_source_open_file(&s, path, &e) != 0) {
        snprintf(err, err_size, "%s", e.msg);
        return 0;
    }
    struct kn_frame f;
    uint32_t k = 0;
    while ((*rc = kn_source_next(s, &f, &e)) == 1) {
        bool same = f.ts_ns == k && f.caplen == win_caplen(k) && f.wirelen == f.caplen + 4 &&
                    f.linktype == 1;
        for (uint32_t i = 0; same && i < f.caplen; i++)
            same = f.data[i] == win_byte(k, i);
        if (!same)
            break;
        k++;
    }
    snprintf(err, err_size, "%s", *rc < 0 ? e.msg : "");
    kn_source_close(s);
    return k;
}

static void test_pcapng_blocks_across_the_read_window(void)
{
    build_window_pcapng();
    CHECK(B.n > 3 * 256 * 1024); /* the window is crossed several times */
    int rc;
    char err[512];
    CHECK_EQ(read_window_frames(save("w.pcapng", B.d, B.n), &rc, err, sizeof err), WIN_FRAMES);
    CHECK_EQ(rc, 0);
    /* The same bytes through the feeder's pipe (gzip), which reads in
     * pieces of its own. */
    gzFile gz = gzopen(path_of("w.pcapng.gz"), "wb");
    CHECK(gz && gzwrite(gz, B.d, (unsigned)B.n) == (int)B.n && gzclose(gz) == Z_OK);
    CHECK_EQ(read_window_frames(path_of("w.pcapng.gz"), &rc, err, sizeof err), WIN_FRAMES);
    CHECK_EQ(rc, 0);
    /* Cut inside the large block: the 200 frames before it, then the
     * truncation, said with the block's offset. */
    size_t at = 0;
    for (uint32_t k = 0; k < 200; k++)
        at += 32 + ((win_caplen(k) + 3) & ~3u);
    size_t start = 28 + 32 + at; /* SHB, IDB (with its option), 200 blocks */
    CHECK_EQ(read_window_frames(save("wt.pcapng", B.d, start + 8 + 4096), &rc, err, sizeof err),
             200);
    CHECK_EQ(rc, -1);
    char want[128];
    snprintf(want, sizeof want, "a block ends after 4096 of %u bytes (at offset %zu)",
             (1u << 20) + 24, start + 8);
    CHECK(strstr(err, want) != NULL);
    if (!strstr(err, want))
        printf("# got: %s\n", err);
}

/* Every kind of if_tsresol: ten interfaces (10^0, 10^3, 10^6, 10^9, 10^12,
 * 10^19, 2^-3, 2^-9, 2^-10, 2^-40 s), each with packets at times 0, 1,
 * 2^48 - 1 and 1234567890123456789 units. The oracle is floor(units * 10^9
 * / units per second) in 128 bits, saturating at 2^64 - 1: one formula
 * for all, where the reader takes shortcuts for the common ones. */
static void test_pcapng_every_time_resolution(void)
{
    static const uint8_t resol[] = {0, 3, 6, 9, 12, 19, 0x80 | 3, 0x80 | 9, 0x80 | 10, 0x80 | 40};
    static const uint64_t units[] = {0, 1, (1ull << 48) - 1, 1234567890123456789ull};
    enum { NR = sizeof resol, NU = sizeof units / sizeof units[0] };
    B.n = 0;
    ng_shb(false, 1, 0);
    for (int r = 0; r < NR; r++) {
        /* ng_idb writes no option for 0: give 10^0 its option by hand. */
        uint32_t body = 8 + 8 + 4;
        ng_block_start(1, body, false);
        put16(1, false);
        put16(0, false);
        put32(0, false);
        put16(9, false);
        put16(1, false);
        put8(resol[r]);
        put8(0), put8(0), put8(0);
        put32(0, false);
        put32(12 + body, false);
    }
    for (int r = 0; r < NR; r++)
        for (int u = 0; u < NU; u++)
            ng_epb((uint32_t)r, units[u], 4, false);
    const char *path = save("res.pcapng", B.d, B.n);
    struct kn_source *s;
    struct kn_err e;
    CHECK(kn_source_open_file(&s, path, &e) == 0);
    int same = 0;
    for (int r = 0; r < NR; r++) {
        unsigned __int128 ups = 1;
        for (int k = 0; k < (resol[r] & 0x7f); k++)
            ups *= resol[r] & 0x80 ? 2 : 10;
        for (int u = 0; u < NU; u++) {
            unsigned __int128 want = (unsigned __int128)units[u] * 1000000000u / ups;
            if (want > UINT64_MAX)
                want = UINT64_MAX;
            struct kn_frame f;
            if (kn_source_next(s, &f, &e) == 1 && f.ts_ns == (uint64_t)want)
                same++;
            else
                printf("# resolution 0x%02x, %llu units: got %llu\n", resol[r],
                       (unsigned long long)units[u], (unsigned long long)f.ts_ns);
        }
    }
    CHECK_EQ(same, NR * NU);
    kn_source_close(s);
}

static void test_truncated_pcap_keeps_earlier_frames(void)
{
    build_pcap(false, false, 1, 5, 100);
    size_t cut = B.n - 50; /* the last record loses half its data */
    struct readout r = read_all(save("t.pcap", B.d, cut));
    CHECK(r.opened);
    CHECK_EQ(r.frames, 4);
    CHECK_EQ(r.rc, -1);
    CHECK(strstr(r.err, "truncated") != NULL);
}

static void test_gigabyte_record_rejected_quickly(void)
{
    build_pcap(false, false, 1, 2, 40);
    put32(7, false), put32(0, false);
    put32(0x54000000u, false); /* caplen 1.4 GB */
    put32(0x54000000u, false);
    struct readout r = read_all(save("g.pcap", B.d, B.n));
    CHECK_EQ(r.frames, 2);
    CHECK_EQ(r.rc, -1);
    CHECK(strstr(r.err, "1409286144") != NULL);
}

static void test_not_a_capture(void)
{
    struct readout r = read_all(save("e.pcap", (const uint8_t *)"", 0));
    CHECK(!r.opened);
    CHECK_STR(r.err, "empty file");
    r = read_all(save("x.txt", (const uint8_t *)"hello, this is text, not a capture\n", 35));
    CHECK(!r.opened);
    CHECK(strstr(r.err, "unknown file format") != NULL);
    r = read_all(path_of("does-not-exist"));
    CHECK(!r.opened);
    CHECK(strstr(r.err, "No such file") != NULL);
    r = read_all(tmpdir);
    CHECK(!r.opened);
    CHECK_STR(r.err, "is a directory");
}

static size_t gzip_into(const uint8_t *d, size_t n, const char *name)
{
    gzFile g = gzopen(path_of(name), "wb");
    gzwrite(g, d, (unsigned)n);
    gzclose(g);
    return n;
}

static size_t zstd_bytes(const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
    return ZSTD_compress(out, cap, d, n, 3);
}

static void test_gzip_and_zstd_by_content(void)
{
    build_pcapng();
    gzip_into(B.d, B.n, "c.pcap"); /* a misleading name: content decides */
    struct readout r = read_all(path_of("c.pcap"));
    CHECK(r.opened);
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(r.frames, 4);
    CHECK_EQ(r.linktypes[3], 113);

    build_pcap(true, true, 1, 200, 1000);
    static uint8_t z[1 << 20];
    size_t zn = zstd_bytes(B.d, B.n, z, sizeof z);
    r = read_all(save("c.gz", z, zn));
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(r.frames, 200);
    CHECK_EQ(r.last_data[999], (uint8_t)999);

    struct kn_source *s;
    struct kn_err e;
    CHECK(kn_source_open_file(&s, path_of("c.gz"), &e) == 0);
    CHECK_STR(kn_source_compression(s), "zstd");
    kn_source_close(s);
}

static void test_concatenated_gzip_members(void)
{
    build_pcap(false, false, 1, 3, 30);
    const char *p = path_of("cat.gz");
    gzFile g = gzopen(p, "wb");
    gzwrite(g, B.d, 24 + 46); /* header and first record */
    gzclose(g);
    g = gzopen(p, "ab");      /* appends a second member */
    gzwrite(g, B.d + 70, (unsigned)(B.n - 70));
    gzclose(g);
    struct readout r = read_all(p);
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(r.frames, 3);
}

static void test_corrupt_and_truncated_compression(void)
{
    build_pcap(false, false, 1, 300, 500);
    static uint8_t z[1 << 20];
    size_t zn = zstd_bytes(B.d, B.n, z, sizeof z);
    struct readout r = read_all(save("trunc.zst", z, zn / 2));
    /* Open fails when the first block is already cut (nothing decodes), or
     * reading fails later: either way with the zstd reason. */
    CHECK(!r.opened || r.rc == -1);
    CHECK(strstr(r.err, "zstd") != NULL);

    gzip_into(B.d, B.n, "bad.gz");
    FILE *f = fopen(path_of("bad.gz"), "r+b");
    fseek(f, 200, SEEK_SET);
    fwrite("\xff\xff\xff\xff\xff\xff\xff\xff", 1, 8, f);
    fclose(f);
    r = read_all(path_of("bad.gz"));
    /* Caught while opening (the first bytes are decompressed then) or
     * while reading, depending on where the decoder meets the damage. */
    CHECK(!r.opened || r.rc == -1);
    CHECK(strstr(r.err, "gzip: corrupt data") != NULL);

    /* The member's CRC (the trailer's first 4 bytes) no longer matches */
    gzip_into(B.d, B.n, "crc.gz");
    f = fopen(path_of("crc.gz"), "r+b");
    fseek(f, -8, SEEK_END);
    int c = fgetc(f);
    fseek(f, -8, SEEK_END);
    fputc(c ^ 1, f);
    fclose(f);
    r = read_all(path_of("crc.gz"));
    CHECK(!r.opened || r.rc == -1);
    CHECK(strstr(r.err, "gzip: corrupt data (CRC") != NULL);

    /* Cut inside the compressed data */
    static uint8_t whole[1 << 20];
    f = fopen(path_of("crc.gz"), "rb");
    size_t wn = fread(whole, 1, sizeof whole, f);
    fclose(f);
    r = read_all(save("cut.gz", whole, wn / 2));
    CHECK(!r.opened || r.rc == -1);
    CHECK(strstr(r.err, "gzip: truncated stream") != NULL);
}

/* A record libpcap refuses early in a zstd stream that is cut much further
 * on (beyond what the pipe holds, so the feeder cannot have met the cut when
 * the reader fails): the decompression error is the one reported, every
 * time; it used to depend on whether the feeder had got there. */
static void test_decompression_error_wins(void)
{
    build_pcap(false, false, 1, 20000, 140); /* ~3.1 MB decompressed */
    uint8_t *bad = B.d + 24 + 5 * (16 + 140) + 8; /* record 5's captured length */
    memcpy(bad, "\xa1\xd4\xc3\xb2", 4);
    static uint8_t z[4 << 20];
    size_t zn = zstd_bytes(B.d, B.n, z, sizeof z);
    save("badcut.zst", z, zn * 9 / 10);
    int zstd_said = 0;
    for (int i = 0; i < 10; i++) {
        struct readout r = read_all(path_of("badcut.zst"));
        zstd_said += r.opened && r.rc == -1 && strstr(r.err, "zstd: truncated") != NULL;
        if (i == 0)
            printf("# %s\n", r.err);
    }
    CHECK_EQ(zstd_said, 10);
}

/* Closing a compressed source early must stop its thread, even when the
 * thread is blocked writing into a full pipe (about 1 MB decompressed
 * here, far more than a pipe holds). */
static void test_early_close_stops_feeder(void)
{
    build_pcap(false, false, 1, 1000, 1000);
    gzip_into(B.d, B.n, "big.gz");
    for (int i = 0; i < 20; i++) {
        struct kn_source *s;
        struct kn_err e;
        CHECK(kn_source_open_file(&s, path_of("big.gz"), &e) == 0);
        struct kn_frame fr;
        for (int k = 0; k < i; k++)
            CHECK_EQ(kn_source_next(s, &fr, &e), 1);
        kn_source_close(s);
    }
}

static void test_stdin_plain_and_compressed(void)
{
    build_pcap(false, true, 1, 7, 64);
    static uint8_t z[1 << 20];
    size_t zn = zstd_bytes(B.d, B.n, z, sizeof z);
    const uint8_t *inputs[2] = {B.d, z};
    size_t lens[2] = {B.n, zn};
    for (int k = 0; k < 2; k++) {
        const char *p = save("stdin.bin", inputs[k], lens[k]);
        int saved = dup(0);
        int fd = open(p, O_RDONLY);
        int pfd[2];
        CHECK(pipe(pfd) == 0); /* a real pipe: standard input cannot rewind */
        ssize_t w = write(pfd[1], inputs[k], lens[k]);
        CHECK_EQ(w, (ssize_t)lens[k]);
        close(pfd[1]);
        dup2(pfd[0], 0);
        close(pfd[0]);
        close(fd);
        struct readout r = read_all("-");
        dup2(saved, 0);
        close(saved);
        CHECK_EQ(r.rc, 0);
        CHECK_EQ(r.frames, 7);
        CHECK_EQ(r.first.ts_ns, 1000ull * 1000000000 + 123456789);
    }
}

static void test_stop_ends_reading(void)
{
    build_pcap(false, false, 1, 10, 10);
    save("s.pcap", B.d, B.n);
    struct kn_source *s;
    struct kn_err e;
    CHECK(kn_source_open_file(&s, path_of("s.pcap"), &e) == 0);
    struct kn_frame f;
    CHECK_EQ(kn_source_next(s, &f, &e), 1);
    kn_source_stop(s);
    CHECK_EQ(kn_source_next(s, &f, &e), 0);
    CHECK_STR(kn_source_name(s), path_of("s.pcap"));
    kn_source_close(s);
}

/* A pcap arriving on standard input (a pipe: the feeder's path, read by
 * the buffered reader in stream mode) that stalls after one record: a
 * signal whose handler calls kn_source_stop() ends the blocked read with 0
 * instead of leaving it waiting for data that may never come. */
static struct kn_source *stop_me;
static atomic_int stopped_reading, gave_up;
static void on_usr1(int sig)
{
    (void)sig;
    kn_source_stop(stop_me);
}
static int stall_fd; /* the pipe's write end */
static void *poke_reader(void *arg)
{
    pthread_t reader = *(pthread_t *)arg;
    /* Repeated: a signal that lands just before the read blocks is missed. */
    for (int i = 0; i < 50 && !atomic_load(&stopped_reading); i++) {
        usleep(100000);
        pthread_kill(reader, SIGUSR1);
    }
    /* Never stopped: unblock the reader (more bytes, then the end) and
     * say so; the test fails. */
    if (!atomic_load(&stopped_reading)) {
        atomic_store(&gave_up, 1);
        if (write(stall_fd, "0123456789", 10) == 10)
            close(stall_fd), stall_fd = -1;
    }
    return NULL;
}
static void test_stop_ends_blocked_stream_read(void)
{
    build_pcap(false, false, 1, 1, 60);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    int saved = dup(STDIN_FILENO);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    stall_fd = p[1];
    CHECK_EQ(write(p[1], B.d, B.n), (long long)B.n);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: the read returns EINTR */
    sigaction(SIGUSR1, &sa, &old);
    struct kn_err e;
    CHECK_EQ(kn_source_open_file(&stop_me, "-", &e), 0);
    dup2(saved, STDIN_FILENO);
    close(saved);
    struct kn_frame f;
    CHECK_EQ(kn_source_next(stop_me, &f, &e), 1);
    atomic_store(&stopped_reading, 0);
    pthread_t self = pthread_self(), poker;
    pthread_create(&poker, NULL, poke_reader, &self);
    CHECK_EQ(kn_source_next(stop_me, &f, &e), 0); /* blocked until stopped */
    atomic_store(&stopped_reading, 1);
    pthread_join(poker, NULL);
    CHECK(!atomic_load(&gave_up)); /* ended by the stop, not by more input */
    kn_source_close(stop_me);
    if (stall_fd >= 0)
        close(stall_fd);
    sigaction(SIGUSR1, &old, NULL);
}

/* The -w writer: what it writes reads back the same (ns timestamps, the
 * link type as given, captured vs wire length), and a frame of another
 * link type is refused. */
static void test_writer_round_trip(void)
{
    struct kn_pcap_writer *w;
    struct kn_err e;
    const char *p = path_of("w.pcap");
    CHECK(kn_pcap_writer_open(&w, p, 101, 262144, &e) == 0);
    uint8_t data[30];
    for (int i = 0; i < 30; i++)
        data[i] = (uint8_t)(i * 7);
    struct kn_frame f = {.ts_ns = 1600000000987654321ull, .caplen = 30, .wirelen = 1500,
                         .linktype = 101, .data = data};
    CHECK(kn_pcap_writer_write(w, &f, &e) == 0);
    f.ts_ns += 1000;
    CHECK(kn_pcap_writer_write(w, &f, &e) == 0);
    f.linktype = 1;
    CHECK(kn_pcap_writer_write(w, &f, &e) == -1);
    CHECK(strstr(e.msg, "link type 1") != NULL);
    CHECK(kn_pcap_writer_close(w, &e) == 0);
    struct readout r = read_all(p);
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(r.frames, 2);
    CHECK_EQ(r.first.ts_ns, 1600000000987654321ull);
    CHECK_EQ(r.last.ts_ns, 1600000000987655321ull);
    CHECK_EQ(r.first.linktype, 101);
    CHECK_EQ(r.first.caplen, 30);
    CHECK_EQ(r.first.wirelen, 1500);
    CHECK_EQ(r.last_data[29], (uint8_t)(29 * 7));
    CHECK(kn_pcap_writer_open(&w, path_of("no/such/dir/w.pcap"), 1, 65535, &e) == -1);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        printf("not ok mkdtemp\n");
        return 1;
    }
    RUN(test_pcap_byte_orders_and_precisions);
    RUN(test_pcap_linktype_raw_is_reported_as_linktype);
    RUN(test_pcapng_per_interface_linktypes);
    RUN(test_pcapng_timestamps_ns);
    RUN(test_pcapng_bad_version_and_interface);
    RUN(test_pcapng_huge_block_rejected);
    RUN(test_pcapng_blocks_across_the_read_window);
    RUN(test_pcapng_every_time_resolution);
    RUN(test_truncated_pcap_keeps_earlier_frames);
    RUN(test_gigabyte_record_rejected_quickly);
    RUN(test_not_a_capture);
    RUN(test_gzip_and_zstd_by_content);
    RUN(test_concatenated_gzip_members);
    RUN(test_decompression_error_wins);
    RUN(test_corrupt_and_truncated_compression);
    RUN(test_early_close_stops_feeder);
    RUN(test_stdin_plain_and_compressed);
    RUN(test_stop_ends_reading);
    RUN(test_stop_ends_blocked_stream_read);
    RUN(test_writer_round_trip);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("not ok cleanup\n");
    TEST_MAIN_END();
}
