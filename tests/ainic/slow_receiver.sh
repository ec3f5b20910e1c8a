#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A slow receiver loses nothing (uapi/ainic-device.md §10.4, receiver not
# ready): the remote NIC's RX ring is the smallest the device takes and
# its NAPI runs in threads that a real-time CPU hog starves for a while,
# so the ring fills while numbered UDP datagrams keep coming. The device
# must answer RNR and the sender retry until the host posts buffers
# again: the application counts every datagram once and in order. Needs
# the drivers/net layout (scripts/vm-run --remote-netns). XPORT_DGRAMS
# and XPORT_PPS size it (a quarter of the datagrams reliable.sh sends, at
# least 1000).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 2
tool=$(dirname "$(readlink -f "$0")")/dgram.py
dgrams=$(( ${XPORT_DGRAMS:-20000} / 4 )) pps=${XPORT_PPS:-2000}
[ "$dgrams" -ge 1000 ] || dgrams=1000
rif=$(remote_ifname)
rsys=/sys/class/net/$rif
rx_was=$(ip netns exec "$REMOTE_ARGS" ethtool -g "$rif" |
	 awk '/^Current/ { c = 1 } c && /^RX:/ { print $2; exit }')
tmp=$(mktemp -d)
hog=
rt_was=$(cat /proc/sys/kernel/sched_rt_runtime_us)
cleanup() {
	[ -z "$hog" ] || kill "$hog" 2>/dev/null
	echo "$rt_was" >/proc/sys/kernel/sched_rt_runtime_us
	ip netns exec "$REMOTE_ARGS" sh -c "echo 0 >$rsys/threaded" 2>/dev/null
	ip netns exec "$REMOTE_ARGS" ethtool -G "$rif" rx "$rx_was" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# The application's socket must not be what drops (8 MiB, dgram.py asks).
sysctl -qw net.core.rmem_max=8388608

ip netns exec "$REMOTE_ARGS" ethtool -G "$rif" rx 64 &&
	ip netns exec "$REMOTE_ARGS" sh -c "echo 1 >$rsys/threaded" ||
	ktap_exit_fail_msg "cannot shrink $rif's RX ring or thread its NAPI"
# Every NAPI thread of the remote NIC on the last CPU, where the hog runs;
# the applications on CPU 0.
[ "$(nproc)" -ge 2 ] || ktap_exit_fail_msg "needs two CPUs (vm-run gives two)"
cpu=$(( $(nproc) - 1 ))
for p in $(pgrep "^napi/$rif-"); do taskset -pc "$cpu" "$p" >/dev/null; done
ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null || ktap_exit_fail_msg "no traffic to start with"
rnr0=$(ainic_ethtool_stat "$NETIF" xport_rnr_rcvd)

ainic_remote_bg "$tmp" recv taskset -c 0 python3 "$tool" recv 5565 "$dgrams" 30 ||
	ktap_exit_fail_msg "the receiver did not start"
# Starve the NAPI threads while the sender runs: the hog at real-time
# priority, and RT throttling leaving the others 1% of the CPU (a bound:
# timeout stops the hog, from outside, should this script not).
echo 990000 >/proc/sys/kernel/sched_rt_runtime_us
timeout 120 taskset -c "$cpu" chrt -f 50 sh -c 'while :; do :; done' &
hog=$!
taskset -c 0 python3 "$tool" send "$REMOTE_V4" 5565 "$dgrams" "$pps"
kill "$hog"
wait "$hog" 2>/dev/null
hog=
echo "$rt_was" >/proc/sys/kernel/sched_rt_runtime_us
wait
r=$(cat "$tmp/recv.out")
rnr1=$(ainic_ethtool_stat "$NETIF" xport_rnr_rcvd)
ktap_print_msg "UDP, $dgrams datagrams at $pps/s to a starved receiver: $r; RNR answers $rnr0 -> $rnr1"
[ "$(jq -r .lost <<<"$r")" = 0 ] && [ "$(jq -r .dup <<<"$r")" = 0 ] &&
	[ "$(jq -r .ooo <<<"$r")" = 0 ]
ktap_expect "a receiver whose ring filled lost nothing, duplicated nothing, reordered nothing" $?
[ -n "$rnr1" ] && [ "$rnr1" -gt "$rnr0" ]
ktap_expect "its NIC told the sender it was not ready (RNR), and the sender waited" $?
ktap_finished
