// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: the network device of an ainic function.
 *
 * With AINIC_CAP_DATAPATH (and an MSI-X vector per queue pair) ndo_open
 * creates the queue pairs (ainic_txrx.c) and ndo_stop destroys them.
 * Without it, transmitted frames are dropped and counted, as before the
 * data path existed. MTU and MAC are applied to the device with
 * PORT_CONFIG at open and on every change, and replayed after a device
 * reset (ainic_health.c) together with the queue pairs; the carrier
 * follows the device's link state.
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/u64_stats_sync.h>
#include <net/ip.h>
#include <net/netdev_queues.h>

#include "ainic.h"
#include "ainic_ethtool.h"
#include "ainic_health.h"
#include "ainic_netdev.h"
#include "ainic_txrx.h"

/* Set the carrier from @adev->link_up. link_lock held. */
static void ainic_netdev_set_carrier(struct ainic_dev *adev,
				     struct net_device *netdev)
{
	if (adev->link_up)
		netif_carrier_on(netdev);
	else
		netif_carrier_off(netdev);
}

/**
 * ainic_netdev_link_update() - the device reported a link change
 * @adev: device
 * @up: new link state
 *
 * Updates the carrier when the netdev is up; ndo_open reads the state
 * afresh from DEV_STATUS.
 *
 * Context: any, including hard IRQ.
 */
void ainic_netdev_link_update(struct ainic_dev *adev, bool up)
{
	struct net_device *netdev;
	unsigned long flags;

	spin_lock_irqsave(&adev->link_lock, flags);
	adev->link_up = up;
	netdev = adev->netdev;
	if (netdev && netif_running(netdev))
		ainic_netdev_set_carrier(adev, netdev);
	spin_unlock_irqrestore(&adev->link_lock, flags);
}

/* Allocate and start the queue pairs of the current configuration */
static int ainic_up(struct ainic_net *an)
{
	struct ainic_qp *qps;
	int err;

	err = ainic_qps_alloc(an, an->num_qps, an->tx_log2, an->rx_log2, &qps);
	if (err)
		return err;

	err = ainic_qps_start(an, qps, an->num_qps);
	if (err) {
		ainic_qps_free(an, qps, an->num_qps);
		return err;
	}

	return 0;
}

/* Stop and free the queue pairs; @destroy as for ainic_qps_stop() */
static void ainic_down(struct ainic_net *an, bool destroy)
{
	struct ainic_qp *qps = an->qps;
	unsigned int nqps = an->nqps;

	ainic_qps_stop(an, qps, nqps, destroy);
	ainic_qps_free(an, qps, nqps);
}

/* Read the link state afresh and set the carrier from it */
static void ainic_netdev_read_link(struct ainic_dev *adev,
				   struct net_device *netdev)
{
	spin_lock_irq(&adev->link_lock);
	adev->link_up = ainic_link_status(adev);
	ainic_netdev_set_carrier(adev, netdev);
	spin_unlock_irq(&adev->link_lock);
}

static int ainic_open(struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_dev *adev = an->adev;
	int err;

	/* The device starts from its defaults after a reset: tell it ours */
	err = ainic_port_replay(adev);
	if (err) {
		netdev_err(netdev, "cannot program MTU and MAC: %pe\n",
			   ERR_PTR(err));
		return err;
	}

	if (an->datapath) {
		err = ainic_up(an);
		if (err) {
			netdev_err(netdev, "cannot start the queues: %pe\n",
				   ERR_PTR(err));
			return err;
		}
	}

	ainic_netdev_read_link(adev, netdev);
	netif_tx_start_all_queues(netdev);
	return 0;
}

static int ainic_stop(struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_dev *adev = an->adev;

	if (an->datapath)
		ainic_down(an, true);
	else
		netif_tx_disable(netdev);

	spin_lock_irq(&adev->link_lock);
	netif_carrier_off(netdev);
	spin_unlock_irq(&adev->link_lock);

	return 0;
}

