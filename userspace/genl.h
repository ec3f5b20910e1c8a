/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nicctl: the generic netlink side: socket, family resolution, requests
 * with their replies, and the kernel's extended ACK (libnl 3.7 parses none
 * of it, so we do).
 */
#ifndef NICCTL_GENL_H
#define NICCTL_GENL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>

struct genl_ctx {
	struct nl_sock *sk;
	int family;		/* resolved id of AINIC_FAMILY_NAME */
};

/*
 * Open a socket and resolve the ainic family. On failure prints the
 * reason ("Error: ... family not found ...") and returns -1.
 */
int genl_open(struct genl_ctx *ctx);
void genl_close(struct genl_ctx *ctx);

/* Resolve a multicast group of the ainic family; -1 after printing why. */
int genl_resolve_group(struct genl_ctx *ctx, const char *group);

/*
 * Handler of one reply message (a struct genlmsghdr follows @nlh).
 * Return 0 to go on, or -1 to stop; the handler has then printed why.
 * genl_request() calls it with @nlh NULL before it restarts an
 * interrupted dump, so that the handler can drop what it collected.
 */
typedef int (*genl_reply_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * Put the request's attributes into @msg; 0 or a negative libnl error.
 */
typedef int (*genl_build_fn)(struct nl_msg *msg, void *arg);

/*
 * Send command @cmd (a dump with @dump) and pass every reply to @reply.
 * A dump that the kernel marks inconsistent (NLM_F_DUMP_INTR) is retried.
 * Errors, the kernel's with its extack message, are printed as
 * "Error: <msg>." and give -1; success is 0.
 */
int genl_request(struct genl_ctx *ctx, uint8_t cmd, bool dump,
		 genl_build_fn build, void *build_arg,
		 genl_reply_fn reply, void *reply_arg);

/*
 * Decode an attribute of YNL type "uint": 4 or 8 bytes by its length
 * (libnl 3.7 has no nla_get_uint()). Returns 0, or -1 on another length.
 */
int genl_get_uint(const struct nlattr *attr, uint64_t *value);

#endif
