// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tests of the reliable transport (uapi/ainic-device.md §10): two or
 * three device cores, each played by its fake driver, on a deterministic
 * simulated link with loss, bursts, reordering, duplication, lost ACKs and
 * link outages, all in virtual time, and the fault injector's transport
 * faults (ACKs lost inside the device, a stuck retransmit timer). The application sends numbered UDP
 * datagrams; the receiving application checks that every one arrives once
 * and in order. The expectations come from the test's own counts (what
 * the application sent, what the link dropped), never from the device.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "ainic_core.h"
#include "ainic_wire.h"
#include "fake_dev.h"

#define NODES_MAX       3
#define LINK_MAX        16384
#define PAYLOAD         64
#define XP_CAPS         (DP_CAPS | AINIC_CAP_RELIABLE | AINIC_CAP_RX_COALESCE)
#define US              1000ull
#define MS              1000000ull
#define RETX_LOG        64

typedef struct Impair {
    double loss;                /* probability per frame */
    double dup, reorder;
    uint64_t reorder_ns;        /* extra delay of a reordered frame */
    bool drop_ctrl;             /* every ACK and NACK lost */
    unsigned burst;             /* the next N DATA frames lost */
    unsigned burst_after;       /* ... after this many more passed */
    bool down;                  /* everything lost */
} Impair;

typedef struct Node {
    Env e;                      /* first: the send hook finds the node */
    uint8_t mac[6];
    Impair out;                 /* on the frames this node sends */
    unsigned to_send[NODES_MAX];
    uint32_t tx_seq[NODES_MAX];
    uint32_t rx_next[NODES_MAX];
    unsigned rx_ok, rx_bad;
    unsigned tx_posted, tx_done;
    bool rx_serve;              /* the host posts RX buffers */
    uint64_t rx_pace_ns;        /* a slow host: one buffer per this, 0: all */
    uint64_t rx_post_at;        /* ... the next one not before */
    unsigned rx_posted;
    unsigned data_dropped;      /* its DATA frames the link lost */
    unsigned data_duplicated;
    unsigned ctrl_in;           /* ACKs and NACKs the link delivered to it */
    uint8_t rxf[8192];          /* frame being read from several buffers */
    uint32_t rxf_len;
    unsigned rx_merged;         /* TCP frames of several segments */
    /* What the node put on the link, before any impairment */
    unsigned rnr_out;           /* NACK RNR */
    unsigned retx_out;          /* DATA marked as a retransmission */
    uint64_t retx_at[RETX_LOG]; /* when, the first RETX_LOG of them */
} Node;

typedef struct LinkPkt {
    uint64_t at, seq;
    int dst;
    size_t len;
    uint8_t *data;
} LinkPkt;

typedef struct Net {
    Node n[NODES_MAX];
    unsigned nn;
    LinkPkt q[LINK_MAX];
    unsigned nq;
    uint64_t seq, now, delay_ns, rng;
    bool tcp;                   /* TCP segments (a byte stream) not UDP */
} Net;

static Net *g_net;

static double rnd(Net *net)
{
    net->rng ^= net->rng >> 12;
    net->rng ^= net->rng << 25;
    net->rng ^= net->rng >> 27;
    return (double)((net->rng * 2685821657736338717ull) >> 11) /
           (double)(1ull << 53);
}

static int node_of_mac(Net *net, const uint8_t *mac)
{
    unsigned i;

    for (i = 0; i < net->nn; i++) {
        if (!memcmp(net->n[i].mac, mac, 6)) {
            return (int)i;
        }
    }
    return -1;
}

static void link_put(Net *net, int dst, const void *buf, size_t len,
                     uint64_t at)
{
    LinkPkt *p;

    if (net->nq == LINK_MAX) {
        abort();
    }
    p = &net->q[net->nq++];
    p->at = at;
    p->seq = net->seq++;
    p->dst = dst;
    p->len = len;
    p->data = malloc(len);
    if (!p->data) {
        abort();
    }
    memcpy(p->data, buf, len);
}

/* The wire: every frame a core sends goes through its node's impairments */
static void on_send(Env *e, const void *buf, size_t len)
{
    Net *net = g_net;
    Node *src = (Node *)e;
    const uint8_t *f = buf;
    uint8_t type = f[42] & AINIC_XH_TYPE_MASK;
    bool data = type == AINIC_PKT_DATA;
    uint64_t at = net->now + net->delay_ns;
    int dst = node_of_mac(net, f);

    if (dst < 0) {
        return;                 /* broadcast or nobody: not modelled */
    }
    if (type == AINIC_PKT_NACK &&
        len >= AINIC_ENCAP_LEN + sizeof(struct ainic_nack) &&
        f[AINIC_ENCAP_LEN + offsetof(struct ainic_nack, code)] ==
        AINIC_NACK_RNR) {
        src->rnr_out++;
    }
    if (data && (f[42 + offsetof(struct ainic_xport_hdr, flags)] & AINIC_XH_F_RETX)) {
        if (src->retx_out < RETX_LOG) {
            src->retx_at[src->retx_out] = net->now;
        }
        src->retx_out++;
    }
    if (src->out.down || (src->out.drop_ctrl && !data)) {
        src->data_dropped += data;
        return;
    }
    if (data && src->out.burst && src->out.burst_after) {
        src->out.burst_after--;
    } else if (data && src->out.burst) {
        src->out.burst--;
        src->data_dropped++;
        return;
    }
    if (rnd(net) < src->out.loss) {
        src->data_dropped += data;
        return;
    }
    if (rnd(net) < src->out.reorder) {
        at += src->out.reorder_ns;
    }
    link_put(net, dst, buf, len, at);
    if (rnd(net) < src->out.dup) {
        src->data_duplicated += data;
        link_put(net, dst, buf, len, at + US);
    }
}

/* Byte i of the TCP stream from node `from` */
static uint8_t stream_byte(unsigned from, uint32_t i)
{
    return (uint8_t)(((i + 1) * 2654435761u) >> 24) ^ (uint8_t)from;
}

/* Numbered datagram seq as TCP: PAYLOAD bytes of the stream from `from` */
static void mk_segment(Net *net, unsigned from, unsigned to, uint32_t seq,
                       uint8_t *f, size_t *len)
{
    unsigned i;

    *len = mk_tcp4(f, PAYLOAD, 4000 + from, 5000 + to, 0x10);
    memcpy(f, net->n[to].mac, 6);
    memcpy(f + 6, net->n[from].mac, 6);
    wr32(f + 38, seq * PAYLOAD);
    for (i = 0; i < PAYLOAD; i++) {
        f[54 + i] = stream_byte(from, seq * PAYLOAD + i);
    }
    wr16(f + 50, ~ref_fold(pseudo(f, 14, false, 6, 20 + PAYLOAD) +
                           ref_sum(0, f + 34, 20 + PAYLOAD)));
}

/*
 * A TCP frame read back (one segment or merged): it must continue the
 * stream exactly, byte for byte, with valid headers.
 */
static void rx_segment(Node *nd, const uint8_t *f, uint32_t len,
                       uint16_t cflags, uint16_t segs)
{
    unsigned from = rd16(f + 34) - 4000, k;
    uint32_t plen = len >= 54 ? rd16(f + 16) - 40 : 0;
    uint32_t off;

    if (len < 54 || from >= NODES_MAX || plen + 54 != len ||
        plen % PAYLOAD || ref_fold(ref_sum(0, f + 14, 20)) != 0xffff ||
        !l4_csum_valid(f, 14, 34, false, 6, 20 + plen) ||
        rd32(f + 38) != nd->rx_next[from] * PAYLOAD) {
        nd->rx_bad++;
        return;
    }
    off = nd->rx_next[from] * PAYLOAD;
    for (k = 0; k < plen; k++) {
        if (f[54 + k] != stream_byte(from, off + k)) {
            nd->rx_bad++;
            return;
        }
    }
    if (cflags & AINIC_CQE_F_COALESCED) {
        if (segs != plen / PAYLOAD) {
            nd->rx_bad++;
            return;
        }
        nd->rx_merged++;
    }
    nd->rx_next[from] += plen / PAYLOAD;
    nd->rx_ok += plen / PAYLOAD;
}

