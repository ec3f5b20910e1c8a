/*
 * ainic: portable device core of the AI NIC model
 *
 * Implements uapi/ainic-device.md: register file, reset/ENABLE handshake,
 * admin queue, event queue, interrupt masks and moderation, self test and
 * doorbell validation. Everything the guest controls is treated as hostile:
 * indices and sizes are checked before use, guest memory is copied before
 * it is parsed, and every loop is bounded by a ring size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdio.h>
#include <string.h>

#include "ainic_core.h"

#define ASQ_ENTRY       sizeof(struct ainic_admin_cmd)
#define ACQ_ENTRY       sizeof(struct ainic_admin_comp)
#define EQ_ENTRY        sizeof(struct ainic_event)
#define CMD_HDR_LEN     sizeof(struct ainic_admin_hdr)

#define CMD_OFF(field)  offsetof(struct ainic_admin_cmd, field)
#define COMP_OFF(field) offsetof(struct ainic_admin_comp, field)
#define ID_OFF(field)   offsetof(struct ainic_identity, field)
#define EV_OFF(field)   offsetof(struct ainic_event, field)

/* ---- Little-endian access to guest-visible byte images ------------ */

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void st32(uint8_t *p, uint32_t v)
{
    st16(p, v);
    st16(p + 2, v >> 16);
}

static void st64(uint8_t *p, uint64_t v)
{
    st32(p, v);
    st32(p + 4, v >> 32);
}

/* ---- Helpers ------------------------------------------------------- */

static void AINIC_PRINTF(2, 3)
guest_error(AinicCore *core, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    core->ops->log_guest_error(core->opaque, fmt, ap);
    va_end(ap);
}

static void trace(AinicCore *core, AinicTraceEvent ev, uint64_t a,
                  uint64_t b, uint64_t c, uint64_t d)
{
    if (core->ops->trace) {
        core->ops->trace(core->opaque, ev, a, b, c, d);
    }
}

static bool is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static uint64_t make64(uint32_t lo, uint32_t hi)
{
    return (uint64_t)hi << 32 | lo;
}

/* [addr, addr + len) must not wrap around the 64-bit address space. */
static bool range_ok(uint64_t addr, uint64_t len)
{
    return len == 0 || addr + (len - 1) >= addr;
}

