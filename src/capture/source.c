/* Packet sources (see source.h): a file, standard input or a live interface,
 * behind one next() so files drive the live path's code.
 *
 * Which reader serves which input:
 *   - pcap (any of libpcap's magics, µs or ns, either byte order): libpcap,
 *     pcap_fopen_offline_with_tstamp_precision(NANO) on a stdio stream;
 *   - pcapng: kenchi's own reader (pcapng.c), because libpcap refuses files
 *     whose interfaces have different link types or snapshot lengths;
 *   - a regular, uncompressed pcap file of the common kind is read through
 *     one reused buffer (pcapbuf.c), no per-frame library call; at the
 *     first record that reader leaves alone, libpcap takes over from it;
 *   - any other regular, uncompressed file is read directly (after a rewind);
 *     gzip/zstd input and standard input go through the feeder thread and a
 *     pipe (feeder.c), since a pipe cannot be rewound after its magic bytes;
 *     a common pcap arriving that way is read by the same buffered reader,
 *     in stream mode, and libpcap takes over at an odd record through a
 *     stdio cookie that replays the header and the bytes already read;
 *   - live interfaces: libpcap's pcap_create/pcap_activate. */
#include "capture/source.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/feeder.h"
#include "capture/pcapbuf.h"
#include "capture/pcapng.h"

#define LIVE_SNAPLEN 262144
#define LIVE_TIMEOUT_MS 100 /* how often a blocked live read checks the stop flag */

enum reader { READ_PCAP, READ_PCAPNG, READ_BUF };

struct kn_source {
    char *name;                 /* owned */
    enum reader reader;
    bool live;
    pcap_t *pcap;               /* READ_PCAP and live; owns its stdio stream */
    int32_t linktype;           /* READ_PCAP: the file's (or interface's) LINKTYPE_ */
    struct kn_pcapng *ng;       /* READ_PCAPNG */
    struct kn_pcapbuf *buf;     /* READ_BUF */
    int buf_fd;                 /* READ_BUF on a file: the file, owned; -1 otherwise */
    FILE *stream_fp;            /* READ_BUF on the feeder's pipe: its read end, owned
                                 * (until a hand-over gives it to libpcap) */
    uint8_t head[24];           /* READ_BUF on the pipe: the file header, for libpcap */
    struct kn_feeder *feeder;   /* compressed or standard input; NULL for a regular file */
    int pipe_fd;                /* with a feeder: the pipe's read end (owned by its FILE) */
    FILE *direct;               /* a regular file read in place (borrowed from pcap/ng) */
    enum kn_compression comp;
    volatile sig_atomic_t stop;
    bool done;                  /* end or error reached: next() keeps returning 0 */
    uint64_t frames;
    uint64_t bytes_total;
};

const char *kn_source_name(const struct kn_source *src)
{
    return src->name;
}

int32_t kn_source_linktype(const struct kn_source *src)
{
    return src->reader == READ_PCAPNG ? -1 : src->linktype;
}

const char *kn_source_compression(const struct kn_source *src)
{
    return kn_compression_name(src->comp);
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24) : v;
}

/* pcap file magics libpcap reads: µs, ns, and the modified (Kuznetsov)
 * format, each in either byte order. *swap: the file's order is not ours. */
static bool pcap_magic(const uint8_t *h, bool *swap)
{
    static const uint32_t magics[] = {0xa1b2c3d4u, 0xa1b23c4du, 0xa1b2cd34u};
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        if (rd32(h, false) == magics[i]) {
            *swap = false;
            return true;
        }
        if (rd32(h, true) == magics[i]) {
            *swap = true;
            return true;
        }
    }
    return false;
}

/* libpcap on fp (at the file header), timestamps in ns. Takes fp. 0 or -1. */
static int open_libpcap(struct kn_source *s, FILE *fp, struct kn_err *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    s->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!s->pcap) {
        fclose(fp);
        kn_err_set(err, "%s", errbuf[0] ? errbuf : "libpcap cannot read it");
        return -1;
    }
    return 0;
}

