/*
 * ainic: portable device core of the AI NIC model: life cycle, the reset
 * that every module's state takes part in, the ENABLE handshake (§3.2)
 * and the register file (§3), which hands each block to its module.
 *
 * Implements uapi/ainic-device.md (the modules are listed in
 * ainic_core.h). Everything the guest controls is treated as hostile:
 * indices and sizes are checked before use, guest memory is copied before
 * it is parsed, and every loop is bounded by a ring size or a budget.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"

void ainic_core_reset(AinicCore *core, AinicResetKind kind)
{
    ainic_intr_reset(core);
    core->dev_ctrl = 0;
    core->dev_error = AINIC_ERR_NONE;
    ainic_adminq_reset(core);
    ainic_eventq_reset(core);
    ainic_selftest_reset(core);
    ainic_xport_reset(core);
    ainic_rxc_reset(core);
    ainic_rx_reset(core);
    ainic_hostq_reset(core);
    memset(&core->stats, 0, sizeof(core->stats));
    memset(core->qp_stats, 0, sizeof(core->qp_stats));

    core->mtu = AINIC_DEFAULT_MTU;
    memcpy(core->mac, core->cfg.mac, sizeof(core->mac));
    core->underlay_ip = 0;
    ainic_tx_reset(core);

    /* The model completes reset at once */
    core->dev_status = AINIC_STATUS_READY;
    trace(core, AINIC_TRACE_RESET, kind, 0, 0, 0);
    /* Held frames are now dropped: let the embedder offer them */
    ainic_rx_kick(core);
}

/*
 * A ring configuration is usable: size a power of two in [min, max],
 * base non-zero, aligned, and the ring does not wrap the address space.
 */
static bool ring_cfg_ok(AinicCore *core, const char *name, uint64_t base,
                        uint32_t size, uint32_t min, uint32_t max,
                        size_t entry)
{
    if (!is_pow2(size) || size < min || size > max) {
        guest_error(core, "ENABLE: %s size %u is not a power of 2 in "
                    "[%u, %u]", name, size, min, max);
        return false;
    }
    if (!base || base % AINIC_RING_ALIGN) {
        guest_error(core, "ENABLE: %s base 0x%llx is zero or not %u-byte "
                    "aligned", name, (unsigned long long)base,
                    AINIC_RING_ALIGN);
        return false;
    }
    if (!range_ok(base, (uint64_t)size * entry)) {
        guest_error(core, "ENABLE: %s at 0x%llx wraps the address space",
                    name, (unsigned long long)base);
        return false;
    }
    return true;
}

static void refuse_enable(AinicCore *core, uint32_t err)
{
    core->dev_status |= AINIC_STATUS_FATAL;
    core->dev_error = err;
    trace(core, AINIC_TRACE_ENABLE, err, 0, 0, 0);
}

static void do_enable(AinicCore *core)
{
    AinicAdminq *aq = &core->adminq;
    AinicEventq *evq = &core->eventq;
    uint64_t asq_base = make64(aq->asq_base_lo, aq->asq_base_hi);
    uint64_t acq_base = make64(aq->acq_base_lo, aq->acq_base_hi);
    uint64_t eq_base = make64(evq->base_lo, evq->base_hi);

    if (fatal(core)) {
        guest_error(core, "ENABLE while FATAL (DEV_ERROR %u): reset first",
                    core->dev_error);
        return;
    }
    if (!ring_cfg_ok(core, "ASQ", asq_base, aq->asq_size,
                     AINIC_ADMINQ_MIN_ENTRIES, AINIC_ADMINQ_MAX_ENTRIES,
                     ASQ_ENTRY) ||
        !ring_cfg_ok(core, "ACQ", acq_base, aq->acq_size,
                     AINIC_ADMINQ_MIN_ENTRIES, AINIC_ADMINQ_MAX_ENTRIES,
                     ACQ_ENTRY)) {
        refuse_enable(core, AINIC_ERR_ADMINQ_CONFIG);
        return;
    }
    if (aq->asq_size != aq->acq_size) {
        guest_error(core, "ENABLE: ASQ size %u differs from ACQ size %u",
                    aq->asq_size, aq->acq_size);
        refuse_enable(core, AINIC_ERR_ADMINQ_CONFIG);
        return;
    }
    if (!ring_cfg_ok(core, "EQ", eq_base, evq->size,
                     AINIC_EQ_MIN_ENTRIES, AINIC_EQ_MAX_ENTRIES, EQ_ENTRY)) {
        refuse_enable(core, AINIC_ERR_EVENTQ_CONFIG);
        return;
    }

    aq->asq = (AinicRing) { .base = asq_base, .size = aq->asq_size };
    aq->acq = (AinicRing) { .base = acq_base, .size = aq->acq_size,
                            .color = 1 };
    evq->ring = (AinicRing) { .base = eq_base, .size = evq->size,
                              .color = 1 };
    core->dev_status |= AINIC_STATUS_ENABLED;
    trace(core, AINIC_TRACE_ENABLE, AINIC_ERR_NONE, 0, 0, 0);
}

