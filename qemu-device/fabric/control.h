/* SPDX-License-Identifier: GPL-2.0 */
/* The control socket DIR/control.sock: a line protocol over unix stream.
 * Each request is one line; each reply ends with "ok" or "error: <reason>". */
#ifndef FABRIC_CONTROL_H
#define FABRIC_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "fabric.h"

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_LINE_MAX 1024
#define CONTROL_OUT_MAX (4u << 20) /* a client that never reads is dropped */
#define CONTROL_READ_MAX 4096      /* bytes per read */

struct strbuf {
	char *s;
	size_t len, cap;
};

struct control_client {
	int fd;
	uint64_t gen;   /* bumped per connection: a late QMP answer finds its own */
	char in[CONTROL_LINE_MAX];
	size_t inlen;
	int discarding; /* inside an over-long line: skip to its newline */
	/* Read but not yet interpreted: what follows a command whose reply
	 * waits for QMP; the client is not read from until it is done. */
	char pend[CONTROL_READ_MAX];
	size_t pendoff, pendlen;
	bool waiting;   /* a command's ok/error waits for a QMP exchange */
	struct strbuf out;
};

struct control {
	struct fabric *fab;
	int listen_fd;
	char path[108];
	struct control_client clients[CONTROL_MAX_CLIENTS];
};

int control_open(struct control *ctl, struct fabric *fab, const char *dir);
void control_close(struct control *ctl);
/* Adds the control fds to pfds; returns how many. */
int control_fill_pollfds(struct control *ctl, struct pollfd *pfds);
/* Handles the events of the pfds control_fill_pollfds filled, and goes on
 * with clients whose QMP wait ended. */
void control_handle(struct control *ctl, const struct pollfd *pfds, int n);

/* Parses "off" or "KMIN_KB KMAX_KB PMAX_PCT" into ecn, changing nothing on
 * error; returns the error or NULL. Shared by --ecn and "set PORT ecn". */
const char *ecn_parse(struct ecn_config *ecn, char **argv, int argc);
/* Applies "off" or "KEY VALUE..." (impair.h) to port's direction dir
 * ("rx", "tx" or "both"), all or nothing; returns the error or NULL.
 * Shared by --impair and "set PORT impair". */
const char *port_impair_set(struct port *p, const char *dir, char **argv, int argc);

/* Client mode: ainic-fabric ctl DIR COMMAND... */
int ctl_main(int argc, char **argv);

#endif
