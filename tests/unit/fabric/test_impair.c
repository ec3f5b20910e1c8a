// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the fabric's impairments on a simulated clock: the
 * random source (prng.c), the propagation heap (heap.c), the impairment
 * chain (impair.c), and the tx and rx sides built from them (egress.c,
 * ingress.c, link.c) with the VM's socket (port_xmit) and the switch
 * (forward_frame) stubbed. Expectations come from the configured
 * probabilities and times: statistical checks allow Z_BOUND standard
 * deviations computed from the sample size (the seeds are fixed, so the
 * results repeat, but the bounds are what any seed must meet). Prints TAP.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"
#include "ingress.h"
#include "link.h"

/* A run outside Z_BOUND standard deviations has odds of about 1 in 3.5e6. */
#define Z_BOUND 5.0
#define US 1000ull
#define MS 1000000ull

static int failures, test_no;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		ok = 0;							\
	}								\
} while (0)

static void report(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* Within Z_BOUND sigma of a binomial(n, p) count. */
static int binomial_ok(uint64_t k, uint64_t n, double p)
{
	double mean = n * p, sd = sqrt(n * p * (1 - p));

	return fabs((double)k - mean) <= Z_BOUND * sd;
}

/* ---- frames: IPv4, sequence number after the IP header ---- */

#define SEQ_OFF 34

static struct frame *make_frame(uint32_t seq, size_t len, uint8_t tos)
{
	uint8_t d[FRAME_MAX] = { 0 };
	struct frame *f;

	memset(d, 0xff, 6);                /* broadcast */
	d[6] = 0x02; d[11] = 0x0a;         /* 02:00:00:00:00:0a */
	d[12] = 0x08; d[13] = 0x00;        /* IPv4 */
	d[14] = 0x45; d[15] = tos;
	d[22] = 64; d[23] = 17;
	d[SEQ_OFF] = seq >> 24; d[SEQ_OFF + 1] = seq >> 16;
	d[SEQ_OFF + 2] = seq >> 8; d[SEQ_OFF + 3] = seq;
	f = frame_new(d, len);
	if (!f) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return f;
}

static uint32_t seq_of(const struct frame *f)
{
	const uint8_t *p = f->data + SEQ_OFF;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- the stubs: what the tx side writes, what the rx side switches ---- */

struct record {
	uint64_t t;
	uint32_t seq;
	uint8_t tos;
};

static struct {
	uint64_t now;
	struct record *rec;
	size_t nrec, cap;
} sim;

static void record(const struct frame *f)
{
	if (sim.nrec == sim.cap) {
		sim.cap = sim.cap ? 2 * sim.cap : 1024;
		sim.rec = realloc(sim.rec, sim.cap * sizeof(*sim.rec));
		if (!sim.rec)
			exit(1);
	}
	sim.rec[sim.nrec++] = (struct record){ sim.now, seq_of(f), f->data[15] };
}

int port_xmit(struct port *port, struct frame *const *frames, int n)
{
	for (int i = 0; i < n; i++)
		record(frames[i]);
	port->tx_blocked = false;
	return n;
}

void forward_frame(struct fabric *fab, int ingress, struct frame *f, uint64_t now)
{
	(void)fab; (void)ingress; (void)now;
	record(f);
	free(f);
}

static struct fabric fab;

static struct port *port_setup(uint64_t rate_mbps, uint64_t buffer_bytes)
{
	struct port *p = &fab.ports[0];

	memset(p, 0, sizeof(*p));
	p->conn.fd = 0; /* "connected": port_xmit is the stub */
	p->link_up = true;
	p->eg.buffer_bytes = buffer_bytes;
	wire_set_rate(&p->eg.wire, rate_mbps);
	direction_add_stage(&p->rx, &link_stage);
	direction_add_stage(&p->tx, &link_stage);
	ecn_init(&p->ecn);
	struct stage ecn = ecn_stage(&p->ecn);

	direction_add_stage(&p->tx, &ecn);
	impair_init(&p->rx.imp, 1, 0);
	impair_init(&p->tx.imp, 1, 1);
	fab.nports = 1;
	sim.nrec = 0;
	sim.now = 0;
	return p;
}

static void port_teardown(struct port *p)
{
	p->conn.tx_off = 0;
	egress_flush(p, DROP_LINK_DOWN);
	direction_flush_heap(&p->rx, DROP_LINK_DOWN);
	heap_release(&p->rx.prop);
	heap_release(&p->tx.prop);
}

/* Configures a direction with a control-command string; 0 on success. */
static int impair_cmd(struct impair *im, const char *text)
{
	char buf[256], *argv[32], *save = NULL;
	struct impair_config cfg = im->cfg;
	bool reseed;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (impair_parse(&cfg, argv, argc, &reseed))
		return -1;
	impair_configure(im, &cfg, reseed);
	return 0;
}

static uint64_t drops_total(const struct dir_counters *c)
{
	uint64_t n = 0;

	for (int i = 0; i < DROP__COUNT; i++)
		n += c->drops[i];
	return n;
}

/* ---- the random source ---- */

static void test_prng(void)
{
	struct prng a, b, c;
	int ok = 1, same_stream = 1, diff = 0;
	static const uint64_t bounds[] = { 1, 2, 3, 1000000, (1ull << 63) + 1 };

	prng_seed(&a, 42, 0);
	prng_seed(&b, 42, 0);
	prng_seed(&c, 42, 1);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = prng_next(&a);

		same_stream &= x == prng_next(&b);
		diff += x != prng_next(&c);
	}
	CHECK(same_stream, "one seed gave two sequences");
	CHECK(diff > 990, "streams 0 and 1 of one seed agree %d times in 1000", 1000 - diff);
	for (size_t k = 0; k < sizeof(bounds) / sizeof(bounds[0]); k++)
		for (int i = 0; i < 1000; i++)
			CHECK(prng_below(&a, bounds[k]) < bounds[k], "out of 0..%" PRIu64, bounds[k]);

	/* Chi-square of 16 equally likely buckets; the bound is the
	 * Wilson-Hilferty quantile of chi2(15) at Z_BOUND. */
	enum { BUCKETS = 16, DRAWS = 160000 };
	uint64_t hist[BUCKETS] = { 0 };
	double chi2 = 0, df = BUCKETS - 1, e = DRAWS / BUCKETS;
	double crit = df * pow(1 - 2 / (9 * df) + Z_BOUND * sqrt(2 / (9 * df)), 3);

	for (int i = 0; i < DRAWS; i++)
		hist[prng_below(&a, BUCKETS)]++;
	for (int i = 0; i < BUCKETS; i++)
		chi2 += (hist[i] - e) * (hist[i] - e) / e;
	CHECK(chi2 <= crit, "chi2 %.1f over %.1f", chi2, crit);
	report(ok, "prng repeats per seed and stream, is uniform (chi2 %.1f)", chi2);
}

/* ---- the heap ---- */

/*
 * Random pushes (many equal times) and pops; every pop must be the least
 * (arrival, push order) of what is held, found by a linear scan, so equal
 * arrival times come out in push order.
 */
static void test_heap_order(void)
{
	enum { OPS = 20000, MAXHELD = 512 };
	struct frame_heap h = { 0 };
	struct frame *held[MAXHELD];
	uint64_t pushed_seq[MAXHELD];
	int nheld = 0, ok = 1, pops = 0;
	struct prng r;

	prng_seed(&r, 7, 0);
	for (int op = 0; op < OPS && ok; op++) {
		bool push = nheld == 0 || (nheld < MAXHELD && prng_below(&r, 3) < 2);

		if (push) {
			struct frame *f = make_frame((uint32_t)op, 64, 0);

			f->arrive_ns = prng_below(&r, 50); /* plenty of ties */
			CHECK(heap_push(&h, f) == 0, "push failed");
			pushed_seq[nheld] = f->seq;
			held[nheld++] = f;
			continue;
		}
		int best = 0;

		for (int i = 1; i < nheld; i++)
			if (held[i]->arrive_ns < held[best]->arrive_ns ||
			    (held[i]->arrive_ns == held[best]->arrive_ns &&
			     pushed_seq[i] < pushed_seq[best]))
				best = i;
		struct frame *top = heap_pop(&h);

		CHECK(top == held[best], "pop %d: arrival %" PRIu64 " seq %" PRIu64
		      ", want %" PRIu64 " seq %" PRIu64, pops, top->arrive_ns, top->seq,
		      held[best]->arrive_ns, pushed_seq[best]);
		held[best] = held[--nheld];
		pushed_seq[best] = pushed_seq[nheld];
		free(top);
		pops++;
	}
	CHECK(h.n == (size_t)nheld, "heap holds %zu, want %d", h.n, nheld);
	while (h.n)
		free(heap_pop(&h));
	CHECK(h.bytes == 0, "%" PRIu64 " bytes left", h.bytes);
	heap_release(&h);
	report(ok, "heap pops by arrival, ties in push order (%d pops)", pops);
}

/* ---- the chain, frame by frame ---- */

/* Runs n 64-byte frames through im at times i * 1 us; calls each(out) per
 * frame; frees what comes out. */
static void run_chain(struct impair *im, struct dir_counters *c, uint32_t n,
		      void (*each)(uint32_t i, uint64_t t, const struct impair_out *o, void *ctx),
		      void *ctx)
{
	for (uint32_t i = 0; i < n; i++) {
		struct impair_out out;
		uint64_t t = (uint64_t)i * US;

		impair_run(im, c, make_frame(i, 64, 0), t, &out);
		if (each)
			each(i, t, &out, ctx);
		for (int k = 0; k < out.n; k++)
			free(out.f[k]);
	}
}

static void count_out(uint32_t i, uint64_t t, const struct impair_out *o, void *ctx)
{
	uint64_t *passed = ctx;

	(void)i; (void)t;
	*passed += (uint64_t)o->n;
}

static void test_loss(void)
{
	const uint32_t n = 200000;
	const double p = 0.05;
	struct dir_counters c = { 0 };
	struct impair im;
	uint64_t passed = 0, lost;
	int ok = 1;

	impair_init(&im, 11, 0);
	CHECK(!impair_cmd(&im, "loss 5"), "loss 5 rejected");
	run_chain(&im, &c, n, count_out, &passed);
	lost = n - passed;
	CHECK(lost == c.drops[DROP_LOSS], "lost %" PRIu64 ", counted %" PRIu64,
	      lost, c.drops[DROP_LOSS]);
	CHECK(binomial_ok(lost, n, p), "%" PRIu64 " of %u lost, want %.0f +- %.0f",
	      lost, n, n * p, Z_BOUND * sqrt(n * p * (1 - p)));
	CHECK(drops_total(&c) == lost, "other drop causes counted");
	report(ok, "loss 5%% drops %" PRIu64 " of %u (binomial)", lost, n);
}

struct ge_ctx {
	uint64_t lost, bursts, run;
};

static void ge_each(uint32_t i, uint64_t t, const struct impair_out *o, void *ctx)
{
	struct ge_ctx *g = ctx;

	(void)i; (void)t;
	if (!o->n) {
		g->lost++;
		if (!g->run++)
			g->bursts++;
	} else {
		g->run = 0;
	}
}

/*
 * Gilbert-Elliott with all loss in the bad state: a burst of losses is a
 * stay in the bad state, geometric with mean 1 / p(bad->good); the loss
 * fraction is the bad state's share p / (p + r), with the variance of a
 * two-state chain's occupancy, N pi_b pi_g (1 + l) / (1 - l), l = 1 - p - r.
 */
static void test_gilbert_elliott(void)
{
	const uint32_t n = 1000000;
	const double p = 0.01, r = 0.20;
	struct dir_counters c = { 0 };
	struct ge_ctx g = { 0 };
	struct impair im;
	double mean, want_mean = 1 / r, sd_burst = sqrt(1 - r) / r;
	double pib = p / (p + r), lam = 1 - p - r;
	double sd_lost = sqrt(n * pib * (1 - pib) * (1 + lam) / (1 - lam));
	int ok = 1;

	impair_init(&im, 12, 0);
	CHECK(!impair_cmd(&im, "ge 1 20 100 0"), "ge rejected");
	run_chain(&im, &c, n, ge_each, &g);
	mean = (double)g.lost / (double)g.bursts;
	CHECK(g.lost == c.drops[DROP_BURST_LOSS], "lost %" PRIu64 ", counted %" PRIu64,
	      g.lost, c.drops[DROP_BURST_LOSS]);
	CHECK(fabs(mean - want_mean) <= Z_BOUND * sd_burst / sqrt((double)g.bursts),
	      "mean burst %.3f over %" PRIu64 " bursts, want %.3f", mean, g.bursts, want_mean);
	CHECK(fabs((double)g.lost - n * pib) <= Z_BOUND * sd_lost,
	      "%" PRIu64 " lost, want %.0f +- %.0f", g.lost, n * pib, Z_BOUND * sd_lost);
	report(ok, "gilbert_elliott bursts average %.2f frames (1/p(bad->good) = %.2f)",
	       mean, want_mean);
}

struct dup_ctx {
	uint64_t copies;
	int bad;
};

static void dup_each(uint32_t i, uint64_t t, const struct impair_out *o, void *ctx)
{
	struct dup_ctx *d = ctx;

	if (o->n != 1 && o->n != 2) {
		d->bad++;
		return;
	}
	for (int k = 0; k < o->n; k++)
		if (seq_of(o->f[k]) != i || o->f[k]->arrive_ns != t || o->f[k]->len != 64)
			d->bad++;
	if (o->n == 2) {
		d->copies++;
		if (memcmp(o->f[0]->data, o->f[1]->data, 64))
			d->bad++;
	}
}

static void test_duplicate(void)
{
	const uint32_t n = 100000;
	struct dir_counters c = { 0 };
	struct dup_ctx d = { 0 };
	struct impair im;
	int ok = 1;

	impair_init(&im, 13, 0);
	CHECK(!impair_cmd(&im, "dup 10"), "dup rejected");
	run_chain(&im, &c, n, dup_each, &d);
	CHECK(!d.bad, "%d frames or copies not as sent", d.bad);
	CHECK(d.copies == c.duplicated, "%" PRIu64 " copies, counted %" PRIu64,
	      d.copies, c.duplicated);
	CHECK(binomial_ok(d.copies, n, 0.10), "%" PRIu64 " copies of %u", d.copies, n);
	report(ok, "dup 10%% copies %" PRIu64 " of %u frames, identical", d.copies, n);
}

static int bits_differ(const uint8_t *a, const uint8_t *b, size_t len, size_t *bit)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		for (int k = 0; k < 8; k++)
			if ((a[i] ^ b[i]) >> k & 1) {
				n++;
				*bit = i * 8 + k;
			}
	return n;
}

