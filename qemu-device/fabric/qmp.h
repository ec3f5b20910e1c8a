/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal QMP client that tells a VM's QEMU its NIC's link went up or
 * down (set_link), so the guest sees carrier follow the switch port.
 * Asynchronous: a request starts (or queues behind) an exchange that the
 * event loop drives with non-blocking I/O, so a QEMU that never answers
 * costs the switch nothing but a socket for QMP_TIMEOUT_MS.
 */
#ifndef FABRIC_QMP_H
#define FABRIC_QMP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One exchange (connect, greeting, capabilities, set_link) at most this long. */
#define QMP_TIMEOUT_MS 2000
/* Callers waiting on one link at once: a control client waits on one. */
#define QMP_MAX_WAITERS 16

/* A QEMU device/netdev id as accepted by --port-qmp: 1..63 of [A-Za-z0-9_.-]
 * (QEMU ids are alphanumeric plus -._), so it needs no JSON escaping. */
bool qmp_id_valid(const char *id);

/* Called when the exchange carrying a request ended: err NULL on success. */
typedef void qmp_done_fn(void *ctx, uint64_t tag, const char *err);

struct qmp_waiter {
	qmp_done_fn *fn;
	void *ctx;
	uint64_t tag;
};

enum qmp_phase {
	QMP_IDLE,         /* no exchange */
	QMP_GREETING,     /* connected, waiting for QEMU's greeting */
	QMP_CAPABILITIES, /* qmp_capabilities sent */
	QMP_SET_LINK,     /* set_link sent */
	QMP_DONE,         /* set_link returned: reported at the next service */
	QMP_FAILED,       /* ended with err: reported at the next service */
};

struct waiter_list {
	struct qmp_waiter w[QMP_MAX_WAITERS];
	int n;
};

struct qmp_link {
	char path[108]; /* QEMU's QMP unix socket; "" = not configured */
	char id[64];    /* the NIC's id for set_link */
	int port;       /* for log lines */
	/* The exchange in flight. */
	enum qmp_phase phase;
	int fd;
	bool up;
	uint64_t deadline_ns;
	char *in;      /* received, not yet parsed (QMP_LINE_MAX) */
	size_t inlen;
	char out[256]; /* the command being sent */
	size_t outlen, outoff;
	char err[256];
	struct waiter_list waiters;
	/* The next change, queued behind it; a later one replaces it. */
	bool queued, queued_up;
	struct waiter_list queued_waiters;
	uint64_t ok, failed; /* finished exchanges */
};

void qmp_link_init(struct qmp_link *q, int port);
static inline bool qmp_link_configured(const struct qmp_link *q)
{
	return q->path[0];
}
/* Asks for set_link(up); w (NULL: nobody) hears the result later, never
 * from inside this call. */
void qmp_link_request(struct qmp_link *q, bool up, const struct qmp_waiter *w,
		      uint64_t now);
/* What to poll: fd -1 while idle. */
struct pollfd qmp_link_pollfd(const struct qmp_link *q);
/* Moves the exchange on: I/O the poll reported (revents), the timeout. */
void qmp_link_service(struct qmp_link *q, short revents, uint64_t now);
/* When qmp_link_service must run even without I/O, or UINT64_MAX. */
uint64_t qmp_link_deadline(const struct qmp_link *q);
/* Abandons any exchange (waiters are not called) and closes the socket. */
void qmp_link_close(struct qmp_link *q);

#endif