static bool all_zero(const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static bool enabled(const AinicCore *core)
{
    return core->dev_status & AINIC_STATUS_ENABLED;
}

static bool fatal(const AinicCore *core)
{
    return core->dev_status & AINIC_STATUS_FATAL;
}

/* ---- Interrupts ---------------------------------------------------- */

/* Raise vector v through its mask (§3.5). */
static void irq_raise(AinicCore *core, unsigned v)
{
    AinicVector *vec;

    if (v >= core->num_vectors) {
        return;     /* callers validate; never index out of range */
    }
    vec = &core->vec[v];
    if (vec->masked) {
        vec->pending = true;
        trace(core, AINIC_TRACE_IRQ, v, AINIC_IRQ_PENDING, 0, 0);
        return;
    }
    trace(core, AINIC_TRACE_IRQ, v, AINIC_IRQ_DELIVERED, 0, 0);
    core->ops->raise_irq(core->opaque, v);
}

static void coal_timer_cb(void *opaque)
{
    AinicVector *vec = opaque;

    vec->coal_armed = false;
    vec->coal_count = 0;
    irq_raise(vec->core, vec->index);
}

void ainic_core_cq_notify(AinicCore *core, unsigned v, uint32_t n)
{
    AinicVector *vec;

    if (v >= core->num_vectors) {
        return;
    }
    vec = &core->vec[v];
    if (v == AINIC_VEC_ADMIN || vec->coal_usecs == 0) {
        irq_raise(core, v);
        return;
    }
    vec->coal_count = n > UINT32_MAX - vec->coal_count ?
                      UINT32_MAX : vec->coal_count + n;
    if (vec->coal_frames && vec->coal_count >= vec->coal_frames) {
        if (vec->coal_armed) {
            core->ops->timer_del(core->opaque, vec->coal_timer);
            vec->coal_armed = false;
        }
        vec->coal_count = 0;
        irq_raise(core, v);
        return;
    }
    if (!vec->coal_armed) {
        vec->coal_armed = true;
        core->ops->timer_mod(core->opaque, vec->coal_timer,
                             core->ops->now_ns(core->opaque) +
                             (uint64_t)vec->coal_usecs * 1000);
    }
    trace(core, AINIC_TRACE_IRQ, v, AINIC_IRQ_COALESCED, 0, 0);
}

/* ---- Events and fatal errors --------------------------------------- */

static void set_fatal(AinicCore *core, uint32_t err, bool eq_usable);

/*
 * Write a 16-byte entry whose colour byte is the last byte: the body
 * first, then the colour byte, so the driver never sees a valid colour
 * on a partial entry.
 */
static int write_colored(AinicCore *core, uint64_t addr, uint8_t *entry,
                         size_t len)
{
    if (core->ops->dma_write(core->opaque, addr, entry, len - 1)) {
        return -1;
    }
    return core->ops->dma_write(core->opaque, addr + len - 1,
                                entry + len - 1, 1);
}

static void event_post_raw(AinicCore *core, uint16_t code, uint32_t id,
                           uint32_t data)
{
    AinicRing *eq = &core->eq;
    uint8_t ev[EQ_ENTRY];
    uint32_t slot, next;

    if (!enabled(core) || !eq->size) {
        return;     /* no event queue before ENABLE */
    }
    slot = eq->tail;
    next = (slot + 1) & (eq->size - 1);
    if (next == eq->head) {
        core->stats.events_dropped++;
        trace(core, AINIC_TRACE_EVENT_DROPPED, code, data, 0, 0);
        return;
    }
    memset(ev, 0, sizeof(ev));
    st16(ev + EV_OFF(code), code);
    st32(ev + EV_OFF(id), id);
    st32(ev + EV_OFF(data), data);
    ev[EV_OFF(flags)] = eq->color ? AINIC_EVENT_COLOR : 0;
    if (write_colored(core, eq->base + (uint64_t)slot * EQ_ENTRY, ev,
                      sizeof(ev))) {
        guest_error(core, "event queue DMA to 0x%llx failed",
                    (unsigned long long)(eq->base + (uint64_t)slot * EQ_ENTRY));
        set_fatal(core, AINIC_ERR_DMA, false);
        return;
    }
    eq->tail = next;
    if (next == 0) {
        eq->color ^= 1;
    }
    core->stats.events++;
    trace(core, AINIC_TRACE_EVENT_POSTED, code, data, slot, 0);
    irq_raise(core, AINIC_VEC_ADMIN);
}

static void event_post(AinicCore *core, uint16_t code, uint32_t id,
                       uint32_t data)
{
    if (fatal(core)) {
        return;     /* a dead device reports nothing but FATAL */
    }
    event_post_raw(core, code, id, data);
}

/*
 * The device stops (§3.2). The FATAL event is best effort, and only when
 * the event ring itself is not what failed.
 */
static void set_fatal(AinicCore *core, uint32_t err, bool eq_usable)
{
    if (fatal(core)) {
        return;
    }
    core->dev_status |= AINIC_STATUS_FATAL;
    core->dev_error = err;
    trace(core, AINIC_TRACE_FATAL, err, 0, 0, 0);
    if (eq_usable) {
        event_post_raw(core, AINIC_EVENT_FATAL, 0, err);
    }
}

/* ---- Reset and enable ---------------------------------------------- */

void ainic_core_reset(AinicCore *core, AinicResetKind kind)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_VECTORS; i++) {
        AinicVector *vec = &core->vec[i];

        if (vec->coal_timer && vec->coal_armed) {
            core->ops->timer_del(core->opaque, vec->coal_timer);
        }
        vec->masked = false;
        vec->pending = false;
        vec->coal_usecs = 0;
        vec->coal_frames = 0;
        vec->coal_count = 0;
        vec->coal_armed = false;
    }

    core->dev_ctrl = 0;
    core->dev_error = AINIC_ERR_NONE;
    core->asq_base_lo = core->asq_base_hi = core->asq_size = 0;
    core->acq_base_lo = core->acq_base_hi = core->acq_size = 0;
    core->eq_base_lo = core->eq_base_hi = core->eq_size = 0;
    memset(&core->asq, 0, sizeof(core->asq));
    memset(&core->acq, 0, sizeof(core->acq));
    memset(&core->eq, 0, sizeof(core->eq));
    core->acq.color = 1;
    core->eq.color = 1;

    core->test_echo = 0;    /* reads back as 0xffffffff */
    core->test_dma_addr_lo = core->test_dma_addr_hi = 0;
    core->test_dma_len = core->test_dma_pattern = core->test_dma_status = 0;

    memset(core->txq, 0, sizeof(core->txq));
    memset(core->rxq, 0, sizeof(core->rxq));
    memset(core->cq, 0, sizeof(core->cq));
    memset(&core->stats, 0, sizeof(core->stats));

    core->mtu = AINIC_DEFAULT_MTU;
    memcpy(core->mac, core->cfg.mac, sizeof(core->mac));

    /* The model completes reset at once */
    core->dev_status = AINIC_STATUS_READY;
    trace(core, AINIC_TRACE_RESET, kind, 0, 0, 0);
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
    uint64_t asq_base = make64(core->asq_base_lo, core->asq_base_hi);
    uint64_t acq_base = make64(core->acq_base_lo, core->acq_base_hi);
    uint64_t eq_base = make64(core->eq_base_lo, core->eq_base_hi);

    if (fatal(core)) {
        guest_error(core, "ENABLE while FATAL (DEV_ERROR %u): reset first",
                    core->dev_error);
        return;
    }
    if (!ring_cfg_ok(core, "ASQ", asq_base, core->asq_size,
                     AINIC_ADMINQ_MIN_ENTRIES, AINIC_ADMINQ_MAX_ENTRIES,
                     ASQ_ENTRY) ||
        !ring_cfg_ok(core, "ACQ", acq_base, core->acq_size,
                     AINIC_ADMINQ_MIN_ENTRIES, AINIC_ADMINQ_MAX_ENTRIES,
                     ACQ_ENTRY)) {
        refuse_enable(core, AINIC_ERR_ADMINQ_CONFIG);
        return;
    }
    if (core->asq_size != core->acq_size) {
        guest_error(core, "ENABLE: ASQ size %u differs from ACQ size %u",
                    core->asq_size, core->acq_size);
        refuse_enable(core, AINIC_ERR_ADMINQ_CONFIG);
        return;
    }
    if (!ring_cfg_ok(core, "EQ", eq_base, core->eq_size,
                     AINIC_EQ_MIN_ENTRIES, AINIC_EQ_MAX_ENTRIES, EQ_ENTRY)) {
        refuse_enable(core, AINIC_ERR_EVENTQ_CONFIG);
        return;
    }

    core->asq = (AinicRing) { .base = asq_base, .size = core->asq_size };
    core->acq = (AinicRing) { .base = acq_base, .size = core->acq_size,
                              .color = 1 };
    core->eq = (AinicRing) { .base = eq_base, .size = core->eq_size,
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

/* ---- Admin commands ------------------------------------------------ */

/* Bytes of the 56-byte command body past the opcode's struct are MBZ. */
static bool body_tail_zero(AinicCore *core, const uint8_t *cmd,
                           size_t used, const char *op)
{
    if (!all_zero(cmd + CMD_HDR_LEN + used,
                  ASQ_ENTRY - CMD_HDR_LEN - used)) {
        guest_error(core, "%s: non-zero reserved command bytes", op);
        return false;
    }
    return true;
}

static void copy_str(uint8_t *dst, const char *src, size_t size)
{
    size_t len = 0;

    while (len < size - 1 && src[len]) {
        len++;
    }
    memcpy(dst, src, len);
    dst[len] = 0;
}

static uint8_t cmd_identify(AinicCore *core, const uint8_t *cmd,
                            uint32_t *result)
{
    uint64_t addr = ld64(cmd + CMD_OFF(identify.buf_addr));
    uint32_t len = ld32(cmd + CMD_OFF(identify.buf_len));
    uint8_t id[sizeof(struct ainic_identity)];

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_identify),
                        "IDENTIFY")) {
        return AINIC_STS_EINVAL;
    }
    if (len < sizeof(id)) {
        guest_error(core, "IDENTIFY: buffer of %u bytes < %zu", len,
                    sizeof(id));
        return AINIC_STS_EINVAL;
    }

    memset(id, 0, sizeof(id));
    st32(id + ID_OFF(if_version), core->cfg.if_version);
    st64(id + ID_OFF(caps), core->cfg.caps);
    memcpy(id + ID_OFF(mac), core->cfg.mac, 6);
    st16(id + ID_OFF(max_qps), core->cfg.max_qps);
    st16(id + ID_OFF(num_vectors), core->num_vectors);
    st16(id + ID_OFF(max_sg), AINIC_MAX_SG);
    st32(id + ID_OFF(min_mtu), AINIC_MIN_MTU);
    st32(id + ID_OFF(max_mtu), AINIC_MAX_MTU);
    st32(id + ID_OFF(link_speed_mbps), AINIC_LINK_SPEED_MBPS);
    st32(id + ID_OFF(max_conns), 0);
    id[ID_OFF(max_ring_log2)] = AINIC_RING_MAX_LOG2;
    id[ID_OFF(min_ring_log2)] = AINIC_RING_MIN_LOG2;
    st32(id + ID_OFF(admin_timeout_ms), AINIC_ADMIN_TIMEOUT_MS);
    copy_str(id + ID_OFF(serial), core->cfg.serial, AINIC_SERIAL_LEN);
    copy_str(id + ID_OFF(fw_version), AINIC_FW_VERSION, AINIC_FW_VERSION_LEN);
    copy_str(id + ID_OFF(model), AINIC_MODEL, AINIC_MODEL_LEN);

    if (!range_ok(addr, sizeof(id)) ||
        core->ops->dma_write(core->opaque, addr, id, sizeof(id))) {
        guest_error(core, "IDENTIFY: DMA to 0x%llx failed",
                    (unsigned long long)addr);
        return AINIC_STS_EFAULT;
    }
    *result = sizeof(id);
    return AINIC_STS_OK;
}

