// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host unit tests of receive coalescing (uapi/ainic-device.md §7.5) in the
 * device core: TCP segments built here, sent through the core's own TX
 * path to get their wire form (loopback), received, and the merged frames
 * read back from the RX buffers and checked against what was sent: the
 * headers by recomputing their checksums, the payload byte for byte.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The harness's TEST() wrappers and signal handler leave parameters unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "ainic_core.h"
#include "fake_dev.h"

#define COAL_CAPS       (DP_CAPS | AINIC_CAP_RX_COALESCE)
#define MAX_BUFS        18      /* a Linux driver: 1 + MAX_SKB_FRAGS */
#define FRAME_MAX       (70 * 1024)
#define TCP_ACK         0x10
#define TCP_PSH         0x08

/* One TCP segment to build; zero fields take the defaults */
typedef struct Seg {
    bool v6;
    uint16_t sport;             /* 0: 40000 */
    uint32_t seq, ack;
    uint16_t win;               /* 0: 1000 */
    uint8_t flags;              /* 0: ACK */
    size_t plen;
    uint32_t tsval;             /* non-zero: a timestamp option */
    bool ip_opt;                /* IPv4 with 4 bytes of options */
    bool more_frags;            /* IPv4 MF set */
    uint8_t ttl;                /* 0: 64 */
    bool bad_csum;
} Seg;

/* The payload byte at sequence number x: the merged frame is checkable */
static uint8_t pat(uint32_t x)
{
    return (uint8_t)((x * 2654435761u) >> 24);
}

static size_t build(uint8_t *f, const Seg *s)
{
    uint32_t iphl = s->v6 ? 40 : (s->ip_opt ? 24 : 20);
    uint32_t thl = s->tsval ? 32 : 20, l4 = 14 + iphl, i;
    uint8_t *ip = f + 14, *t = f + l4;

    memset(f, 0, l4 + thl);
    memcpy(f, peer_mac, 6);
    memcpy(f + 6, test_mac, 6);
    if (s->v6) {
        wr16(f + 12, 0x86dd);
        ip[0] = 0x60;
        wr16(ip + 4, thl + s->plen);
        ip[6] = 6;
        ip[7] = s->ttl ? s->ttl : 64;
        ip[8] = 0xfd;
        ip[23] = 1;
        ip[24] = 0xfd;
        ip[39] = 2;
    } else {
        wr16(f + 12, 0x0800);
        ip[0] = 0x40 | (iphl / 4);
        wr16(ip + 2, iphl + thl + s->plen);
        wr16(ip + 4, (uint16_t)s->seq);
        wr16(ip + 6, 0x4000 | (s->more_frags ? 0x2000 : 0));
        ip[8] = s->ttl ? s->ttl : 64;
        ip[9] = 6;
        wr32(ip + 12, 0x0a000001);
        wr32(ip + 16, 0x0a000002);
        if (s->ip_opt) {
            ip[20] = 1;         /* NOPs */
            ip[21] = 1;
            ip[22] = 1;
            ip[23] = 0;
        }
        wr16(ip + 10, ~ref_fold(ref_sum(0, ip, iphl)));
    }
    wr16(t, s->sport ? s->sport : 40000);
    wr16(t + 2, 5201);
    wr32(t + 4, s->seq);
    wr32(t + 8, s->ack);
    t[12] = (thl / 4) << 4;
    t[13] = s->flags ? s->flags : TCP_ACK;
    wr16(t + 14, s->win ? s->win : 1000);
    if (s->tsval) {
        t[20] = 1;
        t[21] = 1;
        t[22] = 8;
        t[23] = 10;
        wr32(t + 24, s->tsval);
        wr32(t + 28, 77);
    }
    for (i = 0; i < s->plen; i++) {
        t[thl + i] = pat(s->seq + i);
    }
    wr16(t + 16, ~ref_fold(pseudo(f, 14, s->v6, 6, thl + s->plen) +
                           ref_sum(0, t, thl + s->plen)));
    if (s->bad_csum) {
        t[16] ^= 0x5a;
    }
    return l4 + thl + s->plen;
}