/* Every corrupted frame differs from what was sent in exactly one bit, and
 * over many frames every bit position is hit. */
static void test_corrupt(void)
{
	enum { LEN = 64 };
	static const struct { const char *cmd; uint32_t n; double p; } runs[] = {
		{ "corrupt 100", 100000, 1.0 }, { "corrupt 10", 100000, 0.10 },
	};
	int ok = 1;

	for (size_t r = 0; r < 2; r++) {
		struct dir_counters c = { 0 };
		static uint32_t hits[LEN * 8];
		struct impair im;
		uint64_t changed = 0, bad = 0, missed = 0;
		struct prng fill;

		memset(hits, 0, sizeof(hits));
		prng_seed(&fill, 99, r);
		impair_init(&im, 14, 0);
		CHECK(!impair_cmd(&im, runs[r].cmd), "%s rejected", runs[r].cmd);
		for (uint32_t i = 0; i < runs[r].n; i++) {
			uint8_t sent[LEN];
			struct impair_out out;
			struct frame *f;
			size_t bit = 0;
			int nb;

			for (int k = 0; k < LEN; k++)
				sent[k] = (uint8_t)prng_next(&fill);
			f = frame_new(sent, LEN);
			impair_run(&im, &c, f, 0, &out);
			nb = bits_differ(sent, out.f[0]->data, LEN, &bit);
			if (nb == 1) {
				changed++;
				hits[bit]++;
			} else if (nb) {
				bad++;
			}
			free(out.f[0]);
		}
		for (int b = 0; b < LEN * 8; b++)
			missed += !hits[b];
		CHECK(!bad, "%" PRIu64 " frames with more than one bit flipped", bad);
		CHECK(changed == c.corrupted, "%" PRIu64 " changed, counted %" PRIu64,
		      changed, c.corrupted);
		if (runs[r].p == 1.0)
			CHECK(changed == runs[r].n, "%" PRIu64 " of %u corrupted", changed, runs[r].n);
		else
			CHECK(binomial_ok(changed, runs[r].n, runs[r].p), "%" PRIu64 " of %u",
			      changed, runs[r].n);
		CHECK(!missed, "%" PRIu64 " bit positions never flipped", missed);
	}
	report(ok, "corrupt flips exactly one bit, anywhere in the frame");
}

