/*
 * ainic: the core's side of the fault injector (tests only, never guest
 * MMIO): the x-fault entry points of ainic_core.h, FATAL on demand and the
 * interrupt storm. The other faults are armed in core->faults and taken
 * where they apply (admin queue, TX completions, RX completions).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdio.h>
#include <string.h>

#include "ainic_priv.h"

/* irq-storm: one round raises every unmasked vector once */
static void storm_cb(void *opaque)
{
    AinicCore *core = opaque;
    unsigned v;

    if (!core->storm.rounds) {
        return;
    }
    core->storm.rounds--;
    for (v = 0; v < core->num_vectors; v++) {
        if (!core->vec[v].masked) {
            core->faults.fired++;
            ainic_irq_raise(core, v);
        }
    }
    trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_IRQ_STORM, core->storm.rounds,
          0, 0);
    if (core->storm.rounds) {
        core->ops->timer_mod(core->opaque, core->storm.timer,
                             core->ops->now_ns(core->opaque) +
                             (uint64_t)core->storm.interval_us * 1000);
    }
}

static void AINIC_PRINTF(3, 4)
fault_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
}

int ainic_core_fault_inject(AinicCore *core, const char *str, char *err,
                            size_t errlen)
{
    AinicFaultSpec sp;

    if (ainic_fault_parse(str, &sp, err, errlen)) {
        return -1;
    }
    if (sp.off) {
        ainic_fault_arm(&core->faults, &sp);
        core->storm.rounds = 0;
        core->ops->timer_del(core->opaque, core->storm.timer);
        return 0;
    }
    switch (sp.kind) {
    case AINIC_FAULT_FATAL:
        if (fatal(core)) {
            fault_err(err, errlen, "the device is FATAL already (DEV_ERROR "
                      "%u)", core->dev_error);
            return -1;
        }
        core->faults.fired++;
        trace(core, AINIC_TRACE_FAULT, AINIC_FAULT_FATAL, AINIC_ERR_INTERNAL,
              0, 0);
        ainic_set_fatal(core, AINIC_ERR_INTERNAL, true);
        return 0;
    case AINIC_FAULT_IRQ_STORM:
        core->ops->timer_del(core->opaque, core->storm.timer);
        core->storm.rounds = sp.count;
        core->storm.interval_us = sp.arg;
        storm_cb(core);         /* the first round now */
        return 0;
    default:
        ainic_fault_arm(&core->faults, &sp);
        return 0;
    }
}

void ainic_core_fault_describe(const AinicCore *core, char *buf, size_t len)
{
    size_t used;

    ainic_fault_describe(&core->faults, buf, len);
    if (!core->storm.rounds || !len) {
        return;
    }
    used = strcmp(buf, "off") ? strlen(buf) : 0;
    snprintf(buf + used, len - used, "%sirq-storm:%u:%u", used ? "," : "",
             (unsigned)core->storm.rounds, (unsigned)core->storm.interval_us);
}

uint64_t ainic_core_faults_fired(const AinicCore *core)
{
    return core->faults.fired;
}

int ainic_inject_init(AinicCore *core)
{
    core->storm.timer = core->ops->timer_new(core->opaque, storm_cb, core);
    return core->storm.timer ? 0 : -1;
}

void ainic_inject_fini(AinicCore *core)
{
    if (core->storm.timer) {
        core->ops->timer_del(core->opaque, core->storm.timer);
        core->ops->timer_free(core->opaque, core->storm.timer);
        core->storm.timer = NULL;
    }
    core->storm.rounds = 0;
}
