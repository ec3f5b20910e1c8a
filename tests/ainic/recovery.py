#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Recovery through the devlink health reporters, without a fault.

devlink health test on fw_fatal raises a report that the driver recovers
from by resetting the device, which forgets its MTU, MAC and queues
(spec §3.2); the driver must replay them with the netdev still
registered. The witness of the MTU replay is the device
itself: it drops frames beyond its MTU (§7.2), so jumbo pings only get
through if the jumbo MTU was programmed again after the reset. The
tx_timeout reporter's recovery restarts the queue pairs. Needs the
drivers/net layout (scripts/vm-run --remote-netns).
"""

import json
import os
import subprocess
import time

from ainic_lib import (ksft_run, ksft_exit, ksft_eq, ksft_ge, ksft_true,
                       KsftSkipEx)

NETIF = os.environ.get("NETIF")
REMOTE_V4 = os.environ.get("REMOTE_V4")
REMOTE_NS = os.environ.get("REMOTE_ARGS", "remote")
JUMBO = 9000
JUMBO_PING = 4000


def _run(*argv, check=True):
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and res.returncode:
        raise AssertionError(f"{' '.join(argv)} failed ({res.returncode}): "
                             f"{res.stdout}{res.stderr}")
    return res


def _need_layout():
    if not NETIF or os.environ.get("REMOTE_TYPE") != "netns":
        raise KsftSkipEx("needs scripts/vm-run --remote-netns")


def _devlink_dev():
    pci = os.path.basename(os.path.realpath(f"/sys/class/net/{NETIF}/device"))
    return f"pci/{pci}"


def _health(reporter):
    out = json.loads(_run("devlink", "-j", "health", "show", _devlink_dev(),
                          "reporter", reporter).stdout)
    for reps in out["health"].values():
        for rep in reps:
            if rep["reporter"] == reporter:
                return rep
    raise AssertionError(f"no {reporter} reporter")


def _test_and_wait(reporter, timeout=60):
    """devlink health test REPORTER; wait for its automatic recovery."""
    before = _health(reporter)
    _run("devlink", "health", "test", _devlink_dev(), "reporter", reporter)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        now = _health(reporter)
        if now["recover"] > before["recover"] and now["state"] == "healthy":
            break
        time.sleep(0.5)
    # Past the grace period, so that the next test recovers too
    time.sleep(1)
    return before, _health(reporter)


def _ping(size=None):
    argv = ["ping", "-q", "-c", "3", "-W", "5", "-i", "0.2"]
    if size:
        argv += ["-s", str(size), "-M", "do"]
    return _run(*argv, REMOTE_V4, check=False).returncode == 0


def _remote_ifname():
    out = _run("ip", "-n", REMOTE_NS, "-o", "-4", "addr", "show", "to",
               REMOTE_V4).stdout
    return out.split()[1]


def _sysfs(attr):
    with open(f"/sys/class/net/{NETIF}/{attr}", encoding="ascii") as f:
        return int(f.read())


def _channels():
    out = _run("ethtool", "-l", NETIF).stdout
    cur = out.split("Current hardware settings:")[1]
    for line in cur.splitlines():
        if line.startswith("Combined:"):
            return int(line.split()[1])
    raise AssertionError("no combined channel count")


def fw_fatal_recover_replays_mtu_and_queues() -> None:
    _need_layout()
    remote = _remote_ifname()
    _run("ip", "link", "set", "dev", NETIF, "mtu", str(JUMBO))
    _run("ip", "-n", REMOTE_NS, "link", "set", "dev", remote, "mtu", str(JUMBO))
    try:
        ksft_true(_ping(JUMBO_PING), "jumbo ping before the reset")
        ifindex, rx = _sysfs("ifindex"), _sysfs("statistics/rx_packets")
        channels = _channels()

        before, after = _test_and_wait("fw_fatal")

        ksft_eq(after["error"] - before["error"], 1, "one error reported")
        ksft_eq(after["recover"] - before["recover"], 1, "one recovery counted")
        ksft_eq(after["state"], "healthy", "reporter healthy")
        ksft_eq(_sysfs("ifindex"), ifindex, "netdev stayed registered")
        ksft_eq(_channels(), channels, "channel count kept")
        ksft_true(_ping(JUMBO_PING),
                  "jumbo ping after the reset: the device has the MTU again")
        ksft_ge(_sysfs("statistics/rx_packets"), rx, "counters never went back")
    finally:
        _run("ip", "link", "set", "dev", NETIF, "mtu", "1500", check=False)
        _run("ip", "-n", REMOTE_NS, "link", "set", "dev", remote, "mtu", "1500",
             check=False)
    ksft_true(_ping(), "ping at MTU 1500")


def fw_fatal_recover_while_down() -> None:
    _need_layout()
    _run("ip", "link", "set", "dev", NETIF, "down")
    try:
        before, after = _test_and_wait("fw_fatal")
    finally:
        _run("ip", "link", "set", "dev", NETIF, "up")
    ksft_eq(after["recover"] - before["recover"], 1, "recovered while down")
    ksft_true(_ping(), "ping after up")


def tx_timeout_recover_restarts_queues() -> None:
    _need_layout()
    channels = _channels()
    before, after = _test_and_wait("tx_timeout")
    ksft_eq(after["recover"] - before["recover"], 1, "one recovery counted")
    ksft_eq(_channels(), channels, "channel count kept")
    ksft_true(_ping(), "ping after the queues restarted")


def fw_fatal_dump_has_registers() -> None:
    _need_layout()
    dev = _devlink_dev()
    _run("devlink", "health", "dump", "clear", dev, "reporter", "fw_fatal")
    out = json.loads(_run("devlink", "-j", "health", "dump", "show", dev,
                          "reporter", "fw_fatal").stdout)
    ksft_true("registers" in out and "dev_status" in out["registers"],
              f"dump holds the device registers: {out}")
    ksft_true(out["present"], "device present")


def main() -> None:
    ksft_run([fw_fatal_recover_replays_mtu_and_queues,
              fw_fatal_recover_while_down,
              tx_timeout_recover_restarts_queues,
              fw_fatal_dump_has_registers])
    ksft_exit()


if __name__ == "__main__":
    main()
