/* SPDX-License-Identifier: GPL-2.0 */
/* A switch port: the unix datagram socket a QEMU netdev sends to, the
 * learned peer (the VM's own socket path), the socket connect()ed to the peer
 * that frames to the VM leave on, its counters and pipelines. */
#ifndef FABRIC_PORT_H
#define FABRIC_PORT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ecn.h"
#include "egress.h"

struct port {
	int index;
	int fd;
	struct sockaddr_un path; /* our bound socket, DIR/port<i>.sock */
	struct sockaddr_un peer; /* where frames to the VM go */
	socklen_t peer_len;      /* 0: no peer known yet */
	/* Transmit socket, connect()ed to peer (-1: not connected). Connected,
	 * so POLLOUT means the VM's receive queue has room: backpressure. */
	int txfd;
	bool tx_blocked;         /* head frame got EAGAIN: waiting for POLLOUT */
	uint64_t tx_retry_ns;    /* while blocked: retry anyway at this time */
	bool link_up;
	/* --port-qmp: the VM's QMP socket and NIC id for set_link ("" = none) */
	char qmp_path[108];
	char qmp_id[64];
	struct direction rx, tx;
	struct egress eg;
	struct ecn_config ecn;
};

struct fabric_config {
	uint64_t rate_mbps;
	uint64_t buffer_kb;
	unsigned mtu;       /* largest frame accepted = mtu + 18 (header + VLAN tag) */
};

int port_open(struct port *port, int index, const char *dir,
	      const struct fabric_config *cfg);
void port_close(struct port *port);
/* Sets (or re-learns) the peer path; a new path re-connects the transmit
 * socket. Returns -1 if the path is too long. */
int port_set_peer(struct port *port, const char *path);

enum xmit_result {
	XMIT_DONE,    /* sent or dropped, and counted: the frame can go */
	XMIT_BLOCKED, /* the VM's queue is full: keep f, wait for POLLOUT */
};

/* Sends f to the VM now and counts the result, unless the VM's receive
 * queue is full. Does not free f. */
enum xmit_result port_xmit(struct port *port, const struct frame *f);
const char *port_peer_name(const struct port *port);
void port_clear_counters(struct port *port);
void port_set_link(struct port *port, bool up);

#endif
