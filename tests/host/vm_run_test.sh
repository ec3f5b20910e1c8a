#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of scripts/vm-run itself: the exit status is the
# command's, a WARN inside the guest fails the run even when the command
# succeeds, and --share is writable from inside.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib.sh"
kdir=/usr/src/linux-headers-$(guest_kver)
n=0 failed=0

result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

echo "TAP version 13"
echo "1..4"

make -s -C "$kdir" M="$root/tests/host/warn_module" modules >/dev/null ||
	{ echo "Bail out! cannot build the warn test module"; exit 1; }

share=$(mktemp -d)
trap 'rm -rf "$share"' EXIT

out=$("$root/scripts/vm-run" --nics 0 --no-module --share "$share" -- \
	sh -c 'echo from-guest >/mnt/share/f; exit 7' 2>&1)
rc=$?
result $([ $rc -eq 7 ]; echo $?) "vm-run returns the command's exit status (got $rc)"
result $([ "$(cat "$share/f" 2>/dev/null)" = from-guest ]; echo $?) "--share is writable from the guest"

out=$("$root/scripts/vm-run" --nics 0 --no-module -- \
	sh -c "insmod $root/tests/host/warn_module/ainic_warn_test.ko; exit 0" 2>&1)
rc=$?
result $([ $rc -ne 0 ]; echo $?) "a WARN in the guest fails vm-run although the command passed (got $rc)"
echo "$out" | grep -q 'guest kernel reported a problem'
result $? "vm-run says why it failed"
[ $failed -eq 0 ] || printf '%s\n' "$out" | tail -30 | sed 's/^/# /'
exit $failed
