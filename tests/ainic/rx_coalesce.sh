#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive coalescing (uapi/ainic-device.md §7.5, ethtool rx-gro-hw) on the
# receiving NIC (NIC 1, in netns "remote"): with rx-gro-hw on (the
# default), a TCP stream from the root namespace arrives with the sha256
# it was sent with, the device merged segments (its rx_coalesced_segs grew
# by more than its rx_coalesced_frames) and the driver saw each merged
# frame; the receiver's rx_packets still count the frames the fabric's
# port delivered to it (the switch's own count is the witness). With
# rx-gro-hw off nothing is merged; toggling it under traffic loses
# nothing. Needs the drivers/net layout on the fabric (scripts/vm-run
# --remote-netns). RXC_MB sizes the streams (default 16 MiB; the
# short ones a quarter of it).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ] ||
   [ ! -e /dev/virtio-ports/ainic.fabric ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns on the fabric"
	exit "$KSFT_SKIP"
fi
# The receiving NIC is the second one vm-run made (QEMU id ainic1)
[ "$(ainic_qom_get 1 rx-coalesce)" = true ] ||
	ktap_exit_fail_msg "QEMU's ainic1 does not announce receive coalescing (rx-coalesce=off?)"
ktap_set_plan 7
dir=$(dirname "$(readlink -f "$0")")
tool=$dir/dgram.py
mb=${RXC_MB:-16}
small=$(( mb / 4 > 1 ? mb / 4 : 1 ))
rif=$(remote_ifname)
rport=$(echo "$AINIC_NICS" | cut -d';' -f2 | awk '{ print $4 }')
tmp=$(mktemp -d)
trap 'ip netns exec "$REMOTE_ARGS" ethtool -K "$rif" rx-gro-hw on >/dev/null 2>&1; rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null' EXIT

remote() { ip netns exec "$REMOTE_ARGS" "$@"; }
field() { jq -r "$1" <<<"$2"; }
# rstat NAME: counter NAME of the receiver's ethtool -S (0 if absent)
rstat() {
	remote ethtool -S "$rif" 2>/dev/null |
		awk -v n="$1:" '$1 == n { v = $2 } END { print v + 0 }'
}
# rqsum SUFFIX: the receiver's per-queue counters rxN_SUFFIX, summed
rqsum() {
	remote ethtool -S "$rif" 2>/dev/null |
		awk -v s="_$1:" '$1 ~ /^rx[0-9]+_/ && substr($1, length($1) - length(s) + 1) == s { n += $2 }
		     END { print n + 0 }'
}
gro_hw() { remote ethtool -k "$rif" | awk '$1 == "rx-gro-hw:" { print $2 }'; }
# What the switch handed the receiver's port, and what the receiver's
# stack counted (received, or lost on the way in)
fab_given() { fabricctl json show "$rport" | head -1 | jq -r '.tx.packets'; }
rx_packets() { remote ip -j -s link show dev "$rif" | jq -r '.[0].stats64.rx.packets'; }
rx_lost() { remote ip -j -s link show dev "$rif" | jq -r '.[0].stats64.rx | .dropped + .missed + .errors'; }
# Frames for the receiver the device consumes itself (the transport's
# ACKs and NACKs, DATA copies it drops as duplicates or beyond its
# window, packets for no connection): the device's count widens what the
# fabric may carry beyond what the host sees, nothing else.
consumed() {
	echo $(( $(rstat xport_acks_rcvd) + $(rstat xport_nacks_rcvd) +
		 $(rstat xport_dup_dropped) + $(rstat xport_out_of_window) +
		 $(rstat xport_unknown_conn) + $(rstat xport_malformed) ))
}
SLACK_PKTS=20	# background IPv6 ND/MLD and ARP during a run

# stream MB [TOGGLE]: MB MiB from the root namespace to the remote one;
# with TOGGLE, rx-gro-hw is switched off and on while it runs. True when
# both ends computed the same sha256.
stream() {
	ainic_remote_bg "$tmp" sink python3 "$tool" sink 5571 || return 1
	python3 "$tool" source "$REMOTE_V4" 5571 "$1" >"$tmp/source.out" &
	local src=$! flips=0
	if [ -n "${2:-}" ]; then
		for ((t = 0; t < 300; t++)); do
			grep -q connected "$tmp/sink.err" && break
			sleep 0.05
		done
		while kill -0 "$src" 2>/dev/null; do
			remote ethtool -K "$rif" rx-gro-hw off || return 1
			sleep 0.2
			remote ethtool -K "$rif" rx-gro-hw on || return 1
			sleep 0.2
			flips=$((flips + 1))
		done
		ktap_print_msg "rx-gro-hw switched off and on $flips times during the stream"
	fi
	wait "$src" || return 1
	wait
	ktap_print_msg "sent $(cat "$tmp/source.out"), received $(cat "$tmp/sink.out")"
	[ "$(field .sha256 "$(cat "$tmp/source.out")")" = \
	  "$(field .sha256 "$(cat "$tmp/sink.out")")" ] &&
		[ "$(field .bytes "$(cat "$tmp/sink.out")")" = $(($1 << 20)) ]
}

ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null || ktap_exit_fail_msg "no traffic to start with"

# 1. On by default
[ "$(gro_hw)" = on ]
ktap_expect "rx-gro-hw is on by default on $rif" $?

# 2. A stream arrives intact, and the fabric's count of what it gave the
#    receiver matches the receiver's rx_packets
cf0=$(rstat rx_coalesced_frames) cs0=$(rstat rx_coalesced_segs) dq0=$(rqsum coal)
g0=$(fab_given) rx0=$(rx_packets) l0=$(rx_lost) c0=$(consumed)
stream "$mb"
ktap_expect "TCP, $mb MiB with rx-gro-hw on: the same sha256 at both ends" $?
sleep 1
given=$(( $(fab_given) - g0 )) rx=$(( $(rx_packets) - rx0 ))
lost=$(( $(rx_lost) - l0 )) cons=$(( $(consumed) - c0 ))
frames=$(( $(rstat rx_coalesced_frames) - cf0 )) segs=$(( $(rstat rx_coalesced_segs) - cs0 ))
drv=$(( $(rqsum coal) - dq0 ))
ktap_print_msg "fabric gave the receiver $given frames, the device consumed $cons itself; the receiver counted $rx received and $lost lost"
ktap_print_msg "the device merged $segs segments into $frames frames; the driver took $drv merged frames"

# 3. Coalescing happened, and the driver took every merged frame
[ "$frames" -gt 0 ] && [ "$segs" -gt "$frames" ] && [ "$drv" -eq "$frames" ]
ktap_expect "the device merged segments (rx_coalesced_segs grew by more than rx_coalesced_frames) and the driver took each merged frame" $?

# 4. rx_packets counts wire frames, not merged ones: every frame the switch
#    gave the port is counted once by the receiver, bar what the device
#    consumed itself
[ $((rx + lost)) -ge $((given - cons - SLACK_PKTS)) ] &&
	[ $((rx + lost)) -le $((given + SLACK_PKTS)) ]
ktap_expect "the receiver's rx_packets match the frames the fabric's port delivered" $?

# 5. Off: nothing merged, still intact
{ remote ethtool -K "$rif" rx-gro-hw off && [ "$(gro_hw)" = off ]; } ||
	ktap_exit_fail_msg "cannot turn rx-gro-hw off on $rif"
cf0=$(rstat rx_coalesced_frames) dq0=$(rqsum coal)
stream "$small"
rc=$?
frames=$(( $(rstat rx_coalesced_frames) - cf0 )) drv=$(( $(rqsum coal) - dq0 ))
ktap_print_msg "with rx-gro-hw off the device merged $frames frames, the driver took $drv"
[ $rc -eq 0 ] && [ "$frames" -eq 0 ] && [ "$drv" -eq 0 ]
ktap_expect "rx-gro-hw off: nothing merged, the same sha256 at both ends" $?
{ remote ethtool -K "$rif" rx-gro-hw on && [ "$(gro_hw)" = on ]; } ||
	ktap_exit_fail_msg "cannot turn rx-gro-hw on again on $rif"

# 6. Toggled under traffic: nothing lost or corrupted
stream "$mb" toggle
ktap_expect "TCP, $mb MiB while rx-gro-hw is toggled: the same sha256 at both ends" $?

# 7. And on again afterwards, it merges again
cf0=$(rstat rx_coalesced_frames)
stream "$small" && [ $(( $(rstat rx_coalesced_frames) - cf0 )) -gt 0 ]
ktap_expect "rx-gro-hw on again: segments are merged again" $?
ktap_finished
