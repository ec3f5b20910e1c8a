// SPDX-License-Identifier: GPL-2.0
/* The impairment chain and its settings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impair.h"

#define NS_PER_US 1000u

void impair_init(struct impair *im, uint64_t seed, uint64_t stream)
{
	struct impair_config cfg = { .seed = seed };

	im->stream = stream;
	impair_configure(im, &cfg, true);
}

void impair_configure(struct impair *im, const struct impair_config *cfg,
		      bool reseed)
{
	im->cfg = *cfg;
	if (reseed) {
		prng_seed(&im->rng, cfg->seed, im->stream);
		im->ge_bad = false;
	}
	if (!cfg->ge_on)
		im->ge_bad = false;
}

/* ---- settings ---- */

/* A percentage 0..100 with at most 4 decimals, as parts per million. */
static int parse_pct(const char *s, uint32_t *ppm)
{
	uint32_t whole = 0, frac = 0;
	int digits = 0;

	if (!s)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (uint32_t)(*s - '0');
		if (++digits > 3)
			return -1;
	}
	if (!digits)
		return -1;
	if (*s == '.') {
		int fd = 0;

		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++fd > 4)
				return -1;
			frac = frac * 10 + (uint32_t)(*s - '0');
		}
		if (!fd)
			return -1;
		for (; fd < 4; fd++)
			frac *= 10;
	}
	if (*s || whole > 100 || (whole == 100 && frac))
		return -1;
	*ppm = whole * 10000 + frac;
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_us(const char *s, uint64_t *ns)
{
	uint64_t us;

	if (parse_u64(s, IMPAIR_MAX_US, &us))
		return -1;
	*ns = us * NS_PER_US;
	return 0;
}

#define PCT_RULE "a percentage 0..100 with at most 4 decimals"
#define US_RULE "microseconds 0..10000000"

const char *impair_parse(struct impair_config *cfg, char **argv, int argc,
			 bool *reseed)
{
	*reseed = false;
	if (argc == 1 && !strcmp(argv[0], "off")) {
		*cfg = (struct impair_config){ .seed = cfg->seed };
		return NULL;
	}
	if (!argc)
		return "usage: impair DIR off | impair DIR KEY VALUE... (loss, ge, dup, "
		       "corrupt, delay, jitter, reorder, seed)";
	for (int i = 0; i < argc; ) {
		const char *key = argv[i++];
		int left = argc - i;
		char **v = argv + i;

		if (!strcmp(key, "loss") || !strcmp(key, "dup") || !strcmp(key, "corrupt")) {
			uint32_t *dst = key[0] == 'l' ? &cfg->loss_ppm :
					key[0] == 'd' ? &cfg->dup_ppm : &cfg->corrupt_ppm;

			if (left < 1 || parse_pct(v[0], dst))
				return key[0] == 'l' ? "loss must be " PCT_RULE :
				       key[0] == 'd' ? "dup must be " PCT_RULE :
						       "corrupt must be " PCT_RULE;
			i += 1;
		} else if (!strcmp(key, "ge")) {
			if (left >= 1 && !strcmp(v[0], "off")) {
				cfg->ge_on = false;
				i += 1;
				continue;
			}
			if (left < 4 || parse_pct(v[0], &cfg->ge_p_gb_ppm) ||
			    parse_pct(v[1], &cfg->ge_p_bg_ppm) ||
			    parse_pct(v[2], &cfg->ge_loss_bad_ppm) ||
			    parse_pct(v[3], &cfg->ge_loss_good_ppm))
				return "ge takes off or P_GOOD_TO_BAD P_BAD_TO_GOOD LOSS_BAD "
				       "LOSS_GOOD, each " PCT_RULE;
			cfg->ge_on = true;
			i += 4;
		} else if (!strcmp(key, "reorder")) {
			if (left >= 1 && !strcmp(v[0], "off")) {
				cfg->reorder_ppm = 0;
				cfg->reorder_ns = 0;
				i += 1;
				continue;
			}
			if (left < 2 || parse_pct(v[0], &cfg->reorder_ppm) ||
			    parse_us(v[1], &cfg->reorder_ns) ||
			    (cfg->reorder_ppm && !cfg->reorder_ns))
				return "reorder takes off or PCT EXTRA_DELAY_US: " PCT_RULE
				       ", then microseconds 1..10000000";
			i += 2;
		} else if (!strcmp(key, "delay") || !strcmp(key, "jitter")) {
			if (left < 1 || parse_us(v[0], key[0] == 'd' ? &cfg->delay_ns :
						 &cfg->jitter_ns))
				return key[0] == 'd' ? "delay must be " US_RULE :
						       "jitter must be " US_RULE;
			i += 1;
		} else if (!strcmp(key, "seed")) {
			if (left < 1 || parse_u64(v[0], UINT64_MAX, &cfg->seed))
				return "seed must be an integer 0..18446744073709551615";
			*reseed = true;
			i += 1;
		} else if (!strcmp(key, "off")) {
			return "off stands alone: impair DIR off";
		} else {
			return "unknown impair key (loss, ge, dup, corrupt, delay, jitter, "
			       "reorder, seed)";
		}
	}
	return NULL;
}

