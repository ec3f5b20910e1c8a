/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: generic netlink family "ainic" and the device registry */

#ifndef _AINIC_GENL_H_
#define _AINIC_GENL_H_

struct ainic_dev;

int ainic_genl_init(void);
void ainic_genl_exit(void);

void ainic_genl_dev_init(struct ainic_dev *adev);
int ainic_genl_dev_add(struct ainic_dev *adev);
void ainic_genl_dev_del(struct ainic_dev *adev);

void ainic_genl_notify_async(struct ainic_dev *adev);

#endif /* _AINIC_GENL_H_ */
