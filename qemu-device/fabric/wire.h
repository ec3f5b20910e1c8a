/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The line-rate model of one egress port: a virtual clock of when the wire
 * is next free. Pure arithmetic on times the caller passes in (no clock, no
 * sockets), so the same model can run under a simulator.
 *
 * Frame i starts at max(its ready time, the end of frame i-1) and occupies
 * the wire for (L + WIRE_OVERHEAD_BYTES) * 8 / rate. Starts follow from the
 * virtual schedule, not from when the event loop happened to wake up, so
 * timer slack delays frames a little but never lowers the rate; and since a
 * frame never starts before it was ready, an idle wire banks no credit.
 */
#ifndef FABRIC_WIRE_H
#define FABRIC_WIRE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bytes each frame costs on an Ethernet wire beyond the frame as the VM sees
 * it (destination MAC through payload): preamble and SFD 8, FCS 4,
 * inter-frame gap 12. So 64-byte frames at 1 Gbit/s are 1.42 Mframes/s.
 */
#define WIRE_OVERHEAD_BYTES 24

struct wire {
	uint64_t rate_mbps;     /* 0: unlimited, the model is unused */
	uint64_t busy_until_ns; /* the wire is free from then on ... */
	uint64_t busy_frac;     /* ... plus busy_frac / rate_mbps ns */
};

/* Sets the rate and forgets the schedule (the next frame starts when ready). */
void wire_set_rate(struct wire *w, uint64_t rate_mbps);
/* When a frame ready at ready_ns starts: once it is ready and the wire free. */
uint64_t wire_start(const struct wire *w, uint64_t ready_ns);
/* Puts a frame of len bytes on the wire at start (from wire_start). */
void wire_occupy(struct wire *w, uint64_t start_ns, size_t len);
/*
 * The wire could not send until now (the VM's socket was full, a pause):
 * what was not sent meanwhile is not owed, so the schedule restarts at now
 * instead of bursting to catch up.
 */
void wire_resume(struct wire *w, uint64_t now);

#endif
