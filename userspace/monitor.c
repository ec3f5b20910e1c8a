// SPDX-License-Identifier: GPL-2.0
/*
 * nicctl: the "monitor" object. Listens on the ainic "monitor" (device
 * changes) and "conn" (connection state changes) multicast groups with a
 * socket of its own (notifications carry no sequence number
 * of ours, so its sequence check is off) and prints one line, or one JSON
 * object per line, for every notification, until SIGINT or SIGTERM.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include <linux/ainic.h>

#include "conn.h"
#include "dev.h"
#include "genl.h"
#include "nicctl.h"
#include "print.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int ntf_handler(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const int *family = arg;
	struct genlmsghdr *ghdr;
	struct conn_info conn;
	struct dev_info dev;

	if (nlh->nlmsg_type != *family || !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	ghdr = nlmsg_data(nlh);

	switch (ghdr->cmd) {
	case AINIC_CMD_DEV_CHANGE_NTF:
		/* a malformed one was reported by dev_parse(); go on */
		if (dev_parse(nlh, &dev) == 0)
			dev_print_ntf(&dev);
		break;
	case AINIC_CMD_CONN_CHANGE_NTF:
		if (conn_parse(nlh, &conn) == 0)
			conn_print_ntf(&conn);
		break;
	default:
		break;	/* a notification newer than this nicctl */
	}
	fflush(stdout);
	return NL_OK;
}

static int monitor_usage(void)
{
	printf("Usage: nicctl monitor\n"
	       "       nicctl monitor help\n");
	return 0;
}

int do_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct nl_sock *sk = NULL;
	struct genl_ctx ctx;
	struct pollfd pfd;
	int ret = 1;
	int grp, conn_grp;
	int err;

	if (argc > 0) {
		if (matches(argv[0], "help"))
			return monitor_usage();
		return usage_error("nicctl monitor help",
				   "unexpected argument \"%s\"", argv[0]);
	}

	/* no SA_RESTART: poll() returns EINTR and the loop ends cleanly */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (genl_open(&ctx))
		return 1;
	grp = genl_resolve_group(&ctx, AINIC_MCGRP_MONITOR);
	if (grp < 0)
		goto out;
	conn_grp = genl_resolve_group(&ctx, AINIC_MCGRP_CONN);
	if (conn_grp < 0)
		goto out;

	sk = nl_socket_alloc();
	if (!sk) {
		fprintf(stderr, "Error: out of memory.\n");
		goto out;
	}
	nl_socket_disable_seq_check(sk);
	err = genl_connect(sk);
	if (err < 0) {
		fprintf(stderr, "Error: cannot open a generic netlink socket: %s.\n",
			nl_geterror(err));
		goto out;
	}
	nl_socket_enable_msg_peek(sk);
	err = nl_socket_add_memberships(sk, grp, conn_grp, 0);
	if (err < 0) {
		fprintf(stderr, "Error: cannot join the \"%s\" and \"%s\" groups: %s.\n",
			AINIC_MCGRP_MONITOR, AINIC_MCGRP_CONN, nl_geterror(err));
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, ntf_handler,
			    &ctx.family);

	print_init(opts.json, opts.pretty, false);
	pfd.fd = nl_socket_get_fd(sk);
	pfd.events = POLLIN;
	while (!stop) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "Error: poll: %s.\n", strerror(errno));
			goto out;
		}
		err = nl_recvmsgs_default(sk);
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, events were lost */
			fprintf(stderr, "Warning: notifications were lost (receive buffer overrun).\n");
		} else if (err < 0) {
			fprintf(stderr, "Error: cannot read notifications: %s.\n",
				nl_geterror(err));
			goto out;
		}
	}
	ret = 0;
out:
	if (sk)
		nl_socket_free(sk);
	genl_close(&ctx);
	return ret;
}
