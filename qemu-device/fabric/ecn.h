/* SPDX-License-Identifier: GPL-2.0 */
/* RED-style ECN marking on egress, as a data-centre switch does for DCQCN
 * and DCTCP: by the instantaneous egress queue depth when a frame arrives. */
#ifndef FABRIC_ECN_H
#define FABRIC_ECN_H

#include <stdbool.h>
#include <stdint.h>

#include "egress.h"

struct ecn_config {
	bool enabled;
	uint64_t kmin_bytes; /* below: never mark */
	uint64_t kmax_bytes; /* at or above: always mark */
	unsigned pmax_pct;   /* marking probability just below kmax, percent */
	uint64_t rng;        /* xorshift state: fixed seed, reproducible runs */
};

void ecn_init(struct ecn_config *ecn);
/* The stage for the tx pipeline; state points at the port's ecn_config. */
struct stage ecn_stage(struct ecn_config *ecn);
/* Sets CE in an ECT IPv4 frame (plain or one VLAN tag) and fixes the IPv4
 * header checksum; returns false if the frame is not ECT IPv4. */
bool ecn_mark_ce(uint8_t *data, size_t len);

#endif
