// SPDX-License-Identifier: GPL-2.0
/*
 * nicctl: the "dev" object.
 *
 *   nicctl dev [ show | list ] [ DEV ]
 *   nicctl dev selftest DEV
 *   nicctl dev set DEV xport { reliable | raw }
 *
 * DEV is a device index (a number), a PCI address (0000:00:04.0, or
 * 00:04.0 for domain 0) or an interface name. An index is asked for
 * directly; names are resolved by dumping the devices and matching their
 * bus-name and ifname attributes.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/ainic.h>
#include <linux/ainic_if.h>

#include "dev.h"
#include "genl.h"
#include "nicctl.h"
#include "print.h"

#define DEV_HELP "nicctl dev help"

/* ---- Parsing --------------------------------------------------------- */

#define U32_POLICY	{ .type = NLA_U32, .maxlen = sizeof(uint32_t) }
#define UINT_POLICY	{ .type = NLA_UNSPEC, .minlen = sizeof(uint32_t), \
			  .maxlen = sizeof(uint64_t) }
#define STR_POLICY	{ .type = NLA_STRING, .minlen = 1, .maxlen = DEV_STR_MAX }

static const struct nla_policy dev_policy[AINIC_A_DEV_MAX + 1] = {
	[AINIC_A_DEV_INDEX]		= U32_POLICY,
	[AINIC_A_DEV_BUS_NAME]		= STR_POLICY,
	[AINIC_A_DEV_IFINDEX]		= U32_POLICY,
	[AINIC_A_DEV_IFNAME]		= STR_POLICY,
	[AINIC_A_DEV_MAC]		= { .type = NLA_UNSPEC, .minlen = 6,
					    .maxlen = 6 },
	[AINIC_A_DEV_IF_VERSION]	= U32_POLICY,
	[AINIC_A_DEV_CAPS]		= UINT_POLICY,
	[AINIC_A_DEV_FW_VERSION]	= STR_POLICY,
	[AINIC_A_DEV_SERIAL]		= STR_POLICY,
	[AINIC_A_DEV_MODEL]		= STR_POLICY,
	[AINIC_A_DEV_MAX_QPS]		= U32_POLICY,
	[AINIC_A_DEV_NUM_VECTORS]	= U32_POLICY,
	[AINIC_A_DEV_MAX_MTU]		= U32_POLICY,
	[AINIC_A_DEV_LINK_UP]		= { .type = NLA_U8, .maxlen = 1 },
	[AINIC_A_DEV_SELFTEST]		= { .type = NLA_NESTED },
	[AINIC_A_DEV_ADMIN_CMDS]	= UINT_POLICY,
	[AINIC_A_DEV_ADMIN_ERRORS]	= UINT_POLICY,
	[AINIC_A_DEV_ADMIN_TIMEOUTS]	= UINT_POLICY,
	[AINIC_A_DEV_ADMIN_STALE]	= UINT_POLICY,
	[AINIC_A_DEV_EVENTS]		= UINT_POLICY,
	[AINIC_A_DEV_XPORT]		= U32_POLICY,
};

static const struct nla_policy selftest_policy[AINIC_A_SELFTEST_MAX + 1] = {
	[AINIC_A_SELFTEST_ECHO]		= U32_POLICY,
	[AINIC_A_SELFTEST_IRQ]		= U32_POLICY,
	[AINIC_A_SELFTEST_DMA]		= U32_POLICY,
};

_Static_assert(AINIC_A_DEV_MAX < 64, "dev_info.have has one bit per attribute");

static int malformed(const char *why)
{
	fprintf(stderr, "Error: malformed device message from the kernel (%s).\n",
		why);
	return -1;
}