/**
 * ainic_netdev_reconfig() - change queue pairs and ring sizes
 * @an: netdev private area
 * @nqps: queue pairs
 * @tx_log2: TX ring size, log2
 * @rx_log2: RX ring size, log2
 * @extack: for the error message, may be NULL
 *
 * When the netdev is down the settings are only recorded. When it is up
 * the new queue pairs are allocated first, as ionic does, so that a
 * failed allocation leaves the running configuration alone. Then the old
 * ones are stopped and freed and the new ones started (both would use the
 * same MSI-X vectors and device queue ids, so they cannot run at once). If
 * the start fails the previous settings are restored.
 *
 * Context: process, RTNL held.
 * Return: 0 or a negative errno.
 */
int ainic_netdev_reconfig(struct ainic_net *an, unsigned int nqps,
			  unsigned int tx_log2, unsigned int rx_log2,
			  struct netlink_ext_ack *extack)
{
	unsigned int old_nqps = an->num_qps, old_tx = an->tx_log2;
	unsigned int old_rx = an->rx_log2;
	struct net_device *netdev = an->netdev;
	struct ainic_qp *qps;
	int err, err2;

	ASSERT_RTNL();

	if (!netif_running(netdev) || !netif_device_present(netdev)) {
		err = netif_set_real_num_queues(netdev, nqps, nqps);
		if (err)
			return err;
		an->num_qps = nqps;
		an->tx_log2 = tx_log2;
		an->rx_log2 = rx_log2;
		return 0;
	}

	err = ainic_qps_alloc(an, nqps, tx_log2, rx_log2, &qps);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cannot allocate the new queues; the current ones keep running");
		return err;
	}

	ainic_down(an, true);

	an->num_qps = nqps;
	an->tx_log2 = tx_log2;
	an->rx_log2 = rx_log2;
	err = ainic_qps_start(an, qps, nqps);
	if (err) {
		ainic_qps_free(an, qps, nqps);
		NL_SET_ERR_MSG_MOD(extack,
				   "cannot start the new queues, previous configuration restored");
		an->num_qps = old_nqps;
		an->tx_log2 = old_tx;
		an->rx_log2 = old_rx;
		err2 = ainic_up(an);
		if (err2) {
			netdev_err(netdev, "cannot restore the queues: %pe; the interface is up without queues\n",
				   ERR_PTR(err2));
			return err;
		}
	}

	netif_tx_wake_all_queues(netdev);
	return err;
}

static netdev_tx_t ainic_start_xmit(struct sk_buff *skb,
				    struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_txdrop_stats *stats;
	unsigned int qi = skb_get_queue_mapping(skb);

	if (an->datapath)
		return ainic_xmit(skb, netdev);

	/* No data path: the device moves no frames; drop and count */
	stats = &an->txdrop[min(qi, an->num_txdrop - 1)];
	u64_stats_update_begin(&stats->syncp);
	u64_stats_inc(&stats->dropped);
	u64_stats_update_end(&stats->syncp);

	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static void ainic_get_stats64(struct net_device *netdev,
			      struct rtnl_link_stats64 *stats)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_stats_snap tx = {}, rx = {}, t, r;
	struct ainic_txdrop_stats *txd;
	unsigned int i, start;
	u64 dropped;

	for (i = 0; i < an->num_txdrop; i++) {
		txd = &an->txdrop[i];
		do {
			start = u64_stats_fetch_begin(&txd->syncp);
			dropped = u64_stats_read(&txd->dropped);
		} while (u64_stats_fetch_retry(&txd->syncp, start));

		stats->tx_dropped += dropped;
	}

	for (i = 0; i < an->max_qps; i++) {
		ainic_qstats_read(an, i, &t, &r);
		ainic_stats_add(&tx, &t);
		ainic_stats_add(&rx, &r);
	}

	stats->tx_packets = tx.packets;
	stats->tx_bytes = tx.bytes;
	stats->tx_dropped += tx.drops;
	stats->tx_errors = tx.errors;
	stats->rx_packets = rx.packets;
	stats->rx_bytes = rx.bytes;
	stats->rx_dropped = rx.drops + rx.alloc_fail;
	stats->rx_errors = rx.errors + rx.bad_comp + rx.runts;
	stats->rx_length_errors = rx.runts;
}

