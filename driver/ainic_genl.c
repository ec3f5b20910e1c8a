// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: handlers of the "ainic" generic netlink family (ops, policies and
 * the family itself are generated from uapi/ainic.yaml into
 * ainic_nl_gen.[ch]) and the device registry they look devices up in.
 *
 * Registry: bound devices live in an xarray, at indices allocated from 1.
 * A lookup takes a reference under the xarray lock. Removal erases the
 * entry, drops the registry's reference and waits until the ops still
 * using the device have dropped theirs, so an op never sees a device being
 * torn down. The family has parallel_ops, so there is no global lock.
 *
 * Namespaces: devices are PCI functions and are listed in every netns.
 * The netdev's ifindex and name are only reported to callers (and
 * notification listeners) in the netdev's netns.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "ainic.h"
#include "ainic_genl.h"
#include "ainic_nl_gen.h"
#include "ainic_selftest.h"

static DEFINE_XARRAY_ALLOC1(ainic_devs);

/* Resume cursor of a dev-get dump: the next index to look at */
struct ainic_nl_dump_ctx {
	unsigned long index;
};

static struct ainic_nl_dump_ctx *ainic_nl_dump_ctx(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct ainic_nl_dump_ctx);

	return (struct ainic_nl_dump_ctx *)cb->ctx;
}

/**
 * ainic_genl_dev_put() - drop a reference taken by a registry lookup
 * @adev: device
 */
void ainic_genl_dev_put(struct ainic_dev *adev)
{
	if (refcount_dec_and_test(&adev->nl_refs))
		complete(&adev->nl_released);
}

/* The registered device at @index, referenced, or NULL. */
static struct ainic_dev *ainic_dev_get(u32 index)
{
	struct ainic_dev *adev;

	xa_lock(&ainic_devs);
	adev = xa_load(&ainic_devs, index);
	if (adev)
		refcount_inc(&adev->nl_refs);
	xa_unlock(&ainic_devs);

	return adev;
}

/**
 * ainic_genl_dev_get_next() - the registered device with the lowest index
 *	>= *@index, referenced
 * @index: where to start; set to the device's index
 *
 * Return: the device (release with ainic_genl_dev_put()) or NULL.
 */
struct ainic_dev *ainic_genl_dev_get_next(unsigned long *index)
{
	struct ainic_dev *adev;

	xa_lock(&ainic_devs);
	adev = xa_find(&ainic_devs, index, ULONG_MAX, XA_PRESENT);
	if (adev)
		refcount_inc(&adev->nl_refs);
	xa_unlock(&ainic_devs);

	return adev;
}

static int ainic_nl_selftest_put(struct sk_buff *skb,
				 const struct ainic_selftest_res *res)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, AINIC_A_DEV_SELFTEST);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u32(skb, AINIC_A_SELFTEST_ECHO, res->echo) ||
	    nla_put_u32(skb, AINIC_A_SELFTEST_IRQ, res->irq) ||
	    nla_put_u32(skb, AINIC_A_SELFTEST_DMA, res->dma)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}

	nla_nest_end(skb, nest);
	return 0;
}

/**
 * ainic_nl_dev_fill() - put one device's dev-get message into @skb
 * @skb: message buffer
 * @adev: device, referenced
 * @info: request, or notification info
 * @net: netns of the receiver; netdev attributes only when it is the
 *	netdev's
 *
 * Context: process, RTNL held (netdev name and netns).
 * Return: 0 or -EMSGSIZE.
 */
