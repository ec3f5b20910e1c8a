// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared pieces of the ainic device-core fuzzers (tests/fuzz): the input
 * cursor the targets decode their operation sequences with, the writer the
 * seed generator encodes them with (one definition of the format), the
 * operation codes of each target and the invariant checks.
 *
 * Every input is a sequence of operations: one opcode byte (taken modulo
 * the target's operation count) followed by that operation's fixed
 * arguments, little-endian. A short input reads zeros past its end.
 */
#ifndef AINIC_FUZZ_UTIL_H
#define AINIC_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_dev.h"

typedef struct FuzzIn {
    const uint8_t *p;
    size_t n;
} FuzzIn;

uint8_t fin_u8(FuzzIn *in);
uint16_t fin_u16(FuzzIn *in);
uint32_t fin_u32(FuzzIn *in);
uint64_t fin_u64(FuzzIn *in);
/* Copy len bytes (zero-filled past the end of the input) */
void fin_bytes(FuzzIn *in, void *buf, size_t len);

/* Seed writer */
typedef struct FuzzOut {
    uint8_t buf[8192];
    size_t n;
} FuzzOut;

void fout_u8(FuzzOut *o, uint8_t v);
void fout_u16(FuzzOut *o, uint16_t v);
void fout_u32(FuzzOut *o, uint32_t v);
void fout_u64(FuzzOut *o, uint64_t v);
void fout_bytes(FuzzOut *o, const void *buf, size_t len);

/* An invariant of the device does not hold: print and abort (a crash) */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
                                                       noreturn));

/*
 * A data-path device: DP_CAPS without the optional capabilities in
 * without_caps, 16-entry admin queue, 8-entry EQ, link up. Aborts if the
 * device refuses (a harness bug, not a finding).
 */
void fuzz_dp_up(Env *e, uint64_t without_caps);
/* The same with capabilities beyond DP_CAPS (AINIC_CAP_RX_COALESCE) */
void fuzz_dp_up_caps(Env *e, uint64_t with_caps, uint64_t without_caps);
/* With AINIC_FUZZ_DEBUG set in the environment: print what an input did */
void fuzz_debug(Env *e, const char *target);
/* Fire every armed timer (moderation) */
void fuzz_fire_timers(Env *e);
/* Reap admin completions and events, return EQ slots (a tidy driver) */
void fuzz_reap_admin(Env *e);
/* PORT_CONFIG MTU; returns the status or -1 */
int fuzz_set_mtu(Env *e, uint32_t mtu);

/*
 * A completion the device wrote to CQ cq: well formed for its queue type
 * (TXQ: cq even; RXQ: cq odd), or fuzz_fail().
 */
void fuzz_check_cqe(Env *e, uint16_t cq, const struct ainic_cqe *c);
/*
 * A frame handed to send_frame: an ainic RAW packet (§8) of at most
 * MTU + 18 + 74 bytes whose lengths agree with each other.
 */
void fuzz_check_wire(Env *e, const void *buf, size_t len);

/* ---- Operations of fuzz_regs_admin ----------------------------------- */
enum {
    RA_WRITE,           /* u16 offset, u32 value: MMIO write */
    RA_READ,            /* u16 offset: MMIO read */
    RA_TIME,            /* u32 ns: advance the virtual clock */
    RA_TIMERS,          /* fire every armed timer */
    RA_ADMIN,           /* 64 bytes: command into the next ASQ slot + doorbell */
    RA_BRING_UP,        /* u8 log2 ASQ/ACQ size, u8 log2 EQ size (mod 13) */
    RA_REAP,            /* reap completions and events, EQ_HEAD */
    RA_POKE,            /* u32 offset (mod MEM_SIZE), u8 len, bytes: guest RAM */
    RA_LINK,            /* u8: bit 0 link up */
    RA_TX_PROCESS,      /* u8 qp: ainic_core_tx_process + tx_resume */
    RA_FAULT,           /* u8 len (mod 72), bytes: an x-fault value */
    RA_NOPS
};

/* ---- Operations of fuzz_tx ------------------------------------------- */
/*
 * Set-up byte: bit 0 jumbo MTU 9000 (else 1500), bit 1 send_busy; bits 2-4
 * take TX_SG, TX_CSUM, TSO out of the device's capabilities
 */
