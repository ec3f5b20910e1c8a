/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: data path (queue pairs, NAPI, transmit and receive) */

#ifndef _AINIC_TXRX_H_
#define _AINIC_TXRX_H_

#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <net/netdev_queues.h>

#include <uapi/linux/ainic_if.h>

struct ainic_dev;
struct page_pool;

#define AINIC_RING_DEFAULT_LOG2	10	/* 1024 entries */
#define AINIC_COAL_DEFAULT_USECS	0
/* Retry an RX refill that found no memory after this long */
#define AINIC_RX_REFILL_RETRY	(HZ / 100 ?: 1)
/* Where the device writes in an RX buffer page */
#define AINIC_RX_HEADROOM	(NET_SKB_PAD + NET_IP_ALIGN)

/**
 * struct ainic_q_stats - counters of one TX or RX queue
 * @syncp: synchronises readers with the queue's single writer
 * @packets: frames sent or received
 * @bytes: bytes sent (on the wire, after TSO) or received
 * @drops: frames dropped by the driver (mapping or allocation failures)
 * @errors: frames the device completed with an error status
 * @stops: TX: times the queue was stopped for lack of descriptors
 * @wakes: TX: times it was woken from completion
 * @alloc_fail: RX: buffer allocations that failed
 * @csum: TX: CHECKSUM_PARTIAL frames; RX: frames with CSUM_OK
 * @tso: TX: TSO frames
 * @bad_comp: completions that broke the device contract (a descriptor
 *	that is not outstanding or not a frame's last, a length beyond the
 *	buffer); dropped, and for TX the device is reset
 * @runts: RX: frames whose first buffer is shorter than an Ethernet header
 * @coal: RX: frames the device merged from several TCP segments (§7.5)
 * @coal_segs: RX: the segments in them
 */
struct ainic_q_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
	u64_stats_t errors;
	u64_stats_t stops;
	u64_stats_t wakes;
	u64_stats_t alloc_fail;
	u64_stats_t csum;
	u64_stats_t tso;
	u64_stats_t bad_comp;
	u64_stats_t runts;
	u64_stats_t coal;
	u64_stats_t coal_segs;
};

/**
 * struct ainic_stats_snap - plain copy of struct ainic_q_stats
 * @packets: see struct ainic_q_stats
 * @bytes: see struct ainic_q_stats
 * @drops: see struct ainic_q_stats
 * @errors: see struct ainic_q_stats
 * @stops: see struct ainic_q_stats
 * @wakes: see struct ainic_q_stats
 * @alloc_fail: see struct ainic_q_stats
 * @csum: see struct ainic_q_stats
 * @tso: see struct ainic_q_stats
 * @bad_comp: see struct ainic_q_stats
 * @runts: see struct ainic_q_stats
 * @coal: see struct ainic_q_stats
 * @coal_segs: see struct ainic_q_stats
 */
struct ainic_stats_snap {
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 errors;
	u64 stops;
	u64 wakes;
	u64 alloc_fail;
	u64 csum;
	u64 tso;
	u64 bad_comp;
	u64 runts;
	u64 coal;
	u64 coal_segs;
};

#define AINIC_Q_STATS_NUM	(sizeof(struct ainic_stats_snap) / sizeof(u64))

/**
 * struct ainic_cq - a completion queue
 * @ring: entries (coherent DMA memory)
 * @dma: bus address of @ring
 * @mask: entries - 1
 * @head: next entry to look at
 * @phase: colour of a valid entry in the current lap
 */
struct ainic_cq {
	struct ainic_cqe *ring;
	dma_addr_t dma;
	u32 mask;
	u32 head;
	u8 phase;
};

/**
 * struct ainic_tx_buf - driver state of one TX descriptor
 * @skb: the frame, on the frame's last (EOP) descriptor only
 * @dma: mapping of this descriptor's buffer
 * @len: its length; 0 when nothing is mapped
 * @bytes: on EOP: bytes on the wire, for BQL and statistics
 * @is_head: @dma maps the linear part (dma_map_single), else a frag
 */
