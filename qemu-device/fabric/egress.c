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

/*
 * Picks the next batch: the frames at the head of the queue whose start time
 * has come, with a rate each one starting when the one before it has left
 * the wire (wire_start on a copy of the schedule; egress_run commits it for
 * what was really written). A head frame already partly written is taken
 * whatever the schedule says: it was charged when it started, and the
 * stream must not stay mid-frame.
 */
static int due_frames(const struct port *port, uint64_t now,
		      struct frame **batch)
{
	const struct egress *eg = &port->eg;
	struct wire w = eg->wire;
	int n = 0;

	for (struct frame *f = eg->head; f && n < CONN_TX_BATCH; f = f->next) {
		uint64_t start;

		if (!n && port->conn.tx_off) {
			batch[n++] = f;
			continue;
		}
		if (f->ready_ns > now)
			break;
		if (w.rate_mbps) {
			start = wire_start(&w, f->ready_ns);
			if (start > now)
				break;
			wire_occupy(&w, start, f->len);
		}
		batch[n++] = f;
	}
	return n;
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
	if (eg->stalled) {
		/* Like a paused link: what could not leave while the VM's
		 * socket was full goes on at line rate, not in a burst. */
		wire_resume(&eg->wire, now);
		eg->stalled = false;
	}
	while (eg->head) {
		struct frame *batch[CONN_TX_BATCH];
		bool head_charged = port->conn.tx_off;
		int n = due_frames(port, now, batch), done;

		if (!n)
			break;
		done = port_xmit(port, batch, n);
		if (done < 0)
			return; /* the VM is gone; its queue was flushed */
		/* A frame holds the wire from when its first byte is written:
		 * the ones finished, and one now partly written. */
		for (int i = head_charged ? 1 : 0;
		     i < done + (port->conn.tx_off ? 1 : 0); i++)
			wire_occupy(&eg->wire, wire_start(&eg->wire, batch[i]->ready_ns),
				    batch[i]->len);
		for (int i = 0; i < done; i++)
			free(dequeue(port));
		if (port->tx_blocked) {
			/* Backpressure: the rest stays queued, the buffer
			 * fills instead, and POLLOUT resumes the port. */
			port->tx_retry_ns = now + EGRESS_BLOCKED_RETRY_NS;
			eg->stalled = true;
			break;
		}
	}
}

uint64_t egress_next_deadline(const struct port *port)
{
	const struct egress *eg = &port->eg;

	if (!eg->head)
		return UINT64_MAX;
	if (port->tx_blocked)
		return port->tx_retry_ns; /* POLLOUT comes first, normally */
	if (eg->wire.rate_mbps)
		return wire_start(&eg->wire, eg->head->ready_ns);
	return eg->head->ready_ns;
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
