/* SPDX-License-Identifier: GPL-2.0 */
/* The rx side of a port (egress.h has the model): a frame from the VM
 * passes the admission stages and the impairment chain, waits on the rx
 * heap until its arrival time and is then switched. Pure C. */
#ifndef FABRIC_INGRESS_H
#define FABRIC_INGRESS_H

#include <stdint.h>

struct fabric;
struct frame;
struct port;

/* Takes a well-formed frame received from port's VM at now; switches it at
 * once if it has arrived already (no rx delay) and nothing held precedes it. */
void ingress_receive(struct fabric *fab, struct port *port, struct frame *f,
		     uint64_t now);
/* Switches every received frame whose arrival time has come. */
void ingress_run(struct fabric *fab, struct port *port, uint64_t now);
/* When ingress_run next has work, or UINT64_MAX. */
uint64_t ingress_next_deadline(const struct port *port);

#endif