struct delay_ctx {
	uint64_t lo, hi, min, max;
	double sum;
	uint64_t n, out_of_bounds;
};

static void delay_each(uint32_t i, uint64_t t, const struct impair_out *o, void *ctx)
{
	struct delay_ctx *d = ctx;
	uint64_t dt = o->f[0]->arrive_ns - t;

	(void)i;
	if (dt < d->lo || dt > d->hi)
		d->out_of_bounds++;
	if (dt < d->min)
		d->min = dt;
	if (dt > d->max)
		d->max = dt;
	d->sum += (double)dt;
	d->n++;
}

/* delay D jitter J: each frame D + uniform 0..J later, the whole range used,
 * the mean D + J/2 within the uniform's standard error. */
static void test_delay_jitter(void)
{
	const uint32_t n = 100000;
	const uint64_t dl = 1000 * US, j = 500 * US;
	struct dir_counters c = { 0 };
	struct delay_ctx d = { dl, dl + j, UINT64_MAX, 0, 0, 0, 0 };
	double mean, sd = j / sqrt(12.0);
	struct impair im;
	int ok = 1;

	impair_init(&im, 15, 0);
	CHECK(!impair_cmd(&im, "delay 1000 jitter 500"), "delay rejected");
	run_chain(&im, &c, n, delay_each, &d);
	mean = d.sum / d.n;
	CHECK(!d.out_of_bounds, "%" PRIu64 " delays outside %" PRIu64 "..%" PRIu64 " ns",
	      d.out_of_bounds, dl, dl + j);
	CHECK(d.min < dl + j / 100 && d.max > dl + j - j / 100,
	      "range %" PRIu64 "..%" PRIu64 " ns, not the whole jitter", d.min, d.max);
	CHECK(fabs(mean - (dl + j / 2.0)) <= Z_BOUND * sd / sqrt((double)n),
	      "mean %.0f ns", mean);
	CHECK(c.delayed == n, "%" PRIu64 " counted delayed of %u", c.delayed, n);
	report(ok, "delay 1 ms jitter 0.5 ms: %" PRIu64 "..%" PRIu64 " ns, mean %.0f",
	       d.min, d.max, mean);
}

