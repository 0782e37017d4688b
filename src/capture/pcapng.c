/* pcapng reader; see pcapng.h. Block layout from the pcapng specification
 * (IETF draft-ietf-opsawg-pcapng): every block is
 *   type(4) total_length(4) body(...) total_length(4)
 * in the byte order of its section, given by the SHB's byte-order magic. */
#include "capture/pcapng.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
    BT_SHB = 0x0A0D0D0A,
    BT_IDB = 0x00000001,
    BT_OPB = 0x00000002, /* obsolete Packet Block */
    BT_SPB = 0x00000003,
    BT_EPB = 0x00000006,
};
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

struct iface {
    int32_t linktype;
    uint32_t snaplen;       /* 0: no limit */
    uint64_t units_per_sec; /* from if_tsresol; default 10^6 */
    /* When units_per_sec divides 10^9 (µs, ns, ...), ns = units * ns_per_unit;
     * when 10^9 divides it, ns = units / units_per_ns; else both are 0. */
    uint64_t ns_per_unit, units_per_ns;
    int64_t offset_sec;     /* if_tsoffset */
};

struct kn_pcapng {
    FILE *fp;
    bool swap;              /* section byte order differs from ours */
    struct iface *ifaces;   /* owned; grown by doubling */
    uint32_t n_ifaces, cap_ifaces;
    /* Owned: the bytes read ahead, win[pos..end) not yet taken. Blocks are
     * handed out in place (a frame's data points into it until the next
     * call), so a block costs no copy and no library call of its own. Grown
     * to hold the largest block, KN_PCAPNG_MAX_BLOCK at most. */
    uint8_t *win;
    size_t win_cap, pos, end;
    uint64_t offset; /* bytes taken */
};

/* The read-ahead: one fread of this size serves hundreds of packet blocks.
 * Reading each block with two fread calls of its own (its header, then the
 * rest, copied out of stdio's 4 KiB buffer) made the pcapng reading phase
 * of the bench day twice the pcap one's. */
#define WINDOW (256u * 1024)

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static uint16_t get16(const struct kn_pcapng *ng, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return ng->swap ? (uint16_t)((v >> 8) | (v << 8)) : v;
}

static uint32_t get32(const struct kn_pcapng *ng, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return ng->swap ? bswap32(v) : v;
}

static uint64_t get64(const struct kn_pcapng *ng, const uint8_t *p)
{
    uint64_t hi = get32(ng, ng->swap ? p : p + 4), lo = get32(ng, ng->swap ? p + 4 : p);
    return hi << 32 | lo;
}

/* Makes the next n bytes available at win + pos (pointers into the window
 * taken before are invalid after this: it may move its contents): 1; 0 when
 * nothing at all was left (a clean end of file, only allowed where eof_ok);
 * -1 otherwise (err). */
static int need(struct kn_pcapng *ng, size_t n, bool eof_ok, struct kn_err *err)
{
    size_t have = ng->end - ng->pos;
    if (have >= n)
        return 1;
    if (ng->pos) {
        memmove(ng->win, ng->win + ng->pos, have);
        ng->pos = 0;
        ng->end = have;
    }
    if (n > ng->win_cap) {
        size_t cap = n > WINDOW ? n : WINDOW;
        uint8_t *w = realloc(ng->win, cap);
        if (!w) {
            kn_err_set(err, "out of memory for a %zu-byte block", n);
            return -1;
        }
        ng->win = w;
        ng->win_cap = cap;
    }
    while (ng->end < n) {
        size_t got = fread(ng->win + ng->end, 1, ng->win_cap - ng->end, ng->fp);
        if (got == 0)
            break;
        ng->end += got;
    }
    if (ng->end >= n)
        return 1;
    if (ferror(ng->fp)) {
        kn_err_errno(err, "read error");
        return -1;
    }
    if (ng->end == 0 && eof_ok)
        return 0;
    kn_err_set(err, "truncated pcapng file: a block ends after %zu of %zu bytes (at offset %llu)",
               ng->end, n, (unsigned long long)ng->offset);
    return -1;
}

