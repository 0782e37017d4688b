/* A small, bounds-checked pcapng reader, used for every pcapng input.
 * Why not libpcap: libpcap 1.10 refuses a pcapng file as soon as an
 * interface's link type or snapshot length differs from the first
 * interface's ("an interface has a type 0 different from the type of the
 * first interface"), and its pcap_datalink() has one link type per file,
 * while kenchi needs each frame's own interface's link type.
 * Reads SHB (several sections, either byte order, versions 1.0 and 1.2),
 * IDB (link type, snaplen, if_tsresol, if_tsoffset), EPB, SPB and the
 * obsolete Packet Block; skips every other block type. */
#ifndef KENCHI_CAPTURE_PCAPNG_H
#define KENCHI_CAPTURE_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#include "capture/source.h"
#include "util/err.h"

/* Largest block accepted: a record header claiming more is an error, so a
 * corrupt length never makes us allocate gigabytes. */
#define KN_PCAPNG_MAX_BLOCK (16u * 1024 * 1024)
/* Most interfaces one section may describe. */
#define KN_PCAPNG_MAX_IFACES 65536u

struct kn_pcapng;

/* Takes ownership of fp (closed by kn_pcapng_close, also on failure) and
 * reads the first Section Header Block. *out is owned by the caller. */
int kn_pcapng_open(struct kn_pcapng **out, FILE *fp, struct kn_err *err);

/* 1: *frame filled (data valid until the next call); 0: clean end of file;
 * -1: err says what is wrong with the file. */
int kn_pcapng_next(struct kn_pcapng *ng, struct kn_frame *frame, struct kn_err *err);

/* Bytes read so far (progress). */
uint64_t kn_pcapng_offset(const struct kn_pcapng *ng);

void kn_pcapng_close(struct kn_pcapng *ng);

#endif