static void mk_datagram(Net *net, unsigned from, unsigned to, uint32_t seq,
                        uint8_t *f, size_t *len)
{
    if (net->tcp) {
        mk_segment(net, from, to, seq, f, len);
        return;
    }
    *len = mk_udp4(f, PAYLOAD, 4000 + from, 5000 + to);
    memcpy(f, net->n[to].mac, 6);
    memcpy(f + 6, net->n[from].mac, 6);
    wr32(f + 42, seq);
    f[46] = (uint8_t)from;
    wr16(f + 40, 0);            /* no UDP checksum: the payload changed */
}

/* One node's host: send what is due, reap completions, receive */
static void host_service(Net *net, unsigned i)
{
    Node *nd = &net->n[i];
    Env *e = &nd->e;
    struct ainic_cqe cqe;
    unsigned d, reaped = 0, q;
    bool rang = false;

    for (q = 0; q < AINIC_MAX_QPS; q++) {
        if (e->sched_tx[q]) {
            e->sched_tx[q] = 0;
            ainic_core_tx_process(e->core, q);
        }
    }
    while (reap_cqe(e, 0, &cqe)) {
        nd->tx_done++;
        reaped++;
    }
    if (reaped) {
        cq_release(e, 0);
        reaped = 0;
    }
    for (d = 0; d < net->nn; d++) {
        while (nd->to_send[d] && nd->tx_posted - nd->tx_done < 60) {
            uint8_t f[256];
            size_t len;

            mk_datagram(net, i, d, nd->tx_seq[d]++, f, &len);
            tx_post(e, 0, f, len, (TxOpts){ 0 });
            nd->to_send[d]--;
            nd->tx_posted++;
            rang = true;
        }
    }
    if (rang) {
        tx_ring(e, 0);
    }
    while (reap_cqe(e, 1, &cqe)) {
        const uint8_t *b = rx_buf(e, 0, le16toh(cqe.desc_index));
        unsigned from = b[46];
        uint32_t seq = rd32(b + 42), n = le32toh(cqe.len);

        reaped++;
        if (net->tcp) {
            if (cqe.status || n > RX_BUF ||
                nd->rxf_len + n > sizeof(nd->rxf)) {
                nd->rx_bad++;
                n = 0;
            }
            memcpy(nd->rxf + nd->rxf_len, b, n);
            nd->rxf_len += n;
            if (le16toh(cqe.cflags) & AINIC_CQE_F_EOP) {
                rx_segment(nd, nd->rxf, nd->rxf_len, le16toh(cqe.cflags),
                           le16toh(cqe.gso_segs));
                nd->rxf_len = 0;
            }
        } else if (from < NODES_MAX && seq == nd->rx_next[from]) {
            nd->rx_next[from]++;
            nd->rx_ok++;
        } else {
            nd->rx_bad++;
        }
    }
    /* As the driver: the CQ doorbell only when it took completions */
    if (reaped) {
        cq_release(e, 1);
    }
    nd->rx_posted -= reaped;
    /* At most 16 buffers out: rx_buf() has 16 per queue */
    if (nd->rx_serve && nd->rx_pace_ns && nd->rx_posted < 16 &&
        net->now >= nd->rx_post_at) {
        rx_post(e, 0, 1);
        nd->rx_posted++;
        nd->rx_post_at = net->now + nd->rx_pace_ns;
    } else if (nd->rx_serve && !nd->rx_pace_ns && nd->rx_posted < 16) {
        rx_post(e, 0, 16 - nd->rx_posted);
        nd->rx_posted = 16;
    }
}

/* Run the network for ns of virtual time */
static void net_run(Net *net, uint64_t ns)
{
    uint64_t end = net->now + ns;
    unsigned i;

    for (;;) {
        LinkPkt *p = NULL;
        unsigned k;

        for (k = 0; k < net->nq; k++) {
            if (net->q[k].at <= end &&
                (!p || net->q[k].at < p->at ||
                 (net->q[k].at == p->at && net->q[k].seq < p->seq))) {
                p = &net->q[k];
            }
        }
        /* Hosts act every 20 us of virtual time at least */
        if (!p || p->at > net->now + 20 * US) {
            uint64_t t = net->now + 20 * US;

            if (t > end) {
                t = end;
            }
            for (i = 0; i < net->nn; i++) {
                clock_advance(&net->n[i].e, t - net->n[i].e.now);
            }
            net->now = t;
            for (i = 0; i < net->nn; i++) {
                host_service(net, i);
            }
            if (t == end) {
                break;
            }
            continue;
        }
        {
            LinkPkt pkt = *p;

            *p = net->q[--net->nq];
            for (i = 0; i < net->nn; i++) {
                clock_advance(&net->n[i].e, pkt.at - net->n[i].e.now);
            }
            net->now = pkt.at;
            if ((pkt.data[42] & AINIC_XH_TYPE_MASK) != AINIC_PKT_DATA) {
                net->n[pkt.dst].ctrl_in++;
            }
            ainic_core_receive(net->n[pkt.dst].e.core, pkt.data, pkt.len);
            free(pkt.data);
            host_service(net, pkt.dst);
        }
    }
}

/* Run until every node has delivered what it was sent, or a time limit */
static bool net_settle(Net *net, uint64_t limit)
{
    uint64_t t;

    for (t = 0; t < limit; t += MS) {
        unsigned i, j;
        bool done = true;

        net_run(net, MS);
        for (i = 0; i < net->nn; i++) {
            for (j = 0; j < net->nn; j++) {
                if (net->n[i].to_send[j] ||
                    net->n[j].rx_next[i] != net->n[i].tx_seq[j]) {
                    done = false;
                }
            }
        }
        if (done) {
            return true;
        }
    }
    return false;
}

static Net *net_new(unsigned nodes, uint64_t seed)
{
    Net *net = calloc(1, sizeof(*net));
    unsigned i;

    if (!net) {
        abort();
    }
    g_net = net;
    net->nn = nodes;
    net->delay_ns = 10 * US;
    net->rng = seed ? seed : 1;
    for (i = 0; i < nodes; i++) {
        Node *nd = &net->n[i];

        memcpy(nd->mac, test_mac, 6);
        nd->mac[5] = (uint8_t)(0x10 + i);
        if (env_init_mac(&nd->e, XP_CAPS, nd->mac)) {
            abort();
        }
        free(nd->e.wire);
        nd->e.wire = NULL;
        nd->e.on_send = on_send;
        if (bring_up(&nd->e, 16, 64) !=
            (AINIC_STATUS_READY | AINIC_STATUS_ENABLED)) {
            abort();
        }
        ainic_core_set_link(nd->e.core, true);
        mkqp(&nd->e, 0);
        nd->rx_serve = true;
    }
    for (i = 0; i < nodes; i++) {
        host_service(net, i);
    }
    return net;
}

static void net_free(Net *net)
{
    unsigned i;

    for (i = 0; i < net->nq; i++) {
        free(net->q[i].data);
    }
    for (i = 0; i < net->nn; i++) {
        env_fini(&net->n[i].e);
    }
    free(net);
    g_net = NULL;
}

static AinicStats *st(Net *net, unsigned i)
{
    return &net->n[i].e.core->stats;
}

static uint64_t retx(Net *net, unsigned i)
{
    return st(net, i)->xport_retx_fast + st(net, i)->xport_retx_timeout;
}

static AinicConn *conn_to(Net *net, unsigned from, unsigned to)
{
    return ainic_conn_find(net->n[from].e.core, net->n[to].mac);
}

