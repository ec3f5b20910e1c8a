#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit suites of driver internals (driver/ainic_kunit.c): loads
# ainic_kunit.ko, built next to the ainic.ko under test only against a
# kernel with KUnit (the debug lane), and reports each suite's result from
# /sys/kernel/debug/kunit/<suite>/results.

. "$(dirname "$0")/lib.sh"

SUITES="ainic_ring ainic_admin ainic_seq ainic_stats"
ko=$(dirname "${AINIC_MODULE:-$AINIC_KO}")/ainic_kunit.ko

ktap_print_header
if [ ! -d /sys/kernel/debug/kunit ]; then
	ktap_skip_all "the kernel has no KUnit debugfs (use the debug kernel)"
	exit "$KSFT_SKIP"
fi
if [ ! -f "$ko" ]; then
	ktap_skip_all "no $ko (built only against a kernel with KUnit)"
	exit "$KSFT_SKIP"
fi
set -- $SUITES
ktap_set_plan $#

ainic_ensure_loaded || ktap_exit_fail_msg "cannot load ainic.ko"
insmod "$ko" || ktap_exit_fail_msg "cannot load $ko"
for suite in $SUITES; do
	results=/sys/kernel/debug/kunit/$suite/results
	if [ ! -r "$results" ]; then
		ktap_test_fail "$suite: no results"
		continue
	fi
	sed 's/^/# /' "$results"
	# The suite's own verdict is the last top-level "ok"/"not ok" line
	verdict=$(grep -E '^(not )?ok ' "$results" | tail -n 1)
	[ "${verdict%% *}" = ok ]
	ktap_expect "KUnit suite $suite" $?
done
rmmod ainic_kunit
ktap_finished