/* Build, encapsulate and receive one segment; whether the core took it */
static bool rx_seg(Env *e, const Seg *s)
{
    static uint8_t f[9100], w[9200];
    size_t len = build(f, s), wl;

    if (e->nwire >= WIRE_MAX - 1) {
        e->nwire = 0;           /* the test's own log of sent frames */
    }
    wl = encap(e, w, f, len);
    return ainic_core_receive(e->core, w, wl);
}

/* qp 0 buffers: ring slot i uses RX buffer i, so none is shared */
static void post_bufs(Env *e, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        struct ainic_rx_desc d = { 0 };
        uint32_t idx = e->rx_tail[0];

        d.addr = htole64(RXBUF_GPA + (uint64_t)idx * RX_BUF);
        d.len = htole32(RX_BUF);
        memcpy(gpa(e, ring_of(AINIC_QTYPE_RXQ, 0) + (uint64_t)idx * 16), &d,
               16);
        e->rx_tail[0] = (idx + 1) & 63;
    }
    wr(e, AINIC_REG_DB_RXQ(0), e->rx_tail[0]);
}

/* A frame read back from the host's buffers */
typedef struct Rx {
    uint8_t data[FRAME_MAX];
    uint32_t len;
    uint16_t cflags;            /* of the EOP CQE */
    uint16_t segs;
    unsigned nbuf;
    bool bad;                   /* a CQE status or a non-EOP with flags */
} Rx;

/* Reap one frame of RX CQ 1; false if no CQE is there */
static bool rx_take(Env *e, Rx *r)
{
    struct ainic_cqe c;

    memset(r, 0, offsetof(Rx, data));
    r->len = 0;
    r->nbuf = 0;
    r->bad = false;
    while (reap_cqe(e, 1, &c)) {
        uint32_t n = le32toh(c.len);
        uint16_t idx = le16toh(c.desc_index), fl = le16toh(c.cflags);

        if (c.status || idx > 63 || n > RX_BUF || r->len + n > FRAME_MAX) {
            r->bad = true;
            n = 0;
        }
        memcpy(r->data + r->len, gpa(e, RXBUF_GPA + (uint64_t)idx * RX_BUF),
               n);
        r->len += n;
        r->nbuf++;
        if (fl & AINIC_CQE_F_EOP) {
            r->cflags = fl;
            r->segs = le16toh(c.gso_segs);
            cq_release(e, 1);
            return true;
        }
        if (fl || c.gso_segs) {
            r->bad = true;      /* flags belong on the EOP CQE only */
        }
    }
    cq_release(e, 1);
    return r->nbuf != 0;
}

/*
 * Check a merged IPv4/IPv6 frame against the segments sent: first's
 * headers and seq, last's ack/window/flags, n segments of plen bytes from
 * seq. Returns 0 or the number of the first check that failed.
 */
static int check_merged(const Rx *r, const Seg *first, const Seg *last,
                        unsigned n, size_t plen)
{
    uint32_t l4 = first->v6 ? 54 : 34, thl = first->tsval ? 32 : 20;
    const uint8_t *ip = r->data + 14, *t = r->data + l4;
    size_t total = plen * n, i;

    if (r->bad || r->len != l4 + thl + total) {
        return 1;
    }
    if (first->v6) {
        if (rd16(ip + 4) != thl + total) {
            return 2;
        }
    } else if (rd16(ip + 2) != 20 + thl + total ||
               ref_fold(ref_sum(0, ip, 20)) != 0xffff ||
               rd16(ip + 4) != (uint16_t)first->seq) {
        return 3;
    }
    if (!l4_csum_valid(r->data, 14, l4, first->v6, 6, thl + total)) {
        return 4;
    }
    if (rd32(t + 4) != first->seq || rd32(t + 8) != last->ack ||
        rd16(t + 14) != (last->win ? last->win : 1000) ||
        t[13] != (last->flags ? last->flags : TCP_ACK)) {
        return 5;
    }
    for (i = 0; i < total; i++) {
        if (r->data[l4 + thl + i] != pat(first->seq + i)) {
            return 6;
        }
    }
    if (r->segs != n || r->nbuf != (r->len + RX_BUF - 1) / RX_BUF) {
        return 7;
    }
    return 0;
}

