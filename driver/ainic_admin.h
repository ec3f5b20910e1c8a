/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: admin queue engine */

#ifndef _AINIC_ADMIN_H_
#define _AINIC_ADMIN_H_

#include <linux/completion.h>
#include <linux/log2.h>
#include <linux/dma-mapping.h>
#include <linux/semaphore.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <uapi/linux/ainic_if.h>

struct ainic_dev;

/* Entries in the ASQ and in the ACQ; a power of two */
#define AINIC_ADMINQ_DEPTH	32

/*
 * A command id is its ASQ slot in the low bits and the number of times the
 * tail wrapped in the high bits, so that a late completion for an earlier
 * command in the same slot does not match the current one.
 */
#define AINIC_ADMIN_ID_SHIFT	ilog2(AINIC_ADMINQ_DEPTH)
#define AINIC_ADMIN_SLOT_MASK	(AINIC_ADMINQ_DEPTH - 1)

/**
 * struct ainic_admin_wait - one admin command from submission to completion
 * @done: completed when a completion arrived or the command was aborted
 * @comp: copy of the completion entry, valid when @has_comp is set
 * @cmd_id: command id the command was submitted with
 * @opcode: opcode of the command
 * @finished: @done has been (or is being) completed; under the queue lock
 * @has_comp: the device completed the command
 * @err: negative errno when the command was aborted without a completion
 *
 * Owned by the submitter (usually on its stack). Between
 * ainic_admin_submit() and ainic_admin_wait() it must stay in place.
 */
struct ainic_admin_wait {
	struct completion done;
	struct ainic_admin_comp comp;
	u16 cmd_id;
	u8 opcode;
	bool finished;
	bool has_comp;
	int err;
};

/**
 * struct ainic_admin_slot - driver state of one ASQ slot
 * @wait: the submitter waiting for the command, NULL once it gave up
 * @cmd_id: id of the command in this slot
 * @opcode: opcode of the command in this slot
 * @busy: a command was submitted here and has not completed yet
 */
struct ainic_admin_slot {
	struct ainic_admin_wait *wait;
	u16 cmd_id;
	u8 opcode;
	bool busy;
};

static inline u16 ainic_admin_cmd_id(u32 slot, u16 wrap)
{
	return (u16)(slot | (wrap << AINIC_ADMIN_ID_SHIFT));
}

static inline u32 ainic_admin_id_slot(u16 cmd_id)
{
	return cmd_id & AINIC_ADMIN_SLOT_MASK;
}

/* The completion is for the command that owns @slot right now */
static inline bool ainic_admin_comp_matches(const struct ainic_admin_slot *slot,
					    u16 cmd_id, u8 opcode)
{
	return slot->busy && slot->cmd_id == cmd_id && slot->opcode == opcode;
}

/**
 * struct ainic_admin_stats - admin queue counters
 * @cmds: commands completed
 * @errors: commands completed with a non-zero status
 * @timeouts: commands that got no completion in time
 * @stale: completions that matched no outstanding command
 * @bad_status: completions whose status the spec does not define
 */
struct ainic_admin_stats {
	u64 cmds;
	u64 errors;
	u64 timeouts;
	u64 stale;
	u64 bad_status;
};

/**
 * struct ainic_admin - the admin queue pair
 * @adev: device
 * @sq: submission ring (coherent DMA memory)
 * @cq: completion ring (coherent DMA memory)
 * @sq_dma: bus address of @sq
 * @cq_dma: bus address of @cq
 * @lock: protects the fields below it; taken from the IRQ handler
 * @sq_tail: next ASQ slot to fill (the producer index)
 * @sq_wrap: times @sq_tail wrapped; high bits of the command id
 * @cq_head: next ACQ slot to look at
 * @cq_phase: colour that marks a valid entry in the current lap
 * @running: accepting commands (cleared when the device went fatal)
 * @slots: per-slot state, indexed by the low bits of the command id
 * @stats: counters
 * @avail: free command slots; AINIC_ADMINQ_DEPTH - 1 so the rings can
 *	never be overrun
 * @timeout: how long to wait for a completion, in jiffies
 * @timeout_ms: the same in milliseconds, for messages
 */
struct ainic_admin {
	struct ainic_dev *adev;
	struct ainic_admin_cmd *sq;
	struct ainic_admin_comp *cq;
	dma_addr_t sq_dma;
	dma_addr_t cq_dma;

	spinlock_t lock;	/* see above */
	u16 sq_tail;
	u16 sq_wrap;
	u32 cq_head;
	u8 cq_phase;
	bool running;
	struct ainic_admin_slot slots[AINIC_ADMINQ_DEPTH];
	struct ainic_admin_stats stats;

	struct semaphore avail;
	unsigned long timeout;
	unsigned int timeout_ms;
};

int ainic_admin_alloc(struct ainic_dev *adev);
void ainic_admin_free(struct ainic_dev *adev);
void ainic_admin_program(struct ainic_dev *adev);
bool ainic_admin_irq(struct ainic_admin *aq);
int ainic_admin_status_errno(u8 status);
void ainic_admin_abort(struct ainic_admin *aq, int err);

int ainic_admin_submit(struct ainic_admin *aq,
		       const struct ainic_admin_cmd *cmd,
		       struct ainic_admin_wait *wait);
int ainic_admin_wait(struct ainic_admin *aq, struct ainic_admin_wait *wait);
int ainic_admin_exec(struct ainic_admin *aq,
		     const struct ainic_admin_cmd *cmd,
		     struct ainic_admin_comp *comp);

void ainic_admin_get_stats(struct ainic_admin *aq,
			   struct ainic_admin_stats *stats);
void ainic_admin_get_state(struct ainic_admin *aq, u16 *sq_tail,
			   u16 *cq_head, u8 *cq_phase, bool *running);

#endif /* _AINIC_ADMIN_H_ */
