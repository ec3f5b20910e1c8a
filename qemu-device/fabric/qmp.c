// SPDX-License-Identifier: GPL-2.0
/* The asynchronous QMP client for set_link: one state machine per port,
 * driven by the event loop. QMP messages are one JSON object per line;
 * only the top-level keys matter here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "qmp.h"

#define QMP_LINE_MAX 65536

bool qmp_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n < 1 || n > 63)
		return false;
	for (; *id; id++) {
		char c = *id;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Copies the JSON string starting at s (at its opening quote) into out,
 * keeping escapes as they are; returns the character after it. */
static const char *json_str(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (o + 1 < outlen)
			out[o++] = *s;
	}
	if (outlen)
		out[o] = 0;
	return *s ? s + 1 : s;
}

enum msg_kind { MSG_OTHER, MSG_GREETING, MSG_EVENT, MSG_RETURN, MSG_ERROR };

/* Classifies a message by its top-level keys; for an error, desc gets
 * the error's "desc" (or "class"). */
static enum msg_kind classify(const char *s, char *desc, size_t desclen)
{
	enum msg_kind kind = MSG_OTHER;
	int depth = 0;
	char key[32];

	if (desclen)
		desc[0] = 0;
	while (*s) {
		if (*s == '"') {
			const char *after = json_str(s, key, sizeof(key));
			const char *p = after;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == ':' && depth == 1) {
				if (!strcmp(key, "QMP"))
					kind = MSG_GREETING;
				else if (!strcmp(key, "event") && kind == MSG_OTHER)
					kind = MSG_EVENT;
				else if (!strcmp(key, "return"))
					kind = MSG_RETURN;
				else if (!strcmp(key, "error"))
					kind = MSG_ERROR;
			} else if (*p == ':' && depth == 2 && kind == MSG_ERROR &&
				   (!strcmp(key, "desc") || (!desc[0] && !strcmp(key, "class")))) {
				p++;
				while (*p == ' ' || *p == '\t')
					p++;
				if (*p == '"')
					after = json_str(p, desc, desclen);
			}
			s = after;
			continue;
		}
		if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			depth--;
		s++;
	}
	return kind;
}


void qmp_link_init(struct qmp_link *q, int port)
{
	memset(q, 0, sizeof(*q));
	q->port = port;
	q->fd = -1;
}

static void fail(struct qmp_link *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Ends the exchange with an error; qmp_link_service reports it. */
static void fail(struct qmp_link *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	q->phase = QMP_FAILED;
}

static void queue_command(struct qmp_link *q, const char *cmd)
{
	q->outlen = (size_t)snprintf(q->out, sizeof(q->out), "%s", cmd);
	q->outoff = 0;
}

static void start(struct qmp_link *q, uint64_t now)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	q->deadline_ns = now + QMP_TIMEOUT_MS * NSEC_PER_MSEC;
	q->inlen = q->outlen = q->outoff = 0;
	q->err[0] = 0;
	q->phase = QMP_GREETING;
	if (strlen(q->path) >= sizeof(sa.sun_path)) {
		fail(q, "%s: path too long", q->path);
		return;
	}
	strcpy(sa.sun_path, q->path);
	q->in = malloc(QMP_LINE_MAX);
	if (!q->in) {
		fail(q, "out of memory");
		return;
	}
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		fail(q, "socket: %s", strerror(errno));
		return;
	}
	/* A unix connect completes at once or fails (EAGAIN: backlog full). */
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail(q, "%s: %s", q->path, strerror(errno));
}

void qmp_link_request(struct qmp_link *q, bool up, const struct qmp_waiter *w,
		      uint64_t now)
{
	struct waiter_list *l;

	if (q->phase == QMP_IDLE) {
		q->up = up;
		l = &q->waiters;
		start(q, now);
	} else {
		/* Only the latest state matters for the NIC; everyone
		 * waiting hears how the exchange that carries it ended. */
		q->queued = true;
		q->queued_up = up;
		l = &q->queued_waiters;
	}
	if (w && l->n < QMP_MAX_WAITERS)
		l->w[l->n++] = *w;
}

static void close_exchange(struct qmp_link *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->in);
	q->in = NULL;
	q->phase = QMP_IDLE;
}

