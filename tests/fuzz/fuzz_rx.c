// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the receive path of the ainic device core (§7.3, §8).
 * The harness brings the device to ENABLED with link up and 1 to 4 queue
 * pairs, then the input (RX_* operations, fuzz_util.h) delivers frames
 * from the fabric through ainic_core_receive(), raw or wrapped in a valid
 * RAW ainic header with one byte corrupted, interleaved with buffer
 * posting (also raw descriptors and doorbells), CQ reaping and doorbells,
 * masking, queue destruction and re-creation; with receive coalescing
 * (§7.5) on or toggled, TCP segment sequences of four flows.
 *
 * Invariants: every CQE is well formed, names the driver's next buffer and
 * holds at most buf_size bytes, filling every buffer but a frame's last
 * (EOP); the device never has more CQEs outstanding than the CQ holds; a
 * frame the core refuses leaves can_receive() false until room appears;
 * every frame taken is delivered, dropped, waiting in a bounded RX
 * backlog or held in a coalescing aggregate, once; a COALESCED frame is a
 * valid TCP segment (IP and TCP checksums, lengths) of gso_segs segments.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#define RXQ_N   64
#define SMALL_BUF 256

typedef struct RxState {
    unsigned nqp;
    uint32_t buf_size[TEST_QPS];
    bool active[TEST_QPS];
    uint32_t next[TEST_QPS];        /* driver's next buffer */
    uint32_t unreleased[TEST_QPS];  /* CQEs reaped since DB_RXCQ */
    uint8_t held[FUZZ_RX_MAX_LEN + 74];
    size_t held_len;                /* 0: nothing held */
    uint64_t taken;                 /* frames receive() took */
    bool coal_ever;                 /* coalescing was on at some point */
    uint32_t tcp_seq[4];            /* next sequence number per flow */
} RxState;

static void mkrxq(Env *e, RxState *s, uint16_t qp)
{
    if (run(e, q_create(AINIC_QTYPE_RXQ, 6, qp, 2 * qp + 1, 0,
                        s->buf_size[qp]))) {
        fuzz_fail("harness: RXQ %u refused", qp);
    }
    s->active[qp] = true;
    s->next[qp] = 0;
    e->rx_tail[qp] = 0;
}

/*
 * The CQEs one receive() wrote to CQ 2qp+1 from slot from on: consecutive
 * buffers of RXQ qp, full but the last, EOP on the last (or on the failed
 * one); a frame delivered whole adds up to its inner length and its bytes
 * are in the buffers the descriptors name.
 */
/*
 * A merged frame read back from its buffers: a valid TCP segment whose
 * lengths agree with what was written and with gso_segs
 */
static void check_merged(uint16_t qp, const uint8_t *f, uint32_t len,
                         uint16_t cflags)
{
    bool v6 = cflags & AINIC_CQE_F_TSO_IPV6;
    uint32_t l4 = v6 ? 54 : 34, iplen;

    if (len < l4 + 20 || rd16(f + 12) != (v6 ? 0x86dd : 0x0800)) {
        fuzz_fail("RXQ %u: COALESCED frame of %u bytes, not TCP/IPv%d", qp,
                  len, v6 ? 6 : 4);
    }
    iplen = v6 ? 40 + rd16(f + 18) : rd16(f + 16);
    if (iplen + 14 != len || (!v6 && ref_fold(ref_sum(0, f + 14, 20)) !=
                                     0xffff) ||
        !l4_csum_valid(f, 14, l4, v6, 6, len - l4)) {
        fuzz_fail("RXQ %u: COALESCED frame of %u bytes: IP length %u or a "
                  "checksum is wrong", qp, len, iplen);
    }
}

/*
 * With coalescing, one receive() may place an earlier aggregate as well:
 * each frame's CQEs are well formed, and a merged one is checked whole
 * where its buffers do not overlap.
 */