static int ainic_nl_dev_fill(struct sk_buff *skb, struct ainic_dev *adev,
			     const struct genl_info *info, struct net *net)
{
	struct ainic_admin_stats stats;
	struct ainic_selftest_res st;
	struct net_device *netdev;
	void *hdr;

	ASSERT_RTNL();

	hdr = genlmsg_iput(skb, info);
	if (!hdr)
		return -EMSGSIZE;

	ainic_admin_get_stats(&adev->admin, &stats);
	st.echo = READ_ONCE(adev->selftest.echo);
	st.irq = READ_ONCE(adev->selftest.irq);
	st.dma = READ_ONCE(adev->selftest.dma);

	if (nla_put_u32(skb, AINIC_A_DEV_INDEX, adev->index) ||
	    nla_put_string(skb, AINIC_A_DEV_BUS_NAME, pci_name(adev->pdev)))
		goto err_cancel;

	netdev = adev->netdev;
	if (netdev && net_eq(dev_net(netdev), net) &&
	    (nla_put_u32(skb, AINIC_A_DEV_IFINDEX, netdev->ifindex) ||
	     nla_put_string(skb, AINIC_A_DEV_IFNAME, netdev->name)))
		goto err_cancel;

	if (nla_put(skb, AINIC_A_DEV_MAC, ETH_ALEN, adev->ident.mac) ||
	    nla_put_u32(skb, AINIC_A_DEV_IF_VERSION, adev->ident.if_version) ||
	    nla_put_uint(skb, AINIC_A_DEV_CAPS, adev->ident.caps) ||
	    nla_put_string(skb, AINIC_A_DEV_FW_VERSION,
			   adev->ident.fw_version) ||
	    nla_put_string(skb, AINIC_A_DEV_SERIAL, adev->ident.serial) ||
	    nla_put_string(skb, AINIC_A_DEV_MODEL, adev->ident.model) ||
	    nla_put_u32(skb, AINIC_A_DEV_MAX_QPS, adev->ident.max_qps) ||
	    nla_put_u32(skb, AINIC_A_DEV_NUM_VECTORS,
			adev->ident.num_vectors) ||
	    nla_put_u32(skb, AINIC_A_DEV_MAX_MTU, adev->ident.max_mtu) ||
	    nla_put_u8(skb, AINIC_A_DEV_LINK_UP, ainic_link_status(adev)) ||
	    ainic_nl_selftest_put(skb, &st) ||
	    nla_put_uint(skb, AINIC_A_DEV_ADMIN_CMDS, stats.cmds) ||
	    nla_put_uint(skb, AINIC_A_DEV_ADMIN_ERRORS, stats.errors) ||
	    nla_put_uint(skb, AINIC_A_DEV_ADMIN_TIMEOUTS, stats.timeouts) ||
	    nla_put_uint(skb, AINIC_A_DEV_ADMIN_STALE, stats.stale) ||
	    nla_put_uint(skb, AINIC_A_DEV_EVENTS, ainic_event_count(&adev->eq)))
		goto err_cancel;

	if (ainic_has_cap(adev, AINIC_CAP_RELIABLE) &&
	    nla_put_u32(skb, AINIC_A_DEV_XPORT, adev->xport))
		goto err_cancel;

	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * ainic_genl_dev_lookup() - the device a request names, referenced
 * @info: request
 * @attr: the attribute holding the device index in the op's set
 *
 * Return: the device (release with ainic_genl_dev_put()) or an ERR_PTR,
 * with the reason in the extack.
 */
struct ainic_dev *ainic_genl_dev_lookup(const struct genl_info *info,
					int attr)
{
	struct ainic_dev *adev;
	u32 index;

	if (GENL_REQ_ATTR_CHECK(info, attr)) {
		NL_SET_ERR_MSG_MOD(info->extack, "device index is required");
		return ERR_PTR(-EINVAL);
	}

	index = nla_get_u32(info->attrs[attr]);
	adev = ainic_dev_get(index);
	if (!adev) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "no ainic device with index %u", index);
		NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
		return ERR_PTR(-ENODEV);
	}

	return adev;
}

static struct ainic_dev *ainic_nl_dev_lookup(struct genl_info *info)
{
	return ainic_genl_dev_lookup(info, AINIC_A_DEV_INDEX);
}

int ainic_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ainic_dev *adev;
	struct sk_buff *rsp;
	int err;

	adev = ainic_nl_dev_lookup(info);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rsp) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the reply");
		err = -ENOMEM;
		goto err_put;
	}

	rtnl_lock();
	err = ainic_nl_dev_fill(rsp, adev, info, genl_info_net(info));
	rtnl_unlock();
	if (err) {
		NL_SET_ERR_MSG_MOD(info->extack, "device does not fit the reply");
		goto err_free;
	}

	ainic_genl_dev_put(adev);
	return genlmsg_reply(rsp, info);

err_free:
	nlmsg_free(rsp);
err_put:
	ainic_genl_dev_put(adev);
	return err;
}