int dev_parse(const struct nlmsghdr *nlh, struct dev_info *dev)
{
	struct nlattr *tb[AINIC_A_DEV_MAX + 1];
	struct nlattr *st[AINIC_A_SELFTEST_MAX + 1];
	static const struct {
		int attr;
		size_t off;
	} strs[] = {
		{ AINIC_A_DEV_BUS_NAME, offsetof(struct dev_info, bus_name) },
		{ AINIC_A_DEV_IFNAME, offsetof(struct dev_info, ifname) },
		{ AINIC_A_DEV_FW_VERSION, offsetof(struct dev_info, fw_version) },
		{ AINIC_A_DEV_SERIAL, offsetof(struct dev_info, serial) },
		{ AINIC_A_DEV_MODEL, offsetof(struct dev_info, model) },
	}, u32s[] = {
		{ AINIC_A_DEV_INDEX, offsetof(struct dev_info, index) },
		{ AINIC_A_DEV_IFINDEX, offsetof(struct dev_info, ifindex) },
		{ AINIC_A_DEV_IF_VERSION, offsetof(struct dev_info, if_version) },
		{ AINIC_A_DEV_MAX_QPS, offsetof(struct dev_info, max_qps) },
		{ AINIC_A_DEV_NUM_VECTORS, offsetof(struct dev_info, num_vectors) },
		{ AINIC_A_DEV_MAX_MTU, offsetof(struct dev_info, max_mtu) },
		{ AINIC_A_DEV_XPORT, offsetof(struct dev_info, xport) },
	}, uints[] = {
		{ AINIC_A_DEV_CAPS, offsetof(struct dev_info, caps) },
		{ AINIC_A_DEV_ADMIN_CMDS, offsetof(struct dev_info, admin_cmds) },
		{ AINIC_A_DEV_ADMIN_ERRORS, offsetof(struct dev_info, admin_errors) },
		{ AINIC_A_DEV_ADMIN_TIMEOUTS, offsetof(struct dev_info, admin_timeouts) },
		{ AINIC_A_DEV_ADMIN_STALE, offsetof(struct dev_info, admin_stale) },
		{ AINIC_A_DEV_EVENTS, offsetof(struct dev_info, events) },
	};
	char *base = (char *)dev;
	size_t i;
	int err;

	memset(dev, 0, sizeof(*dev));
	err = genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, AINIC_A_DEV_MAX,
			    dev_policy);
	if (err < 0)
		return malformed(nl_geterror(err));

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (!tb[strs[i].attr])
			continue;
		snprintf(base + strs[i].off, DEV_STR_MAX, "%s",
			 nla_get_string(tb[strs[i].attr]));
		dev->have |= 1ULL << strs[i].attr;
	}
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		uint32_t v;

		if (!tb[u32s[i].attr])
			continue;
		v = nla_get_u32(tb[u32s[i].attr]);
		memcpy(base + u32s[i].off, &v, sizeof(v));
		dev->have |= 1ULL << u32s[i].attr;
	}
	for (i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		uint64_t v;

		if (!tb[uints[i].attr])
			continue;
		if (genl_get_uint(tb[uints[i].attr], &v))
			return malformed("uint attribute of neither 4 nor 8 bytes");
		memcpy(base + uints[i].off, &v, sizeof(v));
		dev->have |= 1ULL << uints[i].attr;
	}
	if (tb[AINIC_A_DEV_MAC]) {
		memcpy(dev->mac, nla_data(tb[AINIC_A_DEV_MAC]), sizeof(dev->mac));
		dev->have |= 1ULL << AINIC_A_DEV_MAC;
	}
	if (tb[AINIC_A_DEV_LINK_UP]) {
		dev->link_up = nla_get_u8(tb[AINIC_A_DEV_LINK_UP]);
		dev->have |= 1ULL << AINIC_A_DEV_LINK_UP;
	}
	if (tb[AINIC_A_DEV_SELFTEST]) {
		err = nla_parse_nested(st, AINIC_A_SELFTEST_MAX,
				       tb[AINIC_A_DEV_SELFTEST],
				       selftest_policy);
		if (err < 0)
			return malformed(nl_geterror(err));
		for (i = 1; i <= AINIC_A_SELFTEST_MAX; i++) {
			if (!st[i])
				continue;
			dev->selftest[i] = nla_get_u32(st[i]);
			dev->selftest_have |= 1U << i;
		}
		dev->have |= 1ULL << AINIC_A_DEV_SELFTEST;
	}

	if (!DEV_HAS(dev, AINIC_A_DEV_INDEX))
		return malformed("no device index");
	return 0;
}

