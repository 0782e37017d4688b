/* Sensor prefix sets: CIDR parsing and range-based membership; see prefix.h. */
#include "classify/prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kn_cidr_parse(const char *text, struct kn_cidr *out, bool *normalised, struct kn_err *err)
{
    if (normalised)
        *normalised = false;
    const char *slash = strchr(text, '/');
    if (!slash) {
        kn_err_set(err, "sensor prefix '%s': missing '/LENGTH' (e.g. 192.0.2.0/24)", text);
        return -1;
    }
    char addr[INET6_ADDRSTRLEN + 1];
    size_t alen = (size_t)(slash - text);
    if (alen == 0 || alen >= sizeof addr) {
        kn_err_set(err, "sensor prefix '%s': bad address", text);
        return -1;
    }
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    memset(out, 0, sizeof *out);
    unsigned max;
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = 6;
        max = 128;
    } else {
        kn_err_set(err, "sensor prefix '%s': '%s' is not an IPv4 or IPv6 address", text, addr);
        return -1;
    }
    const char *p = slash + 1;
    unsigned len = 0;
    if (!*p) {
        kn_err_set(err, "sensor prefix '%s': empty prefix length", text);
        return -1;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || len > 128) {
            kn_err_set(err, "sensor prefix '%s': prefix length must be a number 0-%u", text, max);
            return -1;
        }
        len = len * 10 + (unsigned)(*p - '0');
    }
    if (len > max) {
        kn_err_set(err, "sensor prefix '%s': prefix length %u is longer than %u", text, len, max);
        return -1;
    }
    out->len = (uint8_t)len;
    /* Clear host bits; remember whether any were set. */
    unsigned bytes = max / 8;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned bit0 = i * 8;
        uint8_t keep = bit0 >= len ? 0 : (bit0 + 8 <= len ? 0xFF : (uint8_t)(0xFF << (8 - (len - bit0))));
        if (out->addr[i] & (uint8_t)~keep) {
            if (normalised)
                *normalised = true;
            out->addr[i] &= keep;
        }
    }
    return 0;
}

void kn_cidr_format(const struct kn_cidr *c, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof a);
    snprintf(buf, size, "%s/%u", a, c->len);
}

static struct kn_u128 u128_from_bytes(const uint8_t b[16])
{
    struct kn_u128 v = {0, 0};
    for (int i = 0; i < 8; i++) {
        v.hi = v.hi << 8 | b[i];
        v.lo = v.lo << 8 | b[8 + i];
    }
    return v;
}

/* GCC and clang provide a 128-bit integer on every 64-bit target kenchi
 * builds on; it keeps the IPv6 range arithmetic plain. */
__extension__ typedef unsigned __int128 u128;

static u128 to_u128(struct kn_u128 v) { return (u128)v.hi << 64 | v.lo; }
static struct kn_u128 from_u128(u128 v) { return (struct kn_u128){(uint64_t)(v >> 64), (uint64_t)v}; }

