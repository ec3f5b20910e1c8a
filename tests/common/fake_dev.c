// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fake platform and driver-side helpers for the ainic device core; see
 * fake_dev.h. Shared by tests/unit and tests/fuzz.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dev.h"

/* ---- Fake platform --------------------------------------------------- */

static bool dma_ok(Env *e, uint64_t addr, size_t len)
{
    e->dma_ops++;
    if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE ||
        len > MEM_SIZE - (addr - MEM_BASE)) {
        return false;
    }
    return !(addr < e->fail_hi && addr + len > e->fail_lo);
}

static int fake_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Env *e = opaque;

    if (!dma_ok(e, addr, len)) {
        return -1;
    }
    memcpy(buf, e->mem + (addr - MEM_BASE), len);
    return 0;
}

static int fake_dma_write(void *opaque, uint64_t addr, const void *buf,
                          size_t len)
{
    Env *e = opaque;

    if (!dma_ok(e, addr, len)) {
        return -1;
    }
    memcpy(e->mem + (addr - MEM_BASE), buf, len);
    return 0;
}

static void fake_raise_irq(void *opaque, unsigned vector)
{
    Env *e = opaque;

    /* The core must never hand out a vector the device does not have */
    if (vector >= TEST_VECTORS) {
        abort();
    }
    e->irqs[vector]++;
    e->irq_total++;
}

static void fake_log(void *opaque, const char *fmt, va_list ap)
{
    Env *e = opaque;

    e->guest_errors++;
    vsnprintf(e->last_error, sizeof(e->last_error), fmt, ap);
}

static void fake_trace(void *opaque, AinicTraceEvent ev, uint64_t a,
                       uint64_t b, uint64_t c, uint64_t d)
{
    Env *e = opaque;

    (void)a, (void)b, (void)c, (void)d;
    if (ev < AINIC_TRACE_NR) {
        e->traces[ev]++;
    }
}

static uint64_t fake_now(void *opaque)
{
    return ((Env *)opaque)->now;
}

static AinicTimer *fake_timer_new(void *opaque, AinicTimerCb *cb,
                                  void *cb_opaque)
{
    Env *e = opaque;
    struct fake_timer *t;

    if (e->ntimers == AINIC_CORE_TIMERS) {
        return NULL;
    }
    t = &e->timers[e->ntimers++];
    t->cb = cb;
    t->cb_opaque = cb_opaque;
    return (AinicTimer *)t;
}

static void fake_timer_mod(void *opaque, AinicTimer *t, uint64_t expire)
{
    struct fake_timer *ft = (struct fake_timer *)t;

    (void)opaque;
    ft->armed = true;
    ft->expire = expire;
}

static void fake_timer_del(void *opaque, AinicTimer *t)
{
    (void)opaque;
    ((struct fake_timer *)t)->armed = false;
}

static void fake_timer_free(void *opaque, AinicTimer *t)
{
    (void)opaque;
    ((struct fake_timer *)t)->freed = true;
}

/* Advance the virtual clock, firing due timers in order. */
void clock_advance(Env *e, uint64_t ns)
{
    uint64_t end = e->now + ns;

    for (;;) {
        struct fake_timer *next = NULL;
        unsigned i;

        for (i = 0; i < e->ntimers; i++) {
            struct fake_timer *t = &e->timers[i];

            if (t->armed && t->expire <= end &&
                (!next || t->expire < next->expire)) {
                next = t;
            }
        }
        if (!next) {
            break;
        }
        e->now = next->expire;
        next->armed = false;
        next->cb(next->cb_opaque);
    }
    e->now = end;
}

static int fake_send(void *opaque, const void *buf, size_t len)
{
    Env *e = opaque;

    if (e->send_fail) {
        return -1;
    }
    if (len > WIRE_LEN) {
        abort();        /* the core never builds a frame this large */
    }
    if (e->on_send) {
        e->on_send(e, buf, len);
    }
    if (e->wire && e->nwire < WIRE_MAX) {
        memcpy(e->wire + (size_t)e->nwire * WIRE_LEN, buf, len);
        e->wire_len[e->nwire] = len;
    }
    e->nwire++;
    return e->send_busy ? 1 : 0;
}

static void fake_schedule_tx(void *opaque, unsigned qp)
{
    Env *e = opaque;

    if (qp >= AINIC_MAX_QPS) {
        abort();
    }
    e->sched_tx[qp]++;
}

static void fake_rx_ready(void *opaque)
{
    ((Env *)opaque)->rx_ready++;
}