/* Count CONN_STATE events with the given state on node i */
static unsigned conn_events(Net *net, unsigned i, uint32_t state)
{
    struct ainic_event ev;
    unsigned n = 0;

    while (reap_event(&net->n[i].e, &ev)) {
        if (le16toh(ev.code) == AINIC_EVENT_CONN_STATE &&
            le32toh(ev.data) == state) {
            n++;
        }
    }
    return n;
}

/* ---- Tests ---------------------------------------------------------- */

TEST(clean_link_exactly_once_in_order)
{
    Net *net = net_new(2, 1);

    net->n[0].to_send[1] = 2000;
    net->n[1].to_send[0] = 500;
    ASSERT_TRUE(net_settle(net, 2000 * MS));
    EXPECT_EQ(2000u, net->n[1].rx_ok);
    EXPECT_EQ(500u, net->n[0].rx_ok);
    EXPECT_EQ(0u, net->n[0].rx_bad + net->n[1].rx_bad);
    EXPECT_EQ(0u, retx(net, 0));
    EXPECT_EQ(2000u, st(net, 0)->xport_tx_pkts);
    EXPECT_EQ(2000u, st(net, 1)->xport_rx_pkts);
    EXPECT_EQ(AINIC_CONN_ESTABLISHED, conn_to(net, 0, 1)->state);
    /* ACKs are coalesced: far fewer than one per packet */
    EXPECT_LT(st(net, 1)->xport_acks_sent, 2000u / 2);
    net_free(net);
}

TEST(loss_reorder_duplication_both_ways)
{
    Net *net = net_new(2, 7);
    unsigned i;

    for (i = 0; i < 2; i++) {
        net->n[i].out = (Impair){ .loss = 0.05, .dup = 0.01, .reorder = 0.01,
                                  .reorder_ns = 300 * US };
    }
    net->n[0].to_send[1] = 3000;
    net->n[1].to_send[0] = 1000;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(3000u, net->n[1].rx_ok);
    EXPECT_EQ(1000u, net->n[0].rx_ok);
    EXPECT_EQ(0u, net->n[0].rx_bad + net->n[1].rx_bad);
    /* Every lost DATA frame was sent again (at least once) */
    ASSERT_GT(net->n[0].data_dropped, 50u);
    EXPECT_GE(retx(net, 0), net->n[0].data_dropped);
    EXPECT_GE(retx(net, 1), net->n[1].data_dropped);
    /* Duplicates from the link were recognised and dropped */
    EXPECT_GE(st(net, 1)->xport_dup_dropped, net->n[0].data_duplicated);
    EXPECT_GT(st(net, 1)->xport_ooo_buffered, 0u);
    net_free(net);
}

