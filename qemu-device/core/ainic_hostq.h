/*
 * ainic: the host's data queues (§6, §7): TX and RX rings and completion
 * queues, their doorbells, completion entries and interrupts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_HOSTQ_H
#define HW_NET_AINIC_HOSTQ_H

#include "ainic_types.h"
#include "ainic_tso.h"

/*
 * A TX/RX ring or a completion queue. prod/cons follow the doorbells:
 * for TXQ/RXQ the driver is the producer (prod from the doorbell, cons the
 * device); for a CQ the device produces and the driver's doorbell moves
 * cons. The data path (AINIC_CAP_DATAPATH) works on this state.
 */
struct AinicQueue {
    bool active;
    uint8_t qtype;              /* enum ainic_qtype */
    uint8_t log2_entries;
    uint16_t qid;
    uint16_t cq_id;             /* TXQ/RXQ */
    uint16_t vector;            /* CQ */
    uint32_t flags;             /* AINIC_Q_F_* */
    uint32_t buf_size;          /* RXQ */
    uint64_t ring_addr;
    uint32_t size;
    uint32_t prod;
    uint32_t cons;
    uint8_t color;              /* CQ: colour of the next entry */
    uint32_t users;             /* CQ: TXQ/RXQ completing to it */
    bool stalled;               /* TXQ: waiting for a CQ slot */
    bool broken;                /* ring or CQ DMA failed: no more work */
    bool xport_wait;            /* TXQ: the transport has no room (§10.5) */
    AinicTxIter tso;            /* TXQ */
};

static inline uint32_t ainic_ring_used(const AinicQueue *q)
{
    return (q->prod - q->cons) & (q->size - 1);
}

/* Free CQ slots: the device may fill all but one (full: next == cons). */
static inline uint32_t ainic_cq_free(const AinicQueue *cq)
{
    return cq->size - 1 - ainic_ring_used(cq);
}

/*
 * A consumer index may move forward only over entries the device has
 * produced: 0 <= new - head <= tail - head (mod size).
 */
static inline bool ainic_consumer_ok(uint32_t old_head, uint32_t new_head,
                                     uint32_t tail, uint32_t size)
{
    uint32_t mask = size - 1;

    return ((new_head - old_head) & mask) <= ((tail - old_head) & mask);
}

void ainic_hostq_reset(AinicCore *core);
const char *ainic_qtype_name(uint8_t qtype);
size_t ainic_qtype_entry_size(uint8_t qtype);
bool ainic_qtype_known(uint8_t qtype);
/* The queue slot for (qtype, qid), or NULL if either is out of range */
AinicQueue *ainic_queue_lookup(AinicCore *core, uint8_t qtype, uint32_t qid);
/* Write a 16-byte entry, its last byte (the colour) last */
int ainic_write_colored(AinicCore *core, uint64_t addr, uint8_t *entry,
                        size_t len);
/* One CQE (the caller checked for a free slot); -1 on a DMA failure */
int ainic_cqe_post(AinicCore *core, AinicQueue *cq, uint8_t qtype,
                   uint16_t qid, uint16_t desc_index, uint32_t len,
                   uint16_t cflags, uint16_t gso_segs, uint8_t status);
/* n new entries on cq: its interrupt, if enabled */
void ainic_cq_irq(AinicCore *core, AinicQueue *cq, uint32_t n);
/* Resume waiting queues (cq_id -1: all; else those completing to it) */
void ainic_datapath_kick(AinicCore *core, int cq_id);
/* Doorbell block, off relative to AINIC_REG_DB_BASE */
void ainic_db_write(AinicCore *core, uint32_t off, uint32_t val);
uint32_t ainic_db_read(AinicCore *core, uint32_t off);

#endif /* HW_NET_AINIC_HOSTQ_H */
