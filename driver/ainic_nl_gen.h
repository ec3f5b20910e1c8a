/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	uapi/ainic.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_AINIC_GEN_H
#define _LINUX_AINIC_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/ainic.h>

int ainic_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int ainic_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int ainic_nl_dev_selftest_doit(struct sk_buff *skb, struct genl_info *info);
int ainic_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info);
int ainic_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int ainic_nl_conn_add_doit(struct sk_buff *skb, struct genl_info *info);
int ainic_nl_conn_del_doit(struct sk_buff *skb, struct genl_info *info);
int ainic_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	AINIC_NLGRP_MONITOR,
	AINIC_NLGRP_CONN,
};

extern struct genl_family ainic_nl_family;

#endif /* _LINUX_AINIC_GEN_H */
