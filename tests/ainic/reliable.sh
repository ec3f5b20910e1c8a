#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reliable delivery (uapi/ainic-device.md §10) through a fabric that loses
# 5%, reorders 1% and duplicates 1% of the frames in both directions of the
# local NIC's port: numbered UDP datagrams arrive all, once and in order;
# a TCP stream arrives with the sha256 it was sent with, also across a
# 2 s link outage. The fabric's own counters witness that the impairments
# happened; the applications' counts are the expectation. Needs the
# drivers/net layout on the fabric (scripts/vm-run --remote-netns).
# XPORT_DGRAMS, XPORT_PPS and XPORT_MB size it (the debug lane's smaller).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ] ||
   [ ! -e /dev/virtio-ports/ainic.fabric ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns on the fabric"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 6
dir=$(dirname "$(readlink -f "$0")")
tool=$dir/dgram.py
port=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $4 }')
dgrams=${XPORT_DGRAMS:-20000} pps=${XPORT_PPS:-2000} mb=${XPORT_MB:-256}
tmp=$(mktemp -d)
trap 'fabricctl set "$port" impair both off >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# remote_bg NAME CMD...: CMD in the remote netns, its stdout in $tmp/NAME.out
remote_bg() { ainic_remote_bg "$tmp" "$@"; }
fab() { fabricctl json show "$port" | head -1; }
field() { jq -r "$1" <<<"$2"; }

# The applications' sockets must not be what drops (dgram.py asks 8 MiB)
sysctl -qw net.core.rmem_max=8388608
sockdrops() { ip netns exec "$1" nstat -az -j UdpRcvbufErrors | jq '.kernel.UdpRcvbufErrors'; }
ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null || ktap_exit_fail_msg "no traffic to start with"
fabricctl set "$port" impair both loss 5 reorder 1 300 dup 1 seed 42 >/dev/null ||
	ktap_exit_fail_msg "the fabric refused the impairments"
f0=$(fab)

# 1. Datagrams: all, once, in order
sd0=$(sockdrops "$REMOTE_ARGS")
remote_bg recv python3 "$tool" recv 5555 "$dgrams" 15 ||
	ktap_exit_fail_msg "the receiver did not start"
python3 "$tool" send "$REMOTE_V4" 5555 "$dgrams" "$pps"
wait
r=$(cat "$tmp/recv.out")
ktap_print_msg "UDP, $dgrams datagrams at $pps/s: $r; the receiving socket dropped $(( $(sockdrops "$REMOTE_ARGS") - sd0 ))"
[ "$(field .lost "$r")" = 0 ] && [ "$(field .dup "$r")" = 0 ] &&
	[ "$(field .ooo "$r")" = 0 ]
ktap_expect "UDP through 5% loss, 1% reordering, 1% duplication: none lost, duplicated or out of order" $?

# 2. The witness: the fabric did lose and duplicate frames meanwhile
f1=$(fab)
lost=$(( $(field '.rx.drops.loss + .tx.drops.loss' "$f1") - $(field '.rx.drops.loss + .tx.drops.loss' "$f0") ))
dups=$(( $(field '.rx.duplicated + .tx.duplicated' "$f1") - $(field '.rx.duplicated + .tx.duplicated' "$f0") ))
ktap_print_msg "the fabric dropped $lost and duplicated $dups frames on port $port"
[ "$lost" -gt 0 ] && [ "$dups" -gt 0 ]
ktap_expect "the fabric's counters show the loss and duplication happened" $?

# 3. A TCP stream arrives intact
stream() {
	remote_bg sink python3 "$tool" sink 5556 || return 1
	python3 "$tool" source "$REMOTE_V4" 5556 "$1" >"$tmp/source.out" &
	local src=$!
	if [ -n "${2:-}" ]; then
		# The outage begins once the stream does (the sink accepted).
		for ((t = 0; t < 300; t++)); do
			grep -q connected "$tmp/sink.err" && break
			sleep 0.05
		done
		# (taken before the command: the link goes down after it)
		down_at=$EPOCHREALTIME
		fabricctl set "$port" link down-for "$2" >/dev/null
	fi
	wait "$src" || return 1
	# The source ends when the sink has closed: after the link is up again
	# if the outage met the stream.
	done_at=$EPOCHREALTIME
	wait
	ktap_print_msg "sent $(cat "$tmp/source.out"), received $(cat "$tmp/sink.out")"
	[ "$(field .sha256 "$(cat "$tmp/source.out")")" = \
	  "$(field .sha256 "$(cat "$tmp/sink.out")")" ]
}
stream "$mb"
ktap_expect "TCP, $mb MiB through the impairments: the same sha256 at both ends" $?

# 4. ... and across a 2 s outage of the link
stream "$(( mb / 2 > 8 ? mb / 2 : 8 ))" 2000
rc=$?
f2=$(fab)
down=$(( $(field '.rx.drops.link_down + .tx.drops.link_down' "$f2") -
	 $(field '.rx.drops.link_down + .tx.drops.link_down' "$f1") ))
# The fabric mirrors its link state to the NICs, which then stop sending:
# few frames, often none, meet the down link itself. The witness that the
# outage met the stream is the stream's end: 2 s or more after it began.
after=$(awk -v a="$down_at" -v b="$done_at" 'BEGIN { printf "%.1f", b - a }')
ktap_print_msg "the stream ended ${after}s after the link went down for 2 s; the fabric dropped $down frames meanwhile"
[ $rc -eq 0 ] && awk -v t="$after" 'BEGIN { exit !(t >= 1.95) }'
ktap_expect "TCP across a 2 s link outage (it ended after the link came back): the same sha256 at both ends" $?

# 5. Clean again: plain traffic as before
fabricctl set "$port" impair both off >/dev/null
ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null
ktap_expect "traffic without impairments afterwards" $?

# 6. The other direction too: remote -> local datagrams
fabricctl set "$port" impair both loss 5 reorder 1 300 dup 1 seed 7 >/dev/null
python3 "$tool" recv 5557 "$(( dgrams / 4 ))" 15 >"$tmp/lrecv.out" 2>"$tmp/lrecv.err" &
for ((t = 0; t < 100; t++)); do grep -q ready "$tmp/lrecv.err" && break; sleep 0.1; done
ip netns exec "$REMOTE_ARGS" python3 "$tool" send "$LOCAL_V4" 5557 "$(( dgrams / 4 ))" "$pps"
wait
r=$(cat "$tmp/lrecv.out")
ktap_print_msg "UDP remote -> local: $r"
[ "$(field .lost "$r")" = 0 ] && [ "$(field .dup "$r")" = 0 ] &&
	[ "$(field .ooo "$r")" = 0 ]
ktap_expect "UDP remote -> local through the impairments: none lost, duplicated or out of order" $?
ktap_finished
