// SPDX-License-Identifier: GPL-2.0
/* Control server and command interpreter. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "qmp.h"

static void sb_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 1024;

		while (cap < b->len + n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);

		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
}

static void sb_consume(struct strbuf *b, size_t n)
{
	memmove(b->s, b->s + n, b->len - n);
	b->len -= n;
}

static void sb_free(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* ---- command interpreter ---- */

/* The longest valid command is about 30 words; a line is < 1024 bytes. */
#define MAX_ARGS 64

_Static_assert(QMP_MAX_WAITERS >= CONTROL_MAX_CLIENTS,
	       "every control client may wait on the same port's QMP");

/* One command being interpreted for a client. */
struct cmd {
	struct fabric *fab;
	struct control_client *client;
	struct strbuf *out;
	uint64_t now;
	bool deferred; /* its ok comes when a QMP exchange ends */
};

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Accepts "3" or "port3". */
static int parse_port(struct fabric *fab, const char *s)
{
	uint64_t v;

	if (s && !strncmp(s, "port", 4))
		s += 4;
	if (parse_u64(s, 0, fab->nports - 1, &v))
		return -1;
	return (int)v;
}

/* A probability as the percentage it was set as ("0.5"). */
struct pct {
	char s[16];
};

static struct pct pct(uint32_t ppm)
{
	struct pct p;

	impair_pct(ppm, p.s, sizeof(p.s));
	return p;
}

static void text_impair(struct strbuf *b, const char *pfx, const struct impair_config *c,
			const char *sep)
{
	sb_printf(b, "%s_loss_pct=%s%s", pfx, pct(c->loss_ppm).s, sep);
	if (c->ge_on)
		sb_printf(b, "%s_ge=%s/%s/%s/%s%s", pfx, pct(c->ge_p_gb_ppm).s,
			  pct(c->ge_p_bg_ppm).s, pct(c->ge_loss_bad_ppm).s,
			  pct(c->ge_loss_good_ppm).s, sep);
	else
		sb_printf(b, "%s_ge=off%s", pfx, sep);
	sb_printf(b, "%s_dup_pct=%s%s%s_corrupt_pct=%s%s", pfx, pct(c->dup_ppm).s, sep,
		  pfx, pct(c->corrupt_ppm).s, sep);
	sb_printf(b, "%s_delay_us=%" PRIu64 "%s%s_jitter_us=%" PRIu64 "%s",
		  pfx, c->delay_ns / 1000, sep, pfx, c->jitter_ns / 1000, sep);
	sb_printf(b, "%s_reorder_pct=%s%s%s_reorder_us=%" PRIu64 "%s%s_seed=%" PRIu64 "%s",
		  pfx, pct(c->reorder_ppm).s, sep, pfx, c->reorder_ns / 1000, sep,
		  pfx, c->seed, sep);
}

static void text_dir(struct strbuf *b, const char *pfx, const struct direction *d,
		     const char *sep)
{
	const struct dir_counters *c = &d->c;

	text_impair(b, pfx, &d->imp.cfg, sep);
	sb_printf(b, "%s_packets=%" PRIu64 "%s%s_bytes=%" PRIu64 "%s",
		  pfx, c->packets, sep, pfx, c->bytes, sep);
	for (int i = 0; i < DROP__COUNT; i++)
		sb_printf(b, "%s_drop_%s=%" PRIu64 "%s", pfx, drop_cause_names[i],
			  c->drops[i], sep);
	sb_printf(b, "%s_ecn_marked=%" PRIu64 "%s", pfx, c->ecn_marked, sep);
	sb_printf(b, "%s_duplicated=%" PRIu64 "%s%s_reordered=%" PRIu64 "%s"
		  "%s_delayed=%" PRIu64 "%s%s_corrupted=%" PRIu64 "%s",
		  pfx, c->duplicated, sep, pfx, c->reordered, sep,
		  pfx, c->delayed, sep, pfx, c->corrupted, sep);
	sb_printf(b, "%s_queue_frames=%" PRIu64 "%s%s_queue_bytes=%" PRIu64 "%s"
		  "%s_queue_peak_frames=%" PRIu64 "%s%s_queue_peak_bytes=%" PRIu64 "%s"
		  "%s_inflight_frames=%" PRIu64,
		  pfx, c->queue_frames, sep, pfx, c->queue_bytes, sep,
		  pfx, c->queue_peak_frames, sep, pfx, c->queue_peak_bytes, sep,
		  pfx, c->inflight_frames);
}

