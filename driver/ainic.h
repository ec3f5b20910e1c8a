/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: Linux driver for the ainic AI NIC. */

#ifndef _AINIC_H_
#define _AINIC_H_

#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/if_ether.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <uapi/linux/ainic_if.h>
#include <uapi/linux/ainic.h>

#include "ainic_admin.h"
#include "ainic_admin_cmd.h"
#include "ainic_conn.h"
#include "ainic_event.h"
#include "ainic_health.h"

/* Used when ADMIN_TIMEOUT reads 0 or an absurd value */
#define AINIC_ADMIN_TIMEOUT_DEFAULT_MS	5000
#define AINIC_ADMIN_TIMEOUT_MAX_MS	60000
/* Floor for every wait, to absorb host scheduling jitter in VMs */
#define AINIC_ADMIN_TIMEOUT_MIN_MS	100

/* Bits in ainic_dev.flags */
enum ainic_flags {
	AINIC_FLAG_IRQ_TEST,	/* self test waits for an interrupt */
	AINIC_FLAG_REMOVING,	/* remove started: end long debug runs */
	AINIC_FLAG_GONE_LOGGED,	/* "device not responding" was logged */
};

/**
 * struct ainic_ident - device identity, from IDENTIFY at probe
 * @mac: permanent MAC address
 * @serial: serial number, NUL-terminated
 * @fw_version: firmware version, NUL-terminated
 * @model: model (board id), NUL-terminated
 * @if_version: interface version, major << 16 | minor
 * @caps: capability bits (AINIC_CAP_*)
 * @max_qps: queue pairs the device offers
 * @num_vectors: MSI-X vectors the device offers
 * @max_sg: TX descriptors per frame
 * @min_mtu: smallest MTU the device accepts
 * @max_mtu: largest MTU the device accepts
 * @link_speed_mbps: link speed
 * @max_conns: reliable connections the device offers
 * @min_ring_log2: smallest data ring the device takes, log2 (0: unknown)
 * @max_ring_log2: largest data ring the device takes, log2 (0: unknown)
 */
struct ainic_ident {
	u8 mac[ETH_ALEN];
	char serial[AINIC_SERIAL_LEN];
	char fw_version[AINIC_FW_VERSION_LEN];
	char model[AINIC_MODEL_LEN];
	u32 if_version;
	u64 caps;
	u32 max_qps;
	u32 num_vectors;
	u32 max_sg;
	u32 min_mtu;
	u32 max_mtu;
	u32 link_speed_mbps;
	u32 max_conns;
	u8 min_ring_log2;
	u8 max_ring_log2;
};

/**
 * struct ainic_selftest_res - per-step results of the last self test
 * @echo: register echo (enum ainic_selftest_result)
 * @irq: interrupt delivery
 * @dma: DMA fill and invert
 */
struct ainic_selftest_res {
	u8 echo;
	u8 irq;
	u8 dma;
};

/**
 * struct ainic_stress_res - result of the last debugfs admin_stress run
 * @issued: NOP commands submitted
 * @completed: completions received for them
 * @mismatched: completions whose result was not the cookie's low 32 bits
 * @errors: completions with a non-zero status, and failed submissions
 * @timeouts: commands that got no completion in time
 * @stale: stale completions the admin queue dropped during the run
 */
struct ainic_stress_res {
	u64 issued;
	u64 completed;
	u64 mismatched;
	u64 errors;
	u64 timeouts;
	u64 stale;
};

