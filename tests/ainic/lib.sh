# SPDX-License-Identifier: GPL-2.0
# Shell helpers for the ainic kselftests. Source, do not execute.

LINUX_SRC=${LINUX_SRC:-/var/cache/ainic/linux-source-6.12}
# shellcheck source=/dev/null
. "$LINUX_SRC/tools/testing/selftests/kselftest/ktap_helpers.sh"

AINIC_KO=${AINIC_ROOT:?not inside an ainic VM}/driver/ainic.ko
AINIC_PCI_ID="1af4:10f0"

# Number of ainic functions on the PCI bus, bound or not.
ainic_pci_count() {
	grep -lx '0x10f0' /sys/bus/pci/devices/*/device 2>/dev/null |
		xargs -r -n1 dirname | xargs -r -I{} grep -lx '0x1af4' {}/vendor | wc -l
}

# Number of ainic NICs vm-run gave this VM (its configuration, not what
# the driver found).
ainic_expected_count() {
	local n=0 entry
	IFS=';' read -ra entries <<<"${AINIC_NICS:-}"
	for entry in "${entries[@]}"; do
		[ -z "${entry// /}" ] || n=$((n + 1))
	done
	echo "$n"
}

# ainic_need_bound: fail the test unless every ainic NIC vm-run made is
# bound (a test run outside vm-run, with no NICs listed, is skipped).
ainic_need_bound() {
	local want
	want=$(ainic_expected_count)
	if [ "$want" -eq 0 ]; then
		ktap_skip_all "no ainic NICs listed in AINIC_NICS (not a vm-run VM)"
		exit "$KSFT_SKIP"
	fi
	[ "$(ainic_bound_count)" -eq "$want" ] ||
		ktap_exit_fail_msg "vm-run made $want ainic NICs, $(ainic_bound_count) are bound"
}

# ainic_qom_get NIC PROPERTY: a property of NIC (0, 1, ...) as QEMU was
# configured, read from QEMU itself (scripts/vm/nicfault's QMP channel).
ainic_qom_get() {
	nicfault qmp "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine/peripheral/ainic$1\", \"property\": \"$2\"}}"
}

# ainic_nic_of_bdf BDF: the vm-run NIC number (0, 1, ...: QEMU id ainicN)
# of the bound device BDF, matched by its netdev's MAC in AINIC_NICS.
ainic_nic_of_bdf() {
	local mac i=0 entry
	mac=$(cat /sys/bus/pci/devices/"$1"/net/*/address 2>/dev/null | head -1)
	IFS=';' read -ra entries <<<"${AINIC_NICS:-}"
	for entry in "${entries[@]}"; do
		[ -n "${entry// /}" ] || continue
		[ "${entry%% *}" = "$mac" ] && { echo "$i"; return 0; }
		i=$((i + 1))
	done
	return 1
}

# Number of devices the driver is bound to.
ainic_bound_count() {
	ls -d /sys/bus/pci/drivers/ainic/0000:* 2>/dev/null | wc -l
}

# PCI names of the bound devices.
ainic_bound_devices() {
	ls -d /sys/bus/pci/drivers/ainic/0000:* 2>/dev/null | xargs -r -n1 basename
}

# How many times the kernel log says a self test passed.
ainic_selftest_passes() {
	dmesg | grep -c 'ainic.*self test passed'
}

ainic_load() {
	insmod "$AINIC_KO"
}

ainic_unload() {
	[ ! -d /sys/module/ainic ] || rmmod ainic
}

ainic_ensure_loaded() {
	[ -d /sys/module/ainic ] || ainic_load
}

# The remote namespace's interface on the link under test: the one holding
# REMOTE_V4 (not the first listed: kernels with built-in tunnel drivers give
# every namespace a sit0 and the like).
remote_ifname() {
	ip -n "$REMOTE_ARGS" -o -4 addr show to "$REMOTE_V4" | awk '{ print $2; exit }'
}

# ainic_remote_bg DIR NAME CMD...: run CMD in the remote netns in the
# background, its stdout in DIR/NAME.out and stderr in DIR/NAME.err;
# returns once it said "ready" on stderr (1 if not within 10 s).
ainic_remote_bg() {
	local dir=$1 name=$2 t
	shift 2
	ip netns exec "$REMOTE_ARGS" "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
	for ((t = 0; t < 100; t++)); do
		grep -q ready "$dir/$name.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ainic_ethtool_stat IFACE NAME: counter NAME of ethtool -S IFACE (empty
# when the driver has none of that name).
ainic_ethtool_stat() {
	ethtool -S "$1" 2>/dev/null | awk -v n="$2:" '$1 == n { print $2; exit }'
}

# ktap_expect DESCRIPTION STATUS: pass when STATUS (usually $?) is 0.
ktap_expect() {
	if [ "$2" -eq 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
	fi
}
