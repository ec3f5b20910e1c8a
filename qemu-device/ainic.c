/*
 * ainic: AI NIC PCIe device model (QEMU glue)
 *
 * The device's behaviour lives in the portable core (core/ainic_*.c, plain
 * C with no QEMU headers); this file binds it to QEMU: QOM type, BARs,
 * MSI-X, the netdev, DMA, timers, reset, properties and trace events.
 * Contract: uapi/ainic-device.md and uapi/linux/ainic_if.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "qom/object.h"
#include "hw/net/trace.h"

#include "ainic_core.h"

#define TYPE_AINIC "ainic"
OBJECT_DECLARE_SIMPLE_TYPE(AinicState, AINIC)

/*
 * Offloads set only as the core implements them (tests/unit). The data path
 * keeps its own reentrancy-guarded bottom halves for TX rescheduling and for
 * offering held RX frames again.
 */
#define AINIC_CAPS_DATAPATH     (AINIC_CAP_DATAPATH | AINIC_CAP_TX_SG | \
                                 AINIC_CAP_TX_CSUM | AINIC_CAP_TSO | \
                                 AINIC_CAP_RX_CSUM | \
                                 AINIC_CAP_INTR_MODERATION | AINIC_CAP_JUMBO)

/* BAR2: MSI-X table at 0, PBA at 0x800 (§1); 65 vectors fit below 0x800 */
#define AINIC_MSIX_BAR_SIZE     0x1000
#define AINIC_MSIX_TABLE_OFF    0x0
#define AINIC_MSIX_PBA_OFF      0x800
#define AINIC_MSIX_CAP_OFF      0x70
#define AINIC_PCIE_CAP_OFF      0xa0

struct AinicState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion msix;
    NICState *nic;
    NICConf conf;

    /* Properties */
    uint16_t queues;
    char *serial;
    uint32_t if_version;
    bool reliable;              /* announce AINIC_CAP_RELIABLE */
    bool rx_coalesce;           /* announce AINIC_CAP_RX_COALESCE */
    char *fault_pending;        /* x-fault set before realize */

    QEMUBH *tx_bh;              /* TX queues over their budget */
    QEMUBH *rx_bh;              /* RX room: flush held frames */
    uint64_t tx_pending;        /* bit n: queue pair n */
    bool tx_resume;             /* the peer drained its queue */

    AinicCore core;
};

/* ---- Ops for the core ---------------------------------------------- */

static int ainic_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    return pci_dma_read(PCI_DEVICE(opaque), addr, buf, len) == MEMTX_OK ?
           0 : -1;
}

static int ainic_dma_write(void *opaque, uint64_t addr, const void *buf,
                           size_t len)
{
    return pci_dma_write(PCI_DEVICE(opaque), addr, buf, len) == MEMTX_OK ?
           0 : -1;
}

static void ainic_raise_irq(void *opaque, unsigned vector)
{
    PCIDevice *pdev = PCI_DEVICE(opaque);

    /* msix_notify() asserts on the range: never let a bad vector reach it */
    if (vector >= msix_nr_vectors_allocated(pdev)) {
        qemu_log_mask(LOG_GUEST_ERROR, "ainic: vector %u out of range\n",
                      vector);
        return;
    }
    trace_ainic_msix_notify(vector);
    msix_notify(pdev, vector);
}

static void G_GNUC_PRINTF(2, 0)
ainic_log_guest_error(void *opaque, const char *fmt, va_list ap)
{
    AinicState *s = opaque;
    g_autofree char *msg = NULL;

    if (!qemu_loglevel_mask(LOG_GUEST_ERROR)) {
        return;
    }
    msg = g_strdup_vprintf(fmt, ap);
    qemu_log("ainic %s: %s\n", DEVICE(s)->id ?: "-", msg);
}

static const char *ainic_irq_name(uint64_t disposition)
{
    switch (disposition) {
    case AINIC_IRQ_DELIVERED:
        return "raised";
    case AINIC_IRQ_PENDING:
        return "masked, pending";
    case AINIC_IRQ_COALESCED:
        return "held by moderation";
    default:
        return "?";
    }
}

static const char *ainic_selftest_name(uint64_t op)
{
    switch (op) {
    case AINIC_SELFTEST_ECHO:
        return "echo";
    case AINIC_SELFTEST_IRQ:
        return "irq";
    case AINIC_SELFTEST_DMA:
        return "dma";
    default:
        return "?";
    }
}

