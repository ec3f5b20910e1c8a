#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reconfigure the NIC under test while iperf3 TCP runs through it:
# ethtool -L (channels), -G (rings) and MTU changes. After each change
# traffic resumes and the interface counters never went backwards. Needs
# the drivers/net layout (scripts/vm-run --remote-netns).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 10

stat() { cat "/sys/class/net/$NETIF/statistics/$1"; }
snap() { echo "$(stat rx_packets) $(stat tx_packets) $(stat rx_bytes) $(stat tx_bytes)"; }
# never_back OLD NEW: every counter in NEW >= the one in OLD.
never_back() {
	local -a a=($1) b=($2)
	for i in 0 1 2 3; do
		[ "${b[$i]}" -ge "${a[$i]}" ] || return 1
	done
}

ip netns exec "$REMOTE_ARGS" iperf3 -s -D -B "$REMOTE_V4" >/dev/null 2>&1
trap 'ip netns exec "$REMOTE_ARGS" pkill iperf3; kill $(jobs -p) 2>/dev/null' EXIT
sleep 0.5

# change DESC CMD...: run CMD while a 6 s iperf3 stream is going, then
# check that a fresh stream and a ping get through and nothing went back.
# ainic supports every change made here: a refusal is a failure.
change() {
	local desc=$1 before after rc
	shift
	iperf3 -c "$REMOTE_V4" -t 6 >/dev/null 2>&1 &
	sleep 2
	before=$(snap)
	if ! "$@" 2>"$TMPDIR/err"; then
		sed 's/^/# /' "$TMPDIR/err"
		wait
		ktap_test_fail "$desc"
		return
	fi
	wait
	ping -q -c 3 -W 10 "$REMOTE_V4" >/dev/null &&
		iperf3 -c "$REMOTE_V4" -t 2 >/dev/null 2>&1
	rc=$?
	after=$(snap)
	[ $rc -eq 0 ] && never_back "$before" "$after"
	ktap_expect "$desc: traffic resumes, counters monotonic" $?
}
TMPDIR=$(mktemp -d)

# ethtool_field SECTION FIELD OPTION: FIELD's value in SECTION ("Pre-set"
# or "Current") of `ethtool OPTION $NETIF`.
ethtool_field() {
	ethtool "$3" "$NETIF" 2>/dev/null |
		awk -v s="^$1" -v f="^$2:" '$0 ~ s { p = 1 } p && $0 ~ f { print $NF; exit }'
}
# The queue count vm-run gave the NIC under test (QEMU's queues property);
# the driver uses one queue pair per CPU at most.
queues=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $3 }')
cpus=$(nproc)
want=$((queues < cpus ? queues : cpus))
ktap_print_msg "NIC under test: $queues queue pairs configured, $cpus CPUs"

max=$(ethtool_field Pre-set Combined -l)
[ "$max" = "$want" ]
ktap_expect "ethtool -l: $max channels at most (QEMU's $queues, one per CPU)" $?
change "ethtool -L combined 1 under load" ethtool -L "$NETIF" combined 1
[ "$(ethtool_field Current Combined -l)" = 1 ] &&
	[ "$(ls -d /sys/class/net/"$NETIF"/queues/tx-* | wc -l)" = 1 ]
ktap_expect "ethtool -l and sysfs show 1 channel afterwards" $?
ethtool -L "$NETIF" combined "$want"

change "ethtool -G rx 256 tx 256 under load" ethtool -G "$NETIF" rx 256 tx 256
[ "$(ethtool_field Current RX -g)" = 256 ] && [ "$(ethtool_field Current TX -g)" = 256 ]
ktap_expect "ethtool -g shows 256/256 afterwards" $?

# A 9000-byte path needs the remote end at 9000 too; an unfragmented
# 8972-byte ping (9000 with its IP and ICMP headers) proves the new MTU.
rif=$(remote_ifname)
ip -n "$REMOTE_ARGS" link set dev "$rif" mtu 9000
change "MTU 9000 under load" ip link set dev "$NETIF" mtu 9000
ping -q -c 2 -W 10 -M do -s 8972 "$REMOTE_V4" >/dev/null
ktap_expect "an unfragmented 9000-byte ping crosses at MTU 9000" $?
change "MTU 1500 under load" ip link set dev "$NETIF" mtu 1500
ip -n "$REMOTE_ARGS" link set dev "$rif" mtu 1500
! ping -q -c 1 -W 2 -M do -s 8972 "$REMOTE_V4" >/dev/null 2>&1 &&
	ping -q -c 2 -W 10 -M do -s 1472 "$REMOTE_V4" >/dev/null
ktap_expect "back at MTU 1500: 1500-byte pings cross, 9000-byte ones are refused" $?
# At MTU 120 TCP's MSS (80) is below the device's TSO minimum (spec 7.2):
# the stack must segment itself, or nothing arrives.
ip -n "$REMOTE_ARGS" link set dev "$rif" mtu 120
ip link set dev "$NETIF" mtu 120
# A fixed amount, not a rate (the debug lane is slow; speed is the
# bench's business): 1 MiB with its sha256 checked at both ends.
tool=$(dirname "$(readlink -f "$0")")/dgram.py
ip netns exec "$REMOTE_ARGS" timeout 120 python3 "$tool" sink 5560 \
	>"$TMPDIR/sink.json" 2>"$TMPDIR/sink.err" &
for ((t = 0; t < 100; t++)); do grep -q ready "$TMPDIR/sink.err" 2>/dev/null && break; sleep 0.1; done
timeout 120 python3 "$tool" source "$REMOTE_V4" 5560 1 >"$TMPDIR/source.json"
rc=$?
wait
ip link set dev "$NETIF" mtu 1500
ip -n "$REMOTE_ARGS" link set dev "$rif" mtu 1500
sent=$(jq -r .sha256 "$TMPDIR/source.json" 2>/dev/null)
got=$(jq -r .sha256 "$TMPDIR/sink.json" 2>/dev/null)
ktap_print_msg "MTU 120: 1 MiB over TCP, source rc $rc, sha256 sent ${sent:-none}, received ${got:-none}"
[ $rc -eq 0 ] && [ -n "$sent" ] && [ "$sent" = "$got" ]
ktap_expect "MTU 120 (MSS below the TSO minimum): TCP still flows" $?
rm -rf "$TMPDIR"
ktap_finished
