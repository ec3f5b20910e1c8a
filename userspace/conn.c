// SPDX-License-Identifier: GPL-2.0
/*
 * nicctl: the "conn" object, the reliable transport's connections.
 *
 *   nicctl conn [ show | list ] [ dev DEV ] [ peer MAC ] [ id ID ]
 *   nicctl conn add dev DEV peer MAC
 *   nicctl conn del dev DEV id ID
 *
 * Every argument is checked before anything is sent. "show" with an id
 * asks for that connection; otherwise it dumps the connections of one
 * device or of all, and filters by peer itself.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/ainic.h>

#include "conn.h"
#include "dev.h"
#include "genl.h"
#include "nicctl.h"
#include "print.h"

#define CONN_HELP "nicctl conn help"

/* ---- Parsing the kernel's messages ------------------------------------ */

#define U32_POLICY	{ .type = NLA_U32, .maxlen = sizeof(uint32_t) }
#define UINT_POLICY	{ .type = NLA_UNSPEC, .minlen = sizeof(uint32_t), \
			  .maxlen = sizeof(uint64_t) }

static const struct nla_policy conn_policy[AINIC_A_CONN_MAX + 1] = {
	[AINIC_A_CONN_INDEX]		= U32_POLICY,
	[AINIC_A_CONN_IFINDEX]		= U32_POLICY,
	[AINIC_A_CONN_ID]		= U32_POLICY,
	[AINIC_A_CONN_PEER_MAC]		= { .type = NLA_UNSPEC, .minlen = 6,
					    .maxlen = 6 },
	[AINIC_A_CONN_STATE]		= U32_POLICY,
	[AINIC_A_CONN_TX_INCARNATION]	= U32_POLICY,
	[AINIC_A_CONN_RX_INCARNATION]	= U32_POLICY,
	[AINIC_A_CONN_SND_UNA]		= U32_POLICY,
	[AINIC_A_CONN_SND_NXT]		= U32_POLICY,
	[AINIC_A_CONN_RCV_NXT]		= U32_POLICY,
	[AINIC_A_CONN_SRTT_US]		= U32_POLICY,
	[AINIC_A_CONN_RTTVAR_US]	= U32_POLICY,
	[AINIC_A_CONN_RTO_US]		= U32_POLICY,
	[AINIC_A_CONN_RETRIES]		= U32_POLICY,
	[AINIC_A_CONN_STAGED]		= U32_POLICY,
	[AINIC_A_CONN_ADDED]		= { .type = NLA_FLAG },
	[AINIC_A_CONN_STATS]		= { .type = NLA_NESTED },
};

static struct nla_policy stats_policy[AINIC_A_CONN_STATS_MAX + 1];

_Static_assert(AINIC_A_CONN_MAX < 64, "conn_info.have has one bit per attribute");
_Static_assert(AINIC_A_CONN_STATS_MAX < 32, "conn_info.stats_have has one bit per counter");

/* The u32 attributes and where they go */
static const struct {
	int attr;
	size_t off;
} conn_u32s[] = {
	{ AINIC_A_CONN_INDEX, offsetof(struct conn_info, index) },
	{ AINIC_A_CONN_IFINDEX, offsetof(struct conn_info, ifindex) },
	{ AINIC_A_CONN_ID, offsetof(struct conn_info, id) },
	{ AINIC_A_CONN_STATE, offsetof(struct conn_info, state) },
	{ AINIC_A_CONN_TX_INCARNATION, offsetof(struct conn_info, tx_incarnation) },
	{ AINIC_A_CONN_RX_INCARNATION, offsetof(struct conn_info, rx_incarnation) },
	{ AINIC_A_CONN_SND_UNA, offsetof(struct conn_info, snd_una) },
	{ AINIC_A_CONN_SND_NXT, offsetof(struct conn_info, snd_nxt) },
	{ AINIC_A_CONN_RCV_NXT, offsetof(struct conn_info, rcv_nxt) },
	{ AINIC_A_CONN_SRTT_US, offsetof(struct conn_info, srtt_us) },
	{ AINIC_A_CONN_RTTVAR_US, offsetof(struct conn_info, rttvar_us) },
	{ AINIC_A_CONN_RTO_US, offsetof(struct conn_info, rto_us) },
	{ AINIC_A_CONN_RETRIES, offsetof(struct conn_info, retries) },
	{ AINIC_A_CONN_STAGED, offsetof(struct conn_info, staged) },
};

