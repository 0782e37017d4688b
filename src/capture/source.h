/* Packet sources: capture files (pcap, pcapng; plain, gzip or zstd,
 * recognised by content), standard input ("-"), and live interfaces. One
 * interface for all, so every test drives the live path's code from files.
 * Implemented over libpcap. */
#ifndef KENCHI_CAPTURE_SOURCE_H
#define KENCHI_CAPTURE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct kn_source;

/* One captured frame. `data` is borrowed from the source and valid until the
 * next kn_source_next() or kn_source_close() on the same source. */
struct kn_frame {
    uint64_t ts_ns;    /* capture time, ns since the Unix epoch */
    uint32_t caplen;   /* bytes in data */
    uint32_t wirelen;  /* bytes on the wire */
    int32_t linktype;  /* LINKTYPE_ of this frame's interface (pcapng: per interface) */
    const uint8_t *data;
};

struct kn_source_stats {
    uint64_t frames;          /* frames returned so far */
    bool live;                /* a live interface: the kernel counts below are valid */
    uint64_t kernel_received; /* pcap_stats ps_recv */
    uint64_t kernel_dropped;  /* pcap_stats ps_drop */
    uint64_t if_dropped;      /* pcap_stats ps_ifdrop */
    uint64_t bytes_read;      /* compressed/on-disk bytes consumed (progress), files only */
    uint64_t bytes_total;     /* file size when known, else 0 */
};

/* Opens a capture file, or standard input for "-". gzip and zstd are
 * recognised by their magic bytes and decompressed on a thread of their own.
 * On success *out is owned by the caller: free it with kn_source_close(). */
int kn_source_open_file(struct kn_source **out, const char *path, struct kn_err *err);

/* The same without the buffered pcap reader: libpcap reads plain pcap files
 * from the first record. For tests that compare the two readers. */
int kn_source_open_file_libpcap(struct kn_source **out, const char *path, struct kn_err *err);

/* Opens a live interface (promiscuous, full snaplen) with an optional BPF
 * filter expression (NULL or "" for none). Needs CAP_NET_RAW. */
int kn_source_open_live(struct kn_source **out, const char *iface, const char *bpf,
                        struct kn_err *err);

/* The same for throughput rather than latency (sensors): a kernel buffer
 * of buffer_bytes and no immediate mode, so frames are delivered in blocks
 * (at most about 100 ms late) and a burst does not overflow the ring. */
int kn_source_open_live_buffered(struct kn_source **out, const char *iface, const char *bpf,
                                 int buffer_bytes, struct kn_err *err);

/* Reads the next frame: 1 and *frame filled; 0 at the end (or after
 * kn_source_stop()); -1 on an error that ends the source (err says which,
 * e.g. a record header claiming a length past the snaplen). Frames returned
 * before an error stay valid counts. */
int kn_source_next(struct kn_source *src, struct kn_frame *frame, struct kn_err *err);

/* Asks a blocking kn_source_next() to return 0 soon. Async-signal-safe:
 * SIGINT/SIGTERM handlers call it. */
void kn_source_stop(struct kn_source *src);

void kn_source_get_stats(struct kn_source *src, struct kn_source_stats *stats);

/* The name given at open ("-" for standard input, the interface name). */
const char *kn_source_name(const struct kn_source *src);

/* The link type of every frame for a live source or a pcap file; -1 for
 * pcapng, where each interface has its own (see kn_frame.linktype). */
int32_t kn_source_linktype(const struct kn_source *src);

/* The decompression the input needed, recognised by content: "none",
 * "gzip" or "zstd" (live sources: "none"). */
const char *kn_source_compression(const struct kn_source *src);

/* Is src reading frames with the buffered reader (pcapbuf.c)? True from
 * open until that reader hands the file over to libpcap, if ever; a frame
 * returned while this is true came from that reader. */
bool kn_source_is_buffered(const struct kn_source *src);

/* For a buffered source reading a file: a duplicate of its file
 * descriptor (owned by the caller, who closes it) and the file size the
 * reader reads up to, so another thread can walk the same frames with a
 * kn_pcapbuf of its own. -1 for other sources, including the buffered
 * reader on the feeder's pipe (decompressed or standard input). */
int kn_source_dup_buffered(const struct kn_source *src, uint64_t *size);

/* Closes and frees; NULL is fine. */
void kn_source_close(struct kn_source *src);

#endif
