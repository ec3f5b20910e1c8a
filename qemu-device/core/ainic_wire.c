/*
 * ainic: the wire format (§8), encapsulation and decapsulation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"
#include "ainic_wire.h"

void ainic_wire_encap(uint8_t *w, uint32_t len, const AinicWireHdr *h)
{
    const uint8_t *payload = w + AINIC_ENCAP_LEN;
    uint8_t *ip = w + ETH_HLEN, *udp = ip + IP4_HLEN, *xh = udp + UDP_HLEN;

    /* RAW and DATA: outer dst = inner dst */
    memcpy(w, h->dst_mac ? h->dst_mac : payload, 6);
    memcpy(w + 6, h->src_mac, 6);
    sbe16(w + 12, ETHERTYPE_IPV4);

    memset(ip, 0, IP4_HLEN);
    ip[0] = 0x45;
    ip[1] = IP_ECT0;                    /* DSCP 0, ECT(0) */
    sbe16(ip + 2, IP4_HLEN + UDP_HLEN + XH_LEN + len);
    sbe16(ip + 4, h->ip_id);
    sbe16(ip + 6, IP_DF);
    ip[8] = 64;
    ip[9] = IPPROTO_UDP_;
    sbe32(ip + 12, h->src_ip);
    /* No per-peer underlay address yet: broadcast */
    sbe32(ip + 16, 0xffffffffu);
    sbe16(ip + 10, (uint16_t)~ainic_csum_fold(ainic_csum_add(0, ip,
                                                             IP4_HLEN)));

    sbe16(udp, 0xc000 | (h->flow_hash & 0x3fff));   /* ECMP entropy */
    sbe16(udp + 2, AINIC_UDP_PORT);
    sbe16(udp + 4, UDP_HLEN + XH_LEN + len);
    sbe16(udp + 6, 0);                  /* no UDP checksum (as RoCEv2) */

    memset(xh, 0, XH_LEN);
    xh[0] = AINIC_WIRE_VERSION << AINIC_XH_VERSION_SHIFT | h->type;
    xh[1] = h->flags;
    sbe16(xh + offsetof(struct ainic_xport_hdr, payload_len), len);
    sbe32(xh + offsetof(struct ainic_xport_hdr, conn_id), h->conn_id);
    sbe32(xh + offsetof(struct ainic_xport_hdr, psn), h->psn);
    sbe32(xh + offsetof(struct ainic_xport_hdr, ack_psn), h->ack_psn);
    sbe32(xh + offsetof(struct ainic_xport_hdr, sack), h->sack >> 32);
    sbe32(xh + offsetof(struct ainic_xport_hdr, sack) + 4, (uint32_t)h->sack);
    sbe32(xh + offsetof(struct ainic_xport_hdr, ts_tx), h->ts_tx);
    sbe32(xh + offsetof(struct ainic_xport_hdr, ts_echo), h->ts_echo);
}

void ainic_wire_restamp(uint8_t *w, uint8_t flags, uint32_t conn_id,
                        uint32_t psn, uint32_t ack_psn, uint32_t ts_tx)
{
    uint8_t *xh = w + ETH_HLEN + IP4_HLEN + UDP_HLEN;

    xh[1] = flags;
    sbe32(xh + offsetof(struct ainic_xport_hdr, conn_id), conn_id);
    sbe32(xh + offsetof(struct ainic_xport_hdr, psn), psn);
    sbe32(xh + offsetof(struct ainic_xport_hdr, ack_psn), ack_psn);
    sbe32(xh + offsetof(struct ainic_xport_hdr, ts_tx), ts_tx);
}

bool ainic_wire_parse(const uint8_t *p, size_t len, AinicWirePkt *pkt)
{
    uint32_t ihl, tot, ulen, plen;
    const uint8_t *ip, *udp, *xh;
    uint8_t type;

    if (len < AINIC_ENCAP_LEN || be16(p + 12) != ETHERTYPE_IPV4) {
        return false;
    }
    ip = p + ETH_HLEN;
    ihl = (ip[0] & 0xf) * 4u;
    tot = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < IP4_HLEN || ip[9] != IPPROTO_UDP_ ||
        (be16(ip + 6) & 0x3fff) || tot < ihl + UDP_HLEN + XH_LEN ||
        tot > len - ETH_HLEN ||
        ainic_csum_fold(ainic_csum_add(0, ip, ihl)) != 0xffff) {
        return false;
    }
    udp = ip + ihl;
    ulen = be16(udp + 4);
    if (be16(udp + 2) != AINIC_UDP_PORT || ulen != tot - ihl) {
        return false;
    }
    xh = udp + UDP_HLEN;
    plen = be16(xh + offsetof(struct ainic_xport_hdr, payload_len));
    type = xh[0] & AINIC_XH_TYPE_MASK;
    if ((xh[0] >> AINIC_XH_VERSION_SHIFT) != AINIC_WIRE_VERSION ||
        (xh[1] & AINIC_XH_F_SECURE) || plen != ulen - UDP_HLEN - XH_LEN) {
        return false;
    }
    pkt->src_mac = p + 6;
    pkt->type = type;
    pkt->flags = xh[1];
    pkt->conn_id = be32(xh + offsetof(struct ainic_xport_hdr, conn_id));
    pkt->psn = be32(xh + offsetof(struct ainic_xport_hdr, psn));
    pkt->ack_psn = be32(xh + offsetof(struct ainic_xport_hdr, ack_psn));
    pkt->sack = (uint64_t)be32(xh + offsetof(struct ainic_xport_hdr,
                                             sack)) << 32 |
                be32(xh + offsetof(struct ainic_xport_hdr, sack) + 4);
    pkt->ts_tx = be32(xh + offsetof(struct ainic_xport_hdr, ts_tx));
    pkt->ts_echo = be32(xh + offsetof(struct ainic_xport_hdr, ts_echo));
    pkt->payload = xh + XH_LEN;
    pkt->payload_len = plen;
    return true;
}

const uint8_t *ainic_wire_decap(const uint8_t *p, size_t len,
                                uint32_t *inner_len)
{
    AinicWirePkt pkt;

    if (!ainic_wire_parse(p, len, &pkt) || pkt.type != AINIC_PKT_RAW ||
        pkt.payload_len < ETH_HLEN) {
        return NULL;
    }
    *inner_len = pkt.payload_len;
    return pkt.payload;
}
