#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Black-box tests of ainic-fabric: fake VMs connect to the fabric's port
sockets over unix stream, as QEMU's -netdev stream does, and exchange
Ethernet frames with its framing (a 4-byte big-endian length before each
frame). Prints TAP.

Assertions use exact counters and lower bounds on time only, so a loaded
machine makes the tests slower, never flaky.

usage: test_fabric.py [PATH/TO/ainic-fabric]
"""
import json
import math
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

FABRIC = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "FABRIC", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "../../../build/ainic-fabric"))
TIMEOUT = 10.0   # generous: a loaded 2-core machine
ETH_TYPE = b"\x88\xb5"  # local experimental ethertype
BCAST = "ff:ff:ff:ff:ff:ff"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def frame(dst, src, size=64, tag=b""):
    hdr = mac(dst) + mac(src) + ETH_TYPE + tag
    return hdr + bytes(max(0, size - len(hdr)))


def wait_until(pred, timeout=TIMEOUT, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def framed(data):
    """One frame as -netdev stream puts it on the wire."""
    return len(data).to_bytes(4, "big") + data


class StreamParser:
    """Splits a -netdev stream byte stream into frames."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        out, pos, end = [], 0, len(self.buf)
        while end - pos >= 4:
            n = int.from_bytes(self.buf[pos:pos + 4], "big")
            assert 0 < n <= 65536 + 4096, "bad length %d from the fabric" % n
            if end - pos < 4 + n:
                break
            out.append(self.buf[pos + 4:pos + 4 + n])
            pos += 4 + n
        self.buf = self.buf[pos:]   # once per read: linear in what arrived
        return out


def connect_port(fab, port):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(fab.port_path(port))
    return s


class FakeVM:
    """A VM's -netdev stream client: connected to its port, a thread reads
    and parses what the fabric sends. rate_kbs > 0 reads slowly: 4 KiB
    chunks at about that many KiB/s."""

    def __init__(self, fab, port, rate_kbs=0):
        self.sock = connect_port(fab, port)
        self.sock.settimeout(None)
        self.rate_kbs = rate_kbs
        self.rx = queue.Queue()
        self.times = []
        self.closed = False
        self.eof = False
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        parser = StreamParser()
        chunk = 4096 if self.rate_kbs else 1 << 20
        while True:
            try:
                data = self.sock.recv(chunk)
            except OSError:
                return
            if self.closed:
                return
            if not data:
                self.eof = True
                return
            now = time.monotonic()
            for f in parser.feed(data):
                self.times.append(now)
                self.rx.put(f)
            if self.rate_kbs:
                time.sleep(len(data) / 1024 / self.rate_kbs)

    def send(self, data):
        self.sock.sendall(framed(data))

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=TIMEOUT):
        return self.rx.get(timeout=timeout)

    def count(self):
        return self.rx.qsize()

    def drain(self):
        out = []
        while True:
            try:
                out.append(self.rx.get_nowait())
            except queue.Empty:
                return out

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(TIMEOUT)
        self.sock.close()


