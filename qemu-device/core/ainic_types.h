/*
 * ainic: definitions shared by the modules of the device core and its
 * embedders: limits, the trace and reason enums, the embedder's timer
 * handle, and the device-wide counters.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_TYPES_H
#define HW_NET_AINIC_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ainic_if.h>

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

/*
 * Timers the core creates: one per queue vector, admin-late, irq-storm,
 * the transport's, its retransmit watchdog and receive coalescing's
 */
#define AINIC_CORE_TIMERS       (AINIC_MAX_QPS + 5)

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
    AINIC_TRACE_CONN_STATE,     /* a: conn, b: old state, c: new state */
    AINIC_TRACE_XPORT_TX,       /* a: conn, b: psn, c: 1 retransmission */
    AINIC_TRACE_XPORT_TIMER_RECOVERED, /* a: conn, b: ns overdue */
    AINIC_TRACE_RXC_OPEN,       /* a: qp, b: length, c: TCP seq */
    AINIC_TRACE_RXC_FLUSH,      /* a: qp, b: segments, c: length, d: why */
} AinicTraceEvent;
#define AINIC_TRACE_NR          (AINIC_TRACE_RXC_FLUSH + 1)

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

/* The core; every module's functions take it */
typedef struct AinicCore AinicCore;

/* A ring the device registers describe (admin and event queues) */
typedef struct AinicRing {
    uint64_t base;
    uint32_t size;              /* entries, power of 2 */
    uint32_t head;              /* consumer index */
    uint32_t tail;              /* producer index */
    uint8_t color;              /* producer's colour (device-written rings) */
} AinicRing;

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
    /* Reliable transport, as struct ainic_dev_stats */
    uint64_t xport_tx_pkts, xport_tx_bytes, xport_rx_pkts, xport_rx_bytes;
    uint64_t xport_retx_fast, xport_retx_timeout, xport_rto_expired;
    uint64_t xport_nacks_sent, xport_nacks_rcvd;
    uint64_t xport_acks_sent, xport_acks_rcvd;
    uint64_t xport_dup_dropped, xport_ooo_buffered, xport_out_of_window;
    uint64_t xport_rnr_sent, xport_rnr_rcvd, xport_bad_acks;
    uint64_t xport_unknown_conn, xport_retry_exhausted;
    uint64_t xport_conns_created, xport_conns_reaped, xport_conns_refused;
    uint64_t xport_error_drops, xport_malformed;
    uint64_t xport_timer_recovered;
    /* Receive coalescing (§7.5) */
    uint64_t rx_coalesced_frames, rx_coalesced_segs;
    uint64_t rx_coalesce_flush_timer, rx_coalesce_flush_limit;
    uint64_t rx_coalesce_flush_psh, rx_coalesce_flush_mismatch;
    uint64_t rx_coalesce_flush_other;
    /* Reliable transport, continued */
    uint64_t xport_rnr_dropped;
} AinicStats;

/* Per queue pair counters (STATS_GET, struct ainic_qp_stats) */
typedef struct AinicQpStats {
    uint64_t rx_backlogged;
    uint64_t rx_backlog_drops;
} AinicQpStats;

#endif /* HW_NET_AINIC_TYPES_H */
