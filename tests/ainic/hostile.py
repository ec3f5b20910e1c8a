#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A buggy or malicious driver of an ainic PCI function (stdlib only).

Takes the device from ainic.ko (unbind), enables memory space and bus
mastering in its command register, maps BAR0 through sysfs resource0 and
builds rings in mlock'd anonymous pages whose physical addresses come from
/proc/self/pagemap (no IOMMU in the test VMs: bus address == physical).
Each scenario abuses the device one way, checks the answers the device
gives (DEV_STATUS, DEV_ERROR, completion status) and that QEMU's guest
error log (-d guest_errors, scripts/vm-run --qemu-log) explains every
rejection, and ends with the device alive (MAGIC and DEV_STATUS readable).

  hostile.py --bdf 0000:00:05.0 [--log FILE] [--id ainic1] SCENARIO

Exit status 0: the scenario passed; 1: it failed (reasons on stdout as
'# ' lines); 4: skipped.
"""

import argparse
import ctypes
import mmap
import os
import random
import signal
import struct
import sys
import time

# ---- uapi/linux/ainic_if.h ------------------------------------------------

MAGIC = 0x43494e41
REG_MAGIC, REG_IF_VERSION, REG_CAPS_LO, REG_CAPS_HI = 0x0, 0x4, 0x8, 0xc
REG_DEV_CTRL, REG_DEV_STATUS, REG_DEV_ERROR = 0x10, 0x14, 0x18
REG_NUM_VECTORS, REG_MAX_QPS, REG_ADMIN_TIMEOUT = 0x1c, 0x20, 0x24
REG_ASQ_BASE_LO, REG_ASQ_BASE_HI, REG_ASQ_SIZE = 0x40, 0x44, 0x48
REG_ASQ_TAIL, REG_ASQ_HEAD = 0x4c, 0x50
REG_ACQ_BASE_LO, REG_ACQ_BASE_HI, REG_ACQ_SIZE = 0x54, 0x58, 0x5c
REG_EQ_BASE_LO, REG_EQ_BASE_HI, REG_EQ_SIZE, REG_EQ_HEAD = 0x60, 0x64, 0x68, 0x6c
REG_TEST_ECHO, REG_TEST_IRQ = 0x100, 0x104
REG_TEST_DMA_ADDR_LO, REG_TEST_DMA_ADDR_HI = 0x108, 0x10c
REG_TEST_DMA_LEN, REG_TEST_DMA_PATTERN = 0x110, 0x114
REG_TEST_DMA_CTRL, REG_TEST_DMA_STATUS = 0x118, 0x11c
REG_INTR_BASE, REG_DB_BASE = 0x800, 0x2000
BAR0_SIZE = 0x10000

CTRL_RESET, CTRL_ENABLE = 1, 2
ST_READY, ST_ENABLED, ST_FATAL, ST_LINK_UP = 1, 2, 4, 8
ERR_NONE, ERR_ADMINQ_CONFIG, ERR_EVENTQ_CONFIG, ERR_DMA = 0, 1, 2, 3

OP_NOP, OP_IDENTIFY, OP_PORT_CONFIG, OP_STATS_GET = 0x00, 0x01, 0x02, 0x03
OP_Q_CREATE, OP_Q_DESTROY = 0x10, 0x11
# The device has the reliable transport (set by main from QEMU's property)
RELIABLE = False
KNOWN_OPS = {0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x20, 0x21, 0x22,
             0x30, 0x31, 0x32, 0x33, 0x40, 0x41}
QT_TXQ, QT_RXQ, QT_CQ = 1, 2, 3

OK, ENOENT, EFAULT, EBUSY, EEXIST, EINVAL, ERANGE, EOPNOTSUPP = \
    0, 2, 14, 16, 17, 22, 34, 95

TXD_SOP, TXD_EOP, TXD_CSUM, TXD_TSO, TXD_TSO_IPV6 = 1, 2, 4, 8, 16
TSO_MIN_MSS = 88

PAGE = 4096
OUTSIDE_RAM = 0x7f0000000000        # far above any test VM's memory


def db(qp, reg):
    """Doorbell offset: reg 0 TXQ, 4 RXQ, 8 TXCQ, 0xc RXCQ."""
    return REG_DB_BASE + 16 * qp + reg


# ---- Reporting -------------------------------------------------------------

class Failed(Exception):
    pass


failures = []


def msg(text):
    print("# " + text, flush=True)


def check(cond, what):
    if not cond:
        failures.append(what)
        msg("FAIL: " + what)
    return cond


# ---- Guest memory the device can reach ------------------------------------

libc = ctypes.CDLL(None, use_errno=True)
libc.mlock.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


class DmaMem:
    """npages mlock'd pages, each with its physical address."""

    def __init__(self, npages):
        self.n = npages
        self.buf = mmap.mmap(-1, npages * PAGE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.va = ctypes.addressof(ctypes.c_char.from_buffer(self.buf))
        if libc.mlock(self.va, npages * PAGE):
            raise OSError(ctypes.get_errno(), "mlock")
        for i in range(npages):
            self.buf[i * PAGE] = 1          # fault every page in
        self.buf[:] = bytes(npages * PAGE)
        self.pa = []
        with open("/proc/self/pagemap", "rb") as f:
            for i in range(npages):
                f.seek((self.va // PAGE + i) * 8)
                ent = struct.unpack("<Q", f.read(8))[0]
                if not ent >> 63 or not ent & ((1 << 55) - 1):
                    raise Failed("pagemap: page %d not present or no PFN "
                                 "(not root?)" % i)
                self.pa.append((ent & ((1 << 55) - 1)) * PAGE)

    def phys(self, page, off=0):
        return self.pa[page] + off

    def write(self, page, off, data):
        o = page * PAGE + off
        self.buf[o:o + len(data)] = data

    def read(self, page, off, n):
        o = page * PAGE + off
        return bytes(self.buf[o:o + n])

    def zero(self, page):
        self.write(page, 0, bytes(PAGE))


# ---- The PCI function -----------------------------------------------------

class Dev:
    def __init__(self, bdf):
        self.bdf = bdf
        self.sys = "/sys/bus/pci/devices/" + bdf
        drv = self.sys + "/driver"
        if os.path.exists(drv):
            name = os.path.basename(os.readlink(drv))
            with open(drv + "/unbind", "w") as f:
                f.write(bdf)
            msg("unbound %s from %s" % (bdf, name))
        self.cfg = os.open(self.sys + "/config", os.O_RDWR)
        self.command(0x6)                   # memory space + bus master
        fd = os.open(self.sys + "/resource0", os.O_RDWR | os.O_SYNC)
        self.bar = mmap.mmap(fd, BAR0_SIZE, mmap.MAP_SHARED,
                             mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fd)
        self.base = ctypes.addressof(ctypes.c_char.from_buffer(self.bar))
        self.bar_pa = self.resource(0)
        self.bar2_pa = self.resource(2)

    def resource(self, n):
        with open(self.sys + "/resource") as f:
            return int(f.read().splitlines()[n].split()[0], 16)

    def command(self, val=None):
        cur = struct.unpack("<H", os.pread(self.cfg, 2, 4))[0]
        if val is not None:
            os.pwrite(self.cfg, struct.pack("<H", (cur & ~0x7) | val), 4)
        return cur

    def rd(self, off):
        return ctypes.c_uint32.from_address(self.base + off).value

    def wr(self, off, val):
        ctypes.c_uint32.from_address(self.base + off).value = val & 0xffffffff

    def wr8(self, off, val):
        ctypes.c_uint8.from_address(self.base + off).value = val & 0xff

    def wr16(self, off, val):
        ctypes.c_uint16.from_address(self.base + off).value = val & 0xffff

    def rd8(self, off):
        return ctypes.c_uint8.from_address(self.base + off).value

    def wr64(self, lo, val):
        self.wr(lo, val)
        self.wr(lo + 4, val >> 32)

    def status(self):
        return self.rd(REG_DEV_STATUS)

    def alive(self, what):
        m, s = self.rd(REG_MAGIC), self.status()
        return check(m == MAGIC and s != 0xffffffff and s & ST_READY,
                     "%s: device alive (MAGIC 0x%08x, DEV_STATUS 0x%x)" %
                     (what, m, s))

    def reset(self):
        self.wr(REG_DEV_CTRL, CTRL_RESET)
        t = time.monotonic() + 1
        while not self.status() & ST_READY:
            if time.monotonic() > t:
                raise Failed("device not READY 1 s after RESET")
        return self.status()


# ---- QEMU's guest error log -----------------------------------------------

class Log:
    """The part of QEMU's -d guest_errors log written since mark()."""

    def __init__(self, path, devid):
        self.path, self.devid = path, devid
        self.pos = 0
        self.mark()

    def available(self):
        return self.path and os.path.exists(self.path)

    def mark(self):
        if self.available():
            self.pos = os.path.getsize(self.path)

    def new(self):
        if not self.available():
            return []
        with open(self.path, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        lines = data.decode("utf-8", "replace").splitlines()
        # Our device's lines and the memory core's ones about ainic regions
        return [ln for ln in lines
                if (self.devid is None and ln.startswith("ainic ")) or
                ("ainic %s:" % self.devid) in ln or "ainic-m" in ln or
                "Blocked re-entrant" in ln]

    def expect(self, *needles, count=1):
        """Each needle (a substring) is in at least count new lines."""
        if not self.available():
            return True
        lines = self.new()
        ok = True
        for n in needles:
            c = sum(1 for ln in lines if n in ln)
            ok &= check(c >= count, "guest error log has %d line(s) with "
                        "'%s' (want >= %d)" % (c, n, count))
        return ok


# ---- Admin queue ----------------------------------------------------------

class Admin:
    """ASQ, ACQ and EQ of `entries` slots in pages of mem (4 KiB each)."""

    def __init__(self, dev, mem, entries=16, asq=0, acq=1, eq=2):
        self.dev, self.mem, self.n = dev, mem, entries
        self.asq, self.acq, self.eq = asq, acq, eq
        self.tail = 0
        self.color = 1
        self.cmd_id = 0

    def enable(self):
        d = self.dev
        d.reset()
        for p in (self.asq, self.acq, self.eq):
            self.mem.zero(p)
        d.wr64(REG_ASQ_BASE_LO, self.mem.phys(self.asq))
        d.wr(REG_ASQ_SIZE, self.n)
        d.wr64(REG_ACQ_BASE_LO, self.mem.phys(self.acq))
        d.wr(REG_ACQ_SIZE, self.n)
        d.wr64(REG_EQ_BASE_LO, self.mem.phys(self.eq))
        d.wr(REG_EQ_SIZE, self.n)
        d.wr(REG_DEV_CTRL, CTRL_ENABLE)
        self.tail, self.color = 0, 1
        s = d.status()
        if not s & ST_ENABLED or s & ST_FATAL:
            raise Failed("valid admin configuration not enabled: status "
                         "0x%x error %u" % (s, d.rd(REG_DEV_ERROR)))

    def submit_raw(self, cmd):
        """Write cmd (64 bytes) at the tail and ring; return the completion
        (status, opcode, cmd_id, result) or None if none came."""
        assert len(cmd) == 64
        slot = self.tail
        self.mem.write(self.asq, slot * 64, cmd)
        self.tail = (self.tail + 1) % self.n
        self.dev.wr(REG_ASQ_TAIL, self.tail)
        # The model completes before the doorbell write returns; allow a
        # little time for silicon-like behaviour anyway.
        t = time.monotonic() + 1
        while True:
            c = self.mem.read(self.acq, slot * 16, 16)
            if (c[15] >> 7) == self.color:
                break
            if time.monotonic() > t:
                return None
        if self.tail == 0:
            self.color ^= 1
        st, op, cid, _sqh, _r, res = struct.unpack_from("<BBHHHI", c)
        return st, op, cid, res

    def cmd(self, opcode, body=b"", flags=0, rsvd=0):
        self.cmd_id = (self.cmd_id + 1) & 0xffff
        c = struct.pack("<BBHI", opcode, flags, self.cmd_id, rsvd) + body
        c = c.ljust(64, b"\0")
        comp = self.submit_raw(c)
        if comp is None:
            raise Failed("opcode 0x%02x: no completion (DEV_STATUS 0x%x, "
                         "DEV_ERROR %u)" % (opcode, self.dev.status(),
                                            self.dev.rd(REG_DEV_ERROR)))
        check(comp[1] == opcode and comp[2] == self.cmd_id,
              "completion echoes opcode 0x%02x/id %u (got 0x%02x/%u)" %
              (opcode, self.cmd_id, comp[1], comp[2]))
        return comp[0], comp[3]

    def expect(self, want, what, opcode, body=b"", **kw):
        st, res = self.cmd(opcode, body, **kw)
        check(st == want, "%s: status %u (want %u)" % (what, st, want))
        return res

    def q_create(self, qtype, qid, log2, ring, cq_id=0, vector=0, flags=0,
                 buf_size=0):
        return self.cmd(OP_Q_CREATE, struct.pack(
            "<BBHHHQII", qtype, log2, qid, cq_id, vector, ring, flags,
            buf_size))[0]

    def q_destroy(self, qtype, qid, rsvd=0):
        return self.cmd(OP_Q_DESTROY, struct.pack("<BBH", qtype, rsvd, qid))[0]


def timed(what, fn, limit):
    t0 = time.monotonic()
    fn()
    dt = time.monotonic() - t0
    msg("%s took %.2f s" % (what, dt))
    check(dt < limit, "%s within %d s (took %.1f s)" % (what, limit, dt))
    return dt


# ---- Scenarios --------------------------------------------------------------

def sc_registers(dev, mem, log):
    """Every BAR0 offset written with 0, ~0 and random values, sub-word and
    unaligned accesses too; bus mastering off so that no DMA can land."""
    dev.command(0x2)                        # memory space only
    rnd = random.Random(1)

    def sweep():
        for val in (0, 0xffffffff, None):
            for off in range(0, BAR0_SIZE, 4):
                dev.wr(off, rnd.getrandbits(32) if val is None else val)
            dev.rd(REG_MAGIC)
    timed("3 x 16384 register writes", sweep, 300)
    dev.alive("after the sweep")
    dev.reset()
    for off in range(0, BAR0_SIZE, 4):      # reads have no side effects
        dev.rd(off)
    check(dev.rd(REG_MAGIC) == MAGIC and dev.status() == ST_READY |
          (dev.status() & ST_LINK_UP), "a full read sweep changes nothing")
    for off in (1, 2, 3, 0x11, 0x4e, 0x2001, 0xfffd):
        dev.wr8(off, 0xff)
        dev.wr16(off & ~1, 0xffff)
        dev.rd8(off)
    for off in (0x12, 0x2002, 0xfffe):
        dev.wr16(off, 0x1234)
    for off in (0x11, 0x4d, 0x2001, 0x2006):
        dev.wr(off, 0xffffffff)         # unaligned 32-bit
        dev.rd(off)
    dev.alive("after sub-word and unaligned accesses")
    for _ in range(2000):
        off = rnd.randrange(0, BAR0_SIZE, 4)
        dev.wr(off, rnd.getrandbits(32))
        dev.rd(rnd.randrange(0, BAR0_SIZE, 4))
    dev.alive("after 2000 random writes and reads")
    log.expect("read-only register", "unknown register", count=10)
    log.expect("region 'ainic-mmio'", count=5)
    dev.command(0x6)
    dev.reset()


def sc_handshake(dev, mem, log):
    """ENABLE without reset or configuration, reset storms, RESET|ENABLE,
    configuration writes while enabled, doorbells before ENABLE."""
    d = dev
    d.reset()
    d.wr(REG_DEV_CTRL, CTRL_ENABLE)
    s = d.status()
    check(s & ST_FATAL and not s & ST_ENABLED and
          d.rd(REG_DEV_ERROR) == ERR_ADMINQ_CONFIG,
          "ENABLE with nothing configured: FATAL, ADMINQ_CONFIG (status 0x%x)"
          % s)
    d.wr(REG_DEV_CTRL, CTRL_ENABLE)     # again, still FATAL
    d.wr(REG_DEV_CTRL, 0)               # clearing ENABLE resets
    check(d.status() & (ST_FATAL | ST_ENABLED) == 0 and d.status() & ST_READY,
          "clearing ENABLE resets (status 0x%x)" % d.status())
    log.expect("ENABLE: ASQ size 0")

    def storm():
        for _ in range(10000):
            d.wr(REG_DEV_CTRL, CTRL_RESET)
    timed("10000 RESETs", storm, 120)
    check(d.status() & ST_READY, "READY after the reset storm")

    a = Admin(d, mem)
    a.enable()
    d.wr(REG_DEV_CTRL, CTRL_RESET | CTRL_ENABLE)
    s = d.status()
    check(s & ST_READY and not s & (ST_ENABLED | ST_FATAL),
          "RESET|ENABLE resets (status 0x%x)" % s)
    d.wr(REG_DEV_CTRL, 0xfffffffc)
    log.expect("DEV_CTRL: reserved bits")
    d.wr(REG_ASQ_TAIL, 1)
    d.wr(REG_EQ_HEAD, 1)
    log.expect("ASQ_TAIL 1 written while not enabled",
               "EQ_HEAD 1 written while not enabled")

    a.enable()
    for reg in (REG_ASQ_BASE_LO, REG_ASQ_SIZE, REG_ACQ_BASE_HI, REG_EQ_SIZE):
        d.wr(reg, 0xdead0000)
    check(d.rd(REG_ASQ_SIZE) == a.n, "ASQ_SIZE frozen while enabled")
    log.expect("written while enabled", count=4)
    a.expect(OK, "NOP after frozen-register writes", OP_NOP,
             struct.pack("<Q", 7))
    # ENABLE storm: enabled already; toggling resets each time
    for _ in range(1000):
        d.wr(REG_DEV_CTRL, CTRL_ENABLE)
        d.wr(REG_DEV_CTRL, 0)
    d.alive("after ENABLE toggles")
    d.reset()


def enable_expect(dev, mem, what, asq, asz, acq, acz, eq, eqz, err, needle):
    dev.reset()
    dev.wr64(REG_ASQ_BASE_LO, asq)
    dev.wr(REG_ASQ_SIZE, asz)
    dev.wr64(REG_ACQ_BASE_LO, acq)
    dev.wr(REG_ACQ_SIZE, acz)
    dev.wr64(REG_EQ_BASE_LO, eq)
    dev.wr(REG_EQ_SIZE, eqz)
    dev.wr(REG_DEV_CTRL, CTRL_ENABLE)
    s, e = dev.status(), dev.rd(REG_DEV_ERROR)
    if err is None:
        check(s & ST_ENABLED and not s & ST_FATAL,
              "%s: accepted (status 0x%x, error %u)" % (what, s, e))
    else:
        check(s & ST_FATAL and not s & ST_ENABLED and e == err,
              "%s: refused with DEV_ERROR %u (status 0x%x, error %u)" %
              (what, err, s, e))
    if needle:
        log_expect_now(needle, what)


_log = None


def log_expect_now(needle, what):
    if _log and _log.available():
        lines = _log.new()
        check(any(needle in ln for ln in lines),
              "%s: logged '%s'" % (what, needle))
        _log.mark()


def sc_adminq_config(dev, mem, log):
    """Admin and event queue sizes and bases the device must refuse."""
    A, C, E = mem.phys(0), mem.phys(1), mem.phys(2)
    for sz in (0, 1, 3, 6, 8192, 0x80000000, 0xffffffff):
        enable_expect(dev, mem, "ASQ/ACQ size %u" % sz, A, sz, C, sz, E, 16,
                      ERR_ADMINQ_CONFIG, "ENABLE: ASQ size %u" % sz)
    enable_expect(dev, mem, "ASQ 16, ACQ 32", A, 16, C, 32, E, 16,
                  ERR_ADMINQ_CONFIG, "differs from ACQ size")
    for sz in (0, 3, 8192, 0xffffffff):
        enable_expect(dev, mem, "EQ size %u" % sz, A, 16, C, 16, E, sz,
                      ERR_EVENTQ_CONFIG, "ENABLE: EQ size %u" % sz)
    for base, name in ((0, "zero"), (A + 8, "unaligned"), (A + 1, "odd"),
                       ((1 << 64) - 64, "wrapping 2^64")):
        enable_expect(dev, mem, "ASQ base %s" % name, base, 16, C, 16, E, 16,
                      ERR_ADMINQ_CONFIG, "ASQ")
        enable_expect(dev, mem, "ACQ base %s" % name, A, 16, base, 16, E, 16,
                      ERR_ADMINQ_CONFIG, "ACQ")
        enable_expect(dev, mem, "EQ base %s" % name, A, 16, C, 16, base, 16,
                      ERR_EVENTQ_CONFIG, "EQ")
    enable_expect(dev, mem, "EQ wraps 2^64", A, 16, C, 16,
                  (1 << 64) - 128, 16, ERR_EVENTQ_CONFIG, "wraps")

    # Bases the device accepts but cannot use: the first command's DMA
    # fails and the device goes FATAL with DEV_ERROR DMA, and stays alive.
    bad = ((OUTSIDE_RAM, "outside guest RAM"), (dev.bar_pa, "at BAR0"),
           (dev.bar2_pa, "at BAR2 (MSI-X)"))
    for base, name in bad:
        for which in ("ASQ", "ACQ"):
            asq = base if which == "ASQ" else A
            acq = base if which == "ACQ" else C
            enable_expect(dev, mem, "%s %s" % (which, name), asq, 4, acq, 4,
                          E, 4, None, None)
            mem.zero(0)
            dev.wr(REG_ASQ_TAIL, 1)
            s, e = dev.status(), dev.rd(REG_DEV_ERROR)
            check(s & ST_FATAL and e == ERR_DMA,
                  "%s %s: FATAL with DEV_ERROR DMA after a command (status "
                  "0x%x, error %u)" % (which, name, s, e))
            log_expect_now("admin %s DMA" % ("queue" if which == "ASQ" else
                                            "completion"),
                           "%s %s" % (which, name))
            dev.wr(REG_ASQ_TAIL, 2)
            log_expect_now("ignored: device FATAL", "%s %s: doorbell while "
                           "FATAL" % (which, name))
            dev.wr(REG_DEV_CTRL, CTRL_ENABLE | CTRL_RESET)
            dev.alive("%s %s" % (which, name))
    dev.reset()
    # The largest admin queue: only slots up to the tail are ever touched,
    # so one page of it is enough to run a few commands.
    enable_expect(dev, mem, "ASQ/ACQ/EQ of 4096 entries", A, 4096, C, 4096,
                  E, 4096, None, None)
    a = Admin(dev, mem, entries=4096)
    a.tail, a.color = 0, 1
    for i in range(3):
        a.expect(OK, "NOP %d in a 4096-entry queue" % i, OP_NOP)
    dev.reset()
    # The device works again after all that
    a = Admin(dev, mem)
    a.enable()
    a.expect(OK, "NOP after the refused configurations", OP_NOP)
    dev.reset()


def sc_doorbells(dev, mem, log):
    """ASQ_TAIL and EQ_HEAD outside the ring, backwards and repeated;
    doorbells for queues that do not exist or lie beyond max_qps."""
    d = dev
    a = Admin(d, mem, entries=8)
    a.enable()
    for t in (8, 9, 0x7fffffff, 0xffffffff):
        d.wr(REG_ASQ_TAIL, t)
        log_expect_now("ASQ_TAIL %u outside ring" % t, "ASQ_TAIL %u" % t)
    check(not d.status() & ST_FATAL, "out-of-ring tails change nothing")
    a.expect(OK, "NOP after bad tails", OP_NOP)
    # The same tail again: nothing to do, nothing completes
    before = d.rd(REG_ASQ_HEAD)
    for _ in range(100):
        d.wr(REG_ASQ_TAIL, a.tail)
    check(d.rd(REG_ASQ_HEAD) == before, "repeated tail consumes nothing")
    # Backwards: the device consumes (zeroed NOP) slots round the ring; it
    # must stay bounded and alive. Zeroed commands are valid NOPs.
    for i in range(8):
        mem.write(0, i * 64, bytes(64))
    d.wr(REG_ASQ_TAIL, (a.tail - 1) % 8)
    d.alive("backwards ASQ_TAIL")
    check(d.rd(REG_ASQ_HEAD) == (a.tail - 1) % 8,
          "backwards tail: device consumed up to it")
    a = Admin(d, mem, entries=8)
    a.enable()
    for h in (8, 0xffffffff):
        d.wr(REG_EQ_HEAD, h)
        log_expect_now("EQ_HEAD %u outside ring" % h, "EQ_HEAD %u" % h)
    d.wr(REG_EQ_HEAD, 3)      # no event posted: passes the device's tail
    log_expect_now("passes the device's tail", "EQ_HEAD ahead of the tail")
    nqp = d.rd(REG_MAX_QPS)
    for qp in range(nqp):
        for reg in (0, 4, 8, 0xc):
            d.wr(db(qp, reg), 1)
    log.expect("does not exist", count=4 * nqp)
    log.mark()
    for qp in (nqp, nqp + 1, 63, 64, 0x1ff):
        d.wr(db(qp, 0), 1)
    log.expect("unknown register", count=5)
    log.mark()
    a.expect(OK, "NOP after bogus doorbells", OP_NOP)
    d.reset()


def sc_admin_cmds(dev, mem, log):
    """Unknown opcodes, non-zero MBZ fields, bad lengths and addresses,
    out-of-range fields, then random garbage commands."""
    d = dev
    a = Admin(d, mem, entries=64)
    a.enable()
    buf = mem.phys(4)
    for op in range(256):
        if op in KNOWN_OPS:
            continue
        a.expect(EOPNOTSUPP, "opcode 0x%02x" % op, op)
    log.expect("unknown admin opcode", count=256 - len(KNOWN_OPS))
    log.mark()
    # The connection commands come with the transport (QEMU's "reliable")
    unsupported = (0x30, 0x31, 0x32, 0x33, 0x40, 0x41)
    if RELIABLE:
        a.expect(EINVAL, "CONN_CREATE zero MAC", 0x20)
        a.expect(EINVAL, "CONN_CREATE rsvd", 0x20, bytes(6) + b"\x01")
        a.expect(EINVAL, "CONN_CREATE multicast MAC", 0x20, b"\x01" + bytes(5))
        a.expect(ENOENT, "CONN_DESTROY of no connection", 0x21)
        a.expect(ENOENT, "CONN_DESTROY of slot 1000", 0x21,
                 struct.pack("<I", 1000))
        a.expect(EINVAL, "CONN_QUERY 0-byte buffer", 0x22)
        log.expect("CONN_CREATE: multicast, zero or own MAC", count=2)
        log.expect("CONN_CREATE: non-zero rsvd")
        log.expect("CONN_DESTROY: no connection", count=2)
        log.expect("CONN_QUERY: buffer of 0 bytes")
        log.mark()
    else:
        unsupported = (0x20, 0x21, 0x22) + unsupported
    for op in unsupported:
        a.expect(EOPNOTSUPP, "unsupported opcode 0x%02x" % op, op)
    log.expect("needs a capability the device does not announce",
               count=len(unsupported))
    log.mark()
    a.expect(EINVAL, "NOP with flags", OP_NOP, flags=1)
    a.expect(EINVAL, "NOP with rsvd", OP_NOP, rsvd=0x80000000)
    a.expect(EINVAL, "NOP with body garbage", OP_NOP, bytes(8) + b"\x01")
    log.expect("non-zero MBZ header field", count=2)
    log.expect("NOP: non-zero reserved command bytes")
    log.mark()
    ident = lambda addr, ln: struct.pack("<QII", addr, ln, 0)
    a.expect(EINVAL, "IDENTIFY 0-byte buffer", OP_IDENTIFY, ident(buf, 0))
    a.expect(EINVAL, "IDENTIFY 511-byte buffer", OP_IDENTIFY, ident(buf, 511))
    for addr, name in ((OUTSIDE_RAM, "outside RAM"), (d.bar_pa, "at BAR0"),
                       (d.bar2_pa, "at BAR2"), ((1 << 64) - 256, "wrapping"),
                       (0xffffffffffffffff, "at 2^64-1")):
        a.expect(EFAULT, "IDENTIFY buffer %s" % name, OP_IDENTIFY,
                 ident(addr, 4096))
        a.expect(EFAULT, "STATS_GET buffer %s" % name, OP_STATS_GET,
                 ident(addr, 512))
    log.expect("IDENTIFY: buffer of 0 bytes", "IDENTIFY: DMA to")
    log.expect("STATS_GET: DMA to", count=5)
    log.mark()
    a.expect(EINVAL, "STATS_GET rsvd", OP_STATS_GET,
             struct.pack("<QII", buf, 512, 1))
    log.expect("STATS_GET: non-zero rsvd")
    a.expect(OK, "IDENTIFY into RAM", OP_IDENTIFY, ident(buf, 512))
    pc = lambda valid, mtu, mac=b"\x02\0\0\0\0\1", ip=0: struct.pack(
        "<II6s2sI", valid, mtu, mac, b"\0\0", ip)
    for mtu in (0, 67, 9001, 0xffffffff):
        a.expect(ERANGE, "PORT_CONFIG mtu %u" % mtu, OP_PORT_CONFIG,
                 pc(1, mtu))
    a.expect(EINVAL, "PORT_CONFIG multicast MAC", OP_PORT_CONFIG,
             pc(2, 0, b"\x01\0\0\0\0\1"))
    a.expect(EINVAL, "PORT_CONFIG zero MAC", OP_PORT_CONFIG, pc(2, 0, bytes(6)))
    a.expect(EINVAL, "PORT_CONFIG unknown valid bit", OP_PORT_CONFIG,
             pc(0x80000000, 1500))
    a.expect(EINVAL, "PORT_CONFIG rsvd", OP_PORT_CONFIG,
             struct.pack("<II6s2sI", 1, 1500, bytes(6), b"\0\1", 0))
    log.expect("PORT_CONFIG: MTU", count=4)
    log.expect("PORT_CONFIG: multicast or zero MAC", count=2)
    log.expect("PORT_CONFIG: non-zero rsvd")
    log.mark()
    # Receive coalescing's fields (spec 7.5): refused with the capability
    # (bad values) and without it (its valid bit unknown); rsvd1 always
    pcc = lambda valid, on, bufs, rsvd=0: pc(valid, 1500) + struct.pack(
        "<IBBH", 0, on, bufs, rsvd)
    a.expect(EINVAL, "PORT_CONFIG rx_coalesce 2", OP_PORT_CONFIG,
             pcc(0x10, 2, 4))
    a.expect(EINVAL, "PORT_CONFIG rx_coalesce on with 0 buffers",
             OP_PORT_CONFIG, pcc(0x10, 1, 0))
    a.expect(EINVAL, "PORT_CONFIG rx_coalesce off with 5 buffers",
             OP_PORT_CONFIG, pcc(0x10, 0, 5))
    a.expect(EINVAL, "PORT_CONFIG rsvd1", OP_PORT_CONFIG, pcc(1, 0, 0, 1))
    log.expect("PORT_CONFIG:", count=4)
    log.mark()
    ring = mem.phys(5)
    qc = a.q_create
    nqp = d.rd(REG_MAX_QPS)
    check(qc(0, 0, 6, ring) == EOPNOTSUPP, "Q_CREATE qtype 0")
    check(qc(9, 0, 6, ring) == EOPNOTSUPP, "Q_CREATE qtype 9")
    check(qc(QT_CQ, 2 * nqp, 6, ring) == EINVAL, "Q_CREATE CQ qid too big")
    check(qc(QT_TXQ, nqp, 6, ring, cq_id=0) == EINVAL, "Q_CREATE TXQ qid too big")
    check(qc(QT_CQ, 0, 5, ring) == EINVAL, "Q_CREATE log2 5")
    check(qc(QT_CQ, 0, 15, ring) == EINVAL, "Q_CREATE log2 15")
    check(qc(QT_CQ, 0, 255, ring) == EINVAL, "Q_CREATE log2 255")
    check(qc(QT_CQ, 0, 6, 0) == EINVAL, "Q_CREATE ring 0")
    check(qc(QT_CQ, 0, 6, ring + 8) == EINVAL, "Q_CREATE ring unaligned")
    check(qc(QT_CQ, 0, 14, (1 << 64) - 4096) == EINVAL, "Q_CREATE ring wraps")
    check(qc(QT_CQ, 0, 6, ring, flags=2) == EINVAL, "Q_CREATE unknown flags")
    check(qc(QT_CQ, 0, 6, ring, vector=nqp + 1) == EINVAL, "Q_CREATE vector")
    check(qc(QT_CQ, 0, 6, ring, vector=0xffff) == EINVAL, "Q_CREATE vector 0xffff")
    check(qc(QT_TXQ, 0, 6, ring, cq_id=0) == ENOENT, "Q_CREATE TXQ on no CQ")
    check(qc(QT_TXQ, 0, 6, ring, cq_id=0xffff) == ENOENT, "Q_CREATE TXQ CQ 0xffff")
    check(qc(QT_CQ, 0, 6, ring) == OK, "Q_CREATE CQ 0")
    check(qc(QT_CQ, 0, 6, ring) == EEXIST, "Q_CREATE CQ 0 again")
    for bs in (0, 255, 65537, 0xffffffff):
        check(qc(QT_RXQ, 0, 6, ring, cq_id=0, buf_size=bs) == EINVAL,
              "Q_CREATE RXQ buf_size %u" % bs)
    check(qc(QT_TXQ, 0, 6, ring, cq_id=0) == OK, "Q_CREATE TXQ 0 on CQ 0")
    check(a.q_destroy(QT_CQ, 0) == EBUSY, "Q_DESTROY used CQ")
    check(a.q_destroy(QT_TXQ, 1) == ENOENT, "Q_DESTROY missing TXQ")
    check(a.q_destroy(QT_TXQ, 0xffff) == ENOENT, "Q_DESTROY TXQ 0xffff")
    check(a.q_destroy(7, 0) == EOPNOTSUPP, "Q_DESTROY qtype 7")
    check(a.q_destroy(QT_TXQ, 0, rsvd=1) == EINVAL, "Q_DESTROY rsvd")
    check(a.q_destroy(QT_TXQ, 0) == OK, "Q_DESTROY TXQ 0")
    check(a.q_destroy(QT_CQ, 0) == OK, "Q_DESTROY CQ 0")
    log.expect("Q_CREATE: unknown qtype", "out of range", "log2_entries",
               "bad ring_addr", "unknown flags", "Q_CREATE: vector",
               "which does not exist", "buf_size", "exists",
               "still used", "Q_DESTROY: no TXQ", "Q_DESTROY: unknown qtype",
               "Q_DESTROY: non-zero rsvd")
    log.mark()

    # Garbage: random commands. A buffer address is forced outside RAM
    # (a random one would let the device scribble over the guest).
    rnd = random.Random(2)
    errors = 0
    log.mark()
    for i in range(2000):
        c = bytearray(rnd.getrandbits(8) for _ in range(64))
        if i % 2:
            c[0] = rnd.choice(sorted(KNOWN_OPS))
        if i % 4 == 1:
            c[1:2] = b"\0"
            c[4:8] = bytes(4)
        if c[0] in (OP_IDENTIFY, OP_STATS_GET):
            c[8:16] = struct.pack("<Q", OUTSIDE_RAM + rnd.getrandbits(32))
        comp = a.submit_raw(bytes(c))
        if comp is None:
            raise Failed("random command %d (opcode 0x%02x): no completion"
                         % (i, c[0]))
        errors += comp[0] != OK
    msg("2000 random commands: %d refused" % errors)
    if log.available():
        n = len(log.new())
        check(n >= errors, "random commands: %d refusals, %d guest-error "
              "lines" % (errors, n))
    check(not d.status() & ST_FATAL, "random commands: device not FATAL")
    a.expect(OK, "NOP after random commands", OP_NOP)
    d.reset()


class DataQ:
    """Queue pair 0: CQ 0 (TX), CQ 1 (RX), TXQ 0, RXQ 0, 64 entries each,
    rings in pages 4..7; TX buffers in pages 8.., each ring in one page."""

    def __init__(self, dev, mem, log2=6):
        self.d, self.m = dev, mem
        self.a = Admin(dev, mem, entries=16)
        self.a.enable()
        self.n = 1 << log2
        self.txcq, self.rxcq, self.txr, self.rxr = 4, 5, 6, 7
        a = self.a
        for p in (4, 5, 6, 7):
            mem.zero(p)
        # 64 CQEs = 1 KiB, 64 TX descriptors = 2 KiB: one page each
        for st, what in ((a.q_create(QT_CQ, 0, log2, mem.phys(4), vector=1), "CQ 0"),
                         (a.q_create(QT_CQ, 1, log2, mem.phys(5), vector=1), "CQ 1"),
                         (a.q_create(QT_TXQ, 0, log2, mem.phys(6), cq_id=0), "TXQ 0"),
                         (a.q_create(QT_RXQ, 0, log2, mem.phys(7), cq_id=1,
                                     buf_size=2048), "RXQ 0")):
            if st != OK:
                raise Failed("Q_CREATE %s: status %u" % (what, st))
        self.tx_prod = 0
        self.tx_cq_cons = 0
        self.tx_cq_color = 1

    def txd(self, idx, addr, ln, flags, nr=1, cs=0, co=0, mss=0, hdr=0):
        self.m.write(self.txr, idx * 32, struct.pack(
            "<QIHHHHHHII", addr, ln, flags, nr, cs, co, mss, hdr, 0, 0))

    def post(self, descs):
        """descs: list of txd() argument tuples; ring the doorbell and
        return the new TX CQEs [(status, desc_index, len)]."""
        for dsc in descs:
            self.txd(self.tx_prod, *dsc)
            self.tx_prod = (self.tx_prod + 1) % self.n
        self.d.wr(db(0, 0), self.tx_prod)
        return self.reap()

    def reap(self):
        out = []
        while True:
            e = self.m.read(self.txcq, self.tx_cq_cons * 16, 16)
            if (e[15] >> 7) != self.tx_cq_color:
                break
            ln, idx, qid, cfl, _g, st, qt = struct.unpack_from("<IHHHHBB", e)
            out.append((st, idx, ln))
            self.tx_cq_cons = (self.tx_cq_cons + 1) % self.n
            if self.tx_cq_cons == 0:
                self.tx_cq_color ^= 1
        self.d.wr(db(0, 8), self.tx_cq_cons)
        return out


def frame(dst=b"\x02\0\0\0\0\x63", n=60):
    """An Ethernet frame nobody on the fabric owns."""
    f = dst + b"\x02\0\0\0\0\x64" + b"\x88\xb5"
    return f + bytes(n - len(f))


def tcp4(payload):
    """Ethernet + IPv4 + TCP header (54 bytes) + payload."""
    eth = b"\x02\0\0\0\0\x63" + b"\x02\0\0\0\0\x64" + b"\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + payload, 1, 0x4000, 64, 6,
                     0, bytes([192, 0, 2, 99]), bytes([192, 0, 2, 98]))
    tcp = struct.pack(">HHIIBBHHH", 1234, 5678, 1, 0, 5 << 4, 0x18, 1000, 0, 0)
    return eth + ip + tcp + bytes(payload)


def sc_data_tx(dev, mem, log):
    """TX descriptors pointing outside RAM and at the BARs, zero and huge
    lengths, broken SOP/EOP chains, bad nr_frags, offloads out of range."""
    q = DataQ(dev, mem)
    d = dev
    if not d.status() & ST_LINK_UP:
        msg("link is down: frames are not moved")
        raise Failed("link down")
    good = mem.phys(8)
    mem.write(8, 0, frame())
    t4 = tcp4(1000)
    mem.write(9, 0, t4)
    T4 = mem.phys(9)
    cases = [
        ("good 60-byte frame", [(good, 60, TXD_SOP | TXD_EOP)], OK),
        ("buffer outside RAM", [(OUTSIDE_RAM, 60, TXD_SOP | TXD_EOP)], EFAULT),
        ("buffer at BAR0", [(d.bar_pa, 64, TXD_SOP | TXD_EOP)], EFAULT),
        ("buffer at BAR2", [(d.bar2_pa, 64, TXD_SOP | TXD_EOP)], EFAULT),
        ("buffer wraps 2^64", [((1 << 64) - 30, 60, TXD_SOP | TXD_EOP)], EINVAL),
        ("zero length", [(good, 0, TXD_SOP | TXD_EOP)], EINVAL),
        ("huge length", [(good, 0xffffffff, TXD_SOP | TXD_EOP)], EINVAL),
        ("above MTU", [(good, 1515 + 4, TXD_SOP | TXD_EOP)], EINVAL),
        ("below Ethernet header", [(good, 13, TXD_SOP | TXD_EOP)], EINVAL),
        ("no SOP", [(good, 60, TXD_EOP)], EINVAL),
        ("nr_frags 0", [(good, 60, TXD_SOP | TXD_EOP, 0)], EINVAL),
        ("nr_frags 17", [(good, 60, TXD_SOP | TXD_EOP, 17)], EINVAL),
        ("nr_frags 0xffff", [(good, 60, TXD_SOP | TXD_EOP, 0xffff)], EINVAL),
        ("2 frags, EOP on the first", [(good, 30, TXD_SOP | TXD_EOP, 2),
                                       (good + 30, 30, TXD_EOP)], EINVAL),
        ("2 frags, SOP on the second", [(good, 30, TXD_SOP, 2),
                                        (good + 30, 30, TXD_SOP | TXD_EOP)], EINVAL),
        ("2 frags, no EOP", [(good, 30, TXD_SOP, 2), (good + 30, 30, 0)], EINVAL),
        ("unknown flag", [(good, 60, TXD_SOP | TXD_EOP | 0x8000)], EINVAL),
        ("2 frags, second outside RAM", [(good, 30, TXD_SOP, 2),
                                         (OUTSIDE_RAM, 30, TXD_EOP)], EFAULT),
        ("CSUM start beyond frame", [(good, 60, TXD_SOP | TXD_EOP | TXD_CSUM, 1,
                                      60, 0)], EINVAL),
        ("CSUM field beyond frame", [(good, 60, TXD_SOP | TXD_EOP | TXD_CSUM, 1,
                                      34, 0xffff)], EINVAL),
        ("TSO without CSUM", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_TSO, 1, 34,
                               16, 500, 54)], EINVAL),
        ("TSO_IPV6 without TSO", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM |
                                   TXD_TSO_IPV6, 1, 34, 16, 500, 54)], EINVAL),
        ("TSO mss 0", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM | TXD_TSO, 1,
                        34, 16, 0, 54)], EINVAL),
        ("TSO mss above MTU", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM |
                                TXD_TSO, 1, 34, 16, 0xffff, 54)], EINVAL),
        ("TSO hdr_len beyond frame", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM
                                       | TXD_TSO, 1, 34, 16, 500, 0xffff)], EINVAL),
        ("TSO hdr_len 0", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM | TXD_TSO,
                            1, 34, 16, 500, 0)], EINVAL),
        ("TSO csum_start 0xffff", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM |
                                    TXD_TSO, 1, 0xffff, 16, 500, 54)], EINVAL),
        ("TSO on IPv4 as IPv6", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM |
                                  TXD_TSO | TXD_TSO_IPV6, 1, 34, 16, 500, 54)],
         EINVAL),
        ("TSO on a non-IP frame", [(good, 60, TXD_SOP | TXD_EOP | TXD_CSUM |
                                    TXD_TSO, 1, 34, 16, 500, 54)], EINVAL),
        ("good TSO frame", [(T4, len(t4), TXD_SOP | TXD_EOP | TXD_CSUM |
                             TXD_TSO, 1, 34, 16, 500, 54)], OK),
    ]
    for what, descs, want in cases:
        cqes = q.post(descs)
        eop = (q.tx_prod - 1) % q.n
        if check(len(cqes) == 1, "%s: one CQE (got %d)" % (what, len(cqes))):
            st, idx, _ = cqes[0]
            check(st == want and idx == eop, "%s: CQE status %u index %u "
                  "(want %u, %u)" % (what, st, idx, want, eop))
        if want != OK:
            log_expect_now("TS" if what.startswith("TSO ") and
                           "without" not in what else "TX", what)
        elif _log:
            _log.mark()
    d.alive("after bad TX descriptors")

    # A frame whose rest is not posted yet: the device waits for it
    cqes = q.post([(good, 30, TXD_SOP, 2)])
    check(not cqes, "half-posted frame: no CQE yet (got %d)" % len(cqes))
    cqes = q.post([(good + 30, 30, TXD_EOP)])
    check(len(cqes) == 1 and cqes[0][0] == OK, "rest posted: frame sent (%s)"
          % cqes)

    # Doorbells with bogus indices
    for v in (q.n, q.n + 1, 0xffffffff):
        d.wr(db(0, 0), v)
        d.wr(db(0, 4), v)
        d.wr(db(0, 8), v)
        log_expect_now("index %u outside ring" % v, "TX doorbell %u" % v)
    for _ in range(100):
        d.wr(db(0, 0), q.tx_prod)       # the same value again: no work
    check(not q.reap(), "repeated TX doorbell: no CQE")
    d.wr(db(0, 8), (q.tx_cq_cons + 5) % q.n)
    log_expect_now("passes the device's producer index", "TXCQ ahead")
    d.wr(db(0, 0xc), 7)
    log_expect_now("passes the device's producer index", "RXCQ ahead")
    # A producer index moving back over posted entries: refused, else the
    # device would take the whole ring of stale descriptors as posted.
    q.post([(OUTSIDE_RAM, 60, TXD_SOP, 2)])     # one entry posted, pending
    back = (q.tx_prod - 1) % q.n
    d.wr(db(0, 0), back)
    log_expect_now("moves back", "TX producer index moving back")
    check(d.rd(db(0, 0)) == q.tx_prod, "TX producer moving back ignored")
    cqes = q.reap()
    check(not cqes, "TX producer moving back: no CQE (got %d)" % len(cqes))
    d.alive("backwards TX producer")

    # Descriptor ring and CQ at the device's own BAR0
    a = q.a
    check(a.q_create(QT_CQ, 2, 6, d.bar_pa, vector=2) == OK, "CQ 2 at BAR0")
    check(a.q_create(QT_TXQ, 1, 6, mem.phys(10), cq_id=2) == OK,
          "TXQ 1 on CQ 2")
    mem.zero(10)
    mem.write(10, 0, struct.pack("<QIHHHHHHII", good, 60, TXD_SOP | TXD_EOP,
                                 1, 0, 0, 0, 0, 0, 0))
    d.wr(db(1, 0), 1)
    log_expect_now("CQ 2: completion DMA", "CQ at BAR0")
    d.alive("CQ at BAR0")
    check(a.q_create(QT_CQ, 4, 6, mem.phys(11), vector=3) == OK, "CQ 4")
    check(a.q_create(QT_TXQ, 2, 6, d.bar_pa + 0x2000, cq_id=4) == OK,
          "TXQ 2 ring at BAR0 doorbells")
    d.wr(db(2, 0), 5)
    log_expect_now("TXQ 2: descriptor read", "TX ring at BAR0")
    d.alive("TX ring at BAR0")
    check(a.q_create(QT_CQ, 6, 6, OUTSIDE_RAM, vector=4) == OK,
          "CQ 6 outside RAM")
    check(a.q_create(QT_TXQ, 3, 6, OUTSIDE_RAM + 0x10000, cq_id=6) == OK,
          "TXQ 3 outside RAM")
    d.wr(db(3, 0), 9)
    log_expect_now("TXQ 3: descriptor read", "TX ring outside RAM")
    a.expect(OK, "NOP after the data-path abuse", OP_NOP)
    d.reset()