static void dev_ctrl_write(AinicCore *core, uint32_t val)
{
    if (val & ~(AINIC_CTRL_RESET | AINIC_CTRL_ENABLE)) {
        guest_error(core, "DEV_CTRL: reserved bits 0x%x ignored",
                    val & ~(AINIC_CTRL_RESET | AINIC_CTRL_ENABLE));
    }
    if (val & AINIC_CTRL_RESET) {
        ainic_core_reset(core, AINIC_RESET_DEV_CTRL);   /* RESET wins */
        return;
    }
    if (val & AINIC_CTRL_ENABLE) {
        if (!(core->dev_ctrl & AINIC_CTRL_ENABLE)) {
            core->dev_ctrl |= AINIC_CTRL_ENABLE;
            do_enable(core);
        }
    } else if (core->dev_ctrl & AINIC_CTRL_ENABLE) {
        /* Clearing ENABLE is the same as RESET (§3.2) */
        ainic_core_reset(core, AINIC_RESET_DEV_CTRL);
    }
}

void ainic_core_set_link(AinicCore *core, bool up)
{
    if (core->link_up == up) {
        return;
    }
    core->link_up = up;
    trace(core, AINIC_TRACE_LINK, up, 0, 0, 0);
    ainic_event_post(core, AINIC_EVENT_LINK_CHANGE, 0, up);
    ainic_datapath_kick(core, -1);
}

static bool in_intr_block(const AinicCore *core, uint64_t addr)
{
    return addr >= AINIC_REG_INTR_BASE &&
           addr < AINIC_REG_INTR_BASE +
                  (uint64_t)core->num_vectors * AINIC_REG_INTR_STRIDE;
}

static bool in_db_block(const AinicCore *core, uint64_t addr)
{
    return addr >= AINIC_REG_DB_BASE &&
           addr < AINIC_REG_DB_BASE +
                  (uint64_t)core->cfg.max_qps * AINIC_REG_DB_STRIDE;
}

uint32_t ainic_core_mmio_read(AinicCore *core, uint64_t addr)
{
    uint32_t val;

    switch (addr) {
    case AINIC_REG_MAGIC:
        return AINIC_MAGIC;
    case AINIC_REG_IF_VERSION:
        return core->cfg.if_version;
    case AINIC_REG_CAPS_LO:
        return (uint32_t)core->cfg.caps;
    case AINIC_REG_CAPS_HI:
        return core->cfg.caps >> 32;
    case AINIC_REG_DEV_CTRL:
        return core->dev_ctrl;
    case AINIC_REG_DEV_STATUS:
        return core->dev_status | (core->link_up ? AINIC_STATUS_LINK_UP : 0);
    case AINIC_REG_DEV_ERROR:
        return core->dev_error;
    case AINIC_REG_NUM_VECTORS:
        return core->num_vectors;
    case AINIC_REG_MAX_QPS:
        return core->cfg.max_qps;
    case AINIC_REG_ADMIN_TIMEOUT:
        return AINIC_ADMIN_TIMEOUT_MS;
    case AINIC_REG_ASQ_BASE_LO:
        return core->adminq.asq_base_lo;
    case AINIC_REG_ASQ_BASE_HI:
        return core->adminq.asq_base_hi;
    case AINIC_REG_ASQ_SIZE:
        return core->adminq.asq_size;
    case AINIC_REG_ASQ_TAIL:
        return core->adminq.asq.tail;
    case AINIC_REG_ASQ_HEAD:
        return core->adminq.asq.head;
    case AINIC_REG_ACQ_BASE_LO:
        return core->adminq.acq_base_lo;
    case AINIC_REG_ACQ_BASE_HI:
        return core->adminq.acq_base_hi;
    case AINIC_REG_ACQ_SIZE:
        return core->adminq.acq_size;
    case AINIC_REG_EQ_BASE_LO:
        return core->eventq.base_lo;
    case AINIC_REG_EQ_BASE_HI:
        return core->eventq.base_hi;
    case AINIC_REG_EQ_SIZE:
        return core->eventq.size;
    case AINIC_REG_EQ_HEAD:
        return core->eventq.ring.head;
    default:
        break;
    }
    if (ainic_selftest_read(core, addr, &val)) {
        return val;
    }
    if (addr % 4) {
        return 0;
    }
    if (in_intr_block(core, addr)) {
        uint64_t off = addr - AINIC_REG_INTR_BASE;

        return ainic_intr_read(core, off / AINIC_REG_INTR_STRIDE,
                               off % AINIC_REG_INTR_STRIDE);
    }
    if (in_db_block(core, addr)) {
        return ainic_db_read(core, addr - AINIC_REG_DB_BASE);
    }
    return 0;   /* unknown offsets and write-only registers read as 0 */
}

