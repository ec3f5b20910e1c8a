/*
 * ainic: helpers private to the modules of the device core: byte access
 * to guest-visible images, guest-error logging, tracing and the device
 * state predicates.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_PRIV_H
#define HW_NET_AINIC_PRIV_H

#include "ainic_core.h"

#define ASQ_ENTRY       sizeof(struct ainic_admin_cmd)
#define ACQ_ENTRY       sizeof(struct ainic_admin_comp)
#define EQ_ENTRY        sizeof(struct ainic_event)
#define CMD_HDR_LEN     sizeof(struct ainic_admin_hdr)

#define CMD_OFF(field)  offsetof(struct ainic_admin_cmd, field)
#define COMP_OFF(field) offsetof(struct ainic_admin_comp, field)
#define ID_OFF(field)   offsetof(struct ainic_identity, field)
#define EV_OFF(field)   offsetof(struct ainic_event, field)

/* Little-endian access to guest-visible byte images */
static inline uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static inline void st16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void st32(uint8_t *p, uint32_t v)
{
    st16(p, v);
    st16(p + 2, v >> 16);
}

static inline void st64(uint8_t *p, uint64_t v)
{
    st32(p, v);
    st32(p + 4, v >> 32);
}

/* Big-endian access to packet headers */
static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static inline void sbe16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void sbe32(uint8_t *p, uint32_t v)
{
    sbe16(p, v >> 16);
    sbe16(p + 2, v);
}

static inline void AINIC_PRINTF(2, 3)
guest_error(AinicCore *core, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    core->ops->log_guest_error(core->opaque, fmt, ap);
    va_end(ap);
}

static inline void trace(AinicCore *core, AinicTraceEvent ev, uint64_t a,
                  uint64_t b, uint64_t c, uint64_t d)
{
    if (core->ops->trace) {
        core->ops->trace(core->opaque, ev, a, b, c, d);
    }
}

static inline bool is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static inline uint64_t make64(uint32_t lo, uint32_t hi)
{
    return (uint64_t)hi << 32 | lo;
}

/* [addr, addr + len) must not wrap around the 64-bit address space. */
static inline bool range_ok(uint64_t addr, uint64_t len)
{
    return len == 0 || addr + (len - 1) >= addr;
}

static inline bool all_zero(const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static inline bool enabled(const AinicCore *core)
{
    return core->dev_status & AINIC_STATUS_ENABLED;
}

static inline bool fatal(const AinicCore *core)
{
    return core->dev_status & AINIC_STATUS_FATAL;
}

static inline bool datapath_ready(const AinicCore *core)
{
    return (core->cfg.caps & AINIC_CAP_DATAPATH) && enabled(core) &&
           !fatal(core) && core->link_up;
}

#endif /* HW_NET_AINIC_PRIV_H */