/* Takes the next n bytes: *p points at them in the window until the next
 * need() or take(). 1, 0 or -1 as need(). */
static int take(struct kn_pcapng *ng, size_t n, bool eof_ok, const uint8_t **p,
                struct kn_err *err)
{
    int rc = need(ng, n, eof_ok, err);
    if (rc != 1)
        return rc;
    *p = ng->win + ng->pos;
    ng->pos += n;
    ng->offset += n;
    return 1;
}

/* Walks an option list, checking every length against the block, and
 * hands each option to the interface (iface may be NULL: check only). */
static int parse_options(struct kn_pcapng *ng, const uint8_t *p, size_t len, struct iface *iface,
                         struct kn_err *err)
{
    size_t pos = 0;
    while (pos + 4 <= len) {
        uint16_t code = get16(ng, p + pos), olen = get16(ng, p + pos + 2);
        pos += 4;
        if (code == OPT_ENDOFOPT)
            return 0;
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (padded > len - pos) {
            kn_err_set(err, "pcapng option %u is %u bytes long, past the end of its block", code, olen);
            return -1;
        }
        const uint8_t *v = p + pos;
        if (iface && code == OPT_IF_TSRESOL && olen == 1) {
            unsigned exp = v[0] & 0x7f;
            if (v[0] & 0x80) {
                if (exp > 63) {
                    kn_err_set(err, "pcapng if_tsresol 2^-%u is beyond 64 bits", exp);
                    return -1;
                }
                iface->units_per_sec = (uint64_t)1 << exp;
            } else {
                if (exp > 19) {
                    kn_err_set(err, "pcapng if_tsresol 10^-%u is beyond 64 bits", exp);
                    return -1;
                }
                uint64_t u = 1;
                for (unsigned i = 0; i < exp; i++)
                    u *= 10;
                iface->units_per_sec = u;
            }
        } else if (iface && code == OPT_IF_TSOFFSET && olen == 8) {
            iface->offset_sec = (int64_t)get64(ng, v);
        }
        pos += padded;
    }
    return 0;
}

/* The SHB after its first 8 bytes were read (type, length): byte order,
 * version, and a new set of interfaces. */
static int read_shb(struct kn_pcapng *ng, uint32_t raw_len, struct kn_err *err)
{
    const uint8_t *bom;
    if (take(ng, 4, false, &bom, err) != 1)
        return -1;
    uint32_t magic;
    memcpy(&magic, bom, 4);
    if (magic == BYTE_ORDER_MAGIC)
        ng->swap = false;
    else if (bswap32(magic) == BYTE_ORDER_MAGIC)
        ng->swap = true;
    else {
        kn_err_set(err, "pcapng section header has a bad byte-order magic 0x%08x", magic);
        return -1;
    }
    uint32_t total = ng->swap ? bswap32(raw_len) : raw_len;
    if (total < 28 || total % 4 != 0 || total > KN_PCAPNG_MAX_BLOCK) {
        kn_err_set(err, "pcapng section header has an invalid length %u", total);
        return -1;
    }
    uint32_t rest = total - 12;
    const uint8_t *block;
    if (take(ng, rest, false, &block, err) != 1)
        return -1;
    uint16_t major = get16(ng, block), minor = get16(ng, block + 2);
    /* 1.2 appears in the wild (written by old tools) and means 1.0. */
    if (major != 1 || (minor != 0 && minor != 2)) {
        kn_err_set(err, "unsupported pcapng version %u.%u", major, minor);
        return -1;
    }
    if (get32(ng, block + rest - 4) != total) {
        kn_err_set(err, "pcapng block total length in header and trailer don't match");
        return -1;
    }
    ng->n_ifaces = 0;
    return parse_options(ng, block + 12, rest - 16, NULL, err);
}

