// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: ethtool operations.
 *
 * Without a data path only driver information and the link are reported.
 * With one: channels (-l/-L, combined only), ring sizes (-g/-G), interrupt
 * moderation (-c/-C, with AINIC_CAP_INTR_MODERATION), per-queue
 * counters (-S) and the device's totals (STATS_GET) of the transport
 * (with AINIC_CAP_RELIABLE, §10.6) and of receive coalescing (with
 * AINIC_CAP_RX_COALESCE, §7.5), named after their struct
 * ainic_dev_stats fields.
 */

#include <linux/ethtool.h>
#include <linux/log2.h>
#include <linux/netdevice.h>
#include <linux/pci.h>

#include "ainic.h"
#include "ainic_ethtool.h"
#include "ainic_netdev.h"
#include "ainic_txrx.h"

/* Names of the struct ainic_stats_snap fields, in order */
static const char * const ainic_q_stat_names[AINIC_Q_STATS_NUM] = {
	"packets", "bytes", "drops", "errors", "stops", "wakes",
	"alloc_fail", "csum", "tso", "bad_comp", "runts", "coal", "coal_segs",
};

#define AINIC_XSTAT_CAP(name, cap) \
	{ #name, offsetof(struct ainic_dev_stats, name), cap }
#define AINIC_XSTAT(name)	AINIC_XSTAT_CAP(name, AINIC_CAP_RELIABLE)
#define AINIC_CSTAT(name)	AINIC_XSTAT_CAP(name, AINIC_CAP_RX_COALESCE)

/* The device's counters in ethtool -S, after the queues', by capability */
static const struct {
	const char *name;
	size_t off;
	u64 cap;
} ainic_xport_stats[] = {
	AINIC_XSTAT(xport_tx_pkts),
	AINIC_XSTAT(xport_tx_bytes),
	AINIC_XSTAT(xport_rx_pkts),
	AINIC_XSTAT(xport_rx_bytes),
	AINIC_XSTAT(xport_retx_fast),
	AINIC_XSTAT(xport_retx_timeout),
	AINIC_XSTAT(xport_rto_expired),
	AINIC_XSTAT(xport_nacks_sent),
	AINIC_XSTAT(xport_nacks_rcvd),
	AINIC_XSTAT(xport_acks_sent),
	AINIC_XSTAT(xport_acks_rcvd),
	AINIC_XSTAT(xport_dup_dropped),
	AINIC_XSTAT(xport_ooo_buffered),
	AINIC_XSTAT(xport_out_of_window),
	AINIC_XSTAT(xport_rnr_sent),
	AINIC_XSTAT(xport_rnr_rcvd),
	AINIC_XSTAT(xport_bad_acks),
	AINIC_XSTAT(xport_unknown_conn),
	AINIC_XSTAT(xport_retry_exhausted),
	AINIC_XSTAT(xport_conns_created),
	AINIC_XSTAT(xport_conns_reaped),
	AINIC_XSTAT(xport_conns_refused),
	AINIC_XSTAT(xport_error_drops),
	AINIC_XSTAT(xport_malformed),
	AINIC_XSTAT(xport_timer_recovered),
	AINIC_XSTAT(xport_rnr_dropped),
	AINIC_CSTAT(rx_coalesced_frames),
	AINIC_CSTAT(rx_coalesced_segs),
	AINIC_CSTAT(rx_coalesce_flush_timer),
	AINIC_CSTAT(rx_coalesce_flush_limit),
	AINIC_CSTAT(rx_coalesce_flush_psh),
	AINIC_CSTAT(rx_coalesce_flush_mismatch),
	AINIC_CSTAT(rx_coalesce_flush_other),
};

static_assert(ARRAY_SIZE(ainic_xport_stats) == AINIC_XPORT_STATS_NUM);

static bool ainic_xport_stat_shown(struct ainic_net *an, unsigned int i)
{
	return ainic_has_cap(an->adev, ainic_xport_stats[i].cap);
}

static unsigned int ainic_xport_stats_num(struct ainic_net *an)
{
	unsigned int i, n = 0;

	for (i = 0; i < AINIC_XPORT_STATS_NUM; i++)
		n += ainic_xport_stat_shown(an, i);
	return n;
}

/*
 * Read the transport counters from the device into @an->xport_stats.
 * When STATS_GET fails (a device being recovered) the last values stay.
 * Context: process, RTNL held (ethtool).
 */
static void ainic_xport_stats_read(struct ainic_net *an)
{
	struct ainic_dev *adev = an->adev;
	struct ainic_dev_stats *st;
	unsigned int i, n;
	dma_addr_t dma;
	u32 len = 0;
	__le64 v;
	int err;

	st = dma_alloc_coherent(adev->dev, sizeof(*st), &dma, GFP_KERNEL);
	if (!st)
		return;

	err = ainic_cmd_stats_get(adev, dma, sizeof(*st), &len);
	if (!err && len >= sizeof(*st)) {
		for (i = 0, n = 0; i < AINIC_XPORT_STATS_NUM; i++) {
			if (!ainic_xport_stat_shown(an, i))
				continue;
			memcpy(&v, (u8 *)st + ainic_xport_stats[i].off,
			       sizeof(v));
			an->xport_stats[n++] = le64_to_cpu(v);
		}
	} else {
		netdev_warn_once(an->netdev, "STATS_GET failed (%d, %u bytes): device counters not updated\n",
				 err, len);
	}

	dma_free_coherent(adev->dev, sizeof(*st), st, dma);
}

static void ainic_get_drvinfo(struct net_device *netdev,
			      struct ethtool_drvinfo *info)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_dev *adev = an->adev;

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->fw_version, adev->ident.fw_version,
		sizeof(info->fw_version));
	strscpy(info->bus_info, pci_name(adev->pdev), sizeof(info->bus_info));
}