/* What is left of a link down-for, in ms rounded up; 0 if none. */
static uint64_t link_up_in_ms(const struct port *p, uint64_t now)
{
	if (!p->link_up_at_ns)
		return 0;
	if (p->link_up_at_ns <= now)
		return 0;
	return (p->link_up_at_ns - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
}

/* Whether a VM is connected to the port right now. */
static const char *peer_state(const struct port *p)
{
	return port_connected(p) ? "connected" : "none";
}

/* key=value pairs separated by sep ("\n" for show, " " for ports). */
static void text_port(struct strbuf *b, const struct port *p, const char *sep,
		      uint64_t now)
{
	sb_printf(b, "port=%d%slink=%s%slink_up_in_ms=%" PRIu64 "%speer=%s%s"
		  "connects=%" PRIu64 "%srate_mbps=%" PRIu64 "%sbuffer_kb=%" PRIu64 "%s",
		  p->index, sep, p->link_up ? "up" : "down", sep, link_up_in_ms(p, now), sep,
		  peer_state(p), sep, p->connects, sep, p->eg.wire.rate_mbps, sep,
		  p->eg.buffer_bytes / 1024, sep);
	sb_printf(b, "ecn=%s%secn_kmin_kb=%" PRIu64 "%secn_kmax_kb=%" PRIu64
		  "%secn_pmax_pct=%u%s", p->ecn.enabled ? "on" : "off", sep,
		  p->ecn.kmin_bytes / 1024, sep, p->ecn.kmax_bytes / 1024, sep,
		  p->ecn.pmax_pct, sep);
	sb_printf(b, "qmp=%s%sqmp_ok=%" PRIu64 "%sqmp_failed=%" PRIu64 "%s",
		  qmp_link_configured(&p->qmp) ? "on" : "off", sep, p->qmp.ok, sep,
		  p->qmp.failed, sep);
	text_dir(b, "rx", &p->rx, sep);
	sb_printf(b, "%s", sep);
	text_dir(b, "tx", &p->tx, sep);
	sb_printf(b, "\n");
}

static void json_impair(struct strbuf *b, const struct impair_config *c)
{
	sb_printf(b, "{\"loss_pct\":%s,\"ge\":", pct(c->loss_ppm).s);
	if (c->ge_on)
		sb_printf(b, "{\"p_good_bad_pct\":%s,\"p_bad_good_pct\":%s,"
			  "\"loss_bad_pct\":%s,\"loss_good_pct\":%s}",
			  pct(c->ge_p_gb_ppm).s, pct(c->ge_p_bg_ppm).s,
			  pct(c->ge_loss_bad_ppm).s, pct(c->ge_loss_good_ppm).s);
	else
		sb_printf(b, "null");
	sb_printf(b, ",\"dup_pct\":%s,\"corrupt_pct\":%s,\"delay_us\":%" PRIu64
		  ",\"jitter_us\":%" PRIu64 ",\"reorder_pct\":%s,\"reorder_us\":%" PRIu64
		  ",\"seed\":%" PRIu64 "}",
		  pct(c->dup_ppm).s, pct(c->corrupt_ppm).s, c->delay_ns / 1000,
		  c->jitter_ns / 1000, pct(c->reorder_ppm).s, c->reorder_ns / 1000, c->seed);
}

static void json_dir(struct strbuf *b, const struct dir_counters *c)
{
	sb_printf(b, "{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"drops\":{",
		  c->packets, c->bytes);
	for (int i = 0; i < DROP__COUNT; i++)
		sb_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "", drop_cause_names[i],
			  c->drops[i]);
	sb_printf(b, "},\"ecn_marked\":%" PRIu64, c->ecn_marked);
	sb_printf(b, ",\"duplicated\":%" PRIu64 ",\"reordered\":%" PRIu64
		  ",\"delayed\":%" PRIu64 ",\"corrupted\":%" PRIu64,
		  c->duplicated, c->reordered, c->delayed, c->corrupted);
	sb_printf(b, ",\"queue_frames\":%" PRIu64 ",\"queue_bytes\":%" PRIu64
		  ",\"queue_peak_frames\":%" PRIu64 ",\"queue_peak_bytes\":%" PRIu64
		  ",\"inflight_frames\":%" PRIu64 "}",
		  c->queue_frames, c->queue_bytes, c->queue_peak_frames, c->queue_peak_bytes,
		  c->inflight_frames);
}

