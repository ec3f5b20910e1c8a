// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the transmit path of the ainic device core (§7.2).
 * The harness brings the device to ENABLED with link up and two queue
 * pairs (TXQ 0 on a 64-entry CQ, TXQ 1 on its own), then the input
 * (TX_* operations, fuzz_util.h) writes TX descriptors and buffer contents
 * (any flags, nr_frags, lengths, addresses, offload fields), rings the
 * doorbells with any index, reaps completions and returns CQ slots.
 *
 * Invariants: every frame sent is a well-formed RAW packet of at most
 * MTU + 18 + 74 bytes; every CQE is well formed and names the EOP of a
 * frame of 1 .. max_sg descriptors after the last one completed; the device
 * never has more CQEs outstanding than the CQ holds.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#define NQP     2
#define TXQ_N   64
/*
 * The core bounds its work per call (frames and segments), not per input:
 * an input that keeps rescheduling 64 KiB TSO frames of the smallest mss
 * would run past -timeout doing only what it asked. Stop an input after
 * this many frames on the wire instead.
 */
#define MAX_WIRE_FRAMES 65536

typedef struct TxState {
    uint32_t done[NQP];         /* first descriptor not yet completed */
    uint32_t unreleased[NQP];   /* CQEs reaped since the last DB_TXCQ */
} TxState;

static void desc_op(Env *e, FuzzIn *in)
{
    uint8_t qp = fin_u8(in) % NQP, idx = fin_u8(in) % TXQ_N;
    uint8_t mode = fin_u8(in);
    uint64_t addr = fin_u64(in);
    uint32_t len = fin_u32(in);
    uint16_t flags = fin_u16(in), nr = fin_u16(in), cs = fin_u16(in);
    uint16_t co = fin_u16(in), mss = fin_u16(in), hdr = fin_u16(in);

    if (mode & 1) {
        addr = TXDATA_GPA + addr % FUZZ_TXDATA_SIZE;
    }
    if (!(mode & 2)) {
        len %= 4096;
    }
    write_txd(e, qp, idx, addr, len, flags, nr, cs, co, mss, hdr);
}

static void frame_op(Env *e, FuzzIn *in)
{
    static const size_t hdrs[3] = { 54, 74, 42 };
    uint8_t kind = fin_u8(in) % 3;
    uint16_t payload = fin_u16(in), off = fin_u16(in);
    uint8_t tflags = fin_u8(in);
    uint8_t *f;

    off %= FUZZ_TXDATA_SIZE - hdrs[kind];
    payload %= FUZZ_TXDATA_SIZE - off - hdrs[kind] + 1;
    f = gpa(e, TXDATA_GPA + off);
    switch (kind) {
    case 0:
        mk_tcp4(f, payload, 5001, 80, tflags);
        break;
    case 1:
        mk_tcp6(f, payload, tflags);
        break;
    default:
        mk_udp4(f, payload, 1111, 2222);
        break;
    }
}

static void reap_op(Env *e, TxState *s, FuzzIn *in)
{
    uint8_t qp = fin_u8(in) % NQP, release = fin_u8(in);
    uint16_t cq = 2 * qp;
    uint32_t mask = TXQ_N - 1;
    struct ainic_cqe c;

    while (reap_cqe(e, cq, &c)) {
        uint32_t d = le16toh(c.desc_index);

        fuzz_check_cqe(e, cq, &c);
        if (++s->unreleased[qp] > e->cq_size[cq] - 1) {
            fuzz_fail("CQ %u: %u CQEs outstanding in a ring of %u", cq,
                      s->unreleased[qp], e->cq_size[cq]);
        }
        /* Frames are consumed in order, each 1 .. max_sg descriptors */
        if (d >= TXQ_N || ((d - s->done[qp]) & mask) >= AINIC_MAX_SG) {
            fuzz_fail("TXQ %u: CQE for descriptor %u, completed up to %u",
                      qp, d, s->done[qp]);
        }
        s->done[qp] = (d + 1) & mask;
    }
    if (release & 1) {
        cq_release(e, cq);
        s->unreleased[qp] = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = { data, size };
    TxState s = { { 0 }, { 0 } };
    uint8_t setup = fin_u8(&in);
    Env e;

    fuzz_dp_up(&e, ((setup & 4) ? AINIC_CAP_TX_SG : 0) |
                   ((setup & 8) ? AINIC_CAP_TX_CSUM : 0) |
                   ((setup & 16) ? AINIC_CAP_TSO : 0));
    mkqp(&e, 0);
    mkcq(&e, 2, 6);
    if (run(&e, q_create(AINIC_QTYPE_TXQ, 6, 1, 2, 0, 0))) {
        fuzz_fail("harness: TXQ 1 refused");
    }
    if ((setup & 1) && fuzz_set_mtu(&e, 9000)) {
        fuzz_fail("harness: MTU 9000 refused");
    }
    e.send_busy = setup & 2;

    while (in.n && e.nwire < MAX_WIRE_FRAMES) {
        uint8_t op = fin_u8(&in) % TX_NOPS;

        switch (op) {
        case TX_DESC:
            desc_op(&e, &in);
            break;
        case TX_DATA: {
            uint16_t off = fin_u16(&in) % FUZZ_TXDATA_SIZE;
            uint8_t len = fin_u8(&in), buf[256];

            fin_bytes(&in, buf, len);
            if (len > FUZZ_TXDATA_SIZE - off) {
                len = FUZZ_TXDATA_SIZE - off;
            }
            memcpy(gpa(&e, TXDATA_GPA + off), buf, len);
            break;
        }
        case TX_FRAME:
            frame_op(&e, &in);
            break;
        case TX_DOORBELL: {
            uint8_t qp = fin_u8(&in) % NQP;

            wr(&e, AINIC_REG_DB_TXQ(qp), fin_u8(&in));
            break;
        }
        case TX_REAP:
            reap_op(&e, &s, &in);
            break;
        case TX_BUSY:
            e.send_busy = fin_u8(&in) & 1;
            if (!e.send_busy) {
                ainic_core_tx_resume(e.core);
            }
            break;
        case TX_TIME:
            clock_advance(&e, fin_u32(&in));
            break;
        case TX_MTU:
            fuzz_set_mtu(&e, fin_u16(&in));
            fuzz_reap_admin(&e);
            break;
        case TX_LINK:
            ainic_core_set_link(e.core, fin_u8(&in) & 1);
            fuzz_reap_admin(&e);
            break;
        case TX_PROCESS:
            ainic_core_tx_process(e.core, fin_u8(&in) % NQP);
            break;
        case TX_WRITE: {
            uint16_t off = fin_u16(&in);
            uint32_t val = fin_u32(&in);

            /* CQ doorbells only through TX_REAP: the checks track them */
            if (off < AINIC_REG_DB_BASE || (off & 0xf) < 0x8) {
                wr(&e, off, val);
            }
            break;
        }
        }
    }
    fuzz_debug(&e, "fuzz_tx");
    env_fini(&e);
    return 0;
}
