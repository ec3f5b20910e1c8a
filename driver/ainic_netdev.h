/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: network device */

#ifndef _AINIC_NETDEV_H_
#define _AINIC_NETDEV_H_

#include <linux/types.h>

struct ainic_dev;

int ainic_netdev_create(struct ainic_dev *adev);
void ainic_netdev_destroy(struct ainic_dev *adev);
void ainic_netdev_link_update(struct ainic_dev *adev, bool up);

#endif /* _AINIC_NETDEV_H_ */
