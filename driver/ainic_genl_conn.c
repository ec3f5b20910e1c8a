// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: the connection ops of the "ainic" genl family: conn-get (do and
 * dump), conn-add, conn-del, and the conn-change-ntf notifications on the
 * "conn" group. The connections listed are the driver's mirror
 * (ainic_conn.c); the values reported are the device's, read with
 * CONN_QUERY at request time.
 *
 * A dump resumes from the device index and connection id it stopped at.
 * Each message carries the mirrors' generation (cb->seq), so a dump that
 * saw the table change between two messages is flagged NLM_F_DUMP_INTR
 * and the caller starts again.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "ainic.h"
#include "ainic_conn.h"
#include "ainic_genl.h"
#include "ainic_nl_gen.h"

/* Resume cursor of a conn-get dump */
struct ainic_nl_conn_dump_ctx {
	unsigned long index;	/* device to look at next */
	unsigned long id;	/* its next connection id */
};

static struct ainic_nl_conn_dump_ctx *
ainic_nl_conn_dump_ctx(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct ainic_nl_conn_dump_ctx);

	return (struct ainic_nl_conn_dump_ctx *)cb->ctx;
}

static int ainic_nl_conn_stats_put(struct sk_buff *skb,
				   const struct ainic_conn_info *ci)
{
	static const struct {
		int attr;
		size_t off;
	} counters[] = {
		{ AINIC_A_CONN_STATS_TX_PKTS, offsetof(struct ainic_conn_info, tx_pkts) },
		{ AINIC_A_CONN_STATS_TX_BYTES, offsetof(struct ainic_conn_info, tx_bytes) },
		{ AINIC_A_CONN_STATS_RX_PKTS, offsetof(struct ainic_conn_info, rx_pkts) },
		{ AINIC_A_CONN_STATS_RX_BYTES, offsetof(struct ainic_conn_info, rx_bytes) },
		{ AINIC_A_CONN_STATS_RETX_FAST, offsetof(struct ainic_conn_info, retx_fast) },
		{ AINIC_A_CONN_STATS_RETX_TIMEOUT, offsetof(struct ainic_conn_info, retx_timeout) },
		{ AINIC_A_CONN_STATS_DUP_DROPPED, offsetof(struct ainic_conn_info, dup_dropped) },
		{ AINIC_A_CONN_STATS_OOO_BUFFERED, offsetof(struct ainic_conn_info, ooo_buffered) },
		{ AINIC_A_CONN_STATS_NACKS_SENT, offsetof(struct ainic_conn_info, nacks_sent) },
		{ AINIC_A_CONN_STATS_NACKS_RCVD, offsetof(struct ainic_conn_info, nacks_rcvd) },
		{ AINIC_A_CONN_STATS_RNR_SENT, offsetof(struct ainic_conn_info, rnr_sent) },
		{ AINIC_A_CONN_STATS_RNR_RCVD, offsetof(struct ainic_conn_info, rnr_rcvd) },
	};
	struct nlattr *nest;
	unsigned int i;
	__le64 v;

	nest = nla_nest_start(skb, AINIC_A_CONN_STATS);
	if (!nest)
		return -EMSGSIZE;

	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		memcpy(&v, (const u8 *)ci + counters[i].off, sizeof(v));
		if (nla_put_uint(skb, counters[i].attr, le64_to_cpu(v))) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}

	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The attributes of one connection: the device's answer @ci, whether the
 * mirror has it as made by conn-add (@added). The netdev's ifindex only
 * for a receiver in its netns. Context: process, RTNL held.
 */
static int ainic_nl_conn_put(struct sk_buff *skb, struct ainic_dev *adev,
			     const struct ainic_conn_info *ci, bool added,
			     struct net *net)
{
	struct net_device *netdev = adev->netdev;

	ASSERT_RTNL();

	if (nla_put_u32(skb, AINIC_A_CONN_INDEX, adev->index))
		return -EMSGSIZE;
	if (netdev && net_eq(dev_net(netdev), net) &&
	    nla_put_u32(skb, AINIC_A_CONN_IFINDEX, netdev->ifindex))
		return -EMSGSIZE;

	if (nla_put_u32(skb, AINIC_A_CONN_ID, le32_to_cpu(ci->conn_id)) ||
	    nla_put(skb, AINIC_A_CONN_PEER_MAC, ETH_ALEN, ci->peer_mac) ||
	    nla_put_u32(skb, AINIC_A_CONN_STATE, ci->state) ||
	    nla_put_u32(skb, AINIC_A_CONN_TX_INCARNATION,
			le32_to_cpu(ci->tx_incarnation)) ||
	    nla_put_u32(skb, AINIC_A_CONN_RX_INCARNATION,
			le32_to_cpu(ci->rx_incarnation)) ||
	    nla_put_u32(skb, AINIC_A_CONN_SND_UNA, le32_to_cpu(ci->snd_una)) ||
	    nla_put_u32(skb, AINIC_A_CONN_SND_NXT, le32_to_cpu(ci->snd_nxt)) ||
	    nla_put_u32(skb, AINIC_A_CONN_RCV_NXT, le32_to_cpu(ci->rcv_nxt)) ||
	    nla_put_u32(skb, AINIC_A_CONN_SRTT_US, le32_to_cpu(ci->srtt_us)) ||
	    nla_put_u32(skb, AINIC_A_CONN_RTTVAR_US,
			le32_to_cpu(ci->rttvar_us)) ||
	    nla_put_u32(skb, AINIC_A_CONN_RTO_US, le32_to_cpu(ci->rto_us)) ||
	    nla_put_u32(skb, AINIC_A_CONN_RETRIES, le32_to_cpu(ci->retries)) ||
	    nla_put_u32(skb, AINIC_A_CONN_STAGED, le32_to_cpu(ci->staged)))
		return -EMSGSIZE;

