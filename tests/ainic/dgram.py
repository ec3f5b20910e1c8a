#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The application's view of delivery: numbered UDP datagrams, and a TCP
stream whose sha256 both ends compute.

  dgram.py recv PORT COUNT TIMEOUT   prints JSON {received, lost, dup, ooo}
  dgram.py send ADDR PORT COUNT PPS  sends COUNT datagrams, numbered 0..
  dgram.py sink PORT                 prints JSON {bytes, sha256} of a stream
  dgram.py source ADDR PORT MB [SEED]
                                     sends MB MiB, prints the same JSON;
                                     with SEED the bytes are SEED's, so
  dgram.py expect MB SEED            on another machine prints the JSON
                                     the sink must print for them

The receiver counts each number it sees: a number seen again is a
duplicate, one lower than the highest seen so far arrived out of order,
and a number never seen by the time COUNT arrived (or TIMEOUT seconds
passed without a datagram) is lost.
"""

import hashlib
import json
import os
import random
import socket
import struct
import sys
import time

SIZE = 1000


def recv(port, count, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("0.0.0.0", port))
    s.settimeout(timeout)
    print("ready", flush=True, file=sys.stderr)
    seen = bytearray(count)
    received = dup = ooo = 0
    high = -1
    while received < count:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        (n,) = struct.unpack_from("!I", data)
        if n >= count or len(data) != SIZE:
            continue
        if seen[n]:
            dup += 1
            continue
        seen[n] = 1
        received += 1
        if n < high:
            ooo += 1
        high = max(high, n)
    print(json.dumps({"received": received, "lost": count - received,
                      "dup": dup, "ooo": ooo}))


def send(addr, port, count, pps):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pad = bytes(SIZE - 4)
    start = time.monotonic()
    for n in range(count):
        due = start + n / pps
        while True:
            now = time.monotonic()
            if now >= due:
                break
            time.sleep(min(due - now, 0.01))
        s.sendto(struct.pack("!I", n) + pad, (addr, port))


def sink(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("ready", flush=True, file=sys.stderr)
    conn, _ = ls.accept()
    print("connected", flush=True, file=sys.stderr)
    h, n = hashlib.sha256(), 0
    while True:
        data = conn.recv(1 << 20)
        if not data:
            break
        h.update(data)
        n += len(data)
    print(json.dumps({"bytes": n, "sha256": h.hexdigest()}))


def blocks(mb, seed):
    """The stream, MiB by MiB: random bytes (SEED's if given), each MiB
    stamped with its index so that no two are alike."""
    if seed is None:
        block = bytearray(os.urandom(1 << 20))
    else:
        block = bytearray(random.Random(seed).randbytes(1 << 20))
    for i in range(mb):
        block[0:4] = struct.pack("!I", i)
        yield block


def source(addr, port, mb, seed=None):
    s = socket.create_connection((addr, port), timeout=60)
    h = hashlib.sha256()
    for block in blocks(mb, seed):
        h.update(block)
        s.sendall(block)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)                               # the sink has everything
    print(json.dumps({"bytes": mb << 20, "sha256": h.hexdigest()}))


def expect(mb, seed):
    h = hashlib.sha256()
    for block in blocks(mb, seed):
        h.update(block)
    print(json.dumps({"bytes": mb << 20, "sha256": h.hexdigest()}))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "sink":
        sink(int(sys.argv[2]))
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "source":
        source(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               int(sys.argv[5]) if len(sys.argv) == 6 else None)
    elif len(sys.argv) == 4 and sys.argv[1] == "expect":
        expect(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "recv":
        recv(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
