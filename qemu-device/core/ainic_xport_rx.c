/*
 * ainic: the reliable transport's receive side (§10.4): PSN checks, the
 * reorder buffer, placement into host memory in PSN order and exactly
 * once, duplicates, coalesced ACKs with the SACK bitmap, NACK on a gap,
 * RNR when nothing can be held (once per episode), NO_CONN for an unknown
 * incarnation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"
#include "ainic_wire.h"

static void rb_free(AinicCore *core, AinicConn *c, unsigned i)
{
    if (c->rb[i]) {
        core->xport.rx_bytes -= c->rb_len[i];
        free(c->rb[i]);
        c->rb[i] = NULL;
        c->rb_len[i] = 0;
    }
}

void ainic_xport_rx_clear(AinicCore *core, AinicConn *c)
{
    unsigned i;

    for (i = 0; i < AINIC_XPORT_RB; i++) {
        rb_free(core, c, i);
    }
    c->place_nxt = c->rcv_nxt;
    c->ack_at = 0;
    c->ack_owed = 0;
    c->ack_pending = false;
}

bool ainic_xport_rx_busy(const AinicConn *c)
{
    unsigned i;

    for (i = 0; i < AINIC_XPORT_RB; i++) {
        if (c->rb[i]) {
            return true;
        }
    }
    return false;
}

/* A new peer incarnation: everything of the old one is forgotten */
static void rx_restart(AinicCore *core, AinicConn *c, uint32_t inc,
                       uint32_t start)
{
    ainic_xport_rx_clear(core, c);
    c->rx_inc = inc;
    c->rcv_nxt = c->place_nxt = start;
    c->nack_sent = false;
    c->ts_valid = false;
    c->rnr_answered = false;
    c->rnr_ready_owed = false;
}

static uint64_t rx_sack(const AinicConn *c)
{
    uint64_t sack = 0;
    unsigned i;

    for (i = 0; i < 64; i++) {
        uint32_t psn = c->rcv_nxt + 1 + i;

        if (psn - c->place_nxt < AINIC_XPORT_RB &&
            c->rb[psn % AINIC_XPORT_RB]) {
            sack |= 1ull << i;
        }
    }
    return sack;
}

static uint8_t rx_ts_flag(const AinicConn *c)
{
    return c->ts_valid ? AINIC_XH_F_TIMESTAMP : 0;
}

static void rx_ack_now(AinicCore *core, AinicConn *c)
{
    if (ainic_xport_send_ctrl(core, c->peer, AINIC_PKT_ACK, rx_ts_flag(c),
                              c->rx_inc, 0, c->rcv_nxt, rx_sack(c),
                              c->ts_echo, 0)) {
        c->ack_owed = 0;
        c->ack_at = 0;
        c->ack_pending = false;
    } else {
        c->ack_pending = true;      /* sent when the wire resumes */
    }
}

static bool rx_nack(AinicCore *core, AinicConn *c, uint32_t psn, int code)
{
    if (!ainic_xport_send_ctrl(core, c->peer, AINIC_PKT_NACK, rx_ts_flag(c),
                               c->rx_inc, psn, c->rcv_nxt, rx_sack(c),
                               c->ts_echo, code)) {
        return false;
    }
    c->st.nacks_sent++;
    c->ack_owed = 0;                /* a NACK acknowledges as an ACK does */
    c->ack_at = 0;
    return true;
}

/*
 * No room for psn: one RNR per episode (until something is placed or
 * held). Later packets of the episode are dropped without one: the
 * sender backs off on the first and then probes with its oldest unSACKed
 * packet, a retransmission at or before the PSN refused, which is answered
 * again if it finds no room either. Without this, each of the 64 packets
 * of a window drew its own RNR on every round.
 */
static void rx_refuse(AinicCore *core, AinicConn *c, const AinicWirePkt *pkt)
{
    bool probe = (pkt->flags & AINIC_XH_F_RETX) &&
                 !ainic_seq_after(pkt->psn, c->rnr_refused);

    if ((!c->rnr_answered || probe) &&
        rx_nack(core, c, pkt->psn, AINIC_NACK_RNR)) {
        core->stats.xport_rnr_sent++;
        c->st.rnr_sent++;
        c->rnr_answered = true;
        c->rnr_refused = pkt->psn;
        c->rnr_ready_owed = true;
        return;
    }
    core->stats.xport_rnr_dropped++;
}

/* Place held packets, in PSN order, while the host has room */
static void rx_place(AinicCore *core, AinicConn *c)
{
    while (c->place_nxt != c->rcv_nxt) {
        unsigned i = c->place_nxt % AINIC_XPORT_RB;

        if (ainic_rx_place(core, c->rb[i], c->rb_len[i]) == AINIC_RX_NO_ROOM) {
            break;
        }
        core->stats.xport_rx_pkts++;
        core->stats.xport_rx_bytes += c->rb_len[i];
        c->st.rx_pkts++;
        c->st.rx_bytes += c->rb_len[i];
        rb_free(core, c, i);
        c->place_nxt++;
        c->rnr_answered = false;    /* room again: the episode is over */
    }
}

