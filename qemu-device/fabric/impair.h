/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Link impairments of one port direction, netem-like: random and bursty
 * (Gilbert-Elliott) loss, duplication, bit corruption, delay with jitter and
 * reordering. The chain runs on each frame as it leaves the serializer (tx)
 * or the VM (rx): stages may drop it, emit a duplicate and set its arrival
 * time, and the caller puts what comes out on the propagation heap, so
 * delayed frames never count as queue depth. Pure C, the time is passed in.
 */
#ifndef FABRIC_IMPAIR_H
#define FABRIC_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "prng.h"

/* Largest delay, jitter and reorder delay: 10 s. */
#define IMPAIR_MAX_US 10000000u

/* Probabilities in parts per million (prng.h), times in ns. */
struct impair_config {
	uint32_t loss_ppm;
	bool ge_on; /* Gilbert-Elliott: two states, each with its loss */
	uint32_t ge_p_gb_ppm, ge_p_bg_ppm;        /* good->bad, bad->good per frame */
	uint32_t ge_loss_bad_ppm, ge_loss_good_ppm;
	uint32_t dup_ppm;
	uint32_t corrupt_ppm;
	uint64_t delay_ns, jitter_ns; /* each frame: delay + uniform 0..jitter */
	uint32_t reorder_ppm;
	uint64_t reorder_ns;          /* the extra delay of a held-back frame */
	uint64_t seed;
};

struct impair {
	struct impair_config cfg;
	struct prng rng;
	uint64_t stream; /* rx and tx of one seed draw different sequences */
	bool ge_bad;
};

/* No impairment, seeded with seed. */
void impair_init(struct impair *im, uint64_t seed, uint64_t stream);
/*
 * Parses "off" or "KEY VALUE..." (see the README) onto *cfg, the caller's
 * copy of the current settings; on error returns the reason and *cfg may be
 * half changed (discard it). *reseed: a seed was given.
 */
const char *impair_parse(struct impair_config *cfg, char **argv, int argc,
			 bool *reseed);
/* Commits a parsed configuration; reseed restarts the random sequence and
 * the Gilbert-Elliott state (good). */
void impair_configure(struct impair *im, const struct impair_config *cfg,
		      bool reseed);
/* "5", "0.5", "0.0001": a probability as the percentage it was set as. */
void impair_pct(uint32_t ppm, char *buf, size_t len);

/* What became of one frame: the frame and maybe a duplicate (n 0..2),
 * each with arrive_ns set; dropped ones are counted and freed. */
struct impair_out {
	struct frame *f[2];
	int n;
};

/* Runs the chain on f, which leaves at time t. */
void impair_run(struct impair *im, struct dir_counters *c, struct frame *f,
		uint64_t t, struct impair_out *out);

#endif
