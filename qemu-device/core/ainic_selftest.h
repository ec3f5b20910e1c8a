/*
 * ainic: the self-test registers (§3.6): echo, interrupt and DMA tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_SELFTEST_H
#define HW_NET_AINIC_SELFTEST_H

#include "ainic_types.h"

typedef struct AinicSelftest {
    uint32_t echo;
    uint32_t dma_addr_lo, dma_addr_hi;
    uint32_t dma_len, dma_pattern, dma_status;
    /* Scratch buffer for TEST_DMA, kept off the stack */
    uint8_t dma_buf[AINIC_TEST_DMA_MAX];
} AinicSelftest;

void ainic_selftest_reset(AinicCore *core);
/* A TEST_* register: true (and *val) if addr is one */
bool ainic_selftest_read(AinicCore *core, uint64_t addr, uint32_t *val);
bool ainic_selftest_write(AinicCore *core, uint64_t addr, uint32_t val);

#endif /* HW_NET_AINIC_SELFTEST_H */