struct reorder_ctx {
	uint64_t held, bad;
};

static void reorder_each(uint32_t i, uint64_t t, const struct impair_out *o, void *ctx)
{
	struct reorder_ctx *r = ctx;
	uint64_t dt = o->f[0]->arrive_ns - t;

	(void)i;
	if (dt == 5000 * US)
		r->held++;
	else if (dt)
		r->bad++;
}

static void test_reorder_chain(void)
{
	const uint32_t n = 100000;
	struct dir_counters c = { 0 };
	struct reorder_ctx r = { 0 };
	struct impair im;
	int ok = 1;

	impair_init(&im, 16, 0);
	CHECK(!impair_cmd(&im, "reorder 20 5000"), "reorder rejected");
	run_chain(&im, &c, n, reorder_each, &r);
	CHECK(!r.bad, "%" PRIu64 " frames delayed by something else", r.bad);
	CHECK(r.held == c.reordered, "%" PRIu64 " held, counted %" PRIu64, r.held, c.reordered);
	CHECK(binomial_ok(r.held, n, 0.20), "%" PRIu64 " of %u held", r.held, n);
	CHECK(!c.delayed, "reordering counted as delay");
	report(ok, "reorder 20%% holds %" PRIu64 " of %u frames back 5 ms", r.held, n);
}