static int malformed(const char *why)
{
	fprintf(stderr, "Error: malformed connection message from the kernel (%s).\n",
		why);
	return -1;
}

int conn_parse(const struct nlmsghdr *nlh, struct conn_info *conn)
{
	struct nlattr *tb[AINIC_A_CONN_MAX + 1];
	struct nlattr *st[AINIC_A_CONN_STATS_MAX + 1];
	char *base = (char *)conn;
	size_t i;
	int err;

	for (i = 1; i <= AINIC_A_CONN_STATS_MAX; i++)
		stats_policy[i] = (struct nla_policy)UINT_POLICY;

	memset(conn, 0, sizeof(*conn));
	err = genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, AINIC_A_CONN_MAX,
			    (struct nla_policy *)conn_policy);
	if (err < 0)
		return malformed(nl_geterror(err));

	for (i = 0; i < sizeof(conn_u32s) / sizeof(conn_u32s[0]); i++) {
		uint32_t v;

		if (!tb[conn_u32s[i].attr])
			continue;
		v = nla_get_u32(tb[conn_u32s[i].attr]);
		memcpy(base + conn_u32s[i].off, &v, sizeof(v));
		conn->have |= 1ULL << conn_u32s[i].attr;
	}
	if (tb[AINIC_A_CONN_PEER_MAC]) {
		memcpy(conn->peer, nla_data(tb[AINIC_A_CONN_PEER_MAC]),
		       sizeof(conn->peer));
		conn->have |= 1ULL << AINIC_A_CONN_PEER_MAC;
	}
	conn->added = tb[AINIC_A_CONN_ADDED] != NULL;
	if (tb[AINIC_A_CONN_STATS]) {
		err = nla_parse_nested(st, AINIC_A_CONN_STATS_MAX,
				       tb[AINIC_A_CONN_STATS], stats_policy);
		if (err < 0)
			return malformed(nl_geterror(err));
		for (i = 1; i <= AINIC_A_CONN_STATS_MAX; i++) {
			if (!st[i])
				continue;
			if (genl_get_uint(st[i], &conn->stats[i]))
				return malformed("uint attribute of neither 4 nor 8 bytes");
			conn->stats_have |= 1U << i;
		}
		conn->have |= 1ULL << AINIC_A_CONN_STATS;
	}

	if (!CONN_HAS(conn, AINIC_A_CONN_INDEX) ||
	    !CONN_HAS(conn, AINIC_A_CONN_ID))
		return malformed("no device index or connection id");
	return 0;
}

/* ---- Printing --------------------------------------------------------- */

const char *conn_state_str(uint32_t state)
{
	switch (state) {
	case AINIC_CONNECTION_STATE_FREE:
		return "free";
	case AINIC_CONNECTION_STATE_IDLE:
		return "idle";
	case AINIC_CONNECTION_STATE_SYN_SENT:
		return "syn-sent";
	case AINIC_CONNECTION_STATE_ESTABLISHED:
		return "established";
	case AINIC_CONNECTION_STATE_ERROR:
		return "error";
	default:
		return "unknown";
	}
}

