/*
 * ainic: portable device core of the AI NIC model
 *
 * Plain C11 with no QEMU headers, so that the same code runs inside QEMU
 * (hw/net/ainic/ainic.c supplies the ops) and in host unit tests
 * (tests/unit/). The behaviour implemented is uapi/ainic-device.md; the
 * layouts are uapi/linux/ainic_if.h.
 *
 * Threading: the embedder serialises every call into the core (QEMU: all
 * entry points run under the BQL).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_CORE_H
#define HW_NET_AINIC_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ainic_if.h>

#include "ainic_fault.h"

/* Plain C11 core: the format check is an optional compiler extension */
#if defined(__GNUC__)
#define AINIC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AINIC_PRINTF(a, b)
#endif

#define AINIC_DEFAULT_MTU       1500
#define AINIC_MIN_MTU           68
#define AINIC_MAX_MTU           9000
#define AINIC_MAX_SG            16
#define AINIC_LINK_SPEED_MBPS   100000
#define AINIC_ADMIN_TIMEOUT_MS  1000
#define AINIC_RXQ_MIN_BUF       256
#define AINIC_RXQ_MAX_BUF       65536
#define AINIC_FW_VERSION        "1.0.0"
#define AINIC_MODEL             "ainic-qemu"
#define AINIC_CAPS_V1           (AINIC_CAP_SELFTEST | AINIC_CAP_EVENTQ)

/* Data path */
#define AINIC_TX_BUDGET         256     /* frames per ainic_core_tx_process */
/* Wire segments (and failed frames) per ainic_core_tx_process */
#define AINIC_TX_SEG_BUDGET     1024
#define AINIC_ENCAP_LEN         74      /* Ethernet + IPv4 + UDP + xport */
#define AINIC_TX_BUF_MAX        (2 * 65536)
#define AINIC_WIRE_BUF_MAX      (AINIC_ENCAP_LEN + AINIC_MAX_MTU + 18 + 64)

/* Completion queues: two per queue pair (2n: TX, 2n + 1: RX) */
#define AINIC_MAX_CQS           (2 * AINIC_MAX_QPS)

/*
 * RX backlog (§7.3): frames for an RX queue without room wait in the
 * device, at most this many per queue and this many bytes per device.
 */
#define AINIC_RX_BACKLOG        8
#define AINIC_RX_BACKLOG_BYTES  (1024 * 1024)

/* Timers the core creates: one per queue vector, admin-late, irq-storm */
#define AINIC_CORE_TIMERS       (AINIC_MAX_QPS + 2)

/* Events for the embedder's trace hook; arguments as documented */
typedef enum AinicTraceEvent {
    AINIC_TRACE_RESET,          /* a: AinicResetKind */
    AINIC_TRACE_ENABLE,         /* a: DEV_ERROR (0: accepted) */
    AINIC_TRACE_FATAL,          /* a: DEV_ERROR */
    AINIC_TRACE_ADMIN_CMD,      /* a: opcode, b: cmd_id, c: status, d: result */
    AINIC_TRACE_EVENT_POSTED,   /* a: code, b: data, c: EQ slot */
    AINIC_TRACE_EVENT_DROPPED,  /* a: code, b: data */
    AINIC_TRACE_IRQ,            /* a: vector, b: AinicIrqDisposition */
    AINIC_TRACE_SELFTEST,       /* a: AinicSelftestOp, b: arg, c: status */
    AINIC_TRACE_QUEUE_CREATE,   /* a: qtype, b: qid, c: log2_entries */
    AINIC_TRACE_QUEUE_DESTROY,  /* a: qtype, b: qid */
    AINIC_TRACE_DOORBELL,       /* a: qtype, b: qid, c: index */
    AINIC_TRACE_LINK,           /* a: 1 up, 0 down */
    AINIC_TRACE_RX_DROP,        /* a: frame length, b: AinicRxDropReason */
    AINIC_TRACE_TX_FRAME,       /* a: qp, b: inner length, c: psn */
    AINIC_TRACE_TX_ERROR,       /* a: qp, b: EOP descriptor, c: status */
    AINIC_TRACE_RX_FRAME,       /* a: qp, b: inner length, c: buffers */
    AINIC_TRACE_RX_HOLD,        /* a: qp, b: length (every queue full: held) */
    AINIC_TRACE_RX_BACKLOG,     /* a: qp, b: length, c: backlog depth */
    AINIC_TRACE_TSO_PAUSE,      /* a: qp, b: segments sent, c: payload offset */
    AINIC_TRACE_FAULT,          /* a: AinicFaultKind, b: detail (kind's) */
} AinicTraceEvent;
#define AINIC_TRACE_NR          (AINIC_TRACE_FAULT + 1)

