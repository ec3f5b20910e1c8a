/*
 * ainic: portable device core of the AI NIC model
 *
 * Implements uapi/ainic-device.md: register file, reset/ENABLE handshake,
 * admin queue, event queue, interrupt masks and moderation, self test,
 * doorbell validation and, with AINIC_CAP_DATAPATH, the data path (§7:
 * TX with SG, CHECKSUM_PARTIAL and TSO cut by a resumable iterator, RAW
 * encapsulation per §8, RX decapsulation, steering, multi-buffer receive,
 * per-queue backlogs and backpressure), plus the effects of the fault
 * injector (ainic_fault.c, spec appendix A). Everything the guest
 * controls is treated as hostile: indices and sizes are checked before
 * use, guest memory is copied before it is parsed, and every loop is
 * bounded by a ring size or a budget.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdio.h>
#include <stdlib.h>
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
static void rx_kick(AinicCore *core);
static void rx_drain(AinicCore *core, unsigned qp);
static void rxb_flush(AinicCore *core, unsigned qp, bool count);

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

    for (i = 0; i < AINIC_MAX_QPS; i++) {
        rxb_flush(core, i, false);
    }
    memset(core->txq, 0, sizeof(core->txq));
    memset(core->rxq, 0, sizeof(core->rxq));
    memset(core->cq, 0, sizeof(core->cq));
    memset(&core->stats, 0, sizeof(core->stats));
    memset(core->qp_stats, 0, sizeof(core->qp_stats));
    /* A completion held back by admin-late belongs to the old rings */
    if (core->admin_late && core->admin_timer) {
        core->ops->timer_del(core->opaque, core->admin_timer);
    }
    core->admin_late = false;

    core->mtu = AINIC_DEFAULT_MTU;
    memcpy(core->mac, core->cfg.mac, sizeof(core->mac));
    core->underlay_ip = 0;
    core->tx_psn = 0;
    core->tx_ip_id = 0;
    core->wire_busy = false;
    core->tx_buf_owner = -1;

    /* The model completes reset at once */
    core->dev_status = AINIC_STATUS_READY;
    trace(core, AINIC_TRACE_RESET, kind, 0, 0, 0);
    /* Held frames are now dropped: let the embedder offer them */
    rx_kick(core);
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
    const uint32_t known = AINIC_PORT_CFG_MTU | AINIC_PORT_CFG_MAC |
                           AINIC_PORT_CFG_UNDERLAY_IP;
    const uint8_t *uip = cmd + CMD_OFF(port_config.underlay_ip);
    uint32_t valid = ld32(cmd + CMD_OFF(port_config.valid));
    uint32_t mtu = ld32(cmd + CMD_OFF(port_config.mtu));
    const uint8_t *mac = cmd + CMD_OFF(port_config.mac);

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_port_config),
                        "PORT_CONFIG")) {
        return AINIC_STS_EINVAL;
    }
    if (!all_zero(cmd + CMD_OFF(port_config.rsvd), 2)) {
        guest_error(core, "PORT_CONFIG: non-zero rsvd field");
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
    if (valid & AINIC_PORT_CFG_UNDERLAY_IP) {
        core->underlay_ip = (uint32_t)uip[0] << 24 | (uint32_t)uip[1] << 16 |
                            (uint32_t)uip[2] << 8 | uip[3];
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
    uint32_t qlen = core->cfg.max_qps * sizeof(struct ainic_qp_stats);

#define PUT_STAT(f) st64(st + offsetof(struct ainic_dev_stats, f), s->f)

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_stats_get),
                        "STATS_GET")) {
        return AINIC_STS_EINVAL;
    }
    if (ld32(cmd + CMD_OFF(stats_get.rsvd))) {
        guest_error(core, "STATS_GET: non-zero rsvd field");
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
    /* A buffer with room for them gets the queue pairs' counters too */
    if (len >= sizeof(st) + qlen) {
        uint8_t qs[AINIC_MAX_QPS * sizeof(struct ainic_qp_stats)];
        unsigned i;

        for (i = 0; i < core->cfg.max_qps; i++) {
            uint8_t *e = qs + i * sizeof(struct ainic_qp_stats);

            st64(e + offsetof(struct ainic_qp_stats, rx_backlogged),
                 core->qp_stats[i].rx_backlogged);
            st64(e + offsetof(struct ainic_qp_stats, rx_backlog_drops),
                 core->qp_stats[i].rx_backlog_drops);
        }
        if (!range_ok(addr, sizeof(st) + qlen) ||
            core->ops->dma_write(core->opaque, addr + sizeof(st), qs, qlen)) {
            guest_error(core, "STATS_GET: DMA to 0x%llx failed",
                        (unsigned long long)(addr + sizeof(st)));
            return AINIC_STS_EFAULT;
        }
        *result += qlen;
    }
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
    if (qtype == AINIC_QTYPE_RXQ) {
        rx_kick(core);      /* steering changed */
    }
    return AINIC_STS_OK;
}

static uint8_t cmd_q_destroy(AinicCore *core, const uint8_t *cmd)
{
    uint8_t qtype = cmd[CMD_OFF(q_destroy.qtype)];
    uint16_t qid = ld16(cmd + CMD_OFF(q_destroy.qid));
    AinicQueue *q;

    if (!body_tail_zero(core, cmd, sizeof(struct ainic_cmd_q_destroy),
                        "Q_DESTROY")) {
        return AINIC_STS_EINVAL;
    }
    if (cmd[CMD_OFF(q_destroy.rsvd)]) {
        guest_error(core, "Q_DESTROY: non-zero rsvd field");
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
    if (qtype == AINIC_QTYPE_RXQ) {
        rxb_flush(core, qid, true);     /* its waiting frames are lost */
    }
    memset(q, 0, sizeof(*q));
    trace(core, AINIC_TRACE_QUEUE_DESTROY, qtype, qid, 0, 0);
    if (qtype == AINIC_QTYPE_RXQ) {
        rx_kick(core);      /* steering changed */
    }
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
        guest_error(core, "admin opcode 0x%02x needs a capability the "
                    "device does not announce", opcode);
        return AINIC_STS_EOPNOTSUPP;
    default:
        guest_error(core, "unknown admin opcode 0x%02x", opcode);
        return AINIC_STS_EOPNOTSUPP;
    }
}

/*
 * Write a completion (colour set here) to the next ACQ slot. Returns -1 if
 * the ACQ could not be written: the device is then FATAL.
 */