class Fabric:
    def __init__(self, nports=3, args=(), env=None):
        self.dir = tempfile.mkdtemp(prefix="fab", dir="/tmp")
        self.proc = subprocess.Popen(
            [FABRIC, "--dir", self.dir, "--ports", str(nports)] + list(args),
            env=dict(os.environ, **env) if env else None)
        wait_until(lambda: os.path.exists(os.path.join(self.dir, "fabric.pid"))
                   or self.proc.poll() is not None, what="fabric start")
        assert self.proc.poll() is None, "fabric exited at start"
        self.vms = []

    def port_path(self, i):
        return os.path.join(self.dir, "port%d.sock" % i)

    def vm(self, port, name=None, rate_kbs=0):
        """A fake VM connected to port; counters are cleared once the port
        shows it, so tests count from zero. (name: for the reader only.)"""
        v = FakeVM(self, port, rate_kbs)
        self.vms.append(v)
        wait_until(lambda: self.show(port)["peer"] == "connected", what="VM connected")
        self.ctl("clear %d" % port)
        return v

    def ctl_raw(self, line):
        """Sends one line; returns (reply lines without status, status)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(os.path.join(self.dir, "control.sock"))
        s.sendall(line.encode() + b"\n")
        buf = b""
        while True:
            chunk = s.recv(65536)
            assert chunk, "control closed without status"
            buf += chunk
            lines = buf.decode().split("\n")
            for i, l in enumerate(lines[:-1]):
                if l == "ok" or l.startswith("error: "):
                    s.close()
                    return lines[:i], l

    def ctl(self, line):
        out, st = self.ctl_raw(line)
        assert st == "ok", "%s -> %s" % (line, st)
        return out

    def show(self, port):
        d = {}
        for l in self.ctl("show %d" % port):
            k, v = l.split("=", 1)
            d[k] = int(v) if v.isdigit() else v
        return d

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        for v in self.vms:
            v.close()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = "hung"
        else:
            rc = self.proc.returncode
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


A, B, C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"


def three_vms(fab):
    return fab.vm(0, "vmA"), fab.vm(1, "vmB"), fab.vm(2, "vmC")


def wait_tx(fab, port, n, key="tx_packets"):
    wait_until(lambda: fab.show(port)[key] >= n, what="port%d %s >= %d" % (port, key, n))


# ---------------------------------------------------------------- tests

def test_learning():
    fab = Fabric(3)
    try:
        a, b, c = three_vms(fab)
        a.send(frame(B, A, tag=b"1"))            # B unknown: flooded
        assert b.recv()[14:15] == b"1"
        assert c.recv()[14:15] == b"1"
        assert fab.show(0)["tx_packets"] == 0, "flood went back to ingress"
        b.send(frame(A, B, tag=b"2"))            # A learned: unicast
        assert a.recv()[14:15] == b"2"
        assert fab.show(2)["tx_packets"] == 1, "learned unicast also sent to C"
        a.send(frame(B, A, tag=b"3"))            # B learned now
        assert b.recv()[14:15] == b"3"
        assert fab.show(2)["tx_packets"] == 1, "learned unicast also sent to C"
        assert c.count() == 0
        table = {l.split()[0]: l.split()[1] for l in fab.ctl("mac-table")}
        assert table == {A: "port=0", B: "port=1"}, table
        js = [json.loads(l) for l in fab.ctl("json mac-table")]
        assert sorted((e["mac"], e["port"]) for e in js) == [(A, 0), (B, 1)]
    finally:
        assert fab.stop() == 0


def test_broadcast_multicast_flood():
    fab = Fabric(3)
    try:
        a, b, c = three_vms(fab)
        a.send(frame(BCAST, A))
        a.send(frame("01:00:5e:00:00:01", A))
        for v in (b, c):
            v.recv()
            v.recv()
        b.send(frame(BCAST, B))
        a.recv()
        c.recv()
        s = [fab.show(i) for i in range(3)]
        assert [x["tx_packets"] for x in s] == [1, 2, 3], s
        assert [x["rx_packets"] for x in s] == [2, 1, 0], s
    finally:
        assert fab.stop() == 0


def test_counters_exact():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        b.send(frame(BCAST, B, 100))             # learn B
        a.recv()
        sizes = [60, 64, 500, 1514, 9000, 9216]
        for n in sizes:
            a.send(frame(B, A, n))
        got = [len(b.recv()) for _ in sizes]
        assert got == sizes, got
        p0, p1 = fab.show(0), fab.show(1)
        assert (p0["rx_packets"], p0["rx_bytes"]) == (len(sizes), sum(sizes)), p0
        assert (p1["tx_packets"], p1["tx_bytes"]) == (len(sizes), sum(sizes)), p1
        assert (p1["rx_packets"], p1["rx_bytes"]) == (1, 100)
        assert (p0["tx_packets"], p0["tx_bytes"]) == (1, 100)
        assert all(v == 0 for k, v in p0.items() if "_drop_" in k), p0
        js = [json.loads(l) for l in fab.ctl("json ports")]
        assert js[1]["tx"]["bytes"] == sum(sizes) and js[1]["peer"] == "connected"
        fab.ctl("clear all")
        assert fab.show(1)["tx_packets"] == 0 and fab.show(0)["rx_bytes"] == 0
    finally:
        assert fab.stop() == 0


def test_runt_oversize():
    fab = Fabric(2, ["--mtu", "1500"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        a.send(b"\x01" * 13)                     # runt, but well framed
        a.send(frame(BCAST, A, 1519))            # 1500 + 18 + 1
        a.send(frame(BCAST, A, 65536 + 4096))    # the longest the stream carries
        a.send(frame(BCAST, A, 1518))            # largest allowed
        assert len(b.recv()) == 1518
        p0 = fab.show(0)
        assert p0["rx_drop_runt"] == 1 and p0["rx_drop_oversize"] == 2, p0
        assert p0["rx_packets"] == 1 and fab.show(1)["tx_packets"] == 1
        assert p0["rx_drop_framing"] == 0 and p0["peer"] == "connected", p0
    finally:
        assert fab.stop() == 0
    fab = Fabric(2)                              # default: 9216-byte frames
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        a.send(frame(BCAST, A, 9217))
        a.send(frame(BCAST, A, 9216))
        assert len(b.recv()) == 9216
        assert fab.show(0)["rx_drop_oversize"] == 1
    finally:
        assert fab.stop() == 0


def test_rate_limit_spaces_frames():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        b.send(frame(BCAST, B))
        a.recv()
        fab.ctl("set 1 rate-mbps 1")             # 1250 B = 10 ms on the wire
        n, size = 20, 1250
        for _ in range(n):
            a.send(frame(B, A, size))
        for _ in range(n):
            b.recv()
        spread = b.times[-1] - b.times[0]
        # Lower bound only: load can stretch it, never shrink it.
        assert spread >= 0.9 * (n - 1) * size * 8 / 1e6, spread
        p1 = fab.show(1)
        assert p1["tx_packets"] == n and p1["tx_drop_buffer"] == 0, p1
        assert p1["tx_queue_peak_frames"] >= 2 and p1["tx_queue_frames"] == 0, p1
        assert p1["rate_mbps"] == 1
    finally:
        assert fab.stop() == 0


def test_buffer_tail_drop():
    fab = Fabric(2, ["--rate-mbps", "1", "--buffer-kb", "4"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        b.send(frame(BCAST, B))
        a.recv()
        n = 20
        for _ in range(n):
            a.send(frame(B, A, 1000))
        wait_until(lambda: (lambda p: p["tx_queue_frames"] == 0 and
                            p["tx_packets"] + p["tx_drop_buffer"] == n)(fab.show(1)),
                   what="queue drained")
        p1 = fab.show(1)
        wait_until(lambda: b.count() == p1["tx_packets"], what="frames delivered")
        time.sleep(0.2)
        assert b.count() == p1["tx_packets"]
        assert p1["tx_drop_buffer"] == n - b.count() > 0, p1
        assert b.count() >= 4, p1                # at least a buffer full
        assert p1["tx_queue_peak_bytes"] <= 4096, p1
        assert p1["rx_drop_buffer"] == 0
    finally:
        assert fab.stop() == 0


def test_link_down_up():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        b.send(frame(BCAST, B))
        a.recv()
        fab.ctl("set 1 link down")
        for _ in range(3):
            a.send(frame(B, A))
        for _ in range(2):
            b.send(frame(A, B))
        wait_tx(fab, 1, 3, "tx_drop_link_down")
        wait_tx(fab, 1, 2, "rx_drop_link_down")
        p1 = fab.show(1)
        assert p1["link"] == "down" and p1["tx_drop_link_down"] == 3, p1
        assert p1["rx_drop_link_down"] == 2 and fab.show(0)["tx_packets"] == 1, p1
        assert b.count() == 0
        fab.ctl("set 1 link up")
        a.send(frame(B, A, tag=b"u"))
        assert b.recv()[14:15] == b"u"
        b.send(frame(A, B, tag=b"v"))
        assert a.recv()[14:15] == b"v"
        # Going down flushes the egress queue, counting every frame.
        fab.ctl("set 1 rate-mbps 1")
        for _ in range(10):
            a.send(frame(B, A, 1250))
        wait_tx(fab, 0, 13, "rx_packets")
        fab.ctl("set 1 link down")
        p1 = fab.show(1)
        assert p1["tx_queue_frames"] == 0
        assert p1["tx_packets"] - 1 + p1["tx_drop_link_down"] - 3 == 10, p1
    finally:
        assert fab.stop() == 0


def test_control_errors_leave_state():
    fab = Fabric(2)
    try:
        before = fab.show(1)
        bad = ["set 2 rate-mbps 5", "set 1 rate-mbps abc", "set 1 rate-mbps -1",
               "set 1 rate-mbps 99999999999", "set 1 buffer-kb 0",
               "set 1 link sideways", "set 1 colour red", "set 1 rate-mbps",
               "set port9 link down", "show", "show 7", "clear 5", "bogus",
               "json set 1 link down", "ports extra", "json", ""]
        for cmd in bad:
            out, st = fab.ctl_raw(cmd)
            assert st.startswith("error: ") and out == [], (cmd, st, out)
        assert fab.show(1) == before
        fab.ctl("set port1 buffer-kb 64")
        assert fab.show(1)["buffer_kb"] == 64
        assert any("set PORT" in l for l in fab.ctl("help"))
        # Over-long line: an error, then the same connection still works.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(os.path.join(fab.dir, "control.sock"))
        s.sendall(b"x" * 5000 + b"\nshow 0\n")
        buf = b""
        while b"\nok\n" not in buf:
            chunk = s.recv(65536)
            assert chunk
            buf += chunk
        assert buf.startswith(b"error: line longer"), buf[:80]
        s.close()
        # A client that goes away mid-command, and one that never reads.
        for payload in (b"sho", b"ports\n" * 2000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(os.path.join(fab.dir, "control.sock"))
            s.sendall(payload)
            s.close()
        assert fab.show(1)["buffer_kb"] == 64 and fab.alive()
    finally:
        assert fab.stop() == 0


def test_ctl_client():
    fab = Fabric(3)
    try:
        def ctl(*args):
            return subprocess.run([FABRIC, "ctl", fab.dir] + list(args),
                                  capture_output=True, text=True, timeout=TIMEOUT)
        r = ctl("ports")
        assert r.returncode == 0, r
        lines = r.stdout.splitlines()
        assert len(lines) == 3 and "ok" not in lines, lines
        assert lines[2].startswith("port=2 link=up")
        r = ctl("json", "ports")
        assert r.returncode == 0 and [json.loads(l)["port"] for l in
                                      r.stdout.splitlines()] == [0, 1, 2]
        r = ctl("set", "1", "link", "down")
        assert r.returncode == 0 and r.stdout == ""
        r = ctl("set", "9", "link", "down")
        assert r.returncode == 1 and "error: no such port" in r.stderr, r
        r = ctl("nonsense")
        assert r.returncode == 1
        r = subprocess.run([FABRIC, "ctl", "/nonexistent", "ports"],
                           capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 1
        assert fab.show(1)["link"] == "down"
    finally:
        assert fab.stop() == 0


def test_disconnect_no_peer_and_reconnect():
    fab = Fabric(4)
    try:
        a, b, c = three_vms(fab)
        b.send(frame(BCAST, B))
        a.recv(), c.recv()
        wait_tx(fab, 3, 1, "tx_drop_no_peer")    # port 3: never connected
        assert fab.show(3)["peer"] == "none"
        b.close()                                # the VM goes away
        wait_until(lambda: fab.show(1)["peer"] == "none", what="port1 peerless")
        a.send(frame(B, A))
        wait_tx(fab, 1, 1, "tx_drop_no_peer")
        a.send(frame(BCAST, A, tag=b"f"))        # flooding goes on
        assert c.recv()[14:15] == b"f"
        wait_tx(fab, 1, 2, "tx_drop_no_peer")
        # The VM comes back (QEMU's reconnect-ms): the port serves it.
        b2 = fab.vm(1, "vmB2")
        a.send(frame(B, A, tag=b"r"))
        assert b2.recv()[14:15] == b"r"
        p1 = fab.show(1)
        assert p1["tx_packets"] == 1 and p1["tx_drop_send_error"] == 0, p1
        assert fab.alive()
    finally:
        assert fab.stop() == 0


def test_several_frames_in_one_write():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        sent = [frame(BCAST, A, n, tag=bytes([i])) for i, n in
                enumerate([60, 1514, 0, 9000, 64, 14])]
        sent[2] = b"\x01" * 13                   # a runt between good frames
        a.send_raw(b"".join(framed(f) for f in sent))
        want = [f for f in sent if len(f) >= 14]
        assert [b.recv() for _ in want] == want
        p0 = fab.show(0)
        assert p0["rx_packets"] == len(want) and p0["rx_drop_runt"] == 1, p0
        assert p0["rx_bytes"] == sum(map(len, want)), p0
    finally:
        assert fab.stop() == 0


def test_frame_split_over_writes():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        one, two = frame(BCAST, A, 1000, tag=b"1"), frame(BCAST, A, 3000, tag=b"2")
        data = framed(one) + framed(two)
        # Cut inside a length header, inside the data and at a boundary;
        # the pauses make the fabric read each piece on its own.
        for cut in ([2], [500], [4 + 1000], [1, 3, 4, 700, 1004, 1006, 2000]):
            pieces, prev = [], 0
            for c in cut + [len(data)]:
                pieces.append(data[prev:c])
                prev = c
            for piece in pieces:
                a.send_raw(piece)
                time.sleep(0.05)
            assert b.recv() == one and b.recv() == two, cut
        p0 = fab.show(0)
        assert p0["rx_packets"] == 8 and p0["peer"] == "connected", p0
        assert all(v == 0 for k, v in p0.items() if "_drop_" in k), p0
    finally:
        assert fab.stop() == 0


def test_framing_error_closes_only_that_connection():
    fab = Fabric(3)
    try:
        a, b, c = three_vms(fab)
        # Good frames before the bad length in the same write still count.
        for bad in (0, 65536 + 4096 + 1, 0xffffffff):
            a.send_raw(framed(frame(BCAST, A, tag=b"g")) + bad.to_bytes(4, "big") +
                       bytes(64))
            assert b.recv()[14:15] == b"g" and c.recv()[14:15] == b"g"
            wait_until(lambda: a.eof, what="fabric closes the connection")
            p0 = fab.show(0)
            assert p0["peer"] == "none" and p0["rx_packets"] == 1, p0
            assert p0["rx_drop_framing"] == 1, p0
            # The others are untouched and still switch.
            b.send(frame(BCAST, B, tag=b"b"))
            assert c.recv()[14:15] == b"b"
            assert fab.show(1)["peer"] == "connected" and fab.show(2)["peer"] == "connected"
            a.close()
            fab.vms.remove(a)
            a = fab.vm(0, "vmA")                 # QEMU reconnects
            b.send(frame(BCAST, B, tag=b"x"))
            assert a.recv()[14:15] == b"x" and c.recv()[14:15] == b"x"
            fab.ctl("clear all")
        assert fab.alive()
    finally:
        assert fab.stop() == 0


def test_second_connection_replaces_first():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        b2 = FakeVM(fab, 1)                      # a restarted VM connects
        fab.vms.append(b2)
        wait_until(lambda: b.eof, what="old connection closed")
        p1 = fab.show(1)
        assert p1["peer"] == "connected" and p1["connects"] == 1, p1
        a.send(frame(BCAST, A, tag=b"n"))
        assert b2.recv()[14:15] == b"n"
        b2.send(frame(BCAST, B, tag=b"m"))
        assert a.recv()[14:15] == b"m"
        assert b.count() == 0
        assert fab.show(1)["tx_packets"] == 1
    finally:
        assert fab.stop() == 0


def ipv4_frame(dst, src, size, tos):
    """An IPv4/UDP frame with a valid header checksum."""
    ip = bytearray(20)
    ip[0], ip[1] = 0x45, tos
    ip[2:4] = (size - 14).to_bytes(2, "big")
    ip[8], ip[9] = 64, 17
    ip[12:16], ip[16:20] = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    ip[10:12] = ipv4_csum(ip).to_bytes(2, "big")
    return mac(dst) + mac(src) + b"\x08\x00" + bytes(ip) + bytes(size - 34)


def ipv4_csum(hdr):
    s = sum(int.from_bytes(hdr[i:i + 2], "big") for i in range(0, len(hdr), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def test_ecn_marking():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        b.send(frame(BCAST, B))
        a.recv()
        for cmd in ("set 1 ecn 5 2 10", "set 1 ecn 1 2 101", "set 1 ecn on",
                    "set 1 ecn 1 2", "set 1 ecn -1 2 10"):
            assert fab.ctl_raw(cmd)[1].startswith("error: "), cmd
        assert fab.show(1)["ecn"] == "off"
        fab.ctl("set 1 rate-mbps 1")             # the queue builds
        fab.ctl("set 1 ecn 1 2 100")
        p1 = fab.show(1)
        assert (p1["ecn"], p1["ecn_kmin_kb"], p1["ecn_kmax_kb"],
                p1["ecn_pmax_pct"]) == ("on", 1, 2, 100), p1
        sent = [ipv4_frame(B, A, 1000, 0x02 if i < 12 else 0x00) for i in range(16)]
        for f in sent:
            a.send(f)
        got = [b.recv() for _ in sent]
        marked = 0
        for s_, g in zip(sent, got):
            ip = g[14:34]
            assert ipv4_csum(ip) == 0, "bad IPv4 checksum"
            if g != s_:
                assert ip[1] == 0x03 and s_[15] == 0x02, "not a CE mark"
                assert g[:15] + g[16:24] + g[26:] == s_[:15] + s_[16:24] + s_[26:]
                marked += 1
        p1 = fab.show(1)
        assert marked == p1["tx_ecn_marked"] > 0, (marked, p1)
        assert got[0] == sent[0], "marked with an empty queue"
        fab.ctl("set 1 ecn off")
        for f in sent:
            a.send(f)
        assert [b.recv() for _ in sent] == sent
        assert fab.show(1)["tx_ecn_marked"] == marked
    finally:
        assert fab.stop() == 0


class SlowVM:
    """A VM that does not read until told to: the socket to it fills and
    the fabric must hold frames back in its egress buffer."""

    def __init__(self, fab, port, name=None):
        self.sock = connect_port(fab, port)
        wait_until(lambda: fab.show(port)["peer"] == "connected", what="VM connected")
        fab.ctl("clear %d" % port)

    def read_all(self, quiet=0.5):
        """Reads until nothing arrives for quiet seconds."""
        self.sock.settimeout(quiet)
        parser, got = StreamParser(), []
        try:
            while True:
                data = self.sock.recv(1 << 20)
                if not data:
                    break
                got += parser.feed(data)
        except socket.timeout:
            pass
        assert parser.buf == b"", "a partial frame is left over"
        return got

    def close(self):
        self.sock.close()


def seq_frame(i, size=1000):
    return frame(BCAST, A, size, tag=i.to_bytes(4, "big"))


def seq_of(f):
    return int.from_bytes(f[14:18], "big")


def accounted(fab, port, n):
    """Every frame switched to port is sent, dropped, queued in the egress
    buffer, or past it and not yet delivered (in flight)."""
    p = fab.show(port)
    return p["tx_packets"] + p["tx_queue_frames"] + p["tx_inflight_frames"] + sum(
        v for k, v in p.items() if k.startswith("tx_drop_")) == n


# Far more than any unix socket buffer holds, so the fabric must queue.
MANY = 1000


def test_slow_vm_backpressure():
    fab = Fabric(2, ["--buffer-kb", "2048"])
    try:
        a = fab.vm(0, "vmA")
        slow = SlowVM(fab, 1)
        n = MANY                                 # 1 MB: fits the 2 MiB buffer
        for i in range(n):
            a.send(seq_frame(i))
        wait_until(lambda: accounted(fab, 1, n), what="all frames accounted")
        time.sleep(0.3)                          # the VM still does not read
        p1 = fab.show(1)
        assert p1["tx_queue_frames"] > 0, p1     # held in the egress buffer
        # Past the buffer only what was serialized when the socket filled:
        # at most one batch (64 frames per sendmsg).
        assert p1["tx_inflight_frames"] <= 64, p1
        assert p1["tx_packets"] + p1["tx_queue_frames"] + p1["tx_inflight_frames"] == n, p1
        got = slow.read_all()
        assert [seq_of(f) for f in got] == list(range(n)), [seq_of(f) for f in got][:20]
        p1 = fab.show(1)
        assert p1["tx_packets"] == n and p1["tx_queue_frames"] == 0, p1
        assert all(v == 0 for k, v in p1.items() if "_drop_" in k), p1
        assert p1["tx_queue_peak_frames"] > 0, p1
        slow.close()
    finally:
        assert fab.stop() == 0


def test_slow_reader_no_loss_no_torn_frames():
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a = fab.vm(0, "vmA")
        b = fab.vm(1, "vmB", rate_kbs=4096)      # reads 4 KiB at a time
        # Sizes that do not divide the socket buffer: writes end mid-frame.
        sizes = [60 + (i * 7919) % 9100 for i in range(2000)]
        for i, n in enumerate(sizes):
            a.send(seq_frame(i, max(n, 18)))
        got = [b.recv(timeout=60) for _ in sizes]
        assert [seq_of(f) for f in got] == list(range(len(sizes)))
        assert [len(f) for f in got] == [max(n, 18) for n in sizes]
        p1 = fab.show(1)
        assert p1["tx_packets"] == len(sizes) and p1["tx_queue_frames"] == 0, p1
        assert p1["tx_queue_peak_frames"] > 0, p1  # it did have to wait
        assert all(v == 0 for k, v in p1.items() if "_drop_" in k), p1
    finally:
        assert fab.stop() == 0


def test_slow_vm_tiny_buffer_exact_drops():
    fab = Fabric(2, ["--buffer-kb", "4"])
    try:
        a = fab.vm(0, "vmA")
        slow = SlowVM(fab, 1)
        n = MANY
        for i in range(n):
            a.send(seq_frame(i))
        wait_until(lambda: accounted(fab, 1, n), what="all frames accounted")
        got = slow.read_all()
        p1 = fab.show(1)
        assert p1["tx_queue_frames"] == 0, p1
        assert p1["tx_drop_buffer"] == n - len(got) > 0, (len(got), p1)
        assert p1["tx_packets"] == len(got), (len(got), p1)
        assert p1["tx_queue_peak_bytes"] <= 4096, p1
        assert all(v == 0 for k, v in p1.items()
                   if "_drop_" in k and k != "tx_drop_buffer"), p1
        seqs = [seq_of(f) for f in got]
        assert seqs == sorted(seqs), seqs        # order kept, losses at the tail
        slow.close()
    finally:
        assert fab.stop() == 0


def test_link_down_while_blocked_keeps_frames_whole():
    fab = Fabric(2, ["--buffer-kb", "2048"])
    try:
        a = fab.vm(0, "vmA")
        slow = SlowVM(fab, 1)
        n = MANY
        for i in range(n):
            a.send(seq_frame(i, 777))            # writes likely end mid-frame
        wait_until(lambda: accounted(fab, 1, n), what="all frames accounted")
        fab.ctl("set 1 link down")               # flushes the queue
        got = slow.read_all()                    # parser: no torn frame
        p1 = fab.show(1)
        assert p1["tx_drop_link_down"] > 0 and p1["tx_queue_frames"] == 0, p1
        assert p1["tx_packets"] == len(got), (len(got), p1)
        assert p1["tx_packets"] + p1["tx_drop_link_down"] == n, p1
        assert [seq_of(f) for f in got] == list(range(len(got)))
        fab.ctl("set 1 link up")
        a.send(seq_frame(n, 777))
        parser, f = StreamParser(), []
        slow.sock.settimeout(TIMEOUT)
        while not f:
            f = parser.feed(slow.sock.recv(65536))
        assert [seq_of(x) for x in f] == [n], f
        slow.close()
    finally:
        assert fab.stop() == 0


def test_vanished_vm_does_not_stall():
    fab = Fabric(3, ["--buffer-kb", "2048"])
    try:
        a = fab.vm(0, "vmA")
        slow = SlowVM(fab, 1)
        c = fab.vm(2, "vmC")
        n = MANY
        for i in range(n):
            a.send(seq_frame(i))
        got = [seq_of(c.recv()) for _ in range(n)]  # port 1 blocked, 2 flows
        assert got == list(range(n)), got
        wait_until(lambda: accounted(fab, 1, n), what="port1 accounted")
        assert fab.show(1)["tx_queue_frames"] > 0
        slow.close()                             # the VM goes away
        wait_until(lambda: fab.show(1)["tx_queue_frames"] == 0, what="queue drained")
        p1 = fab.show(1)
        assert p1["tx_packets"] + p1["tx_drop_no_peer"] == n, p1
        assert p1["tx_drop_no_peer"] > 0 and p1["tx_drop_send_error"] == 0, p1
        assert p1["peer"] == "none", p1
        for i in range(n, n + 10):               # flows on, dropped as no_peer
            a.send(seq_frame(i))
        assert [seq_of(c.recv()) for _ in range(10)] == list(range(n, n + 10))
        wait_until(lambda: fab.show(1)["tx_drop_no_peer"] == p1["tx_drop_no_peer"] + 10,
                   what="no_peer drops")
        assert fab.alive()
    finally:
        assert fab.stop() == 0


def test_backpressure_with_rate():
    fab = Fabric(2, ["--rate-mbps", "10", "--buffer-kb", "2048"])  # 1000 B = 0.8 ms
    try:
        a = fab.vm(0, "vmA")
        slow = SlowVM(fab, 1)
        n = MANY
        for i in range(n):
            a.send(seq_frame(i))
        wait_until(lambda: accounted(fab, 1, n), what="all frames accounted")
        # Until the socket to the VM is full, frames leave at line rate.
        def stalled():
            before = fab.show(1)["tx_packets"]
            time.sleep(0.1)                      # 125 frames at line rate
            return before > 0 and fab.show(1)["tx_packets"] == before
        wait_until(stalled, what="socket full")
        held = fab.show(1)["tx_queue_frames"]
        assert held > 10, held
        t0 = time.monotonic()
        got = slow.read_all()
        spread = time.monotonic() - t0 - 0.5     # minus the final quiet wait
        assert [seq_of(f) for f in got] == list(range(n))
        # Held frames still leave at line rate once the VM reads.
        assert spread >= 0.9 * (held - 1) * 1000 * 8 / 10e6, (spread, held)
        p1 = fab.show(1)
        assert p1["tx_packets"] == n and p1["tx_drop_buffer"] == 0, p1
        slow.close()
    finally:
        assert fab.stop() == 0


WIRE_OVERHEAD = 24  # preamble + SFD 8, FCS 4, inter-frame gap 12


class ByteCounter:
    """A VM that only counts what arrives: (time, total bytes) per read, so
    a fast stream costs the test little CPU."""

    def __init__(self, fab, port):
        self.sock = connect_port(fab, port)
        self.sock.settimeout(None)
        self.samples = []
        self.total = 0
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(1 << 20)
            except OSError:
                return
            if not data:
                return
            self.total += len(data)
            self.samples.append((time.monotonic(), self.total))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(TIMEOUT)
        self.sock.close()


def offer(vm, size, mbps, seconds):
    """Sends size-byte frames for seconds, paced to about mbps of wire rate
    (overhead included) in 2 ms steps; a late sender catches up."""
    per_s = mbps * 1e6 / 8 / (size + WIRE_OVERHEAD)
    one = framed(frame(BCAST, A, size))
    sent, t0 = 0, time.monotonic()
    while True:
        t = time.monotonic() - t0
        if t >= seconds:
            return sent
        due = int(per_s * t) + 1 - sent
        if due > 0:
            due = min(due, 4096)
            vm.send_raw(one * due)
            sent += due
        time.sleep(0.002)


def carried_mbps(counter, size, start, end):
    """Wire Mbit/s (overhead included) that arrived between start and end,
    from the receiver's own clock and byte count."""
    win = [(t, n) for t, n in counter.samples if start <= t <= end]
    assert len(win) >= 10, "only %d reads in the window" % len(win)
    (t0, n0), (t1, n1) = win[0], win[-1]
    frames = (n1 - n0) / (4 + size)
    return frames * (size + WIRE_OVERHEAD) * 8 / (t1 - t0) / 1e6