def sc_data_rx(dev, mem, log, netif=None):
    """RX buffers outside RAM, at BAR0, shorter than buf_size, next to good
    ones; frames come from the other NIC (a packet socket on NETIF)."""
    import socket
    if not netif:
        raise Failed("needs --netif (the other NIC, to send frames)")
    q = DataQ(dev, mem)
    d = dev
    bufs = [(OUTSIDE_RAM, 2048, EFAULT), (mem.phys(8), 2048, OK),
            (d.bar_pa, 2048, EFAULT), (mem.phys(9), 100, EINVAL),
            ((1 << 64) - 1024, 2048, EFAULT), (mem.phys(10), 2048, OK)]
    for i, (addr, ln, _) in enumerate(bufs):
        mem.write(q.rxr, i * 16, struct.pack("<QII", addr, ln, 0))
    d.wr(db(0, 4), len(bufs))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((netif, 0))
    f = b"\xff" * 6 + b"\x02\0\0\0\0\x64\x88\xb5" + bytes(100)
    got, cons, color = {}, 0, 1
    deadline = time.monotonic() + 30
    while len(got) < len(bufs) and time.monotonic() < deadline:
        s.send(f)
        time.sleep(0.05)
        while True:
            e = mem.read(q.rxcq, cons * 16, 16)
            if (e[15] >> 7) != color:
                break
            ln, idx, _qid, cfl, _g, st, qt = struct.unpack_from("<IHHHHBB", e)
            got[idx] = (st, ln, cfl)
            cons = (cons + 1) % q.n
    s.close()
    d.wr(db(0, 0xc), cons)
    for i, (addr, ln, want) in enumerate(bufs):
        st = got.get(i, (None,))[0]
        check(st == want, "RX buffer %d at 0x%x, %u bytes: CQE status %s "
              "(want %u)" % (i, addr, ln, st, want))
    log.expect("RXQ 0: buffer write at", count=3)
    log.expect("RXQ 0: buffer 3 shorter than buf_size")
    # Descriptors beyond the posted ones are never used
    check(max(got, default=0) < len(bufs), "no buffer beyond the producer")
    d.alive("after bad RX buffers")
    d.reset()


