/*
 * ainic: TSO (§7.2) as a resumable iterator. The frame's state lives in
 * its TXQ, so a call that runs out of segment budget or finds the wire
 * busy resumes where it stopped; the frame is gathered again when another
 * queue's frame has replaced it in core->tx.buf.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"

/*
 * Check the headers of a TSO frame gathered in core->tx.buf and set up
 * q->tso to cut it. Only what Linux sends is accepted: TCP right after an
 * IPv4 header or a bare IPv6 header (csum_start at its end), a TCP header
 * of 20 to 60 bytes that ends at hdr_len, mss >= AINIC_TSO_MIN_MSS.
 */
uint8_t ainic_tso_start(AinicCore *core, AinicQueue *q, const AinicTxDesc *d,
                        uint32_t len)
{
    const uint8_t *f = core->tx.buf;
    bool v6 = d->flags & AINIC_TXD_F_TSO_IPV6;
    uint32_t hdr = d->hdr_len, mss = d->mss, l4 = d->csum_start, ihl;
    uint16_t etype = 0;
    uint32_t l3 = ainic_l3_offset(f, len, &etype);
    AinicTxIter *it = &q->tso;

    if (!l3 || etype != (v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4) ||
        len < l3 + (v6 ? IP6_HLEN : IP4_HLEN)) {
        guest_error(core, "TSO: frame is not %s", v6 ? "IPv6" : "IPv4");
        return AINIC_STS_EINVAL;
    }
    if (v6) {
        ihl = IP6_HLEN;
        if ((f[l3] >> 4) != 6 || f[l3 + 6] != IPPROTO_TCP_) {
            guest_error(core, "TSO: not TCP right after an IPv6 header");
            return AINIC_STS_EINVAL;
        }
    } else {
        ihl = (f[l3] & 0xf) * 4u;
        if ((f[l3] >> 4) != 4 || ihl < IP4_HLEN || f[l3 + 9] != IPPROTO_TCP_) {
            guest_error(core, "TSO: not TCP over IPv4");
            return AINIC_STS_EINVAL;
        }
    }
    if (l4 != l3 + ihl) {
        guest_error(core, "TSO: csum_start %u is not the end of the IP "
                    "header (%u)", l4, l3 + ihl);
        return AINIC_STS_EINVAL;
    }
    /* Bounds first: f[l4 + 12] is read only once hdr_len < len holds */
    if (d->csum_offset != 16 || hdr < l4 + 20 ||
        hdr - l4 > AINIC_TSO_MAX_TCP_HDR || hdr >= len ||
        (f[l4 + 12] >> 4) * 4u != hdr - l4) {
        guest_error(core, "TSO: hdr_len %u, csum_start %u, csum_offset %u "
                    "do not describe a TCP header of 20 to %u bytes in %u",
                    hdr, l4, d->csum_offset, AINIC_TSO_MAX_TCP_HDR, len);
        return AINIC_STS_EINVAL;
    }
    if (mss < AINIC_TSO_MIN_MSS || mss + (hdr - l3) > core->mtu) {
        guest_error(core, "TSO: mss %u below %u, or with %u header bytes "
                    "above MTU %u", mss, AINIC_TSO_MIN_MSS, hdr - l3,
                    core->mtu);
        return AINIC_STS_EINVAL;
    }
    it->v6 = v6;
    it->flags = d->flags;
    it->csum_start = d->csum_start;
    it->csum_offset = d->csum_offset;
    it->mss = d->mss;
    it->hdr_len = d->hdr_len;
    it->l3 = l3;
    it->ihl = ihl;
    it->ip_id = v6 ? 0 : be16(f + l3 + 4);
    it->seq = be32(f + l4 + 4);
    it->tcp_flags = f[l4 + 13];
    it->flen = len;
    it->off = hdr;
    it->seg = 0;
    it->status = AINIC_STS_OK;
    it->done = false;
    it->active = true;
    return AINIC_STS_OK;
}

/*
 * Another queue's frame replaced the gathered TSO frame: read it again.
 * The driver may not touch descriptors or buffers the device still owns;
 * if it did (another length, other offload fields), the frame fails.
 */
static bool tso_regather(AinicCore *core, AinicQueue *q)
{
    AinicTxIter *it = &q->tso;
    uint32_t eop, flen;
    uint8_t status;
    AinicTxDesc sop;
    int n = ainic_tx_gather(core, q, &sop, &eop, &status, &flen);

    if (n < 0) {
        it->status = AINIC_STS_EFAULT;      /* the ring broke */
        return false;
    }
    if (n == 0 || status) {
        it->status = status ? status : AINIC_STS_EINVAL;
        return false;
    }
    if ((uint32_t)n != it->n || eop != it->eop || flen != it->flen ||
        sop.flags != it->flags || sop.csum_start != it->csum_start ||
        sop.csum_offset != it->csum_offset || sop.mss != it->mss ||
        sop.hdr_len != it->hdr_len) {
        guest_error(core, "TXQ %u: TSO frame at descriptor %u changed while "
                    "the device owned it", q->qid, q->cons);
        it->status = AINIC_STS_EINVAL;
        return false;
    }
    return true;
}

/*
 * Send segments of q's TSO frame while *segs allows and the wire is not
 * busy; each segment gets the headers, fixed as §7.2 says. Leaves it->done
 * set when the last one is out (or the frame failed).
 */
void ainic_tso_run(AinicCore *core, AinicQueue *q, unsigned *segs)
{
    AinicTxIter *it = &q->tso;
    const uint8_t *f = core->tx.buf;
    uint32_t hdr = it->hdr_len, l3 = it->l3, l4 = it->csum_start;

    if (core->tx.buf_owner != (int)q->qid && !tso_regather(core, q)) {
        it->done = true;
        return;
    }
    while (it->off < it->flen && *segs && !core->tx.wire_busy) {
        if (ainic_xport_admit(core, f, it->flen) == AINIC_XPORT_WAIT) {
            q->xport_wait = true;
            break;
        }
        uint32_t seg = it->flen - it->off < it->mss ? it->flen - it->off :
                                                      it->mss;
        uint8_t *s = core->tx.wire_buf + AINIC_ENCAP_LEN;
        uint8_t fl = it->tcp_flags;

        memcpy(s, f, hdr);
        memcpy(s + hdr, f + it->off, seg);
        if (it->v6) {
            sbe16(s + l3 + 4, hdr - l3 - IP6_HLEN + seg);
        } else {
            sbe16(s + l3 + 2, hdr - l3 + seg);
            sbe16(s + l3 + 4, (uint16_t)(it->ip_id + it->seg));
            sbe16(s + l3 + 10, 0);
            sbe16(s + l3 + 10, (uint16_t)~ainic_csum_fold(
                      ainic_csum_add(0, s + l3, it->ihl)));
        }
        sbe32(s + l4 + 4, it->seq + (it->off - hdr));
        if (it->off + seg < it->flen) {
            fl &= ~(TCP_FIN | TCP_PSH);
        }
        if (it->seg) {
            fl &= ~TCP_CWR;
        }
        s[l4 + 13] = fl;
        ainic_tcp_csum(s, l3, l4, hdr - l4 + seg, it->v6);
        ainic_tx_wire(core, q, hdr + seg);
        it->off += seg;
        it->seg++;
        (*segs)--;
    }
    if (it->off >= it->flen) {
        it->done = true;
    } else {
        trace(core, AINIC_TRACE_TSO_PAUSE, q->qid, it->seg, it->off, 0);
    }
}
