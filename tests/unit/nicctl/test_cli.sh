#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of nicctl's command line, without the ainic module: usage and
# help, exit codes, keyword prefixes, argument errors, the "family not
# found" error, and that -j never leaves garbage on stdout. TAP output.
#
# Usage: NICCTL=/path/to/nicctl tests/unit/nicctl/test_cli.sh

set -u

NICCTL=${NICCTL:-/work/main/build/nicctl}
FAMILY_ERR='Error: ainic generic netlink family not found (is ainic.ko loaded?).'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local line
	for line in "$@"; do
		echo "#   $line"
	done
	echo "#   rc=$rc stdout=$(head -c 300 "$tmp/out" | tr '\n' '|')"
	echo "#   stderr=$(head -c 300 "$tmp/err" | tr '\n' '|')"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# run ARGS...: runs nicctl, leaving rc, $tmp/out and $tmp/err
run() {
	"$NICCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

# expect NAME RC [out-grep|-] [err-grep|-|""] -- ARGS...
# out-grep/err-grep: a fixed string the stream must contain, "-" for
# anything, "" for empty.
expect() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	run "$@"
	local why=()
	[ "$rc" = "$want_rc" ] || why+=("exit status $rc, expected $want_rc")
	if [ "$want_out" = "" ]; then
		[ ! -s "$tmp/out" ] || why+=("stdout not empty")
	elif [ "$want_out" != "-" ]; then
		grep -qF -- "$want_out" "$tmp/out" || why+=("stdout lacks '$want_out'")
	fi
	if [ "$want_err" = "" ]; then
		[ ! -s "$tmp/err" ] || why+=("stderr not empty")
	elif [ "$want_err" != "-" ]; then
		grep -qF -- "$want_err" "$tmp/err" || why+=("stderr lacks '$want_err'")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
}