static uint8_t cmd_port_config(AinicCore *core, const uint8_t *cmd)
{
    const uint32_t known = AINIC_PORT_CFG_MTU | AINIC_PORT_CFG_MAC;
    uint32_t valid = ld32(cmd + CMD_OFF(port_config.valid));
    uint32_t mtu = ld32(cmd + CMD_OFF(port_config.mtu));
    const uint8_t *mac = cmd + CMD_OFF(port_config.mac);

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_port_config),
                        "PORT_CONFIG") ||
        !all_zero(cmd + CMD_OFF(port_config.rsvd), 2)) {
        return AINIC_STS_EINVAL;
    }
    if (valid & ~known) {
        guest_error(core, "PORT_CONFIG: unknown valid bits 0x%x",
                    valid & ~known);
        return AINIC_STS_EINVAL;
    }
    if ((valid & AINIC_PORT_CFG_MAC) && ((mac[0] & 1) || all_zero(mac, 6))) {
        guest_error(core, "PORT_CONFIG: multicast or zero MAC");
        return AINIC_STS_EINVAL;
    }
    if ((valid & AINIC_PORT_CFG_MTU) &&
        (mtu < AINIC_MIN_MTU || mtu > AINIC_MAX_MTU)) {
        guest_error(core, "PORT_CONFIG: MTU %u outside [%u, %u]", mtu,
                    AINIC_MIN_MTU, AINIC_MAX_MTU);
        return AINIC_STS_ERANGE;
    }

    /* Validated in full above: a failed command changes nothing */
    if (valid & AINIC_PORT_CFG_MTU) {
        core->mtu = mtu;
    }
    if (valid & AINIC_PORT_CFG_MAC) {
        memcpy(core->mac, mac, 6);
    }
    return AINIC_STS_OK;
}

