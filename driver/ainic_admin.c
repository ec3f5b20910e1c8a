// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: admin queue engine, modelled on EFA's efa_com.c.
 *
 * The driver writes 64-byte commands into the ASQ and rings ASQ_TAIL; the
 * device answers each, in order, with a 16-byte completion in the ACQ and
 * raises MSI-X vector 0. A completion belongs to the driver when its colour
 * bit matches the colour of the current lap of the ring (1 on the first
 * lap after reset, flipped on every wrap).
 *
 * Every command carries a command id: its ASQ slot in the low bits and the
 * number of times the producer index wrapped in the high bits. The
 * completion echoes it, so one that does not match the command outstanding
 * in that slot (a completion for a command whose submitter gave up, or a
 * device bug) is counted as stale and dropped instead of completing the
 * wrong request.
 *
 * At most AINIC_ADMINQ_DEPTH - 1 commands are outstanding (the semaphore
 * @avail), so neither ring can be overrun. Submitters sleep; the interrupt
 * handler only takes a spinlock, copies the completion and wakes them.
 * A slot is wiped once its completion arrived: commands may carry keys.
 *
 * Failing fast: once a completion is lost, or the device went fatal, the
 * queue is stopped, every outstanding command fails at once and later
 * ones fail without waiting, and the device is handed to the fw_fatal
 * health reporter (ainic_health.c), whose recovery resets it and starts
 * the queue again. So at most one command waits the full timeout.
 *
 * The typed commands are in ainic_admin_cmd.c.
 */

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "ainic.h"
#include "ainic_admin.h"
#include "ainic_health.h"
#include "ainic_ring.h"

static_assert((AINIC_ADMINQ_DEPTH & (AINIC_ADMINQ_DEPTH - 1)) == 0);
static_assert(AINIC_ADMINQ_DEPTH >= AINIC_ADMINQ_MIN_ENTRIES);
static_assert(AINIC_ADMINQ_DEPTH <= AINIC_ADMINQ_MAX_ENTRIES);

static const char *ainic_admin_opcode_str(u8 opcode)
{
	switch (opcode) {
	case AINIC_OP_NOP:
		return "NOP";
	case AINIC_OP_IDENTIFY:
		return "IDENTIFY";
	case AINIC_OP_PORT_CONFIG:
		return "PORT_CONFIG";
	case AINIC_OP_STATS_GET:
		return "STATS_GET";
	case AINIC_OP_Q_CREATE:
		return "Q_CREATE";
	case AINIC_OP_Q_DESTROY:
		return "Q_DESTROY";
	case AINIC_OP_CONN_CREATE:
		return "CONN_CREATE";
	case AINIC_OP_CONN_DESTROY:
		return "CONN_DESTROY";
	case AINIC_OP_CONN_QUERY:
		return "CONN_QUERY";
	default:
		return "unknown";
	}
}

/**
 * ainic_admin_status_errno() - the errno an admin completion status means
 * @status: enum ainic_status from the completion
 *
 * Each status defined by the spec is the errno it names (§4); any other
 * value is the device's bug and becomes -EIO.
 *
 * Return: 0, a negative errno, or -EIO for an undefined status.
 */