static struct ainic_admin_cmd coal_cmd(uint8_t on, uint8_t bufs)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);

    c.port_config.valid = htole32(AINIC_PORT_CFG_RX_COALESCE);
    c.port_config.rx_coalesce = on;
    c.port_config.rx_coalesce_max_bufs = bufs;
    return c;
}

/* The zero-delay timer: the end of the burst */
static void end_burst(Env *e)
{
    clock_advance(e, 0);
}

FIXTURE(coal) {
    Env e;
    Rx r;
};

FIXTURE_SETUP(coal)
{
    ASSERT_EQ(0, env_init_caps(&self->e, COAL_CAPS));
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              bring_up(&self->e, 16, 8));
    ainic_core_set_link(self->e.core, true);
    mkqp(&self->e, 0);
    ASSERT_EQ(0, run(&self->e, coal_cmd(1, MAX_BUFS)));
    post_bufs(&self->e, 63);
    self->e.guest_errors = 0;
}

FIXTURE_TEARDOWN(coal)
{
    env_fini(&self->e);
}

TEST_F(coal, in_order_segments_become_one_frame)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    Seg s[8];
    uint64_t wire = 0;
    unsigned i;

    for (i = 0; i < 8; i++) {
        s[i] = (Seg){ .seq = 1000 + i * 1000, .ack = 5000 + i * 7,
                      .win = 900 + i, .plen = 1000 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
        wire += 54 + 1000;
    }
    /* Nothing before the end of the burst */
    ASSERT_FALSE(rx_take(e, r));
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[7], 8, 1000));
    ASSERT_EQ(AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK | AINIC_CQE_F_COALESCED,
              r->cflags);
    ASSERT_EQ(4u, r->nbuf);             /* 8054 bytes in 2048-byte buffers */
    ASSERT_FALSE(rx_take(e, r));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(8u, le64toh(st.rx_packets));   /* wire segments */
    ASSERT_EQ(wire, le64toh(st.rx_bytes));
    ASSERT_EQ(1u, le64toh(st.rx_coalesced_frames));
    ASSERT_EQ(8u, le64toh(st.rx_coalesced_segs));
    ASSERT_EQ(1u, le64toh(st.rx_coalesce_flush_timer));
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(coal, psh_joins_and_ends_the_aggregate)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    Seg s[3];
    unsigned i;

    for (i = 0; i < 3; i++) {
        s[i] = (Seg){ .seq = 77 + i * 500, .ack = 9, .plen = 500,
                      .flags = i == 2 ? TCP_ACK | TCP_PSH : 0 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    /* Delivered at once, without the timer */
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[2], 3, 500));
    ASSERT_EQ(TCP_ACK | TCP_PSH, r->data[34 + 13]);
    /* A PSH segment alone opens nothing: delivered at once as it is */
    s[0] = (Seg){ .seq = 77 + 1500, .plen = 100, .flags = TCP_ACK | TCP_PSH };
    ASSERT_TRUE(rx_seg(e, &s[0]));
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK, r->cflags);
    ASSERT_EQ(154u, r->len);
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(1u, le64toh(st.rx_coalesce_flush_psh));
    ASSERT_EQ(4u, le64toh(st.rx_packets));
}

TEST_F(coal, ipv6_and_timestamps)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    Seg s[5];
    unsigned i;

    for (i = 0; i < 5; i++) {
        /* Sequence numbers wrap inside the aggregate */
        s[i] = (Seg){ .v6 = true, .seq = 0xfffff000u + i * 1200,
                      .ack = 1 + i, .plen = 1200, .tsval = 4242 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[4], 5, 1200));
    ASSERT_EQ(AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK | AINIC_CQE_F_COALESCED |
              AINIC_CQE_F_TSO_IPV6, r->cflags);
    ASSERT_FALSE(rx_take(e, r));
}

