/*
 * ainic: interrupt vectors (§3.5): masks, pending bits, moderation
 * timers, the INTR_* registers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_INTR_H
#define HW_NET_AINIC_INTR_H

#include "ainic_types.h"

typedef struct AinicVector {
    AinicCore *core;            /* back-pointer for the timer callback */
    unsigned index;
    bool masked;
    bool pending;               /* raised while masked */
    uint32_t coal_usecs;
    uint32_t coal_frames;
    uint32_t coal_count;        /* completions since the last interrupt */
    bool coal_armed;
    AinicTimer *coal_timer;
} AinicVector;

/* Timers for the queue vectors; -1 if one could not be created */
int ainic_intr_init(AinicCore *core);
void ainic_intr_reset(AinicCore *core);
void ainic_intr_fini(AinicCore *core);
/* Raise vector v through its mask (no moderation) */
void ainic_irq_raise(AinicCore *core, unsigned v);
/* INTR_* register reg (offset in the vector's block) of vector v */
uint32_t ainic_intr_read(AinicCore *core, unsigned v, uint32_t reg);
void ainic_intr_write(AinicCore *core, unsigned v, uint32_t reg,
                      uint32_t val);

#endif /* HW_NET_AINIC_INTR_H */
