/*
 * ainic: transmit (§7.2): descriptors are validated and the frame
 * gathered, CHECKSUM_PARTIAL applied or the frame handed to the TSO
 * iterator (ainic_tso.c), encapsulated (ainic_wire.c) and sent; then its
 * CQE. Budgets per call bound the work done for the embedder.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"
#include "ainic_wire.h"

#define TXD_KNOWN (AINIC_TXD_F_SOP | AINIC_TXD_F_EOP | AINIC_TXD_F_CSUM | \
                   AINIC_TXD_F_TSO | AINIC_TXD_F_TSO_IPV6 | AINIC_TXD_F_COMP)

static int txd_read(AinicCore *core, AinicQueue *q, uint32_t idx,
                    AinicTxDesc *d)
{
    uint8_t b[sizeof(struct ainic_tx_desc)];
    uint64_t addr = q->ring_addr + (uint64_t)idx * sizeof(b);

    if (core->ops->dma_read(core->opaque, addr, b, sizeof(b))) {
        guest_error(core, "TXQ %u: descriptor read at 0x%llx failed",
                    q->qid, (unsigned long long)addr);
        q->broken = true;
        return -1;
    }
#define TXD(f) (b + offsetof(struct ainic_tx_desc, f))
    d->addr = ld64(TXD(addr));
    d->len = ld32(TXD(len));
    d->flags = ld16(TXD(flags));
    d->nr_frags = ld16(TXD(nr_frags));
    d->csum_start = ld16(TXD(csum_start));
    d->csum_offset = ld16(TXD(csum_offset));
    d->mss = ld16(TXD(mss));
    d->hdr_len = ld16(TXD(hdr_len));
#undef TXD
    return 0;
}

/*
 * Send the inner frame at core->tx.wire_buf + AINIC_ENCAP_LEN: unicast on
 * its connection (the caller had it admitted), otherwise as RAW (§8).
 */
void ainic_tx_wire(AinicCore *core, AinicQueue *q, uint32_t len)
{
    uint8_t *w = core->tx.wire_buf;
    AinicWireHdr h = {
        .src_mac = core->mac,
        .src_ip = core->underlay_ip,
        .type = AINIC_PKT_RAW,
    };

    ainic_flow_hash(w + AINIC_ENCAP_LEN, len, &h.flow_hash);
    if (ainic_xport_active(core) && !(w[AINIC_ENCAP_LEN] & 1)) {
        ainic_xport_send(core, len, h.flow_hash);
    } else {
        h.psn = core->tx.psn++;
        h.ip_id = core->tx.ip_id++;
        ainic_wire_encap(w, len, &h);
        if (core->ops->send_frame) {
            int r = core->ops->send_frame(core->opaque, w,
                                          AINIC_ENCAP_LEN + len);

            if (r < 0) {
                core->stats.tx_errors++;
                return;
            }
            if (r > 0) {
                core->tx.wire_busy = true;  /* queued: nothing more now */
            }
        }
    }
    core->stats.tx_packets++;
    core->stats.tx_bytes += len;
    trace(core, AINIC_TRACE_TX_FRAME, q->qid, len, h.psn, 0);
}

/* CHECKSUM_PARTIAL on the gathered frame */
static uint8_t tx_csum(AinicCore *core, uint8_t *f, uint32_t len,
                       const AinicTxDesc *d)
{
    uint32_t start = d->csum_start, field = start + d->csum_offset;
    uint16_t c;

    if (start >= len || field + 2 > len) {
        guest_error(core, "TX: csum_start %u + csum_offset %u outside a "
                    "frame of %u bytes", start, d->csum_offset, len);
        return AINIC_STS_EINVAL;
    }
    c = ~ainic_csum_fold(ainic_csum_add(0, f + start,
                                        len - start));
    sbe16(f + field, c ? c : 0xffff);
    return AINIC_STS_OK;
}

/*
 * Validate the descriptors of the frame at q->cons and gather its bytes
 * into core->tx.buf. Returns the descriptors it spans (0: not posted in
 * full yet, wait; -1: the ring is unusable), with *eop, *flen and *status
 * (0: gathered) for its CQE.
 */