void ainic_xport_rx_data(AinicCore *core, const AinicWirePkt *pkt)
{
    const uint8_t *inner = pkt->payload;
    uint32_t ilen = pkt->payload_len, psn = pkt->psn, off;
    uint64_t now = core->ops->now_ns(core->opaque);
    AinicConn *c = ainic_conn_find(core, pkt->src_mac);
    bool in_order, fresh = false;
    unsigned i;

    if (ilen < ETH_HLEN || !pkt->conn_id) {
        core->stats.xport_malformed++;
        return;
    }
    if (pkt->flags & AINIC_XH_F_SYN) {
        if (!c) {
            c = ainic_conn_get(core, pkt->src_mac);
            if (!c) {
                return;             /* refused and counted: retransmitted */
            }
        }
        if (c->rx_inc != pkt->conn_id) {
            rx_restart(core, c, pkt->conn_id, pkt->ack_psn);
            fresh = true;
        }
    } else if (!c || !c->rx_inc || c->rx_inc != pkt->conn_id) {
        core->stats.xport_unknown_conn++;
        ainic_xport_send_ctrl(core, pkt->src_mac, AINIC_PKT_NACK,
                              AINIC_XH_F_TIMESTAMP, pkt->conn_id, psn, 0, 0,
                              pkt->ts_tx, AINIC_NACK_NO_CONN);
        return;
    }
    c->last_used_ns = now;
    if (pkt->flags & AINIC_XH_F_TIMESTAMP) {
        c->ts_echo = pkt->ts_tx;
        c->ts_valid = true;
    }
    if (ainic_seq_before(psn, c->rcv_nxt)) {
        core->stats.xport_dup_dropped++;
        c->st.dup_dropped++;
        rx_ack_now(core, c);        /* the sender missed our ACK */
        return;
    }
    off = psn - c->place_nxt;
    if (off >= AINIC_XPORT_RB && c->place_nxt != c->rcv_nxt) {
        rx_place(core, c);          /* the host may have room by now */
        off = psn - c->place_nxt;
    }
    if (off >= AINIC_XPORT_RB) {
        if (psn - c->rcv_nxt < AINIC_XPORT_WINDOW) {
            /* In the sender's window, but the host took too little */
            rx_refuse(core, c, pkt);
        } else {
            core->stats.xport_out_of_window++;
        }
        return;
    }
    i = psn % AINIC_XPORT_RB;
    if (c->rb[i]) {
        core->stats.xport_dup_dropped++;
        c->st.dup_dropped++;
        rx_ack_now(core, c);
        return;
    }
    in_order = psn == c->rcv_nxt;
    if (in_order && c->place_nxt == c->rcv_nxt &&
        ainic_rx_place(core, inner, ilen) != AINIC_RX_NO_ROOM) {
        /* The common case: straight into host memory, no copy */
        core->stats.xport_rx_pkts++;
        core->stats.xport_rx_bytes += ilen;
        c->st.rx_pkts++;
        c->st.rx_bytes += ilen;
        c->rcv_nxt++;
        c->place_nxt++;
    } else {
        uint8_t *copy = NULL;

        if (core->xport.rx_bytes + ilen <= AINIC_XPORT_RX_BYTES) {
            copy = malloc(ilen);
        }
        if (!copy) {
            rx_refuse(core, c, pkt);
            return;
        }
        memcpy(copy, inner, ilen);
        c->rb[i] = copy;
        c->rb_len[i] = ilen;
        core->xport.rx_bytes += ilen;
        if (!in_order) {
            core->stats.xport_ooo_buffered++;
            c->st.ooo_buffered++;
        }
    }
    c->rnr_answered = false;        /* placed or held: the episode is over */
    c->rnr_ready_owed = false;      /* the sender is sending again */
    /* The cumulative point moves over every packet now held */
    while (c->rcv_nxt - c->place_nxt < AINIC_XPORT_RB &&
           c->rb[c->rcv_nxt % AINIC_XPORT_RB]) {
        c->rcv_nxt++;
        c->nack_sent = false;
    }
    if (in_order) {
        c->nack_sent = false;
    }
    rx_place(core, c);
    c->ack_owed++;
    if (!in_order) {
        /* A gap: tell the sender what is missing, once per rcv_nxt */
        if (!c->nack_sent) {
            c->nack_sent = true;
            rx_nack(core, c, c->rcv_nxt, AINIC_NACK_SEQ);
        } else {
            rx_ack_now(core, c);
        }
    } else if (c->ack_owed >= AINIC_XPORT_ACK_EVERY || fresh ||
               (pkt->flags & AINIC_XH_F_ACK_REQ)) {
        rx_ack_now(core, c);
    } else if (!c->ack_at) {
        c->ack_at = now + AINIC_XPORT_ACK_DELAY_NS;
        ainic_xport_due(core, c->ack_at);
    }
}

void ainic_xport_rx_timers(AinicCore *core, AinicConn *c, uint64_t now)
{
    if (!c->rx_inc) {
        return;
    }
    if (c->ack_pending || (c->ack_at && now >= c->ack_at)) {
        rx_ack_now(core, c);
    } else if (c->ack_at) {
        ainic_xport_due(core, c->ack_at);
    }
}

void ainic_xport_drain(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        AinicConn *c = &core->xport.conn[i];

        if (c->state == AINIC_CONN_FREE || c->place_nxt == c->rcv_nxt) {
            continue;
        }
        rx_place(core, c);
        /*
         * After an RNR the host took every packet held: there is room for
         * a whole window, and an ACK says so now, so the sender need not
         * wait out its back-off (it probes on it). Not before: a host
         * that takes one packet at a time would draw a probe, and a
         * refused window, for each.
         */
        if (c->rnr_ready_owed && c->place_nxt == c->rcv_nxt) {
            c->rnr_ready_owed = false;
            rx_ack_now(core, c);
        }
    }
}
