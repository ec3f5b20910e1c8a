/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: ethtool operations */

#ifndef _AINIC_ETHTOOL_H_
#define _AINIC_ETHTOOL_H_

struct net_device;

void ainic_ethtool_set_ops(struct net_device *netdev);

#endif /* _AINIC_ETHTOOL_H_ */
