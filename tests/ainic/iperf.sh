#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iperf3 TCP (1 and 4 streams, both directions) and UDP over the NIC under
# test, between the root namespace and netns "remote". Needs the drivers/net
# layout (scripts/vm-run --remote-netns).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 4
out=$(mktemp -d)
trap 'rm -rf "$out"; kill $(jobs -p) 2>/dev/null' EXIT

# iperf NAME ARGS...: one iperf3 run against a one-off server in the
# remote namespace; the client's JSON lands in $out/NAME.json.
iperf() {
	local name=$1
	shift
	ip netns exec "$REMOTE_ARGS" iperf3 -s -1 -B "$REMOTE_V4" >/dev/null 2>&1 &
	for ((t = 0; t < 50; t++)); do
		ip netns exec "$REMOTE_ARGS" ss -ltn | grep -q ":5201 " && break
		sleep 0.1
	done
	iperf3 -c "$REMOTE_V4" -t 4 -J "$@" >"$out/$name.json"
	local rc=$?
	wait
	return $rc
}

# jq_num NAME FILTER: a number from NAME's JSON.
jq_num() { jq -r "$2" "$out/$1.json"; }

# fabric_bytes DIR: bytes the fabric port of the NIC under test has seen
# in DIR ("rx": what the NIC sent; "tx": what it was given).
port=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $4 }')
fabric_bytes() {
	fabricctl json show "$port" | head -1 | jq -r ".$1.bytes"
}

# tcp_ok NAME DIR FABRIC0: the receiver got what the sender sent (iperf3's
# own counts: the server stops counting when the control connection says
# the test ended, so up to a socket buffer may still be in flight), and
# the NIC's fabric port carried at least that many bytes in DIR since
# FABRIC0 (the switch's count). Speed is for `make bench`, not a test.
tcp_ok() {
	local sent rcvd bps wire
	sent=$(jq_num "$1" '.end.sum_sent.bytes')
	rcvd=$(jq_num "$1" '.end.sum_received.bytes')
	bps=$(jq_num "$1" '.end.sum_received.bits_per_second')
	wire=$(( $(fabric_bytes "$2") - $3 ))
	ktap_print_msg "$1: $rcvd of $sent bytes received, $wire bytes on the wire, $(awk -v b="$bps" 'BEGIN { printf "%.3f Gbit/s", b / 1e9 }')"
	[ "$rcvd" -ge 1000000 ] && [ "$rcvd" -le "$sent" ] &&
		[ $((sent - rcvd)) -le 4194304 ] && [ "$wire" -ge "$rcvd" ]
}

f0=$(fabric_bytes rx)
iperf tcp1 && tcp_ok tcp1 rx "$f0"
ktap_expect "TCP, 1 stream, local -> remote" $?
f0=$(fabric_bytes rx)
iperf tcp4 -P 4 && tcp_ok tcp4 rx "$f0"
ktap_expect "TCP, 4 streams, local -> remote" $?
f0=$(fabric_bytes tx)
iperf tcp1r -R && tcp_ok tcp1r tx "$f0"
ktap_expect "TCP, 1 stream, remote -> local" $?

# A 2 MiB socket buffer rides out the receiver not being scheduled on a
# loaded host. (The limits are global, so they cover the remote namespace
# too.) Datagrams the receiving socket had no room for are the host's,
# counted by the remote's UDP RcvbufErrors; the rest of the loss is the
# NIC path's.
sysctl -qw net.core.rmem_max=4194304 net.core.wmem_max=4194304
rcvbuf_errors() {
	ip netns exec "$REMOTE_ARGS" nstat -asz UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" { n = $2 } END { print n + 0 }'
}
rcvbuf0=$(rcvbuf_errors)
iperf udp -u -b 20M -l 1400 -w 2M
rcvbuf=$(( $(rcvbuf_errors) - rcvbuf0 ))
lost=$(jq_num udp '.end.sum.lost_packets')
total=$(jq_num udp '.end.sum.packets')
ktap_print_msg "udp: $lost of $total datagrams lost, $rcvbuf of them at the full receive socket"
[ "$total" -gt 1000 ] && [ "$rcvbuf" -le "$lost" ] && [ $(((lost - rcvbuf) * 100)) -le "$total" ]
ktap_expect "UDP at 20 Mbit/s: at most 1% of datagrams lost on the NIC path" $?
ktap_finished
