#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Traffic between two VMs through the fabric: run in both VMs of
# scripts/vm-run --vms 2 --addr. VM 0 serves, VM 1 pings it (IPv4 and
# IPv6) and runs iperf3 TCP and UDP against it; VM 0 reports whether the
# client's traffic reached it. Then, with no configuration but the
# fabric's, VM 0's port loses 5%, reorders 1% and duplicates 1% both ways
# while VM 1 sends it a TCP stream of known bytes (XPORT_MB MiB, seeded:
# VM 0 computes the sha256 they must have) and numbered datagrams: the
# stream arrives intact, every datagram once and in order, and the
# fabric's counters witness the loss and duplication. Then VM 1 powers
# off, and its NIC with it:
# VM 0 sends to the peer that is gone, and its connection must end in the
# error state within the retry budget (uapi/ainic-device.md §10.2-10.3:
# 12 timeouts, each RTO at most 1 s), told by nicctl conn show and
# nicctl monitor, and then free its slot (1 s hold-down). TWO_VMS_UDP_RATE is the UDP test's offered
# load (iperf3 -b; the debug lane's is lower: a one-vCPU KASAN guest cannot
# drain its socket at 20 Mbit/s, and what a socket drops is not the NIC's).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ "${AINIC_VMS:-1}" -lt 2 ] || [ -z "${NETIF:-}" ]; then
	ktap_skip_all "needs scripts/vm-run --vms 2 --addr"
	exit "$KSFT_SKIP"
fi
server_v4=192.0.2.1 server_v6=2001:db8::1
udp_rate=${TWO_VMS_UDP_RATE:-20M}
tool=$(dirname "$(readlink -f "$0")")/dgram.py
mb=${XPORT_MB:-256} dgrams=$(( ${XPORT_DGRAMS:-20000} / 4 )) pps=${XPORT_PPS:-2000}
seed=42
# Room for the 2 MiB UDP socket buffers below, on both ends
sysctl -qw net.core.rmem_max=4194304 net.core.wmem_max=4194304