	if (added && nla_put_flag(skb, AINIC_A_CONN_ADDED))
		return -EMSGSIZE;

	return ainic_nl_conn_stats_put(skb, ci);
}

/* Whether the mirror has connection @id as made by conn-add */
static bool ainic_nl_conn_added(struct ainic_dev *adev, u32 id)
{
	unsigned long at = id;
	struct ainic_conn conn;

	return ainic_conn_next(adev, &at, &conn) && at == id && conn.added;
}

static int ainic_nl_conn_query(struct ainic_dev *adev, u32 id,
			       struct ainic_conn_info *ci,
			       struct netlink_ext_ack *extack)
{
	int err;

	if (!ainic_has_cap(adev, AINIC_CAP_RELIABLE)) {
		NL_SET_ERR_MSG_MOD(extack, "device has no reliable transport");
		return -EOPNOTSUPP;
	}

	err = ainic_conn_query(adev, id, ci);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_FMT_MOD(extack, "no connection %u", id);
	else if (err)
		NL_SET_ERR_MSG_FMT_MOD(extack, "CONN_QUERY of connection %u failed: %pe",
				       id, ERR_PTR(err));
	return err;
}

int ainic_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ainic_conn_info ci;
	struct ainic_dev *adev;
	struct sk_buff *rsp;
	void *hdr;
	u32 id;
	int err;

	adev = ainic_genl_dev_lookup(info, AINIC_A_CONN_INDEX);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	if (GENL_REQ_ATTR_CHECK(info, AINIC_A_CONN_ID)) {
		NL_SET_ERR_MSG_MOD(info->extack, "connection id is required");
		err = -EINVAL;
		goto out_put;
	}
	id = nla_get_u32(info->attrs[AINIC_A_CONN_ID]);

	err = ainic_nl_conn_query(adev, id, &ci, info->extack);
	if (err)
		goto out_put;

	rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rsp) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the reply");
		err = -ENOMEM;
		goto out_put;
	}

	hdr = genlmsg_iput(rsp, info);
	rtnl_lock();
	err = hdr ? ainic_nl_conn_put(rsp, adev, &ci,
				      ainic_nl_conn_added(adev, id),
				      genl_info_net(info)) : -EMSGSIZE;
	rtnl_unlock();
	if (err) {
		NL_SET_ERR_MSG_MOD(info->extack, "connection does not fit the reply");
		nlmsg_free(rsp);
		goto out_put;
	}
	genlmsg_end(rsp, hdr);

	ainic_genl_dev_put(adev);
	return genlmsg_reply(rsp, info);

out_put:
	ainic_genl_dev_put(adev);
	return err;
}

/*
 * One dump message for connection @id of @adev, flagged when the mirrors
 * changed since the previous message. 0, -EMSGSIZE (the skb is full), or
 * -ENOENT (the slot was freed meanwhile: nothing to report).
 */
static int ainic_nl_conn_dump_one(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct ainic_dev *adev, u32 id, bool added)
{
	struct ainic_conn_info ci;
	void *hdr;
	int err;

	err = ainic_conn_query(adev, id, &ci);
	if (err == -ENOENT)
		return err;
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(cb->extack,
				       "CONN_QUERY of connection %u failed: %pe",
				       id, ERR_PTR(err));
		return err;
	}

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ainic_nl_family, NLM_F_MULTI, AINIC_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;

	cb->seq = ainic_conns_generation();
	genl_dump_check_consistent(cb, hdr);

	rtnl_lock();
	err = ainic_nl_conn_put(skb, adev, &ci, added, sock_net(skb->sk));
	rtnl_unlock();
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err;
	}

	genlmsg_end(skb, hdr);
	return 0;
}

