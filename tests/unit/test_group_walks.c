/* analyze/group with digests left to the commit (pipeline.h, defer_walk):
 * real pcap files read through a pipeline, their walks taken beside the
 * commit. Checked: the stored digests are SHA-256 over the frames as
 * docs/schema.md defines it, computed here from the frames written; a
 * repeat in the group or in the store is still skipped before anything is
 * written; a file cut short or rewritten between its reading and the
 * commit, or stored under other statistics, makes the group store nothing
 * and say why, while frames appended to it meanwhile do not count; the
 * room a group gives bounds what is deferred; a file the buffered reader
 * hands over to libpcap is hashed as it is read; and no file descriptor
 * is left open. */
#include <dirent.h>
#include <openssl/evp.h>

#include "analyze/content_hash.h"
#include "analyze/pipeline.h"
#include "harness.h"
#include "test_digest_fixture.h"
#include "test_group_fixture.h"

enum { FRAME = 42 }; /* Ethernet, IPv4, UDP without payload */

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Frame i of a capture with seed: UDP from 198.51.100.(seed) port 1000+i
 * to 192.0.2.1 port 53 + i % 7. */
static void frame_bytes(int seed, uint32_t i, uint8_t out[FRAME])
{
    memset(out, 0, FRAME);
    out[12] = 0x08; /* IPv4 */
    uint8_t *ip = out + 14;
    ip[0] = 0x45;
    ip[3] = 28; /* total length */
    ip[8] = 64;
    ip[9] = 17;
    uint8_t src[4] = {198, 51, 100, (uint8_t)seed}, dst[4] = {192, 0, 2, 1};
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint32_t sum = 0;
    for (int k = 0; k < 20; k += 2)
        sum += (uint32_t)ip[k] << 8 | ip[k + 1];
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)((1000 + i) >> 8);
    udp[1] = (uint8_t)(1000 + i);
    udp[3] = (uint8_t)(53 + i % 7);
    udp[5] = 8;
}

/* The microsecond pcap `frames` frames of seed at dir/name, one a
 * millisecond from 2020-05-17 00:00 UTC; the record at odd_at (unless -1)
 * has a microsecond field of 1,500,000, which libpcap takes and the
 * buffered reader hands over to it. Its digest as docs/schema.md defines
 * it, computed here, in want. */
static void write_pcap(const char *name, int seed, uint32_t frames, long odd_at, uint8_t want[32])
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    uint8_t head[24] = {0}, rec[16], data[FRAME];
    le32(head, 0xa1b2c3d4u);
    head[4] = 2;
    head[6] = 4;
    le32(head + 16, 65535);
    le32(head + 20, 1);
    fwrite(head, 1, sizeof head, f);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    for (uint32_t i = 0; i < frames; i++) {
        uint32_t sec = 1589673600u + i / 1000, usec = i % 1000 * 1000;
        if ((long)i == odd_at)
            usec = 1500000;
        le32(rec, sec);
        le32(rec + 4, usec);
        le32(rec + 8, FRAME);
        le32(rec + 12, FRAME);
        frame_bytes(seed, i, data);
        fwrite(rec, 1, sizeof rec, f);
        fwrite(data, 1, sizeof data, f);
        digest_frame(sha, 1, (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u, FRAME, FRAME, data);
    }
    EVP_DigestFinal_ex(sha, want, NULL);
    EVP_MD_CTX_free(sha);
    fclose(f);
}

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Open file descriptors of this process. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* A store, a group on it and a pipeline reading for it. */
struct run {
    struct kn_store *st;
    struct kn_group g;
    struct kn_pipeline pl;
    struct tally t;
};

static void begin(struct run *r, const char *db)
{
    struct kn_err e;
    memset(r, 0, sizeof *r);
    r->st = open_store(db);
    CHECK_EQ(kn_group_init(&r->g, r->st, 100, 0, &e), 0);
    static struct kn_config cfg;
    memset(&cfg, 0, sizeof cfg);
    kn_cidr_parse("192.0.2.0/24", &cfg.sensors[cfg.n_sensors++], NULL, &e);
    snprintf(cfg.tz, sizeof cfg.tz, "UTC");
    cfg.wide_ports = 100;
    CHECK_EQ(kn_pipeline_init(&r->pl, &cfg, r->st, &e), 0);
    r->pl.defer_walk = true;
}

