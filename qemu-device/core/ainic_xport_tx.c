/*
 * ainic: the reliable transport's send side (§10.3): admission of host
 * frames, device copies by PSN, the window, ACK and SACK processing, RTT
 * estimation (RFC 6298), selective retransmission on NACK and SACK holes,
 * the retransmission timeout with backoff and retry limit, RNR back-off
 * with a probe, and new incarnations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"
#include "ainic_wire.h"

static AinicTxPkt *tx_slot(AinicConn *c, uint32_t psn)
{
    return &c->tx[psn % AINIC_XPORT_TXRING];
}

static void tx_free(AinicCore *core, AinicTxPkt *p)
{
    if (p->frame) {
        core->xport.tx_bytes -= p->len;
        free(p->frame);
    }
    memset(p, 0, sizeof(*p));
}

/* No RNR episode: the back-off starts from its first value again */
static void tx_rnr_clear(AinicConn *c)
{
    c->rnr_until = 0;
    c->rnr_shift = 0;
    c->rnr_probing = false;
    c->rnr_probe_sent = false;
    c->rnr_tail_due = false;
    c->rnr_ramp = 0;
}

/* Packets that may be outstanding: fewer while reopening after an RNR */
static uint32_t tx_window(const AinicConn *c)
{
    return c->rnr_ramp ? c->rnr_ramp : AINIC_XPORT_WINDOW;
}

/* In an RNR episode: backing off, or probing */
static bool tx_rnr_waiting(const AinicConn *c)
{
    return c->rnr_until || c->rnr_probing;
}

bool ainic_xport_tx_busy(const AinicConn *c)
{
    return c->snd_una != c->snd_end;
}

void ainic_xport_tx_clear(AinicCore *core, AinicConn *c)
{
    unsigned i;

    for (i = 0; i < AINIC_XPORT_TXRING; i++) {
        tx_free(core, &c->tx[i]);
    }
    c->snd_una = c->snd_nxt = c->snd_end;
    c->rto_at = 0;
    tx_rnr_clear(c);
}

/*
 * The send side as if never started (IDLE); the next frame begins a new
 * incarnation. The receive side and the counters are the peer's and stay.
 */
void ainic_xport_tx_restart(AinicCore *core, AinicConn *c)
{
    ainic_xport_tx_clear(core, c);
    c->tx_inc = 0;
    c->retries = 0;
    c->rto_ns = c->rto_base_ns;
    c->holddown_until = 0;
    ainic_conn_set_state(core, c, AINIC_CONN_IDLE);
}

AinicXportAdmit ainic_xport_admit(AinicCore *core, const uint8_t *inner,
                                  uint32_t len)
{
    AinicXport *x = &core->xport;
    AinicConn *c;

    if (!ainic_xport_active(core) || (inner[0] & 1)) {
        return AINIC_XPORT_RAW_FRAME;   /* broadcast, multicast: RAW */
    }
    c = ainic_conn_get(core, inner);
    if (!c) {
        /* Table full: look again once a slot may have been freed */
        x->slot_wait = true;
        ainic_xport_due(core, core->ops->now_ns(core->opaque) +
                              AINIC_XPORT_SLOT_RETRY_NS);
        return AINIC_XPORT_WAIT;
    }
    if (c->state == AINIC_CONN_ERROR) {
        return AINIC_XPORT_ACCEPT;      /* dropped and counted by send() */
    }
    if (c->snd_end - c->snd_una >= AINIC_XPORT_TXRING ||
        x->tx_bytes + AINIC_ENCAP_LEN + len > AINIC_XPORT_TX_BYTES) {
        return AINIC_XPORT_WAIT;
    }
    return AINIC_XPORT_ACCEPT;
}

/*
 * Set the retransmit deadline (arm the timer). x-fault xport-timer-stuck
 * takes an arming: that connection's timer then stays stuck for ARG ms,
 * and only the watchdog (or the fault's end) fires it.
 */