static void json_port(struct strbuf *b, const struct port *p, uint64_t now)
{
	sb_printf(b, "{\"port\":%d,\"link\":\"%s\",\"link_up_in_ms\":%" PRIu64
		  ",\"peer\":\"%s\",\"connects\":%" PRIu64,
		  p->index, p->link_up ? "up" : "down", link_up_in_ms(p, now),
		  peer_state(p), p->connects);
	sb_printf(b, ",\"rate_mbps\":%" PRIu64 ",\"buffer_kb\":%" PRIu64
		  ",\"ecn\":{\"enabled\":%s,\"kmin_kb\":%" PRIu64 ",\"kmax_kb\":%" PRIu64
		  ",\"pmax_pct\":%u}",
		  p->eg.wire.rate_mbps, p->eg.buffer_bytes / 1024,
		  p->ecn.enabled ? "true" : "false", p->ecn.kmin_bytes / 1024,
		  p->ecn.kmax_bytes / 1024, p->ecn.pmax_pct);
	sb_printf(b, ",\"qmp\":{\"enabled\":%s,\"ok\":%" PRIu64 ",\"failed\":%" PRIu64 "}",
		  qmp_link_configured(&p->qmp) ? "true" : "false", p->qmp.ok, p->qmp.failed);
	sb_printf(b, ",\"impair\":{\"rx\":");
	json_impair(b, &p->rx.imp.cfg);
	sb_printf(b, ",\"tx\":");
	json_impair(b, &p->tx.imp.cfg);
	sb_printf(b, "},\"rx\":");
	json_dir(b, &p->rx.c);
	sb_printf(b, ",\"tx\":");
	json_dir(b, &p->tx.c);
	sb_printf(b, "}\n");
}

static void mac_table_out(struct fabric *fab, struct strbuf *b, int json)
{
	uint64_t now = now_ns();

	mac_expire(&fab->macs, now);
	for (int i = 0; i < fab->macs.used; i++) {
		const struct mac_entry *e = &fab->macs.e[i];
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 e->mac[0], e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
		if (json)
			sb_printf(b, "{\"mac\":\"%s\",\"port\":%d,\"age_s\":%" PRIu64 "}\n",
				  mac, e->port, (now - e->seen_ns) / NSEC_PER_SEC);
		else
			sb_printf(b, "%s port=%d age_s=%" PRIu64 "\n", mac, e->port,
				  (now - e->seen_ns) / NSEC_PER_SEC);
	}
}

static const char help_text[] =
	"ports                         one line per port: state and counters\n"
	"show PORT                     one key=value per line\n"
	"set PORT rate-mbps R          line rate in Mbit/s (wire: 24 bytes of\n"
	"                              overhead per frame), 0 = unlimited\n"
	"set PORT buffer-kb B          egress buffer in KiB (1..1048576)\n"
	"set PORT link up|down         down drops frames to and from the port;\n"
	"                              with --port-qmp also QMP set_link on the NIC\n"
	"set PORT link down-for MS     down now, up again by itself MS ms later\n"
	"set PORT ecn KMIN KMAX PMAX   RED ECN marking: KiB thresholds, percent\n"
	"set PORT ecn off\n"
	"set PORT impair DIR KEY VALUE...  DIR rx|tx|both; KEY VALUE: loss PCT,\n"
	"                              ge P_GB P_BG LOSS_BAD LOSS_GOOD (PCT each),\n"
	"                              dup PCT, corrupt PCT, delay US, jitter US,\n"
	"                              reorder PCT EXTRA_US, seed N\n"
	"set PORT impair DIR off       no impairments (the seed stays)\n"
	"clear PORT|all                zero counters (queue depth kept)\n"
	"mac-table                     learned MAC -> port entries\n"
	"json ports|show PORT|mac-table  the same as JSON, one object per line\n"
	"help                          this text\n";