static void check_frames(Env *e, uint16_t qp, uint32_t from, uint32_t n)
{
    const AinicQueue *cq = &e->core->cq[2 * qp + 1];
    uint32_t buf_size = e->core->rxq[qp].buf_size, i, k, flen = 0, first = 0;
    static uint8_t frame[FUZZ_RX_MAX_LEN + 65536];
    bool overlap = false;

    for (i = 0; i < n; i++) {
        struct ainic_cqe c;
        struct ainic_rx_desc d;
        uint16_t fl;
        uint32_t l;

        memcpy(&c, gpa(e, cq->ring_addr + ((from + i) & (cq->size - 1)) * 16),
               16);
        fuzz_check_cqe(e, 2 * qp + 1, &c);
        fl = le16toh(c.cflags);
        l = le32toh(c.len);
        if (le16toh(c.desc_index) >= RXQ_N || l > buf_size ||
            (!(fl & AINIC_CQE_F_EOP) && (c.status || l != buf_size))) {
            fuzz_fail("RXQ %u: CQE %u: buffer %u, len %u, status %u", qp, i,
                      le16toh(c.desc_index), l, c.status);
        }
        memcpy(&d, gpa(e, ring_of(AINIC_QTYPE_RXQ, qp) +
                          le16toh(c.desc_index) * 16u), 16);
        for (k = first; k < i && !c.status; k++) {
            struct ainic_cqe p;
            struct ainic_rx_desc pd;

            memcpy(&p, gpa(e, cq->ring_addr +
                              ((from + k) & (cq->size - 1)) * 16), 16);
            memcpy(&pd, gpa(e, ring_of(AINIC_QTYPE_RXQ, qp) +
                               le16toh(p.desc_index) * 16u), 16);
            overlap |= !(le64toh(pd.addr) + le32toh(p.len) <=
                         le64toh(d.addr) ||
                         le64toh(d.addr) + l <= le64toh(pd.addr));
        }
        if (!c.status && flen + l <= sizeof(frame)) {
            memcpy(frame + flen, gpa(e, le64toh(d.addr)), l);
        }
        flen += l;
        if (fl & AINIC_CQE_F_EOP) {
            if ((fl & AINIC_CQE_F_COALESCED) && !overlap) {
                check_merged(qp, frame, flen, fl);
            }
            flen = 0;
            first = i + 1;
            overlap = false;
        }
    }
    if (flen) {
        fuzz_fail("RXQ %u: a frame without EOP", qp);
    }
}

static void check_delivery(Env *e, uint16_t qp, uint32_t from,
                           const uint8_t *pkt, bool coalescing)
{
    const AinicQueue *cq = &e->core->cq[2 * qp + 1];
    const uint8_t *inner = pkt + 14 + (pkt[14] & 0xf) * 4 + 8 + 32;
    uint32_t ilen = rd16(pkt + 14 + (pkt[14] & 0xf) * 4 + 8 + 2);
    uint32_t n = (cq->prod - from) & (cq->size - 1), i, j, off = 0;
    uint32_t buf_size = e->core->rxq[qp].buf_size, len[RXQ_N];
    uint64_t lo[RXQ_N];

    if (coalescing) {
        check_frames(e, qp, from, n);
        return;
    }
    for (i = 0; i < n; i++) {
        struct ainic_cqe c;
        struct ainic_rx_desc d;
        uint32_t idx;

        memcpy(&c, gpa(e, cq->ring_addr + ((from + i) & (cq->size - 1)) * 16),
               16);
        len[i] = le32toh(c.len);
        idx = le16toh(c.desc_index);
        fuzz_check_cqe(e, 2 * qp + 1, &c);
        if (idx >= RXQ_N || len[i] > buf_size ||
            (i + 1 < n && (c.status || len[i] != buf_size ||
                           (le16toh(c.cflags) & AINIC_CQE_F_EOP))) ||
            (i + 1 == n && !(le16toh(c.cflags) & AINIC_CQE_F_EOP))) {
            fuzz_fail("RXQ %u: CQE %u of %u of a frame: buffer %u, len %u, "
                      "status %u, cflags 0x%x", qp, i, n, idx, len[i],
                      c.status, le16toh(c.cflags));
        }
        if ((le16toh(c.cflags) & AINIC_CQE_F_CSUM_OK) &&
            !(e->core->cfg.caps & AINIC_CAP_RX_CSUM)) {
            fuzz_fail("RXQ %u: CSUM_OK without AINIC_CAP_RX_CSUM", qp);
        }
        if (c.status) {
            return;             /* the rest of the frame was dropped */
        }
        memcpy(&d, gpa(e, ring_of(AINIC_QTYPE_RXQ, qp) + idx * 16u), 16);
        lo[i] = le64toh(d.addr);
        off += len[i];
    }
    if (n && off != ilen) {
        fuzz_fail("RXQ %u: a frame of %u bytes delivered as %u", qp, ilen,
                  off);
    }
    /* The bytes, in every buffer no other buffer of the frame overlaps */
    for (i = 0, off = 0; i < n; off += len[i], i++) {
        bool alone = true;

        for (j = 0; j < n; j++) {
            alone &= j == i || lo[i] + len[i] <= lo[j] ||
                     lo[j] + len[j] <= lo[i];
        }
        if (alone && memcmp(gpa(e, lo[i]), inner + off, len[i])) {
            fuzz_fail("RXQ %u: buffer at 0x%llx does not hold bytes %u.. "
                      "of the frame", qp, (unsigned long long)lo[i], off);
        }
    }
}