def sc_selftest_regs(dev, mem, log):
    """Self-test and interrupt-control registers with values out of range,
    DMA at bad addresses and at the device's own BARs."""
    d = dev
    d.reset()
    nvec = d.rd(REG_NUM_VECTORS)
    buf = mem.phys(4)

    def test_dma(addr, ln, op, pattern=0x5a):
        d.wr64(REG_TEST_DMA_ADDR_LO, addr)
        d.wr(REG_TEST_DMA_LEN, ln)
        d.wr(REG_TEST_DMA_PATTERN, pattern)
        d.wr(REG_TEST_DMA_CTRL, op)
        return d.rd(REG_TEST_DMA_STATUS)
    check(test_dma(buf, 4096, 1) == 1 and mem.read(4, 4095, 1) == b"\x5a",
          "TEST_DMA FILL of a good buffer")
    for addr, ln, op, what in ((buf, 0, 1, "length 0"),
                               (buf, 4097, 1, "length 4097"),
                               (buf, 0xffffffff, 2, "length 2^32-1"),
                               (buf, 64, 0, "opcode 0"),
                               (buf, 64, 0xffffffff, "opcode 2^32-1"),
                               (OUTSIDE_RAM, 64, 1, "outside RAM (FILL)"),
                               (OUTSIDE_RAM, 64, 2, "outside RAM (INVERT)"),
                               (d.bar_pa, 64, 1, "at BAR0 (FILL)"),
                               (d.bar_pa + 0x10, 64, 2, "at BAR0 (INVERT)"),
                               (d.bar2_pa, 64, 1, "at BAR2"),
                               ((1 << 64) - 16, 64, 1, "wrapping 2^64")):
        st = test_dma(addr, ln, op)
        check(st == 3, "TEST_DMA %s: DONE|ERROR (got 0x%x)" % (what, st))
        log_expect_now("TEST_DMA", "TEST_DMA %s" % what)
    check(d.status() & ST_READY and not d.status() & ST_ENABLED,
          "TEST_DMA at BAR0 did not reach the registers")
    for v in (nvec, nvec + 1, 0xffffffff):
        d.wr(REG_TEST_IRQ, v)
        log_expect_now("TEST_IRQ: vector %u" % v, "TEST_IRQ %u" % v)
    d.wr(REG_INTR_BASE + 4, 100)
    d.wr(REG_INTR_BASE + 8, 100)
    check(d.rd(REG_INTR_BASE + 4) == 0, "vector 0 COAL_USECS stays 0")
    log.expect("vector 0 is never moderated", count=2)
    d.wr(REG_INTR_BASE, 0xfffffffe)
    log.expect("INTR_MASK(0): reserved bits")
    for v in range(1, nvec):
        d.wr(REG_INTR_BASE + 16 * v + 4, 0xffffffff)    # ~71 minutes
        d.wr(REG_INTR_BASE + 16 * v + 8, 0xffffffff)
        d.wr(REG_INTR_BASE + 16 * v + 0xc, 1)
    d.wr(REG_INTR_BASE + 16 * nvec, 1)
    log.expect("unknown register", count=2)
    log.mark()
    d.reset()
    check(d.rd(REG_INTR_BASE + 16 + 4) == 0, "reset clears moderation")


