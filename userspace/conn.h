/* SPDX-License-Identifier: GPL-2.0 */
/* nicctl: the "conn" object, and the connection record monitor shares. */
#ifndef NICCTL_CONN_H
#define NICCTL_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

#include <linux/ainic.h>

/* One connection as the kernel reported it (conn-get or conn-change-ntf) */
struct conn_info {
	uint64_t have;		/* bit n: attribute AINIC_A_CONN_n was present */
	uint32_t index;		/* the device's */
	uint32_t ifindex;
	uint32_t id;
	uint8_t peer[6];
	uint32_t state;
	uint32_t tx_incarnation;
	uint32_t rx_incarnation;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t rto_us;
	uint32_t retries;
	uint32_t staged;
	bool added;
	uint32_t stats_have;	/* bit n: AINIC_A_CONN_STATS_n present */
	uint64_t stats[AINIC_A_CONN_STATS_MAX + 1];
};

#define CONN_HAS(c, attr) (((c)->have >> (attr)) & 1)

/* Parse a conn-get reply or conn-change-ntf: 0, or -1 after printing why */
int conn_parse(const struct nlmsghdr *nlh, struct conn_info *conn);

/* A conn-change notification: one text line, or one JSON object. */
void conn_print_ntf(const struct conn_info *conn);

/* "idle", "syn-sent", "established", "error", "free" */
const char *conn_state_str(uint32_t state);

int do_conn(int argc, char **argv);

#endif
