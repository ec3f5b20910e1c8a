// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: async event queue.
 *
 * The device writes 16-byte events with the same colour rule as admin
 * completions and raises vector 0. The IRQ handler only looks whether an
 * entry is there and queues a work item, which consumes the events in
 * process context, returns the slots by writing its new consumer index
 * to EQ_HEAD and runs each event's handler from a table. Link changes
 * update the carrier and are announced on the genl "monitor" group; a
 * FATAL event hands the device to recovery (ainic_health.c).
 */

#include <linux/log2.h>

#include "ainic.h"
#include "ainic_event.h"
#include "ainic_genl.h"
#include "ainic_health.h"
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
static void ainic_event_work(struct work_struct *work);

int ainic_event_alloc(struct ainic_dev *adev)
{
	struct ainic_eq *eq = &adev->eq;

	eq->adev = adev;
	INIT_WORK(&eq->work, ainic_event_work);
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
	/* The connections that a lost event would concern are gone too */
	WRITE_ONCE(eq->busy, 0);

	ainic_wr32(adev, AINIC_REG_EQ_BASE_LO, lower_32_bits(eq->dma));
	ainic_wr32(adev, AINIC_REG_EQ_BASE_HI, upper_32_bits(eq->dma));
	ainic_wr32(adev, AINIC_REG_EQ_SIZE, AINIC_EQ_DEPTH);
}

/**
 * ainic_event_stop() - stop handling events for good
 * @adev: device, its vector 0 freed or the device reset
 *
 * Context: process; sleeps.
 */
void ainic_event_stop(struct ainic_dev *adev)
{
	disable_work_sync(&adev->eq.work);
}

static void ainic_event_link_change(struct ainic_dev *adev, u32 id, u32 data)
{
	dev_dbg(adev->dev, "link %s\n", data ? "up" : "down");
	ainic_netdev_link_update(adev, !!data);
	ainic_genl_notify_async(adev);
}

static void ainic_event_fatal(struct ainic_dev *adev, u32 id, u32 data)
{
	/* The event may predate a reset: believe the register */
	if (!(ainic_rd32(adev, AINIC_REG_DEV_STATUS) & AINIC_STATUS_FATAL) ||
	    !ainic_present(adev)) {
		dev_info(adev->dev, "FATAL event (error %u) no longer holds, ignored\n",
			 data);
		return;
	}

	dev_err(adev->dev, "device fatal error %u (%s); admin queue stopped until reset\n",
		data, ainic_dev_error_str(data));
	ainic_admin_abort(&adev->admin, -EIO);
	ainic_health_report(adev, AINIC_HEALTH_FATAL);
}

static void ainic_event_heartbeat(struct ainic_dev *adev, u32 id, u32 data)
{
	dev_dbg(adev->dev, "heartbeat %u\n", data);
}

static void ainic_event_conn_state(struct ainic_dev *adev, u32 id, u32 data)
{
	ainic_conn_event(adev, id, data);
}

/* No keys are set up by this driver yet */
static void ainic_event_ignore(struct ainic_dev *adev, u32 id, u32 data)
{
}

/**
 * struct ainic_event_handler - what to do with one event code
 * @name: for messages
 * @handle: called in process context with the event's id and data
 */
struct ainic_event_handler {
	const char *name;
	void (*handle)(struct ainic_dev *adev, u32 id, u32 data);
};

static const struct ainic_event_handler ainic_event_handlers[] = {
	[AINIC_EVENT_LINK_CHANGE] = { "link change", ainic_event_link_change },
	[AINIC_EVENT_FATAL] = { "fatal", ainic_event_fatal },
	[AINIC_EVENT_CONN_STATE] = { "connection state", ainic_event_conn_state },
	[AINIC_EVENT_KEY_ROTATION] = { "key rotation", ainic_event_ignore },
	[AINIC_EVENT_HEARTBEAT] = { "heartbeat", ainic_event_heartbeat },
};

static void ainic_event_dispatch(struct ainic_dev *adev, u16 code, u32 id,
				 u32 data)
{
	const struct ainic_event_handler *h = NULL;
	unsigned long flags;

	if (code < ARRAY_SIZE(ainic_event_handlers))
		h = &ainic_event_handlers[code];
	if (!h || !h->handle) {
		spin_lock_irqsave(&adev->eq.lock, flags);
		adev->eq.unknown++;
		spin_unlock_irqrestore(&adev->eq.lock, flags);
		dev_warn_ratelimited(adev->dev,
				     "unknown event %u (id %u data %u) ignored\n",
				     code, id, data);
		return;
	}

	dev_dbg(adev->dev, "event %s (id %u data %u)\n", h->name, id, data);
	h->handle(adev, id, data);
}

/* Take the next event off the ring; false when there is none */
static bool ainic_event_next(struct ainic_eq *eq, u16 *code, u32 *id,
			     u32 *data)
{
	struct ainic_event *entry;
	unsigned long flags;
	bool valid;

	spin_lock_irqsave(&eq->lock, flags);
	entry = &eq->ring[eq->head];
	valid = !!(READ_ONCE(entry->flags) & AINIC_EVENT_COLOR) == eq->phase;
	if (valid) {
		/* Read the rest of the entry only after its colour */
		dma_rmb();
		*code = le16_to_cpu(entry->code);
		*id = le32_to_cpu(entry->id);
		*data = le32_to_cpu(entry->data);

		eq->head++;
		if (eq->head == AINIC_EQ_DEPTH) {
			eq->head = 0;
			eq->phase ^= 1;
		}
		eq->events++;
		/* Return the slot to the device */
		ainic_wr32(eq->adev, AINIC_REG_EQ_HEAD, eq->head);
	}
	spin_unlock_irqrestore(&eq->lock, flags);

	return valid;
}

/*
 * Consume and handle events. The device cannot post more than
 * AINIC_EQ_DEPTH - 1 beyond the head it last saw, so the bound only
 * guards against one that ignores the colour rule; the work requeues
 * itself for what is left.
 *
 * The device drops an event when the ring is full (§6): AINIC_EQ_DEPTH - 1
 * entries waiting. All of them were posted after the ring was last seen
 * empty, so @busy (events since then) reaching that many means events may
 * have been lost; once the ring is empty again, the state they reported
 * is read again (the connection table: CONN_QUERY of every slot).
 */
static void ainic_event_work(struct work_struct *work)
{
	struct ainic_eq *eq = container_of(work, struct ainic_eq, work);
	unsigned int done;
	u32 id, data;
	u16 code;

	for (done = 0; done < AINIC_EQ_DEPTH; done++) {
		if (!ainic_event_next(eq, &code, &id, &data)) {
			if (eq->busy >= AINIC_EQ_DEPTH - 1) {
				eq->maybe_lost++;
				ainic_conns_resync(eq->adev);
			}
			eq->busy = 0;
			return;
		}
		eq->busy++;
		ainic_event_dispatch(eq->adev, code, id, data);
	}
	queue_work(system_wq, &eq->work);
}

/**
 * ainic_event_irq() - hand posted events to process context
 * @eq: event queue
 *
 * Context: hard IRQ.
 * Return: true when an event is waiting.
 */
bool ainic_event_irq(struct ainic_eq *eq)
{
	struct ainic_event *entry;
	bool valid;

	spin_lock(&eq->lock);
	entry = &eq->ring[eq->head];
	valid = !!(READ_ONCE(entry->flags) & AINIC_EVENT_COLOR) == eq->phase;
	spin_unlock(&eq->lock);

	if (valid)
		queue_work(system_wq, &eq->work);

	return valid;
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
