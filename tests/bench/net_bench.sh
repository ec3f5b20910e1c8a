#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/bench, in one VM booted with scripts/vm-run
# --remote-netns on the fabric: iperf3 TCP goodput from the root namespace
# to netns "remote" over the NIC pair under test, for every MTU x loss x
# transport policy x stream count asked, and optionally ping RTT. Each
# sample is one JSON object (one line) appended to $BENCH_OUT, also when it
# failed (goodput null, "error" says why). Settings, from the environment:
#   BENCH_TABLE    label copied into every sample (loss, lossfree)
#   BENCH_ROUND    round number, copied too; seeds the fabric's loss
#   BENCH_MTUS     MTUs, in this order (default 1500)
#   BENCH_LOSSES   random loss in % set on NIC 0's fabric port, both
#                  directions, in this order (default 0)
#   BENCH_XPORTS   ainic transport policies measured in turn at each loss
#                  (reliable, raw; default reliable); other models: none
#   BENCH_STREAMS  iperf3 -P values (default "1 4")
#   BENCH_SECONDS  iperf3 -t (default 8), after 1 s omitted (-O 1)
#   BENCH_RTT      1: also 100 pings per MTU
#   BENCH_OUT      default /mnt/share/samples.jsonl
# Exits 1 if a sample could not be taken.
set -u
table=${BENCH_TABLE:-adhoc} round=${BENCH_ROUND:-1}
mtus=${BENCH_MTUS:-1500} losses=${BENCH_LOSSES:-0}
streams=${BENCH_STREAMS:-1 4} secs=${BENCH_SECONDS:-8}
out=${BENCH_OUT:-/mnt/share/samples.jsonl}
model=${BENCH_MODEL:?BENCH_MODEL: the model vm-run was given}
xports=none
[ "$model" != ainic ] || xports=${BENCH_XPORTS:-reliable}
[ -n "${NETIF:-}" ] && [ "${REMOTE_TYPE:-}" = netns ] ||
	{ echo "net_bench: needs scripts/vm-run --remote-netns" >&2; exit 1; }
# The NIC under test is the model asked for (its driver says so).
case "$model" in
ainic) driver=ainic ;;
virtio-net-pci) driver=virtio_net ;;
*) driver=$model ;;
esac
[ "$(ethtool -i "$NETIF" | awk '$1 == "driver:" { print $2 }')" = "$driver" ] ||
	{ echo "net_bench: $NETIF is not driven by $driver" >&2; exit 1; }
[ -e /dev/virtio-ports/ainic.fabric ] ||
	{ echo "net_bench: needs the fabric (its control port)" >&2; exit 1; }
# remote_ifname(), shared with the kselftests
. "$(dirname "$0")/../ainic/lib.sh"
rif=$(remote_ifname)
port=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $4 }')
tmp=$(mktemp -d)
trap 'fabricctl set "$port" impair both off >/dev/null 2>&1; rm -rf "$tmp"' EXIT
failed=0

# say MSG: progress on stderr (the host's per-boot log)
say() { printf 'net_bench: %s\n' "$*" >&2; }

# emit JSON-FIELDS: append one sample, with the settings it was taken at.
emit() {
	jq -cn --arg table "$table" --argjson round "$round" --arg model "$model" \
		--arg xport "$xport" --argjson mtu "$mtu" --argjson loss "$loss" \
		--argjson secs "$secs" --argjson f "$1" \
		'{table: $table, round: $round, model: $model,
		  xport: (if $xport == "none" then null else $xport end),
		  mtu: $mtu, loss_pct: $loss, seconds: $secs, metric: "goodput"} + $f' |
		tee -a "$out"
}

# fabric_counts: frames offered on NIC 0's port (both directions), frames
# the loss impairment dropped of them, and the port's drops for any other
# cause (egress buffer, ...), from the switch's counters.
fabric_counts() {
	fabricctl json show "$port" | head -1 |
		jq -r '(.rx.drops.loss + .tx.drops.loss) as $loss
		       | ([.rx.drops[], .tx.drops[]] | add) as $all
		       | "\(.rx.packets + .tx.packets + $loss) \($loss) \($all - $loss)"'
}

# xport_counts: the ainic transport's packets sent and retransmitted (fast,
# timeout), both NICs together (ethtool -S); zeros for other models.
xport_counts() {
	{ ethtool -S "$NETIF"; ip netns exec "$REMOTE_ARGS" ethtool -S "$rif"; } 2>/dev/null |
		awk '$1 == "xport_tx_pkts:" { p += $2 } $1 == "xport_retx_fast:" { f += $2 }
		     $1 == "xport_retx_timeout:" { t += $2 } END { printf "%d %d %d\n", p, f, t }'
}

# nic_drops: frames both NICs' drivers counted as dropped or missed on
# receive (the kernel's link statistics).
nic_drops() {
	{ cat /sys/class/net/"$NETIF"/statistics/{rx_dropped,rx_missed_errors,rx_fifo_errors}
	  ip netns exec "$REMOTE_ARGS" cat /sys/class/net/"$rif"/statistics/{rx_dropped,rx_missed_errors,rx_fifo_errors}
	} 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}

# set_xport POLICY: the transport policy of both ainic devices, checked
# with nicctl dev show.
set_xport() {
	local dev devs
	[ "$1" != none ] || return 0
	devs=$(nicctl -j dev show | jq -r '.[].bus_name')
	[ "$(wc -w <<<"$devs")" = 2 ] || return 1
	for dev in $devs; do
		nicctl dev set "$dev" xport "$1" >&2 || return 1
		[ "$(nicctl -j dev show "$dev" | jq -r '.[0].xport')" = "$1" ] || return 1
	done
}