static void ainic_trace(void *opaque, AinicTraceEvent ev, uint64_t a,
                        uint64_t b, uint64_t c, uint64_t d)
{
    switch (ev) {
    case AINIC_TRACE_RESET:
        trace_ainic_reset(a == AINIC_RESET_POWER_ON ? "power-on" : "DEV_CTRL");
        break;
    case AINIC_TRACE_ENABLE:
        trace_ainic_enable(a);
        break;
    case AINIC_TRACE_FATAL:
        trace_ainic_fatal(a);
        break;
    case AINIC_TRACE_ADMIN_CMD:
        trace_ainic_admin_cmd(a, b, c, d);
        break;
    case AINIC_TRACE_EVENT_POSTED:
        trace_ainic_event_posted(a, b, c);
        break;
    case AINIC_TRACE_EVENT_DROPPED:
        trace_ainic_event_dropped(a, b);
        break;
    case AINIC_TRACE_IRQ:
        trace_ainic_irq(a, ainic_irq_name(b));
        break;
    case AINIC_TRACE_SELFTEST:
        trace_ainic_selftest(ainic_selftest_name(a), b, c);
        break;
    case AINIC_TRACE_QUEUE_CREATE:
        trace_ainic_queue_create(a, b, c);
        break;
    case AINIC_TRACE_QUEUE_DESTROY:
        trace_ainic_queue_destroy(a, b);
        break;
    case AINIC_TRACE_DOORBELL:
        trace_ainic_doorbell(a, b, c);
        break;
    case AINIC_TRACE_LINK:
        trace_ainic_link(a);
        break;
    case AINIC_TRACE_RX_DROP:
        trace_ainic_rx_drop(a, b);
        break;
    case AINIC_TRACE_TX_FRAME:
        trace_ainic_tx_frame(a, b, c);
        break;
    case AINIC_TRACE_TX_ERROR:
        trace_ainic_tx_error(a, b, c);
        break;
    case AINIC_TRACE_RX_FRAME:
        trace_ainic_rx_frame(a, b, c);
        break;
    case AINIC_TRACE_RX_HOLD:
        trace_ainic_rx_hold(a, b);
        break;
    case AINIC_TRACE_RX_BACKLOG:
        trace_ainic_rx_backlog(a, b, c);
        break;
    case AINIC_TRACE_TSO_PAUSE:
        trace_ainic_tso_pause(a, b, c);
        break;
    case AINIC_TRACE_FAULT:
        trace_ainic_fault(ainic_fault_name(a), b);
        break;
    case AINIC_TRACE_CONN_STATE:
        trace_ainic_conn_state(a, ainic_conn_state_name(b),
                               ainic_conn_state_name(c));
        break;
    case AINIC_TRACE_XPORT_TX:
        trace_ainic_xport_tx(a, b, c);
        break;
    case AINIC_TRACE_XPORT_TIMER_RECOVERED:
        trace_ainic_xport_timer_recovered(a, b / 1000);
        break;
    case AINIC_TRACE_RXC_OPEN:
        trace_ainic_rx_coalesce_open(a, b, c);
        break;
    case AINIC_TRACE_RXC_FLUSH:
        trace_ainic_rx_coalesce_flush(a, b, c, d);
        break;
    }
}

static uint64_t ainic_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/*
 * A core timer. QEMUTimer callbacks are not covered by the reentrancy
 * guard, and the core's timer work does DMA (admin-late completions): the
 * timer only schedules a guarded bottom half, which runs the callback.
 */
typedef struct AinicQemuTimer {
    QEMUTimer timer;
    QEMUBH *bh;
    AinicTimerCb *cb;
    void *cb_opaque;
} AinicQemuTimer;

static void ainic_timer_expired(void *opaque)
{
    AinicQemuTimer *t = opaque;

    qemu_bh_schedule(t->bh);
}

static void ainic_timer_bh(void *opaque)
{
    AinicQemuTimer *t = opaque;

    t->cb(t->cb_opaque);
}