def fabric_link(port, up):
    import subprocess
    r = subprocess.run(["fabricctl", "set", str(port), "link",
                        "up" if up else "down"], capture_output=True,
                       timeout=30)
    return r.returncode == 0


def wait_link(dev, up, secs=10):
    t = time.monotonic() + secs
    while time.monotonic() < t:
        if bool(dev.status() & ST_LINK_UP) == up:
            return True
        time.sleep(0.05)
    return False


def sc_link_reentrancy(dev, mem, log, port=None):
    try:
        link_reentrancy(dev, mem, log, port)
    finally:
        if port is not None:
            fabric_link(port, True)     # whatever happened, link up again


def link_reentrancy(dev, mem, log, port):
    """A link change (fabric, QMP) makes the device DMA outside any MMIO
    access: an event, and TX work that waited for the link. With the event
    queue and a CQ at the device's own BAR0 that DMA must be refused like
    any other DMA to the device itself, not re-enter the register file."""
    if port is None:
        raise Failed("needs --port (the NIC's fabric port)")
    d = dev
    if not wait_link(d, True):
        raise Failed("link not up to start with")
    # 1. Event queue at BAR0: the LINK_CHANGE event cannot be written
    d.reset()
    for p in (0, 1):
        mem.zero(p)
    d.wr64(REG_ASQ_BASE_LO, mem.phys(0))
    d.wr(REG_ASQ_SIZE, 16)
    d.wr64(REG_ACQ_BASE_LO, mem.phys(1))
    d.wr(REG_ACQ_SIZE, 16)
    d.wr64(REG_EQ_BASE_LO, d.bar_pa)
    d.wr(REG_EQ_SIZE, 16)
    d.wr(REG_DEV_CTRL, CTRL_ENABLE)
    check(d.status() & ST_ENABLED, "EQ at BAR0: enabled")
    log.mark()
    ok = fabric_link(port, False) and wait_link(d, False)
    check(ok, "fabric port %s down: LINK_UP clears" % port)
    time.sleep(0.5)
    s, e = d.status(), d.rd(REG_DEV_ERROR)
    check(s & ST_FATAL and e == ERR_DMA, "EQ at BAR0: the link event's DMA "
          "fails, FATAL DMA (status 0x%x, error %u)" % (s, e))
    lines = log.new()
    check(any("event queue DMA to" in ln for ln in lines),
          "EQ at BAR0: 'event queue DMA' failure logged")
    bad = [ln for ln in lines if "read-only register" in ln or
           "unknown register" in ln or "DEV_CTRL" in ln]
    check(not bad, "EQ at BAR0: the event did not reach the registers (%s)"
          % bad[:2])
    check(fabric_link(port, True) and wait_link(d, True),
          "fabric port %s up again" % port)
    log.mark()

    # 2. TX completion queue at BAR0, frames posted while the link is down:
    # the link coming up resumes TX, whose CQE cannot be written.
    q = DataQ(d, mem)
    a = q.a
    check(a.q_create(QT_CQ, 2, 6, d.bar_pa + 0x100, vector=2) == OK,
          "CQ 2 at BAR0 + 0x100 (self-test registers)")
    check(a.q_create(QT_TXQ, 1, 6, mem.phys(10), cq_id=2) == OK,
          "TXQ 1 on CQ 2")
    mem.zero(10)
    mem.write(8, 0, frame())
    for i in range(4):
        mem.write(10, i * 32, struct.pack("<QIHHHHHHII", mem.phys(8), 60,
                                          TXD_SOP | TXD_EOP, 1, 0, 0, 0, 0,
                                          0, 0))
    check(fabric_link(port, False) and wait_link(d, False), "link down")
    log.mark()
    d.wr(db(1, 0), 4)                   # nothing moves while down
    echo = d.rd(REG_TEST_ECHO)
    check(fabric_link(port, True) and wait_link(d, True), "link up")
    time.sleep(0.5)
    lines = log.new()
    check(any("CQ 2: completion DMA" in ln for ln in lines),
          "CQ at BAR0: completion DMA failure logged on link up")
    check(d.rd(REG_TEST_ECHO) == echo, "the CQE did not reach TEST_ECHO")
    bad = [ln for ln in lines if "TEST_IRQ" in ln or "TEST_DMA" in ln]
    check(not bad, "CQ at BAR0: the CQE did not reach the registers (%s)"
          % bad[:2])
    a.expect(OK, "NOP after the link changes", OP_NOP)
    d.reset()


