/*
 * ainic: the host's data queues (§6, §7): queue slots and types, the
 * completion entries and their interrupts, and the doorbell block, which
 * hands TX work to ainic_txq.c and RX room to ainic_rxq.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"

const char *ainic_qtype_name(uint8_t qtype)
{
    switch (qtype) {
    case AINIC_QTYPE_TXQ:
        return "TXQ";
    case AINIC_QTYPE_RXQ:
        return "RXQ";
    case AINIC_QTYPE_CQ:
        return "CQ";
    default:
        return "?";
    }
}

size_t ainic_qtype_entry_size(uint8_t qtype)
{
    switch (qtype) {
    case AINIC_QTYPE_TXQ:
        return sizeof(struct ainic_tx_desc);
    case AINIC_QTYPE_RXQ:
        return sizeof(struct ainic_rx_desc);
    default:
        return sizeof(struct ainic_cqe);
    }
}

AinicQueue *ainic_queue_lookup(AinicCore *core, uint8_t qtype, uint32_t qid)
{
    switch (qtype) {
    case AINIC_QTYPE_TXQ:
        return qid < core->cfg.max_qps ? &core->txq[qid] : NULL;
    case AINIC_QTYPE_RXQ:
        return qid < core->cfg.max_qps ? &core->rxq[qid] : NULL;
    case AINIC_QTYPE_CQ:
        return qid < 2u * core->cfg.max_qps ? &core->cq[qid] : NULL;
    default:
        return NULL;
    }
}

bool ainic_qtype_known(uint8_t qtype)
{
    return qtype >= AINIC_QTYPE_TXQ && qtype <= AINIC_QTYPE_CQ;
}

/*
 * Write a 16-byte entry whose colour byte is the last byte: the body
 * first, then the colour byte, so the driver never sees a valid colour
 * on a partial entry.
 */
int ainic_write_colored(AinicCore *core, uint64_t addr, uint8_t *entry,
                        size_t len)
{
    if (core->ops->dma_write(core->opaque, addr, entry, len - 1)) {
        return -1;
    }
    return core->ops->dma_write(core->opaque, addr + len - 1,
                                entry + len - 1, 1);
}

/*
 * Write one CQE to cq (body first, colour byte last) and advance it.
 * The caller checked for a free slot. Returns -1 on a DMA failure.
 */
int ainic_cqe_post(AinicCore *core, AinicQueue *cq, uint8_t qtype,
                   uint16_t qid, uint16_t desc_index, uint32_t len,
                   uint16_t cflags, uint16_t gso_segs, uint8_t status)
{
    uint8_t e[sizeof(struct ainic_cqe)];
    uint64_t addr = cq->ring_addr + (uint64_t)cq->prod * sizeof(e);

    memset(e, 0, sizeof(e));
    st32(e + offsetof(struct ainic_cqe, len), len);
    st16(e + offsetof(struct ainic_cqe, desc_index), desc_index);
    st16(e + offsetof(struct ainic_cqe, qid), qid);
    st16(e + offsetof(struct ainic_cqe, cflags), cflags);
    st16(e + offsetof(struct ainic_cqe, gso_segs), gso_segs);
    e[offsetof(struct ainic_cqe, status)] = status;
    e[offsetof(struct ainic_cqe, qtype)] = qtype;
    e[offsetof(struct ainic_cqe, flags)] = cq->color ? AINIC_CQE_COLOR : 0;
    if (ainic_write_colored(core, addr, e, sizeof(e))) {
        guest_error(core, "CQ %u: completion DMA to 0x%llx failed", cq->qid,
                    (unsigned long long)addr);
        cq->broken = true;
        return -1;
    }
    cq->prod = (cq->prod + 1) & (cq->size - 1);
    if (cq->prod == 0) {
        cq->color ^= 1;
    }
    return 0;
}

void ainic_cq_irq(AinicCore *core, AinicQueue *cq, uint32_t n)
{
    if (n && (cq->flags & AINIC_Q_F_IRQ_ENABLE)) {
        ainic_core_cq_notify(core, cq->vector, n);
    }
}