static uint8_t cmd_stats_get(AinicCore *core, const uint8_t *cmd,
                             uint32_t *result)
{
    uint64_t addr = ld64(cmd + CMD_OFF(stats_get.buf_addr));
    uint32_t len = ld32(cmd + CMD_OFF(stats_get.buf_len));
    uint8_t st[sizeof(struct ainic_dev_stats)];
    const AinicStats *s = &core->stats;

#define PUT_STAT(f) st64(st + offsetof(struct ainic_dev_stats, f), s->f)

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_stats_get),
                        "STATS_GET") ||
        ld32(cmd + CMD_OFF(stats_get.rsvd))) {
        return AINIC_STS_EINVAL;
    }
    if (len < sizeof(st)) {
        guest_error(core, "STATS_GET: buffer of %u bytes < %zu", len,
                    sizeof(st));
        return AINIC_STS_EINVAL;
    }
    memset(st, 0, sizeof(st));
    PUT_STAT(admin_cmds);
    PUT_STAT(admin_errors);
    PUT_STAT(events);
    PUT_STAT(events_dropped);
    PUT_STAT(tx_packets);
    PUT_STAT(tx_bytes);
    PUT_STAT(rx_packets);
    PUT_STAT(rx_bytes);
    PUT_STAT(tx_errors);
    PUT_STAT(rx_dropped);
    PUT_STAT(rx_errors);
#undef PUT_STAT

    if (!range_ok(addr, sizeof(st)) ||
        core->ops->dma_write(core->opaque, addr, st, sizeof(st))) {
        guest_error(core, "STATS_GET: DMA to 0x%llx failed",
                    (unsigned long long)addr);
        return AINIC_STS_EFAULT;
    }
    *result = sizeof(st);
    return AINIC_STS_OK;
}

static const char *qtype_name(uint8_t qtype)
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

static size_t qtype_entry_size(uint8_t qtype)
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

/* The queue slot for (qtype, qid), or NULL if either is out of range. */
static AinicQueue *queue_lookup(AinicCore *core, uint8_t qtype, uint32_t qid)
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

static bool qtype_known(uint8_t qtype)
{
    return qtype >= AINIC_QTYPE_TXQ && qtype <= AINIC_QTYPE_CQ;
}