int ainic_tx_gather(AinicCore *core, AinicQueue *q, AinicTxDesc *sop,
                    uint32_t *eop, uint8_t *status, uint32_t *flen)
{
    uint32_t mask = q->size - 1;
    AinicTxDesc d[AINIC_MAX_SG];
    uint64_t total = 0, limit;
    uint32_t n, i, off;

    *eop = q->cons;
    *flen = 0;
    *status = AINIC_STS_EINVAL;
    if (txd_read(core, q, q->cons, sop)) {
        return -1;
    }
    if (!(sop->flags & AINIC_TXD_F_SOP)) {
        guest_error(core, "TXQ %u: descriptor %u without SOP", q->qid,
                    q->cons);
        return 1;
    }
    n = sop->nr_frags;
    if (n == 0 || n > AINIC_MAX_SG ||
        (n > 1 && !(core->cfg.caps & AINIC_CAP_TX_SG))) {
        guest_error(core, "TXQ %u: nr_frags %u at descriptor %u", q->qid, n,
                    q->cons);
        return 1;
    }
    if (n > ainic_ring_used(q)) {
        return 0;       /* the rest of the frame is not posted yet */
    }
    *eop = (q->cons + n - 1) & mask;
    d[0] = *sop;
    for (i = 1; i < n; i++) {
        if (txd_read(core, q, (q->cons + i) & mask, &d[i])) {
            return -1;
        }
    }
    for (i = 0; i < n; i++) {
        uint16_t want = (i == 0 ? AINIC_TXD_F_SOP : 0) |
                        (i == n - 1 ? AINIC_TXD_F_EOP : 0);

        if ((d[i].flags & (AINIC_TXD_F_SOP | AINIC_TXD_F_EOP)) != want ||
            (d[i].flags & ~TXD_KNOWN)) {
            guest_error(core, "TXQ %u: descriptor %u flags 0x%x in a frame "
                        "of %u", q->qid, (q->cons + i) & mask, d[i].flags, n);
            return n;
        }
        if (d[i].len == 0 || !range_ok(d[i].addr, d[i].len)) {
            guest_error(core, "TXQ %u: descriptor %u has a bad length %u",
                        q->qid, (q->cons + i) & mask, d[i].len);
            return n;
        }
        total += d[i].len;
    }
    if ((sop->flags & AINIC_TXD_F_TSO_IPV6) &&
        !(sop->flags & AINIC_TXD_F_TSO)) {
        guest_error(core, "TXQ %u: TSO_IPV6 without TSO", q->qid);
        return n;
    }
    if ((sop->flags & AINIC_TXD_F_TSO) &&
        (!(sop->flags & AINIC_TXD_F_CSUM) ||
         !(core->cfg.caps & AINIC_CAP_TSO))) {
        guest_error(core, "TXQ %u: TSO without CSUM or not supported",
                    q->qid);
        return n;
    }
    if ((sop->flags & AINIC_TXD_F_CSUM) &&
        !(core->cfg.caps & AINIC_CAP_TX_CSUM)) {
        guest_error(core, "TXQ %u: CSUM not supported", q->qid);
        return n;
    }
    limit = (sop->flags & AINIC_TXD_F_TSO) ? 65535u + sop->hdr_len :
                                             core->mtu + 18u;
    if (total < ETH_HLEN || total > limit) {
        guest_error(core, "TXQ %u: frame of %llu bytes outside [%u, %llu]",
                    q->qid, (unsigned long long)total, ETH_HLEN,
                    (unsigned long long)limit);
        return n;
    }
    *flen = total;
    /* tx_buf is about to change: a paused TSO frame must be re-read */
    core->tx.buf_owner = q->qid;
    for (i = 0, off = 0; i < n; off += d[i].len, i++) {
        if (core->ops->dma_read(core->opaque, d[i].addr, core->tx.buf + off,
                                d[i].len)) {
            guest_error(core, "TXQ %u: buffer read of %u bytes at 0x%llx "
                        "failed", q->qid, d[i].len,
                        (unsigned long long)d[i].addr);
            core->tx.buf_owner = -1;
            *status = AINIC_STS_EFAULT;
            return n;
        }
    }
    *status = AINIC_STS_OK;
    return n;
}

/*
 * Start the frame at q->cons: a plain or CHECKSUM_PARTIAL frame is sent
 * whole; a TSO frame only sets up q->tso (ainic_tso_run() sends it). Returns as
 * ainic_tx_gather(); *status is the CQE's unless q->tso became active.
 */
static int tx_frame(AinicCore *core, AinicQueue *q, uint32_t *eop,
                    uint8_t *status, uint32_t *flen)
{
    AinicTxDesc sop;
    int n = ainic_tx_gather(core, q, &sop, eop, status, flen);

    if (n <= 0 || *status) {
        return n;
    }
    if (ainic_xport_admit(core, core->tx.buf, *flen) == AINIC_XPORT_WAIT) {
        q->xport_wait = true;   /* woken when the connection has room */
        return 0;
    }
    if (sop.flags & AINIC_TXD_F_TSO) {
        *status = ainic_tso_start(core, q, &sop, *flen);
        if (!*status) {
            q->tso.n = n;
            q->tso.eop = *eop;
        }
        return n;
    }
    if (sop.flags & AINIC_TXD_F_CSUM) {
        *status = tx_csum(core, core->tx.buf, *flen, &sop);
        if (*status) {
            return n;
        }
    }
    memcpy(core->tx.wire_buf + AINIC_ENCAP_LEN, core->tx.buf, *flen);
    ainic_tx_wire(core, q, *flen);
    return n;
}

