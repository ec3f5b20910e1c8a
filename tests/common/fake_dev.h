// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fake platform for the ainic device core (qemu-device/core/),
 * shared by the unit tests (tests/unit) and the fuzzers (tests/fuzz): a
 * guest memory array with DMA fault injection, an MSI-X recorder, a
 * guest-error counter, a fake virtual clock with timers and a wire log,
 * plus the driver-side helpers that play the driver through BAR0 exactly
 * as uapi/ainic-device.md describes. Helpers abort() when the device
 * refuses a set-up step they rely on.
 */
#ifndef AINIC_TESTS_FAKE_DEV_H
#define AINIC_TESTS_FAKE_DEV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ainic_core.h"

/* Guest memory: [MEM_BASE, MEM_BASE + MEM_SIZE); everything else faults */
#define MEM_BASE        0x100000ull
#define MEM_SIZE        0x100000u
#define ASQ_GPA         (MEM_BASE + 0x00000)    /* up to 4096 x 64 */
#define ACQ_GPA         (MEM_BASE + 0x40000)    /* up to 4096 x 16 */
#define EQ_GPA          (MEM_BASE + 0x50000)    /* up to 4096 x 16 */
#define BUF_GPA         (MEM_BASE + 0x60000)    /* command buffers */
#define DMA_GPA         (MEM_BASE + 0x80000)    /* TEST_DMA buffer */
#define RING_GPA        (MEM_BASE + 0xa0000)    /* data rings */
#define BAD_GPA         0x40000000000ull        /* unbacked */

#define TEST_QPS        4
#define WIRE_MAX        128
#define WIRE_LEN        9200
#define TEST_VECTORS    (1 + TEST_QPS)

struct fake_timer {
    AinicTimerCb *cb;
    void *cb_opaque;
    bool armed;
    bool freed;
    uint64_t expire;
};

typedef struct Env {
    AinicCore *core;
    uint8_t *mem;
    uint64_t fail_lo, fail_hi;      /* DMA to [lo, hi) fails */
    unsigned dma_ops;

    unsigned irqs[AINIC_MAX_VECTORS];
    unsigned irq_total;
    unsigned guest_errors;
    char last_error[256];
    unsigned traces[AINIC_TRACE_NR];

    uint64_t now;
    struct fake_timer timers[AINIC_CORE_TIMERS];
    unsigned ntimers;

    /* Driver-side ring state */
    uint32_t sq_size, sq_tail, cq_head;
    uint8_t cq_color;
    uint32_t eq_size, eq_head;
    uint8_t eq_color;
    uint16_t next_id;

    /* Data path: frames sent on the wire, reschedule requests */
    uint8_t *wire;                  /* WIRE_MAX frames of WIRE_LEN bytes,
                                       or NULL: not recorded */
    size_t wire_len[WIRE_MAX];
    unsigned nwire;                 /* frames sent (may exceed WIRE_MAX) */
    bool send_fail;
    bool send_busy;                 /* send_frame returns 1 (queued) */
    unsigned sched_tx[AINIC_MAX_QPS];
    unsigned rx_ready;
    /* Driver-side data rings */
    uint32_t tx_tail[AINIC_MAX_QPS], rx_tail[AINIC_MAX_QPS];
    uint32_t cqe_head[AINIC_MAX_CQS];
    uint8_t cqe_color[AINIC_MAX_CQS];
    uint32_t cq_size[AINIC_MAX_CQS];
    uint64_t tx_data;               /* next free TX buffer byte */
    /* Optional: sees every frame the core sends (the fuzzers check them) */
    void (*on_send)(struct Env *e, const void *buf, size_t len);
    bool borrowed;                  /* core and mem belong to the caller */
} Env;

/* ---- Fake platform --------------------------------------------------- */

extern const AinicCoreOps fake_ops;
extern const uint8_t test_mac[6];
extern const uint8_t peer_mac[6];

/* Advance the virtual clock, firing due timers in order. */
void clock_advance(Env *e, uint64_t ns);
/* Allocate guest memory, wire log and core; 0 or -1 (env_fini either way) */
int env_init_caps(Env *e, uint64_t caps);
/* The same with another permanent MAC (several NICs on one test link) */
int env_init_mac(Env *e, uint64_t caps, const uint8_t *mac);
/*
 * The same on memory the caller keeps across many Envs (the fuzzers: no
 * allocation per input): core and mem (MEM_SIZE bytes) are zeroed here and
 * not freed by env_fini; frames sent are checked (on_send) but not kept.
 */
int env_init_on(Env *e, uint64_t caps, AinicCore *core, uint8_t *mem);
int env_init(Env *e);
void env_fini(Env *e);
uint8_t *gpa(Env *e, uint64_t addr);
uint32_t rd(Env *e, uint32_t reg);
void wr(Env *e, uint32_t reg, uint32_t val);

/* ---- Driver side: admin queue ---------------------------------------- */