static int add_iface(struct kn_pcapng *ng, const uint8_t *body, uint32_t len, struct kn_err *err)
{
    if (len < 8) {
        kn_err_set(err, "pcapng interface description block too short (%u bytes)", len);
        return -1;
    }
    if (ng->n_ifaces >= KN_PCAPNG_MAX_IFACES) {
        kn_err_set(err, "more than %u pcapng interfaces in one section", KN_PCAPNG_MAX_IFACES);
        return -1;
    }
    if (ng->n_ifaces == ng->cap_ifaces) {
        uint32_t cap = ng->cap_ifaces ? ng->cap_ifaces * 2 : 8;
        struct iface *a = realloc(ng->ifaces, cap * sizeof *a);
        if (!a) {
            kn_err_set(err, "out of memory for pcapng interfaces");
            return -1;
        }
        ng->ifaces = a;
        ng->cap_ifaces = cap;
    }
    struct iface *i = &ng->ifaces[ng->n_ifaces];
    *i = (struct iface){.linktype = get16(ng, body), .snaplen = get32(ng, body + 4),
                        .units_per_sec = 1000000};
    if (parse_options(ng, body + 8, len - 8, i, err) != 0)
        return -1;
    if (1000000000u % i->units_per_sec == 0)
        i->ns_per_unit = 1000000000u / i->units_per_sec;
    else if (i->units_per_sec % 1000000000u == 0)
        i->units_per_ns = i->units_per_sec / 1000000000u;
    ng->n_ifaces++;
    return 0;
}

static const struct iface *iface_for(struct kn_pcapng *ng, uint32_t id, struct kn_err *err)
{
    if (id >= ng->n_ifaces) {
        kn_err_set(err, "pcapng packet refers to interface %u, but only %u are described", id,
                   ng->n_ifaces);
        return NULL;
    }
    return &ng->ifaces[id];
}

/* Interface time units to ns since the epoch. Times past what 64 bits of
 * nanoseconds hold (the year 2554) saturate at UINT64_MAX instead of
 * wrapping around to a plausible-looking date; before 1970, they clamp to 0. */
static uint64_t to_ns(const struct iface *i, uint64_t ts)
{
    /* The common resolutions need no division, or one 64-bit one: both equal
     * the general formula exactly (ts = q * ups + r). The general one
     * divides 128-bit numbers, a library call per frame (2% of the pcapng
     * bench day's samples). */
    unsigned __int128 ns;
    if (i->ns_per_unit) {
        ns = (unsigned __int128)ts * i->ns_per_unit;
    } else if (i->units_per_ns) {
        ns = ts / i->units_per_ns;
    } else {
        uint64_t ups = i->units_per_sec;
        ns = (unsigned __int128)(ts / ups) * 1000000000u +
             (unsigned __int128)(ts % ups) * 1000000000u / ups;
    }
    __int128 t = (__int128)ns + (__int128)i->offset_sec * 1000000000;
    if (t < 0)
        return 0;
    if (t > (__int128)UINT64_MAX)
        return UINT64_MAX;
    return (uint64_t)t;
}

