/* Deterministic pseudo-random numbers for the traffic generator: SplitMix64
 * (a bijective 64-bit mixer over a counter) and small bijections used to
 * turn an id into an address without collisions. Everything the generator
 * emits derives from --seed through these, so the same seed gives the same
 * bytes on every machine. */
#ifndef KENCHI_GEN_RNG_H
#define KENCHI_GEN_RNG_H

#include <stdint.h>

/* The SplitMix64 finaliser: a bijection on 64 bits with good avalanche. */
static inline uint64_t gen_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A stream: advance the counter by the golden-ratio increment, then mix. */
struct gen_rng {
    uint64_t state;
};

static inline struct gen_rng gen_rng_make(uint64_t a, uint64_t b)
{
    struct gen_rng r = {gen_mix64(a ^ gen_mix64(b + 0x9e3779b97f4a7c15ULL))};
    return r;
}

static inline uint64_t gen_rng_next(struct gen_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    return gen_mix64(r->state);
}

/* Uniform in [0, n) for n > 0 (the bias of a 64-bit modulo is negligible
 * for the small n used here, and the result is what matters: determinism). */
static inline uint64_t gen_rng_below(struct gen_rng *r, uint64_t n)
{
    return gen_rng_next(r) % n;
}

/* Uniform in [lo, hi]. */
static inline uint64_t gen_rng_range(struct gen_rng *r, uint64_t lo, uint64_t hi)
{
    return lo + gen_rng_below(r, hi - lo + 1);
}

/* True with probability pct/100. */
static inline int gen_rng_pct(struct gen_rng *r, unsigned pct)
{
    return gen_rng_below(r, 100) < pct;
}

/* A bijection on the low `bits` bits (xor-shift and odd multiply are each
 * invertible modulo 2^bits): distinct ids give distinct results. */
static inline uint32_t gen_bij(uint32_t x, unsigned bits, uint32_t salt)
{
    uint32_t mask = bits >= 32 ? 0xffffffffu : ((1u << bits) - 1);
    x = (x ^ salt) & mask;
    x = (x * 0x2c1b3c6du) & mask;
    x ^= x >> (bits / 2);
    x = (x * 0x297a2d39u) & mask;
    x ^= x >> (bits / 3);
    return x & mask;
}

#endif
