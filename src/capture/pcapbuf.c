/* Plain pcap reading through one reused buffer; see pcapbuf.h. */
#include "capture/pcapbuf.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du
#define RECORD_HEADER 16u
/* libpcap's largest snapshot length for ordinary link types; a record
 * above it (or above the file's own, smaller one) is libpcap's to judge. */
#define MAX_CAPLEN 262144u

struct kn_pcapbuf {
    int fd;               /* borrowed */
    bool stream;          /* fd is read in order (a pipe): no pread, no size */
    const volatile sig_atomic_t *stop; /* stream: set by a signal handler to end a blocked read */
    uint64_t size;        /* of the file; UINT64_MAX for a stream */
    uint64_t off;         /* file offset of the next record */
    uint8_t *win;         /* the buffer: file bytes [win_off, win_off + win_len) */
    uint64_t win_off;
    uint64_t win_len;
    uint64_t win_cap;     /* allocated bytes of win */
    bool swap;            /* the file's byte order is not ours */
    uint32_t frac_scale;  /* ns per unit of the second time field: 1000 or 1 */
    uint32_t frac_limit;  /* units per second: 10^6 or 10^9 */
    uint32_t max_caplen;  /* min(snaplen, MAX_CAPLEN), or MAX_CAPLEN when the header's is 0 */
    int32_t linktype;
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

static int open_any(struct kn_pcapbuf **out, int fd, bool stream, uint64_t size,
                    const volatile sig_atomic_t *stop, const uint8_t head[24], struct kn_err *err)
{
    *out = NULL;
    if (size < 24)
        return 0;
    uint32_t magic = rd32(head, false);
    bool swap = false;
    if (magic != MAGIC_US && magic != MAGIC_NS) {
        magic = rd32(head, true);
        swap = true;
        if (magic != MAGIC_US && magic != MAGIC_NS)
            return 0; /* another pcap flavour (e.g. the modified format): libpcap */
    }
    uint16_t major, minor;
    memcpy(&major, head + 4, 2);
    memcpy(&minor, head + 6, 2);
    if (swap) {
        major = __builtin_bswap16(major);
        minor = __builtin_bswap16(minor);
    }
    uint32_t lt = rd32(head + 20, swap);
    if (major != 2 || minor != 4 || (lt & 0x03FF0000u))
        return 0; /* older versions swap fields; corrupt headers get libpcap's message */
    /* Freed by kn_pcapbuf_close(). */
    struct kn_pcapbuf *m = calloc(1, sizeof *m);
    if (!m) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    uint32_t snaplen = rd32(head + 16, swap);
    *m = (struct kn_pcapbuf){
        .fd = fd, .stream = stream, .stop = stop, .size = size, .off = 24, .swap = swap,
        .frac_scale = magic == MAGIC_US ? 1000u : 1u,
        .frac_limit = magic == MAGIC_US ? 1000000u : 1000000000u,
        .max_caplen = snaplen && snaplen < MAX_CAPLEN ? snaplen : MAX_CAPLEN,
        .linktype = (int32_t)(lt & 0xFFFFu)};
    *out = m;
    return 1;
}

int kn_pcapbuf_open(struct kn_pcapbuf **out, int fd, uint64_t size, const uint8_t head[24],
                    struct kn_err *err)
{
    return open_any(out, fd, false, size, NULL, head, err);
}

int kn_pcapbuf_open_stream(struct kn_pcapbuf **out, int fd, const uint8_t head[24],
                           const volatile sig_atomic_t *stop, struct kn_err *err)
{
    return open_any(out, fd, true, UINT64_MAX, stop, head, err);
}

/* Makes [off, off + len) of the file addressable in the buffer, reading
 * from off on when it is not there yet; the caller has checked that the
 * range lies within the file. 0 or -1. */
static int cover(struct kn_pcapbuf *m, uint64_t off, uint64_t len, struct kn_err *err)
{
    if (m->win && off >= m->win_off && off + len <= m->win_off + m->win_len)
        return 0;
    uint64_t want = len > KN_PCAPBUF_WINDOW ? len : KN_PCAPBUF_WINDOW;
    if (want > m->size - off)
        want = m->size - off;
    if (want > m->win_cap) { /* a record above the window: at most MAX_CAPLEN */
        uint8_t *nb = realloc(m->win, want);
        if (!nb) {
            kn_err_set(err, "out of memory reading a %llu-byte record", (unsigned long long)len);
            return -1;
        }
        m->win = nb;
        m->win_cap = want;
    }
    m->win_len = 0;
    uint64_t got = 0;
    while (got < want) {
        ssize_t n = pread(m->fd, m->win + got, want - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            kn_err_set(err, "cannot read the capture at byte %llu: %s",
                       (unsigned long long)(off + got), strerror(errno));
            return -1;
        }
        if (n == 0)
            break; /* shorter than at the open: the frames read so far still count */
        got += (uint64_t)n;
    }
    m->win_off = off;
    m->win_len = got;
    if (got < len) {
        kn_err_set(err, "the capture ended at byte %llu, before the %llu bytes it had when "
                        "opened (was it truncated while being read?)",
                   (unsigned long long)(off + got), (unsigned long long)m->size);
        return -1;
    }
    return 0;
}

/* A record header's fields. */
struct record {
    uint32_t sec, frac, caplen, wirelen;
};

static struct record header_at(const struct kn_pcapbuf *m, const uint8_t *h)
{
    return (struct record){rd32(h, m->swap), rd32(h + 4, m->swap), rd32(h + 8, m->swap),
                           rd32(h + 12, m->swap)};
}

/* Is the record one this reader takes? Otherwise libpcap reads on from
 * it. (Whether the file holds all its bytes is the caller's question.) */
static bool plain_record(const struct kn_pcapbuf *m, const struct record *r)
{
    return r->caplen <= m->max_caplen && r->caplen <= r->wirelen && r->sec <= INT32_MAX &&
           r->frac < m->frac_limit;
}

/* The record at m->off, whole in the buffer, as *frame; moves past it. */
static int take_record(struct kn_pcapbuf *m, const struct record *r, struct kn_frame *frame)
{
    *frame = (struct kn_frame){
        .ts_ns = (uint64_t)r->sec * 1000000000u + (uint64_t)r->frac * m->frac_scale,
        .caplen = r->caplen, .wirelen = r->wirelen, .linktype = m->linktype,
        .data = m->win + (m->off + RECORD_HEADER - m->win_off)};
    m->off += RECORD_HEADER + r->caplen;
    return KN_PCAPBUF_FRAME;
}

#define STOPPED (-2) /* a stream read ended by the caller's stop flag */

/* read() on the stream, retried when a signal interrupts it unless the
 * signal asked to stop (then STOPPED). */
static ssize_t read_stream(struct kn_pcapbuf *m, uint8_t *to, size_t n)
{
    for (;;) {
        ssize_t got = read(m->fd, to, n);
        if (got >= 0 || errno != EINTR)
            return got;
        if (m->stop && *m->stop)
            return STOPPED;
    }
}

/* cover() for a stream: the window moves forward to start at off, keeping
 * the bytes already read from there on, and read() appends until len bytes
 * are there. 1, 0 when the stream ends first (the window then holds what
 * there was from off on), STOPPED, or -1. */
static int cover_stream(struct kn_pcapbuf *m, uint64_t off, uint64_t len, struct kn_err *err)
{
    uint64_t end = m->win_off + m->win_len; /* the stream's position */
    if (m->win && off >= m->win_off && off + len <= end)
        return 1;
    if (len > m->win_cap || !m->win) { /* first use, or a record above the window */
        uint64_t cap = len > KN_PCAPBUF_WINDOW ? len : KN_PCAPBUF_WINDOW;
        uint8_t *nb = realloc(m->win, cap);
        if (!nb) {
            kn_err_set(err, "out of memory reading a %llu-byte record", (unsigned long long)len);
            return -1;
        }
        m->win = nb;
        m->win_cap = cap;
    }
    if (off < end) {
        memmove(m->win, m->win + (off - m->win_off), end - off);
        m->win_len = end - off;
    } else {
        m->win_len = 0;
        for (uint64_t skip = off - end; skip;) { /* the file header, read by the caller */
            ssize_t n = read_stream(m, m->win, skip < m->win_cap ? skip : m->win_cap);
            if (n == STOPPED || n == 0)
                return n == 0 ? 0 : STOPPED;
            if (n < 0)
                goto fail;
            skip -= (uint64_t)n;
        }
    }
    m->win_off = off;
    while (m->win_len < len) {
        ssize_t n = read_stream(m, m->win + m->win_len, m->win_cap - m->win_len);
        if (n == STOPPED)
            return STOPPED;
        if (n < 0)
            goto fail;
        if (n == 0)
            return 0;
        m->win_len += (uint64_t)n;
    }
    return 1;
fail:
    kn_err_errno(err, "cannot read the capture stream");
    return -1;
}

/* kn_pcapbuf_next() for a stream: the same checks, except that the end of
 * the data is found by reading, not from a size. */
static int next_stream(struct kn_pcapbuf *m, struct kn_frame *frame, struct kn_err *err)
{
    int rc = cover_stream(m, m->off, RECORD_HEADER, err);
    if (rc == STOPPED)
        return KN_PCAPBUF_END; /* the caller's kn_source_stop(): it ends there */
    if (rc < 0)
        return KN_PCAPBUF_ERROR;
    if (rc == 0) /* nothing more: the end; a cut header: libpcap's message */
        return m->win_len == 0 ? KN_PCAPBUF_END : KN_PCAPBUF_HANDOVER;
    struct record r = header_at(m, m->win + (m->off - m->win_off));
    if (!plain_record(m, &r))
        return KN_PCAPBUF_HANDOVER;
    rc = cover_stream(m, m->off, RECORD_HEADER + (uint64_t)r.caplen, err);
    if (rc == STOPPED)
        return KN_PCAPBUF_END;
    if (rc < 0)
        return KN_PCAPBUF_ERROR;
    if (rc == 0)
        return KN_PCAPBUF_HANDOVER; /* a cut record: libpcap's message */
    return take_record(m, &r, frame);
}

int kn_pcapbuf_next(struct kn_pcapbuf *m, struct kn_frame *frame, struct kn_err *err)
{
    if (m->stream)
        return next_stream(m, frame, err);
    /* Nearly every record lies whole in the window: take it with one
     * bounds check (the window never reaches past the file's end). */
    uint64_t rel = m->off - m->win_off;
    if (m->off >= m->win_off && m->win_len >= RECORD_HEADER && rel <= m->win_len - RECORD_HEADER) {
        struct record r = header_at(m, m->win + rel);
        if (plain_record(m, &r) && r.caplen <= m->win_len - RECORD_HEADER - rel)
            return take_record(m, &r, frame);
    }
    uint64_t left = m->size - m->off;
    if (left == 0)
        return KN_PCAPBUF_END;
    if (left < RECORD_HEADER)
        return KN_PCAPBUF_HANDOVER; /* a cut record header: libpcap's error message */
    if (cover(m, m->off, RECORD_HEADER, err))
        return KN_PCAPBUF_ERROR;
    struct record r = header_at(m, m->win + (m->off - m->win_off));
    if (!plain_record(m, &r) || r.caplen > left - RECORD_HEADER)
        return KN_PCAPBUF_HANDOVER;
    if (cover(m, m->off + RECORD_HEADER, r.caplen, err))
        return KN_PCAPBUF_ERROR;
    return take_record(m, &r, frame);
}

uint64_t kn_pcapbuf_offset(const struct kn_pcapbuf *m) { return m->off; }

const uint8_t *kn_pcapbuf_unread(const struct kn_pcapbuf *m, size_t *n)
{
    uint64_t end = m->win_off + m->win_len;
    bool inside = m->win && m->off >= m->win_off && m->off <= end;
    *n = inside ? (size_t)(end - m->off) : 0;
    return inside ? m->win + (m->off - m->win_off) : NULL;
}
int32_t kn_pcapbuf_linktype(const struct kn_pcapbuf *m) { return m->linktype; }

void kn_pcapbuf_close(struct kn_pcapbuf *m)
{
    if (!m)
        return;
    free(m->win);
    free(m);
}
