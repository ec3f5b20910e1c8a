/* SPDX-License-Identifier: GPL-2.0 */
/* A switch port: the unix datagram socket a QEMU netdev sends to, the
 * learned peer (the VM's own socket path), its counters and pipelines. */
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
	bool link_up;
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
int port_set_peer(struct port *port, const char *path);
/* Sends f to the VM now; counts the result. Does not free f. */
void port_xmit(struct port *port, const struct frame *f);
const char *port_peer_name(const struct port *port);
void port_clear_counters(struct port *port);
void port_set_link(struct port *port, bool up);

#endif
