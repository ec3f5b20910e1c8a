// SPDX-License-Identifier: GPL-2.0
/* A minimal, time-bounded QMP client for set_link. QMP messages are one
 * JSON object per line; only the top-level keys matter here. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
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

struct qmp_conn {
	int fd;
	uint64_t deadline;
	char buf[QMP_LINE_MAX];
	size_t len;
	char *err;
	size_t errlen;
};

static int fail(struct qmp_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct qmp_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Waits for events on the socket until the deadline; 0 when ready. */
static int wait_fd(struct qmp_conn *c, short events, const char *what)
{
	for (;;) {
		uint64_t now = now_ns();
		struct pollfd pfd = { .fd = c->fd, .events = events };
		int r;

		if (now >= c->deadline)
			return fail(c, "timed out %s", what);
		r = poll(&pfd, 1, (int)((c->deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return fail(c, "poll: %s", strerror(errno));
	}
}

static int send_line(struct qmp_conn *c, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return fail(c, "send: %s", strerror(errno));
			if (wait_fd(c, POLLOUT, "sending"))
				return -1;
			continue;
		}
		s += n;
		len -= n;
	}
	return 0;
}

/* Reads one line (without its newline) into a static buffer at *line. */
static int read_line(struct qmp_conn *c, char **line)
{
	static char out[QMP_LINE_MAX];

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl) {
			size_t l = nl - c->buf;

			memcpy(out, c->buf, l);
			out[l] = 0;
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			*line = out;
			return 0;
		}
		if (c->len == sizeof(c->buf))
			return fail(c, "reply line too long");
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (n == 0)
			return fail(c, "connection closed by QEMU");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return fail(c, "recv: %s", strerror(errno));
			if (wait_fd(c, POLLIN, "waiting for a reply"))
				return -1;
			continue;
		}
		c->len += n;
	}
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

/* Sends cmd and reads until its return or error, skipping events. */
static int execute(struct qmp_conn *c, const char *cmd, const char *name)
{
	char desc[256], *line;

	if (send_line(c, cmd))
		return -1;
	for (;;) {
		if (read_line(c, &line))
			return -1;
		switch (classify(line, desc, sizeof(desc))) {
		case MSG_RETURN:
			return 0;
		case MSG_ERROR:
			return fail(c, "%s: %s", name, desc[0] ? desc : "error");
		default:
			continue; /* events, blank lines */
		}
	}
}

int qmp_set_link(const char *path, const char *id, bool up, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static struct qmp_conn conn;
	struct qmp_conn *c = &conn;
	char cmd[256], *line, desc[64];
	int rc = -1;

	c->err = err;
	c->errlen = errlen;
	c->len = 0;
	c->deadline = now_ns() + QMP_TIMEOUT_MS * NSEC_PER_MSEC;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(c, "%s: path too long", path);
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, "socket: %s", strerror(errno));
	/* A unix connect completes at once or fails (EAGAIN: backlog full). */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fail(c, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (read_line(c, &line))
		goto out;
	if (classify(line, desc, sizeof(desc)) != MSG_GREETING) {
		fail(c, "%s: no QMP greeting", path);
		goto out;
	}
	if (execute(c, "{\"execute\":\"qmp_capabilities\"}\n", "qmp_capabilities"))
		goto out;
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"%s\",\"up\":%s}}\n",
		 id, up ? "true" : "false");
	if (execute(c, cmd, "set_link"))
		goto out;
	rc = 0;
out:
	close(c->fd);
	c->fd = -1;
	return rc;
}
