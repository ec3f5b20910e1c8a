// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: PCI driver of the ainic AI NIC (uapi/ainic-device.md).
 *
 * Probe: check MAGIC and the interface version, reset the device and wait
 * for READY, allocate the admin and event rings and MSI-X, program the
 * rings and ENABLE, run the self test, IDENTIFY, then expose the device
 * through debugfs, devlink, a netdev and the "ainic" genl family. Remove
 * undoes this in reverse order, the genl registry first so that no genl
 * op runs while the rest is torn down.
 */

#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include "ainic.h"
#include "ainic_debugfs.h"
#include "ainic_devlink.h"
#include "ainic_genl.h"
#include "ainic_netdev.h"
#include "ainic_selftest.h"

/**
 * ainic_rd32() - read a BAR0 register
 * @adev: device
 * @reg: register offset
 *
 * A read of all ones may mean the device is gone (surprise removal, link
 * down). Unless MAGIC still reads back correctly, register access is then
 * disabled for good: later reads return all ones and writes are dropped.
 *
 * Context: any.
 * Return: the register value, or ~0 once the device is gone.
 */
u32 ainic_rd32(struct ainic_dev *adev, u32 reg)
{
	u8 __iomem *bar = READ_ONCE(adev->bar);
	u32 val;

	if (!bar)
		return ~0U;

	val = readl(bar + reg);
	if (val != ~0U)
		return val;

	/* All ones can be a valid value while MAGIC still reads correctly */
	if (reg != AINIC_REG_MAGIC && readl(bar + AINIC_REG_MAGIC) == AINIC_MAGIC)
		return val;

	WRITE_ONCE(adev->bar, NULL);
	if (!test_and_set_bit(AINIC_FLAG_GONE_LOGGED, &adev->flags))
		dev_err(adev->dev,
			"device not responding (register %#x read all ones); register access disabled\n",
			reg);

	return val;
}

const char *ainic_dev_error_str(u32 err)
{
	switch (err) {
	case AINIC_ERR_NONE:
		return "none";
	case AINIC_ERR_ADMINQ_CONFIG:
		return "bad admin queue configuration";
	case AINIC_ERR_EVENTQ_CONFIG:
		return "bad event queue configuration";
	case AINIC_ERR_DMA:
		return "DMA failure";
	case AINIC_ERR_INTERNAL:
		return "internal error";
	default:
		return "unknown error";
	}
}

/**
 * ainic_link_status() - read the link state from DEV_STATUS
 * @adev: device
 *
 * Return: true when the device reports its link up.
 */
bool ainic_link_status(struct ainic_dev *adev)
{
	u32 status = ainic_rd32(adev, AINIC_REG_DEV_STATUS);

	return ainic_present(adev) && (status & AINIC_STATUS_LINK_UP);
}

/*
 * Refuse a device this driver does not understand, before touching
 * anything else: only the two identity registers are read.
 */
static int ainic_check_interface(struct pci_dev *pdev, u8 __iomem *bar)
{
	u32 magic, version;

	magic = readl(bar + AINIC_REG_MAGIC);
	if (magic != AINIC_MAGIC) {
		dev_err(&pdev->dev, "not an ainic device: magic %#010x, expected %#010x\n",
			magic, AINIC_MAGIC);
		return -ENODEV;
	}

	version = readl(bar + AINIC_REG_IF_VERSION);
	if (AINIC_IF_VERSION_MAJOR_OF(version) != AINIC_IF_VERSION_MAJOR) {
		dev_err(&pdev->dev, "unsupported interface version %u.%u (driver supports %u.x)\n",
			AINIC_IF_VERSION_MAJOR_OF(version),
			AINIC_IF_VERSION_MINOR_OF(version),
			AINIC_IF_VERSION_MAJOR);
		return -ENODEV;
	}

	return 0;
}

