// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: devlink instance. Its private area is the driver's struct
 * ainic_dev; "devlink dev info" reports the identity read at probe.
 */

#include <linux/pci.h>
#include <net/devlink.h>

#include "ainic.h"
#include "ainic_devlink.h"

static int ainic_devlink_info_get(struct devlink *devlink,
				  struct devlink_info_req *req,
				  struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_priv(devlink);
	int err;

	if (adev->ident.serial[0]) {
		err = devlink_info_serial_number_put(req, adev->ident.serial);
		if (err)
			goto err_msg;
	}

	err = devlink_info_version_running_put(req,
					       DEVLINK_INFO_VERSION_GENERIC_FW,
					       adev->ident.fw_version);
	if (err)
		goto err_msg;

	err = devlink_info_version_fixed_put(req,
					     DEVLINK_INFO_VERSION_GENERIC_BOARD_ID,
					     adev->ident.model);
	if (err)
		goto err_msg;

	return 0;

err_msg:
	NL_SET_ERR_MSG_MOD(extack, "device information does not fit the reply");
	return err;
}

static const struct devlink_ops ainic_devlink_ops = {
	.info_get = ainic_devlink_info_get,
};

/**
 * ainic_devlink_alloc() - allocate the devlink instance and the device
 * @pdev: PCI function
 *
 * Return: the zeroed struct ainic_dev in the devlink private area, or NULL.
 */
struct ainic_dev *ainic_devlink_alloc(struct pci_dev *pdev)
{
	struct devlink *devlink;

	devlink = devlink_alloc(&ainic_devlink_ops, sizeof(struct ainic_dev),
				&pdev->dev);
	if (!devlink)
		return NULL;

	return devlink_priv(devlink);
}

void ainic_devlink_free(struct ainic_dev *adev)
{
	devlink_free(priv_to_devlink(adev));
}

void ainic_devlink_register(struct ainic_dev *adev)
{
	devlink_register(priv_to_devlink(adev));
}

void ainic_devlink_unregister(struct ainic_dev *adev)
{
	devlink_unregister(priv_to_devlink(adev));
}