/* ---- Printing -------------------------------------------------------- */

static const struct {
	uint64_t bit;
	const char *name;
} cap_names[] = {
	{ AINIC_CAP_SELFTEST, "selftest" },
	{ AINIC_CAP_EVENTQ, "eventq" },
	{ AINIC_CAP_DATAPATH, "datapath" },
	{ AINIC_CAP_TX_SG, "tx-sg" },
	{ AINIC_CAP_TX_CSUM, "tx-csum" },
	{ AINIC_CAP_RX_CSUM, "rx-csum" },
	{ AINIC_CAP_TSO, "tso" },
	{ AINIC_CAP_RX_COALESCE, "rx-coalesce" },
	{ AINIC_CAP_INTR_MODERATION, "intr-moderation" },
	{ AINIC_CAP_JUMBO, "jumbo" },
	{ AINIC_CAP_RELIABLE, "reliable" },
	{ AINIC_CAP_CRYPTO, "crypto" },
	{ AINIC_CAP_CC_DCQCN, "cc-dcqcn" },
	{ AINIC_CAP_CC_DELAY, "cc-delay" },
};

static void print_caps(uint64_t caps, enum output_type type)
{
	bool first = true;
	char unknown[16];
	unsigned int bit;
	size_t i;

	if (type & PRINT_FP)
		print_text(" caps ");
	open_json_array(PRINT_JSON, "caps");
	for (bit = 0; bit < 64; bit++) {
		const char *name = NULL;

		if (!(caps & (1ULL << bit)))
			continue;
		for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
			if (cap_names[i].bit == 1ULL << bit)
				name = cap_names[i].name;
		}
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		print_string(type, NULL, first ? "%s" : ",%s", name);
		first = false;
	}
	if (first && (type & PRINT_FP))
		print_text("none");
	close_json_array(PRINT_JSON);
}

const char *dev_xport_str(uint32_t policy)
{
	switch (policy) {
	case AINIC_TRANSPORT_POLICY_RAW:
		return "raw";
	case AINIC_TRANSPORT_POLICY_RELIABLE:
		return "reliable";
	default:
		return "unknown";
	}
}

const char *dev_selftest_result_str(uint32_t result)
{
	switch (result) {
	case AINIC_SELFTEST_RESULT_NOT_RUN:
		return "not-run";
	case AINIC_SELFTEST_RESULT_PASS:
		return "pass";
	case AINIC_SELFTEST_RESULT_FAIL:
		return "fail";
	default:
		return "unknown";
	}
}

static const struct {
	int attr;
	const char *key;
	const char *fmt;
} selftest_steps[] = {
	{ AINIC_A_SELFTEST_ECHO, "echo", " echo %s" },
	{ AINIC_A_SELFTEST_IRQ, "irq", " irq %s" },
	{ AINIC_A_SELFTEST_DMA, "dma", " dma %s" },
};

/* "selftest echo pass irq pass dma pass"; a missing step is not-run */
void dev_print_selftest(const struct dev_info *dev)
{
	size_t i;

	print_text("selftest");
	open_json_object("selftest");
	for (i = 0; i < sizeof(selftest_steps) / sizeof(selftest_steps[0]); i++) {
		int attr = selftest_steps[i].attr;
		uint32_t res = AINIC_SELFTEST_RESULT_NOT_RUN;

		if (dev->selftest_have & (1U << attr))
			res = dev->selftest[attr];
		print_string(PRINT_ANY, selftest_steps[i].key,
			     selftest_steps[i].fmt, dev_selftest_result_str(res));
	}
	close_json_object();
}

