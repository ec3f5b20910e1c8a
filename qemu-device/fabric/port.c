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
	port->txfd = -1;
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
	/* Nonblocking: receiving must never stall the whole switch. */
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

/* Forgets the transmit connection; the next frame connects again. */
static void tx_reset(struct port *port)
{
	if (port->txfd >= 0)
		close(port->txfd);
	port->txfd = -1;
	port->tx_blocked = false;
}

/* Connects the transmit socket to the peer; -1 with errno on failure. */
static int tx_connect(struct port *port)
{
	int fd, sndbuf = 4 << 20, err;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Best effort (capped by wmem_max): let the VM's receive queue,
	 * not our send buffer, be what blocks. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (connect(fd, (struct sockaddr *)&port->peer, port->peer_len) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	port->txfd = fd;
	return 0;
}

void port_close(struct port *port)
{
	egress_flush(port, DROP_LINK_DOWN);
	tx_reset(port);
	if (port->fd >= 0) {
		close(port->fd);
		unlink(port->path.sun_path);
	}
	port->fd = -1;
}

int port_set_peer(struct port *port, const char *path)
{
	if (port->peer_len && !strcmp(port->peer.sun_path, path))
		return 0; /* same VM path: keep the connection */
	if (set_path(&port->peer, path) < 0)
		return -1;
	port->peer_len = sizeof(port->peer);
	tx_reset(port);
	/* Connect now if the VM's socket exists; if not (a preset peer whose
	 * VM has not started), port_xmit retries with every frame. */
	tx_connect(port);
	return 0;
}

const char *port_peer_name(const struct port *port)
{
	return port->peer_len ? port->peer.sun_path : "-";
}

static bool peer_gone(int err)
{
	return err == ECONNREFUSED || err == ENOENT || err == ENOTCONN ||
	       err == EPIPE;
}

enum xmit_result port_xmit(struct port *port, const struct frame *f)
{
	struct dir_counters *c = &port->tx.c;
	ssize_t n;

	if (!port->peer_len) {
		c->drops[DROP_NO_PEER]++;
		return XMIT_DONE;
	}
	/* Two tries: a VM restarted at the same path has a new socket, which
	 * the old connection (refused) does not reach. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (port->txfd < 0 && tx_connect(port) < 0) {
			/* The VM is gone (or not started yet); keep the
			 * address, it comes back at the same path. */
			c->drops[peer_gone(errno) ? DROP_NO_PEER : DROP_SEND_ERROR]++;
			return XMIT_DONE;
		}
		n = send(port->txfd, f->data, f->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)f->len) {
			c->packets++;
			c->bytes += f->len;
			return XMIT_DONE;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return XMIT_BLOCKED; /* the VM's receive queue is full */
		if (n < 0 && peer_gone(errno)) {
			tx_reset(port);
			continue;
		}
		c->drops[DROP_SEND_ERROR]++;
		return XMIT_DONE;
	}
	c->drops[DROP_NO_PEER]++;
	return XMIT_DONE;
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
