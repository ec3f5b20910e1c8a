/*
 * ainic: the reliable transport (§10): connections on demand, one per
 * peer MAC, each with a send side (PSNs, a window of device copies,
 * selective retransmission, RTO) and a receive side (reorder buffer,
 * in-order placement, coalesced ACKs, NACKs). ainic_xport.c holds the
 * table, the states, the timer and the retransmit watchdog;
 * ainic_xport_tx.c the send side;
 * ainic_xport_rx.c the receive side.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_XPORT_H
#define HW_NET_AINIC_XPORT_H

#include "ainic_types.h"

#define AINIC_MAX_CONNS         64
#define AINIC_XPORT_WINDOW      64      /* outstanding: the SACK's reach */
#define AINIC_XPORT_STAGE       64      /* accepted beyond the window */
#define AINIC_XPORT_TXRING      (AINIC_XPORT_WINDOW + AINIC_XPORT_STAGE)
#define AINIC_XPORT_RB          64      /* reorder buffer, packets */
/* Device copies (send side) and held packets (receive side), bytes */
#define AINIC_XPORT_TX_BYTES    (32u << 20)
#define AINIC_XPORT_RX_BYTES    (32u << 20)
#define AINIC_XPORT_ACK_EVERY   8
#define AINIC_XPORT_ACK_DELAY_NS   (50 * 1000ull)
#define AINIC_XPORT_RTO_INIT_NS    (10 * 1000000ull)
#define AINIC_XPORT_RTO_MIN_NS     (2 * 1000000ull)
#define AINIC_XPORT_RTO_MAX_NS     (1000 * 1000000ull)
#define AINIC_XPORT_RTO_G_NS       (1 * 1000000ull)   /* clock granularity */
#define AINIC_XPORT_RETRY_LIMIT    12
/*
 * RNR back-off (§10.3): the first wait of an episode, doubled for each
 * probe the receiver refuses again, up to the cap
 */
#define AINIC_XPORT_RNR_DELAY_NS   (1 * 1000000ull)
#define AINIC_XPORT_RNR_MAX_NS     (64 * 1000000ull)
/*
 * After an RNR episode the window opens again from this many packets,
 * doubling with each ACK that advances, so a host that drained a little
 * is not sent the whole refused tail at once
 */
#define AINIC_XPORT_RNR_RAMP       2
#define AINIC_XPORT_HOLDDOWN_NS    (1000 * 1000000ull)
/*
 * The retransmit watchdog's period, and how long a deadline may pass
 * without its timer firing before the watchdog handles it (§10.3)
 */
#define AINIC_XPORT_WATCHDOG_NS    (100 * 1000000ull)
/* A connection must be idle this long before it can be reaped */
#define AINIC_XPORT_REAP_IDLE_NS   (10 * 1000000ull)
/* A TX queue waiting for a free connection slot looks again after this */
#define AINIC_XPORT_SLOT_RETRY_NS  (1 * 1000000ull)

/* A packet of the send side: its wire copy, headers and all */
typedef struct AinicTxPkt {
    uint8_t *frame;             /* NULL: slot empty */
    uint32_t len;               /* wire bytes */
    uint32_t inner_len;
    uint64_t sent_ns;           /* last transmission */
    bool sent;                  /* false: staged */
    bool sacked;
} AinicTxPkt;

typedef struct AinicConnStats {
    uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
    uint64_t retx_fast, retx_timeout, dup_dropped, ooo_buffered;
    uint64_t nacks_sent, nacks_rcvd, rnr_sent, rnr_rcvd;
} AinicConnStats;

typedef struct AinicConn {
    uint8_t state;              /* enum ainic_conn_state */
    uint8_t peer[6];
    bool pinned;                /* CONN_CREATE: never reaped (§10.1) */
    uint64_t last_used_ns;

    /* Send side */
    uint32_t tx_inc;            /* incarnation, 0: not started */
    uint32_t start_psn;
    uint32_t snd_una;           /* [snd_una, snd_nxt): outstanding */
    uint32_t snd_nxt;
    uint32_t snd_end;           /* [snd_nxt, snd_end): staged */
    AinicTxPkt tx[AINIC_XPORT_TXRING];     /* by PSN mod TXRING */
    bool have_rtt;
    uint64_t srtt_ns, rttvar_ns;
    uint64_t rto_base_ns;       /* from the RTT estimate */
    uint64_t rto_ns;            /* backed off */
    uint32_t retries;           /* timeouts since the last progress */
    uint32_t ack_req_psn;       /* last packet sent with ACK_REQ */
    uint64_t rto_at;            /* 0: no timer */
    uint64_t rto_stuck_until;   /* x-fault: the RTO fires not before */
    /*
     * Receiver not ready: back off until rnr_until, then send the oldest
     * unSACKed packet alone (the probe) until cumulative progress; then
     * the tail refused before it, [rnr_tail_psn, rnr_tail_end) as sent
     * before rnr_since, goes again, within a window of rnr_ramp packets
     * (0: the full window) that doubles with each ACK that advances.
     */
    uint64_t rnr_until;         /* 0: not backing off */
    uint64_t rnr_since;         /* the episode's first RNR */
    uint8_t rnr_shift;          /* back-off doublings since progress */
    uint8_t rnr_ramp;
    bool rnr_probing;           /* back-off over: the probe alone may go */
    bool rnr_probe_sent;
    bool rnr_tail_due;          /* progress: resend the refused tail */
    uint32_t rnr_probe_psn;
    uint32_t rnr_tail_psn;
    uint32_t rnr_tail_end;
    uint64_t holddown_until;    /* ERROR: when the slot frees */

    /* Receive side */
    uint32_t rx_inc;            /* the peer's incarnation, 0: none */
    uint32_t rcv_nxt;           /* cumulative: all before it received */
    uint32_t place_nxt;         /* next to place in host memory */
    uint8_t *rb[AINIC_XPORT_RB];            /* inner frames by PSN mod RB */
    uint32_t rb_len[AINIC_XPORT_RB];
    uint32_t ack_owed;          /* DATA since the last ACK */
    uint64_t ack_at;            /* delayed ACK due, 0: none */
    uint32_t ts_echo;           /* newest ts_tx received */
    bool ts_valid;
    bool nack_sent;             /* NACK SEQ sent for this rcv_nxt */
    bool ack_pending;           /* an ACK could not go out: wire busy */
    /*
     * An RNR went out and nothing was placed or held since (one RNR per
     * episode, §10.4); rnr_refused is the PSN it named
     */
    bool rnr_answered;
    uint32_t rnr_refused;
    /*
     * An RNR went out and no DATA was accepted since: once the host has
     * taken every packet held, an ACK tells the sender (§10.4)
     */
    bool rnr_ready_owed;

    AinicConnStats st;
} AinicConn;