/*
 * Case k of the ineligible or non-joining second segments: the first is a
 * plain good segment; neither may come out merged, and they keep order.
 */
static Seg bad_second(unsigned k, const Seg *a)
{
    Seg b = { .seq = a->seq + a->plen, .ack = a->ack, .plen = 300 };

    switch (k) {
    case 0: b.flags = TCP_ACK | 0x01; break;            /* FIN */
    case 1: b.flags = TCP_ACK | 0x20; break;            /* URG */
    case 2: b.flags = TCP_ACK | 0x40; break;            /* ECE */
    case 3: b.tsval = 99; break;                        /* options differ */
    case 4: b.seq += 1; break;                          /* a gap */
    case 5: b.seq -= a->plen; break;                    /* a repeat */
    case 6: b.ip_opt = true; break;                     /* IPv4 options */
    case 7: b.more_frags = true; break;                 /* a fragment */
    case 8: b.bad_csum = true; break;
    case 9: b.ttl = 63; break;                          /* TTL differs */
    case 10: b.plen = 0; break;                         /* a pure ACK */
    }
    return b;
}

#define BAD_CASES 11

TEST_F(coal, ineligible_or_non_joining_segments_stay_plain_in_order)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    unsigned k;

    for (k = 0; k < BAD_CASES; k++) {
        Seg a = { .seq = 100000 * (k + 1), .ack = 3, .plen = 400 };
        Seg b = bad_second(k, &a);
        uint32_t blen = (b.ip_opt ? 58 : 54) + (b.tsval ? 12 : 0) + b.plen;

        ASSERT_TRUE(rx_seg(e, &a));
        ASSERT_TRUE(rx_seg(e, &b));
        end_burst(e);
        TH_LOG("case %u", k);
        ASSERT_TRUE(rx_take(e, r));
        ASSERT_EQ(454u, r->len);
        ASSERT_EQ(a.seq, rd32(r->data + 38));
        ASSERT_FALSE(!!(r->cflags & AINIC_CQE_F_COALESCED));
        ASSERT_TRUE(rx_take(e, r));
        ASSERT_EQ(blen, r->len);
        ASSERT_FALSE(!!(r->cflags & AINIC_CQE_F_COALESCED));
        ASSERT_EQ(k == 7 || k == 8 ? AINIC_CQE_F_EOP
                         : AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK, r->cflags);
        ASSERT_FALSE(rx_take(e, r));
        post_bufs(e, 2);
    }
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(0u, le64toh(st.rx_coalesced_frames));
    ASSERT_EQ(2u * BAD_CASES, le64toh(st.rx_packets));
}

TEST_F(coal, udp_and_vlan_frames_are_not_coalesced)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    uint8_t f[1600], w[1700];
    size_t len;
    unsigned i;

    for (i = 0; i < 3; i++) {
        len = mk_udp4(f, 500, 53, 5353);
        ASSERT_TRUE(ainic_core_receive(e->core, w, encap(e, w, f, len)));
        ASSERT_TRUE(rx_take(e, r));     /* at once: nothing held */
        ASSERT_EQ(len, r->len);
    }
    /* A tagged TCP segment: the same bytes behind a VLAN header */
    for (i = 0; i < 2; i++) {
        Seg s = { .seq = 10 + i * 200, .plen = 200 };
        uint8_t g[1600];

        len = build(f, &s);
        memcpy(g, f, 12);
        wr16(g + 12, 0x8100);
        wr16(g + 14, 5);
        memcpy(g + 16, f + 12, len - 12);
        ASSERT_TRUE(ainic_core_receive(e->core, w,
                                       encap(e, w, g, len + 4)));
        ASSERT_TRUE(rx_take(e, r));
        ASSERT_EQ(len + 4, r->len);
        ASSERT_FALSE(!!(r->cflags & AINIC_CQE_F_COALESCED));
    }
}