def sc_tso_spin(dev, mem, log):
    """TSO frames of 64 KiB with the smallest mss the device takes (88,
    745 segments each) fill a ring: the device must not hold QEMU for long
    (bounded work per doorbell, inside a frame too) and still cut and
    complete every frame; mss 1 is refused at once."""
    q = DataQ(dev, mem)
    d = dev
    payload = 65535 - 54
    big = tcp4(payload)[:54]
    # 64 KiB of buffer from 16 scattered pages of 4 KiB
    pages = list(range(12, 28))
    mem.write(12, 0, big)
    descs = []
    left = 54 + payload
    for i, p in enumerate(pages):
        ln = min(PAGE, left)
        left -= ln
        fl = (TXD_SOP | TXD_CSUM | TXD_TSO if i == 0 else 0) | \
             (TXD_EOP if left == 0 else 0)
        descs.append((mem.phys(p), ln, fl, len(pages), 34, 16, TSO_MIN_MSS,
                      54))
        if left == 0:
            break
    n = len(descs)
    frames = (q.n - 1) // n
    t0 = time.monotonic()
    for _ in range(frames):
        for dsc in descs:
            q.txd(q.tx_prod, *dsc)
            q.tx_prod = (q.tx_prod + 1) % q.n
    d.wr(db(0, 0), q.tx_prod)
    dt = time.monotonic() - t0
    msg("%d TSO frames of %d bytes, mss %d: doorbell returned after %.2f s"
        % (frames, 54 + payload, TSO_MIN_MSS, dt))
    check(dt < 10, "doorbell of mss-%d TSO frames returns within 10 s (%.1f)"
          % (TSO_MIN_MSS, dt))
    deadline = time.monotonic() + 120
    got = []
    while len(got) < frames and time.monotonic() < deadline:
        got += q.reap()
        time.sleep(0.2)
    msg("%d of %d frames completed after %.1f s: statuses %s" %
        (len(got), frames, time.monotonic() - t0,
         sorted(set(c[0] for c in got))))
    check(len(got) == frames and all(c[0] == OK for c in got),
          "every mss-%d TSO frame completed with status 0" % TSO_MIN_MSS)
    # Below the minimum: refused (EINVAL) without a segment
    descs[0] = descs[0][:6] + (1,) + descs[0][7:]
    cqes = q.post(descs)
    check(len(cqes) == 1 and cqes[0][0] == EINVAL,
          "a TSO frame of mss 1 is refused with EINVAL (%s)" % cqes)
    d.reset()
    d.alive("after min-mss TSO")