/*
 * Every frame the core took is delivered, dropped, malformed or waiting in
 * an RX backlog; draining a backlog moves frames between those, so the sum
 * grows by exactly one per frame taken.
 */
static uint64_t accounted(const Env *e)
{
    const AinicStats *st = &e->core->stats;
    uint64_t n = st->rx_packets + st->rx_dropped + st->rx_errors;
    uint32_t bytes = 0;
    unsigned qp;

    for (qp = 0; qp < AINIC_MAX_QPS; qp++) {
        const AinicRxBacklog *b = &e->core->rx.backlog[qp];
        unsigned i;

        if (b->count > AINIC_RX_BACKLOG) {
            fuzz_fail("RXQ %u: backlog of %u frames", qp, b->count);
        }
        for (i = 0; i < b->count; i++) {
            bytes += b->len[(b->head + i) % AINIC_RX_BACKLOG];
        }
        n += b->count;
        for (i = 0; i < AINIC_RXC_FLOWS; i++) {
            n += e->core->rxc.q[qp].agg[i].segs;
        }
        if (e->core->rxc.q[qp].open > AINIC_RXC_FLOWS) {
            fuzz_fail("RXQ %u: %u aggregates open", qp,
                      e->core->rxc.q[qp].open);
        }
    }
    if (bytes != e->core->rx.backlog_bytes || bytes > AINIC_RX_BACKLOG_BYTES) {
        fuzz_fail("backlogs hold %u bytes, the core counts %u", bytes,
                  e->core->rx.backlog_bytes);
    }
    return n;
}

/* The next segment of flow how & 3 (RX_TCP); returns the inner length */
static size_t mk_flow_segment(RxState *s, uint8_t *f, uint8_t how,
                              uint16_t plen)
{
    unsigned flow = how & 3;
    bool v6 = how & 4;
    uint32_t l4 = v6 ? 54 : 34, thl = 32, i;
    uint8_t *t = f + l4;
    size_t len;

    plen %= 1400;
    len = v6 ? mk_tcp6(f, 0, 0x10) : mk_tcp4(f, 0, 0, 0, 0x10);
    /* 12 bytes of options: NOP NOP timestamp */
    len += 12;
    if (v6) {
        wr16(f + 18, thl + plen);
    } else {
        wr16(f + 16, 20 + thl + plen);
        wr16(f + 24, 0);
        wr16(f + 24, ~ref_fold(ref_sum(0, f + 14, 20)));
    }
    wr16(t, 7000 + flow);
    wr16(t + 2, 80);
    if (how & 0x10) {
        s->tcp_seq[flow] += 1 + plen;   /* a gap */
    }
    wr32(t + 4, s->tcp_seq[flow]);
    s->tcp_seq[flow] += plen;
    wr32(t + 8, s->tcp_seq[flow] / 3);
    t[12] = (thl / 4) << 4;
    t[13] = 0x10 | ((how & 8) ? 0x08 : 0) | ((how & 0x80) ? 0x01 : 0);
    wr16(t + 14, 1000 + flow);
    t[20] = 1;
    t[21] = 1;
    t[22] = 8;
    t[23] = 10;
    wr32(t + 24, (how & 0x40) ? s->tcp_seq[flow] : 1);
    wr32(t + 28, 2);
    for (i = 0; i < plen; i++) {
        t[thl + i] = (uint8_t)(i * 31 + flow);
    }
    wr16(t + 16, 0);
    wr16(t + 16, ~ref_fold(pseudo(f, 14, v6, 6, thl + plen) +
                           ref_sum(0, t, thl + plen)));
    if (how & 0x20) {
        t[16] ^= 0x11;
    }
    return len + plen;
}