static int cmp_v4(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int cmp_v6(const void *a, const void *b)
{
    const struct kn_u128 *x = a, *y = b;
    u128 p = to_u128(x[0]), q = to_u128(y[0]);
    return p < q ? -1 : p > q;
}

int kn_prefix_set_build(struct kn_prefix_set *set, const struct kn_cidr *cidrs, size_t n,
                        struct kn_err *err)
{
    memset(set, 0, sizeof *set);
    size_t n4 = 0, n6 = 0;
    for (size_t i = 0; i < n; i++)
        cidrs[i].family == 4 ? n4++ : n6++;
    /* Freed by kn_prefix_set_free(). */
    set->v4 = calloc(n4 ? n4 : 1, sizeof *set->v4);
    set->v6 = calloc(n6 ? n6 : 1, sizeof *set->v6);
    if (!set->v4 || !set->v6) {
        kn_prefix_set_free(set);
        kn_err_set(err, "prefix set: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct kn_cidr *c = &cidrs[i];
        if (c->family == 4) {
            uint32_t a = (uint32_t)c->addr[0] << 24 | (uint32_t)c->addr[1] << 16 |
                         (uint32_t)c->addr[2] << 8 | c->addr[3];
            uint32_t host = c->len == 0 ? UINT32_MAX : (uint32_t)((1ull << (32 - c->len)) - 1);
            set->v4[set->n_v4][0] = a;
            set->v4[set->n_v4][1] = a | host;
            set->n_v4++;
        } else {
            struct kn_u128 a = u128_from_bytes(c->addr);
            u128 host = c->len == 0 ? ~(u128)0 : ((u128)1 << (128 - c->len)) - 1;
            struct kn_u128 last = from_u128(to_u128(a) | host);
            set->v6[set->n_v6][0] = a;
            set->v6[set->n_v6][1] = last;
            set->n_v6++;
        }
    }
    /* Sort by start, then merge overlapping or adjacent ranges in place. */
    qsort(set->v4, set->n_v4, sizeof *set->v4, cmp_v4);
    size_t m = 0;
    for (size_t i = 0; i < set->n_v4; i++) {
        if (m && (uint64_t)set->v4[i][0] <= (uint64_t)set->v4[m - 1][1] + 1) {
            if (set->v4[i][1] > set->v4[m - 1][1])
                set->v4[m - 1][1] = set->v4[i][1];
        } else {
            set->v4[m][0] = set->v4[i][0];
            set->v4[m][1] = set->v4[i][1];
            m++;
        }
    }
    set->n_v4 = m;
    for (size_t i = 0; i < m; i++)
        set->size_v4 += (uint64_t)set->v4[i][1] - set->v4[i][0] + 1;

    qsort(set->v6, set->n_v6, sizeof *set->v6, cmp_v6);
    m = 0;
    for (size_t i = 0; i < set->n_v6; i++) {
        u128 start = to_u128(set->v6[i][0]), end = to_u128(set->v6[i][1]);
        if (m) {
            u128 prev_end = to_u128(set->v6[m - 1][1]);
            if (prev_end == ~(u128)0 || start <= prev_end + 1) {
                if (end > prev_end)
                    set->v6[m - 1][1] = set->v6[i][1];
                continue;
            }
        }
        set->v6[m][0] = set->v6[i][0];
        set->v6[m][1] = set->v6[i][1];
        m++;
    }
    set->n_v6 = m;
    /* Sizes saturate at 2^128 - 1: only a /0 could reach 2^128. */
    u128 total = 0;
    for (size_t i = 0; i < m; i++) {
        u128 d = to_u128(set->v6[i][1]) - to_u128(set->v6[i][0]);
        u128 add = d == ~(u128)0 ? d : d + 1;
        total = total + add < total ? ~(u128)0 : total + add;
    }
    set->size_v6 = from_u128(total);
    return 0;
}

void kn_prefix_set_free(struct kn_prefix_set *set)
{
    free(set->v4);
    free(set->v6);
    memset(set, 0, sizeof *set);
}

bool kn_prefix_set_has_v4(const struct kn_prefix_set *set, uint32_t addr)
{
    size_t lo = 0, hi = set->n_v4;
    while (lo < hi) { /* first range whose end >= addr */
        size_t mid = lo + (hi - lo) / 2;
        if (set->v4[mid][1] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < set->n_v4 && set->v4[lo][0] <= addr;
}

bool kn_prefix_set_has_v6(const struct kn_prefix_set *set, const uint8_t addr[16])
{
    u128 a = to_u128(u128_from_bytes(addr));
    size_t lo = 0, hi = set->n_v6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (to_u128(set->v6[mid][1]) < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < set->n_v6 && to_u128(set->v6[lo][0]) <= a;
}

void kn_u128_format(struct kn_u128 v, char *buf, size_t size)
{
    char tmp[40];
    size_t n = 0;
    u128 x = to_u128(v);
    do {
        tmp[n++] = (char)('0' + (int)(x % 10));
        x /= 10;
    } while (x);
    size_t i = 0;
    for (; i < n && i + 1 < size; i++)
        buf[i] = tmp[n - 1 - i];
    if (size)
        buf[i] = '\0';
}
