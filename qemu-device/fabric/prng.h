/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The impairments' random source: xoshiro256** seeded through splitmix64
 * (both public-domain algorithms by Blackman and Vigna). One generator per
 * port direction, so a seed reproduces that direction's pattern whatever
 * the other ports do; never libc rand(), whose state is global.
 */
#ifndef FABRIC_PRNG_H
#define FABRIC_PRNG_H

#include <stdbool.h>
#include <stdint.h>

/* Probabilities are integers in parts per million: 0.0001 % resolution. */
#define PPM_ONE 1000000u

struct prng {
	uint64_t s[4];
};

/* Same seed and stream, same sequence; streams of one seed differ. */
void prng_seed(struct prng *r, uint64_t seed, uint64_t stream);
uint64_t prng_next(struct prng *r);
/* Uniform in 0..n-1 (n > 0), without modulo bias. */
uint64_t prng_below(struct prng *r, uint64_t n);
/* True with probability ppm / PPM_ONE; draws nothing when ppm is 0, so a
 * disabled impairment does not shift the others' sequence. */
bool prng_chance(struct prng *r, uint32_t ppm);

#endif
