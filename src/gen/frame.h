/* Turns a planned packet (plan.h) into the bytes of an Ethernet frame, with
 * correct IPv4/TCP/UDP/ICMP checksums, optional 802.1Q / 802.1ad tags and
 * padding to the 60-byte Ethernet minimum, then applies the planned snaplen
 * cut. No allocation: the caller passes the buffer. */
#ifndef KENCHI_GEN_FRAME_H
#define KENCHI_GEN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "gen/plan.h"

/* Largest frame the generator builds (headers, options, quotes, payload). */
#define GEN_FRAME_MAX 512

/* Builds the frame into buf (at least GEN_FRAME_MAX bytes). *wirelen is the
 * frame's full length, *caplen what a capture with the planned cut keeps. */
void gen_frame_build(const struct gen_pkt *p, uint8_t *buf, uint32_t *caplen,
                     uint32_t *wirelen);

#endif