static int ainic_read_config(struct ainic_dev *adev)
{
	u32 timeout;

	adev->if_version = ainic_rd32(adev, AINIC_REG_IF_VERSION);
	adev->caps = ainic_rd32(adev, AINIC_REG_CAPS_LO) |
		     (u64)ainic_rd32(adev, AINIC_REG_CAPS_HI) << 32;
	adev->reg_num_vectors = ainic_rd32(adev, AINIC_REG_NUM_VECTORS);
	adev->reg_max_qps = ainic_rd32(adev, AINIC_REG_MAX_QPS);
	timeout = ainic_rd32(adev, AINIC_REG_ADMIN_TIMEOUT);

	if (!ainic_present(adev))
		return -ENODEV;

	if (!timeout || timeout > AINIC_ADMIN_TIMEOUT_MAX_MS) {
		dev_warn(adev->dev, "ADMIN_TIMEOUT of %u ms is out of range, using %u ms\n",
			 timeout, AINIC_ADMIN_TIMEOUT_DEFAULT_MS);
		timeout = AINIC_ADMIN_TIMEOUT_DEFAULT_MS;
	}
	adev->admin_timeout_ms = max_t(u32, timeout,
				       AINIC_ADMIN_TIMEOUT_MIN_MS);

	if (!adev->reg_num_vectors ||
	    adev->reg_num_vectors > AINIC_MAX_VECTORS) {
		dev_err(adev->dev, "NUM_VECTORS %u out of range (1-%u)\n",
			adev->reg_num_vectors, AINIC_MAX_VECTORS);
		return -EIO;
	}

	if (adev->reg_max_qps > AINIC_MAX_QPS) {
		dev_err(adev->dev, "MAX_QPS %u out of range (0-%u)\n",
			adev->reg_max_qps, AINIC_MAX_QPS);
		return -EIO;
	}

	return 0;
}

/* Reset is complete when RESET has cleared itself and READY is set. */
static bool ainic_reset_done(struct ainic_dev *adev)
{
	return !(ainic_rd32(adev, AINIC_REG_DEV_CTRL) & AINIC_CTRL_RESET) &&
	       (ainic_rd32(adev, AINIC_REG_DEV_STATUS) & AINIC_STATUS_READY);
}

/**
 * ainic_dev_reset() - reset the device and wait until it is READY
 * @adev: device
 *
 * The device drops its queues, stops DMA and clears its configuration.
 *
 * Context: process; sleeps.
 * Return: 0, -ETIMEDOUT when READY did not come within ADMIN_TIMEOUT, or
 * -ENODEV when the device is gone.
 */
int ainic_dev_reset(struct ainic_dev *adev)
{
	bool done;
	int err;

	ainic_wr32(adev, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);

	err = read_poll_timeout(ainic_reset_done, done,
				done || !ainic_present(adev), USEC_PER_MSEC,
				adev->admin_timeout_ms * USEC_PER_MSEC, false,
				adev);
	if (!ainic_present(adev))
		return -ENODEV;
	if (err) {
		dev_err(adev->dev, "device not ready %u ms after reset (control %#x, status %#x)\n",
			adev->admin_timeout_ms,
			ainic_rd32(adev, AINIC_REG_DEV_CTRL),
			ainic_rd32(adev, AINIC_REG_DEV_STATUS));
		return err;
	}

	return 0;
}

/**
 * ainic_dev_enable() - program the rings and enable the device
 * @adev: device, freshly reset
 *
 * Context: process; sleeps.
 * Return: 0; -EIO when the device refused the configuration (FATAL, with
 * the reason from DEV_ERROR logged); -ETIMEDOUT; or -ENODEV.
 */
int ainic_dev_enable(struct ainic_dev *adev)
{
	u32 status, error;
	int err;

	ainic_admin_program(adev);
	ainic_event_program(adev);
	ainic_wr32(adev, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);

	err = read_poll_timeout(ainic_rd32, status,
				status & (AINIC_STATUS_ENABLED |
					  AINIC_STATUS_FATAL),
				USEC_PER_MSEC,
				adev->admin_timeout_ms * USEC_PER_MSEC, false,
				adev, AINIC_REG_DEV_STATUS);
	if (!ainic_present(adev))
		return -ENODEV;

	if (status & AINIC_STATUS_FATAL) {
		error = ainic_rd32(adev, AINIC_REG_DEV_ERROR);
		dev_err(adev->dev, "device refused ENABLE: %s (DEV_ERROR %u)\n",
			ainic_dev_error_str(error), error);
		return -EIO;
	}

	if (err) {
		dev_err(adev->dev, "device not enabled %u ms after ENABLE (status %#x)\n",
			adev->admin_timeout_ms, status);
		return err;
	}

	return 0;
}

/*
 * Quiesce the device: a reset stops its DMA and interrupts. Outstanding
 * and later admin commands fail at once.
 */
static void ainic_dev_disable(struct ainic_dev *adev)
{
	if (ainic_present(adev))
		ainic_dev_reset(adev);
	ainic_admin_abort(&adev->admin, -ENODEV);
}

/*
 * Vector 0: admin completions, async events and the self-test interrupt.
 * One with neither a completion nor an event behind it is the self test's
 * when it waits for one, else spurious (counted).
 */
