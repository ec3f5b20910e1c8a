// SPDX-License-Identifier: GPL-2.0
/* Pipeline stages, the tail-drop egress buffer and the rate model. */
#include <stdlib.h>
#include <string.h>

#include "egress.h"
#include "port.h"

const char *const drop_cause_names[DROP__COUNT] = {
	[DROP_BUFFER] = "buffer",
	[DROP_LINK_DOWN] = "link_down",
	[DROP_RUNT] = "runt",
	[DROP_OVERSIZE] = "oversize",
	[DROP_NO_PEER] = "no_peer",
	[DROP_SEND_ERROR] = "send_error",
	[DROP_FRAMING] = "framing",
	[DROP_NO_MEMORY] = "no_memory",
};

struct frame *frame_new(const void *data, size_t len)
{
	struct frame *f = malloc(sizeof(*f) + len);

	if (!f)
		return NULL;
	f->next = NULL;
	f->ready_ns = 0;
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

void direction_add_stage(struct direction *dir, const struct stage *st)
{
	if (dir->nstages < MAX_STAGES)
		dir->stages[dir->nstages++] = *st;
}

bool direction_run_stages(struct direction *dir, struct port *port,
			  struct frame *f, uint64_t now)
{
	for (int i = 0; i < dir->nstages; i++) {
		struct stage *st = &dir->stages[i];

		if (st->process(st, port, f, now) == VERDICT_DROP) {
			dir->c.drops[st->cause]++;
			return false;
		}
	}
	return true;
}

static enum verdict link_process(struct stage *st, struct port *port,
				 struct frame *f, uint64_t now)
{
	(void)st; (void)f; (void)now;
	return port->link_up ? VERDICT_PASS : VERDICT_DROP;
}

const struct stage link_stage = {
	.name = "link",
	.process = link_process,
	.cause = DROP_LINK_DOWN,
};

static void queue_account(struct dir_counters *c, long dframes, long dbytes)
{
	c->queue_frames += dframes;
	c->queue_bytes += dbytes;
	if (c->queue_frames > c->queue_peak_frames)
		c->queue_peak_frames = c->queue_frames;
	if (c->queue_bytes > c->queue_peak_bytes)
		c->queue_peak_bytes = c->queue_bytes;
}

void egress_enqueue(struct port *port, struct frame *f, uint64_t now)
{
	struct dir_counters *c = &port->tx.c;

	/* Nobody to deliver to: don't let the frame hold buffer and wire time. */
	if (!port_connected(port)) {
		c->drops[DROP_NO_PEER]++;
		free(f);
		return;
	}
	/* Tail drop: a switch buffer never evicts frames already queued. */
	if (c->queue_bytes + f->len > port->eg.buffer_bytes) {
		c->drops[DROP_BUFFER]++;
		free(f);
		return;
	}
	/* After admission, so a stage never acts on (e.g. marks) a frame
	 * the buffer then drops. */
	if (!direction_run_stages(&port->tx, port, f, now)) {
		free(f);
		return;
	}
	if (f->ready_ns < now)
		f->ready_ns = now;
	f->next = NULL;
	if (port->eg.tail)
		port->eg.tail->next = f;
	else
		port->eg.head = f;
	port->eg.tail = f;
	queue_account(c, 1, (long)f->len);
	/* No egress_run here: the event loop transmits once this wakeup's
	 * reads are done, so frames that arrived together leave together. */
}

static struct frame *dequeue(struct port *port)
{
	struct frame *f = port->eg.head;

	port->eg.head = f->next;
	if (!port->eg.head)
		port->eg.tail = NULL;
	queue_account(&port->tx.c, -1, -(long)f->len);
	return f;
}

void egress_run(struct port *port, uint64_t now)
{
	struct egress *eg = &port->eg;

	if (port->tx_blocked) {
		/* Normally POLLOUT on the VM's socket unblocks the port;
		 * the retry time is only a safety net. */
		if (now < port->tx_retry_ns)
			return;
		port->tx_blocked = false;
	}
	while (eg->head && eg->head->ready_ns <= now) {
		struct frame *batch[CONN_TX_BATCH], *f;
		int n = 0, done;

		/* A frame already half written finishes whatever the wire
		 * model says: the stream must not be left mid-frame. */
		if (eg->rate_mbps && eg->busy_until_ns > now && !port->conn.tx_off)
			break;
		/* With a rate the wire is busy after one frame; without,
		 * every ready frame goes in one writev. */
		for (f = eg->head; f && n < CONN_TX_BATCH && f->ready_ns <= now; f = f->next) {
			batch[n++] = f;
			if (eg->rate_mbps)
				break;
		}
		done = port_xmit(port, batch, n);
		if (done < 0)
			return; /* the VM is gone; its queue was flushed */
		for (int i = 0; i < done; i++) {
			f = dequeue(port);
			if (eg->rate_mbps) {
				/* The frame occupies the wire for L*8/rate from
				 * when it really leaves (later if the VM held it
				 * back); an idle transmitter starts now, so no
				 * burst credit builds up. */
				uint64_t start = eg->busy_until_ns > now ? eg->busy_until_ns : now;

				eg->busy_until_ns = start + f->len * 8 * 1000 / eg->rate_mbps;
			}
			free(f);
		}
		if (port->tx_blocked) {
			/* Backpressure: the rest stays queued, the buffer
			 * fills instead, and POLLOUT resumes the port. */
			port->tx_retry_ns = now + EGRESS_BLOCKED_RETRY_NS;
			break;
		}
	}
}

uint64_t egress_next_deadline(const struct port *port)
{
	const struct egress *eg = &port->eg;
	uint64_t t;

	if (!eg->head)
		return UINT64_MAX;
	if (port->tx_blocked)
		return port->tx_retry_ns; /* POLLOUT comes first, normally */
	t = eg->head->ready_ns;
	if (eg->rate_mbps && eg->busy_until_ns > t)
		t = eg->busy_until_ns;
	return t;
}

void egress_flush(struct port *port, enum drop_cause cause)
{
	struct frame *keep = NULL;

	if (port->conn.tx_off && port->eg.head)
		keep = dequeue(port);
	while (port->eg.head) {
		free(dequeue(port));
		port->tx.c.drops[cause]++;
	}
	if (keep) {
		keep->next = NULL;
		port->eg.head = port->eg.tail = keep;
		queue_account(&port->tx.c, 1, (long)keep->len);
	} else {
		port->tx_blocked = false;
	}
}
