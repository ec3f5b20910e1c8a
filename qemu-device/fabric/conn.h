/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM's stream connection to a port and QEMU's `-netdev stream` framing:
 * each frame is a 4-byte big-endian length followed by that many bytes
 * (net/stream.c, net_fill_rstate() in QEMU 10.0; no vnet header). A stream
 * lets both sides move many frames per wakeup, unlike one datagram each.
 */
#ifndef FABRIC_CONN_H
#define FABRIC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "egress.h"

#define CONN_HDR 4
/* Per-connection read buffer: many frames per read() and wakeup. */
#define CONN_RX_BUF (256 * 1024)
/*
 * The longest length the stream may carry: QEMU's NET_BUFSIZE, the most its
 * own reader accepts. Anything up to it is well framed (the next length is
 * where we expect it), so a runt or an over-MTU frame is just dropped; 0 or
 * more than this means we lost the frame boundaries and cannot resync.
 */
#define CONN_FRAME_LIMIT (4096 + 65536)
/* Frames per writev(), so one port cannot hog a wakeup forever. */
#define CONN_TX_BATCH 64

struct conn {
	int fd;        /* -1: no VM connected */
	uint8_t *rxbuf;
	size_t rxlen;  /* bytes in rxbuf: whole frames are parsed out, a partial one waits */
	size_t tx_off; /* bytes of the head frame (header included) already written */
};

enum conn_rx {
	CONN_RX_OK,      /* read what there was (maybe nothing): stay connected */
	CONN_RX_CLOSED,  /* EOF or a read error: the VM is gone */
	CONN_RX_FRAMING, /* a length of 0 or over CONN_FRAME_LIMIT: lost sync */
};

typedef void conn_deliver_fn(void *ctx, const uint8_t *data, size_t len);

void conn_init(struct conn *c);
/* Takes over a connected non-blocking socket; -1 (fd closed) if out of memory. */
int conn_attach(struct conn *c, int fd);
/* Closes the socket and forgets partial frames in both directions. */
void conn_detach(struct conn *c);
static inline bool conn_up(const struct conn *c)
{
	return c->fd >= 0;
}
/* One read(), then deliver() for every whole frame in the buffer. Frames
 * parsed before a framing error are delivered. */
enum conn_rx conn_receive(struct conn *c, conn_deliver_fn *deliver, void *ctx);
/*
 * Writes frames[0..n) (a prefix of the egress queue; the first may be half
 * written already, see tx_off) with one writev. Returns how many frames were
 * written completely; *blocked is set when the socket took less than all of
 * them. -1 with errno on a write error (the connection is dead).
 */
int conn_send(struct conn *c, struct frame *const *frames, int n, bool *blocked);

#endif
