#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20 unload/load cycles of ainic.ko with every ainic NIC present: each load
# binds every device, passes the probe self test and registers the genl
# family; each unload releases everything. LOAD_CYCLES changes the count
# (the debug lane's is smaller: a debug kernel's insmod takes seconds).

. "$(dirname "$0")/lib.sh"

CYCLES=${LOAD_CYCLES:-20}

ktap_print_header
ktap_set_plan 3

nics=$(ainic_pci_count)
if [ "$nics" -lt 1 ]; then
	ktap_skip_all "no ainic device in this VM"
	exit "$KSFT_SKIP"
fi

bind_ok=1 unload_ok=1 listed_ok=1
before=$(ainic_selftest_passes)
for ((i = 1; i <= CYCLES; i++)); do
	ainic_unload || { ktap_print_msg "cycle $i: rmmod failed"; unload_ok=0; break; }
	if [ -d /sys/module/ainic ] || [ "$(ainic_bound_count)" -ne 0 ] ||
	   [ -e /sys/kernel/debug/ainic ] || nicctl dev show >/dev/null 2>&1; then
		ktap_print_msg "cycle $i: module, devices, debugfs or genl family left after rmmod"
		unload_ok=0
	fi
	ainic_load || { ktap_print_msg "cycle $i: insmod failed"; bind_ok=0; break; }
	bound=$(ainic_bound_count)
	if [ "$bound" -ne "$nics" ]; then
		ktap_print_msg "cycle $i: $bound of $nics devices bound"
		bind_ok=0
	fi
	listed=$(nicctl -j dev show | jq length)
	if [ "$listed" != "$nics" ]; then
		ktap_print_msg "cycle $i: nicctl lists $listed devices, expected $nics"
		listed_ok=0
	fi
done
after=$(ainic_selftest_passes)

ktap_test_result "$CYCLES cycles: every device bound after each load" [ $bind_ok = 1 ]
ktap_test_result "$CYCLES cycles: nothing left after each unload" [ $unload_ok = 1 ]
[ $listed_ok = 1 ] && [ $((after - before)) -eq $((CYCLES * nics)) ]
ktap_expect "$CYCLES cycles: every device listed by nicctl and self-tested" $?
ktap_finished
