/*
 * ainic: the reliable transport's connections (§10.1, §10.2): the table
 * keyed by peer MAC with reaping of idle slots, incarnations, the state
 * machine and its events, control packets, the one timer that serves
 * every connection's deadlines (delayed ACK, RTO, RNR back-off,
 * hold-down), and the retransmit watchdog that fires an RTO this timer
 * missed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"
#include "ainic_wire.h"

static const char *const conn_state_names[] = {
    [AINIC_CONN_FREE] = "free",
    [AINIC_CONN_IDLE] = "idle",
    [AINIC_CONN_SYN_SENT] = "syn-sent",
    [AINIC_CONN_ESTABLISHED] = "established",
    [AINIC_CONN_ERROR] = "error",
};

const char *ainic_conn_state_name(uint8_t state)
{
    return state < sizeof(conn_state_names) / sizeof(conn_state_names[0]) ?
           conn_state_names[state] : "?";
}

bool ainic_xport_active(const AinicCore *core)
{
    return (core->cfg.caps & AINIC_CAP_RELIABLE) &&
           core->xport.policy == AINIC_XPORT_RELIABLE;
}

unsigned ainic_conn_id(const AinicCore *core, const AinicConn *c)
{
    return (unsigned)(c - core->xport.conn) + 1;
}

uint32_t ainic_xport_clock32(AinicCore *core)
{
    return (uint32_t)core->ops->now_ns(core->opaque);
}

void ainic_conn_set_state(AinicCore *core, AinicConn *c, uint8_t state)
{
    if (c->state == state) {
        return;
    }
    trace(core, AINIC_TRACE_CONN_STATE, ainic_conn_id(core, c), c->state,
          state, 0);
    c->state = state;
    ainic_event_post(core, AINIC_EVENT_CONN_STATE, ainic_conn_id(core, c),
                     state);
}

/*
 * A 32-bit value unlikely to repeat for a peer across resets: the clock,
 * a per-device counter, the two MACs, mixed (never 0).
 */
uint32_t ainic_xport_new_incarnation(AinicCore *core, const uint8_t *mac)
{
    uint64_t h = core->ops->now_ns(core->opaque) ^
                 (uint64_t)++core->xport.inc_seq << 40;
    unsigned i;

    for (i = 0; i < 6; i++) {
        h = (h ^ mac[i] ^ (uint64_t)core->cfg.mac[i] << 8) *
            0x100000001b3ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h ? (uint32_t)h : 1;
}

AinicConn *ainic_conn_find(AinicCore *core, const uint8_t *mac)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        AinicConn *c = &core->xport.conn[i];

        if (c->state != AINIC_CONN_FREE && !memcmp(c->peer, mac, 6)) {
            return c;
        }
    }
    return NULL;
}

void ainic_conn_free(AinicCore *core, AinicConn *c)
{
    uint32_t held = c->snd_end - c->snd_una;

    core->stats.xport_error_drops += held;  /* what it had not delivered */
    ainic_xport_tx_clear(core, c);
    ainic_xport_rx_clear(core, c);
    ainic_conn_set_state(core, c, AINIC_CONN_FREE);
    memset(c, 0, sizeof(*c));
}

static bool conn_reapable(const AinicConn *c, uint64_t now)
{
    return !c->pinned && c->state != AINIC_CONN_ERROR &&
           !ainic_xport_tx_busy(c) &&
           !ainic_xport_rx_busy(c) && !c->ack_owed && !c->ack_pending &&
           now - c->last_used_ns >= AINIC_XPORT_REAP_IDLE_NS;
}

