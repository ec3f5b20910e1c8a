/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: async event queue */

#ifndef _AINIC_EVENT_H_
#define _AINIC_EVENT_H_

#include <linux/dma-mapping.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <uapi/linux/ainic_if.h>

struct ainic_dev;

/* Entries in the event queue; a power of two */
#define AINIC_EQ_DEPTH		64

/**
 * struct ainic_eq - the async event queue
 * @adev: device
 * @ring: event ring (coherent DMA memory)
 * @dma: bus address of @ring
 * @work: consumes and handles the events, in process context
 * @busy: events consumed since the ring was last seen empty (@work only)
 * @maybe_lost: times @busy showed that events may have been lost
 * @lock: protects the fields below it against the IRQ handler's peek
 * @head: next entry to look at (the consumer index)
 * @phase: colour that marks a valid entry in the current lap
 * @events: events received
 * @unknown: events with a code the driver does not know
 */
struct ainic_eq {
	struct ainic_dev *adev;
	struct ainic_event *ring;
	dma_addr_t dma;
	struct work_struct work;
	unsigned int busy;
	u64 maybe_lost;

	spinlock_t lock;	/* see above */
	u16 head;
	u8 phase;
	u64 events;
	u64 unknown;
};

int ainic_event_alloc(struct ainic_dev *adev);
void ainic_event_free(struct ainic_dev *adev);
void ainic_event_program(struct ainic_dev *adev);
void ainic_event_stop(struct ainic_dev *adev);
bool ainic_event_irq(struct ainic_eq *eq);
u64 ainic_event_count(struct ainic_eq *eq);
void ainic_event_get_state(struct ainic_eq *eq, u16 *head, u8 *phase);

#endif /* _AINIC_EVENT_H_ */
