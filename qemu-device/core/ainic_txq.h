/*
 * ainic: transmit (§7.2): descriptors, gather, CHECKSUM_PARTIAL,
 * encapsulation onto the wire, completions and budgets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_TXQ_H
#define HW_NET_AINIC_TXQ_H

#include "ainic_types.h"

/* The wire's state and the device's TX buffers */
typedef struct AinicTx {
    uint32_t psn;               /* RAW packet sequence number */
    uint16_t ip_id;             /* outer IPv4 identification */
    bool wire_busy;             /* send_frame() returned 1 */
    int buf_owner;              /* TXQ whose frame is in buf, -1: none */
    /* A gathered TX frame (TSO: up to 65535 + hdr_len bytes) */
    uint8_t buf[AINIC_TX_BUF_MAX];
    /* One encapsulated frame on its way to the wire */
    uint8_t wire_buf[AINIC_WIRE_BUF_MAX];
} AinicTx;

/* A TX descriptor, decoded */
struct AinicTxDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, nr_frags, csum_start, csum_offset, mss, hdr_len;
};
typedef struct AinicTxDesc AinicTxDesc;
typedef struct AinicQueue AinicQueue;

void ainic_tx_reset(AinicCore *core);
/* Consume frames of TX queue q within the budgets */
void ainic_txq_process(AinicCore *core, AinicQueue *q);
/*
 * Validate and gather the frame at q->cons into core->tx.buf: the
 * descriptors it spans (0: not posted in full, -1: ring unusable).
 */
int ainic_tx_gather(AinicCore *core, AinicQueue *q, AinicTxDesc *sop,
                    uint32_t *eop, uint8_t *status, uint32_t *flen);
/* Encapsulate and send the inner frame at tx.wire_buf + ENCAP_LEN */
void ainic_tx_wire(AinicCore *core, AinicQueue *q, uint32_t len);

#endif /* HW_NET_AINIC_TXQ_H */