static int acq_post(AinicCore *core, uint8_t *comp)
{
    AinicRing *cq = &core->acq;
    uint64_t cq_addr = cq->base + (uint64_t)cq->tail * ACQ_ENTRY;

    comp[COMP_OFF(flags)] = cq->color ? AINIC_COMP_COLOR : 0;
    if (write_colored(core, cq_addr, comp, ACQ_ENTRY)) {
        guest_error(core, "admin completion DMA to 0x%llx failed",
                    (unsigned long long)cq_addr);
        set_fatal(core, AINIC_ERR_DMA, true);
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
    AinicRing *sq = &core->asq;
    uint32_t budget = sq->size;
    unsigned done = 0;

    while (budget-- && sq->head != sq->tail && !fatal(core) &&
           !core->admin_late) {
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
            set_fatal(core, AINIC_ERR_DMA, true);
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

            memcpy(core->late_comp, comp, sizeof(comp));
            core->admin_late = true;
            sq->head = next_head;
            core->ops->timer_mod(core->opaque, core->admin_timer,
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
        irq_raise(core, AINIC_VEC_ADMIN);
    }
}

/* admin-late: the held completion is due; then the commands behind it */
static void admin_late_cb(void *opaque)
{
    AinicCore *core = opaque;

    if (!core->admin_late) {
        return;
    }
    core->admin_late = false;
    if (!enabled(core) || fatal(core) || acq_post(core, core->late_comp)) {
        return;
    }
    irq_raise(core, AINIC_VEC_ADMIN);
    admin_process(core);
}

/* ---- Fault injector ------------------------------------------------ */

/* irq-storm: one round raises every unmasked vector once */
static void storm_cb(void *opaque)
{
    AinicCore *core = opaque;
    unsigned v;

    if (!core->storm_rounds) {
        return;
    }
    core->storm_rounds--;
    for (v = 0; v < core->num_vectors; v++) {
        if (!core->vec[v].masked) {
            core->faults.fired++;
            irq_raise(core, v);
        }
    }
    trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_IRQ_STORM, core->storm_rounds,
          0, 0);
    if (core->storm_rounds) {
        core->ops->timer_mod(core->opaque, core->storm_timer,
                             core->ops->now_ns(core->opaque) +
                             (uint64_t)core->storm_interval_us * 1000);
    }
}

static void AINIC_PRINTF(3, 4)
fault_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
}

int ainic_core_fault_inject(AinicCore *core, const char *str, char *err,
                            size_t errlen)
{
    AinicFaultSpec sp;

    if (ainic_fault_parse(str, &sp, err, errlen)) {
        return -1;
    }
    if (sp.off) {
        ainic_fault_arm(&core->faults, &sp);
        core->storm_rounds = 0;
        core->ops->timer_del(core->opaque, core->storm_timer);
        return 0;
    }
    switch (sp.kind) {
    case AINIC_FAULT_FATAL:
        if (fatal(core)) {
            fault_err(err, errlen, "the device is FATAL already (DEV_ERROR "
                      "%u)", core->dev_error);
            return -1;
        }
        core->faults.fired++;
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_FATAL, AINIC_ERR_INTERNAL,
              0, 0);
        set_fatal(core, AINIC_ERR_INTERNAL, true);
        return 0;
    case AINIC_FAULT_IRQ_STORM:
        core->ops->timer_del(core->opaque, core->storm_timer);
        core->storm_rounds = sp.count;
        core->storm_interval_us = sp.arg;
        storm_cb(core);         /* the first round now */
        return 0;
    default:
        ainic_fault_arm(&core->faults, &sp);
        return 0;
    }
}

void ainic_core_fault_describe(const AinicCore *core, char *buf, size_t len)
{
    size_t used;

    ainic_fault_describe(&core->faults, buf, len);
    if (!core->storm_rounds || !len) {
        return;
    }
    used = strcmp(buf, "off") ? strlen(buf) : 0;
    snprintf(buf + used, len - used, "%sirq-storm:%u:%u", used ? "," : "",
             (unsigned)core->storm_rounds, (unsigned)core->storm_interval_us);
}

uint64_t ainic_core_faults_fired(const AinicCore *core)
{
    return core->faults.fired;
}

uint64_t ainic_core_admin_cmds(const AinicCore *core)
{
    return core->stats.admin_cmds;
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

#define ETH_HLEN        14
#define IP4_HLEN        20
#define IP6_HLEN        40
#define UDP_HLEN        8
#define XH_LEN          sizeof(struct ainic_xport_hdr)
#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100
#define IPPROTO_TCP_    6
#define IPPROTO_UDP_    17
#define TCP_FIN         0x01
#define TCP_PSH         0x08
#define TCP_CWR         0x80
#define IP_ECT0         0x02
#define IP_DF           0x4000

#define TXD_KNOWN (AINIC_TXD_F_SOP | AINIC_TXD_F_EOP | AINIC_TXD_F_CSUM | \
                   AINIC_TXD_F_TSO | AINIC_TXD_F_TSO_IPV6 | AINIC_TXD_F_COMP)

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static void sbe16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void sbe32(uint8_t *p, uint32_t v)
{
    sbe16(p, v >> 16);
    sbe16(p + 2, v);
}

/* One's complement sum of big-endian 16-bit words (odd tail padded) */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += be16(p + i);
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

static bool datapath_ready(const AinicCore *core)
{
    return (core->cfg.caps & AINIC_CAP_DATAPATH) && enabled(core) &&
           !fatal(core) && core->link_up;
}

static uint32_t ring_used(const AinicQueue *q)
{
    return (q->prod - q->cons) & (q->size - 1);
}

/* Free CQ slots: the device may fill all but one (full: next == cons). */
static uint32_t cq_free(const AinicQueue *cq)
{
    return cq->size - 1 - ring_used(cq);
}

/* A hash of the inner flow, as for ECMP and RX steering */
typedef struct InnerFlow {
    uint32_t l3;                /* offset of the IP header, 0: none */
    bool v6;
    uint8_t proto;              /* TCP or UDP, 0: no ports */
    uint32_t l4;                /* offset of the TCP/UDP header */
} InnerFlow;

static uint32_t l3_offset(const uint8_t *f, size_t len, uint16_t *etype)
{
    uint32_t off = 12;

    if (len < ETH_HLEN) {
        return 0;
    }
    *etype = be16(f + off);
    if (*etype == ETHERTYPE_VLAN) {
        if (len < ETH_HLEN + 4) {
            return 0;
        }
        off += 4;
        *etype = be16(f + off);
    }
    return off + 2;
}

static void parse_flow(const uint8_t *f, size_t len, InnerFlow *fl)
{
    uint16_t etype = 0;
    uint32_t l3 = l3_offset(f, len, &etype);

    memset(fl, 0, sizeof(*fl));
    if (!l3) {
        return;
    }
    if (etype == ETHERTYPE_IPV4 && len >= l3 + IP4_HLEN &&
        (f[l3] >> 4) == 4 && (f[l3] & 0xf) >= 5) {
        uint32_t ihl = (f[l3] & 0xf) * 4u;

        fl->l3 = l3;
        /* Fragments (other than the first) have no ports: IPs only */
        if ((be16(f + l3 + 6) & 0x3fff) == 0 &&
            (f[l3 + 9] == IPPROTO_TCP_ || f[l3 + 9] == IPPROTO_UDP_) &&
            len >= l3 + ihl + 4) {
            fl->proto = f[l3 + 9];
            fl->l4 = l3 + ihl;
        }
    } else if (etype == ETHERTYPE_IPV6 && len >= l3 + IP6_HLEN &&
               (f[l3] >> 4) == 6) {
        fl->l3 = l3;
        fl->v6 = true;
        if ((f[l3 + 6] == IPPROTO_TCP_ || f[l3 + 6] == IPPROTO_UDP_) &&
            len >= l3 + IP6_HLEN + 4) {
            fl->proto = f[l3 + 6];
            fl->l4 = l3 + IP6_HLEN;
        }
    }
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;        /* FNV-1a */
    }
    return h;
}

