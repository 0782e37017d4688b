/* Sensor prefixes for the generator; see prefix.h. */
#include "gen/prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gen_prefix_parse(const char *s, struct gen_prefix *out, struct kn_err *err)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof addr) {
        kn_err_set(err, "sensor prefix '%s': expected ADDRESS/LENGTH", s);
        return -1;
    }
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    char *end;
    long len = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1) {
        kn_err_set(err, "sensor prefix '%s': bad length", s);
        return -1;
    }
    memset(out, 0, sizeof *out);
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1) {
        if (len < 8 || len > 32) {
            kn_err_set(err, "sensor prefix '%s': IPv4 length must be 8..32", s);
            return -1;
        }
        out->v4 = ntohl(a4.s_addr);
        out->len = (uint8_t)len;
        uint32_t host = len == 32 ? 0 : 0xffffffffu >> len;
        if (out->v4 & host) {
            kn_err_set(err, "sensor prefix '%s': host bits set", s);
            return -1;
        }
    } else if (inet_pton(AF_INET6, addr, &a6) == 1) {
        if (len < 8 || len > 128) {
            kn_err_set(err, "sensor prefix '%s': IPv6 length must be 8..128", s);
            return -1;
        }
        out->v6 = true;
        out->len = (uint8_t)len;
        memcpy(out->v6a, a6.s6_addr, 16);
        for (int bit = (int)len; bit < 128; bit++)
            if (out->v6a[bit / 8] & (0x80 >> (bit % 8))) {
                kn_err_set(err, "sensor prefix '%s': host bits set", s);
                return -1;
            }
    } else {
        kn_err_set(err, "sensor prefix '%s': not an IPv4 or IPv6 address", s);
        return -1;
    }
    char buf[INET6_ADDRSTRLEN];
    if (out->v6) {
        inet_ntop(AF_INET6, out->v6a, buf, sizeof buf);
    } else {
        struct in_addr n = {htonl(out->v4)};
        inet_ntop(AF_INET, &n, buf, sizeof buf);
    }
    snprintf(out->text, sizeof out->text, "%s/%u", buf, out->len);
    return 0;
}

bool gen_prefix_has4(const struct gen_prefix *p, uint32_t addr)
{
    if (p->v6)
        return false;
    uint32_t mask = p->len == 0 ? 0 : 0xffffffffu << (32 - p->len);
    return (addr & mask) == p->v4;
}

bool gen_prefix_has6(const struct gen_prefix *p, const uint8_t addr[16])
{
    if (!p->v6)
        return false;
    for (int bit = 0; bit < p->len; bit++) {
        uint8_t m = (uint8_t)(0x80 >> (bit % 8));
        if ((addr[bit / 8] & m) != (p->v6a[bit / 8] & m))
            return false;
    }
    return true;
}

bool gen_prefix_overlap(const struct gen_prefix *a, const struct gen_prefix *b)
{
    if (a->v6 != b->v6)
        return false;
    /* Two prefixes overlap exactly when the shorter contains the other's network. */
    const struct gen_prefix *shorter = a->len <= b->len ? a : b;
    const struct gen_prefix *longer = shorter == a ? b : a;
    return a->v6 ? gen_prefix_has6(shorter, longer->v6a) : gen_prefix_has4(shorter, longer->v4);
}

uint64_t gen_prefix_size4(const struct gen_prefix *p)
{
    return (uint64_t)1 << (32 - p->len);
}

void gen_prefix_size6(const struct gen_prefix *p, uint64_t *hi, uint64_t *lo)
{
    unsigned host = 128u - p->len; /* 0..120 */
    if (host >= 64) {
        *hi = (uint64_t)1 << (host - 64);
        *lo = 0;
    } else {
        *hi = 0;
        *lo = (uint64_t)1 << host;
    }
}

uint32_t gen_prefix_pick4(const struct gen_prefix *p, struct gen_rng *r)
{
    return p->v4 + (uint32_t)gen_rng_below(r, gen_prefix_size4(p));
}

void gen_prefix_pick6(const struct gen_prefix *p, struct gen_rng *r, uint8_t out[16])
{
    uint8_t rnd[16];
    uint64_t hi = gen_rng_next(r), lo = gen_rng_next(r);
    memcpy(rnd, &hi, 8);
    memcpy(rnd + 8, &lo, 8);
    /* network bits from the prefix, host bits from rnd, byte by byte */
    for (int i = 0; i < 16; i++) {
        int netbits = p->len - 8 * i;
        uint8_t mask = netbits >= 8 ? 0xff : netbits <= 0 ? 0 : (uint8_t)(0xff << (8 - netbits));
        out[i] = (uint8_t)((p->v6a[i] & mask) | (rnd[i] & ~mask));
    }
}

uint32_t gen_prefix_nth4(const struct gen_prefix *p, uint64_t k)
{
    return p->v4 + (uint32_t)(k % gen_prefix_size4(p));
}
