/* SPDX-License-Identifier: GPL-2.0 */
/* A port's link state: administratively up or down, or down for a while
 * (then up again by itself), and the admission stage that drops frames
 * while it is down. Pure C on times passed in. */
#ifndef FABRIC_LINK_H
#define FABRIC_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "egress.h"

/* Longest `link down-for`: an hour. */
#define LINK_DOWN_FOR_MAX_MS 3600000u

struct port;

/* The link-state stage, installed in both directions of every port. */
extern const struct stage link_stage;

/* Sets the link; cancels a pending down-for. Going down drops every frame
 * the port holds in either direction (on its wires) as link_down. */
void port_set_link(struct port *port, bool up);
/* Down now, up again by itself at now + ns. */
void port_link_down_for(struct port *port, uint64_t ns, uint64_t now);
/* Brings a down-for link up when its time has come; true if it did now. */
bool port_link_tick(struct port *port, uint64_t now);
/* When port_link_tick next has work, or UINT64_MAX. */
uint64_t port_link_deadline(const struct port *port);

#endif
