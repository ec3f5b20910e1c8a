// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the receive path of the ainic device core (§7.3, §8).
 * The harness brings the device to ENABLED with link up and 1 to 4 queue
 * pairs, then the input (RX_* operations, fuzz_util.h) delivers frames
 * from the fabric through ainic_core_receive(), raw or wrapped in a valid
 * RAW ainic header with one byte corrupted, interleaved with buffer
 * posting (also raw descriptors and doorbells), CQ reaping and doorbells,
 * masking, queue destruction and re-creation.
 *
 * Invariants: every CQE is well formed, names the driver's next buffer and
 * holds at most buf_size bytes, filling every buffer but a frame's last
 * (EOP); the device never has more CQEs outstanding than the CQ holds; a
 * frame the core refuses leaves can_receive() false until room appears;
 * every frame taken is delivered, dropped or waiting in a bounded RX
 * backlog, once.
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
static void check_delivery(Env *e, uint16_t qp, uint32_t from,
                           const uint8_t *pkt)
{
    const AinicQueue *cq = &e->core->cq[2 * qp + 1];
    const uint8_t *inner = pkt + 14 + (pkt[14] & 0xf) * 4 + 8 + 32;
    uint32_t ilen = rd16(pkt + 14 + (pkt[14] & 0xf) * 4 + 8 + 2);
    uint32_t n = (cq->prod - from) & (cq->size - 1), i, j, off = 0;
    uint32_t buf_size = e->core->rxq[qp].buf_size, len[RXQ_N];
    uint64_t lo[RXQ_N];

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
    }
    if (bytes != e->core->rx.backlog_bytes || bytes > AINIC_RX_BACKLOG_BYTES) {
        fuzz_fail("backlogs hold %u bytes, the core counts %u", bytes,
                  e->core->rx.backlog_bytes);
    }
    return n;
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
            check_delivery(e, qp, prod[qp], pkt);
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
    fuzz_dp_up(&e, (setup & 8) ? AINIC_CAP_RX_CSUM : 0);
    s->nqp = 1 + (setup & 3);
    for (qp = 0; qp < s->nqp; qp++) {
        s->buf_size[qp] = (qp == 0 && (setup & 4)) ? SMALL_BUF : RX_BUF;
        mkcq(&e, 2 * qp, 6);
        mkcq(&e, 2 * qp + 1, 6);
        mkrxq(&e, s, qp);
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
