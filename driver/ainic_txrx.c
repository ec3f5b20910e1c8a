// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: data path (uapi/ainic-device.md §7).
 *
 * Queue pair n has a TX ring, an RX ring, TX completion queue 2n and RX
 * completion queue 2n + 1, all in coherent DMA memory, and MSI-X vector
 * n + 1 with one NAPI instance. The interrupt handler masks the vector
 * (INTR_MASK) and schedules NAPI; the poll reclaims TX descriptors, then
 * receives up to its budget, returns the completion slots with the CQ
 * doorbells, refills the RX ring and unmasks the vector when it is done.
 *
 * RX buffers: every buffer is one order-0 page from the queue's page pool;
 * the device writes at NET_SKB_PAD + NET_IP_ALIGN into it and may use up to
 * rx_buf_size bytes, which leaves room for struct skb_shared_info so the
 * first buffer of a frame becomes the skb head (napi_build_skb()). A frame
 * longer than one buffer (jumbo MTU) spans several consecutive buffers, the
 * last one flagged EOP; the following buffers are attached as page frags.
 * The buffer size therefore does not depend on the MTU, and an MTU change
 * needs no RX reconfiguration.
 *
 * TX: one descriptor per mapped piece (linear part, then each frag); the
 * first carries SOP, nr_frags and the offloads, the last EOP and, in the
 * driver's bookkeeping, the skb. The device writes one CQE per frame whose
 * desc_index is the frame's EOP descriptor.
 */

#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/netdev_queues.h>
#include <net/page_pool/helpers.h>
#include <net/tcp.h>
#include <kunit/visibility.h>

#include "ainic.h"
#include "ainic_ring.h"
#include "ainic_txrx.h"

/* Stop a TX queue below this many free descriptors, wake it above twice */
#define AINIC_TX_STOP_THRESH	(MAX_SKB_FRAGS + 2)
#define AINIC_TX_WAKE_THRESH	(2 * AINIC_TX_STOP_THRESH)

/* Device queues of a queue pair, in creation order (§7.1) */
enum {
	AINIC_QP_TXCQ,
	AINIC_QP_RXCQ,
	AINIC_QP_TXQ,
	AINIC_QP_RXQ,
	AINIC_QP_NUM_QUEUES,
};

/* ---- statistics ---------------------------------------------------- */

/**
 * ainic_q_stats_read() - take a consistent snapshot of queue counters
 * @s: counters
 * @o: snapshot, overwritten
 *
 * Context: any; never sleeps.
 */
void ainic_q_stats_read(struct ainic_q_stats *s, struct ainic_stats_snap *o)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		o->packets = u64_stats_read(&s->packets);
		o->bytes = u64_stats_read(&s->bytes);
		o->drops = u64_stats_read(&s->drops);
		o->errors = u64_stats_read(&s->errors);
		o->stops = u64_stats_read(&s->stops);
		o->wakes = u64_stats_read(&s->wakes);
		o->alloc_fail = u64_stats_read(&s->alloc_fail);
		o->csum = u64_stats_read(&s->csum);
		o->tso = u64_stats_read(&s->tso);
		o->bad_comp = u64_stats_read(&s->bad_comp);
		o->runts = u64_stats_read(&s->runts);
		o->coal = u64_stats_read(&s->coal);
		o->coal_segs = u64_stats_read(&s->coal_segs);
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

void ainic_stats_add(struct ainic_stats_snap *sum,
		     const struct ainic_stats_snap *s)
{
	sum->packets += s->packets;
	sum->bytes += s->bytes;
	sum->drops += s->drops;
	sum->errors += s->errors;
	sum->stops += s->stops;
	sum->wakes += s->wakes;
	sum->alloc_fail += s->alloc_fail;
	sum->csum += s->csum;
	sum->tso += s->tso;
	sum->bad_comp += s->bad_comp;
	sum->runts += s->runts;
	sum->coal += s->coal;
	sum->coal_segs += s->coal_segs;
}
EXPORT_SYMBOL_IF_KUNIT(ainic_stats_add);

/**
 * ainic_qstats_read() - counters of one queue pair
 * @an: netdev private area
 * @i: queue pair, < @an->max_qps
 * @tx: TX counters, overwritten
 * @rx: RX counters, overwritten
 *
 * Context: any; never sleeps.
 */
void ainic_qstats_read(struct ainic_net *an, unsigned int i,
		       struct ainic_stats_snap *tx, struct ainic_stats_snap *rx)
{
	struct ainic_qstats *qs = &an->qstats[i];
	struct ainic_stats_snap x;

	ainic_q_stats_read(&qs->tx, tx);
	ainic_q_stats_read(&qs->txx, &x);
	ainic_stats_add(tx, &x);
	ainic_q_stats_read(&qs->rx, rx);
}
EXPORT_SYMBOL_IF_KUNIT(ainic_qstats_read);

static void ainic_stats_fill_rx(struct netdev_queue_stats_rx *rx,
				const struct ainic_stats_snap *s)
{
	rx->packets = s->packets;
	rx->bytes = s->bytes;
	rx->alloc_fail = s->alloc_fail;
	rx->hw_drops = s->errors;
	rx->csum_unnecessary = s->csum;
	rx->hw_gro_packets = s->coal;
	rx->hw_gro_wire_packets = s->coal_segs;
}

static void ainic_stats_fill_tx(struct netdev_queue_stats_tx *tx,
				const struct ainic_stats_snap *s)
{
	tx->packets = s->packets;
	tx->bytes = s->bytes;
	tx->hw_drops = s->errors;
	tx->needs_csum = s->csum;
	tx->hw_gso_packets = s->tso;
	tx->stop = s->stops;
	tx->wake = s->wakes;
}

static void ainic_get_queue_stats_rx(struct net_device *netdev, int idx,
				     struct netdev_queue_stats_rx *rx)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_stats_snap t, r;

	ainic_qstats_read(an, idx, &t, &r);
	ainic_stats_fill_rx(rx, &r);
}

static void ainic_get_queue_stats_tx(struct net_device *netdev, int idx,
				     struct netdev_queue_stats_tx *tx)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_stats_snap t, r;

	ainic_qstats_read(an, idx, &t, &r);
	ainic_stats_fill_tx(tx, &t);
}

