/*
 * ainic: portable device core of the AI NIC model
 *
 * Plain C11 with no QEMU headers, so that the same code runs inside QEMU
 * (hw/net/ainic/ainic.c supplies the ops) and in host unit tests
 * (tests/unit/). The behaviour implemented is uapi/ainic-device.md; the
 * layouts are uapi/linux/ainic_if.h.
 *
 * This header is the embedder's interface. The core is split by concern,
 * each module owning its part of AinicCore with its reset and teardown:
 *   ainic_core.c      life cycle, reset fan-out, ENABLE, the register file
 *   ainic_intr.c      vectors, masks, interrupt moderation
 *   ainic_eventq.c    the event queue and FATAL
 *   ainic_adminq.c    the admin queue engine and its dispatch table
 *   ainic_cmd_dev.c   admin commands on the device (IDENTIFY, PORT_CONFIG,
 *                     STATS_GET); ainic_cmd_queue.c: Q_CREATE, Q_DESTROY
 *   ainic_hostq.c     data queues, completions and doorbells
 *   ainic_txq.c       transmit: descriptors, gather, completion, budgets
 *   ainic_tso.c       the resumable TSO iterator
 *   ainic_rxq.c       receive: steering, backlogs, placement, backpressure
 *   ainic_rxcoal.c    receive coalescing of in-order TCP segments (§7.5)
 *   ainic_offload.c   pure packet parsing, checksums and flow hash
 *   ainic_wire.c      pure encapsulation and decapsulation (§8)
 *   ainic_xport.c     reliable transport: connections, states, timer;
 *                     ainic_xport_tx.c, ainic_xport_rx.c: its two sides
 *   ainic_selftest.c  the self-test registers
 *   ainic_inject.c    the core's side of the fault injector
 *   ainic_fault.c     fault specifications: parse, arm, take
 * The core keeps no global state: any number of instances may live in one
 * process.
 *
 * Threading: the embedder serialises every call into the core (QEMU: all
 * entry points run under the BQL).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_CORE_H
#define HW_NET_AINIC_CORE_H

#include "ainic_types.h"
#include "ainic_fault.h"
#include "ainic_intr.h"
#include "ainic_eventq.h"
#include "ainic_adminq.h"
#include "ainic_hostq.h"
#include "ainic_txq.h"
#include "ainic_rxq.h"
#include "ainic_rxcoal.h"
#include "ainic_selftest.h"
#include "ainic_inject.h"
#include "ainic_xport.h"

/*
 * What the embedder provides. Every callback gets the opaque pointer given
 * to ainic_core_init(). Required: dma_read, dma_write, raise_irq,
 * log_guest_error, now_ns, timer_new, timer_mod, timer_del, timer_free.
 * Optional (may be NULL): trace, send_frame.
 */
