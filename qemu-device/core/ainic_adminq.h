/*
 * ainic: the admin queue engine (§4): ASQ and ACQ, the dispatch table of
 * opcodes, the admin faults of the injector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_ADMINQ_H
#define HW_NET_AINIC_ADMINQ_H

#include "ainic_types.h"

typedef struct AinicAdminq {
    uint32_t asq_base_lo, asq_base_hi, asq_size;    /* registers */
    uint32_t acq_base_lo, acq_base_hi, acq_size;
    AinicRing asq;              /* latched at ENABLE; tail: driver */
    AinicRing acq;              /* tail: device */
    bool late;                  /* a completion waits for late_timer */
    uint8_t late_comp[sizeof(struct ainic_admin_comp)];
    AinicTimer *late_timer;
} AinicAdminq;

/* -1 if the timer could not be created */
int ainic_adminq_init(AinicCore *core);
void ainic_adminq_reset(AinicCore *core);
void ainic_adminq_fini(AinicCore *core);
/* ASQ_TAIL written */
void ainic_asq_doorbell(AinicCore *core, uint32_t tail);

#endif /* HW_NET_AINIC_ADMINQ_H */
