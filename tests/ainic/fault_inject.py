#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Systematic fault injection into ainic (debug kernel lane).

For each operation (interface up, channel and ring resize, MTU change,
probe, and a connection's set-up and teardown by conn-add and conn-del)
the test walks the allocations ainic makes: failslab and
fail_page_alloc are limited to call chains through ainic's code (the
stack-trace filter), and /proc/thread-self/fail-nth fails the n-th of them
for n = 1, 2, ... until the operation gets through without reaching n.
Every injected failure must end in a clean error or a degraded success,
and afterwards the NIC must still work (the operation succeeds without
faults and the remote answers pings). Splats and leaks are caught by the
VM runner and the kmemleak scan of scripts/check-debug.

Needs a kernel with CONFIG_FAULT_INJECTION_STACKTRACE_FILTER, failslab and
fail_page_alloc (scripts/build-debug-kernel) and the drivers/net layout
(scripts/vm-run --remote-netns). The operations are done from this very
thread (ioctl, sysfs writes, netlink requests, which the kernel handles in
the sender's context) because fail-nth is per task.
"""

import array
import fcntl
import os
import socket
import struct
import subprocess

from ainic_lib import (ksft_run, ksft_exit, ksft_true, KsftSkipEx, NlError,
                       ainic_family, nicctl_json)

NETIF = os.environ.get("NETIF")
DEBUGFS = "/sys/kernel/debug"
FAULT_TYPES = ("failslab", "fail_page_alloc")
# Bound per operation; a walk that reaches it fails (runaway allocations)
MAX_STEPS = int(os.environ.get("FAULT_MAX_STEPS", "4000"))
# Fault points are walked one by one up to here, then sparser: beyond, they
# are mostly the RX rings' pages, one per buffer, whose failures are alike
# (the first queue's set-up fits in 32; the others repeat it).
DENSE_STEPS = int(os.environ.get("FAULT_DENSE_STEPS", "32"))

SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFMTU, SIOCETHTOOL = 0x8913, 0x8914, 0x8922, 0x8946
IFF_UP = 0x1
ETHTOOL_GCHANNELS, ETHTOOL_SCHANNELS = 0x3c, 0x3d
ETHTOOL_GRINGPARAM, ETHTOOL_SRINGPARAM = 0x10, 0x11


class Nic:
    """ioctl access to one netdev, made from the calling thread."""

    def __init__(self, name):
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def _ifreq(self, req, fmt, *vals):
        buf = struct.pack("16s" + fmt, self.name.encode(), *vals)
        buf = buf.ljust(40, b"\0")
        return fcntl.ioctl(self.sock, req, buf)

    def set_up(self, up):
        flags = struct.unpack_from("16sH", self._ifreq(SIOCGIFFLAGS, "H", 0))[1]
        flags = flags | IFF_UP if up else flags & ~IFF_UP
        self._ifreq(SIOCSIFFLAGS, "H", flags)

    def set_mtu(self, mtu):
        self._ifreq(SIOCSIFMTU, "i", mtu)

    def _ethtool(self, words):
        data = array.array("I", words)
        addr = data.buffer_info()[0]
        self._ifreq(SIOCETHTOOL, "P", addr)
        return list(data)

    def set_channels(self, combined=None):
        """Set the combined channels; None: as many as the NIC offers."""
        cur = self._ethtool([ETHTOOL_GCHANNELS] + [0] * 8)
        cur[0], cur[8] = ETHTOOL_SCHANNELS, combined or cur[4]
        self._ethtool(cur)

    def set_rings(self, entries):
        cur = self._ethtool([ETHTOOL_GRINGPARAM] + [0] * 8)
        cur[0], cur[5], cur[8] = ETHTOOL_SRINGPARAM, entries, entries
        self._ethtool(cur)


def _write(path, value):
    with open(path, "w", encoding="ascii") as f:
        f.write(str(value))


def _read(path):
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def _ainic_text_range():
    """Start and end of ainic.ko's code, from its symbols."""
    addrs = []
    with open("/proc/kallsyms", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and parts[3] == "[ainic]" and parts[1] in "tT":
                addrs.append(int(parts[0], 16))
    if not addrs or not max(addrs):
        raise KsftSkipEx("cannot read ainic's symbol addresses")
    return min(addrs), max(addrs) + 4096


def _kernel_function_range(name):
    """Start and end of a kernel function's code, from the symbol table."""
    addrs, start = [], None
    with open("/proc/kallsyms", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tT":
                continue
            addr = int(parts[0], 16)
            addrs.append(addr)
            if parts[2] == name and len(parts) == 3:
                start = addr
    if not start:
        raise KsftSkipEx(f"cannot find {name} in the kernel's symbols")
    return start, min(a for a in addrs if a > start)


def _setup_injection():
    for t in FAULT_TYPES:
        if not os.path.isdir(f"{DEBUGFS}/{t}"):
            raise KsftSkipEx(f"the kernel has no {t} (use the debug kernel)")
        if not os.path.exists(f"{DEBUGFS}/{t}/require-start"):
            raise KsftSkipEx("the kernel has no fault-injection stack-trace filter")
    start, end = _ainic_text_range()
    # The kernel's own /proc/irq/N code ignores its allocation failures and
    # then WARNs when removing the entries it never made: not ainic's to fix.
    reject_start, reject_end = _kernel_function_range("register_irq_proc")
    for t in FAULT_TYPES:
        d = f"{DEBUGFS}/{t}"
        _write(f"{d}/probability", 0)  # only fail-nth injects
        _write(f"{d}/require-start", start)
        _write(f"{d}/require-end", end)
        _write(f"{d}/reject-start", reject_start)
        _write(f"{d}/reject-end", reject_end)
        _write(f"{d}/stacktrace-depth", 32)
        _write(f"{d}/ignore-gfp-wait", "N")
        _write(f"{d}/verbose", 0)
    _write(f"{DEBUGFS}/fail_page_alloc/ignore-gfp-highmem", "N")
    _write(f"{DEBUGFS}/fail_page_alloc/min-order", 0)


def _injected_call(nth, op):
    """Run op with the nth ainic allocation failing; True if it was reached."""
    _write("/proc/thread-self/fail-nth", nth)
    try:
        op()
    except OSError:
        pass  # a clean error is what an injected failure should give
    left = int(_read("/proc/thread-self/fail-nth"))
    _write("/proc/thread-self/fail-nth", 0)
    return left == 0


def _ping():
    res = subprocess.run(["ping", "-q", "-c", "1", "-W", "3", os.environ["REMOTE_V4"]],
                         capture_output=True, check=False)
    return res.returncode == 0


def _wait_ping():
    for _ in range(10):
        if _ping():
            return True
    return False


def _walk(name, prepare, op, recover):
    """Walk the fault points of op; returns (points injected, failures)."""
    nth, points, bad = 1, 0, []
    while nth <= MAX_STEPS:
        prepare()
        reached = _injected_call(nth, op)
        try:
            recover()
        except OSError as e:
            bad.append(f"step {nth}: cannot recover: {e}")
            break
        if not _wait_ping():
            bad.append(f"step {nth}: no traffic after the fault")
            break
        if not reached:
            break
        points += 1
        nth += 1 if nth < DENSE_STEPS else max(1, nth // 4)
    else:
        bad.append(f"more than {MAX_STEPS} allocation points: runaway?")
    print(f"# {name}: {points} fault points injected, last step {nth}")
    for b in bad:
        print(f"# {name}: {b}")
    return points, bad


def _need():
    if not NETIF or os.environ.get("REMOTE_TYPE") != "netns":
        raise KsftSkipEx("needs scripts/vm-run --remote-netns")
    _setup_injection()


def interface_up() -> None:
    _need()
    nic = Nic(NETIF)
    points, bad = _walk("up", lambda: nic.set_up(False), lambda: nic.set_up(True),
                        lambda: nic.set_up(True))
    ksft_true(points > 0 and not bad, "every failure while opening is survived")


def channel_resize() -> None:
    _need()
    nic = Nic(NETIF)
    points, bad = _walk("channels", nic.set_channels,
                        lambda: nic.set_channels(1), lambda: nic.set_channels(1))
    nic.set_channels()
    ksft_true(points > 0 and not bad, "every failure while changing channels is survived")


def ring_resize() -> None:
    _need()
    nic = Nic(NETIF)
    points, bad = _walk("rings", lambda: nic.set_rings(256),
                        lambda: nic.set_rings(512), lambda: nic.set_rings(512))
    nic.set_rings(256)
    ksft_true(points > 0 and not bad, "every failure while resizing rings is survived")


def mtu_change() -> None:
    _need()
    nic = Nic(NETIF)
    # The MTU is not a queue reconfiguration today: the walk may be empty
    _, bad = _walk("mtu", lambda: nic.set_mtu(1500), lambda: nic.set_mtu(9000),
                   lambda: nic.set_mtu(9000))
    nic.set_mtu(1500)
    ksft_true(not bad, "every failure while changing the MTU is survived")


def probe() -> None:
    _need()
    bdf = os.path.basename(os.path.realpath(f"/sys/class/net/{NETIF}/device"))
    drv = "/sys/bus/pci/drivers/ainic"
    v4 = os.environ["LOCAL_V4"]

    def unbind():
        if os.path.exists(f"{drv}/{bdf}"):
            _write(f"{drv}/unbind", bdf)

    def bind():
        if not os.path.exists(f"{drv}/{bdf}"):
            _write(f"{drv}/bind", bdf)
        # The new netdev: same place, fresh state
        name = os.listdir(f"/sys/bus/pci/devices/{bdf}/net")[0]
        subprocess.run(["ip", "addr", "replace", f"{v4}/24", "dev", name], check=True)
        Nic(name).set_up(True)

    points, bad = _walk("probe", unbind, lambda: _write(f"{drv}/bind", bdf), bind)
    ksft_true(points > 0 and not bad, "every failure during probe is survived")


class Conns:
    """conn-add and conn-del of one made-up peer on NETIF, over genl from
    this thread; an injected failure must end in a clean netlink error."""

    PEER = bytes.fromhex("02a1c0000401")  # a MAC no NIC has

    def __init__(self):
        self.ynl = ainic_family()
        self.index = nicctl_json("dev", "show", NETIF)[0]["index"]

    def ids(self):
        conns = self.ynl.dump("conn-get", {"index": self.index})
        return [c["id"] for c in conns if c.get("peer-mac") == self.PEER]

    def add(self, quiet=True):
        try:
            self.ynl.do("conn-add", {"index": self.index, "peer-mac": self.PEER})
        except NlError:
            if not quiet:
                raise

    def delete(self, quiet=True):
        for cid in self.ids():
            try:
                self.ynl.do("conn-del", {"index": self.index, "id": cid})
            except NlError:
                if not quiet:
                    raise

    def exactly(self, n):
        ids = self.ids()
        if len(ids) != n:
            raise OSError(f"{len(ids)} connections to the peer, expected {n}")


def connection_add_del() -> None:
    _need()
    conns = Conns()
    conns.delete(quiet=False)

    def one():
        if not conns.ids():
            conns.add(quiet=False)
        conns.exactly(1)

    def none():
        conns.delete(quiet=False)
        conns.exactly(0)

    points, bad = _walk("conn-add", none, conns.add, one)
    more, bad_del = _walk("conn-del", one, conns.delete, none)
    ksft_true(points > 0 and not bad and not bad_del,
              f"every failure while adding ({points} points) or deleting ({more}) a "
              "connection is survived, and the table holds what it should")


def main() -> None:
    ksft_run([interface_up, channel_resize, ring_resize, mtu_change, probe,
              connection_add_del])
    ksft_exit()


if __name__ == "__main__":
    main()