TEST_F(coal, interleaved_flows_keep_their_own_aggregates)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    Seg x[4], y[4];
    unsigned i, got = 0;

    for (i = 0; i < 4; i++) {
        x[i] = (Seg){ .sport = 1111, .seq = 5000 + i * 700, .ack = 1 + i,
                      .plen = 700 };
        y[i] = (Seg){ .sport = 2222, .seq = 9000 + i * 300, .ack = 50 + i,
                      .plen = 300 };
        ASSERT_TRUE(rx_seg(e, &x[i]));
        ASSERT_TRUE(rx_seg(e, &y[i]));
    }
    end_burst(e);
    while (rx_take(e, r)) {
        if (rd16(r->data + 34) == 1111) {
            ASSERT_EQ(0, check_merged(r, &x[0], &x[3], 4, 700));
            got |= 1;
        } else {
            ASSERT_EQ(0, check_merged(r, &y[0], &y[3], 4, 300));
            got |= 2;
        }
    }
    ASSERT_EQ(3u, got);
}

TEST_F(coal, a_fifth_flow_flushes_the_oldest)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    unsigned i, j;

    for (j = 0; j < 2; j++) {
        for (i = 0; i < 5; i++) {
            Seg s = { .sport = 100 + i, .seq = j * 200, .plen = 200 };

            ASSERT_TRUE(rx_seg(e, &s));
        }
    }
    end_burst(e);
    /* Five flows on four slots: a new flow evicts the oldest; no byte lost */
    for (i = 0, j = 0; rx_take(e, r); i++) {
        ASSERT_FALSE(r->bad);
        j += r->len - 54;
    }
    ASSERT_EQ(2000u, j);
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_LE(1u, le64toh(st.rx_coalesce_flush_other));
    ASSERT_EQ(10u, le64toh(st.rx_packets));
    ASSERT_EQ(i, (unsigned)(10 - le64toh(st.rx_coalesced_segs) +
                            le64toh(st.rx_coalesced_frames)));
}

TEST_F(coal, segment_limit_starts_a_new_aggregate)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    Seg s[40];
    unsigned i;

    for (i = 0; i < 40; i++) {
        s[i] = (Seg){ .seq = i * 30, .ack = i, .plen = 30 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[31], 32, 30));
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[32], &s[39], 8, 30));
    ASSERT_FALSE(rx_take(e, r));
}

TEST_F(coal, buffer_limit_starts_a_new_aggregate)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    Seg s[12];
    unsigned i;

    /* 4 buffers: 54 + 8 * 1000 bytes fit, a 9th segment does not */
    ASSERT_EQ(0, run(e, coal_cmd(1, 4)));
    for (i = 0; i < 12; i++) {
        s[i] = (Seg){ .seq = 1 + i * 1000, .plen = 1000 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[7], 8, 1000));
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[8], &s[11], 4, 1000));
    ASSERT_FALSE(rx_take(e, r));
}

TEST_F(coal, byte_limit_is_64k_of_ip_length)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);
    Seg s[10];
    unsigned i;

    c.port_config.valid = htole32(AINIC_PORT_CFG_MTU);
    c.port_config.mtu = htole32(9000);
    ASSERT_EQ(0, run(e, c));
    ASSERT_EQ(0, run(e, coal_cmd(1, 60)));
    /* 40 + 8 * 8000 = 64040 fits the IPv4 length, 9 segments do not */
    for (i = 0; i < 10; i++) {
        s[i] = (Seg){ .seq = i * 8000, .plen = 8000 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
        if (i == 8) {
            /* The first aggregate went out when the 9th did not fit */
            ASSERT_TRUE(rx_take(e, r));
            ASSERT_EQ(0, check_merged(r, &s[0], &s[7], 8, 8000));
            post_bufs(e, r->nbuf);
        }
    }
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[8], &s[9], 2, 8000));
}

