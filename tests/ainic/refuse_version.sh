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

present=$(ainic_pci_count)
bound=$(ainic_bound_count)
ktap_print_msg "ainic functions: $present present, $bound bound"
if [ "$present" -le "$bound" ]; then
	ktap_skip_all "no device with an unsupported interface version in this VM"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 4

dmesg | grep -E 'ainic .*interface version' | grep -qiE 'unsupported|not supported'
ktap_expect "refusal logged, naming the interface version" $?

listed=$(nicctl -j dev show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$listed" = "$bound" ] && [ "$bound" -ge 1 ]
ktap_expect "nicctl lists only the supported devices ($listed)" $?

ainic_unload && ainic_load && [ "$(ainic_bound_count)" = "$bound" ]
ktap_expect "reload binds the same devices again" $?

ok=0
for bdf in $(ainic_bound_devices); do
	nicctl dev selftest "$bdf" >/dev/null || ok=1
done
ktap_expect "the supported devices still pass their self test" $ok
ktap_finished