enum {
    TX_DESC,            /* u8 qp, u8 idx, u8 mode, u64 addr, u32 len, u16 flags,
                           u16 nr_frags, u16 csum_start, u16 csum_offset,
                           u16 mss, u16 hdr_len. mode bit 0: addr is an
                           offset into the TX data area; bit 1: len raw
                           (else mod 4096) */
    TX_DATA,            /* u16 offset, u8 len, bytes: TX data area */
    TX_FRAME,           /* u8 kind (0 tcp4, 1 tcp6, 2 udp4), u16 payload,
                           u16 offset, u8 tcp flags: a frame in the data area */
    TX_DOORBELL,        /* u8 qp, u8 index (raw: may be outside the ring) */
    TX_REAP,            /* u8 qp, u8 release: reap/check CQEs, DB_TXCQ */
    TX_BUSY,            /* u8: bit 0 send_busy; clearing it resumes */
    TX_TIME,            /* u32 ns */
    TX_MTU,             /* u16 mtu: PORT_CONFIG */
    TX_LINK,            /* u8 */
    TX_PROCESS,         /* u8 qp: the embedder's scheduled TX work */
    TX_WRITE,           /* u16 offset, u32 value: raw MMIO write */
    TX_NOPS
};

/* ---- Operations of fuzz_rx ------------------------------------------- */
/*
 * Set-up byte: bits 1:0 RX queue pairs - 1; bit 2 qp 0 has 256-byte
 * buffers; bit 3 takes RX_CSUM out of the device's capabilities; bit 4
 * turns receive coalescing on, bits 7:5 its max_bufs (1 + 3 * value)
 */
enum {
    RX_RAW,             /* u16 len, bytes: a frame from the fabric as is */
    RX_ENCAP,           /* u16 len, bytes, u16 pos, u8 xor: the bytes as the
                           inner frame of a valid RAW packet, then byte pos
                           of the packet xor'ed (0: intact) */
    RX_POST,            /* u8 qp, u8 n: post n buffers and ring DB_RXQ */
    RX_DESC,            /* u8 qp, u8 idx, u64 addr, u32 len: raw descriptor */
    RX_DOORBELL,        /* u8 qp, u8 index (raw) */
    RX_REAP,            /* u8 qp, u8 release: reap/check CQEs, DB_RXCQ */
    RX_RETRY,           /* offer the held frame again */
    RX_TIME,            /* u32 ns */
    RX_LINK,            /* u8 */
    RX_MASK,            /* u8 vector, u8 masked: INTR_MASK */
    RX_QUEUE,           /* u8 qp, u8 create: Q_DESTROY or Q_CREATE the RXQ */
    RX_COALESCE,        /* u8 on, u8 max_bufs, u8 rsvd1: PORT_CONFIG (raw) */
    RX_TCP,             /* u8 how, u16 len: the next TCP segment of a flow,
                           how: bits 1:0 flow, 2 IPv6, 3 PSH, 4 a sequence
                           gap, 5 bad checksum, 6 other options, 7 FIN */
    RX_NOPS
};

/* ---- Operations of fuzz_xport ---------------------------------------- */
enum {
    XP_FORGE,           /* u8 peer, u8 type, u8 flags, u8 sel, u32 conn,
                           u32 psn, u32 ack, u64 sack, u16 len, u8 code.
                           sel bits 0-2: conn, psn, ack near the
                           connection's own (+ the low byte, signed) */
    XP_SEND,            /* u8 peer, u16 len: a host frame to the peer */
    XP_TIME,            /* u32 us (mod 3 s): the clock moves, timers fire */
    XP_RX,              /* u8 n: reap RX completions, post n buffers */
    XP_LINK,            /* u8 up */
    XP_RESET,           /* the device is reset and brought up again */
    XP_FAULT,           /* u8 kind (bit 0: xport-ack-drop or
                           xport-timer-stuck), u32 count, u16 arg */
    XP_NR
};

/* Maximum input lengths (-max_len) */
#define FUZZ_REGS_MAX_LEN       4096
#define FUZZ_TX_MAX_LEN         4096
#define FUZZ_RX_MAX_LEN         16384

/* The TX data area of the fuzzers: TXDATA_GPA .. TXDATA_END */
#define FUZZ_TXDATA_SIZE        (TXDATA_END - TXDATA_GPA)
/* Build a RAW ainic packet around inner (len bytes) into pkt; its length */
size_t fuzz_encap(uint8_t *pkt, const uint8_t *inner, size_t len);

#endif /* AINIC_FUZZ_UTIL_H */
