// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the reliable transport (§10) against a hostile peer.
 * The harness brings up a device with AINIC_CAP_RELIABLE, one queue pair
 * and RX buffers; the input is a sequence of operations: transport
 * packets forged from one of four peer MACs with fields chosen near the
 * connection's own values (its incarnations, snd_una, rcv_nxt) or
 * anywhere, host frames sent to a peer, time passing (every timer),
 * buffers posted and completions reaped, the link flapping, a reset, and
 * the transport faults armed (ACKs dropped inside the device, stuck
 * retransmit timers).
 *
 * Invariants, after every operation: the byte counts of held copies and
 * held packets equal what the connections hold; every connection's PSNs
 * are ordered (snd_una <= snd_nxt <= snd_end within the copy ring,
 * place_nxt <= rcv_nxt within the reorder buffer); no retransmit deadline
 * is overdue by more than the watchdog allows (stuck timer or not);
 * every CQE is well formed; every frame sent is a well-formed ainic
 * packet.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ainic_priv.h"
#include "ainic_wire.h"
#include "fuzz_util.h"

static const uint8_t peers[4][6] = {
    { 0x52, 0x54, 0x00, 0xa1, 0x00, 0x02 },
    { 0x52, 0x54, 0x00, 0xa1, 0x00, 0x03 },
    { 0x52, 0x54, 0x00, 0xa1, 0x00, 0x04 },
    { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 },
};

static void up(Env *e)
{
    uint32_t want = AINIC_STATUS_READY | AINIC_STATUS_ENABLED;

    if ((bring_up(e, 16, 8) & want) != want) {
        fuzz_fail("harness: device refused set-up");
    }
    ainic_core_set_link(e->core, true);
    mkqp(e, 0);
    rx_post(e, 0, 16);
}

static void check_wire(Env *e, const void *buf, size_t len)
{
    AinicWirePkt pkt;

    if (!ainic_wire_parse(buf, len, &pkt)) {
        fuzz_fail("the device sent a frame it cannot parse (%zu bytes)",
                  len);
    }
    if (pkt.type == AINIC_PKT_RAW) {
        fuzz_check_wire(e, buf, len);
    } else if (pkt.type == AINIC_PKT_DATA && !pkt.conn_id) {
        fuzz_fail("DATA without an incarnation");
    }
}

static void check(Env *e)
{
    const AinicXport *x = &e->core->xport;
    uint64_t tx = 0, rx = 0;
    unsigned i, j;

    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        const AinicConn *c = &x->conn[i];

        if (c->state == AINIC_CONN_FREE) {
            continue;
        }
        if (c->snd_nxt - c->snd_una > c->snd_end - c->snd_una ||
            c->snd_end - c->snd_una > AINIC_XPORT_TXRING ||
            c->snd_nxt - c->snd_una > AINIC_XPORT_WINDOW) {
            fuzz_fail("conn %u: PSNs una %u nxt %u end %u", i + 1,
                      c->snd_una, c->snd_nxt, c->snd_end);
        }
        if (c->rcv_nxt - c->place_nxt > AINIC_XPORT_RB) {
            fuzz_fail("conn %u: rcv_nxt %u place_nxt %u", i + 1,
                      c->rcv_nxt, c->place_nxt);
        }
        /* Timers up to now have fired: the watchdog's bound (§10.3) */
        if (c->rto_at && c->snd_una != c->snd_nxt &&
            e->now > c->rto_at + 2 * AINIC_XPORT_WATCHDOG_NS) {
            fuzz_fail("conn %u: retransmit deadline %llu ns overdue", i + 1,
                      (unsigned long long)(e->now - c->rto_at));
        }
        for (j = 0; j < AINIC_XPORT_TXRING; j++) {
            tx += c->tx[j].frame ? c->tx[j].len : 0;
        }
        for (j = 0; j < AINIC_XPORT_RB; j++) {
            rx += c->rb[j] ? c->rb_len[j] : 0;
        }
    }
    if (tx != x->tx_bytes || rx != x->rx_bytes) {
        fuzz_fail("held bytes: copies %llu counted %u, packets %llu "
                  "counted %u", (unsigned long long)tx, x->tx_bytes,
                  (unsigned long long)rx, x->rx_bytes);
    }
}

/* A field near the connection's own value, or the input's */
static uint32_t pick(uint8_t sel, uint32_t near, uint32_t raw)
{
    return sel ? near + (int32_t)(int8_t)(raw & 0xff) : raw;
}

static void forge(Env *e, FuzzIn *in)
{
    uint8_t peer = fin_u8(in) & 3, type = fin_u8(in), flags = fin_u8(in);
    uint8_t sel = fin_u8(in);
    uint32_t conn = fin_u32(in), psn = fin_u32(in), ack = fin_u32(in);
    uint64_t sack = fin_u64(in);
    uint16_t len = fin_u16(in) % 300;
    uint8_t code = fin_u8(in);
    uint8_t w[AINIC_ENCAP_LEN + 300];
    AinicConn *c = ainic_conn_find(e->core, peers[peer]);
    AinicWireHdr h = {
        .dst_mac = test_mac,
        .src_mac = peers[peer],
        .type = type & 0xf,
        .flags = flags & ~AINIC_XH_F_SECURE,
    };

    if (c) {
        h.conn_id = pick(sel & 1, type == AINIC_PKT_DATA ? c->rx_inc :
                         c->tx_inc, conn);
        h.psn = pick(sel & 2, type == AINIC_PKT_DATA ? c->rcv_nxt :
                     c->snd_una, psn);
        h.ack_psn = pick(sel & 4, type == AINIC_PKT_DATA ? c->rcv_nxt :
                         c->snd_una, ack);
    } else {
        h.conn_id = conn;
        h.psn = psn;
        h.ack_psn = ack;
    }
    h.sack = sack;
    memset(w + AINIC_ENCAP_LEN, 0, len);
    if (len) {
        w[AINIC_ENCAP_LEN] = code;
    }
    if (len >= 14) {
        memcpy(w + AINIC_ENCAP_LEN, test_mac, 6);
        memcpy(w + AINIC_ENCAP_LEN + 6, peers[peer], 6);
    }
    ainic_wire_encap(w, len, &h);
    ainic_core_receive(e->core, w, AINIC_ENCAP_LEN + len);
}