/* Reads dir/name through the pipeline into *res, allowed to leave a walk
 * of up to `room` bytes. */
static void read_only(struct run *r, const char *name, uint64_t room, struct kn_run_result *res)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct kn_err e;
    struct kn_source *src = NULL;
    r->pl.defer_walk_max = room;
    CHECK_EQ(kn_source_open_file(&src, p, &e), 0);
    CHECK_EQ(kn_pipeline_read(&r->pl, src, res, NULL, NULL, &e), 0);
    kn_source_close(src);
}

/* ... and adds it to the group; whether its walk was left pending by the
 * reading. */
static bool read_add_room(struct run *r, const char *name, uint64_t room)
{
    struct kn_err e;
    struct kn_run_result res;
    read_only(r, name, room, &res);
    bool walk = res.walk_pending;
    if (kn_group_add(&r->g, r->pl.agg, name, &res, &e))
        printf("# add %s: %s\n", name, e.msg);
    CHECK(!res.walk_pending); /* the group's now */
    return walk;
}

/* ... allowed what the group has room for, as `kenchi analyze` does */
static bool read_add(struct run *r, const char *name)
{
    return read_add_room(r, name, kn_group_walk_room(&r->g));
}

static void end(struct run *r)
{
    kn_pipeline_free(&r->pl);
    kn_group_free(&r->g);
    kn_store_close(r->st);
}

static long long stored_with(const char *name, const uint8_t want[32])
{
    char h[65], q[256];
    hex(want, h);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM files WHERE name = '%s' AND hash = '%s'", name, h);
    return sql_int(q);
}

static void test_digests_taken_beside_the_commit(void)
{
    int fds = open_fds();
    uint8_t a[32], b[32], c[32];
    write_pcap("a.pcap", 1, 3000, -1, a);
    write_pcap("b.pcap", 2, 5000, -1, b);
    write_pcap("c.pcap", 3, 7, -1, c);
    struct run r;
    begin(&r, "w1.db");
    CHECK(read_add(&r, "a.pcap"));
    CHECK(read_add(&r, "b.pcap"));
    CHECK(read_add(&r, "c.pcap"));
    CHECK_EQ(r.g.walks, 3);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.stored, 3);
    CHECK_EQ(r.g.tally.walks, 3);
    CHECK_EQ(stored_with("a.pcap", a), 1);
    CHECK_EQ(stored_with("b.pcap", b), 1);
    CHECK_EQ(stored_with("c.pcap", c), 1);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 8007);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 3);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* The same frames twice in one group, under two names: the second is
 * found at its add (equal statistics: both digests taken there), and the
 * first stays in the group. The same frames stored by an earlier run are
 * found at the add too. */
static void test_repeats_found_at_the_add(void)
{
    int fds = open_fds();
    uint8_t a[32], b[32], copy[32];
    write_pcap("a.pcap", 1, 3000, -1, a);
    write_pcap("a-copy.pcap", 1, 3000, -1, copy);
    write_pcap("b.pcap", 2, 5000, -1, b);
    CHECK(!memcmp(a, copy, 32));
    struct run r;
    begin(&r, "w2.db");
    read_add(&r, "a.pcap");
    read_add(&r, "b.pcap");
    read_add(&r, "a-copy.pcap");
    CHECK_EQ(r.g.walks, 1); /* b's; a's was taken when its copy came */
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.stored, 2);
    CHECK_EQ(r.t.skipped, 1);
    CHECK_STR(r.t.skipped_as, "a.pcap");
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 8000);

    /* a later run: b again is skipped at its add, before any commit */
    memset(&r.t, 0, sizeof r.t);
    read_add(&r, "b.pcap");
    CHECK_EQ(r.g.counted, 0);
    CHECK_EQ(r.g.walks, 0);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.skipped, 1);
    CHECK_STR(r.t.skipped_as, "b.pcap");
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 8000);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* A file stored under other statistics (an edited row: kenchi itself
 * always stores the statistics of the frames it hashed) is found only by
 * its digest, inside the commit. Alone in its group it is skipped; with
 * another file, nothing of the group is stored and both say so. */
