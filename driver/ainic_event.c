// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: async event queue.
 *
 * The device writes 16-byte events with the same colour rule as admin
 * completions and raises vector 0. The driver consumes them in the IRQ
 * handler and returns the slots by writing its new consumer index to
 * EQ_HEAD. Link changes update the carrier at once and are announced on
 * the genl "monitor" group from process context.
 */

#include <linux/log2.h>

#include "ainic.h"
#include "ainic_event.h"
#include "ainic_genl.h"
#include "ainic_netdev.h"

static_assert((AINIC_EQ_DEPTH & (AINIC_EQ_DEPTH - 1)) == 0);
static_assert(AINIC_EQ_DEPTH >= AINIC_EQ_MIN_ENTRIES);
static_assert(AINIC_EQ_DEPTH <= AINIC_EQ_MAX_ENTRIES);

#define AINIC_EQ_BYTES	(AINIC_EQ_DEPTH * sizeof(struct ainic_event))

/**
 * ainic_event_alloc() - allocate the event ring
 * @adev: device
 *
 * Return: 0 or -ENOMEM.
 */
int ainic_event_alloc(struct ainic_dev *adev)
{
	struct ainic_eq *eq = &adev->eq;

	eq->adev = adev;
	spin_lock_init(&eq->lock);
	eq->phase = 1;

	eq->ring = dma_alloc_coherent(adev->dev, AINIC_EQ_BYTES, &eq->dma,
				      GFP_KERNEL);
	if (!eq->ring)
		return -ENOMEM;

	return 0;
}

/**
 * ainic_event_free() - free the event ring
 * @adev: device, reset (so that it no longer writes the ring)
 */
void ainic_event_free(struct ainic_dev *adev)
{
	struct ainic_eq *eq = &adev->eq;

	dma_free_coherent(adev->dev, AINIC_EQ_BYTES, eq->ring, eq->dma);
	eq->ring = NULL;
}

/**
 * ainic_event_program() - write the event queue registers
 * @adev: device, freshly reset (READY, not ENABLED)
 *
 * Resets the driver's state to that of a device after reset: head 0, ring
 * zeroed and colour 1.
 */
void ainic_event_program(struct ainic_dev *adev)
{
	struct ainic_eq *eq = &adev->eq;
	unsigned long flags;

	spin_lock_irqsave(&eq->lock, flags);
	memset(eq->ring, 0, AINIC_EQ_BYTES);
	eq->head = 0;
	eq->phase = 1;
	spin_unlock_irqrestore(&eq->lock, flags);

	ainic_wr32(adev, AINIC_REG_EQ_BASE_LO, lower_32_bits(eq->dma));
	ainic_wr32(adev, AINIC_REG_EQ_BASE_HI, upper_32_bits(eq->dma));
	ainic_wr32(adev, AINIC_REG_EQ_SIZE, AINIC_EQ_DEPTH);
}

/* Act on one event. Hard IRQ context, EQ lock held. */
static void ainic_event_dispatch(struct ainic_dev *adev, u16 code, u32 id,
				 u32 data)
{
	switch (code) {
	case AINIC_EVENT_LINK_CHANGE:
		dev_dbg(adev->dev, "link %s\n", data ? "up" : "down");
		ainic_netdev_link_update(adev, !!data);
		ainic_genl_notify_async(adev);
		break;
	case AINIC_EVENT_FATAL:
		dev_err(adev->dev, "device fatal error %u (%s); admin queue stopped until reset\n",
			data, ainic_dev_error_str(data));
		ainic_admin_abort(&adev->admin, -EIO);
		break;
	case AINIC_EVENT_HEARTBEAT:
		dev_dbg(adev->dev, "heartbeat %u\n", data);
		break;
	case AINIC_EVENT_CONN_STATE:
	case AINIC_EVENT_KEY_ROTATION:
		/* No connections or keys are set up by this driver yet */
		dev_dbg(adev->dev, "event %u (id %u data %u) ignored\n",
			code, id, data);
		break;
	default:
		dev_warn_ratelimited(adev->dev,
				     "unknown event %u (id %u data %u) ignored\n",
				     code, id, data);
		break;
	}
}

/**
 * ainic_event_irq() - consume the events the device has posted
 * @eq: event queue
 *
 * Context: hard IRQ.
 */
void ainic_event_irq(struct ainic_eq *eq)
{
	struct ainic_dev *adev = eq->adev;
	struct ainic_event *entry;
	unsigned int done = 0;
	u32 id, data;
	u16 code;

	spin_lock(&eq->lock);

	/*
	 * The device cannot post more than AINIC_EQ_DEPTH - 1 events beyond
	 * the head it last saw, so this bound only guards against a device
	 * that ignores the colour rule.
	 */
	while (done < AINIC_EQ_DEPTH) {
		entry = &eq->ring[eq->head];
		if (!!(READ_ONCE(entry->flags) & AINIC_EVENT_COLOR) != eq->phase)
			break;

		/* Read the rest of the entry only after its colour */
		dma_rmb();
		code = le16_to_cpu(entry->code);
		id = le32_to_cpu(entry->id);
		data = le32_to_cpu(entry->data);

		eq->head++;
		if (eq->head == AINIC_EQ_DEPTH) {
			eq->head = 0;
			eq->phase ^= 1;
		}
		eq->events++;
		done++;

		ainic_event_dispatch(adev, code, id, data);
	}

	/* Return the consumed slots to the device */
	if (done)
		ainic_wr32(adev, AINIC_REG_EQ_HEAD, eq->head);

	spin_unlock(&eq->lock);
}

/**
 * ainic_event_count() - events received so far
 * @eq: event queue
 *
 * Return: the counter.
 */
u64 ainic_event_count(struct ainic_eq *eq)
{
	unsigned long flags;
	u64 events;

	spin_lock_irqsave(&eq->lock, flags);
	events = eq->events;
	spin_unlock_irqrestore(&eq->lock, flags);

	return events;
}

/**
 * ainic_event_get_state() - snapshot of the ring state, for debugfs
 * @eq: event queue
 * @head: consumer index
 * @phase: colour expected at @head
 */
void ainic_event_get_state(struct ainic_eq *eq, u16 *head, u8 *phase)
{
	unsigned long flags;

	spin_lock_irqsave(&eq->lock, flags);
	*head = eq->head;
	*phase = eq->phase;
	spin_unlock_irqrestore(&eq->lock, flags);
}