/* Hands the stream to the reader its first bytes call for. Takes fp. */
static int open_reader(struct kn_source *s, FILE *fp, const uint8_t *head, size_t head_len,
                       struct kn_err *err)
{
    if (head_len >= 4 && rd32(head, false) == 0x0A0D0D0Au) {
        s->reader = READ_PCAPNG;
        return kn_pcapng_open(&s->ng, fp, err);
    }
    bool swap;
    if (head_len >= 24 && pcap_magic(head, &swap)) {
        /* The link-type field: low 16 bits the LINKTYPE_, then 10 reserved
         * bits that must be zero (libpcap 1.10 does not check them), then
         * FCS information. A non-zero reserved field means a corrupt header. */
        uint32_t lt = rd32(head + 20, swap);
        if (lt & 0x03FF0000u) {
            fclose(fp);
            kn_err_set(err, "invalid pcap header: reserved bits of the link-type field are set (0x%08x)", lt);
            return -1;
        }
        s->linktype = (int32_t)(lt & 0xFFFFu);
    } else if (head_len < 4) {
        fclose(fp);
        kn_err_set(err, head_len == 0 ? "empty file" : "file too short for a capture header (%zu bytes)",
                   head_len);
        return -1;
    }
    s->reader = READ_PCAP;
    return open_libpcap(s, fp, err);
}

static struct kn_source *source_new(const char *name, struct kn_err *err)
{
    struct kn_source *s = calloc(1, sizeof *s); /* freed by kn_source_close */
    if (s) {
        s->name = strdup(name);
        s->buf_fd = s->pipe_fd = -1;
    }
    if (!s || !s->name) {
        free(s);
        kn_err_set(err, "out of memory");
        return NULL;
    }
    return s;
}

static int open_stream(struct kn_source *s, int fd, bool may_buffer, struct kn_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        kn_err_errno(err, "stat");
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        kn_err_set(err, "is a directory");
        return -1;
    }
    uint8_t raw[KN_FEEDER_HEAD];
    size_t raw_len = 0;
    while (raw_len < sizeof raw) {
        ssize_t n = read(fd, raw + raw_len, sizeof raw - raw_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            kn_err_errno(err, "read error");
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        raw_len += (size_t)n;
    }
    s->comp = kn_compression_detect(raw, raw_len);
    if (S_ISREG(st.st_mode)) {
        s->bytes_total = (uint64_t)st.st_size;
        if (may_buffer && s->comp == KN_COMP_NONE && raw_len == sizeof raw) {
            int mrc = kn_pcapbuf_open(&s->buf, fd, s->bytes_total, raw, err);
            if (mrc < 0) {
                close(fd);
                return -1;
            }
            if (mrc == 1) {
                s->reader = READ_BUF;
                s->buf_fd = fd;
                s->linktype = kn_pcapbuf_linktype(s->buf);
                return 0;
            }
        }
        if (s->comp == KN_COMP_NONE) {
            /* A plain file is read in place: rewind and hand it over. */
            FILE *fp = fdopen(fd, "rb");
            if (!fp || fseek(fp, 0, SEEK_SET) != 0) {
                kn_err_errno(err, "cannot rewind");
                if (fp)
                    fclose(fp);
                else
                    close(fd);
                return -1;
            }
            s->direct = fp;
            return open_reader(s, fp, raw, raw_len, err);
        }
    }
    uint8_t head[KN_FEEDER_HEAD];
    size_t head_len;
    FILE *fp;
    if (kn_feeder_start(&s->feeder, fd, s->comp, raw, raw_len, head, &head_len, &fp, err) != 0)
        return -1;
    s->pipe_fd = fileno(fp);
    if (may_buffer && head_len == sizeof s->head) {
        /* The common pcap: records parsed straight from the pipe, as from a
         * file; libpcap only for what that reader leaves (and pcapng, odd
         * headers). */
        int mrc = kn_pcapbuf_open_stream(&s->buf, fileno(fp), head, &s->stop, err);
        if (mrc < 0) {
            fclose(fp);
            return -1;
        }
        if (mrc == 1) {
            s->reader = READ_BUF;
            s->stream_fp = fp;
            memcpy(s->head, head, sizeof s->head);
            s->linktype = kn_pcapbuf_linktype(s->buf);
            return 0;
        }
    }
    return open_reader(s, fp, head, head_len, err);
}

