#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link down/up from the fabric's control interface: the carrier of the NIC
# on that switch port follows, traffic stops while down and resumes after.
# Needs the drivers/net layout on the fabric (scripts/vm-run --remote-netns).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ] ||
   [ ! -e /dev/virtio-ports/ainic.fabric ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns on the fabric"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 4
port=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $4 }')

# wait_carrier VALUE: up to 10 s for NETIF's carrier to read VALUE.
wait_carrier() {
	for ((t = 0; t < 100; t++)); do
		[ "$(cat "/sys/class/net/$NETIF/carrier" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

ping -q -c 2 -W 5 "$REMOTE_V4" >/dev/null || ktap_exit_fail_msg "no traffic to start with"
fabricctl set "$port" link down >/dev/null && wait_carrier 0
ktap_expect "fabric port $port down: carrier off" $?
# While down, nothing crosses: the switch port's counters (the witness)
# and the NIC's own stay still although the stack tries to send.
fab_pkts() { fabricctl json show "$port" | head -1 | jq -r '.rx.packets + .tx.packets'; }
nic_pkts() { echo $(( $(cat "/sys/class/net/$NETIF/statistics/tx_packets") + $(cat "/sys/class/net/$NETIF/statistics/rx_packets") )); }
f0=$(fab_pkts) n0=$(nic_pkts)
ping -q -c 3 -i 0.2 -W 1 "$REMOTE_V4" >/dev/null 2>&1
prc=$?
f1=$(fab_pkts) n1=$(nic_pkts)
ktap_print_msg "while down: ping rc $prc, fabric port packets $f0 -> $f1, NIC packets $n0 -> $n1"
[ $prc -ne 0 ] && [ "$f1" = "$f0" ] && [ "$n1" = "$n0" ]
ktap_expect "no traffic while the link is down (fabric and NIC counters still)" $?
fabricctl set "$port" link up >/dev/null && wait_carrier 1
ktap_expect "fabric port $port up: carrier on" $?
ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null
ktap_expect "traffic resumes" $?
ktap_finished