static bool selftest_failed(const struct dev_info *dev)
{
	int i;

	for (i = 1; i <= AINIC_A_SELFTEST_MAX; i++) {
		if ((dev->selftest_have & (1U << i)) &&
		    dev->selftest[i] != AINIC_SELFTEST_RESULT_PASS &&
		    dev->selftest[i] != AINIC_SELFTEST_RESULT_NOT_RUN)
			return true;
	}
	return false;
}

static void print_stats(const struct dev_info *dev, enum output_type type)
{
	static const struct {
		int attr;
		const char *key;
		const char *fmt;
		size_t off;
	} counters[] = {
		{ AINIC_A_DEV_ADMIN_CMDS, "admin_cmds", " cmds %" PRIu64,
		  offsetof(struct dev_info, admin_cmds) },
		{ AINIC_A_DEV_ADMIN_ERRORS, "admin_errors", " errors %" PRIu64,
		  offsetof(struct dev_info, admin_errors) },
		{ AINIC_A_DEV_ADMIN_TIMEOUTS, "admin_timeouts", " timeouts %" PRIu64,
		  offsetof(struct dev_info, admin_timeouts) },
		{ AINIC_A_DEV_ADMIN_STALE, "admin_stale", " stale %" PRIu64,
		  offsetof(struct dev_info, admin_stale) },
		{ AINIC_A_DEV_EVENTS, "events", " events %" PRIu64,
		  offsetof(struct dev_info, events) },
	};
	size_t i;

	if (type & PRINT_FP)
		print_text("\n    admin");
	open_json_object("stats");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		uint64_t v;

		if (!DEV_HAS(dev, counters[i].attr))
			continue;
		memcpy(&v, (const char *)dev + counters[i].off, sizeof(v));
		print_u64(type, counters[i].key, counters[i].fmt, v);
	}
	close_json_object();
}

/*
 * One device. In text, dev show prints a block of indented lines; a
 * notification (@ntf) is the one line "dev N BUS link up|down selftest
 * ...". JSON is the same object either way (a notification's starts with
 * "event").
 */