/**
 * ainic_base_stats_fold() - counters of the queue pairs that exist no more
 * @an: netdev private area
 * @tx: sum of their TX counters, overwritten
 * @rx: sum of their RX counters, overwritten
 *
 * Queue pairs beyond the channel count keep what they counted; folded into
 * the base stats, totals never go back when channels are reduced.
 *
 * Context: any; never sleeps.
 */
VISIBLE_IF_KUNIT void ainic_base_stats_fold(struct ainic_net *an,
					    struct ainic_stats_snap *tx,
					    struct ainic_stats_snap *rx)
{
	struct ainic_stats_snap t, r;
	unsigned int i;

	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	for (i = an->num_qps; i < an->max_qps; i++) {
		ainic_qstats_read(an, i, &t, &r);
		ainic_stats_add(tx, &t);
		ainic_stats_add(rx, &r);
	}
}
EXPORT_SYMBOL_IF_KUNIT(ainic_base_stats_fold);

static void ainic_get_base_stats(struct net_device *netdev,
				 struct netdev_queue_stats_rx *rx,
				 struct netdev_queue_stats_tx *tx)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_stats_snap btx, brx;

	ainic_base_stats_fold(an, &btx, &brx);

	ainic_stats_fill_rx(rx, &brx);
	ainic_stats_fill_tx(tx, &btx);
}

const struct netdev_stat_ops ainic_stat_ops = {
	.get_queue_stats_rx	= ainic_get_queue_stats_rx,
	.get_queue_stats_tx	= ainic_get_queue_stats_tx,
	.get_base_stats		= ainic_get_base_stats,
};

/* ---- completion queues --------------------------------------------- */

/* The next CQE if the device has written it, else NULL */
static struct ainic_cqe *ainic_cq_next(struct ainic_cq *cq)
{
	struct ainic_cqe *cqe = &cq->ring[cq->head];

	if (!ainic_ring_owned(READ_ONCE(cqe->flags), AINIC_CQE_COLOR,
			      cq->phase))
		return NULL;

	/* Read the rest of the entry only after its colour */
	dma_rmb();
	return cqe;
}

static void ainic_cq_advance(struct ainic_cq *cq)
{
	ainic_ring_advance(&cq->head, &cq->phase, cq->mask);
}

/* ---- transmit ------------------------------------------------------ */

static u32 ainic_tx_free(const struct ainic_txq *txq)
{
	return ainic_ring_free(READ_ONCE(txq->prod), READ_ONCE(txq->cons),
			       txq->mask);
}

static void ainic_tx_unmap(struct device *dev, struct ainic_tx_buf *buf)
{
	if (!buf->len)
		return;
	if (buf->is_head)
		dma_unmap_single(dev, buf->dma, buf->len, DMA_TO_DEVICE);
	else
		dma_unmap_page(dev, buf->dma, buf->len, DMA_TO_DEVICE);
	buf->len = 0;
}

/**
 * ainic_tx_clean() - reclaim the descriptors of completed frames
 * @qp: queue pair
 * @budget: NAPI budget, 0 from netpoll
 *
 * Looks at no more CQEs than the ring has entries, so a device that keeps
 * writing them cannot hold the CPU here. A CQE must name the last (EOP)
 * descriptor of an outstanding frame (§7.2); any other is counted and
 * dropped, and the device reset through its health reporter, as its view
 * of the ring can no longer be trusted.
 *
 * Context: NAPI (softirq) or netpoll.
 * Return: true when CQEs may be left (the bound was reached).
 */
static bool ainic_tx_clean(struct ainic_qp *qp, int budget)
{
	struct ainic_net *an = qp->an;
	struct ainic_dev *adev = an->adev;
	struct ainic_txq *txq = &qp->txq;
	struct ainic_cq *cq = &qp->txcq;
	unsigned int pkts = 0, bytes = 0, errors = 0, bad = 0, ncqe = 0;
	u32 cons = txq->cons, prod, limit = cq->mask + 1;
	struct ainic_cqe *cqe;

	while (ncqe < limit && (cqe = ainic_cq_next(cq))) {
		u32 last = le16_to_cpu(cqe->desc_index);
		u8 status = cqe->status;
		bool done;

		ainic_cq_advance(cq);
		ncqe++;

		/*
		 * The frame's EOP must lie in [cons, prod) and carry the skb.
		 * Read prod only now: xmit may have posted the frame after
		 * this poll began.
		 */
		prod = READ_ONCE(txq->prod);
		if (unlikely(last > txq->mask ||
			     ainic_ring_used(last, cons, txq->mask) >=
			     ainic_ring_used(prod, cons, txq->mask) ||
			     !txq->bufs[last].skb)) {
			bad++;
			if (net_ratelimit())
				netdev_warn(an->netdev,
					    "qp%u: TX completion names descriptor %u, not the last of a frame in %u..%u; dropped\n",
					    qp->idx, last, cons, prod);
			continue;
		}

		if (status)
			errors++;

		do {
			struct ainic_tx_buf *buf = &txq->bufs[cons];

			ainic_tx_unmap(adev->dev, buf);
			if (buf->skb) {
				pkts++;
				bytes += buf->bytes;
				napi_consume_skb(buf->skb, budget);
				buf->skb = NULL;
			}
			done = cons == last;
			cons = (cons + 1) & txq->mask;
		} while (!done);
	}

	if (!ncqe)
		return false;

	WRITE_ONCE(txq->cons, cons);
	ainic_wr32(adev, AINIC_REG_DB_TXCQ(qp->idx), cq->head);

	u64_stats_update_begin(&txq->stats->syncp);
	u64_stats_add(&txq->stats->packets, pkts);
	u64_stats_add(&txq->stats->bytes, bytes);
	u64_stats_add(&txq->stats->errors, errors);
	u64_stats_add(&txq->stats->bad_comp, bad);
	u64_stats_update_end(&txq->stats->syncp);

	if (unlikely(bad))
		ainic_health_report(adev, AINIC_HEALTH_BAD_TX_COMP);

	/* No wake while the queues are being stopped (ainic_qps_stop()) */
	if (!__netif_txq_completed_wake(txq->nq, pkts, bytes,
					ainic_tx_free(txq),
					AINIC_TX_WAKE_THRESH,
					READ_ONCE(an->stopping))) {
		u64_stats_update_begin(&txq->stats->syncp);
		u64_stats_inc(&txq->stats->wakes);
		u64_stats_update_end(&txq->stats->syncp);
	}

	return ncqe == limit;
}