typedef enum AinicRxDropReason {
    AINIC_RX_DROP_NO_DATAPATH,  /* not enabled, link down, no data path */
    AINIC_RX_DROP_MALFORMED,    /* not an ainic RAW packet (rx_errors) */
    AINIC_RX_DROP_NO_QUEUE,     /* no RX queue, or the frame can never fit */
    AINIC_RX_DROP_DMA,          /* a buffer or descriptor was unusable */
    AINIC_RX_DROP_BACKLOG,      /* the queue's backlog was full */
} AinicRxDropReason;

typedef enum AinicResetKind {
    AINIC_RESET_POWER_ON,       /* realize or system reset (Resettable) */
    AINIC_RESET_DEV_CTRL,       /* DEV_CTRL.RESET or ENABLE cleared */
} AinicResetKind;

typedef enum AinicIrqDisposition {
    AINIC_IRQ_DELIVERED,        /* ops->raise_irq called */
    AINIC_IRQ_PENDING,          /* masked: remembered until unmask */
    AINIC_IRQ_COALESCED,        /* held back by moderation */
} AinicIrqDisposition;

typedef enum AinicSelftestOp {
    AINIC_SELFTEST_ECHO,
    AINIC_SELFTEST_IRQ,
    AINIC_SELFTEST_DMA,         /* b: DMA opcode */
} AinicSelftestOp;

/* Opaque timer handle owned by the embedder */
typedef struct AinicTimer AinicTimer;
typedef void AinicTimerCb(void *cb_opaque);

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

typedef struct AinicRing {
    uint64_t base;
    uint32_t size;              /* entries, power of 2 */
    uint32_t head;              /* consumer index */
    uint32_t tail;              /* producer index */
    uint8_t color;              /* producer's colour (device-written rings) */
} AinicRing;

/*
 * A TX/RX ring or a completion queue. prod/cons follow the doorbells:
 * for TXQ/RXQ the driver is the producer (prod from the doorbell, cons the
 * device); for a CQ the device produces and the driver's doorbell moves
 * cons. The data path (AINIC_CAP_DATAPATH) works on this state.
 */
/*
 * A TSO frame being cut into segments (§7.2). It lives in its TXQ so that
 * a call that runs out of segment budget, or finds the wire busy, resumes
 * where it stopped; the gathered frame is in AinicCore.tx_buf while
 * tx_buf_owner names this queue, and is gathered again otherwise.
 */
typedef struct AinicTxIter {
    bool active;                /* the frame at the queue's cons */
    bool done;                  /* all segments out (or failed): CQE due */
    uint8_t status;             /* of the CQE */
    bool v6;
    uint16_t n;                 /* descriptors of the frame */
    uint16_t eop;
    uint32_t flen;              /* gathered bytes */
    /* The SOP descriptor's offload fields, checked again on a re-gather */
    uint16_t flags, csum_start, csum_offset, mss, hdr_len;
    uint16_t l3, ihl, ip_id;
    uint8_t tcp_flags;
    uint32_t seq;
    uint32_t off;               /* next payload byte, hdr_len .. flen */
    uint32_t seg;               /* segments sent */
} AinicTxIter;

typedef struct AinicQueue {
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
    AinicTxIter tso;            /* TXQ */
} AinicQueue;

