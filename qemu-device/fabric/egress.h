/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One direction of a link, as the fabric models it:
 *
 *   admission stages -> serializer -> impairment chain -> propagation heap -> far end
 *
 * The admission stages (link state, ECN marking) see each frame once as it
 * arrives. On tx the serializer is the egress buffer (tail drop; its depth
 * drives ECN) and the line-rate wire; rx has neither (the VM's own NIC
 * paces it). The impairment chain (impair.h) may drop a frame, duplicate it
 * and give it an arrival time; the frame then waits in the propagation heap
 * (heap.h) until that time, outside the buffer, so delay never counts as
 * queue depth. tx then writes it to the VM's socket (egress_*), rx switches
 * it (ingress.h). All of it is pure C on times passed in; port_xmit is the
 * one call out to the process's I/O.
 */
#ifndef FABRIC_EGRESS_H
#define FABRIC_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "heap.h"
#include "impair.h"
#include "wire.h"

struct port;

enum verdict { VERDICT_PASS, VERDICT_DROP };

/*
 * An admission stage sees each frame once, may rewrite it (ECN) or drop it;
 * a dropped frame is counted under the stage's drop cause and freed by the
 * caller. state is the stage's private data.
 */
struct stage {
	const char *name;
	enum verdict (*process)(struct stage *st, struct port *port,
				struct frame *f, uint64_t now);
	enum drop_cause cause;
	void *state;
};

#define MAX_STAGES 8

/* One direction of a port: rx = from the VM into the switch, tx = to the VM. */
struct direction {
	struct dir_counters c;
	struct stage stages[MAX_STAGES];
	int nstages;
	struct impair imp;
	struct frame_heap prop; /* frames past the chain, by arrival time */
};

/* The egress buffer, transmitter and delivery of one port. */
struct egress {
	struct frame *head, *tail; /* the buffer: queue depth, tail drop, ECN */
	struct wire wire;          /* line rate; rate 0: send as soon as queued */
	uint64_t buffer_bytes;     /* tail-drop limit on queued bytes */
	bool stalled;              /* the VM's socket was full: resume the wire */
	/* Arrived frames (popped from tx.prop) waiting for the VM's socket; the
	 * head may be partly written (conn.tx_off). */
	struct frame *due_head, *due_tail;
};

void direction_add_stage(struct direction *dir, const struct stage *st);
/* Runs dir's stages; on drop counts the cause and returns false. */
bool direction_run_stages(struct direction *dir, struct port *port,
			  struct frame *f, uint64_t now);
/* Puts f (arrive_ns set) on dir's heap, or drops it as no_memory. */
void direction_hold(struct direction *dir, struct frame *f);
/* Puts what the impairment chain made of f (leaving at t) on dir's heap. */
void direction_impair(struct direction *dir, struct frame *f, uint64_t t);
/* Drops every frame on dir's heap under cause. */
void direction_flush_heap(struct direction *dir, enum drop_cause cause);

/* A port blocked by a full VM socket waits for POLLOUT on it, and retries
 * after this long in any case (a safety net). */
#define EGRESS_BLOCKED_RETRY_NS (200 * UINT64_C(1000000))

/* Takes ownership of f: queues it or drops and counts it. The caller
 * (the event loop) runs egress_run afterwards. */
void egress_enqueue(struct port *port, struct frame *f, uint64_t now);
/*
 * Serializes every frame whose start time has come (with a rate: all of
 * them, however late the wakeup) through the chain onto the heap, and
 * writes the arrived ones to the VM, until its socket is full (then the
 * port is tx_blocked until POLLOUT or the retry time, and the wire pauses).
 */
void egress_run(struct port *port, uint64_t now);
/* When egress_run next has work, or UINT64_MAX. */
uint64_t egress_next_deadline(const struct port *port);
/* Drops every frame of the port's tx side under cause (link down, VM gone):
 * the buffer, the heap and the arrived ones, except a frame partly written
 * to the VM's stream, which must be finished or the stream would tear. */
void egress_flush(struct port *port, enum drop_cause cause);
/* Whether the tx side holds any frame (buffer, heap or arrived). */
bool egress_busy(const struct port *port);

#endif