/* What a configuration does to a run of frames, as one fingerprint line
 * per frame: kept or not, copies, arrival times, content. */
static uint64_t fingerprint(struct impair *im, uint32_t n, uint8_t *lost)
{
	struct dir_counters c = { 0 };
	uint64_t h = 1469598103934665603ull;

	for (uint32_t i = 0; i < n; i++) {
		struct impair_out out;

		impair_run(im, &c, make_frame(i, 64, 0), (uint64_t)i * US, &out);
		lost[i] = !out.n;
		for (int k = 0; k < out.n; k++) {
			h = (h ^ out.f[k]->arrive_ns) * 1099511628211ull;
			for (int b = 0; b < 64; b++)
				h = (h ^ out.f[k]->data[b]) * 1099511628211ull;
			free(out.f[k]);
		}
		h = (h ^ (uint64_t)out.n) * 1099511628211ull;
	}
	return h;
}

static void test_seed_reproducible(void)
{
	const char *cfg = "loss 5 ge 1 20 100 0 dup 3 corrupt 2 delay 10 jitter 100 "
			  "reorder 5 50 seed 99";
	enum { N = 20000 };
	static uint8_t l1[N], l2[N], l3[N], l4[N];
	struct impair a, b;
	uint64_t h1, h2, h3, h4;
	int ok = 1;

	impair_init(&a, 1, 1);
	impair_init(&b, 2, 1);
	CHECK(!impair_cmd(&a, cfg) && !impair_cmd(&b, cfg), "config rejected");
	h1 = fingerprint(&a, N, l1);
	h2 = fingerprint(&b, N, l2);
	CHECK(h1 == h2 && !memcmp(l1, l2, N), "same seed, different outcome");
	CHECK(!impair_cmd(&a, "seed 99"), "seed rejected"); /* starts over */
	h3 = fingerprint(&a, N, l3);
	CHECK(h3 == h1 && !memcmp(l3, l1, N), "reseeding did not start over");
	CHECK(!impair_cmd(&a, "seed 100"), "seed rejected");
	h4 = fingerprint(&a, N, l4);
	CHECK(h4 != h1 && memcmp(l4, l1, N), "seed 100 gave seed 99's outcome");
	report(ok, "seed reproduces every impairment's outcome; another seed does not");
}

static void test_parse(void)
{
	static const struct { const char *cmd; int good; } cases[] = {
		{ "loss 0.5", 1 }, { "loss 100", 1 }, { "loss 0", 1 }, { "loss 0.0001", 1 },
		{ "loss 100.0001", 0 }, { "loss 1.23456", 0 }, { "loss .5", 0 },
		{ "loss 5.", 0 }, { "loss 5x", 0 }, { "loss -1", 0 }, { "loss", 0 },
		{ "loss 1000", 0 }, { "ge 1 2 3", 0 }, { "ge 1 2 3 4", 1 }, { "ge off", 1 },
		{ "ge 1 2 3 101", 0 }, { "reorder 5 0", 0 }, { "reorder 0 0", 1 },
		{ "reorder 5 1", 1 }, { "reorder off", 1 }, { "reorder 5", 0 },
		{ "delay 10000000", 1 }, { "delay 10000001", 0 }, { "jitter -1", 0 },
		{ "seed 18446744073709551615", 1 }, { "seed 18446744073709551616", 0 },
		{ "seed", 0 }, { "dup 50 corrupt 1", 1 }, { "bogus 1", 0 },
		{ "off", 1 }, { "off loss 1", 0 }, { "", 0 },
	};
	static const struct { uint32_t ppm; const char *s; } pcts[] = {
		{ 5000, "0.5" }, { 50000, "5" }, { 1, "0.0001" }, { 123400, "12.34" },
		{ 1000000, "100" }, { 0, "0" },
	};
	int ok = 1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct impair im;

		impair_init(&im, 5, 0);
		struct impair_config before = im.cfg;
		int good = !impair_cmd(&im, cases[i].cmd);

		CHECK(good == cases[i].good, "'%s' %s", cases[i].cmd,
		      good ? "accepted" : "rejected");
		if (!good)
			CHECK(!memcmp(&before, &im.cfg, sizeof(before)), "'%s' changed settings",
			      cases[i].cmd);
	}
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		char buf[16];

		impair_pct(pcts[i].ppm, buf, sizeof(buf));
		CHECK(!strcmp(buf, pcts[i].s), "%u ppm shown as %s", pcts[i].ppm, buf);
	}
	struct impair im;

	impair_init(&im, 5, 0);
	CHECK(!impair_cmd(&im, "loss 0.5 ge 1 2 3 4 seed 77") && im.cfg.loss_ppm == 5000 &&
	      im.cfg.ge_on && im.cfg.ge_loss_good_ppm == 40000 && im.cfg.seed == 77,
	      "values not stored");
	CHECK(!impair_cmd(&im, "off") && !im.cfg.loss_ppm && !im.cfg.ge_on &&
	      im.cfg.seed == 77, "off did not clear (or lost the seed)");
	report(ok, "settings parse, bad ones change nothing");
}

