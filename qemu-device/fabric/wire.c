// SPDX-License-Identifier: GPL-2.0
/* The line-rate model: serialization time with Ethernet's per-frame overhead. */
#include "wire.h"

void wire_set_rate(struct wire *w, uint64_t rate_mbps)
{
	*w = (struct wire){ .rate_mbps = rate_mbps };
}

uint64_t wire_start(const struct wire *w, uint64_t ready_ns)
{
	return ready_ns > w->busy_until_ns ? ready_ns : w->busy_until_ns;
}

void wire_occupy(struct wire *w, uint64_t start_ns, size_t len)
{
	uint64_t num;

	if (!w->rate_mbps)
		return;
	if (start_ns > w->busy_until_ns) {
		/* The wire was idle: the frame starts exactly at start_ns. */
		w->busy_until_ns = start_ns;
		w->busy_frac = 0;
	}
	/*
	 * bits * 1000 / rate_mbps ns, keeping the remainder: at 100 Gbit/s a
	 * 64-byte frame is 7.04 ns, and dropping 0.04 ns each would be a
	 * 0.6% error. At most (9216 + 24) * 8000 + 10^7, far from overflow.
	 */
	num = ((uint64_t)len + WIRE_OVERHEAD_BYTES) * 8 * 1000 + w->busy_frac;
	w->busy_until_ns += num / w->rate_mbps;
	w->busy_frac = num % w->rate_mbps;
}

void wire_resume(struct wire *w, uint64_t now)
{
	if (now > w->busy_until_ns) {
		w->busy_until_ns = now;
		w->busy_frac = 0;
	}
}
