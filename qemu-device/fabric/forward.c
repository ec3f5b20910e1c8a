// SPDX-License-Identifier: GPL-2.0
/* Receive path and the learning bridge. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"

static bool mac_is_group(const uint8_t *mac)
{
	return mac[0] & 1; /* broadcast and multicast */
}

static bool mac_live(const struct mac_entry *e, uint64_t now)
{
	return now - e->seen_ns < MAC_AGE_NS;
}

static struct mac_entry *mac_find(struct mac_table *t, const uint8_t *mac)
{
	/* A linear scan: a fabric has a handful of VMs, each with a few MACs. */
	for (int i = 0; i < t->used; i++)
		if (!memcmp(t->e[i].mac, mac, 6))
			return &t->e[i];
	return NULL;
}

static void mac_remove(struct mac_table *t, int i)
{
	t->e[i] = t->e[--t->used];
}

void mac_learn(struct mac_table *t, const uint8_t *mac, int port, uint64_t now)
{
	struct mac_entry *e;

	if (mac_is_group(mac))
		return; /* a group address as source is bogus; never learn it */
	e = mac_find(t, mac);
	if (!e) {
		if (t->used == MAC_TABLE_SIZE)
			mac_expire(t, now);
		if (t->used == MAC_TABLE_SIZE) {
			/* Bounded table: evict the least recently seen entry. */
			int oldest = 0;

			for (int i = 1; i < t->used; i++)
				if (t->e[i].seen_ns < t->e[oldest].seen_ns)
					oldest = i;
			mac_remove(t, oldest);
		}
		e = &t->e[t->used++];
		memcpy(e->mac, mac, 6);
	}
	e->port = port;
	e->seen_ns = now;
}

int mac_lookup(struct mac_table *t, const uint8_t *mac, uint64_t now)
{
	struct mac_entry *e = mac_find(t, mac);

	return e && mac_live(e, now) ? e->port : -1;
}

void mac_forget_port(struct mac_table *t, int port)
{
	for (int i = t->used - 1; i >= 0; i--)
		if (port < 0 || t->e[i].port == port)
			mac_remove(t, i);
}

void mac_expire(struct mac_table *t, uint64_t now)
{
	for (int i = t->used - 1; i >= 0; i--)
		if (!mac_live(&t->e[i], now))
			mac_remove(t, i);
}

void forward_frame(struct fabric *fab, int ingress, struct frame *f, uint64_t now)
{
	const uint8_t *dst = f->data, *src = f->data + 6;
	int out;

	mac_learn(&fab->macs, src, ingress, now);
	out = mac_is_group(dst) ? -1 : mac_lookup(&fab->macs, dst, now);
	if (out == ingress) {
		free(f); /* the destination sits behind the ingress port */
		return;
	}
	if (out >= 0) {
		egress_enqueue(&fab->ports[out], f, now);
		return;
	}
	/* Flood broadcast, multicast and unknown unicast. */
	for (int i = 0; i < fab->nports; i++) {
		struct frame *copy;

		if (i == ingress)
			continue;
		copy = frame_new(f->data, f->len);
		if (copy)
			egress_enqueue(&fab->ports[i], copy, now);
		else
			fab->ports[i].tx.c.drops[DROP_NO_MEMORY]++;
	}
	free(f);
}