def sc_reset_under_load(dev, mem, log):
    """RESET right after doorbells that left TX work for the device's bottom
    half and segments in QEMU's net queue, 200 times: the late work must
    find the queues gone, not touch freed state or our memory."""
    d = dev
    mem.write(8, 0, frame())
    big = tcp4(4000)
    mem.write(9, 0, big)

    def one(i):
        q = DataQ(d, mem)
        for k in range(q.n - 1):
            if k % 8 == 0:
                q.txd(k, mem.phys(9), len(big), TXD_SOP | TXD_EOP | TXD_CSUM |
                      TXD_TSO, 1, 34, 16, TSO_MIN_MSS + i % 7, 54)
            else:
                q.txd(k, mem.phys(8), 60, TXD_SOP | TXD_EOP)
        d.wr(db(0, 0), q.n - 1)
        d.wr(REG_DEV_CTRL, CTRL_RESET if i % 2 else 0)
    timed("200 loaded resets", lambda: [one(i) for i in range(200)], 240)
    time.sleep(1)
    d.alive("after resets under load")
    q = DataQ(d, mem)
    cqes = q.post([(mem.phys(8), 60, TXD_SOP | TXD_EOP)])
    check(len(cqes) == 1 and cqes[0][0] == OK,
          "a frame after the resets is sent (%s)" % cqes)
    d.reset()


