/* The feeder thread: plain/gzip/zstd bytes from a descriptor into a pipe.
 * A pull-style decompressor (produce()) hands out at most the bytes asked
 * for, so neither the synchronous head phase nor the thread ever holds more
 * than two fixed buffers (three for gzip), whatever the compression ratio.
 *
 * gzip is inflated with ISA-L (Intel's igzip) rather than zlib: it checks
 * the same header and CRC, and inflated the bench day's 253 MB in 0.43 s
 * where zlib took 0.74 s (docs/performance.md); gzip is what archived
 * captures are most often kept in. */
#include "capture/feeder.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#define CHUNK (64 * 1024)
/* The data pipe's capacity and the reading end's stdio buffer. With the
 * defaults (64 KiB, and 4 KiB reads) the reader woke the feeder tens of
 * thousands of times per capture, and each wake-up is an inter-processor
 * interrupt, dear on a paravirtualised VM: kenchi analyze on the bench
 * day's .zst took 1.35 s, with these 1.04 s (docs/performance.md). */
#define PIPE_BYTES (1024 * 1024)
#define READ_BUFFER (256 * 1024)

enum { PRODUCED = 1, END = 0, FAILED = -1, STOPPED = -2 };

struct kn_feeder {
    int in_fd;
    int pipe_wr;           /* write end of the data pipe, owned by the thread once started */
    int stop_rd, stop_wr;  /* a byte on stop_wr wakes the thread up and ends it */
    enum kn_compression comp;
    struct inflate_state z;
    bool in_member;
    uint8_t *small;        /* owned: gzip output kept for small asks (the head), CHUNK bytes */
    size_t small_pos, small_len;
    ZSTD_DStream *zs;
    size_t zstd_last;      /* last ZSTD_decompressStream result: 0 at a frame boundary */
    uint8_t in[CHUNK];
    size_t in_pos, in_len;
    bool in_eof;
    uint8_t out[CHUNK];
    uint8_t head[KN_FEEDER_HEAD]; /* produced before the thread started; written first */
    char *read_buffer;     /* owned: the read end's stdio buffer (READ_BUFFER bytes),
                            * freed after the reader has closed that end */
    size_t head_len;
    _Atomic uint64_t bytes_in;
    pthread_t thread;
    bool started, joined;
    _Atomic int status;    /* FAILED once err holds a decompression error (set before the pipe closes) */
    struct kn_err err;
};

const char *kn_compression_name(enum kn_compression comp)
{
    switch (comp) {
    case KN_COMP_GZIP: return "gzip";
    case KN_COMP_ZSTD: return "zstd";
    default: return "none";
    }
}

enum kn_compression kn_compression_detect(const uint8_t *head, size_t len)
{
    if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        return KN_COMP_GZIP;
    if (len >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
        return KN_COMP_ZSTD;
    return KN_COMP_NONE;
}

/* Reads more input, waiting on the stop pipe too so a slow input (a
 * terminal, a stalled pipe) cannot keep kn_feeder_close() waiting. */
static int refill(struct kn_feeder *f)
{
    for (;;) {
        struct pollfd p[2] = {{.fd = f->in_fd, .events = POLLIN}, {.fd = f->stop_rd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            kn_err_errno(&f->err, "poll");
            return FAILED;
        }
        if (p[1].revents)
            return STOPPED;
        ssize_t n = read(f->in_fd, f->in, sizeof f->in);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            kn_err_errno(&f->err, "read");
            return FAILED;
        }
        f->in_pos = 0;
        f->in_len = (size_t)n;
        f->in_eof = n == 0;
        atomic_fetch_add(&f->bytes_in, (uint64_t)n);
        return PRODUCED;
    }
}

/* ISA-L's result codes, in words. */
static const char *isal_reason(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "distance too far back";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC or length mismatch";
    case ISAL_NEED_DICT: return "preset dictionary, not in gzip";
    default: return "inflate failed";
    }
}

static int inflate_into(struct kn_feeder *f, uint8_t *out, size_t cap, size_t *got);

/* Small asks (the 24 head bytes) are served from a full chunk inflated
 * aside: ISA-L given a tiny output buffer while it was still inside a gzip
 * header's name field reported a CRC mismatch on a sound file (seen in the
 * sanitised build only). */
static int produce_gzip(struct kn_feeder *f, uint8_t *out, size_t cap, size_t *got)
{
    if (f->small_pos == f->small_len && cap >= 4096)
        return inflate_into(f, out, cap, got);
    if (f->small_pos == f->small_len) {
        if (!f->small && !(f->small = malloc(CHUNK))) {
            kn_err_set(&f->err, "out of memory");
            return FAILED;
        }
        f->small_pos = f->small_len = 0;
        int rc = inflate_into(f, f->small, CHUNK, &f->small_len);
        if (rc != PRODUCED)
            return rc;
    }
    size_t n = f->small_len - f->small_pos < cap ? f->small_len - f->small_pos : cap;
    memcpy(out, f->small + f->small_pos, n);
    f->small_pos += n;
    *got = n;
    return PRODUCED;
}