void impair_pct(uint32_t ppm, char *buf, size_t len)
{
	uint32_t frac = ppm % 10000;
	int digits = 4;

	if (!frac) {
		snprintf(buf, len, "%u", ppm / 10000);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%u.%0*u", ppm / 10000, digits, frac);
}

/* ---- the chain ---- */

enum impair_verdict { IMPAIR_PASS, IMPAIR_DROP, IMPAIR_DUPLICATE };

struct impair_stage {
	enum impair_verdict (*process)(struct impair *im, struct dir_counters *c,
				       struct frame *f);
	enum drop_cause cause; /* for IMPAIR_DROP */
};

static enum impair_verdict loss_process(struct impair *im, struct dir_counters *c,
					struct frame *f)
{
	(void)c; (void)f;
	return prng_chance(&im->rng, im->cfg.loss_ppm) ? IMPAIR_DROP : IMPAIR_PASS;
}

/* Gilbert-Elliott: the frame is lost with its state's probability, then the
 * state moves on, so a bad spell lasts 1 / p(bad->good) frames on average. */
static enum impair_verdict ge_process(struct impair *im, struct dir_counters *c,
				      struct frame *f)
{
	const struct impair_config *cfg = &im->cfg;
	bool lost;

	(void)c; (void)f;
	if (!cfg->ge_on)
		return IMPAIR_PASS;
	lost = prng_chance(&im->rng, im->ge_bad ? cfg->ge_loss_bad_ppm :
						  cfg->ge_loss_good_ppm);
	if (im->ge_bad)
		im->ge_bad = !prng_chance(&im->rng, cfg->ge_p_bg_ppm);
	else
		im->ge_bad = prng_chance(&im->rng, cfg->ge_p_gb_ppm);
	return lost ? IMPAIR_DROP : IMPAIR_PASS;
}

static enum impair_verdict dup_process(struct impair *im, struct dir_counters *c,
				       struct frame *f)
{
	(void)c; (void)f;
	return prng_chance(&im->rng, im->cfg.dup_ppm) ? IMPAIR_DUPLICATE : IMPAIR_PASS;
}

/* One bit anywhere in the frame, as a link error the FCS would have caught:
 * the fabric has no FCS, so the receiver's own checks must. */
static enum impair_verdict corrupt_process(struct impair *im, struct dir_counters *c,
					   struct frame *f)
{
	uint64_t bit;

	if (!prng_chance(&im->rng, im->cfg.corrupt_ppm))
		return IMPAIR_PASS;
	bit = prng_below(&im->rng, (uint64_t)f->len * 8);
	f->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	c->corrupted++;
	return IMPAIR_PASS;
}

/* Jitter is drawn per frame, so frames closer together than the jitter may
 * swap places, as on a path with varying delay. */
static enum impair_verdict delay_process(struct impair *im, struct dir_counters *c,
					 struct frame *f)
{
	uint64_t d = im->cfg.delay_ns;

	if (im->cfg.jitter_ns)
		d += prng_below(&im->rng, im->cfg.jitter_ns + 1);
	if (d) {
		f->arrive_ns += d;
		c->delayed++;
	}
	return IMPAIR_PASS;
}

static enum impair_verdict reorder_process(struct impair *im, struct dir_counters *c,
					   struct frame *f)
{
	if (prng_chance(&im->rng, im->cfg.reorder_ppm)) {
		f->arrive_ns += im->cfg.reorder_ns;
		c->reordered++;
	}
	return IMPAIR_PASS;
}

/* Losses first (a lost frame is never duplicated), then duplication, so a
 * copy gets its own corruption, delay and reordering. */
static const struct impair_stage chain[] = {
	{ loss_process, DROP_LOSS },
	{ ge_process, DROP_BURST_LOSS },
	{ dup_process, DROP__COUNT },
	{ corrupt_process, DROP__COUNT },
	{ delay_process, DROP__COUNT },
	{ reorder_process, DROP__COUNT },
};
#define CHAIN_LEN (sizeof(chain) / sizeof(chain[0]))

/*
 * Runs f through chain[from..]. At a duplicating stage, when dup is not
 * NULL, the copy is taken there (before later stages change f) into *dup
 * and *dup_from says where it goes on; a copy never duplicates again.
 * Returns false if f was dropped (counted and freed).
 */
static bool run_from(struct impair *im, struct dir_counters *c, struct frame *f,
		     size_t from, struct frame **dup, size_t *dup_from)
{
	for (size_t i = from; i < CHAIN_LEN; i++) {
		switch (chain[i].process(im, c, f)) {
		case IMPAIR_DROP:
			c->drops[chain[i].cause]++;
			free(f);
			return false;
		case IMPAIR_DUPLICATE:
			if (!dup || *dup)
				break;
			/* Out of memory: no copy, and nothing to count. */
			*dup = frame_new(f->data, f->len);
			if (*dup) {
				(*dup)->arrive_ns = f->arrive_ns;
				*dup_from = i + 1;
				c->duplicated++;
			}
			break;
		case IMPAIR_PASS:
			break;
		}
	}
	return true;
}

void impair_run(struct impair *im, struct dir_counters *c, struct frame *f,
		uint64_t t, struct impair_out *out)
{
	struct frame *copy = NULL;
	size_t copy_from = CHAIN_LEN;

	out->n = 0;
	f->arrive_ns = t;
	if (run_from(im, c, f, 0, &copy, &copy_from))
		out->f[out->n++] = f;
	/* The original first: on equal arrival times it is delivered first. */
	if (copy && run_from(im, c, copy, copy_from, NULL, NULL))
		out->f[out->n++] = copy;
}