/* Checks in the order of §4.2. */
static uint8_t cmd_q_create(AinicCore *core, const uint8_t *cmd)
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

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_q_create),
                        "Q_CREATE")) {
        return AINIC_STS_EINVAL;
    }
    if (!qtype_known(qtype)) {
        guest_error(core, "Q_CREATE: unknown qtype %u", qtype);
        return AINIC_STS_EOPNOTSUPP;
    }
    q = queue_lookup(core, qtype, qid);
    if (!q) {
        guest_error(core, "Q_CREATE: %s qid %u out of range",
                    qtype_name(qtype), qid);
        return AINIC_STS_EINVAL;
    }
    if (log2 < AINIC_RING_MIN_LOG2 || log2 > AINIC_RING_MAX_LOG2) {
        guest_error(core, "Q_CREATE: log2_entries %u outside [%u, %u]",
                    log2, AINIC_RING_MIN_LOG2, AINIC_RING_MAX_LOG2);
        return AINIC_STS_EINVAL;
    }
    if (!ring || ring % AINIC_RING_ALIGN ||
        !range_ok(ring, (uint64_t)qtype_entry_size(qtype) << log2)) {
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
        cq = queue_lookup(core, AINIC_QTYPE_CQ, cq_id);
        if (!cq || !cq->active) {
            guest_error(core, "Q_CREATE: %s %u names CQ %u, which does "
                        "not exist", qtype_name(qtype), qid, cq_id);
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
        guest_error(core, "Q_CREATE: %s %u exists", qtype_name(qtype), qid);
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
    return AINIC_STS_OK;
}

static uint8_t cmd_q_destroy(AinicCore *core, const uint8_t *cmd)
{
    uint8_t qtype = cmd[CMD_OFF(q_destroy.qtype)];
    uint16_t qid = ld16(cmd + CMD_OFF(q_destroy.qid));
    AinicQueue *q;

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_q_destroy),
                        "Q_DESTROY") ||
        cmd[CMD_OFF(q_destroy.rsvd)]) {
        return AINIC_STS_EINVAL;
    }
    if (!qtype_known(qtype)) {
        guest_error(core, "Q_DESTROY: unknown qtype %u", qtype);
        return AINIC_STS_EOPNOTSUPP;
    }
    q = queue_lookup(core, qtype, qid);
    if (!q || !q->active) {
        guest_error(core, "Q_DESTROY: no %s %u", qtype_name(qtype), qid);
        return AINIC_STS_ENOENT;
    }
    if (qtype == AINIC_QTYPE_CQ && q->users) {
        guest_error(core, "Q_DESTROY: CQ %u still used by %u queue(s)",
                    qid, q->users);
        return AINIC_STS_EBUSY;
    }
    if (qtype != AINIC_QTYPE_CQ) {
        AinicQueue *cq = queue_lookup(core, AINIC_QTYPE_CQ, q->cq_id);

        if (cq && cq->users) {
            cq->users--;
        }
    }
    memset(q, 0, sizeof(*q));
    trace(core, AINIC_TRACE_QUEUE_DESTROY, qtype, qid, 0, 0);
    return AINIC_STS_OK;
}

/* Execute one command (a private copy); returns an enum ainic_status. */
static uint8_t admin_exec(AinicCore *core, const uint8_t *cmd,
                          uint32_t *result)
{
    uint8_t opcode = cmd[CMD_OFF(hdr.opcode)];

    *result = 0;
    if (cmd[CMD_OFF(hdr.flags)] || ld32(cmd + CMD_OFF(hdr.rsvd))) {
        guest_error(core, "admin opcode 0x%02x: non-zero MBZ header field",
                    opcode);
        return AINIC_STS_EINVAL;
    }

    switch (opcode) {
    case AINIC_OP_NOP:
        if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_nop), "NOP")) {
            return AINIC_STS_EINVAL;
        }
        *result = (uint32_t)ld64(cmd + CMD_OFF(nop.cookie));
        return AINIC_STS_OK;
    case AINIC_OP_IDENTIFY:
        return cmd_identify(core, cmd, result);
    case AINIC_OP_PORT_CONFIG:
        return cmd_port_config(core, cmd);
    case AINIC_OP_STATS_GET:
        return cmd_stats_get(core, cmd, result);
    case AINIC_OP_Q_CREATE:
        return cmd_q_create(core, cmd);
    case AINIC_OP_Q_DESTROY:
        return cmd_q_destroy(core, cmd);
    case AINIC_OP_CONN_CREATE:
    case AINIC_OP_CONN_DESTROY:
    case AINIC_OP_CONN_QUERY:
    case AINIC_OP_KEY_SET_MASTER:
    case AINIC_OP_KEY_ROTATE:
    case AINIC_OP_SA_ADD:
    case AINIC_OP_SA_DEL:
    case AINIC_OP_CC_SET:
    case AINIC_OP_CC_GET:
        /* Until AINIC_CAP_RELIABLE, _CRYPTO, _CC_DCQCN */
        return AINIC_STS_EOPNOTSUPP;
    default:
        guest_error(core, "unknown admin opcode 0x%02x", opcode);
        return AINIC_STS_EOPNOTSUPP;
    }
}

/*
 * Consume ASQ slots from head to tail. tail < size was checked, so this
 * takes fewer than size iterations; the budget makes that explicit.
 */