# Below what a Python sender and the fabric offer on a loaded 2-core
# machine (see the README), with 64-byte frames above a few thousand frames
# per second, where one frame per wakeup used to cap the port.
RATE_CASES = [(1500, 200), (64, 40)]
RATE_TOLERANCE = 0.05


def test_line_rate_is_carried():
    for size, mbps in RATE_CASES:
        fab = Fabric(2, ["--rate-mbps=%d" % mbps])   # also the --opt=value form
        try:
            a = fab.vm(0, "vmA")
            b = ByteCounter(fab, 1)
            wait_until(lambda: fab.show(1)["peer"] == "connected", what="counter connected")
            fab.ctl("clear 1")
            t_start = time.monotonic()
            sent = offer(a, size, 2 * mbps, 2.5)     # twice the line rate
            t_end = time.monotonic()
            got = carried_mbps(b, size, t_start + 0.5, t_end)
            assert abs(got - mbps) <= RATE_TOLERANCE * mbps, \
                "%d-byte frames at %d Mbit/s carried %.1f" % (size, mbps, got)
            # Every sent frame read and switched, the queue drained.
            wait_until(lambda: fab.show(0)["rx_packets"] == sent and
                       fab.show(1)["tx_queue_frames"] == 0, what="queue drained")
            p0, p1 = fab.show(0), fab.show(1)
            assert all(v == 0 for k, v in p0.items() if k.startswith("rx_drop_")), p0
            assert p1["tx_drop_buffer"] > 0, p1        # it was really over the rate
            assert p1["tx_packets"] + p1["tx_drop_buffer"] == sent, p1
            wait_until(lambda: b.total == p1["tx_packets"] * (4 + size),
                       what="every sent frame arrived")
            b.close()
        finally:
            assert fab.stop() == 0


