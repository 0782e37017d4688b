/* analyze/content_hash: the digest (staged in blocks, hashed on a thread)
 * equals SHA-256 computed here in one pass over the documented byte
 * stream, for frames of every size including ones larger than a staging
 * block, across a reset in mid-capture, and for an empty capture; and so
 * does the hasher's own walk over a pcap file. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyze/content_hash.h"
#include "harness.h"

static void le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t frame_bytes[1 << 20];

/* Feeds n frames (sizes from sizes[]) to h and to a one-pass reference. */
static void feed(struct kn_content_hash *h, EVP_MD_CTX *ref, const uint32_t *sizes, int n)
{
    for (int i = 0; i < n; i++) {
        struct kn_frame f = {.ts_ns = 1600000000123456789ull + (uint64_t)i, .caplen = sizes[i],
                             .wirelen = sizes[i] + 4, .linktype = i % 3 ? 1 : 101,
                             .data = frame_bytes + i};
        kn_content_hash_add(h, &f);
        uint8_t meta[20];
        le(meta, (uint32_t)f.linktype, 4);
        le(meta + 4, f.ts_ns, 8);
        le(meta + 12, f.caplen, 4);
        le(meta + 16, f.wirelen, 4);
        EVP_DigestUpdate(ref, meta, 20);
        EVP_DigestUpdate(ref, f.data, f.caplen);
    }
}

static void test_equals_one_pass_sha256(void)
{
    for (size_t i = 0; i < sizeof frame_bytes; i++)
        frame_bytes[i] = (uint8_t)(i * 2654435761u >> 13);
    uint32_t sizes[4000];
    for (int i = 0; i < 4000; i++)
        sizes[i] = (uint32_t)(i % 97 == 0 ? 300000 + i : i % 13 == 0 ? 0 : 40 + i % 1500);
    struct kn_err err;
    struct kn_content_hash *h = kn_content_hash_new(&err);
    CHECK(h != NULL);
    if (!h)
        return;
    for (int round = 0; round < 3; round++) {
        EVP_MD_CTX *ref = EVP_MD_CTX_new();
        EVP_DigestInit_ex(ref, EVP_sha256(), NULL);
        /* round 1 hashes nothing; round 2 follows a reset in mid-capture */
        int n = round == 1 ? 0 : 4000;
        if (round == 2) {
            feed(h, ref, sizes, 100);
            CHECK_EQ(kn_content_hash_reset(h, &err), 0);
            EVP_DigestInit_ex(ref, EVP_sha256(), NULL);
        }
        feed(h, ref, sizes, n);
        uint8_t got[32], want[32];
        unsigned len;
        EVP_DigestFinal_ex(ref, want, &len);
        EVP_MD_CTX_free(ref);
        CHECK_EQ(kn_content_hash_final(h, got, &err), 0);
        CHECK(!memcmp(got, want, 32));
        CHECK_EQ(kn_content_hash_reset(h, &err), 0);
    }
    kn_content_hash_free(h);
}

/* A pcap file's 32-bit field in the file's byte order. */
static void put_file32(uint8_t *p, uint32_t v, int swap)
{
    le(p, swap ? __builtin_bswap32(v) : v, 4);
}

/* The walk over a plain pcap file (the hasher reads it itself) gives the
 * digest of the same byte stream as frames added one by one: times in µs
 * and in ns, the file in either byte order, frames staged with their
 * fields and frames digested in place, records larger than the reader's
 * window. The file is written here, field by field. */
static void test_file_walk_equals_one_pass_sha256(void)
{
    static const uint32_t sizes[] = {0, 1, 60, 255, 256, 257, 1514, 9000, 65535, 262144, 40, 77};
    enum { N = sizeof sizes / sizeof sizes[0], REPEAT = 50 };
    for (size_t i = 0; i < sizeof frame_bytes; i++)
        frame_bytes[i] = (uint8_t)(i * 2654435761u >> 11);
    for (int variant = 0; variant < 4; variant++) {
        int ns = variant & 1, swap = variant >> 1;
        char path[] = "/tmp/kn-walk-XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        if (fd < 0)
            return;
        unlink(path);
        FILE *f = fdopen(fd, "w+b");
        uint8_t head[24] = {0};
        put_file32(head, ns ? 0xa1b23c4du : 0xa1b2c3d4u, swap);
        head[4 + swap] = 2; /* version 2.4, 16-bit fields: low byte first unless swapped */
        head[6 + swap] = 4;
        put_file32(head + 16, 262144, swap);
        put_file32(head + 20, 1, swap);
        fwrite(head, 1, sizeof head, f);
        EVP_MD_CTX *ref = EVP_MD_CTX_new();
        EVP_DigestInit_ex(ref, EVP_sha256(), NULL);
        for (int r = 0; r < REPEAT; r++) {
            for (int i = 0; i < N; i++) {
                uint32_t sec = 1600000000u + (uint32_t)r, frac = (uint32_t)(i * 1000 + r);
                uint8_t rec[16], meta[20];
                put_file32(rec, sec, swap);
                put_file32(rec + 4, frac, swap);
                put_file32(rec + 8, sizes[i], swap);
                put_file32(rec + 12, sizes[i] + 3, swap);
                fwrite(rec, 1, sizeof rec, f);
                const uint8_t *data = frame_bytes + (size_t)(r * 7 + i);
                fwrite(data, 1, sizes[i], f);
                le(meta, 1, 4);
                le(meta + 4, (uint64_t)sec * 1000000000u + (uint64_t)frac * (ns ? 1u : 1000u), 8);
                le(meta + 12, sizes[i], 4);
                le(meta + 16, sizes[i] + 3, 4);
                EVP_DigestUpdate(ref, meta, 20);
                EVP_DigestUpdate(ref, data, sizes[i]);
            }
        }
        fflush(f);
        long size = ftell(f);
        uint8_t want[32], got[32];
        unsigned len;
        EVP_DigestFinal_ex(ref, want, &len);
        EVP_MD_CTX_free(ref);
        struct kn_err err;
        struct kn_content_hash *h = kn_content_hash_new(&err);
        CHECK(h != NULL);
        if (h) {
            CHECK_EQ(kn_content_hash_reset(h, &err), 0);
            /* Swapped files are walked by a hasher giving way (at idle
             * priority where the process may take that back): the same
             * digest, and final takes it back. */
            if (swap) {
                bool gave = kn_content_hash_give_way(h, true);
                if (variant == 3)
                    printf("# hasher gives way: %s\n", gave ? "yes" : "no (not permitted here)");
            }
            /* the hasher takes (and closes) its own descriptor */
            CHECK_EQ(kn_content_hash_walk_file(h, dup(fd), (uint64_t)size, &err), 0);
            CHECK_EQ(kn_content_hash_final(h, got, &err), 0);
            CHECK(!memcmp(got, want, 32));
            CHECK(!kn_content_hash_give_way(h, false));
            CHECK_EQ(kn_content_hash_walked(h), (uint64_t)size); /* every byte, header too */
            kn_content_hash_free(h);
        }
        fclose(f);
    }
}

int main(void)
{
    RUN(test_equals_one_pass_sha256);
    RUN(test_file_walk_equals_one_pass_sha256);
    TEST_MAIN_END();
}