/* Hash of inner addresses and ports; false if the frame is not IP */
static bool flow_hash(const uint8_t *f, size_t len, uint32_t *hash)
{
    InnerFlow fl;
    uint32_t h = 2166136261u;

    parse_flow(f, len, &fl);
    if (!fl.l3) {
        *hash = 0;
        return false;
    }
    if (fl.v6) {
        h = hash_bytes(h, f + fl.l3 + 8, 32);
    } else {
        h = hash_bytes(h, f + fl.l3 + 12, 8);
    }
    if (fl.proto) {
        h = hash_bytes(h, &fl.proto, 1);
        h = hash_bytes(h, f + fl.l4, 4);
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    *hash = h;
    return true;
}

/*
 * Write one CQE to cq (body first, colour byte last) and advance it.
 * The caller checked for a free slot. Returns -1 on a DMA failure.
 */
static int cqe_post(AinicCore *core, AinicQueue *cq, uint8_t qtype,
                    uint16_t qid, uint16_t desc_index, uint32_t len,
                    uint16_t cflags, uint8_t status)
{
    uint8_t e[sizeof(struct ainic_cqe)];
    uint64_t addr = cq->ring_addr + (uint64_t)cq->prod * sizeof(e);

    memset(e, 0, sizeof(e));
    st32(e + offsetof(struct ainic_cqe, len), len);
    st16(e + offsetof(struct ainic_cqe, desc_index), desc_index);
    st16(e + offsetof(struct ainic_cqe, qid), qid);
    st16(e + offsetof(struct ainic_cqe, cflags), cflags);
    e[offsetof(struct ainic_cqe, status)] = status;
    e[offsetof(struct ainic_cqe, qtype)] = qtype;
    e[offsetof(struct ainic_cqe, flags)] = cq->color ? AINIC_CQE_COLOR : 0;
    if (write_colored(core, addr, e, sizeof(e))) {
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

static void cq_irq(AinicCore *core, AinicQueue *cq, uint32_t n)
{
    if (n && (cq->flags & AINIC_Q_F_IRQ_ENABLE)) {
        ainic_core_cq_notify(core, cq->vector, n);
    }
}

/* ---- Transmit ------------------------------------------------------ */

typedef struct TxDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, nr_frags, csum_start, csum_offset, mss, hdr_len;
} TxDesc;

static int txd_read(AinicCore *core, AinicQueue *q, uint32_t idx, TxDesc *d)
{
    uint8_t b[sizeof(struct ainic_tx_desc)];
    uint64_t addr = q->ring_addr + (uint64_t)idx * sizeof(b);

    if (core->ops->dma_read(core->opaque, addr, b, sizeof(b))) {
        guest_error(core, "TXQ %u: descriptor read at 0x%llx failed",
                    q->qid, (unsigned long long)addr);
        q->broken = true;
        return -1;
    }
#define TXD(f) (b + offsetof(struct ainic_tx_desc, f))
    d->addr = ld64(TXD(addr));
    d->len = ld32(TXD(len));
    d->flags = ld16(TXD(flags));
    d->nr_frags = ld16(TXD(nr_frags));
    d->csum_start = ld16(TXD(csum_start));
    d->csum_offset = ld16(TXD(csum_offset));
    d->mss = ld16(TXD(mss));
    d->hdr_len = ld16(TXD(hdr_len));
#undef TXD
    return 0;
}

/* Encapsulate inner (already at core->wire_buf + AINIC_ENCAP_LEN) (§8) */
static void tx_wire(AinicCore *core, AinicQueue *q, uint32_t len)
{
    uint8_t *w = core->wire_buf;
    const uint8_t *inner = w + AINIC_ENCAP_LEN;
    uint8_t *ip = w + ETH_HLEN, *udp = ip + IP4_HLEN, *xh = udp + UDP_HLEN;
    uint32_t hash, psn = core->tx_psn++;

    flow_hash(inner, len, &hash);
    memcpy(w, inner, 6);                /* outer dst = inner dst */
    memcpy(w + 6, core->mac, 6);
    sbe16(w + 12, ETHERTYPE_IPV4);

    memset(ip, 0, IP4_HLEN);
    ip[0] = 0x45;
    ip[1] = IP_ECT0;                    /* DSCP 0, ECT(0) */
    sbe16(ip + 2, IP4_HLEN + UDP_HLEN + XH_LEN + len);
    sbe16(ip + 4, core->tx_ip_id++);
    sbe16(ip + 6, IP_DF);
    ip[8] = 64;
    ip[9] = IPPROTO_UDP_;
    sbe32(ip + 12, core->underlay_ip);
    /* No per-peer underlay address without connections: broadcast */
    sbe32(ip + 16, 0xffffffffu);
    sbe16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, IP4_HLEN)));

    sbe16(udp, 0xc000 | (hash & 0x3fff));   /* ECMP entropy */
    sbe16(udp + 2, AINIC_UDP_PORT);
    sbe16(udp + 4, UDP_HLEN + XH_LEN + len);
    sbe16(udp + 6, 0);                  /* no UDP checksum (as RoCEv2) */

    memset(xh, 0, XH_LEN);
    xh[0] = AINIC_WIRE_VERSION << AINIC_XH_VERSION_SHIFT | AINIC_PKT_RAW;
    sbe16(xh + offsetof(struct ainic_xport_hdr, payload_len), len);
    sbe32(xh + offsetof(struct ainic_xport_hdr, psn), psn);

    if (core->ops->send_frame) {
        int r = core->ops->send_frame(core->opaque, w, AINIC_ENCAP_LEN + len);

        if (r < 0) {
            core->stats.tx_errors++;
            return;
        }
        if (r > 0) {
            core->wire_busy = true;     /* queued: nothing more until resumed */
        }
    }
    core->stats.tx_packets++;
    core->stats.tx_bytes += len;
    trace(core, AINIC_TRACE_TX_FRAME, q->qid, len, psn, 0);
}

