/* Sensor prefix sets: parse IPv4/IPv6 CIDRs and answer "is this address a
 * sensor address?" in O(log n) over sorted, merged address ranges.
 *
 * A CIDR with host bits set ("192.0.2.7/24") is accepted and normalised to
 * its network ("192.0.2.0/24"); the parser says so through *normalised so
 * the command layer can tell the user. Overlapping prefixes are merged, so
 * the address counts are those of the union (docs/metrics.md). */
#ifndef KENCHI_CLASSIFY_PREFIX_H
#define KENCHI_CLASSIFY_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct kn_cidr {
    uint8_t family;    /* 4 or 6 */
    uint8_t len;       /* prefix length: 0..32 or 0..128 */
    uint8_t addr[16];  /* network address, wire order; IPv4 in addr[0..3] */
};

/* Parses "A.B.C.D/N" or "X:X::X/N" (the "/N" is required). Returns 0, or -1
 * with err saying what is wrong. *normalised (may be NULL) is set true when
 * host bits were set and have been cleared. */
int kn_cidr_parse(const char *text, struct kn_cidr *out, bool *normalised, struct kn_err *err);

/* Formats the canonical text ("192.0.2.0/24", "2001:db8::/32") into buf. */
void kn_cidr_format(const struct kn_cidr *c, char *buf, size_t size);

/* A 128-bit unsigned value as two halves (IPv6 range ends and counts). */
struct kn_u128 {
    uint64_t hi, lo;
};

struct kn_prefix_set {
    uint32_t (*v4)[2];         /* merged [first, last] ranges, host order, sorted */
    size_t n_v4;
    struct kn_u128 (*v6)[2];   /* merged [first, last] ranges, sorted */
    size_t n_v6;
    uint64_t size_v4;          /* addresses in the union of the IPv4 prefixes */
    struct kn_u128 size_v6;    /* the same for IPv6, saturating at 2^128 - 1 */
};

/* Builds the set from n prefixes. On success the set owns its arrays: free
 * them with kn_prefix_set_free(). Returns 0 or -1 (out of memory). */
int kn_prefix_set_build(struct kn_prefix_set *set, const struct kn_cidr *cidrs, size_t n,
                        struct kn_err *err);
void kn_prefix_set_free(struct kn_prefix_set *set);

/* Membership; addresses as in struct kn_pkt (IPv4 host order, IPv6 wire). */
bool kn_prefix_set_has_v4(const struct kn_prefix_set *set, uint32_t addr);
bool kn_prefix_set_has_v6(const struct kn_prefix_set *set, const uint8_t addr[16]);

/* Decimal text of a 128-bit value (up to 39 digits + NUL: size >= 40). */
void kn_u128_format(struct kn_u128 v, char *buf, size_t size);

#endif