/* ---- the tx side on a simulated clock ---- */

/* Runs the port's tx side until now = until, waking exactly at each
 * deadline (the lateness of a real loop is test_egress's business). */
static void tx_run_until(struct port *p, uint64_t until)
{
	for (;;) {
		uint64_t d;

		egress_run(p, sim.now);
		d = egress_next_deadline(p);
		if (d > until)
			break;
		sim.now = d > sim.now ? d : sim.now + 1;
	}
	sim.now = until;
	egress_run(p, sim.now);
}

static uint64_t tx_accounted(const struct port *p)
{
	const struct dir_counters *c = &p->tx.c;

	return c->packets + drops_total(c) + c->queue_frames + c->inflight_frames;
}

/*
 * ECT frames at half a 1 Gbit/s line rate through a 10 ms delay: 300 frames
 * are on the wire at once, far beyond the 16 KiB buffer and the 4..8 KiB
 * ECN thresholds, yet none is tail-dropped or marked, the buffer never
 * holds more than the arriving frame, and each frame reaches the VM exactly
 * 10 ms after it started (it starts on arrival, the wire being free).
 */
static void test_delay_not_queue_depth(void)
{
	const uint64_t rate = 1000, delay = 10 * MS;
	const size_t len = 1000;
	const uint64_t gap = 2 * (len + 24) * 8 * 1000 / rate; /* half the rate */
	const uint32_t n = 3000;
	struct port *p = port_setup(rate, 16 * 1024);
	uint64_t peak_inflight = 0, late = 0, marked = 0;
	int ok = 1;

	p->ecn.enabled = true;
	p->ecn.kmin_bytes = 4 * 1024;
	p->ecn.kmax_bytes = 8 * 1024;
	p->ecn.pmax_pct = 100;
	CHECK(!impair_cmd(&p->tx.imp, "delay 10000"), "delay rejected");
	for (uint32_t i = 0; i < n; i++) {
		tx_run_until(p, (uint64_t)i * gap);
		egress_enqueue(p, make_frame(i, len, 0x02), sim.now);
		if (p->tx.c.inflight_frames > peak_inflight)
			peak_inflight = p->tx.c.inflight_frames;
	}
	tx_run_until(p, (uint64_t)n * gap + delay + MS);
	CHECK(sim.nrec == n, "%zu of %u delivered", sim.nrec, n);
	for (size_t i = 0; i < sim.nrec; i++) {
		late += sim.rec[i].t != (uint64_t)sim.rec[i].seq * gap + delay;
		marked += (sim.rec[i].tos & 3) == 3;
	}
	CHECK(!late, "%" PRIu64 " frames not delivered exactly 10 ms after they started", late);
	CHECK(!marked && !p->tx.c.ecn_marked, "%" PRIu64 " frames CE-marked", marked);
	CHECK(!drops_total(&p->tx.c), "%" PRIu64 " drops", drops_total(&p->tx.c));
	CHECK(p->tx.c.queue_peak_bytes <= len, "buffer peaked at %" PRIu64 " bytes",
	      p->tx.c.queue_peak_bytes);
	CHECK(peak_inflight * len > p->eg.buffer_bytes && peak_inflight * len > p->ecn.kmax_bytes,
	      "only %" PRIu64 " frames were ever in flight", peak_inflight);
	CHECK(p->tx.c.delayed == n && tx_accounted(p) == n, "accounting");
	port_teardown(p);
	report(ok, "delay_not_queue_depth: %" PRIu64 " frames in flight, no mark, no drop",
	       peak_inflight);
}

/*
 * Frames every 10 us with delay 50 us and jitter 100 us: each reaches the VM
 * 50..150 us after it started, and jitter larger than the spacing reorders.
 */