static void ainic_tx_xstat_inc(struct ainic_txq *txq, u64_stats_t *ctr)
{
	u64_stats_update_begin(&txq->xstats->syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&txq->xstats->syncp);
}

/* Fill the offload fields of the SOP descriptor; false if impossible */
static bool ainic_tx_offloads(struct ainic_txq *txq, struct sk_buff *skb,
			      struct ainic_tx_desc *sop, u16 *flags,
			      u32 *wire_bytes)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return true;

	*flags |= AINIC_TXD_F_CSUM;
	sop->csum_start = cpu_to_le16(skb_checksum_start_offset(skb));
	sop->csum_offset = cpu_to_le16(skb->csum_offset);
	ainic_tx_xstat_inc(txq, &txq->xstats->csum);

	if (!skb_is_gso(skb))
		return true;

	if (!(skb_shinfo(skb)->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)))
		return false;

	*flags |= AINIC_TXD_F_TSO;
	if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6)
		*flags |= AINIC_TXD_F_TSO_IPV6;
	sop->mss = cpu_to_le16(skb_shinfo(skb)->gso_size);
	sop->hdr_len = cpu_to_le16(skb_tcp_all_headers(skb));
	*wire_bytes = skb->len + (skb_shinfo(skb)->gso_segs - 1) *
		      skb_tcp_all_headers(skb);
	ainic_tx_xstat_inc(txq, &txq->xstats->tso);
	return true;
}

static void ainic_tx_put_desc(struct ainic_txq *txq, u32 idx,
			      const struct ainic_tx_desc *tmpl, dma_addr_t dma,
			      u32 len, u16 flags)
{
	struct ainic_tx_desc *d = &txq->ring[idx];

	*d = *tmpl;
	d->addr = cpu_to_le64(dma);
	d->len = cpu_to_le32(len);
	d->flags = cpu_to_le16(flags);
}

/**
 * ainic_xmit() - ndo_start_xmit with a data path
 * @skb: frame
 * @netdev: netdev
 *
 * Context: softirq or process with BHs off, under the TX queue's lock.
 * Return: NETDEV_TX_OK, or NETDEV_TX_BUSY when the ring is full.
 */