static void test_stored_under_other_statistics(void)
{
    int fds = open_fds();
    uint8_t a[32], b[32];
    write_pcap("a.pcap", 1, 3000, -1, a);
    write_pcap("b.pcap", 2, 5000, -1, b);
    struct run r;
    begin(&r, "w3.db");
    read_add(&r, "a.pcap");
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.stored, 1);
    char q[512];
    snprintf(q, sizeof q, "sqlite3 %s 'UPDATE files SET packets = packets + 1'", path);
    CHECK_EQ(system(q), 0);

    memset(&r.t, 0, sizeof r.t);
    CHECK(read_add(&r, "a.pcap"));
    CHECK_EQ(r.g.walks, 1);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.skipped, 1);
    CHECK_STR(r.t.skipped_as, "a.pcap");

    memset(&r.t, 0, sizeof r.t);
    read_add(&r, "b.pcap");
    read_add(&r, "a.pcap");
    CHECK_EQ(r.g.walks, 2);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 2);
    CHECK_EQ(r.t.stored, 0);
    printf("# %s\n", r.t.last_error);
    CHECK(strstr(r.t.last_error, "group of 2 files") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 1);
    CHECK_EQ(sql_int("SELECT SUM(packets) FROM source_day"), 3000);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* A file rewritten between its reading and the commit: its digest no
 * longer covers the frames counted, so nothing of the group is stored, and
 * the error names the file. */
static void test_file_changed_before_the_commit(void)
{
    int fds = open_fds();
    uint8_t a[32], b[32];
    write_pcap("a.pcap", 1, 3000, -1, a);
    write_pcap("b.pcap", 2, 5000, -1, b);
    struct run r;
    begin(&r, "w4.db");
    read_add(&r, "a.pcap");
    read_add(&r, "b.pcap");
    char p[160];
    snprintf(p, sizeof p, "%s/b.pcap", dir);
    CHECK_EQ(truncate(p, 24 + 58 * 1000), 0); /* 1000 of its 5000 frames left */
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 2);
    printf("# %s\n", r.t.last_error);
    CHECK(strstr(r.t.last_error, "b.pcap") != NULL);
    CHECK(strstr(r.t.last_error, "changed since it was read") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM source_day"), 0);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* A capture still being written: frames appended to it after its reading
 * are not its content yet. Its digest is that of the frames read, as when
 * it was hashed while read, and it is stored. */
static void test_file_grown_before_the_commit(void)
{
    int fds = open_fds();
    uint8_t b[32], longer[32];
    write_pcap("b.pcap", 2, 5000, -1, b);
    write_pcap("b-longer.pcap", 2, 6000, -1, longer);
    struct run r;
    begin(&r, "w8.db");
    CHECK(read_add(&r, "b.pcap"));
    char from[160], to[160];
    snprintf(from, sizeof from, "%s/b-longer.pcap", dir);
    snprintf(to, sizeof to, "%s/b.pcap", dir);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "ab");
    uint8_t rec[58];
    fseek(in, 24 + 58 * 5000, SEEK_SET);
    while (fread(rec, 1, sizeof rec, in) == sizeof rec)
        fwrite(rec, 1, sizeof rec, out); /* frames 5000-5999, appended */
    fclose(in);
    fclose(out);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.stored, 1);
    CHECK_EQ(stored_with("b.pcap", b), 1);
    CHECK_EQ(sql_int("SELECT packets FROM files"), 5000);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* Rewrites dir/name in place with `frames` records of `caplen` zero bytes
 * (same size as before when frames * (16 + caplen) is). */
static void rewrite(const char *name, uint32_t frames, uint32_t caplen)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r+b");
    uint8_t rec[16] = {0}, data[256] = {0};
    fseek(f, 24, SEEK_SET);
    for (uint32_t i = 0; i < frames; i++) {
        le32(rec, 1589673600u);
        le32(rec + 8, caplen);
        le32(rec + 12, caplen);
        fwrite(rec, 1, sizeof rec, f);
        fwrite(data, 1, caplen, f);
    }
    fclose(f);
}