/*
 * The buffers the device may merge into one frame (§7.5) with @features
 * (0: coalescing off): the skb head and MAX_SKB_FRAGS page frags, and
 * fewer than the smallest RX ring holds.
 */
static u8 ainic_rx_coal_bufs(struct net_device *netdev,
			     netdev_features_t features)
{
	struct ainic_net *an = netdev_priv(netdev);

	if (!(features & NETIF_F_GRO_HW))
		return 0;

	return min3(1U + MAX_SKB_FRAGS, (1U << an->min_log2) - 1, 255U);
}

/**
 * ainic_port_replay() - program the device's port configuration
 * @adev: device
 *
 * The netdev's MTU and address, the transport policy (@adev->xport,
 * set with genl dev-set) and receive coalescing (NETIF_F_GRO_HW) are the
 * shadow of the port configuration: the device forgets them on reset
 * (§3.2), so they are written at every open and after recovery.
 *
 * Context: process, RTNL held.
 * Return: 0 or a negative errno.
 */
int ainic_port_replay(struct ainic_dev *adev)
{
	struct net_device *netdev = adev->netdev;
	u32 valid = AINIC_PORT_CFG_MTU | AINIC_PORT_CFG_MAC;
	u8 coal_bufs = 0;

	ASSERT_RTNL();
	if (!netdev)
		return 0;

	/* Without the capability the device knows no policy (EINVAL) */
	if (ainic_has_cap(adev, AINIC_CAP_RELIABLE))
		valid |= AINIC_PORT_CFG_XPORT;
	if (netdev->hw_features & NETIF_F_GRO_HW) {
		valid |= AINIC_PORT_CFG_RX_COALESCE;
		coal_bufs = ainic_rx_coal_bufs(netdev, netdev->features);
	}

	return ainic_cmd_port_config(adev, valid, netdev->mtu,
				     netdev->dev_addr, adev->xport, coal_bufs);
}

static int ainic_change_mtu(struct net_device *netdev, int new_mtu)
{
	struct ainic_net *an = netdev_priv(netdev);
	int err;

	err = ainic_cmd_port_config(an->adev, AINIC_PORT_CFG_MTU, new_mtu,
				    NULL, 0, 0);
	if (err) {
		netdev_err(netdev, "device refused MTU %d: %pe\n", new_mtu,
			   ERR_PTR(err));
		return err;
	}

	/*
	 * RX buffers do not depend on the MTU (a long frame spans several
	 * buffers, see ainic_txrx.c), so running queues need no change.
	 */
	WRITE_ONCE(netdev->mtu, new_mtu);
	return 0;
}

/*
 * rx-gro-hw: receive coalescing in the device (§7.5), at run time with
 * PORT_CONFIG; while the netdev is down the next open programs it. A
 * refusal leaves the features as they were (the core keeps them).
 */
static int ainic_set_features(struct net_device *netdev,
			      netdev_features_t features)
{
	struct ainic_net *an = netdev_priv(netdev);
	netdev_features_t changed = netdev->features ^ features;
	int err;

	if (!(changed & NETIF_F_GRO_HW) || !netif_running(netdev))
		return 0;

	err = ainic_cmd_port_config(an->adev, AINIC_PORT_CFG_RX_COALESCE, 0,
				    NULL, 0,
				    ainic_rx_coal_bufs(netdev, features));
	if (err) {
		netdev_err(netdev, "device refused to turn receive coalescing %s: %pe\n",
			   (features & NETIF_F_GRO_HW) ? "on" : "off",
			   ERR_PTR(err));
		return err;
	}
	return 0;
}