static int inflate_into(struct kn_feeder *f, uint8_t *out, size_t cap, size_t *got)
{
    if (!f->in_member) {
        if (f->in_pos == f->in_len)
            return END; /* caller refills first; here input is at its end */
        isal_inflate_reset(&f->z);
        f->z.crc_flag = ISAL_GZIP; /* parse the member's header, check its CRC and size */
        f->in_member = true;
    }
    f->z.next_in = f->in + f->in_pos;
    f->z.avail_in = (uint32_t)(f->in_len - f->in_pos);
    f->z.next_out = out;
    f->z.avail_out = (uint32_t)cap;
    int rc = isal_inflate(&f->z);
    f->in_pos = f->in_len - f->z.avail_in;
    *got = cap - f->z.avail_out;
    if (rc < 0 || rc == ISAL_NEED_DICT) {
        kn_err_set(&f->err, "gzip: corrupt data (%s)", isal_reason(rc));
        return FAILED;
    }
    if (f->z.block_state == ISAL_BLOCK_FINISH)
        f->in_member = false; /* another member may follow (concatenated .gz) */
    return PRODUCED;
}

static int produce_zstd(struct kn_feeder *f, uint8_t *out, size_t cap, size_t *got)
{
    ZSTD_inBuffer ib = {f->in, f->in_len, f->in_pos};
    ZSTD_outBuffer ob = {out, cap, 0};
    size_t rc = ZSTD_decompressStream(f->zs, &ob, &ib);
    f->in_pos = ib.pos;
    *got = ob.pos;
    if (ZSTD_isError(rc)) {
        kn_err_set(&f->err, "zstd: corrupt data (%s)", ZSTD_getErrorName(rc));
        return FAILED;
    }
    f->zstd_last = rc;
    return PRODUCED;
}

/* Produces 1..cap decompressed bytes into out (PRODUCED, *got set), or END
 * at the clean end of the stream, FAILED (f->err set) or STOPPED. */
