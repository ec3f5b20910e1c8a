/* SPDX-License-Identifier: GPL-2.0 */
/* The learning bridge: source MAC -> ingress port, with aging, and the
 * forwarding decision for each frame. */
#ifndef FABRIC_FORWARD_H
#define FABRIC_FORWARD_H

#include <stdint.h>

#define MAC_TABLE_SIZE 4096
#define MAC_AGE_NS (300ull * 1000000000ull)

struct mac_entry {
	uint8_t mac[6];
	int port;
	uint64_t seen_ns;
};

struct mac_table {
	struct mac_entry e[MAC_TABLE_SIZE];
	int used;
};

void mac_learn(struct mac_table *t, const uint8_t *mac, int port, uint64_t now);
/* The port a unicast MAC lives on, or -1 if unknown or aged out. */
int mac_lookup(struct mac_table *t, const uint8_t *mac, uint64_t now);
/* Forgets entries on port (port re-bound to a new VM), or all if port < 0. */
void mac_forget_port(struct mac_table *t, int port);
void mac_expire(struct mac_table *t, uint64_t now);

struct fabric;
/* Switches one valid frame received on ingress; takes ownership of f. */
struct frame;
void forward_frame(struct fabric *fab, int ingress, struct frame *f, uint64_t now);

#endif