int ainic_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ainic_nl_dump_ctx *ctx = ainic_nl_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct ainic_dev *adev;
	unsigned long index;
	int err = 0;

	/*
	 * The dump takes no attributes, but a split dump op without a policy
	 * gets its attributes ignored (not rejected) by the 6.12 core.
	 */
	if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_MOD(cb->extack, "dev-get dump takes no attributes");
		NL_SET_BAD_ATTR(cb->extack, nlmsg_attrdata(cb->nlh, GENL_HDRLEN));
		return -EINVAL;
	}

	for (;;) {
		index = ctx->index;
		adev = ainic_genl_dev_get_next(&index);
		if (!adev)
			break;

		rtnl_lock();
		err = ainic_nl_dev_fill(skb, adev, genl_info_dump(cb), net);
		rtnl_unlock();
		ainic_genl_dev_put(adev);
		if (err)
			break;

		ctx->index = index + 1;
	}

	/* -EMSGSIZE with messages in the skb: the core calls us again */
	if (err && !skb->len)
		NL_SET_ERR_MSG_MOD(cb->extack, "device does not fit the reply");

	return err;
}

/*
 * Send a dev-change-ntf for @adev to the "monitor" listeners of every
 * netns, each with the attributes a caller there would get.
 * Context: process; takes RTNL. Lock order RTNL, then net_rwsem, as the
 * core's rtnl_lock_unregistering_all().
 */
static void ainic_genl_notify(struct ainic_dev *adev)
{
	struct genl_info info;
	struct sk_buff *ntf;
	struct net *net;

	genl_info_init_ntf(&info, &ainic_nl_family, AINIC_CMD_DEV_CHANGE_NTF);

	rtnl_lock();
	down_read(&net_rwsem);
	for_each_net(net) {
		if (!genl_has_listeners(&ainic_nl_family, net,
					AINIC_NLGRP_MONITOR))
			continue;

		ntf = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
		if (!ntf)
			break;

		if (ainic_nl_dev_fill(ntf, adev, &info, net)) {
			nlmsg_free(ntf);
			break;
		}

		genlmsg_multicast_netns(&ainic_nl_family, net, ntf, 0,
					AINIC_NLGRP_MONITOR, GFP_KERNEL);
	}
	up_read(&net_rwsem);
	rtnl_unlock();
}

static void ainic_genl_ntf_work(struct work_struct *work)
{
	struct ainic_dev *adev = container_of(work, struct ainic_dev,
					      ntf_work);

	ainic_genl_notify(adev);
}

/**
 * ainic_genl_notify_async() - announce a device change from any context
 * @adev: device
 *
 * Queues the dev-change-ntf; nothing happens before ainic_genl_dev_add()
 * or after ainic_genl_dev_del() started.
 *
 * Context: any, including hard IRQ.
 */
void ainic_genl_notify_async(struct ainic_dev *adev)
{
	unsigned long flags;

	spin_lock_irqsave(&adev->ntf_lock, flags);
	if (adev->ntf_enabled)
		schedule_work(&adev->ntf_work);
	spin_unlock_irqrestore(&adev->ntf_lock, flags);
}

static const char *ainic_selftest_err_str(int err)
{
	return err == -EOPNOTSUPP ? "not supported" : "could not run";
}

int ainic_nl_dev_selftest_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ainic_selftest_res res;
	struct ainic_dev *adev;
	struct sk_buff *rsp;
	void *hdr;
	int err;

	adev = ainic_nl_dev_lookup(info);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	err = ainic_selftest_run(adev, &res);
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "self test %s: %pe",
				       ainic_selftest_err_str(err),
				       ERR_PTR(err));
		goto out_put;
	}

	if (!ainic_selftest_passed(&res))
		dev_err(adev->dev, "self test failed (echo %s, irq %s, dma %s)\n",
			ainic_selftest_result_str(res.echo),
			ainic_selftest_result_str(res.irq),
			ainic_selftest_result_str(res.dma));

	ainic_genl_notify(adev);

	rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rsp) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the reply");
		err = -ENOMEM;
		goto out_put;
	}

	hdr = genlmsg_iput(rsp, info);
	if (!hdr ||
	    nla_put_u32(rsp, AINIC_A_DEV_INDEX, adev->index) ||
	    ainic_nl_selftest_put(rsp, &res)) {
		NL_SET_ERR_MSG_MOD(info->extack, "results do not fit the reply");
		nlmsg_free(rsp);
		err = -EMSGSIZE;
		goto out_put;
	}
	genlmsg_end(rsp, hdr);

	ainic_genl_dev_put(adev);
	return genlmsg_reply(rsp, info);