AinicConn *ainic_conn_get(AinicCore *core, const uint8_t *mac)
{
    uint64_t now = core->ops->now_ns(core->opaque);
    AinicConn *c = ainic_conn_find(core, mac), *victim = NULL;
    unsigned i;

    if (c) {
        c->last_used_ns = now;
        return c;
    }
    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        c = &core->xport.conn[i];
        if (c->state == AINIC_CONN_FREE) {
            victim = c;
            break;
        }
        if (conn_reapable(c, now) &&
            (!victim || c->last_used_ns < victim->last_used_ns)) {
            victim = c;
        }
    }
    if (!victim) {
        core->stats.xport_conns_refused++;
        return NULL;
    }
    if (victim->state != AINIC_CONN_FREE) {
        core->stats.xport_conns_reaped++;
        ainic_conn_free(core, victim);
    }
    memcpy(victim->peer, mac, 6);
    victim->last_used_ns = now;
    victim->rto_base_ns = victim->rto_ns = AINIC_XPORT_RTO_INIT_NS;
    core->stats.xport_conns_created++;
    ainic_conn_set_state(core, victim, AINIC_CONN_IDLE);
    return victim;
}

void ainic_xport_due(AinicCore *core, uint64_t t)
{
    AinicXport *x = &core->xport;

    if (t && t < x->armed_at) {
        x->armed_at = t;
        core->ops->timer_mod(core->opaque, x->timer, t);
    }
}

void ainic_xport_wake_tx(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < core->cfg.max_qps; i++) {
        AinicQueue *q = &core->txq[i];

        if (!q->xport_wait) {
            continue;
        }
        q->xport_wait = false;
        if (core->ops->schedule_tx) {
            core->ops->schedule_tx(core->opaque, i);  /* DMA-safe context */
        } else {
            ainic_txq_process(core, q);
        }
    }
}

bool ainic_xport_send_ctrl(AinicCore *core, const uint8_t *dst,
                           uint8_t type, uint8_t flags, uint32_t conn_id,
                           uint32_t psn, uint32_t ack_psn, uint64_t sack,
                           uint32_t ts_echo, int nack_code)
{
    uint8_t w[AINIC_ENCAP_LEN + sizeof(struct ainic_nack)];
    uint32_t plen = nack_code ? sizeof(struct ainic_nack) : 0;
    AinicWireHdr h = {
        .dst_mac = dst,
        .src_mac = core->mac,
        .src_ip = core->underlay_ip,
        .ip_id = core->tx.ip_id++,
        .flow_hash = conn_id,
        .type = type,
        .flags = flags,
        .conn_id = conn_id,
        .psn = psn,
        .ack_psn = ack_psn,
        .sack = sack,
        .ts_tx = ainic_xport_clock32(core),
        .ts_echo = ts_echo,
    };
    int r;

    if (core->tx.wire_busy || !core->link_up) {
        return false;
    }
    memset(w + AINIC_ENCAP_LEN, 0, plen);
    if (nack_code) {
        w[AINIC_ENCAP_LEN + offsetof(struct ainic_nack, code)] = nack_code;
    }
    ainic_wire_encap(w, plen, &h);
    r = core->ops->send_frame ?
        core->ops->send_frame(core->opaque, w, AINIC_ENCAP_LEN + plen) : 0;
    if (r > 0) {
        core->tx.wire_busy = true;      /* it went out; nothing more now */
    }
    if (r >= 0) {
        if (type == AINIC_PKT_ACK) {
            core->stats.xport_acks_sent++;
        } else {
            core->stats.xport_nacks_sent++;
        }
    }
    return r >= 0;
}

static void xport_timer_cb(void *opaque)
{
    AinicCore *core = opaque;
    AinicXport *x = &core->xport;
    uint64_t now = core->ops->now_ns(core->opaque);
    unsigned i;

    x->armed_at = UINT64_MAX;
    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        AinicConn *c = &x->conn[i];

        if (c->state == AINIC_CONN_FREE) {
            continue;
        }
        if (c->state == AINIC_CONN_ERROR) {
            if (now >= c->holddown_until && c->pinned) {
                ainic_xport_tx_restart(core, c);   /* keeps its slot */
            } else if (now >= c->holddown_until) {
                ainic_conn_free(core, c);
                x->slot_wait = true;    /* a slot is free */
            } else {
                ainic_xport_due(core, c->holddown_until);
            }
            continue;
        }
        ainic_xport_rx_timers(core, c, now);
        ainic_xport_tx_timers(core, c, now);
    }
    if (x->slot_wait) {
        /* A queue waits for a slot: wake it, it retries (and may wait) */
        x->slot_wait = false;
        ainic_xport_wake_tx(core);
    }
}