/* CHECKSUM_PARTIAL on the gathered frame */
static uint8_t tx_csum(AinicCore *core, uint8_t *f, uint32_t len,
                       const TxDesc *d)
{
    uint32_t start = d->csum_start, field = start + d->csum_offset;
    uint16_t c;

    if (start >= len || field + 2 > len) {
        guest_error(core, "TX: csum_start %u + csum_offset %u outside a "
                    "frame of %u bytes", start, d->csum_offset, len);
        return AINIC_STS_EINVAL;
    }
    c = ~csum_fold(csum_add(0, f + start, len - start));
    sbe16(f + field, c ? c : 0xffff);
    return AINIC_STS_OK;
}

/* Full TCP checksum of the segment at f (l3/l4 offsets, tcp_len bytes) */
static void tcp_csum(uint8_t *f, uint32_t l3, uint32_t l4, uint32_t tcp_len,
                     bool v6)
{
    uint64_t sum = 0;

    if (v6) {
        sum = csum_add(sum, f + l3 + 8, 32);
    } else {
        sum = csum_add(sum, f + l3 + 12, 8);
    }
    sum += IPPROTO_TCP_ + (tcp_len >> 16) + (tcp_len & 0xffff);
    sbe16(f + l4 + 16, 0);
    sum = csum_add(sum, f + l4, tcp_len);
    sbe16(f + l4 + 16, (uint16_t)~csum_fold(sum));
}

/* ---- TSO (§7.2): a resumable iterator ------------------------------ */

/*
 * Check the headers of a TSO frame gathered in core->tx_buf and set up
 * q->tso to cut it. Only what Linux sends is accepted: TCP right after an
 * IPv4 header or a bare IPv6 header (csum_start at its end), a TCP header
 * of 20 to 60 bytes that ends at hdr_len, mss >= AINIC_TSO_MIN_MSS.
 */
static uint8_t tso_start(AinicCore *core, AinicQueue *q, const TxDesc *d,
                         uint32_t len)
{
    const uint8_t *f = core->tx_buf;
    bool v6 = d->flags & AINIC_TXD_F_TSO_IPV6;
    uint32_t hdr = d->hdr_len, mss = d->mss, l4 = d->csum_start, ihl;
    uint16_t etype = 0;
    uint32_t l3 = l3_offset(f, len, &etype);
    AinicTxIter *it = &q->tso;

    if (!l3 || etype != (v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4) ||
        len < l3 + (v6 ? IP6_HLEN : IP4_HLEN)) {
        guest_error(core, "TSO: frame is not %s", v6 ? "IPv6" : "IPv4");
        return AINIC_STS_EINVAL;
    }
    if (v6) {
        ihl = IP6_HLEN;
        if ((f[l3] >> 4) != 6 || f[l3 + 6] != IPPROTO_TCP_) {
            guest_error(core, "TSO: not TCP right after an IPv6 header");
            return AINIC_STS_EINVAL;
        }
    } else {
        ihl = (f[l3] & 0xf) * 4u;
        if ((f[l3] >> 4) != 4 || ihl < IP4_HLEN || f[l3 + 9] != IPPROTO_TCP_) {
            guest_error(core, "TSO: not TCP over IPv4");
            return AINIC_STS_EINVAL;
        }
    }
    if (l4 != l3 + ihl) {
        guest_error(core, "TSO: csum_start %u is not the end of the IP "
                    "header (%u)", l4, l3 + ihl);
        return AINIC_STS_EINVAL;
    }
    /* Bounds first: f[l4 + 12] is read only once hdr_len < len holds */
    if (d->csum_offset != 16 || hdr < l4 + 20 ||
        hdr - l4 > AINIC_TSO_MAX_TCP_HDR || hdr >= len ||
        (f[l4 + 12] >> 4) * 4u != hdr - l4) {
        guest_error(core, "TSO: hdr_len %u, csum_start %u, csum_offset %u "
                    "do not describe a TCP header of 20 to %u bytes in %u",
                    hdr, l4, d->csum_offset, AINIC_TSO_MAX_TCP_HDR, len);
        return AINIC_STS_EINVAL;
    }
    if (mss < AINIC_TSO_MIN_MSS || mss + (hdr - l3) > core->mtu) {
        guest_error(core, "TSO: mss %u below %u, or with %u header bytes "
                    "above MTU %u", mss, AINIC_TSO_MIN_MSS, hdr - l3,
                    core->mtu);
        return AINIC_STS_EINVAL;
    }
    it->v6 = v6;
    it->flags = d->flags;
    it->csum_start = d->csum_start;
    it->csum_offset = d->csum_offset;
    it->mss = d->mss;
    it->hdr_len = d->hdr_len;
    it->l3 = l3;
    it->ihl = ihl;
    it->ip_id = v6 ? 0 : be16(f + l3 + 4);
    it->seq = be32(f + l4 + 4);
    it->tcp_flags = f[l4 + 13];
    it->flen = len;
    it->off = hdr;
    it->seg = 0;
    it->status = AINIC_STS_OK;
    it->done = false;
    it->active = true;
    return AINIC_STS_OK;
}

static int tx_gather(AinicCore *core, AinicQueue *q, TxDesc *sop,
                     uint32_t *eop, uint8_t *status, uint32_t *flen);

/*
 * Another queue's frame replaced the gathered TSO frame: read it again.
 * The driver may not touch descriptors or buffers the device still owns;
 * if it did (another length, other offload fields), the frame fails.
 */
static bool tso_regather(AinicCore *core, AinicQueue *q)
{
    AinicTxIter *it = &q->tso;
    uint32_t eop, flen;
    uint8_t status;
    TxDesc sop;
    int n = tx_gather(core, q, &sop, &eop, &status, &flen);

    if (n < 0) {
        it->status = AINIC_STS_EFAULT;      /* the ring broke */
        return false;
    }
    if (n == 0 || status) {
        it->status = status ? status : AINIC_STS_EINVAL;
        return false;
    }
    if ((uint32_t)n != it->n || eop != it->eop || flen != it->flen ||
        sop.flags != it->flags || sop.csum_start != it->csum_start ||
        sop.csum_offset != it->csum_offset || sop.mss != it->mss ||
        sop.hdr_len != it->hdr_len) {
        guest_error(core, "TXQ %u: TSO frame at descriptor %u changed while "
                    "the device owned it", q->qid, q->cons);
        it->status = AINIC_STS_EINVAL;
        return false;
    }
    return true;
}

/*
 * Send segments of q's TSO frame while *segs allows and the wire is not
 * busy; each segment gets the headers, fixed as §7.2 says. Leaves it->done
 * set when the last one is out (or the frame failed).
 */
