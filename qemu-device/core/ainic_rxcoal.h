/*
 * ainic: receive coalescing (§7.5, AINIC_CAP_RX_COALESCE): in-order TCP
 * segments of a flow merged into one frame before placement, with the
 * host buffers they will need reserved on their RX queue.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_RXCOAL_H
#define HW_NET_AINIC_RXCOAL_H

#include "ainic_types.h"

/* Open aggregates per RX queue; a new flow beyond them flushes the oldest */
#define AINIC_RXC_FLOWS         4
/*
 * Segments per aggregate: at MTU 1500 (MSS 1448) 32 make 46 KiB, close to
 * the 64 KiB IP bound, while the host's TCP still sees an ACK-worthy event
 * every 32 segments; small segments cannot make the host wait long.
 */
#define AINIC_RXC_MAX_SEGS      32
/* IPv4 total length (IPv6 payload length) of an aggregate */
#define AINIC_RXC_MAX_IPLEN     65535
/* Largest merged frame: Ethernet + IPv6 + 65535 bytes of payload length */
#define AINIC_RXC_BUF_MAX       (14 + 40 + AINIC_RXC_MAX_IPLEN)

typedef enum AinicRxcFlush {
    AINIC_RXC_FLUSH_TIMER,      /* end of the burst */
    AINIC_RXC_FLUSH_LIMIT,      /* segments, bytes, buffers or room */
    AINIC_RXC_FLUSH_PSH,
    AINIC_RXC_FLUSH_MISMATCH,   /* a frame of the flow that did not join */
    AINIC_RXC_FLUSH_OTHER,      /* off, backlog, no room, a new flow */
    AINIC_RXC_FLUSH_DROP,       /* Q_DESTROY: dropped and counted */
} AinicRxcFlush;

/* One open aggregate: the merged frame so far, in device memory */
typedef struct AinicRxcAgg {
    uint8_t *buf;               /* NULL: slot free */
    uint32_t len;               /* bytes of the merged frame */
    uint32_t l4;                /* TCP header offset */
    uint32_t hdr_len;           /* Ethernet + IP + TCP of the first segment */
    bool v6;
    uint32_t next_seq;          /* sequence number that may join */
    uint8_t last_ack[4];        /* of the last segment (network order) */
    uint8_t last_win[2];
    uint8_t last_flags;
    uint16_t segs;
    uint32_t wire_bytes;        /* frame lengths as received */
    uint32_t nbuf;              /* host buffers (and CQ slots) reserved */
    uint64_t age;               /* open order, for eviction */
} AinicRxcAgg;

typedef struct AinicRxcQueue {
    AinicRxcAgg agg[AINIC_RXC_FLOWS];
    uint8_t open;
    uint32_t reserved;          /* nbuf of every open aggregate */
} AinicRxcQueue;

typedef struct AinicRxCoal {
    bool on;                    /* PORT_CONFIG rx_coalesce */
    uint8_t max_bufs;           /* PORT_CONFIG rx_coalesce_max_bufs */
    AinicTimer *timer;          /* zero delay: the end of a burst */
    bool timer_armed;
    uint32_t open;              /* aggregates open on every queue */
    uint64_t next_age;
    AinicRxcQueue q[AINIC_MAX_QPS];
} AinicRxCoal;

int ainic_rxc_init(AinicCore *core);
void ainic_rxc_fini(AinicCore *core);
/* Drop every aggregate uncounted, coalescing off (device reset) */
void ainic_rxc_reset(AinicCore *core);
/* PORT_CONFIG (validated): off or another limit flushes what is open */
void ainic_rxc_configure(AinicCore *core, bool on, uint8_t max_bufs);
/*
 * A frame for RX queue q (usable, frame known to fit the rings): true if
 * coalescing took it (it is in an aggregate, or was placed with one). A
 * frame it does not take first flushes its flow's aggregate, so the
 * caller places it the normal way after everything of its flow.
 */
bool ainic_rxc_offer(AinicCore *core, AinicQueue *q, const uint8_t *f,
                     uint32_t len);
/* Place every open aggregate of queue pair qp */
void ainic_rxc_flush_queue(AinicCore *core, unsigned qp, AinicRxcFlush why);
/* Drop the aggregates of qp, counted (its RXQ is destroyed) */
void ainic_rxc_drop_queue(AinicCore *core, unsigned qp);
/* Host buffers (and CQ slots) reserved on qp's RX queue */
static inline uint32_t ainic_rxc_reserved(const AinicRxCoal *rxc, unsigned qp)
{
    return rxc->q[qp].reserved;
}

#endif /* HW_NET_AINIC_RXCOAL_H */
