/*
 * ainic: the core's side of the fault injector: the x-fault entry points
 * (ainic_core.h) and the faults that act on their own, FATAL now and the
 * interrupt storm.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_INJECT_H
#define HW_NET_AINIC_INJECT_H

#include "ainic_types.h"

typedef struct AinicStorm {
    uint32_t rounds;            /* irq-storm rounds still to raise */
    uint32_t interval_us;
    AinicTimer *timer;
} AinicStorm;

/* -1 if the storm timer could not be created */
int ainic_inject_init(AinicCore *core);
void ainic_inject_fini(AinicCore *core);

#endif /* HW_NET_AINIC_INJECT_H */
