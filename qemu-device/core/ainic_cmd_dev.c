/*
 * ainic: admin commands on the device as a whole: NOP, IDENTIFY,
 * PORT_CONFIG (MTU, MAC, underlay address, transport policy, receive
 * coalescing) and STATS_GET.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_cmd.h"

uint8_t ainic_op_nop(AinicCore *core, const uint8_t *cmd, uint32_t *result)
{
    (void)core;
    *result = (uint32_t)ld64(cmd + CMD_OFF(nop.cookie));
    return AINIC_STS_OK;
}

static void copy_str(uint8_t *dst, const char *src, size_t size)
{
    size_t len = 0;

    while (len < size - 1 && src[len]) {
        len++;
    }
    memcpy(dst, src, len);
    dst[len] = 0;
}

uint8_t ainic_op_identify(AinicCore *core, const uint8_t *cmd,
                          uint32_t *result)
{
    uint64_t addr = ld64(cmd + CMD_OFF(identify.buf_addr));
    uint32_t len = ld32(cmd + CMD_OFF(identify.buf_len));
    uint8_t id[sizeof(struct ainic_identity)];

    if (len < sizeof(id)) {
        guest_error(core, "IDENTIFY: buffer of %u bytes < %zu", len,
                    sizeof(id));
        return AINIC_STS_EINVAL;
    }

    memset(id, 0, sizeof(id));
    st32(id + ID_OFF(if_version), core->cfg.if_version);
    st64(id + ID_OFF(caps), core->cfg.caps);
    memcpy(id + ID_OFF(mac), core->cfg.mac, 6);
    st16(id + ID_OFF(max_qps), core->cfg.max_qps);
    st16(id + ID_OFF(num_vectors), core->num_vectors);
    st16(id + ID_OFF(max_sg), AINIC_MAX_SG);
    st32(id + ID_OFF(min_mtu), AINIC_MIN_MTU);
    st32(id + ID_OFF(max_mtu), AINIC_MAX_MTU);
    st32(id + ID_OFF(link_speed_mbps), AINIC_LINK_SPEED_MBPS);
    st32(id + ID_OFF(max_conns), (core->cfg.caps & AINIC_CAP_RELIABLE) ?
                                 AINIC_MAX_CONNS : 0);
    id[ID_OFF(max_ring_log2)] = AINIC_RING_MAX_LOG2;
    id[ID_OFF(min_ring_log2)] = AINIC_RING_MIN_LOG2;
    st32(id + ID_OFF(admin_timeout_ms), AINIC_ADMIN_TIMEOUT_MS);
    copy_str(id + ID_OFF(serial), core->cfg.serial, AINIC_SERIAL_LEN);
    copy_str(id + ID_OFF(fw_version), AINIC_FW_VERSION, AINIC_FW_VERSION_LEN);
    copy_str(id + ID_OFF(model), AINIC_MODEL, AINIC_MODEL_LEN);

    if (!range_ok(addr, sizeof(id)) ||
        core->ops->dma_write(core->opaque, addr, id, sizeof(id))) {
        guest_error(core, "IDENTIFY: DMA to 0x%llx failed",
                    (unsigned long long)addr);
        return AINIC_STS_EFAULT;
    }
    *result = sizeof(id);
    return AINIC_STS_OK;
}

uint8_t ainic_op_port_config(AinicCore *core, const uint8_t *cmd,
                             uint32_t *result)
{
    uint32_t known = AINIC_PORT_CFG_MTU | AINIC_PORT_CFG_MAC |
                     AINIC_PORT_CFG_UNDERLAY_IP | AINIC_PORT_CFG_XPORT;
    uint8_t coal = cmd[CMD_OFF(port_config.rx_coalesce)];
    uint8_t coal_bufs = cmd[CMD_OFF(port_config.rx_coalesce_max_bufs)];
    uint32_t xport = ld32(cmd + CMD_OFF(port_config.xport));
    const uint8_t *uip = cmd + CMD_OFF(port_config.underlay_ip);
    uint32_t valid = ld32(cmd + CMD_OFF(port_config.valid));
    uint32_t mtu = ld32(cmd + CMD_OFF(port_config.mtu));
    const uint8_t *mac = cmd + CMD_OFF(port_config.mac);

    (void)result;

    if (core->cfg.caps & AINIC_CAP_RX_COALESCE) {
        known |= AINIC_PORT_CFG_RX_COALESCE;
    }
    if (!all_zero(cmd + CMD_OFF(port_config.rsvd), 2) ||
        !all_zero(cmd + CMD_OFF(port_config.rsvd1), 2)) {
        guest_error(core, "PORT_CONFIG: non-zero rsvd field");
        return AINIC_STS_EINVAL;
    }
    if (valid & ~known) {
        guest_error(core, "PORT_CONFIG: unknown valid bits 0x%x",
                    valid & ~known);
        return AINIC_STS_EINVAL;
    }
    if ((valid & AINIC_PORT_CFG_MAC) && ((mac[0] & 1) || all_zero(mac, 6))) {
        guest_error(core, "PORT_CONFIG: multicast or zero MAC");
        return AINIC_STS_EINVAL;
    }
    if ((valid & AINIC_PORT_CFG_MTU) &&
        (mtu < AINIC_MIN_MTU || mtu > AINIC_MAX_MTU)) {
        guest_error(core, "PORT_CONFIG: MTU %u outside [%u, %u]", mtu,
                    AINIC_MIN_MTU, AINIC_MAX_MTU);
        return AINIC_STS_ERANGE;
    }

    if ((valid & AINIC_PORT_CFG_RX_COALESCE) &&
        (coal > 1 || (coal && !coal_bufs) || (!coal && coal_bufs))) {
        guest_error(core, "PORT_CONFIG: rx_coalesce %u with max_bufs %u "
                    "(on: 1 with 1..255, off: 0 with 0)", coal, coal_bufs);
        return AINIC_STS_EINVAL;
    }
    if ((valid & AINIC_PORT_CFG_XPORT) && xport != AINIC_XPORT_RAW &&
        (xport != AINIC_XPORT_RELIABLE ||
         !(core->cfg.caps & AINIC_CAP_RELIABLE))) {
        guest_error(core, "PORT_CONFIG: transport policy %u unknown or "
                    "not supported", xport);
        return AINIC_STS_EINVAL;
    }

    /* Validated in full above: a failed command changes nothing */
    if (valid & AINIC_PORT_CFG_MTU) {
        core->mtu = mtu;
    }
    if (valid & AINIC_PORT_CFG_MAC) {
        memcpy(core->mac, mac, 6);
    }
    if (valid & AINIC_PORT_CFG_XPORT) {
        core->xport.policy = xport;
    }
    if (valid & AINIC_PORT_CFG_RX_COALESCE) {
        ainic_rxc_configure(core, coal, coal_bufs);
    }
    if (valid & AINIC_PORT_CFG_UNDERLAY_IP) {
        core->underlay_ip = (uint32_t)uip[0] << 24 | (uint32_t)uip[1] << 16 |
                            (uint32_t)uip[2] << 8 | uip[3];
    }
    return AINIC_STS_OK;
}

