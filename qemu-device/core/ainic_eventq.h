/*
 * ainic: the event queue (§5) and the FATAL state (§3.2).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_EVENTQ_H
#define HW_NET_AINIC_EVENTQ_H

#include "ainic_types.h"

typedef struct AinicEventq {
    uint32_t base_lo, base_hi, size;        /* registers */
    AinicRing ring;             /* latched at ENABLE; tail: device */
} AinicEventq;

void ainic_eventq_reset(AinicCore *core);
/* Post an event (dropped and counted when the ring is full) */
void ainic_event_post(AinicCore *core, uint16_t code, uint32_t id,
                      uint32_t data);
/* Stop the device; post FATAL unless the event ring is what failed */
void ainic_set_fatal(AinicCore *core, uint32_t err, bool eq_usable);
/* EQ_HEAD written */
void ainic_eq_doorbell(AinicCore *core, uint32_t head);

#endif /* HW_NET_AINIC_EVENTQ_H */
