// SPDX-License-Identifier: GPL-2.0
/*
 * ainic-fabric: an emulated data-centre switch for QEMU `-netdev stream`
 * NICs. Port i is the unix stream socket DIR/port<i>.sock; a VM's NIC
 * connects to it and frames flow both ways on that one connection.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "fabric.h"
#include "ingress.h"
#include "qmp.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ainic-fabric --dir DIR --ports N [--rate-mbps R] [--buffer-kb B]\n"
		"                    [--mtu M] [--ecn ...]\n"
		"                    [--port-qmp I=PATH,ID]... [--impair SPEC]...\n"
		"       ainic-fabric ctl DIR COMMAND...\n"
		"  (--opt VALUE or --opt=VALUE)\n"
		"  --rate-mbps R  egress line rate per port, Mbit/s on the wire (24 bytes\n"
		"                 of Ethernet overhead per frame); 0 = unlimited (default)\n"
		"  --buffer-kb B  egress buffer per port, KiB (default 512)\n"
		"  --mtu M        largest IP MTU; frames over M+18 bytes are dropped\n"
		"                 (default 9198, i.e. 9216-byte frames; range 68..9198)\n"
		"  --ecn KMIN_KB,KMAX_KB,PMAX_PCT  RED ECN marking on every port (default off)\n"
		"  --port-qmp I=PATH,ID  on link up/down of port I, QMP set_link on NIC\n"
		"                 ID via QEMU's QMP unix socket PATH\n"
		"  --impair PORT:DIR:KEY=VALUE[,KEY=VALUE...]  impairments at start, as\n"
		"                 'set PORT impair DIR KEY VALUE...' (PORT a number or all,\n"
		"                 DIR rx, tx or both; ge=P_GB/P_BG/LOSS_BAD/LOSS_GOOD,\n"
		"                 reorder=PCT/EXTRA_US), or PORT:DIR:off\n");
}

static size_t max_frame(const struct fabric *fab)
{
	return fab->cfg.mtu + 18; /* Ethernet header + one VLAN tag */
}

struct rx_ctx {
	struct fabric *fab;
	struct port *port;
	uint64_t now;
};

/* One well-framed frame from a VM: check it, then the rx side has it. */
static void rx_frame(void *opaque, const uint8_t *data, size_t len)
{
	struct rx_ctx *rx = opaque;
	struct port *p = rx->port;
	struct frame *f;

	if (len < FRAME_MIN) {
		p->rx.c.drops[DROP_RUNT]++;
		return;
	}
	if (len > max_frame(rx->fab)) {
		p->rx.c.drops[DROP_OVERSIZE]++;
		return;
	}
	f = frame_new(data, len);
	if (!f) {
		p->rx.c.drops[DROP_NO_MEMORY]++;
		return;
	}
	ingress_receive(rx->fab, p, f, rx->now);
}

static void receive_on_port(struct fabric *fab, struct port *p)
{
	struct rx_ctx rx = { fab, p, now_ns() };

	enum conn_rx r = conn_receive(&p->conn, rx_frame, &rx);

	/* Switch what arrived now (no rx delay) before anything else. */
	ingress_run(fab, p, rx.now);
	switch (r) {
	case CONN_RX_OK:
		break;
	case CONN_RX_FRAMING:
		/* No way to find the next frame boundary: drop the
		 * connection (QEMU reconnects) and keep switching. */
		p->rx.c.drops[DROP_FRAMING]++;
		fprintf(stderr, "ainic-fabric: port %d: bad frame length, connection closed\n",
			p->index);
		port_disconnect(p);
		break;
	case CONN_RX_CLOSED:
		port_disconnect(p);
		break;
	}
}

static int parse_num(const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out < min || *out > max ? -1 : 0;
}

/* --impair PORT:DIR:KEY=VALUE,...: a port (-1: all), a direction, and the
 * control command's words. */
struct preset_impair {
	long port;
	char dir[8];
	char buf[256];
	char *words[64];
	int nwords;
};

