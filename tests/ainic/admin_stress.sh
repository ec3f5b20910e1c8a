#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 admin commands per device, several in flight at once: every one
# completes with its own cookie echoed, none is lost, late or stale, and the
# device's admin counter (nicctl -s) accounts for all of them.

. "$(dirname "$0")/lib.sh"

COUNT=10000

ktap_print_header
ainic_ensure_loaded
ainic_need_bound
devs=$(ainic_bound_devices)
n=$(echo "$devs" | grep -c .)
ktap_set_plan $((n * 2))

field() { echo "$1" | tr ' ' '\n' | grep -A1 -x "$2" | tail -1; }
admin_cmds() {
	nicctl -j dev show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["admin_cmds"])'
}

for bdf in $devs; do
	knob=/sys/kernel/debug/ainic/$bdf/admin_stress
	before=$(admin_cmds "$bdf")
	echo "$COUNT" >"$knob"
	res=$(cat "$knob")
	after=$(admin_cmds "$bdf")
	ktap_print_msg "$bdf: $res; admin cmds $before -> $after"
	[ "$(field "$res" issued)" = $COUNT ] && [ "$(field "$res" completed)" = $COUNT ] &&
		[ "$(field "$res" mismatched)" = 0 ] && [ "$(field "$res" errors)" = 0 ] &&
		[ "$(field "$res" timeouts)" = 0 ] && [ "$(field "$res" stale)" = 0 ]
	ktap_expect "$bdf: $COUNT NOPs completed, none mismatched, failed, lost or stale" $?
	ktap_test_result "$bdf: admin command counter grew by at least $COUNT" \
		[ $((after - before)) -ge $COUNT ]
done
ktap_finished
