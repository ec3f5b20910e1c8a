/* SPDX-License-Identifier: GPL-2.0 */
/* A switch port: the unix stream socket DIR/port<i>.sock a QEMU
 * `-netdev stream` client connects to, the one VM connection it serves,
 * its counters and pipelines. */
#ifndef FABRIC_PORT_H
#define FABRIC_PORT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "conn.h"
#include "ecn.h"
#include "egress.h"
#include "link.h"
#include "qmp.h"

struct port {
	int index;
	int listen_fd;
	struct sockaddr_un path; /* DIR/port<i>.sock */
	struct conn conn;        /* the VM; conn.fd < 0: none (frames: no_peer) */
	uint64_t connects;       /* connections accepted (a replaced one counts) */
	bool tx_blocked;         /* the VM's socket is full: waiting for POLLOUT */
	uint64_t tx_retry_ns;    /* while blocked: retry anyway at this time */
	bool link_up;
	uint64_t link_up_at_ns;  /* down-for: up again then (0: not pending) */
	struct qmp_link qmp;     /* --port-qmp: mirrors link changes to the NIC */
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
/* Accepts pending connections; the newest replaces the current one. */
void port_accept(struct port *port);
/* The VM is gone (EOF, error, framing error, replaced): close the
 * connection and drop the queued frames as no_peer. */
void port_disconnect(struct port *port);
static inline bool port_connected(const struct port *port)
{
	return conn_up(&port->conn);
}

/*
 * Writes frames[0..n) (the head of the arrived frames) to the VM; returns
 * how many were written completely, which the caller counts and frees.
 * Fewer than n: the socket is full and the port is tx_blocked. -1: the
 * connection failed, the port is disconnected and its frames flushed.
 * The one call from the switch's logic (egress.c) into the process's I/O.
 */
int port_xmit(struct port *port, struct frame *const *frames, int n);
void port_clear_counters(struct port *port);

#endif