static void tx_arm_rto(AinicCore *core, AinicConn *c, uint64_t now,
                       uint64_t at)
{
    c->rto_at = at;
    if (now >= c->rto_stuck_until &&
        ainic_fault_take(&core->faults, AINIC_FAULT_XPORT_TIMER_STUCK)) {
        uint32_t ms = core->faults.arg[AINIC_FAULT_XPORT_TIMER_STUCK];

        c->rto_stuck_until = now + (uint64_t)ms * 1000000;
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_XPORT_TIMER_STUCK,
              ainic_conn_id(core, c), ms, 0);
    }
    ainic_xport_due(core, at);
    ainic_xport_watchdog_start(core);
}

/* Send (again) the copy of psn; false if the wire is busy */
static bool tx_transmit(AinicCore *core, AinicConn *c, uint32_t psn,
                        bool retx)
{
    AinicTxPkt *p = tx_slot(c, psn);
    uint64_t now = core->ops->now_ns(core->opaque);
    bool syn = c->state == AINIC_CONN_SYN_SENT;
    uint8_t flags = AINIC_XH_F_TIMESTAMP | (syn ? AINIC_XH_F_SYN : 0) |
                    (retx ? AINIC_XH_F_RETX : 0);
    int r = 0;

    if (core->tx.wire_busy) {
        return false;
    }
    /*
     * Near the end of the window, ask for an ACK at once rather than after
     * the receiver's delay, but once per ACK_EVERY packets: a sender at its
     * window's edge sends every packet there.
     */
    if (psn - c->snd_una >= AINIC_XPORT_WINDOW - AINIC_XPORT_ACK_EVERY &&
        psn - c->ack_req_psn >= AINIC_XPORT_ACK_EVERY) {
        flags |= AINIC_XH_F_ACK_REQ;
        c->ack_req_psn = psn;
    }
    /*
     * After an RNR the window waits for each ACK: the probe, and the last
     * packet a reopening window allows, ask for it at once
     */
    if (c->rnr_probing ||
        (c->rnr_ramp && psn - c->snd_una + 1 >= c->rnr_ramp)) {
        flags |= AINIC_XH_F_ACK_REQ;
        c->ack_req_psn = psn;
    }
    ainic_wire_restamp(p->frame, flags, c->tx_inc, psn,
                       syn ? c->start_psn : 0, (uint32_t)now);
    /* A link that is down loses the packet: the RTO sends it again */
    if (core->link_up && core->ops->send_frame) {
        r = core->ops->send_frame(core->opaque, p->frame, p->len);
        if (r > 0) {
            core->tx.wire_busy = true;  /* queued; nothing more until resumed */
        }
    }
    if (!p->sent) {
        core->stats.xport_tx_pkts++;
        core->stats.xport_tx_bytes += p->inner_len;
        c->st.tx_pkts++;
        c->st.tx_bytes += p->inner_len;
    }
    p->sent = true;
    p->sent_ns = now;
    trace(core, AINIC_TRACE_XPORT_TX, ainic_conn_id(core, c), psn, retx, 0);
    if (!c->rto_at) {
        tx_arm_rto(core, c, now, now + c->rto_ns);
    }
    return true;
}

static void tx_count_retx(AinicCore *core, AinicConn *c)
{
    core->stats.xport_retx_fast++;
    c->st.retx_fast++;
}

/*
 * RNR back-off over: the oldest unSACKed packet goes alone, and nothing
 * else until it is acknowledged (or refused again). With nothing
 * unSACKed left there is nothing to probe with: the episode ends.
 */
static void tx_rnr_probe(AinicCore *core, AinicConn *c)
{
    uint32_t psn;

    for (psn = c->snd_una; psn != c->snd_nxt && tx_slot(c, psn)->sacked;
         psn++) {
        continue;
    }
    if (psn == c->snd_nxt) {
        c->rnr_probing = false;
        return;
    }
    if (tx_transmit(core, c, psn, true)) {
        c->rnr_probe_sent = true;
        c->rnr_probe_psn = psn;
        tx_count_retx(core, c);
    }
}

