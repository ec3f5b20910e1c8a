// SPDX-License-Identifier: GPL-2.0
/* Link state: up, down, down for a while. */
#include "link.h"
#include "port.h"

static enum verdict link_process(struct stage *st, struct port *port,
				 struct frame *f, uint64_t now)
{
	(void)st; (void)f; (void)now;
	return port->link_up ? VERDICT_PASS : VERDICT_DROP;
}

const struct stage link_stage = {
	.name = "link",
	.process = link_process,
	.cause = DROP_LINK_DOWN,
};

static void link_change(struct port *port, bool up)
{
	port->link_up = up;
	if (up)
		return;
	/* Frames on the wire die with the link, both ways. */
	egress_flush(port, DROP_LINK_DOWN);
	direction_flush_heap(&port->rx, DROP_LINK_DOWN);
}

void port_set_link(struct port *port, bool up)
{
	port->link_up_at_ns = 0;
	link_change(port, up);
}

void port_link_down_for(struct port *port, uint64_t ns, uint64_t now)
{
	link_change(port, false);
	port->link_up_at_ns = now + ns;
}

bool port_link_tick(struct port *port, uint64_t now)
{
	if (!port->link_up_at_ns || now < port->link_up_at_ns)
		return false;
	port->link_up_at_ns = 0;
	link_change(port, true);
	return true;
}

uint64_t port_link_deadline(const struct port *port)
{
	return port->link_up_at_ns ? port->link_up_at_ns : UINT64_MAX;
}
