#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Connections and the transport policy across a device reset: the driver
makes the connections of conn add again and gives the device its policy
again after recovery (devlink health test on fw_fatal), as the device's
own answers show (conn show's values come from CONN_QUERY; xport_tx_pkts
is the device's counter). Needs the drivers/net layout (vm-run
--remote-netns); in the ksft-recovery suite."""

import json
import os
import subprocess
import time

from ainic_lib import ksft_run, ksft_exit, ksft_eq, ksft_true, nicctl, nicctl_json
from conn import NETIF, TEST_MAC, _layout, _conns, _ping, _ethtool_stat


def _devlink_fw_fatal():
    pci = os.path.basename(os.path.realpath(f"/sys/class/net/{NETIF}/device"))
    out = subprocess.run(["devlink", "-j", "health", "show", f"pci/{pci}", "reporter",
                          "fw_fatal"], check=True, capture_output=True, text=True).stdout
    rep = next(r for reps in json.loads(out)["health"].values() for r in reps)
    return pci, rep


def reset_replays_added_connections_and_policy() -> None:
    """A device reset (devlink health test: the full recovery) drops the
    device's connections and policy; the driver makes conn add's again and
    sets the policy again, as the device's own answers then show."""
    _layout()
    cid = nicctl_json("conn", "add", "dev", NETIF, "peer", TEST_MAC)[0]["id"]
    try:
        nicctl("dev", "set", NETIF, "xport", "raw")
        pci, before = _devlink_fw_fatal()
        subprocess.run(["devlink", "health", "test", f"pci/{pci}", "reporter", "fw_fatal"],
                       check=True, capture_output=True)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            _, now = _devlink_fw_fatal()
            if now["recover"] > before["recover"] and now["state"] == "healthy":
                break
            time.sleep(0.5)
        ksft_true(now["recover"] > before["recover"], "the device was recovered")
        time.sleep(1)   # past the reporter's grace period, for later tests
        # The values of conn show are the device's (CONN_QUERY)
        again = [c for c in _conns() if c["peer"] == TEST_MAC]
        ksft_eq([(c["state"], c["added"]) for c in again], [("idle", True)],
                f"the conn add connection exists on the device again: {again}")
        if again:
            cid = again[0]["id"]
        ksft_eq(nicctl_json("dev", "show", NETIF)[0].get("xport"), "raw",
                "dev show: raw kept")
        _ping(2)
        before_pkts = _ethtool_stat("xport_tx_pkts")
        sent, received = _ping(5)
        ksft_eq(received, sent, "ping works after the reset")
        ksft_eq(_ethtool_stat("xport_tx_pkts"), before_pkts,
                "the device got the raw policy again (no transport DATA)")
    finally:
        nicctl("dev", "set", NETIF, "xport", "reliable")
        nicctl("conn", "del", "dev", NETIF, "id", str(cid), check=False)
    ksft_true(TEST_MAC not in [c["peer"] for c in _conns()], "deleted again")


def main() -> None:
    ksft_run([reset_replays_added_connections_and_policy])
    ksft_exit()


if __name__ == "__main__":
    main()