static int produce(struct kn_feeder *f, uint8_t *out, size_t cap, size_t *got)
{
    *got = 0;
    for (int idle = 0;; idle++) {
        if (f->in_pos == f->in_len && !f->in_eof) {
            int rc = refill(f);
            if (rc != PRODUCED)
                return rc;
        }
        bool at_end = f->in_pos == f->in_len && f->in_eof;
        int rc = PRODUCED;
        switch (f->comp) {
        case KN_COMP_NONE: {
            size_t n = f->in_len - f->in_pos < cap ? f->in_len - f->in_pos : cap;
            memcpy(out, f->in + f->in_pos, n);
            f->in_pos += n;
            *got = n;
            break;
        }
        case KN_COMP_GZIP:
            if (at_end && !f->in_member && f->small_pos == f->small_len)
                return END;
            rc = produce_gzip(f, out, cap, got);
            if (rc == PRODUCED && *got == 0 && at_end && f->in_member) {
                kn_err_set(&f->err, "gzip: truncated stream (the file ends inside compressed data)");
                return FAILED;
            }
            break;
        case KN_COMP_ZSTD:
            if (at_end && f->zstd_last == 0)
                return END;
            rc = produce_zstd(f, out, cap, got);
            if (rc == PRODUCED && *got == 0 && at_end) {
                kn_err_set(&f->err, "zstd: truncated stream (the file ends inside a frame)");
                return FAILED;
            }
            break;
        }
        if (rc != PRODUCED)
            return rc;
        if (*got > 0)
            return PRODUCED;
        if (f->comp == KN_COMP_NONE && at_end)
            return END;
        /* No output yet: the decompressor wants more input. A decoder that
         * neither consumes nor produces would loop; this cannot happen with
         * input available, but guard against it rather than spin. */
        if (idle > 1000000) {
            kn_err_set(&f->err, "%s: decompressor made no progress", kn_compression_name(f->comp));
            return FAILED;
        }
    }
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1; /* EPIPE: the reader closed early; nothing to report */
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *feeder_main(void *arg)
{
    struct kn_feeder *f = arg;
    bool open = write_all(f->pipe_wr, f->head, f->head_len) == 0;
    while (open) {
        size_t got;
        int rc = produce(f, f->out, sizeof f->out, &got);
        if (rc == FAILED)
            atomic_store(&f->status, FAILED);
        if (rc != PRODUCED)
            break;
        if (write_all(f->pipe_wr, f->out, got) != 0)
            break;
    }
    close(f->pipe_wr); /* the reader sees the end of the stream */
    f->pipe_wr = -1;
    return NULL;
}

static int feeder_init_decoder(struct kn_feeder *f, struct kn_err *err)
{
    if (f->comp == KN_COMP_GZIP) {
        isal_inflate_init(&f->z); /* allocates nothing: no counterpart at close */
    } else if (f->comp == KN_COMP_ZSTD) {
        f->zs = ZSTD_createDStream();
        if (!f->zs || ZSTD_isError(ZSTD_initDStream(f->zs))) {
            kn_err_set(err, "zstd: cannot initialise the decompressor");
            return -1;
        }
        f->zstd_last = 1; /* inside a frame until one completes */
    }
    return 0;
}

int kn_feeder_start(struct kn_feeder **out, int in_fd, enum kn_compression comp,
                    const uint8_t *raw, size_t raw_len, uint8_t *head, size_t *head_len,
                    FILE **read_end, struct kn_err *err)
{
    *out = NULL;
    *read_end = NULL;
    *head_len = 0;
    struct kn_feeder *f = calloc(1, sizeof *f); /* freed by kn_feeder_close */
    if (!f) {
        close(in_fd);
        kn_err_set(err, "out of memory");
        return -1;
    }
    f->in_fd = in_fd;
    f->pipe_wr = f->stop_rd = f->stop_wr = -1;
    f->comp = comp;
    int data_pipe[2] = {-1, -1}, stop_pipe[2];
    if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
        kn_err_errno(err, "pipe");
        kn_feeder_close(f);
        return -1;
    }
    f->stop_rd = stop_pipe[0];
    f->stop_wr = stop_pipe[1];
    if (feeder_init_decoder(f, err) != 0) {
        kn_feeder_close(f);
        return -1;
    }
    if (raw_len > sizeof f->in)
        raw_len = sizeof f->in;
    memcpy(f->in, raw, raw_len);
    f->in_len = raw_len;
    atomic_store(&f->bytes_in, (uint64_t)raw_len);

    /* The head phase: the first decompressed bytes, synchronously. */
    while (*head_len < KN_FEEDER_HEAD) {
        size_t got;
        int rc = produce(f, head + *head_len, KN_FEEDER_HEAD - *head_len, &got);
        if (rc == FAILED) {
            *err = f->err;
            kn_feeder_close(f);
            return -1;
        }
        if (rc != PRODUCED)
            break;
        *head_len += got;
    }

    if (pipe2(data_pipe, O_CLOEXEC) != 0) {
        kn_err_errno(err, "pipe");
        kn_feeder_close(f);
        return -1;
    }
    f->pipe_wr = data_pipe[1];
    *read_end = fdopen(data_pipe[0], "rb");
    if (!*read_end) {
        kn_err_errno(err, "fdopen");
        close(data_pipe[0]);
        kn_feeder_close(f);
        return -1;
    }
    /* Both only make the transfer cheaper: without them it still works. */
    (void)fcntl(f->pipe_wr, F_SETPIPE_SZ, PIPE_BYTES); /* may exceed a lowered pipe-max-size */
    if ((f->read_buffer = malloc(READ_BUFFER)) != NULL &&
        setvbuf(*read_end, f->read_buffer, _IOFBF, READ_BUFFER) != 0) {
        free(f->read_buffer);
        f->read_buffer = NULL;
    }
    /* The head goes through the pipe too, so readers see the whole stream. */
    memcpy(f->head, head, *head_len);
    f->head_len = *head_len;

    /* The thread must not take SIGINT/SIGTERM meant for the command, and a
     * write to a closed pipe must fail with EPIPE rather than kill us. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&f->thread, NULL, feeder_main, f);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        errno = rc;
        kn_err_errno(err, "pthread_create");
        fclose(*read_end);
        *read_end = NULL;
        kn_feeder_close(f);
        return -1;
    }
    f->started = true;
    *out = f;
    return 0;
}

uint64_t kn_feeder_bytes_in(struct kn_feeder *f)
{
    return f ? atomic_load(&f->bytes_in) : 0;
}

int kn_feeder_failed(struct kn_feeder *f, struct kn_err *err)
{
    if (!f || atomic_load(&f->status) != FAILED)
        return 0;
    *err = f->err; /* written before status, never after */
    return -1;
}

void kn_feeder_close(struct kn_feeder *f)
{
    if (!f)
        return;
    if (f->started && !f->joined) {
        if (f->stop_wr >= 0) {
            ssize_t w = write(f->stop_wr, "x", 1);
            (void)w; /* a full stop pipe already holds a wake-up byte */
        }
        pthread_join(f->thread, NULL);
        f->joined = true;
    }
    if (f->pipe_wr >= 0)
        close(f->pipe_wr);
    if (f->stop_rd >= 0)
        close(f->stop_rd);
    if (f->stop_wr >= 0)
        close(f->stop_wr);
    if (f->in_fd >= 0)
        close(f->in_fd);
    ZSTD_freeDStream(f->zs);
    free(f->small);
    free(f->read_buffer);
    free(f);
}