const AinicCoreOps fake_ops = {
    .send_frame = fake_send,
    .schedule_tx = fake_schedule_tx,
    .rx_ready = fake_rx_ready,
    .dma_read = fake_dma_read,
    .dma_write = fake_dma_write,
    .raise_irq = fake_raise_irq,
    .log_guest_error = fake_log,
    .trace = fake_trace,
    .now_ns = fake_now,
    .timer_new = fake_timer_new,
    .timer_mod = fake_timer_mod,
    .timer_del = fake_timer_del,
    .timer_free = fake_timer_free,
};

const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0xa1, 0x00, 0x01 };

static int env_setup(Env *e, uint64_t caps, AinicCore *core, uint8_t *mem,
                     const uint8_t *mac)
{
    AinicCoreConfig cfg = {
        .max_qps = TEST_QPS,
        .if_version = AINIC_IF_VERSION(AINIC_IF_VERSION_MAJOR,
                                       AINIC_IF_VERSION_MINOR),
        .caps = caps,
        .serial = "AINIC0001",
    };

    memcpy(cfg.mac, mac, 6);
    e->core = core;
    e->mem = mem;
    if (!core || !mem) {
        return -1;
    }
    return ainic_core_init(e->core, &cfg, &fake_ops, e);
}

int env_init_mac(Env *e, uint64_t caps, const uint8_t *mac)
{
    memset(e, 0, sizeof(*e));
    e->wire = calloc(WIRE_MAX, WIRE_LEN);
    if (!e->wire) {
        return -1;
    }
    return env_setup(e, caps, calloc(1, sizeof(AinicCore)),
                     calloc(1, MEM_SIZE), mac);
}

int env_init_caps(Env *e, uint64_t caps)
{
    return env_init_mac(e, caps, test_mac);
}

int env_init_on(Env *e, uint64_t caps, AinicCore *core, uint8_t *mem)
{
    memset(e, 0, sizeof(*e));
    e->borrowed = true;
    if (mem) {
        memset(mem, 0, MEM_SIZE);
    }
    return env_setup(e, caps, core, mem, test_mac);
}

int env_init(Env *e)
{
    return env_init_caps(e, AINIC_CAPS_V1);
}

void env_fini(Env *e)
{
    if (e->core) {
        ainic_core_fini(e->core);
    }
    if (!e->borrowed) {
        free(e->core);
        free(e->mem);
    }
    free(e->wire);
}

uint8_t *gpa(Env *e, uint64_t addr)
{
    return e->mem + (addr - MEM_BASE);
}

uint32_t rd(Env *e, uint32_t reg)
{
    return ainic_core_mmio_read(e->core, reg);
}

void wr(Env *e, uint32_t reg, uint32_t val)
{
    ainic_core_mmio_write(e->core, reg, val);
}

/* ---- Driver side ----------------------------------------------------- */

void config_rings(Env *e, uint32_t sq, uint32_t eq)
{
    wr(e, AINIC_REG_ASQ_BASE_LO, (uint32_t)ASQ_GPA);
    wr(e, AINIC_REG_ASQ_BASE_HI, ASQ_GPA >> 32);
    wr(e, AINIC_REG_ASQ_SIZE, sq);
    wr(e, AINIC_REG_ACQ_BASE_LO, (uint32_t)ACQ_GPA);
    wr(e, AINIC_REG_ACQ_BASE_HI, ACQ_GPA >> 32);
    wr(e, AINIC_REG_ACQ_SIZE, sq);
    wr(e, AINIC_REG_EQ_BASE_LO, (uint32_t)EQ_GPA);
    wr(e, AINIC_REG_EQ_BASE_HI, EQ_GPA >> 32);
    wr(e, AINIC_REG_EQ_SIZE, eq);
    e->sq_size = sq;
    e->sq_tail = e->cq_head = 0;
    e->cq_color = 1;
    e->eq_size = eq;
    e->eq_head = 0;
    e->eq_color = 1;
}

/* Reset, configure and enable; returns DEV_STATUS. */
uint32_t bring_up(Env *e, uint32_t sq, uint32_t eq)
{
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    memset(gpa(e, ACQ_GPA), 0, 0x10000);
    memset(gpa(e, EQ_GPA), 0, 0x10000);
    config_rings(e, sq, eq);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);
    return rd(e, AINIC_REG_DEV_STATUS);
}

struct ainic_admin_cmd mkcmd(uint8_t opcode)
{
    struct ainic_admin_cmd c;

    memset(&c, 0, sizeof(c));
    c.hdr.opcode = opcode;
    return c;
}