const char *ecn_parse(struct ecn_config *ecn, char **argv, int argc)
{
	uint64_t kmin, kmax, pmax;

	if (argc == 1 && !strcmp(argv[0], "off")) {
		ecn->enabled = false;
		return NULL;
	}
	if (argc != 3)
		return "usage: ecn off | ecn KMIN_KB KMAX_KB PMAX_PCT";
	if (parse_u64(argv[0], 0, 1048576, &kmin) ||
	    parse_u64(argv[1], 1, 1048576, &kmax) || kmin >= kmax)
		return "ecn thresholds must be integers 0 <= KMIN_KB < KMAX_KB <= 1048576";
	if (parse_u64(argv[2], 0, 100, &pmax))
		return "ecn PMAX_PCT must be an integer 0..100";
	ecn->kmin_bytes = kmin * 1024;
	ecn->kmax_bytes = kmax * 1024;
	ecn->pmax_pct = (unsigned)pmax;
	ecn->enabled = true;
	return NULL;
}

const char *port_impair_set(struct port *p, const char *dir, char **argv, int argc)
{
	struct direction *dirs[2];
	struct impair_config cfg[2];
	bool reseed = false;
	int nd = 0;

	if (!strcmp(dir, "rx") || !strcmp(dir, "both"))
		dirs[nd++] = &p->rx;
	if (!strcmp(dir, "tx") || !strcmp(dir, "both"))
		dirs[nd++] = &p->tx;
	if (!nd)
		return "impair direction must be rx, tx or both";
	/* Parse every direction before changing any. */
	for (int i = 0; i < nd; i++) {
		const char *err;

		cfg[i] = dirs[i]->imp.cfg;
		err = impair_parse(&cfg[i], argv, argc, &reseed);
		if (err)
			return err;
	}
	for (int i = 0; i < nd; i++)
		impair_configure(&dirs[i]->imp, &cfg[i], reseed);
	return NULL;
}

/* The QMP exchange for a command ended: its reply can be finished. */
static void qmp_reply(void *ctx, uint64_t tag, const char *err)
{
	struct control_client *c = ctx;

	if (c->fd < 0 || c->gen != tag || !c->waiting)
		return; /* the client went away meanwhile */
	if (err)
		sb_printf(&c->out, "warning: qmp: %s\n", err);
	sb_printf(&c->out, "ok\n");
	c->waiting = false;
}

/* Tells the VM's QEMU (--port-qmp) about a link change. The switch port has
 * changed either way, so a failure is a warning in the reply, not an error;
 * the reply waits for the exchange, the switch does not. */
static void link_to_qmp(struct cmd *cmd, struct port *p, bool up)
{
	struct qmp_waiter w = { qmp_reply, cmd->client, cmd->client->gen };

	if (!qmp_link_configured(&p->qmp))
		return;
	qmp_link_request(&p->qmp, up, &w, cmd->now);
	cmd->deferred = true;
}

#define LINK_USAGE "usage: set PORT link up|down|down-for MS"

static const char *cmd_link(struct cmd *cmd, struct port *p, char **argv, int argc)
{
	uint64_t ms;

	if (argc == 1 && (!strcmp(argv[0], "up") || !strcmp(argv[0], "down"))) {
		bool up = argv[0][0] == 'u';

		port_set_link(p, up);
		link_to_qmp(cmd, p, up);
		return NULL;
	}
	if (argc == 1)
		return "link must be up, down or down-for MS";
	if (argc != 2 || strcmp(argv[0], "down-for"))
		return LINK_USAGE;
	if (parse_u64(argv[1], 1, LINK_DOWN_FOR_MAX_MS, &ms))
		return "down-for takes milliseconds 1..3600000";
	port_link_down_for(p, ms * NSEC_PER_MSEC, cmd->now);
	link_to_qmp(cmd, p, false);
	return NULL;
}

static const char *cmd_set(struct cmd *cmd, char **argv, int argc)
{
	struct fabric *fab = cmd->fab;
	struct port *p;
	int idx;
	uint64_t v;

	if (argc < 4)
		return "usage: set PORT rate-mbps R|buffer-kb B|link ...|ecn ...|impair ...";
	idx = parse_port(fab, argv[1]);
	if (idx < 0)
		return "no such port";
	p = &fab->ports[idx];
	if (!strcmp(argv[2], "ecn"))
		return ecn_parse(&p->ecn, argv + 3, argc - 3);
	if (!strcmp(argv[2], "impair"))
		return port_impair_set(p, argv[3], argv + 4, argc - 4);
	if (!strcmp(argv[2], "link"))
		return cmd_link(cmd, p, argv + 3, argc - 3);
	if (argc != 4)
		return "usage: set PORT rate-mbps R|buffer-kb B";
	if (!strcmp(argv[2], "rate-mbps")) {
		if (parse_u64(argv[3], 0, 10000000, &v))
			return "rate-mbps must be an integer 0..10000000";
		wire_set_rate(&p->eg.wire, v);
	} else if (!strcmp(argv[2], "buffer-kb")) {
		if (parse_u64(argv[3], 1, 1048576, &v))
			return "buffer-kb must be an integer 1..1048576";
		/* Frames already queued stay; new ones see the new limit. */
		p->eg.buffer_bytes = v * 1024;
	} else {
		return "unknown setting (rate-mbps, buffer-kb, link, ecn, impair)";
	}
	return NULL;
}