static AinicTimer *ainic_timer_new(void *opaque, AinicTimerCb *cb,
                                   void *cb_opaque)
{
    AinicState *s = opaque;
    AinicQemuTimer *t = g_new0(AinicQemuTimer, 1);

    t->cb = cb;
    t->cb_opaque = cb_opaque;
    timer_init_ns(&t->timer, QEMU_CLOCK_VIRTUAL, ainic_timer_expired, t);
    t->bh = qemu_bh_new_guarded(ainic_timer_bh, t,
                                &DEVICE(s)->mem_reentrancy_guard);
    return (AinicTimer *)t;
}

static void ainic_timer_mod(void *opaque, AinicTimer *at, uint64_t expire_ns)
{
    AinicQemuTimer *t = (AinicQemuTimer *)at;

    timer_mod(&t->timer, MIN(expire_ns, (uint64_t)INT64_MAX));
}

static void ainic_timer_del(void *opaque, AinicTimer *at)
{
    AinicQemuTimer *t = (AinicQemuTimer *)at;

    timer_del(&t->timer);
    qemu_bh_cancel(t->bh);
}

static void ainic_timer_free(void *opaque, AinicTimer *at)
{
    AinicQemuTimer *t = (AinicQemuTimer *)at;

    timer_del(&t->timer);
    timer_deinit(&t->timer);
    qemu_bh_delete(t->bh);
    g_free(t);
}

/* The peer took the frames it had queued: resume TX from the guarded BH */
static void ainic_tx_sent(NetClientState *nc, ssize_t ret)
{
    AinicState *s = qemu_get_nic_opaque(nc);

    s->tx_resume = true;
    qemu_bh_schedule(s->tx_bh);
}

static int ainic_send_frame(void *opaque, const void *buf, size_t len)
{
    AinicState *s = opaque;
    ssize_t ret = qemu_send_packet_async(qemu_get_queue(s->nic), buf, len,
                                         ainic_tx_sent);

    if (ret < 0) {
        return -1;      /* the netdev dropped it: tx_errors */
    }
    /* 0: the peer is busy and queued (copied) the frame; wait for sent_cb */
    return ret == 0 ? 1 : 0;
}

static void ainic_schedule_tx(void *opaque, unsigned qp)
{
    AinicState *s = opaque;

    s->tx_pending |= 1ull << qp;
    qemu_bh_schedule(s->tx_bh);
}

static void ainic_rx_ready(void *opaque)
{
    AinicState *s = opaque;

    qemu_bh_schedule(s->rx_bh);
}

/* Guarded BH: TX work the doorbell left for later (bounded per run) */
static void ainic_tx_bh(void *opaque)
{
    AinicState *s = opaque;
    uint64_t pending = s->tx_pending;
    unsigned qp;

    s->tx_pending = 0;
    if (s->tx_resume) {
        s->tx_resume = false;
        ainic_core_tx_resume(&s->core);
    }
    while (pending) {
        qp = ctz64(pending);
        pending &= pending - 1;
        ainic_core_tx_process(&s->core, qp);
    }
}

static void ainic_rx_bh(void *opaque)
{
    AinicState *s = opaque;

    qemu_flush_queued_packets(qemu_get_queue(s->nic));
}

static const AinicCoreOps ainic_core_ops = {
    .dma_read = ainic_dma_read,
    .dma_write = ainic_dma_write,
    .raise_irq = ainic_raise_irq,
    .log_guest_error = ainic_log_guest_error,
    .trace = ainic_trace,
    .now_ns = ainic_now_ns,
    .timer_new = ainic_timer_new,
    .timer_mod = ainic_timer_mod,
    .timer_del = ainic_timer_del,
    .timer_free = ainic_timer_free,
    .send_frame = ainic_send_frame,
    .schedule_tx = ainic_schedule_tx,
    .rx_ready = ainic_rx_ready,
};

/* ---- BAR0 ---------------------------------------------------------- */

static uint64_t ainic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    AinicState *s = opaque;
    uint32_t val = ainic_core_mmio_read(&s->core, addr);

    trace_ainic_mmio_read(addr, val);
    return val;
}

/*
 * Frames the core handed to the net layer that the peer has not taken yet
 * are the device's transmit FIFO, which a reset empties (§3.2: the device
 * drops every queue). Without this, the up to 65535 segments of one TSO
 * frame kept going out on the wire long after DEV_CTRL.RESET.
 */
static void ainic_tx_flush(AinicState *s)
{
    if (s->nic) {
        qemu_purge_queued_packets(qemu_get_queue(s->nic));
    }
}

