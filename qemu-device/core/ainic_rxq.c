/*
 * ainic: receive (§7.3): decapsulation, steering by flow hash over the RX
 * queues that exist, multi-buffer placement and CQEs, per-queue backlogs
 * bounded per queue and per device, and backpressure on the port only when
 * no queue has room. The RX faults of the injector act here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"
#include "ainic_wire.h"
#include "ainic_rxcoal.h"

/* Room may have appeared: let the embedder offer held frames again */
void ainic_rx_kick(AinicCore *core)
{
    if (core->rx.blocked) {
        core->rx.blocked = false;
        if (core->ops->rx_ready) {
            core->ops->rx_ready(core->opaque);
        }
    }
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
    k = ainic_flow_hash(f, len, &hash) ? hash % count : 0;
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

uint32_t ainic_rxq_free_bufs(AinicCore *core, const AinicQueue *q)
{
    uint32_t bufs = ainic_ring_used(q);
    uint32_t slots = ainic_cq_free(&core->cq[q->cq_id]);
    uint32_t n = bufs < slots ? bufs : slots;
    uint32_t res = ainic_rxc_reserved(&core->rxc, q->qid);

    return n > res ? n - res : 0;
}

/* Room for an nbuf-buffer frame beyond what open aggregates reserved */
static bool rxq_has_room(AinicCore *core, const AinicQueue *q, uint32_t nbuf)
{
    return ainic_rxq_free_bufs(core, q) >= nbuf;
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
           rxq_has_room(core, q, 1);
}

static bool rxb_has_space(const AinicCore *core, unsigned qp, uint32_t len)
{
    return core->rx.backlog[qp].count < AINIC_RX_BACKLOG &&
           len <= AINIC_RX_BACKLOG_BYTES - core->rx.backlog_bytes;
}

/* Take the oldest frame out of qp's backlog (the caller frees it) */
static uint8_t *rxb_pop(AinicCore *core, unsigned qp, uint32_t *len)
{
    AinicRxBacklog *b = &core->rx.backlog[qp];
    uint8_t *f = b->frame[b->head];

    *len = b->len[b->head];
    b->frame[b->head] = NULL;
    b->head = (b->head + 1) % AINIC_RX_BACKLOG;
    b->count--;
    core->rx.backlog_bytes -= *len;
    return f;
}

/*
 * Empty qp's backlog without delivering it (RXQ destroyed: counted as
 * dropped; reset or fini: count false, the counters go anyway).
 */
void ainic_rxb_flush(AinicCore *core, unsigned qp, bool count)
{
    while (core->rx.backlog[qp].count) {
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
 * (§7.3, §7.5). The rx-short and rx-corrupt faults change what the CQEs
 * say, never what the device does with its rings.
 */
void ainic_rx_deliver(AinicCore *core, AinicQueue *q, const uint8_t *inner,
                      uint32_t ilen, const AinicRxMeta *m)
{
    AinicQueue *cq = &core->cq[q->cq_id];
    uint32_t nbuf = rx_nbuf(q, ilen), i, off, csum_ok = 0, posted = 0;
    uint16_t eop_flags = m ? m->cflags : 0, segs = m ? m->segs : 1;
    bool ok = true, runt;

    if (m) {
        csum_ok = AINIC_CQE_F_CSUM_OK;  /* verified per segment (§7.5) */
    } else if (core->cfg.caps & AINIC_CAP_RX_CSUM) {
        csum_ok = ainic_rx_csum_ok(inner, ilen) ? AINIC_CQE_F_CSUM_OK : 0;
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
            cflags |= csum_ok | eop_flags;
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
        if (ainic_cqe_post(core, cq, AINIC_QTYPE_RXQ, q->qid, cidx, clen,
                           cflags, (cflags & AINIC_CQE_F_COALESCED) ? segs : 0,
                           status)) {
            ok = false;
            break;
        }
        posted++;
        q->cons = (q->cons + 1) & (q->size - 1);
        off += chunk;
        ok = !status;
    }
    ainic_cq_irq(core, cq, posted);
    if (!ok) {
        rx_drop(core, ilen, AINIC_RX_DROP_DMA);
        core->stats.rx_dropped += segs - 1u;
        return;
    }
    core->stats.rx_packets += segs;
    core->stats.rx_bytes += m ? m->wire_bytes : ilen;
    trace(core, AINIC_TRACE_RX_FRAME, q->qid, ilen, nbuf, 0);
}

/* Deliver qp's backlog, oldest first, as far as its room goes */
void ainic_rx_drain(AinicCore *core, unsigned qp)
{
    AinicRxBacklog *b = &core->rx.backlog[qp];
    AinicQueue *q = &core->rxq[qp];

    while (b->count && datapath_ready(core) && q->active && !q->broken &&
           !core->cq[q->cq_id].broken &&
           rxq_has_room(core, q, rx_nbuf(q, b->len[b->head]))) {
        uint32_t len;
        uint8_t *f = rxb_pop(core, qp, &len);

        ainic_rx_deliver(core, q, f, len, NULL);
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

    if (!datapath_ready(core) || (core->cfg.caps & AINIC_CAP_RELIABLE)) {
        return true;        /* taken and dropped, or never held (above) */
    }
    if (core->rx.blocked) {
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
        core->rx.blocked = true;
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
AinicRxPlace ainic_rx_place(AinicCore *core, const uint8_t *inner,
                            uint32_t ilen)
{
    AinicQueue *q = rx_pick(core, inner, ilen), *cq;
    uint32_t nbuf;

    if (!q || q->broken || core->cq[q->cq_id].broken) {
        rx_drop(core, ilen, AINIC_RX_DROP_NO_QUEUE);
        return AINIC_RX_LOST;
    }
    cq = &core->cq[q->cq_id];
    nbuf = rx_nbuf(q, ilen);
    if (nbuf > q->size - 1 || nbuf > cq->size - 1) {
        rx_drop(core, ilen, AINIC_RX_DROP_NO_QUEUE);    /* never fits */
        return AINIC_RX_LOST;
    }
    if (ainic_rxc_offer(core, q, inner, ilen)) {
        return AINIC_RX_PLACED;         /* held in reserved buffers */
    }
    if (!rxq_has_room(core, q, nbuf)) {
        /* What is held must not wait behind what waits (§7.5) */
        ainic_rxc_flush_queue(core, q->qid, AINIC_RXC_FLUSH_OTHER);
        return AINIC_RX_NO_ROOM;
    }
    ainic_rx_deliver(core, q, inner, ilen, NULL);
    return AINIC_RX_PLACED;
}

/*
 * A transport packet: the transport takes it (DATA to the receive side,
 * ACK and NACK to the send side); without the capability it is not an
 * ainic packet this device understands. x-fault xport-ack-drop loses
 * ACKs and NACKs here, between the wire and the transport.
 */
static void rx_transport(AinicCore *core, const AinicWirePkt *pkt,
                         size_t len)
{
    if (!(core->cfg.caps & AINIC_CAP_RELIABLE)) {
        rx_drop(core, len, AINIC_RX_DROP_MALFORMED);
        return;
    }
    if (pkt->type == AINIC_PKT_DATA) {
        ainic_xport_rx_data(core, pkt);
    } else if (ainic_fault_take_nth(&core->faults,
                                    AINIC_FAULT_XPORT_ACK_DROP)) {
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_XPORT_ACK_DROP,
              pkt->ack_psn, pkt->type, 0);
    } else {
        ainic_xport_rx_ack(core, pkt);
    }
}

bool ainic_core_receive(AinicCore *core, const void *buf, size_t len)
{
    const uint8_t *inner;
    uint32_t ilen, nbuf;
    AinicQueue *q, *cq;
    AinicRxBacklog *b;
    AinicWirePkt pkt;
    uint8_t *copy;

    if (!datapath_ready(core)) {
        rx_drop(core, len, AINIC_RX_DROP_NO_DATAPATH);
        return true;
    }
    if (!ainic_wire_parse(buf, len, &pkt)) {
        rx_drop(core, len, AINIC_RX_DROP_MALFORMED);
        return true;
    }
    switch (pkt.type) {
    case AINIC_PKT_RAW:
        break;
    case AINIC_PKT_DATA:
    case AINIC_PKT_ACK:
    case AINIC_PKT_NACK:
        rx_transport(core, &pkt, len);
        return true;
    default:
        rx_drop(core, len, AINIC_RX_DROP_MALFORMED);
        return true;
    }
    if (pkt.payload_len < ETH_HLEN) {
        rx_drop(core, len, AINIC_RX_DROP_MALFORMED);
        return true;
    }
    inner = pkt.payload;
    ilen = pkt.payload_len;
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
    b = &core->rx.backlog[q->qid];
    if (!b->count && ainic_rxc_offer(core, q, inner, ilen)) {
        return true;
    }
    if (!b->count && rxq_has_room(core, q, nbuf)) {
        ainic_rx_deliver(core, q, inner, ilen, NULL);
        return true;
    }
    /* The backlog's way: what coalescing holds goes first (§7.5) */
    ainic_rxc_flush_queue(core, q->qid, AINIC_RXC_FLUSH_OTHER);
    copy = rxb_has_space(core, q->qid, ilen) ? malloc(ilen) : NULL;
    if (copy) {
        memcpy(copy, inner, ilen);
        b->frame[(b->head + b->count) % AINIC_RX_BACKLOG] = copy;
        b->len[(b->head + b->count) % AINIC_RX_BACKLOG] = ilen;
        b->count++;
        core->rx.backlog_bytes += ilen;
        core->qp_stats[q->qid].rx_backlogged++;
        trace(core, AINIC_TRACE_RX_BACKLOG, q->qid, ilen, b->count, 0);
        return true;
    }
    /*
     * Holding the port would hold the transport's ACKs behind RAW frames
     * (broadcasts with a transport): drop those instead.
     */
    if (rx_all_full(core) && !(core->cfg.caps & AINIC_CAP_RELIABLE)) {
        core->rx.blocked = true;
        trace(core, AINIC_TRACE_RX_HOLD, q->qid, ilen, 0, 0);
        return false;
    }
    core->qp_stats[q->qid].rx_backlog_drops++;
    rx_drop(core, len, AINIC_RX_DROP_BACKLOG);
    return true;
}

void ainic_rx_reset(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_QPS; i++) {
        ainic_rxb_flush(core, i, false);
    }
}