static void tso_run(AinicCore *core, AinicQueue *q, unsigned *segs)
{
    AinicTxIter *it = &q->tso;
    const uint8_t *f = core->tx_buf;
    uint32_t hdr = it->hdr_len, l3 = it->l3, l4 = it->csum_start;

    if (core->tx_buf_owner != (int)q->qid && !tso_regather(core, q)) {
        it->done = true;
        return;
    }
    while (it->off < it->flen && *segs && !core->wire_busy) {
        uint32_t seg = it->flen - it->off < it->mss ? it->flen - it->off :
                                                      it->mss;
        uint8_t *s = core->wire_buf + AINIC_ENCAP_LEN;
        uint8_t fl = it->tcp_flags;

        memcpy(s, f, hdr);
        memcpy(s + hdr, f + it->off, seg);
        if (it->v6) {
            sbe16(s + l3 + 4, hdr - l3 - IP6_HLEN + seg);
        } else {
            sbe16(s + l3 + 2, hdr - l3 + seg);
            sbe16(s + l3 + 4, (uint16_t)(it->ip_id + it->seg));
            sbe16(s + l3 + 10, 0);
            sbe16(s + l3 + 10,
                  (uint16_t)~csum_fold(csum_add(0, s + l3, it->ihl)));
        }
        sbe32(s + l4 + 4, it->seq + (it->off - hdr));
        if (it->off + seg < it->flen) {
            fl &= ~(TCP_FIN | TCP_PSH);
        }
        if (it->seg) {
            fl &= ~TCP_CWR;
        }
        s[l4 + 13] = fl;
        tcp_csum(s, l3, l4, hdr - l4 + seg, it->v6);
        tx_wire(core, q, hdr + seg);
        it->off += seg;
        it->seg++;
        (*segs)--;
    }
    if (it->off >= it->flen) {
        it->done = true;
    } else {
        trace(core, AINIC_TRACE_TSO_PAUSE, q->qid, it->seg, it->off, 0);
    }
}

/* ---- Transmit: frames ---------------------------------------------- */

/*
 * Validate the descriptors of the frame at q->cons and gather its bytes
 * into core->tx_buf. Returns the descriptors it spans (0: not posted in
 * full yet, wait; -1: the ring is unusable), with *eop, *flen and *status
 * (0: gathered) for its CQE.
 */
static int tx_gather(AinicCore *core, AinicQueue *q, TxDesc *sop,
                     uint32_t *eop, uint8_t *status, uint32_t *flen)
{
    uint32_t mask = q->size - 1;
    TxDesc d[AINIC_MAX_SG];
    uint64_t total = 0, limit;
    uint32_t n, i, off;

    *eop = q->cons;
    *flen = 0;
    *status = AINIC_STS_EINVAL;
    if (txd_read(core, q, q->cons, sop)) {
        return -1;
    }
    if (!(sop->flags & AINIC_TXD_F_SOP)) {
        guest_error(core, "TXQ %u: descriptor %u without SOP", q->qid,
                    q->cons);
        return 1;
    }
    n = sop->nr_frags;
    if (n == 0 || n > AINIC_MAX_SG ||
        (n > 1 && !(core->cfg.caps & AINIC_CAP_TX_SG))) {
        guest_error(core, "TXQ %u: nr_frags %u at descriptor %u", q->qid, n,
                    q->cons);
        return 1;
    }
    if (n > ring_used(q)) {
        return 0;       /* the rest of the frame is not posted yet */
    }
    *eop = (q->cons + n - 1) & mask;
    d[0] = *sop;
    for (i = 1; i < n; i++) {
        if (txd_read(core, q, (q->cons + i) & mask, &d[i])) {
            return -1;
        }
    }
    for (i = 0; i < n; i++) {
        uint16_t want = (i == 0 ? AINIC_TXD_F_SOP : 0) |
                        (i == n - 1 ? AINIC_TXD_F_EOP : 0);

        if ((d[i].flags & (AINIC_TXD_F_SOP | AINIC_TXD_F_EOP)) != want ||
            (d[i].flags & ~TXD_KNOWN)) {
            guest_error(core, "TXQ %u: descriptor %u flags 0x%x in a frame "
                        "of %u", q->qid, (q->cons + i) & mask, d[i].flags, n);
            return n;
        }
        if (d[i].len == 0 || !range_ok(d[i].addr, d[i].len)) {
            guest_error(core, "TXQ %u: descriptor %u has a bad length %u",
                        q->qid, (q->cons + i) & mask, d[i].len);
            return n;
        }
        total += d[i].len;
    }
    if ((sop->flags & AINIC_TXD_F_TSO_IPV6) &&
        !(sop->flags & AINIC_TXD_F_TSO)) {
        guest_error(core, "TXQ %u: TSO_IPV6 without TSO", q->qid);
        return n;
    }
    if ((sop->flags & AINIC_TXD_F_TSO) &&
        (!(sop->flags & AINIC_TXD_F_CSUM) ||
         !(core->cfg.caps & AINIC_CAP_TSO))) {
        guest_error(core, "TXQ %u: TSO without CSUM or not supported",
                    q->qid);
        return n;
    }
    if ((sop->flags & AINIC_TXD_F_CSUM) &&
        !(core->cfg.caps & AINIC_CAP_TX_CSUM)) {
        guest_error(core, "TXQ %u: CSUM not supported", q->qid);
        return n;
    }
    limit = (sop->flags & AINIC_TXD_F_TSO) ? 65535u + sop->hdr_len :
                                             core->mtu + 18u;
    if (total < ETH_HLEN || total > limit) {
        guest_error(core, "TXQ %u: frame of %llu bytes outside [%u, %llu]",
                    q->qid, (unsigned long long)total, ETH_HLEN,
                    (unsigned long long)limit);
        return n;
    }
    *flen = total;
    /* tx_buf is about to change: a paused TSO frame must be re-read */
    core->tx_buf_owner = q->qid;
    for (i = 0, off = 0; i < n; off += d[i].len, i++) {
        if (core->ops->dma_read(core->opaque, d[i].addr, core->tx_buf + off,
                                d[i].len)) {
            guest_error(core, "TXQ %u: buffer read of %u bytes at 0x%llx "
                        "failed", q->qid, d[i].len,
                        (unsigned long long)d[i].addr);
            core->tx_buf_owner = -1;
            *status = AINIC_STS_EFAULT;
            return n;
        }
    }
    *status = AINIC_STS_OK;
    return n;
}

/*
 * Start the frame at q->cons: a plain or CHECKSUM_PARTIAL frame is sent
 * whole; a TSO frame only sets up q->tso (tso_run() sends it). Returns as
 * tx_gather(); *status is the CQE's unless q->tso became active.
 */
static int tx_frame(AinicCore *core, AinicQueue *q, uint32_t *eop,
                    uint8_t *status, uint32_t *flen)
{
    TxDesc sop;
    int n = tx_gather(core, q, &sop, eop, status, flen);

    if (n <= 0 || *status) {
        return n;
    }
    if (sop.flags & AINIC_TXD_F_TSO) {
        *status = tso_start(core, q, &sop, *flen);
        if (!*status) {
            q->tso.n = n;
            q->tso.eop = *eop;
        }
        return n;
    }
    if (sop.flags & AINIC_TXD_F_CSUM) {
        *status = tx_csum(core, core->tx_buf, *flen, &sop);
        if (*status) {
            return n;
        }
    }
    memcpy(core->wire_buf + AINIC_ENCAP_LEN, core->tx_buf, *flen);
    tx_wire(core, q, *flen);
    return n;
}

