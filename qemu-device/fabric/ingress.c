// SPDX-License-Identifier: GPL-2.0
/* The rx side of a port: stages, impairments, the rx heap, then switching. */
#include <stdlib.h>

#include "fabric.h"
#include "ingress.h"

/* Accepted into the switch when it arrives: a frame still on the heap is
 * in flight, not yet an rx packet. */
static void arrive(struct fabric *fab, struct port *port, struct frame *f,
		   uint64_t now)
{
	port->rx.c.packets++;
	port->rx.c.bytes += f->len;
	forward_frame(fab, port->index, f, now);
}

void ingress_receive(struct fabric *fab, struct port *port, struct frame *f,
		     uint64_t now)
{
	struct impair_out out;

	if (!direction_run_stages(&port->rx, port, f, now)) {
		free(f);
		return;
	}
	impair_run(&port->rx.imp, &port->rx.c, f, now, &out);
	for (int i = 0; i < out.n; i++) {
		const struct frame *top = heap_top(&port->rx.prop);

		/* Without a delay the frame is switched right away, as it
		 * came; held frames arriving later do not hold it up. */
		if (out.f[i]->arrive_ns <= now && (!top || top->arrive_ns > out.f[i]->arrive_ns))
			arrive(fab, port, out.f[i], now);
		else
			direction_hold(&port->rx, out.f[i]);
	}
}

void ingress_run(struct fabric *fab, struct port *port, uint64_t now)
{
	struct frame *top;

	while ((top = heap_top(&port->rx.prop)) && top->arrive_ns <= now) {
		port->rx.c.inflight_frames--;
		arrive(fab, port, heap_pop(&port->rx.prop), now);
	}
}

uint64_t ingress_next_deadline(const struct port *port)
{
	const struct frame *top = heap_top(&port->rx.prop);

	return top ? top->arrive_ns : UINT64_MAX;
}