/* Rewritten in place to the same size but other frames: the digest
 * counts 2,500 frames where 5,000 were read. */
static void test_file_rewritten_before_the_commit(void)
{
    int fds = open_fds();
    uint8_t b[32];
    write_pcap("b.pcap", 2, 5000, -1, b);
    struct run r;
    begin(&r, "w6.db");
    read_add(&r, "b.pcap");
    rewrite("b.pcap", 2500, 100); /* 2,500 x 116 = 5,000 x 58 bytes */
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 1);
    printf("# %s\n", r.t.last_error);
    CHECK(strstr(r.t.last_error, "2500 frames, 5000 read") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* Two files of one content whose statistics differ (a miscount, which
 * the reading never makes: faked here on one result) both wait for the
 * commit, which then finds one digest twice and stores nothing. */
static void test_same_digest_other_statistics(void)
{
    int fds = open_fds();
    uint8_t a[32], copy[32];
    write_pcap("a.pcap", 1, 3000, -1, a);
    write_pcap("a-copy.pcap", 1, 3000, -1, copy);
    struct run r;
    begin(&r, "w7.db");
    read_add(&r, "a.pcap");
    struct kn_err e;
    struct kn_run_result res;
    read_only(&r, "a-copy.pcap", kn_group_walk_room(&r.g), &res);
    CHECK(res.walk_pending);
    res.ingest.first_ns++;
    CHECK_EQ(kn_group_add(&r.g, r.pl.agg, "a-copy.pcap", &res, &e), 0);
    CHECK_EQ(r.g.walks, 2);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 2);
    printf("# %s\n", r.t.last_error);
    CHECK(strstr(r.t.last_error, "a.pcap and a-copy.pcap have the same content") != NULL);
    CHECK_EQ(sql_int("SELECT COUNT(*) FROM files"), 0);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

/* The group's room bounds the bytes left waiting: a file larger than what
 * is left is hashed as it is read. So is a file the buffered reader hands
 * over to libpcap half way, whose digest still follows the definition. */
static void test_room_and_hand_over(void)
{
    int fds = open_fds();
    uint8_t a[32], b[32], c[32], odd[32];
    write_pcap("a.pcap", 1, 3000, -1, a);   /* 174,024 bytes */
    write_pcap("b.pcap", 2, 5000, -1, b);   /* 290,024 bytes */
    write_pcap("odd.pcap", 4, 2000, 900, odd);
    struct run r;
    begin(&r, "w5.db");
    r.g.walk_bytes_max = 200000;
    CHECK(read_add(&r, "a.pcap"));
    CHECK_EQ(kn_group_walk_room(&r.g), 200000 - 174024);
    CHECK(!read_add(&r, "b.pcap"));
    /* read with more room than the group has (the jobs of one batch share
     * it): the group takes its digest at the add */
    write_pcap("c.pcap", 3, 500, -1, c);
    CHECK(read_add_room(&r, "c.pcap", UINT64_MAX));
    CHECK_EQ(r.g.walks, 1);
    r.g.walk_bytes_max = 0; /* the default: an eighth of the memory */
    CHECK(!read_add(&r, "odd.pcap"));
    CHECK_EQ(r.g.walks, 1);
    CHECK_EQ(kn_group_flush(&r.g, report, &r.t), 0);
    CHECK_EQ(r.t.stored, 4);
    CHECK_EQ(stored_with("a.pcap", a), 1);
    CHECK_EQ(stored_with("b.pcap", b), 1);
    CHECK_EQ(stored_with("c.pcap", c), 1);
    CHECK_EQ(stored_with("odd.pcap", odd), 1);
    end(&r);
    CHECK_EQ(open_fds(), fds);
}

int main(void)
{
    if (!make_dir())
        return 1;
    RUN(test_digests_taken_beside_the_commit);
    RUN(test_repeats_found_at_the_add);
    RUN(test_stored_under_other_statistics);
    RUN(test_file_changed_before_the_commit);
    RUN(test_file_rewritten_before_the_commit);
    RUN(test_file_grown_before_the_commit);
    RUN(test_same_digest_other_statistics);
    RUN(test_room_and_hand_over);
    remove_dir();
    TEST_MAIN_END();
}
