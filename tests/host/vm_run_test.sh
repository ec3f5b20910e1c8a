#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of scripts/vm-run itself: the exit status is the
# command's, a WARN inside the guest fails the run even when the command
# succeeds, --share is writable from inside, the command's stdout and
# stderr have channels of their own (apart from the kernel console), the
# guest reaches its QEMU's QMP, and a guest that crashes after a failed
# subtest is a failure scripts/check counts.

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
echo "1..10"

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

# The kernel console is on stderr: a module's printk must not reach the
# command's stdout, which a pipe to a JSON parser reads.
"$root/scripts/vm-run" --nics 1 -- sh -c \
	'echo "<3>ainic-test: a kernel line" >/dev/kmsg; nicctl -j dev show; echo to-stderr >&2' \
	>"$share/out" 2>"$share/err"
rc=$?
result $([ $rc -eq 0 ] && "$PYTHON" -m json.tool "$share/out" >/dev/null; echo $?) \
	"vm-run's stdout is the command's alone: nicctl -j parses (rc $rc)"
result $(grep -qx to-stderr "$share/err" && ! grep -q to-stderr "$share/out"; echo $?) \
	"the command's stderr goes to vm-run's stderr"
result $(grep -q 'ainic-test: a kernel line' "$share/err" && ! grep -q 'ainic-test' "$share/out"; echo $?) \
	"the kernel console goes to stderr, never to stdout"

out=$("$root/scripts/vm-run" --nics 1 --nic-opt x-if-version=0x10007 -- \
	nicfault qmp '{"execute": "qom-get", "arguments": {"path": "/machine/peripheral/ainic0", "property": "x-if-version"}}' 2>"$share/err")
result $([ "$out" = $((0x10007)) ]; echo $?) "the guest reads its QEMU's properties over QMP (got '$out')"

# The issue's reproduction: a subtest fails, then the guest dies.
"$root/scripts/vm-run" --nics 0 --no-module -- sh -c \
	'echo "TAP version 13"; echo "1..1"; echo "# selftests: ainic: t.sh"; echo "# 1..3";
	 echo "# ok 1 a"; echo "# not ok 2 forced failure"; echo c >/proc/sysrq-trigger' \
	>"$share/tap" 2>"$share/err"
rc=$?
read -r p f s < <("$PYTHON" "$root/scripts/tap_count.py" "$share/tap")
result $([ $rc -ne 0 ]; echo $?) "a guest that crashes fails vm-run (rc $rc)"
result $([ "$f" -ge 2 ] && [ "$p" -eq 1 ]; echo $?) \
	"a failed subtest before the crash is counted, and the missing result too ($p passed, $f failed)"
exit $failed
