/* Password pre-checks for encrypted zip members, read by hand from the
 * member's local header (every read bounds-checked: this is attacker
 * input). Both zip encryptions store a check value at the start of the
 * member's data that a wrong password fails almost always:
 *   WinZip AES: a salt and a 2-byte password verifier, the last two bytes
 *     of PBKDF2-HMAC-SHA1(password, salt, 1000 iterations) output —
 *     which lie in ONE 20-byte PBKDF2 block, so checking them costs a
 *     quarter of the full AES-256 key derivation (65,535 wrong passwords
 *     in 65,536 fail);
 *   ZipCrypto: a 12-byte encryption header whose last decrypted byte is
 *     the CRC's (or, with a data descriptor, the DOS time's) high byte
 *     (255 in 256 fail), for the cost of a few key updates.
 * Only a password that passes is handed to libarchive, which derives the
 * key again and decrypts; the mail's candidate passwords are mostly wrong
 * (decoy codes, order numbers), so this saves most of the key derivations
 * (docs/mail-parsing.md, Performance). */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_Transform: one raw compression, SHA-NI accelerated */
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>
#include <zlib.h>

#include "mail/internal.h"

#define AES_KDF_ITERATIONS 1000 /* fixed by the WinZip AES format */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void state_bytes(const SHA_CTX *c, uint8_t out[20])
{
    put_be32(out, c->h0);
    put_be32(out + 4, c->h1);
    put_be32(out + 8, c->h2);
    put_be32(out + 12, c->h3);
    put_be32(out + 16, c->h4);
}

void kn_pbkdf2_sha1_block(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
                          unsigned iterations, uint32_t index, uint8_t out[20])
{
    /* HMAC key: the password, or its SHA-1 when longer than a block (RFC 2104) */
    uint8_t key[64] = {0}, pad[64];
    if (pwlen > sizeof key)
        SHA1(pw, pwlen, key);
    else if (pwlen)
        memcpy(key, pw, pwlen);
    /* the inner and outer hash states after the key block, computed once */
    SHA_CTX inner, outer;
    SHA1_Init(&inner);
    SHA1_Init(&outer);
    for (int i = 0; i < 64; i++)
        pad[i] = key[i] ^ 0x36;
    SHA1_Transform(&inner, pad);
    for (int i = 0; i < 64; i++)
        pad[i] = key[i] ^ 0x5c;
    SHA1_Transform(&outer, pad);

    /* U1 = HMAC(pw, salt || INT(index)) by the one-shot HMAC (any salt length) */
    uint8_t stack[64], u[20];
    uint8_t *salted = saltlen + 4 <= sizeof stack ? stack : kn_xmalloc(saltlen + 4); /* freed below */
    if (saltlen)
        memcpy(salted, salt, saltlen);
    put_be32(salted + saltlen, index);
    unsigned ul = 0;
    HMAC(EVP_sha1(), key, pwlen > sizeof key ? 20 : (int)pwlen, salted, saltlen + 4, u, &ul);
    if (salted != stack)
        free(salted);
    memcpy(out, u, 20);

    /* U2..Un: HMAC of a 20-byte message is exactly one compression for
     * the inner and one for the outer hash: message, 0x80, zeros, and
     * the length (64-byte key block + 20 bytes = 672 bits). */
    uint8_t block[64] = {0};
    block[20] = 0x80;
    block[62] = (uint8_t)((84 * 8) >> 8);
    block[63] = (uint8_t)((84 * 8) & 0xff);
    for (unsigned it = 1; it < iterations; it++) {
        memcpy(block, u, 20);
        SHA_CTX c = inner;
        SHA1_Transform(&c, block);
        state_bytes(&c, block);
        c = outer;
        SHA1_Transform(&c, block);
        state_bytes(&c, u);
        for (int i = 0; i < 20; i++)
            out[i] ^= u[i];
    }
}

/* The WinZip AES extra field (0x9901, 7 bytes: version, "AE", strength,
 * method): key length in bytes from the strength, 0 when absent/bad. */
