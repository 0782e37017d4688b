/* analyze/content_hash: the digest (staged in blocks, hashed on a thread)
 * equals SHA-256 computed here in one pass over the documented byte
 * stream, for frames of every size including ones larger than a staging
 * block, across a reset in mid-capture, and for an empty capture. */
#include <openssl/evp.h>
#include <stdint.h>

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

int main(void)
{
    RUN(test_equals_one_pass_sha256);
    TEST_MAIN_END();
}