/* "loss=5,ge=1/20/100/0" -> loss 5 ge 1 20 100 0; "off" -> off. */
static int impair_words(struct preset_impair *pi, const char *spec)
{
	char *save = NULL;

	if (strlen(spec) >= sizeof(pi->buf))
		return -1;
	strcpy(pi->buf, spec);
	pi->nwords = 0;
	for (char *item = strtok_r(pi->buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *vsave = NULL;
		int before = pi->nwords;

		if (!eq && !strcmp(item, "off")) {
			pi->words[pi->nwords++] = item;
			continue;
		}
		if (!eq || eq == item || pi->nwords == 63)
			return -1;
		*eq = 0;
		pi->words[pi->nwords++] = item;
		for (char *v = strtok_r(eq + 1, "/", &vsave); v; v = strtok_r(NULL, "/", &vsave)) {
			if (pi->nwords == 64)
				return -1;
			pi->words[pi->nwords++] = v;
		}
		if (pi->nwords == before + 1)
			return -1; /* KEY= without a value */
	}
	return pi->nwords ? 0 : -1;
}

static int parse_impair_opt(struct preset_impair *pi, const char *val)
{
	const char *c1 = strchr(val, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	struct impair_config scratch = { 0 };
	unsigned long long port;
	const char *err;
	char num[16];
	bool reseed;

	if (!c1 || !c2 || (size_t)(c1 - val) >= sizeof(num) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(pi->dir))
		return -1;
	memcpy(num, val, c1 - val);
	num[c1 - val] = 0;
	if (!strcmp(num, "all"))
		pi->port = -1;
	else if (parse_num(num, 0, MAX_PORTS - 1, &port))
		return -1;
	else
		pi->port = (long)port;
	memcpy(pi->dir, c1 + 1, c2 - c1 - 1);
	pi->dir[c2 - c1 - 1] = 0;
	if (strcmp(pi->dir, "rx") && strcmp(pi->dir, "tx") && strcmp(pi->dir, "both"))
		return -1;
	if (impair_words(pi, c2 + 1))
		return -1;
	/* The same parser as the control command: what passes here applies. */
	err = impair_parse(&scratch, pi->words, pi->nwords, &reseed);
	if (err) {
		fprintf(stderr, "ainic-fabric: --impair %s: %s\n", val, err);
		return -1;
	}
	return 0;
}

struct preset_qmp {
	unsigned long long port;
	char path[108];
	char id[64];
};

/* Parses "I=REST" into the port number and REST; -1 on a bad I. */
static int parse_port_eq(const char *val, unsigned long long *port, const char **rest)
{
	const char *eq = strchr(val, '=');
	char num[16];

	if (!eq || eq == val || (size_t)(eq - val) >= sizeof(num) || !eq[1])
		return -1;
	memcpy(num, val, eq - val);
	num[eq - val] = 0;
	if (parse_num(num, 0, MAX_PORTS - 1, port))
		return -1;
	*rest = eq + 1;
	return 0;
}

static int write_pidfile(const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fabric.pid", dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ainic-fabric: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

static void remove_pidfile(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/fabric.pid", dir);
	unlink(path);
}

static int run(struct fabric *fab)
{
	/* Per port its listening socket and its connection, then per port
	 * its QMP exchange, then control. */
	struct pollfd pfds[3 * MAX_PORTS + 1 + CONTROL_MAX_CLIENTS];
	struct control ctl;
	sigset_t block, empty;
	struct sigaction sa = { .sa_handler = on_signal };

	/* Signals stay blocked except inside ppoll, so a SIGTERM can never
	 * slip in between the flag check and going to sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&empty);

	/* The port sockets listen already: once control.sock exists (what
	 * vm-run waits for), a VM's first connect succeeds. */
	if (control_open(&ctl, fab, fab->dir) < 0)
		return 1;
	if (write_pidfile(fab->dir) < 0) {
		control_close(&ctl);
		return 1;
	}
	while (!stop_requested) {
		uint64_t now = now_ns(), next = UINT64_MAX;
		struct timespec ts, *tsp = NULL;
		int n = 0, nctl, qmp0;

		/* Timed link changes and rx frames whose time has come first:
		 * what they switch leaves in this wakeup's egress runs. */
		for (int i = 0; i < fab->nports; i++) {
			struct port *p = &fab->ports[i];

			if (port_link_tick(p, now) && qmp_link_configured(&p->qmp))
				qmp_link_request(&p->qmp, true, NULL, now);
			ingress_run(fab, p, now);
		}
		for (int i = 0; i < fab->nports; i++) {
			struct port *p = &fab->ports[i];
			uint64_t d[4];

			egress_run(p, now);
			d[0] = egress_next_deadline(p);
			d[1] = ingress_next_deadline(p);
			d[2] = port_link_deadline(p);
			d[3] = qmp_link_deadline(&p->qmp);
			for (int k = 0; k < 4; k++)
				if (d[k] < next)
					next = d[k];
			pfds[n++] = (struct pollfd){ .fd = p->listen_fd, .events = POLLIN };
			/* fd -1 (no VM) is ignored by poll; POLLOUT only while
			 * the VM's socket is full (backpressure). */
			pfds[n++] = (struct pollfd){
				.fd = p->conn.fd,
				.events = POLLIN | (p->tx_blocked ? POLLOUT : 0),
			};
		}
		qmp0 = n;
		for (int i = 0; i < fab->nports; i++)
			pfds[n++] = qmp_link_pollfd(&fab->ports[i].qmp);
		nctl = control_fill_pollfds(&ctl, &pfds[n]);
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			ts.tv_sec = wait / NSEC_PER_SEC;
			ts.tv_nsec = wait % NSEC_PER_SEC;
			tsp = &ts;
		}
		if (ppoll(pfds, n + nctl, tsp, &empty) < 0) {
			if (errno == EINTR)
				continue;
			perror("ainic-fabric: ppoll");
			break;
		}
		for (int i = 0; i < fab->nports; i++) {
			struct port *p = &fab->ports[i];
			const struct pollfd *c = &pfds[2 * i + 1];

			/* Forwarding for an earlier port may have closed (and
			 * accept reused) this fd: act only on the one polled. */
			if (c->fd < 0 || c->fd != p->conn.fd || !c->revents)
				continue;
			if ((c->revents & POLLOUT) && p->tx_blocked) {
				p->tx_blocked = false;
				egress_run(p, now_ns());
			}
			if (port_connected(p) && c->fd == p->conn.fd &&
			    (c->revents & (POLLIN | POLLHUP | POLLERR)))
				receive_on_port(fab, p);
		}
		/* Accept after reading, so an old connection's last frames and
		 * EOF are handled before a new one replaces it. */
		for (int i = 0; i < fab->nports; i++)
			if (pfds[2 * i].revents & POLLIN)
				port_accept(&fab->ports[i]);
		/* QMP before control: a reply an exchange finished goes out
		 * in this wakeup. */
		for (int i = 0; i < fab->nports; i++) {
			struct qmp_link *q = &fab->ports[i].qmp;
			const struct pollfd *qp = &pfds[qmp0 + i];

			qmp_link_service(q, qp->fd >= 0 && qp->fd == q->fd ? qp->revents : 0,
					 now_ns());
		}
		control_handle(&ctl, &pfds[n], nctl);
	}
	control_close(&ctl);
	remove_pidfile(fab->dir);
	return 0;
}

int main(int argc, char **argv)
{
	static struct fabric fab;
	static struct preset_qmp qmps[MAX_PORTS];
	static struct preset_impair impairs[4 * MAX_PORTS];
	int nqmps = 0, nimpairs = 0;
	struct ecn_config ecn_default = { 0 };
	int nopen = 0, rc;
	unsigned long long v;

	if (argc >= 2 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 2, argv + 2);

	fab.cfg.rate_mbps = 0;
	fab.cfg.buffer_kb = 512;
	fab.cfg.mtu = FRAME_MAX - 18;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;
		char name[32];
		const char *eq = strchr(opt, '=');

		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strncmp(opt, "--", 2) && eq) {
			/* --opt=value, as getopt_long takes it, or --opt value */
			if ((size_t)(eq - opt) >= sizeof(name)) {
				fprintf(stderr, "ainic-fabric: unknown option %s\n", opt);
				usage(stderr);
				return 2;
			}
			memcpy(name, opt, eq - opt);
			name[eq - opt] = 0;
			opt = name;
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "ainic-fabric: %s needs a value\n", opt);
			return 2;
		}
		if (!strcmp(opt, "--dir")) {
			fab.dir = val;
		} else if (!strcmp(opt, "--ports")) {
			if (parse_num(val, 1, MAX_PORTS, &v))
				goto bad;
			fab.nports = v;
		} else if (!strcmp(opt, "--rate-mbps")) {
			if (parse_num(val, 0, 10000000, &v))
				goto bad;
			fab.cfg.rate_mbps = v;
		} else if (!strcmp(opt, "--buffer-kb")) {
			if (parse_num(val, 1, 1048576, &v))
				goto bad;
			fab.cfg.buffer_kb = v;
		} else if (!strcmp(opt, "--mtu")) {
			if (parse_num(val, 68, FRAME_MAX - 18, &v))
				goto bad;
			fab.cfg.mtu = v;
		} else if (!strcmp(opt, "--ecn")) {
			char copy[64], *words[3], *save = NULL;
			int nw = 0;

			if (strlen(val) >= sizeof(copy))
				goto bad;
			strcpy(copy, val);
			for (char *w = strtok_r(copy, ",", &save); w;
			     w = strtok_r(NULL, ",", &save)) {
				if (nw == 3)
					goto bad;
				words[nw++] = w;
			}
			if (ecn_parse(&ecn_default, words, nw))
				goto bad;
		} else if (!strcmp(opt, "--port-qmp")) {
			/* I=PATH,ID: the ID is after the last comma (ids
			 * have none), so PATH may contain commas. */
			const char *rest, *comma;
			struct preset_qmp *q = &qmps[nqmps];

			if (nqmps == MAX_PORTS || parse_port_eq(val, &v, &rest))
				goto bad;
			comma = strrchr(rest, ',');
			if (!comma || comma == rest ||
			    (size_t)(comma - rest) >= sizeof(q->path) ||
			    !qmp_id_valid(comma + 1))
				goto bad;
			q->port = v;
			memcpy(q->path, rest, comma - rest);
			q->path[comma - rest] = 0;
			snprintf(q->id, sizeof(q->id), "%s", comma + 1);
			nqmps++;
		} else if (!strcmp(opt, "--impair")) {
			if (nimpairs == (int)(sizeof(impairs) / sizeof(impairs[0])) ||
			    parse_impair_opt(&impairs[nimpairs], val))
				goto bad;
			nimpairs++;
		} else {
			fprintf(stderr, "ainic-fabric: unknown option %s\n", opt);
			usage(stderr);
			return 2;
		}
		continue;
bad:
		fprintf(stderr, "ainic-fabric: bad value for %s: %s\n", opt, val);
		return 2;
	}
	if (!fab.dir || !fab.nports) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < nqmps; i++) {
		if (qmps[i].port >= (unsigned long long)fab.nports) {
			fprintf(stderr, "ainic-fabric: --port-qmp %llu: no such port\n",
				qmps[i].port);
			return 2;
		}
	}
	for (int i = 0; i < nimpairs; i++) {
		if (impairs[i].port >= fab.nports) {
			fprintf(stderr, "ainic-fabric: --impair %ld: no such port\n",
				impairs[i].port);
			return 2;
		}
	}
	rc = 0;
	for (int i = 0; i < fab.nports && !rc; i++) {
		nopen = i + 1; /* a failed port_open leaves its port closable */
		if (port_open(&fab.ports[i], i, fab.dir, &fab.cfg) < 0)
			rc = 1;
		else if (ecn_default.enabled) {
			struct ecn_config *e = &fab.ports[i].ecn;

			e->enabled = true;
			e->kmin_bytes = ecn_default.kmin_bytes;
			e->kmax_bytes = ecn_default.kmax_bytes;
			e->pmax_pct = ecn_default.pmax_pct;
		}
	}
	for (int i = 0; i < nqmps && !rc; i++) {
		struct port *p = &fab.ports[qmps[i].port];

		strcpy(p->qmp.path, qmps[i].path);
		strcpy(p->qmp.id, qmps[i].id);
	}
	/* In the order given, so a later --impair refines an earlier one. */
	for (int i = 0; i < nimpairs && !rc; i++) {
		struct preset_impair *pi = &impairs[i];

		for (int k = 0; k < fab.nports; k++)
			if (pi->port < 0 || pi->port == k)
				port_impair_set(&fab.ports[k], pi->dir, pi->words, pi->nwords);
	}
	if (!rc)
		rc = run(&fab);
	for (int i = 0; i < nopen; i++) /* never-opened ports are all zero */
		port_close(&fab.ports[i]);
	return rc;
}