TEST(every_ack_lost_for_a_while)
{
    Net *net = net_new(2, 3);

    net->n[1].out.drop_ctrl = true;
    net->n[0].to_send[1] = 300;
    net_run(net, 100 * MS);
    /* Nothing acknowledged: the window and staging are full, no more */
    EXPECT_LE(st(net, 0)->xport_tx_pkts, (uint64_t)AINIC_XPORT_WINDOW);
    EXPECT_GT(st(net, 0)->xport_retx_timeout, 0u);
    net->n[1].out.drop_ctrl = false;
    ASSERT_TRUE(net_settle(net, 10000 * MS));
    EXPECT_EQ(300u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    /* Timeouts resent what the receiver had: duplicates, dropped */
    EXPECT_GT(st(net, 1)->xport_dup_dropped, 0u);
    net_free(net);
}

TEST(burst_loss_selective_not_go_back_n)
{
    Net *net = net_new(2, 5);
    uint64_t first;

    net->n[0].to_send[1] = 40;
    net_run(net, 5 * MS);
    first = st(net, 0)->xport_tx_pkts;
    net->n[0].out.burst = 20;
    net->n[0].to_send[1] = 400;
    ASSERT_TRUE(net_settle(net, 5000 * MS));
    EXPECT_EQ(440u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(20u, net->n[0].data_dropped);
    /* Selective: about the 20 lost, not the window behind them */
    EXPECT_GE(retx(net, 0), 20u);
    EXPECT_LT(retx(net, 0), 40u);
    EXPECT_GT(first, 0u);
    net_free(net);
}

TEST(psn_wraps_at_2_32)
{
    Net *net = net_new(2, 11);
    AinicConn *c, *r;
    uint32_t to;

    /* A first packet starts the connection; then move it near the wrap */
    net->n[0].to_send[1] = 1;
    ASSERT_TRUE(net_settle(net, 100 * MS));
    c = conn_to(net, 0, 1);
    ASSERT_NE(NULL, c);
    ASSERT_EQ(c->snd_una, c->snd_end);
    r = conn_to(net, 1, 0);
    ASSERT_NE(NULL, r);
    /* Both sides agree to continue just before the wrap (white box) */
    to = 0xffffff80u | (c->snd_una & (AINIC_XPORT_TXRING - 1));
    r->rcv_nxt = r->place_nxt = to;
    c->snd_una = c->snd_nxt = c->snd_end = to;
    net->n[0].out = (Impair){ .loss = 0.05, .reorder = 0.02,
                              .reorder_ns = 200 * US };
    net->n[0].to_send[1] = 600;
    ASSERT_TRUE(net_settle(net, 10000 * MS));
    EXPECT_EQ(601u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_LT(c->snd_una, 0x1000u);        /* it wrapped */
    net_free(net);
}

TEST(slow_receiver_loses_nothing)
{
    Net *net = net_new(2, 13);

    net->n[1].rx_serve = false;             /* the host takes nothing */
    net->n[0].to_send[1] = 400;
    net_run(net, 50 * MS);
    EXPECT_EQ(16u, net->n[1].rx_ok);        /* the buffers posted at start */
    EXPECT_GT(st(net, 1)->xport_rnr_sent, 0u);
    EXPECT_GT(st(net, 0)->xport_rnr_rcvd, 0u);
    /* Back-pressure reached the host: the TX ring stopped completing */
    EXPECT_LT(net->n[0].tx_done, 400u);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    net->n[1].rx_serve = true;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(400u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(AINIC_CONN_ESTABLISHED, conn_to(net, 0, 1)->state);
    net_free(net);
}

/*
 * The host is away long enough for the reorder buffer to fill with held
 * packets; when it comes back it posts buffers (RX doorbell) after it
 * returned the completions (CQ doorbell), so only the RX doorbell finds
 * room: the held packets must go to the host then, or every packet after
 * them is refused (RNR) for ever.
 */
TEST(slow_receiver_held_packets_placed_on_rx_doorbell)
{
    Net *net = net_new(2, 29);

    net->n[1].rx_serve = false;
    net->n[0].to_send[1] = 600;
    net_run(net, 200 * MS);
    EXPECT_EQ(16u, net->n[1].rx_ok);
    EXPECT_GT(st(net, 1)->xport_ooo_buffered + st(net, 1)->xport_rnr_sent, 0u);
    net->n[1].rx_serve = true;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(600u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    net_free(net);
}

/* The RNR back-off of round k (0: the first of an episode), spec §10.3 */
static uint64_t rnr_delay(unsigned k)
{
    uint64_t d = AINIC_XPORT_RNR_DELAY_NS;

    while (k-- && d < AINIC_XPORT_RNR_MAX_NS) {
        d *= 2;
    }
    return d < AINIC_XPORT_RNR_MAX_NS ? d : AINIC_XPORT_RNR_MAX_NS;
}

/* Back-off rounds that fit in a stall of ns: each one ends with a probe */
static unsigned rnr_rounds(uint64_t ns)
{
    uint64_t t = 0;
    unsigned k = 0;

    while (t + rnr_delay(k) <= ns) {
        t += rnr_delay(k++);
    }
    return k;
}

/*
 * No RNR storm: the receiving host takes nothing for 300 ms while 600
 * datagrams wait. The receiver answers RNR once per episode, the sender
 * backs off (1 ms doubling to the cap) and then probes with one packet:
 * on the link, about one RNR and one retransmission per round the stall
 * allows, not one per packet of the window. When the host serves again
 * and has taken what the receiver held, the receiver's ACK ends the
 * sender's back-off: the probe goes at once, not when the back-off (64 ms
 * by now) would have ended; the refused tail follows (no timeout), and
 * every datagram arrives once and in order.
 */
TEST(slow_receiver_rnr_once_per_backoff_round)
{
    const uint64_t stall = 300 * MS;
    Net *net = net_new(2, 71);
    Node *tx = &net->n[0], *rx = &net->n[1];
    unsigned rounds = rnr_rounds(stall), rnr_stall, retx_stall, k;
    uint64_t served, next_probe;

    rx->rx_serve = false;
    tx->to_send[1] = 600;
    net_run(net, stall);
    rnr_stall = rx->rnr_out;
    retx_stall = tx->retx_out;
    TH_LOG("stall %llu ms (%u back-off rounds): RNR sent %u, retransmitted %u",
           (unsigned long long)(stall / MS), rounds, rnr_stall, retx_stall);
    EXPECT_EQ(16u, rx->rx_ok);              /* the buffers posted at start */
    /* One RNR to start, one per refused probe; 1 of slack */
    ASSERT_GT(rnr_stall, 0u);
    EXPECT_LE(rnr_stall, rounds + 2);
    /* One probe per round: no window resent */
    EXPECT_GE(retx_stall, rounds - 1);
    EXPECT_LE(retx_stall, rounds + 1);
    /* The probes' spacing: each back-off twice the last, to the cap */
    for (k = 1; k < retx_stall && k <= rounds && k < RETX_LOG; k++) {
        uint64_t gap = tx->retx_at[k] - tx->retx_at[k - 1];

        EXPECT_GE(gap, rnr_delay(k));
        EXPECT_LE(gap, rnr_delay(k) + MS);
    }
    /* The sender's own count agrees with the link */
    EXPECT_EQ(rnr_stall, st(net, 0)->xport_rnr_rcvd);
    EXPECT_GT(st(net, 1)->xport_rnr_dropped, 0u);
    /* The back-off would end well after the host is back */
    ASSERT_GT(retx_stall, 0u);
    ASSERT_LT(retx_stall, (unsigned)RETX_LOG);
    next_probe = tx->retx_at[retx_stall - 1] + rnr_delay(retx_stall);
    ASSERT_GT(next_probe, net->now + 2 * AINIC_XPORT_RNR_DELAY_NS);
    rx->rx_serve = true;
    served = net->now;
    while (tx->retx_out == retx_stall && net->now < served + 100 * MS) {
        net_run(net, 10 * US);
    }
    ASSERT_GT(tx->retx_out, retx_stall);
    TH_LOG("host back: probed %llu us later (the back-off had %llu ms left)",
           (unsigned long long)((tx->retx_at[retx_stall] - served) / US),
           (unsigned long long)((next_probe - served) / MS));
    EXPECT_LT(tx->retx_at[retx_stall], served + AINIC_XPORT_RNR_DELAY_NS);
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(600u, rx->rx_ok);
    EXPECT_EQ(0u, rx->rx_bad);
    TH_LOG("in all: RNR sent %u, retransmitted %u, dropped without RNR %llu",
           rx->rnr_out, tx->retx_out,
           (unsigned long long)st(net, 1)->xport_rnr_dropped);
    /* The refused tail went again on the probe's ACK, not on a timeout */
    EXPECT_EQ(0u, st(net, 0)->xport_retx_timeout);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    EXPECT_EQ(rx->rnr_out, st(net, 1)->xport_rnr_sent);
    EXPECT_EQ(AINIC_CONN_ESTABLISHED, conn_to(net, 0, 1)->state);
    net_free(net);
}

/*
 * A probe the wire loses is a loss like any other: no RNR comes back, so
 * the RTO armed beyond the back-off sends it again (an RTO later, not
 * after the doubled back-off a refusal would have cost), the receiver
 * (still stalled) refuses that copy with an RNR, and nothing is lost when
 * the host comes back.
 */
TEST(slow_receiver_lost_probe_caught_by_rto)
{
    const unsigned refused = 4;             /* probes refused before */
    Net *net = net_new(2, 73);
    Node *tx = &net->n[0], *rx = &net->n[1];
    uint64_t gap;
    unsigned rnr, retx;

    rx->rx_serve = false;
    tx->to_send[1] = 200;
    while (rx->rnr_out < 1 + refused && net->now < 200 * MS) {
        net_run(net, 100 * US);
    }
    ASSERT_EQ(1 + refused, rx->rnr_out);
    ASSERT_EQ(refused, tx->retx_out);
    rnr = rx->rnr_out;
    retx = tx->retx_out;
    tx->out.burst = 1;                      /* the next DATA: the probe */
    while (tx->retx_out < retx + 2 && net->now < 400 * MS) {
        net_run(net, 100 * US);
    }
    ASSERT_EQ(retx + 2, tx->retx_out);      /* the probe, then its copy */
    EXPECT_EQ(1u, tx->data_dropped);
    gap = tx->retx_at[retx + 1] - tx->retx_at[retx];
    TH_LOG("probe lost: sent again %llu us later",
           (unsigned long long)(gap / US));
    EXPECT_GE(gap, AINIC_XPORT_RTO_MIN_NS);
    EXPECT_LT(gap, rnr_delay(refused + 1));
    net_run(net, MS);
    EXPECT_EQ(rnr + 1, rx->rnr_out);        /* that copy was refused too */
    rx->rx_serve = true;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(200u, rx->rx_ok);
    EXPECT_EQ(0u, rx->rx_bad);
    EXPECT_EQ(1u, tx->data_dropped);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    net_free(net);
}

/*
 * A host that drains slowly (one RX buffer every 500 us) rather than not
 * at all: each time it takes a packet the RNR episode ends, so a round
 * costs one RNR, the probe, and the reopening window's first packets,
 * never the whole refused tail. The transfer still goes at the host's
 * pace, and every datagram arrives once and in order.
 */
TEST(slow_draining_receiver_paced_not_flooded)
{
    const unsigned n = 300, posted = 16;
    const uint64_t pace = 500 * US;
    Net *net = net_new(2, 79);
    Node *tx = &net->n[0], *rx = &net->n[1];
    uint64_t t0, took, floor_ns, rounds;

    rx->rx_pace_ns = pace;
    tx->to_send[1] = n;
    t0 = net->now;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    took = net->now - t0;
    TH_LOG("%u datagrams to a host taking one per %llu us: %llu ms, RNR sent %u, retransmitted %u",
           n, (unsigned long long)(pace / US),
           (unsigned long long)(took / MS), rx->rnr_out, tx->retx_out);
    EXPECT_EQ(n, rx->rx_ok);
    EXPECT_EQ(0u, rx->rx_bad);
    /* At the host's pace: the buffers it posted at start, then one a pace */
    floor_ns = (n - posted) * pace;
    EXPECT_GE(took + MS, floor_ns);         /* net_settle's 1 ms steps */
    EXPECT_LE(took, floor_ns + floor_ns / 20 + 5 * MS);
    /* At most one RNR per back-off round, of at least the first delay */
    rounds = took / AINIC_XPORT_RNR_DELAY_NS + 1;
    EXPECT_GT(rx->rnr_out, 0u);
    EXPECT_LE(rx->rnr_out, rounds);
    /* Fewer retransmissions than datagrams: no window resent wholesale */
    EXPECT_LE(tx->retx_out, n);
    EXPECT_LE(tx->retx_out, rounds * (1 + AINIC_XPORT_RNR_RAMP));
    EXPECT_EQ(0u, st(net, 0)->xport_retx_timeout);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    net_free(net);
}

/*
 * A host that takes its RX ring in bursts (one service every 100 us, as a
 * polled driver might): episodes start and end while packets, ACKs and
 * RNRs are in flight, the sender ending one on an ACK and starting the
 * next on an RNR at the same instant. On a link that loses nothing every
 * refused packet must go again on the RNR path (probe, tail), none wait
 * for a timeout; and a receiver's episode ends only when its host takes
 * something, so at most one RNR per burst (and one per refused probe).
 */
TEST(bursty_receiver_needs_no_timeout)
{
    const unsigned n = 2000;
    const uint64_t period = 100 * US;
    Net *net = net_new(2, 5);
    Node *tx = &net->n[0], *rx = &net->n[1];
    unsigned bursts = 0;

    tx->to_send[1] = n;
    while (rx->rx_ok < n && bursts < 100000) {
        rx->rx_serve = false;
        net_run(net, period);
        rx->rx_serve = true;
        net_run(net, 20 * US);              /* one host service */
        bursts++;
    }
    net_run(net, 10 * MS);
    TH_LOG("%u datagrams in %u bursts: RNR sent %u, retransmitted %u",
           n, bursts, rx->rnr_out, tx->retx_out);
    EXPECT_EQ(n, rx->rx_ok);
    EXPECT_EQ(0u, rx->rx_bad);
    EXPECT_EQ(0u, st(net, 0)->xport_retx_timeout);
    EXPECT_LE(rx->rnr_out, bursts + 1);
    EXPECT_EQ(rx->rnr_out, st(net, 0)->xport_rnr_rcvd);
    net_free(net);
}

/*
 * The RNR path on a lossy link: probes, tails, RNRs and ACKs are lost,
 * duplicated and reordered like everything else, while the host first
 * takes nothing, then drains slowly. Nothing may be lost, duplicated or
 * reordered, and no connection may fail.
 */
static void slow_lossy(struct __test_metadata *_metadata, uint64_t seed)
{
    Net *net = net_new(2, seed);
    Node *tx = &net->n[0], *rx = &net->n[1];
    unsigned i;

    for (i = 0; i < 2; i++) {
        net->n[i].out = (Impair){ .loss = 0.05, .dup = 0.01, .reorder = 0.01,
                                  .reorder_ns = 300 * US };
    }
    rx->rx_serve = false;
    tx->to_send[1] = 400;
    net_run(net, 100 * MS);
    rx->rx_serve = true;
    rx->rx_pace_ns = 200 * US;
    net_run(net, 50 * MS);
    rx->rx_pace_ns = 0;
    if (!net_settle(net, 20000 * MS) || rx->rx_ok != 400 || rx->rx_bad) {
        TH_LOG("seed %llu", (unsigned long long)seed);
    }
    EXPECT_EQ(400u, rx->rx_ok);
    EXPECT_EQ(0u, rx->rx_bad);
    EXPECT_GT(rx->rnr_out, 0u);
    EXPECT_GT(tx->data_dropped, 0u);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    net_free(net);
}

TEST(slow_receiver_on_a_lossy_link)
{
    uint64_t seed;

    for (seed = 1; seed <= 40; seed++) {
        slow_lossy(_metadata, seed);
    }
}

TEST(peer_gone_retry_limit_error_event)
{
    Net *net = net_new(2, 17);
    AinicConn *c;

    net->n[0].to_send[1] = 10;
    ASSERT_TRUE(net_settle(net, 100 * MS));
    (void)conn_events(net, 0, AINIC_CONN_ERROR);
    net->n[0].out.down = true;
    net->n[0].to_send[1] = 100;
    /* Within the retry budget: 12 timeouts, the RTO at most 1 s */
    net_run(net, 10000 * MS);
    EXPECT_EQ(1u, st(net, 0)->xport_retry_exhausted);
    EXPECT_EQ(1u, conn_events(net, 0, AINIC_CONN_ERROR));
    /* Every frame it had accepted is accounted for as dropped */
    EXPECT_EQ(100u, st(net, 0)->xport_error_drops);
    EXPECT_EQ(100u, net->n[0].tx_done - 10);
    /* After the hold-down the slot is free and nothing is held */
    net_run(net, 2000 * MS);
    c = conn_to(net, 0, 1);
    EXPECT_EQ(NULL, c);
    EXPECT_EQ(0u, net->n[0].e.core->xport.tx_bytes);
    net_free(net);
}

TEST(peer_reset_starts_new_incarnation)
{
    Net *net = net_new(2, 19);
    uint32_t inc;

    net->n[0].to_send[1] = 100;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    inc = conn_to(net, 0, 1)->tx_inc;
    /* The receiver's device is reset and its driver brings it back */
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED |
              AINIC_STATUS_LINK_UP, bring_up(&net->n[1].e, 16, 64));
    ainic_core_set_link(net->n[1].e.core, true);
    memset(net->n[1].e.cqe_head, 0, sizeof(net->n[1].e.cqe_head));
    net->n[1].e.rx_tail[0] = 0;
    net->n[1].e.tx_tail[0] = 0;
    net->n[1].rx_posted = 0;
    mkqp(&net->n[1].e, 0);
    net->n[0].to_send[1] = 100;
    ASSERT_TRUE(net_settle(net, 5000 * MS));
    EXPECT_EQ(200u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_GT(st(net, 1)->xport_unknown_conn + 0u, 0u);
    EXPECT_NE(inc, conn_to(net, 0, 1)->tx_inc);
    net_free(net);
}

/* A forged ACK from node 1 to node 0, as a hostile peer would send */
static void forge(Net *net, uint32_t conn_id, uint32_t ack, uint64_t sack)
{
    ainic_xport_send_ctrl(net->n[1].e.core, net->n[0].mac, AINIC_PKT_ACK, 0,
                          conn_id, 0, ack, sack, 0, 0);
}

TEST(hostile_acks_are_counted_and_harmless)
{
    Net *net = net_new(2, 23);
    AinicConn *c;
    uint64_t bad, unknown;

    net->n[0].to_send[1] = 50;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    c = conn_to(net, 0, 1);
    bad = st(net, 0)->xport_bad_acks;
    unknown = st(net, 0)->xport_unknown_conn;
    /* ACK for PSNs never sent */
    forge(net, c->tx_inc, c->snd_nxt + 1000, 0);
    /* SACK bits far beyond what was sent */
    forge(net, c->tx_inc, c->snd_una, ~0ull);
    /* Another incarnation */
    forge(net, c->tx_inc ^ 1, c->snd_una, 0);
    net_run(net, 5 * MS);
    EXPECT_EQ(bad + 1, st(net, 0)->xport_bad_acks);
    EXPECT_EQ(unknown + 1, st(net, 0)->xport_unknown_conn);
    /* The connection still works, and nothing was resent for the SACK */
    net->n[0].to_send[1] = 50;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    EXPECT_EQ(100u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    net_free(net);
}

TEST(truncated_and_unknown_packets_dropped)
{
    Net *net = net_new(2, 29);
    uint8_t f[256];
    size_t len;
    AinicStats before;

    net->n[0].to_send[1] = 5;
    ASSERT_TRUE(net_settle(net, 100 * MS));
    before = *st(net, 1);
    /* Truncated: every length from 0 to just short of the headers */
    mk_datagram(net, 0, 1, 0, f, &len);
    for (len = 0; len < AINIC_ENCAP_LEN; len++) {
        ainic_core_receive(net->n[1].e.core, f, len);
    }
    EXPECT_EQ(before.rx_errors + AINIC_ENCAP_LEN, st(net, 1)->rx_errors);
    EXPECT_EQ(before.xport_rx_pkts, st(net, 1)->xport_rx_pkts);
    net_free(net);
}

/* A SYN DATA packet to node @to from the spoofed MAC number @i */
static void spoofed_syn(Net *net, unsigned to, unsigned i)
{
    uint8_t w[AINIC_ENCAP_LEN + 64];
    uint8_t inner[64];
    AinicWireHdr h = { 0 };
    uint8_t spoof[6] = { 0x02, 0, 0, (uint8_t)(i >> 16),
                         (uint8_t)(i >> 8), (uint8_t)i };

    memset(inner, 0, sizeof(inner));
    memcpy(inner, net->n[to].mac, 6);
    memcpy(inner + 6, spoof, 6);
    inner[46] = 0xff;               /* the host counts it as not ours */
    memcpy(w + AINIC_ENCAP_LEN, inner, sizeof(inner));
    h.src_mac = spoof;
    h.type = AINIC_PKT_DATA;
    h.flags = AINIC_XH_F_SYN;
    h.conn_id = 1000 + i;
    h.psn = 77;
    h.ack_psn = 77;
    ainic_wire_encap(w, sizeof(inner), &h);
    ainic_core_receive(net->n[to].e.core, w, sizeof(w));
}

TEST(syn_flood_from_spoofed_macs_is_bounded)
{
    Net *net = net_new(2, 31);
    unsigned i;

    net->n[0].to_send[1] = 20;
    ASSERT_TRUE(net_settle(net, 100 * MS));
    for (i = 0; i < 1000; i++) {
        spoofed_syn(net, 1, i);
        if (i % 100 == 0) {
            net_run(net, 20 * MS);      /* time passes: idle slots reapable */
        }
    }
    /* Each spoofed MAC got a slot (a reaped one) or was refused */
    EXPECT_GT(st(net, 1)->xport_conns_reaped, 0u);
    EXPECT_EQ(1001u, st(net, 1)->xport_conns_created +
                     st(net, 1)->xport_conns_refused);
    /* The real connection still delivers, and only its frames are ours */
    net->n[0].to_send[1] = 20;
    ASSERT_TRUE(net_settle(net, 2000 * MS));
    EXPECT_EQ(40u, net->n[1].rx_ok);
    net_free(net);
}

TEST(stalled_connection_does_not_block_another)
{
    Net *net = net_new(3, 37);

    net->n[2].rx_serve = false;             /* node 2's host is stuck */
    net->n[0].to_send[2] = 150;
    net->n[0].to_send[1] = 150;
    net_run(net, 500 * MS);
    /* Every frame for node 1 arrived while node 2 took nothing */
    EXPECT_EQ(150u, net->n[1].rx_ok);
    EXPECT_LE(net->n[2].rx_ok, 16u);
    net->n[2].rx_serve = true;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(150u, net->n[2].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad + net->n[2].rx_bad);
    net_free(net);
}

TEST(policy_raw_sends_raw)
{
    Net *net = net_new(2, 41);
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);

    c.port_config.valid = htole32(AINIC_PORT_CFG_XPORT);
    c.port_config.xport = htole32(AINIC_XPORT_RAW);
    ASSERT_EQ(0, run(&net->n[0].e, c));
    net->n[0].to_send[1] = 100;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    EXPECT_EQ(100u, net->n[1].rx_ok);
    EXPECT_EQ(0u, st(net, 0)->xport_tx_pkts);
    EXPECT_EQ(NULL, conn_to(net, 0, 1));
    /* An unknown policy is refused and changes nothing */
    c.port_config.xport = htole32(7);
    ASSERT_EQ(AINIC_STS_EINVAL, run(&net->n[0].e, c));
    EXPECT_EQ(AINIC_XPORT_RAW, net->n[0].e.core->xport.policy);
    net_free(net);
}


static int conn_query(Env *e, uint32_t id, struct ainic_conn_info *ci)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_CONN_QUERY);
    int r;

    c.conn_query.conn_id = htole32(id);
    c.conn_query.buf_len = htole32(sizeof(*ci));
    c.conn_query.buf_addr = htole64(BUF_GPA);
    r = run(e, c);
    memcpy(ci, gpa(e, BUF_GPA), sizeof(*ci));
    return r;
}

TEST(conn_admin_commands)
{
    Net *net = net_new(2, 43);
    Env *e = &net->n[0].e;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_CONN_CREATE);
    struct ainic_admin_comp comp;
    struct ainic_conn_info ci;
    static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
    uint32_t id;

    memcpy(c.conn_create.peer_mac, net->n[1].mac, 6);
    ASSERT_EQ(0, exec(e, &c, &comp));
    id = le32toh(comp.result);
    ASSERT_GE(id, 1u);
    ASSERT_LE(id, (uint32_t)AINIC_MAX_CONNS);
    /* Again: it exists, and the reply names it */
    ASSERT_EQ(AINIC_STS_EEXIST, exec(e, &c, &comp));
    EXPECT_EQ(id, le32toh(comp.result));
    memcpy(c.conn_create.peer_mac, mcast, 6);
    EXPECT_EQ(AINIC_STS_EINVAL, run(e, c));
    memcpy(c.conn_create.peer_mac, net->n[0].mac, 6);
    EXPECT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(0, conn_query(e, id, &ci));
    EXPECT_EQ(AINIC_CONN_IDLE, ci.state);
    EXPECT_EQ(0, memcmp(ci.peer_mac, net->n[1].mac, 6));
    /* Traffic: the counters are the application's */
    net->n[0].to_send[1] = 77;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    ASSERT_EQ(0, conn_query(e, id, &ci));
    EXPECT_EQ(AINIC_CONN_ESTABLISHED, ci.state);
    EXPECT_EQ(77u, le64toh(ci.tx_pkts));
    EXPECT_EQ(le32toh(ci.snd_una), le32toh(ci.snd_nxt));
    EXPECT_NE(0u, le32toh(ci.tx_incarnation));
    EXPECT_GE(le32toh(ci.rto_us), 2000u);
    /* Destroyed: gone, and a query says so */
    c = mkcmd(AINIC_OP_CONN_DESTROY);
    c.conn_destroy.conn_id = htole32(id);
    ASSERT_EQ(0, run(e, c));
    EXPECT_EQ(AINIC_STS_ENOENT, run(e, c));
    EXPECT_EQ(AINIC_STS_ENOENT, conn_query(e, id, &ci));
    EXPECT_EQ(AINIC_STS_ENOENT, conn_query(e, 0, &ci));
    EXPECT_EQ(AINIC_STS_ENOENT, conn_query(e, 1000, &ci));
    /* A later frame makes a new connection, the peer a new receive side */
    net->n[0].to_send[1] = 5;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    EXPECT_EQ(82u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    net_free(net);
}

/* CONN_CREATE to @mac on node @i: its id, or 0 with the status in *@sts */
static uint32_t conn_create(Net *net, unsigned i, const uint8_t *mac,
                            int *sts)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_CONN_CREATE);
    struct ainic_admin_comp comp;

    memcpy(c.conn_create.peer_mac, mac, 6);
    *sts = exec(&net->n[i].e, &c, &comp);
    return *sts ? 0 : le32toh(comp.result);
}

TEST(conn_create_pins_against_reaping)
{
    Net *net = net_new(2, 47);
    static const uint8_t quiet[6] = { 0x02, 0xaa, 0, 0, 0, 1 };
    struct ainic_admin_cmd destroy = mkcmd(AINIC_OP_CONN_DESTROY);
    struct ainic_conn_info ci;
    uint32_t id, made = 0, refused0;
    unsigned i;
    int sts;

    /* A connection made before any traffic, to a peer that never talks */
    id = conn_create(net, 1, quiet, &sts);
    ASSERT_EQ(0, sts);
    ASSERT_EQ(0, conn_query(&net->n[1].e, id, &ci));
    EXPECT_EQ(AINIC_CONN_INFO_F_PINNED, ci.flags);
    /* An on-demand one is not pinned, until CONN_CREATE names it */
    net->n[0].to_send[1] = 5;
    ASSERT_TRUE(net_settle(net, 100 * MS));
    ASSERT_NE(NULL, conn_to(net, 1, 0));
    ASSERT_EQ(0, conn_query(&net->n[1].e,
                            ainic_conn_id(net->n[1].e.core, conn_to(net, 1, 0)),
                            &ci));
    EXPECT_EQ(0, ci.flags);
    /* Spoofed peers fill the table again and again, idle long enough */
    for (i = 0; i < 3 * AINIC_MAX_CONNS; i++) {
        spoofed_syn(net, 1, i);
        net_run(net, AINIC_XPORT_REAP_IDLE_NS);
    }
    EXPECT_GT(st(net, 1)->xport_conns_reaped, 0u);
    /* The pinned one is still there, the idle on-demand one was reaped */
    ASSERT_EQ(0, conn_query(&net->n[1].e, id, &ci));
    EXPECT_EQ(0, memcmp(ci.peer_mac, quiet, 6));
    EXPECT_EQ(AINIC_CONN_INFO_F_PINNED, ci.flags);
    EXPECT_EQ(NULL, conn_to(net, 1, 0));
    /* Every slot pinned: CONN_CREATE and a new peer's SYN are refused */
    for (i = 0; i < AINIC_MAX_CONNS; i++) {
        uint8_t mac[6] = { 0x02, 0xbb, 0, 0, 0, (uint8_t)i };

        if (conn_create(net, 1, mac, &sts) || sts == AINIC_STS_EEXIST) {
            made++;
        }
    }
    EXPECT_EQ(AINIC_MAX_CONNS - 1u, made);
    EXPECT_EQ(AINIC_STS_ENOSPC, sts);
    refused0 = st(net, 1)->xport_conns_refused;
    spoofed_syn(net, 1, 0x7777);
    EXPECT_EQ(refused0 + 1, st(net, 1)->xport_conns_refused);
    /* CONN_DESTROY frees a pinned slot; a new peer may take it */
    destroy.conn_destroy.conn_id = htole32(id);
    ASSERT_EQ(0, run(&net->n[1].e, destroy));
    spoofed_syn(net, 1, 0x7777);
    EXPECT_EQ(refused0 + 1, st(net, 1)->xport_conns_refused);
    net_free(net);
}

TEST(pinned_connection_restarts_after_error_hold_down)
{
    Net *net = net_new(2, 53);
    struct ainic_conn_info ci;
    uint32_t id;
    int sts;

    id = conn_create(net, 0, net->n[1].mac, &sts);
    ASSERT_EQ(0, sts);
    net->n[0].to_send[1] = 10;
    ASSERT_TRUE(net_settle(net, 100 * MS));
    net->n[0].out.down = true;
    net->n[0].to_send[1] = 50;
    net_run(net, 10000 * MS);
    EXPECT_EQ(1u, st(net, 0)->xport_retry_exhausted);
    (void)conn_events(net, 0, AINIC_CONN_ERROR);
    /* After the hold-down: the same slot, IDLE, still pinned, not freed */
    net_run(net, 2000 * MS);
    EXPECT_EQ(0u, conn_events(net, 0, AINIC_CONN_FREE));
    ASSERT_EQ(0, conn_query(&net->n[0].e, id, &ci));
    EXPECT_EQ(AINIC_CONN_IDLE, ci.state);
    EXPECT_EQ(AINIC_CONN_INFO_F_PINNED, ci.flags);
    EXPECT_EQ(0u, le32toh(ci.tx_incarnation));
    EXPECT_EQ(0u, net->n[0].e.core->xport.tx_bytes);
    /* The peer is back: a new incarnation on the same slot delivers */
    EXPECT_EQ(50u, st(net, 0)->xport_error_drops);
    net->n[1].rx_next[0] = net->n[0].tx_seq[1];    /* those 50 are lost */
    net->n[0].out.down = false;
    net->n[0].to_send[1] = 10;
    ASSERT_TRUE(net_settle(net, 2000 * MS));
    EXPECT_EQ(20u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    ASSERT_EQ(0, conn_query(&net->n[0].e, id, &ci));
    EXPECT_EQ(AINIC_CONN_ESTABLISHED, ci.state);
    net_free(net);
}

/* ---- The fault injector's transport faults (spec appendix A) -------- */

static void inject(Net *net, unsigned i, const char *spec)
{
    char err[AINIC_FAULT_ERR_MAX];

    if (ainic_core_fault_inject(net->n[i].e.core, spec, err, sizeof(err))) {
        fprintf(stderr, "x-fault %s refused: %s\n", spec, err);
        abort();
    }
}

static uint64_t fired(Net *net, unsigned i)
{
    return ainic_core_faults_fired(net->n[i].e.core);
}

/* ACKs and NACKs node i's transport took (processed or refused) */
static uint64_t ctrl_taken(Net *net, unsigned i)
{
    return st(net, i)->xport_acks_rcvd + st(net, i)->xport_nacks_rcvd +
           st(net, i)->xport_unknown_conn + st(net, i)->xport_bad_acks +
           st(net, i)->xport_malformed;
}

TEST(ack_drop_one_in_two_mid_transfer)
{
    Net *net = net_new(2, 47);
    uint64_t in0, taken0;

    net->n[0].to_send[1] = 2000;
    while (net->n[1].rx_ok < 200 && net->now < 100 * MS) {
        net_run(net, 10 * US);
    }
    ASSERT_LT(net->n[1].rx_ok, 1000u);      /* mid-transfer */
    in0 = net->n[0].ctrl_in;
    taken0 = ctrl_taken(net, 0);
    inject(net, 0, "xport-ack-drop:50:2");
    ASSERT_TRUE(net_settle(net, 10000 * MS));
    EXPECT_EQ(2000u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(50u, fired(net, 0));
    /* The link's count: 50 ACKs/NACKs arrived that the transport never saw */
    EXPECT_EQ(net->n[0].ctrl_in - in0, ctrl_taken(net, 0) - taken0 + 50);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    EXPECT_EQ(AINIC_CONN_ESTABLISHED, conn_to(net, 0, 1)->state);
    net_free(net);
}

/*
 * One datagram draws one ACK, each copy sent again one more (§10.4: at once
 * for a duplicate). With every ACK dropped, only the RTO recovers.
 */
TEST(ack_drop_every_ack_recovered_by_rto)
{
    Net *net = net_new(2, 53);
    uint64_t in0, taken0, retx0, dup1;

    net->n[0].to_send[1] = 40;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    in0 = net->n[0].ctrl_in;
    taken0 = ctrl_taken(net, 0);
    retx0 = st(net, 0)->xport_retx_timeout;
    dup1 = st(net, 1)->xport_dup_dropped;
    inject(net, 0, "xport-ack-drop:3");
    net->n[0].to_send[1] = 1;
    ASSERT_TRUE(net_settle(net, 5000 * MS));
    net_run(net, 100 * MS);                 /* the last ACK home */
    EXPECT_EQ(41u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(3u, fired(net, 0));
    EXPECT_EQ(net->n[0].ctrl_in - in0, ctrl_taken(net, 0) - taken0 + 3);
    /* Each lost ACK cost a timeout; each copy sent again was a duplicate */
    EXPECT_GE(st(net, 0)->xport_retx_timeout - retx0, 3u);
    EXPECT_EQ(st(net, 0)->xport_retx_timeout - retx0,
              st(net, 1)->xport_dup_dropped - dup1);
    /* ... and the sender heard in the end: nothing left to send again */
    EXPECT_EQ(conn_to(net, 0, 1)->snd_una, conn_to(net, 0, 1)->snd_end);
    EXPECT_EQ(0u, st(net, 0)->xport_retry_exhausted);
    net_free(net);
}

/* Spec: a run of drops longer than the retry budget is a dead peer */
TEST(ack_drop_beyond_retry_limit_ends_connection)
{
    Net *net = net_new(2, 59);
    uint64_t in0, taken0;

    net->n[0].to_send[1] = 1;
    ASSERT_TRUE(net_settle(net, 1000 * MS));
    (void)conn_events(net, 0, AINIC_CONN_ERROR);
    in0 = net->n[0].ctrl_in;
    taken0 = ctrl_taken(net, 0);
    inject(net, 0, "xport-ack-drop:1000");
    net->n[0].to_send[1] = 1;
    net_run(net, 20000 * MS);
    EXPECT_EQ(1u, st(net, 0)->xport_retry_exhausted);
    EXPECT_EQ(1u, conn_events(net, 0, AINIC_CONN_ERROR));
    /* The transport heard nothing; the receiver still has it, once */
    EXPECT_EQ(net->n[0].ctrl_in - in0, fired(net, 0));
    EXPECT_EQ(taken0, ctrl_taken(net, 0));
    EXPECT_LT(fired(net, 0), 1000u);
    EXPECT_EQ(2u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    net_free(net);
}

typedef struct TailLoss {
    uint64_t sent_at;           /* the burst was posted */
    uint64_t deadline;          /* the retransmit deadline of the tail */
    uint64_t fired_at;          /* the timeout that sent it again */
    uint64_t recovered;         /* xport_timer_recovered by then */
} TailLoss;

/*
 * Node 0 sends 20 datagrams of which the link loses the last: no SACK or
 * NACK can tell of it, only a timeout. Record when the tail's deadline
 * was set and when a timeout sent it again (1 ms steps).
 */
static bool tail_loss(Net *net, const char *fault, TailLoss *t)
{
    AinicConn *c;
    uint64_t retx, end;

    net->n[0].to_send[1] = 20;
    if (!net_settle(net, 1000 * MS)) {
        return false;
    }
    c = conn_to(net, 0, 1);
    if (fault) {
        inject(net, 0, fault);
    }
    net->n[0].out.burst_after = 19;
    net->n[0].out.burst = 1;
    net->n[0].to_send[1] = 20;
    t->sent_at = net->now;
    retx = st(net, 0)->xport_retx_timeout;
    /* Until the 19 are acknowledged: the tail alone is outstanding */
    for (end = net->now + 100 * MS; net->now < end; ) {
        net_run(net, 10 * US);
        if (c->snd_nxt == c->snd_end && c->snd_nxt - c->snd_una == 1) {
            break;
        }
    }
    if (net->now >= end || st(net, 0)->xport_retx_timeout != retx) {
        return false;
    }
    t->deadline = c->rto_at;                /* white box: as it was set */
    for (end = net->now + 3000 * MS; net->now < end; ) {
        net_run(net, MS);
        if (st(net, 0)->xport_retx_timeout != retx) {
            break;
        }
    }
    t->fired_at = net->now;
    t->recovered = st(net, 0)->xport_timer_recovered;
    return net->now < end && net_settle(net, 1000 * MS);
}

TEST(timer_stuck_watchdog_recovers_lost_tail)
{
    Net *net = net_new(2, 61);
    TailLoss t;

    ASSERT_TRUE(tail_loss(net, "xport-timer-stuck:2", &t));
    TH_LOG("deadline +%llu us, sent again +%llu us after the burst",
           (unsigned long long)(t.deadline - t.sent_at) / US,
           (unsigned long long)(t.fired_at - t.sent_at) / US);
    EXPECT_EQ(40u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(1u, net->n[0].data_dropped);
    /* One connection took the fault; it takes no second one */
    EXPECT_EQ(1u, fired(net, 0));
    /* Not at its deadline (stuck), but within the watchdog's bound */
    EXPECT_GT(t.fired_at, t.deadline + AINIC_XPORT_WATCHDOG_NS);
    EXPECT_LE(t.fired_at, t.deadline + 2 * AINIC_XPORT_WATCHDOG_NS + MS);
    EXPECT_EQ(1u, t.recovered);
    EXPECT_EQ(1u, st(net, 0)->xport_timer_recovered);
    EXPECT_EQ(0u, st(net, 1)->xport_dup_dropped);
    net_free(net);
}

TEST(timer_stuck_fires_when_the_fault_ends)
{
    Net *net = net_new(2, 67);
    TailLoss t;

    /* Stuck for 50 ms, less than the watchdog allows: late, not recovered */
    ASSERT_TRUE(tail_loss(net, "xport-timer-stuck:1:50", &t));
    EXPECT_EQ(40u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(1u, fired(net, 0));
    EXPECT_GE(t.fired_at, t.sent_at + 50 * MS);
    EXPECT_GT(t.fired_at, t.deadline);
    EXPECT_EQ(0u, t.recovered);
    net_free(net);
}

/* The control: the same loss without the fault */
TEST(timer_healthy_watchdog_counts_nothing)
{
    Net *net = net_new(2, 61);
    TailLoss t;

    ASSERT_TRUE(tail_loss(net, NULL, &t));
    EXPECT_EQ(40u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_EQ(0u, fired(net, 0));
    EXPECT_LE(t.fired_at, t.deadline + MS);     /* on time */
    EXPECT_EQ(0u, st(net, 0)->xport_timer_recovered);
    /* Nothing outstanding: the watchdog stops scanning */
    net_run(net, 3 * AINIC_XPORT_WATCHDOG_NS);
    EXPECT_FALSE(net->n[0].e.core->xport.watchdog_on);
    EXPECT_EQ(0u, st(net, 0)->xport_timer_recovered);
    net_free(net);
}

/* ---- Receive coalescing with the transport (§7.5, §10.4) -------------- */

static void coalesce_on(Net *net, unsigned i)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);

    c.port_config.valid = htole32(AINIC_PORT_CFG_RX_COALESCE);
    c.port_config.rx_coalesce = 1;
    c.port_config.rx_coalesce_max_bufs = 4;
    if (run(&net->n[i].e, c)) {
        abort();
    }
}

TEST(coalescing_through_loss_and_reorder_every_byte_once_in_order)
{
    Net *net = net_new(2, 11);
    unsigned i;

    net->tcp = true;
    for (i = 0; i < 2; i++) {
        coalesce_on(net, i);
        net->n[i].out = (Impair){ .loss = 0.05, .dup = 0.01, .reorder = 0.02,
                                  .reorder_ns = 300 * US };
    }
    net->n[0].to_send[1] = 3000;
    net->n[1].to_send[0] = 600;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(3000u, net->n[1].rx_ok);
    EXPECT_EQ(600u, net->n[0].rx_ok);
    EXPECT_EQ(0u, net->n[0].rx_bad + net->n[1].rx_bad);
    ASSERT_GT(net->n[0].data_dropped, 50u);
    /* Held packets placed together after a repair were merged */
    EXPECT_GT(net->n[1].rx_merged, 0u);
    EXPECT_EQ(net->n[1].rx_merged, st(net, 1)->rx_coalesced_frames);
    EXPECT_GT(st(net, 1)->rx_coalesced_segs,
              st(net, 1)->rx_coalesced_frames);
    /* The wire's view: every DATA packet placed counted once */
    EXPECT_EQ(3000u, st(net, 1)->rx_packets);
    EXPECT_EQ(3000u, st(net, 1)->xport_rx_pkts);
    net_free(net);
}

TEST(coalescing_with_a_slow_receiver_loses_nothing)
{
    Net *net = net_new(2, 5);
    unsigned i;

    net->tcp = true;
    coalesce_on(net, 1);
    net->n[0].to_send[1] = 2000;
    /* The receiver stops posting buffers for a while, then resumes */
    net->n[1].rx_serve = false;
    net_run(net, 30 * MS);
    EXPECT_LT(net->n[1].rx_ok, 2000u);
    net->n[1].rx_serve = true;
    ASSERT_TRUE(net_settle(net, 20000 * MS));
    EXPECT_EQ(2000u, net->n[1].rx_ok);
    EXPECT_EQ(0u, net->n[1].rx_bad);
    EXPECT_GT(net->n[1].rx_merged, 0u);
    for (i = 0; i < 2; i++) {
        EXPECT_EQ(0u, st(net, i)->xport_retry_exhausted);
    }
    net_free(net);
}

TEST_HARNESS_MAIN