if [ "$AINIC_VM" = 0 ]; then
	ktap_set_plan 8
	rx0=$(cat "/sys/class/net/$NETIF/statistics/rx_bytes")
	sock0=$(nstat -az -j UdpRcvbufErrors | jq '.kernel.UdpRcvbufErrors')
	# Two one-off servers in turn: TCP, then UDP; give up after 5 min.
	timeout 300 iperf3 -s -1 -B "$server_v4" >/dev/null 2>&1
	ktap_expect "served the TCP test" $?
	timeout 300 iperf3 -s -1 -B "$server_v4" >/dev/null 2>&1
	rc=$?
	rx1=$(cat "/sys/class/net/$NETIF/statistics/rx_bytes")
	sock1=$(nstat -az -j UdpRcvbufErrors | jq '.kernel.UdpRcvbufErrors')
	ktap_print_msg "received $((rx1 - rx0)) bytes; the UDP socket dropped $((sock1 - sock0)) datagrams for want of buffer"
	[ $rc -eq 0 ] && [ $((rx1 - rx0)) -gt 1000000 ]
	ktap_expect "served the UDP test, and the traffic arrived" $?

	# Reliable delivery through an impaired fabric, nothing configured
	port=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $4 }')
	tmp=$(mktemp -d)
	trap 'fabricctl set "$port" impair both off >/dev/null 2>&1; rm -rf "$tmp"' EXIT
	sysctl -qw net.core.rmem_max=8388608    # dgram.py asks 8 MiB
	fab() { fabricctl json show "$port" | head -1; }
	fabricctl set "$port" impair both loss 5 reorder 1 300 dup 1 seed 42 >/dev/null ||
		ktap_exit_fail_msg "the fabric refused the impairments"
	f0=$(fab)
	python3 "$tool" recv 5555 "$dgrams" 120 >"$tmp/recv.out" 2>"$tmp/recv.err" &
	recv=$!
	for ((t = 0; t < 200; t++)); do grep -q ready "$tmp/recv.err" && break; sleep 0.1; done
	# VM 1 sends its stream once the sink listens, then the datagrams
	got=$(timeout 900 python3 "$tool" sink 5556)
	want=$(python3 "$tool" expect "$mb" "$seed")
	wait "$recv"
	r=$(cat "$tmp/recv.out")
	f1=$(fab)
	fabricctl set "$port" impair both off >/dev/null
	ktap_print_msg "TCP from VM 1: received $got, its bytes make $want"
	[ -n "$got" ] && [ "$(jq -r .sha256 <<<"$got")" = "$(jq -r .sha256 <<<"$want")" ]
	ktap_expect "TCP, $mb MiB from the other VM through 5% loss, 1% reordering, 1% duplication: the sha256 of what it sent" $?
	ktap_print_msg "UDP from VM 1, $dgrams datagrams at $pps/s: $r"
	[ "$(jq -r .lost <<<"$r")" = 0 ] && [ "$(jq -r .dup <<<"$r")" = 0 ] &&
		[ "$(jq -r .ooo <<<"$r")" = 0 ]
	ktap_expect "UDP from the other VM through the impairments: none lost, duplicated or out of order" $?
	lost=$(( $(jq '.rx.drops.loss + .tx.drops.loss' <<<"$f1") - $(jq '.rx.drops.loss + .tx.drops.loss' <<<"$f0") ))
	dups=$(( $(jq '.rx.duplicated + .tx.duplicated' <<<"$f1") - $(jq '.rx.duplicated + .tx.duplicated' <<<"$f0") ))
	ktap_print_msg "the fabric dropped $lost and duplicated $dups frames on port $port meanwhile"
	[ "$lost" -gt 0 ] && [ "$dups" -gt 0 ]
	ktap_expect "the fabric's counters show the loss and duplication happened" $?

	# The peer gone: the fabric (the witness) says when VM 1's NIC left.
	client_v4=192.0.2.17
	peer=$(ip -j neigh show "$client_v4" dev "$NETIF" | jq -r '.[0].lladdr // empty')
	fport=$(fabricctl json mac-table | jq -r --arg m "$peer" 'select(.mac == $m) | .port' | head -1)
	ktap_print_msg "VM 1's NIC: $peer on fabric port ${fport:-?}"
	for ((t = 0; t < 600; t++)); do
		[ -n "$fport" ] || break
		[ "$(fabricctl json show "$fport" | head -1 | jq -r .peer)" = none ] && break
		sleep 1
	done
	xstat() { ethtool -S "$NETIF" | awk -v n="$1:" '$1 == n { print $2 }'; }
	ex0=$(xstat xport_retry_exhausted)
	mon=$(mktemp)
	nicctl -j monitor >"$mon" 2>"$mon.err" &
	monpid=$!
	sleep 1
	ip neigh replace "$client_v4" lladdr "$peer" dev "$NETIF" nud permanent
	# Pings keep the connection busy: after each error and hold-down the
	# next incarnation fails again, so nicctl conn show, which a slow VM
	# runs only a few times a second, gets more than one 1 s window.
	t0=$SECONDS
	ping -q -i 0.5 -W 1 "$client_v4" >/dev/null 2>&1 &
	pinger=$!
	heard= shown=
	while [ $((SECONDS - t0)) -lt 40 ]; do
		[ -n "$heard" ] || ! grep -q '"error"' "$mon" || heard=$((SECONDS - t0))
		[ -n "$shown" ] ||
			! nicctl conn show dev "$NETIF" peer "$peer" 2>/dev/null | grep -q "state error" ||
			shown=$((SECONDS - t0))
		[ -z "$heard" ] || [ -z "$shown" ] || break
	done
	kill "$pinger"
	wait "$pinger" 2>/dev/null
	ktap_print_msg "the gone peer: error told by nicctl monitor after ${heard:-(never) }s, shown by nicctl conn show after ${shown:-(never) }s"
	n=$(jq -c --arg m "$peer" 'select(.event == "conn-change" and .state == "error" and .peer == $m)' \
		"$mon" | wc -l)
	[ "$n" -ge 1 ] || { sed 's/^/# monitor: /' "$mon" "$mon.err" | tail -20; }
	[ -n "$peer" ] && [ -n "$fport" ] && [ "$n" -ge 1 ] && [ -n "$heard" ] && [ "$heard" -le 20 ]
	ktap_expect "peer gone: nicctl monitor told the error within the retry budget (12 s, 8 s margin)" $?
	[ -n "$shown" ]
	ktap_expect "peer gone: nicctl conn show shows the connection in error" $?
	# The last incarnation ends too (its retry budget, then the hold-down)
	for ((t = 0; t < 60; t++)); do
		left=$(nicctl -j conn show dev "$NETIF" peer "$peer" | jq 'length')
		[ "$left" != 0 ] || break
		sleep 0.5
	done
	kill "$monpid" 2>/dev/null
	wait "$monpid" 2>/dev/null
	ex1=$(xstat xport_retry_exhausted)
	ktap_print_msg "afterwards: $left connections to it; retry-exhausted $ex0 -> $ex1"
	[ "$left" = 0 ] && [ "$ex1" -gt "$ex0" ]
	ktap_expect "peer gone: its slot is freed after the hold-down, retry exhaustion counted" $?
	rm -f "$mon" "$mon.err"
	ktap_finished
