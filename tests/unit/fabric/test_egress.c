// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the fabric's egress scheduling (egress.c, wire.c) on a
 * simulated clock: a fake event loop feeds one port at a chosen offered load,
 * wakes up late by a pseudo-random timer slack (0..100 us, fixed seed) and
 * records what port_xmit (stubbed here: the VM's socket) gets and when.
 * Expectations come from the configured rate and Ethernet's 24 bytes of
 * per-frame overhead, never from the code under test. Prints TAP.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

#define NS_PER_S 1000000000ull
#define SLACK_MAX_NS 100000u

struct sim {
	struct port port;
	uint64_t now;
	uint64_t rng;
	uint64_t blocked_until; /* port_xmit takes nothing before then */
	uint64_t win_start, win_end;
	uint64_t win_wire_bytes; /* sent inside [win_start, win_end), with overhead */
	uint64_t sent, sent_bytes;
	uint64_t *times;         /* if set: send time of each frame, up to ntimes */
	size_t ntimes;
};

static struct sim sim;

/* The stub of the VM's socket: takes every frame unless blocked. */
int port_xmit(struct port *port, struct frame *const *frames, int n)
{
	if (sim.now < sim.blocked_until) {
		port->tx_blocked = true;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (sim.times && sim.sent < sim.ntimes)
			sim.times[sim.sent] = sim.now;
		sim.sent++;
		sim.sent_bytes += frames[i]->len;
		if (sim.now >= sim.win_start && sim.now < sim.win_end)
			sim.win_wire_bytes += frames[i]->len + 24;
	}
	port->tx_blocked = false;
	return n;
}

static uint64_t slack(void)
{
	uint64_t x = sim.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	sim.rng = x;
	return x % (SLACK_MAX_NS + 1);
}

static void sim_init(uint64_t rate_mbps, uint64_t buffer_bytes)
{
	free(sim.times);
	memset(&sim, 0, sizeof(sim));
	sim.rng = 0x2545f4914f6cdd1dull;
	sim.port.conn.fd = 0; /* "connected": port_xmit is the stub */
	sim.port.link_up = true;
	sim.port.eg.buffer_bytes = buffer_bytes;
	wire_set_rate(&sim.port.eg.wire, rate_mbps);
}

static void sim_free(void)
{
	sim.port.conn.tx_off = 0;
	egress_flush(&sim.port, DROP_LINK_DOWN);
	heap_release(&sim.port.tx.prop);
	free(sim.times);
	sim.times = NULL;
}

/* One wakeup of the event loop at sim.now: POLLOUT, then transmit. */
static void wakeup(void)
{
	if (sim.port.tx_blocked && sim.now >= sim.blocked_until)
		sim.port.tx_blocked = false; /* POLLOUT */
	egress_run(&sim.port, sim.now);
}

/* Sleeps until the port's deadline (or until) and a random slack after it. */
static void sleep_until_next(uint64_t until)
{
	uint64_t d = egress_next_deadline(&sim.port);

	if (sim.port.tx_blocked && sim.blocked_until < d)
		d = sim.blocked_until; /* POLLOUT comes first */
	if (until < d)
		d = until;
	if (d <= sim.now)
		d = sim.now + 1;
	sim.now = d + slack();
}

static uint64_t offered, offered_bytes;

static struct frame *new_frame(size_t len)
{
	static const uint8_t data[FRAME_MAX];
	struct frame *f = frame_new(data, len);

	if (!f) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return f;
}

/*
 * Offers frames of len bytes at load times the rate (wire bytes, overhead
 * included) from sim.now for dur_ns, as a real loop does: the frames that
 * arrived since the last wakeup are enqueued together, then egress runs.
 */
static void offer(uint64_t rate_mbps, size_t len, double load, uint64_t dur_ns)
{
	/* Interarrival time in picoseconds. */
	double gap_ps = (len + 24) * 8 * 1e6 / (load * rate_mbps);
	uint64_t end = sim.now + dur_ns;
	double next_ps = sim.now * 1e3;

	while (sim.now < end) {
		while (next_ps <= sim.now * 1e3) {
			egress_enqueue(&sim.port, new_frame(len), sim.now);
			offered++;
			offered_bytes += len;
			next_ps += gap_ps;
		}
		wakeup();
		sleep_until_next((uint64_t)(next_ps / 1e3) + 1);
	}
}

/* Runs the loop with no arrivals until the port holds no frame. */
static void drain(void)
{
	while (egress_busy(&sim.port)) {
		wakeup();
		if (egress_busy(&sim.port))
			sleep_until_next(UINT64_MAX);
	}
}

static int failures;
static int test_no;

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

/* Serialization time of n frames of len bytes at rate, in ns (exact, floor). */
static uint64_t wire_ns(uint64_t n, size_t len, uint64_t rate_mbps)
{
	return n * (len + 24) * 8 * 1000 / rate_mbps;
}

/*
 * The simulated run: frames sent at a wakeup count in the window when the
 * wakeup is, so each edge may be off by one slack's worth; 20 ms (or 2000
 * frames) keeps that well below 1%.
 */
static uint64_t interval_ns(size_t len, uint64_t rate_mbps)
{
	uint64_t t = wire_ns(2000, len, rate_mbps);

	return 4 * (t < 20000000 ? 20000000 : t) / 3;
}

/*
 * Enough buffer to cover a wakeup's worst lateness at line rate four times:
 * with less, the queue runs dry between wakeups and the wire idles, which
 * no scheduling can help (set buffer-kb accordingly at high rates).
 */
static uint64_t buffer_for(uint64_t rate_mbps)
{
	uint64_t b = rate_mbps * 1000000 / 8 * 4 * SLACK_MAX_NS / NS_PER_S;

	return b < (1 << 20) ? 1 << 20 : b;
}

/* Offered 1.2 times the rate: the bytes on the wire (with overhead) are R. */
static void test_saturated(uint64_t rate_mbps, size_t len)
{
	uint64_t dur = interval_ns(len, rate_mbps);
	double want, got;
	int ok = 1;

	sim_init(rate_mbps, buffer_for(rate_mbps));
	offered = offered_bytes = 0;
	sim.win_start = dur / 4;
	sim.win_end = dur;
	offer(rate_mbps, len, 1.2, dur);
	want = (double)rate_mbps * 1e6 / 8 * (sim.win_end - sim.win_start) / NS_PER_S;
	got = sim.win_wire_bytes;
	CHECK(got >= 0.99 * want && got <= 1.01 * want,
	      "%.0f wire bytes in the window, want %.0f", got, want);
	CHECK(sim.port.eg.head, "offered over the rate, yet the queue ran empty");
	sim_free();
	report(ok, "saturated_%" PRIu64 "mbps_%zuB carries %.4f of the rate",
	       rate_mbps, len, got / want);
}

/* Offered half the rate: everything passes, nothing waits for long. */
static void test_below_rate(uint64_t rate_mbps, size_t len)
{
	uint64_t dur = interval_ns(len, rate_mbps);
	double want, got;
	int ok = 1;

	sim_init(rate_mbps, buffer_for(rate_mbps));
	offered = offered_bytes = 0;
	sim.win_start = dur / 4;
	sim.win_end = dur;
	offer(rate_mbps, len, 0.5, dur);
	/* What was offered in the window, in wire bytes. */
	want = 0.5 * rate_mbps * 1e6 / 8 * (sim.win_end - sim.win_start) / NS_PER_S;
	got = sim.win_wire_bytes;
	CHECK(got >= 0.99 * want && got <= 1.01 * want,
	      "%.0f wire bytes in the window, want %.0f", got, want);
	/* A wakeup's arrivals leave within about one slack. */
	CHECK(sim.port.tx.c.queue_peak_bytes <= (uint64_t)(
		(double)rate_mbps * 1e6 / 8 * 3 * SLACK_MAX_NS / NS_PER_S) + 2 * len,
	      "queue peaked at %" PRIu64 " bytes", sim.port.tx.c.queue_peak_bytes);
	drain();
	CHECK(sim.sent == offered && sim.sent_bytes == offered_bytes,
	      "sent %" PRIu64 " of %" PRIu64 " frames", sim.sent, offered);
	for (int i = 0; i < DROP__COUNT; i++)
		CHECK(!sim.port.tx.c.drops[i], "%" PRIu64 " %s drops",
		      sim.port.tx.c.drops[i], drop_cause_names[i]);
	sim_free();
	report(ok, "below_rate_%" PRIu64 "mbps_%zuB passes unshaped", rate_mbps, len);
}

/* Unlimited: every frame leaves at the wakeup it arrived in. */
static void test_unlimited(void)
{
	int ok = 1;

	sim_init(0, 1 << 20);
	offered = offered_bytes = 0;
	for (int i = 0; i < 1000; i++) {
		offer(10000, 1500, 1.0, 100000);
		CHECK(!sim.port.eg.head, "frames left queued after a wakeup");
		if (!ok)
			break;
	}
	CHECK(sim.sent == offered, "sent %" PRIu64 " of %" PRIu64, sim.sent, offered);
	sim_free();
	report(ok, "unlimited sends at once");
}

/*
 * After the wire idled, a burst is spaced from its arrival at line rate: frame
 * k no earlier than k serialization times later (no banked credit), and,
 * catching up after slack, no later than that plus one slack.
 */
static void test_idle_restart(void)
{
	const uint64_t rate = 1000, n = 200;
	const size_t len = 1500;
	uint64_t t0;
	int ok = 1;

	sim_init(rate, 1 << 20);
	offer(rate, len, 2.0, 10000000); /* busy for 10 ms */
	drain();
	sim.now += 50000000;               /* idle 50 ms */
	sim.times = calloc(n, sizeof(*sim.times));
	sim.ntimes = n;
	sim.sent = 0;
	t0 = sim.now;
	for (uint64_t k = 0; k < n; k++)
		egress_enqueue(&sim.port, new_frame(len), t0);
	drain();
	CHECK(sim.sent == n, "sent %" PRIu64 " of %" PRIu64, sim.sent, n);
	for (uint64_t k = 0; k < n && k < sim.sent; k++) {
		CHECK(sim.times[k] >= t0 + wire_ns(k, len, rate),
		      "frame %" PRIu64 " left %" PRIu64 " ns early", k,
		      t0 + wire_ns(k, len, rate) - sim.times[k]);
		CHECK(sim.times[k] <= t0 + wire_ns(k, len, rate) + SLACK_MAX_NS + 1,
		      "frame %" PRIu64 " left %" PRIu64 " ns late", k,
		      sim.times[k] - t0 - wire_ns(k, len, rate));
		if (!ok)
			break;
	}
	sim_free();
	report(ok, "idle_restart spaces a burst at line rate, no credit");
}

/*
 * A VM that reads nothing for 20 ms (its socket full). At time 0 only the
 * first frame's start time has come (the next starts one serialization time
 * later): it is on the wire, and waits for the socket with the wire paused.
 * The frames held in the buffer then leave at line rate from the resume,
 * not in a catch-up burst.
 */
static void test_resume_after_backpressure(void)
{
	const uint64_t rate = 1000, n = 100, blocked = 20000000;
	const size_t len = 1500;
	uint64_t t1;
	int ok = 1;

	sim_init(rate, 1 << 20);
	sim.blocked_until = blocked;
	sim.times = calloc(n, sizeof(*sim.times));
	sim.ntimes = n;
	for (uint64_t k = 0; k < n; k++)
		egress_enqueue(&sim.port, new_frame(len), 0);
	wakeup();
	CHECK(sim.port.tx.c.queue_frames == n - 1 && sim.port.tx.c.inflight_frames == 1,
	      "%" PRIu64 " queued, %" PRIu64 " in flight at time 0",
	      sim.port.tx.c.queue_frames, sim.port.tx.c.inflight_frames);
	drain();
	CHECK(sim.sent == n, "sent %" PRIu64 " of %" PRIu64, sim.sent, n);
	t1 = sim.times[0];
	CHECK(t1 >= blocked, "sent while blocked");
	for (uint64_t k = 1; k < n && k < sim.sent; k++) {
		CHECK(sim.times[k] >= t1 + wire_ns(k - 1, len, rate),
		      "frame %" PRIu64 " left %" PRIu64 " ns early", k,
		      t1 + wire_ns(k - 1, len, rate) - sim.times[k]);
		if (!ok)
			break;
	}
	sim_free();
	report(ok, "resume_after_backpressure goes on at line rate");
}

/* The model itself: n back-to-back frames end exactly n * (L + 24) * 8 / R
 * later, even where one frame is a fraction of a nanosecond off a whole one. */
static void test_wire_exact(void)
{
	static const struct { uint64_t rate; size_t len; } cases[] = {
		{ 100000, 64 }, { 400000, 64 }, { 10000000, 64 }, { 3, 1500 },
		{ 25000, 9000 }, { 7, 60 },
	};
	int ok = 1;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const uint64_t n = 1000003, t0 = 12345;
		struct wire w;

		wire_set_rate(&w, cases[c].rate);
		for (uint64_t k = 0; k < n; k++)
			wire_occupy(&w, wire_start(&w, t0), cases[c].len);
		CHECK(w.busy_until_ns == t0 + wire_ns(n, cases[c].len, cases[c].rate),
		      "%" PRIu64 " Mbit/s %zu B: ends at %" PRIu64 ", want %" PRIu64,
		      cases[c].rate, cases[c].len, w.busy_until_ns,
		      t0 + wire_ns(n, cases[c].len, cases[c].rate));
		/* Idle, then a frame ready later starts then, not earlier. */
		CHECK(wire_start(&w, w.busy_until_ns + 5) == w.busy_until_ns + 5, "idle start");
	}
	report(ok, "wire_exact keeps sub-nanosecond remainders");
}

int main(void)
{
	/* Rate and frame size; 64-byte frames stop at 10 Gbit/s (14.2 Mframes/s)
	 * to keep the run short: test_wire_exact covers the model beyond. */
	static const struct { uint64_t rate; size_t len; } cases[] = {
		{ 10, 64 }, { 10, 1500 }, { 10, 9000 },
		{ 200, 64 }, { 200, 1500 }, { 200, 9000 },
		{ 1000, 64 }, { 1000, 1500 }, { 1000, 9000 },
		{ 10000, 64 }, { 10000, 1500 }, { 10000, 9000 },
		{ 100000, 1500 }, { 100000, 9000 },
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);

	printf("TAP version 13\n");
	printf("1..%zu\n", 2 * ncases + 4);
	for (size_t c = 0; c < ncases; c++)
		test_saturated(cases[c].rate, cases[c].len);
	for (size_t c = 0; c < ncases; c++)
		test_below_rate(cases[c].rate, cases[c].len);
	test_unlimited();
	test_idle_restart();
	test_resume_after_backpressure();
	test_wire_exact();
	printf("# %d passed, %d failed\n", test_no - failures, failures);
	return failures ? 1 : 0;
}