/* Reports the exchange that ended (DONE or FAILED), then starts the queued one. */
static void end_exchange(struct qmp_link *q, uint64_t now)
{
	bool failed = q->phase == QMP_FAILED;
	struct waiter_list done = q->waiters;
	char err[sizeof(q->err)];

	memcpy(err, q->err, sizeof(err));
	close_exchange(q);
	if (failed) {
		q->failed++;
		fprintf(stderr, "ainic-fabric: port %d: qmp set_link %s %s: %s\n",
			q->port, q->id, q->up ? "up" : "down", err);
	} else {
		q->ok++;
	}
	q->waiters.n = 0;
	if (q->queued) {
		q->queued = false;
		q->up = q->queued_up;
		q->waiters = q->queued_waiters;
		q->queued_waiters.n = 0;
		start(q, now);
	}
	for (int i = 0; i < done.n; i++)
		done.w[i].fn(done.w[i].ctx, done.w[i].tag, failed ? err : NULL);
}

/* Sends what the socket takes of the current command. */
static void flush_out(struct qmp_link *q)
{
	while (q->outoff < q->outlen) {
		ssize_t n = send(q->fd, q->out + q->outoff, q->outlen - q->outoff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fail(q, "send: %s", strerror(errno));
			return;
		}
		q->outoff += (size_t)n;
	}
}

/* One message of QEMU's, in the phase the exchange is in. */
static void on_message(struct qmp_link *q, const char *line)
{
	char desc[256], cmd[256];
	enum msg_kind kind = classify(line, desc, sizeof(desc));

	switch (q->phase) {
	case QMP_GREETING:
		if (kind != MSG_GREETING) {
			fail(q, "%s: no QMP greeting", q->path);
			return;
		}
		queue_command(q, "{\"execute\":\"qmp_capabilities\"}\n");
		q->phase = QMP_CAPABILITIES;
		break;
	case QMP_CAPABILITIES:
	case QMP_SET_LINK:
		if (kind == MSG_ERROR) {
			fail(q, "%s: %s", q->phase == QMP_SET_LINK ? "set_link" :
					    "qmp_capabilities", desc[0] ? desc : "error");
			return;
		}
		if (kind != MSG_RETURN)
			return; /* events, blank lines */
		if (q->phase == QMP_SET_LINK) {
			q->phase = QMP_DONE;
			return;
		}
		snprintf(cmd, sizeof(cmd),
			 "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"%s\",\"up\":%s}}\n",
			 q->id, q->up ? "true" : "false");
		queue_command(q, cmd);
		q->phase = QMP_SET_LINK;
		break;
	default:
		break;
	}
}

static bool in_flight(const struct qmp_link *q)
{
	return q->phase == QMP_GREETING || q->phase == QMP_CAPABILITIES ||
	       q->phase == QMP_SET_LINK;
}

static void read_messages(struct qmp_link *q)
{
	for (;;) {
		char *nl;
		ssize_t n;

		while (in_flight(q) && (nl = memchr(q->in, '\n', q->inlen))) {
			size_t l = (size_t)(nl - q->in);

			*nl = 0;
			on_message(q, q->in);
			memmove(q->in, nl + 1, q->inlen - l - 1);
			q->inlen -= l + 1;
		}
		if (!in_flight(q))
			return;
		if (q->inlen == QMP_LINE_MAX - 1) {
			fail(q, "reply line too long");
			return;
		}
		n = recv(q->fd, q->in + q->inlen, QMP_LINE_MAX - 1 - q->inlen, MSG_DONTWAIT);
		if (n == 0) {
			fail(q, "connection closed by QEMU");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fail(q, "recv: %s", strerror(errno));
			return;
		}
		q->inlen += (size_t)n;
	}
}

void qmp_link_service(struct qmp_link *q, short revents, uint64_t now)
{
	if (in_flight(q) && (revents & (POLLIN | POLLHUP | POLLERR)))
		read_messages(q);
	if (in_flight(q) && q->outoff < q->outlen)
		flush_out(q);
	if (in_flight(q) && now >= q->deadline_ns)
		fail(q, q->outoff < q->outlen ? "timed out sending" :
			"timed out waiting for a reply");
	if (q->phase == QMP_DONE || q->phase == QMP_FAILED)
		end_exchange(q, now);
}

struct pollfd qmp_link_pollfd(const struct qmp_link *q)
{
	if (!in_flight(q))
		return (struct pollfd){ .fd = -1 };
	return (struct pollfd){
		.fd = q->fd,
		.events = POLLIN | (q->outoff < q->outlen ? POLLOUT : 0),
	};
}

uint64_t qmp_link_deadline(const struct qmp_link *q)
{
	if (q->phase == QMP_DONE || q->phase == QMP_FAILED)
		return 0;
	if (in_flight(q))
		return q->outoff < q->outlen ? 0 : q->deadline_ns;
	return UINT64_MAX;
}

void qmp_link_close(struct qmp_link *q)
{
	close_exchange(q);
	q->queued = false;
	q->waiters.n = q->queued_waiters.n = 0;
}