def sc_storm(dev, mem, log):
    """100,000 doorbell writes in a tight loop: valid ones that each send a
    bad frame and return its CQ slot, repeated ones, out-of-ring ones and
    ones for queue pairs that do not exist."""
    q = DataQ(dev, mem)
    d = dev
    # Every TX slot holds a frame the device refuses without touching the
    # wire (no SOP): each valid doorbell costs one descriptor read and one
    # CQE write.
    for i in range(q.n):
        q.txd(i, OUTSIDE_RAM, 60, TXD_EOP)
    nqp = d.rd(REG_MAX_QPS)
    txdb, txcqdb, nodb = db(0, 0), db(0, 8), db(nqp - 1, 4)
    wr = d.wr
    mask = q.n - 1

    def storm():
        p = 0
        for i in range(25000):
            p = (p + 1) & mask
            wr(txdb, p)             # one frame posted and refused
            wr(txcqdb, p)           # its CQE returned
            wr(txdb, p)             # the same value again
            wr(nodb if i & 1 else txdb, 0xffffffff)   # bogus
    log.mark()
    dt = timed("100000 doorbell writes", storm, 300)
    msg("%.1f us per doorbell" % (dt * 10))
    d.alive("after the doorbell storm")
    q.a.expect(OK, "NOP after the doorbell storm", OP_NOP)
    d.reset()