def test_below_line_rate_unshaped():
    """Half the line rate passes whole, at the offered rate."""
    size, mbps = 1500, 200
    fab = Fabric(2, ["--rate-mbps", str(mbps)])
    try:
        a = fab.vm(0, "vmA")
        b = ByteCounter(fab, 1)
        wait_until(lambda: fab.show(1)["peer"] == "connected", what="counter connected")
        fab.ctl("clear 1")
        sent = offer(a, size, mbps / 2, 1.5)
        wait_until(lambda: b.total == sent * (4 + size), what="all frames arrived")
        p1 = fab.show(1)
        assert p1["tx_packets"] == sent, (sent, p1)
        assert all(v == 0 for k, v in p1.items() if "_drop_" in k), p1
        b.close()
    finally:
        assert fab.stop() == 0


def test_failed_allocations_counted():
    """With malloc failing every second time for frame-sized requests
    (tests/unit/fabric/fail_malloc.c), each frame the fabric could not
    allocate is counted as no_memory on the port that lost it."""
    shim = os.environ.get("FAIL_MALLOC") or os.path.join(
        os.path.dirname(os.path.abspath(FABRIC)), "fabric-test", "fail_malloc.so")
    assert os.path.exists(shim), "no %s: build it (make -C tests/unit/fabric)" % shim
    size = 5000                                  # only these allocations fail
    fab = Fabric(3, env={"LD_PRELOAD": shim, "AINIC_FAIL_MALLOC": "5000-5200"})
    try:
        a, b, c = three_vms(fab)
        for i in range(4):
            a.send(frame(BCAST, A, size, tag=bytes([i])))
            a.send(frame(BCAST, A, 100, tag=b"s"))   # unaffected
        # Allocation order: the received frame, then a copy for port 1, one
        # for port 2. Frame 0: ok, port 1's copy fails, port 2's ok; frame
        # 1 fails on receive; frames 2 and 3 repeat that.
        got_c = [c.recv() for _ in range(6)]
        got_b = [b.recv() for _ in range(4)]
        assert [len(f) for f in got_c] == [size, 100, 100, size, 100, 100], got_c
        assert [f[14] for f in got_c if len(f) == size] == [0, 2]
        assert [len(f) for f in got_b] == [100] * 4
        p0, p1, p2 = fab.show(0), fab.show(1), fab.show(2)
        assert p0["rx_drop_no_memory"] == 2 and p0["rx_packets"] == 6, p0
        assert p1["tx_drop_no_memory"] == 2 and p1["tx_packets"] == 4, p1
        assert p2["tx_drop_no_memory"] == 0 and p2["tx_packets"] == 6, p2
        js = json.loads(fab.ctl("json show 1")[0])
        assert js["tx"]["drops"]["no_memory"] == 2, js
        assert json.loads(fab.ctl("json show 0")[0])["rx"]["drops"]["no_memory"] == 2
    finally:
        assert fab.stop() == 0


