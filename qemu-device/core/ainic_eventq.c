/*
 * ainic: the event queue (§5): events posted with their colour, dropped
 * and counted when the ring is full, and the FATAL state (§3.2).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"

static void event_post_raw(AinicCore *core, uint16_t code, uint32_t id,
                           uint32_t data)
{
    AinicRing *eq = &core->eventq.ring;
    uint8_t ev[EQ_ENTRY];
    uint32_t slot, next;

    if (!enabled(core) || !eq->size) {
        return;     /* no event queue before ENABLE */
    }
    slot = eq->tail;
    next = (slot + 1) & (eq->size - 1);
    if (next == eq->head) {
        core->stats.events_dropped++;
        trace(core, AINIC_TRACE_EVENT_DROPPED, code, data, 0, 0);
        return;
    }
    memset(ev, 0, sizeof(ev));
    st16(ev + EV_OFF(code), code);
    st32(ev + EV_OFF(id), id);
    st32(ev + EV_OFF(data), data);
    ev[EV_OFF(flags)] = eq->color ? AINIC_EVENT_COLOR : 0;
    if (ainic_write_colored(core, eq->base + (uint64_t)slot * EQ_ENTRY, ev,
                            sizeof(ev))) {
        guest_error(core, "event queue DMA to 0x%llx failed",
                    (unsigned long long)(eq->base + (uint64_t)slot * EQ_ENTRY));
        ainic_set_fatal(core, AINIC_ERR_DMA, false);
        return;
    }
    eq->tail = next;
    if (next == 0) {
        eq->color ^= 1;
    }
    core->stats.events++;
    trace(core, AINIC_TRACE_EVENT_POSTED, code, data, slot, 0);
    ainic_irq_raise(core, AINIC_VEC_ADMIN);
}

void ainic_event_post(AinicCore *core, uint16_t code, uint32_t id,
                      uint32_t data)
{
    if (fatal(core)) {
        return;     /* a dead device reports nothing but FATAL */
    }
    event_post_raw(core, code, id, data);
}

/*
 * The device stops (§3.2). The FATAL event is best effort, and only when
 * the event ring itself is not what failed.
 */
void ainic_set_fatal(AinicCore *core, uint32_t err, bool eq_usable)
{
    if (fatal(core)) {
        return;
    }
    core->dev_status |= AINIC_STATUS_FATAL;
    core->dev_error = err;
    trace(core, AINIC_TRACE_FATAL, err, 0, 0, 0);
    if (eq_usable) {
        event_post_raw(core, AINIC_EVENT_FATAL, 0, err);
    }
}

void ainic_eq_doorbell(AinicCore *core, uint32_t head)
{
    AinicRing *eq = &core->eventq.ring;

    if (!enabled(core)) {
        guest_error(core, "EQ_HEAD %u written while not enabled", head);
        return;
    }
    if (head >= eq->size) {
        guest_error(core, "EQ_HEAD %u outside ring of %u", head, eq->size);
        return;
    }
    if (!ainic_consumer_ok(eq->head, head, eq->tail, eq->size)) {
        guest_error(core, "EQ_HEAD %u passes the device's tail %u", head,
                    eq->tail);
        return;
    }
    eq->head = head;
}

void ainic_eventq_reset(AinicCore *core)
{
    AinicEventq *q = &core->eventq;

    q->base_lo = q->base_hi = q->size = 0;
    memset(&q->ring, 0, sizeof(q->ring));
    q->ring.color = 1;
}