/*
 * The probe was acknowledged: what was refused after it goes again now,
 * not on a timeout: every packet of the tail not SACKed and last sent
 * before the episode's first RNR, as far as the reopening window allows.
 * Resumes where the window or a busy wire stopped it.
 */
static bool tx_rnr_tail(AinicCore *core, AinicConn *c)
{
    uint32_t psn = c->rnr_tail_psn;

    if (ainic_seq_before(psn, c->snd_una)) {
        psn = c->snd_una;
    }
    for (; ainic_seq_before(psn, c->rnr_tail_end); psn++) {
        AinicTxPkt *p = tx_slot(c, psn);

        if (p->sacked || !p->sent || p->sent_ns > c->rnr_since) {
            continue;
        }
        if (psn - c->snd_una >= tx_window(c) ||
            !tx_transmit(core, c, psn, true)) {
            c->rnr_tail_psn = psn;
            return false;
        }
        tx_count_retx(core, c);
    }
    c->rnr_tail_due = false;
    return true;
}

/* Send staged packets while the window allows */
static void tx_pump(AinicCore *core, AinicConn *c)
{
    if (c->state == AINIC_CONN_ERROR || c->rnr_until) {
        return;
    }
    if (c->rnr_probing) {
        if (!c->rnr_probe_sent) {
            tx_rnr_probe(core, c);
        }
        if (c->rnr_probing) {
            return;
        }
    }
    if (c->rnr_tail_due && !tx_rnr_tail(core, c)) {
        return;                     /* the rest on an ACK or the wire */
    }
    while (c->snd_nxt != c->snd_end &&
           c->snd_nxt - c->snd_una < tx_window(c) &&
           tx_transmit(core, c, c->snd_nxt, false)) {
        c->snd_nxt++;
    }
}

/* A start PSN from the incarnation, congruent to psn mod the copy ring */
static uint32_t tx_start_psn(uint32_t inc, uint32_t psn)
{
    uint32_t h = inc * 2654435761u;

    return (h & ~(uint32_t)(AINIC_XPORT_TXRING - 1)) |
           (psn & (AINIC_XPORT_TXRING - 1));
}

/*
 * Begin a new incarnation. Copies still held keep their ring slots
 * (the new PSNs are congruent to the old ones) and are sent again under
 * it, from the oldest (NACK NO_CONN: the peer lost its state).
 */
static void tx_new_incarnation(AinicCore *core, AinicConn *c)
{
    uint32_t start, delta;
    unsigned i;

    c->tx_inc = ainic_xport_new_incarnation(core, c->peer);
    start = tx_start_psn(c->tx_inc, c->snd_una);
    delta = start - c->snd_una;
    c->snd_una = start;
    c->snd_nxt = start;             /* everything goes out again */
    c->snd_end += delta;
    c->start_psn = start;
    c->retries = 0;
    c->rto_ns = c->rto_base_ns;
    c->rto_at = 0;
    tx_rnr_clear(c);
    for (i = 0; i < AINIC_XPORT_TXRING; i++) {
        c->tx[i].sacked = false;
    }
    ainic_conn_set_state(core, c, AINIC_CONN_SYN_SENT);
}

void ainic_xport_send(AinicCore *core, uint32_t len, uint32_t flow_hash)
{
    const uint8_t *inner = core->tx.wire_buf + AINIC_ENCAP_LEN;
    AinicConn *c = ainic_conn_find(core, inner);
    AinicTxPkt *p;
    uint32_t psn;

    if (!c || c->state == AINIC_CONN_ERROR) {
        core->stats.xport_error_drops++;    /* admitted while failed */
        return;
    }
    c->last_used_ns = core->ops->now_ns(core->opaque);
    if (!c->tx_inc) {
        c->snd_una = c->snd_nxt = c->snd_end = 0;
        tx_new_incarnation(core, c);
    }
    psn = c->snd_end;
    p = tx_slot(c, psn);
    p->frame = malloc(AINIC_ENCAP_LEN + len);
    if (!p->frame) {
        core->stats.tx_errors++;
        return;
    }
    {
        AinicWireHdr h = {
            .src_mac = core->mac,
            .src_ip = core->underlay_ip,
            .ip_id = core->tx.ip_id++,
            .flow_hash = flow_hash,
            .type = AINIC_PKT_DATA,
            .conn_id = c->tx_inc,
            .psn = psn,
        };

        ainic_wire_encap(core->tx.wire_buf, len, &h);
    }
    memcpy(p->frame, core->tx.wire_buf, AINIC_ENCAP_LEN + len);
    p->len = AINIC_ENCAP_LEN + len;
    p->inner_len = len;
    p->sent = false;
    p->sacked = false;
    core->xport.tx_bytes += p->len;
    c->snd_end++;
    tx_pump(core, c);
}

