// SPDX-License-Identifier: GPL-2.0
/* Binary min-heap of frames on (arrival time, push order). */
#include <stdlib.h>

#include "egress.h"
#include "heap.h"

static int before(const struct frame *a, const struct frame *b)
{
	return a->arrive_ns != b->arrive_ns ? a->arrive_ns < b->arrive_ns
					    : a->seq < b->seq;
}

int heap_push(struct frame_heap *h, struct frame *f)
{
	size_t i;

	if (h->bytes + f->len > HEAP_MAX_BYTES)
		return -1;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct frame **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	f->seq = h->next_seq++;
	/* Sift up: move parents later than f down one level. */
	for (i = h->n++; i; ) {
		size_t parent = (i - 1) / 2;

		if (!before(f, h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = f;
	h->bytes += f->len;
	return 0;
}

struct frame *heap_pop(struct frame_heap *h)
{
	struct frame *top, *last;
	size_t i = 0;

	if (!h->n)
		return NULL;
	top = h->v[0];
	last = h->v[--h->n];
	/* Sift down: the last leaf moves from the root to its place. */
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	h->bytes -= top->len;
	return top;
}

void heap_release(struct frame_heap *h)
{
	free(h->v);
	*h = (struct frame_heap){ .next_seq = h->next_seq };
}