void config_rings(Env *e, uint32_t sq, uint32_t eq);
/* Reset, configure and enable; returns DEV_STATUS. */
uint32_t bring_up(Env *e, uint32_t sq, uint32_t eq);
struct ainic_admin_cmd mkcmd(uint8_t opcode);
/* Place a command in the next ASQ slot without ringing the doorbell. */
uint16_t post(Env *e, struct ainic_admin_cmd *c);
void doorbell(Env *e);
/* Take the next completion if its colour says the device wrote it. */
bool reap(Env *e, struct ainic_admin_comp *out);
/* Run one command; returns its status or -1 when nothing completed. */
int exec(Env *e, struct ainic_admin_cmd *c, struct ainic_admin_comp *out);
int run(Env *e, struct ainic_admin_cmd c);
bool reap_event(Env *e, struct ainic_event *out);
struct ainic_admin_cmd q_create(uint8_t qtype, uint8_t log2, uint16_t qid,
                                uint16_t cq_id, uint16_t vector,
                                uint32_t buf_size);
struct ainic_admin_cmd q_destroy(uint8_t qtype, uint16_t qid);
int stats_get(Env *e, struct ainic_dev_stats *st);

#define DP_CAPS         (AINIC_CAPS_V1 | AINIC_CAP_DATAPATH | \
                         AINIC_CAP_TX_SG | AINIC_CAP_TX_CSUM | \
                         AINIC_CAP_TSO | AINIC_CAP_RX_CSUM | \
                         AINIC_CAP_INTR_MODERATION | AINIC_CAP_JUMBO)
#define TXDATA_GPA      (MEM_BASE + 0x61000)    /* up to 0x80000 */
#define TXDATA_END      (MEM_BASE + 0x80000)
#define RXBUF_GPA       (MEM_BASE + 0xe0000)    /* 64 x 2048 */
#define RX_BUF          2048

typedef struct TxOpts {
    uint16_t flags;         /* offload flags (SOP/EOP added) */
    uint16_t cs, co, mss, hdr;
    unsigned frags;         /* split evenly; 0 means 1 */
} TxOpts;

/* ---- Driver side: data path (§7, §8) --------------------------------- */

uint64_t ring_of(uint8_t qtype, uint16_t qid);
/* Independent RFC 1071 checksum helpers and big-endian accessors */
uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t ref_fold(uint32_t sum);
uint16_t rd16(const uint8_t *p);
uint32_t rd32(const uint8_t *p);
void wr16(uint8_t *p, uint16_t v);
void wr32(uint8_t *p, uint32_t v);
/* Pseudo-header sum (not folded) for TCP/UDP over IPv4 or IPv6 */
uint32_t pseudo(const uint8_t *f, uint32_t l3, bool v6, uint8_t proto,
                uint32_t l4len);
/* Ethernet | IPv4 | TCP (20) | payload; TCP checksum left 0 */
size_t mk_tcp4(uint8_t *f, size_t payload, uint16_t sport, uint16_t dport,
               uint8_t tflags);
/* Ethernet | IPv6 | TCP (20) | payload */
size_t mk_tcp6(uint8_t *f, size_t payload, uint8_t tflags);
/* Ethernet | IPv4 | UDP | payload, UDP checksum valid */
size_t mk_udp4(uint8_t *f, size_t payload, uint16_t sport, uint16_t dport);
/* Is the TCP/UDP checksum of the frame valid? */
bool l4_csum_valid(const uint8_t *f, uint32_t l3, uint32_t l4, bool v6,
                   uint8_t proto, uint32_t l4len);
void write_txd(Env *e, uint16_t qp, uint32_t idx, uint64_t addr,
               uint32_t len, uint16_t flags, uint16_t nr, uint16_t cs,
               uint16_t co, uint16_t mss, uint16_t hdr);
/* Copy a frame into guest memory and post it; returns its EOP index */
uint32_t tx_post(Env *e, uint16_t qp, const uint8_t *f, size_t len,
                 TxOpts o);
void tx_ring(Env *e, uint16_t qp);
bool reap_cqe(Env *e, uint16_t cq, struct ainic_cqe *out);
/* Return reaped CQ slots to the device */
void cq_release(Env *e, uint16_t cq);
void rx_post(Env *e, uint16_t qp, unsigned n);
uint8_t *rx_buf(Env *e, uint16_t qp, uint32_t idx);
void mkcq(Env *e, uint16_t cq, uint8_t log2);
/* Queue pair qp: CQs, TXQ and RXQ with 64 entries (§7.1) */
void mkqp(Env *e, uint16_t qp);
uint8_t *wire(Env *e, unsigned i);
/*
 * Encapsulate a frame by transmitting it on queue pair 0 (loopback
 * through the wire log); returns the wire frame's length in out.
 */
size_t encap(Env *e, uint8_t *out, const uint8_t *f, size_t len);

#endif /* AINIC_TESTS_FAKE_DEV_H */