# wait_listen: until the remote iperf3 server listens (5 s at most).
wait_listen() {
	local t
	for ((t = 0; t < 50; t++)); do
		ip netns exec "$REMOTE_ARGS" ss -Hltn 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# goodput N: one iperf3 TCP run with N streams; prints its sample fields.
# Goodput is what the receiver got, from the server's own intervals
# outside the omitted first second (a server run with -J, and the client's
# --get-server-output).
goodput() {
	local n=$1 srv rc f f0 f1 x0 x1 d0 d1
	read -r -a f0 <<<"$(fabric_counts)"
	read -r -a x0 <<<"$(xport_counts)"
	d0=$(nic_drops)
	ip netns exec "$REMOTE_ARGS" iperf3 -s -1 -J -B "$REMOTE_V4" -p 5201 >/dev/null 2>&1 &
	srv=$!
	if ! wait_listen; then
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		printf '{"streams": %d, "goodput_bps": null, "error": "the iperf3 server did not start"}' "$n"
		return 1
	fi
	timeout $((secs + 90)) iperf3 -c "$REMOTE_V4" -p 5201 -t "$secs" -O 1 -P "$n" -J \
		--get-server-output >"$tmp/iperf.json" 2>"$tmp/iperf.err"
	rc=$?
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	read -r -a f1 <<<"$(fabric_counts)"
	read -r -a x1 <<<"$(xport_counts)"
	d1=$(nic_drops)
	f=$(jq -c --argjson n "$n" --argjson rc "$rc" \
		--argjson frames $((${f1[0]:-0} - ${f0[0]:-0})) --argjson lost $((${f1[1]:-0} - ${f0[1]:-0})) \
		--argjson other $((${f1[2]:-0} - ${f0[2]:-0})) --argjson nicdrops $((d1 - d0)) \
		--argjson xtx $((${x1[0]:-0} - ${x0[0]:-0})) --argjson xfast $((${x1[1]:-0} - ${x0[1]:-0})) \
		--argjson xto $((${x1[2]:-0} - ${x0[2]:-0})) '
		(.server_output_json.intervals // [] | map(select(.sum.omitted | not))) as $iv
		| (if .error == null and $rc == 0 and ($iv | length) > 0
		   then ($iv | map(.sum.bytes) | add) * 8 / ($iv | map(.sum.seconds) | add)
		   else null end) as $g
		| {streams: $n, goodput_bps: $g,
		   sender_bps: .end.sum_sent.bits_per_second,
		   tcp_retransmits: .end.sum_sent.retransmits,
		   fabric_frames: $frames, fabric_lost: $lost, fabric_other_drops: $other,
		   nic_rx_drops: $nicdrops,
		   xport_tx_pkts: $xtx, xport_retx_fast: $xfast, xport_retx_timeout: $xto}
		+ (if $g == null then {error: (.error // (if $rc != 0 then "iperf3 exited \($rc)"
			else "no receiver intervals in its output" end))} else {} end)' \
		"$tmp/iperf.json" 2>/dev/null)
	if [ -n "$f" ]; then
		echo "$f"
		jq -e '.goodput_bps != null' <<<"$f" >/dev/null
		return
	fi
	printf '{"streams": %d, "goodput_bps": null, "error": "iperf3 exited %s: %s"}' "$n" "$rc" \
		"$(head -c 200 "$tmp/iperf.err" | tr -d '"\\\n')"
	return 1
}

# rtt: the average of 100 pings, in ms.
rtt() {
	local r
	r=$(ping -q -c 100 -i 0.02 "$REMOTE_V4" | awk -F/ '/^rtt/ { print $5 }')
	if [ -n "$r" ]; then
		printf '{"metric": "rtt_ms", "rtt_ms": %s}' "$r"
	else
		printf '{"metric": "rtt_ms", "rtt_ms": null, "error": "ping got no reply"}'
		return 1
	fi
}

fabricctl set "$port" impair both off >/dev/null || { say "the fabric refused 'impair off'"; exit 1; }
for mtu in $mtus; do
	xport=none loss=0
	if ! ip link set dev "$NETIF" mtu "$mtu" ||
	   ! ip -n "$REMOTE_ARGS" link set dev "$rif" mtu "$mtu" ||
	   ! ping -q -c 3 -W 5 "$REMOTE_V4" >/dev/null; then
		say "no connectivity at MTU $mtu"
		exit 1
	fi
	if [ "${BENCH_RTT:-0}" = 1 ]; then
		set_xport "${xports%% *}" || { say "cannot set xport ${xports%% *}"; exit 1; }
		xport=${xports%% *}
		f=$(rtt) || failed=1
		emit "$f" >/dev/null
	fi
	for loss in $losses; do
		if ! fabricctl set "$port" impair both loss "$loss" seed $((round * 1000 + ${loss%%.*})) >/dev/null; then
			say "the fabric refused loss $loss"
			exit 1
		fi
		for xport in $xports; do
			set_xport "$xport" || { say "cannot set xport $xport"; exit 1; }
			for n in $streams; do
				say "MTU $mtu, loss $loss%, $model, xport $xport, $n stream(s)"
				f=$(goodput "$n") || failed=1
				emit "$f" >/dev/null
			done
		done
	done
done
exit $failed