static void mac_str(const uint8_t *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* First line: "dev 1 id 3 peer 52:54:00:12:34:57 state established" */
static void conn_print_head(const struct conn_info *conn)
{
	char mac[32];

	print_uint(PRINT_ANY, "dev", "dev %u", conn->index);
	print_uint(PRINT_ANY, "id", " id %u", conn->id);
	if (CONN_HAS(conn, AINIC_A_CONN_PEER_MAC)) {
		mac_str(conn->peer, mac, sizeof(mac));
		print_string(PRINT_ANY, "peer", " peer %s", mac);
	}
	if (CONN_HAS(conn, AINIC_A_CONN_STATE))
		print_string(PRINT_ANY, "state", " state %s",
			     conn_state_str(conn->state));
}

static void conn_print_stats(const struct conn_info *conn,
			     enum output_type type)
{
	static const struct {
		int attr;
		const char *key;
		const char *fmt;
	} counters[] = {
		{ AINIC_A_CONN_STATS_TX_PKTS, "tx_pkts", "\n    tx pkts %" PRIu64 },
		{ AINIC_A_CONN_STATS_TX_BYTES, "tx_bytes", " bytes %" PRIu64 },
		{ AINIC_A_CONN_STATS_RX_PKTS, "rx_pkts", " rx pkts %" PRIu64 },
		{ AINIC_A_CONN_STATS_RX_BYTES, "rx_bytes", " bytes %" PRIu64 },
		{ AINIC_A_CONN_STATS_RETX_FAST, "retx_fast", "\n    retx fast %" PRIu64 },
		{ AINIC_A_CONN_STATS_RETX_TIMEOUT, "retx_timeout", " timeout %" PRIu64 },
		{ AINIC_A_CONN_STATS_DUP_DROPPED, "dup_dropped", " dup-dropped %" PRIu64 },
		{ AINIC_A_CONN_STATS_OOO_BUFFERED, "ooo_buffered", " ooo-buffered %" PRIu64 },
		{ AINIC_A_CONN_STATS_NACKS_SENT, "nacks_sent", "\n    nacks sent %" PRIu64 },
		{ AINIC_A_CONN_STATS_NACKS_RCVD, "nacks_rcvd", " rcvd %" PRIu64 },
		{ AINIC_A_CONN_STATS_RNR_SENT, "rnr_sent", " rnr sent %" PRIu64 },
		{ AINIC_A_CONN_STATS_RNR_RCVD, "rnr_rcvd", " rcvd %" PRIu64 },
	};
	size_t i;

	open_json_object("stats");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		int attr = counters[i].attr;

		if (conn->stats_have & (1U << attr))
			print_u64(type, counters[i].key, counters[i].fmt,
				  conn->stats[attr]);
	}
	close_json_object();
}

/* One connection of conn show: a block of lines, or one JSON object */
static void conn_print(const struct conn_info *conn)
{
	static const struct {
		int attr;
		const char *key;
		const char *fmt;
	} fields[] = {
		{ AINIC_A_CONN_TX_INCARNATION, "tx_incarnation", "\n    tx-incarnation %#x" },
		{ AINIC_A_CONN_RX_INCARNATION, "rx_incarnation", " rx-incarnation %#x" },
		{ AINIC_A_CONN_SND_UNA, "snd_una", "\n    snd-una %u" },
		{ AINIC_A_CONN_SND_NXT, "snd_nxt", " snd-nxt %u" },
		{ AINIC_A_CONN_RCV_NXT, "rcv_nxt", " rcv-nxt %u" },
		{ AINIC_A_CONN_STAGED, "staged", " staged %u" },
		{ AINIC_A_CONN_SRTT_US, "srtt_us", "\n    srtt %uus" },
		{ AINIC_A_CONN_RTTVAR_US, "rttvar_us", " rttvar %uus" },
		{ AINIC_A_CONN_RTO_US, "rto_us", " rto %uus" },
		{ AINIC_A_CONN_RETRIES, "retries", " retries %u" },
	};
	size_t i;

	open_json_object(NULL);
	conn_print_head(conn);
	if (CONN_HAS(conn, AINIC_A_CONN_IFINDEX))
		print_uint(PRINT_ANY, "ifindex", " ifindex %u", conn->ifindex);
	print_bool(PRINT_ANY, "added", " added", conn->added);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint32_t v;

		if (!CONN_HAS(conn, fields[i].attr))
			continue;
		for (size_t j = 0; j < sizeof(conn_u32s) / sizeof(conn_u32s[0]); j++) {
			if (conn_u32s[j].attr != fields[i].attr)
				continue;
			memcpy(&v, (const char *)conn + conn_u32s[j].off,
			       sizeof(v));
			print_uint(PRINT_ANY, fields[i].key, fields[i].fmt, v);
		}
	}
	conn_print_stats(conn, opts.stats ? PRINT_ANY : PRINT_JSON);
	print_text("\n");
	close_json_object();
}

void conn_print_ntf(const struct conn_info *conn)
{
	open_json_object(NULL);
	print_string(PRINT_JSON, "event", NULL, "conn-change");
	print_text("conn ");
	conn_print_head(conn);
	print_text("\n");
	close_json_object();
}

/* ---- Arguments --------------------------------------------------------- */

