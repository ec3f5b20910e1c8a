/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: network device */

#ifndef _AINIC_NETDEV_H_
#define _AINIC_NETDEV_H_

#include <linux/types.h>

struct ainic_dev;
struct ainic_net;
struct netlink_ext_ack;

int ainic_netdev_create(struct ainic_dev *adev);
void ainic_netdev_destroy(struct ainic_dev *adev);
void ainic_netdev_link_update(struct ainic_dev *adev, bool up);
int ainic_netdev_reconfig(struct ainic_net *an, unsigned int nqps,
			  unsigned int tx_log2, unsigned int rx_log2,
			  struct netlink_ext_ack *extack);
int ainic_port_replay(struct ainic_dev *adev);
void ainic_netdev_quiesce(struct ainic_dev *adev);
int ainic_netdev_resume(struct ainic_dev *adev);

#endif /* _AINIC_NETDEV_H_ */
