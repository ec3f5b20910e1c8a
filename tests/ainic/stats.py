#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Counters of the NIC under test: the rtnl totals equal the sum of the
per-queue qstats (netdev genl), neither goes backwards across traffic
and a down/up cycle, and they agree with the fabric's counters of the
NIC's switch port. Needs the drivers/net layout (vm-run --remote-netns)."""

import json
import os
import re
import subprocess
import time

from ainic_lib import ksft_run, ksft_exit, ksft_eq, ksft_ge, ksft_true, KsftSkipEx, KsftFailEx
from net.lib.py import NetdevFamily

NETIF = os.environ.get("NETIF")
KEYS = ("rx-packets", "rx-bytes", "tx-packets", "tx-bytes")
RTNL = {"rx-packets": "rx_packets", "rx-bytes": "rx_bytes",
        "tx-packets": "tx_packets", "tx-bytes": "tx_bytes"}


def _need_layout():
    if not NETIF or os.environ.get("REMOTE_TYPE") != "netns":
        raise KsftSkipEx("needs scripts/vm-run --remote-netns")


def _ifindex():
    with open(f"/sys/class/net/{NETIF}/ifindex", encoding="ascii") as f:
        return int(f.read())


def _rtnl():
    out = {}
    for key, name in RTNL.items():
        with open(f"/sys/class/net/{NETIF}/statistics/{name}", encoding="ascii") as f:
            out[key] = int(f.read())
    return out


def _qstats_sum(nf):
    queues = nf.qstats_get({"ifindex": _ifindex(), "scope": "queue"}, dump=True)
    if not queues and not os.environ.get("AINIC_PEER_MODEL"):
        raise KsftFailEx("ainic reports no per-queue stats")
    if not queues:
        raise KsftSkipEx(f"{os.environ['AINIC_PEER_MODEL']} reports no per-queue stats")
    return {k: sum(q.get(k, 0) for q in queues) for k in KEYS}


def _dev_qstats(nf):
    dev = nf.qstats_get({"ifindex": _ifindex()}, dump=True)
    return {k: dev[0].get(k, 0) for k in KEYS}