void ainic_xport_watchdog_start(AinicCore *core)
{
    AinicXport *x = &core->xport;

    if (!x->watchdog_on) {
        x->watchdog_on = true;
        core->ops->timer_mod(core->opaque, x->watchdog,
                             core->ops->now_ns(core->opaque) +
                             AINIC_XPORT_WATCHDOG_NS);
    }
}

/*
 * The retransmit watchdog (§10.3), a scan on its own timer while any
 * connection has packets outstanding: a retransmit deadline passed by
 * more than the scan period never fired (a timer entry lost), so the
 * timeout is handled now. Without it a lost entry would stall a
 * connection whose tail was lost for good.
 */
static void xport_watchdog_cb(void *opaque)
{
    AinicCore *core = opaque;
    AinicXport *x = &core->xport;
    uint64_t now = core->ops->now_ns(core->opaque);
    bool busy = false;
    unsigned i;

    x->watchdog_on = false;
    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        AinicConn *c = &x->conn[i];

        if (c->state == AINIC_CONN_FREE || c->state == AINIC_CONN_ERROR ||
            !c->rto_at || c->snd_una == c->snd_nxt) {
            continue;
        }
        if (now > c->rto_at && now - c->rto_at > AINIC_XPORT_WATCHDOG_NS) {
            core->stats.xport_timer_recovered++;
            trace(core, AINIC_TRACE_XPORT_TIMER_RECOVERED,
                  ainic_conn_id(core, c), now - c->rto_at, 0, 0);
            ainic_xport_tx_timeout(core, c, now);
        }
        busy |= c->rto_at != 0;     /* still timing (not failed) */
    }
    if (busy) {
        ainic_xport_watchdog_start(core);
    }
}

int ainic_xport_init(AinicCore *core)
{
    core->xport.timer = core->ops->timer_new(core->opaque, xport_timer_cb,
                                             core);
    core->xport.watchdog = core->ops->timer_new(core->opaque,
                                                xport_watchdog_cb, core);
    return core->xport.timer && core->xport.watchdog ? 0 : -1;
}

void ainic_xport_reset(AinicCore *core)
{
    AinicXport *x = &core->xport;
    unsigned i;

    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        ainic_xport_tx_clear(core, &x->conn[i]);
        ainic_xport_rx_clear(core, &x->conn[i]);
    }
    memset(x->conn, 0, sizeof(x->conn));
    if (x->timer) {
        core->ops->timer_del(core->opaque, x->timer);
    }
    if (x->watchdog) {
        core->ops->timer_del(core->opaque, x->watchdog);
    }
    x->watchdog_on = false;
    x->armed_at = UINT64_MAX;
    x->tx_bytes = x->rx_bytes = 0;
    x->slot_wait = false;
    x->policy = (core->cfg.caps & AINIC_CAP_RELIABLE) ?
                AINIC_XPORT_RELIABLE : AINIC_XPORT_RAW;
}

void ainic_xport_fini(AinicCore *core)
{
    AinicXport *x = &core->xport;
    unsigned i;

    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        ainic_xport_tx_clear(core, &x->conn[i]);
        ainic_xport_rx_clear(core, &x->conn[i]);
    }
    if (x->timer) {
        core->ops->timer_del(core->opaque, x->timer);
        core->ops->timer_free(core->opaque, x->timer);
        x->timer = NULL;
    }
    if (x->watchdog) {
        core->ops->timer_del(core->opaque, x->watchdog);
        core->ops->timer_free(core->opaque, x->watchdog);
        x->watchdog = NULL;
    }
}
