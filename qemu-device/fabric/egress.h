/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-port, per-direction frame pipeline: a list of stages every frame
 * passes in order (link state today; ECN marking, loss, reorder, duplicate,
 * delay later), then, on the egress side, a tail-drop buffer and a
 * transmitter that models serialization time at the port's line rate.
 */
#ifndef FABRIC_EGRESS_H
#define FABRIC_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Largest Ethernet frame (jumbo, without FCS) the fabric forwards. */
#define FRAME_MAX 9216
#define FRAME_MIN 14 /* an Ethernet header */

struct port;

/* Why a frame was dropped; one counter per cause and direction. */
enum drop_cause {
	DROP_BUFFER,     /* egress buffer full (tail drop) */
	DROP_LINK_DOWN,  /* port administratively down */
	DROP_RUNT,       /* shorter than an Ethernet header */
	DROP_OVERSIZE,   /* longer than the port MTU allows */
	DROP_NO_PEER,    /* no VM connected to the port (never, or it went away) */
	DROP_SEND_ERROR, /* a write error other than the VM going away */
	DROP_FRAMING,    /* rx: connection closed, its stream had a bad length */
	DROP_NO_MEMORY,  /* no memory for the frame (or a flooded copy of it) */
	DROP__COUNT
};

extern const char *const drop_cause_names[DROP__COUNT];

struct frame {
	struct frame *next;
	uint64_t ready_ns; /* earliest send time; a delay stage raises it */
	size_t len;
	uint8_t hdr[4]; /* the stream's length header, filled when sent */
	uint8_t data[];
};

struct frame *frame_new(const void *data, size_t len);

enum verdict { VERDICT_PASS, VERDICT_DROP };

/*
 * A stage sees each frame once, may rewrite it (ECN), delay it (ready_ns)
 * or drop it; a dropped frame is counted under the stage's drop cause and
 * freed by the caller. state is the stage's private data.
 */
struct stage {
	const char *name;
	enum verdict (*process)(struct stage *st, struct port *port,
				struct frame *f, uint64_t now);
	enum drop_cause cause;
	void *state;
};

#define MAX_STAGES 8

struct dir_counters {
	uint64_t packets; /* frames accepted (rx) or sent to the VM (tx) */
	uint64_t bytes;
	uint64_t drops[DROP__COUNT];
	uint64_t ecn_marked; /* frames set to CE (tx only) */
	uint64_t queue_frames, queue_bytes; /* egress buffer, tx only */
	uint64_t queue_peak_frames, queue_peak_bytes;
};

/* One direction of a port: rx = from the VM into the switch, tx = to the VM. */
struct direction {
	struct dir_counters c;
	struct stage stages[MAX_STAGES];
	int nstages;
};

/* The egress buffer and transmitter of one port. */
struct egress {
	struct frame *head, *tail;
	struct wire wire;      /* line rate; rate 0: send as soon as queued */
	uint64_t buffer_bytes; /* tail-drop limit on queued bytes */
	bool stalled;          /* the VM's socket was full: resume the wire */
};

void direction_add_stage(struct direction *dir, const struct stage *st);
/* Runs dir's stages; on drop counts the cause and returns false. */
bool direction_run_stages(struct direction *dir, struct port *port,
			  struct frame *f, uint64_t now);

/* A port blocked by a full VM socket waits for POLLOUT on it, and retries
 * after this long in any case (a safety net). */
#define EGRESS_BLOCKED_RETRY_NS (200 * UINT64_C(1000000))

/* Takes ownership of f: queues it or drops and counts it. The caller
 * (the event loop) runs egress_run afterwards. */
void egress_enqueue(struct port *port, struct frame *f, uint64_t now);
/* Sends every frame whose start time has come (with a rate: all of them,
 * however late the wakeup), until the VM's socket is full (then the port is
 * tx_blocked until POLLOUT or the retry time). */
void egress_run(struct port *port, uint64_t now);
/* When egress_run next has work (the head frame's start), or UINT64_MAX. */
uint64_t egress_next_deadline(const struct port *port);
/* Drops every queued frame under cause (link down, VM gone), except a head
 * frame partly written to the VM's stream: that one is on the wire and must
 * be finished, or the stream would carry a torn frame. */
void egress_flush(struct port *port, enum drop_cause cause);

/* The link-state stage, installed in both directions of every port. */
extern const struct stage link_stage;

#endif
