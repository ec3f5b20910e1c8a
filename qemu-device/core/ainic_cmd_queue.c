/*
 * ainic: admin commands on the data queues: Q_CREATE and Q_DESTROY
 * (§4.2), checked in the spec's order.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_cmd.h"

/* Checks in the order of §4.2. */
uint8_t ainic_op_q_create(AinicCore *core, const uint8_t *cmd,
                          uint32_t *result)
{
    uint8_t qtype = cmd[CMD_OFF(q_create.qtype)];
    uint8_t log2 = cmd[CMD_OFF(q_create.log2_entries)];
    uint16_t qid = ld16(cmd + CMD_OFF(q_create.qid));
    uint16_t cq_id = ld16(cmd + CMD_OFF(q_create.cq_id));
    uint16_t vector = ld16(cmd + CMD_OFF(q_create.vector));
    uint64_t ring = ld64(cmd + CMD_OFF(q_create.ring_addr));
    uint32_t flags = ld32(cmd + CMD_OFF(q_create.flags));
    uint32_t buf_size = ld32(cmd + CMD_OFF(q_create.buf_size));
    AinicQueue *q, *cq = NULL;

    (void)result;

    if (!ainic_qtype_known(qtype)) {
        guest_error(core, "Q_CREATE: unknown qtype %u", qtype);
        return AINIC_STS_EOPNOTSUPP;
    }
    q = ainic_queue_lookup(core, qtype, qid);
    if (!q) {
        guest_error(core, "Q_CREATE: %s qid %u out of range",
                    ainic_qtype_name(qtype), qid);
        return AINIC_STS_EINVAL;
    }
    if (log2 < AINIC_RING_MIN_LOG2 || log2 > AINIC_RING_MAX_LOG2) {
        guest_error(core, "Q_CREATE: log2_entries %u outside [%u, %u]",
                    log2, AINIC_RING_MIN_LOG2, AINIC_RING_MAX_LOG2);
        return AINIC_STS_EINVAL;
    }
    if (!ring || ring % AINIC_RING_ALIGN ||
        !range_ok(ring, (uint64_t)ainic_qtype_entry_size(qtype) << log2)) {
        guest_error(core, "Q_CREATE: bad ring_addr 0x%llx",
                    (unsigned long long)ring);
        return AINIC_STS_EINVAL;
    }
    if (flags & ~AINIC_Q_F_IRQ_ENABLE) {
        guest_error(core, "Q_CREATE: unknown flags 0x%x",
                    flags & ~AINIC_Q_F_IRQ_ENABLE);
        return AINIC_STS_EINVAL;
    }
    if (qtype == AINIC_QTYPE_CQ && vector >= core->num_vectors) {
        guest_error(core, "Q_CREATE: vector %u >= %u", vector,
                    core->num_vectors);
        return AINIC_STS_EINVAL;
    }
    if (qtype != AINIC_QTYPE_CQ) {
        cq = ainic_queue_lookup(core, AINIC_QTYPE_CQ, cq_id);
        if (!cq || !cq->active) {
            guest_error(core, "Q_CREATE: %s %u names CQ %u, which does "
                        "not exist", ainic_qtype_name(qtype), qid, cq_id);
            return AINIC_STS_ENOENT;
        }
    }
    if (qtype == AINIC_QTYPE_RXQ &&
        (buf_size < AINIC_RXQ_MIN_BUF || buf_size > AINIC_RXQ_MAX_BUF)) {
        guest_error(core, "Q_CREATE: RXQ buf_size %u outside [%u, %u]",
                    buf_size, AINIC_RXQ_MIN_BUF, AINIC_RXQ_MAX_BUF);
        return AINIC_STS_EINVAL;
    }
    if (q->active) {
        guest_error(core, "Q_CREATE: %s %u exists", ainic_qtype_name(qtype),
                    qid);
        return AINIC_STS_EEXIST;
    }

    *q = (AinicQueue) {
        .active = true,
        .qtype = qtype,
        .log2_entries = log2,
        .qid = qid,
        .cq_id = cq ? cq_id : 0,
        .vector = qtype == AINIC_QTYPE_CQ ? vector : 0,
        .flags = flags,
        .buf_size = qtype == AINIC_QTYPE_RXQ ? buf_size : 0,
        .ring_addr = ring,
        .size = 1u << log2,
        .color = 1,
    };
    if (cq) {
        cq->users++;
    }
    trace(core, AINIC_TRACE_QUEUE_CREATE, qtype, qid, log2, 0);
    if (qtype == AINIC_QTYPE_RXQ) {
        ainic_rx_kick(core);      /* steering changed */
    }
    return AINIC_STS_OK;
}

uint8_t ainic_op_q_destroy(AinicCore *core, const uint8_t *cmd,
                           uint32_t *result)
{
    uint8_t qtype = cmd[CMD_OFF(q_destroy.qtype)];
    uint16_t qid = ld16(cmd + CMD_OFF(q_destroy.qid));
    AinicQueue *q;

    (void)result;

    if (cmd[CMD_OFF(q_destroy.rsvd)]) {
        guest_error(core, "Q_DESTROY: non-zero rsvd field");
        return AINIC_STS_EINVAL;
    }
    if (!ainic_qtype_known(qtype)) {
        guest_error(core, "Q_DESTROY: unknown qtype %u", qtype);
        return AINIC_STS_EOPNOTSUPP;
    }
    q = ainic_queue_lookup(core, qtype, qid);
    if (!q || !q->active) {
        guest_error(core, "Q_DESTROY: no %s %u", ainic_qtype_name(qtype), qid);
        return AINIC_STS_ENOENT;
    }
    if (qtype == AINIC_QTYPE_CQ && q->users) {
        guest_error(core, "Q_DESTROY: CQ %u still used by %u queue(s)",
                    qid, q->users);
        return AINIC_STS_EBUSY;
    }
    if (qtype != AINIC_QTYPE_CQ) {
        AinicQueue *cq = ainic_queue_lookup(core, AINIC_QTYPE_CQ, q->cq_id);

        if (cq && cq->users) {
            cq->users--;
        }
    }
    if (qtype == AINIC_QTYPE_RXQ) {
        ainic_rxc_drop_queue(core, qid);      /* what it coalesced, too */
        ainic_rxb_flush(core, qid, true);     /* its waiting frames are lost */
    }
    memset(q, 0, sizeof(*q));
    trace(core, AINIC_TRACE_QUEUE_DESTROY, qtype, qid, 0, 0);
    if (qtype == AINIC_QTYPE_RXQ) {
        ainic_rx_kick(core);      /* steering changed */
    }
    return AINIC_STS_OK;
}