fi

ktap_set_plan 6
for ((t = 0; t < 60; t++)); do
	ping -q -c 1 -W 1 "$server_v4" >/dev/null && break
done
ping -q -c 5 -i 0.2 "$server_v4" >/dev/null
ktap_expect "IPv4 ping to the other VM" $?
ping -6 -q -c 5 -i 0.2 "$server_v6" >/dev/null
ktap_expect "IPv6 ping to the other VM" $?
for ((t = 0; t < 100; t++)); do
	out=$(iperf3 -c "$server_v4" -t 4 -J 2>/dev/null) && break
	sleep 0.2
done
bps=$(echo "$out" | jq '.end.sum_received.bits_per_second // 0')
ktap_print_msg "TCP: $(awk -v b="$bps" 'BEGIN { printf "%.3f Gbit/s", b / 1e9 }')"
awk -v b="$bps" 'BEGIN { exit !(b > 1e6) }'
ktap_expect "iperf3 TCP to the other VM" $?
for ((t = 0; t < 100; t++)); do
	out=$(iperf3 -c "$server_v4" -u -b "$udp_rate" -l 1400 -w 2M -t 4 -J 2>/dev/null) && break
	sleep 0.2
done
lost=$(echo "$out" | jq '.end.sum.lost_packets // -1')
total=$(echo "$out" | jq '.end.sum.packets // 0')
ktap_print_msg "UDP: $lost of $total datagrams lost"
[ "$total" -gt 500 ] && [ "$lost" -ge 0 ] && [ $((lost * 100)) -le "$total" ]
ktap_expect "iperf3 UDP to the other VM, at most 1% lost" $?
# The stream of known bytes once VM 0's sink listens (VM 0 checks it)
sent=
for ((t = 0; t < 600; t++)); do
	sent=$(python3 "$tool" source "$server_v4" 5556 "$mb" "$seed" 2>/dev/null) && break
	sent=
	sleep 0.5
done
ktap_print_msg "TCP to VM 0 through its impaired port: sent ${sent:-nothing}"
[ -n "$sent" ]
ktap_expect "TCP, $mb MiB to the other VM: the sink took all of it" $?
python3 "$tool" send "$server_v4" 5555 "$dgrams" "$pps"
ktap_expect "$dgrams numbered datagrams sent to the other VM" $?
ktap_finished
