// SPDX-License-Identifier: GPL-2.0
/* Admission stages, the tail-drop egress buffer, the serializer and the
 * delivery of arrived frames to the VM. */
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
	[DROP_LOSS] = "loss",
	[DROP_BURST_LOSS] = "burst_loss",
};

struct frame *frame_new(const void *data, size_t len)
{
	struct frame *f = malloc(sizeof(*f) + len);

	if (!f)
		return NULL;
	f->next = NULL;
	f->ready_ns = f->arrive_ns = f->seq = 0;
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

void direction_hold(struct direction *dir, struct frame *f)
{
	if (heap_push(&dir->prop, f) < 0) {
		dir->c.drops[DROP_NO_MEMORY]++;
		free(f);
		return;
	}
	dir->c.inflight_frames++;
}

void direction_impair(struct direction *dir, struct frame *f, uint64_t t)
{
	struct impair_out out;

	impair_run(&dir->imp, &dir->c, f, t, &out);
	for (int i = 0; i < out.n; i++)
		direction_hold(dir, out.f[i]);
}

void direction_flush_heap(struct direction *dir, enum drop_cause cause)
{
	struct frame *f;

	while ((f = heap_pop(&dir->prop))) {
		dir->c.inflight_frames--;
		dir->c.drops[cause]++;
		free(f);
	}
}

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

static void due_append(struct egress *eg, struct frame *f)
{
	f->next = NULL;
	if (eg->due_tail)
		eg->due_tail->next = f;
	else
		eg->due_head = f;
	eg->due_tail = f;
}

static struct frame *due_pop(struct egress *eg)
{
	struct frame *f = eg->due_head;

	eg->due_head = f->next;
	if (!eg->due_head)
		eg->due_tail = NULL;
	return f;
}

/*
 * The serializer: up to a batch of frames from the head of the buffer whose
 * start time has come, with a rate each one starting when the one before it
 * has left the wire, go through the impairment chain onto the heap. It
 * starts them at their virtual start time, however late the wakeup, so the
 * port carries its rate on average. Returns how many left the buffer.
 */
static int serialize(struct port *port, uint64_t now)
{
	struct egress *eg = &port->eg;
	int n = 0;

	while (eg->head && n < CONN_TX_BATCH) {
		struct frame *f = eg->head;
		uint64_t start = f->ready_ns;

		if (eg->wire.rate_mbps)
			start = wire_start(&eg->wire, f->ready_ns);
		if (start > now)
			break;
		wire_occupy(&eg->wire, start, f->len);
		dequeue(port);
		direction_impair(&port->tx, f, start);
		n++;
	}
	return n;
}

/* Frames whose arrival time has come, in arrival order, join the due list. */
static void release_due(struct port *port, uint64_t now)
{
	struct frame *top;

	while ((top = heap_top(&port->tx.prop)) && top->arrive_ns <= now)
		due_append(&port->eg, heap_pop(&port->tx.prop));
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
	for (;;) {
		struct frame *batch[CONN_TX_BATCH];
		int n = 0, done;

		release_due(port, now);
		if (!eg->due_head) {
			/* The serializer runs only while the VM takes frames,
			 * so under backpressure frames wait in the buffer,
			 * where tail drop and ECN see them. */
			if (!serialize(port, now))
				break;
			continue;
		}
		for (struct frame *f = eg->due_head; f && n < CONN_TX_BATCH; f = f->next)
			batch[n++] = f;
		done = port_xmit(port, batch, n);
		if (done < 0)
			return; /* the VM is gone; its frames were flushed */
		for (int i = 0; i < done; i++) {
			struct frame *f = due_pop(eg);

			port->tx.c.inflight_frames--;
			port->tx.c.packets++;
			port->tx.c.bytes += f->len;
			free(f);
		}
		if (port->tx_blocked) {
			/* Backpressure: the rest waits, the buffer fills
			 * instead, and POLLOUT resumes the port. */
			port->tx_retry_ns = now + EGRESS_BLOCKED_RETRY_NS;
			eg->stalled = true;
			break;
		}
	}
}

bool egress_busy(const struct port *port)
{
	return port->eg.head || port->eg.due_head || heap_top(&port->tx.prop);
}

uint64_t egress_next_deadline(const struct port *port)
{
	const struct egress *eg = &port->eg;
	const struct frame *top = heap_top(&port->tx.prop);
	uint64_t d = UINT64_MAX;

	if (port->tx_blocked)
		return egress_busy(port) ? port->tx_retry_ns : UINT64_MAX;
	if (eg->due_head)
		return 0; /* arrived and sendable: at once */
	if (eg->head)
		d = eg->wire.rate_mbps ? wire_start(&eg->wire, eg->head->ready_ns) :
					 eg->head->ready_ns;
	if (top && top->arrive_ns < d)
		d = top->arrive_ns;
	return d;
}

void egress_flush(struct port *port, enum drop_cause cause)
{
	struct egress *eg = &port->eg;
	struct dir_counters *c = &port->tx.c;
	struct frame *keep = NULL;

	if (port->conn.tx_off && eg->due_head)
		keep = due_pop(eg);
	while (eg->head) {
		free(dequeue(port));
		c->drops[cause]++;
	}
	while (eg->due_head) {
		free(due_pop(eg));
		c->inflight_frames--;
		c->drops[cause]++;
	}
	direction_flush_heap(&port->tx, cause);
	if (keep)
		due_append(eg, keep); /* still in flight: it will be finished */
	else
		port->tx_blocked = false;
}
