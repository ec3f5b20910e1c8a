/* SPDX-License-Identifier: GPL-2.0 */
/* Frames, why they are dropped, and what each port direction counts. */
#ifndef FABRIC_FRAME_H
#define FABRIC_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Largest Ethernet frame (jumbo, without FCS) the fabric forwards. */
#define FRAME_MAX 9216
#define FRAME_MIN 14 /* an Ethernet header */

/* Why a frame was dropped; one counter per cause and direction. */
enum drop_cause {
	DROP_BUFFER,     /* egress buffer full (tail drop) */
	DROP_LINK_DOWN,  /* port down (administratively, or for a while) */
	DROP_RUNT,       /* shorter than an Ethernet header */
	DROP_OVERSIZE,   /* longer than the port MTU allows */
	DROP_NO_PEER,    /* no VM connected to the port (never, or it went away) */
	DROP_SEND_ERROR, /* a write error other than the VM going away */
	DROP_FRAMING,    /* rx: connection closed, its stream had a bad length */
	DROP_NO_MEMORY,  /* no memory for the frame (or a flooded copy of it) */
	DROP_LOSS,       /* the random loss impairment */
	DROP_BURST_LOSS, /* the Gilbert-Elliott (bursty) loss impairment */
	DROP__COUNT
};

extern const char *const drop_cause_names[DROP__COUNT];

struct frame {
	struct frame *next;
	uint64_t ready_ns;  /* when it joined the egress buffer */
	uint64_t arrive_ns; /* when it reaches the far end (propagation heap) */
	uint64_t seq;       /* heap push order: ties on arrive_ns keep it */
	size_t len;
	uint8_t hdr[4]; /* the stream's length header, filled when sent */
	uint8_t data[];
};

struct frame *frame_new(const void *data, size_t len);

struct dir_counters {
	uint64_t packets; /* frames accepted (rx) or sent to the VM (tx) */
	uint64_t bytes;
	uint64_t drops[DROP__COUNT];
	uint64_t ecn_marked; /* frames set to CE (tx only) */
	/* impairments: copies made, frames held back, given a delay, bit-flipped */
	uint64_t duplicated, reordered, delayed, corrupted;
	uint64_t queue_frames, queue_bytes; /* egress buffer, tx only */
	uint64_t queue_peak_frames, queue_peak_bytes;
	uint64_t inflight_frames; /* past the buffer, not yet delivered */
};

#endif
