/* The feeder: a thread that copies a byte stream (plain, gzip or zstd) from
 * an input descriptor into a pipe, decompressing on the way, so that libpcap
 * (or the pcapng reader) reads plain capture bytes from the pipe's read end.
 * Used for compressed files and for standard input, which cannot be rewound
 * after its magic bytes have been looked at. */
#ifndef KENCHI_CAPTURE_FEEDER_H
#define KENCHI_CAPTURE_FEEDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

enum kn_compression { KN_COMP_NONE = 0, KN_COMP_GZIP, KN_COMP_ZSTD };

/* "none", "gzip" or "zstd". */
const char *kn_compression_name(enum kn_compression comp);

/* Recognises gzip (1f 8b) and zstd (28 b5 2f fd) by their magic bytes. */
enum kn_compression kn_compression_detect(const uint8_t *head, size_t len);

struct kn_feeder;

/* How many decompressed bytes kn_feeder_start() makes available in *head
 * before the thread starts: enough for a pcap file header. */
#define KN_FEEDER_HEAD 24

/* Starts feeding. `in_fd` is owned by the feeder from now on (closed by
 * kn_feeder_close), even on failure. `raw`/`raw_len` are bytes already read
 * from in_fd (the magic bytes), fed first. Before returning, the first
 * decompressed bytes are produced synchronously and copied to head (up to
 * KN_FEEDER_HEAD; *head_len says how many, fewer only at the stream's end),
 * so the caller can recognise the capture format. *read_end is the pipe's
 * read end as a stdio stream, owned by the caller (fclose or pcap_close),
 * which must close it before kn_feeder_close(): its buffer is the
 * feeder's. The feeder, owned by the caller, is freed with
 * kn_feeder_close(). */
int kn_feeder_start(struct kn_feeder **out, int in_fd, enum kn_compression comp,
                    const uint8_t *raw, size_t raw_len, uint8_t *head, size_t *head_len,
                    FILE **read_end, struct kn_err *err);

/* Raw (compressed) bytes consumed so far; safe while the thread runs. */
uint64_t kn_feeder_bytes_in(struct kn_feeder *f);

/* -1 with err filled when the thread failed (corrupt or truncated
 * compressed stream, read error), else 0. Never blocks. The failure is
 * recorded before the thread closes the pipe, so once the reader has seen
 * the pipe's end the answer is final: call it then to tell a clean end
 * from a decompression failure. */
int kn_feeder_failed(struct kn_feeder *f, struct kn_err *err);

/* Stops the thread wherever it is (even blocked on a slow input), joins it
 * and frees everything; close the read end first so a blocked write returns.
 * NULL is fine. */
void kn_feeder_close(struct kn_feeder *f);

#endif