typedef struct AinicXport {
    AinicConn conn[AINIC_MAX_CONNS];
    uint8_t policy;             /* enum ainic_xport_policy */
    uint32_t tx_bytes;          /* device copies held */
    uint32_t rx_bytes;          /* packets held for the host */
    uint32_t inc_seq;           /* for incarnations */
    bool slot_wait;             /* a TX queue waits for a free slot */
    uint64_t armed_at;          /* timer deadline, UINT64_MAX: none */
    AinicTimer *timer;
    bool watchdog_on;           /* the retransmit watchdog is scanning */
    AinicTimer *watchdog;
} AinicXport;

/* Admission of a host frame to the transport (ainic_xport_admit) */
typedef enum AinicXportAdmit {
    AINIC_XPORT_RAW_FRAME,      /* not for the transport: send as RAW */
    AINIC_XPORT_ACCEPT,         /* ainic_xport_send() will take it */
    AINIC_XPORT_WAIT,           /* no room: stall the TX queue */
} AinicXportAdmit;

int ainic_xport_init(AinicCore *core);
void ainic_xport_reset(AinicCore *core);
void ainic_xport_fini(AinicCore *core);
/* The transport is in use: capability and policy */
bool ainic_xport_active(const AinicCore *core);
const char *ainic_conn_state_name(uint8_t state);

/* Send side (ainic_xport_tx.c) */
AinicXportAdmit ainic_xport_admit(AinicCore *core, const uint8_t *inner,
                                  uint32_t len);
/* Take an admitted frame (inner at tx.wire_buf + AINIC_ENCAP_LEN) */
void ainic_xport_send(AinicCore *core, uint32_t len, uint32_t flow_hash);
/* An ACK or NACK from the wire */
struct AinicWirePkt;
void ainic_xport_rx_ack(AinicCore *core, const struct AinicWirePkt *pkt);
/* Send whatever the windows allow, pending ACKs first (wire resumed) */
void ainic_xport_pump_all(AinicCore *core);

/* Receive side (ainic_xport_rx.c) */
void ainic_xport_rx_data(AinicCore *core, const struct AinicWirePkt *pkt);
/* RX room appeared: place held packets */
void ainic_xport_drain(AinicCore *core);

/* Shared by the two sides (ainic_xport.c) */
AinicConn *ainic_conn_find(AinicCore *core, const uint8_t *mac);
/* Find or make the connection for mac; NULL: the table is full */
AinicConn *ainic_conn_get(AinicCore *core, const uint8_t *mac);
unsigned ainic_conn_id(const AinicCore *core, const AinicConn *c);
/* Free the slot; frames it still held count as xport_error_drops */
void ainic_conn_free(AinicCore *core, AinicConn *c);
void ainic_conn_set_state(AinicCore *core, AinicConn *c, uint8_t state);
uint32_t ainic_xport_new_incarnation(AinicCore *core, const uint8_t *mac);
/* Something is due at t: make sure the timer fires by then */
void ainic_xport_due(AinicCore *core, uint64_t t);
/* A retransmit timer was armed: the watchdog scans until none is */
void ainic_xport_watchdog_start(AinicCore *core);
/* Wake TX queues stalled on the transport */
void ainic_xport_wake_tx(AinicCore *core);
uint32_t ainic_xport_clock32(AinicCore *core);
/* Send a control packet (ACK, NACK) on the wire; false: wire busy */
bool ainic_xport_send_ctrl(AinicCore *core, const uint8_t *dst,
                           uint8_t type, uint8_t flags, uint32_t conn_id,
                           uint32_t psn, uint32_t ack_psn, uint64_t sack,
                           uint32_t ts_echo, int nack_code);
/* Per-connection timers of each side, called by the transport timer */
void ainic_xport_tx_timers(AinicCore *core, AinicConn *c, uint64_t now);
void ainic_xport_rx_timers(AinicCore *core, AinicConn *c, uint64_t now);
/* The retransmit timeout: the timer fired, or the watchdog found it late */
void ainic_xport_tx_timeout(AinicCore *core, AinicConn *c, uint64_t now);
/* Free what each side holds */
void ainic_xport_tx_clear(AinicCore *core, AinicConn *c);
void ainic_xport_rx_clear(AinicCore *core, AinicConn *c);
/* A pinned connection's hold-down ended: its send side starts afresh */
void ainic_xport_tx_restart(AinicCore *core, AinicConn *c);
/* Whether the side holds anything (a connection can then not be reaped) */
bool ainic_xport_tx_busy(const AinicConn *c);
bool ainic_xport_rx_busy(const AinicConn *c);

#endif /* HW_NET_AINIC_XPORT_H */