static void rtt_sample(AinicConn *c, uint64_t r)
{
    uint64_t d, rto;

    if (!c->have_rtt) {
        c->srtt_ns = r;
        c->rttvar_ns = r / 2;
        c->have_rtt = true;
    } else {
        d = c->srtt_ns > r ? c->srtt_ns - r : r - c->srtt_ns;
        c->rttvar_ns = (3 * c->rttvar_ns + d) / 4;
        c->srtt_ns = (7 * c->srtt_ns + r) / 8;
    }
    rto = c->srtt_ns + (4 * c->rttvar_ns > AINIC_XPORT_RTO_G_NS ?
                        4 * c->rttvar_ns : AINIC_XPORT_RTO_G_NS);
    if (rto < AINIC_XPORT_RTO_MIN_NS) {
        rto = AINIC_XPORT_RTO_MIN_NS;
    }
    if (rto > AINIC_XPORT_RTO_MAX_NS) {
        rto = AINIC_XPORT_RTO_MAX_NS;
    }
    c->rto_base_ns = rto;
}

/*
 * Send again, once per SRTT at most, every packet the peer lacks below
 * end: not SACKed and sent before. Never go-back-N: a SACKed packet
 * stays put.
 */
static void tx_retransmit_holes(AinicCore *core, AinicConn *c, uint32_t end,
                                uint64_t now)
{
    uint64_t guard = c->have_rtt ? c->srtt_ns : AINIC_XPORT_RTO_MIN_NS;
    uint32_t psn;

    for (psn = c->snd_una; ainic_seq_before(psn, end) &&
         ainic_seq_before(psn, c->snd_nxt); psn++) {
        AinicTxPkt *p = tx_slot(c, psn);

        if (p->sacked || !p->sent || now - p->sent_ns < guard) {
            continue;
        }
        if (!tx_transmit(core, c, psn, true)) {
            break;
        }
        tx_count_retx(core, c);
    }
}

/*
 * NACK RNR: the peer had no room for psn. Back off (nothing is sent) for
 * the current delay, which doubles, up to the cap, for every probe the
 * peer refuses again (an RNR at or before the probe's PSN); only
 * cumulative progress resets it. An RNR while backing off already
 * changes nothing. RNR never counts toward the retry limit, but the RTO
 * is armed beyond the back-off for a probe the wire loses.
 */
static void tx_rnr(AinicCore *core, AinicConn *c, uint32_t psn,
                   uint64_t now)
{
    uint64_t delay;

    core->stats.xport_rnr_rcvd++;
    c->st.rnr_rcvd++;
    if (c->rnr_until) {
        return;
    }
    if (c->rnr_probing) {
        if (c->rnr_probe_sent && !ainic_seq_after(psn, c->rnr_probe_psn) &&
            (AINIC_XPORT_RNR_DELAY_NS << c->rnr_shift) <
            AINIC_XPORT_RNR_MAX_NS) {
            c->rnr_shift++;         /* the probe was refused */
        }
    } else {
        /* A new episode: the refused tail ends at what was sent so far */
        c->rnr_since = now;
        c->rnr_tail_end = c->snd_nxt;
        c->rnr_tail_psn = c->snd_una;
    }
    c->rnr_probing = false;
    c->rnr_probe_sent = false;
    c->rnr_tail_due = false;
    delay = AINIC_XPORT_RNR_DELAY_NS << c->rnr_shift;
    if (delay > AINIC_XPORT_RNR_MAX_NS) {
        delay = AINIC_XPORT_RNR_MAX_NS;
    }
    c->rnr_until = now + delay;
    tx_arm_rto(core, c, now, c->rnr_until + c->rto_ns);
    ainic_xport_due(core, c->rnr_until);
}

