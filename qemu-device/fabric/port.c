// SPDX-License-Identifier: GPL-2.0
/* Port sockets, peer addressing and transmit accounting. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port.h"

static int set_path(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	strcpy(sa->sun_path, path);
	return 0;
}

int port_open(struct port *port, int index, const char *dir,
	      const struct fabric_config *cfg)
{
	char path[sizeof(port->path.sun_path) + 1];
	int n;

	memset(port, 0, sizeof(*port));
	port->index = index;
	port->fd = -1;
	port->link_up = true;
	port->eg.rate_mbps = cfg->rate_mbps;
	port->eg.buffer_bytes = cfg->buffer_kb * 1024;
	direction_add_stage(&port->rx, &link_stage);
	direction_add_stage(&port->tx, &link_stage);
	ecn_init(&port->ecn);
	struct stage ecn = ecn_stage(&port->ecn);

	direction_add_stage(&port->tx, &ecn);

	n = snprintf(path, sizeof(path), "%s/port%d.sock", dir, index);
	if (n < 0 || (size_t)n >= sizeof(port->path.sun_path)) {
		fprintf(stderr, "ainic-fabric: socket path too long in %s\n", dir);
		return -1;
	}
	set_path(&port->path, path);
	/* Nonblocking: a VM whose receive queue is full must cost a drop,
	 * never stall the whole switch. */
	port->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (port->fd < 0) {
		perror("ainic-fabric: socket");
		return -1;
	}
	unlink(path); /* a stale socket from a crashed run */
	if (bind(port->fd, (struct sockaddr *)&port->path, sizeof(port->path)) < 0) {
		fprintf(stderr, "ainic-fabric: bind %s: %s\n", path, strerror(errno));
		close(port->fd);
		port->fd = -1;
		return -1;
	}
	return 0;
}

void port_close(struct port *port)
{
	egress_flush(port, DROP_LINK_DOWN);
	if (port->fd >= 0) {
		close(port->fd);
		unlink(port->path.sun_path);
	}
	port->fd = -1;
}

int port_set_peer(struct port *port, const char *path)
{
	if (set_path(&port->peer, path) < 0)
		return -1;
	port->peer_len = sizeof(port->peer);
	return 0;
}

const char *port_peer_name(const struct port *port)
{
	return port->peer_len ? port->peer.sun_path : "-";
}

void port_xmit(struct port *port, const struct frame *f)
{
	struct dir_counters *c = &port->tx.c;
	ssize_t n;

	if (!port->peer_len) {
		c->drops[DROP_NO_PEER]++;
		return;
	}
	n = sendto(port->fd, f->data, f->len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&port->peer, port->peer_len);
	if (n == (ssize_t)f->len) {
		c->packets++;
		c->bytes += f->len;
	} else if (n < 0 && (errno == ECONNREFUSED || errno == ENOENT ||
			     errno == ENOTCONN || errno == EPIPE)) {
		/* The VM is gone (or not started yet); keep the address, it
		 * comes back at the same path after a restart. */
		c->drops[DROP_NO_PEER]++;
	} else {
		c->drops[DROP_SEND_ERROR]++;
	}
}

void port_clear_counters(struct port *port)
{
	struct direction *dirs[] = { &port->rx, &port->tx };

	for (int i = 0; i < 2; i++) {
		struct dir_counters *c = &dirs[i]->c;
		uint64_t qf = c->queue_frames, qb = c->queue_bytes;

		memset(c, 0, sizeof(*c));
		/* The queue still holds its frames: keep depth consistent. */
		c->queue_frames = c->queue_peak_frames = qf;
		c->queue_bytes = c->queue_peak_bytes = qb;
	}
}

void port_set_link(struct port *port, bool up)
{
	port->link_up = up;
	if (!up)
		egress_flush(port, DROP_LINK_DOWN);
}