static const char *dispatch(struct cmd *cmd, char **argv, int argc)
{
	struct fabric *fab = cmd->fab;
	struct strbuf *out = cmd->out;
	int json = 0, idx;

	if (argc && !strcmp(argv[0], "json")) {
		json = 1;
		argv++;
		argc--;
	}
	if (!argc)
		return json ? "json needs a command" : "empty command";
	if (!strcmp(argv[0], "help") && !json) {
		sb_printf(out, "%s", help_text);
	} else if (!strcmp(argv[0], "ports")) {
		if (argc != 1)
			return "usage: ports";
		for (int i = 0; i < fab->nports; i++) {
			if (json)
				json_port(out, &fab->ports[i], cmd->now);
			else
				text_port(out, &fab->ports[i], " ", cmd->now);
		}
	} else if (!strcmp(argv[0], "show")) {
		if (argc != 2)
			return "usage: show PORT";
		idx = parse_port(fab, argv[1]);
		if (idx < 0)
			return "no such port";
		if (json)
			json_port(out, &fab->ports[idx], cmd->now);
		else
			text_port(out, &fab->ports[idx], "\n", cmd->now);
	} else if (!strcmp(argv[0], "mac-table")) {
		if (argc != 1)
			return "usage: mac-table";
		mac_table_out(fab, out, json);
	} else if (!strcmp(argv[0], "set") && !json) {
		return cmd_set(cmd, argv, argc);
	} else if (!strcmp(argv[0], "clear") && !json) {
		if (argc != 2)
			return "usage: clear PORT|all";
		if (!strcmp(argv[1], "all")) {
			for (int i = 0; i < fab->nports; i++)
				port_clear_counters(&fab->ports[i]);
		} else {
			idx = parse_port(fab, argv[1]);
			if (idx < 0)
				return "no such port";
			port_clear_counters(&fab->ports[idx]);
		}
	} else {
		return "unknown command (try help)";
	}
	return NULL;
}

/* Runs one command line, appending its reply to the client's output; a
 * reply that waits for QMP is finished by qmp_reply. */
static void control_execute(struct control *ctl, struct control_client *c, char *line)
{
	struct cmd cmd = { ctl->fab, c, &c->out, now_ns(), false };
	char *argv[MAX_ARGS + 1], *save = NULL, *tok;
	struct strbuf *out = &c->out;
	size_t start = out->len;
	const char *err;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		if (argc == MAX_ARGS) {
			sb_printf(out, "error: too many arguments\n");
			return;
		}
		argv[argc++] = tok;
	}
	err = dispatch(&cmd, argv, argc);
	if (err) {
		out->len = start; /* no partial output before an error */
		sb_printf(out, "error: %s\n", err);
	} else if (cmd.deferred) {
		c->waiting = true;
	} else {
		sb_printf(out, "ok\n");
	}
}

/* ---- server ---- */

int control_open(struct control *ctl, struct fabric *fab, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fab = fab;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	n = snprintf(ctl->path, sizeof(ctl->path), "%s/control.sock", dir);
	if (n < 0 || (size_t)n >= sizeof(ctl->path) || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ainic-fabric: control socket path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, ctl->path);
	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->listen_fd < 0)
		return -1;
	unlink(ctl->path);
	if (bind(ctl->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ctl->listen_fd, 8) < 0) {
		fprintf(stderr, "ainic-fabric: %s: %s\n", ctl->path, strerror(errno));
		close(ctl->listen_fd);
		ctl->listen_fd = -1;
		return -1;
	}
	return 0;
}