void ainic_xport_rx_ack(AinicCore *core, const AinicWirePkt *pkt)
{
    AinicConn *c = ainic_conn_find(core, pkt->src_mac);
    uint64_t now = core->ops->now_ns(core->opaque);
    bool nack = pkt->type == AINIC_PKT_NACK, progress;
    uint8_t code = 0;
    uint32_t end;
    unsigned i;

    if (nack) {
        if (pkt->payload_len < sizeof(struct ainic_nack)) {
            core->stats.xport_malformed++;
            return;
        }
        code = pkt->payload[offsetof(struct ainic_nack, code)];
    }
    if (!c || !c->tx_inc || pkt->conn_id != c->tx_inc ||
        c->state == AINIC_CONN_ERROR) {
        core->stats.xport_unknown_conn++;
        return;
    }
    c->last_used_ns = now;
    if (nack) {
        core->stats.xport_nacks_rcvd++;
        c->st.nacks_rcvd++;
    } else {
        core->stats.xport_acks_rcvd++;
    }
    if (code == AINIC_NACK_NO_CONN) {
        tx_new_incarnation(core, c);    /* the peer forgot us */
        tx_pump(core, c);
        return;
    }
    if (ainic_seq_after(pkt->ack_psn, c->snd_nxt)) {
        core->stats.xport_bad_acks++;   /* acknowledges what was never sent */
        return;
    }
    if (pkt->flags & AINIC_XH_F_TIMESTAMP) {
        uint32_t r = ainic_xport_clock32(core) - pkt->ts_echo;

        if (r < 1000000000u) {
            rtt_sample(c, r);
        }
    }
    progress = ainic_seq_after(pkt->ack_psn, c->snd_una);
    while (ainic_seq_before(c->snd_una, pkt->ack_psn)) {
        tx_free(core, tx_slot(c, c->snd_una));
        c->snd_una++;
    }
    if (c->state == AINIC_CONN_SYN_SENT) {
        ainic_conn_set_state(core, c, AINIC_CONN_ESTABLISHED);
    }
    /*
     * SACK: bit i is ack_psn + 1 + i; bits past snd_nxt are ignored, and
     * so are those of an older ACK below snd_una, whose copy slots hold
     * newer packets now.
     */
    end = c->snd_una;
    for (i = 0; i < 64; i++) {
        uint32_t psn = pkt->ack_psn + 1 + i;

        if (!ainic_seq_before(psn, c->snd_nxt)) {
            break;
        }
        if (ainic_seq_before(psn, c->snd_una)) {
            continue;
        }
        if (pkt->sack & (1ull << i)) {
            tx_slot(c, psn)->sacked = true;
            end = psn;
        }
    }
    if (progress) {
        c->retries = 0;
        c->rto_ns = c->rto_base_ns;
        c->rto_at = 0;
        if (c->snd_una != c->snd_nxt) {
            tx_arm_rto(core, c, now, now + c->rto_ns);
        }
        if (c->rnr_ramp) {
            c->rnr_ramp = c->rnr_ramp * 2u < AINIC_XPORT_WINDOW ?
                          c->rnr_ramp * 2u : 0;
        }
        if (tx_rnr_waiting(c)) {
            /* The peer took the probe (or more): the episode is over */
            c->rnr_until = 0;
            c->rnr_probing = false;
            c->rnr_tail_due = true;
            c->rnr_ramp = AINIC_XPORT_RNR_RAMP;
        }
        c->rnr_shift = 0;
    }
    if (!code && c->rnr_until) {
        /* The peer has room again (its ready ACK): probe now */
        c->rnr_until = 0;
        c->rnr_probing = true;
        c->rnr_probe_sent = false;
    }
    switch (code) {
    case 0:
    case AINIC_NACK_SEQ:
        if (code) {
            /* The named PSN is missing too, even with no SACK above it */
            if (ainic_seq_after(pkt->psn + 1, end)) {
                end = pkt->psn + 1;
            }
        }
        if (!tx_rnr_waiting(c)) {
            tx_retransmit_holes(core, c, end, now);
        }
        break;
    case AINIC_NACK_RNR:
        tx_rnr(core, c, pkt->psn, now);
        break;
    default:
        core->stats.xport_malformed++;
        break;
    }
    tx_pump(core, c);
    if (progress) {
        ainic_xport_wake_tx(core);      /* staging room again */
    }
}

