/*
 * ainic: the wire format (§8): RAW packets in Ethernet / IPv4 / UDP
 * (port AINIC_UDP_PORT) / ainic transport header. Pure functions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_WIRE_H
#define HW_NET_AINIC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the outer headers of one packet carry */
typedef struct AinicWireHdr {
    const uint8_t *dst_mac;     /* NULL: the inner frame's (RAW, DATA) */
    const uint8_t *src_mac;     /* the port's MAC */
    uint32_t src_ip;            /* underlay IPv4, host order */
    uint16_t ip_id;
    uint32_t flow_hash;         /* ECMP entropy in the UDP source port */
    uint8_t type;               /* enum ainic_pkt_type */
    uint8_t flags;              /* AINIC_XH_F_* */
    uint32_t conn_id;
    uint32_t psn;
    uint32_t ack_psn;
    uint64_t sack;
    uint32_t ts_tx, ts_echo;
} AinicWireHdr;

/* A packet from the wire, its headers checked (§8) */
typedef struct AinicWirePkt {
    const uint8_t *src_mac;
    uint8_t type, flags;
    uint32_t conn_id, psn, ack_psn;
    uint64_t sack;
    uint32_t ts_tx, ts_echo;
    const uint8_t *payload;     /* the inner frame (RAW, DATA) or NACK */
    uint32_t payload_len;
} AinicWirePkt;

/*
 * Write the AINIC_ENCAP_LEN bytes of encapsulation at w, in front of the
 * payload of payload_len bytes at w + AINIC_ENCAP_LEN.
 */
void ainic_wire_encap(uint8_t *w, uint32_t payload_len,
                      const AinicWireHdr *h);
/*
 * Parse an ainic packet: false if it is not one (not IPv4/UDP to
 * AINIC_UDP_PORT, a bad checksum or length, an unknown version, SECURE).
 */
bool ainic_wire_parse(const uint8_t *p, size_t len, AinicWirePkt *pkt);
/* The inner frame of a RAW packet and its length, or NULL */
const uint8_t *ainic_wire_decap(const uint8_t *p, size_t len,
                                uint32_t *inner_len);
/* Rewrite the transport header fields a retransmission changes */
void ainic_wire_restamp(uint8_t *w, uint8_t flags, uint32_t conn_id,
                        uint32_t psn, uint32_t ack_psn, uint32_t ts_tx);

#endif /* HW_NET_AINIC_WIRE_H */