static void ainic_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    AinicState *s = opaque;
    bool was_enabled = s->core.dev_ctrl & AINIC_CTRL_ENABLE;

    trace_ainic_mmio_write(addr, val);
    ainic_core_mmio_write(&s->core, addr, val);
    /* RESET, or ENABLE cleared, which is the same (§3.2) */
    if (addr == AINIC_REG_DEV_CTRL &&
        ((val & AINIC_CTRL_RESET) ||
         (was_enabled && !(val & AINIC_CTRL_ENABLE)))) {
        ainic_tx_flush(s);
    }
}

static const MemoryRegionOps ainic_mmio_ops = {
    .read = ainic_mmio_read,
    .write = ainic_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* 32-bit accesses only (§1); the memory core rejects others */
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* ---- Network backend ----------------------------------------------- */

static void ainic_update_link(AinicState *s)
{
    NetClientState *nc = qemu_get_queue(s->nic);
    MemReentrancyGuard *guard = &DEVICE(s)->mem_reentrancy_guard;
    bool engaged = guard->engaged_in_io;

    /*
     * Up iff a netdev is attached and the link is not set down. set_link on
     * either end lands in nc->link_down; the backend's own flag is not a
     * signal (a stream netdev keeps it set until it connects, without
     * notifying us).
     *
     * A link change (QMP set_link, the fabric) posts an event and resumes
     * TX, both DMA: hold the reentrancy guard as MMIO, the net layer and
     * the guarded BHs do, so that DMA aimed at our own BARs is refused
     * instead of re-entering the core half-way through an update.
     */
    guard->engaged_in_io = true;
    ainic_core_set_link(&s->core, nc->peer && !nc->link_down);
    guard->engaged_in_io = engaged;
}

static void ainic_set_link_status(NetClientState *nc)
{
    ainic_update_link(qemu_get_nic_opaque(nc));
}

static bool ainic_can_receive(NetClientState *nc)
{
    AinicState *s = qemu_get_nic_opaque(nc);

    return ainic_core_can_receive(&s->core);
}

/*
 * 0 tells the net layer to hold this frame and the ones after it until
 * ainic_rx_bh() flushes the queue (the core calls rx_ready when the driver
 * posts buffers or returns CQ slots): backpressure to the fabric.
 */
static ssize_t ainic_receive(NetClientState *nc, const uint8_t *buf,
                             size_t size)
{
    AinicState *s = qemu_get_nic_opaque(nc);

    return ainic_core_receive(&s->core, buf, size) ? size : 0;
}

static NetClientInfo ainic_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = ainic_can_receive,
    .receive = ainic_receive,
    .link_status_changed = ainic_set_link_status,
};

/* ---- Device life cycle --------------------------------------------- */

static bool ainic_serial_ok(const char *serial, Error **errp)
{
    size_t len = strlen(serial);
    size_t i;

    if (len == 0 || len >= AINIC_SERIAL_LEN) {
        error_setg(errp, "ainic: serial must have 1 to %d characters",
                   AINIC_SERIAL_LEN - 1);
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!g_ascii_isgraph(serial[i])) {
            error_setg(errp, "ainic: serial must be printable ASCII "
                       "without spaces");
            return false;
        }
    }
    return true;
}