/* Fills frame from a packet block body; 1 on success, -1 on error. */
static int packet_block(struct kn_pcapng *ng, uint32_t type, const uint8_t *b, uint32_t len,
                        struct kn_frame *frame, struct kn_err *err)
{
    uint32_t hdr = type == BT_SPB ? 4 : 20;
    if (len < hdr) {
        kn_err_set(err, "pcapng packet block too short (%u bytes)", len);
        return -1;
    }
    uint32_t id, caplen, wirelen;
    uint64_t ts = 0;
    if (type == BT_SPB) {
        id = 0;
        wirelen = get32(ng, b);
        caplen = wirelen;
    } else {
        id = type == BT_OPB ? get16(ng, b) : get32(ng, b);
        ts = (uint64_t)get32(ng, b + 4) << 32 | get32(ng, b + 8);
        caplen = get32(ng, b + 12);
        wirelen = get32(ng, b + 16);
    }
    const struct iface *i = iface_for(ng, id, err);
    if (!i)
        return -1;
    uint32_t room = len - hdr;
    if (type == BT_SPB) {
        /* The simple block has no captured length: whatever fits. */
        if (caplen > room)
            caplen = room;
        if (i->snaplen && caplen > i->snaplen)
            caplen = i->snaplen;
    } else if (caplen > room) {
        kn_err_set(err, "pcapng packet claims %u captured bytes but its block holds %u", caplen, room);
        return -1;
    }
    *frame = (struct kn_frame){.ts_ns = to_ns(i, ts), .caplen = caplen, .wirelen = wirelen,
                               .linktype = i->linktype, .data = b + hdr};
    return 1;
}

int kn_pcapng_next(struct kn_pcapng *ng, struct kn_frame *frame, struct kn_err *err)
{
    for (;;) {
        const uint8_t *h;
        int rc = take(ng, 8, true, &h, err);
        if (rc <= 0)
            return rc;
        uint32_t type = get32(ng, h), raw_len;
        memcpy(&raw_len, h + 4, 4);
        if (type == BT_SHB || bswap32(type) == BT_SHB) {
            if (read_shb(ng, raw_len, err) != 0)
                return -1;
            continue;
        }
        uint32_t total = get32(ng, h + 4);
        if (total < 12 || total % 4 != 0) {
            kn_err_set(err, "pcapng block of type 0x%08x has an invalid length %u", type, total);
            return -1;
        }
        if (total > KN_PCAPNG_MAX_BLOCK) {
            kn_err_set(err, "pcapng block of type 0x%08x claims %u bytes, more than the %u allowed",
                       type, total, KN_PCAPNG_MAX_BLOCK);
            return -1;
        }
        uint32_t rest = total - 8; /* body + trailer */
        const uint8_t *block;
        if (take(ng, rest, false, &block, err) != 1)
            return -1;
        if (get32(ng, block + rest - 4) != total) {
            kn_err_set(err, "pcapng block total length in header and trailer don't match");
            return -1;
        }
        uint32_t body = rest - 4;
        switch (type) {
        case BT_IDB:
            if (add_iface(ng, block, body, err) != 0)
                return -1;
            break;
        case BT_EPB:
        case BT_SPB:
        case BT_OPB:
            return packet_block(ng, type, block, body, frame, err);
        default:
            break; /* name resolution, statistics, custom, ...: not needed */
        }
    }
}

int kn_pcapng_open(struct kn_pcapng **out, FILE *fp, struct kn_err *err)
{
    *out = NULL;
    struct kn_pcapng *ng = calloc(1, sizeof *ng); /* freed by kn_pcapng_close */
    if (!ng) {
        fclose(fp);
        kn_err_set(err, "out of memory");
        return -1;
    }
    ng->fp = fp;
    const uint8_t *h;
    if (take(ng, 8, false, &h, err) != 1) {
        kn_pcapng_close(ng);
        return -1;
    }
    uint32_t type, raw_len;
    memcpy(&type, h, 4);
    memcpy(&raw_len, h + 4, 4);
    if (type != BT_SHB) {
        kn_err_set(err, "not a pcapng file (no section header block)");
        kn_pcapng_close(ng);
        return -1;
    }
    if (read_shb(ng, raw_len, err) != 0) {
        kn_pcapng_close(ng);
        return -1;
    }
    *out = ng;
    return 0;
}

uint64_t kn_pcapng_offset(const struct kn_pcapng *ng)
{
    return ng->offset;
}

void kn_pcapng_close(struct kn_pcapng *ng)
{
    if (!ng)
        return;
    if (ng->fp)
        fclose(ng->fp);
    free(ng->ifaces);
    free(ng->win);
    free(ng);
}