/* "xx:xx:xx:xx:xx:xx", hex digits, one or two per octet */
static int parse_mac(const char *arg, uint8_t *mac)
{
	unsigned int v[6];
	char end;
	int i;

	if (sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &end) != 6 ||
	    strspn(arg, "0123456789abcdefABCDEF:") != strlen(arg))
		return usage_error(CONN_HELP,
				   "peer \"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)",
				   arg);
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int parse_id(const char *arg, uint32_t *id)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!arg[0] || *end || strspn(arg, "0123456789") != strlen(arg))
		return usage_error(CONN_HELP, "connection id \"%s\" is not a number",
				   arg);
	if (errno || v > UINT32_MAX)
		return usage_error(CONN_HELP, "connection id \"%s\" is out of range",
				   arg);
	if (v == 0)
		return usage_error(CONN_HELP, "connection ids start at 1");
	*id = (uint32_t)v;
	return 0;
}

/* The selectors of conn show, add and del */
struct conn_args {
	bool has_dev, has_peer, has_id;
	struct dev_sel dev;
	uint8_t peer[6];
	uint32_t id;
	uint32_t index;		/* resolved from @dev */
};

/* "dev DEV", "peer MAC", "id ID" in any order, each at most once */
static int conn_args_parse(int argc, char **argv, struct conn_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i += 2) {
		const char *key = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (key[0] == '-' && key[1])
			return usage_error("nicctl help",
					   "option \"%s\" must come before the object",
					   key);
		if (matches(key, "dev")) {
			if (a->has_dev)
				return usage_error(CONN_HELP, "dev given twice");
			if (!val)
				return usage_error(CONN_HELP, "dev needs a device (DEV)");
			if (dev_sel_parse(val, &a->dev, CONN_HELP))
				return 1;
			a->has_dev = true;
		} else if (matches(key, "peer")) {
			if (a->has_peer)
				return usage_error(CONN_HELP, "peer given twice");
			if (!val)
				return usage_error(CONN_HELP, "peer needs a MAC address");
			if (parse_mac(val, a->peer))
				return 1;
			a->has_peer = true;
		} else if (matches(key, "id")) {
			if (a->has_id)
				return usage_error(CONN_HELP, "id given twice");
			if (!val)
				return usage_error(CONN_HELP, "id needs a connection id");
			if (parse_id(val, &a->id))
				return 1;
			a->has_id = true;
		} else {
			return usage_error(CONN_HELP, "unexpected argument \"%s\"", key);
		}
	}
	return 0;
}

/* ---- Requests ---------------------------------------------------------- */

struct conn_list {
	struct conn_info *conns;
	size_t n;
	size_t cap;
};

/* genl_reply_fn: append one connection; NULL restarts the list */
static int conn_list_add(const struct nlmsghdr *nlh, void *arg)
{
	struct conn_list *list = arg;

	if (!nlh) {
		list->n = 0;
		return 0;
	}
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct conn_info *c = realloc(list->conns, cap * sizeof(*c));

		if (!c) {
			fprintf(stderr, "Error: out of memory.\n");
			return -1;
		}
		list->conns = c;
		list->cap = cap;
	}
	if (conn_parse(nlh, &list->conns[list->n]))
		return -1;
	list->n++;
	return 0;
}

static int put_conn_args(struct nl_msg *msg, void *arg)
{
	const struct conn_args *a = arg;
	int err = 0;

	if (a->has_dev)
		err = nla_put_u32(msg, AINIC_A_CONN_INDEX, a->index);
	if (!err && a->has_id)
		err = nla_put_u32(msg, AINIC_A_CONN_ID, a->id);
	if (!err && a->has_peer)
		err = nla_put(msg, AINIC_A_CONN_PEER_MAC, 6, a->peer);
	return err;
}

/* Open the socket and resolve the device; 0 or -1 after printing why */
static int conn_open(struct genl_ctx *ctx, struct conn_args *a)
{
	if (genl_open(ctx))
		return -1;
	if (a->has_dev && dev_sel_index(ctx, &a->dev, &a->index)) {
		genl_close(ctx);
		return -1;
	}
	return 0;
}

/* ---- Commands ---------------------------------------------------------- */

