/*
 * ainic: admin commands on connections (§10.2): CONN_CREATE makes one to
 * a peer before any traffic, CONN_DESTROY frees one, CONN_QUERY reports
 * one as struct ainic_conn_info.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_cmd.h"

/* The connection conn_id names, or NULL (a free slot or out of range) */
static AinicConn *conn_by_id(AinicCore *core, uint32_t conn_id)
{
    AinicConn *c;

    if (conn_id < 1 || conn_id > AINIC_MAX_CONNS) {
        return NULL;
    }
    c = &core->xport.conn[conn_id - 1];
    return c->state == AINIC_CONN_FREE ? NULL : c;
}

uint8_t ainic_op_conn_create(AinicCore *core, const uint8_t *cmd,
                             uint32_t *result)
{
    const uint8_t *mac = cmd + CMD_OFF(conn_create.peer_mac);
    AinicConn *c;

    if (!all_zero(cmd + CMD_OFF(conn_create.rsvd), 2)) {
        guest_error(core, "CONN_CREATE: non-zero rsvd field");
        return AINIC_STS_EINVAL;
    }
    if ((mac[0] & 1) || all_zero(mac, 6) || !memcmp(mac, core->mac, 6)) {
        guest_error(core, "CONN_CREATE: multicast, zero or own MAC");
        return AINIC_STS_EINVAL;
    }
    /* Made or not, the host asked for it: it is pinned from now on */
    c = ainic_conn_find(core, mac);
    if (c) {
        c->pinned = true;
        *result = ainic_conn_id(core, c);
        return AINIC_STS_EEXIST;
    }
    c = ainic_conn_get(core, mac);
    if (!c) {
        return AINIC_STS_ENOSPC;    /* counted in xport_conns_refused */
    }
    c->pinned = true;
    *result = ainic_conn_id(core, c);
    return AINIC_STS_OK;
}

uint8_t ainic_op_conn_destroy(AinicCore *core, const uint8_t *cmd,
                              uint32_t *result)
{
    uint32_t id = ld32(cmd + CMD_OFF(conn_destroy.conn_id));
    AinicConn *c = conn_by_id(core, id);

    (void)result;
    if (!c) {
        guest_error(core, "CONN_DESTROY: no connection %u", id);
        return AINIC_STS_ENOENT;
    }
    ainic_conn_free(core, c);
    return AINIC_STS_OK;
}

uint8_t ainic_op_conn_query(AinicCore *core, const uint8_t *cmd,
                            uint32_t *result)
{
    uint32_t id = ld32(cmd + CMD_OFF(conn_query.conn_id));
    uint32_t len = ld32(cmd + CMD_OFF(conn_query.buf_len));
    uint64_t addr = ld64(cmd + CMD_OFF(conn_query.buf_addr));
    uint8_t b[sizeof(struct ainic_conn_info)];
    AinicConn *c = conn_by_id(core, id);

    if (len < sizeof(b)) {
        guest_error(core, "CONN_QUERY: buffer of %u bytes < %zu", len,
                    sizeof(b));
        return AINIC_STS_EINVAL;
    }
    if (!c) {
        return AINIC_STS_ENOENT;    /* not a guest error: slots come and go */
    }
    memset(b, 0, sizeof(b));
#define CI(f) (b + offsetof(struct ainic_conn_info, f))
    st32(CI(conn_id), id);
    *CI(state) = c->state;
    *CI(flags) = c->pinned ? AINIC_CONN_INFO_F_PINNED : 0;
    memcpy(CI(peer_mac), c->peer, 6);
    st32(CI(tx_incarnation), c->tx_inc);
    st32(CI(rx_incarnation), c->rx_inc);
    st32(CI(snd_una), c->snd_una);
    st32(CI(snd_nxt), c->snd_nxt);
    st32(CI(rcv_nxt), c->rcv_nxt);
    st32(CI(srtt_us), (uint32_t)(c->srtt_ns / 1000));
    st32(CI(rttvar_us), (uint32_t)(c->rttvar_ns / 1000));
    st32(CI(rto_us), (uint32_t)(c->rto_ns / 1000));
    st32(CI(retries), c->retries);
    st32(CI(staged), c->snd_end - c->snd_nxt);
    st64(CI(tx_pkts), c->st.tx_pkts);
    st64(CI(tx_bytes), c->st.tx_bytes);
    st64(CI(rx_pkts), c->st.rx_pkts);
    st64(CI(rx_bytes), c->st.rx_bytes);
    st64(CI(retx_fast), c->st.retx_fast);
    st64(CI(retx_timeout), c->st.retx_timeout);
    st64(CI(dup_dropped), c->st.dup_dropped);
    st64(CI(ooo_buffered), c->st.ooo_buffered);
    st64(CI(nacks_sent), c->st.nacks_sent);
    st64(CI(nacks_rcvd), c->st.nacks_rcvd);
    st64(CI(rnr_sent), c->st.rnr_sent);
    st64(CI(rnr_rcvd), c->st.rnr_rcvd);
#undef CI
    if (!range_ok(addr, sizeof(b)) ||
        core->ops->dma_write(core->opaque, addr, b, sizeof(b))) {
        guest_error(core, "CONN_QUERY: DMA to 0x%llx failed",
                    (unsigned long long)addr);
        return AINIC_STS_EFAULT;
    }
    *result = sizeof(b);
    return AINIC_STS_OK;
}