typedef struct AinicCoreOps {
    /* Device-initiated DMA; 0 on success, -1 if any byte failed */
    int (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    int (*dma_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /* Deliver MSI-X vector (< ainic_core_num_vectors()) */
    void (*raise_irq)(void *opaque, unsigned vector);
    /* The guest broke the contract; fmt has no trailing newline */
    void (*log_guest_error)(void *opaque, const char *fmt, va_list ap)
        AINIC_PRINTF(2, 0);
    void (*trace)(void *opaque, AinicTraceEvent ev, uint64_t a, uint64_t b,
                  uint64_t c, uint64_t d);
    /* Guest-visible (virtual) time in ns */
    uint64_t (*now_ns)(void *opaque);
    AinicTimer *(*timer_new)(void *opaque, AinicTimerCb *cb, void *cb_opaque);
    /* Arm (or re-arm) to fire once at absolute now_ns() time expire_ns */
    void (*timer_mod)(void *opaque, AinicTimer *t, uint64_t expire_ns);
    void (*timer_del)(void *opaque, AinicTimer *t);
    void (*timer_free)(void *opaque, AinicTimer *t);
    /*
     * Transmit one frame on the wire: 0 sent, -1 dropped, 1 queued by a
     * busy peer (the frame goes out later; the core sends nothing more
     * until the embedder calls ainic_core_tx_resume()).
     */
    int (*send_frame)(void *opaque, const void *buf, size_t len);
    /*
     * TX queue pair qp has more work than one call's budget: call
     * ainic_core_tx_process(core, qp) again soon, from a context where
     * DMA is safe (QEMU: a guarded bottom half). NULL: the embedder
     * polls ainic_core_tx_process() itself.
     */
    void (*schedule_tx)(void *opaque, unsigned qp);
    /*
     * ainic_core_receive() returned false before and RX room may have
     * appeared (buffers posted, CQ slots returned, queues changed, reset):
     * offer the held frames again (QEMU: qemu_flush_queued_packets() from
     * a bottom half). Optional.
     */
    void (*rx_ready)(void *opaque);
} AinicCoreOps;

/* Fixed at creation: properties of the QEMU device */
typedef struct AinicCoreConfig {
    uint8_t mac[6];
    uint16_t max_qps;           /* 1 .. AINIC_MAX_QPS */
    uint32_t if_version;        /* IF_VERSION register */
    uint64_t caps;
    char serial[AINIC_SERIAL_LEN];
} AinicCoreConfig;

struct AinicCore {
    const AinicCoreOps *ops;
    void *opaque;
    AinicCoreConfig cfg;
    uint32_t num_vectors;

    /* Device state (ainic_core.c) */
    uint32_t dev_ctrl;          /* AINIC_CTRL_ENABLE as last written */
    uint32_t dev_status;        /* READY, ENABLED, FATAL (LINK_UP derived) */
    uint32_t dev_error;
    bool link_up;
    uint32_t mtu;
    uint8_t mac[6];             /* current (PORT_CONFIG), permanent in cfg */
    uint32_t underlay_ip;       /* outer IPv4 source, host order */
    AinicStats stats;
    AinicQpStats qp_stats[AINIC_MAX_QPS];

    AinicVector vec[AINIC_MAX_VECTORS];     /* ainic_intr.c */
    AinicEventq eventq;                     /* ainic_eventq.c */
    AinicAdminq adminq;                     /* ainic_adminq.c */
    AinicQueue txq[AINIC_MAX_QPS];          /* ainic_hostq.c */
    AinicQueue rxq[AINIC_MAX_QPS];
    AinicQueue cq[AINIC_MAX_CQS];
    AinicTx tx;                             /* ainic_txq.c, ainic_tso.c */
    AinicRx rx;                             /* ainic_rxq.c */
    AinicRxCoal rxc;                        /* ainic_rxcoal.c */
    AinicSelftest selftest;                 /* ainic_selftest.c */
    AinicXport xport;                       /* ainic_xport*.c */
    /* Fault injector (not touched by reset: the tests own it) */
    AinicFaults faults;                     /* ainic_fault.c */
    AinicStorm storm;                       /* ainic_inject.c */
};

/*
 * Set up the core and perform a power-on reset. Returns 0, or -1 if cfg is
 * invalid (the embedder reports it) or a timer could not be created.
 */
int ainic_core_init(AinicCore *core, const AinicCoreConfig *cfg,
                    const AinicCoreOps *ops, void *opaque);
/* Release the timers and backlogs; the core may not be used afterwards */
void ainic_core_fini(AinicCore *core);
/* Device reset (all state but the link and the configuration) */
void ainic_core_reset(AinicCore *core, AinicResetKind kind);

/* BAR0, 32-bit accesses at 4-byte aligned offsets */
uint32_t ainic_core_mmio_read(AinicCore *core, uint64_t addr);
void ainic_core_mmio_write(AinicCore *core, uint64_t addr, uint32_t val);

/* Physical link state; posts LINK_CHANGE while enabled */
void ainic_core_set_link(AinicCore *core, bool up);

/*
 * A frame from the wire. Returns true if the core took it: delivered, put
 * in its RX queue's backlog, or dropped and counted (without
 * AINIC_CAP_DATAPATH every frame is dropped). Returns false only when the
 * frame's queue has a full backlog and no RX queue has room (§7.3): the
 * embedder holds the frame and offers it again after ops->rx_ready.
 */
bool ainic_core_receive(AinicCore *core, const void *buf, size_t len);
/* Whether receive() may take a frame now (false: hold frames) */
bool ainic_core_can_receive(AinicCore *core);
/* Consume up to AINIC_TX_BUDGET frames of TX queue pair qp */
void ainic_core_tx_process(AinicCore *core, unsigned qp);
/* The peer took the frames it had queued: transmit again (all queues) */
void ainic_core_tx_resume(AinicCore *core);

/*
 * Fault injector (tests only, never guest MMIO): apply an x-fault value,
 * "off" or "KIND[:COUNT[:ARG]]" (ainic_fault.h, spec appendix A). Returns
 * 0, or -1 with the reason in err.
 */
int ainic_core_fault_inject(AinicCore *core, const char *spec, char *err,
                            size_t errlen);
/* The armed faults as an x-fault value would name them, or "off" */
void ainic_core_fault_describe(const AinicCore *core, char *buf, size_t len);
/* Faults injected so far, every kind (the x-fault-fired property) */
uint64_t ainic_core_faults_fired(const AinicCore *core);
/*
 * Admin commands the device executed since the last reset (the
 * x-admin-cmds property: tests hold the driver's own tally to it)
 */
uint64_t ainic_core_admin_cmds(const AinicCore *core);

/*
 * A completion queue on vector v has n new entries: raise v subject to
 * masking and moderation (data path entry point; vector 0 is never
 * moderated).
 */
void ainic_core_cq_notify(AinicCore *core, unsigned vector, uint32_t n);

static inline uint32_t ainic_core_num_vectors(const AinicCore *core)
{
    return core->num_vectors;
}

#endif /* HW_NET_AINIC_CORE_H */
