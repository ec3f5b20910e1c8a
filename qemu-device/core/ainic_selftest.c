/*
 * ainic: the self-test registers (§3.6): TEST_ECHO reads back inverted,
 * TEST_IRQ raises a vector, TEST_DMA fills or inverts a host buffer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include "ainic_priv.h"

static void test_dma(AinicCore *core, uint32_t op)
{
    AinicSelftest *t = &core->selftest;
    uint64_t addr = make64(t->dma_addr_lo, t->dma_addr_hi);
    uint32_t len = t->dma_len;
    uint32_t status = AINIC_TEST_STS_DONE | AINIC_TEST_STS_ERROR;
    uint32_t i;

    if (op != AINIC_TEST_DMA_FILL && op != AINIC_TEST_DMA_INVERT) {
        guest_error(core, "TEST_DMA_CTRL: unknown operation %u", op);
    } else if (len == 0 || len > AINIC_TEST_DMA_MAX || !range_ok(addr, len)) {
        guest_error(core, "TEST_DMA: bad length %u at 0x%llx", len,
                    (unsigned long long)addr);
    } else if (op == AINIC_TEST_DMA_INVERT &&
               core->ops->dma_read(core->opaque, addr, t->dma_buf, len)) {
        guest_error(core, "TEST_DMA: read of %u bytes at 0x%llx failed",
                    len, (unsigned long long)addr);
    } else {
        if (op == AINIC_TEST_DMA_FILL) {
            memset(t->dma_buf, t->dma_pattern & 0xff, len);
        } else {
            for (i = 0; i < len; i++) {
                t->dma_buf[i] = ~t->dma_buf[i];
            }
        }
        if (core->ops->dma_write(core->opaque, addr, t->dma_buf, len)) {
            guest_error(core, "TEST_DMA: write of %u bytes at 0x%llx failed",
                        len, (unsigned long long)addr);
        } else {
            status = AINIC_TEST_STS_DONE;
        }
    }
    t->dma_status = status;
    trace(core, AINIC_TRACE_SELFTEST, AINIC_SELFTEST_DMA, op, status, 0);
}

static void test_irq(AinicCore *core, uint32_t v)
{
    if (v >= core->num_vectors) {
        guest_error(core, "TEST_IRQ: vector %u >= %u", v, core->num_vectors);
        return;
    }
    trace(core, AINIC_TRACE_SELFTEST, AINIC_SELFTEST_IRQ, v, 0, 0);
    ainic_irq_raise(core, v);
}

void ainic_selftest_reset(AinicCore *core)
{
    AinicSelftest *t = &core->selftest;

    t->echo = 0;    /* reads back as 0xffffffff */
    t->dma_addr_lo = t->dma_addr_hi = 0;
    t->dma_len = t->dma_pattern = t->dma_status = 0;
}

bool ainic_selftest_read(AinicCore *core, uint64_t addr, uint32_t *val)
{
    const AinicSelftest *t = &core->selftest;

    switch (addr) {
    case AINIC_REG_TEST_ECHO:
        *val = ~t->echo;
        return true;
    case AINIC_REG_TEST_DMA_ADDR_LO:
        *val = t->dma_addr_lo;
        return true;
    case AINIC_REG_TEST_DMA_ADDR_HI:
        *val = t->dma_addr_hi;
        return true;
    case AINIC_REG_TEST_DMA_LEN:
        *val = t->dma_len;
        return true;
    case AINIC_REG_TEST_DMA_PATTERN:
        *val = t->dma_pattern;
        return true;
    case AINIC_REG_TEST_DMA_STATUS:
        *val = t->dma_status;
        return true;
    default:
        return false;
    }
}

bool ainic_selftest_write(AinicCore *core, uint64_t addr, uint32_t val)
{
    AinicSelftest *t = &core->selftest;

    switch (addr) {
    case AINIC_REG_TEST_ECHO:
        t->echo = val;
        trace(core, AINIC_TRACE_SELFTEST, AINIC_SELFTEST_ECHO, val, 0, 0);
        return true;
    case AINIC_REG_TEST_IRQ:
        test_irq(core, val);
        return true;
    case AINIC_REG_TEST_DMA_ADDR_LO:
        t->dma_addr_lo = val;
        return true;
    case AINIC_REG_TEST_DMA_ADDR_HI:
        t->dma_addr_hi = val;
        return true;
    case AINIC_REG_TEST_DMA_LEN:
        t->dma_len = val;
        return true;
    case AINIC_REG_TEST_DMA_PATTERN:
        t->dma_pattern = val & 0xff;
        return true;
    case AINIC_REG_TEST_DMA_CTRL:
        test_dma(core, val);
        return true;
    default:
        return false;
    }
}