out_put:
	ainic_genl_dev_put(adev);
	return err;
}

static_assert((int)AINIC_TRANSPORT_POLICY_RAW == (int)AINIC_XPORT_RAW);
static_assert((int)AINIC_TRANSPORT_POLICY_RELIABLE == (int)AINIC_XPORT_RELIABLE);

/* dev-set: the transport policy, shadow state replayed after a reset */
int ainic_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ainic_dev *adev;
	u32 xport;
	int err;

	adev = ainic_nl_dev_lookup(info);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	if (GENL_REQ_ATTR_CHECK(info, AINIC_A_DEV_XPORT)) {
		NL_SET_ERR_MSG_MOD(info->extack, "nothing to set: xport is required");
		err = -EINVAL;
		goto out_put;
	}
	xport = nla_get_u32(info->attrs[AINIC_A_DEV_XPORT]);
	if (!ainic_has_cap(adev, AINIC_CAP_RELIABLE)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AINIC_A_DEV_XPORT],
				    "device has no reliable transport: no policy to set");
		err = -EOPNOTSUPP;
		goto out_put;
	}

	/* RTNL orders this against the replays of open and recovery */
	rtnl_lock();
	err = 0;
	if (xport != adev->xport)
		err = ainic_cmd_port_config(adev, AINIC_PORT_CFG_XPORT, 0, NULL,
					    xport, 0);
	if (!err)
		adev->xport = xport;
	rtnl_unlock();
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "device refused transport policy %u: %pe",
				       xport, ERR_PTR(err));
		goto out_put;
	}

	ainic_genl_notify(adev);
out_put:
	ainic_genl_dev_put(adev);
	return err;
}

/**
 * ainic_genl_dev_init() - set up a device's registry state
 * @adev: device, early in probe (before its interrupt is requested)
 */
void ainic_genl_dev_init(struct ainic_dev *adev)
{
	refcount_set(&adev->nl_refs, 1);
	init_completion(&adev->nl_released);
	spin_lock_init(&adev->ntf_lock);
	INIT_WORK(&adev->ntf_work, ainic_genl_ntf_work);
}

/**
 * ainic_genl_dev_add() - make a fully set-up device visible to genl
 * @adev: device
 *
 * Return: 0, or -EBUSY/-ENOMEM when no index could be allocated.
 */
int ainic_genl_dev_add(struct ainic_dev *adev)
{
	int err;

	err = xa_alloc(&ainic_devs, &adev->index, adev, xa_limit_32b,
		       GFP_KERNEL);
	if (err)
		return err;

	spin_lock_irq(&adev->ntf_lock);
	adev->ntf_enabled = true;
	spin_unlock_irq(&adev->ntf_lock);

	return 0;
}

/**
 * ainic_genl_dev_del() - hide a device from genl and wait for its users
 * @adev: device added with ainic_genl_dev_add()
 *
 * On return no genl op or notification uses the device any more.
 *
 * Context: process; sleeps.
 */
void ainic_genl_dev_del(struct ainic_dev *adev)
{
	spin_lock_irq(&adev->ntf_lock);
	adev->ntf_enabled = false;
	spin_unlock_irq(&adev->ntf_lock);
	cancel_work_sync(&adev->ntf_work);

	xa_erase(&ainic_devs, adev->index);
	ainic_genl_dev_put(adev);
	wait_for_completion(&adev->nl_released);
}

/**
 * ainic_genl_init() - register the genl family
 *
 * Return: 0 or a negative errno.
 */
int ainic_genl_init(void)
{
	return genl_register_family(&ainic_nl_family);
}

/**
 * ainic_genl_exit() - unregister the genl family
 *
 * Called after the PCI driver is unregistered, so the registry is empty.
 */
void ainic_genl_exit(void)
{
	genl_unregister_family(&ainic_nl_family);
	WARN_ON(!xa_empty(&ainic_devs));
	xa_destroy(&ainic_devs);
}