/*
 * Resume every queue that was waiting (link up: cq_id -1; CQ slots
 * returned): TX queues, RX backlogs, then the frames the embedder holds.
 */
void ainic_datapath_kick(AinicCore *core, int cq_id)
{
    unsigned i;

    for (i = 0; i < core->cfg.max_qps; i++) {
        AinicQueue *q = &core->txq[i];

        if (q->active && (cq_id < 0 || q->cq_id == cq_id) &&
            q->cons != q->prod) {
            ainic_txq_process(core, q);
        }
        q = &core->rxq[i];
        if (q->active && (cq_id < 0 || q->cq_id == cq_id)) {
            ainic_rx_drain(core, i);
        }
    }
    ainic_xport_drain(core);
    ainic_rx_kick(core);
}

void ainic_db_write(AinicCore *core, uint32_t off, uint32_t val)
{
    uint32_t n = off / AINIC_REG_DB_STRIDE;
    uint32_t reg = off % AINIC_REG_DB_STRIDE;
    AinicQueue *q;
    uint8_t qtype;

    switch (reg) {
    case 0x0:
        qtype = AINIC_QTYPE_TXQ;
        q = &core->txq[n];
        break;
    case 0x4:
        qtype = AINIC_QTYPE_RXQ;
        q = &core->rxq[n];
        break;
    case 0x8:
        qtype = AINIC_QTYPE_CQ;
        q = &core->cq[2 * n];
        break;
    default:
        qtype = AINIC_QTYPE_CQ;
        q = &core->cq[2 * n + 1];
        break;
    }
    if (!q->active) {
        guest_error(core, "doorbell 0x%x: %s of queue pair %u does not exist",
                    AINIC_REG_DB_BASE + off, ainic_qtype_name(qtype), n);
        return;
    }
    if (val >= q->size) {
        guest_error(core, "doorbell 0x%x: index %u outside ring of %u",
                    AINIC_REG_DB_BASE + off, val, q->size);
        return;
    }
    trace(core, AINIC_TRACE_DOORBELL, qtype, q->qid, val, 0);

    if (qtype == AINIC_QTYPE_CQ) {
        if (!ainic_consumer_ok(q->cons, val, q->prod, q->size)) {
            guest_error(core, "CQ %u doorbell %u passes the device's "
                        "producer index %u", q->qid, val, q->prod);
            return;
        }
        q->cons = val;
        /* A stalled TXQ, held RX frames */
        ainic_datapath_kick(core, q->qid);
        return;
    }
    /*
     * A producer index only moves forward over free slots. One that lands
     * among the posted entries (the driver went back, or posted more than
     * the ring holds) would have the device take the rest of the ring,
     * stale descriptors, as posted.
     */
    if (((val - q->cons) & (q->size - 1)) < ainic_ring_used(q)) {
        guest_error(core, "doorbell 0x%x: %s %u producer index %u moves "
                    "back from %u (consumer %u)", AINIC_REG_DB_BASE + off,
                    ainic_qtype_name(qtype), q->qid, val, q->prod, q->cons);
        return;
    }
    q->prod = val;
    if (qtype == AINIC_QTYPE_TXQ) {
        ainic_txq_process(core, q);
    } else {
        /* New buffers: for RX backlogs and the transport's held packets */
        ainic_rx_drain(core, n);
        ainic_xport_drain(core);
        ainic_rx_kick(core);
    }
}

uint32_t ainic_db_read(AinicCore *core, uint32_t off)
{
    uint32_t n = off / AINIC_REG_DB_STRIDE;

    switch (off % AINIC_REG_DB_STRIDE) {
    case 0x0:
        return core->txq[n].prod;
    case 0x4:
        return core->rxq[n].prod;
    case 0x8:
        return core->cq[2 * n].cons;
    default:
        return core->cq[2 * n + 1].cons;
    }
}

void ainic_hostq_reset(AinicCore *core)
{
    memset(core->txq, 0, sizeof(core->txq));
    memset(core->rxq, 0, sizeof(core->rxq));
    memset(core->cq, 0, sizeof(core->cq));
}
