#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ping over the NIC under test, IPv4 and IPv6, both ways, at MTU 1500 and
# 9000 with the largest unfragmented payload (don't-fragment set). Needs the
# drivers/net layout (scripts/vm-run --remote-netns).

. "$(dirname "$0")/lib.sh"

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 8
rif=$(remote_ifname)

set_mtu() {
	ip link set dev "$NETIF" mtu "$1" && ip -n "$REMOTE_ARGS" link set dev "$rif" mtu "$1"
}
local_ping() { ping -q -c 5 -i 0.2 -W 5 "$@" >/dev/null; }
remote_ping() { ip netns exec "$REMOTE_ARGS" ping -q -c 5 -i 0.2 -W 5 "$@" >/dev/null; }

# Neighbour resolution may take the first packet's time: warm up first.
ping -q -c 1 -W 5 "$REMOTE_V4" >/dev/null
ping -q -c 1 -W 5 "$REMOTE_V6" >/dev/null

local_ping "$REMOTE_V4"; ktap_expect "IPv4 local -> remote" $?
remote_ping "$LOCAL_V4"; ktap_expect "IPv4 remote -> local" $?
local_ping -6 "$REMOTE_V6"; ktap_expect "IPv6 local -> remote" $?
remote_ping -6 "$LOCAL_V6"; ktap_expect "IPv6 remote -> local" $?

for mtu in 1500 9000; do
	if ! set_mtu "$mtu"; then
		ktap_test_fail "MTU $mtu accepted on both ends"
		ktap_test_fail "MTU $mtu: IPv6 payload"
		continue
	fi
	# 28 and 48 bytes of IPv4/ICMP and IPv6/ICMPv6 headers fill the MTU.
	local_ping -M do -s $((mtu - 28)) "$REMOTE_V4" &&
		remote_ping -M do -s $((mtu - 28)) "$LOCAL_V4"
	ktap_expect "MTU $mtu: $((mtu - 28))-byte IPv4 payload both ways, unfragmented" $?
	local_ping -6 -M do -s $((mtu - 48)) "$REMOTE_V6"
	ktap_expect "MTU $mtu: $((mtu - 48))-byte IPv6 payload, unfragmented" $?
done
set_mtu 1500
ktap_finished
