/* SPDX-License-Identifier: GPL-2.0 */
/* nicctl: the "dev" object, and the device record monitor shares. */
#ifndef NICCTL_DEV_H
#define NICCTL_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

#include <linux/ainic.h>

#define DEV_STR_MAX 64		/* longest string attribute accepted */

/* One device as the kernel reported it (a dev-get reply or notification) */
struct dev_info {
	uint64_t have;		/* bit n: attribute AINIC_A_DEV_n was present */
	uint32_t index;
	char bus_name[DEV_STR_MAX];
	uint32_t ifindex;
	char ifname[DEV_STR_MAX];
	uint8_t mac[6];
	uint32_t if_version;
	uint64_t caps;
	char fw_version[DEV_STR_MAX];
	char serial[DEV_STR_MAX];
	char model[DEV_STR_MAX];
	uint32_t max_qps;
	uint32_t num_vectors;
	uint32_t max_mtu;
	uint8_t link_up;
	uint32_t selftest_have;	/* bit n: AINIC_A_SELFTEST_n present */
	uint32_t selftest[AINIC_A_SELFTEST_MAX + 1];
	uint64_t admin_cmds;
	uint64_t admin_errors;
	uint64_t admin_timeouts;
	uint64_t admin_stale;
	uint64_t events;
	uint32_t xport;
};

#define DEV_HAS(d, attr) (((d)->have >> (attr)) & 1)

/*
 * Parse a dev-get reply, dev-selftest reply or dev-change-ntf into @dev,
 * validating attribute types and lengths. 0, or -1 after printing why.
 */
int dev_parse(const struct nlmsghdr *nlh, struct dev_info *dev);

/* Text/JSON of the device's self-test results ("echo pass irq ..."). */
void dev_print_selftest(const struct dev_info *dev);

/* The text and JSON name of a self-test result. */
const char *dev_selftest_result_str(uint32_t result);

/* A dev-change notification: one text line, or one JSON object. */
void dev_print_ntf(const struct dev_info *dev);

/* The name of a transport policy: "reliable", "raw" */
const char *dev_xport_str(uint32_t policy);

/* What the user named a device with */
struct dev_sel {
	const char *arg;	/* NULL: every device */
	bool by_index;
	uint32_t index;
};

struct genl_ctx;

/*
 * Check a DEV argument (NULL: none) without asking the kernel; a usage
 * error, with "try @help", gives 1.
 */
int dev_sel_parse(const char *arg, struct dev_sel *sel, const char *help);

/* The index of the device @sel names: 0, or -1 after printing why. */
int dev_sel_index(struct genl_ctx *ctx, const struct dev_sel *sel,
		  uint32_t *index);

int do_dev(int argc, char **argv);

#endif
