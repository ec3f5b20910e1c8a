/*
 * ainic: receive (§7.3): steering, per-queue backlogs, placement into
 * the host's buffers, backpressure on the port.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_RXQ_H
#define HW_NET_AINIC_RXQ_H

#include "ainic_types.h"

/* Frames held for one RX queue, oldest first (malloc'd copies) */
typedef struct AinicRxBacklog {
    uint8_t *frame[AINIC_RX_BACKLOG];
    uint32_t len[AINIC_RX_BACKLOG];
    uint8_t head;
    uint8_t count;
} AinicRxBacklog;

typedef struct AinicRx {
    bool blocked;               /* receive() refused a frame */
    AinicRxBacklog backlog[AINIC_MAX_QPS];
    uint32_t backlog_bytes;     /* in every backlog */
} AinicRx;

typedef enum AinicRxPlace {
    AINIC_RX_PLACED,            /* in host memory (or dropped on DMA error) */
    AINIC_RX_NO_ROOM,           /* its queue has no room now: try later */
    AINIC_RX_LOST,              /* no queue can take it, ever: dropped */
} AinicRxPlace;

/* A merged frame (§7.5): what its CQEs and the counters say */
typedef struct AinicRxMeta {
    uint16_t segs;              /* wire segments in it */
    uint16_t cflags;            /* COALESCED, TSO_IPV6 on the EOP CQE */
    uint32_t wire_bytes;        /* their lengths as received */
} AinicRxMeta;

/*
 * Write one frame into q's buffers (room checked by the caller) and post
 * its CQEs. m: a merged frame, its checksum known good; NULL: a plain one.
 */
void ainic_rx_deliver(AinicCore *core, AinicQueue *q, const uint8_t *inner,
                      uint32_t ilen, const AinicRxMeta *m);
/* Buffers q could take now: posted and CQ slots, less the reservations */
uint32_t ainic_rxq_free_bufs(AinicCore *core, const AinicQueue *q);
/* Place one inner frame from the transport into its RX queue */
AinicRxPlace ainic_rx_place(AinicCore *core, const uint8_t *inner,
                            uint32_t ilen);
/* Drop every backlog, uncounted (reset, fini) */
void ainic_rx_reset(AinicCore *core);
/* Room may have appeared: let the embedder offer held frames again */
void ainic_rx_kick(AinicCore *core);
/* Deliver qp's backlog as far as its room goes */
void ainic_rx_drain(AinicCore *core, unsigned qp);
/* Empty qp's backlog; count: as dropped (its RXQ was destroyed) */
void ainic_rxb_flush(AinicCore *core, unsigned qp, bool count);

#endif /* HW_NET_AINIC_RXQ_H */