/* Offer a frame as QEMU does; one the core refuses is held */
static void offer(Env *e, RxState *s, const uint8_t *pkt, size_t len)
{
    uint32_t prod[TEST_QPS];
    unsigned qp;
    uint64_t counted = accounted(e), now;
    bool taken;

    for (qp = 0; qp < s->nqp; qp++) {
        prod[qp] = e->core->cq[2 * qp + 1].prod;
    }
    taken = ainic_core_receive(e->core, pkt, len);
    /* A frame taken is counted once: delivered, dropped, malformed, waiting */
    now = accounted(e);
    if (now != counted + taken) {
        fuzz_fail("receive() %s a frame of %zu bytes and counted %llu",
                  taken ? "took" : "held", len,
                  (unsigned long long)(now - counted));
    }
    for (qp = 0; qp < s->nqp; qp++) {
        if (e->core->cq[2 * qp + 1].prod != prod[qp]) {
            if (!taken) {
                fuzz_fail("receive() held a frame but wrote CQEs");
            }
            check_delivery(e, qp, prod[qp], pkt, s->coal_ever);
        }
    }
    if (taken) {
        s->taken++;
        return;
    }
    if (ainic_core_can_receive(e->core)) {
        fuzz_fail("receive() held a frame but can_receive() is true");
    }
    if (pkt != s->held) {
        memcpy(s->held, pkt, len);
    }
    s->held_len = len;
}

static struct ainic_admin_cmd coalesce_cmd(uint8_t on, uint8_t bufs,
                                           uint8_t rsvd)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);

    c.port_config.valid = htole32(AINIC_PORT_CFG_RX_COALESCE);
    c.port_config.rx_coalesce = on;
    c.port_config.rx_coalesce_max_bufs = bufs;
    c.port_config.rsvd1[0] = rsvd;
    return c;
}

static void retry(Env *e, RxState *s)
{
    size_t len = s->held_len;

    if (len) {
        s->held_len = 0;
        offer(e, s, s->held, len);
    }
}

/* A new frame: queued behind a held one (here: dropped) or offered */
static void deliver(Env *e, RxState *s, const uint8_t *pkt, size_t len)
{
    retry(e, s);
    if (!s->held_len) {
        offer(e, s, pkt, len);
    }
}

