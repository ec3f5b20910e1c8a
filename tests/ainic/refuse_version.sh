#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run in a VM where some ainic NICs report an interface version the driver
# does not support (scripts/check boots one with --nic-opt-1
# x-if-version=0x20000): those are refused with a clear message, the others
# work, and reloading the driver changes nothing.

. "$(dirname "$0")/lib.sh"

ktap_print_header
ainic_ensure_loaded || ktap_exit_fail_msg "cannot load ainic.ko"

# What to expect comes from QEMU's configuration of each NIC, read from
# QEMU itself: the NICs whose x-if-version has a major other than 1 are
# the ones the driver must refuse.
want=$(ainic_expected_count)
refused=0
for ((i = 0; i < want; i++)); do
	ver=$(ainic_qom_get "$i" x-if-version) ||
		ktap_exit_fail_msg "cannot read ainic$i's x-if-version from QEMU"
	[ $((ver >> 16)) -eq 1 ] || refused=$((refused + 1))
done
present=$(ainic_pci_count)
bound=$(ainic_bound_count)
ktap_print_msg "ainic NICs: $want configured ($refused unsupported), $present present, $bound bound"
[ "$refused" -ge 1 ] ||
	ktap_exit_fail_msg "no NIC configured with an unsupported version (scripts/check passes --nic-opt-1 x-if-version=0x20000)"
ktap_set_plan 5
[ "$present" -eq "$want" ] && [ "$bound" -eq $((want - refused)) ]
ktap_expect "exactly the $((want - refused)) supported NICs are bound ($bound of $present)" $?

dmesg | grep -E 'ainic .*interface version' | grep -qiE 'unsupported|not supported'
ktap_expect "refusal logged, naming the interface version" $?

listed=$(nicctl -j dev show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$listed" = $((want - refused)) ]
ktap_expect "nicctl lists only the supported devices ($listed)" $?

ainic_unload && ainic_load && [ "$(ainic_bound_count)" = "$bound" ]
ktap_expect "reload binds the same devices again" $?

ok=0
for bdf in $(ainic_bound_devices); do
	nicctl dev selftest "$bdf" >/dev/null || ok=1
done
ktap_expect "the supported devices still pass their self test" $ok
ktap_finished