/* Retry limit: drop what the connection holds and hold it down */
static void tx_fail(AinicCore *core, AinicConn *c, uint64_t now)
{
    core->stats.xport_retry_exhausted++;
    core->stats.xport_error_drops += c->snd_end - c->snd_una;
    ainic_xport_tx_clear(core, c);
    c->holddown_until = now + AINIC_XPORT_HOLDDOWN_NS;
    ainic_conn_set_state(core, c, AINIC_CONN_ERROR);
    ainic_xport_due(core, c->holddown_until);
    ainic_xport_wake_tx(core);          /* its frames are dropped now */
}

void ainic_xport_tx_timers(AinicCore *core, AinicConn *c, uint64_t now)
{
    if (c->rnr_until) {
        if (now < c->rnr_until) {
            ainic_xport_due(core, c->rnr_until);
            return;
        }
        /* Back-off over: the probe (or the wire resuming sends it) */
        c->rnr_until = 0;
        c->rnr_probing = true;
        c->rnr_probe_sent = false;
        tx_pump(core, c);
    }
    if (!c->rto_at || c->snd_una == c->snd_nxt) {
        c->rto_at = 0;
        return;
    }
    if (now < c->rto_at) {
        ainic_xport_due(core, c->rto_at);
        return;
    }
    if (now < c->rto_stuck_until) {
        /* x-fault: the entry is lost; the watchdog or the fault's end */
        ainic_xport_due(core, c->rto_stuck_until);
        return;
    }
    ainic_xport_tx_timeout(core, c, now);
}

void ainic_xport_tx_timeout(AinicCore *core, AinicConn *c, uint64_t now)
{
    uint32_t psn;

    core->stats.xport_rto_expired++;
    if (++c->retries > AINIC_XPORT_RETRY_LIMIT) {
        tx_fail(core, c, now);
        return;
    }
    for (psn = c->snd_una; psn != c->snd_nxt && tx_slot(c, psn)->sacked;
         psn++) {
        continue;
    }
    c->rto_ns = c->rto_ns * 2 < AINIC_XPORT_RTO_MAX_NS ?
                c->rto_ns * 2 : AINIC_XPORT_RTO_MAX_NS;
    tx_arm_rto(core, c, now, now + c->rto_ns);
    if (psn != c->snd_nxt && tx_transmit(core, c, psn, true)) {
        core->stats.xport_retx_timeout++;
        c->st.retx_timeout++;
        if (c->rnr_probing) {
            /* The probe, lost or never sent: this copy is the probe now */
            c->rnr_probe_sent = true;
            c->rnr_probe_psn = psn;
        }
    }
}

void ainic_xport_pump_all(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_CONNS && !core->tx.wire_busy; i++) {
        AinicConn *c = &core->xport.conn[i];

        if (c->state != AINIC_CONN_FREE && c->ack_pending) {
            ainic_xport_rx_timers(core, c, 0);      /* owed ACK first */
        }
    }
    for (i = 0; i < AINIC_MAX_CONNS && !core->tx.wire_busy; i++) {
        AinicConn *c = &core->xport.conn[i];

        if (c->state != AINIC_CONN_FREE) {
            tx_pump(core, c);
        }
    }
}