/* Place a command in the next ASQ slot without ringing the doorbell. */
uint16_t post(Env *e, struct ainic_admin_cmd *c)
{
    uint16_t id = e->next_id++;

    c->hdr.cmd_id = htole16(id);
    memcpy(gpa(e, ASQ_GPA + (uint64_t)e->sq_tail * 64), c, 64);
    e->sq_tail = (e->sq_tail + 1) % e->sq_size;
    return id;
}

void doorbell(Env *e)
{
    wr(e, AINIC_REG_ASQ_TAIL, e->sq_tail);
}

/*
 * Take the next 16-byte entry of a colour-bit ring at @base if its colour
 * (in the last byte) says the device wrote it.
 */
static bool take_colored(Env *e, uint64_t base, uint32_t size,
                         uint32_t *head, uint8_t *color, uint8_t color_bit,
                         void *out)
{
    const uint8_t *slot = gpa(e, base + (uint64_t)*head * 16);

    if (!!(slot[15] & color_bit) != *color) {
        return false;
    }
    memcpy(out, slot, 16);
    *head = (*head + 1) % size;
    if (*head == 0) {
        *color ^= 1;
    }
    return true;
}

/* Take the next completion if its colour says the device wrote it. */
bool reap(Env *e, struct ainic_admin_comp *out)
{
    return take_colored(e, ACQ_GPA, e->sq_size, &e->cq_head, &e->cq_color,
                        AINIC_COMP_COLOR, out);
}

/* Run one command; returns its status or -1 when nothing completed. */
int exec(Env *e, struct ainic_admin_cmd *c, struct ainic_admin_comp *out)
{
    struct ainic_admin_comp comp;
    uint16_t id = post(e, c);

    doorbell(e);
    if (!reap(e, &comp) || le16toh(comp.cmd_id) != id ||
        comp.opcode != c->hdr.opcode) {
        return -1;
    }
    if (out) {
        *out = comp;
    }
    return comp.status;
}

int run(Env *e, struct ainic_admin_cmd c)
{
    return exec(e, &c, NULL);
}

bool reap_event(Env *e, struct ainic_event *out)
{
    return take_colored(e, EQ_GPA, e->eq_size, &e->eq_head, &e->eq_color,
                        AINIC_EVENT_COLOR, out);
}

struct ainic_admin_cmd q_create(uint8_t qtype, uint8_t log2,
                                       uint16_t qid, uint16_t cq_id,
                                       uint16_t vector, uint32_t buf_size)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_Q_CREATE);

    c.q_create.qtype = qtype;
    c.q_create.log2_entries = log2;
    c.q_create.qid = htole16(qid);
    c.q_create.cq_id = htole16(cq_id);
    c.q_create.vector = htole16(vector);
    c.q_create.ring_addr = htole64(RING_GPA + (uint64_t)qid * 0x1000 +
                                   (uint64_t)qtype * 0x10000);
    c.q_create.buf_size = htole32(buf_size);
    return c;
}

struct ainic_admin_cmd q_destroy(uint8_t qtype, uint16_t qid)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_Q_DESTROY);

    c.q_destroy.qtype = qtype;
    c.q_destroy.qid = htole16(qid);
    return c;
}

int stats_get(Env *e, struct ainic_dev_stats *st)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_STATS_GET);
    int ret;

    c.stats_get.buf_addr = htole64(BUF_GPA);
    c.stats_get.buf_len = htole32(sizeof(*st));
    ret = exec(e, &c, NULL);
    memcpy(st, gpa(e, BUF_GPA), sizeof(*st));
    return ret;
}

/* ---- Data path (§7, §8) ------------------------------------------------ */

const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xa1, 0x00, 0x02 };

uint64_t ring_of(uint8_t qtype, uint16_t qid)
{
    return RING_GPA + (uint64_t)qid * 0x1000 + (uint64_t)qtype * 0x10000;
}

/* Independent RFC 1071 checksum helpers */
uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    }
    return sum;
}

uint16_t ref_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

void wr16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v);
}

/* Pseudo-header sum (not folded) for TCP/UDP over IPv4 or IPv6 */
uint32_t pseudo(const uint8_t *f, uint32_t l3, bool v6, uint8_t proto,
                       uint32_t l4len)
{
    uint32_t sum = v6 ? ref_sum(0, f + l3 + 8, 32) : ref_sum(0, f + l3 + 12, 8);

    return sum + proto + (l4len >> 16) + (l4len & 0xffff);
}