static irqreturn_t ainic_irq_admin(int irq, void *data)
{
	struct ainic_dev *adev = data;
	bool work;

	work = ainic_admin_irq(&adev->admin);
	work |= ainic_event_irq(&adev->eq);
	if (!work && !ainic_selftest_irq(adev))
		atomic64_inc(&adev->irq_spurious);

	return IRQ_HANDLED;
}

/**
 * ainic_irq_init() - allocate MSI-X vectors and request vector 0
 * @adev: device
 *
 * Allocates one vector for admin and events plus one per queue pair the
 * netdev will use: min(online CPUs, MAX_QPS). Fewer queue vectors than
 * that are accepted; none at all is not, when the device offers one.
 *
 * Return: 0 or a negative errno.
 */
static int ainic_irq_init(struct ainic_dev *adev)
{
	struct pci_dev *pdev = adev->pdev;
	unsigned int want, need;
	int nvec, err;

	want = 1 + min(num_online_cpus(), adev->reg_max_qps);
	want = min(want, adev->reg_num_vectors);
	/*
	 * A device that offers a queue vector gets one or the probe fails:
	 * coming up without a data path because an allocation failed once
	 * would hide the failure behind a NIC that never passes traffic.
	 */
	need = min(want, 2U);

	nvec = pci_alloc_irq_vectors(pdev, need, want, PCI_IRQ_MSIX);
	if (nvec < 0) {
		dev_err(adev->dev, "cannot allocate MSI-X vectors: %pe\n",
			ERR_PTR(nvec));
		return nvec;
	}
	adev->num_irqs = nvec;
	adev->num_qps = max(nvec - 1, 1);

	err = pci_request_irq(pdev, AINIC_VEC_ADMIN, ainic_irq_admin, NULL,
			      adev, "%s-admin@pci:%s", KBUILD_MODNAME,
			      pci_name(pdev));
	if (err) {
		dev_err(adev->dev, "cannot request the admin interrupt: %pe\n",
			ERR_PTR(err));
		pci_free_irq_vectors(pdev);
		return err;
	}

	return 0;
}

static void ainic_irq_free(struct ainic_dev *adev)
{
	pci_free_irq(adev->pdev, AINIC_VEC_ADMIN, adev);
	pci_free_irq_vectors(adev->pdev);
}

static void ainic_copy_id_string(struct ainic_dev *adev, const char *what,
				 char *dst, const char *src, size_t len)
{
	if (!memchr(src, '\0', len))
		dev_warn(adev->dev, "IDENTIFY: %s is not NUL-terminated, truncated\n",
			 what);
	strscpy(dst, src, len);
}

static int ainic_parse_identity(struct ainic_dev *adev,
				const struct ainic_identity *id)
{
	struct ainic_ident *ident = &adev->ident;

	ident->if_version = le32_to_cpu(id->if_version);
	ident->caps = le64_to_cpu(id->caps);
	ident->max_qps = le16_to_cpu(id->max_qps);
	ident->num_vectors = le16_to_cpu(id->num_vectors);
	ident->max_sg = le16_to_cpu(id->max_sg);
	ident->min_mtu = le32_to_cpu(id->min_mtu);
	ident->max_mtu = le32_to_cpu(id->max_mtu);
	ident->link_speed_mbps = le32_to_cpu(id->link_speed_mbps);
	ident->max_conns = le32_to_cpu(id->max_conns);
	ident->min_ring_log2 = id->min_ring_log2;
	ident->max_ring_log2 = id->max_ring_log2;
	memcpy(ident->mac, id->mac, ETH_ALEN);
	ainic_copy_id_string(adev, "serial", ident->serial, id->serial,
			     AINIC_SERIAL_LEN);
	ainic_copy_id_string(adev, "fw_version", ident->fw_version,
			     id->fw_version, AINIC_FW_VERSION_LEN);
	ainic_copy_id_string(adev, "model", ident->model, id->model,
			     AINIC_MODEL_LEN);

	if (ident->if_version != adev->if_version) {
		dev_err(adev->dev, "IDENTIFY: interface version %#x, register says %#x\n",
			ident->if_version, adev->if_version);
		return -EIO;
	}

	if (ident->caps != adev->caps)
		dev_warn(adev->dev, "IDENTIFY: capabilities %#llx, registers say %#llx; using the registers\n",
			 ident->caps, adev->caps);

	if (ident->max_qps > AINIC_MAX_QPS || !ident->num_vectors ||
	    ident->num_vectors > AINIC_MAX_VECTORS) {
		dev_err(adev->dev, "IDENTIFY: %u queue pairs and %u vectors out of range\n",
			ident->max_qps, ident->num_vectors);
		return -EIO;
	}

	if (ident->max_mtu < ETH_MIN_MTU || ident->max_mtu > ETH_MAX_MTU ||
	    ident->min_mtu > ident->max_mtu) {
		dev_err(adev->dev, "IDENTIFY: invalid MTU range %u-%u\n",
			ident->min_mtu, ident->max_mtu);
		return -EIO;
	}
	/* PORT_CONFIG never takes less than 68 */
	ident->min_mtu = max_t(u32, ident->min_mtu, ETH_MIN_MTU);

	if (!is_valid_ether_addr(ident->mac))
		dev_warn(adev->dev, "IDENTIFY: invalid MAC address %pM, the netdev gets a random one\n",
			 ident->mac);

	return 0;
}