static void admin_process(AinicCore *core)
{
    AinicRing *sq = &core->asq, *cq = &core->acq;
    uint32_t budget = sq->size;
    unsigned done = 0;

    while (budget-- && sq->head != sq->tail && !fatal(core)) {
        uint64_t sq_addr = sq->base + (uint64_t)sq->head * ASQ_ENTRY;
        uint64_t cq_addr = cq->base + (uint64_t)cq->tail * ACQ_ENTRY;
        uint32_t next_head = (sq->head + 1) & (sq->size - 1);
        uint8_t cmd[ASQ_ENTRY];
        uint8_t comp[ACQ_ENTRY];
        uint32_t result;
        uint8_t status;

        /* One copy, then parse only the copy (no TOCTOU with the guest) */
        if (core->ops->dma_read(core->opaque, sq_addr, cmd, sizeof(cmd))) {
            guest_error(core, "admin queue DMA from 0x%llx failed",
                        (unsigned long long)sq_addr);
            set_fatal(core, AINIC_ERR_DMA, true);
            break;
        }
        status = admin_exec(core, cmd, &result);

        memset(comp, 0, sizeof(comp));
        comp[COMP_OFF(status)] = status;
        comp[COMP_OFF(opcode)] = cmd[CMD_OFF(hdr.opcode)];
        memcpy(comp + COMP_OFF(cmd_id), cmd + CMD_OFF(hdr.cmd_id), 2);
        st16(comp + COMP_OFF(sq_head), next_head);
        st32(comp + COMP_OFF(result), result);
        comp[COMP_OFF(flags)] = cq->color ? AINIC_COMP_COLOR : 0;
        if (write_colored(core, cq_addr, comp, sizeof(comp))) {
            guest_error(core, "admin completion DMA to 0x%llx failed",
                        (unsigned long long)cq_addr);
            set_fatal(core, AINIC_ERR_DMA, true);
            break;
        }

        trace(core, AINIC_TRACE_ADMIN_CMD, cmd[CMD_OFF(hdr.opcode)],
              ld16(cmd + CMD_OFF(hdr.cmd_id)), status, result);
        core->stats.admin_cmds++;
        if (status != AINIC_STS_OK) {
            core->stats.admin_errors++;
        }
        sq->head = next_head;
        cq->tail = (cq->tail + 1) & (cq->size - 1);
        if (cq->tail == 0) {
            cq->color ^= 1;
        }
        done++;
    }
    if (done) {
        irq_raise(core, AINIC_VEC_ADMIN);
    }
}

static void asq_doorbell(AinicCore *core, uint32_t tail)
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
    if (tail >= core->asq.size) {
        guest_error(core, "ASQ_TAIL %u outside ring of %u", tail,
                    core->asq.size);
        return;
    }
    core->asq.tail = tail;
    admin_process(core);
}

/*
 * A consumer index may move forward only over entries the device has
 * produced: 0 <= new - head <= tail - head (mod size).
 */
static bool consumer_ok(uint32_t old_head, uint32_t new_head, uint32_t tail,
                        uint32_t size)
{
    uint32_t mask = size - 1;

    return ((new_head - old_head) & mask) <= ((tail - old_head) & mask);
}

static void eq_doorbell(AinicCore *core, uint32_t head)
{
    AinicRing *eq = &core->eq;

    if (!enabled(core)) {
        guest_error(core, "EQ_HEAD %u written while not enabled", head);
        return;
    }
    if (head >= eq->size) {
        guest_error(core, "EQ_HEAD %u outside ring of %u", head, eq->size);
        return;
    }
    if (!consumer_ok(eq->head, head, eq->tail, eq->size)) {
        guest_error(core, "EQ_HEAD %u passes the device's tail %u", head,
                    eq->tail);
        return;
    }
    eq->head = head;
}

/* ---- Data queues --------------------------------------------------- */

/*
 * Data movement comes with AINIC_CAP_DATAPATH: TX will walk
 * cons -> prod here in bounded bursts, RX will refill from the new
 * producer index. Until then the queues are tracked but move no frames
 * (§4.2).
 */
static void txq_process(AinicCore *core, AinicQueue *q)
{
    (void)core;
    (void)q;
}

static void rxq_refill(AinicCore *core, AinicQueue *q)
{
    (void)core;
    (void)q;
}

static void db_write(AinicCore *core, uint32_t off, uint32_t val)
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
                    AINIC_REG_DB_BASE + off, qtype_name(qtype), n);
        return;
    }
    if (val >= q->size) {
        guest_error(core, "doorbell 0x%x: index %u outside ring of %u",
                    AINIC_REG_DB_BASE + off, val, q->size);
        return;
    }
    trace(core, AINIC_TRACE_DOORBELL, qtype, q->qid, val, 0);

    if (qtype == AINIC_QTYPE_CQ) {
        if (!consumer_ok(q->cons, val, q->prod, q->size)) {
            guest_error(core, "CQ %u doorbell %u passes the device's "
                        "producer index %u", q->qid, val, q->prod);
            return;
        }
        q->cons = val;
        return;
    }
    q->prod = val;
    if (qtype == AINIC_QTYPE_TXQ) {
        txq_process(core, q);
    } else {
        rxq_refill(core, q);
    }
}

static uint32_t db_read(AinicCore *core, uint32_t off)
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

bool ainic_core_receive(AinicCore *core, const void *buf, size_t len)
{
    (void)buf;
    /* No RX buffers without the data path: every frame is a drop */
    core->stats.rx_dropped++;
    trace(core, AINIC_TRACE_RX_DROP, len, 0, 0, 0);
    return true;
}

void ainic_core_set_link(AinicCore *core, bool up)
{
    if (core->link_up == up) {
        return;
    }
    core->link_up = up;
    trace(core, AINIC_TRACE_LINK, up, 0, 0, 0);
    event_post(core, AINIC_EVENT_LINK_CHANGE, 0, up);
}

/* ---- Self test ----------------------------------------------------- */

