/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: ring index arithmetic shared by the admin and the data queues */

#ifndef _AINIC_RING_H_
#define _AINIC_RING_H_

#include <linux/types.h>

/*
 * Rings have a power-of-two number of entries (mask = entries - 1) and
 * indices kept within 0 .. mask. A ring is empty when
 * producer == consumer, so one slot always stays unused (§7.1).
 */

/* Slots the producer may still fill */
static inline u32 ainic_ring_free(u32 prod, u32 cons, u32 mask)
{
	return (cons - prod - 1) & mask;
}

/* Slots filled and not consumed yet */
static inline u32 ainic_ring_used(u32 prod, u32 cons, u32 mask)
{
	return (prod - cons) & mask;
}

/*
 * Completion rings carry a colour bit that the device flips on each lap:
 * an entry is valid when its colour equals @phase, which the consumer
 * flips when its index wraps to 0.
 */
static inline bool ainic_ring_owned(u8 flags, u8 color_bit, u8 phase)
{
	return !!(flags & color_bit) == !!phase;
}

static inline void ainic_ring_advance(u32 *head, u8 *phase, u32 mask)
{
	*head = (*head + 1) & mask;
	if (!*head)
		*phase ^= 1;
}

#endif /* _AINIC_RING_H_ */
