/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: devlink instance */

#ifndef _AINIC_DEVLINK_H_
#define _AINIC_DEVLINK_H_

struct ainic_dev;
struct pci_dev;

struct ainic_dev *ainic_devlink_alloc(struct pci_dev *pdev);
void ainic_devlink_free(struct ainic_dev *adev);
void ainic_devlink_register(struct ainic_dev *adev);
void ainic_devlink_unregister(struct ainic_dev *adev);

#endif /* _AINIC_DEVLINK_H_ */