/*
 * The CQE of a finished frame (§7.2), then the descriptors go back to the
 * driver. Returns -1 if the CQ could not be written.
 */
static int tx_complete(AinicCore *core, AinicQueue *q, AinicQueue *cq,
                       uint32_t n, uint32_t eop, uint32_t flen,
                       uint8_t status)
{
    uint32_t desc = eop;

    if (status) {
        core->stats.tx_errors++;
        trace(core, AINIC_TRACE_TX_ERROR, q->qid, eop, status, 0);
    }
    if (ainic_fault_take(&core->faults, AINIC_FAULT_TX_WRONG_DESC)) {
        /* Not the frame's last descriptor, or (one descriptor) a free one */
        desc = n > 1 ? q->cons : q->prod;
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_TX_WRONG_DESC, desc, 0, 0);
    }
    if (cqe_post(core, cq, AINIC_QTYPE_TXQ, q->qid, desc, flen, 0, status)) {
        return -1;
    }
    q->cons = (q->cons + n) & (q->size - 1);
    return 0;
}

/*
 * Consume frames of q: at most AINIC_TX_BUDGET frames and
 * AINIC_TX_SEG_BUDGET wire segments (and failed frames) per call, counted
 * inside a TSO frame too, so no call holds the embedder for long; a TSO
 * frame stopped by either budget or a busy wire resumes in the next call.
 */
static void txq_process(AinicCore *core, AinicQueue *q)
{
    AinicQueue *cq = &core->cq[q->cq_id];
    unsigned frames = AINIC_TX_BUDGET, segs = AINIC_TX_SEG_BUDGET;
    uint32_t done = 0;

    if (!datapath_ready(core) || !q->active || q->broken || !cq->active ||
        cq->broken) {
        return;
    }
    q->stalled = false;
    for (;;) {
        uint32_t eop, flen, n;
        uint8_t status;

        if (core->wire_busy) {
            break;                  /* resumed by ainic_core_tx_resume */
        }
        if (!q->tso.active && q->cons == q->prod) {
            break;
        }
        if (!frames || !segs) {
            if (core->ops->schedule_tx) {
                core->ops->schedule_tx(core->opaque, q->qid);
            }
            break;
        }
        if (q->tso.active) {
            AinicTxIter *it = &q->tso;

            if (!it->done) {
                tso_run(core, q, &segs);
                if (!it->done) {
                    continue;       /* wire busy or out of budget */
                }
            }
            if (!cq_free(cq)) {
                q->stalled = true;  /* a hostile driver shares the CQ */
                break;
            }
            n = it->n;
            eop = it->eop;
            flen = it->flen;
            status = it->status;
            it->active = false;
        } else {
            int r;

            if (!cq_free(cq)) {
                q->stalled = true;  /* resumed by DB_TXCQ */
                break;
            }
            r = tx_frame(core, q, &eop, &status, &flen);
            if (r <= 0) {
                break;
            }
            if (q->tso.active) {
                continue;
            }
            n = r;
            segs--;                 /* one frame sent, or one failed */
        }
        if (tx_complete(core, q, cq, n, eop, flen, status)) {
            break;
        }
        done++;
        frames--;
    }
    cq_irq(core, cq, done);
}

void ainic_core_tx_process(AinicCore *core, unsigned qp)
{
    if (qp < core->cfg.max_qps) {
        txq_process(core, &core->txq[qp]);
    }
}

void ainic_core_tx_resume(AinicCore *core)
{
    unsigned i;

    core->wire_busy = false;
    for (i = 0; i < core->cfg.max_qps; i++) {
        if (core->txq[i].active && core->txq[i].cons != core->txq[i].prod) {
            txq_process(core, &core->txq[i]);
        }
    }
}

/* Room may have appeared: let the embedder offer held frames again */
static void rx_kick(AinicCore *core)
{
    if (core->rx_blocked) {
        core->rx_blocked = false;
        if (core->ops->rx_ready) {
            core->ops->rx_ready(core->opaque);
        }
    }
}

/*
 * Resume every queue that was waiting (link up: cq_id -1; CQ slots
 * returned): TX queues, RX backlogs, then the frames the embedder holds.
 */
static void datapath_kick(AinicCore *core, int cq_id)
{
    unsigned i;

    for (i = 0; i < core->cfg.max_qps; i++) {
        AinicQueue *q = &core->txq[i];

        if (q->active && (cq_id < 0 || q->cq_id == cq_id) &&
            q->cons != q->prod) {
            txq_process(core, q);
        }
        q = &core->rxq[i];
        if (q->active && (cq_id < 0 || q->cq_id == cq_id)) {
            rx_drain(core, i);
        }
    }
    rx_kick(core);
}

/* ---- Receive ------------------------------------------------------- */

/* The inner frame of a RAW ainic packet (§8), or NULL */
static const uint8_t *rx_decap(AinicCore *core, const uint8_t *p, size_t len,
                               uint32_t *inner_len)
{
    uint32_t ihl, tot, ulen, plen;
    const uint8_t *ip, *udp, *xh;

    (void)core;
    if (len < AINIC_ENCAP_LEN || be16(p + 12) != ETHERTYPE_IPV4) {
        return NULL;
    }
    ip = p + ETH_HLEN;
    ihl = (ip[0] & 0xf) * 4u;
    tot = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < IP4_HLEN || ip[9] != IPPROTO_UDP_ ||
        (be16(ip + 6) & 0x3fff) || tot < ihl + UDP_HLEN + XH_LEN ||
        tot > len - ETH_HLEN ||
        csum_fold(csum_add(0, ip, ihl)) != 0xffff) {
        return NULL;
    }
    udp = ip + ihl;
    ulen = be16(udp + 4);
    if (be16(udp + 2) != AINIC_UDP_PORT || ulen != tot - ihl) {
        return NULL;
    }
    xh = udp + UDP_HLEN;
    plen = be16(xh + offsetof(struct ainic_xport_hdr, payload_len));
    if (xh[0] != (AINIC_WIRE_VERSION << AINIC_XH_VERSION_SHIFT |
                  AINIC_PKT_RAW) ||
        (xh[1] & AINIC_XH_F_SECURE) || plen != ulen - UDP_HLEN - XH_LEN ||
        plen < ETH_HLEN) {
        return NULL;
    }
    *inner_len = plen;
    return xh + XH_LEN;
}

