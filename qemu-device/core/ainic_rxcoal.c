/*
 * ainic: receive coalescing (§7.5). Eligible TCP segments of a flow are
 * copied into an aggregate in device memory while the host buffers the
 * merged frame will need are reserved on its RX queue; the aggregate is
 * written to them (one multi-buffer frame, COALESCED on its EOP CQE) on
 * PSH, a limit, a frame of the flow that cannot join, or at the latest
 * when the zero-delay timer ends the burst. Both RAW delivery and the
 * transport's in-order placement come through ainic_rxc_offer().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"

#define TCP_ACK_        0x10
#define TCP_HLEN_MIN    20

/* What the coalescer needs of a frame */
typedef struct RxcSeg {
    bool key;                   /* TCP over untagged IP: flow fields valid */
    bool no_ports;              /* ...but only its addresses */
    bool ok;                    /* eligible to open or join an aggregate */
    bool v6;
    uint32_t l4;                /* TCP header offset */
    uint32_t thl;               /* TCP header length */
    uint32_t seg_len;           /* Ethernet + IP length (padding excluded) */
    uint32_t plen;              /* TCP payload bytes */
    uint32_t seq;
    uint8_t flags;
    uint32_t wire;              /* the frame's length as received */
} RxcSeg;

/* IPv6 extension headers: a TCP flow behind them has no ports we read */
static bool ip6_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 50 || nh == 51 ||
           nh == 60 || nh == 135;
}

static void rxc_parse(const uint8_t *f, uint32_t len, RxcSeg *s)
{
    const uint8_t *ip = f + ETH_HLEN, *t;
    uint16_t etype;
    uint32_t ihl;

    memset(s, 0, sizeof(*s));
    if (len < ETH_HLEN + IP4_HLEN + TCP_HLEN_MIN) {
        return;
    }
    etype = be16(f + 12);
    if (etype == ETHERTYPE_IPV4) {
        ihl = (ip[0] & 0xf) * 4u;
        if ((ip[0] >> 4) != 4 || ihl < IP4_HLEN || ip[9] != IPPROTO_TCP_) {
            return;
        }
        s->key = true;
        s->l4 = ETH_HLEN + ihl;
        if ((be16(ip + 6) & 0x1fff) || len < s->l4 + TCP_HLEN_MIN) {
            s->no_ports = true; /* a later fragment: addresses only */
            return;
        }
        s->seg_len = ETH_HLEN + be16(ip + 2);
        /* Options or a first fragment: the flow is known, not eligible */
        s->ok = ihl == IP4_HLEN && !(be16(ip + 6) & 0x2000);
    } else if (etype == ETHERTYPE_IPV6) {
        if (len < ETH_HLEN + IP6_HLEN + TCP_HLEN_MIN || (ip[0] >> 4) != 6) {
            return;
        }
        s->v6 = true;
        if (ip6_ext(ip[6])) {
            s->key = true;
            s->no_ports = true;
            return;
        }
        if (ip[6] != IPPROTO_TCP_) {
            return;
        }
        s->key = true;
        s->l4 = ETH_HLEN + IP6_HLEN;
        s->seg_len = s->l4 + be16(ip + 4);
        s->ok = true;
    } else {
        return;
    }
    t = f + s->l4;
    s->thl = (t[12] >> 4) * 4u;
    s->seq = be32(t + 4);
    s->flags = t[13];
    if (!s->ok || s->seg_len > len || s->thl < TCP_HLEN_MIN ||
        s->l4 + s->thl >= s->seg_len || (t[12] & 0x0f) ||
        (s->flags & ~TCP_PSH) != TCP_ACK_) {
        s->ok = false;
        return;
    }
    s->plen = s->seg_len - s->l4 - s->thl;
    s->ok = ainic_rx_csum_ok(f, len);
}

static bool rxc_same_flow(const AinicRxcAgg *a, const uint8_t *f,
                          const RxcSeg *s)
{
    const uint8_t *b = a->buf;

    if (a->v6 != s->v6 || memcmp(f, b, ETH_HLEN) ||
        (!s->no_ports && memcmp(f + s->l4, b + a->l4, 4))) {
        return false;
    }
    return s->v6 ? !memcmp(f + ETH_HLEN + 8, b + ETH_HLEN + 8, 32)
                 : !memcmp(f + ETH_HLEN + 12, b + ETH_HLEN + 12, 8);
}

