/* A zero-copy reader for plain pcap files: the file is mapped in windows
 * and frames point into the mapping, with no read() copy and no per-frame
 * library call. Only the common, well-formed case is read here: version 2.4
 * with the µs or ns magic in either byte order, and records whose lengths
 * and times leave no room for interpretation. At the first record that is
 * anything else (truncated, a captured length above the snapshot length or
 * the wire length, a negative time, ...), kn_pcapmap_next() stops and says
 * so, and the caller hands the rest of the file, from that record on, to
 * libpcap: what libpcap makes of odd files stays the reference.
 *
 * The window (KN_PCAPMAP_WINDOW bytes) slides over the file, so the
 * process's resident memory does not grow with the file's size: mapped
 * file pages count in its RSS, and a long-running sensor replaying days of
 * capture must stay flat. 2 MiB keeps that small at one mmap per 2 MiB. */
#ifndef KENCHI_CAPTURE_PCAPMAP_H
#define KENCHI_CAPTURE_PCAPMAP_H

#include <stdint.h>

#include "capture/source.h"
#include "util/err.h"

#define KN_PCAPMAP_WINDOW (2u << 20)

struct kn_pcapmap;

/* Maps the pcap file open on fd (size bytes; head: its first 24 bytes).
 * 1: *out is a reader (owned by the caller, kn_pcapmap_close(); fd stays
 * the caller's); 0: the file is not for this reader (libpcap reads it);
 * -1: error. */
int kn_pcapmap_open(struct kn_pcapmap **out, int fd, uint64_t size, const uint8_t head[24],
                    struct kn_err *err);

enum kn_pcapmap_next {
    KN_PCAPMAP_END = 0,      /* the file ended exactly after a record */
    KN_PCAPMAP_FRAME = 1,    /* *frame filled; its data valid until the next call */
    KN_PCAPMAP_HANDOVER = 2, /* a record this reader leaves to libpcap, at offset() */
    KN_PCAPMAP_ERROR = -1,   /* mapping failed (err says why) */
};
int kn_pcapmap_next(struct kn_pcapmap *m, struct kn_frame *frame, struct kn_err *err);

/* File offset of the next record (the handed-over one after HANDOVER). */
uint64_t kn_pcapmap_offset(const struct kn_pcapmap *m);

/* The file's link type (LINKTYPE_ value from its header). */
int32_t kn_pcapmap_linktype(const struct kn_pcapmap *m);

/* Unmaps and frees; NULL is fine. */
void kn_pcapmap_close(struct kn_pcapmap *m);

#endif
