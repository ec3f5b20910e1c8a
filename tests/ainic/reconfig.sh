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
ktap_set_plan 4

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
change() {
	local desc=$1 before after rc
	shift
	iperf3 -c "$REMOTE_V4" -t 6 >/dev/null 2>&1 &
	sleep 2
	before=$(snap)
	if ! "$@" 2>"$TMPDIR/err"; then
		if grep -qi "not supported" "$TMPDIR/err"; then
			wait
			ktap_test_skip "$desc (not supported by this NIC)"
			return
		fi
		cat "$TMPDIR/err" | sed 's/^/# /'
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

max=$(ethtool -l "$NETIF" 2>/dev/null | awk '/^Pre-set/ { p = 1 } p && /^Combined/ { print $2; exit }')
cur=$(ethtool -l "$NETIF" 2>/dev/null | awk '/^Current/ { p = 1 } p && /^Combined/ { print $2; exit }')
if [ -n "$max" ] && [ "$max" -gt 1 ]; then
	change "ethtool -L combined 1 under load" ethtool -L "$NETIF" combined 1
	ethtool -L "$NETIF" combined "${cur:-$max}" 2>/dev/null
else
	ktap_test_skip "ethtool -L: a single channel only"
fi
change "ethtool -G rx 256 tx 256 under load" ethtool -G "$NETIF" rx 256 tx 256
change "MTU 9000 under load" ip link set dev "$NETIF" mtu 9000
change "MTU 1500 under load" ip link set dev "$NETIF" mtu 1500
rm -rf "$TMPDIR"
ktap_finished