/**
 * ainic_identify() - read and validate the device identity
 * @adev: device, enabled
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno.
 */
static int ainic_identify(struct ainic_dev *adev)
{
	struct ainic_identity *id;
	dma_addr_t dma;
	u32 len;
	int err;

	id = dma_alloc_coherent(adev->dev, sizeof(*id), &dma, GFP_KERNEL);
	if (!id)
		return -ENOMEM;

	err = ainic_cmd_identify(adev, dma, sizeof(*id), &len);
	if (err) {
		dev_err(adev->dev, "IDENTIFY failed: %pe\n", ERR_PTR(err));
		goto out_free;
	}

	if (len < sizeof(*id)) {
		dev_err(adev->dev, "IDENTIFY returned %u bytes, expected %zu\n",
			len, sizeof(*id));
		err = -EIO;
		goto out_free;
	}

	err = ainic_parse_identity(adev, id);

out_free:
	dma_free_coherent(adev->dev, sizeof(*id), id, dma);
	return err;
}

static int ainic_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct ainic_selftest_res st;
	struct ainic_dev *adev;
	u8 __iomem *bar;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return dev_err_probe(&pdev->dev, err, "cannot enable PCI device\n");

	if (pci_resource_len(pdev, AINIC_BAR_REGS) < AINIC_BAR0_SIZE) {
		dev_err(&pdev->dev, "BAR%d is smaller than %#x bytes\n",
			AINIC_BAR_REGS, AINIC_BAR0_SIZE);
		return -ENODEV;
	}

	bar = pcim_iomap_region(pdev, AINIC_BAR_REGS, KBUILD_MODNAME);
	if (IS_ERR(bar))
		return dev_err_probe(&pdev->dev, PTR_ERR(bar),
				     "cannot map BAR%d\n", AINIC_BAR_REGS);

	err = ainic_check_interface(pdev, bar);
	if (err)
		return err;

	adev = ainic_devlink_alloc(pdev);
	if (!adev)
		return -ENOMEM;

	adev->pdev = pdev;
	adev->dev = &pdev->dev;
	adev->bar = bar;
	spin_lock_init(&adev->link_lock);
	mutex_init(&adev->stress_lock);
	adev->xport = AINIC_XPORT_RELIABLE;	/* the device's reset value */
	ainic_selftest_init(adev);
	ainic_genl_dev_init(adev);
	pci_set_drvdata(pdev, adev);

	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err) {
		dev_err(&pdev->dev, "no usable 64-bit DMA: %pe\n", ERR_PTR(err));
		goto err_free_devlink;
	}

	err = ainic_read_config(adev);
	if (err)
		goto err_free_devlink;

	err = ainic_health_init(adev);
	if (err)
		goto err_free_devlink;

	err = ainic_dev_reset(adev);
	if (err)
		goto err_health_fini;

	pci_set_master(pdev);

	err = ainic_admin_alloc(adev);
	if (err)
		goto err_clear_master;

	err = ainic_event_alloc(adev);
	if (err)
		goto err_free_admin;

	err = ainic_conns_init(adev);
	if (err)
		goto err_free_event;

	err = ainic_irq_init(adev);
	if (err)
		goto err_conns_fini;

	err = ainic_dev_enable(adev);
	if (err)
		goto err_disable;

	err = ainic_selftest_run(adev, &st);
	if (err == -EOPNOTSUPP) {
		dev_warn(&pdev->dev, "device has no self-test block, self test skipped\n");
	} else if (err) {
		dev_err(&pdev->dev, "cannot run the self test: %pe\n",
			ERR_PTR(err));
		goto err_disable;
	} else if (!ainic_selftest_passed(&st)) {
		dev_err(&pdev->dev, "self test failed (echo %s, irq %s, dma %s), refusing the device\n",
			ainic_selftest_result_str(st.echo),
			ainic_selftest_result_str(st.irq),
			ainic_selftest_result_str(st.dma));
		err = -EIO;
		goto err_disable;
	} else {
		dev_info(&pdev->dev, "self test passed (echo, irq, dma)\n");
	}

	err = ainic_identify(adev);
	if (err)
		goto err_disable;

	ainic_debugfs_dev_add(adev);
	ainic_devlink_register(adev);

	err = ainic_netdev_create(adev);
	if (err)
		goto err_devlink_unregister;

	err = ainic_genl_dev_add(adev);
	if (err) {
		dev_err(&pdev->dev, "cannot register with genl: %pe\n",
			ERR_PTR(err));
		goto err_netdev_destroy;
	}

	dev_info(&pdev->dev, "%s fw %s serial %s: interface %u.%u, %u queue pairs, %u MSI-X vectors, index %u\n",
		 adev->ident.model, adev->ident.fw_version, adev->ident.serial,
		 AINIC_IF_VERSION_MAJOR_OF(adev->if_version),
		 AINIC_IF_VERSION_MINOR_OF(adev->if_version),
		 adev->ident.max_qps, adev->num_irqs, adev->index);
	ainic_health_start(adev);
	return 0;