static int ainic_set_mac_address(struct net_device *netdev, void *p)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct sockaddr *addr = p;
	int err;

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;

	err = ainic_cmd_port_config(an->adev, AINIC_PORT_CFG_MAC, 0,
				    addr->sa_data, 0, 0);
	if (err) {
		netdev_err(netdev, "device refused MAC %pM: %pe\n",
			   addr->sa_data, ERR_PTR(err));
		return err;
	}

	eth_hw_addr_set(netdev, addr->sa_data);
	return 0;
}

/* Context: the TX watchdog (timer, netif_tx_lock held): hand it over */
static void ainic_tx_timeout(struct net_device *netdev, unsigned int txqueue)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_qp *qps = READ_ONCE(an->qps);
	struct ainic_txq *txq;

	if (qps && txqueue < an->nqps) {
		txq = &qps[txqueue].txq;
		netdev_err(netdev, "TX queue %u timed out: prod %u cons %u\n",
			   txqueue, READ_ONCE(txq->prod), READ_ONCE(txq->cons));
	} else {
		netdev_err(netdev, "TX queue %u timed out\n", txqueue);
	}
	ainic_health_tx_timeout(an->adev, txqueue);
}

/**
 * ainic_netdev_quiesce() - stop the netdev's use of the device for a reset
 * @adev: device about to be reset
 *
 * The netdev stays registered but is detached (no xmit, no ndo calls
 * reach the device) and its queues are stopped without Q_DESTROY: the
 * reset that follows drops them. They are freed after the reset by
 * ainic_netdev_resume().
 *
 * Context: process, RTNL held.
 */
void ainic_netdev_quiesce(struct ainic_dev *adev)
{
	struct net_device *netdev = adev->netdev;
	struct ainic_net *an;

	ASSERT_RTNL();
	if (!netdev)
		return;
	an = netdev_priv(netdev);

	netif_device_detach(netdev);
	/* A failed recovery may have left queues there already */
	if (netif_running(netdev) && an->datapath && an->qps) {
		an->quiesced_qps = an->qps;
		an->quiesced_nqps = an->nqps;
		ainic_qps_stop(an, an->qps, an->nqps, false);
	}

	spin_lock_irq(&adev->link_lock);
	netif_carrier_off(netdev);
	spin_unlock_irq(&adev->link_lock);
}

/**
 * ainic_netdev_resume() - bring the netdev back after a device reset
 * @adev: device, reset and enabled again
 *
 * Frees the queues of ainic_netdev_quiesce() (the device no longer DMAs
 * into them), replays the shadow state (MTU and MAC, then the queue
 * pairs with their ring sizes and moderation) and reattaches the netdev.
 *
 * Context: process, RTNL held.
 * Return: 0 or a negative errno (the netdev then stays detached).
 */
int ainic_netdev_resume(struct ainic_dev *adev)
{
	struct net_device *netdev = adev->netdev;
	struct ainic_net *an;
	int err;

	ASSERT_RTNL();
	if (!netdev)
		return 0;
	an = netdev_priv(netdev);

	ainic_qps_free(an, an->quiesced_qps, an->quiesced_nqps);
	an->quiesced_qps = NULL;
	an->quiesced_nqps = 0;

	err = ainic_port_replay(adev);
	if (err) {
		netdev_err(netdev, "cannot restore MTU and MAC: %pe\n",
			   ERR_PTR(err));
		return err;
	}

	if (netif_running(netdev)) {
		if (an->datapath) {
			err = ainic_up(an);
			if (err) {
				netdev_err(netdev, "cannot restore the queues: %pe\n",
					   ERR_PTR(err));
				return err;
			}
		}
		ainic_netdev_read_link(adev, netdev);
	}

	netif_device_attach(netdev);
	return 0;
}

/*
 * The device segments only TCP right behind the IPv4 header or a bare IPv6
 * header, with an MSS of at least AINIC_TSO_MIN_MSS (spec 7.2); anything
 * else it completes with EINVAL, so the stack segments such skbs itself.
 */