static void test_tx_jitter(void)
{
	const uint32_t n = 5000;
	const uint64_t gap = 10 * US;
	struct port *p = port_setup(0, 1 << 20);
	uint64_t out = 0, inversions = 0;
	int ok = 1;

	CHECK(!impair_cmd(&p->tx.imp, "delay 50 jitter 100"), "rejected");
	for (uint32_t i = 0; i < n; i++) {
		tx_run_until(p, (uint64_t)i * gap);
		egress_enqueue(p, make_frame(i, 64, 0), sim.now);
	}
	tx_run_until(p, (uint64_t)n * gap + MS);
	CHECK(sim.nrec == n, "%zu of %u delivered", sim.nrec, n);
	for (size_t i = 0; i < sim.nrec; i++) {
		uint64_t sent = (uint64_t)sim.rec[i].seq * gap;

		out += sim.rec[i].t < sent + 50 * US || sim.rec[i].t > sent + 150 * US;
		inversions += i && sim.rec[i].seq < sim.rec[i - 1].seq;
	}
	CHECK(!out, "%" PRIu64 " frames outside 50..150 us", out);
	CHECK(inversions > 0, "jitter of 10 gaps never reordered");
	CHECK(!p->tx.c.queue_peak_bytes || p->tx.c.queue_peak_bytes <= 64, "queued");
	port_teardown(p);
	report(ok, "tx jitter stays in bounds and reorders (%" PRIu64 " inversions)",
	       inversions);
}

/*
 * reorder 10% by 1 ms, frames every 10 us: a held frame arrives 1 ms late,
 * so exactly the held frames followed within 1 ms by one not held are
 * overtaken, and only held frames are.
 */
static void test_tx_reorder(void)
{
	const uint32_t n = 5000;
	const uint64_t gap = 10 * US, extra = 1 * MS;
	struct port *p = port_setup(0, 1 << 20);
	static uint8_t held[5000], overtaken[5000];
	uint32_t max_seen = 0;
	uint64_t nheld = 0, bad = 0, missing = 0;
	int ok = 1;

	CHECK(!impair_cmd(&p->tx.imp, "reorder 10 1000"), "rejected");
	for (uint32_t i = 0; i < n; i++) {
		tx_run_until(p, (uint64_t)i * gap);
		egress_enqueue(p, make_frame(i, 64, 0), sim.now);
	}
	tx_run_until(p, (uint64_t)n * gap + 2 * extra);
	CHECK(sim.nrec == n, "%zu of %u delivered", sim.nrec, n);
	memset(held, 0, sizeof(held));
	memset(overtaken, 0, sizeof(overtaken));
	for (size_t i = 0; i < sim.nrec; i++) {
		uint32_t s = sim.rec[i].seq;
		uint64_t dt = sim.rec[i].t - (uint64_t)s * gap;

		if (dt == extra)
			held[s] = 1;
		else if (dt)
			bad++;
		if (i && s < max_seen)
			overtaken[s] = 1;
		if (s > max_seen)
			max_seen = s;
	}
	for (uint32_t s = 0; s < n; s++) {
		int expect = 0;

		nheld += held[s];
		for (uint32_t k = s + 1; held[s] && k < n && k * gap < s * gap + extra; k++)
			expect |= !held[k];
		missing += expect != overtaken[s];
	}
	CHECK(!bad, "%" PRIu64 " frames delayed by other than 0 or 1 ms", bad);
	CHECK(!missing, "%" PRIu64 " frames overtaken other than predicted", missing);
	CHECK(nheld == p->tx.c.reordered, "%" PRIu64 " held, counted %" PRIu64,
	      nheld, p->tx.c.reordered);
	CHECK(binomial_ok(nheld, n, 0.10), "%" PRIu64 " of %u held", nheld, n);
	port_teardown(p);
	report(ok, "tx reorder: the %" PRIu64 " held-back frames are overtaken", nheld);
}

/* tx with dup and loss: every frame switched to the port is accounted for,
 * copies included, and the VM gets exactly the frames counted as sent. */
static void test_tx_accounting(void)
{
	const uint32_t n = 20000;
	struct port *p = port_setup(1000, 1 << 20);
	int ok = 1;

	CHECK(!impair_cmd(&p->tx.imp, "loss 3 dup 7 delay 100 jitter 300"), "rejected");
	for (uint32_t i = 0; i < n; i++) {
		tx_run_until(p, (uint64_t)i * 2 * US);
		egress_enqueue(p, make_frame(i, 200, 0), sim.now);
		CHECK(tx_accounted(p) == i + 1 + p->tx.c.duplicated, "frame %u unaccounted", i);
		if (!ok)
			break;
	}
	tx_run_until(p, (uint64_t)n * 2 * US + 10 * MS);
	CHECK(!egress_busy(p), "frames left");
	CHECK(sim.nrec == p->tx.c.packets, "VM got %zu, counted %" PRIu64, sim.nrec,
	      p->tx.c.packets);
	CHECK(p->tx.c.packets == n + p->tx.c.duplicated - p->tx.c.drops[DROP_LOSS],
	      "sent %" PRIu64, p->tx.c.packets);
	CHECK(drops_total(&p->tx.c) == p->tx.c.drops[DROP_LOSS], "other drops");
	port_teardown(p);
	report(ok, "tx accounting with loss, duplicates and delay");
}

/* Going down drops the frames on the wire (heap) as link_down; down-for
 * comes back up at its time, not before. */