static void dev_print(const struct dev_info *dev, bool ntf)
{
	/* text fields of the block that a notification line leaves out */
	enum output_type block = ntf ? PRINT_JSON : PRINT_ANY;
	char buf[32];

	open_json_object(NULL);
	if (ntf)
		print_string(PRINT_JSON, "event", NULL, "dev-change");

	print_uint(PRINT_ANY, "index", "dev %u", dev->index);
	if (DEV_HAS(dev, AINIC_A_DEV_BUS_NAME))
		print_string(PRINT_ANY, "bus_name", ntf ? " %s" : " bus %s",
			     dev->bus_name);
	if (DEV_HAS(dev, AINIC_A_DEV_IFNAME))
		print_string(block, "ifname", " ifname %s", dev->ifname);
	if (DEV_HAS(dev, AINIC_A_DEV_IFINDEX))
		print_uint(block, "ifindex", " ifindex %u", dev->ifindex);
	if (DEV_HAS(dev, AINIC_A_DEV_MAC)) {
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
			 dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3],
			 dev->mac[4], dev->mac[5]);
		print_string(block, "mac", " mac %s", buf);
	}
	if (DEV_HAS(dev, AINIC_A_DEV_LINK_UP))
		print_string(PRINT_ANY, "link", " link %s",
			     dev->link_up ? "up" : "down");

	if (!ntf && (dev->have & (1ULL << AINIC_A_DEV_MODEL |
				  1ULL << AINIC_A_DEV_SERIAL |
				  1ULL << AINIC_A_DEV_FW_VERSION |
				  1ULL << AINIC_A_DEV_IF_VERSION)))
		print_text("\n   ");
	if (DEV_HAS(dev, AINIC_A_DEV_MODEL))
		print_string(block, "model", " model %s", dev->model);
	if (DEV_HAS(dev, AINIC_A_DEV_SERIAL))
		print_string(block, "serial", " serial %s", dev->serial);
	if (DEV_HAS(dev, AINIC_A_DEV_FW_VERSION))
		print_string(block, "fw_version", " fw %s", dev->fw_version);
	if (DEV_HAS(dev, AINIC_A_DEV_IF_VERSION)) {
		snprintf(buf, sizeof(buf), "%u.%u",
			 AINIC_IF_VERSION_MAJOR_OF(dev->if_version),
			 AINIC_IF_VERSION_MINOR_OF(dev->if_version));
		print_string(block, "if_version", " if-version %s", buf);
	}

	if (!ntf && (dev->have & (1ULL << AINIC_A_DEV_CAPS |
				  1ULL << AINIC_A_DEV_MAX_QPS |
				  1ULL << AINIC_A_DEV_NUM_VECTORS |
				  1ULL << AINIC_A_DEV_MAX_MTU)))
		print_text("\n   ");
	if (DEV_HAS(dev, AINIC_A_DEV_CAPS))
		print_caps(dev->caps, block);
	if (DEV_HAS(dev, AINIC_A_DEV_MAX_QPS))
		print_uint(block, "max_qps", " max-qps %u", dev->max_qps);
	if (DEV_HAS(dev, AINIC_A_DEV_NUM_VECTORS))
		print_uint(block, "num_vectors", " vectors %u", dev->num_vectors);
	if (DEV_HAS(dev, AINIC_A_DEV_MAX_MTU))
		print_uint(block, "max_mtu", " max-mtu %u", dev->max_mtu);
	if (DEV_HAS(dev, AINIC_A_DEV_XPORT))
		print_string(ntf ? PRINT_ANY : block, "xport", " xport %s",
			     dev_xport_str(dev->xport));

	if (DEV_HAS(dev, AINIC_A_DEV_SELFTEST)) {
		print_text(ntf ? " " : "\n    ");
		dev_print_selftest(dev);
	}

	print_stats(dev, opts.stats && !ntf ? PRINT_ANY : PRINT_JSON);
	print_text("\n");
	close_json_object();
}

void dev_print_ntf(const struct dev_info *dev)
{
	dev_print(dev, true);
}

/* ---- Requests -------------------------------------------------------- */

struct dev_list {
	struct dev_info *devs;
	size_t n;
	size_t cap;
};

/* genl_reply_fn: append one device; NULL restarts the list */
static int dev_list_add(const struct nlmsghdr *nlh, void *arg)
{
	struct dev_list *list = arg;

	if (!nlh) {
		list->n = 0;
		return 0;
	}
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct dev_info *devs = realloc(list->devs, cap * sizeof(*devs));

		if (!devs) {
			fprintf(stderr, "Error: out of memory.\n");
			return -1;
		}
		list->devs = devs;
		list->cap = cap;
	}
	if (dev_parse(nlh, &list->devs[list->n]))
		return -1;
	list->n++;
	return 0;
}

static int put_index(struct nl_msg *msg, void *arg)
{
	return nla_put_u32(msg, AINIC_A_DEV_INDEX, *(const uint32_t *)arg);
}

/* Digits are an index; anything else a PCI address or interface name. */
int dev_sel_parse(const char *arg, struct dev_sel *sel, const char *help)
{
	unsigned long long v;
	char *end;

	sel->arg = arg;
	sel->by_index = false;
	if (!arg)
		return 0;
	if (!arg[0])
		return usage_error(help, "empty device name");
	if (strspn(arg, "0123456789") != strlen(arg))
		return 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || v > UINT32_MAX)
		return usage_error(help, "device index \"%s\" is out of range",
				   arg);
	if (v == 0)
		return usage_error(help, "device indices start at 1");
	sel->by_index = true;
	sel->index = (uint32_t)v;
	return 0;
}

