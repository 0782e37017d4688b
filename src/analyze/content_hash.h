/* The identity of a capture: SHA-256 over the frames read (for each frame:
 * link type, timestamp in ns, captured and wire lengths as little-endian
 * integers, then the captured bytes). Hashing frames rather than file bytes
 * makes a .gz or .zst copy, or a pcap re-written as pcapng with the same
 * frames, the same capture, so it is not counted twice. Frames are staged
 * in blocks, and the digest of full blocks runs on a thread of its own,
 * beside the analysis, which only copies frames into the current block. */
#ifndef KENCHI_ANALYZE_CONTENT_HASH_H
#define KENCHI_ANALYZE_CONTENT_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/source.h"
#include "util/err.h"

struct kn_content_hash;

/* NULL on failure (err says why). Free with kn_content_hash_free(). */
struct kn_content_hash *kn_content_hash_new(struct kn_err *err);
void kn_content_hash_add(struct kn_content_hash *h, const struct kn_frame *f);
/* For a pcap file read by the buffered reader (kn_source_dup_buffered):
 * the hasher thread reads the file's frames itself, with a reader of its
 * own, so the analysing thread never copies their payload bytes; it then
 * adds only the frames it gets from elsewhere (after a hand-over to
 * libpcap), which follow the buffered ones. Call right after a reset, before any add. Takes fd (closed
 * by the hasher). 0 or -1. */
int kn_content_hash_walk_file(struct kn_content_hash *h, int fd, uint64_t size, struct kn_err *err);
/* Gives way (on) or stops giving way: while it gives way, the hasher runs
 * only on a core that neither this process nor any other wants
 * (SCHED_IDLE). For a digest that is not wanted until later (the commit of
 * a run's last file, analyze/pipeline.h): the reading and aggregation then
 * have both cores, and the hasher catches up beside the commit. Only where
 * the process may take it back (root, CAP_SYS_NICE, or RLIMIT_NICE 20):
 * a hasher left at idle priority would crawl on a busy machine. Final,
 * reset and free take it back themselves. Returns whether it gives way. */
bool kn_content_hash_give_way(struct kn_content_hash *h, bool on);
/* How far the current file walk has come: file bytes digested, about
 * (updated every 64 KiB or so). */
uint64_t kn_content_hash_walked(const struct kn_content_hash *h);
/* The digest of this capture will not be used (an interrupted read): a
 * file walk stops early, and _final fails. */
void kn_content_hash_abandon(struct kn_content_hash *h);
/* Writes the digest; the object may then be reused after _reset. 0 or -1. */
int kn_content_hash_final(struct kn_content_hash *h, uint8_t out[32], struct kn_err *err);
int kn_content_hash_reset(struct kn_content_hash *h, struct kn_err *err);
void kn_content_hash_free(struct kn_content_hash *h);

/* The digest of a pcap file the buffered reader read to its end without a
 * hand-over (size: its size then), computed here on the calling thread as
 * the file walk above computes it: for a digest taken long after the
 * reading (analyze/group.h). *frames gets the frames digested, which a
 * caller compares with the frames it read to notice a file changed since.
 * Takes fd (closed here). 0 or -1. */
int kn_content_hash_file(int fd, uint64_t size, uint8_t out[32], uint64_t *frames,
                         struct kn_err *err);

#endif
