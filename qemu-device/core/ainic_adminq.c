/*
 * ainic: the admin queue engine (§4): commands consumed from the ASQ in
 * order, each copied once and dispatched through a table of opcodes,
 * completions posted to the ACQ with their colour. The admin faults of
 * the injector act here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_cmd.h"

typedef struct AinicAdminOp {
    const char *name;
    size_t body_len;            /* of the body struct; the rest is MBZ */
    AinicAdminHandler *handler; /* NULL: needs cap, not announced yet */
    uint64_t cap;
} AinicAdminOp;

#define ADMIN_OP(OP, op) \
    [AINIC_OP_##OP] = { #OP, sizeof(struct ainic_cmd_##op), ainic_op_##op, 0 }
#define ADMIN_OP_NEEDS(OP, op, capability) \
    [AINIC_OP_##OP] = { #OP, sizeof(struct ainic_cmd_##op), ainic_op_##op, \
                        capability }
/* Defined by the contract; they come with the capabilities they need */
#define ADMIN_OP_CAP(op, capability) \
    [AINIC_OP_##op] = { #op, 0, NULL, capability }

static const AinicAdminOp admin_ops[] = {
    ADMIN_OP(NOP, nop),
    ADMIN_OP(IDENTIFY, identify),
    ADMIN_OP(PORT_CONFIG, port_config),
    ADMIN_OP(STATS_GET, stats_get),
    ADMIN_OP(Q_CREATE, q_create),
    ADMIN_OP(Q_DESTROY, q_destroy),
    ADMIN_OP_NEEDS(CONN_CREATE, conn_create, AINIC_CAP_RELIABLE),
    ADMIN_OP_NEEDS(CONN_DESTROY, conn_destroy, AINIC_CAP_RELIABLE),
    ADMIN_OP_NEEDS(CONN_QUERY, conn_query, AINIC_CAP_RELIABLE),
    ADMIN_OP_CAP(KEY_SET_MASTER, AINIC_CAP_CRYPTO),
    ADMIN_OP_CAP(KEY_ROTATE, AINIC_CAP_CRYPTO),
    ADMIN_OP_CAP(SA_ADD, AINIC_CAP_CRYPTO),
    ADMIN_OP_CAP(SA_DEL, AINIC_CAP_CRYPTO),
    ADMIN_OP_CAP(CC_SET, AINIC_CAP_CC_DCQCN),
    ADMIN_OP_CAP(CC_GET, AINIC_CAP_CC_DCQCN),
};

/* Execute one command (a private copy); returns an enum ainic_status. */
static uint8_t admin_exec(AinicCore *core, const uint8_t *cmd,
                          uint32_t *result)
{
    uint8_t opcode = cmd[CMD_OFF(hdr.opcode)];
    const AinicAdminOp *op;

    *result = 0;
    if (cmd[CMD_OFF(hdr.flags)] || ld32(cmd + CMD_OFF(hdr.rsvd))) {
        guest_error(core, "admin opcode 0x%02x: non-zero MBZ header field",
                    opcode);
        return AINIC_STS_EINVAL;
    }
    op = opcode < sizeof(admin_ops) / sizeof(admin_ops[0]) ?
         &admin_ops[opcode] : NULL;
    if (!op || !op->name) {
        guest_error(core, "unknown admin opcode 0x%02x", opcode);
        return AINIC_STS_EOPNOTSUPP;
    }
    if (!op->handler || (op->cap && !(core->cfg.caps & op->cap))) {
        guest_error(core, "admin opcode 0x%02x needs a capability the "
                    "device does not announce", opcode);
        return AINIC_STS_EOPNOTSUPP;
    }
    /* Bytes of the 56-byte command body past the opcode's struct are MBZ */
    if (!all_zero(cmd + CMD_HDR_LEN + op->body_len,
                  ASQ_ENTRY - CMD_HDR_LEN - op->body_len)) {
        guest_error(core, "%s: non-zero reserved command bytes", op->name);
        return AINIC_STS_EINVAL;
    }
    return op->handler(core, cmd, result);
}

/*
 * Write a completion (colour set here) to the next ACQ slot. Returns -1 if
 * the ACQ could not be written: the device is then FATAL.
 */
static int acq_post(AinicCore *core, uint8_t *comp)
{
    AinicRing *cq = &core->adminq.acq;
    uint64_t cq_addr = cq->base + (uint64_t)cq->tail * ACQ_ENTRY;

    comp[COMP_OFF(flags)] = cq->color ? AINIC_COMP_COLOR : 0;
    if (ainic_write_colored(core, cq_addr, comp, ACQ_ENTRY)) {
        guest_error(core, "admin completion DMA to 0x%llx failed",
                    (unsigned long long)cq_addr);
        ainic_set_fatal(core, AINIC_ERR_DMA, true);
        return -1;
    }
    cq->tail = (cq->tail + 1) & (cq->size - 1);
    if (cq->tail == 0) {
        cq->color ^= 1;
    }
    return 0;
}

/*
 * Consume ASQ slots from head to tail. tail < size was checked, so this
 * takes fewer than size iterations; the budget makes that explicit. The
 * admin faults act here: a dropped completion is never written, a late
 * one waits for admin_timer and holds every later command back (order).
 */
static void admin_process(AinicCore *core)
{
    AinicRing *sq = &core->adminq.asq;
    uint32_t budget = sq->size;
    unsigned done = 0;

    while (budget-- && sq->head != sq->tail && !fatal(core) &&
           !core->adminq.late) {
        uint64_t sq_addr = sq->base + (uint64_t)sq->head * ASQ_ENTRY;
        uint32_t next_head = (sq->head + 1) & (sq->size - 1);
        uint8_t cmd[ASQ_ENTRY];
        uint8_t comp[ACQ_ENTRY];
        uint32_t result = 0;
        uint8_t status = AINIC_STS_OK;
        bool drop, bad_status, exec = true;

        /* One copy, then parse only the copy (no TOCTOU with the guest) */
        if (core->ops->dma_read(core->opaque, sq_addr, cmd, sizeof(cmd))) {
            guest_error(core, "admin queue DMA from 0x%llx failed",
                        (unsigned long long)sq_addr);
            ainic_set_fatal(core, AINIC_ERR_DMA, true);
            break;
        }
        drop = ainic_fault_take(&core->faults, AINIC_FAULT_ADMIN_DROP);
        bad_status = !drop &&
                     ainic_fault_take(&core->faults, AINIC_FAULT_ADMIN_STATUS);
        if (drop || bad_status) {
            exec = core->faults.arg[drop ? AINIC_FAULT_ADMIN_DROP :
                                           AINIC_FAULT_ADMIN_STATUS] ==
                   AINIC_FAULT_EXEC;
            trace(core, AINIC_TRACE_FAULT, drop ? AINIC_FAULT_ADMIN_DROP :
                  AINIC_FAULT_ADMIN_STATUS, ld16(cmd + CMD_OFF(hdr.cmd_id)),
                  exec, 0);
        }
        if (exec) {
            status = admin_exec(core, cmd, &result);
            trace(core, AINIC_TRACE_ADMIN_CMD, cmd[CMD_OFF(hdr.opcode)],
                  ld16(cmd + CMD_OFF(hdr.cmd_id)), status, result);
            core->stats.admin_cmds++;
            if (status != AINIC_STS_OK) {
                core->stats.admin_errors++;
            }
        }
        if (drop) {
            sq->head = next_head;   /* consumed; no completion, ever */
            continue;
        }
        if (bad_status) {
            status = AINIC_FAULT_BAD_STATUS;
        }

        memset(comp, 0, sizeof(comp));
        comp[COMP_OFF(status)] = status;
        comp[COMP_OFF(opcode)] = cmd[CMD_OFF(hdr.opcode)];
        memcpy(comp + COMP_OFF(cmd_id), cmd + CMD_OFF(hdr.cmd_id), 2);
        st16(comp + COMP_OFF(sq_head), next_head);
        st32(comp + COMP_OFF(result), result);
        if (ainic_fault_take(&core->faults, AINIC_FAULT_ADMIN_LATE)) {
            uint32_t ms = core->faults.arg[AINIC_FAULT_ADMIN_LATE];

            memcpy(core->adminq.late_comp, comp, sizeof(comp));
            core->adminq.late = true;
            sq->head = next_head;
            core->ops->timer_mod(core->opaque, core->adminq.late_timer,
                                 core->ops->now_ns(core->opaque) +
                                 (uint64_t)ms * 1000000);
            trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_ADMIN_LATE,
                  ld16(cmd + CMD_OFF(hdr.cmd_id)), ms, 0);
            break;
        }
        if (acq_post(core, comp)) {
            break;
        }
        sq->head = next_head;
        done++;
    }
    if (done) {
        ainic_irq_raise(core, AINIC_VEC_ADMIN);
    }
}

/* admin-late: the held completion is due; then the commands behind it */
static void admin_late_cb(void *opaque)
{
    AinicCore *core = opaque;

    if (!core->adminq.late) {
        return;
    }
    core->adminq.late = false;
    if (!enabled(core) || fatal(core) ||
        acq_post(core, core->adminq.late_comp)) {
        return;
    }
    ainic_irq_raise(core, AINIC_VEC_ADMIN);
    admin_process(core);
}

void ainic_asq_doorbell(AinicCore *core, uint32_t tail)
{
    if (!enabled(core)) {
        guest_error(core, "ASQ_TAIL %u written while not enabled", tail);
        return;
    }
    if (fatal(core)) {
        guest_error(core, "ASQ_TAIL %u ignored: device FATAL (DEV_ERROR %u)",
                    tail, core->dev_error);
        return;
    }
    if (tail >= core->adminq.asq.size) {
        guest_error(core, "ASQ_TAIL %u outside ring of %u", tail,
                    core->adminq.asq.size);
        return;
    }
    core->adminq.asq.tail = tail;
    admin_process(core);
}

uint64_t ainic_core_admin_cmds(const AinicCore *core)
{
    return core->stats.admin_cmds;
}

int ainic_adminq_init(AinicCore *core)
{
    core->adminq.late_timer = core->ops->timer_new(core->opaque,
                                                   admin_late_cb, core);
    return core->adminq.late_timer ? 0 : -1;
}

void ainic_adminq_reset(AinicCore *core)
{
    AinicAdminq *aq = &core->adminq;

    aq->asq_base_lo = aq->asq_base_hi = aq->asq_size = 0;
    aq->acq_base_lo = aq->acq_base_hi = aq->acq_size = 0;
    memset(&aq->asq, 0, sizeof(aq->asq));
    memset(&aq->acq, 0, sizeof(aq->acq));
    aq->acq.color = 1;
    /* A completion held back by admin-late belongs to the old rings */
    if (aq->late && aq->late_timer) {
        core->ops->timer_del(core->opaque, aq->late_timer);
    }
    aq->late = false;
}

void ainic_adminq_fini(AinicCore *core)
{
    if (core->adminq.late_timer) {
        core->ops->timer_del(core->opaque, core->adminq.late_timer);
        core->ops->timer_free(core->opaque, core->adminq.late_timer);
        core->adminq.late_timer = NULL;
    }
    core->adminq.late = false;
}