uint8_t ainic_op_stats_get(AinicCore *core, const uint8_t *cmd,
                           uint32_t *result)
{
    uint64_t addr = ld64(cmd + CMD_OFF(stats_get.buf_addr));
    uint32_t len = ld32(cmd + CMD_OFF(stats_get.buf_len));
    uint8_t st[sizeof(struct ainic_dev_stats)];
    const AinicStats *s = &core->stats;
    uint32_t qlen = core->cfg.max_qps * sizeof(struct ainic_qp_stats);

#define PUT_STAT(f) st64(st + offsetof(struct ainic_dev_stats, f), s->f)

    if (ld32(cmd + CMD_OFF(stats_get.rsvd))) {
        guest_error(core, "STATS_GET: non-zero rsvd field");
        return AINIC_STS_EINVAL;
    }
    if (len < sizeof(st)) {
        guest_error(core, "STATS_GET: buffer of %u bytes < %zu", len,
                    sizeof(st));
        return AINIC_STS_EINVAL;
    }
    memset(st, 0, sizeof(st));
    PUT_STAT(admin_cmds);
    PUT_STAT(admin_errors);
    PUT_STAT(events);
    PUT_STAT(events_dropped);
    PUT_STAT(tx_packets);
    PUT_STAT(tx_bytes);
    PUT_STAT(rx_packets);
    PUT_STAT(rx_bytes);
    PUT_STAT(tx_errors);
    PUT_STAT(rx_dropped);
    PUT_STAT(rx_errors);
    PUT_STAT(xport_tx_pkts);
    PUT_STAT(xport_tx_bytes);
    PUT_STAT(xport_rx_pkts);
    PUT_STAT(xport_rx_bytes);
    PUT_STAT(xport_retx_fast);
    PUT_STAT(xport_retx_timeout);
    PUT_STAT(xport_rto_expired);
    PUT_STAT(xport_nacks_sent);
    PUT_STAT(xport_nacks_rcvd);
    PUT_STAT(xport_acks_sent);
    PUT_STAT(xport_acks_rcvd);
    PUT_STAT(xport_dup_dropped);
    PUT_STAT(xport_ooo_buffered);
    PUT_STAT(xport_out_of_window);
    PUT_STAT(xport_rnr_sent);
    PUT_STAT(xport_rnr_rcvd);
    PUT_STAT(xport_bad_acks);
    PUT_STAT(xport_unknown_conn);
    PUT_STAT(xport_retry_exhausted);
    PUT_STAT(xport_conns_created);
    PUT_STAT(xport_conns_reaped);
    PUT_STAT(xport_conns_refused);
    PUT_STAT(xport_error_drops);
    PUT_STAT(xport_malformed);
    PUT_STAT(xport_timer_recovered);
    PUT_STAT(rx_coalesced_frames);
    PUT_STAT(rx_coalesced_segs);
    PUT_STAT(rx_coalesce_flush_timer);
    PUT_STAT(rx_coalesce_flush_limit);
    PUT_STAT(rx_coalesce_flush_psh);
    PUT_STAT(rx_coalesce_flush_mismatch);
    PUT_STAT(rx_coalesce_flush_other);
    PUT_STAT(xport_rnr_dropped);
#undef PUT_STAT

    if (!range_ok(addr, sizeof(st)) ||
        core->ops->dma_write(core->opaque, addr, st, sizeof(st))) {
        guest_error(core, "STATS_GET: DMA to 0x%llx failed",
                    (unsigned long long)addr);
        return AINIC_STS_EFAULT;
    }
    *result = sizeof(st);
    /* A buffer with room for them gets the queue pairs' counters too */
    if (len >= sizeof(st) + qlen) {
        uint8_t qs[AINIC_MAX_QPS * sizeof(struct ainic_qp_stats)];
        unsigned i;

        for (i = 0; i < core->cfg.max_qps; i++) {
            uint8_t *e = qs + i * sizeof(struct ainic_qp_stats);

            st64(e + offsetof(struct ainic_qp_stats, rx_backlogged),
                 core->qp_stats[i].rx_backlogged);
            st64(e + offsetof(struct ainic_qp_stats, rx_backlog_drops),
                 core->qp_stats[i].rx_backlog_drops);
        }
        if (!range_ok(addr, sizeof(st) + qlen) ||
            core->ops->dma_write(core->opaque, addr + sizeof(st), qs, qlen)) {
            guest_error(core, "STATS_GET: DMA to 0x%llx failed",
                        (unsigned long long)(addr + sizeof(st)));
            return AINIC_STS_EFAULT;
        }
        *result += qlen;
    }
    return AINIC_STS_OK;
}
