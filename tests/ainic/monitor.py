#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Notifications and namespaces: `nicctl monitor` in the root namespace and
in netns "remote" prints a dev-change notification for a self test and for
a link change made at the fabric; every listener hears of every device,
but a netdev's ifindex and name reach only callers and listeners in that
netdev's namespace, in notifications as in dumps. What to expect comes
from vm-run's layout (NIC 0 in the root namespace, NIC 1 moved to
"remote", their MACs in AINIC_NICS) and from the fabric port the test took
down itself. Needs scripts/vm-run --remote-netns on the fabric."""

import json
import os
import signal
import subprocess
import tempfile
import time

from ainic_lib import (ksft_run, ksft_exit, ksft_eq, ksft_true, ksft_in,
                       KsftFailEx, KsftSkipEx, expected_nics, need_bound)

NS = os.environ.get("REMOTE_ARGS", "remote")


def _layout():
    if not os.environ.get("NETIF") or os.environ.get("REMOTE_TYPE") != "netns":
        raise KsftSkipEx("needs scripts/vm-run --remote-netns")
    nics = expected_nics()
    if len(nics) != 2:
        raise KsftFailEx(f"the --remote-netns layout has 2 NICs, AINIC_NICS lists {len(nics)}")
    return nics[0], nics[1]


def _netns(argv, ns):
    return ["ip", "netns", "exec", ns, *argv] if ns else argv


def _dev_show(ns=None):
    res = subprocess.run(_netns(["nicctl", "-j", "dev", "show"], ns),
                         capture_output=True, text=True, check=True)
    return {d["mac"]: d for d in json.loads(res.stdout)}


def _ifname_of_mac(mac, ns=None):
    res = subprocess.run(_netns(["ip", "-j", "link", "show"], ns),
                         capture_output=True, text=True, check=True)
    for link in json.loads(res.stdout):
        if link.get("address") == mac:
            return link["ifname"]
    raise KsftFailEx(f"no netdev with MAC {mac} in {ns or 'the root namespace'}")


class Monitor:
    """`nicctl -j monitor` in a namespace, its JSON lines collected."""

    def __init__(self, ns=None):
        self.out = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(_netns(["nicctl", "-j", "monitor"], ns),
                                     stdout=self.out, stderr=subprocess.PIPE, text=True)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise KsftFailEx("nicctl monitor did not stop on SIGTERM")
        return rc, self.events(), self.proc.stderr.read()


    def events(self):
        self.out.seek(0)
        return [json.loads(line) for line in self.out.read().splitlines() if line.strip()]


def _with_monitors(action, warmup_bus):
    """Run ACTION with a monitor in each namespace; return the events each
    saw because of it. nicctl joins its group some time after it starts,
    and what is sent before is (rightly) not seen: self tests of the
    device at WARMUP_BUS are run until both monitors heard one, and only
    what came after counts."""
    mons = Monitor(), Monitor(NS)
    try:
        for _ in range(50):
            subprocess.run(["nicctl", "dev", "selftest", warmup_bus], check=True,
                           capture_output=True)
            time.sleep(0.2)
            if all(m.events() for m in mons):
                break
        else:
            raise KsftFailEx("the monitors heard none of 50 self tests")
        time.sleep(1)   # the last warm-up notification is out
        seen = [len(m.events()) for m in mons]
        action()
        time.sleep(1)   # notifications are sent from a work item
    finally:
        res = [m.stop() for m in mons]
    for rc, _, err in res:
        ksft_eq(rc, 0, f"nicctl monitor exits 0 on SIGTERM ({err.strip()})")
    return res[0][1][seen[0]:], res[1][1][seen[1]:]


def _events_for(events, mac):
    return [e for e in events if e.get("event") == "dev-change" and e.get("mac") == mac]


def dumps_hide_other_namespaces_netdevs() -> None:
    local, remote = _layout()
    need_bound(list(_dev_show().values()))
    lname, rname = _ifname_of_mac(local["mac"]), _ifname_of_mac(remote["mac"], NS)
    root_view, ns_view = _dev_show(), _dev_show(NS)
    for view, where in ((root_view, "root"), (ns_view, NS)):
        ksft_eq(sorted(view), sorted([local["mac"], remote["mac"]]),
                f"{where}: every device is listed")
    ksft_eq(root_view[local["mac"]].get("ifname"), lname, "root: its own netdev's name")
    ksft_true("ifname" not in root_view[remote["mac"]] and
              "ifindex" not in root_view[remote["mac"]],
              "root: no name or ifindex of the netdev in netns remote")
    ksft_eq(ns_view[remote["mac"]].get("ifname"), rname, f"{NS}: its own netdev's name")
    ksft_true("ifname" not in ns_view[local["mac"]] and
              "ifindex" not in ns_view[local["mac"]],
              f"{NS}: no name or ifindex of the root namespace's netdev")


def selftest_is_announced() -> None:
    local, remote = _layout()
    bus = _dev_show()[local["mac"]]["bus_name"]
    warm = _dev_show()[remote["mac"]]["bus_name"]
    root_ev, ns_ev = _with_monitors(
        lambda: subprocess.run(["nicctl", "dev", "selftest", bus], check=True,
                               capture_output=True), warm)
    r, n = _events_for(root_ev, local["mac"]), _events_for(ns_ev, local["mac"])
    ksft_true(r, f"root listener heard of the self test on {bus}: {root_ev}")
    ksft_true(n, f"{NS} listener heard of it too: {ns_ev}")
    if r and n:
        ksft_eq(r[-1].get("ifname"), _ifname_of_mac(local["mac"]), "root: with the name")
        ksft_true("ifname" not in n[-1] and "ifindex" not in n[-1],
                  f"{NS}: without the root namespace's netdev name")
    ksft_true(not _events_for(root_ev, remote["mac"]),
              "no notification for the device that was not touched")


def link_change_is_announced() -> None:
    local, remote = _layout()
    port = str(remote["port"])
    warm = _dev_show()[local["mac"]]["bus_name"]

    def flap():
        subprocess.run(["fabricctl", "set", port, "link", "down"], check=True,
                       capture_output=True)
        time.sleep(1)
        subprocess.run(["fabricctl", "set", port, "link", "up"], check=True,
                       capture_output=True)
    root_ev, ns_ev = _with_monitors(flap, warm)
    for events, where in ((root_ev, "root"), (ns_ev, NS)):
        links = [e.get("link") for e in _events_for(events, remote["mac"])]
        ksft_in("down", links, f"{where}: link down on fabric port {port} announced ({links})")
        ksft_eq(links[-1] if links else None, "up", f"{where}: the last word is link up")
    n = _events_for(ns_ev, remote["mac"])
    if n:
        ksft_eq(n[-1].get("ifname"), _ifname_of_mac(remote["mac"], NS),
                f"{NS}: with its own netdev's name")


def main() -> None:
    ksft_run([dumps_hide_other_namespaces_netdevs, selftest_is_announced,
              link_change_is_announced])
    ksft_exit()


if __name__ == "__main__":
    main()