int ainic_admin_status_errno(u8 status)
{
	switch (status) {
	case AINIC_STS_OK:
		return 0;
	case AINIC_STS_EPERM:
		return -EPERM;
	case AINIC_STS_ENOENT:
		return -ENOENT;
	case AINIC_STS_EIO:
		return -EIO;
	case AINIC_STS_EAGAIN:
		return -EAGAIN;
	case AINIC_STS_ENOMEM:
		return -ENOMEM;
	case AINIC_STS_EFAULT:
		return -EFAULT;
	case AINIC_STS_EBUSY:
		return -EBUSY;
	case AINIC_STS_EEXIST:
		return -EEXIST;
	case AINIC_STS_EINVAL:
		return -EINVAL;
	case AINIC_STS_ENOSPC:
		return -ENOSPC;
	case AINIC_STS_ERANGE:
		return -ERANGE;
	case AINIC_STS_EMSGSIZE:
		return -EMSGSIZE;
	case AINIC_STS_EOPNOTSUPP:
		return -EOPNOTSUPP;
	case AINIC_STS_ETIMEDOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_IF_KUNIT(ainic_admin_status_errno);

static bool ainic_admin_status_known(u8 status)
{
	return status == AINIC_STS_EIO ||
	       ainic_admin_status_errno(status) != -EIO;
}

/**
 * ainic_admin_alloc() - allocate the admin rings and set up the engine
 * @adev: device; admin_timeout_ms must be known
 *
 * Return: 0 or -ENOMEM.
 */
int ainic_admin_alloc(struct ainic_dev *adev)
{
	struct ainic_admin *aq = &adev->admin;

	aq->adev = adev;
	spin_lock_init(&aq->lock);
	sema_init(&aq->avail, AINIC_ADMINQ_DEPTH - 1);
	aq->timeout_ms = max_t(unsigned int, adev->admin_timeout_ms,
			       AINIC_ADMIN_TIMEOUT_MIN_MS);
	aq->timeout = msecs_to_jiffies(aq->timeout_ms);
	aq->cq_phase = 1;

	aq->sq = dma_alloc_coherent(adev->dev,
				    AINIC_ADMINQ_DEPTH * sizeof(*aq->sq),
				    &aq->sq_dma, GFP_KERNEL);
	if (!aq->sq)
		return -ENOMEM;

	aq->cq = dma_alloc_coherent(adev->dev,
				    AINIC_ADMINQ_DEPTH * sizeof(*aq->cq),
				    &aq->cq_dma, GFP_KERNEL);
	if (!aq->cq) {
		dma_free_coherent(adev->dev,
				  AINIC_ADMINQ_DEPTH * sizeof(*aq->sq),
				  aq->sq, aq->sq_dma);
		aq->sq = NULL;
		return -ENOMEM;
	}

	return 0;
}

/**
 * ainic_admin_free() - free the admin rings
 * @adev: device, reset (so that it no longer writes the rings)
 */
void ainic_admin_free(struct ainic_dev *adev)
{
	struct ainic_admin *aq = &adev->admin;

	dma_free_coherent(adev->dev, AINIC_ADMINQ_DEPTH * sizeof(*aq->cq),
			  aq->cq, aq->cq_dma);
	dma_free_coherent(adev->dev, AINIC_ADMINQ_DEPTH * sizeof(*aq->sq),
			  aq->sq, aq->sq_dma);
	aq->cq = NULL;
	aq->sq = NULL;
}

/**
 * ainic_admin_program() - write the admin ring registers
 * @adev: device, freshly reset (READY, not ENABLED)
 *
 * Resets the driver's ring state to that of a device after reset: both
 * indices 0, ACQ zeroed and colour 1. DEV_CTRL.ENABLE is left to the caller.
 */
void ainic_admin_program(struct ainic_dev *adev)
{
	struct ainic_admin *aq = &adev->admin;
	unsigned long flags;

	spin_lock_irqsave(&aq->lock, flags);
	memzero_explicit(aq->sq, AINIC_ADMINQ_DEPTH * sizeof(*aq->sq));
	memset(aq->cq, 0, AINIC_ADMINQ_DEPTH * sizeof(*aq->cq));
	memset(aq->slots, 0, sizeof(aq->slots));
	aq->sq_tail = 0;
	aq->cq_head = 0;
	aq->cq_phase = 1;
	WRITE_ONCE(aq->running, true);
	spin_unlock_irqrestore(&aq->lock, flags);

	ainic_wr32(adev, AINIC_REG_ASQ_BASE_LO, lower_32_bits(aq->sq_dma));
	ainic_wr32(adev, AINIC_REG_ASQ_BASE_HI, upper_32_bits(aq->sq_dma));
	ainic_wr32(adev, AINIC_REG_ASQ_SIZE, AINIC_ADMINQ_DEPTH);
	ainic_wr32(adev, AINIC_REG_ACQ_BASE_LO, lower_32_bits(aq->cq_dma));
	ainic_wr32(adev, AINIC_REG_ACQ_BASE_HI, upper_32_bits(aq->cq_dma));
	ainic_wr32(adev, AINIC_REG_ACQ_SIZE, AINIC_ADMINQ_DEPTH);
}

/* Complete @wait with the result of its command. Queue lock held. */
static void ainic_admin_finish(struct ainic_admin_wait *wait,
			       const struct ainic_admin_comp *comp, int err)
{
	if (comp) {
		wait->comp = *comp;
		wait->has_comp = true;
	}
	wait->err = err;
	wait->finished = true;
	complete(&wait->done);
}

/* Handle one completion entry (already copied out of the ring). */
static void ainic_admin_handle_comp(struct ainic_admin *aq,
				    const struct ainic_admin_comp *comp)
{
	u16 cmd_id = le16_to_cpu(comp->cmd_id);
	struct ainic_admin_slot *slot;
	struct ainic_admin_wait *wait;

	slot = &aq->slots[ainic_admin_id_slot(cmd_id)];
	if (!ainic_admin_comp_matches(slot, cmd_id, comp->opcode)) {
		aq->stats.stale++;
		dev_warn_ratelimited(aq->adev->dev,
				     "dropped stale admin completion: id %#x opcode %#x status %u (slot %s, id %#x)\n",
				     cmd_id, comp->opcode, comp->status,
				     slot->busy ? "busy" : "free", slot->cmd_id);
		return;
	}

	wait = slot->wait;
	slot->busy = false;
	slot->wait = NULL;
	/* The device has consumed the command: leave no key material behind */
	memzero_explicit(&aq->sq[ainic_admin_id_slot(cmd_id)],
			 sizeof(*aq->sq));
	up(&aq->avail);

	if (unlikely(!ainic_admin_status_known(comp->status))) {
		aq->stats.bad_status++;
		dev_warn_ratelimited(aq->adev->dev,
				     "admin %s (id %#x) completed with undefined status %u, taken as EIO\n",
				     ainic_admin_opcode_str(comp->opcode),
				     cmd_id, comp->status);
	}

	if (!wait) {
		/* Late completion of a command whose submitter timed out */
		aq->stats.stale++;
		dev_warn_ratelimited(aq->adev->dev,
				     "late admin completion for timed-out %s (id %#x) dropped\n",
				     ainic_admin_opcode_str(comp->opcode),
				     cmd_id);
		return;
	}

	aq->stats.cmds++;
	if (comp->status)
		aq->stats.errors++;
	ainic_admin_finish(wait, comp, 0);
}

/*
 * Consume the completions the device has posted. Queue lock held. At most
 * AINIC_ADMINQ_DEPTH - 1 can be pending, so the bound only stops a device
 * that ignores the colour rule from keeping us here.
 */
static bool ainic_admin_process_cq(struct ainic_admin *aq)
{
	struct ainic_admin_comp comp;
	struct ainic_admin_comp *entry;
	unsigned int budget;
	bool any = false;

	for (budget = AINIC_ADMINQ_DEPTH; budget; budget--) {
		entry = &aq->cq[aq->cq_head];
		if (!ainic_ring_owned(READ_ONCE(entry->flags), AINIC_COMP_COLOR,
				      aq->cq_phase))
			break;

		/* Read the rest of the entry only after its colour */
		dma_rmb();
		comp = *entry;

		ainic_ring_advance(&aq->cq_head, &aq->cq_phase,
				   AINIC_ADMIN_SLOT_MASK);

		ainic_admin_handle_comp(aq, &comp);
		any = true;
	}

	return any;
}

/**
 * ainic_admin_irq() - process admin completions from the IRQ handler
 * @aq: admin queue
 *
 * Context: hard IRQ.
 * Return: true when there was at least one completion.
 */
bool ainic_admin_irq(struct ainic_admin *aq)
{
	bool any;

	spin_lock(&aq->lock);
	any = ainic_admin_process_cq(aq);
	spin_unlock(&aq->lock);

	return any;
}

/**
 * ainic_admin_abort() - stop the admin queue and fail outstanding commands
 * @aq: admin queue
 * @err: errno the waiting submitters get
 *
 * Used once the device went fatal or lost a completion, and before a
 * reset: waiting for the full timeout would be pointless. New submissions
 * fail with -EIO until ainic_admin_program() starts the queue again.
 *
 * Context: any.
 */
void ainic_admin_abort(struct ainic_admin *aq, int err)
{
	struct ainic_admin_slot *slot;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&aq->lock, flags);
	WRITE_ONCE(aq->running, false);
	for (i = 0; i < AINIC_ADMINQ_DEPTH; i++) {
		slot = &aq->slots[i];
		if (!slot->busy)
			continue;
		if (slot->wait)
			ainic_admin_finish(slot->wait, NULL, err);
		slot->busy = false;
		slot->wait = NULL;
		up(&aq->avail);
	}
	spin_unlock_irqrestore(&aq->lock, flags);
}

/**
 * ainic_admin_submit() - post an admin command without waiting for it
 * @aq: admin queue
 * @cmd: command; the command id is filled in here, MBZ fields must be 0
 * @wait: tracks the command; pass it to ainic_admin_wait() afterwards
 *
 * Waits for a free slot if AINIC_ADMINQ_DEPTH - 1 commands are outstanding.
 *
 * Context: process; sleeps.
 * Return: 0 when the command was posted; -EBUSY when no slot became free
 * in time or the slot is still owned by a command that timed out; -EIO
 * when the queue was stopped; -ENODEV when the device is gone.
 */
int ainic_admin_submit(struct ainic_admin *aq,
		       const struct ainic_admin_cmd *cmd,
		       struct ainic_admin_wait *wait)
{
	struct ainic_dev *adev = aq->adev;
	struct ainic_admin_slot *slot;
	struct ainic_admin_cmd *sqe;
	unsigned long flags;
	u16 idx, cmd_id;
	int err;

	might_sleep();

	/* Fail fast while the queue is stopped, without taking a slot */
	if (!READ_ONCE(aq->running))
		return ainic_present(adev) ? -EIO : -ENODEV;

	if (down_timeout(&aq->avail, aq->timeout)) {
		dev_err_ratelimited(adev->dev,
				    "no free admin queue slot in %u ms\n",
				    aq->timeout_ms);
		return -EBUSY;
	}

	spin_lock_irqsave(&aq->lock, flags);

	if (!ainic_present(adev)) {
		err = -ENODEV;
		goto err_unlock;
	}
	if (!aq->running) {
		err = -EIO;
		goto err_unlock;
	}

	idx = aq->sq_tail;
	slot = &aq->slots[idx];
	if (slot->busy) {
		/* Only after a lost completion: the queue is stuck here */
		dev_err_ratelimited(adev->dev,
				    "admin slot %u still owned by timed-out command id %#x\n",
				    idx, slot->cmd_id);
		err = -EBUSY;
		goto err_unlock;
	}

	cmd_id = ainic_admin_cmd_id(idx, aq->sq_wrap);

	init_completion(&wait->done);
	wait->cmd_id = cmd_id;
	wait->opcode = cmd->hdr.opcode;
	wait->finished = false;
	wait->has_comp = false;
	wait->err = 0;

	slot->busy = true;
	slot->wait = wait;
	slot->cmd_id = cmd_id;
	slot->opcode = cmd->hdr.opcode;

	sqe = &aq->sq[idx];
	*sqe = *cmd;
	sqe->hdr.cmd_id = cpu_to_le16(cmd_id);

	aq->sq_tail = (idx + 1) & AINIC_ADMIN_SLOT_MASK;
	if (!aq->sq_tail)
		aq->sq_wrap++;

	/* writel() orders the command in memory before the doorbell */
	ainic_wr32(adev, AINIC_REG_ASQ_TAIL, aq->sq_tail);

	spin_unlock_irqrestore(&aq->lock, flags);
	return 0;

err_unlock:
	spin_unlock_irqrestore(&aq->lock, flags);
	up(&aq->avail);
	return err;
}

/*
 * The command of @wait timed out and its submitter gives up on it. Either
 * way the queue cannot be trusted any more: stop it, fail everything
 * outstanding and hand the device to recovery.
 */
static int ainic_admin_timed_out(struct ainic_admin *aq,
				 struct ainic_admin_wait *wait)
{
	struct ainic_dev *adev = aq->adev;
	u32 status, error;

	status = ainic_rd32(adev, AINIC_REG_DEV_STATUS);
	if (!ainic_present(adev)) {
		dev_err(adev->dev, "admin command %s (id %#x) timed out: device gone\n",
			ainic_admin_opcode_str(wait->opcode), wait->cmd_id);
		ainic_admin_abort(aq, -ENODEV);
		return -ENODEV;
	}

	if (status & AINIC_STATUS_FATAL) {
		error = ainic_rd32(adev, AINIC_REG_DEV_ERROR);
		dev_err(adev->dev,
			"admin command %s (id %#x) timed out: device fatal, error %u (%s); admin queue stopped until reset\n",
			ainic_admin_opcode_str(wait->opcode), wait->cmd_id,
			error, ainic_dev_error_str(error));
		ainic_admin_abort(aq, -EIO);
		ainic_health_report(adev, AINIC_HEALTH_FATAL);
		return -EIO;
	}

	dev_err(adev->dev,
		"admin command %s (id %#x) timed out after %u ms: completion lost (device status %#x, sq head %u); admin queue stopped until reset\n",
		ainic_admin_opcode_str(wait->opcode), wait->cmd_id,
		aq->timeout_ms, status,
		ainic_rd32(adev, AINIC_REG_ASQ_HEAD));
	ainic_admin_abort(aq, -EIO);
	ainic_health_report(adev, AINIC_HEALTH_ADMIN_TIMEOUT);
	return -ETIMEDOUT;
}

/**
 * ainic_admin_wait() - wait for a command posted by ainic_admin_submit()
 * @aq: admin queue
 * @wait: the command's tracking structure
 *
 * On timeout, looks at the completion queue once more to tell a completion
 * without an interrupt from a lost one, and reads DEV_STATUS to tell a lost
 * completion from a fatal device; then the queue is stopped and the device
 * handed to recovery (see the top of this file).
 *
 * Context: process; sleeps.
 * Return: 0 on success; the errno the device status names on a failed
 * command, -EIO for an undefined status (see @wait->has_comp to tell them
 * from the driver's errors); -ETIMEDOUT when the completion was lost;
 * -EIO when the device went fatal or the queue was stopped; -ENODEV when
 * it is gone.
 */
int ainic_admin_wait(struct ainic_admin *aq, struct ainic_admin_wait *wait)
{
	bool no_irq = false, timed_out;
	struct ainic_admin_slot *slot;
	unsigned long flags;

	might_sleep();

	if (!wait_for_completion_timeout(&wait->done, aq->timeout)) {
		spin_lock_irqsave(&aq->lock, flags);
		if (!wait->finished) {
			ainic_admin_process_cq(aq);
			no_irq = wait->finished;
		}
		timed_out = !wait->finished;
		if (timed_out) {
			/* Give up on it: a late completion will be stale */
			slot = &aq->slots[ainic_admin_id_slot(wait->cmd_id)];
			if (slot->busy && slot->wait == wait)
				slot->wait = NULL;
			aq->stats.timeouts++;
		}
		spin_unlock_irqrestore(&aq->lock, flags);

		if (timed_out)
			return ainic_admin_timed_out(aq, wait);

		if (no_irq)
			dev_warn_ratelimited(aq->adev->dev,
					     "admin command %s (id %#x) completed without an interrupt\n",
					     ainic_admin_opcode_str(wait->opcode),
					     wait->cmd_id);
	}

	if (!wait->has_comp)
		return wait->err;

	return ainic_admin_status_errno(wait->comp.status);
}

/**
 * ainic_admin_exec() - run one admin command and wait for it
 * @aq: admin queue
 * @cmd: command, MBZ fields zeroed
 * @comp: if not NULL, receives the completion when there is one
 *
 * Context: process; sleeps.
 * Return: as ainic_admin_submit() and ainic_admin_wait().
 */
int ainic_admin_exec(struct ainic_admin *aq,
		     const struct ainic_admin_cmd *cmd,
		     struct ainic_admin_comp *comp)
{
	struct ainic_admin_wait wait;
	int err;

	err = ainic_admin_submit(aq, cmd, &wait);
	if (err)
		return err;

	err = ainic_admin_wait(aq, &wait);
	if (comp && wait.has_comp)
		*comp = wait.comp;

	return err;
}

/**
 * ainic_admin_get_stats() - snapshot of the admin queue counters
 * @aq: admin queue
 * @stats: filled in
 */
void ainic_admin_get_stats(struct ainic_admin *aq,
			   struct ainic_admin_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&aq->lock, flags);
	*stats = aq->stats;
	spin_unlock_irqrestore(&aq->lock, flags);
}

/**
 * ainic_admin_get_state() - snapshot of the ring indices, for debugfs
 * @aq: admin queue
 * @sq_tail: producer index
 * @cq_head: consumer index of the completion queue
 * @cq_phase: colour expected at @cq_head
 * @running: whether the queue accepts commands
 */
void ainic_admin_get_state(struct ainic_admin *aq, u16 *sq_tail,
			   u16 *cq_head, u8 *cq_phase, bool *running)
{
	unsigned long flags;

	spin_lock_irqsave(&aq->lock, flags);
	*sq_tail = aq->sq_tail;
	*cq_head = aq->cq_head;
	*cq_phase = aq->cq_phase;
	*running = aq->running;
	spin_unlock_irqrestore(&aq->lock, flags);
}