static bool dev_matches(const struct dev_info *dev, const char *name)
{
	if (DEV_HAS(dev, AINIC_A_DEV_BUS_NAME)) {
		if (!strcmp(dev->bus_name, name))
			return true;
		/* 00:04.0 for 0000:00:04.0, as lspci prints it */
		if (!strncmp(dev->bus_name, "0000:", 5) &&
		    !strcmp(dev->bus_name + 5, name))
			return true;
	}
	return DEV_HAS(dev, AINIC_A_DEV_IFNAME) && !strcmp(dev->ifname, name);
}

/*
 * Fill @list with the selected devices: all of them, the one with the
 * index, or the one whose bus or interface name matches.
 */
static int dev_fetch(struct genl_ctx *ctx, const struct dev_sel *sel,
		     struct dev_list *list)
{
	size_t i;

	if (sel->by_index)
		return genl_request(ctx, AINIC_CMD_DEV_GET, false, put_index,
				    (void *)&sel->index, dev_list_add, list);

	if (genl_request(ctx, AINIC_CMD_DEV_GET, true, NULL, NULL,
			 dev_list_add, list))
		return -1;
	if (!sel->arg)
		return 0;

	for (i = 0; i < list->n; i++) {
		if (dev_matches(&list->devs[i], sel->arg)) {
			list->devs[0] = list->devs[i];
			list->n = 1;
			return 0;
		}
	}
	fprintf(stderr, "Error: no ainic device \"%s\" (not an index, PCI address or interface name of one).\n",
		sel->arg);
	return -1;
}

int dev_sel_index(struct genl_ctx *ctx, const struct dev_sel *sel,
		  uint32_t *index)
{
	struct dev_list list = { 0 };
	int ret = -1;

	if (sel->by_index) {
		*index = sel->index;
		return 0;
	}
	if (dev_fetch(ctx, sel, &list) == 0 && list.n == 1) {
		*index = list.devs[0].index;
		ret = 0;
	}
	free(list.devs);
	return ret;
}

/* ---- Commands -------------------------------------------------------- */

static int dev_usage(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: nicctl dev [ show | list ] [ DEV ]\n"
	       "       nicctl dev selftest DEV\n"
	       "       nicctl dev set DEV xport { reliable | raw }\n"
	       "       nicctl dev help\n"
	       "where  DEV := { INDEX | PCI-ADDRESS | IFNAME }\n");
	return 0;
}

static int check_option_misplaced(const char *arg)
{
	if (arg[0] == '-' && arg[1])
		return usage_error("nicctl help",
				   "option \"%s\" must come before the object",
				   arg);
	return 0;
}

static int dev_show(int argc, char **argv)
{
	struct dev_list list = { 0 };
	struct genl_ctx ctx;
	struct dev_sel sel;
	size_t i;
	int ret = 1;

	if (argc > 0 && check_option_misplaced(argv[0]))
		return 1;
	if (argc > 1)
		return usage_error(DEV_HELP, "unexpected argument \"%s\"",
				   argv[1]);
	if (dev_sel_parse(argc ? argv[0] : NULL, &sel, DEV_HELP))
		return 1;

	if (genl_open(&ctx))
		return 1;
	if (dev_fetch(&ctx, &sel, &list))
		goto out;

	print_init(opts.json, opts.pretty, true);
	for (i = 0; i < list.n; i++)
		dev_print(&list.devs[i], false);
	ret = print_flush() ? 1 : 0;
out:
	free(list.devs);
	genl_close(&ctx);
	return ret;
}

