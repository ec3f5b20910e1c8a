// SPDX-License-Identifier: GPL-2.0
/*
 * nicctl: generic netlink requests with libnl-genl 3.7 (see genl.h).
 *
 * libnl 3.7 does not parse the extended ACK, so the socket gets
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK and the error and DONE handlers
 * find the TLVs themselves, as iproute2's nl_dump_ext_ack() does.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include <linux/ainic.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* How often an inconsistent dump is restarted before giving up */
#define DUMP_RETRIES 10

/* State of one request while its replies come in */
struct req_state {
	const struct genl_ctx *ctx;
	genl_reply_fn reply;
	void *reply_arg;
	bool done;		/* ACK, error or DONE seen, or handler stopped */
	bool stopped;		/* the reply handler failed (and said why) */
	bool interrupted;	/* a dump message had NLM_F_DUMP_INTR */
	uint8_t cmd;		/* the request's command */
	int error;		/* negative errno from the kernel, or 0 */
	char msg[256];		/* NLMSGERR_ATTR_MSG */
	bool has_miss_type;
	bool has_miss_nest;
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
};

static const struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG]		= { .type = NLA_STRING },
	[NLMSGERR_ATTR_OFFS]		= { .type = NLA_U32 },
	[NLMSGERR_ATTR_MISS_TYPE]	= { .type = NLA_U32 },
	[NLMSGERR_ATTR_MISS_NEST]	= { .type = NLA_U32 },
};

/* Names of the "dev" attribute set, as in uapi/ainic.yaml */
static const char *const dev_attr_names[AINIC_A_DEV_MAX + 1] = {
	[AINIC_A_DEV_INDEX]		= "index",
	[AINIC_A_DEV_BUS_NAME]		= "bus-name",
	[AINIC_A_DEV_IFINDEX]		= "ifindex",
	[AINIC_A_DEV_IFNAME]		= "ifname",
	[AINIC_A_DEV_MAC]		= "mac",
	[AINIC_A_DEV_IF_VERSION]	= "if-version",
	[AINIC_A_DEV_CAPS]		= "caps",
	[AINIC_A_DEV_FW_VERSION]	= "fw-version",
	[AINIC_A_DEV_SERIAL]		= "serial",
	[AINIC_A_DEV_MODEL]		= "model",
	[AINIC_A_DEV_MAX_QPS]		= "max-qps",
	[AINIC_A_DEV_NUM_VECTORS]	= "num-vectors",
	[AINIC_A_DEV_MAX_MTU]		= "max-mtu",
	[AINIC_A_DEV_LINK_UP]		= "link-up",
	[AINIC_A_DEV_SELFTEST]		= "selftest",
	[AINIC_A_DEV_ADMIN_CMDS]	= "admin-cmds",
	[AINIC_A_DEV_ADMIN_ERRORS]	= "admin-errors",
	[AINIC_A_DEV_ADMIN_TIMEOUTS]	= "admin-timeouts",
	[AINIC_A_DEV_ADMIN_STALE]	= "admin-stale",
	[AINIC_A_DEV_EVENTS]		= "events",
	[AINIC_A_DEV_XPORT]		= "xport",
};

/* Names of the "conn" attribute set, as in uapi/ainic.yaml */
static const char *const conn_attr_names[AINIC_A_CONN_MAX + 1] = {
	[AINIC_A_CONN_INDEX]		= "index",
	[AINIC_A_CONN_IFINDEX]		= "ifindex",
	[AINIC_A_CONN_ID]		= "id",
	[AINIC_A_CONN_PEER_MAC]		= "peer-mac",
	[AINIC_A_CONN_STATE]		= "state",
};

/* The name of top-level attribute @type of command @cmd's set, or NULL */
static const char *attr_name(uint8_t cmd, uint32_t type)
{
	switch (cmd) {
	case AINIC_CMD_CONN_GET:
	case AINIC_CMD_CONN_ADD:
	case AINIC_CMD_CONN_DEL:
		return type <= AINIC_A_CONN_MAX ? conn_attr_names[type] : NULL;
	default:
		return type <= AINIC_A_DEV_MAX ? dev_attr_names[type] : NULL;
	}
}

/*
 * Parse the extack TLVs of @nlh (an NLMSG_ERROR or NLMSG_DONE message)
 * that start @tlv_off bytes into it.
 */
