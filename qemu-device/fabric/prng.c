// SPDX-License-Identifier: GPL-2.0
/* xoshiro256** with splitmix64 seeding, written from the published
 * descriptions (prng.h). */
#include "prng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void prng_seed(struct prng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream + 1) * UINT64_C(0xd1b54a32d192ed03);

	/* splitmix64 never yields four zero words: xoshiro's one bad state. */
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return x << k | x >> (64 - k);
}

uint64_t prng_next(struct prng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t prng_below(struct prng *r, uint64_t n)
{
	/* Reject the top partial copy of 0..n-1 so every value is equally
	 * likely (at most one retry in 2^63 for the n used here). */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = prng_next(r);
	while (x >= limit);
	return x % n;
}

bool prng_chance(struct prng *r, uint32_t ppm)
{
	/* 100 % still draws: the sequence depends only on which are on. */
	return ppm && prng_below(r, PPM_ONE) < ppm;
}
