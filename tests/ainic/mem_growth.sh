#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MEM_GROWTH_PKTS packets (1,000,000 unless told; scripts/check sends
# 250,000, the debug lane 10,000) through every TX queue (kernel pktgen,
# one queue at a time, many UDP flows so that the receiver spreads them
# over its RX queues) and memory does not grow: slab usage after the run is within a
# small margin of before, once the driver had a first run to fill its
# caches. Needs the drivers/net layout (scripts/vm-run --remote-netns).

. "$(dirname "$0")/lib.sh"

PKTS=${MEM_GROWTH_PKTS:-1000000}
SLACK_KB=2048

ktap_print_header
if [ -z "${NETIF:-}" ] || [ "${REMOTE_TYPE:-}" != netns ]; then
	ktap_skip_all "needs scripts/vm-run --remote-netns"
	exit "$KSFT_SKIP"
fi
modprobe pktgen || { ktap_skip_all "no pktgen"; exit "$KSFT_SKIP"; }
queues=$(ls -d /sys/class/net/"$NETIF"/queues/tx-* | wc -l)
ktap_set_plan $((queues + 1))
rif=$(remote_ifname)
dst_mac=$(ip netns exec "$REMOTE_ARGS" cat "/sys/class/net/$rif/address")

pg() { echo "$2" >"/proc/net/pktgen/$1"; }
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
rx_packets() { ip netns exec "$REMOTE_ARGS" cat "/sys/class/net/$rif/statistics/rx_packets"; }

# blast QUEUE COUNT: COUNT UDP packets out of TX queue QUEUE.
blast() {
	local dev="$NETIF@$1"
	pg kpktgend_0 "rem_device_all"
	pg kpktgend_0 "add_device $dev"
	pg "$dev" "count $2"
	pg "$dev" "pkt_size 64"
	pg "$dev" "dst $REMOTE_V4"
	pg "$dev" "dst_mac $dst_mac"
	pg "$dev" "udp_src_min 1000"
	pg "$dev" "udp_src_max 1999"
	pg "$dev" "flag UDPSRC_RND"
	pg "$dev" "queue_map_min $1"
	pg "$dev" "queue_map_max $1"
	pg "$dev" "flag QUEUE_MAP_RND"
	pg pgctrl start
	grep -o 'pkts-sofar: [0-9]*' "/proc/net/pktgen/$dev" | awk '{ print $2 }'
	pg kpktgend_0 "rem_device_all"
}

# The fabric is the witness of what crossed: the port of the NIC under
# test (what it sent) and the remote's port (what the remote was given,
# and what the switch dropped on the way).
lport=$(echo "$AINIC_NICS" | cut -d';' -f1 | awk '{ print $4 }')
rport=$(echo "$AINIC_NICS" | cut -d';' -f2 | awk '{ print $4 }')
fab() {
	fabricctl json show "$1" | head -1 |
		jq -r "if \"$2\" == \"drops\" then ([.tx.drops[]] | add) else .$2.packets end"
}
rx_lost() {
	ip netns exec "$REMOTE_ARGS" ip -j -s link show dev "$rif" |
		jq -r '.[0].stats64.rx | .dropped + .missed + .errors'
}
SLACK_PKTS=20	# background IPv6 ND/MLD during a run
# The reliable transport (spec §10) sends frames of its own: DATA again
# (RNR when the remote's host falls behind, a timeout on a slow guest) and
# ACKs for what it receives (the remote's ICMP errors). The device's own
# count of them widens what the fabric may carry, nothing else. With the
# transport off the counters are absent or still, and nothing changes.
retx() {
	ethtool -S "$NETIF" 2>/dev/null |
		awk '/^ *xport_(retx_fast|retx_timeout|acks_sent|nacks_sent):/ { n += $2 }
		     END { print n + 0 }'
}

ping -q -c 1 -W 5 "$REMOTE_V4" >/dev/null
blast 0 20000 >/dev/null		# warm up caches and page pools
sleep 1
# Caches dropped before both readings, so only what the driver kept counts.
echo 3 >/proc/sys/vm/drop_caches
sleep 1
slab0=$(slab_kb)
for ((q = 0; q < queues; q++)); do
	rx0=$(rx_packets) lost0=$(rx_lost)
	w0=$(fab "$lport" rx) g0=$(fab "$rport" tx) d0=$(fab "$rport" drops)
	r0=$(retx)
	sent=$(blast "$q" "$PKTS")
	sleep 1
	rx=$(( $(rx_packets) - rx0 )) lost=$(( $(rx_lost) - lost0 ))
	wire=$(( $(fab "$lport" rx) - w0 ))
	given=$(( $(fab "$rport" tx) - g0 )) dropped=$(( $(fab "$rport" drops) - d0 ))
	again=$(( $(retx) - r0 ))
	ktap_print_msg "queue $q: pktgen sent $sent; fabric took $wire, gave the remote $given, dropped $dropped; remote received $rx, lost $lost; the NIC's transport sent $again frames of its own"
	# Every packet is accounted for: the NIC put each on the wire (some
	# twice, by its own count), the switch delivered or dropped (and
	# counted) each, and the remote NIC received or counted each it was
	# given, less the copies a receiving transport drops as duplicates.
	[ "$sent" = "$PKTS" ] &&
		[ "$wire" -ge "$PKTS" ] && [ "$wire" -le $((PKTS + again + SLACK_PKTS)) ] &&
		[ $((given + dropped)) -ge "$PKTS" ] && [ $((given + dropped)) -le $((wire + SLACK_PKTS)) ] &&
		[ $((rx + lost)) -ge $((given - again - SLACK_PKTS)) ] && [ $((rx + lost)) -le $((given + SLACK_PKTS)) ] &&
		[ $((rx + lost)) -le $((PKTS + SLACK_PKTS)) ]	# none twice
	ktap_expect "TX queue $q: $PKTS packets sent, each one received or counted as dropped" $?
done
echo 3 >/proc/sys/vm/drop_caches
sleep 1
slab1=$(slab_kb)
ktap_print_msg "slab: $slab0 kB before, $slab1 kB after"
[ $((slab1 - slab0)) -le $SLACK_KB ]
ktap_expect "slab grew by at most $SLACK_KB kB" $?
ktap_finished
