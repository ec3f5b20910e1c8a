/* SPDX-License-Identifier: GPL-2.0 */
/* The whole switch, shared by the event loop, forwarding and control. */
#ifndef FABRIC_FABRIC_H
#define FABRIC_FABRIC_H

#include "forward.h"
#include "port.h"

#define MAX_PORTS 64

struct fabric {
	const char *dir;
	struct fabric_config cfg;
	int nports;
	struct port ports[MAX_PORTS];
	struct mac_table macs;
};

#endif
