#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Counters of the NIC under test: the rtnl totals equal the sum of the
per-queue qstats (netdev genl), and neither goes backwards across traffic
and a down/up cycle. Needs the drivers/net layout (vm-run --remote-netns)."""

import os
import subprocess

from ainic_lib import ksft_run, ksft_exit, ksft_eq, ksft_ge, ksft_true, KsftSkipEx
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
    if not queues:
        raise KsftSkipEx("the driver reports no per-queue stats")
    return {k: sum(q.get(k, 0) for q in queues) for k in KEYS}


def _dev_qstats(nf):
    dev = nf.qstats_get({"ifindex": _ifindex()}, dump=True)
    return {k: dev[0].get(k, 0) for k in KEYS}


def _traffic():
    subprocess.run(["ping", "-q", "-c", "20", "-i", "0.01", os.environ["REMOTE_V4"]],
                   check=True, capture_output=True)


def rtnl_equals_sum_of_queues() -> None:
    _need_layout()
    nf = NetdevFamily()
    _traffic()
    # The link is idle now (only this test talks over it).
    rtnl, qsum, dev = _rtnl(), _qstats_sum(nf), _dev_qstats(nf)
    for k in KEYS:
        ksft_eq(qsum[k], rtnl[k], f"{k}: sum of queues = rtnl")
        ksft_eq(dev[k], rtnl[k], f"{k}: device-scope qstats = rtnl")
    ksft_ge(rtnl["tx-packets"], 20, "the pings were counted")


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
    after, qsum = _rtnl(), _qstats_sum(nf)
    for k in KEYS:
        ksft_ge(down[k], before[k], f"{k} kept when the device goes down")
        ksft_ge(after[k], down[k], f"{k} kept across down/up")
        ksft_eq(qsum[k], after[k], f"{k}: queues still add up after down/up")
    ksft_true(after["tx-packets"] > down["tx-packets"], "traffic resumed")


def main() -> None:
    ksft_run([rtnl_equals_sum_of_queues, monotonic_across_down_up])
    ksft_exit()


if __name__ == "__main__":
    main()