/* Ethernet | IPv4 | TCP (20) | payload; TCP checksum left 0 */
size_t mk_tcp4(uint8_t *f, size_t payload, uint16_t sport,
                      uint16_t dport, uint8_t tflags)
{
    uint8_t *ip = f + 14, *tcp = ip + 20;
    size_t i;

    memset(f, 0, 54);
    memcpy(f, peer_mac, 6);
    memcpy(f + 6, test_mac, 6);
    wr16(f + 12, 0x0800);
    ip[0] = 0x45;
    wr16(ip + 2, 40 + payload);
    wr16(ip + 4, 0x1234);
    wr16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    wr32(ip + 12, 0x0a000001);
    wr32(ip + 16, 0x0a000002);
    wr16(ip + 10, ~ref_fold(ref_sum(0, ip, 20)));
    wr16(tcp, sport);
    wr16(tcp + 2, dport);
    wr32(tcp + 4, 1000);
    tcp[12] = 5 << 4;
    tcp[13] = tflags;
    wr16(tcp + 14, 0xffff);
    for (i = 0; i < payload; i++) {
        tcp[20 + i] = (uint8_t)(i * 7 + 3);
    }
    return 54 + payload;
}

/* Ethernet | IPv6 | TCP (20) | payload */
size_t mk_tcp6(uint8_t *f, size_t payload, uint8_t tflags)
{
    uint8_t *ip = f + 14, *tcp = ip + 40;
    size_t i;

    memset(f, 0, 74);
    memcpy(f, peer_mac, 6);
    memcpy(f + 6, test_mac, 6);
    wr16(f + 12, 0x86dd);
    ip[0] = 0x60;
    wr16(ip + 4, 20 + payload);
    ip[6] = 6;
    ip[7] = 64;
    ip[8] = 0xfd;
    ip[23] = 1;
    ip[24] = 0xfd;
    ip[39] = 2;
    wr32(tcp + 4, 0xfffff000);      /* sequence numbers wrap */
    tcp[12] = 5 << 4;
    tcp[13] = tflags;
    wr16(tcp, 5001);
    wr16(tcp + 2, 80);
    for (i = 0; i < payload; i++) {
        tcp[20 + i] = (uint8_t)(i * 13 + 1);
    }
    return 74 + payload;
}

/* Ethernet | IPv4 | UDP | payload, UDP checksum valid */
size_t mk_udp4(uint8_t *f, size_t payload, uint16_t sport,
                      uint16_t dport)
{
    uint8_t *ip = f + 14, *udp = ip + 20;
    size_t i;

    mk_tcp4(f, 0, 0, 0, 0);
    ip[9] = 17;
    wr16(ip + 2, 28 + payload);
    wr16(ip + 10, 0);
    wr16(ip + 10, ~ref_fold(ref_sum(0, ip, 20)));
    memset(udp, 0, 8);
    wr16(udp, sport);
    wr16(udp + 2, dport);
    wr16(udp + 4, 8 + payload);
    for (i = 0; i < payload; i++) {
        udp[8 + i] = (uint8_t)(i + 5);
    }
    wr16(udp + 6, ~ref_fold(pseudo(f, 14, false, 17, 8 + payload) +
                            ref_sum(0, udp, 8 + payload)));
    return 42 + payload;
}

/* Is the TCP/UDP checksum of the frame valid? */
bool l4_csum_valid(const uint8_t *f, uint32_t l3, uint32_t l4,
                          bool v6, uint8_t proto, uint32_t l4len)
{
    return ref_fold(pseudo(f, l3, v6, proto, l4len) +
                    ref_sum(0, f + l4, l4len)) == 0xffff;
}

void write_txd(Env *e, uint16_t qp, uint32_t idx, uint64_t addr,
                      uint32_t len, uint16_t flags, uint16_t nr,
                      uint16_t cs, uint16_t co, uint16_t mss, uint16_t hdr)
{
    struct ainic_tx_desc d;

    memset(&d, 0, sizeof(d));
    d.addr = htole64(addr);
    d.len = htole32(len);
    d.flags = htole16(flags);
    d.nr_frags = htole16(nr);
    d.csum_start = htole16(cs);
    d.csum_offset = htole16(co);
    d.mss = htole16(mss);
    d.hdr_len = htole16(hdr);
    memcpy(gpa(e, ring_of(AINIC_QTYPE_TXQ, qp) + (uint64_t)idx * 32), &d, 32);
}

