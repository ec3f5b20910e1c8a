#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rocker-style device self test (register echo, IRQ, DMA) passed at
# probe for every device, is reported through genl, and reruns on demand.

. "$(dirname "$0")/lib.sh"

ktap_print_header
ainic_ensure_loaded
dmesg_has() { dmesg | grep -F "$1" | grep -qF "$2"; }
ainic_need_bound
devs=$(ainic_bound_devices)
n=$(echo "$devs" | grep -c .)
ktap_set_plan $((n * 3))

for bdf in $devs; do
	ktap_test_result "$bdf: probe logged a passed self test" \
		dmesg_has "$bdf" 'self test passed'
	json=$(nicctl -j dev show "$bdf")
	res=$(echo "$json" | python3 -c 'import json,sys
d = json.load(sys.stdin)[0]["selftest"]
print(d["echo"], d["irq"], d["dma"])')
	[ "$res" = "pass pass pass" ]
	ktap_expect "$bdf: nicctl reports echo, irq and dma passed ($res)" $?
	out=$(nicctl dev selftest "$bdf" 2>&1)
	rc=$?
	ktap_print_msg "$out"
	[ $rc -eq 0 ] && echo "$out" | grep -q 'echo pass irq pass dma pass'
	ktap_expect "$bdf: nicctl dev selftest reruns it and passes" $?
done
ktap_finished
