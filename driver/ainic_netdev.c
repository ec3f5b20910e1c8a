// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: the network device of an ainic function.
 *
 * Until the data path exists (AINIC_CAP_DATAPATH and the driver's queues),
 * transmitted frames are dropped and counted; MTU and MAC changes are
 * applied to the device with PORT_CONFIG, and the carrier follows the
 * device's link state.
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>

#include "ainic.h"
#include "ainic_netdev.h"

/**
 * struct ainic_txq_stats - counters of one TX queue
 * @syncp: synchronises readers with the queue's (single) writer
 * @dropped: frames dropped
 */
struct ainic_txq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t dropped;
};

/**
 * struct ainic_net - netdev private area
 * @adev: device
 * @num_txq: entries in @txq
 * @txq: per TX queue counters, written under the queue's xmit lock
 */
struct ainic_net {
	struct ainic_dev *adev;
	unsigned int num_txq;
	struct ainic_txq_stats txq[] __counted_by(num_txq);
};

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

static int ainic_open(struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_dev *adev = an->adev;

	spin_lock_irq(&adev->link_lock);
	adev->link_up = ainic_link_status(adev);
	ainic_netdev_set_carrier(adev, netdev);
	spin_unlock_irq(&adev->link_lock);

	netif_tx_start_all_queues(netdev);
	return 0;
}

static int ainic_stop(struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_dev *adev = an->adev;

	netif_tx_stop_all_queues(netdev);

	spin_lock_irq(&adev->link_lock);
	netif_carrier_off(netdev);
	spin_unlock_irq(&adev->link_lock);

	return 0;
}

static netdev_tx_t ainic_start_xmit(struct sk_buff *skb,
				    struct net_device *netdev)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct ainic_txq_stats *stats;

	/*
	 * No data path yet, whatever AINIC_CAP_DATAPATH says: the driver
	 * creates no queues, so the frame is dropped and counted.
	 */
	stats = &an->txq[skb_get_queue_mapping(skb)];
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
	struct ainic_txq_stats *txq;
	unsigned int i, start;
	u64 dropped;

	for (i = 0; i < an->num_txq; i++) {
		txq = &an->txq[i];
		do {
			start = u64_stats_fetch_begin(&txq->syncp);
			dropped = u64_stats_read(&txq->dropped);
		} while (u64_stats_fetch_retry(&txq->syncp, start));

		stats->tx_dropped += dropped;
	}
}

static int ainic_port_config(struct ainic_dev *adev, u32 valid, u32 mtu,
			     const u8 *mac)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_PORT_CONFIG;
	cmd.port_config.valid = cpu_to_le32(valid);
	cmd.port_config.mtu = cpu_to_le32(mtu);
	if (mac)
		memcpy(cmd.port_config.mac, mac, ETH_ALEN);

	return ainic_admin_exec(&adev->admin, &cmd, NULL);
}

static int ainic_change_mtu(struct net_device *netdev, int new_mtu)
{
	struct ainic_net *an = netdev_priv(netdev);
	int err;

	err = ainic_port_config(an->adev, AINIC_PORT_CFG_MTU, new_mtu, NULL);
	if (err) {
		netdev_err(netdev, "device refused MTU %d: %pe\n", new_mtu,
			   ERR_PTR(err));
		return err;
	}

	WRITE_ONCE(netdev->mtu, new_mtu);
	return 0;
}

static int ainic_set_mac_address(struct net_device *netdev, void *p)
{
	struct ainic_net *an = netdev_priv(netdev);
	struct sockaddr *addr = p;
	int err;

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;

	err = ainic_port_config(an->adev, AINIC_PORT_CFG_MAC, 0, addr->sa_data);
	if (err) {
		netdev_err(netdev, "device refused MAC %pM: %pe\n",
			   addr->sa_data, ERR_PTR(err));
		return err;
	}

	eth_hw_addr_set(netdev, addr->sa_data);
	return 0;
}

static const struct net_device_ops ainic_netdev_ops = {
	.ndo_open		= ainic_open,
	.ndo_stop		= ainic_stop,
	.ndo_start_xmit		= ainic_start_xmit,
	.ndo_get_stats64	= ainic_get_stats64,
	.ndo_change_mtu		= ainic_change_mtu,
	.ndo_set_mac_address	= ainic_set_mac_address,
	.ndo_validate_addr	= eth_validate_addr,
};

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

static const struct ethtool_ops ainic_ethtool_ops = {
	.get_drvinfo	= ainic_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

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

	netdev = alloc_etherdev_mqs(struct_size(an, txq, nq), nq, nq);
	if (!netdev)
		return -ENOMEM;

	SET_NETDEV_DEV(netdev, adev->dev);
	an = netdev_priv(netdev);
	an->adev = adev;
	an->num_txq = nq;
	for (i = 0; i < nq; i++)
		u64_stats_init(&an->txq[i].syncp);

	netdev->netdev_ops = &ainic_netdev_ops;
	netdev->ethtool_ops = &ainic_ethtool_ops;
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

	unregister_netdev(netdev);

	spin_lock_irq(&adev->link_lock);
	adev->netdev = NULL;
	spin_unlock_irq(&adev->link_lock);

	free_netdev(netdev);
}