/* Copy a frame into guest memory and post it; returns its EOP index */
uint32_t tx_post(Env *e, uint16_t qp, const uint8_t *f, size_t len,
                        TxOpts o)
{
    unsigned n = o.frags ? o.frags : 1, i;
    uint32_t mask = 63, eop = 0;
    size_t off = 0;

    if (e->tx_data + len > TXDATA_END || e->tx_data < TXDATA_GPA) {
        e->tx_data = TXDATA_GPA;
    }
    memcpy(gpa(e, e->tx_data), f, len);
    for (i = 0; i < n; i++) {
        size_t chunk = i == n - 1 ? len - off : len / n;
        uint16_t fl = (i == 0 ? AINIC_TXD_F_SOP | o.flags : 0) |
                      (i == n - 1 ? AINIC_TXD_F_EOP : 0);

        eop = e->tx_tail[qp];
        write_txd(e, qp, eop, e->tx_data + off, chunk, fl, i ? 0 : n,
                  i ? 0 : o.cs, i ? 0 : o.co, i ? 0 : o.mss, i ? 0 : o.hdr);
        e->tx_tail[qp] = (e->tx_tail[qp] + 1) & mask;
        off += chunk;
    }
    e->tx_data += (len + 63) & ~63ul;
    return eop;
}

void tx_ring(Env *e, uint16_t qp)
{
    wr(e, AINIC_REG_DB_TXQ(qp), e->tx_tail[qp]);
}

bool reap_cqe(Env *e, uint16_t cq, struct ainic_cqe *out)
{
    const uint8_t *slot = gpa(e, ring_of(AINIC_QTYPE_CQ, cq) +
                                 (uint64_t)e->cqe_head[cq] * 16);

    if (!!(slot[15] & AINIC_CQE_COLOR) != e->cqe_color[cq]) {
        return false;
    }
    memcpy(out, slot, sizeof(*out));
    e->cqe_head[cq] = (e->cqe_head[cq] + 1) & (e->cq_size[cq] - 1);
    if (e->cqe_head[cq] == 0) {
        e->cqe_color[cq] ^= 1;
    }
    return true;
}

/* Return reaped CQ slots to the device */
void cq_release(Env *e, uint16_t cq)
{
    wr(e, (cq & 1) ? AINIC_REG_DB_RXCQ(cq / 2) : AINIC_REG_DB_TXCQ(cq / 2),
       e->cqe_head[cq]);
}

void rx_post(Env *e, uint16_t qp, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        struct ainic_rx_desc d = { 0 };
        uint32_t idx = e->rx_tail[qp];

        d.addr = htole64(RXBUF_GPA + (uint64_t)(idx % 16) * RX_BUF +
                         (uint64_t)qp * 16 * RX_BUF);
        d.len = htole32(RX_BUF);
        memcpy(gpa(e, ring_of(AINIC_QTYPE_RXQ, qp) + (uint64_t)idx * 16), &d,
               16);
        e->rx_tail[qp] = (idx + 1) & 63;
    }
    wr(e, AINIC_REG_DB_RXQ(qp), e->rx_tail[qp]);
}

uint8_t *rx_buf(Env *e, uint16_t qp, uint32_t idx)
{
    return gpa(e, RXBUF_GPA + (uint64_t)(idx % 16) * RX_BUF +
                  (uint64_t)qp * 16 * RX_BUF);
}

void mkcq(Env *e, uint16_t cq, uint8_t log2)
{
    struct ainic_admin_cmd c = q_create(AINIC_QTYPE_CQ, log2, cq, 0,
                                        AINIC_VEC_QP(cq / 2), 0);

    c.q_create.flags = htole32(AINIC_Q_F_IRQ_ENABLE);
    memset(gpa(e, ring_of(AINIC_QTYPE_CQ, cq)), 0, 16u << log2);
    if (run(e, c) != 0) {
        abort();
    }
    e->cq_size[cq] = 1u << log2;
    e->cqe_head[cq] = 0;
    e->cqe_color[cq] = 1;
}

/* Queue pair qp: CQs, TXQ and RXQ with 64 entries (§7.1) */
void mkqp(Env *e, uint16_t qp)
{
    mkcq(e, 2 * qp, 6);
    mkcq(e, 2 * qp + 1, 6);
    if (run(e, q_create(AINIC_QTYPE_TXQ, 6, qp, 2 * qp, 0, 0)) ||
        run(e, q_create(AINIC_QTYPE_RXQ, 6, qp, 2 * qp + 1, 0, RX_BUF))) {
        abort();
    }
}

uint8_t *wire(Env *e, unsigned i)
{
    return e->wire + (size_t)i * WIRE_LEN;
}

/* Encapsulate a frame by transmitting it (loopback through the wire) */
size_t encap(Env *e, uint8_t *out, const uint8_t *f, size_t len)
{
    unsigned n = e->nwire;
    struct ainic_cqe cqe;

    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    if (e->nwire != n + 1 || n >= WIRE_MAX) {
        abort();
    }
    memcpy(out, wire(e, n), e->wire_len[n]);
    while (reap_cqe(e, 0, &cqe)) {
    }
    cq_release(e, 0);
    return e->wire_len[n];
}
