#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 admin commands per device, several in flight at once: every one
# completes with its own cookie echoed, none is lost, late or stale, the
# device itself (its counter, read from QEMU) executed each, and the
# driver's counter (nicctl -s) accounts for all of them.

. "$(dirname "$0")/lib.sh"

COUNT=10000

ktap_print_header
ainic_ensure_loaded
ainic_need_bound
devs=$(ainic_bound_devices)
n=$(echo "$devs" | grep -c .)
ktap_set_plan $((n * 3))

field() { echo "$1" | tr ' ' '\n' | grep -A1 -x "$2" | tail -1; }
admin_cmds() {
	nicctl -j dev show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["admin_cmds"])'
}

# The device's own count of the admin commands it executed, read from
# QEMU (the witness the driver's tally is held to). A few commands beside
# the NOPs (a stats read) are allowed for.
SLACK=16
for bdf in $devs; do
	knob=/sys/kernel/debug/ainic/$bdf/admin_stress
	nic=$(ainic_nic_of_bdf "$bdf") || ktap_exit_fail_msg "$bdf is none of vm-run's NICs"
	before=$(admin_cmds "$bdf")
	dev_before=$(ainic_qom_get "$nic" x-admin-cmds) || ktap_exit_fail_msg "cannot read ainic$nic's x-admin-cmds"
	echo "$COUNT" >"$knob"
	res=$(cat "$knob")
	after=$(admin_cmds "$bdf")
	dev_after=$(ainic_qom_get "$nic" x-admin-cmds)
	ktap_print_msg "$bdf (ainic$nic): $res; driver's admin cmds $before -> $after, device's $dev_before -> $dev_after"
	grew=$((dev_after - dev_before))
	ktap_test_result "$bdf: the device executed the $COUNT commands (its count grew by $grew)" \
		test "$grew" -ge $COUNT -a "$grew" -le $((COUNT + SLACK))
	[ "$(field "$res" issued)" = $COUNT ] && [ "$(field "$res" completed)" = $COUNT ] &&
		[ "$(field "$res" mismatched)" = 0 ] && [ "$(field "$res" errors)" = 0 ] &&
		[ "$(field "$res" timeouts)" = 0 ] && [ "$(field "$res" stale)" = 0 ]
	ktap_expect "$bdf: $COUNT NOPs completed, none mismatched, failed, lost or stale" $?
	ktap_test_result "$bdf: admin command counter grew by at least $COUNT" \
		[ $((after - before)) -ge $COUNT ]
done
ktap_finished
