/*
 * ainic: pure packet functions of the data path (ainic_offload.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"
#include "ainic_offload.h"

uint64_t ainic_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += be16(p + i);
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    return sum;
}

uint16_t ainic_csum_fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

uint32_t ainic_l3_offset(const uint8_t *f, size_t len, uint16_t *etype)
{
    uint32_t off = 12;

    if (len < ETH_HLEN) {
        return 0;
    }
    *etype = be16(f + off);
    if (*etype == ETHERTYPE_VLAN) {
        if (len < ETH_HLEN + 4) {
            return 0;
        }
        off += 4;
        *etype = be16(f + off);
    }
    return off + 2;
}

void ainic_parse_flow(const uint8_t *f, size_t len, AinicInnerFlow *fl)
{
    uint16_t etype = 0;
    uint32_t l3 = ainic_l3_offset(f, len, &etype);

    memset(fl, 0, sizeof(*fl));
    if (!l3) {
        return;
    }
    if (etype == ETHERTYPE_IPV4 && len >= l3 + IP4_HLEN &&
        (f[l3] >> 4) == 4 && (f[l3] & 0xf) >= 5) {
        uint32_t ihl = (f[l3] & 0xf) * 4u;

        fl->l3 = l3;
        /* Fragments (other than the first) have no ports: IPs only */
        if ((be16(f + l3 + 6) & 0x3fff) == 0 &&
            (f[l3 + 9] == IPPROTO_TCP_ || f[l3 + 9] == IPPROTO_UDP_) &&
            len >= l3 + ihl + 4) {
            fl->proto = f[l3 + 9];
            fl->l4 = l3 + ihl;
        }
    } else if (etype == ETHERTYPE_IPV6 && len >= l3 + IP6_HLEN &&
               (f[l3] >> 4) == 6) {
        fl->l3 = l3;
        fl->v6 = true;
        if ((f[l3 + 6] == IPPROTO_TCP_ || f[l3 + 6] == IPPROTO_UDP_) &&
            len >= l3 + IP6_HLEN + 4) {
            fl->proto = f[l3 + 6];
            fl->l4 = l3 + IP6_HLEN;
        }
    }
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;        /* FNV-1a */
    }
    return h;
}

bool ainic_flow_hash(const uint8_t *f, size_t len, uint32_t *hash)
{
    AinicInnerFlow fl;
    uint32_t h = 2166136261u;

    ainic_parse_flow(f, len, &fl);
    if (!fl.l3) {
        *hash = 0;
        return false;
    }
    if (fl.v6) {
        h = hash_bytes(h, f + fl.l3 + 8, 32);
    } else {
        h = hash_bytes(h, f + fl.l3 + 12, 8);
    }
    if (fl.proto) {
        h = hash_bytes(h, &fl.proto, 1);
        h = hash_bytes(h, f + fl.l4, 4);
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    *hash = h;
    return true;
}

bool ainic_rx_csum_ok(const uint8_t *f, uint32_t len)
{
    AinicInnerFlow fl;
    uint32_t end, l4len;
    uint64_t sum = 0;

    ainic_parse_flow(f, len, &fl);
    if (!fl.proto) {
        return false;
    }
    if (fl.v6) {
        end = fl.l3 + IP6_HLEN + be16(f + fl.l3 + 4);
        sum = ainic_csum_add(sum, f + fl.l3 + 8, 32);
    } else {
        end = fl.l3 + be16(f + fl.l3 + 2);
        sum = ainic_csum_add(sum, f + fl.l3 + 12, 8);
    }
    if (end > len || end < fl.l4 + (fl.proto == IPPROTO_TCP_ ? 20 : 8)) {
        return false;
    }
    l4len = end - fl.l4;
    if (fl.proto == IPPROTO_UDP_ && !fl.v6 && be16(f + fl.l4 + 6) == 0) {
        return false;       /* no checksum to verify */
    }
    sum += fl.proto + (l4len >> 16) + (l4len & 0xffff);
    sum = ainic_csum_add(sum, f + fl.l4, l4len);
    return ainic_csum_fold(sum) == 0xffff;
}

void ainic_tcp_csum(uint8_t *f, uint32_t l3, uint32_t l4, uint32_t tcp_len,
                    bool v6)
{
    uint64_t sum = 0;

    if (v6) {
        sum = ainic_csum_add(sum, f + l3 + 8, 32);
    } else {
        sum = ainic_csum_add(sum, f + l3 + 12, 8);
    }
    sum += IPPROTO_TCP_ + (tcp_len >> 16) + (tcp_len & 0xffff);
    sbe16(f + l4 + 16, 0);
    sum = ainic_csum_add(sum, f + l4, tcp_len);
    sbe16(f + l4 + 16, (uint16_t)~ainic_csum_fold(sum));
}