/*
 * The CQE of a finished frame (§7.2), then the descriptors go back to the
 * driver. Returns -1 if the CQ could not be written.
 */
static int tx_complete(AinicCore *core, AinicQueue *q, AinicQueue *cq,
                       uint32_t n, uint32_t eop, uint32_t flen,
                       uint8_t status)
{
    uint32_t desc = eop;

    if (status) {
        core->stats.tx_errors++;
        trace(core, AINIC_TRACE_TX_ERROR, q->qid, eop, status, 0);
    }
    if (ainic_fault_take(&core->faults, AINIC_FAULT_TX_WRONG_DESC)) {
        /* Not the frame's last descriptor, or (one descriptor) a free one */
        desc = n > 1 ? q->cons : q->prod;
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_TX_WRONG_DESC, desc, 0, 0);
    }
    if (ainic_cqe_post(core, cq, AINIC_QTYPE_TXQ, q->qid, desc, flen, 0, 0,
                       status)) {
        return -1;
    }
    q->cons = (q->cons + n) & (q->size - 1);
    return 0;
}

/*
 * Consume frames of q: at most AINIC_TX_BUDGET frames and
 * AINIC_TX_SEG_BUDGET wire segments (and failed frames) per call, counted
 * inside a TSO frame too, so no call holds the embedder for long; a TSO
 * frame stopped by either budget or a busy wire resumes in the next call.
 */
void ainic_txq_process(AinicCore *core, AinicQueue *q)
{
    AinicQueue *cq = &core->cq[q->cq_id];
    unsigned frames = AINIC_TX_BUDGET, segs = AINIC_TX_SEG_BUDGET;
    uint32_t done = 0;

    if (!datapath_ready(core) || !q->active || q->broken || !cq->active ||
        cq->broken) {
        return;
    }
    q->stalled = false;
    for (;;) {
        uint32_t eop, flen, n;
        uint8_t status;

        if (core->tx.wire_busy || q->xport_wait) {
            break;      /* resumed by ainic_core_tx_resume, the transport */
        }
        if (!q->tso.active && q->cons == q->prod) {
            break;
        }
        if (!frames || !segs) {
            if (core->ops->schedule_tx) {
                core->ops->schedule_tx(core->opaque, q->qid);
            }
            break;
        }
        if (q->tso.active) {
            AinicTxIter *it = &q->tso;

            if (!it->done) {
                ainic_tso_run(core, q, &segs);
                if (!it->done) {
                    continue;       /* wire busy or out of budget */
                }
            }
            if (!ainic_cq_free(cq)) {
                q->stalled = true;  /* a hostile driver shares the CQ */
                break;
            }
            n = it->n;
            eop = it->eop;
            flen = it->flen;
            status = it->status;
            it->active = false;
        } else {
            int r;

            if (!ainic_cq_free(cq)) {
                q->stalled = true;  /* resumed by DB_TXCQ */
                break;
            }
            r = tx_frame(core, q, &eop, &status, &flen);
            if (r <= 0) {
                break;
            }
            if (q->tso.active) {
                continue;
            }
            n = r;
            segs--;                 /* one frame sent, or one failed */
        }
        if (tx_complete(core, q, cq, n, eop, flen, status)) {
            break;
        }
        done++;
        frames--;
    }
    ainic_cq_irq(core, cq, done);
}

void ainic_core_tx_process(AinicCore *core, unsigned qp)
{
    if (qp < core->cfg.max_qps) {
        ainic_txq_process(core, &core->txq[qp]);
    }
}

void ainic_core_tx_resume(AinicCore *core)
{
    unsigned i;

    core->tx.wire_busy = false;
    ainic_xport_pump_all(core);     /* ACKs owed, then the windows */
    for (i = 0; i < core->cfg.max_qps; i++) {
        if (core->txq[i].active && core->txq[i].cons != core->txq[i].prod) {
            ainic_txq_process(core, &core->txq[i]);
        }
    }
}

void ainic_tx_reset(AinicCore *core)
{
    core->tx.psn = 0;
    core->tx.ip_id = 0;
    core->tx.wire_busy = false;
    core->tx.buf_owner = -1;
}
