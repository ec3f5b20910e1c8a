/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The propagation heap of one port direction: frames that left the
 * serializer (tx) or the VM (rx) and wait for their arrival time. A binary
 * min-heap on (arrive_ns, seq): seq is the push order, so frames with equal
 * arrival times keep their order and a link without delay stays FIFO.
 * Pure data structure, no clock: the caller passes the times.
 */
#ifndef FABRIC_HEAP_H
#define FABRIC_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct frame;

/* Held bytes per direction beyond which frames are refused (no_memory):
 * a long delay at a high rate must not take all of the host's memory. */
#define HEAP_MAX_BYTES (64u << 20)

struct frame_heap {
	struct frame **v;
	size_t n, cap;
	uint64_t bytes;    /* frame bytes held */
	uint64_t next_seq;
};

/* Takes f (arrive_ns set; seq is assigned); -1 if out of memory or over
 * HEAP_MAX_BYTES: f is not taken then. */
int heap_push(struct frame_heap *h, struct frame *f);
/* The earliest frame, or NULL. */
static inline struct frame *heap_top(const struct frame_heap *h)
{
	return h->n ? h->v[0] : NULL;
}
/* Removes and returns the earliest frame, or NULL. */
struct frame *heap_pop(struct frame_heap *h);
/* Frees the array (the heap must be empty: the caller accounts frames). */
void heap_release(struct frame_heap *h);

#endif
