/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: generic netlink family "ainic" and the device registry */

#ifndef _AINIC_GENL_H_
#define _AINIC_GENL_H_

#include <linux/types.h>

struct ainic_dev;
struct genl_info;

int ainic_genl_init(void);
void ainic_genl_exit(void);

void ainic_genl_dev_init(struct ainic_dev *adev);
int ainic_genl_dev_add(struct ainic_dev *adev);
void ainic_genl_dev_del(struct ainic_dev *adev);

void ainic_genl_notify_async(struct ainic_dev *adev);

struct ainic_dev *ainic_genl_dev_lookup(const struct genl_info *info,
					int attr);
struct ainic_dev *ainic_genl_dev_get_next(unsigned long *index);
void ainic_genl_dev_put(struct ainic_dev *adev);

void ainic_genl_conn_notify(struct ainic_dev *adev, u32 id, const u8 *peer,
			    u8 state);

#endif /* _AINIC_GENL_H_ */
