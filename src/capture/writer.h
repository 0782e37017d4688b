/* Writes frames to a pcap file (nanosecond magic, host byte order), for
 * `kenchi capture -w`. Written by hand rather than with pcap_dump: the
 * frame's LINKTYPE_ goes into the header as it is, no DLT round trip. */
#ifndef KENCHI_CAPTURE_WRITER_H
#define KENCHI_CAPTURE_WRITER_H

#include "capture/source.h"
#include "util/err.h"

struct kn_pcap_writer;

/* Creates (truncates) path. *out is owned by the caller: kn_pcap_writer_close(). */
int kn_pcap_writer_open(struct kn_pcap_writer **out, const char *path, int32_t linktype,
                        uint32_t snaplen, struct kn_err *err);

/* Appends one frame; it must have the file's link type. */
int kn_pcap_writer_write(struct kn_pcap_writer *w, const struct kn_frame *f, struct kn_err *err);

/* Pushes buffered records to the file (also done by close). */
int kn_pcap_writer_flush(struct kn_pcap_writer *w, struct kn_err *err);

/* Flushes, closes and frees; -1 when the final write failed. NULL is fine. */
int kn_pcap_writer_close(struct kn_pcap_writer *w, struct kn_err *err);

#endif