static void extack_parse(struct req_state *st, const struct nlmsghdr *nlh,
			 size_t tlv_off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (tlv_off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + tlv_off),
		      (int)(nlh->nlmsg_len - tlv_off), extack_policy) < 0)
		return;

	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(st->msg, sizeof(st->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		st->has_miss_type = true;
		st->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
	st->has_miss_nest = tb[NLMSGERR_ATTR_MISS_NEST] != NULL;
}

/* Print the request's error, or its warning, iproute2 style. */
static void report(const struct req_state *st, const char *level)
{
	char miss[64] = "";
	size_t len = strlen(st->msg);

	if (st->has_miss_type) {
		const char *name = attr_name(st->cmd, st->miss_type);

		if (!st->has_miss_nest && name)
			snprintf(miss, sizeof(miss), "missing attribute %s",
				 name);
		else
			snprintf(miss, sizeof(miss),
				 "missing attribute type %u%s", st->miss_type,
				 st->has_miss_nest ? " in a nest" : "");
	}

	if (len) {
		/* drop the kernel's trailing period: we add one */
		fprintf(stderr, "%s: %.*s", level,
			(int)(st->msg[len - 1] == '.' ? len - 1 : len), st->msg);
		if (miss[0])
			fprintf(stderr, " (%s)", miss);
		fputs(".\n", stderr);
	} else if (miss[0]) {
		fprintf(stderr, "%s: %s.\n", level, miss);
	} else if (st->error) {
		fprintf(stderr, "%s: %s.\n", level, strerror(-st->error));
	}
}

static int err_handler(struct sockaddr_nl *nla, struct nlmsgerr *err,
		       void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)err - 1;
	struct req_state *st = arg;
	size_t off;

	(void)nla;
	st->error = err->error < 0 ? err->error : -err->error;
	st->done = true;

	/* TLVs follow the echoed request, or only its header when capped */
	off = NLMSG_HDRLEN + sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < NLMSG_HDRLEN)
			return NL_STOP;
		off += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	extack_parse(st, nlh, off);
	return NL_STOP;
}

static int ack_handler(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct nlmsgerr *err = nlmsg_data(nlh);
	struct req_state *st = arg;
	size_t off;

	st->done = true;

	/* a successful ACK may carry a warning */
	off = NLMSG_HDRLEN + sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < NLMSG_HDRLEN)
			return NL_STOP;
		off += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	extack_parse(st, nlh, off);
	if (st->msg[0])
		report(st, "Warning");
	st->msg[0] = '\0';
	st->has_miss_type = false;
	return NL_STOP;
}

/* NLMSG_DONE ends a dump; a dump that failed carries the error here. */
static int finish_handler(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req_state *st = arg;
	int error;

	st->done = true;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		st->interrupted = true;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return NL_STOP;

	memcpy(&error, nlmsg_data(nlh), sizeof(error));
	if (error < 0) {
		st->error = error;
		extack_parse(st, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int)));
	}
	return NL_STOP;
}

static int dump_intr_handler(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	(void)msg;
	st->interrupted = true;
	return NL_OK;	/* keep reading up to NLMSG_DONE */
}

static int valid_handler(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req_state *st = arg;

	if (st->stopped)
		return NL_SKIP;
	if (nlh->nlmsg_type != st->ctx->family)
		return NL_SKIP;
	if (!genlmsg_valid_hdr(nlh, 0)) {
		fprintf(stderr, "Error: malformed reply from the kernel (short generic netlink header).\n");
		st->stopped = true;
		return NL_SKIP;
	}
	if (st->reply && st->reply(nlh, st->reply_arg) < 0)
		st->stopped = true;	/* keep draining, report at the end */
	return NL_OK;
}