/* Queue configuration registers are frozen while ENABLED (§3.2). */
static bool cfg_writable(AinicCore *core, uint64_t addr)
{
    if (enabled(core)) {
        guest_error(core, "queue register 0x%llx written while enabled",
                    (unsigned long long)addr);
        return false;
    }
    return true;
}

void ainic_core_mmio_write(AinicCore *core, uint64_t addr, uint32_t val)
{
    switch (addr) {
    case AINIC_REG_MAGIC:
    case AINIC_REG_IF_VERSION:
    case AINIC_REG_CAPS_LO:
    case AINIC_REG_CAPS_HI:
    case AINIC_REG_DEV_STATUS:
    case AINIC_REG_DEV_ERROR:
    case AINIC_REG_NUM_VECTORS:
    case AINIC_REG_MAX_QPS:
    case AINIC_REG_ADMIN_TIMEOUT:
    case AINIC_REG_ASQ_HEAD:
    case AINIC_REG_TEST_DMA_STATUS:
        guest_error(core, "write 0x%x to read-only register 0x%llx", val,
                    (unsigned long long)addr);
        return;
    case AINIC_REG_DEV_CTRL:
        dev_ctrl_write(core, val);
        return;
    case AINIC_REG_ASQ_BASE_LO:
        if (cfg_writable(core, addr)) {
            core->adminq.asq_base_lo = val;
        }
        return;
    case AINIC_REG_ASQ_BASE_HI:
        if (cfg_writable(core, addr)) {
            core->adminq.asq_base_hi = val;
        }
        return;
    case AINIC_REG_ASQ_SIZE:
        if (cfg_writable(core, addr)) {
            core->adminq.asq_size = val;
        }
        return;
    case AINIC_REG_ACQ_BASE_LO:
        if (cfg_writable(core, addr)) {
            core->adminq.acq_base_lo = val;
        }
        return;
    case AINIC_REG_ACQ_BASE_HI:
        if (cfg_writable(core, addr)) {
            core->adminq.acq_base_hi = val;
        }
        return;
    case AINIC_REG_ACQ_SIZE:
        if (cfg_writable(core, addr)) {
            core->adminq.acq_size = val;
        }
        return;
    case AINIC_REG_EQ_BASE_LO:
        if (cfg_writable(core, addr)) {
            core->eventq.base_lo = val;
        }
        return;
    case AINIC_REG_EQ_BASE_HI:
        if (cfg_writable(core, addr)) {
            core->eventq.base_hi = val;
        }
        return;
    case AINIC_REG_EQ_SIZE:
        if (cfg_writable(core, addr)) {
            core->eventq.size = val;
        }
        return;
    case AINIC_REG_ASQ_TAIL:
        ainic_asq_doorbell(core, val);
        return;
    case AINIC_REG_EQ_HEAD:
        ainic_eq_doorbell(core, val);
        return;
    default:
        break;
    }
    if (ainic_selftest_write(core, addr, val)) {
        return;
    }
    if (addr % 4 == 0 && in_intr_block(core, addr)) {
        uint64_t off = addr - AINIC_REG_INTR_BASE;

        ainic_intr_write(core, off / AINIC_REG_INTR_STRIDE,
                         off % AINIC_REG_INTR_STRIDE, val);
        return;
    }
    if (addr % 4 == 0 && in_db_block(core, addr)) {
        ainic_db_write(core, addr - AINIC_REG_DB_BASE, val);
        return;
    }
    guest_error(core, "write 0x%x to unknown register 0x%llx", val,
                (unsigned long long)addr);
}

int ainic_core_init(AinicCore *core, const AinicCoreConfig *cfg,
                    const AinicCoreOps *ops, void *opaque)
{
    memset(core, 0, sizeof(*core));
    if (!cfg || !ops || cfg->max_qps < 1 || cfg->max_qps > AINIC_MAX_QPS) {
        return -1;
    }
    core->ops = ops;
    core->opaque = opaque;
    core->cfg = *cfg;
    core->cfg.serial[AINIC_SERIAL_LEN - 1] = 0;
    core->num_vectors = 1 + cfg->max_qps;

    if (ainic_intr_init(core) || ainic_adminq_init(core) ||
        ainic_inject_init(core) || ainic_xport_init(core) ||
        ainic_rxc_init(core)) {
        ainic_core_fini(core);
        return -1;
    }
    ainic_core_reset(core, AINIC_RESET_POWER_ON);
    return 0;
}

void ainic_core_fini(AinicCore *core)
{
    if (!core->ops) {
        return;
    }
    ainic_intr_fini(core);
    ainic_adminq_fini(core);
    ainic_inject_fini(core);
    ainic_xport_fini(core);
    ainic_rxc_fini(core);
    ainic_rx_reset(core);
}
