/* Differential fuzz target: the input bytes as a plain capture file, read
 * once through the buffered pcap reader and once by libpcap alone
 * (kn_source_open_file_libpcap); and, unless the input is compressed
 * itself, a zstd copy of it through the feeder's pipe, where the buffered
 * reader runs in stream mode. Any difference in frames, their bytes, or
 * how reading ended is a bug in the buffered reader: abort(). */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "capture/feeder.h"
#include "capture/source.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
    int opened, rc;
    uint64_t frames, sum; /* a position-weighted sum over every field and byte */
    char err[sizeof(struct kn_err){0}.msg];
};

static struct outcome read_with(const char *path, int buffered)
{
    struct outcome o = {0};
    struct kn_source *s;
    struct kn_err e = {""};
    o.opened = (buffered ? kn_source_open_file(&s, path, &e) : kn_source_open_file_libpcap(&s, path, &e)) == 0;
    if (!o.opened) {
        snprintf(o.err, sizeof o.err, "%s", e.msg);
        return o;
    }
    struct kn_frame f;
    while ((o.rc = kn_source_next(s, &f, &e)) == 1) {
        o.sum = o.sum * 31 + f.ts_ns;
        o.sum = o.sum * 31 + f.caplen;
        o.sum = o.sum * 31 + f.wirelen;
        o.sum = o.sum * 31 + (uint64_t)(int64_t)f.linktype;
        for (uint32_t i = 0; i < f.caplen; i++)
            o.sum = o.sum * 131 + f.data[i];
        o.frames++;
    }
    snprintf(o.err, sizeof o.err, "%s", o.rc < 0 ? e.msg : "");
    kn_source_close(s);
    return o;
}

static void must_equal(const char *what, const struct outcome *a, const struct outcome *b)
{
    if (a->opened != b->opened || a->rc != b->rc || a->frames != b->frames || a->sum != b->sum ||
        strcmp(a->err, b->err) != 0) {
        fprintf(stderr, "%s differs from libpcap: opened %d/%d rc %d/%d frames %llu/%llu err '%s'/'%s'\n",
                what, a->opened, b->opened, a->rc, b->rc, (unsigned long long)a->frames,
                (unsigned long long)b->frames, a->err, b->err);
        abort();
    }
}

/* libFuzzer's timeout alarm (SIGALRM, with a handler) interrupts reads of
 * the feeder's pipe, and stdio takes EINTR for an error. In kenchi only
 * the stop signals have handlers, and they mean to end reading; the alarm
 * must not change how reading ends, so its reads restart. */
static void restart_after_alarm(void)
{
    static bool done;
    struct sigaction sa;
    if (done || sigaction(SIGALRM, NULL, &sa) != 0)
        return;
    done = true;
    if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
        sa.sa_flags |= SA_RESTART;
        sigaction(SIGALRM, &sa, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    restart_after_alarm();
    char path[64];
    int fd = fuzz_memfile("fuzz_pcapbuf", data, size, path);
    if (fd < 0)
        return 0;
    struct outcome a = read_with(path, 1), b = read_with(path, 0);
    close(fd);
    must_equal("buffered reader", &a, &b);
    if (kn_compression_detect(data, size) != KN_COMP_NONE)
        return 0; /* a zstd copy would decompress to a compressed file, not to this one */
    size_t zcap = ZSTD_compressBound(size);
    uint8_t *z = malloc(zcap ? zcap : 1);
    size_t zn = z ? ZSTD_compress(z, zcap, data, size, 1) : 0;
    if (z && !ZSTD_isError(zn) && (fd = fuzz_memfile("fuzz_pcapbuf_zst", z, zn, path)) >= 0) {
        struct outcome c = read_with(path, 1);
        close(fd);
        must_equal("buffered reader in stream mode", &c, &b);
    }
    free(z);
    return 0;
}