def test_options_equals_form():
    fab = Fabric(2, ["--rate-mbps=7", "--buffer-kb=64", "--mtu=1500", "--ecn=1,2,50"])
    try:
        p = fab.show(1)
        assert (p["rate_mbps"], p["buffer_kb"], p["ecn"], p["ecn_pmax_pct"]) == \
            (7, 64, "on", 50), p
    finally:
        assert fab.stop() == 0
    d = tempfile.mkdtemp(prefix="fab", dir="/tmp")
    try:
        r = subprocess.Popen([FABRIC, "--dir=" + d, "--ports=1"])
        wait_until(lambda: os.path.exists(os.path.join(d, "control.sock")),
                   what="fabric with --dir=")
        r.send_signal(signal.SIGTERM)
        assert r.wait(TIMEOUT) == 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


class FakeQMP:
    """QEMU's QMP monitor on a unix stream socket: a greeting, then one
    reply per command line. Records every command. mode: "ok" answers
    {"return": {}} (after an event, as QEMU may interleave one), "error"
    answers set_link with an error, "hang" never answers."""

    def __init__(self, path, mode="ok"):
        self.path, self.mode = path, mode
        self.cmds = []
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, '
                             b'"major": 8}, "package": ""}, "capabilities": ["oob"]}}\r\n')
                buf = b""
                while True:
                    try:
                        chunk = conn.recv(4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        cmd = json.loads(line)
                        self.cmds.append(cmd)
                        if self.mode == "hang":
                            continue
                        if self.mode == "error" and cmd["execute"] == "set_link":
                            conn.sendall(b'{"error": {"class": "DeviceNotFound", '
                                         b'"desc": "Device \'nic9\' not found"}}\r\n')
                            continue
                        conn.sendall(b'{"timestamp": {"seconds": 1, "microseconds": 2}, '
                                     b'"event": "NIC_RX_FILTER_CHANGED", "data": '
                                     b'{"return": 1, "error": 2}}\r\n')
                        conn.sendall(b'{"return": {}}\r\n')

    def set_links(self):
        return [(c["arguments"]["name"], c["arguments"]["up"])
                for c in self.cmds if c.get("execute") == "set_link"]

    def close(self):
        self.srv.close()


def test_qmp_set_link():
    d = tempfile.mkdtemp(prefix="qmp", dir="/tmp")
    try:
        qmp = FakeQMP(os.path.join(d, "vm1.qmp"))
        fab = Fabric(3, ["--port-qmp", "1=%s,nic1" % qmp.path])
        try:
            assert fab.ctl("set 1 link down") == []
            assert fab.show(1)["link"] == "down"
            assert qmp.set_links() == [("nic1", False)], qmp.cmds
            assert qmp.cmds[0] == {"execute": "qmp_capabilities"}, qmp.cmds
            r = subprocess.run([FABRIC, "ctl", fab.dir, "set", "port1", "link", "up"],
                               capture_output=True, text=True, timeout=TIMEOUT)
            assert r.returncode == 0 and r.stdout == "", r
            assert fab.show(1)["link"] == "up"
            assert qmp.set_links() == [("nic1", False), ("nic1", True)], qmp.cmds
            assert [c["execute"] for c in qmp.cmds] == [
                "qmp_capabilities", "set_link"] * 2, qmp.cmds
            fab.ctl("set 2 link down")           # no --port-qmp: no QMP
            fab.ctl("set 1 rate-mbps 5")
            assert len(qmp.cmds) == 4
        finally:
            assert fab.stop() == 0
        qmp.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_qmp_failures_warn():
    d = tempfile.mkdtemp(prefix="qmp", dir="/tmp")
    try:
        err = FakeQMP(os.path.join(d, "err.qmp"), "error")
        hang = FakeQMP(os.path.join(d, "hang.qmp"), "hang")
        fab = Fabric(4, ["--port-qmp", "0=%s,nic0" % os.path.join(d, "none.qmp"),
                         "--port-qmp", "1=%s,nic9" % err.path,
                         "--port-qmp", "2=%s,nic2" % hang.path])
        try:
            b = fab.vm(3, "vmD")
            out = fab.ctl("set 0 link down")     # no QMP socket
            assert len(out) == 1 and out[0].startswith("warning: qmp: "), out
            assert "No such file" in out[0], out
            assert fab.show(0)["link"] == "down"
            out = fab.ctl("set 0 link up")
            assert len(out) == 1 and out[0].startswith("warning: qmp: "), out
            assert fab.show(0)["link"] == "up"
            out = fab.ctl("set 1 link down")     # QMP error reply
            assert out == ["warning: qmp: set_link: Device 'nic9' not found"], out
            assert err.set_links() == [("nic9", False)]
            assert fab.show(1)["link"] == "down"
            t0 = time.monotonic()
            out = fab.ctl("set 2 link down")     # QEMU never answers
            assert time.monotonic() - t0 >= 1.5
            assert len(out) == 1 and out[0].startswith("warning: qmp: ") and \
                "timed out" in out[0], out
            assert fab.show(2)["link"] == "down"
            r = subprocess.run([FABRIC, "ctl", fab.dir, "set", "0", "link", "down"],
                               capture_output=True, text=True, timeout=TIMEOUT)
            assert r.returncode == 0 and r.stdout.startswith("warning: qmp: "), r
            # The switch still switches.
            a = fab.vm(2, "vmC")
            fab.ctl("set 2 link up")
            a.send(frame(BCAST, A, tag=b"q"))
            assert b.recv()[14:15] == b"q"
            assert fab.alive()
        finally:
            assert fab.stop() == 0
        err.close()
        hang.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bad_options():
    for args in (["--ports", "2"], ["--dir", "/tmp", "--ports", "0"],
                 ["--dir", "/tmp", "--ports", "2", "--rate-mbps", "x"],
                 ["--dir", "/tmp", "--ports", "2", "--peer", "5=/tmp/x"],
                 ["--dir", "/tmp", "--ports", "2", "--mtu", "10"],
                 ["--dir", "/tmp", "--ports", "2", "--ecn", "5,2,1"],
                 ["--dir", "/tmp", "--ports", "2", "--bogus", "1"],
                 ["--dir", "/tmp", "--ports", "2", "--port-qmp", "2=/tmp/q,nic"],
                 ["--dir", "/tmp", "--ports", "2", "--port-qmp", "1=/tmp/q"],
                 ["--dir", "/tmp", "--ports", "2", "--port-qmp", "1=,nic"],
                 ["--dir", "/tmp", "--ports", "2", "--port-qmp", "1=/tmp/q,"],
                 ["--dir", "/tmp", "--ports", "2", "--port-qmp", "1=/tmp/q,a\"b"],
                 ["--dir", "/tmp", "--ports", "2", "--port-qmp", "x=/tmp/q,nic"],
                 ["--dir", "/tmp", "--ports", "2", "--rate-mbps="],
                 ["--dir", "/tmp", "--ports", "2", "--rate-mbps=x"],
                 ["--dir", "/tmp", "--ports=2", "--bogus=1"],
                 ["--dir", "/tmp", "--ports", "2", "--" + "x" * 40 + "=1"],
                 ["--dir", "/tmp", "--ports", "2", "--rate-mbps"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:up:loss=1"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "2:tx:loss=1"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "x:tx:loss=1"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx:loss=101"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx:loss"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx:loss="],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx:ge=1/2/3"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx:bogus=1"],
                 ["--dir", "/tmp", "--ports", "2", "--impair", "1:tx:off,loss=1"]):
        r = subprocess.run([FABRIC] + args, capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 2, (args, r)


def test_sigterm_cleans_up():
    fab = Fabric(2)
    d = fab.dir
    pid = int(open(os.path.join(d, "fabric.pid")).read())
    assert pid == fab.proc.pid
    fab.proc.send_signal(signal.SIGTERM)
    assert fab.proc.wait(TIMEOUT) == 0
    left = sorted(os.listdir(d))
    assert left == [], left
    fab.stop()


# ------------------------------------------------------------ impairments
#
# Statistical checks allow Z_BOUND standard deviations, computed from the
# number of frames (the same bound as test_impair.c): the seeds are fixed,
# so a run repeats, but the bound is what any seed must meet.

Z_BOUND = 5


def binomial_bounds(n, p):
    sd = math.sqrt(n * p * (1 - p))
    return n * p - Z_BOUND * sd, n * p + Z_BOUND * sd


def send_burst(vm, frames):
    """All frames in one write: the fabric reads them as fast as it can."""
    vm.send_raw(b"".join(framed(f) for f in frames))


def tx_settled(fab, port, n):
    """Each of the n frames switched to port, and each copy the fabric made
    of them, was sent or dropped: nothing queued or in flight any more."""
    p = fab.show(port)
    drops = sum(v for k, v in p.items() if k.startswith("tx_drop_"))
    return p["tx_queue_frames"] == 0 and p["tx_inflight_frames"] == 0 and \
        p["tx_packets"] + drops == n + p["tx_duplicated"]


def delivered(fab, vm, port):
    """Waits until vm read every frame port counts as sent; returns them."""
    sent = fab.show(port)["tx_packets"]
    wait_until(lambda: vm.count() >= sent, what="%d frames delivered" % sent)
    got = vm.drain()
    assert len(got) == sent, (len(got), sent)
    return got


def impaired_tx_run(fab, a, b, n, size=64, first=0):
    """Sends n sequence-numbered frames from port 0 to port 1; returns what
    port 1's VM got once every frame was sent or dropped."""
    fab.ctl("clear 1")
    send_burst(a, [seq_frame(first + i, size) for i in range(n)])
    wait_until(lambda: tx_settled(fab, 1, n), what="all frames sent or dropped")
    return delivered(fab, b, 1)


def only_drops(p, dirn, *causes):
    return all(v == 0 for k, v in p.items() if k.startswith(dirn + "_drop_") and
               k[len(dirn) + 6:] not in causes)


def test_impair_loss_binomial():
    n, p = 4000, 0.05
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair tx loss 5 seed 11")
        got = [seq_of(f) for f in impaired_tx_run(fab, a, b, n)]
        lost = n - len(got)
        lo, hi = binomial_bounds(n, p)
        assert lo <= lost <= hi, (lost, lo, hi)
        p1, p0 = fab.show(1), fab.show(0)
        assert p1["tx_drop_loss"] == lost and only_drops(p1, "tx", "loss"), p1
        assert got == sorted(set(got)), "loss reordered or duplicated frames"
        assert p0["rx_packets"] == n and only_drops(p0, "rx"), p0   # rx unimpaired
        js = json.loads(fab.ctl("json show 1")[0])
        assert js["tx"]["drops"]["loss"] == lost and js["impair"]["tx"]["loss_pct"] == 5, js
    finally:
        assert fab.stop() == 0


def test_impair_seed_reproducible():
    """The same seed loses the same frames: set again at run time, and in a
    new fabric started with it; another seed loses others."""
    n = 1000

    def lost(fab, a, b):
        return frozenset(range(n)) - {seq_of(f) for f in impaired_tx_run(fab, a, b, n)}

    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair tx loss 10 seed 5")
        l1 = lost(fab, a, b)
        assert 0 < len(l1) < n, len(l1)
        fab.ctl("set 1 impair tx seed 5")           # starts the sequence over
        assert lost(fab, a, b) == l1
        fab.ctl("set 1 impair tx seed 6")
        assert lost(fab, a, b) != l1
        assert fab.show(1)["tx_seed"] == 6
    finally:
        assert fab.stop() == 0
    fab = Fabric(2, ["--buffer-kb", "16384", "--impair", "1:tx:loss=10,seed=5"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        assert lost(fab, a, b) == l1
    finally:
        assert fab.stop() == 0


def test_impair_gilbert_elliott_bursts():
    """rx Gilbert-Elliott with all loss in the bad state: a burst of lost
    frames is one stay there, geometric with mean 1 / p(bad->good)."""
    n, p_gb, p_bg = 10000, 0.02, 0.25
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 0 impair rx ge 2 25 100 0 seed 3")
        send_burst(a, [seq_frame(i, 64) for i in range(n)])
        wait_until(lambda: (lambda p: p["rx_inflight_frames"] == 0 and
                            p["rx_packets"] + p["rx_drop_burst_loss"] == n)(fab.show(0)),
                   what="all frames received or lost")
        wait_until(lambda: tx_settled(fab, 1, fab.show(0)["rx_packets"]), what="sent on")
        got = {seq_of(f) for f in delivered(fab, b, 1)}
        lost = [i not in got for i in range(n)]
        bursts = sum(1 for i in range(n) if lost[i] and (i == 0 or not lost[i - 1]))
        nlost = sum(lost)
        mean, want = nlost / bursts, 1 / p_bg
        tol = Z_BOUND * math.sqrt(1 - p_bg) / p_bg / math.sqrt(bursts)
        assert abs(mean - want) <= tol, (mean, want, tol, bursts)
        p0 = fab.show(0)
        assert p0["rx_drop_burst_loss"] == nlost and only_drops(p0, "rx", "burst_loss"), p0
        assert p0["rx_ge"] == "2/25/100/0", p0
    finally:
        assert fab.stop() == 0


def test_impair_duplicate():
    n, p = 3000, 0.10
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair tx dup 10 seed 9")
        got = impaired_tx_run(fab, a, b, n)
        counts = {}
        for f in got:
            assert f == seq_frame(seq_of(f), 64), "a copy differs from the frame"
            counts[seq_of(f)] = counts.get(seq_of(f), 0) + 1
        assert sorted(counts) == list(range(n)), "frames lost"
        assert set(counts.values()) <= {1, 2}, "a frame came more than twice"
        dups = sum(1 for c in counts.values() if c == 2)
        lo, hi = binomial_bounds(n, p)
        assert lo <= dups <= hi, (dups, lo, hi)
        p1 = fab.show(1)
        assert p1["tx_duplicated"] == dups and p1["tx_packets"] == n + dups, p1
        assert only_drops(p1, "tx"), p1
    finally:
        assert fab.stop() == 0


def bit_distance(x, y):
    return sum(bin(i ^ j).count("1") for i, j in zip(x, y))


def test_impair_corrupt_one_bit():
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair tx corrupt 100")
        n = 300
        got = impaired_tx_run(fab, a, b, n, 200)
        sent = [seq_frame(i, 200) for i in range(n)]
        assert len(got) == n
        assert [bit_distance(s, g) for s, g in zip(sent, got)] == [1] * n
        assert all(len(g) == 200 for g in got)
        assert fab.show(1)["tx_corrupted"] == n
        n, p = 2000, 0.10
        fab.ctl("set 1 impair tx corrupt 10 seed 2")
        got = impaired_tx_run(fab, a, b, n, 100, first=1000)
        sent = [seq_frame(1000 + i, 100) for i in range(n)]
        dist = [bit_distance(s, g) for s, g in zip(sent, got)]
        assert len(got) == n and set(dist) <= {0, 1}, set(dist)
        lo, hi = binomial_bounds(n, p)
        assert lo <= sum(dist) <= hi, (sum(dist), lo, hi)
        assert fab.show(1)["tx_corrupted"] == sum(dist)
    finally:
        assert fab.stop() == 0


def test_impair_reorder_overtakes():
    """Frames held back 0.3 s are overtaken by the ones after them; only
    held frames are, and none arrives before its extra delay."""
    n, p, extra = 500, 0.20, 0.3
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair tx reorder 20 300000 seed 4")
        t0 = time.monotonic()
        got = impaired_tx_run(fab, a, b, n)
        times = b.times[-len(got):]
        seqs = [seq_of(f) for f in got]
        assert sorted(seqs) == list(range(n)), "frames lost or duplicated"
        late, highest = [], -1
        for s, t in zip(seqs, times):
            if s < highest:
                late.append((s, t))
            highest = max(highest, s)
        p1 = fab.show(1)
        lo, hi = binomial_bounds(n, p)
        assert lo <= p1["tx_reordered"] <= hi, p1
        assert 0 < len(late) <= p1["tx_reordered"], (len(late), p1)
        assert all(t - t0 >= extra for s, t in late), late[:5]
        assert p1["tx_delayed"] == 0 and only_drops(p1, "tx"), p1
    finally:
        assert fab.stop() == 0


def test_impair_delay_jitter():
    """delay 20 ms jitter 30 ms: nothing arrives sooner than 20 ms, and
    jitter this much larger than the frames' spacing reorders them (the
    upper bound is test_impair.c's, on a clock that cannot be late)."""
    n = 200
    fab = Fabric(2, ["--buffer-kb", "16384"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair tx delay 20000 jitter 30000 seed 8")
        t0 = time.monotonic()
        got = impaired_tx_run(fab, a, b, n)
        times = b.times[-len(got):]
        seqs = [seq_of(f) for f in got]
        assert sorted(seqs) == list(range(n))
        assert min(times) - t0 >= 0.020, min(times) - t0
        assert any(x > y for x, y in zip(seqs, seqs[1:])), "jitter never reordered"
        p1 = fab.show(1)
        assert p1["tx_delayed"] == n and (p1["tx_delay_us"], p1["tx_jitter_us"]) == \
            (20000, 30000), p1
    finally:
        assert fab.stop() == 0


def test_impair_delay_is_not_queue_depth():
    """20 frames of 1000 bytes on a 4 s delay are in flight at once, more
    than the 16 KiB buffer holds and beyond the ECN thresholds, yet the
    ECT frames sent meanwhile find the buffer empty: none is marked or
    tail-dropped."""
    delay = 4.0
    fab = Fabric(2, ["--buffer-kb", "16"])
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 ecn 4 8 100")
        fab.ctl("set 1 impair tx delay %d" % int(delay * 1e6))
        sent_at, peak = [], 0
        # Not-ECT first (never marked, even if read in one go), then ECT(0)
        # probes one at a time, each once the one before is on the wire.
        for i in range(20):
            a.send(ipv4_frame(BCAST, A, 1000, 0x00 if i < 10 else 0x02))
            sent_at.append(time.monotonic())
            if i >= 9:
                wait_until(lambda: accounted(fab, 1, i + 1), what="frame %d accounted" % i)
                p1 = fab.show(1)
                peak = max(peak, p1["tx_inflight_frames"])
                assert p1["tx_queue_frames"] == 0 and p1["tx_drop_buffer"] == 0, p1
        got = [b.recv(timeout=TIMEOUT + delay) for _ in range(20)]
        assert all(t - s >= delay for t, s in zip(b.times, sent_at)), "arrived early"
        assert [g[15] & 3 for g in got] == [0] * 10 + [2] * 10, "CE-marked"
        p1 = fab.show(1)
        assert p1["tx_ecn_marked"] == 0 and p1["tx_drop_buffer"] == 0, p1
        assert p1["tx_queue_peak_bytes"] <= 10 * 1000, p1
        assert peak * 1000 > 16 * 1024, "only %d frames were ever in flight" % peak
    finally:
        assert fab.stop() == 0


def test_impair_rx_delay():
    """An rx delay holds frames before the switch: they count as rx packets
    when they arrive, and reach the other port no sooner."""
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 0 impair rx delay 300000")
        t0 = time.monotonic()
        send_burst(a, [seq_frame(i, 64) for i in range(5)])
        wait_until(lambda: (lambda p: p["rx_packets"] + p["rx_inflight_frames"] == 5)(
            fab.show(0)), what="frames received")
        got = [b.recv() for _ in range(5)]
        assert [seq_of(f) for f in got] == list(range(5))
        assert all(t - t0 >= 0.3 for t in b.times), b.times
        p0 = fab.show(0)
        assert p0["rx_packets"] == 5 and p0["rx_inflight_frames"] == 0, p0
        assert p0["rx_delayed"] == 5 and fab.show(1)["tx_delayed"] == 0
    finally:
        assert fab.stop() == 0


def test_impair_off_and_both():
    fab = Fabric(2)
    try:
        a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
        fab.ctl("set 1 impair both loss 100 seed 21")
        a.send(frame(BCAST, A, tag=b"x"))
        b.send(frame(BCAST, B, tag=b"y"))
        wait_tx(fab, 1, 1, "tx_drop_loss")
        wait_tx(fab, 1, 1, "rx_drop_loss")
        assert a.count() == 0 and b.count() == 0
        fab.ctl("set 1 impair both off")
        p1 = fab.show(1)
        assert (p1["tx_loss_pct"], p1["rx_loss_pct"], p1["tx_seed"], p1["rx_seed"]) == \
            (0, 0, 21, 21), p1
        a.send(frame(BCAST, A, tag=b"u"))
        assert b.recv()[14:15] == b"u"
        b.send(frame(BCAST, B, tag=b"v"))
        assert a.recv()[14:15] == b"v"
    finally:
        assert fab.stop() == 0


def test_impair_bad_commands_change_nothing():
    fab = Fabric(2)
    try:
        fab.ctl("set 1 impair tx loss 1 seed 3")
        before, before_js = fab.show(1), fab.ctl("json show 1")
        bad = ["set 1 impair", "set 1 impair tx", "set 1 impair up loss 5",
               "set 1 impair tx loss 101", "set 1 impair tx loss 0.12345",
               "set 1 impair tx loss -1", "set 1 impair tx loss", "set 1 impair tx loss 5 dup",
               "set 1 impair tx loss 1e1", "set 1 impair tx ge 1 2 3",
               "set 1 impair tx ge 1 2 3 x", "set 1 impair tx reorder 5",
               "set 1 impair tx reorder 5 0", "set 1 impair tx delay 10000001",
               "set 1 impair tx jitter 1.5", "set 1 impair tx seed x",
               "set 1 impair tx colour 5", "set 1 impair tx off loss 1",
               "set 1 impair both loss 5 corrupt 200", "set 9 impair tx loss 1",
               "json set 1 impair tx loss 1", "set 1 link down-for",
               "set 1 link down-for 0", "set 1 link down-for 3600001",
               "set 1 link down-for x", "set 1 link down-for 5 5", "set 1 link up up"]
        for cmd in bad:
            out, st = fab.ctl_raw(cmd)
            assert st.startswith("error: ") and out == [], (cmd, st, out)
        assert fab.show(1) == before and fab.ctl("json show 1") == before_js
        fab.ctl("set 1 impair both loss 2 dup 1")
        p1 = fab.show(1)
        assert (p1["rx_loss_pct"], p1["tx_loss_pct"], p1["rx_dup_pct"]) == (2, 2, 1), p1
        assert p1["tx_seed"] == 3 and p1["rx_seed"] == 2, p1   # seeds untouched
        assert any("impair" in l for l in fab.ctl("help"))
    finally:
        assert fab.stop() == 0


def test_impair_startup_option():
    fab = Fabric(3, ["--impair", "1:tx:loss=2.5,ge=1/20/100/0,reorder=10/5000,seed=7",
                     "--impair=all:rx:delay=100,jitter=50", "--impair", "2:both:dup=0.5"])
    try:
        p = [fab.show(i) for i in range(3)]
        assert (p[1]["tx_loss_pct"], p[1]["tx_ge"], p[1]["tx_reorder_pct"],
                p[1]["tx_reorder_us"], p[1]["tx_seed"]) == ("2.5", "1/20/100/0", 10, 5000, 7), p[1]
        assert all((x["rx_delay_us"], x["rx_jitter_us"]) == (100, 50) for x in p), p
        assert (p[0]["tx_loss_pct"], p[0]["tx_ge"], p[0]["tx_delay_us"]) == (0, "off", 0), p[0]
        assert (p[2]["rx_dup_pct"], p[2]["tx_dup_pct"], p[2]["rx_delay_us"]) == \
            ("0.5", "0.5", 100), p[2]
        js = json.loads(fab.ctl("json show 1")[0])["impair"]["tx"]
        assert js["ge"] == {"p_good_bad_pct": 1, "p_bad_good_pct": 20,
                            "loss_bad_pct": 100, "loss_good_pct": 0}, js
    finally:
        assert fab.stop() == 0


def test_link_down_for_comes_back():
    d = tempfile.mkdtemp(prefix="qmp", dir="/tmp")
    try:
        qmp = FakeQMP(os.path.join(d, "vm1.qmp"))
        fab = Fabric(2, ["--port-qmp", "1=%s,nic1" % qmp.path])
        try:
            a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
            t0 = time.monotonic()
            assert fab.ctl("set 1 link down-for 1500") == []
            p1 = fab.show(1)
            assert p1["link"] == "down" and 0 < p1["link_up_in_ms"] <= 1500, p1
            assert qmp.set_links() == [("nic1", False)], qmp.cmds
            a.send(frame(BCAST, A, tag=b"d"))
            wait_tx(fab, 1, 1, "tx_drop_link_down")
            wait_until(lambda: fab.show(1)["link"] == "up", what="link back up")
            assert time.monotonic() - t0 >= 1.5
            wait_until(lambda: qmp.set_links() == [("nic1", False), ("nic1", True)],
                       what="QEMU told the link is up")
            wait_until(lambda: fab.show(1)["qmp_ok"] == 2, what="both exchanges done")
            p1 = fab.show(1)
            assert p1["link_up_in_ms"] == 0 and p1["qmp_failed"] == 0, p1
            a.send(frame(BCAST, A, tag=b"u"))
            assert b.recv()[14:15] == b"u" and b.count() == 0
            # A plain link up cancels a pending down-for.
            fab.ctl("set 1 link down-for 60000")
            fab.ctl("set 1 link up")
            p1 = fab.show(1)
            assert p1["link"] == "up" and p1["link_up_in_ms"] == 0, p1
        finally:
            assert fab.stop() == 0
        qmp.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_qmp_hang_does_not_stall_switching():
    """A QEMU that never answers QMP holds up only the reply to the command
    that changed the link, not switching, other clients or later commands."""
    d = tempfile.mkdtemp(prefix="qmp", dir="/tmp")
    try:
        hang = FakeQMP(os.path.join(d, "hang.qmp"), "hang")
        fab = Fabric(3, ["--port-qmp", "2=%s,nic2" % hang.path])
        try:
            a, b = fab.vm(0, "vmA"), fab.vm(1, "vmB")
            ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            ctl.connect(os.path.join(fab.dir, "control.sock"))
            t0 = time.monotonic()
            ctl.sendall(b"set 2 link down\n")
            wait_until(lambda: hang.cmds, what="the QMP exchange started")
            a.send(frame(BCAST, A, tag=b"s"))
            assert b.recv()[14:15] == b"s"
            p2 = fab.show(2)                     # another control client
            assert p2["link"] == "down", p2      # the switch port changed first
            # A fabric stuck in the exchange would have switched the frame
            # and answered show only after replying here.
            try:
                early = ctl.recv(4096, socket.MSG_DONTWAIT)
            except BlockingIOError:
                early = b""
            assert early == b"", "the QMP wait held up switching: %r" % early
            ctl.settimeout(TIMEOUT)
            buf = b""
            while not buf.endswith(b"ok\n"):
                chunk = ctl.recv(4096)
                assert chunk, buf
                buf += chunk
            ctl.close()
            out = buf.decode().splitlines()
            assert len(out) == 2 and out[0].startswith("warning: qmp: ") and \
                "timed out" in out[0], out
            assert time.monotonic() - t0 >= 1.5
            p2 = fab.show(2)
            assert (p2["qmp_ok"], p2["qmp_failed"]) == (0, 1), p2
            # Commands after a waiting one on the same connection run after it.
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(TIMEOUT)
            s.connect(os.path.join(fab.dir, "control.sock"))
            s.sendall(b"set 2 link up\nshow 2\n")
            buf = b""
            while buf.count(b"ok\n") < 2:
                chunk = s.recv(65536)
                assert chunk, buf
                buf += chunk
            s.close()
            lines = buf.decode().splitlines()
            assert lines[0].startswith("warning: qmp: ") and lines[1] == "ok", lines[:3]
            assert "link=up" in lines and lines[-1] == "ok", lines
            assert fab.show(2)["qmp_failed"] == 2
        finally:
            assert fab.stop() == 0
        hang.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    print("TAP version 13")
    print("1..%d" % len(TESTS))
    failed = 0
    for i, t in enumerate(TESTS, 1):
        name = t.__name__[5:]
        try:
            t()
            print("ok %d %s" % (i, name))
        except Exception:
            failed += 1
            print("not ok %d %s" % (i, name))
            for l in traceback.format_exc().splitlines():
                print("# " + l)
        sys.stdout.flush()
    print("# %d passed, %d failed" % (len(TESTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