err_netdev_destroy:
	ainic_netdev_destroy(adev);
err_devlink_unregister:
	ainic_devlink_unregister(adev);
	ainic_debugfs_dev_del(adev);
err_disable:
	ainic_dev_disable(adev);
	ainic_irq_free(adev);
	ainic_event_stop(adev);
err_conns_fini:
	ainic_conns_fini(adev);
err_free_event:
	ainic_event_free(adev);
err_free_admin:
	ainic_admin_free(adev);
err_clear_master:
	pci_clear_master(pdev);
err_health_fini:
	ainic_health_stop(adev);
	ainic_health_fini(adev);
err_free_devlink:
	ainic_devlink_free(adev);
	return err;
}

static void ainic_remove(struct pci_dev *pdev)
{
	struct ainic_dev *adev = pci_get_drvdata(pdev);

	set_bit(AINIC_FLAG_REMOVING, &adev->flags);

	/*
	 * No automatic recovery from here on; one asked for with devlink
	 * sees AINIC_FLAG_REMOVING under RTNL and does nothing.
	 */
	ainic_health_stop(adev);

	ainic_genl_dev_del(adev);
	ainic_netdev_destroy(adev);
	ainic_health_fini(adev);
	ainic_devlink_unregister(adev);
	ainic_debugfs_dev_del(adev);

	ainic_dev_disable(adev);
	ainic_irq_free(adev);
	ainic_event_stop(adev);
	ainic_conns_fini(adev);
	ainic_event_free(adev);
	ainic_admin_free(adev);
	pci_clear_master(pdev);

	ainic_devlink_free(adev);
}

/*
 * Stop DMA and interrupts before reboot or kexec: no recovery any more,
 * the netdev detached with its queues stopped (under RTNL, as every other
 * path that touches them), then the device reset.
 */
static void ainic_shutdown(struct pci_dev *pdev)
{
	struct ainic_dev *adev = pci_get_drvdata(pdev);

	if (!adev)
		return;

	set_bit(AINIC_FLAG_REMOVING, &adev->flags);
	ainic_health_stop(adev);

	rtnl_lock();
	ainic_netdev_quiesce(adev);
	ainic_dev_disable(adev);
	rtnl_unlock();

	pci_clear_master(pdev);
}

static const struct pci_device_id ainic_pci_tbl[] = {
	{ PCI_DEVICE(AINIC_PCI_VENDOR_ID, AINIC_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ainic_pci_tbl);

static struct pci_driver ainic_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= ainic_pci_tbl,
	.probe		= ainic_probe,
	.remove		= ainic_remove,
	.shutdown	= ainic_shutdown,
};

static int __init ainic_init(void)
{
	int err;

	err = ainic_genl_init();
	if (err)
		return err;

	ainic_debugfs_init();

	err = pci_register_driver(&ainic_driver);
	if (err) {
		ainic_debugfs_exit();
		ainic_genl_exit();
	}

	return err;
}

static void __exit ainic_exit(void)
{
	pci_unregister_driver(&ainic_driver);
	ainic_debugfs_exit();
	ainic_genl_exit();
}

module_init(ainic_init);
module_exit(ainic_exit);

MODULE_DESCRIPTION("ainic AI NIC driver");
MODULE_LICENSE("GPL");
