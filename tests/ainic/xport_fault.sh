#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The device's transport faults (uapi/ainic-device.md appendix A) under
# TCP streams from the local NIC to the remote one, each checked by the
# sha256 both ends compute:
#  - xport-ack-drop: the local device discards 200 of the ACKs arriving
#    for its data (one in two) and its transport recovers by itself;
#  - xport-timer-stuck: the local device's retransmit timer sticks while
#    the fabric loses everything the local NIC sends, so only a timeout
#    can recover, and the retransmit watchdog (§10.3) must fire it.
# The witnesses: nicfault's count of what the device injected, and the
# fabric's count of the frames it lost. Needs scripts/vm-run
# --remote-netns on the fabric. XPORT_FAULT_MB sizes each stream (default
# 16, at least 8: enough ACKs for the 400 the first part needs, §10.4
# acknowledges every 8 DATA packets at least).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ] ||
   [ ! -e /dev/virtio-ports/ainic.fabric ] ||
   [ ! -e /dev/virtio-ports/ainic.qmp ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns on the fabric (and nicfault)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 7
tool=$(dirname "$(readlink -f "$0")")/dgram.py
nic=$(ainic_nic_of_bdf "$(basename "$(readlink -f "/sys/class/net/$NETIF/device")")") ||
	ktap_exit_fail_msg "$NETIF is none of vm-run's NICs"
port=$(echo "$AINIC_NICS" | cut -d';' -f"$((nic + 1))" | awk '{ print $4 }')
mb=${XPORT_FAULT_MB:-16}
[ "$mb" -ge 8 ] || { ktap_print_msg "XPORT_FAULT_MB=$mb raised to 8"; mb=8; }
drops=200 stuck_ms=3000
tmp=$(mktemp -d)
trap 'nicfault "$nic" off >/dev/null 2>&1
      fabricctl set "$port" impair rx off >/dev/null 2>&1; rm -rf "$tmp"' EXIT

fired() { nicfault "$nic" fired | awk '{ print $NF }'; }
xstat() { ainic_ethtool_stat "$NETIF" "$1"; }
lost() { fabricctl json show "$port" | head -1 | jq -r .rx.drops.loss; }
# stream_start NAME PORT: MB MiB from here to a sink in the remote netns
stream_start() {
	ainic_remote_bg "$tmp" "$1-sink" python3 "$tool" sink "$2" || return 1
	python3 "$tool" source "$REMOTE_V4" "$2" "$mb" >"$tmp/$1-source.out" &
	src_pid=$!
}
# stream_done NAME: it ended, with the same sha256 at both ends
stream_done() {
	local src sink
	wait "$src_pid" || return 1
	wait
	src=$(cat "$tmp/$1-source.out") sink=$(cat "$tmp/$1-sink.out")
	ktap_print_msg "sent $src, received $sink"
	[ -n "$src" ] && [ "$(jq -r .sha256 <<<"$src")" = "$(jq -r .sha256 <<<"$sink")" ]
}

ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null || ktap_exit_fail_msg "no traffic to start with"
[ -n "$(xstat xport_timer_recovered)" ] ||
	ktap_exit_fail_msg "ethtool -S $NETIF has no xport_timer_recovered"
nicfault "$nic" off >/dev/null || ktap_exit_fail_msg "nicfault cannot reach NIC $nic"

# 1-3. ACKs lost inside the device, one in two, while a stream runs
f0=$(fired) ex0=$(xstat xport_retry_exhausted)
nicfault "$nic" "xport-ack-drop:$drops:2" >/dev/null ||
	ktap_exit_fail_msg "the device refused xport-ack-drop (a QEMU without the transport faults?)"
stream_start ackdrop 5561 || ktap_exit_fail_msg "the sink did not start"
stream_done ackdrop
ktap_expect "TCP, $mb MiB with $drops ACKs dropped in the device: the same sha256 at both ends" $?
# Every ACK of the stream has arrived by now; a slow guest may lag
for ((t = 0; t < 25; t++)); do
	n=$(( $(fired) - f0 ))
	[ "$n" -lt "$drops" ] || break
	sleep 0.2
done
ktap_print_msg "the device dropped $n ACKs"
[ "$n" -eq "$drops" ]
ktap_expect "the device dropped exactly the $drops ACKs armed (x-fault-fired)" $?
# The transport recovered, not TCP after the connection failed (§10.2)
[ "$(xstat xport_retry_exhausted)" -eq "$ex0" ]
ktap_expect "the transport recovered without reaching its retry limit" $?

# 4-7. A stuck retransmit timer while nothing the local NIC sends arrives.
# The fault is armed after the loss starts, so the arming that takes it
# (the stream's first packet, or anything else sent to the peer) is of a
# packet that is lost: its timeout must fire, and only the watchdog can
# fire it within the fault's 3 s, at most 200 ms after its deadline
# (a few ms: the RTO of a short RTT). Deterministic: the scan is the
# device's, on its own clock; this waits only for what the device did.
f1=$(fired) r0=$(xstat xport_timer_recovered) l0=$(lost)
fabricctl set "$port" impair rx loss 100 >/dev/null ||
	ktap_exit_fail_msg "the fabric refused the loss"
nicfault "$nic" "xport-timer-stuck:1:$stuck_ms" >/dev/null ||
	ktap_exit_fail_msg "the device refused xport-timer-stuck"
stream_start stuck 5562 || ktap_exit_fail_msg "the sink did not start"
for ((t = 0; t < 200; t++)); do
	[ "$(xstat xport_timer_recovered)" -gt "$r0" ] && break
	sleep 0.1
done
fabricctl set "$port" impair rx off >/dev/null
r1=$(xstat xport_timer_recovered)
ktap_print_msg "the watchdog fired $(( r1 - r0 )) stuck timeouts"
[ "$r1" -gt "$r0" ]
ktap_expect "the watchdog fired the stuck retransmit timer (xport_timer_recovered)" $?
stream_done stuck
ktap_expect "TCP, $mb MiB started while the timer was stuck: the same sha256 at both ends" $?
n=$(( $(fired) - f1 ))
[ "$n" -eq 1 ]
ktap_expect "the device stuck one connection's timer (x-fault-fired +$n)" $?
[ "$(lost)" -gt "$l0" ]
ktap_expect "the fabric lost the local NIC's frames meanwhile" $?
# No control run without the fault here: in a VM a host that stalls
# QEMU's main loop for 100 ms would count; tests/unit/test_xport.c holds
# the control (timer_healthy_watchdog_counts_nothing).
ktap_finished