/* Reap and check CQ 2qp+1; release: return the slots, offer held frames */
static void reap_cq(Env *e, RxState *s, uint8_t qp, bool release)
{
    uint16_t cq = 2 * qp + 1;
    struct ainic_cqe c;

    while (reap_cqe(e, cq, &c)) {
        uint32_t len = le32toh(c.len);

        fuzz_check_cqe(e, cq, &c);
        if (++s->unreleased[qp] > e->cq_size[cq] - 1) {
            fuzz_fail("CQ %u: %u CQEs outstanding in a ring of %u", cq,
                      s->unreleased[qp], e->cq_size[cq]);
        }
        if (le16toh(c.desc_index) != s->next[qp] ||
            len > s->buf_size[qp]) {
            fuzz_fail("RXQ %u: CQE for buffer %u of %u bytes, expected "
                      "buffer %u of <= %u", qp, le16toh(c.desc_index), len,
                      s->next[qp], s->buf_size[qp]);
        }
        s->next[qp] = (s->next[qp] + 1) % RXQ_N;
        if (!c.status && !(le16toh(c.cflags) & AINIC_CQE_F_EOP) &&
            len != s->buf_size[qp]) {
            fuzz_fail("RXQ %u: partly filled buffer (%u of %u) without EOP",
                      qp, len, s->buf_size[qp]);
        }
    }
    if (release) {
        cq_release(e, cq);
        s->unreleased[qp] = 0;
        retry(e, s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = { data, size };
    uint8_t setup = fin_u8(&in), inner[FUZZ_RX_MAX_LEN];
    RxState *s = calloc(1, sizeof(*s));
    uint8_t *pkt = malloc(FUZZ_RX_MAX_LEN + 74);
    unsigned qp;
    Env e;

    if (!s || !pkt) {
        abort();
    }
    fuzz_dp_up_caps(&e, AINIC_CAP_RX_COALESCE,
                    (setup & 8) ? AINIC_CAP_RX_CSUM : 0);
    s->nqp = 1 + (setup & 3);
    for (qp = 0; qp < s->nqp; qp++) {
        s->buf_size[qp] = (qp == 0 && (setup & 4)) ? SMALL_BUF : RX_BUF;
        mkcq(&e, 2 * qp, 6);
        mkcq(&e, 2 * qp + 1, 6);
        mkrxq(&e, s, qp);
    }
    if (setup & 0x10) {
        if (run(&e, coalesce_cmd(1, 1 + 3 * (setup >> 5), 0))) {
            fuzz_fail("harness: coalescing refused");
        }
        s->coal_ever = true;
    }

    while (in.n) {
        uint8_t op = fin_u8(&in) % RX_NOPS;

        switch (op) {
        case RX_RAW: {
            uint16_t len = fin_u16(&in) % (FUZZ_RX_MAX_LEN + 1);

            fin_bytes(&in, pkt, len);
            deliver(&e, s, pkt, len);
            break;
        }
        case RX_ENCAP: {
            uint16_t len = fin_u16(&in) % (FUZZ_RX_MAX_LEN + 1), pos;
            size_t plen;
            uint8_t x;

            fin_bytes(&in, inner, len);
            pos = fin_u16(&in);
            x = fin_u8(&in);
            plen = fuzz_encap(pkt, inner, len);
            if (x) {
                pkt[pos % plen] ^= x;
            }
            deliver(&e, s, pkt, plen);
            break;
        }
        case RX_POST: {
            uint8_t q = fin_u8(&in) % s->nqp, n = fin_u8(&in) % RXQ_N;

            if (s->active[q]) {
                rx_post(&e, q, n);
                retry(&e, s);
            }
            break;
        }
        case RX_DESC: {
            uint8_t q = fin_u8(&in) % s->nqp, idx = fin_u8(&in) % RXQ_N;
            struct ainic_rx_desc d = { 0 };

            d.addr = htole64(fin_u64(&in));
            d.len = htole32(fin_u32(&in));
            memcpy(gpa(&e, ring_of(AINIC_QTYPE_RXQ, q) + idx * 16u), &d, 16);
            break;
        }
        case RX_DOORBELL: {
            uint8_t q = fin_u8(&in) % s->nqp, idx = fin_u8(&in);

            wr(&e, AINIC_REG_DB_RXQ(q), idx);
            if (idx < RXQ_N) {
                e.rx_tail[q] = idx;
            }
            retry(&e, s);
            break;
        }
        case RX_REAP: {
            uint8_t q = fin_u8(&in) % s->nqp;

            reap_cq(&e, s, q, fin_u8(&in) & 1);
            break;
        }
        case RX_RETRY:
            retry(&e, s);
            break;
        case RX_TIME:
            clock_advance(&e, fin_u32(&in));
            break;
        case RX_LINK:
            ainic_core_set_link(e.core, fin_u8(&in) & 1);
            fuzz_reap_admin(&e);
            break;
        case RX_MASK: {
            uint8_t v = fin_u8(&in) % TEST_VECTORS;

            wr(&e, AINIC_REG_INTR_MASK(v), fin_u8(&in) & 1);
            break;
        }
        case RX_QUEUE: {
            uint8_t q = fin_u8(&in) % s->nqp, create = fin_u8(&in) & 1;

            if (create && !s->active[q]) {
                mkrxq(&e, s, q);
            } else if (!create && s->active[q]) {
                /* Its CQEs before a new RXQ q counts from buffer 0 again */
                if (run(&e, q_destroy(AINIC_QTYPE_RXQ, q))) {
                    fuzz_fail("harness: RXQ %u destroy refused", q);
                }
                reap_cq(&e, s, q, true);
                s->active[q] = false;
            }
            fuzz_reap_admin(&e);
            break;
        }
        case RX_COALESCE: {
            uint8_t on = fin_u8(&in), bufs = fin_u8(&in), rsvd = fin_u8(&in);
            bool bad = on > 1 || !on != !bufs || rsvd;
            int st = run(&e, coalesce_cmd(on, bufs, rsvd));

            if (st != (bad ? AINIC_STS_EINVAL : 0)) {
                fuzz_fail("PORT_CONFIG rx_coalesce %u max_bufs %u rsvd %u: "
                          "status %d", on, bufs, rsvd, st);
            }
            s->coal_ever |= on == 1 && !bad;
            fuzz_reap_admin(&e);
            retry(&e, s);       /* turning it off placed what it held */
            break;
        }
        case RX_TCP: {
            uint8_t how = fin_u8(&in);
            size_t len = mk_flow_segment(s, inner, how, fin_u16(&in));

            deliver(&e, s, pkt, fuzz_encap(pkt, inner, len));
            break;
        }
        }
        /* Backlogs drain on doorbells: no frame lost or made up there */
        if (accounted(&e) != s->taken) {
            fuzz_fail("%llu frames taken, %llu accounted for",
                      (unsigned long long)s->taken,
                      (unsigned long long)accounted(&e));
        }
    }
    fuzz_debug(&e, "fuzz_rx");
    env_fini(&e);
    free(pkt);
    free(s);
    return 0;
}