static size_t aes_key_len(const uint8_t *extra, size_t elen)
{
    for (size_t i = 0; i + 4 <= elen;) {
        uint16_t id = le16(extra + i), sz = le16(extra + i + 2);
        if (i + 4 + sz > elen)
            return 0;
        if (id == 0x9901) {
            if (sz < 7 || extra[i + 6] != 'A' || extra[i + 7] != 'E')
                return 0;
            switch (extra[i + 8]) {
            case 1: return 16;
            case 2: return 24;
            case 3: return 32;
            default: return 0;
            }
        }
        i += 4u + sz;
    }
    return 0;
}

static int check_aes(const uint8_t *data, size_t avail, size_t kl, const char *pw)
{
    size_t salt_len = kl / 2; /* 8, 12, 16 */
    if (avail < salt_len + 2)
        return -1;
    /* derived bytes: encryption key (kl), authentication key (kl), verifier (2) */
    size_t at = 2 * kl;
    uint8_t blk[20];
    kn_pbkdf2_sha1_block((const uint8_t *)pw, strlen(pw), data, salt_len, AES_KDF_ITERATIONS,
                         (uint32_t)(at / 20 + 1), blk);
    size_t o = at % 20; /* 4, 12 or 8: both verifier bytes are in this block */
    return blk[o] == data[salt_len] && blk[o + 1] == data[salt_len + 1];
}

/* ZipCrypto (PKWARE traditional): three 32-bit keys stirred with CRC-32
 * (zlib's table, built in and shared between threads). */
static uint32_t crc_byte(uint32_t crc, uint8_t b)
{
    return (uint32_t)get_crc_table()[(crc ^ b) & 0xff] ^ (crc >> 8);
}

static void zc_update(uint32_t k[3], uint8_t c)
{
    k[0] = crc_byte(k[0], c);
    k[1] = (k[1] + (k[0] & 0xff)) * 134775813u + 1;
    k[2] = crc_byte(k[2], (uint8_t)(k[1] >> 24));
}

static int check_zipcrypto(const uint8_t *data, size_t avail, uint8_t check, const char *pw)
{
    if (avail < 12)
        return -1;
    uint32_t k[3] = {0x12345678u, 0x23456789u, 0x34567890u};
    for (const char *c = pw; *c; c++)
        zc_update(k, (uint8_t)*c);
    uint8_t last = 0;
    for (int i = 0; i < 12; i++) {
        uint32_t t = (k[2] | 2) & 0xffffu; /* unsigned: a uint16_t product would overflow int */
        last = data[i] ^ (uint8_t)((t * (t ^ 1u)) >> 8);
        zc_update(k, last);
    }
    return last == check;
}

int kn_zip_password_check(const uint8_t *p, size_t len, uint64_t local_off, const char *pw)
{
    if (!p || !pw || local_off > len || len - local_off < 30)
        return -1;
    const uint8_t *h = p + local_off;
    if (memcmp(h, "PK\x03\x04", 4))
        return -1;
    uint16_t flags = le16(h + 6), method = le16(h + 8);
    size_t nl = le16(h + 26), el = le16(h + 28);
    size_t data_off = 30 + nl + el;
    if (!(flags & 1) || data_off > len - local_off)
        return -1;
    const uint8_t *extra = h + 30 + nl, *data = h + data_off;
    size_t avail = len - local_off - data_off;
    if (flags & 0x40)
        return -1; /* PKWARE strong encryption: no check here */
    size_t kl = aes_key_len(extra, el);
    if (method == 99)
        return kl ? check_aes(data, avail, kl, pw) : -1;
    if (kl)
        return -1; /* an AES extra field with another method: unclear, let libarchive decide */
    /* The check byte libarchive compares (so exactly the passwords it would
     * accept pass): with a data descriptor (flag bit 3) the high byte of
     * the DOS time, else of the CRC, both from the local header. */
    return check_zipcrypto(data, avail, flags & 8 ? h[11] : h[17], pw);
}
