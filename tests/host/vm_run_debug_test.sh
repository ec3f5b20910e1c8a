#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug lane catches what it is for: in a VM booting the debug kernel
# (AINIC_KERNEL_DIR, set by scripts/check-debug), a test module commits
# four deliberate bugs, and scripts/vm-run must fail the run and name each
# report: an ABBA lock order (lockdep, first: a KASAN report taints the
# kernel with LOCKDEP_NOW_UNRELIABLE, which switches lockdep off), an
# out-of-bounds read (KASAN), a sleeping allocation under a spinlock
# (DEBUG_ATOMIC_SLEEP) and a leak (kmemleak, scanned by the guest after
# the command). Each report line the kernel printed must
# by itself be one that fails a run (KERNEL_SPLAT_ERE, what vm-run checks),
# so one VM stands for four. A control VM loads the module without
# triggering anything and must pass, so that a failure is the bugs' and
# not the module's.

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
bugs=(
	"lock-order|possible circular locking dependency"
	"oob|BUG: KASAN: slab-out-of-bounds"
	"atomic-sleep|sleeping function called from invalid context"
	"leak|kmemleak: unreferenced objects of ainic"
)
echo "1..$((2 + ${#bugs[@]}))"

make -s -C "$AINIC_KERNEL_DIR/build" M="$mod" modules >/dev/null ||
	{ echo "Bail out! cannot build the debug test module"; exit 1; }

# The two VMs side by side, one vCPU each (a boot is serial work).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trigger="insmod $mod/ainic_debug_test.ko"
for b in "${bugs[@]}"; do
	trigger+=" && echo ${b%%|*} >/sys/kernel/debug/ainic_debug_test/trigger"
done
run_vm() {
	"$root/scripts/vm-run" --nics 0 --no-module --cpus 1 -- sh -c "$2" >"$work/$1.out" 2>&1
	echo $? >"$work/$1.rc"
}
run_vm control "insmod $mod/ainic_debug_test.ko" &
run_vm bugs "$trigger" &
wait

n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		tail -25 "$3" | sed 's/^/# /'
		failed=1
	fi
}
rc=$(cat "$work/control.rc")
result "$([ "$rc" -eq 0 ]; echo $?)" "control: the module loaded without a bug passes (rc $rc)" \
	"$work/control.out"
rc=$(cat "$work/bugs.rc")
result "$([ "$rc" -ne 0 ]; echo $?)" "the run with the bugs fails (rc $rc)" "$work/bugs.out"
for b in "${bugs[@]}"; do
	bug=${b%%|*} want=${b#*|}
	line=$(grep -F -m1 "$want" "$work/bugs.out")
	ok=$([ -n "$line" ] && printf '%s\n' "$line" | grep -qE "$KERNEL_SPLAT_ERE"; echo $?)
	result "$ok" "$bug: reported (\"$want\"), and that line alone fails a run" "$work/bugs.out"
done
exit $failed
