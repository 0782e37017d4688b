/* Address prefixes as the generator sees them: the configured sensor
 * prefixes (--sensor CIDR) it draws destinations from, and the sizes it
 * writes into the truth file. Its own small code on purpose: the truth must
 * not depend on kenchi's classifier. */
#ifndef KENCHI_GEN_PREFIX_H
#define KENCHI_GEN_PREFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/rng.h"
#include "util/err.h"

struct gen_prefix {
    bool v6;
    uint8_t len;       /* prefix length */
    uint32_t v4;       /* IPv4 network address, host order (v6 false) */
    uint8_t v6a[16];   /* IPv6 network address (v6 true) */
    char text[64];     /* canonical text, e.g. "192.0.2.0/24" */
};

/* Parses "ADDR/LEN" (host bits must be zero). IPv4 /8../32 and IPv6
 * /8../128 only: a shorter prefix is no darknet the generator can model. */
int gen_prefix_parse(const char *s, struct gen_prefix *out, struct kn_err *err);

/* Whether addr (IPv4 host order, or 16 bytes) lies inside the prefix. */
bool gen_prefix_has4(const struct gen_prefix *p, uint32_t addr);
bool gen_prefix_has6(const struct gen_prefix *p, const uint8_t addr[16]);

/* Whether two prefixes of the same family overlap. */
bool gen_prefix_overlap(const struct gen_prefix *a, const struct gen_prefix *b);

/* Number of addresses: 2^(32-len) or 2^(128-len); for IPv6 as a 128-bit
 * value split in hi:lo (exact for every allowed length). */
uint64_t gen_prefix_size4(const struct gen_prefix *p);
void gen_prefix_size6(const struct gen_prefix *p, uint64_t *hi, uint64_t *lo);

/* A uniformly random address inside the prefix. */
uint32_t gen_prefix_pick4(const struct gen_prefix *p, struct gen_rng *r);
void gen_prefix_pick6(const struct gen_prefix *p, struct gen_rng *r, uint8_t out[16]);

/* The k-th address of the prefix (k modulo its size): network address for
 * k = 0, the last (broadcast) address for k = size - 1. */
uint32_t gen_prefix_nth4(const struct gen_prefix *p, uint64_t k);

#endif