struct ainic_tx_buf {
	struct sk_buff *skb;
	dma_addr_t dma;
	u32 len;
	u32 bytes;
	bool is_head;
};

/**
 * struct ainic_txq - a transmit ring
 * @ring: descriptors (coherent DMA memory)
 * @dma: bus address of @ring
 * @bufs: per-descriptor state
 * @mask: entries - 1
 * @prod: producer index, written by xmit under the queue lock
 * @cons: first descriptor not completed yet, written by NAPI
 * @nq: the netdev TX queue
 * @stats: counters written by NAPI (packets, bytes, errors, wakes)
 * @xstats: counters written by xmit (drops, stops, csum, tso)
 *
 * The counters live in &struct ainic_net, so that they survive the queue.
 */
struct ainic_txq {
	struct ainic_tx_desc *ring;
	dma_addr_t dma;
	struct ainic_tx_buf *bufs;
	u32 mask;
	u32 prod;
	u32 cons;
	struct netdev_queue *nq;
	struct ainic_q_stats *stats;
	struct ainic_q_stats *xstats;
};

/**
 * struct ainic_rxq - a receive ring
 * @ring: descriptors (coherent DMA memory)
 * @dma: bus address of @ring
 * @pages: page posted at each descriptor, NULL when none
 * @pp: page pool the buffers come from
 * @skb: frame being assembled from several buffers (no EOP seen yet)
 * @skb_err: the frame in @skb is to be dropped at its EOP
 * @mask: entries - 1
 * @prod: producer index: next descriptor to post
 * @cons: next posted descriptor the device will fill
 * @stats: counters
 */
struct ainic_rxq {
	struct ainic_rx_desc *ring;
	dma_addr_t dma;
	struct page **pages;
	struct page_pool *pp;
	struct sk_buff *skb;
	bool skb_err;
	u32 mask;
	u32 prod;
	u32 cons;
	struct ainic_q_stats *stats;
};

/**
 * struct ainic_qp - one queue pair and its interrupt vector
 * @an: netdev private area
 * @idx: queue pair number
 * @vector: MSI-X vector, AINIC_VEC_QP(@idx)
 * @irq: Linux IRQ number of @vector
 * @irq_requested: @irq is requested
 * @created: device queues created, for the teardown path
 * @napi_enabled: @napi is enabled
 * @napi: NAPI instance serving both completion queues
 * @refill_timer: schedules @napi again when an RX refill found no memory
 * @txq: transmit ring
 * @rxq: receive ring
 * @txcq: completion queue 2 * @idx
 * @rxcq: completion queue 2 * @idx + 1
 * @irq_name: name shown in /proc/interrupts
 */
struct ainic_qp {
	struct ainic_net *an;
	unsigned int idx;
	unsigned int vector;
	int irq;
	bool irq_requested;
	unsigned int created;
	bool napi_enabled;
	struct napi_struct napi;
	struct timer_list refill_timer;
	struct ainic_txq txq;
	struct ainic_rxq rxq;
	struct ainic_cq txcq;
	struct ainic_cq rxcq;
	char irq_name[IFNAMSIZ + 16];
};

/**
 * struct ainic_qstats - counters of one queue pair, kept across restarts
 * @tx: TX counters written by NAPI
 * @txx: TX counters written by xmit
 * @rx: RX counters
 */
struct ainic_qstats {
	struct ainic_q_stats tx;
	struct ainic_q_stats txx;
	struct ainic_q_stats rx;
};

/**
 * struct ainic_txdrop_stats - counters of a TX queue without a data path
 * @syncp: synchronises readers with the queue's writer
 * @dropped: frames dropped
 */
struct ainic_txdrop_stats {
	struct u64_stats_sync syncp;
	u64_stats_t dropped;
};

