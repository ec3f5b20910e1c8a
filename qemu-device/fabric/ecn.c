// SPDX-License-Identifier: GPL-2.0
/* ECN marking stage. Only ECT frames are marked; non-ECT frames pass (the
 * buffer's tail drop is their congestion signal). */
#include "ecn.h"
#include "port.h"

void ecn_init(struct ecn_config *ecn)
{
	*ecn = (struct ecn_config){ .rng = 0x9e3779b97f4a7c15ull };
}

static uint32_t ecn_random_pct(struct ecn_config *ecn)
{
	uint64_t x = ecn->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	ecn->rng = x;
	return (uint32_t)(x % 10000); /* hundredths of a percent */
}

static uint16_t ipv4_checksum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool ecn_mark_ce(uint8_t *data, size_t len)
{
	size_t off = 12;
	uint8_t *ip;
	size_t ihl;

	if (len >= 18 && data[12] == 0x81 && data[13] == 0x00)
		off = 16; /* one 802.1Q tag */
	if (len < off + 2 + 20 || data[off] != 0x08 || data[off + 1] != 0x00)
		return false;
	ip = data + off + 2;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || off + 2 + ihl > len)
		return false;
	if ((ip[1] & 3) == 0)
		return false; /* Not-ECT */
	if ((ip[1] & 3) == 3)
		return true; /* already CE */
	ip[1] |= 3;
	ip[10] = ip[11] = 0;
	uint16_t csum = ipv4_checksum(ip, ihl);

	ip[10] = csum >> 8;
	ip[11] = csum & 0xff;
	return true;
}

static enum verdict ecn_process(struct stage *st, struct port *port,
				struct frame *f, uint64_t now)
{
	struct ecn_config *ecn = st->state;
	uint64_t q = port->tx.c.queue_bytes;
	bool mark;

	(void)now;
	if (!ecn->enabled || q < ecn->kmin_bytes)
		return VERDICT_PASS;
	if (q >= ecn->kmax_bytes) {
		mark = true;
	} else {
		/* Linear ramp from 0 at kmin to pmax at kmax. */
		uint64_t p = (uint64_t)ecn->pmax_pct * 100 * (q - ecn->kmin_bytes) /
			     (ecn->kmax_bytes - ecn->kmin_bytes);

		mark = ecn_random_pct(ecn) < p;
	}
	if (mark && ecn_mark_ce(f->data, f->len))
		port->tx.c.ecn_marked++;
	return VERDICT_PASS;
}

struct stage ecn_stage(struct ecn_config *ecn)
{
	return (struct stage){
		.name = "ecn",
		.process = ecn_process,
		.cause = DROP_BUFFER, /* never drops */
		.state = ecn,
	};
}