TEST_F(coal, reserved_buffers_are_not_given_to_others)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    uint8_t f[1600], w[1700];
    struct ainic_dev_stats st;
    size_t ulen = mk_udp4(f, 100, 53, 5353);
    Seg s[4];
    unsigned i;

    /* Only 3 buffers posted: the ring starts over */
    env_fini(e);
    ASSERT_EQ(0, env_init_caps(e, COAL_CAPS));
    bring_up(e, 16, 8);
    ainic_core_set_link(e->core, true);
    mkqp(e, 0);
    ASSERT_EQ(0, run(e, coal_cmd(1, MAX_BUFS)));
    post_bufs(e, 3);
    for (i = 0; i < 3; i++) {
        s[i] = (Seg){ .seq = i * 1400, .plen = 1400 };
        ASSERT_TRUE(rx_seg(e, &s[i]));  /* 54 + 4200: 3 buffers reserved */
    }
    /* A UDP frame finds no room beyond the reservation: backlog, after
     * the aggregate is placed */
    ASSERT_TRUE(ainic_core_receive(e->core, w, encap(e, w, f, ulen)));
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[2], 3, 1400));
    ASSERT_FALSE(rx_take(e, r));
    ASSERT_EQ(1u, e->core->qp_stats[0].rx_backlogged);
    /* A segment of the flow now waits behind the UDP frame */
    s[3] = (Seg){ .seq = 3 * 1400, .plen = 1400 };
    ASSERT_TRUE(rx_seg(e, &s[3]));
    post_bufs(e, 3);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(ulen, r->len);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(1454u, r->len);
    ASSERT_EQ(s[3].seq, rd32(r->data + 38));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(1u, le64toh(st.rx_coalesce_flush_other));
    ASSERT_EQ(0u, le64toh(st.rx_dropped));
}

TEST_F(coal, a_segment_beyond_the_posted_buffers_flushes_first)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    Seg s[5];
    unsigned i;

    env_fini(e);
    ASSERT_EQ(0, env_init_caps(e, COAL_CAPS));
    bring_up(e, 16, 8);
    ainic_core_set_link(e->core, true);
    mkqp(e, 0);
    ASSERT_EQ(0, run(e, coal_cmd(1, MAX_BUFS)));
    post_bufs(e, 2);
    for (i = 0; i < 5; i++) {
        s[i] = (Seg){ .seq = i * 1000, .plen = 1000 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    /*
     * 5 segments need 3 buffers: the aggregate of 4 (2 buffers) went out,
     * the 5th waits in the backlog
     */
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[3], 4, 1000));
    ASSERT_FALSE(rx_take(e, r));
    post_bufs(e, 2);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(1054u, r->len);
    ASSERT_EQ(s[4].seq, rd32(r->data + 38));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(1u, le64toh(st.rx_coalesce_flush_limit));
    ASSERT_EQ(1u, e->core->qp_stats[0].rx_backlogged);
}

TEST_F(coal, disable_flushes_and_stops)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    Seg s[5];
    unsigned i;

    for (i = 0; i < 3; i++) {
        s[i] = (Seg){ .seq = i * 100, .plen = 100 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    ASSERT_FALSE(rx_take(e, r));
    ASSERT_EQ(0, run(e, coal_cmd(0, 0)));
    ASSERT_TRUE(rx_take(e, r));         /* before any timer */
    ASSERT_EQ(0, check_merged(r, &s[0], &s[2], 3, 100));
    for (i = 3; i < 5; i++) {
        s[i] = (Seg){ .seq = i * 100, .plen = 100 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
        ASSERT_TRUE(rx_take(e, r));     /* plain, at once */
        ASSERT_EQ(154u, r->len);
        ASSERT_FALSE(!!(r->cflags & AINIC_CQE_F_COALESCED));
    }
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(1u, le64toh(st.rx_coalesce_flush_other));
    /* On again, at run time */
    ASSERT_EQ(0, run(e, coal_cmd(1, MAX_BUFS)));
    for (i = 0; i < 2; i++) {
        s[i] = (Seg){ .seq = 500 + i * 100, .plen = 100 };
        ASSERT_TRUE(rx_seg(e, &s[i]));
    }
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(0, check_merged(r, &s[0], &s[1], 2, 100));
}

TEST_F(coal, queue_destroy_drops_and_counts)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    unsigned i;

    for (i = 0; i < 3; i++) {
        Seg s = { .seq = i * 100, .plen = 100 };

        ASSERT_TRUE(rx_seg(e, &s));
    }
    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_RXQ, 0)));
    end_burst(e);
    ASSERT_FALSE(rx_take(e, r));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(3u, le64toh(st.rx_dropped));
    ASSERT_EQ(3u, e->core->qp_stats[0].rx_backlog_drops);
    ASSERT_EQ(0u, le64toh(st.rx_packets));
}

