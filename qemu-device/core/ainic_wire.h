/*
 * ainic: the wire format (§8): RAW packets in Ethernet / IPv4 / UDP
 * (port AINIC_UDP_PORT) / ainic transport header. Pure functions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_WIRE_H
#define HW_NET_AINIC_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* What the outer headers of one RAW packet carry */
typedef struct AinicWireHdr {
    const uint8_t *src_mac;     /* the port's MAC */
    uint32_t src_ip;            /* underlay IPv4, host order */
    uint16_t ip_id;
    uint32_t psn;
    uint32_t flow_hash;         /* ECMP entropy in the UDP source port */
} AinicWireHdr;

/*
 * Write the AINIC_ENCAP_LEN bytes of encapsulation at w, in front of the
 * inner frame of inner_len bytes at w + AINIC_ENCAP_LEN.
 */
void ainic_wire_encap(uint8_t *w, uint32_t inner_len, const AinicWireHdr *h);
/* The inner frame of a RAW ainic packet and its length, or NULL */
const uint8_t *ainic_wire_decap(const uint8_t *p, size_t len,
                                uint32_t *inner_len);

#endif /* HW_NET_AINIC_WIRE_H */