static void ainic_get_channels(struct net_device *netdev,
			       struct ethtool_channels *ch)
{
	struct ainic_net *an = netdev_priv(netdev);

	ch->max_combined = an->max_qps;
	ch->combined_count = an->num_qps;
}

static int ainic_set_channels(struct net_device *netdev,
			      struct ethtool_channels *ch)
{
	struct ainic_net *an = netdev_priv(netdev);

	if (ch->rx_count || ch->tx_count || ch->other_count ||
	    !ch->combined_count || ch->combined_count > an->max_qps)
		return -EINVAL;

	if (ch->combined_count == an->num_qps)
		return 0;

	return ainic_netdev_reconfig(an, ch->combined_count, an->tx_log2,
				     an->rx_log2, NULL);
}

static void ainic_get_ringparam(struct net_device *netdev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct ainic_net *an = netdev_priv(netdev);

	ring->rx_max_pending = 1U << an->max_log2;
	ring->tx_max_pending = 1U << an->max_log2;
	ring->rx_pending = 1U << an->rx_log2;
	ring->tx_pending = 1U << an->tx_log2;
}

/* Ring size to log2, rounded up to a power of two; -ERANGE if impossible */
static int ainic_ring_log2(struct ainic_net *an, u32 entries,
			   struct netlink_ext_ack *extack)
{
	unsigned int log2;

	if (entries < (1U << an->min_log2) || entries > (1U << an->max_log2)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "ring size must be between %u and %u",
				       1U << an->min_log2, 1U << an->max_log2);
		return -ERANGE;
	}
	log2 = order_base_2(entries);

	return log2;
}

static int ainic_set_ringparam(struct net_device *netdev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct ainic_net *an = netdev_priv(netdev);
	int tx, rx;

	if (ring->rx_mini_pending || ring->rx_jumbo_pending) {
		NL_SET_ERR_MSG_MOD(extack, "only rx and tx rings exist");
		return -EINVAL;
	}

	tx = ainic_ring_log2(an, ring->tx_pending, extack);
	if (tx < 0)
		return tx;
	rx = ainic_ring_log2(an, ring->rx_pending, extack);
	if (rx < 0)
		return rx;

	if (tx == an->tx_log2 && rx == an->rx_log2)
		return 0;

	return ainic_netdev_reconfig(an, an->num_qps, tx, rx, extack);
}

static int ainic_get_coalesce(struct net_device *netdev,
			      struct ethtool_coalesce *ec,
			      struct kernel_ethtool_coalesce *kec,
			      struct netlink_ext_ack *extack)
{
	struct ainic_net *an = netdev_priv(netdev);

