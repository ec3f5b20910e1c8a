// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	uapi/ainic.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "ainic_nl_gen.h"

#include <uapi/linux/ainic.h>

/* AINIC_CMD_DEV_GET - do */
static const struct nla_policy ainic_dev_get_nl_policy[AINIC_A_DEV_INDEX + 1] = {
	[AINIC_A_DEV_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* AINIC_CMD_DEV_SELFTEST - do */
static const struct nla_policy ainic_dev_selftest_nl_policy[AINIC_A_DEV_INDEX + 1] = {
	[AINIC_A_DEV_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* AINIC_CMD_CONN_GET - do */
static const struct nla_policy ainic_conn_get_do_nl_policy[AINIC_A_CONN_ID + 1] = {
	[AINIC_A_CONN_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[AINIC_A_CONN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* AINIC_CMD_CONN_GET - dump */
static const struct nla_policy ainic_conn_get_dump_nl_policy[AINIC_A_CONN_INDEX + 1] = {
	[AINIC_A_CONN_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* AINIC_CMD_CONN_ADD - do */
static const struct nla_policy ainic_conn_add_nl_policy[AINIC_A_CONN_PEER_MAC + 1] = {
	[AINIC_A_CONN_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[AINIC_A_CONN_PEER_MAC] = NLA_POLICY_EXACT_LEN(6),
};

/* AINIC_CMD_CONN_DEL - do */
static const struct nla_policy ainic_conn_del_nl_policy[AINIC_A_CONN_ID + 1] = {
	[AINIC_A_CONN_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[AINIC_A_CONN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* AINIC_CMD_DEV_SET - do */
static const struct nla_policy ainic_dev_set_nl_policy[AINIC_A_DEV_XPORT + 1] = {
	[AINIC_A_DEV_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[AINIC_A_DEV_XPORT] = NLA_POLICY_MAX(NLA_U32, 1),
};

/* Ops table for ainic */
static const struct genl_split_ops ainic_nl_ops[] = {
	{
		.cmd		= AINIC_CMD_DEV_GET,
		.doit		= ainic_nl_dev_get_doit,
		.policy		= ainic_dev_get_nl_policy,
		.maxattr	= AINIC_A_DEV_INDEX,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= AINIC_CMD_DEV_GET,
		.dumpit	= ainic_nl_dev_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= AINIC_CMD_DEV_SELFTEST,
		.doit		= ainic_nl_dev_selftest_doit,
		.policy		= ainic_dev_selftest_nl_policy,
		.maxattr	= AINIC_A_DEV_INDEX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= AINIC_CMD_CONN_GET,
		.doit		= ainic_nl_conn_get_doit,
		.policy		= ainic_conn_get_do_nl_policy,
		.maxattr	= AINIC_A_CONN_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= AINIC_CMD_CONN_GET,
		.dumpit		= ainic_nl_conn_get_dumpit,
		.policy		= ainic_conn_get_dump_nl_policy,
		.maxattr	= AINIC_A_CONN_INDEX,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= AINIC_CMD_CONN_ADD,
		.doit		= ainic_nl_conn_add_doit,
		.policy		= ainic_conn_add_nl_policy,
		.maxattr	= AINIC_A_CONN_PEER_MAC,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= AINIC_CMD_CONN_DEL,
		.doit		= ainic_nl_conn_del_doit,
		.policy		= ainic_conn_del_nl_policy,
		.maxattr	= AINIC_A_CONN_ID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= AINIC_CMD_DEV_SET,
		.doit		= ainic_nl_dev_set_doit,
		.policy		= ainic_dev_set_nl_policy,
		.maxattr	= AINIC_A_DEV_XPORT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group ainic_nl_mcgrps[] = {
	[AINIC_NLGRP_MONITOR] = { "monitor", },
	[AINIC_NLGRP_CONN] = { "conn", },
};

struct genl_family ainic_nl_family __ro_after_init = {
	.name		= AINIC_FAMILY_NAME,
	.version	= AINIC_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= ainic_nl_ops,
	.n_split_ops	= ARRAY_SIZE(ainic_nl_ops),
	.mcgrps		= ainic_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ainic_nl_mcgrps),
};