TEST_F(coal, reset_drops_and_turns_it_off)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    unsigned i;

    for (i = 0; i < 3; i++) {
        Seg s = { .seq = i * 100, .plen = 100 };

        ASSERT_TRUE(rx_seg(e, &s));
    }
    ASSERT_NE(0u, bring_up(e, 16, 8) & AINIC_STATUS_ENABLED);
    end_burst(e);
    e->rx_tail[0] = 0;
    e->tx_tail[0] = 0;
    mkqp(e, 0);
    post_bufs(e, 8);
    ASSERT_FALSE(rx_take(e, r));        /* nothing of before the reset */
    for (i = 0; i < 2; i++) {
        Seg s = { .seq = 300 + i * 100, .plen = 100 };

        ASSERT_TRUE(rx_seg(e, &s));
        ASSERT_TRUE(rx_take(e, r));     /* off after reset: plain at once */
        ASSERT_EQ(154u, r->len);
    }
}

TEST_F(coal, enabling_command_refuses_bad_fields)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_admin_cmd c;
    Env d;
    Seg s;

    ASSERT_EQ(AINIC_STS_EINVAL, run(e, coal_cmd(2, 4)));
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, coal_cmd(1, 0)));
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, coal_cmd(0, 5)));
    c = coal_cmd(0, 0);
    c.port_config.rsvd1[1] = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    /* A refused MTU refuses the whole command: still on */
    c = coal_cmd(0, 0);
    c.port_config.valid |= htole32(AINIC_PORT_CFG_MTU);
    c.port_config.mtu = htole32(1);
    ASSERT_EQ(AINIC_STS_ERANGE, run(e, c));
    ASSERT_EQ(5u, e->guest_errors);
    /* Without the valid bit the fields are ignored */
    c = coal_cmd(7, 0);
    c.port_config.valid = 0;
    ASSERT_EQ(0, run(e, c));
    /* Still on: two segments merge */
    s = (Seg){ .seq = 1, .plen = 10 };
    ASSERT_TRUE(rx_seg(e, &s));
    s.seq = 11;
    ASSERT_TRUE(rx_seg(e, &s));
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_EQ(2u, r->segs);

    /* A device without the capability refuses the bit */
    ASSERT_EQ(0, env_init_caps(&d, DP_CAPS));
    bring_up(&d, 16, 8);
    ASSERT_EQ(AINIC_STS_EINVAL, run(&d, coal_cmd(1, 4)));
    ASSERT_EQ(1u, d.guest_errors);
    env_fini(&d);
}

TEST_F(coal, broken_queue_at_flush_drops_counted)
{
    Env *e = &self->e;
    Rx *r = &self->r;
    struct ainic_dev_stats st;
    unsigned i;

    for (i = 0; i < 4; i++) {
        Seg s = { .seq = i * 100, .plen = 100 };

        ASSERT_TRUE(rx_seg(e, &s));
    }
    /* The buffers the aggregate will use now fault */
    e->fail_lo = RXBUF_GPA;
    e->fail_hi = RXBUF_GPA + 64 * RX_BUF;
    end_burst(e);
    ASSERT_TRUE(rx_take(e, r));
    ASSERT_TRUE(r->bad);
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(4u, le64toh(st.rx_dropped));
    ASSERT_EQ(0u, le64toh(st.rx_packets));
}

TEST_HARNESS_MAIN
