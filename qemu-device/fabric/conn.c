// SPDX-License-Identifier: GPL-2.0
/* QEMU -netdev stream framing over one VM connection: batched reads and
 * writes, partial frames kept across wakeups in both directions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conn.h"

/* Each frame goes out as one iovec: its length header sits right before
 * the data (struct frame keeps them adjacent). */
_Static_assert(offsetof(struct frame, data) == offsetof(struct frame, hdr) + CONN_HDR,
	       "frame header must directly precede the data");
_Static_assert(CONN_RX_BUF >= CONN_HDR + CONN_FRAME_LIMIT,
	       "the read buffer must hold the longest well-framed frame");

void conn_init(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int conn_attach(struct conn *c, int fd)
{
	conn_init(c);
	c->rxbuf = malloc(CONN_RX_BUF);
	if (!c->rxbuf) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	return 0;
}

void conn_detach(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->rxbuf);
	conn_init(c);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum conn_rx conn_receive(struct conn *c, conn_deliver_fn *deliver, void *ctx)
{
	size_t pos = 0;
	ssize_t n;

	/* One read per wakeup and port: a busy VM cannot starve the others,
	 * and 256 KiB is dozens of frames. */
	n = recv(c->fd, c->rxbuf + c->rxlen, CONN_RX_BUF - c->rxlen, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ?
		       CONN_RX_OK : CONN_RX_CLOSED;
	if (n == 0)
		return CONN_RX_CLOSED; /* a partial last frame dies with it */
	c->rxlen += n;
	while (c->rxlen - pos >= CONN_HDR) {
		uint32_t len = get_be32(c->rxbuf + pos);

		if (len == 0 || len > CONN_FRAME_LIMIT)
			return CONN_RX_FRAMING;
		if (c->rxlen - pos - CONN_HDR < len)
			break; /* the rest comes with a later read */
		deliver(ctx, c->rxbuf + pos + CONN_HDR, len);
		pos += CONN_HDR + len;
	}
	/* Keep the partial frame at the front: the buffer always has room
	 * for a whole one (CONN_RX_BUF > header + limit). */
	if (pos) {
		memmove(c->rxbuf, c->rxbuf + pos, c->rxlen - pos);
		c->rxlen -= pos;
	}
	return CONN_RX_OK;
}

int conn_send(struct conn *c, struct frame *const *frames, int n, bool *blocked)
{
	struct iovec iov[CONN_TX_BATCH];
	struct msghdr msg = { .msg_iov = iov };
	size_t left;
	ssize_t w;
	int done = 0;

	*blocked = false;
	if (n > CONN_TX_BATCH)
		n = CONN_TX_BATCH;
	for (int i = 0; i < n; i++) {
		struct frame *f = frames[i];
		size_t skip = i ? 0 : c->tx_off;

		f->hdr[0] = f->len >> 24;
		f->hdr[1] = f->len >> 16;
		f->hdr[2] = f->len >> 8;
		f->hdr[3] = f->len;
		iov[i].iov_base = f->hdr + skip;
		iov[i].iov_len = CONN_HDR + f->len - skip;
	}
	msg.msg_iovlen = n;
	w = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			*blocked = true;
			return 0;
		}
		return -1;
	}
	left = w;
	for (int i = 0; i < n; i++) {
		if (left < iov[i].iov_len) {
			/* Remember how far the head frame got, so the stream
			 * goes on mid-frame and never carries a torn one. */
			c->tx_off += left; /* 0 before any frame but the head */
			*blocked = true;
			return done;
		}
		left -= iov[i].iov_len;
		c->tx_off = 0;
		done++;
	}
	return done;
}