/* Verify the inner TCP/UDP checksum (IPv4 unfragmented, IPv6 no ext) */
static bool rx_csum_ok(const uint8_t *f, uint32_t len)
{
    InnerFlow fl;
    uint32_t end, l4len;
    uint64_t sum = 0;

    parse_flow(f, len, &fl);
    if (!fl.proto) {
        return false;
    }
    if (fl.v6) {
        end = fl.l3 + IP6_HLEN + be16(f + fl.l3 + 4);
        sum = csum_add(sum, f + fl.l3 + 8, 32);
    } else {
        end = fl.l3 + be16(f + fl.l3 + 2);
        sum = csum_add(sum, f + fl.l3 + 12, 8);
    }
    if (end > len || end < fl.l4 + (fl.proto == IPPROTO_TCP_ ? 20 : 8)) {
        return false;
    }
    l4len = end - fl.l4;
    if (fl.proto == IPPROTO_UDP_ && !fl.v6 && be16(f + fl.l4 + 6) == 0) {
        return false;       /* no checksum to verify */
    }
    sum += fl.proto + (l4len >> 16) + (l4len & 0xffff);
    sum = csum_add(sum, f + fl.l4, l4len);
    return csum_fold(sum) == 0xffff;
}

/* RX steering (§7.3): hash modulo the RX queues that exist */
static AinicQueue *rx_pick(AinicCore *core, const uint8_t *f, uint32_t len)
{
    uint32_t hash, count = 0, k, i;

    for (i = 0; i < core->cfg.max_qps; i++) {
        count += core->rxq[i].active;
    }
    if (!count) {
        return NULL;
    }
    k = flow_hash(f, len, &hash) ? hash % count : 0;
    for (i = 0; i < core->cfg.max_qps; i++) {
        if (core->rxq[i].active && k-- == 0) {
            return &core->rxq[i];
        }
    }
    return NULL;
}

static void rx_drop(AinicCore *core, size_t len, AinicRxDropReason why)
{
    if (why == AINIC_RX_DROP_MALFORMED) {
        core->stats.rx_errors++;
    } else {
        core->stats.rx_dropped++;
    }
    trace(core, AINIC_TRACE_RX_DROP, len, why, 0, 0);
}

static bool rxq_has_room(const AinicQueue *q, const AinicQueue *cq,
                         uint32_t nbuf)
{
    return ring_used(q) >= nbuf && cq_free(cq) >= nbuf;
}

static uint32_t rx_nbuf(const AinicQueue *q, uint32_t len)
{
    return (len + q->buf_size - 1) / q->buf_size;
}

/* A queue that could take a one-buffer frame now */
static bool rxq_can_take(AinicCore *core, const AinicQueue *q)
{
    const AinicQueue *cq = &core->cq[q->cq_id];

    return q->active && !q->broken && cq->active && !cq->broken &&
           rxq_has_room(q, cq, 1);
}

static bool rxb_has_space(const AinicCore *core, unsigned qp, uint32_t len)
{
    return core->rxb[qp].count < AINIC_RX_BACKLOG &&
           len <= AINIC_RX_BACKLOG_BYTES - core->rxb_bytes;
}

/* Take the oldest frame out of qp's backlog (the caller frees it) */
static uint8_t *rxb_pop(AinicCore *core, unsigned qp, uint32_t *len)
{
    AinicRxBacklog *b = &core->rxb[qp];
    uint8_t *f = b->frame[b->head];

    *len = b->len[b->head];
    b->frame[b->head] = NULL;
    b->head = (b->head + 1) % AINIC_RX_BACKLOG;
    b->count--;
    core->rxb_bytes -= *len;
    return f;
}

/*
 * Empty qp's backlog without delivering it (RXQ destroyed: counted as
 * dropped; reset or fini: count false, the counters go anyway).
 */
static void rxb_flush(AinicCore *core, unsigned qp, bool count)
{
    while (core->rxb[qp].count) {
        uint32_t len;

        free(rxb_pop(core, qp, &len));
        if (count) {
            core->qp_stats[qp].rx_backlog_drops++;
            rx_drop(core, len, AINIC_RX_DROP_BACKLOG);
        }
    }
}

/*
 * Write one frame into the buffers of q (room checked) and its CQEs
 * (§7.3). The rx-short and rx-corrupt faults change what the CQEs say,
 * never what the device does with its rings.
 */
static void rx_deliver(AinicCore *core, AinicQueue *q, const uint8_t *inner,
                       uint32_t ilen)
{
    AinicQueue *cq = &core->cq[q->cq_id];
    uint32_t nbuf = rx_nbuf(q, ilen), i, off, csum_ok = 0, posted = 0;
    bool ok = true, runt;

    if (core->cfg.caps & AINIC_CAP_RX_CSUM) {
        csum_ok = rx_csum_ok(inner, ilen) ? AINIC_CQE_F_CSUM_OK : 0;
    }
    runt = ainic_fault_take(&core->faults, AINIC_FAULT_RX_SHORT);
    if (runt) {
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_RX_SHORT, ilen, 0, 0);
    }
    for (i = 0, off = 0; i < nbuf && ok; i++) {
        uint32_t idx = q->cons, chunk = ilen - off, blen;
        uint8_t b[sizeof(struct ainic_rx_desc)];
        uint64_t daddr = q->ring_addr + (uint64_t)idx * sizeof(b), addr;
        uint8_t status = AINIC_STS_OK;
        uint32_t clen;
        uint16_t cflags, cidx = idx;

        if (chunk > q->buf_size) {
            chunk = q->buf_size;
        }
        if (core->ops->dma_read(core->opaque, daddr, b, sizeof(b))) {
            guest_error(core, "RXQ %u: descriptor read at 0x%llx failed",
                        q->qid, (unsigned long long)daddr);
            q->broken = true;
            ok = false;
            break;
        }
        addr = ld64(b + offsetof(struct ainic_rx_desc, addr));
        blen = ld32(b + offsetof(struct ainic_rx_desc, len));
        if (blen < q->buf_size) {
            guest_error(core, "RXQ %u: buffer %u shorter than buf_size %u",
                        q->qid, idx, q->buf_size);
            status = AINIC_STS_EINVAL;
        } else if (!range_ok(addr, chunk) ||
                   core->ops->dma_write(core->opaque, addr, inner + off,
                                        chunk)) {
            guest_error(core, "RXQ %u: buffer write at 0x%llx failed",
                        q->qid, (unsigned long long)addr);
            status = AINIC_STS_EFAULT;
        }
        /* A failed buffer ends (and drops) the frame */
        cflags = (status || i == nbuf - 1) ? AINIC_CQE_F_EOP : 0;
        if (!status && i == nbuf - 1) {
            cflags |= csum_ok;
        }
        clen = status ? 0 : chunk;
        if (runt && i == 0 && !status) {
            clen = AINIC_FAULT_RUNT_LEN;    /* EOP only if one buffer */
        }
        if (ainic_fault_take(&core->faults, AINIC_FAULT_RX_CORRUPT)) {
            if (core->faults.arg[AINIC_FAULT_RX_CORRUPT] ==
                AINIC_FAULT_CORRUPT_INDEX) {
                cidx = q->prod;     /* never posted: the driver's next */
            } else {
                clen = blen < UINT32_MAX ? blen + 1 : blen;
            }
            trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_RX_CORRUPT, cidx, clen,
                  0);
        }
        if (cqe_post(core, cq, AINIC_QTYPE_RXQ, q->qid, cidx, clen, cflags,
                     status)) {
            ok = false;
            break;
        }
        posted++;
        q->cons = (q->cons + 1) & (q->size - 1);
        off += chunk;
        ok = !status;
    }
    cq_irq(core, cq, posted);
    if (!ok) {
        rx_drop(core, ilen, AINIC_RX_DROP_DMA);
        return;
    }
    core->stats.rx_packets++;
    core->stats.rx_bytes += ilen;
    trace(core, AINIC_TRACE_RX_FRAME, q->qid, ilen, nbuf, 0);
}

