/*
 * ainic: interrupt vectors (§3.5): masks and pending bits, moderation
 * by time and frame count (vector 0 never), the INTR_* registers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "ainic_priv.h"

/* Raise vector v through its mask (§3.5). */
void ainic_irq_raise(AinicCore *core, unsigned v)
{
    AinicVector *vec;

    if (v >= core->num_vectors) {
        return;     /* callers validate; never index out of range */
    }
    vec = &core->vec[v];
    if (vec->masked) {
        vec->pending = true;
        trace(core, AINIC_TRACE_IRQ, v, AINIC_IRQ_PENDING, 0, 0);
        return;
    }
    trace(core, AINIC_TRACE_IRQ, v, AINIC_IRQ_DELIVERED, 0, 0);
    core->ops->raise_irq(core->opaque, v);
}

static void coal_timer_cb(void *opaque)
{
    AinicVector *vec = opaque;

    vec->coal_armed = false;
    vec->coal_count = 0;
    ainic_irq_raise(vec->core, vec->index);
}

void ainic_core_cq_notify(AinicCore *core, unsigned v, uint32_t n)
{
    AinicVector *vec;

    if (v >= core->num_vectors) {
        return;
    }
    vec = &core->vec[v];
    if (v == AINIC_VEC_ADMIN || vec->coal_usecs == 0) {
        ainic_irq_raise(core, v);
        return;
    }
    vec->coal_count = n > UINT32_MAX - vec->coal_count ?
                      UINT32_MAX : vec->coal_count + n;
    if (vec->coal_frames && vec->coal_count >= vec->coal_frames) {
        if (vec->coal_armed) {
            core->ops->timer_del(core->opaque, vec->coal_timer);
            vec->coal_armed = false;
        }
        vec->coal_count = 0;
        ainic_irq_raise(core, v);
        return;
    }
    if (!vec->coal_armed) {
        vec->coal_armed = true;
        core->ops->timer_mod(core->opaque, vec->coal_timer,
                             core->ops->now_ns(core->opaque) +
                             (uint64_t)vec->coal_usecs * 1000);
    }
    trace(core, AINIC_TRACE_IRQ, v, AINIC_IRQ_COALESCED, 0, 0);
}

void ainic_intr_write(AinicCore *core, unsigned v, uint32_t reg,
                      uint32_t val)
{
    AinicVector *vec = &core->vec[v];

    switch (reg) {
    case 0x0:
        if (val & ~1u) {
            guest_error(core, "INTR_MASK(%u): reserved bits 0x%x ignored", v,
                        val & ~1u);
        }
        vec->masked = val & 1;
        if (!vec->masked && vec->pending) {
            vec->pending = false;
            ainic_irq_raise(core, v);
        }
        break;
    case 0x4:
    case 0x8:
        if (v == AINIC_VEC_ADMIN && val) {
            guest_error(core, "vector 0 is never moderated: 0x%x ignored",
                        AINIC_REG_INTR_BASE + reg);
            return;
        }
        if (reg == 0x4) {
            vec->coal_usecs = val;
        } else {
            vec->coal_frames = val;
        }
        break;
    default:
        guest_error(core, "write to unknown register 0x%x",
                    AINIC_REG_INTR_BASE + v * AINIC_REG_INTR_STRIDE + reg);
        break;
    }
}

uint32_t ainic_intr_read(AinicCore *core, unsigned v, uint32_t reg)
{
    switch (reg) {
    case 0x0:
        return core->vec[v].masked;
    case 0x4:
        return core->vec[v].coal_usecs;
    case 0x8:
        return core->vec[v].coal_frames;
    default:
        return 0;
    }
}

int ainic_intr_init(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < core->num_vectors; i++) {
        core->vec[i].core = core;
        core->vec[i].index = i;
        if (i == AINIC_VEC_ADMIN) {
            continue;   /* never moderated */
        }
        core->vec[i].coal_timer = core->ops->timer_new(core->opaque,
                                                       coal_timer_cb,
                                                       &core->vec[i]);
        if (!core->vec[i].coal_timer) {
            return -1;
        }
    }
    return 0;
}

void ainic_intr_reset(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_VECTORS; i++) {
        AinicVector *vec = &core->vec[i];

        if (vec->coal_timer && vec->coal_armed) {
            core->ops->timer_del(core->opaque, vec->coal_timer);
        }
        vec->masked = false;
        vec->pending = false;
        vec->coal_usecs = 0;
        vec->coal_frames = 0;
        vec->coal_count = 0;
        vec->coal_armed = false;
    }
}

void ainic_intr_fini(AinicCore *core)
{
    unsigned i;

    for (i = 0; i < AINIC_MAX_VECTORS; i++) {
        AinicVector *vec = &core->vec[i];

        if (vec->coal_timer) {
            core->ops->timer_del(core->opaque, vec->coal_timer);
            core->ops->timer_free(core->opaque, vec->coal_timer);
            vec->coal_timer = NULL;
        }
        vec->coal_armed = false;
    }
}