static void client_drop(struct control_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->gen++; /* a QMP answer still due for it finds nobody */
	c->inlen = 0;
	c->discarding = 0;
	c->pendoff = c->pendlen = 0;
	c->waiting = false;
	sb_free(&c->out);
}

void control_close(struct control *ctl)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i].fd >= 0)
			client_drop(&ctl->clients[i]);
	if (ctl->listen_fd >= 0) {
		close(ctl->listen_fd);
		unlink(ctl->path);
	}
	ctl->listen_fd = -1;
}

int control_fill_pollfds(struct control *ctl, struct pollfd *pfds)
{
	int n = 0;

	pfds[n++] = (struct pollfd){ .fd = ctl->listen_fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = &ctl->clients[i];

		/* Slots keep their index so control_handle can map them back;
		 * a free slot has fd -1, which poll ignores. No reading while
		 * a command waits or its successors are still buffered:
		 * commands run in order. */
		bool reading = !c->waiting && c->pendoff == c->pendlen;

		pfds[n++] = (struct pollfd){
			.fd = c->fd,
			.events = (reading ? POLLIN : 0) | (c->out.len ? POLLOUT : 0),
		};
	}
	return n;
}

static void client_accept(struct control *ctl)
{
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (ctl->clients[i].fd < 0) {
			ctl->clients[i].fd = fd;
			ctl->clients[i].gen++;
			return;
		}
	}
	/* Full: tell the client why instead of hanging it. */
	if (write(fd, "error: too many control clients\n", 32) < 0) {
		/* nothing more to do for a client we could not serve */
	}
	close(fd);
}

/* Returns -1 when the client must be dropped. */
static int client_flush(struct control_client *c)
{
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.s, c->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		sb_consume(&c->out, n);
	}
	return 0;
}

/* Interprets the buffered input, up to a command that must wait. */
static void client_lines(struct control *ctl, struct control_client *c)
{
	while (!c->waiting && c->pendoff < c->pendlen) {
		char ch = c->pend[c->pendoff++];

		if (ch == '\n') {
			if (c->discarding) {
				c->discarding = 0;
			} else {
				c->in[c->inlen] = 0;
				control_execute(ctl, c, c->in);
			}
			c->inlen = 0;
		} else if (c->discarding) {
			continue;
		} else if (c->inlen == sizeof(c->in) - 1) {
			sb_printf(&c->out, "error: line longer than %d bytes\n",
				  CONTROL_LINE_MAX - 1);
			c->discarding = 1;
			c->inlen = 0;
		} else {
			c->in[c->inlen++] = ch;
		}
	}
}

static int client_read(struct control *ctl, struct control_client *c)
{
	ssize_t n = recv(c->fd, c->pend, sizeof(c->pend), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		/* Peer closed: a partial last line is discarded; send what
		 * is pending if the socket still takes it. */
		client_flush(c);
		return -1;
	}
	c->pendoff = 0;
	c->pendlen = (size_t)n;
	client_lines(ctl, c);
	if (c->out.len > CONTROL_OUT_MAX)
		return -1;
	return client_flush(c);
}

void control_handle(struct control *ctl, const struct pollfd *pfds, int n)
{
	if (n < 1 + CONTROL_MAX_CLIENTS)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = &ctl->clients[i];
		short re = pfds[1 + i].revents;

		if (c->fd < 0 || c->fd != pfds[1 + i].fd || !re)
			continue;
		if ((re & POLLOUT) && client_flush(c) < 0) {
			client_drop(c);
			continue;
		}
		if (c->waiting || c->pendoff < c->pendlen) {
			/* Not reading it now: a hang-up ends it (poll
			 * reports that whatever the events asked for). */
			if (re & (POLLHUP | POLLERR))
				client_drop(c);
			continue;
		}
		if ((re & (POLLIN | POLLHUP | POLLERR)) && client_read(ctl, c) < 0)
			client_drop(c);
	}
	/* Clients whose QMP wait ended (qmp_reply): send the reply and go
	 * on with the commands they sent after it. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = &ctl->clients[i];

		if (c->fd < 0 || c->waiting)
			continue;
		if (c->pendoff < c->pendlen)
			client_lines(ctl, c);
		if (c->out.len > CONTROL_OUT_MAX ||
		    (c->out.len && client_flush(c) < 0))
			client_drop(c);
	}
	if (pfds[0].revents & POLLIN)
		client_accept(ctl);
}