def _traffic(count=20):
    """Ping the remote COUNT times; return (sent, received) as ping itself
    counted them: the oracle the NIC's counters are held to."""
    out = subprocess.run(["ping", "-q", "-c", str(count), "-i", "0.01", os.environ["REMOTE_V4"]],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    if not m:
        raise KsftFailEx(f"cannot read ping's summary: {out}")
    return int(m.group(1)), int(m.group(2))


# ainic wraps every frame in Ethernet/IPv4/UDP/transport headers (spec §8);
# QEMU's own NICs put the frame on the wire as it is.
ENCAP_BYTES = 0 if os.environ.get("AINIC_PEER_MODEL") else 14 + 20 + 8 + 32
# Counters are read one after the other, not atomically: allow for a few
# frames of background traffic (IPv6 ND, MLD) between the two reads.
SLACK_FRAMES = 3


def _fabric_port():
    if not os.path.exists("/dev/virtio-ports/ainic.fabric"):
        raise KsftSkipEx("needs the fabric (vm-run on the fabric interconnect)")
    # The NIC under test is the first of this VM's NICs (vm-run's layout)
    return os.environ["AINIC_NICS"].split(";")[0].split()[3]


def _fabric_counters(port):
    out = subprocess.run(["fabricctl", "json", "show", port], check=True,
                         capture_output=True, text=True).stdout
    p = json.loads(out.splitlines()[0])
    # The port's rx is what the NIC sent, its tx what the NIC was given
    return {"tx-packets": p["rx"]["packets"], "tx-bytes": p["rx"]["bytes"],
            "rx-packets": p["tx"]["packets"], "rx-bytes": p["tx"]["bytes"]}


# The reliable transport's own frames (spec §10.6), from the device's
# counters in ethtool -S: the fabric carries them besides the host's frames.
XPORT_SENT = ("xport_acks_sent", "xport_nacks_sent", "xport_retx_fast",
              "xport_retx_timeout")
XPORT_TAKEN = ("xport_acks_rcvd", "xport_nacks_rcvd", "xport_dup_dropped",
               "xport_out_of_window", "xport_unknown_conn", "xport_malformed")


def _settled(nf):
    """rtnl, the queues' sum and device-scope qstats, read while no
    counter moved: the kernel itself may send (IPv6 ND, MLD) right after
    the link comes up, between two of the reads."""
    for _ in range(20):
        first = _rtnl()
        qsum, dev = _qstats_sum(nf), _dev_qstats(nf)
        if _rtnl() == first:
            break
        time.sleep(0.25)
    return first, qsum, dev


def _xport():
    out = subprocess.run(["ethtool", "-S", os.environ["NETIF"]],
                         capture_output=True, text=True).stdout
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\s*(xport_\w+): (\d+)$", out, re.M)}


def rtnl_equals_sum_of_queues() -> None:
    _need_layout()
    nf = NetdevFamily()
    before = _rtnl()
    sent, received = _traffic()
    # The link is idle now (only this test talks over it).
    rtnl, qsum, dev = _settled(nf)
    for k in KEYS:
        ksft_eq(qsum[k], rtnl[k], f"{k}: sum of queues = rtnl")
        ksft_eq(dev[k], rtnl[k], f"{k}: device-scope qstats = rtnl")
    # Both sums above come from the driver; ping's own count does not.
    tx, rx = (rtnl["tx-packets"] - before["tx-packets"],
              rtnl["rx-packets"] - before["rx-packets"])
    ksft_true(sent <= tx <= sent + SLACK_FRAMES,
              f"tx packets grew by {tx}: ping sent {sent}")
    ksft_true(received <= rx <= received + SLACK_FRAMES,
              f"rx packets grew by {rx}: ping received {received}")
    ksft_eq(received, sent, "every ping answered")


def monotonic_across_down_up() -> None:
    _need_layout()
    nf = NetdevFamily()
    before = _rtnl()
    subprocess.run(["ip", "link", "set", "dev", NETIF, "down"], check=True)
    down = _rtnl()
    subprocess.run(["ip", "link", "set", "dev", NETIF, "up"], check=True)
    subprocess.run(["ping", "-q", "-c", "1", "-W", "10", os.environ["REMOTE_V4"]],
                   check=False, capture_output=True)
    _traffic()
    after, qsum, _ = _settled(nf)
    for k in KEYS:
        ksft_ge(down[k], before[k], f"{k} kept when the device goes down")
        ksft_ge(after[k], down[k], f"{k} kept across down/up")
        ksft_eq(qsum[k], after[k], f"{k}: queues still add up after down/up")
    ksft_true(after["tx-packets"] > down["tx-packets"], "traffic resumed")


def matches_fabric_port_counters() -> None:
    _need_layout()
    port = _fabric_port()
    nic0, fab0, x0 = _rtnl(), _fabric_counters(port), _xport()
    _traffic(200)
    nic1, fab1, x1 = _rtnl(), _fabric_counters(port), _xport()
    nic = {k: nic1[k] - nic0[k] for k in KEYS}
    fab = {k: fab1[k] - fab0[k] for k in KEYS}
    xp = {k: x1.get(k, 0) - x0.get(k, 0) for k in x1}
    ksft_ge(nic["tx-packets"], 200, "the pings were counted by the NIC")
    for d, own in (("tx", XPORT_SENT), ("rx", XPORT_TAKEN)):
        pkts, nbytes = nic[f"{d}-packets"], nic[f"{d}-bytes"]
        extra = sum(xp.get(k, 0) for k in own)
        print(f"# {d}: the transport's own frames {extra} "
              f"({', '.join(f'{k} {xp.get(k, 0)}' for k in own)})")
        ksft_true(abs(fab[f"{d}-packets"] - pkts - extra) <= SLACK_FRAMES,
                  f"{d} packets: NIC {pkts} + transport {extra}, fabric port "
                  f"{fab[f'{d}-packets']}")
        # Frames here are pings and ND/MLD: none above 200 bytes on the
        # wire; the transport's are ACKs, NACKs and copies of those
        ksft_true(abs(fab[f"{d}-bytes"] - nbytes - ENCAP_BYTES * pkts) <=
                  (SLACK_FRAMES + extra) * (200 + ENCAP_BYTES),
                  f"{d} bytes: NIC {nbytes} + {ENCAP_BYTES} per frame, "
                  f"fabric port {fab[f'{d}-bytes']}")


def main() -> None:
    ksft_run([rtnl_equals_sum_of_queues, monotonic_across_down_up,
              matches_fabric_port_counters])
    ksft_exit()


if __name__ == "__main__":
    main()