/* The segment may follow the aggregate: §7.5's rules but the limits */
static bool rxc_can_join(const AinicRxcAgg *a, const uint8_t *f,
                         const RxcSeg *s)
{
    const uint8_t *ip = f + ETH_HLEN, *aip = a->buf + ETH_HLEN;

    if (!s->ok || s->seq != a->next_seq || s->l4 + s->thl != a->hdr_len ||
        memcmp(f + s->l4 + TCP_HLEN_MIN, a->buf + a->l4 + TCP_HLEN_MIN,
               s->thl - TCP_HLEN_MIN)) {
        return false;
    }
    if (s->v6) {
        return !memcmp(ip, aip, 4) && ip[7] == aip[7];
    }
    return ip[1] == aip[1] && ip[8] == aip[8] &&
           (be16(ip + 6) & IP_DF) == (be16(aip + 6) & IP_DF);
}

static uint32_t rxc_nbuf(const AinicQueue *q, uint32_t len)
{
    return (len + q->buf_size - 1) / q->buf_size;
}

/* The headers of the merged frame (§7.5 "The frame") */
static void rxc_finish(AinicRxcAgg *a)
{
    uint8_t *ip = a->buf + ETH_HLEN, *t = a->buf + a->l4;

    if (a->v6) {
        sbe16(ip + 4, a->len - ETH_HLEN - IP6_HLEN);
    } else {
        sbe16(ip + 2, a->len - ETH_HLEN);
        sbe16(ip + 10, 0);
        sbe16(ip + 10, (uint16_t)~ainic_csum_fold(ainic_csum_add(0, ip,
                                                                 IP4_HLEN)));
    }
    memcpy(t + 8, a->last_ack, 4);
    memcpy(t + 14, a->last_win, 2);
    t[13] = a->last_flags;
    ainic_tcp_csum(a->buf, ETH_HLEN, a->l4, a->len - a->l4, a->v6);
}

static void rxc_release(AinicCore *core, unsigned qp, AinicRxcAgg *a)
{
    AinicRxcQueue *rq = &core->rxc.q[qp];

    rq->reserved -= a->nbuf;
    rq->open--;
    core->rxc.open--;
    free(a->buf);
    memset(a, 0, sizeof(*a));
}

static void rxc_count_flush(AinicCore *core, AinicRxcFlush why)
{
    AinicStats *st = &core->stats;

    switch (why) {
    case AINIC_RXC_FLUSH_TIMER:
        st->rx_coalesce_flush_timer++;
        break;
    case AINIC_RXC_FLUSH_LIMIT:
        st->rx_coalesce_flush_limit++;
        break;
    case AINIC_RXC_FLUSH_PSH:
        st->rx_coalesce_flush_psh++;
        break;
    case AINIC_RXC_FLUSH_MISMATCH:
        st->rx_coalesce_flush_mismatch++;
        break;
    case AINIC_RXC_FLUSH_OTHER:
        st->rx_coalesce_flush_other++;
        break;
    case AINIC_RXC_FLUSH_DROP:
        break;
    }
}

/*
 * Place one aggregate into the buffers reserved for it. Its queue may have
 * broken (a DMA failure) or the device gone FATAL meanwhile: then its
 * segments are dropped and counted as any frame that could not be placed.
 */
static void rxc_flush(AinicCore *core, AinicQueue *q, AinicRxcAgg *a,
                      AinicRxcFlush why)
{
    unsigned qp = (unsigned)(q - core->rxq);
    AinicRxMeta m = { .segs = a->segs, .wire_bytes = a->wire_bytes };

    rxc_count_flush(core, why);
    trace(core, AINIC_TRACE_RXC_FLUSH, qp, a->segs, a->len, why);
    if (why == AINIC_RXC_FLUSH_DROP || !enabled(core) || fatal(core) ||
        !q->active || q->broken || core->cq[q->cq_id].broken) {
        if (why == AINIC_RXC_FLUSH_DROP) {
            core->qp_stats[qp].rx_backlog_drops += a->segs;
        }
        core->stats.rx_dropped += a->segs;
        trace(core, AINIC_TRACE_RX_DROP, a->len,
              why == AINIC_RXC_FLUSH_DROP ? AINIC_RX_DROP_BACKLOG
                                          : AINIC_RX_DROP_DMA, 0, 0);
    } else {
        if (a->segs > 1) {
            rxc_finish(a);
            m.cflags = AINIC_CQE_F_COALESCED |
                       (a->v6 ? AINIC_CQE_F_TSO_IPV6 : 0);
            core->stats.rx_coalesced_frames++;
            core->stats.rx_coalesced_segs += a->segs;
        }
        ainic_rx_deliver(core, q, a->buf, a->len, &m);
    }
    rxc_release(core, qp, a);
}

