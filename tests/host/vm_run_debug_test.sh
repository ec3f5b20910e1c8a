#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug lane catches what it is for: in VMs booting the debug kernel
# (AINIC_KERNEL_DIR, set by scripts/check-debug), a test module commits one
# deliberate bug per VM, and scripts/vm-run must fail the run and name the
# report: a leak (kmemleak, scanned by the guest after the command), an
# out-of-bounds read (KASAN), an ABBA lock order (lockdep) and a sleeping
# allocation under a spinlock (DEBUG_ATOMIC_SLEEP). A control VM loads the
# module without triggering anything and must pass, so that a failure is
# the bug's and not the module's.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib.sh"
mod=$root/tests/host/debug_module

echo "TAP version 13"
if [ -z "${AINIC_KERNEL_DIR:-}" ] || [ ! -d "$AINIC_KERNEL_DIR/build" ]; then
	echo "1..0 # SKIP needs the debug kernel (AINIC_KERNEL_DIR, scripts/check-debug)"
	exit 0
fi
# bug name | what the report must contain
cases=(
	"none|"
	"leak|kmemleak: unreferenced objects of ainic"
	"oob|BUG: KASAN: slab-out-of-bounds"
	"lock-order|possible circular locking dependency"
	"atomic-sleep|sleeping function called from invalid context"
)
echo "1..${#cases[@]}"

make -s -C "$AINIC_KERNEL_DIR/build" M="$mod" modules >/dev/null ||
	{ echo "Bail out! cannot build the debug test module"; exit 1; }

# Each case boots its own VM with one vCPU (a boot is serial work), two
# at a time: about half the time of one after the other on 2 cores.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_case() {
	local i=$1 bug=$2 cmd="insmod $mod/ainic_debug_test.ko"
	[ "$bug" = none ] || cmd+=" && echo $bug >/sys/kernel/debug/ainic_debug_test/trigger"
	"$root/scripts/vm-run" --nics 0 --no-module --cpus 1 -- sh -c "$cmd" \
		>"$work/$i.out" 2>&1
	echo $? >"$work/$i.rc"
}
i=0
for c in "${cases[@]}"; do
	run_case "$i" "${c%%|*}" &
	i=$((i + 1))
	[ $((i % 2)) -ne 0 ] || wait
done
wait

n=0 failed=0
for c in "${cases[@]}"; do
	bug=${c%%|*} want=${c#*|}
	out=$(cat "$work/$n.out")
	rc=$(cat "$work/$n.rc")
	n=$((n + 1))
	if [ "$bug" = none ]; then
		desc="control: the module loaded without a bug passes (rc $rc)"
		ok=$([ "$rc" -eq 0 ]; echo $?)
	else
		desc="$bug: the run fails (rc $rc) and reports \"$want\""
		ok=$([ "$rc" -ne 0 ] && echo "$out" | grep -qF "$want"; echo $?)
	fi
	if [ "$ok" -eq 0 ]; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		printf '%s\n' "$out" | tail -25 | sed 's/^/# /'
		failed=1
	fi
done
exit $failed