netdev_tx_t ainic_xmit(struct sk_buff *skb, struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	unsigned int qi = skb_get_queue_mapping(skb);
	struct ainic_qp *qps = READ_ONCE(an->qps);
	struct device *dev = an->adev->dev;
	struct ainic_tx_desc tmpl = {};
	struct ainic_tx_buf *buf = NULL;
	unsigned int i, nfrags, ndesc, headlen;
	u32 first, prod, wire_bytes;
	struct ainic_txq *txq;
	u16 flags = 0;
	dma_addr_t dma;

	if (unlikely(!qps || qi >= an->nqps)) {
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	txq = &qps[qi].txq;

	if (skb_shinfo(skb)->nr_frags + 1 > an->max_sg &&
	    skb_linearize(skb))
		goto drop;

	headlen = skb_headlen(skb);
	nfrags = skb_shinfo(skb)->nr_frags;
	ndesc = nfrags + !!headlen;
	if (unlikely(!ndesc || ndesc > an->max_sg))
		goto drop;

	if (unlikely(ainic_tx_free(txq) < ndesc)) {
		/* Stops, then restarts if a completion freed room meanwhile */
		netif_txq_try_stop(txq->nq, ainic_tx_free(txq),
				   AINIC_TX_WAKE_THRESH);
		ainic_tx_xstat_inc(txq, &txq->xstats->stops);
		ainic_wr32(an->adev, AINIC_REG_DB_TXQ(qi), txq->prod);
		return NETDEV_TX_BUSY;
	}

	wire_bytes = max_t(u32, skb->len, ETH_ZLEN);
	if (!ainic_tx_offloads(txq, skb, &tmpl, &flags, &wire_bytes))
		goto drop;
	tmpl.nr_frags = cpu_to_le16(ndesc);
	flags |= AINIC_TXD_F_SOP;

	first = txq->prod;
	prod = first;
	if (headlen) {
		dma = dma_map_single(dev, skb->data, headlen, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto unwind;
		buf = &txq->bufs[prod];
		buf->dma = dma;
		buf->len = headlen;
		buf->is_head = true;
		if (ndesc == 1)
			flags |= AINIC_TXD_F_EOP;
		ainic_tx_put_desc(txq, prod, &tmpl, dma, headlen, flags);
		memset(&tmpl, 0, sizeof(tmpl));
		flags = 0;
		prod = (prod + 1) & txq->mask;
	}

	for (i = 0; i < nfrags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];
		u32 len = skb_frag_size(frag);

		dma = skb_frag_dma_map(dev, frag, 0, len, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto unwind;
		buf = &txq->bufs[prod];
		buf->dma = dma;
		buf->len = len;
		buf->is_head = false;
		if (i == nfrags - 1)
			flags |= AINIC_TXD_F_EOP;
		ainic_tx_put_desc(txq, prod, &tmpl, dma, len, flags);
		memset(&tmpl, 0, sizeof(tmpl));
		flags = 0;
		prod = (prod + 1) & txq->mask;
	}

	buf->skb = skb;
	buf->bytes = wire_bytes;
	skb_tx_timestamp(skb);

	/* Descriptors are visible before the producer index moves */
	WRITE_ONCE(txq->prod, prod);

	if (!netif_txq_maybe_stop(txq->nq, ainic_tx_free(txq),
				  AINIC_TX_STOP_THRESH, AINIC_TX_WAKE_THRESH))
		ainic_tx_xstat_inc(txq, &txq->xstats->stops);

	if (__netdev_tx_sent_queue(txq->nq, wire_bytes, netdev_xmit_more()))
		ainic_wr32(an->adev, AINIC_REG_DB_TXQ(qi), prod);

	return NETDEV_TX_OK;

unwind:
	while (first != prod) {
		ainic_tx_unmap(dev, &txq->bufs[first]);
		first = (first + 1) & txq->mask;
	}
drop:
	dev_kfree_skb_any(skb);
	ainic_tx_xstat_inc(txq, &txq->xstats->drops);
	/* Frames queued with xmit_more before this one must still go */
	ainic_wr32(an->adev, AINIC_REG_DB_TXQ(qi), txq->prod);
	return NETDEV_TX_OK;
}

/*
 * Unmap and free whatever the device did not complete. NAPI is disabled
 * and the device no longer reads the ring; the TX lock keeps a stray
 * xmit out all the same.
 */
static void ainic_tx_purge(struct ainic_qp *qp)
{
	struct ainic_txq *txq = &qp->txq;
	u32 i;

	if (!txq->bufs)
		return;

	__netif_tx_lock_bh(txq->nq);
	for (i = 0; i <= txq->mask; i++) {
		struct ainic_tx_buf *buf = &txq->bufs[i];

		ainic_tx_unmap(qp->an->adev->dev, buf);
		if (buf->skb) {
			dev_kfree_skb_any(buf->skb);
			buf->skb = NULL;
		}
	}
	txq->prod = 0;
	txq->cons = 0;
	netdev_tx_reset_queue(txq->nq);
	__netif_tx_unlock_bh(txq->nq);
}

/* ---- receive ------------------------------------------------------- */

static void ainic_rx_stat_inc(struct ainic_rxq *rxq, u64_stats_t *ctr)
{
	u64_stats_update_begin(&rxq->stats->syncp);
	u64_stats_inc(ctr);
	u64_stats_update_end(&rxq->stats->syncp);
}

/*
 * Post free buffers in the ring, without the doorbell. Returns how many
 * were posted.
 */
static u32 ainic_rx_post(struct ainic_qp *qp)
{
	struct ainic_net *an = qp->an;
	struct ainic_rxq *rxq = &qp->rxq;
	u32 prod = rxq->prod, n = 0;

	while (ainic_ring_free(prod, rxq->cons, rxq->mask)) {
		struct ainic_rx_desc *d = &rxq->ring[prod];
		struct page *page;

		page = page_pool_dev_alloc_pages(rxq->pp);
		if (!page) {
			ainic_rx_stat_inc(rxq, &rxq->stats->alloc_fail);
			break;
		}
		rxq->pages[prod] = page;
		d->addr = cpu_to_le64(page_pool_get_dma_addr(page) +
				      AINIC_RX_HEADROOM);
		d->len = cpu_to_le32(an->rx_buf_size);
		d->rsvd = 0;
		prod = (prod + 1) & rxq->mask;
		n++;
	}
	rxq->prod = prod;

	return n;
}

/**
 * ainic_rx_refill() - post free buffers and ring the RX doorbell
 * @qp: queue pair, started
 *
 * Context: NAPI.
 * Return: buffers posted in the ring after the refill.
 */
static u32 ainic_rx_refill(struct ainic_qp *qp)
{
	struct ainic_rxq *rxq = &qp->rxq;

	if (ainic_rx_post(qp))
		ainic_wr32(qp->an->adev, AINIC_REG_DB_RXQ(qp->idx), rxq->prod);

	return ainic_ring_used(rxq->prod, rxq->cons, rxq->mask);
}

/* Add one received buffer to the frame being assembled */
static void ainic_rx_add_buf(struct ainic_qp *qp, struct page *page, u32 len)
{
	struct ainic_rxq *rxq = &qp->rxq;
	struct sk_buff *skb = rxq->skb;

	if (rxq->skb_err)
		goto drop;

	if (!skb) {
		/* eth_type_trans() pulls the header from the first buffer */
		if (unlikely(len < ETH_HLEN)) {
			ainic_rx_stat_inc(rxq, &rxq->stats->runts);
			goto drop_err;
		}
		skb = napi_build_skb(page_address(page), PAGE_SIZE);
		if (unlikely(!skb)) {
			ainic_rx_stat_inc(rxq, &rxq->stats->alloc_fail);
			goto drop_err;
		}
		skb_mark_for_recycle(skb);
		skb_reserve(skb, AINIC_RX_HEADROOM);
		__skb_put(skb, len);
		rxq->skb = skb;
		return;
	}

	if (skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS)
		goto drop_err;

	skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page,
			AINIC_RX_HEADROOM, len, PAGE_SIZE);
	return;

drop_err:
	rxq->skb_err = true;
drop:
	page_pool_put_full_page(rxq->pp, page, true);
}

/**
 * ainic_rx_coalesced() - make a frame the device merged a GSO skb
 * @skb: the frame, eth_type_trans() done
 * @cflags: its EOP CQE's flags, AINIC_CQE_F_COALESCED set
 * @segs: the CQE's gso_segs
 *
 * The device merged @segs in-order TCP segments into one frame with valid
 * headers (§7.5); the stack may take it as GRO would have built it. A
 * frame that is not what the CQE says is the device's bug.
 *
 * Context: NAPI.
 * Return: true if @skb is now a TCP GSO skb, false if the CQE lied.
 */
static bool ainic_rx_coalesced(struct sk_buff *skb, u16 cflags, u16 segs)
{
	bool v6 = cflags & AINIC_CQE_F_TSO_IPV6;
	unsigned int nhlen, hdrlen;
	const struct tcphdr *th;

	if (segs < 2)
		return false;

	if (v6) {
		nhlen = sizeof(struct ipv6hdr);
		if (skb->protocol != htons(ETH_P_IPV6) ||
		    !pskb_may_pull(skb, nhlen + sizeof(*th)) ||
		    ((struct ipv6hdr *)skb->data)->nexthdr != IPPROTO_TCP)
			return false;
	} else {
		const struct iphdr *iph;

		if (skb->protocol != htons(ETH_P_IP) ||
		    !pskb_may_pull(skb, sizeof(*iph)))
			return false;
		iph = (const struct iphdr *)skb->data;
		nhlen = iph->ihl * 4;
		if (iph->version != 4 || nhlen < sizeof(*iph) ||
		    iph->protocol != IPPROTO_TCP ||
		    !pskb_may_pull(skb, nhlen + sizeof(*th)))
			return false;
	}
	th = (const struct tcphdr *)(skb->data + nhlen);
	hdrlen = nhlen + th->doff * 4;
	if (th->doff < 5 || !pskb_may_pull(skb, hdrlen) ||
	    skb->len < hdrlen + segs)
		return false;

	skb_shinfo(skb)->gso_type = v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4;
	skb_shinfo(skb)->gso_size = DIV_ROUND_UP(skb->len - hdrlen, segs);
	skb_shinfo(skb)->gso_segs = segs;
	/* The device checked each segment and summed the merged one */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	return true;
}

/**
 * ainic_rx_clean() - receive frames from the RX completion queue
 * @qp: queue pair
 * @budget: most completions to look at
 *
 * Every CQE counts against @budget, so a device that never sets EOP cannot
 * keep the poll here. Buffers are used in ring order (§7.3): a CQE naming
 * another buffer than the next one is counted and taken for the next one,
 * whose frame is dropped, which keeps the ring in step with the device.
 *
 * Context: NAPI.
 * Return: completions processed.
 */
static int ainic_rx_clean(struct ainic_qp *qp, int budget)
{
	struct ainic_net *an = qp->an;
	struct net_device *netdev = an->netdev;
	struct ainic_rxq *rxq = &qp->rxq;
	struct ainic_cq *cq = &qp->rxcq;
	unsigned int pkts = 0, bytes = 0, drops = 0, errors = 0, csum = 0;
	unsigned int bad = 0, coal = 0, coal_segs = 0;
	struct ainic_cqe *cqe;
	int ncqe = 0;

	while (ncqe < budget && (cqe = ainic_cq_next(cq))) {
		u32 idx = le16_to_cpu(cqe->desc_index);
		u16 cflags = le16_to_cpu(cqe->cflags);
		u32 len = le32_to_cpu(cqe->len);
		u32 cons = rxq->cons, flen;
		struct page *page;
		struct sk_buff *skb;

		ainic_cq_advance(cq);
		ncqe++;

		page = rxq->pages[cons];
		if (unlikely(!page)) {
			/* Nothing posted there: the CQE is the device's bug */
			bad++;
			if (net_ratelimit())
				netdev_warn(netdev,
					    "qp%u: RX completion with no buffer posted (index %u), dropped\n",
					    qp->idx, idx);
			continue;
		}
		rxq->pages[cons] = NULL;
		rxq->cons = (cons + 1) & rxq->mask;

		if (unlikely(idx != cons || !len || len > an->rx_buf_size)) {
			bad++;
			if (net_ratelimit())
				netdev_warn(netdev,
					    "qp%u: bad RX completion (buffer %u, expected %u, length %u of %u), frame dropped\n",
					    qp->idx, idx, cons, len,
					    an->rx_buf_size);
			rxq->skb_err = true;
			page_pool_put_full_page(rxq->pp, page, true);
		} else if (unlikely(cqe->status)) {
			errors++;
			rxq->skb_err = true;
			page_pool_put_full_page(rxq->pp, page, true);
		} else {
			/* The pool adds its offset (the headroom) itself */
			page_pool_dma_sync_for_cpu(rxq->pp, page, 0, len);
			ainic_rx_add_buf(qp, page, len);
		}

		if (!(cflags & AINIC_CQE_F_EOP))
			continue;

		skb = rxq->skb;
		rxq->skb = NULL;
		if (unlikely(rxq->skb_err)) {
			rxq->skb_err = false;
			drops++;
			if (skb)
				napi_consume_skb(skb, budget);
			continue;
		}

		if ((cflags & AINIC_CQE_F_CSUM_OK) &&
		    (netdev->features & NETIF_F_RXCSUM)) {
			skb->ip_summed = CHECKSUM_UNNECESSARY;
			csum++;
		}
		flen = skb->len;
		skb_record_rx_queue(skb, qp->idx);
		skb->protocol = eth_type_trans(skb, netdev);
		if (cflags & AINIC_CQE_F_COALESCED) {
			u16 segs = le16_to_cpu(cqe->gso_segs);

			if (unlikely(!ainic_rx_coalesced(skb, cflags, segs))) {
				bad++;
				if (net_ratelimit())
					netdev_warn(netdev,
						    "qp%u: bad coalesced RX completion (%u segments, cflags 0x%x), frame dropped\n",
						    qp->idx, segs, cflags);
				napi_consume_skb(skb, budget);
				continue;
			}
			/* As the wire saw it: ip -s link matches the fabric */
			pkts += segs;
			coal++;
			coal_segs += segs;
		} else {
			pkts++;
		}
		bytes += flen;
		napi_gro_receive(&qp->napi, skb);
	}

	if (ncqe)
		ainic_wr32(an->adev, AINIC_REG_DB_RXCQ(qp->idx), cq->head);

	if (pkts || drops || errors || bad) {
		u64_stats_update_begin(&rxq->stats->syncp);
		u64_stats_add(&rxq->stats->packets, pkts);
		u64_stats_add(&rxq->stats->bytes, bytes);
		u64_stats_add(&rxq->stats->drops, drops);
		u64_stats_add(&rxq->stats->errors, errors);
		u64_stats_add(&rxq->stats->bad_comp, bad);
		u64_stats_add(&rxq->stats->csum, csum);
		u64_stats_add(&rxq->stats->coal, coal);
		u64_stats_add(&rxq->stats->coal_segs, coal_segs);
		u64_stats_update_end(&rxq->stats->syncp);
	}

	return ncqe;
}

/* Return every posted buffer and any partial frame; NAPI disabled */
static void ainic_rx_purge(struct ainic_qp *qp)
{
	struct ainic_rxq *rxq = &qp->rxq;
	u32 i;

	if (rxq->skb) {
		dev_kfree_skb_any(rxq->skb);
		rxq->skb = NULL;
	}
	rxq->skb_err = false;

	if (!rxq->pages)
		return;

	for (i = 0; i <= rxq->mask; i++) {
		if (rxq->pages[i]) {
			page_pool_put_full_page(rxq->pp, rxq->pages[i], false);
			rxq->pages[i] = NULL;
		}
	}
	rxq->prod = 0;
	rxq->cons = 0;
}

/* ---- NAPI and interrupts ------------------------------------------- */

static int ainic_poll(struct napi_struct *napi, int budget)
{
	struct ainic_qp *qp = container_of(napi, struct ainic_qp, napi);
	struct ainic_dev *adev = qp->an->adev;
	bool tx_more;
	int work;

	tx_more = ainic_tx_clean(qp, budget);
	if (!budget)
		return 0;

	work = ainic_rx_clean(qp, budget);

	/*
	 * An empty RX ring stalls the queue, but polling again at once would
	 * only spin while memory is short: retry from a timer instead (TX
	 * completions still raise the vector meanwhile).
	 */
	if (!ainic_rx_refill(qp))
		mod_timer(&qp->refill_timer, jiffies + AINIC_RX_REFILL_RETRY);

	if (tx_more || work >= budget)
		return budget;

	if (napi_complete_done(napi, work))
		ainic_wr32(adev, AINIC_REG_INTR_MASK(qp->vector), 0);
	return work;
}

static void ainic_refill_timer(struct timer_list *t)
{
	struct ainic_qp *qp = from_timer(qp, t, refill_timer);

	napi_schedule(&qp->napi);
}

static irqreturn_t ainic_qp_irq(int irq, void *data)
{
	struct ainic_qp *qp = data;

	ainic_wr32(qp->an->adev, AINIC_REG_INTR_MASK(qp->vector), 1);
	napi_schedule_irqoff(&qp->napi);

	return IRQ_HANDLED;
}

/* ---- allocation ---------------------------------------------------- */

static void *ainic_ring_alloc(struct device *dev, u32 entries, size_t esize,
			      dma_addr_t *dma)
{
	return dma_alloc_coherent(dev, entries * esize, dma, GFP_KERNEL);
}

/* Free what ainic_qp_alloc() set up; stopped, the device does no DMA */
static void ainic_qp_free(struct ainic_net *an, struct ainic_qp *qp)
{
	struct device *dev = an->adev->dev;
	u32 ntx = qp->txq.mask + 1, nrx = qp->rxq.mask + 1;

	timer_shutdown_sync(&qp->refill_timer);
	ainic_tx_purge(qp);
	ainic_rx_purge(qp);

	if (qp->rxq.pp)
		page_pool_destroy(qp->rxq.pp);
	if (qp->napi.poll)
		netif_napi_del(&qp->napi);
	kvfree(qp->rxq.pages);
	kvfree(qp->txq.bufs);
	if (qp->rxcq.ring)
		dma_free_coherent(dev, nrx * sizeof(struct ainic_cqe),
				  qp->rxcq.ring, qp->rxcq.dma);
	if (qp->rxq.ring)
		dma_free_coherent(dev, nrx * sizeof(struct ainic_rx_desc),
				  qp->rxq.ring, qp->rxq.dma);
	if (qp->txcq.ring)
		dma_free_coherent(dev, ntx * sizeof(struct ainic_cqe),
				  qp->txcq.ring, qp->txcq.dma);
	if (qp->txq.ring)
		dma_free_coherent(dev, ntx * sizeof(struct ainic_tx_desc),
				  qp->txq.ring, qp->txq.dma);
}

/*
 * Allocate the memory of one queue pair and post its RX buffers in the
 * ring, without touching the device or the interrupt vector, so that this
 * can run while the previous configuration still runs.
 */
static int ainic_qp_alloc(struct ainic_net *an, struct ainic_qp *qp,
			  unsigned int idx, unsigned int tx_log2,
			  unsigned int rx_log2)
{
	struct ainic_dev *adev = an->adev;
	struct device *dev = adev->dev;
	struct net_device *netdev = an->netdev;
	u32 ntx = 1U << tx_log2, nrx = 1U << rx_log2;
	struct page_pool_params pp = {
		.flags		= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order		= 0,
		.pool_size	= nrx,
		.nid		= dev_to_node(dev),
		.dev		= dev,
		.napi		= &qp->napi,
		.netdev		= netdev,
		.queue_idx	= idx,
		.dma_dir	= DMA_FROM_DEVICE,
		.offset		= AINIC_RX_HEADROOM,
		.max_len	= an->rx_buf_size,
	};
	int err;

	timer_setup(&qp->refill_timer, ainic_refill_timer, 0);
	qp->an = an;
	qp->idx = idx;
	qp->vector = AINIC_VEC_QP(idx);
	qp->txq.mask = ntx - 1;
	qp->rxq.mask = nrx - 1;
	qp->txcq.mask = ntx - 1;
	qp->rxcq.mask = nrx - 1;
	qp->txcq.phase = 1;
	qp->rxcq.phase = 1;
	qp->txq.stats = &an->qstats[idx].tx;
	qp->txq.xstats = &an->qstats[idx].txx;
	qp->rxq.stats = &an->qstats[idx].rx;
	qp->txq.nq = netdev_get_tx_queue(netdev, idx);

	qp->txq.ring = ainic_ring_alloc(dev, ntx, sizeof(struct ainic_tx_desc),
					&qp->txq.dma);
	qp->txcq.ring = ainic_ring_alloc(dev, ntx, sizeof(struct ainic_cqe),
					 &qp->txcq.dma);
	qp->rxq.ring = ainic_ring_alloc(dev, nrx, sizeof(struct ainic_rx_desc),
					&qp->rxq.dma);
	qp->rxcq.ring = ainic_ring_alloc(dev, nrx, sizeof(struct ainic_cqe),
					 &qp->rxcq.dma);
	qp->txq.bufs = kvcalloc(ntx, sizeof(*qp->txq.bufs), GFP_KERNEL);
	qp->rxq.pages = kvcalloc(nrx, sizeof(*qp->rxq.pages), GFP_KERNEL);
	if (!qp->txq.ring || !qp->txcq.ring || !qp->rxq.ring ||
	    !qp->rxcq.ring || !qp->txq.bufs || !qp->rxq.pages)
		return -ENOMEM;

	/* Added, not enabled: the page pool may refer to it (and be destroyed) */
	netif_napi_add(netdev, &qp->napi, ainic_poll);

	qp->rxq.pp = page_pool_create(&pp);
	if (IS_ERR(qp->rxq.pp)) {
		err = PTR_ERR(qp->rxq.pp);
		qp->rxq.pp = NULL;
		return err;
	}

	if (!ainic_rx_post(qp)) {
		netdev_err(netdev, "qp%u: cannot allocate RX buffers\n", idx);
		return -ENOMEM;
	}

	return 0;
}

/**
 * ainic_qps_alloc() - allocate queue pairs
 * @an: netdev private area
 * @nqps: queue pairs
 * @tx_log2: TX ring size, log2
 * @rx_log2: RX ring size, log2
 * @qps_out: the array, for ainic_qps_start() and ainic_qps_free()
 *
 * Allocates rings, buffer bookkeeping, page pools, NAPI instances and the
 * RX buffers; neither the device nor the interrupt vectors are touched,
 * so a running configuration is not disturbed and stays usable when this
 * fails.
 *
 * Context: process, RTNL held.
 * Return: 0 or a negative errno (nothing left allocated).
 */
int ainic_qps_alloc(struct ainic_net *an, unsigned int nqps,
		    unsigned int tx_log2, unsigned int rx_log2,
		    struct ainic_qp **qps_out)
{
	struct ainic_qp *qps;
	unsigned int i;
	int err;

	qps = kcalloc(nqps, sizeof(*qps), GFP_KERNEL);
	if (!qps)
		return -ENOMEM;

	for (i = 0; i < nqps; i++) {
		err = ainic_qp_alloc(an, &qps[i], i, tx_log2, rx_log2);
		if (err) {
			netdev_err(an->netdev, "cannot allocate queue pair %u: %pe\n",
				   i, ERR_PTR(err));
			ainic_qps_free(an, qps, i + 1);
			return err;
		}
	}

	*qps_out = qps;
	return 0;
}

/**
 * ainic_qps_free() - free queue pairs
 * @an: netdev private area
 * @qps: from ainic_qps_alloc(), stopped or never started
 * @nqps: entries in @qps
 *
 * Their counters stay in @an->qstats.
 *
 * Context: process, RTNL held.
 */
void ainic_qps_free(struct ainic_net *an, struct ainic_qp *qps,
		    unsigned int nqps)
{
	unsigned int i;

	if (!qps)
		return;

	/* Lockless readers of @an->qps (xmit) are done with it */
	synchronize_net();

	for (i = 0; i < nqps; i++)
		ainic_qp_free(an, &qps[i]);
	kfree(qps);
}

static void ainic_qp_set_coalesce(struct ainic_net *an, struct ainic_qp *qp)
{
	struct ainic_dev *adev = an->adev;

	if (!ainic_has_cap(adev, AINIC_CAP_INTR_MODERATION))
		return;
	ainic_wr32(adev, AINIC_REG_INTR_COAL_USECS(qp->vector),
		   an->coal_usecs);
	ainic_wr32(adev, AINIC_REG_INTR_COAL_FRAMES(qp->vector),
		   an->coal_frames);
}

/**
 * ainic_qps_set_coalesce() - apply the moderation settings to the vectors
 * @an: netdev private area
 *
 * Context: process, RTNL held.
 */
void ainic_qps_set_coalesce(struct ainic_net *an)
{
	unsigned int i;

	for (i = 0; an->qps && i < an->nqps; i++)
		ainic_qp_set_coalesce(an, &an->qps[i]);
}

static int ainic_qp_create(struct ainic_net *an, struct ainic_qp *qp)
{
	struct ainic_dev *adev = an->adev;
	unsigned int tx_log2 = ilog2(qp->txq.mask + 1);
	unsigned int rx_log2 = ilog2(qp->rxq.mask + 1);
	u16 n = qp->idx;
	int err = 0;

	while (!err && qp->created < AINIC_QP_NUM_QUEUES) {
		switch (qp->created) {
		case AINIC_QP_TXCQ:
			err = ainic_cmd_q_create(adev, AINIC_QTYPE_CQ, 2 * n, 0,
						 qp->vector, tx_log2,
						 qp->txcq.dma,
						 AINIC_Q_F_IRQ_ENABLE, 0);
			break;
		case AINIC_QP_RXCQ:
			err = ainic_cmd_q_create(adev, AINIC_QTYPE_CQ, 2 * n + 1,
						 0, qp->vector, rx_log2,
						 qp->rxcq.dma,
						 AINIC_Q_F_IRQ_ENABLE, 0);
			break;
		case AINIC_QP_TXQ:
			err = ainic_cmd_q_create(adev, AINIC_QTYPE_TXQ, n, 2 * n,
						 0, tx_log2, qp->txq.dma, 0, 0);
			break;
		case AINIC_QP_RXQ:
			err = ainic_cmd_q_create(adev, AINIC_QTYPE_RXQ, n,
						 2 * n + 1, 0, rx_log2,
						 qp->rxq.dma, 0,
						 an->rx_buf_size);
			break;
		}
		if (!err)
			qp->created++;
	}

	if (err)
		netdev_err(an->netdev, "qp%u: Q_CREATE of queue %u failed: %pe\n",
			   n, qp->created, ERR_PTR(err));
	return err;
}

/* Destroy the device queues of @qp in reverse order; 0 or the first error */
static int ainic_qp_destroy(struct ainic_net *an, struct ainic_qp *qp)
{
	static const u8 qtype[AINIC_QP_NUM_QUEUES] = {
		[AINIC_QP_TXCQ] = AINIC_QTYPE_CQ,
		[AINIC_QP_RXCQ] = AINIC_QTYPE_CQ,
		[AINIC_QP_TXQ] = AINIC_QTYPE_TXQ,
		[AINIC_QP_RXQ] = AINIC_QTYPE_RXQ,
	};
	u16 qid[AINIC_QP_NUM_QUEUES] = {
		[AINIC_QP_TXCQ] = 2 * qp->idx,
		[AINIC_QP_RXCQ] = 2 * qp->idx + 1,
		[AINIC_QP_TXQ] = qp->idx,
		[AINIC_QP_RXQ] = qp->idx,
	};
	int err;

	while (qp->created) {
		err = ainic_cmd_q_destroy(an->adev, qtype[qp->created - 1],
					  qid[qp->created - 1]);
		if (err) {
			if (ainic_present(an->adev))
				netdev_err(an->netdev, "qp%u: Q_DESTROY of queue %u failed: %pe\n",
					   qp->idx, qp->created - 1,
					   ERR_PTR(err));
			return err;
		}
		qp->created--;
	}

	return 0;
}

/* Request the vector of @qp, create its device queues and start it */
static int ainic_qp_start(struct ainic_net *an, struct ainic_qp *qp)
{
	struct ainic_dev *adev = an->adev;
	struct net_device *netdev = an->netdev;
	int cpu, err;

	qp->irq = pci_irq_vector(adev->pdev, qp->vector);
	if (qp->irq < 0)
		return qp->irq;
	snprintf(qp->irq_name, sizeof(qp->irq_name), "%s-qp%u",
		 netdev->name, qp->idx);
	err = request_irq(qp->irq, ainic_qp_irq, 0, qp->irq_name, qp);
	if (err)
		return err;
	qp->irq_requested = true;
	netif_napi_set_irq(&qp->napi, qp->irq);
	cpu = cpumask_local_spread(qp->idx, dev_to_node(adev->dev));
	irq_update_affinity_hint(qp->irq, cpumask_of(cpu));

	err = ainic_qp_create(an, qp);
	if (err)
		return err;

	/* The buffers were posted at allocation: tell the device */
	ainic_wr32(adev, AINIC_REG_DB_RXQ(qp->idx), qp->rxq.prod);

	ainic_qp_set_coalesce(an, qp);
	napi_enable(&qp->napi);
	qp->napi_enabled = true;
	netif_queue_set_napi(netdev, qp->idx, NETDEV_QUEUE_TYPE_TX, &qp->napi);
	netif_queue_set_napi(netdev, qp->idx, NETDEV_QUEUE_TYPE_RX, &qp->napi);
	ainic_wr32(adev, AINIC_REG_INTR_MASK(qp->vector), 0);

	return 0;
}

/**
 * ainic_qps_start() - create the device queues and start the queue pairs
 * @an: netdev private area
 * @qps: from ainic_qps_alloc()
 * @nqps: entries in @qps
 *
 * Requests the vectors, creates the queues in the order of §7.1, enables
 * NAPI, unmasks the vectors and publishes @qps for xmit and statistics.
 * The TX queues are left to the caller to wake. On failure everything done
 * is undone; @qps stays allocated.
 *
 * Context: process, RTNL held.
 * Return: 0 or a negative errno.
 */
int ainic_qps_start(struct ainic_net *an, struct ainic_qp *qps,
		    unsigned int nqps)
{
	struct net_device *netdev = an->netdev;
	unsigned int i;
	int err;

	err = netif_set_real_num_queues(netdev, nqps, nqps);
	if (err)
		return err;

	WRITE_ONCE(an->stopping, false);
	for (i = 0; i < nqps; i++) {
		err = ainic_qp_start(an, &qps[i]);
		if (err)
			goto err_stop;
	}

	an->nqps = nqps;
	WRITE_ONCE(an->qps, qps);

	return 0;

err_stop:
	ainic_qps_stop(an, qps, nqps, true);
	return err;
}

/**
 * ainic_qps_stop() - stop the queue pairs and destroy the device queues
 * @an: netdev private area
 * @qps: started (or partly started) queue pairs, or NULL
 * @nqps: entries in @qps
 * @destroy: destroy the device queues; false when the caller resets the
 *	device, which drops them
 *
 * In fbnic's order: vectors masked and NAPI disabled first, so that no
 * completion can wake a TX queue, then the TX queues stopped, then the
 * device queues destroyed. If a Q_DESTROY fails the device may still DMA
 * into the rings: it is reset (which stops DMA, §3.2) before the caller
 * frees anything. Finally the vectors are released, so that the next
 * configuration can request them. The buffers are released by
 * ainic_qps_free().
 *
 * Context: process, RTNL held.
 */
void ainic_qps_stop(struct ainic_net *an, struct ainic_qp *qps,
		    unsigned int nqps, bool destroy)
{
	struct net_device *netdev = an->netdev;
	unsigned int i;

	WRITE_ONCE(an->stopping, true);

	for (i = 0; qps && i < nqps; i++) {
		struct ainic_qp *qp = &qps[i];

		ainic_wr32(an->adev, AINIC_REG_INTR_MASK(qp->vector), 1);
		if (qp->napi_enabled) {
			netif_queue_set_napi(netdev, i, NETDEV_QUEUE_TYPE_TX,
					     NULL);
			netif_queue_set_napi(netdev, i, NETDEV_QUEUE_TYPE_RX,
					     NULL);
			napi_disable(&qp->napi);
			qp->napi_enabled = false;
		}
		timer_delete_sync(&qp->refill_timer);
	}

	netif_tx_disable(netdev);

	if (!qps)
		return;

	if (an->qps == qps) {
		WRITE_ONCE(an->qps, NULL);
		an->nqps = 0;
	}

	for (i = nqps; destroy && i-- > 0;) {
		if (ainic_qp_destroy(an, &qps[i])) {
			/* Stop its DMA the only way left before freeing */
			ainic_health_destroy_failed(an->adev);
			destroy = false;
		}
	}
	/* Without destroy the device was (or is being) reset */
	for (i = 0; !destroy && i < nqps; i++)
		qps[i].created = 0;

	for (i = 0; i < nqps; i++) {
		struct ainic_qp *qp = &qps[i];

		if (!qp->irq_requested)
			continue;
		irq_update_affinity_hint(qp->irq, NULL);
		free_irq(qp->irq, qp);
		qp->irq_requested = false;
	}
}