static void test_link_down_for(void)
{
	struct port *p = port_setup(0, 1 << 20);
	int ok = 1;

	CHECK(!impair_cmd(&p->tx.imp, "delay 10000"), "rejected");
	CHECK(!impair_cmd(&p->rx.imp, "delay 10000"), "rejected");
	for (uint32_t i = 0; i < 10; i++) {
		egress_enqueue(p, make_frame(i, 64, 0), sim.now);
		ingress_receive(&fab, p, make_frame(100 + i, 64, 0), sim.now);
	}
	tx_run_until(p, 1 * MS);
	CHECK(p->tx.c.inflight_frames == 10 && p->rx.c.inflight_frames == 10,
	      "%" PRIu64 "/%" PRIu64 " in flight", p->tx.c.inflight_frames,
	      p->rx.c.inflight_frames);
	port_link_down_for(p, 5 * MS, sim.now);
	CHECK(!p->link_up, "still up");
	CHECK(p->tx.c.drops[DROP_LINK_DOWN] == 10 && p->rx.c.drops[DROP_LINK_DOWN] == 10 &&
	      !p->tx.c.inflight_frames && !p->rx.c.inflight_frames, "wire not flushed");
	CHECK(port_link_deadline(p) == 6 * MS, "deadline %" PRIu64, port_link_deadline(p));
	egress_enqueue(p, make_frame(50, 64, 0), sim.now);
	CHECK(p->tx.c.drops[DROP_LINK_DOWN] == 11, "sent while down");
	CHECK(!port_link_tick(p, 6 * MS - 1) && !p->link_up, "up early");
	CHECK(port_link_tick(p, 6 * MS) && p->link_up, "not up at its time");
	CHECK(port_link_deadline(p) == UINT64_MAX && !port_link_tick(p, 7 * MS), "timer stays");
	/* A plain set cancels a pending down-for. */
	port_link_down_for(p, 5 * MS, 7 * MS);
	port_set_link(p, false);
	CHECK(!port_link_tick(p, 100 * MS) && !p->link_up, "down-for outlived link down");
	tx_run_until(p, 200 * MS);
	CHECK(sim.nrec == 0, "%zu frames delivered from a down link", sim.nrec);
	port_teardown(p);
	report(ok, "link down flushes the wire; down-for comes back at its time");
}

/* ---- the rx side ---- */

/* rx delay: frames are switched exactly at arrival + delay, and count as rx
 * packets only then; without a delay they are switched at once. */
static void test_rx_delay(void)
{
	const uint32_t n = 1000;
	const uint64_t gap = 7 * US, delay = 300 * US;
	struct port *p = port_setup(0, 1 << 20);
	uint64_t wrong = 0;
	int ok = 1;

	ingress_receive(&fab, p, make_frame(0, 64, 0), sim.now);
	CHECK(sim.nrec == 1 && p->rx.c.packets == 1, "undelayed frame not switched at once");
	sim.nrec = 0;
	p->rx.c.packets = 0;
	CHECK(!impair_cmd(&p->rx.imp, "delay 300 dup 5"), "rejected");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = (uint64_t)i * gap;

		/* The loop: wake at the earlier of the next frame and the heap. */
		while (ingress_next_deadline(p) <= t) {
			sim.now = ingress_next_deadline(p);
			ingress_run(&fab, p, sim.now);
		}
		sim.now = t;
		ingress_receive(&fab, p, make_frame(i, 64, 0), sim.now);
		CHECK(p->rx.c.packets + p->rx.c.inflight_frames == i + 1 + p->rx.c.duplicated,
		      "frame %u unaccounted", i);
	}
	while (ingress_next_deadline(p) != UINT64_MAX) {
		sim.now = ingress_next_deadline(p);
		ingress_run(&fab, p, sim.now);
	}
	CHECK(sim.nrec == n + p->rx.c.duplicated, "%zu switched of %" PRIu64, sim.nrec,
	      n + p->rx.c.duplicated);
	CHECK(p->rx.c.packets == sim.nrec, "rx packets %" PRIu64, p->rx.c.packets);
	for (size_t i = 0; i < sim.nrec; i++)
		wrong += sim.rec[i].t != (uint64_t)sim.rec[i].seq * gap + delay;
	CHECK(!wrong, "%" PRIu64 " frames switched at the wrong time", wrong);
	CHECK(p->rx.c.duplicated > 0, "no duplicates at 5%% of %u", n);
	port_teardown(p);
	report(ok, "rx delay switches frames at their arrival time");
}

int main(void)
{
	printf("TAP version 13\n");
	printf("1..16\n");
	test_prng();
	test_heap_order();
	test_loss();
	test_gilbert_elliott();
	test_duplicate();
	test_corrupt();
	test_delay_jitter();
	test_reorder_chain();
	test_seed_reproducible();
	test_parse();
	test_delay_not_queue_depth();
	test_tx_jitter();
	test_tx_reorder();
	test_tx_accounting();
	test_link_down_for();
	test_rx_delay();
	printf("# %d passed, %d failed\n", test_no - failures, failures);
	free(sim.rec);
	return failures ? 1 : 0;
}
