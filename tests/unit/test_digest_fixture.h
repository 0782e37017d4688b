/* The content digest of a capture as docs/schema.md defines it (the
 * `hash` of files), computed here without src/analyze/content_hash.c: for
 * each frame its link type, time in ns, captured and wire length
 * (little-endian, 4, 8, 4 and 4 bytes), then its captured bytes, all in
 * one SHA-256. Tests feed it the frames they write and compare. */
#ifndef TEST_DIGEST_FIXTURE_H
#define TEST_DIGEST_FIXTURE_H

#include <openssl/evp.h>
#include <stdint.h>

/* Adds one frame to sha (an EVP_MD_CTX set up for SHA-256 by the caller). */
static inline void digest_frame(EVP_MD_CTX *sha, uint32_t linktype, uint64_t ts_ns, uint32_t caplen,
                                uint32_t wirelen, const uint8_t *data)
{
    uint8_t fields[20];
    for (int i = 0; i < 4; i++) {
        fields[i] = (uint8_t)(linktype >> (8 * i));
        fields[12 + i] = (uint8_t)(caplen >> (8 * i));
        fields[16 + i] = (uint8_t)(wirelen >> (8 * i));
    }
    for (int i = 0; i < 8; i++)
        fields[4 + i] = (uint8_t)(ts_ns >> (8 * i));
    EVP_DigestUpdate(sha, fields, sizeof fields);
    EVP_DigestUpdate(sha, data, caplen);
}

#endif
