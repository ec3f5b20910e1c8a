// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared pieces of the ainic device-core fuzzers; see fuzz_util.h. */
#define _GNU_SOURCE
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

void fin_bytes(FuzzIn *in, void *buf, size_t len)
{
    size_t n = len < in->n ? len : in->n;

    memcpy(buf, in->p, n);
    memset((uint8_t *)buf + n, 0, len - n);
    in->p += n;
    in->n -= n;
}

uint8_t fin_u8(FuzzIn *in)
{
    uint8_t v;

    fin_bytes(in, &v, 1);
    return v;
}

uint16_t fin_u16(FuzzIn *in)
{
    uint16_t v;

    fin_bytes(in, &v, 2);
    return le16toh(v);
}

uint32_t fin_u32(FuzzIn *in)
{
    uint32_t v;

    fin_bytes(in, &v, 4);
    return le32toh(v);
}

uint64_t fin_u64(FuzzIn *in)
{
    uint64_t v;

    fin_bytes(in, &v, 8);
    return le64toh(v);
}

void fout_bytes(FuzzOut *o, const void *buf, size_t len)
{
    if (len > sizeof(o->buf) - o->n) {
        abort();
    }
    memcpy(o->buf + o->n, buf, len);
    o->n += len;
}

void fout_u8(FuzzOut *o, uint8_t v)
{
    fout_bytes(o, &v, 1);
}

void fout_u16(FuzzOut *o, uint16_t v)
{
    v = htole16(v);
    fout_bytes(o, &v, 2);
}

void fout_u32(FuzzOut *o, uint32_t v)
{
    v = htole32(v);
    fout_bytes(o, &v, 4);
}

void fout_u64(FuzzOut *o, uint64_t v)
{
    v = htole64(v);
    fout_bytes(o, &v, 8);
}

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "ainic fuzz invariant violated: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void fuzz_dp_up(Env *e, uint64_t without_caps)
{
    fuzz_dp_up_caps(e, 0, without_caps);
}

void fuzz_dp_up_caps(Env *e, uint64_t with_caps, uint64_t without_caps)
{
    /*
     * One core and guest RAM for the process, zeroed for every input
     * (env_init_on): page faults on fresh allocations cost more than the
     * rest of a typical input.
     */
    static AinicCore *core;
    static uint8_t *mem;

    if (!core) {
        core = malloc(sizeof(*core));
        mem = malloc(MEM_SIZE);
    }
    if (env_init_on(e, (DP_CAPS | with_caps) & ~without_caps, core, mem) ||
        bring_up(e, 16, 8) != (AINIC_STATUS_READY | AINIC_STATUS_ENABLED)) {
        fuzz_fail("harness: device refused set-up");
    }
    ainic_core_set_link(e->core, true);
    e->on_send = fuzz_check_wire;
}

void fuzz_debug(Env *e, const char *target)
{
    const AinicStats *st = &e->core->stats;

    if (!getenv("AINIC_FUZZ_DEBUG")) {
        return;
    }
    fprintf(stderr, "%s: status 0x%x admin %llu/%llu err, tx %llu err %llu, "
            "rx %llu dropped %llu err %llu, sent %u, irqs %u, guest "
            "errors %u (last: %s)\n", target,
            ainic_core_mmio_read(e->core, AINIC_REG_DEV_STATUS),
            (unsigned long long)st->admin_cmds,
            (unsigned long long)st->admin_errors,
            (unsigned long long)st->tx_packets,
            (unsigned long long)st->tx_errors,
            (unsigned long long)st->rx_packets,
            (unsigned long long)st->rx_dropped,
            (unsigned long long)st->rx_errors, e->nwire, e->irq_total,
            e->guest_errors, e->last_error);
}

void fuzz_fire_timers(Env *e)
{
    uint64_t last = e->now;
    unsigned i;

    for (i = 0; i < e->ntimers; i++) {
        if (e->timers[i].armed && e->timers[i].expire > last) {
            last = e->timers[i].expire;
        }
    }
    clock_advance(e, last - e->now);
}

void fuzz_reap_admin(Env *e)
{
    struct ainic_admin_comp c;
    struct ainic_event ev;
    unsigned n = 0;

    if (!e->sq_size || !e->eq_size) {
        return;
    }
    while (n++ < e->sq_size && reap(e, &c)) {
    }
    n = 0;
    while (n++ < e->eq_size && reap_event(e, &ev)) {
    }
    wr(e, AINIC_REG_EQ_HEAD, e->eq_head);
}

