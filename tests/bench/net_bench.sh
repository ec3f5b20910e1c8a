#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/bench: iperf3 TCP (1 and 4 streams) and ping RTT
# from the root namespace to netns "remote" over the NIC under test, at the
# MTU given as $1. Writes one JSON object to /mnt/share/result.json.
set -u
mtu=${1:-1500}
secs=${BENCH_SECONDS:-10}
[ -n "${NETIF:-}" ] || { echo "needs scripts/vm-run --remote-netns" >&2; exit 1; }
# remote_ifname(), shared with the kselftests
. "$(dirname "$0")/../ainic/lib.sh"
rif=$(remote_ifname)
ip link set dev "$NETIF" mtu "$mtu" && ip -n "$REMOTE_ARGS" link set dev "$rif" mtu "$mtu" || exit 1
ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null || { echo "no connectivity" >&2; exit 1; }

tcp() {
	ip netns exec "$REMOTE_ARGS" iperf3 -s -1 -B "$REMOTE_V4" >/dev/null 2>&1 &
	sleep 0.5
	iperf3 -c "$REMOTE_V4" -t "$secs" -O 1 -J "$@" | jq '.end.sum_received.bits_per_second'
	wait
}
tcp1=$(tcp)
tcp4=$(tcp -P 4)
rtt=$(ping -q -c 100 -i 0.02 "$REMOTE_V4" | awk -F/ '/^rtt/ { print $5 }')
printf '{"mtu": %s, "tcp1_bps": %s, "tcp4_bps": %s, "rtt_ms": %s}\n' \
	"$mtu" "${tcp1:-null}" "${tcp4:-null}" "${rtt:-null}" | tee /mnt/share/result.json
