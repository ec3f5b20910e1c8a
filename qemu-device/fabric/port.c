// SPDX-License-Identifier: GPL-2.0
/* Port sockets, the VM connection's life cycle and transmit accounting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port.h"

int port_open(struct port *port, int index, const char *dir,
	      const struct fabric_config *cfg)
{
	char path[sizeof(port->path.sun_path) + 1];
	int n;

	memset(port, 0, sizeof(*port));
	port->index = index;
	port->listen_fd = -1;
	conn_init(&port->conn);
	port->link_up = true;
	qmp_link_init(&port->qmp, index);
	/* Distinct default seeds, so ports do not lose the same frames. */
	impair_init(&port->rx.imp, (uint64_t)index + 1, 0);
	impair_init(&port->tx.imp, (uint64_t)index + 1, 1);
	wire_set_rate(&port->eg.wire, cfg->rate_mbps);
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
	port->path.sun_family = AF_UNIX;
	strcpy(port->path.sun_path, path);
	/* Nonblocking: accepting must never stall the whole switch. */
	port->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (port->listen_fd < 0) {
		perror("ainic-fabric: socket");
		return -1;
	}
	unlink(path); /* a stale socket from a crashed run */
	if (bind(port->listen_fd, (struct sockaddr *)&port->path, sizeof(port->path)) < 0 ||
	    listen(port->listen_fd, 4) < 0) {
		fprintf(stderr, "ainic-fabric: %s: %s\n", path, strerror(errno));
		close(port->listen_fd);
		port->listen_fd = -1;
		return -1;
	}
	return 0;
}

void port_disconnect(struct port *port)
{
	if (!port_connected(port))
		return;
	/* Nothing is half written any more: flush really empties the queue. */
	port->conn.tx_off = 0;
	egress_flush(port, DROP_NO_PEER);
	conn_detach(&port->conn);
	port->tx_blocked = false;
}

void port_accept(struct port *port)
{
	int fd;

	/* Take every pending connection, keep the newest: a VM that restarts
	 * (or reconnects after we closed it) must get the port back even if
	 * the old connection's EOF has not been seen yet. */
	while ((fd = accept4(port->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		port_disconnect(port);
		if (conn_attach(&port->conn, fd) < 0) {
			fprintf(stderr, "ainic-fabric: port %d: out of memory\n", port->index);
			continue;
		}
		port->connects++;
	}
}

void port_close(struct port *port)
{
	port_disconnect(port);
	egress_flush(port, DROP_LINK_DOWN);
	direction_flush_heap(&port->rx, DROP_LINK_DOWN);
	heap_release(&port->rx.prop);
	heap_release(&port->tx.prop);
	qmp_link_close(&port->qmp);
	if (port->listen_fd >= 0) {
		close(port->listen_fd);
		unlink(port->path.sun_path);
	}
	port->listen_fd = -1;
}

int port_xmit(struct port *port, struct frame *const *frames, int n)
{
	bool blocked;
	int done = conn_send(&port->conn, frames, n, &blocked);

	if (done < 0) {
		bool gone = errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN;

		/* The head frame may be torn: the stream is unusable. Frames
		 * lost to an unexpected error count as such, not as no_peer. */
		if (!gone) {
			fprintf(stderr, "ainic-fabric: port %d: write: %s\n",
				port->index, strerror(errno));
			port->conn.tx_off = 0;
			egress_flush(port, DROP_SEND_ERROR);
		}
		port_disconnect(port);
		return -1;
	}
	port->tx_blocked = blocked;
	return done;
}

void port_clear_counters(struct port *port)
{
	struct direction *dirs[] = { &port->rx, &port->tx };

	port->connects = 0;
	for (int i = 0; i < 2; i++) {
		struct dir_counters *c = &dirs[i]->c;
		uint64_t qf = c->queue_frames, qb = c->queue_bytes;
		uint64_t inflight = c->inflight_frames;

		memset(c, 0, sizeof(*c));
		/* The queue and the wire still hold their frames: keep the
		 * gauges consistent. */
		c->queue_frames = c->queue_peak_frames = qf;
		c->queue_bytes = c->queue_peak_bytes = qb;
		c->inflight_frames = inflight;
	}
	port->qmp.ok = port->qmp.failed = 0;
}
