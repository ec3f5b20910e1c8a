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
    const uint8_t *inner = w + AINIC_ENCAP_LEN;
    uint8_t *ip = w + ETH_HLEN, *udp = ip + IP4_HLEN, *xh = udp + UDP_HLEN;

    memcpy(w, inner, 6);                /* outer dst = inner dst */
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
    /* No per-peer underlay address without connections: broadcast */
    sbe32(ip + 16, 0xffffffffu);
    sbe16(ip + 10, (uint16_t)~ainic_csum_fold(ainic_csum_add(0, ip,
                                                             IP4_HLEN)));

    sbe16(udp, 0xc000 | (h->flow_hash & 0x3fff));   /* ECMP entropy */
    sbe16(udp + 2, AINIC_UDP_PORT);
    sbe16(udp + 4, UDP_HLEN + XH_LEN + len);
    sbe16(udp + 6, 0);                  /* no UDP checksum (as RoCEv2) */

    memset(xh, 0, XH_LEN);
    xh[0] = AINIC_WIRE_VERSION << AINIC_XH_VERSION_SHIFT | AINIC_PKT_RAW;
    sbe16(xh + offsetof(struct ainic_xport_hdr, payload_len), len);
    sbe32(xh + offsetof(struct ainic_xport_hdr, psn), h->psn);
}

const uint8_t *ainic_wire_decap(const uint8_t *p, size_t len,
                                uint32_t *inner_len)
{
    uint32_t ihl, tot, ulen, plen;
    const uint8_t *ip, *udp, *xh;

    if (len < AINIC_ENCAP_LEN || be16(p + 12) != ETHERTYPE_IPV4) {
        return NULL;
    }
    ip = p + ETH_HLEN;
    ihl = (ip[0] & 0xf) * 4u;
    tot = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < IP4_HLEN || ip[9] != IPPROTO_UDP_ ||
        (be16(ip + 6) & 0x3fff) || tot < ihl + UDP_HLEN + XH_LEN ||
        tot > len - ETH_HLEN ||
        ainic_csum_fold(ainic_csum_add(0, ip, ihl)) != 0xffff) {
        return NULL;
    }
    udp = ip + ihl;
    ulen = be16(udp + 4);
    if (be16(udp + 2) != AINIC_UDP_PORT || ulen != tot - ihl) {
        return NULL;
    }
    xh = udp + UDP_HLEN;
    plen = be16(xh + offsetof(struct ainic_xport_hdr, payload_len));
    if (xh[0] != (AINIC_WIRE_VERSION << AINIC_XH_VERSION_SHIFT |
                  AINIC_PKT_RAW) ||
        (xh[1] & AINIC_XH_F_SECURE) || plen != ulen - UDP_HLEN - XH_LEN ||
        plen < ETH_HLEN) {
        return NULL;
    }
    *inner_len = plen;
    return xh + XH_LEN;
}