int fuzz_set_mtu(Env *e, uint32_t mtu)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);

    c.port_config.valid = htole32(AINIC_PORT_CFG_MTU);
    c.port_config.mtu = htole32(mtu);
    return exec(e, &c, NULL);
}

void fuzz_check_cqe(Env *e, uint16_t cq, const struct ainic_cqe *c)
{
    bool rx = cq & 1;
    uint16_t cflags = le16toh(c->cflags);
    uint16_t allowed = rx ? AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK |
                            AINIC_CQE_F_COALESCED | AINIC_CQE_F_TSO_IPV6 : 0;
    uint16_t segs = le16toh(c->gso_segs);

    (void)e;
    /* A merged frame (§7.5): on a good EOP CQE, verified, 2+ segments */
    if ((cflags & AINIC_CQE_F_COALESCED) &&
        (c->status || segs < 2 ||
         (cflags & (AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK)) !=
         (AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK))) {
        fuzz_fail("CQ %u: COALESCED CQE cflags 0x%x status %u gso_segs %u",
                  cq, cflags, c->status, segs);
    }
    if (((cflags & AINIC_CQE_F_TSO_IPV6) &&
         !(cflags & AINIC_CQE_F_COALESCED)) ||
        (segs && !(cflags & AINIC_CQE_F_COALESCED))) {
        fuzz_fail("CQ %u: TSO_IPV6 or gso_segs %u without COALESCED", cq,
                  segs);
    }
    if (c->qtype != (rx ? AINIC_QTYPE_RXQ : AINIC_QTYPE_TXQ) ||
        le16toh(c->qid) != cq / 2) {
        fuzz_fail("CQ %u: CQE qtype %u qid %u", cq, c->qtype,
                  le16toh(c->qid));
    }
    if ((c->flags & ~AINIC_CQE_COLOR) || c->rsvd ||
        (cflags & ~allowed)) {
        fuzz_fail("CQ %u: CQE flags 0x%x cflags 0x%x rsvd %u gso %u", cq,
                  c->flags, cflags, c->rsvd, le16toh(c->gso_segs));
    }
    if (c->status != AINIC_STS_OK && c->status != AINIC_STS_EINVAL &&
        c->status != AINIC_STS_EFAULT) {
        fuzz_fail("CQ %u: CQE status %u", cq, c->status);
    }
    if (rx && c->status && (le32toh(c->len) || !(cflags & AINIC_CQE_F_EOP) ||
                            (cflags & AINIC_CQE_F_CSUM_OK))) {
        fuzz_fail("CQ %u: failed RX CQE len %u cflags 0x%x", cq,
                  le32toh(c->len), cflags);
    }
}

void fuzz_check_wire(Env *e, const void *buf, size_t len)
{
    const uint8_t *w = buf;
    uint32_t mtu = e->core->mtu;

    if (len < 74 + 14 || len > 74 + 18 + (size_t)mtu) {
        fuzz_fail("sent a frame of %zu bytes (MTU %u)", len, mtu);
    }
    if (rd16(w + 12) != 0x0800 || w[14] != 0x45 ||
        rd16(w + 16) != len - 14 || rd16(w + 34 + 2) != AINIC_UDP_PORT ||
        rd16(w + 34 + 4) != len - 34 || rd16(w + 42 + 2) != len - 74 ||
        ref_fold(ref_sum(0, w + 14, 20)) != 0xffff) {
        fuzz_fail("sent a malformed RAW packet of %zu bytes", len);
    }
}

size_t fuzz_encap(uint8_t *pkt, const uint8_t *inner, size_t len)
{
    uint8_t *ip = pkt + 14, *udp = ip + 20, *xh = udp + 8;

    memset(pkt, 0, 74);
    memcpy(pkt, test_mac, 6);
    memcpy(pkt + 6, peer_mac, 6);
    wr16(pkt + 12, 0x0800);
    ip[0] = 0x45;
    ip[1] = 0x02;
    wr16(ip + 2, 20 + 8 + 32 + len);
    wr16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 17;
    wr32(ip + 12, 0x0a000001);
    wr32(ip + 16, 0xffffffff);
    wr16(ip + 10, ~ref_fold(ref_sum(0, ip, 20)));
    wr16(udp, 0xc123);
    wr16(udp + 2, AINIC_UDP_PORT);
    wr16(udp + 4, 8 + 32 + len);
    xh[0] = AINIC_WIRE_VERSION << 4 | AINIC_PKT_RAW;
    wr16(xh + 2, len);
    memcpy(pkt + 74, inner, len);
    return 74 + len;
}
