#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own drivers/net selftests from linux-source-6.12, run with
# the kernel's kselftest runner against the NIC under test: independent
# oracles nobody here wrote. Needs the drivers/net layout
# (scripts/vm-run --remote-netns), whose variables they read.
#
# Left out, with reasons: hw/csum.py (broken in 6.12 itself: it calls
# remote_ifname, which its own library lacks); hw/rss_ctx.py and the other
# hw/ tests need RSS and other offloads ainic does not offer yet.

TESTS=${UPSTREAM_NETDRV_TESTS:-"ping.py stats.py queues.py"}
BASE_DIR=${LINUX_SRC:-/var/cache/ainic/linux-source-6.12}/tools/testing/selftests
export BASE_DIR
[ -n "${NETIF:-}" ] && [ "${REMOTE_TYPE:-}" = netns ] || {
	echo "TAP version 13"
	echo "1..0 # SKIP needs scripts/vm-run --remote-netns"
	exit 4
}
cd "$BASE_DIR/drivers/net" || exit 1
# shellcheck source=/dev/null
. "$BASE_DIR/kselftest/runner.sh"
kselftest_default_timeout=600
# shellcheck disable=SC2086
run_many $TESTS
