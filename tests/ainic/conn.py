#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The reliable transport's connections as the driver shows them (nicctl
conn, the genl family), held to the VM's configuration: the peer NIC's MAC
is read from `ip link` in netns "remote", the number of pings from ping
itself. conn add/del and the transport policy, their notifications, their
permissions and errors, and a dump racing with changes to the table.
Needs the drivers/net layout (vm-run --remote-netns): traffic between the
two NICs goes over the transport."""

import errno
import json
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time

import yaml

from ainic_lib import (ksft_run, ksft_exit, ksft_eq, ksft_ge, ksft_true, ksft_in,
                       KsftSkipEx, KsftFailEx, NlError, SPEC, ainic_family, nicctl,
                       nicctl_json)

NETIF = os.environ.get("NETIF")
# Command values are the spec's operations in order, from 1
with open(SPEC, encoding="utf-8") as _f:
    AINIC_CMD_CONN_GET = 1 + [op["name"] for op in
                              yaml.safe_load(_f)["operations"]["list"]].index("conn-get")
NS = os.environ.get("REMOTE_ARGS", "remote")
NOBODY = 65534
# Locally administered unicast MACs no NIC of the VM has
TEST_MAC = "02:a1:c0:00:00:01"
CHURN_MAC = "02:a1:c0:00:01:00"


def _layout():
    if not NETIF or os.environ.get("REMOTE_TYPE") != "netns":
        raise KsftSkipEx("needs scripts/vm-run --remote-netns")


def _remote_mac():
    """The remote NIC's MAC, from the remote netns's own view."""
    out = subprocess.run(["ip", "-n", NS, "-j", "-4", "addr", "show", "to",
                          os.environ["REMOTE_V4"]], check=True,
                         capture_output=True, text=True).stdout
    ifname = json.loads(out)[0]["ifname"]
    out = subprocess.run(["ip", "-n", NS, "-j", "link", "show", "dev", ifname],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]["address"]


def _local_mac():
    with open(f"/sys/class/net/{NETIF}/address", encoding="ascii") as f:
        return f.read().strip()


def _index():
    return nicctl_json("dev", "show", NETIF)[0]["index"]


def _ping(count, interval="0.1"):
    """Ping the remote; return how many ping itself sent and got back."""
    res = subprocess.run(["ping", "-q", "-c", str(count), "-i", interval, "-W", "5",
                          os.environ["REMOTE_V4"]], capture_output=True, text=True,
                         check=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", res.stdout)
    if not m:
        raise KsftFailEx(f"cannot read ping's summary: {res.stdout} {res.stderr}")
    return int(m.group(1)), int(m.group(2))


def _conns():
    return nicctl_json("conn", "show", "dev", NETIF)


def _table():
    return sorted((c["id"], c["peer"]) for c in _conns())


def _ethtool_stat(name):
    out = subprocess.run(["ethtool", "-S", NETIF], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(rf"^\s*{name}: (\d+)$", out, re.M)
    if not m:
        raise KsftFailEx(f"ethtool -S {NETIF} has no {name}")
    return int(m.group(1))


def _mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def _expect_nlerror(fn, err, what):
    try:
        fn()
    except NlError as e:
        ksft_eq(e.error, err, f"{what}: errno")
        msg = e.nl_msg.extack.get("msg") or e.nl_msg.extack.get("miss-type")
        ksft_true(msg, f"{what}: extack explains it ({e.nl_msg.extack})")
        return e.nl_msg.extack
    raise KsftFailEx(f"{what}: request succeeded")


class Monitor:
    """`nicctl -j monitor` with its JSON lines collected; started once it
    demonstrably listens (a self test's notification reached it)."""

    def __init__(self):
        self.out = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(["nicctl", "-j", "monitor"], stdout=self.out,
                                     stderr=subprocess.PIPE, text=True)
        for _ in range(50):
            nicctl("dev", "selftest", NETIF)
            time.sleep(0.2)
            if self.events():
                return
        self.stop()
        raise KsftFailEx("nicctl monitor heard none of 50 self tests")

    def events(self):
        self.out.seek(0)
        return [json.loads(line) for line in self.out.read().splitlines() if line.strip()]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise KsftFailEx("nicctl monitor did not stop on SIGTERM")
        ksft_eq(rc, 0, f"nicctl monitor exits 0 ({self.proc.stderr.read().strip()})")
        return self.events()


def pings_make_one_established_connection() -> None:
    _layout()
    peer = _remote_mac()
    subprocess.run(["ping", "-q", "-c", "1", "-W", "5", os.environ["REMOTE_V4"]],
                   check=False, capture_output=True)
    before = {c["peer"]: c for c in _conns()}
    sent, received = _ping(10)
    ksft_eq(received, sent, "every ping answered")
    conns = _conns()
    ksft_eq([c["peer"] for c in conns], [peer],
            f"one connection, to the remote NIC {peer}: {conns}")
    if len(conns) != 1:
        return
    conn = conns[0]
    ksft_eq(conn["state"], "established", "state after the pings")
    old = before.get(peer, {}).get("stats", {}).get("tx_pkts", 0)
    ksft_ge(conn["stats"]["tx_pkts"] - old, sent,
            f"tx_pkts grew by at least the {sent} pings ping sent")
    one = nicctl_json("conn", "show", "dev", NETIF, "id", str(conn["id"]))
    ksft_eq([c["peer"] for c in one], [peer], "conn show ... id N is that one")
    by_peer = nicctl_json("conn", "show", "peer", peer)
    ksft_in(conn["id"], [c["id"] for c in by_peer if c["dev"] == conn["dev"]],
            "conn show peer MAC finds it")
    text = nicctl("-s", "conn", "show", "dev", NETIF).stdout
    ksft_in(f"id {conn['id']} peer {peer} state established", text, "text output")
    ksft_in("tx pkts", text, "-s adds the counters")


def add_and_del_are_announced() -> None:
    _layout()
    mon = Monitor()
    seen = len(mon.events())
    res = nicctl_json("conn", "add", "dev", NETIF, "peer", TEST_MAC)
    ksft_eq(len(res), 1, "conn add prints one object")
    cid = res[0]["id"]
    one = nicctl_json("conn", "show", "dev", NETIF, "id", str(cid))
    ksft_eq([(c["peer"], c["state"], c["added"]) for c in one],
            [(TEST_MAC, "idle", True)], "the new connection is idle, made by conn add")
    nicctl("conn", "del", "dev", NETIF, "id", str(cid))
    res = nicctl("conn", "show", "dev", NETIF, "id", str(cid), check=False)
    ksft_true(res.returncode != 0 and res.stderr.startswith("Error: "),
              f"it is gone: {res.stderr!r}")
    ksft_true(TEST_MAC not in [c["peer"] for c in _conns()], "not in the dump")
    time.sleep(1)
    events = [e for e in mon.stop()[seen:] if e.get("event") == "conn-change"
              and e.get("peer") == TEST_MAC]
    ksft_eq([(e["id"], e["state"]) for e in events], [(cid, "idle"), (cid, "free")],
            f"monitor saw both changes: {events}")


def unprivileged_users_change_nothing() -> None:
    _layout()
    peer_id = str(_conns()[0]["id"]) if _conns() else "1"
    before = _table()
    for args in (["conn", "add", "dev", NETIF, "peer", TEST_MAC],
                 ["conn", "del", "dev", NETIF, "id", peer_id],
                 ["dev", "set", NETIF, "xport", "raw"]):
        res = nicctl(*args, check=False, user=NOBODY)
        ksft_true(res.returncode != 0, f"nicctl {' '.join(args)} as nobody fails")
        ksft_true(res.stderr.startswith("Error: "), f"'Error: ...': {res.stderr!r}")
    ksft_eq(_table(), before, "connection table unchanged")
    ksft_eq(nicctl_json("dev", "show", NETIF)[0].get("xport"), "reliable",
            "policy unchanged")
    res = nicctl("conn", "show", "dev", NETIF, check=False, user=NOBODY)
    ksft_eq(res.returncode, 0, f"conn show works as nobody: {res.stderr}")


def bad_requests_get_extack_and_change_nothing() -> None:
    _layout()
    ynl = ainic_family()
    idx = _index()
    before = _table()
    ids = [i for i, _ in before]
    free = next(i for i in range(1, 65) if i not in ids)
    _expect_nlerror(lambda: ynl.do("conn-add", {"index": idx,
                                                "peer-mac": _mac_bytes("01:00:5e:00:00:01")}),
                    errno.EINVAL, "conn-add of a multicast MAC")
    _expect_nlerror(lambda: ynl.do("conn-add", {"index": idx,
                                                "peer-mac": _mac_bytes(_local_mac())}),
                    errno.EINVAL, "conn-add of the NIC's own MAC")
    ext = _expect_nlerror(lambda: ynl.do("conn-add", {"index": idx}), errno.EINVAL,
                          "conn-add without a peer")
    ksft_eq(ext.get("miss-type"), "peer-mac", "missing attribute named")
    if before:
        cid, peer = before[0]
        ext = _expect_nlerror(lambda: ynl.do("conn-add", {"index": idx,
                                                          "peer-mac": _mac_bytes(peer)}),
                              errno.EEXIST, "conn-add of an existing peer")
        ksft_in(f"id {cid}", ext.get("msg", ""), "the message names the existing id")
    _expect_nlerror(lambda: ynl.do("conn-del", {"index": idx, "id": free}),
                    errno.ENOENT, f"conn-del of free slot {free}")
    _expect_nlerror(lambda: ynl.do("conn-del", {"index": idx, "id": 100000}),
                    errno.ERANGE, "conn-del beyond the table")
    _expect_nlerror(lambda: ynl.do("conn-get", {"index": idx, "id": free}),
                    errno.ENOENT, f"conn-get of free slot {free}")
    ext = _expect_nlerror(lambda: ynl.do("conn-get", {"index": idx}), errno.EINVAL,
                          "conn-get without an id")
    ksft_eq(ext.get("miss-type"), "id", "missing attribute named")
    _expect_nlerror(lambda: ynl.dump("conn-get", {"index": 4000}), errno.ENODEV,
                    "conn-get dump of an unknown device")
    _expect_nlerror(lambda: ynl.do("dev-set", {"index": idx, "xport": 7}),
                    errno.ERANGE, "dev-set of an unknown policy")
    ksft_eq(_table(), before, "connection table unchanged")
    ksft_eq(nicctl_json("dev", "show", NETIF)[0].get("xport"), "reliable",
            "policy unchanged")
    res = nicctl("conn", "del", "dev", NETIF, "id", str(free), check=False)
    ksft_true(res.returncode != 0 and f"no connection {free}" in res.stderr,
              f"nicctl prints the kernel's message: {res.stderr!r}")


def raw_policy_bypasses_the_transport() -> None:
    _layout()
    _ping(2)
    try:
        nicctl("dev", "set", NETIF, "xport", "raw")
        ksft_eq(nicctl_json("dev", "show", NETIF)[0].get("xport"), "raw", "dev show: raw")
        _ping(2)     # what was in flight under the old policy is done
        before = _ethtool_stat("xport_tx_pkts")
        sent, received = _ping(10)
        ksft_eq(received, sent, "ping works with the raw policy")
        ksft_eq(_ethtool_stat("xport_tx_pkts"), before,
                "the device sent no transport DATA (xport_tx_pkts)")
    finally:
        nicctl("dev", "set", NETIF, "xport", "reliable")
    ksft_eq(nicctl_json("dev", "show", NETIF)[0].get("xport"), "reliable",
            "dev show: reliable again")
    before = _ethtool_stat("xport_tx_pkts")
    sent, received = _ping(10)
    ksft_eq(received, sent, "ping works with the reliable policy")
    ksft_ge(_ethtool_stat("xport_tx_pkts") - before, sent,
            "the pings went over the transport again")


NLM_F_DUMP_INTR = 0x10


def _raw_dump(idx, between=None):
    """conn-get dump of device IDX on a raw socket, read with a small
    buffer so that the kernel answers in several parts; BETWEEN() runs
    after the first part. Returns (messages, messages flagged
    NLM_F_DUMP_INTR, DONE flagged)."""
    fam = ainic_family().nlproto.family_id
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
    body = struct.pack("BBH", AINIC_CMD_CONN_GET, 1, 0) + struct.pack("HHI", 8, 1, idx)
    # NLM_F_REQUEST | NLM_F_DUMP
    sock.send(struct.pack("IHHII", 16 + len(body), fam, 0x301, 1, 0) + body)
    msgs = flagged = parts = 0
    try:
        while True:
            data = sock.recv(4096)
            parts += 1
            if parts == 2 and between:
                between()
            off = 0
            while off < len(data):
                length, typ, flags, _, _ = struct.unpack_from("IHHII", data, off)
                if typ == 3:    # NLMSG_DONE
                    return msgs, flagged, bool(flags & NLM_F_DUMP_INTR), parts
                if typ == 2:    # NLMSG_ERROR
                    raise KsftFailEx("conn-get dump failed")
                msgs += 1
                flagged += bool(flags & NLM_F_DUMP_INTR)
                off += (length + 3) & ~3
    finally:
        sock.close()


def dump_racing_with_changes_is_consistent() -> None:
    """50 connections make a dump span several parts. A change of the
    table between two parts must flag the dump NLM_F_DUMP_INTR (a quiet
    dump is not flagged); and nicctl, which starts a flagged dump again,
    lists one consistent table while another process adds and deletes a
    connection all the time."""
    _layout()
    ynl = ainic_family()
    idx = _index()
    macs = [f"02:a1:c0:00:02:{i:02x}" for i in range(50)]
    made = []
    try:
        for mac in macs:
            made.append(ynl.do("conn-add", {"index": idx, "peer-mac": _mac_bytes(mac)})["id"])
        base = {p for _, p in _table()}

        msgs, flagged, done, parts = _raw_dump(idx)
        ksft_ge(parts, 2, "the dump came in several parts")
        ksft_eq((msgs, flagged, done), (len(base), 0, False), "a quiet dump: complete, not flagged")

        def change():
            cid = ynl.do("conn-add", {"index": idx, "peer-mac": _mac_bytes(CHURN_MAC)})["id"]
            ynl.do("conn-del", {"index": idx, "id": cid})
        msgs, flagged, done, parts = _raw_dump(idx, change)
        ksft_true(flagged or done, f"a change between parts flags the dump "
                  f"({flagged} of {msgs} messages, DONE {done})")

        churn = subprocess.Popen(
            ["bash", "-c", f"while :; do nicctl conn add dev {NETIF} peer {CHURN_MAC} "
             f"| awk '{{print $4}}' | xargs -r -I{{}} nicctl conn del dev {NETIF} id {{}}; done"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            time.sleep(1)
            for _ in range(5):
                res = nicctl("-j", "conn", "show", "dev", NETIF, check=False)
                ksft_eq(res.returncode, 0, f"conn show during changes: {res.stderr}")
                if res.returncode:
                    continue
                conns = json.loads(res.stdout)
                ids = [c["id"] for c in conns]
                peers = [c["peer"] for c in conns]
                ksft_eq(len(set(ids)), len(ids), "no id twice")
                ksft_eq(len(set(peers)), len(peers), "no peer twice")
                ksft_eq(set(peers) - {CHURN_MAC}, base, "every stable connection listed")
        finally:
            # The whole group: a nicctl of the loop would race the clean-up
            os.killpg(churn.pid, signal.SIGKILL)
            churn.wait()
    finally:
        for cid in made:
            ynl.do("conn-del", {"index": idx, "id": cid})
        for c in _conns():
            if c["peer"] == CHURN_MAC:
                nicctl("conn", "del", "dev", NETIF, "id", str(c["id"]))
    ksft_true(not (set(macs) | {CHURN_MAC}) & {p for _, p in _table()},
              "the 50 and the churned one are gone again")


def main() -> None:
    ksft_run([pings_make_one_established_connection, add_and_del_are_announced,
              unprivileged_users_change_nothing, bad_requests_get_extack_and_change_nothing,
              raw_policy_bypasses_the_transport, dump_racing_with_changes_is_consistent])
    ksft_exit()


if __name__ == "__main__":
    main()