/* Arm a transport fault; zero COUNT or ARG are refused, as they must be */
static void fault(Env *e, FuzzIn *in)
{
    static const char *const kinds[] = { "xport-ack-drop",
                                         "xport-timer-stuck" };
    uint8_t kind = fin_u8(in) & 1;
    uint32_t count = fin_u32(in);
    uint16_t arg = fin_u16(in);
    char spec[AINIC_FAULT_SPEC_MAX + 1], err[AINIC_FAULT_ERR_MAX];
    bool ok = count && count <= AINIC_FAULT_MAX_COUNT && arg &&
              arg <= (kind ? AINIC_FAULT_STUCK_MAX_MS :
                      AINIC_FAULT_ACK_DROP_MAX_N);

    snprintf(spec, sizeof(spec), "%s:%u:%u", kinds[kind], count, arg);
    if (ainic_core_fault_inject(e->core, spec, err, sizeof(err)) !=
        (ok ? 0 : -1)) {
        fuzz_fail("x-fault '%s' %s", spec, ok ? "refused" : "taken");
    }
}

static void host_send(Env *e, FuzzIn *in)
{
    uint8_t peer = fin_u8(in) & 3, f[1600];
    uint16_t len = 60 + fin_u16(in) % 1400;
    struct ainic_cqe c;

    while (reap_cqe(e, 0, &c)) {
        fuzz_check_cqe(e, 0, &c);
    }
    cq_release(e, 0);
    memset(f, 0x5a, len);
    memcpy(f, peers[peer], 6);
    memcpy(f + 6, test_mac, 6);
    f[12] = 0x88;
    f[13] = 0xb5;               /* local experimental ethertype */
    if (((e->tx_tail[0] + 1) & 63) != e->core->txq[0].cons) {
        tx_post(e, 0, f, len, (TxOpts){ 0 });
        tx_ring(e, 0);
    }
}

static void host_rx(Env *e, unsigned n)
{
    struct ainic_cqe c;

    while (reap_cqe(e, 1, &c)) {
        fuzz_check_cqe(e, 1, &c);
    }
    cq_release(e, 1);
    if (n) {
        rx_post(e, 0, n % 16);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One core and guest RAM for the process (as fuzz_dp_up) */
    static AinicCore *core;
    static uint8_t *mem;
    FuzzIn in = { data, size > 4096 ? 4096 : size };
    Env e;
    unsigned ops = 0;

    if (!core) {
        core = malloc(sizeof(*core));
        mem = malloc(MEM_SIZE);
    }
    if (env_init_on(&e, DP_CAPS | AINIC_CAP_RELIABLE, core, mem)) {
        fuzz_fail("harness: init");
    }
    e.on_send = check_wire;
    up(&e);
    while (in.n && ops++ < 256) {
        unsigned q;

        switch (fin_u8(&in) % XP_NR) {
        case XP_FORGE:
            forge(&e, &in);
            break;
        case XP_SEND:
            host_send(&e, &in);
            break;
        case XP_TIME:
            clock_advance(&e, (uint64_t)(fin_u32(&in) % 3000000) * 1000);
            break;
        case XP_RX:
            host_rx(&e, fin_u8(&in));
            break;
        case XP_LINK:
            ainic_core_set_link(e.core, fin_u8(&in) & 1);
            break;
        case XP_RESET:
            memset(e.cqe_head, 0, sizeof(e.cqe_head));
            memset(e.tx_tail, 0, sizeof(e.tx_tail));
            memset(e.rx_tail, 0, sizeof(e.rx_tail));
            up(&e);
            break;
        case XP_FAULT:
            fault(&e, &in);
            break;
        }
        for (q = 0; q < TEST_QPS; q++) {
            if (e.sched_tx[q]) {
                e.sched_tx[q] = 0;
                ainic_core_tx_process(e.core, q);
            }
        }
        fuzz_reap_admin(&e);
        check(&e);
    }
    fuzz_debug(&e, "fuzz_xport");
    if (getenv("AINIC_FUZZ_DEBUG")) {
        const AinicStats *st = &e.core->stats;

        fprintf(stderr, "fuzz_xport: retx %llu+%llu, acks %llu, timer "
                "recovered %llu, faults fired %llu\n",
                (unsigned long long)st->xport_retx_fast,
                (unsigned long long)st->xport_retx_timeout,
                (unsigned long long)st->xport_acks_rcvd,
                (unsigned long long)st->xport_timer_recovered,
                (unsigned long long)ainic_core_faults_fired(e.core));
    }
    env_fini(&e);
    return 0;
}
