/*
 * ainic: TSO (§7.2) as a resumable iterator over a gathered frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_TSO_H
#define HW_NET_AINIC_TSO_H

#include "ainic_types.h"

/*
 * A TSO frame being cut into segments (§7.2). It lives in its TXQ so that
 * a call that runs out of segment budget, or finds the wire busy, resumes
 * where it stopped; the gathered frame is in AinicCore.tx_buf while
 * tx_buf_owner names this queue, and is gathered again otherwise.
 */
typedef struct AinicTxIter {
    bool active;                /* the frame at the queue's cons */
    bool done;                  /* all segments out (or failed): CQE due */
    uint8_t status;             /* of the CQE */
    bool v6;
    uint16_t n;                 /* descriptors of the frame */
    uint16_t eop;
    uint32_t flen;              /* gathered bytes */
    /* The SOP descriptor's offload fields, checked again on a re-gather */
    uint16_t flags, csum_start, csum_offset, mss, hdr_len;
    uint16_t l3, ihl, ip_id;
    uint8_t tcp_flags;
    uint32_t seq;
    uint32_t off;               /* next payload byte, hdr_len .. flen */
    uint32_t seg;               /* segments sent */
} AinicTxIter;

typedef struct AinicQueue AinicQueue;
typedef struct AinicTxDesc AinicTxDesc;

/* Check the TSO frame gathered in core->tx.buf and set up q->tso */
uint8_t ainic_tso_start(AinicCore *core, AinicQueue *q, const AinicTxDesc *d,
                        uint32_t len);
/*
 * Send segments of q's TSO frame while *segs allows and the wire is not
 * busy; q->tso.done is set when the last one is out (or the frame failed).
 */
void ainic_tso_run(AinicCore *core, AinicQueue *q, unsigned *segs);

#endif /* HW_NET_AINIC_TSO_H */
