// SPDX-License-Identifier: GPL-2.0
/* Client mode: ainic-fabric ctl DIR COMMAND... sends one command line and
 * prints the reply without its status line; exit 0 on ok, 1 otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= n;
	}
	return 0;
}

int ctl_main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[CONTROL_LINE_MAX + 1];
	size_t len = 0;
	FILE *in;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: ainic-fabric ctl DIR COMMAND...\n");
		return 1;
	}
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", argv[0]) >=
	    (int)sizeof(sa.sun_path)) {
		fprintf(stderr, "ainic-fabric ctl: path too long\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 2 > sizeof(line)) {
			fprintf(stderr, "ainic-fabric ctl: command too long\n");
			return 1;
		}
		memcpy(line + len, argv[i], n);
		len += n;
		line[len++] = i + 1 < argc ? ' ' : '\n';
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ainic-fabric ctl: %s: %s\n", sa.sun_path, strerror(errno));
		return 1;
	}
	/* A wedged fabric must not hang the scripts that call us. */
	struct timeval tmo = { .tv_sec = 10 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	if (send_all(fd, line, len) < 0) {
		fprintf(stderr, "ainic-fabric ctl: send: %s\n", strerror(errno));
		return 1;
	}
	in = fdopen(fd, "r");
	if (!in)
		return 1;
	/* Reply lines are printed as they come; the status line ends it. */
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 1;

	while ((n = getline(&buf, &cap, in)) > 0) {
		if (!strcmp(buf, "ok\n")) {
			rc = 0;
			break;
		}
		if (!strncmp(buf, "error: ", 7)) {
			fputs(buf, stderr);
			break;
		}
		fputs(buf, stdout);
	}
	if (n <= 0)
		fprintf(stderr, "ainic-fabric ctl: connection closed without a status\n");
	free(buf);
	fclose(in);
	return rc;
}
