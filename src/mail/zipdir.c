/* A zip's member list read by hand from the central directory, every read
 * bounds-checked. libarchive does not say whether an encrypted member uses
 * ZipCrypto or WinZip AES; the central directory does (general-purpose
 * flag bit 0, method 99 / extra field 0x9901). Used for OOXML detection
 * too. Without a central directory (truncated file) the local headers are
 * walked instead. */
#include <string.h>

#include "mail/internal.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

void kn_zip_members_free(struct kn_zip_member *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(m[i].name);
    free(m);
}

/* Name bytes: UTF-8 when flagged or valid, else detected (Japanese zips
 * made on Windows carry CP932 names). */
static char *member_name(const uint8_t *p, size_t n, const uint8_t *extra, size_t elen)
{
    for (size_t i = 0; i + 4 <= elen;) { /* Info-ZIP Unicode Path extra field */
        uint16_t id = le16(extra + i), sz = le16(extra + i + 2);
        if (i + 4 + sz > elen)
            break;
        if (id == 0x7075 && sz > 5 && extra[i + 4] == 1 &&
            kn_utf8_valid(extra + i + 9, sz - 5u))
            return kn_xstrndup((const char *)extra + i + 9, sz - 5u);
        i += 4u + sz;
    }
    return kn_charset_to_utf8(NULL, p, n);
}

static enum kn_encryption encryption(uint16_t flags, uint16_t method, const uint8_t *extra, size_t elen)
{
    if (!(flags & 1))
        return KN_ENC_NONE;
    if (method == 99)
        return KN_ENC_AES;
    for (size_t i = 0; i + 4 <= elen;) {
        uint16_t id = le16(extra + i), sz = le16(extra + i + 2);
        if (id == 0x9901)
            return KN_ENC_AES;
        i += 4u + sz;
    }
    if (flags & 0x40)
        return KN_ENC_OTHER; /* PKWARE strong encryption */
    return KN_ENC_ZIPCRYPTO;
}

static long walk_local(const uint8_t *p, size_t len, struct kn_zip_member **out, size_t max)
{
    size_t n = 0, off = 0;
    while (off + 30 <= len && !memcmp(p + off, "PK\x03\x04", 4) && n < max) {
        uint16_t flags = le16(p + off + 6), method = le16(p + off + 8);
        uint32_t csize = le32(p + off + 18), usize = le32(p + off + 22);
        uint16_t nl = le16(p + off + 26), el = le16(p + off + 28);
        if (off + 30 + nl + el > len)
            break;
        if (out) {
            struct kn_zip_member *m = kn_xpush(out, &n, sizeof *m);
            m->name = member_name(p + off + 30, nl, p + off + 30 + nl, el);
            m->enc = encryption(flags, method, p + off + 30 + nl, el);
            m->csize = csize;
            m->usize = usize;
            m->local_off = off;
        } else {
            n++;
        }
        if ((flags & 8) && csize == 0)
            break; /* size only in a data descriptor: cannot step over the data */
        size_t next = off + 30 + nl + el + (size_t)csize;
        if (next <= off || next > len)
            break;
        off = next;
    }
    return n ? (long)n : -1;
}

long kn_zip_members(const uint8_t *p, size_t len, struct kn_zip_member **out, size_t max)
{
    if (out)
        *out = NULL;
    if (len < 22)
        return walk_local(p, len, out, max);
    /* End of central directory: last "PK\5\6" in the final 64 KiB + 22 bytes. */
    size_t lo = len > 65557 ? len - 65557 : 0, eocd = 0;
    bool found = false;
    for (size_t i = len - 22 + 1; i-- > lo;)
        if (!memcmp(p + i, "PK\x05\x06", 4)) {
            eocd = i;
            found = true;
            break;
        }
    if (!found)
        return walk_local(p, len, out, max);
    uint64_t count = le16(p + eocd + 10), cd_size = le32(p + eocd + 12), cd_off = le32(p + eocd + 16);
    if ((count == 0xFFFF || cd_off == 0xFFFFFFFF) && eocd >= 20 && !memcmp(p + eocd - 20, "PK\x06\x07", 4)) {
        uint64_t z = le64(p + eocd - 20 + 8); /* zip64 end record */
        if (z <= len && len - z >= 56 && !memcmp(p + z, "PK\x06\x06", 4)) { /* no z + 56: it may wrap */
            count = le64(p + z + 32);
            cd_size = le64(p + z + 40);
            cd_off = le64(p + z + 48);
        }
    }
    /* Self-extracting or prefixed archives: offsets are relative to the
     * start of the zip, which is where the directory really lies; local
     * header offsets are shifted by the same amount (prefix). */
    uint64_t prefix = 0;
    if (cd_off > len || len - cd_off < 4 || memcmp(p + cd_off, "PK\x01\x02", 4)) { /* zip64 offsets may be near 2^64 */
        if (cd_size <= eocd && eocd - cd_size + 4 <= len && !memcmp(p + eocd - cd_size, "PK\x01\x02", 4)) {
            prefix = eocd - cd_size - cd_off; /* wraps when negative: then checked against len below */
            cd_off = eocd - cd_size;
        } else {
            return walk_local(p, len, out, max);
        }
    }
    size_t n = 0, off = (size_t)cd_off;
    for (uint64_t k = 0; k < count && n < max; k++) {
        if (off + 46 > len || memcmp(p + off, "PK\x01\x02", 4))
            break;
        uint16_t flags = le16(p + off + 8), method = le16(p + off + 10);
        uint64_t csize = le32(p + off + 20), usize = le32(p + off + 24), loff = le32(p + off + 42);
        size_t nl = le16(p + off + 28), el = le16(p + off + 30), cl = le16(p + off + 32);
        if (off + 46 + nl + el + cl > len)
            break;
        const uint8_t *extra = p + off + 46 + nl;
        for (size_t i = 0; i + 4 <= el;) { /* zip64 sizes */
            uint16_t id = le16(extra + i), sz = le16(extra + i + 2);
            if (i + 4 + sz > el)
                break;
            if (id == 0x0001) {
                size_t q = i + 4;
                if (usize == 0xFFFFFFFF && q + 8 <= i + 4 + sz) { usize = le64(extra + q); q += 8; }
                if (csize == 0xFFFFFFFF && q + 8 <= i + 4 + sz) { csize = le64(extra + q); q += 8; }
                if (loff == 0xFFFFFFFF && q + 8 <= i + 4 + sz) loff = le64(extra + q);
            }
            i += 4u + sz;
        }
        if (out) {
            struct kn_zip_member *m = kn_xpush(out, &n, sizeof *m);
            m->name = member_name(p + off + 46, nl, extra, el);
            m->enc = encryption(flags, method, extra, el);
            m->csize = csize;
            m->usize = usize;
            m->local_off = loff + prefix; /* may point anywhere: readers check it */
        } else {
            n++;
        }
        off += 46 + nl + el + cl;
    }
    return (long)n;
}