int ainic_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ainic_nl_conn_dump_ctx *ctx = ainic_nl_conn_dump_ctx(cb);
	const struct genl_info *info = genl_info_dump(cb);
	struct ainic_dev *adev;
	struct ainic_conn conn;
	unsigned long index;
	u32 filter = 0;
	int err = 0;

	if (info->attrs[AINIC_A_CONN_INDEX]) {
		filter = nla_get_u32(info->attrs[AINIC_A_CONN_INDEX]);
		adev = ainic_genl_dev_lookup(info, AINIC_A_CONN_INDEX);
		if (IS_ERR(adev))
			return PTR_ERR(adev);
		ainic_genl_dev_put(adev);
		if (ctx->index < filter) {
			ctx->index = filter;
			ctx->id = 0;
		}
	}

	/* A change before the first message counts too */
	if (!cb->prev_seq)
		cb->prev_seq = ainic_conns_generation();

	for (;;) {
		index = ctx->index;
		adev = ainic_genl_dev_get_next(&index);
		if (!adev)
			break;
		if (filter && index != filter) {
			ainic_genl_dev_put(adev);
			break;
		}
		if (index != ctx->index) {
			ctx->index = index;
			ctx->id = 0;
		}

		while (ainic_conn_next(adev, &ctx->id, &conn)) {
			err = ainic_nl_conn_dump_one(skb, cb, adev, conn.id,
						     conn.added);
			if (err == -ENOENT)
				err = 0;	/* freed while we looked */
			if (err)
				break;
			ctx->id = conn.id + 1;
		}
		ainic_genl_dev_put(adev);
		if (err)
			break;

		ctx->index = index + 1;
		ctx->id = 0;
	}

	/* For the next message, or NLMSG_DONE (the core checks it too) */
	cb->seq = ainic_conns_generation();

	/* -EMSGSIZE with messages in the skb: the core calls us again */
	if (err == -EMSGSIZE && !skb->len)
		NL_SET_ERR_MSG_MOD(cb->extack, "connection does not fit the reply");

	return err;
}

int ainic_nl_conn_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ainic_dev *adev;
	struct sk_buff *rsp;
	void *hdr;
	u32 id = 0;
	int err;

	adev = ainic_genl_dev_lookup(info, AINIC_A_CONN_INDEX);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	if (GENL_REQ_ATTR_CHECK(info, AINIC_A_CONN_PEER_MAC)) {
		NL_SET_ERR_MSG_MOD(info->extack, "peer MAC is required");
		err = -EINVAL;
		goto out_put;
	}

	rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rsp) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the reply");
		err = -ENOMEM;
		goto out_put;
	}

	err = ainic_conn_add(adev, nla_data(info->attrs[AINIC_A_CONN_PEER_MAC]),
			     &id, info->extack);
	if (err) {
		if (err == -EINVAL || err == -EEXIST)
			NL_SET_BAD_ATTR(info->extack,
					info->attrs[AINIC_A_CONN_PEER_MAC]);
		nlmsg_free(rsp);
		goto out_put;
	}

	hdr = genlmsg_iput(rsp, info);
	if (!hdr || nla_put_u32(rsp, AINIC_A_CONN_INDEX, adev->index) ||
	    nla_put_u32(rsp, AINIC_A_CONN_ID, id)) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "connection %u made, but the reply failed",
				       id);
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

int ainic_nl_conn_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ainic_dev *adev;
	int err;

	adev = ainic_genl_dev_lookup(info, AINIC_A_CONN_INDEX);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	if (GENL_REQ_ATTR_CHECK(info, AINIC_A_CONN_ID)) {
		NL_SET_ERR_MSG_MOD(info->extack, "connection id is required");
		err = -EINVAL;
		goto out_put;
	}

	err = ainic_conn_del(adev, nla_get_u32(info->attrs[AINIC_A_CONN_ID]),
			     info->extack);
	if (err == -ENOENT || err == -ERANGE)
		NL_SET_BAD_ATTR(info->extack, info->attrs[AINIC_A_CONN_ID]);

out_put:
	ainic_genl_dev_put(adev);
	return err;
}

/**
 * ainic_genl_conn_notify() - announce a connection's new state
 * @adev: device
 * @id: connection id
 * @peer: its peer's MAC
 * @state: enum ainic_conn_state, AINIC_CONN_FREE when it went away
 *
 * Sent to the "conn" listeners of every netns (devices are listed in
 * every netns; the notification names no netdev). Nothing is sent before
 * ainic_genl_dev_add() or once ainic_genl_dev_del() started.
 *
 * Context: process.
 */
void ainic_genl_conn_notify(struct ainic_dev *adev, u32 id, const u8 *peer,
			    u8 state)
{
	struct sk_buff *ntf;
	void *hdr;

	if (!READ_ONCE(adev->ntf_enabled))
		return;

	ntf = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!ntf)
		return;

	hdr = genlmsg_put(ntf, 0, 0, &ainic_nl_family, 0,
			  AINIC_CMD_CONN_CHANGE_NTF);
	if (!hdr || nla_put_u32(ntf, AINIC_A_CONN_INDEX, adev->index) ||
	    nla_put_u32(ntf, AINIC_A_CONN_ID, id) ||
	    nla_put(ntf, AINIC_A_CONN_PEER_MAC, ETH_ALEN, peer) ||
	    nla_put_u32(ntf, AINIC_A_CONN_STATE, state)) {
		nlmsg_free(ntf);
		return;
	}
	genlmsg_end(ntf, hdr);

	rcu_read_lock();
	genlmsg_multicast_allns(&ainic_nl_family, ntf, 0, AINIC_NLGRP_CONN);
	rcu_read_unlock();
}