static int open_file(struct kn_source **out, const char *path, bool may_buffer, struct kn_err *err)
{
    *out = NULL;
    struct kn_source *s = source_new(path, err);
    if (!s)
        return -1;
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        kn_err_errno(err, "cannot open");
        kn_source_close(s);
        return -1;
    }
    if (open_stream(s, fd, may_buffer, err) != 0) {
        kn_source_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

int kn_source_open_file(struct kn_source **out, const char *path, struct kn_err *err)
{
    return open_file(out, path, true, err);
}

int kn_source_open_file_libpcap(struct kn_source **out, const char *path, struct kn_err *err)
{
    return open_file(out, path, false, err);
}

/* DLT_ values that differ from their LINKTYPE_ on Linux (pcap/dlt.h vs the
 * tcpdump.org link-type list); all others are equal. */
static int32_t dlt_to_linktype(int dlt)
{
    switch (dlt) {
    case DLT_RAW: return 101;          /* LINKTYPE_RAW */
    case DLT_ATM_RFC1483: return 100;  /* LINKTYPE_ATM_RFC1483 */
    default: return dlt;
    }
}

/* buffer_bytes 0: libpcap's default buffer and immediate mode (low latency);
 * otherwise that kernel buffer without immediate mode, so libpcap uses
 * TPACKET_V3 blocks that pack frames tightly (a full-snaplen V2 ring of the
 * default 2 MB holds only a handful of frames on interfaces with offloads). */
static int open_live(struct kn_source **out, const char *iface, const char *bpf,
                     int buffer_bytes, struct kn_err *err)
{
    *out = NULL;
    struct kn_source *s = source_new(iface, err);
    if (!s)
        return -1;
    s->live = true;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    s->pcap = pcap_create(iface, errbuf);
    if (!s->pcap) {
        kn_err_set(err, "%s", errbuf);
        kn_source_close(s);
        return -1;
    }
    pcap_set_snaplen(s->pcap, LIVE_SNAPLEN);
    pcap_set_promisc(s->pcap, 1);
    pcap_set_timeout(s->pcap, LIVE_TIMEOUT_MS);
    if (buffer_bytes > 0)
        pcap_set_buffer_size(s->pcap, buffer_bytes);
    else
        pcap_set_immediate_mode(s->pcap, 1);
    pcap_set_tstamp_precision(s->pcap, PCAP_TSTAMP_PRECISION_NANO); /* falls back to µs */
    int rc = pcap_activate(s->pcap);
    if (rc < 0) {
        const char *detail = pcap_geterr(s->pcap);
        kn_err_set(err, "%s%s", detail[0] ? detail : pcap_statustostr(rc),
                   rc == PCAP_ERROR_PERM_DENIED ? " (capture needs root or CAP_NET_RAW)" : "");
        kn_source_close(s);
        return -1;
    }
    s->linktype = dlt_to_linktype(pcap_datalink(s->pcap));
    if (bpf && bpf[0]) {
        struct bpf_program prog;
        if (pcap_compile(s->pcap, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            kn_err_set(err, "filter \"%s\": %s", bpf, pcap_geterr(s->pcap));
            kn_source_close(s);
            return -1;
        }
        rc = pcap_setfilter(s->pcap, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            kn_err_set(err, "filter \"%s\": %s", bpf, pcap_geterr(s->pcap));
            kn_source_close(s);
            return -1;
        }
    }
    *out = s;
    return 0;
}

int kn_source_open_live(struct kn_source **out, const char *iface, const char *bpf,
                        struct kn_err *err)
{
    return open_live(out, iface, bpf, 0, err);
}

int kn_source_open_live_buffered(struct kn_source **out, const char *iface, const char *bpf,
                                 int buffer_bytes, struct kn_err *err)
{
    return open_live(out, iface, bpf, buffer_bytes > 0 ? buffer_bytes : 1, err);
}

/* The reader reached its end or an error. With compressed input, a
 * decompression failure explains either better than what the reader saw
 * (which is just a capture that stops). */
/* After the reader failed on a decompressed stream: reads the pipe to its
 * end, so that the feeder has either failed or finished whatever the
 * timing. Its own error must win when it has one (a truncated .zst makes
 * the reader fail too), and whether it had failed by the time the reader
 * did is a race; this costs decompressing the rest, on errors only. */
static void drain_feeder(struct kn_source *s)
{
    uint8_t scratch[64 * 1024];
    while (!s->stop) {
        ssize_t n = read(s->pipe_fd, scratch, sizeof scratch);
        if (n == 0 || (n < 0 && errno != EINTR))
            return;
    }
}

static int reader_finished(struct kn_source *s, int rc, struct kn_err *err)
{
    s->done = true;
    if (rc < 0 && s->feeder && s->pipe_fd >= 0)
        drain_feeder(s);
    struct kn_err ferr;
    if (kn_feeder_failed(s->feeder, &ferr) != 0) {
        *err = ferr;
        return -1;
    }
    return rc;
}

static int next_pcap(struct kn_source *s, struct kn_frame *frame, struct kn_err *err)
{
    for (;;) {
        if (s->stop)
            return 0;
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(s->pcap, &h, &data);
        if (rc == 1) {
            *frame = (struct kn_frame){
                .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec,
                .caplen = h->caplen, .wirelen = h->len, .linktype = s->linktype, .data = data};
            return 1;
        }
        if (rc == 0)
            continue; /* live timeout: look at the stop flag again */
        if (rc == PCAP_ERROR_BREAK)
            return 0; /* end of file, or pcap_breakloop() */
        kn_err_set(err, "%s", pcap_geterr(s->pcap));
        return -1;
    }
}

/* What libpcap reads after a hand-over on the feeder's pipe: the file
 * header, the bytes the buffered reader had read from the handed-over
 * record on, then the rest of the pipe. */
struct resume {
    uint8_t *held;   /* owned: header + held bytes */
    size_t len, pos;
    FILE *pipe;      /* owned: the pipe's read end */
};

static ssize_t resume_read(void *cookie, char *buf, size_t size)
{
    struct resume *r = cookie;
    if (r->pos < r->len) {
        size_t n = r->len - r->pos < size ? r->len - r->pos : size;
        memcpy(buf, r->held + r->pos, n);
        r->pos += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(fileno(r->pipe), buf, size);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

static int resume_close(void *cookie)
{
    struct resume *r = cookie;
    fclose(r->pipe);
    free(r->held);
    free(r);
    return 0;
}

static int hand_over_stream(struct kn_source *s, struct kn_err *err)
{
    size_t n;
    const uint8_t *unread = kn_pcapbuf_unread(s->buf, &n);
    /* Freed by resume_close(), through pcap_close(). */
    struct resume *r = calloc(1, sizeof *r);
    uint8_t *held = malloc(sizeof s->head + n);
    FILE *fp = NULL;
    if (r && held) {
        memcpy(held, s->head, sizeof s->head);
        if (n)
            memcpy(held + sizeof s->head, unread, n);
        *r = (struct resume){.held = held, .len = sizeof s->head + n, .pipe = s->stream_fp};
        fp = fopencookie(r, "rb", (cookie_io_functions_t){.read = resume_read, .close = resume_close});
    }
    if (!fp) {
        free(held);
        free(r);
        kn_err_set(err, "out of memory handing the capture over to libpcap");
        return -1;
    }
    s->stream_fp = NULL; /* the cookie's now, closed with it */
    if (open_libpcap(s, fp, err))
        return -1;
    s->reader = READ_PCAP;
    return 0;
}

/* The buffered reader met a record it leaves to libpcap: libpcap opens the
 * file (its own stream on a duplicate descriptor), and reads on from that
 * record. 0 or -1. */
static int hand_over(struct kn_source *s, struct kn_err *err)
{
    if (s->stream_fp)
        return hand_over_stream(s, err);
    uint64_t off = kn_pcapbuf_offset(s->buf);
    int fd = dup(s->buf_fd);
    FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!fp || fseek(fp, 0, SEEK_SET) != 0) {
        kn_err_errno(err, "cannot reopen the capture");
        if (fp)
            fclose(fp);
        else if (fd >= 0)
            close(fd);
        return -1;
    }
    if (open_libpcap(s, fp, err))
        return -1;
    if (fseek(fp, (long)off, SEEK_SET) != 0) {
        kn_err_errno(err, "cannot seek in the capture");
        return -1;
    }
    s->direct = fp;
    s->reader = READ_PCAP;
    return 0;
}

static int next_buf(struct kn_source *s, struct kn_frame *frame, struct kn_err *err)
{
    int rc = kn_pcapbuf_next(s->buf, frame, err);
    if (rc != KN_PCAPBUF_HANDOVER)
        return rc;
    if (hand_over(s, err))
        return -1;
    return next_pcap(s, frame, err);
}

int kn_source_next(struct kn_source *src, struct kn_frame *frame, struct kn_err *err)
{
    if (src->done || src->stop)
        return 0;
    int rc = src->reader == READ_BUF      ? next_buf(src, frame, err)
             : src->reader == READ_PCAPNG ? kn_pcapng_next(src->ng, frame, err)
                                          : next_pcap(src, frame, err);
    if (rc == 1) {
        src->frames++;
        return 1;
    }
    if (src->stop && rc == 0)
        return 0;
    return reader_finished(src, rc, err);
}

bool kn_source_is_buffered(const struct kn_source *src)
{
    return src->reader == READ_BUF;
}

int kn_source_dup_buffered(const struct kn_source *src, uint64_t *size)
{
    if (src->reader != READ_BUF || src->buf_fd < 0)
        return -1; /* not a file another reader could walk */
    *size = src->bytes_total;
    return fcntl(src->buf_fd, F_DUPFD_CLOEXEC, 0);
}

void kn_source_stop(struct kn_source *src)
{
    src->stop = 1;
    if (src->live && src->pcap)
        pcap_breakloop(src->pcap); /* sets a flag and writes an eventfd: signal-safe */
}

void kn_source_get_stats(struct kn_source *src, struct kn_source_stats *st)
{
    *st = (struct kn_source_stats){.frames = src->frames, .live = src->live,
                                   .bytes_total = src->bytes_total};
    if (src->live) {
        struct pcap_stat ps;
        if (src->pcap && pcap_stats(src->pcap, &ps) == 0) {
            st->kernel_received = ps.ps_recv;
            st->kernel_dropped = ps.ps_drop;
            st->if_dropped = ps.ps_ifdrop;
        }
    } else if (src->feeder) {
        st->bytes_read = kn_feeder_bytes_in(src->feeder);
    } else if (src->reader == READ_PCAPNG && src->ng) {
        st->bytes_read = kn_pcapng_offset(src->ng);
    } else if (src->reader == READ_BUF) {
        st->bytes_read = kn_pcapbuf_offset(src->buf);
    } else if (src->direct) {
        long off = ftell(src->direct);
        st->bytes_read = off > 0 ? (uint64_t)off : 0;
    }
}

void kn_source_close(struct kn_source *src)
{
    if (!src)
        return;
    /* Close the readers first: that closes the pipe's read end, so a feeder
     * thread blocked writing into it gets EPIPE and ends. */
    if (src->pcap)
        pcap_close(src->pcap);
    kn_pcapng_close(src->ng);
    kn_pcapbuf_close(src->buf);
    if (src->buf_fd >= 0)
        close(src->buf_fd);
    if (src->stream_fp)
        fclose(src->stream_fp);
    kn_feeder_close(src->feeder);
    free(src->name);
    free(src);
}