# A one-line, iproute2-style error: "Error: ....", ending with a period.
expect_error_line() {
	local name=$1
	if [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qE '^Error: .+\.$' "$tmp/err"; then
		ok "$name"
	else
		not_ok "$name" "stderr is not one 'Error: ....' line"
	fi
}

if [ ! -x "$NICCTL" ]; then
	echo "not ok 1 - no nicctl binary at $NICCTL (build it with make nicctl)"
	echo "1..1"
	exit 1
fi

# ---- help and usage: never touch netlink, exit 0 ----------------------

expect "help prints usage on stdout, exit 0" 0 "Usage: nicctl [ OPTIONS ] OBJECT { COMMAND | help }" "" -- help
expect "usage lists the objects" 0 "OBJECT := { dev | conn | monitor }" "" -- help
expect "usage lists conn add" 0 "nicctl conn add dev DEV peer MAC" "" -- help
expect "usage lists dev set" 0 "nicctl dev set DEV xport { reliable | raw }" "" -- help
expect "-h prints usage, exit 0" 0 "Usage: nicctl" "" -- -h
expect "--help prints usage, exit 0" 0 "Usage: nicctl" "" -- --help
expect "-help (single-dash long form) prints usage" 0 "Usage: nicctl" "" -- -help
expect "h is a prefix of help" 0 "Usage: nicctl" "" -- h
expect "no arguments: usage on stderr, exit 1" 1 "" "Usage: nicctl" --
expect "-V prints the version, exit 0" 0 "nicctl " "" -- -V
expect "--version prints the version" 0 "ainic generic netlink family version" "" -- --version
expect "dev help prints the dev usage" 0 "nicctl dev selftest DEV" "" -- dev help
expect "dev help names the DEV forms" 0 "DEV := { INDEX | PCI-ADDRESS | IFNAME }" "" -- dev help
expect "d he: prefixes of dev help" 0 "Usage: nicctl dev" "" -- d he
expect "monitor help prints the monitor usage" 0 "Usage: nicctl monitor" "" -- monitor help
expect "mon h: prefixes of monitor help" 0 "Usage: nicctl monitor" "" -- mon h
expect "conn help prints the conn usage" 0 "nicctl conn del dev DEV id ID" "" -- conn help
expect "conn help names the MAC form" 0 "MAC := xx:xx:xx:xx:xx:xx" "" -- conn help
expect "c h: prefixes of conn help" 0 "Usage: nicctl conn" "" -- c h
expect "dev help lists dev set" 0 "nicctl dev set DEV xport" "" -- dev help
expect "options before help are fine" 0 "Usage: nicctl dev" "" -- -j -s dev help

# ---- usage errors: "Error: ...", a hint, exit 1, nothing on stdout -----

expect "unknown object" 1 "" 'Error: object "foo" is unknown, try "nicctl help".' -- foo
expect_error_line "unknown object: one Error line"
expect "unknown dev command" 1 "" 'Error: command "frob" is unknown, try "nicctl dev help".' -- dev frob
expect_error_line "unknown command: one Error line"
expect "ambiguous prefix is refused" 1 "" 'Error: command "s" is ambiguous (show, selftest, set)' -- dev s
expect "se is ambiguous too (selftest, set)" 1 "" 'Error: command "se" is ambiguous (selftest, set)' -- dev se
expect "an empty keyword matches nothing" 1 "" 'Error: object "" is unknown' -- ""
expect "a keyword longer than any object" 1 "" 'Error: object "devices" is unknown' -- devices
expect "unknown short option" 1 "" 'Error: option "-x" is unknown, try "nicctl help".' -- -x dev show
expect "unknown long option" 1 "" 'Error: option "--frob" is unknown' -- --frob dev show
expect "option after the object is refused" 1 "" 'must come before the object' -- dev show -j
expect "selftest without DEV" 1 "" 'Error: "dev selftest" needs a device (DEV), try "nicctl dev help".' -- dev selftest
expect_error_line "selftest without DEV: one Error line"
expect "selftest DEV checked before netlink (prefix sel)" 1 "" 'needs a device' -- dev sel
expect "dev show takes one DEV" 1 "" 'Error: unexpected argument "2", try "nicctl dev help".' -- dev show 1 2
expect "dev selftest takes one DEV" 1 "" 'unexpected argument "2"' -- dev selftest 1 2
expect "index 0 is refused" 1 "" 'Error: device indices start at 1' -- dev show 0
expect "index beyond u32 is refused" 1 "" 'is out of range' -- dev show 4294967296
expect "empty DEV is refused" 1 "" 'Error: empty device name' -- dev show ""
expect "monitor takes no arguments" 1 "" 'Error: unexpected argument "x", try "nicctl monitor help".' -- monitor x
expect "unknown conn command" 1 "" 'Error: command "frob" is unknown, try "nicctl conn help".' -- conn frob
expect "conn show: id without dev" 1 "" 'Error: id needs a device (dev DEV)' -- conn show id 3
expect_error_line "conn show id without dev: one Error line"
expect "conn show: dev without a value" 1 "" 'Error: dev needs a device (DEV), try "nicctl conn help".' -- conn show dev
expect "conn show: dev index 0" 1 "" 'Error: device indices start at 1, try "nicctl conn help".' -- conn show dev 0
expect "conn show: dev given twice" 1 "" 'Error: dev given twice' -- conn show dev 1 dev 2
expect "conn show: a bad MAC" 1 "" 'Error: peer "zz" is not a MAC address (xx:xx:xx:xx:xx:xx)' -- conn show peer zz
expect "conn show: a MAC of 5 octets" 1 "" 'is not a MAC address' -- conn show peer 02:00:00:00:01
expect "conn show: a MAC of 7 octets" 1 "" 'is not a MAC address' -- conn show peer 02:00:00:00:00:01:02
expect "conn show: a MAC with a sign" 1 "" 'is not a MAC address' -- conn show peer 02:00:00:00:00:-1
expect "conn show: id 0" 1 "" 'Error: connection ids start at 1' -- conn show dev 1 id 0
expect "conn show: id beyond u32" 1 "" 'Error: connection id "4294967296" is out of range' -- conn show dev 1 id 4294967296
expect "conn show: id not a number" 1 "" 'Error: connection id "x1" is not a number' -- conn show dev 1 id x1
expect "conn show: an unknown keyword" 1 "" 'Error: unexpected argument "frob", try "nicctl conn help".' -- conn show frob 1
expect "conn show: an option after the object" 1 "" 'must come before the object' -- conn show -j
expect "conn add without peer" 1 "" 'Error: "conn add" needs dev DEV and peer MAC' -- conn add dev 1
expect "conn add without dev" 1 "" 'Error: "conn add" needs dev DEV and peer MAC' -- conn add peer 02:00:00:00:00:01
expect "conn add takes no id" 1 "" 'Error: "conn add" takes no id' -- conn add dev 1 peer 02:00:00:00:00:01 id 2
expect "conn add with a bad MAC" 1 "" 'is not a MAC address' -- conn add dev 1 peer 02:00:00:00:00:0g
expect "conn del without id" 1 "" 'Error: "conn del" needs dev DEV and id ID' -- conn del dev 1
expect "conn del takes no peer" 1 "" 'Error: "conn del" takes no peer' -- conn del dev 1 id 2 peer 02:00:00:00:00:01
expect "conn del: id given twice" 1 "" 'Error: id given twice' -- conn del dev 1 id 2 id 3
expect "dev set without DEV" 1 "" 'Error: "dev set" needs a device (DEV), try "nicctl dev help".' -- dev set
expect "dev set without a setting" 1 "" 'Error: "dev set" needs a setting (xport)' -- dev set 1
expect "dev set: xport without a value" 1 "" 'Error: xport needs a value (reliable or raw)' -- dev set 1 xport
expect "dev set: a bad policy" 1 "" 'Error: xport "fast" is neither reliable nor raw' -- dev set 1 xport fast
expect "dev set: xport given twice" 1 "" 'Error: xport given twice' -- dev set 1 xport raw xport raw
expect "dev set: an unknown setting" 1 "" 'Error: unknown setting "mtu"' -- dev set 1 mtu 1500
expect "dev set: index 0" 1 "" 'Error: device indices start at 1' -- dev set 0 xport raw
expect "-j conn usage error: stdout stays empty" 1 "" "Error: " -- -j conn show peer 1
expect "-j usage error: stdout stays empty" 1 "" "Error: " -- -j foo
expect "-p usage error: stdout stays empty" 1 "" "Error: " -- -p dev selftest

# ---- the family lookup: ainic.ko is not loaded on the host -------------

if [ -d /sys/module/ainic ]; then
	for t in "dev show" "d sh" "-j dev show" "monitor" "conn show" "conn add" "conn del" "dev set"; do
		skip "$t: family not found" "ainic.ko is loaded here"
	done
else
	expect "dev show: family not found, exit 1" 1 "" "$FAMILY_ERR" -- dev show
	expect_error_line "family not found: one Error line"
	expect "dev alone is dev show" 1 "" "$FAMILY_ERR" -- dev
	expect "dev list is dev show" 1 "" "$FAMILY_ERR" -- dev list
	expect "d sh: prefixes accepted up to the family lookup" 1 "" "$FAMILY_ERR" -- d sh
	expect "de l: prefix of list" 1 "" "$FAMILY_ERR" -- de l
	expect "dev show INDEX" 1 "" "$FAMILY_ERR" -- dev show 1
	expect "dev show PCI address" 1 "" "$FAMILY_ERR" -- dev show 0000:00:04.0
	expect "dev show IFNAME" 1 "" "$FAMILY_ERR" -- dev show eth0
	expect "dev selftest DEV" 1 "" "$FAMILY_ERR" -- dev selftest 1
	expect "d self: prefix of selftest" 1 "" "$FAMILY_ERR" -- d self eth0
	expect "monitor: family not found" 1 "" "$FAMILY_ERR" -- monitor
	expect "m: prefix of monitor" 1 "" "$FAMILY_ERR" -- m
	expect "-s dev show" 1 "" "$FAMILY_ERR" -- -s dev show
	expect "-j dev show: error on stderr, stdout empty" 1 "" "$FAMILY_ERR" -- -j dev show
	expect "-p dev show: stdout empty" 1 "" "$FAMILY_ERR" -- -p dev show
	expect "-j monitor: stdout empty" 1 "" "$FAMILY_ERR" -- -j monitor
	expect "--json --statistics long options accepted" 1 "" "$FAMILY_ERR" -- --json --statistics dev show
	expect "-json -stat single-dash long forms accepted" 1 "" "$FAMILY_ERR" -- -json -stat dev show
	expect "-js combined short options accepted" 1 "" "$FAMILY_ERR" -- -js dev show
	expect "conn alone is conn show" 1 "" "$FAMILY_ERR" -- conn
	expect "conn show: family not found" 1 "" "$FAMILY_ERR" -- conn show
	expect "conn show dev peer id" 1 "" "$FAMILY_ERR" -- conn show dev eth0 peer 02:00:00:00:00:01 id 1
	expect "-s -j conn list" 1 "" "$FAMILY_ERR" -- -s -j conn list
	expect "conn add: family not found" 1 "" "$FAMILY_ERR" -- conn add dev 1 peer 02:00:00:00:00:01
	expect "conn del: family not found" 1 "" "$FAMILY_ERR" -- conn del id 1 dev 1
	expect "dev set xport reliable: family not found" 1 "" "$FAMILY_ERR" -- dev set 1 xport reliable
	expect "dev set xport raw, prefix x" 1 "" "$FAMILY_ERR" -- dev set eth0 x raw
fi

# ---- output errors ------------------------------------------------------

if [ -w /dev/full ]; then
	"$NICCTL" help >/dev/full 2>"$tmp/err"
	rc=$?
	: >"$tmp/out"
	if [ "$rc" = 1 ] && grep -q '^Error: ' "$tmp/err"; then
		ok "a failed write to stdout is an error"
	else
		not_ok "a failed write to stdout is an error" "expected exit 1 and an Error line"
	fi
else
	skip "a failed write to stdout is an error" "no /dev/full"
fi

# ---- no leaks on the error paths ------------------------------------------

if command -v valgrind >/dev/null 2>&1; then
	for args in "dev show" "-j dev show 1" "monitor" "dev selftest" "foo" "help" \
		"conn show peer 02:00:00:00:00:01" "conn add dev 1" "dev set 1 xport raw"; do
		# shellcheck disable=SC2086
		valgrind --leak-check=full --errors-for-leak-kinds=all \
			--error-exitcode=99 "$NICCTL" $args >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ "$rc" != 99 ] && grep -q 'All heap blocks were freed\|definitely lost: 0 bytes' "$tmp/err"; then
			ok "valgrind: nicctl $args leaks nothing"
		else
			not_ok "valgrind: nicctl $args leaks nothing" "valgrind reported errors or leaks"
		fi
	done
else
	skip "valgrind: error paths leak nothing" "valgrind not installed"
fi

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n failed"
	exit 1
fi
exit 0