static netdev_features_t ainic_features_check(struct sk_buff *skb,
					      struct net_device *netdev,
					      netdev_features_t features)
{
	unsigned int ip_end;

	features = vlan_features_check(skb, features);
	if (!skb_is_gso(skb))
		return features;

	if (skb_shinfo(skb)->gso_size < AINIC_TSO_MIN_MSS)
		return features & ~NETIF_F_GSO_MASK;

	if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4)
		ip_end = skb_network_offset(skb) + ip_hdrlen(skb);
	else
		ip_end = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	if (skb_transport_offset(skb) != ip_end ||
	    tcp_hdrlen(skb) > AINIC_TSO_MAX_TCP_HDR)
		return features & ~NETIF_F_GSO_MASK;

	return features;
}

static const struct net_device_ops ainic_netdev_ops = {
	.ndo_open		= ainic_open,
	.ndo_stop		= ainic_stop,
	.ndo_start_xmit		= ainic_start_xmit,
	.ndo_get_stats64	= ainic_get_stats64,
	.ndo_change_mtu		= ainic_change_mtu,
	.ndo_set_mac_address	= ainic_set_mac_address,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_tx_timeout		= ainic_tx_timeout,
	.ndo_features_check	= ainic_features_check,
	.ndo_set_features	= ainic_set_features,
};

/* Data path parameters and features from the capabilities */
static int ainic_netdev_init_datapath(struct ainic_net *an)
{
	struct ainic_dev *adev = an->adev;
	struct ainic_ident *id = &adev->ident;
	struct net_device *netdev = an->netdev;
	netdev_features_t features = 0;
	unsigned int i;

	an->max_qps = min(adev->num_qps, id->max_qps);
	an->datapath = ainic_has_cap(adev, AINIC_CAP_DATAPATH) &&
		       adev->num_irqs >= 2 && an->max_qps;
	if (!an->datapath) {
		if (ainic_has_cap(adev, AINIC_CAP_DATAPATH))
			netdev_warn(netdev, "no MSI-X vector for queues, data path disabled\n");
		an->max_qps = 0;
		return 0;
	}

	an->num_qps = an->max_qps;
	an->min_log2 = AINIC_RING_MIN_LOG2;
	an->max_log2 = AINIC_RING_MAX_LOG2;
	if (id->min_ring_log2 && id->max_ring_log2 &&
	    id->min_ring_log2 <= id->max_ring_log2) {
		an->min_log2 = clamp_t(unsigned int, id->min_ring_log2,
				       AINIC_RING_MIN_LOG2, AINIC_RING_MAX_LOG2);
		an->max_log2 = clamp_t(unsigned int, id->max_ring_log2,
				       an->min_log2, AINIC_RING_MAX_LOG2);
	}
	an->tx_log2 = clamp_t(unsigned int, AINIC_RING_DEFAULT_LOG2,
			      an->min_log2, an->max_log2);
	an->rx_log2 = an->tx_log2;
	an->rx_buf_size = min_t(unsigned int, 65536,
				SKB_WITH_OVERHEAD(PAGE_SIZE -
						  AINIC_RX_HEADROOM));
	an->coal_usecs = AINIC_COAL_DEFAULT_USECS;

	an->max_sg = 1;
	if (ainic_has_cap(adev, AINIC_CAP_TX_SG))
		an->max_sg = clamp_t(unsigned int, id->max_sg, 1,
				     MAX_SKB_FRAGS + 1);
	if (an->max_sg > 1)
		features |= NETIF_F_SG;
	if (ainic_has_cap(adev, AINIC_CAP_TX_CSUM))
		features |= NETIF_F_HW_CSUM;
	if (ainic_has_cap(adev, AINIC_CAP_TSO | AINIC_CAP_TX_CSUM))
		features |= NETIF_F_TSO | NETIF_F_TSO6;
	if (ainic_has_cap(adev, AINIC_CAP_RX_CSUM))
		features |= NETIF_F_RXCSUM;
	/* Merging needs the device's checksum check (§7.5) */
	if (ainic_has_cap(adev, AINIC_CAP_RX_COALESCE | AINIC_CAP_RX_CSUM))
		features |= NETIF_F_GRO_HW;

	netdev->hw_features |= features;
	netdev->features |= features;
	/* TSO hdr_len would have to cover a VLAN tag: not promised by §7.2 */
	netdev->vlan_features |= features & ~(NETIF_F_TSO | NETIF_F_TSO6 |
					      NETIF_F_GRO_HW);
	netdev->stat_ops = &ainic_stat_ops;

	an->qstats = kcalloc(an->max_qps, sizeof(*an->qstats), GFP_KERNEL);
	if (!an->qstats)
		return -ENOMEM;
	for (i = 0; i < an->max_qps; i++) {
		u64_stats_init(&an->qstats[i].tx.syncp);
		u64_stats_init(&an->qstats[i].txx.syncp);
		u64_stats_init(&an->qstats[i].rx.syncp);
	}

	return 0;
}