static int dev_selftest(int argc, char **argv)
{
	struct dev_list list = { 0 };
	struct dev_info *dev;
	struct genl_ctx ctx;
	struct dev_sel sel;
	uint32_t index;
	int ret = 1;

	if (argc < 1)
		return usage_error(DEV_HELP, "\"dev selftest\" needs a device (DEV)");
	if (check_option_misplaced(argv[0]))
		return 1;
	if (argc > 1)
		return usage_error(DEV_HELP, "unexpected argument \"%s\"",
				   argv[1]);
	if (dev_sel_parse(argv[0], &sel, DEV_HELP))
		return 1;

	if (genl_open(&ctx))
		return 1;

	if (sel.by_index) {
		index = sel.index;
	} else {
		if (dev_fetch(&ctx, &sel, &list))
			goto out;
		index = list.devs[0].index;
		list.n = 0;
	}

	if (genl_request(&ctx, AINIC_CMD_DEV_SELFTEST, false, put_index,
			 &index, dev_list_add, &list))
		goto out;
	if (list.n != 1) {
		fprintf(stderr, "Error: the kernel sent %zu replies to the self test.\n",
			list.n);
		goto out;
	}
	dev = &list.devs[0];
	if (!DEV_HAS(dev, AINIC_A_DEV_SELFTEST)) {
		malformed("no self-test results");
		goto out;
	}

	print_init(opts.json, opts.pretty, true);
	open_json_object(NULL);
	print_uint(PRINT_ANY, "index", "dev %u ", dev->index);
	dev_print_selftest(dev);
	print_text("\n");
	close_json_object();
	if (print_flush())
		goto out;

	if (selftest_failed(dev)) {
		fprintf(stderr, "Error: self test of device %u failed.\n",
			dev->index);
		goto out;
	}
	ret = 0;
out:
	free(list.devs);
	genl_close(&ctx);
	return ret;
}

/* The settings of one dev set request */
struct dev_set_req {
	uint32_t index;
	bool has_xport;
	uint32_t xport;
};

static int put_dev_set(struct nl_msg *msg, void *arg)
{
	const struct dev_set_req *req = arg;
	int err;

	err = nla_put_u32(msg, AINIC_A_DEV_INDEX, req->index);
	if (!err && req->has_xport)
		err = nla_put_u32(msg, AINIC_A_DEV_XPORT, req->xport);
	return err;
}

static int dev_set(int argc, char **argv)
{
	struct dev_set_req req = { 0 };
	struct genl_ctx ctx;
	struct dev_sel sel;
	int ret = 1;
	int i;

	if (argc < 1)
		return usage_error(DEV_HELP, "\"dev set\" needs a device (DEV)");
	if (check_option_misplaced(argv[0]))
		return 1;
	if (dev_sel_parse(argv[0], &sel, DEV_HELP))
		return 1;
	if (argc < 2)
		return usage_error(DEV_HELP, "\"dev set\" needs a setting (xport)");

	/* Every argument is checked before anything is sent */
	for (i = 1; i < argc; i += 2) {
		if (!matches(argv[i], "xport"))
			return usage_error(DEV_HELP, "unknown setting \"%s\"",
					   argv[i]);
		if (req.has_xport)
			return usage_error(DEV_HELP, "xport given twice");
		if (i + 1 >= argc)
			return usage_error(DEV_HELP, "xport needs a value (reliable or raw)");
		if (!strcmp(argv[i + 1], "reliable"))
			req.xport = AINIC_TRANSPORT_POLICY_RELIABLE;
		else if (!strcmp(argv[i + 1], "raw"))
			req.xport = AINIC_TRANSPORT_POLICY_RAW;
		else
			return usage_error(DEV_HELP, "xport \"%s\" is neither reliable nor raw",
					   argv[i + 1]);
		req.has_xport = true;
	}

	if (genl_open(&ctx))
		return 1;
	if (dev_sel_index(&ctx, &sel, &req.index))
		goto out;
	if (genl_request(&ctx, AINIC_CMD_DEV_SET, false, put_dev_set, &req,
			 NULL, NULL))
		goto out;
	ret = 0;
out:
	genl_close(&ctx);
	return ret;
}

int do_dev(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", dev_show },
		{ "list", dev_show },
		{ "selftest", dev_selftest },
		{ "set", dev_set },
		{ "help", dev_usage },
		{ NULL, NULL },
	};
	const struct cmd *cmd;

	if (argc == 0)
		return dev_show(0, NULL);
	cmd = cmd_find(cmds, argv[0], "command", DEV_HELP);
	if (!cmd)
		return 1;
	return cmd->fn(argc - 1, argv + 1);
}