/* Deliver qp's backlog, oldest first, as far as its room goes */
static void rx_drain(AinicCore *core, unsigned qp)
{
    AinicRxBacklog *b = &core->rxb[qp];
    AinicQueue *q = &core->rxq[qp];

    while (b->count && datapath_ready(core) && q->active && !q->broken &&
           !core->cq[q->cq_id].broken &&
           rxq_has_room(q, &core->cq[q->cq_id],
                        rx_nbuf(q, b->len[b->head]))) {
        uint32_t len;
        uint8_t *f = rxb_pop(core, qp, &len);

        rx_deliver(core, q, f, len);
        free(f);
    }
}

/* Whether no RX queue that exists could take a frame now */
static bool rx_all_full(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < core->cfg.max_qps; i++) {
        if (rxq_can_take(core, &core->rxq[i])) {
            return false;
        }
    }
    return true;
}

bool ainic_core_can_receive(AinicCore *core)
{
    unsigned i;
    bool any = false;

    if (!datapath_ready(core)) {
        return true;        /* taken and dropped */
    }
    if (core->rx_blocked) {
        return false;
    }
    for (i = 0; i < core->cfg.max_qps; i++) {
        AinicQueue *q = &core->rxq[i];

        if (!q->active) {
            continue;
        }
        any = true;
        if (rxq_can_take(core, q) || rxb_has_space(core, i, 1)) {
            return true;
        }
    }
    if (any) {
        /*
         * The embedder now holds frames without offering them to
         * receive(): ask for rx_ready when room appears, or they (and the
         * backend behind them) wait forever, across resets and reloads.
         */
        core->rx_blocked = true;
        return false;
    }
    return true;            /* no RX queue: taken and dropped */
}

/*
 * §7.3: a frame whose queue has room (and no older frames waiting) is
 * delivered; otherwise it joins the queue's backlog; with the backlog full
 * it is dropped and counted for that queue, unless no queue at all has
 * room: then the port is held (backpressure), since holding stops nobody.
 */
bool ainic_core_receive(AinicCore *core, const void *buf, size_t len)
{
    const uint8_t *inner;
    uint32_t ilen, nbuf;
    AinicQueue *q, *cq;
    AinicRxBacklog *b;
    uint8_t *copy;

    if (!datapath_ready(core)) {
        rx_drop(core, len, AINIC_RX_DROP_NO_DATAPATH);
        return true;
    }
    inner = rx_decap(core, buf, len, &ilen);
    if (!inner) {
        rx_drop(core, len, AINIC_RX_DROP_MALFORMED);
        return true;
    }
    q = rx_pick(core, inner, ilen);
    if (!q || q->broken || core->cq[q->cq_id].broken) {
        rx_drop(core, len, AINIC_RX_DROP_NO_QUEUE);
        return true;
    }
    cq = &core->cq[q->cq_id];
    nbuf = rx_nbuf(q, ilen);
    if (nbuf > q->size - 1 || nbuf > cq->size - 1) {
        rx_drop(core, len, AINIC_RX_DROP_NO_QUEUE);     /* never fits */
        return true;
    }
    b = &core->rxb[q->qid];
    if (!b->count && rxq_has_room(q, cq, nbuf)) {
        rx_deliver(core, q, inner, ilen);
        return true;
    }
    copy = rxb_has_space(core, q->qid, ilen) ? malloc(ilen) : NULL;
    if (copy) {
        memcpy(copy, inner, ilen);
        b->frame[(b->head + b->count) % AINIC_RX_BACKLOG] = copy;
        b->len[(b->head + b->count) % AINIC_RX_BACKLOG] = ilen;
        b->count++;
        core->rxb_bytes += ilen;
        core->qp_stats[q->qid].rx_backlogged++;
        trace(core, AINIC_TRACE_RX_BACKLOG, q->qid, ilen, b->count, 0);
        return true;
    }
    if (rx_all_full(core)) {
        core->rx_blocked = true;
        trace(core, AINIC_TRACE_RX_HOLD, q->qid, ilen, 0, 0);
        return false;
    }
    core->qp_stats[q->qid].rx_backlog_drops++;
    rx_drop(core, len, AINIC_RX_DROP_BACKLOG);
    return true;
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
        datapath_kick(core, q->qid);    /* a stalled TXQ, held RX frames */
        return;
    }
    /*
     * A producer index only moves forward over free slots. One that lands
     * among the posted entries (the driver went back, or posted more than
     * the ring holds) would have the device take the rest of the ring,
     * stale descriptors, as posted.
     */
    if (((val - q->cons) & (q->size - 1)) < ring_used(q)) {
        guest_error(core, "doorbell 0x%x: %s %u producer index %u moves "
                    "back from %u (consumer %u)", AINIC_REG_DB_BASE + off,
                    qtype_name(qtype), q->qid, val, q->prod, q->cons);
        return;
    }
    q->prod = val;
    if (qtype == AINIC_QTYPE_TXQ) {
        txq_process(core, q);
    } else {
        rx_drain(core, n);
        rx_kick(core);
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

void ainic_core_set_link(AinicCore *core, bool up)
{
    if (core->link_up == up) {
        return;
    }
    core->link_up = up;
    trace(core, AINIC_TRACE_LINK, up, 0, 0, 0);
    event_post(core, AINIC_EVENT_LINK_CHANGE, 0, up);
    datapath_kick(core, -1);
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
    core->admin_timer = ops->timer_new(opaque, admin_late_cb, core);
    core->storm_timer = ops->timer_new(opaque, storm_cb, core);
    if (!core->admin_timer || !core->storm_timer) {
        ainic_core_fini(core);
        return -1;
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
    if (core->admin_timer) {
        core->ops->timer_del(core->opaque, core->admin_timer);
        core->ops->timer_free(core->opaque, core->admin_timer);
        core->admin_timer = NULL;
    }
    if (core->storm_timer) {
        core->ops->timer_del(core->opaque, core->storm_timer);
        core->ops->timer_free(core->opaque, core->storm_timer);
        core->storm_timer = NULL;
    }
    core->admin_late = false;
    core->storm_rounds = 0;
    for (i = 0; i < AINIC_MAX_QPS; i++) {
        rxb_flush(core, i, false);
    }
}