/**
 * struct ainic_dev - one ainic PCI function
 * @pdev: PCI function
 * @dev: &pdev->dev
 * @bar: BAR0 mapping; NULL once the device stopped answering (surprise
 *	removal), after which register access is skipped
 * @flags: AINIC_FLAG_* bits
 * @if_version: IF_VERSION register
 * @caps: CAPS_LO/HI registers
 * @reg_num_vectors: NUM_VECTORS register
 * @reg_max_qps: MAX_QPS register
 * @admin_timeout_ms: ADMIN_TIMEOUT register, sanitised
 * @num_irqs: MSI-X vectors allocated
 * @num_qps: queue pairs (TX/RX queues) of the netdev
 * @admin: admin queue
 * @eq: event queue
 * @ident: identity from IDENTIFY
 * @selftest_lock: serialises self tests (probe, genl)
 * @selftest_irq: completed by the IRQ handler during the IRQ test
 * @selftest: results of the last self test, read locklessly by genl
 * @netdev: the netdev; set and cleared under @link_lock
 * @link_lock: protects @netdev for the IRQ path, @link_up and the carrier
 * @link_up: last link state reported by the device
 * @index: index in the genl registry
 * @nl_refs: references held by the registry and by genl ops
 * @nl_released: completed when @nl_refs drops to zero
 * @ntf_lock: protects @ntf_enabled against the queueing of @ntf_work
 * @ntf_enabled: link changes are announced on genl
 * @ntf_work: sends a dev-change-ntf from process context
 * @dbg_dir: debugfs directory
 * @stress_lock: serialises admin_stress runs and protects @stress
 * @stress: result of the last admin_stress run
 * @health: health reporters and recovery state
 * @conns: mirror of the device's reliable connections
 * @xport: transport policy (enum ainic_xport_policy), shadow state set
 *	with genl dev-set under RTNL and replayed with PORT_CONFIG
 * @irq_spurious: vector 0 interrupts with no admin completion, event or
 *	self test behind them
 * @irq_test: vector 0 interrupts the self test saw (its witness)
 *
 * Allocated as the private area of the device's devlink instance, so it
 * lives from the start of probe to the end of remove.
 */
struct ainic_dev {
	struct pci_dev *pdev;
	struct device *dev;
	u8 __iomem *bar;
	unsigned long flags;

	u32 if_version;
	u64 caps;
	u32 reg_num_vectors;
	u32 reg_max_qps;
	u32 admin_timeout_ms;

	unsigned int num_irqs;
	unsigned int num_qps;

	struct ainic_admin admin;
	struct ainic_eq eq;
	struct ainic_ident ident;

	struct mutex selftest_lock;	/* one self test at a time */
	struct completion selftest_irq;
	struct ainic_selftest_res selftest;

	struct net_device *netdev;
	spinlock_t link_lock;		/* netdev pointer, link_up, carrier */
	bool link_up;

	u32 index;
	refcount_t nl_refs;
	struct completion nl_released;
	spinlock_t ntf_lock;		/* ntf_enabled vs. queueing ntf_work */
	bool ntf_enabled;
	struct work_struct ntf_work;

	struct dentry *dbg_dir;
	struct mutex stress_lock;	/* one admin_stress run at a time */
	struct ainic_stress_res stress;

	struct ainic_health health;
	struct ainic_conns conns;
	u32 xport;
	atomic64_t irq_spurious;
	atomic64_t irq_test;
};

u32 ainic_rd32(struct ainic_dev *adev, u32 reg);

/**
 * ainic_wr32() - write a BAR0 register
 * @adev: device
 * @reg: register offset
 * @val: value
 *
 * Does nothing once the device has been found gone, so that a surprise
 * removal cannot turn into accesses to an unmapped BAR.
 */
static inline void ainic_wr32(struct ainic_dev *adev, u32 reg, u32 val)
{
	u8 __iomem *bar = READ_ONCE(adev->bar);

	if (bar)
		writel(val, bar + reg);
}

static inline bool ainic_present(struct ainic_dev *adev)
{
	return !!READ_ONCE(adev->bar);
}

static inline bool ainic_has_cap(struct ainic_dev *adev, u64 cap)
{
	return (adev->caps & cap) == cap;
}

const char *ainic_dev_error_str(u32 err);
int ainic_dev_reset(struct ainic_dev *adev);
int ainic_dev_enable(struct ainic_dev *adev);
bool ainic_link_status(struct ainic_dev *adev);

#endif /* _AINIC_H_ */