static int conn_usage(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: nicctl conn [ show | list ] [ dev DEV ] [ peer MAC ] [ id ID ]\n"
	       "       nicctl conn add dev DEV peer MAC\n"
	       "       nicctl conn del dev DEV id ID\n"
	       "       nicctl conn help\n"
	       "where  DEV := { INDEX | PCI-ADDRESS | IFNAME }\n"
	       "       MAC := xx:xx:xx:xx:xx:xx\n");
	return 0;
}

static int conn_show(int argc, char **argv)
{
	struct conn_list list = { 0 };
	struct genl_ctx ctx;
	struct conn_args a;
	bool by_peer;
	size_t i;
	int ret = 1;

	if (conn_args_parse(argc, argv, &a))
		return 1;
	if (a.has_id && !a.has_dev)
		return usage_error(CONN_HELP, "id needs a device (dev DEV): ids are per device");
	if (conn_open(&ctx, &a))
		return 1;
	/* the peer is filtered here, not sent */
	by_peer = a.has_peer;
	a.has_peer = false;
	if (genl_request(&ctx, AINIC_CMD_CONN_GET, !a.has_id, put_conn_args,
			 &a, conn_list_add, &list))
		goto out;

	if (by_peer) {
		size_t n = 0;

		for (i = 0; i < list.n; i++) {
			if (CONN_HAS(&list.conns[i], AINIC_A_CONN_PEER_MAC) &&
			    !memcmp(list.conns[i].peer, a.peer, 6))
				list.conns[n++] = list.conns[i];
		}
		list.n = n;
	}

	print_init(opts.json, opts.pretty, true);
	for (i = 0; i < list.n; i++)
		conn_print(&list.conns[i]);
	ret = print_flush() ? 1 : 0;
out:
	free(list.conns);
	genl_close(&ctx);
	return ret;
}

static int conn_add(int argc, char **argv)
{
	struct conn_list list = { 0 };
	struct genl_ctx ctx;
	struct conn_args a;
	int ret = 1;

	if (conn_args_parse(argc, argv, &a))
		return 1;
	if (!a.has_dev || !a.has_peer)
		return usage_error(CONN_HELP, "\"conn add\" needs dev DEV and peer MAC");
	if (a.has_id)
		return usage_error(CONN_HELP, "\"conn add\" takes no id: the device picks it");

	if (conn_open(&ctx, &a))
		return 1;
	if (genl_request(&ctx, AINIC_CMD_CONN_ADD, false, put_conn_args, &a,
			 conn_list_add, &list))
		goto out;
	if (list.n != 1) {
		fprintf(stderr, "Error: the kernel sent %zu replies to conn add.\n",
			list.n);
		goto out;
	}

	print_init(opts.json, opts.pretty, true);
	open_json_object(NULL);
	print_uint(PRINT_ANY, "dev", "dev %u", list.conns[0].index);
	print_uint(PRINT_ANY, "id", " id %u", list.conns[0].id);
	print_text("\n");
	close_json_object();
	ret = print_flush() ? 1 : 0;
out:
	free(list.conns);
	genl_close(&ctx);
	return ret;
}

static int conn_del(int argc, char **argv)
{
	struct genl_ctx ctx;
	struct conn_args a;
	int ret = 1;

	if (conn_args_parse(argc, argv, &a))
		return 1;
	if (!a.has_dev || !a.has_id)
		return usage_error(CONN_HELP, "\"conn del\" needs dev DEV and id ID");
	if (a.has_peer)
		return usage_error(CONN_HELP, "\"conn del\" takes no peer: name the connection by id");

	if (conn_open(&ctx, &a))
		return 1;
	if (genl_request(&ctx, AINIC_CMD_CONN_DEL, false, put_conn_args, &a,
			 NULL, NULL) == 0)
		ret = 0;
	genl_close(&ctx);
	return ret;
}

int do_conn(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", conn_show },
		{ "list", conn_show },
		{ "add", conn_add },
		{ "del", conn_del },
		{ "help", conn_usage },
		{ NULL, NULL },
	};
	const struct cmd *cmd;

	if (argc == 0)
		return conn_show(0, NULL);
	cmd = cmd_find(cmds, argv[0], "command", CONN_HELP);
	if (!cmd)
		return 1;
	return cmd->fn(argc - 1, argv + 1);
}
