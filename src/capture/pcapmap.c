/* Zero-copy pcap reading through a sliding mapping; see pcapmap.h. */
#include "capture/pcapmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du
#define RECORD_HEADER 16u
/* libpcap's largest snapshot length for ordinary link types; a record
 * above it (or above the file's own, smaller one) is libpcap's to judge. */
#define MAX_CAPLEN 262144u

struct kn_pcapmap {
    int fd;               /* borrowed */
    uint64_t size;        /* of the file */
    uint64_t off;         /* file offset of the next record */
    const uint8_t *win;   /* current window (NULL before the first) */
    uint64_t win_off;     /* file offset of win[0], a multiple of the page size */
    uint64_t win_len;
    uint64_t page;
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

int kn_pcapmap_open(struct kn_pcapmap **out, int fd, uint64_t size, const uint8_t head[24],
                    struct kn_err *err)
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
    /* Freed by kn_pcapmap_close(). */
    struct kn_pcapmap *m = calloc(1, sizeof *m);
    if (!m) {
        kn_err_set(err, "out of memory");
        return -1;
    }
    uint32_t snaplen = rd32(head + 16, swap);
    *m = (struct kn_pcapmap){
        .fd = fd, .size = size, .off = 24, .page = (uint64_t)sysconf(_SC_PAGESIZE), .swap = swap,
        .frac_scale = magic == MAGIC_US ? 1000u : 1u,
        .frac_limit = magic == MAGIC_US ? 1000000u : 1000000000u,
        .max_caplen = snaplen && snaplen < MAX_CAPLEN ? snaplen : MAX_CAPLEN,
        .linktype = (int32_t)(lt & 0xFFFFu)};
    *out = m;
    return 1;
}

/* Makes [off, off + len) of the file addressable; len <= MAX window. */
static int cover(struct kn_pcapmap *m, uint64_t off, uint64_t len, struct kn_err *err)
{
    if (m->win && off >= m->win_off && off + len <= m->win_off + m->win_len)
        return 0;
    if (m->win)
        munmap((void *)m->win, m->win_len);
    m->win = NULL;
    uint64_t start = off - off % m->page;
    uint64_t want = KN_PCAPMAP_WINDOW;
    if (off + len - start > want)
        want = off + len - start;
    if (start + want > m->size)
        want = m->size - start;
    void *p = mmap(NULL, want, PROT_READ, MAP_PRIVATE, m->fd, (off_t)start);
    if (p == MAP_FAILED) {
        kn_err_errno(err, "cannot map the capture");
        return -1;
    }
    /* Read ahead: the whole window is wanted, in order. Advice only. */
    madvise(p, want, MADV_SEQUENTIAL);
    madvise(p, want, MADV_WILLNEED);
    m->win = p;
    m->win_off = start;
    m->win_len = want;
    return 0;
}

int kn_pcapmap_next(struct kn_pcapmap *m, struct kn_frame *frame, struct kn_err *err)
{
    uint64_t left = m->size - m->off;
    if (left == 0)
        return KN_PCAPMAP_END;
    if (left < RECORD_HEADER)
        return KN_PCAPMAP_HANDOVER; /* a cut record header: libpcap's error message */
    if (cover(m, m->off, RECORD_HEADER, err))
        return KN_PCAPMAP_ERROR;
    const uint8_t *h = m->win + (m->off - m->win_off);
    uint32_t sec = rd32(h, m->swap), frac = rd32(h + 4, m->swap);
    uint32_t caplen = rd32(h + 8, m->swap), wirelen = rd32(h + 12, m->swap);
    if (caplen > m->max_caplen || caplen > wirelen || caplen > left - RECORD_HEADER ||
        sec > INT32_MAX || frac >= m->frac_limit)
        return KN_PCAPMAP_HANDOVER;
    if (cover(m, m->off + RECORD_HEADER, caplen, err))
        return KN_PCAPMAP_ERROR;
    *frame = (struct kn_frame){
        .ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * m->frac_scale,
        .caplen = caplen, .wirelen = wirelen, .linktype = m->linktype,
        .data = m->win + (m->off + RECORD_HEADER - m->win_off)};
    m->off += RECORD_HEADER + caplen;
    return KN_PCAPMAP_FRAME;
}

uint64_t kn_pcapmap_offset(const struct kn_pcapmap *m) { return m->off; }
int32_t kn_pcapmap_linktype(const struct kn_pcapmap *m) { return m->linktype; }

void kn_pcapmap_close(struct kn_pcapmap *m)
{
    if (!m)
        return;
    if (m->win)
        munmap((void *)m->win, m->win_len);
    free(m);
}