int genl_open(struct genl_ctx *ctx)
{
	int one = 1;
	int err;

	ctx->family = -1;
	ctx->sk = nl_socket_alloc();
	if (!ctx->sk) {
		fprintf(stderr, "Error: out of memory.\n");
		return -1;
	}

	err = genl_connect(ctx->sk);
	if (err < 0) {
		fprintf(stderr, "Error: cannot open a generic netlink socket: %s.\n",
			nl_geterror(err));
		goto err_free;
	}

	/* Best effort: kernels without them just send plain errors */
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/* Dumps can exceed a page: size each read by peeking first */
	nl_socket_enable_msg_peek(ctx->sk);

	ctx->family = genl_ctrl_resolve(ctx->sk, AINIC_FAMILY_NAME);
	if (ctx->family < 0) {
		if (ctx->family == -NLE_OBJ_NOTFOUND)
			fprintf(stderr, "Error: %s generic netlink family not found (is %s.ko loaded?).\n",
				AINIC_FAMILY_NAME, AINIC_FAMILY_NAME);
		else
			fprintf(stderr, "Error: cannot resolve the %s generic netlink family: %s.\n",
				AINIC_FAMILY_NAME, nl_geterror(ctx->family));
		goto err_free;
	}
	return 0;

err_free:
	nl_socket_free(ctx->sk);
	ctx->sk = NULL;
	return -1;
}

void genl_close(struct genl_ctx *ctx)
{
	if (ctx->sk)
		nl_socket_free(ctx->sk);
	ctx->sk = NULL;
}

int genl_resolve_group(struct genl_ctx *ctx, const char *group)
{
	int grp = genl_ctrl_resolve_grp(ctx->sk, AINIC_FAMILY_NAME, group);

	if (grp < 0) {
		fprintf(stderr, "Error: cannot resolve multicast group \"%s\" of the %s family: %s.\n",
			group, AINIC_FAMILY_NAME, nl_geterror(grp));
		return -1;
	}
	return grp;
}

/* One attempt: send, then read until the ACK, the error or DONE. */
static int request_once(struct genl_ctx *ctx, struct req_state *st,
			uint8_t cmd, bool dump, genl_build_fn build,
			void *build_arg)
{
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret = -1;
	int err;

	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb) {
		fprintf(stderr, "Error: out of memory.\n");
		goto out;
	}

	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, AINIC_FAMILY_VERSION)) {
		fprintf(stderr, "Error: cannot build the request.\n");
		goto out;
	}
	if (build) {
		err = build(msg, build_arg);
		if (err < 0) {
			fprintf(stderr, "Error: cannot build the request: %s.\n",
				nl_geterror(err));
			goto out;
		}
	}

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_handler, st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_handler, st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_handler, st);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, dump_intr_handler, st);
	nl_cb_err(cb, NL_CB_CUSTOM, err_handler, st);

	err = nl_send_auto(ctx->sk, msg);
	if (err < 0) {
		fprintf(stderr, "Error: cannot send the request: %s.\n",
			nl_geterror(err));
		goto out;
	}

	while (!st->done) {
		err = nl_recvmsgs(ctx->sk, cb);
		if (err == -NLE_DUMP_INTR) {
			/* libnl read up to DONE and flags the dump as stale */
			st->interrupted = true;
			st->done = true;
		} else if (err < 0 && !st->done) {
			fprintf(stderr, "Error: cannot read the reply: %s.\n",
				nl_geterror(err));
			goto out;
		}
	}
	ret = 0;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

int genl_request(struct genl_ctx *ctx, uint8_t cmd, bool dump,
		 genl_build_fn build, void *build_arg,
		 genl_reply_fn reply, void *reply_arg)
{
	struct req_state st;
	int attempt;

	for (attempt = 0; attempt <= DUMP_RETRIES; attempt++) {
		memset(&st, 0, sizeof(st));
		st.ctx = ctx;
		st.cmd = cmd;
		st.reply = reply;
		st.reply_arg = reply_arg;

		if (attempt && reply)
			reply(NULL, reply_arg);	/* restart: drop partial results */

		if (request_once(ctx, &st, cmd, dump, build, build_arg))
			return -1;
		if (st.error) {
			report(&st, "Error");
			return -1;
		}
		if (st.stopped)
			return -1;
		if (!(dump && st.interrupted))
			return 0;
	}

	fprintf(stderr, "Error: the %s kept changing during the dump, try again.\n",
		cmd == AINIC_CMD_CONN_GET ? "connection table" : "device list");
	return -1;
}

int genl_get_uint(const struct nlattr *attr, uint64_t *value)
{
	switch (nla_len(attr)) {
	case sizeof(uint32_t):
		*value = nla_get_u32((struct nlattr *)attr);
		return 0;
	case sizeof(uint64_t):
		*value = nla_get_u64((struct nlattr *)attr);
		return 0;
	default:
		return -1;
	}
}