static void test_dma(AinicCore *core, uint32_t op)
{
    uint64_t addr = make64(core->test_dma_addr_lo, core->test_dma_addr_hi);
    uint32_t len = core->test_dma_len;
    uint32_t status = AINIC_TEST_STS_DONE | AINIC_TEST_STS_ERROR;
    uint32_t i;

    if (op != AINIC_TEST_DMA_FILL && op != AINIC_TEST_DMA_INVERT) {
        guest_error(core, "TEST_DMA_CTRL: unknown operation %u", op);
    } else if (len == 0 || len > AINIC_TEST_DMA_MAX || !range_ok(addr, len)) {
        guest_error(core, "TEST_DMA: bad length %u at 0x%llx", len,
                    (unsigned long long)addr);
    } else if (op == AINIC_TEST_DMA_INVERT &&
               core->ops->dma_read(core->opaque, addr, core->dma_buf, len)) {
        guest_error(core, "TEST_DMA: read of %u bytes at 0x%llx failed",
                    len, (unsigned long long)addr);
    } else {
        if (op == AINIC_TEST_DMA_FILL) {
            memset(core->dma_buf, core->test_dma_pattern & 0xff, len);
        } else {
            for (i = 0; i < len; i++) {
                core->dma_buf[i] = ~core->dma_buf[i];
            }
        }
        if (core->ops->dma_write(core->opaque, addr, core->dma_buf, len)) {
            guest_error(core, "TEST_DMA: write of %u bytes at 0x%llx failed",
                        len, (unsigned long long)addr);
        } else {
            status = AINIC_TEST_STS_DONE;
        }
    }
    core->test_dma_status = status;
    trace(core, AINIC_TRACE_SELFTEST, AINIC_SELFTEST_DMA, op, status, 0);
}

static void test_irq(AinicCore *core, uint32_t v)
{
    if (v >= core->num_vectors) {
        guest_error(core, "TEST_IRQ: vector %u >= %u", v, core->num_vectors);
        return;
    }
    trace(core, AINIC_TRACE_SELFTEST, AINIC_SELFTEST_IRQ, v, 0, 0);
    irq_raise(core, v);
}

/* ---- Interrupt control registers ----------------------------------- */

static void intr_write(AinicCore *core, unsigned v, uint32_t reg,
                       uint32_t val)
{
    AinicVector *vec = &core->vec[v];

    switch (reg) {
    case 0x0:
        if (val & ~1u) {
            guest_error(core, "INTR_MASK(%u): reserved bits 0x%x ignored", v,
                        val & ~1u);
        }
        vec->masked = val & 1;
        if (!vec->masked && vec->pending) {
            vec->pending = false;
            irq_raise(core, v);
        }
        break;
    case 0x4:
    case 0x8:
        if (v == AINIC_VEC_ADMIN && val) {
            guest_error(core, "vector 0 is never moderated: 0x%x ignored",
                        AINIC_REG_INTR_BASE + reg);
            return;
        }
        if (reg == 0x4) {
            vec->coal_usecs = val;
        } else {
            vec->coal_frames = val;
        }
        break;
    default:
        guest_error(core, "write to unknown register 0x%x",
                    AINIC_REG_INTR_BASE + v * AINIC_REG_INTR_STRIDE + reg);
        break;
    }
}

static uint32_t intr_read(AinicCore *core, unsigned v, uint32_t reg)
{
    switch (reg) {
    case 0x0:
        return core->vec[v].masked;
    case 0x4:
        return core->vec[v].coal_usecs;
    case 0x8:
        return core->vec[v].coal_frames;
    default:
        return 0;
    }
}