void ainic_rxc_flush_queue(AinicCore *core, unsigned qp, AinicRxcFlush why)
{
    AinicRxcQueue *rq = &core->rxc.q[qp];
    unsigned i;

    if (!rq->open) {
        return;
    }
    /* Oldest first: no order across flows is promised, but keep it */
    while (rq->open) {
        AinicRxcAgg *old = NULL;

        for (i = 0; i < AINIC_RXC_FLOWS; i++) {
            if (rq->agg[i].buf && (!old || rq->agg[i].age < old->age)) {
                old = &rq->agg[i];
            }
        }
        rxc_flush(core, &core->rxq[qp], old, why);
    }
}

void ainic_rxc_drop_queue(AinicCore *core, unsigned qp)
{
    ainic_rxc_flush_queue(core, qp, AINIC_RXC_FLUSH_DROP);
}

static void rxc_flush_all(AinicCore *core, AinicRxcFlush why)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_QPS && core->rxc.open; i++) {
        ainic_rxc_flush_queue(core, i, why);
    }
}

static void rxc_timer_cb(void *opaque)
{
    AinicCore *core = opaque;

    core->rxc.timer_armed = false;
    rxc_flush_all(core, AINIC_RXC_FLUSH_TIMER);
}

/* Room for n more buffers on q beyond what is reserved */
static bool rxc_room(AinicCore *core, const AinicQueue *q, uint32_t n)
{
    return ainic_rxq_free_bufs(core, q) >= n;
}

static bool rxc_open(AinicCore *core, AinicQueue *q, const uint8_t *f,
                     const RxcSeg *s)
{
    AinicRxcQueue *rq = &core->rxc.q[q - core->rxq];
    uint32_t nbuf = rxc_nbuf(q, s->seg_len);
    AinicRxcAgg *a = NULL, *old = NULL;
    const uint8_t *t = f + s->l4;
    unsigned i;

    if (nbuf > core->rxc.max_bufs || !rxc_room(core, q, nbuf)) {
        return false;
    }
    for (i = 0; i < AINIC_RXC_FLOWS; i++) {
        if (!rq->agg[i].buf) {
            a = &rq->agg[i];
            break;
        }
        if (!old || rq->agg[i].age < old->age) {
            old = &rq->agg[i];
        }
    }
    if (!a) {
        a = old;
        rxc_flush(core, q, a, AINIC_RXC_FLUSH_OTHER);
        if (!rxc_room(core, q, nbuf)) {
            return false;       /* cannot happen: flushing frees no room */
        }
    }
    a->buf = malloc(AINIC_RXC_BUF_MAX);
    if (!a->buf) {
        return false;           /* the frame goes the normal way */
    }
    memcpy(a->buf, f, s->seg_len);
    a->len = s->seg_len;
    a->l4 = s->l4;
    a->hdr_len = s->l4 + s->thl;
    a->v6 = s->v6;
    a->next_seq = s->seq + s->plen;
    memcpy(a->last_ack, t + 8, 4);
    memcpy(a->last_win, t + 14, 2);
    a->last_flags = s->flags;
    a->segs = 1;
    a->wire_bytes = s->wire;
    a->nbuf = nbuf;
    a->age = core->rxc.next_age++;
    rq->reserved += nbuf;
    rq->open++;
    core->rxc.open++;
    trace(core, AINIC_TRACE_RXC_OPEN, q->qid, s->seg_len, s->seq, 0);
    if (!core->rxc.timer_armed) {
        core->rxc.timer_armed = true;
        core->ops->timer_mod(core->opaque, core->rxc.timer,
                             core->ops->now_ns(core->opaque));
    }
    return true;
}