SCENARIOS = {
    "registers": sc_registers,
    "handshake": sc_handshake,
    "adminq-config": sc_adminq_config,
    "doorbells": sc_doorbells,
    "admin-cmds": sc_admin_cmds,
    "data-tx": sc_data_tx,
    "data-rx": sc_data_rx,
    "selftest-regs": sc_selftest_regs,
    "link-reentrancy": sc_link_reentrancy,
    "tso-spin": sc_tso_spin,
    "reset-under-load": sc_reset_under_load,
    "doorbell-storm": sc_storm,
}


def main():
    global _log
    ap = argparse.ArgumentParser()
    ap.add_argument("--bdf", required=True)
    ap.add_argument("--log", help="QEMU's -d guest_errors log")
    ap.add_argument("--id", help="the device's QEMU id in that log")
    ap.add_argument("--netif", help="another NIC's netdev, to send frames")
    ap.add_argument("--port", help="the NIC's fabric port (fabricctl)")
    ap.add_argument("--reliable", choices=("true", "false"), default="false",
                    help="QEMU's reliable property of the device (spec §10)")
    ap.add_argument("scenario", choices=sorted(SCENARIOS) + ["list"])
    args = ap.parse_args()
    global RELIABLE
    RELIABLE = args.reliable == "true"
    if args.scenario == "list":
        print("\n".join(SCENARIOS))
        return 0
    try:
        with open("/proc/sys/vm/compact_unevictable_allowed", "w") as f:
            f.write("0")                    # keep our mlock'd pages put
    except OSError:
        pass
    dev = Dev(args.bdf)
    mem = DmaMem(32)
    _log = Log(args.log, args.id)
    if not _log.available():
        msg("no QEMU log at %s: not checking it" % args.log)
    # Killed by timeout(1): leave through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    try:
        if args.scenario == "data-rx":
            sc_data_rx(dev, mem, _log, args.netif)
        elif args.scenario == "link-reentrancy":
            sc_link_reentrancy(dev, mem, _log, args.port)
        else:
            SCENARIOS[args.scenario](dev, mem, _log)
    except Failed as e:
        check(False, str(e))
    finally:
        # Our pages go back to the kernel at exit: the device must not
        # DMA into them any more (rings and buffers may still point there).
        try:
            dev.reset()
        except Failed as e:
            check(False, str(e))
        dev.command(0x2)
    dev.alive("end of scenario")
    if _log.available():
        _log.mark()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