/**
 * ainic_netdev_create() - allocate and register the netdev
 * @adev: device, identified
 *
 * Context: process; takes RTNL.
 * Return: 0 or a negative errno.
 */
int ainic_netdev_create(struct ainic_dev *adev)
{
	unsigned int nq = adev->num_qps;
	struct net_device *netdev;
	struct ainic_net *an;
	unsigned int i;
	int err;

	netdev = alloc_etherdev_mqs(struct_size(an, txdrop, nq), nq, nq);
	if (!netdev)
		return -ENOMEM;

	SET_NETDEV_DEV(netdev, adev->dev);
	an = netdev_priv(netdev);
	an->adev = adev;
	an->netdev = netdev;
	an->num_txdrop = nq;
	for (i = 0; i < nq; i++)
		u64_stats_init(&an->txdrop[i].syncp);
	err = ainic_netdev_init_datapath(an);
	if (err) {
		free_netdev(netdev);
		return err;
	}

	netdev->netdev_ops = &ainic_netdev_ops;
	ainic_ethtool_set_ops(netdev);
	netdev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	netdev->min_mtu = adev->ident.min_mtu;
	netdev->max_mtu = adev->ident.max_mtu;
	netdev->mtu = clamp_t(u32, ETH_DATA_LEN, adev->ident.min_mtu,
			      adev->ident.max_mtu);

	if (is_valid_ether_addr(adev->ident.mac))
		eth_hw_addr_set(netdev, adev->ident.mac);
	else
		eth_hw_addr_random(netdev);

	netif_carrier_off(netdev);

	if (an->datapath) {
		err = netif_set_real_num_queues(netdev, an->num_qps,
						an->num_qps);
		if (err) {
			kfree(an->qstats);
			free_netdev(netdev);
			return err;
		}
	}

	spin_lock_irq(&adev->link_lock);
	adev->netdev = netdev;
	spin_unlock_irq(&adev->link_lock);

	err = register_netdev(netdev);
	if (err) {
		dev_err(adev->dev, "cannot register netdev: %pe\n",
			ERR_PTR(err));
		spin_lock_irq(&adev->link_lock);
		adev->netdev = NULL;
		spin_unlock_irq(&adev->link_lock);
		kfree(an->qstats);
		free_netdev(netdev);
		return err;
	}

	return 0;
}

/**
 * ainic_netdev_destroy() - unregister and free the netdev
 * @adev: device
 *
 * Context: process; takes RTNL.
 */
void ainic_netdev_destroy(struct ainic_dev *adev)
{
	struct net_device *netdev = adev->netdev;
	struct ainic_net *an = netdev_priv(netdev);

	unregister_netdev(netdev);

	/* Left by a recovery whose device reset failed */
	rtnl_lock();
	ainic_qps_free(an, an->quiesced_qps, an->quiesced_nqps);
	an->quiesced_qps = NULL;
	rtnl_unlock();

	spin_lock_irq(&adev->link_lock);
	adev->netdev = NULL;
	spin_unlock_irq(&adev->link_lock);

	kfree(an->qstats);
	free_netdev(netdev);
}
