/* analyze/pipeline: a hasher that gives way while a run's last file is
 * read (defer_hash) is made to keep up once it falls hash_lag_max bytes
 * behind the reading, so that it never reads again from disk what the page
 * cache has dropped; and the digest is the same whether it gave way, fell
 * behind, or neither. The process is held to one CPU, where a hasher that
 * gives way cannot run while the reading does, so it falls behind for
 * certain. Where the process may not give way (no CAP_SYS_NICE), nothing
 * falls behind, and the test says so. All three digests must be the one
 * computed here as docs/schema.md defines it, from the frames written (an
 * oracle: three equal wrong digests would otherwise pass). */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/pipeline.h"
#include "harness.h"
#include "test_digest_fixture.h"

enum { FRAMES = 200000, CAPLEN = 60 };

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); } /* the file's own order */

/* A pcap of FRAMES Ethernet frames (their bytes vary, their meaning does
 * not matter here) in a temporary file; its path in path, its content
 * digest (test_digest_fixture.h) in want. */
static int write_capture(char *path, uint8_t want[32])
{
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f)
        return -1;
    uint8_t head[24] = {0}, rec[16], data[CAPLEN];
    put32(head, 0xa1b2c3d4u);
    head[4] = 2;
    head[6] = 4;
    put32(head + 16, 65535);
    put32(head + 20, 1);
    fwrite(head, 1, sizeof head, f);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    for (uint32_t i = 0; i < FRAMES; i++) {
        uint32_t sec = 1589673600u + i / 1000, usec = i % 1000 * 1000;
        put32(rec, sec);
        put32(rec + 4, usec);
        put32(rec + 8, CAPLEN);
        put32(rec + 12, CAPLEN);
        memset(data, (int)(i & 0xFF), sizeof data);
        fwrite(rec, 1, sizeof rec, f);
        fwrite(data, 1, sizeof data, f);
        digest_frame(sha, 1, (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u, CAPLEN, CAPLEN, data);
    }
    EVP_DigestFinal_ex(sha, want, NULL);
    EVP_MD_CTX_free(sha);
    return fclose(f) == 0 ? 0 : -1;
}

/* Reads path through a pipeline; the digest in hash, and whether the
 * hasher fell behind. 0 or -1. */
static int read_once(const char *path, bool defer, uint64_t lag_max, uint8_t hash[32],
                     bool *fell_behind)
{
    static struct kn_config cfg;
    struct kn_err e;
    memset(&cfg, 0, sizeof cfg);
    kn_cidr_parse("192.0.2.0/24", &cfg.sensors[cfg.n_sensors++], NULL, &e);
    snprintf(cfg.tz, sizeof cfg.tz, "UTC");
    cfg.wide_ports = 100;
    struct kn_pipeline pl;
    if (kn_pipeline_init(&pl, &cfg, NULL, &e)) {
        printf("# pipeline: %s\n", e.msg);
        return -1;
    }
    pl.defer_hash = defer;
    pl.hash_lag_max = lag_max;
    struct kn_source *src = NULL;
    struct kn_run_result res;
    int rc = -1;
    if (kn_source_open_file(&src, path, &e) == 0 &&
        kn_pipeline_read(&pl, src, &res, NULL, NULL, &e) == 0 &&
        kn_run_result_finish_hash(&res, &e) == 0 && res.ingest.packets == FRAMES) {
        memcpy(hash, res.hash, 32);
        *fell_behind = res.hash_fell_behind;
        rc = 0;
    } else {
        printf("# read: %s\n", e.msg);
    }
    kn_source_close(src);
    kn_pipeline_free(&pl);
    return rc;
}

static void test_hasher_keeps_up_past_the_lag(void)
{
    char path[] = "/tmp/kn-lag-XXXXXX";
    uint8_t want[32];
    CHECK_EQ(write_capture(path, want), 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
    CHECK_EQ(sched_setaffinity(0, sizeof one, &one), 0); /* the threads made from here on too */

    struct kn_err e;
    struct kn_content_hash *probe = kn_content_hash_new(&e);
    bool may = probe && kn_content_hash_give_way(probe, true);
    kn_content_hash_free(probe);
    if (!may)
        printf("# this process may not give way (no CAP_SYS_NICE): nothing falls behind\n");

    uint8_t plain[32], tight[32], loose[32];
    bool fell = true;
    CHECK_EQ(read_once(path, false, 0, plain, &fell), 0);
    CHECK(!fell); /* not deferred: the hasher never gave way */
    CHECK_EQ(read_once(path, true, 1, tight, &fell), 0);
    CHECK_EQ(fell, may);
    CHECK_EQ(read_once(path, true, UINT64_MAX, loose, &fell), 0);
    CHECK(!fell);
    CHECK(!memcmp(plain, want, 32));
    CHECK(!memcmp(tight, want, 32));
    CHECK(!memcmp(loose, want, 32));
    unlink(path);
}

int main(void)
{
    RUN(test_hasher_keeps_up_past_the_lag);
    TEST_MAIN_END();
}