/* Frames held for one RX queue, oldest first (malloc'd copies) */
typedef struct AinicRxBacklog {
    uint8_t *frame[AINIC_RX_BACKLOG];
    uint32_t len[AINIC_RX_BACKLOG];
    uint8_t head;
    uint8_t count;
} AinicRxBacklog;

/* Per queue pair counters (STATS_GET, struct ainic_qp_stats) */
typedef struct AinicQpStats {
    uint64_t rx_backlogged;
    uint64_t rx_backlog_drops;
} AinicQpStats;

struct AinicCore;

typedef struct AinicVector {
    struct AinicCore *core;     /* back-pointer for the timer callback */
    unsigned index;
    bool masked;
    bool pending;               /* raised while masked */
    uint32_t coal_usecs;
    uint32_t coal_frames;
    uint32_t coal_count;        /* completions since the last interrupt */
    bool coal_armed;
    AinicTimer *coal_timer;
} AinicVector;

typedef struct AinicStats {
    uint64_t admin_cmds;
    uint64_t admin_errors;
    uint64_t events;
    uint64_t events_dropped;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t tx_errors;
    uint64_t rx_dropped;
    uint64_t rx_errors;
} AinicStats;

typedef struct AinicCore {
    const AinicCoreOps *ops;
    void *opaque;
    AinicCoreConfig cfg;
    uint32_t num_vectors;

    /* Register state */
    uint32_t dev_ctrl;          /* AINIC_CTRL_ENABLE as last written */
    uint32_t dev_status;        /* READY, ENABLED, FATAL (LINK_UP derived) */
    uint32_t dev_error;
    uint32_t asq_base_lo, asq_base_hi, asq_size;
    uint32_t acq_base_lo, acq_base_hi, acq_size;
    uint32_t eq_base_lo, eq_base_hi, eq_size;
    uint32_t test_echo;
    uint32_t test_dma_addr_lo, test_dma_addr_hi;
    uint32_t test_dma_len, test_dma_pattern, test_dma_status;

    /* Rings latched at ENABLE */
    AinicRing asq;              /* tail: driver, head: device */
    AinicRing acq;              /* tail: device */
    AinicRing eq;               /* tail: device, head: driver */

    bool link_up;
    uint32_t mtu;
    uint8_t mac[6];             /* current (PORT_CONFIG), permanent in cfg */

    AinicVector vec[AINIC_MAX_VECTORS];
    AinicQueue txq[AINIC_MAX_QPS];
    AinicQueue rxq[AINIC_MAX_QPS];
    AinicQueue cq[AINIC_MAX_CQS];
    AinicStats stats;
    AinicQpStats qp_stats[AINIC_MAX_QPS];

    /* Data path */
    uint32_t underlay_ip;       /* outer IPv4 source, host order */
    uint32_t tx_psn;            /* RAW packet sequence number */
    uint16_t tx_ip_id;          /* outer IPv4 identification */
    bool rx_blocked;            /* receive() refused a frame */
    bool wire_busy;             /* send_frame() returned 1 */
    int tx_buf_owner;           /* TXQ whose frame is in tx_buf, -1: none */
    AinicRxBacklog rxb[AINIC_MAX_QPS];
    uint32_t rxb_bytes;         /* in every backlog */

    /* Fault injector (not touched by reset: the tests own it) */
    AinicFaults faults;
    bool admin_late;            /* a completion waits for admin_timer */
    uint8_t late_comp[sizeof(struct ainic_admin_comp)];
    AinicTimer *admin_timer;
    uint32_t storm_rounds;      /* irq-storm rounds still to raise */
    uint32_t storm_interval_us;
    AinicTimer *storm_timer;

    /* Scratch buffer for TEST_DMA, kept off the stack */
    uint8_t dma_buf[AINIC_TEST_DMA_MAX];
    /* A gathered TX frame (TSO: up to 65535 + hdr_len bytes) */
    uint8_t tx_buf[AINIC_TX_BUF_MAX];
    /* One encapsulated frame on its way to the wire */
    uint8_t wire_buf[AINIC_WIRE_BUF_MAX];
} AinicCore;

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
