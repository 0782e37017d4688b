/* A fast reader for plain pcap files: the file is read with pread() into
 * one reused buffer and frames point into it, with no per-frame library
 * call. Only the common, well-formed case is read here: version 2.4 with
 * the µs or ns magic in either byte order, and records whose lengths and
 * times leave no room for interpretation. At the first record that is
 * anything else (truncated, a captured length above the snapshot length or
 * the wire length, a negative time, ...), kn_pcapbuf_next() stops and says
 * so, and the caller hands the rest of the file, from that record on, to
 * libpcap: what libpcap makes of odd files stays the reference.
 *
 * Why a copy and not a mapping: this reader first mapped the file in 2 MiB
 * windows. On the development VM the page faults, page-table teardown and
 * TLB shootdowns of the mappings (two threads walk the file) cost more than
 * copying the bytes: the pread() version read the bench day in 0.44 s wall
 * and 0.79 s CPU instead of 0.76 s and 1.37 s (docs/performance.md). A
 * buffer of KN_PCAPBUF_WINDOW bytes also keeps the copy in the core's L2
 * cache, where the decoder reads it next, and the resident memory flat
 * however long the file. */
#ifndef KENCHI_CAPTURE_PCAPBUF_H
#define KENCHI_CAPTURE_PCAPBUF_H

#include <signal.h>
#include <stdint.h>

#include "capture/source.h"
#include "util/err.h"

#define KN_PCAPBUF_WINDOW (256u * 1024u)

struct kn_pcapbuf;

/* Reads the pcap file open on fd (size bytes; head: its first 24 bytes).
 * 1: *out is a reader (owned by the caller, kn_pcapbuf_close(); fd stays
 * the caller's); 0: the file is not for this reader (libpcap reads it);
 * -1: error. */
int kn_pcapbuf_open(struct kn_pcapbuf **out, int fd, uint64_t size, const uint8_t head[24],
                    struct kn_err *err);

/* The same for a stream that cannot seek (a pipe from the feeder thread),
 * positioned at the file header that head holds a copy of: records are
 * read in order; a record that is cut short by the end of the stream is
 * handed over like any other odd one. The bytes read but not returned at
 * a hand-over are kn_pcapbuf_unread(). A read that a signal interrupts
 * after setting *stop (stop may be NULL) ends reading as if at the end. */
int kn_pcapbuf_open_stream(struct kn_pcapbuf **out, int fd, const uint8_t head[24],
                           const volatile sig_atomic_t *stop, struct kn_err *err);

enum kn_pcapbuf_next {
    KN_PCAPBUF_END = 0,      /* the file ended exactly after a record */
    KN_PCAPBUF_FRAME = 1,    /* *frame filled; its data valid until the next call */
    KN_PCAPBUF_HANDOVER = 2, /* a record this reader leaves to libpcap, at offset() */
    KN_PCAPBUF_ERROR = -1,   /* reading failed (err says why) */
};
int kn_pcapbuf_next(struct kn_pcapbuf *m, struct kn_frame *frame, struct kn_err *err);

/* File offset of the next record (the handed-over one after HANDOVER). */
uint64_t kn_pcapbuf_offset(const struct kn_pcapbuf *m);

/* The bytes from offset() on that the reader holds (*n of them; NULL when
 * none): for a stream, libpcap must get them before the rest. */
const uint8_t *kn_pcapbuf_unread(const struct kn_pcapbuf *m, size_t *n);

/* The file's link type (LINKTYPE_ value from its header). */
int32_t kn_pcapbuf_linktype(const struct kn_pcapbuf *m);

/* Frees; NULL is fine. */
void kn_pcapbuf_close(struct kn_pcapbuf *m);

#endif