	ec->rx_coalesce_usecs = an->coal_usecs;
	ec->tx_coalesce_usecs = an->coal_usecs;
	ec->rx_max_coalesced_frames = an->coal_frames;
	return 0;
}

static int ainic_set_coalesce(struct net_device *netdev,
			      struct ethtool_coalesce *ec,
			      struct kernel_ethtool_coalesce *kec,
			      struct netlink_ext_ack *extack)
{
	struct ainic_net *an = netdev_priv(netdev);
	u32 usecs = ec->rx_coalesce_usecs;

	/* One vector serves both directions: take the value that changed */
	if (ec->tx_coalesce_usecs != an->coal_usecs &&
	    ec->rx_coalesce_usecs == an->coal_usecs)
		usecs = ec->tx_coalesce_usecs;

	if (!ainic_has_cap(an->adev, AINIC_CAP_INTR_MODERATION)) {
		if (usecs || ec->rx_max_coalesced_frames) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the device has no interrupt moderation");
			return -EOPNOTSUPP;
		}
		return 0;
	}

	an->coal_usecs = usecs;
	an->coal_frames = ec->rx_max_coalesced_frames;
	ainic_qps_set_coalesce(an);
	return 0;
}

static int ainic_get_sset_count(struct net_device *netdev, int sset)
{
	struct ainic_net *an = netdev_priv(netdev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;

	return an->num_qps * 2 * AINIC_Q_STATS_NUM + ainic_xport_stats_num(an);
}

static void ainic_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	struct ainic_net *an = netdev_priv(netdev);
	unsigned int i, j;

	if (sset != ETH_SS_STATS)
		return;

	for (i = 0; i < an->num_qps; i++)
		for (j = 0; j < AINIC_Q_STATS_NUM; j++)
			ethtool_sprintf(&data, "tx%u_%s", i,
					ainic_q_stat_names[j]);
	for (i = 0; i < an->num_qps; i++)
		for (j = 0; j < AINIC_Q_STATS_NUM; j++)
			ethtool_sprintf(&data, "rx%u_%s", i,
					ainic_q_stat_names[j]);
	for (i = 0; i < AINIC_XPORT_STATS_NUM; i++)
		if (ainic_xport_stat_shown(an, i))
			ethtool_puts(&data, ainic_xport_stats[i].name);
}

static void ainic_get_ethtool_stats(struct net_device *netdev,
				    struct ethtool_stats *stats, u64 *data)
{
	struct ainic_net *an = netdev_priv(netdev);
	unsigned int i, n = an->num_qps;
	struct ainic_stats_snap t, r;

	for (i = 0; i < n; i++) {
		ainic_qstats_read(an, i, &t, &r);
		memcpy(&data[i * AINIC_Q_STATS_NUM], &t, sizeof(t));
		memcpy(&data[(n + i) * AINIC_Q_STATS_NUM], &r, sizeof(r));
	}

	if (!ainic_xport_stats_num(an))
		return;
	ainic_xport_stats_read(an);
	memcpy(&data[2 * n * AINIC_Q_STATS_NUM], an->xport_stats,
	       ainic_xport_stats_num(an) * sizeof(an->xport_stats[0]));
}

static const struct ethtool_ops ainic_ethtool_ops_basic = {
	.get_drvinfo	= ainic_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

static const struct ethtool_ops ainic_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_USECS |
				     ETHTOOL_COALESCE_RX_MAX_FRAMES,
	.get_drvinfo		= ainic_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= ainic_get_channels,
	.set_channels		= ainic_set_channels,
	.get_ringparam		= ainic_get_ringparam,
	.set_ringparam		= ainic_set_ringparam,
	.get_coalesce		= ainic_get_coalesce,
	.set_coalesce		= ainic_set_coalesce,
	.get_sset_count		= ainic_get_sset_count,
	.get_strings		= ainic_get_strings,
	.get_ethtool_stats	= ainic_get_ethtool_stats,
};

/**
 * ainic_ethtool_set_ops() - install the ethtool operations
 * @netdev: netdev, private area initialised
 */
void ainic_ethtool_set_ops(struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);

	netdev->ethtool_ops = an->datapath ? &ainic_ethtool_ops :
					     &ainic_ethtool_ops_basic;
}
