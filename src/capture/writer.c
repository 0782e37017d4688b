/* pcap writer; see writer.h. File format: 24-byte header (magic
 * 0xa1b23c4d = nanosecond timestamps, version 2.4, snaplen, link type),
 * then per frame a 16-byte record header (seconds, nanoseconds, captured
 * length, wire length) and the captured bytes. */
#include "capture/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kn_pcap_writer {
    FILE *fp;
    int32_t linktype;
    uint32_t snaplen;
    char *path; /* owned, for messages */
};

static int put32s(FILE *fp, const uint32_t *v, size_t n)
{
    return fwrite(v, 4, n, fp) == n ? 0 : -1;
}

int kn_pcap_writer_open(struct kn_pcap_writer **out, const char *path, int32_t linktype,
                        uint32_t snaplen, struct kn_err *err)
{
    *out = NULL;
    struct kn_pcap_writer *w = calloc(1, sizeof *w); /* freed by kn_pcap_writer_close */
    if (!w || !(w->path = strdup(path))) {
        free(w);
        kn_err_set(err, "out of memory");
        return -1;
    }
    w->linktype = linktype;
    w->snaplen = snaplen;
    w->fp = fopen(path, "wb");
    if (!w->fp) {
        kn_err_errno(err, path);
        kn_pcap_writer_close(w, NULL);
        return -1;
    }
    uint32_t hdr[6] = {0xa1b23c4du, 0, 0, 0, snaplen, (uint32_t)linktype};
    uint16_t ver[2] = {2, 4}; /* two 16-bit fields in host order, major first */
    memcpy(&hdr[1], ver, 4);
    if (put32s(w->fp, hdr, 6) != 0) {
        kn_err_errno(err, path);
        kn_pcap_writer_close(w, NULL);
        return -1;
    }
    *out = w;
    return 0;
}

int kn_pcap_writer_write(struct kn_pcap_writer *w, const struct kn_frame *f, struct kn_err *err)
{
    if (f->linktype != w->linktype) {
        kn_err_set(err, "%s: frame of link type %d in a file of link type %d", w->path,
                   (int)f->linktype, (int)w->linktype);
        return -1;
    }
    uint32_t caplen = f->caplen < w->snaplen ? f->caplen : w->snaplen;
    uint32_t rec[4] = {(uint32_t)(f->ts_ns / 1000000000u), (uint32_t)(f->ts_ns % 1000000000u),
                       caplen, f->wirelen};
    if (put32s(w->fp, rec, 4) != 0 || fwrite(f->data, 1, caplen, w->fp) != caplen) {
        kn_err_errno(err, w->path);
        return -1;
    }
    return 0;
}

int kn_pcap_writer_flush(struct kn_pcap_writer *w, struct kn_err *err)
{
    if (fflush(w->fp) != 0) {
        kn_err_errno(err, w->path);
        return -1;
    }
    return 0;
}

int kn_pcap_writer_close(struct kn_pcap_writer *w, struct kn_err *err)
{
    if (!w)
        return 0;
    int rc = 0;
    if (w->fp && fclose(w->fp) != 0) {
        kn_err_errno(err, w->path);
        rc = -1;
    }
    free(w->path);
    free(w);
    return rc;
}