/* ---- Register file ------------------------------------------------- */

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
        return core->asq_base_lo;
    case AINIC_REG_ASQ_BASE_HI:
        return core->asq_base_hi;
    case AINIC_REG_ASQ_SIZE:
        return core->asq_size;
    case AINIC_REG_ASQ_TAIL:
        return core->asq.tail;
    case AINIC_REG_ASQ_HEAD:
        return core->asq.head;
    case AINIC_REG_ACQ_BASE_LO:
        return core->acq_base_lo;
    case AINIC_REG_ACQ_BASE_HI:
        return core->acq_base_hi;
    case AINIC_REG_ACQ_SIZE:
        return core->acq_size;
    case AINIC_REG_EQ_BASE_LO:
        return core->eq_base_lo;
    case AINIC_REG_EQ_BASE_HI:
        return core->eq_base_hi;
    case AINIC_REG_EQ_SIZE:
        return core->eq_size;
    case AINIC_REG_EQ_HEAD:
        return core->eq.head;
    case AINIC_REG_TEST_ECHO:
        return ~core->test_echo;
    case AINIC_REG_TEST_DMA_ADDR_LO:
        return core->test_dma_addr_lo;
    case AINIC_REG_TEST_DMA_ADDR_HI:
        return core->test_dma_addr_hi;
    case AINIC_REG_TEST_DMA_LEN:
        return core->test_dma_len;
    case AINIC_REG_TEST_DMA_PATTERN:
        return core->test_dma_pattern;
    case AINIC_REG_TEST_DMA_STATUS:
        return core->test_dma_status;
    default:
        break;
    }
    if (addr % 4) {
        return 0;
    }
    if (in_intr_block(core, addr)) {
        uint64_t off = addr - AINIC_REG_INTR_BASE;

        return intr_read(core, off / AINIC_REG_INTR_STRIDE,
                         off % AINIC_REG_INTR_STRIDE);
    }
    if (in_db_block(core, addr)) {
        return db_read(core, addr - AINIC_REG_DB_BASE);
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
            core->asq_base_lo = val;
        }
        return;
    case AINIC_REG_ASQ_BASE_HI:
        if (cfg_writable(core, addr)) {
            core->asq_base_hi = val;
        }
        return;
    case AINIC_REG_ASQ_SIZE:
        if (cfg_writable(core, addr)) {
            core->asq_size = val;
        }
        return;
    case AINIC_REG_ACQ_BASE_LO:
        if (cfg_writable(core, addr)) {
            core->acq_base_lo = val;
        }
        return;
    case AINIC_REG_ACQ_BASE_HI:
        if (cfg_writable(core, addr)) {
            core->acq_base_hi = val;
        }
        return;
    case AINIC_REG_ACQ_SIZE:
        if (cfg_writable(core, addr)) {
            core->acq_size = val;
        }
        return;
    case AINIC_REG_EQ_BASE_LO:
        if (cfg_writable(core, addr)) {
            core->eq_base_lo = val;
        }
        return;
    case AINIC_REG_EQ_BASE_HI:
        if (cfg_writable(core, addr)) {
            core->eq_base_hi = val;
        }
        return;
    case AINIC_REG_EQ_SIZE:
        if (cfg_writable(core, addr)) {
            core->eq_size = val;
        }
        return;
    case AINIC_REG_ASQ_TAIL:
        asq_doorbell(core, val);
        return;
    case AINIC_REG_EQ_HEAD:
        eq_doorbell(core, val);
        return;
    case AINIC_REG_TEST_ECHO:
        core->test_echo = val;
        trace(core, AINIC_TRACE_SELFTEST, AINIC_SELFTEST_ECHO, val, 0, 0);
        return;
    case AINIC_REG_TEST_IRQ:
        test_irq(core, val);
        return;
    case AINIC_REG_TEST_DMA_ADDR_LO:
        core->test_dma_addr_lo = val;
        return;
    case AINIC_REG_TEST_DMA_ADDR_HI:
        core->test_dma_addr_hi = val;
        return;
    case AINIC_REG_TEST_DMA_LEN:
        core->test_dma_len = val;
        return;
    case AINIC_REG_TEST_DMA_PATTERN:
        core->test_dma_pattern = val & 0xff;
        return;
    case AINIC_REG_TEST_DMA_CTRL:
        test_dma(core, val);
        return;
    default:
        break;
    }
    if (addr % 4 == 0 && in_intr_block(core, addr)) {
        uint64_t off = addr - AINIC_REG_INTR_BASE;

        intr_write(core, off / AINIC_REG_INTR_STRIDE,
                   off % AINIC_REG_INTR_STRIDE, val);
        return;
    }
    if (addr % 4 == 0 && in_db_block(core, addr)) {
        db_write(core, addr - AINIC_REG_DB_BASE, val);
        return;
    }
    guest_error(core, "write 0x%x to unknown register 0x%llx", val,
                (unsigned long long)addr);
}

/* ---- Life cycle ---------------------------------------------------- */

int ainic_core_init(AinicCore *core, const AinicCoreConfig *cfg,
                    const AinicCoreOps *ops, void *opaque)
{
    unsigned i;

    memset(core, 0, sizeof(*core));
    if (!cfg || !ops || cfg->max_qps < 1 || cfg->max_qps > AINIC_MAX_QPS) {
        return -1;
    }
    core->ops = ops;
    core->opaque = opaque;
    core->cfg = *cfg;
    core->cfg.serial[AINIC_SERIAL_LEN - 1] = 0;
    core->num_vectors = 1 + cfg->max_qps;

    for (i = 0; i < core->num_vectors; i++) {
        core->vec[i].core = core;
        core->vec[i].index = i;
        if (i == AINIC_VEC_ADMIN) {
            continue;   /* never moderated */
        }
        core->vec[i].coal_timer = ops->timer_new(opaque, coal_timer_cb,
                                                 &core->vec[i]);
        if (!core->vec[i].coal_timer) {
            ainic_core_fini(core);
            return -1;
        }
    }
    ainic_core_reset(core, AINIC_RESET_POWER_ON);
    return 0;
}

void ainic_core_fini(AinicCore *core)
{
    unsigned i;

    if (!core->ops) {
        return;
    }
    for (i = 0; i < AINIC_MAX_VECTORS; i++) {
        AinicVector *vec = &core->vec[i];

        if (vec->coal_timer) {
            core->ops->timer_del(core->opaque, vec->coal_timer);
            core->ops->timer_free(core->opaque, vec->coal_timer);
            vec->coal_timer = NULL;
        }
        vec->coal_armed = false;
    }
}
