/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: debugfs */

#ifndef _AINIC_DEBUGFS_H_
#define _AINIC_DEBUGFS_H_

struct ainic_dev;

void ainic_debugfs_init(void);
void ainic_debugfs_exit(void);
void ainic_debugfs_dev_add(struct ainic_dev *adev);
void ainic_debugfs_dev_del(struct ainic_dev *adev);

#endif /* _AINIC_DEBUGFS_H_ */