/*
 * Device counters of STATS_GET in ethtool -S (ainic_ethtool.c): the
 * transport's and receive coalescing's
 */
#define AINIC_XPORT_STATS_NUM	33

/**
 * struct ainic_net - netdev private area
 * @adev: device
 * @netdev: the netdev
 * @datapath: the device moves frames (AINIC_CAP_DATAPATH and vectors)
 * @max_qps: most queue pairs (channels) the netdev may use
 * @num_qps: queue pairs configured (ethtool -L)
 * @tx_log2: TX ring size, log2 (ethtool -G)
 * @rx_log2: RX ring size, log2
 * @min_log2: smallest ring size the device takes, log2
 * @max_log2: largest ring size the device takes, log2
 * @max_sg: TX descriptors per frame
 * @rx_buf_size: bytes the device may write to one RX buffer
 * @coal_usecs: interrupt moderation, microseconds
 * @coal_frames: interrupt moderation, completions
 * @qps: queue pairs while the netdev is up, else NULL
 * @nqps: entries in @qps
 * @stopping: the queue pairs are being stopped: NAPI wakes no TX queue
 * @quiesced_qps: queue pairs stopped for a device reset, freed after it
 * @quiesced_nqps: entries in @quiesced_qps
 * @qstats: counters of queue pairs 0 .. @max_qps - 1. They are kept when
 *	the queues are freed (down, reconfiguration), so per-queue counters
 *	and totals never go back; queues beyond @num_qps count as base stats
 * @xport_stats: the device's counters as last read for ethtool -S (the
 *	ones its capabilities have, in ainic_ethtool.c's order); under RTNL
 * @num_txdrop: entries in @txdrop
 * @txdrop: per TX queue drop counters used without a data path
 */
struct ainic_net {
	struct ainic_dev *adev;
	struct net_device *netdev;
	bool datapath;
	unsigned int max_qps;
	unsigned int num_qps;
	unsigned int tx_log2;
	unsigned int rx_log2;
	unsigned int min_log2;
	unsigned int max_log2;
	unsigned int max_sg;
	unsigned int rx_buf_size;
	u32 coal_usecs;
	u32 coal_frames;

	struct ainic_qp *qps;
	unsigned int nqps;
	bool stopping;
	struct ainic_qp *quiesced_qps;
	unsigned int quiesced_nqps;
	struct ainic_qstats *qstats;

	u64 xport_stats[AINIC_XPORT_STATS_NUM];

	unsigned int num_txdrop;
	struct ainic_txdrop_stats txdrop[] __counted_by(num_txdrop);
};

int ainic_qps_alloc(struct ainic_net *an, unsigned int nqps,
		    unsigned int tx_log2, unsigned int rx_log2,
		    struct ainic_qp **qps_out);
void ainic_qps_free(struct ainic_net *an, struct ainic_qp *qps,
		    unsigned int nqps);
int ainic_qps_start(struct ainic_net *an, struct ainic_qp *qps,
		    unsigned int nqps);
void ainic_qps_stop(struct ainic_net *an, struct ainic_qp *qps,
		    unsigned int nqps, bool destroy);
void ainic_qps_set_coalesce(struct ainic_net *an);

netdev_tx_t ainic_xmit(struct sk_buff *skb, struct net_device *netdev);

void ainic_q_stats_read(struct ainic_q_stats *s, struct ainic_stats_snap *o);
void ainic_stats_add(struct ainic_stats_snap *sum,
		     const struct ainic_stats_snap *s);
void ainic_qstats_read(struct ainic_net *an, unsigned int i,
		       struct ainic_stats_snap *tx, struct ainic_stats_snap *rx);

extern const struct netdev_stat_ops ainic_stat_ops;

#if IS_ENABLED(CONFIG_KUNIT)
void ainic_base_stats_fold(struct ainic_net *an, struct ainic_stats_snap *tx,
			   struct ainic_stats_snap *rx);
#endif

#endif /* _AINIC_TXRX_H_ */