/* Append the segment's payload when the limits allow; false: flush first */
static bool rxc_append(AinicCore *core, AinicQueue *q, AinicRxcAgg *a,
                       const uint8_t *f, const RxcSeg *s)
{
    const AinicQueue *cq = &core->cq[q->cq_id];
    uint32_t len = a->len + s->plen;
    uint32_t iplen = len - ETH_HLEN - (a->v6 ? IP6_HLEN : 0);
    uint32_t nbuf = rxc_nbuf(q, len);
    const uint8_t *t = f + s->l4;

    if (a->segs >= AINIC_RXC_MAX_SEGS || iplen > AINIC_RXC_MAX_IPLEN ||
        nbuf > core->rxc.max_bufs || nbuf > q->size - 1 ||
        nbuf > cq->size - 1 || !rxc_room(core, q, nbuf - a->nbuf)) {
        return false;
    }
    memcpy(a->buf + a->len, f + s->l4 + s->thl, s->plen);
    core->rxc.q[q - core->rxq].reserved += nbuf - a->nbuf;
    a->nbuf = nbuf;
    a->len = len;
    a->next_seq += s->plen;
    memcpy(a->last_ack, t + 8, 4);
    memcpy(a->last_win, t + 14, 2);
    a->last_flags = s->flags;
    a->segs++;
    a->wire_bytes += s->wire;
    return true;
}

bool ainic_rxc_offer(AinicCore *core, AinicQueue *q, const uint8_t *f,
                     uint32_t len)
{
    AinicRxcQueue *rq = &core->rxc.q[q - core->rxq];
    AinicRxcAgg *a = NULL;
    RxcSeg s;
    unsigned i;

    /* Without RX checksum validation nothing is eligible (§7.5) */
    if (!core->rxc.on || !(core->cfg.caps & AINIC_CAP_RX_CSUM)) {
        return false;
    }
    rxc_parse(f, len, &s);
    s.wire = len;
    if (!s.key || (!s.ok && !rq->open)) {
        return false;
    }
    for (i = 0; i < AINIC_RXC_FLOWS && rq->open; i++) {
        if (rq->agg[i].buf && rxc_same_flow(&rq->agg[i], f, &s)) {
            a = &rq->agg[i];
            break;
        }
    }
    if (a) {
        if (rxc_can_join(a, f, &s)) {
            if (rxc_append(core, q, a, f, &s)) {
                if (s.flags & TCP_PSH) {
                    rxc_flush(core, q, a, AINIC_RXC_FLUSH_PSH);
                }
                return true;
            }
            rxc_flush(core, q, a, AINIC_RXC_FLUSH_LIMIT);
        } else {
            rxc_flush(core, q, a, AINIC_RXC_FLUSH_MISMATCH);
        }
    }
    /* Alone, a PSH segment has nothing to wait for */
    if (!s.ok || (s.flags & TCP_PSH)) {
        return false;
    }
    return rxc_open(core, q, f, &s);
}

void ainic_rxc_configure(AinicCore *core, bool on, uint8_t max_bufs)
{
    if (!on || max_bufs != core->rxc.max_bufs) {
        rxc_flush_all(core, AINIC_RXC_FLUSH_OTHER);
    }
    core->rxc.on = on;
    core->rxc.max_bufs = on ? max_bufs : 0;
}

static void rxc_drop_all(AinicCore *core)
{
    unsigned i, j;

    for (i = 0; i < AINIC_MAX_QPS; i++) {
        for (j = 0; j < AINIC_RXC_FLOWS; j++) {
            free(core->rxc.q[i].agg[j].buf);
        }
    }
    memset(core->rxc.q, 0, sizeof(core->rxc.q));
    core->rxc.open = 0;
}

int ainic_rxc_init(AinicCore *core)
{
    core->rxc.timer = core->ops->timer_new(core->opaque, rxc_timer_cb, core);
    return core->rxc.timer ? 0 : -1;
}

void ainic_rxc_reset(AinicCore *core)
{
    rxc_drop_all(core);
    if (core->rxc.timer) {
        core->ops->timer_del(core->opaque, core->rxc.timer);
    }
    core->rxc.timer_armed = false;
    core->rxc.on = false;
    core->rxc.max_bufs = 0;
    core->rxc.next_age = 0;
}

void ainic_rxc_fini(AinicCore *core)
{
    rxc_drop_all(core);
    if (core->rxc.timer) {
        core->ops->timer_del(core->opaque, core->rxc.timer);
        core->ops->timer_free(core->opaque, core->rxc.timer);
        core->rxc.timer = NULL;
    }
}
