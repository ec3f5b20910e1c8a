#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile driver (hostile.py) takes the second NIC from ainic.ko and
# abuses it: garbage in every register, handshake abuse, refused admin and
# event queue configurations, bogus doorbells, malformed admin commands,
# bad TX descriptors and RX buffers, 64 KiB TSO frames of the smallest mss
# and a storm of 100,000 doorbells. After each scenario QEMU must still run and
# the device answer; QEMU's guest-error log must explain every rejection.
# Then ainic.ko is reloaded: both devices probe (IDENTIFY, self test) and
# ping works between them again.
#
# Needs the drivers/net layout and QEMU's log:
#   scripts/vm-run --remote-netns --qemu-log -- \
#       make -C tests/ainic run_tests TEST_PROGS=hostile.sh

. "$(dirname "$0")/lib.sh"

TOOL=$(dirname "$0")/hostile.py
QEMU_LOG=${AINIC_QEMU_LOG:-/run/ainic/qemu.log}
SCENARIOS=${HOSTILE_SCENARIOS:-"registers handshake adminq-config doorbells admin-cmds selftest-regs
	data-tx data-rx link-reentrancy tso-spin reset-under-load doorbell-storm"}
SCENARIO_TIMEOUT=${HOSTILE_TIMEOUT:-300}

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns"
	exit "$KSFT_SKIP"
fi
ainic_ensure_loaded
# vm-run's layout has two ainic NICs: both must be bound.
if [ "$(ainic_expected_count)" -ne 2 ] || [ "$(ainic_bound_count)" -ne 2 ]; then
	ktap_exit_fail_msg "needs two ainic NICs bound: vm-run made $(ainic_expected_count), $(ainic_bound_count) bound"
fi
ktap_set_plan $(($(echo $SCENARIOS | wc -w) + 3))

# The victim: the NIC in netns remote (not $NETIF). Its QEMU id is ainicN,
# N its rank on the bus (vm-run adds ainic0, ainic1, ... in order).
local_bdf=$(basename "$(readlink "/sys/class/net/$NETIF/device")")
all=$(ainic_bound_devices | sort)
bdf=$(echo "$all" | grep -vx "$local_bdf" | head -1)
idx=$(echo "$all" | grep -nx "$bdf" | cut -d: -f1)
devid=ainic$((idx - 1))
port=$(echo "$AINIC_NICS" | cut -d';' -f"$idx" | awk '{ print $4 }')
reliable=$(ainic_qom_get "$((idx - 1))" reliable) ||
	ktap_exit_fail_msg "cannot read $devid's reliable property from QEMU"
ktap_print_msg "hostile driver on $bdf ($devid, reliable=$reliable); $NETIF ($local_bdf) stays with ainic.ko"
# The log is the witness of every rejection: without it the test proves
# nothing, so it is a failure, not a weaker pass.
[ -f "$QEMU_LOG" ] ||
	ktap_exit_fail_msg "no QEMU log at $QEMU_LOG: run under scripts/vm-run --qemu-log"
ktap_print_msg "QEMU guest-error log: $QEMU_LOG"

for sc in $SCENARIOS; do
	start=$SECONDS
	timeout -k 10 "$SCENARIO_TIMEOUT" /usr/bin/python3 "$TOOL" --bdf "$bdf" \
		--log "$QEMU_LOG" --id "$devid" --netif "$NETIF" --port "$port" \
		--reliable "$reliable" "$sc"
	rc=$?
	[ $rc -ne 124 ] || ktap_print_msg "$sc: timed out after ${SCENARIO_TIMEOUT}s"
	ktap_print_msg "$sc: $((SECONDS - start)) s"
	ktap_expect "$sc: device refused the abuse, logged it and still answers" $rc
done

# Keep QEMU's log where the host can read it, when there is a share.
if [ -f "$QEMU_LOG" ] && [ -w /mnt/share ] && mountpoint -q /mnt/share; then
	cp "$QEMU_LOG" /mnt/share/hostile-qemu.log
fi

# Give the device back: reload the driver, which resets both devices.
before=$(ainic_selftest_passes)
ainic_unload
ainic_load
sleep 1
after=$(ainic_selftest_passes)
[ "$(ainic_bound_count)" -eq 2 ] && [ $((after - before)) -eq 2 ] &&
	[ -d "/sys/bus/pci/drivers/ainic/$bdf" ]
ktap_expect "reload: both devices bound, IDENTIFY and self test passed at probe" $?

# Rebuild the drivers/net layout the reload took down.
if0= if1=
relayout() {
	local mac0 mac1 dev
	mac0=$(echo "$AINIC_NICS" | cut -d';' -f1 | cut -d' ' -f1)
	mac1=$(echo "$AINIC_NICS" | cut -d';' -f2 | cut -d' ' -f1)
	for dev in /sys/class/net/*; do
		[ "$(cat "$dev/address")" = "$mac0" ] && if0=$(basename "$dev")
		[ "$(cat "$dev/address")" = "$mac1" ] && if1=$(basename "$dev")
	done
	[ -n "${if0:-}" ] && [ -n "${if1:-}" ] || return 1
	ip addr add "$LOCAL_V4/24" dev "$if0" &&
		ip addr add "$LOCAL_V6/64" dev "$if0" nodad &&
		ip link set dev "$if0" up &&
		ip link set dev "$if1" netns "$REMOTE_ARGS" &&
		ip -n "$REMOTE_ARGS" addr add "$REMOTE_V4/24" dev "$if1" &&
		ip -n "$REMOTE_ARGS" addr add "$REMOTE_V6/64" dev "$if1" nodad &&
		ip -n "$REMOTE_ARGS" link set dev "$if1" up
}
# carriers_up: up to 10 s for both NICs' carrier.
carriers_up() {
	local t
	for ((t = 0; t < 100; t++)); do
		[ "$(cat "/sys/class/net/$if0/carrier" 2>/dev/null)" = 1 ] &&
			[ "$(ip netns exec "$REMOTE_ARGS" cat "/sys/class/net/$if1/carrier" 2>/dev/null)" = 1 ] &&
			return 0
		sleep 0.1
	done
	return 1
}
relayout && carriers_up
ktap_expect "reload: drivers/net layout rebuilt, both carriers up" $?
ping -q -c 1 -W 5 "$REMOTE_V4" >/dev/null
ping -q -c 5 -i 0.2 -W 5 "$REMOTE_V4" >/dev/null &&
	ip netns exec "$REMOTE_ARGS" ping -q -c 5 -i 0.2 -W 5 "$LOCAL_V4" >/dev/null
rc=$?
if [ $rc -ne 0 ]; then
	ip -br addr | while read -r l; do ktap_print_msg "local: $l"; done
	ip -n "$REMOTE_ARGS" -br addr | while read -r l; do ktap_print_msg "remote: $l"; done
	fabricctl ports 2>&1 | tr ' ' '\n' | grep -E '^(port|rx_packets|tx_packets|tx_drop_buffer|rx_drop|tx_queue_frames)=' |
		paste -sd' ' | while read -r l; do ktap_print_msg "fabric: $l"; done
	ip -s -br link 2>&1 | while read -r l; do ktap_print_msg "local: $l"; done
	ip -n "$REMOTE_ARGS" -s link 2>&1 | while read -r l; do ktap_print_msg "remote: $l"; done
	ip neigh 2>&1 | while read -r l; do ktap_print_msg "local neigh: $l"; done
	ip -n "$REMOTE_ARGS" neigh 2>&1 | while read -r l; do ktap_print_msg "remote neigh: $l"; done
	ping -c 3 -W 2 "$REMOTE_V4" 2>&1 | while read -r l; do ktap_print_msg "retry: $l"; done
fi
ktap_expect "reload: ping both ways between the two NICs" $rc
ktap_finished