static void ainic_realize(PCIDevice *pdev, Error **errp)
{
    AinicState *s = AINIC(pdev);
    AinicCoreConfig cfg = { 0 };
    const uint8_t *mac;
    unsigned nvec, v;

    if (s->queues < 1 || s->queues > AINIC_MAX_QPS) {
        error_setg(errp, "ainic: queues=%u is outside 1..%d", s->queues,
                   AINIC_MAX_QPS);
        return;
    }
    if (s->serial && !ainic_serial_ok(s->serial, errp)) {
        return;
    }

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    mac = s->conf.macaddr.a;
    memcpy(cfg.mac, mac, sizeof(cfg.mac));
    cfg.max_qps = s->queues;
    cfg.if_version = s->if_version;
    cfg.caps = AINIC_CAPS_V1 | AINIC_CAPS_DATAPATH |
               (s->reliable ? AINIC_CAP_RELIABLE : 0) |
               (s->rx_coalesce ? AINIC_CAP_RX_COALESCE : 0);
    if (s->serial) {
        g_strlcpy(cfg.serial, s->serial, sizeof(cfg.serial));
    } else {
        snprintf(cfg.serial, sizeof(cfg.serial),
                 "AN%02X%02X%02X%02X%02X%02X",
                 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }
    nvec = 1 + s->queues;

    memory_region_init_io(&s->mmio, OBJECT(s), &ainic_mmio_ops, s,
                          "ainic-mmio", AINIC_BAR0_SIZE);
    pci_register_bar(pdev, AINIC_BAR_REGS,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->mmio);
    memory_region_init(&s->msix, OBJECT(s), "ainic-msix",
                       AINIC_MSIX_BAR_SIZE);
    pci_register_bar(pdev, AINIC_BAR_MSIX,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->msix);

    if (pcie_endpoint_cap_init(pdev, AINIC_PCIE_CAP_OFF) < 0) {
        error_setg(errp, "ainic: cannot add the PCIe capability");
        return;
    }
    if (msix_init(pdev, nvec, &s->msix, AINIC_BAR_MSIX, AINIC_MSIX_TABLE_OFF,
                  &s->msix, AINIC_BAR_MSIX, AINIC_MSIX_PBA_OFF,
                  AINIC_MSIX_CAP_OFF, errp) < 0) {
        pcie_cap_exit(pdev);
        return;
    }
    for (v = 0; v < nvec; v++) {
        msix_vector_use(pdev, v);
    }

    s->tx_bh = qemu_bh_new_guarded(ainic_tx_bh, s,
                                   &DEVICE(s)->mem_reentrancy_guard);
    s->rx_bh = qemu_bh_new_guarded(ainic_rx_bh, s,
                                   &DEVICE(s)->mem_reentrancy_guard);
    if (ainic_core_init(&s->core, &cfg, &ainic_core_ops, s) < 0) {
        qemu_bh_delete(s->tx_bh);
        qemu_bh_delete(s->rx_bh);
        error_setg(errp, "ainic: device core initialisation failed");
        msix_unuse_all_vectors(pdev);
        msix_uninit(pdev, &s->msix, &s->msix);
        pcie_cap_exit(pdev);
        return;
    }

    s->nic = qemu_new_nic(&ainic_net_info, &s->conf,
                          object_get_typename(OBJECT(s)), DEVICE(s)->id,
                          &DEVICE(s)->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    ainic_update_link(s);
    if (s->fault_pending) {
        char err[AINIC_FAULT_ERR_MAX];

        /* Checked when it was set; the core cannot refuse it now */
        if (ainic_core_fault_inject(&s->core, s->fault_pending, err,
                                    sizeof(err))) {
            warn_report("ainic: x-fault %s: %s", s->fault_pending, err);
        }
        g_clear_pointer(&s->fault_pending, g_free);
    }
}

static void ainic_exit(PCIDevice *pdev)
{
    AinicState *s = AINIC(pdev);

    /*
     * Our frames still queued at the peer name ainic_tx_sent and this NIC:
     * qemu_del_nic() only completes the peer's frames to us, so drop ours
     * first (as virtio-net does), or the peer calls back into freed state.
     */
    ainic_tx_flush(s);
    qemu_del_nic(s->nic);
    qemu_bh_delete(s->tx_bh);
    qemu_bh_delete(s->rx_bh);
    ainic_core_fini(&s->core);
    msix_unuse_all_vectors(pdev);
    msix_uninit(pdev, &s->msix, &s->msix);
    pcie_cap_exit(pdev);
}

static void ainic_reset_hold(Object *obj, ResetType type)
{
    AinicState *s = AINIC(obj);

    s->tx_pending = 0;
    qemu_bh_cancel(s->tx_bh);
    ainic_core_reset(&s->core, AINIC_RESET_POWER_ON);
    ainic_tx_flush(s);
    ainic_update_link(s);
}

/*
 * Not migratable: migration is not implemented. No VMState describes the
 * core's state (registers, admin and event rings, queues and their
 * indices, a TSO frame cut half-way, the RX backlogs, moderation and
 * fault-injector timers), and no post-load step re-arms the timers or
 * re-reads the rings.
 */
static const VMStateDescription ainic_vmstate = {
    .name = "ainic",
    .unmigratable = 1,
};

/* ---- Fault injector (tests; uapi/ainic-device.md appendix A) ------- */

static char *ainic_get_fault(Object *obj, Error **errp)
{
    AinicState *s = AINIC(obj);
    char buf[256];

    if (!DEVICE(obj)->realized) {
        return g_strdup(s->fault_pending ?: "off");
    }
    ainic_core_fault_describe(&s->core, buf, sizeof(buf));
    return g_strdup(buf);
}

static void ainic_set_fault(Object *obj, const char *value, Error **errp)
{
    AinicState *s = AINIC(obj);
    MemReentrancyGuard *guard = &DEVICE(s)->mem_reentrancy_guard;
    AinicFaultSpec spec;
    char err[AINIC_FAULT_ERR_MAX];
    bool engaged;
    int ret;

    trace_ainic_fault_set(value);
    if (!DEVICE(obj)->realized) {
        /* Checked now, armed at realize */
        if (ainic_fault_parse(value, &spec, err, sizeof(err))) {
            error_setg(errp, "ainic: x-fault '%s': %s", value, err);
            return;
        }
        g_free(s->fault_pending);
        s->fault_pending = g_strdup(value);
        return;
    }
    /* fatal and irq-storm act now (events, interrupts): as MMIO does */
    engaged = guard->engaged_in_io;
    guard->engaged_in_io = true;
    ret = ainic_core_fault_inject(&s->core, value, err, sizeof(err));
    guard->engaged_in_io = engaged;
    if (ret) {
        error_setg(errp, "ainic: x-fault '%s': %s", value, err);
    }
}

static void ainic_get_fault_fired(Object *obj, Visitor *v, const char *name,
                                  void *opaque, Error **errp)
{
    AinicState *s = AINIC(obj);
    uint64_t fired = DEVICE(obj)->realized ?
                     ainic_core_faults_fired(&s->core) : 0;

    visit_type_uint64(v, name, &fired, errp);
}

static void ainic_get_admin_cmds(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    AinicState *s = AINIC(obj);
    uint64_t cmds = DEVICE(obj)->realized ? ainic_core_admin_cmds(&s->core) : 0;

    visit_type_uint64(v, name, &cmds, errp);
}

static void ainic_instance_finalize(Object *obj)
{
    g_free(AINIC(obj)->fault_pending);
}

static const Property ainic_properties[] = {
    DEFINE_NIC_PROPERTIES(AinicState, conf),
    DEFINE_PROP_UINT16("queues", AinicState, queues, 4),
    DEFINE_PROP_STRING("serial", AinicState, serial),
    /* The reliable transport (spec §10); off: a plain NIC, RAW frames */
    DEFINE_PROP_BOOL("reliable", AinicState, reliable, true),
    /* Receive coalescing (spec §7.5); the driver turns it on */
    DEFINE_PROP_BOOL("rx-coalesce", AinicState, rx_coalesce, true),
    /* Lets tests present an unsupported interface version to the driver */
    DEFINE_PROP_UINT32("x-if-version", AinicState, if_version,
                       AINIC_IF_VERSION(AINIC_IF_VERSION_MAJOR,
                                        AINIC_IF_VERSION_MINOR)),
};

static void ainic_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = ainic_realize;
    k->exit = ainic_exit;
    k->vendor_id = AINIC_PCI_VENDOR_ID;
    k->device_id = AINIC_PCI_DEVICE_ID;
    k->revision = AINIC_PCI_REVISION;
    k->class_id = AINIC_PCI_CLASS >> 8;     /* base class + subclass */

    rc->phases.hold = ainic_reset_hold;

    dc->desc = "ainic AI NIC";
    dc->vmsd = &ainic_vmstate;
    device_class_set_props(dc, ainic_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    object_class_property_add_str(klass, "x-fault", ainic_get_fault,
                                  ainic_set_fault);
    object_class_property_set_description(klass, "x-fault",
        "Test hook: inject faults, \"off\" or \"KIND[:COUNT[:ARG]]\"");
    object_class_property_add(klass, "x-fault-fired", "uint64",
                              ainic_get_fault_fired, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-fault-fired",
        "Test hook: faults injected so far (read-only)");
    object_class_property_add(klass, "x-admin-cmds", "uint64",
                              ainic_get_admin_cmds, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-admin-cmds",
        "Test hook: admin commands executed since reset (read-only)");
}

static const TypeInfo ainic_info = {
    .name = TYPE_AINIC,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(AinicState),
    .instance_finalize = ainic_instance_finalize,
    .class_init = ainic_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void ainic_register_types(void)
{
    type_register_static(&ainic_info);
}

type_init(ainic_register_types)
