/*
 * ainic: pure packet functions of the data path: header offsets, the
 * inner flow and its hash (ECMP entropy, RX steering), one's complement
 * checksums. No device state: fuzzable and testable on their own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_OFFLOAD_H
#define HW_NET_AINIC_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HLEN        14
#define IP4_HLEN        20
#define IP6_HLEN        40
#define UDP_HLEN        8
#define XH_LEN          sizeof(struct ainic_xport_hdr)
#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100
#define IPPROTO_TCP_    6
#define IPPROTO_UDP_    17
#define TCP_FIN         0x01
#define TCP_PSH         0x08
#define TCP_CWR         0x80
#define IP_ECT0         0x02
#define IP_DF           0x4000

/* A hash of the inner flow, as for ECMP and RX steering */
typedef struct AinicInnerFlow {
    uint32_t l3;                /* offset of the IP header, 0: none */
    bool v6;
    uint8_t proto;              /* TCP or UDP, 0: no ports */
    uint32_t l4;                /* offset of the TCP/UDP header */
} AinicInnerFlow;

/* One's complement sum of big-endian 16-bit words (odd tail padded) */
uint64_t ainic_csum_add(uint64_t sum, const uint8_t *p, size_t len);
uint16_t ainic_csum_fold(uint64_t sum);
/* Offset of the L3 header past Ethernet (and one VLAN tag), 0: too short */
uint32_t ainic_l3_offset(const uint8_t *f, size_t len, uint16_t *etype);
void ainic_parse_flow(const uint8_t *f, size_t len, AinicInnerFlow *fl);
/* Hash of inner addresses and ports; false if the frame is not IP */
bool ainic_flow_hash(const uint8_t *f, size_t len, uint32_t *hash);
/* Verify the inner TCP/UDP checksum (IPv4 unfragmented, IPv6 no ext) */
bool ainic_rx_csum_ok(const uint8_t *f, uint32_t len);
/* Full TCP checksum of the segment at f (l3/l4 offsets, tcp_len bytes) */
void ainic_tcp_csum(uint8_t *f, uint32_t l3, uint32_t l4, uint32_t tcp_len,
                    bool v6);

#endif /* HW_NET_AINIC_OFFLOAD_H */
