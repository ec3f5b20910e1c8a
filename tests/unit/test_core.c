// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host unit tests of the ainic device core (qemu-device/core/).
 *
 * The core runs against a fake platform: a guest memory array with DMA
 * fault injection, an MSI-X recorder, a guest-error counter and a fake
 * virtual clock with timers. Each test plays the driver through BAR0
 * exactly as uapi/ainic-device.md describes and checks what the device
 * wrote to guest memory and registers.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The harness's TEST() wrappers and signal handler leave parameters unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "ainic_core.h"
#include "fake_dev.h"

/* ---- Fixtures -------------------------------------------------------- */

FIXTURE(dev) {
    Env e;
};

FIXTURE_SETUP(dev)
{
    ASSERT_EQ(0, env_init(&self->e));
}

FIXTURE_TEARDOWN(dev)
{
    env_fini(&self->e);
}

/* A device enabled with an 8-entry admin queue and 8-entry event queue */
FIXTURE(up) {
    Env e;
};

FIXTURE_SETUP(up)
{
    ASSERT_EQ(0, env_init(&self->e));
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              bring_up(&self->e, 8, 8));
    self->e.irq_total = 0;
    memset(self->e.irqs, 0, sizeof(self->e.irqs));
}

FIXTURE_TEARDOWN(up)
{
    env_fini(&self->e);
}

/* ---- Reset, identity registers, ENABLE -------------------------------- */

TEST(init_rejects_bad_config)
{
    static AinicCore core;
    AinicCoreConfig cfg = { .max_qps = 0 };
    Env e;

    memset(&e, 0, sizeof(e));
    e.core = &core;
    ASSERT_EQ(-1, ainic_core_init(&core, &cfg, &fake_ops, &e));
    cfg.max_qps = AINIC_MAX_QPS + 1;
    ASSERT_EQ(-1, ainic_core_init(&core, &cfg, &fake_ops, &e));
    ASSERT_EQ(0u, e.ntimers);
    cfg.max_qps = AINIC_MAX_QPS;
    ASSERT_EQ(0, ainic_core_init(&core, &cfg, &fake_ops, &e));
    ASSERT_EQ((uint32_t)AINIC_MAX_VECTORS, rd(&e, AINIC_REG_NUM_VECTORS));
    /* A moderation timer per queue vector, admin-late and irq-storm */
    ASSERT_EQ((unsigned)AINIC_CORE_TIMERS, e.ntimers);
    ainic_core_fini(&core);
    ASSERT_TRUE(e.timers[0].freed);
    ASSERT_TRUE(e.timers[AINIC_CORE_TIMERS - 1].freed);
}

TEST_F(dev, power_on_registers)
{
    Env *e = &self->e;

    ASSERT_EQ((uint32_t)AINIC_MAGIC, rd(e, AINIC_REG_MAGIC));
    ASSERT_EQ(0x10000u, rd(e, AINIC_REG_IF_VERSION));
    ASSERT_EQ((uint32_t)AINIC_CAPS_V1, rd(e, AINIC_REG_CAPS_LO));
    ASSERT_EQ(0u, rd(e, AINIC_REG_CAPS_HI));
    ASSERT_EQ(AINIC_STATUS_READY, rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(0u, rd(e, AINIC_REG_DEV_CTRL));
    ASSERT_EQ(0u, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_EQ((uint32_t)TEST_VECTORS, rd(e, AINIC_REG_NUM_VECTORS));
    ASSERT_EQ((uint32_t)TEST_QPS, rd(e, AINIC_REG_MAX_QPS));
    ASSERT_EQ(1000u, rd(e, AINIC_REG_ADMIN_TIMEOUT));
    ASSERT_EQ(0xffffffffu, rd(e, AINIC_REG_TEST_ECHO));
    ASSERT_EQ(0u, rd(e, AINIC_REG_INTR_MASK(0)));
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(dev, read_only_and_unknown_registers)
{
    Env *e = &self->e;

    wr(e, AINIC_REG_MAGIC, 0);
    ASSERT_EQ((uint32_t)AINIC_MAGIC, rd(e, AINIC_REG_MAGIC));
    wr(e, AINIC_REG_MAX_QPS, 64);
    ASSERT_EQ((uint32_t)TEST_QPS, rd(e, AINIC_REG_MAX_QPS));
    wr(e, AINIC_REG_DEV_STATUS, 0);
    ASSERT_EQ(AINIC_STATUS_READY, rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(3u, e->guest_errors);

    /* Unknown offsets read 0; writes are guest errors */
    ASSERT_EQ(0u, rd(e, 0x0030));
    ASSERT_EQ(0u, rd(e, 0xfffc));
    wr(e, 0x0030, 1);
    wr(e, 0xfffc, 1);
    ASSERT_EQ(5u, e->guest_errors);
    /* Vector blocks past NUM_VECTORS and doorbells past MAX_QPS are unknown */
    wr(e, AINIC_REG_INTR_MASK(TEST_VECTORS), 1);
    ASSERT_EQ(0u, rd(e, AINIC_REG_INTR_MASK(TEST_VECTORS)));
    wr(e, AINIC_REG_DB_TXQ(TEST_QPS), 1);
    ASSERT_EQ(7u, e->guest_errors);
    ASSERT_EQ(AINIC_STATUS_READY, rd(e, AINIC_REG_DEV_STATUS));
}

TEST_F(dev, reset_clears_configuration)
{
    Env *e = &self->e;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 8, 8));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0)));
    wr(e, AINIC_REG_INTR_MASK(1), 1);
    wr(e, AINIC_REG_INTR_COAL_USECS(1), 50);
    wr(e, AINIC_REG_TEST_ECHO, 0x1234);

    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(AINIC_STATUS_READY, rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(0u, rd(e, AINIC_REG_DEV_CTRL));   /* RESET self-clears */
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_BASE_LO));
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_SIZE));
    ASSERT_EQ(0u, rd(e, AINIC_REG_ACQ_SIZE));
    ASSERT_EQ(0u, rd(e, AINIC_REG_EQ_SIZE));
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_HEAD));
    ASSERT_EQ(0u, rd(e, AINIC_REG_INTR_MASK(1)));
    ASSERT_EQ(0u, rd(e, AINIC_REG_INTR_COAL_USECS(1)));
    ASSERT_EQ(0xffffffffu, rd(e, AINIC_REG_TEST_ECHO));
    ASSERT_FALSE(e->core->cq[0].active);
    ASSERT_EQ(0u, e->core->stats.admin_cmds);
}

TEST_F(dev, enable_and_freeze_config)
{
    Env *e = &self->e;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 8, 8));
    ASSERT_EQ(AINIC_CTRL_ENABLE, rd(e, AINIC_REG_DEV_CTRL));
    ASSERT_EQ(0u, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_EQ(0u, e->guest_errors);

    /* Base and size registers are frozen while enabled */
    wr(e, AINIC_REG_ASQ_SIZE, 16);
    wr(e, AINIC_REG_EQ_BASE_LO, 0x4000);
    ASSERT_EQ(8u, rd(e, AINIC_REG_ASQ_SIZE));
    ASSERT_EQ((uint32_t)EQ_GPA, rd(e, AINIC_REG_EQ_BASE_LO));
    ASSERT_EQ(2u, e->guest_errors);
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));

    /* Clearing ENABLE is a reset */
    wr(e, AINIC_REG_DEV_CTRL, 0);
    ASSERT_EQ(AINIC_STATUS_READY, rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_SIZE));
}

TEST_F(dev, enable_ring_limits)
{
    Env *e = &self->e;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              bring_up(e, AINIC_ADMINQ_MIN_ENTRIES, AINIC_EQ_MIN_ENTRIES));
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              bring_up(e, AINIC_ADMINQ_MAX_ENTRIES, AINIC_EQ_MAX_ENTRIES));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
}

/* Every refused ENABLE, with the DEV_ERROR it must report */
FIXTURE(badcfg) {
    Env e;
};

FIXTURE_VARIANT(badcfg) {
    uint32_t reg;
    uint32_t val;
    uint32_t reg2;      /* optional second register; 0: none */
    uint32_t val2;
    uint32_t dev_error;
};

FIXTURE_VARIANT_ADD(badcfg, asq_size_not_pow2) {
    .reg = AINIC_REG_ASQ_SIZE, .val = 12, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, asq_size_too_small) {
    .reg = AINIC_REG_ASQ_SIZE, .val = 1, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, asq_size_zero) {
    .reg = AINIC_REG_ASQ_SIZE, .val = 0, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, asq_size_too_big) {
    .reg = AINIC_REG_ASQ_SIZE, .val = 8192, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, acq_size_mismatch) {
    .reg = AINIC_REG_ACQ_SIZE, .val = 16, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, asq_base_zero) {
    .reg = AINIC_REG_ASQ_BASE_LO, .val = 0, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, asq_base_unaligned) {
    .reg = AINIC_REG_ASQ_BASE_LO, .val = (uint32_t)ASQ_GPA + 32,
    .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, acq_base_zero) {
    .reg = AINIC_REG_ACQ_BASE_LO, .val = 0, .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, acq_base_unaligned) {
    .reg = AINIC_REG_ACQ_BASE_LO, .val = (uint32_t)ACQ_GPA + 8,
    .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, acq_wraps_address_space) {
    .reg = AINIC_REG_ACQ_BASE_LO, .val = 0xffffffc0,
    .reg2 = AINIC_REG_ACQ_BASE_HI, .val2 = 0xffffffff,
    .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, asq_base_64bit_unaligned) {
    .reg = AINIC_REG_ASQ_BASE_LO, .val = 0x4,
    .reg2 = AINIC_REG_ASQ_BASE_HI, .val2 = 0x1,
    .dev_error = AINIC_ERR_ADMINQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, eq_size_not_pow2) {
    .reg = AINIC_REG_EQ_SIZE, .val = 6, .dev_error = AINIC_ERR_EVENTQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, eq_size_too_small) {
    .reg = AINIC_REG_EQ_SIZE, .val = 1, .dev_error = AINIC_ERR_EVENTQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, eq_size_too_big) {
    .reg = AINIC_REG_EQ_SIZE, .val = 8192, .dev_error = AINIC_ERR_EVENTQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, eq_base_zero) {
    .reg = AINIC_REG_EQ_BASE_LO, .val = 0, .dev_error = AINIC_ERR_EVENTQ_CONFIG,
};
FIXTURE_VARIANT_ADD(badcfg, eq_base_unaligned) {
    .reg = AINIC_REG_EQ_BASE_LO, .val = (uint32_t)EQ_GPA + 16,
    .dev_error = AINIC_ERR_EVENTQ_CONFIG,
};

FIXTURE_SETUP(badcfg)
{
    ASSERT_EQ(0, env_init(&self->e));
}

FIXTURE_TEARDOWN(badcfg)
{
    env_fini(&self->e);
}

TEST_F(badcfg, enable_refused)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);

    config_rings(e, 8, 8);
    wr(e, variant->reg, variant->val);
    if (variant->reg2) {
        wr(e, variant->reg2, variant->val2);
    }
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_FATAL,
              rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(variant->dev_error, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_GE(e->guest_errors, 1u);

    /* Nothing is processed, a second ENABLE changes nothing */
    post(e, &c);
    doorbell(e);
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_HEAD));
    ASSERT_EQ(0u, e->irq_total);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_FATAL,
              rd(e, AINIC_REG_DEV_STATUS));

    /* Only a reset clears it; then a good config is accepted */
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 8, 8));
    ASSERT_EQ(0u, rd(e, AINIC_REG_DEV_ERROR));
}

/* ---- Admin queue ----------------------------------------------------- */

TEST_F(up, nop_round_trip)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);
    struct ainic_admin_comp comp;

    e->next_id = 0xbeef;
    c.nop.cookie = htole64(0x1122334455667788ull);
    ASSERT_EQ(0, exec(e, &c, &comp));
    ASSERT_EQ(0xbeef, le16toh(comp.cmd_id));
    ASSERT_EQ(AINIC_OP_NOP, comp.opcode);
    ASSERT_EQ(0x55667788u, le32toh(comp.result));
    ASSERT_EQ(1, le16toh(comp.sq_head));
    ASSERT_EQ(AINIC_COMP_COLOR, comp.flags);
    ASSERT_EQ(1u, rd(e, AINIC_REG_ASQ_HEAD));
    ASSERT_EQ(1u, rd(e, AINIC_REG_ASQ_TAIL));
    ASSERT_EQ(1u, e->irqs[AINIC_VEC_ADMIN]);
    ASSERT_EQ(1u, e->irq_total);
    /* Nothing beyond the one completion was written */
    ASSERT_FALSE(reap(e, &comp));
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(up, batch_one_doorbell)
{
    Env *e = &self->e;
    struct ainic_admin_comp comp;
    uint16_t ids[5];
    unsigned i;

    for (i = 0; i < 5; i++) {
        struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);

        c.nop.cookie = htole64(100 + i);
        ids[i] = post(e, &c);
    }
    doorbell(e);
    for (i = 0; i < 5; i++) {
        ASSERT_TRUE(reap(e, &comp));
        ASSERT_EQ(ids[i], le16toh(comp.cmd_id));
        ASSERT_EQ(100 + i, le32toh(comp.result));
        ASSERT_EQ(i + 1, le16toh(comp.sq_head));
    }
    ASSERT_FALSE(reap(e, &comp));
    /* One interrupt for the batch */
    ASSERT_EQ(1u, e->irqs[0]);
    ASSERT_EQ(5u, e->core->stats.admin_cmds);
}

TEST_F(dev, colour_flips_on_wrap)
{
    Env *e = &self->e;
    struct ainic_admin_comp comp;
    unsigned i, j, n = 0;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 4, 4));
    /* One at a time: 3 wraps and a bit */
    for (i = 0; i < 3 * 4 + 1; i++, n++) {
        struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);

        c.nop.cookie = htole64(n);
        ASSERT_EQ(0, exec(e, &c, &comp));
        ASSERT_EQ(n, le32toh(comp.result));
        /* colour is 1 on the first pass, 0 on the second, ... */
        ASSERT_EQ((n / 4) % 2 ? 0 : AINIC_COMP_COLOR, comp.flags);
        ASSERT_EQ((n + 1) % 4, le16toh(comp.sq_head));
    }
    /* Batches of size - 1 across the wrap point */
    for (i = 0; i < 4; i++) {
        uint16_t ids[3];

        for (j = 0; j < 3; j++) {
            struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);

            c.nop.cookie = htole64(n + j);
            ids[j] = post(e, &c);
        }
        doorbell(e);
        for (j = 0; j < 3; j++, n++) {
            ASSERT_TRUE(reap(e, &comp));
            ASSERT_EQ(ids[j], le16toh(comp.cmd_id));
            ASSERT_EQ(n, le32toh(comp.result));
            ASSERT_EQ((n / 4) % 2 ? 0 : AINIC_COMP_COLOR, comp.flags);
        }
        ASSERT_FALSE(reap(e, &comp));
    }
    ASSERT_EQ(n, e->core->stats.admin_cmds);
    ASSERT_GT(n, 2u * 4);
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(up, bogus_tail_ignored)
{
    Env *e = &self->e;
    struct ainic_admin_comp comp;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);

    post(e, &c);
    wr(e, AINIC_REG_ASQ_TAIL, 8);           /* == size */
    wr(e, AINIC_REG_ASQ_TAIL, 0xffffffff);
    ASSERT_EQ(2u, e->guest_errors);
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_HEAD));
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_TAIL));
    ASSERT_FALSE(reap(e, &comp));
    ASSERT_EQ(0u, e->irq_total);
    /* The device keeps serving valid requests */
    doorbell(e);
    ASSERT_TRUE(reap(e, &comp));
    ASSERT_EQ(0, comp.status);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              rd(e, AINIC_REG_DEV_STATUS));
}

TEST_F(dev, doorbell_before_enable_ignored)
{
    Env *e = &self->e;

    config_rings(e, 8, 8);
    wr(e, AINIC_REG_ASQ_TAIL, 1);
    wr(e, AINIC_REG_EQ_HEAD, 1);
    ASSERT_EQ(2u, e->guest_errors);
    ASSERT_EQ(0u, e->dma_ops);
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_HEAD));
}

TEST_F(up, identify)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_IDENTIFY);
    struct ainic_admin_comp comp;
    struct ainic_identity id;
    static const uint8_t zero[sizeof(id)];

    memset(gpa(e, BUF_GPA), 0xee, 2 * sizeof(id));
    c.identify.buf_addr = htole64(BUF_GPA);
    c.identify.buf_len = htole32(4096);
    c.identify.driver_version = htole32(7);
    ASSERT_EQ(0, exec(e, &c, &comp));
    ASSERT_EQ(512u, le32toh(comp.result));
    memcpy(&id, gpa(e, BUF_GPA), sizeof(id));

    ASSERT_EQ(0x10000u, le32toh(id.if_version));
    ASSERT_EQ(AINIC_CAP_SELFTEST | AINIC_CAP_EVENTQ, le64toh(id.caps));
    ASSERT_EQ(0, memcmp(id.mac, test_mac, 6));
    ASSERT_EQ(TEST_QPS, le16toh(id.max_qps));
    ASSERT_EQ(TEST_VECTORS, le16toh(id.num_vectors));
    ASSERT_EQ(16, le16toh(id.max_sg));
    ASSERT_EQ(68u, le32toh(id.min_mtu));
    ASSERT_EQ(9000u, le32toh(id.max_mtu));
    ASSERT_EQ(100000u, le32toh(id.link_speed_mbps));
    ASSERT_EQ(0u, le32toh(id.max_conns));
    ASSERT_EQ(AINIC_RING_MAX_LOG2, id.max_ring_log2);
    ASSERT_EQ(AINIC_RING_MIN_LOG2, id.min_ring_log2);
    ASSERT_EQ(1000u, le32toh(id.admin_timeout_ms));
    ASSERT_STREQ("AINIC0001", id.serial);
    ASSERT_STREQ("1.0.0", id.fw_version);
    ASSERT_STREQ("ainic-qemu", id.model);
    /* Unused bytes are zero, including the rest of the strings */
    ASSERT_EQ(0u, le32toh(id.rsvd0));
    ASSERT_EQ(0, memcmp(id.serial + 9, zero, AINIC_SERIAL_LEN - 9));
    ASSERT_EQ(0, memcmp((uint8_t *)&id + 148, zero, sizeof(id) - 148));
    /* Exactly 512 bytes were written */
    ASSERT_EQ(0xee, gpa(e, BUF_GPA)[512]);
}

TEST_F(up, identify_errors)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_IDENTIFY);
    struct ainic_admin_comp comp;

    memset(gpa(e, BUF_GPA), 0xee, 512);
    c.identify.buf_addr = htole64(BUF_GPA);
    c.identify.buf_len = htole32(511);
    ASSERT_EQ(AINIC_STS_EINVAL, exec(e, &c, &comp));
    ASSERT_EQ(0u, le32toh(comp.result));
    ASSERT_EQ(0xee, gpa(e, BUF_GPA)[0]);

    c = mkcmd(AINIC_OP_IDENTIFY);
    c.identify.buf_addr = htole64(BAD_GPA);
    c.identify.buf_len = htole32(512);
    ASSERT_EQ(AINIC_STS_EFAULT, run(e, c));
    c.identify.buf_addr = htole64(~0ull - 100);     /* wraps */
    ASSERT_EQ(AINIC_STS_EFAULT, run(e, c));
    /* A bad command buffer is not a ring failure */
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
}

static struct ainic_admin_cmd port_cfg(uint32_t valid, uint32_t mtu,
                                       const uint8_t *mac)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_PORT_CONFIG);

    c.port_config.valid = htole32(valid);
    c.port_config.mtu = htole32(mtu);
    if (mac) {
        memcpy(c.port_config.mac, mac, 6);
    }
    return c;
}

TEST_F(up, port_config)
{
    Env *e = &self->e;
    static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x42 };
    static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
    static const uint8_t zero[6];
    struct ainic_admin_cmd c;

    ASSERT_EQ(1500u, e->core->mtu);
    ASSERT_EQ(AINIC_STS_ERANGE, run(e, port_cfg(AINIC_PORT_CFG_MTU, 67, NULL)));
    ASSERT_EQ(AINIC_STS_ERANGE,
              run(e, port_cfg(AINIC_PORT_CFG_MTU, 9001, NULL)));
    ASSERT_EQ(AINIC_STS_ERANGE, run(e, port_cfg(AINIC_PORT_CFG_MTU, 0, NULL)));
    ASSERT_EQ(1500u, e->core->mtu);
    ASSERT_EQ(0, run(e, port_cfg(AINIC_PORT_CFG_MTU, 68, NULL)));
    ASSERT_EQ(68u, e->core->mtu);
    ASSERT_EQ(0, run(e, port_cfg(AINIC_PORT_CFG_MTU, 9000, NULL)));
    ASSERT_EQ(9000u, e->core->mtu);

    ASSERT_EQ(AINIC_STS_EINVAL, run(e, port_cfg(AINIC_PORT_CFG_MAC, 0, mcast)));
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, port_cfg(AINIC_PORT_CFG_MAC, 0, zero)));
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, port_cfg(1u << 4, 0, NULL)));
    ASSERT_EQ(0, memcmp(e->core->mac, test_mac, 6));

    /* A failed command changes nothing: bad MTU with a good MAC */
    ASSERT_EQ(AINIC_STS_ERANGE,
              run(e, port_cfg(AINIC_PORT_CFG_MTU | AINIC_PORT_CFG_MAC, 10,
                              mac2)));
    ASSERT_EQ(0, memcmp(e->core->mac, test_mac, 6));
    ASSERT_EQ(9000u, e->core->mtu);

    c = port_cfg(AINIC_PORT_CFG_MAC, 0, mac2);
    c.port_config.rsvd[1] = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(0, run(e, port_cfg(AINIC_PORT_CFG_MAC, 0, mac2)));
    ASSERT_EQ(0, memcmp(e->core->mac, mac2, 6));
    /* MTU is ignored unless its valid bit is set */
    ASSERT_EQ(0, run(e, port_cfg(0, 1, NULL)));
    ASSERT_EQ(9000u, e->core->mtu);
    /* Reset restores the defaults */
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(1500u, e->core->mtu);
    ASSERT_EQ(0, memcmp(e->core->mac, test_mac, 6));
}

TEST_F(up, stats_get)
{
    Env *e = &self->e;
    struct ainic_dev_stats st;
    struct ainic_admin_cmd c;
    uint8_t frame[60] = { 0 };

    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(AINIC_STS_EOPNOTSUPP, run(e, mkcmd(0x7f)));
    ASSERT_TRUE(ainic_core_receive(e->core, frame, sizeof(frame)));
    ASSERT_TRUE(ainic_core_receive(e->core, frame, sizeof(frame)));
    memset(gpa(e, BUF_GPA), 0xee, 1024);
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(2u, le64toh(st.admin_cmds));
    ASSERT_EQ(1u, le64toh(st.admin_errors));
    ASSERT_EQ(2u, le64toh(st.rx_dropped));
    ASSERT_EQ(0u, le64toh(st.rx_packets));
    ASSERT_EQ(0u, le64toh(st.words[63]));
    ASSERT_EQ(0xee, gpa(e, BUF_GPA)[512]);

    c = mkcmd(AINIC_OP_STATS_GET);
    c.stats_get.buf_addr = htole64(BUF_GPA);
    c.stats_get.buf_len = htole32(100);
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    c.stats_get.buf_len = htole32(512);
    c.stats_get.rsvd = htole32(1);
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    c.stats_get.rsvd = 0;
    c.stats_get.buf_addr = htole64(BAD_GPA);
    ASSERT_EQ(AINIC_STS_EFAULT, run(e, c));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(6u, le64toh(st.admin_cmds));
    ASSERT_EQ(4u, le64toh(st.admin_errors));
}

TEST_F(up, mbz_fields)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c;
    struct ainic_admin_comp comp;

    c = mkcmd(AINIC_OP_NOP);
    c.hdr.flags = AINIC_CMD_F_NO_COMP;
    ASSERT_EQ(AINIC_STS_EINVAL, exec(e, &c, &comp));
    ASSERT_EQ(0u, le32toh(comp.result));
    c = mkcmd(AINIC_OP_NOP);
    c.hdr.rsvd = htole32(0x100);
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    c = mkcmd(AINIC_OP_NOP);
    c.data[55] = 1;                         /* past the cookie */
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    c = mkcmd(AINIC_OP_IDENTIFY);
    c.identify.buf_addr = htole64(BUF_GPA);
    c.identify.buf_len = htole32(512);
    c.data[16] = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(0, gpa(e, BUF_GPA)[0]);
    c = q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0);
    c.data[24] = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_FALSE(e->core->cq[0].active);
    c = q_destroy(AINIC_QTYPE_CQ, 0);
    c.q_destroy.rsvd = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(6u, e->core->stats.admin_errors);
}

TEST_F(up, unsupported_opcodes)
{
    Env *e = &self->e;
    static const uint8_t later[] = {
        AINIC_OP_CONN_CREATE, AINIC_OP_CONN_DESTROY, AINIC_OP_CONN_QUERY,
        AINIC_OP_KEY_SET_MASTER, AINIC_OP_KEY_ROTATE, AINIC_OP_SA_ADD,
        AINIC_OP_SA_DEL, AINIC_OP_CC_SET, AINIC_OP_CC_GET,
    };
    static const uint8_t unknown[] = { 0x04, 0x0f, 0x12, 0x23, 0x50, 0xff };
    struct ainic_admin_comp comp;
    unsigned i;

    for (i = 0; i < sizeof(later); i++) {
        struct ainic_admin_cmd c = mkcmd(later[i]);

        ASSERT_EQ(AINIC_STS_EOPNOTSUPP, exec(e, &c, &comp));
        ASSERT_EQ(later[i], comp.opcode);
    }
    for (i = 0; i < sizeof(unknown); i++) {
        struct ainic_admin_cmd c = mkcmd(unknown[i]);

        ASSERT_EQ(AINIC_STS_EOPNOTSUPP, exec(e, &c, &comp));
        ASSERT_EQ(unknown[i], comp.opcode);
    }
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
}

/* ---- Queues ---------------------------------------------------------- */

TEST_F(up, queue_create_destroy)
{
    Env *e = &self->e;
    AinicQueue *txq = &e->core->txq[1], *cq = &e->core->cq[2];

    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 2, 0, 2, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 14, 3, 0, 2, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_TXQ, 8, 1, 2, 0, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_RXQ, 7, 1, 3, 0, 2048)));
    ASSERT_TRUE(txq->active);
    ASSERT_EQ(256u, txq->size);
    ASSERT_EQ(2, txq->cq_id);
    ASSERT_EQ(1u, cq->users);
    ASSERT_EQ(2, cq->vector);
    ASSERT_EQ(2048u, e->core->rxq[1].buf_size);
    ASSERT_EQ(16384u, e->core->cq[3].size);

    /* A CQ in use cannot go */
    ASSERT_EQ(AINIC_STS_EBUSY, run(e, q_destroy(AINIC_QTYPE_CQ, 2)));
    ASSERT_TRUE(cq->active);
    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_TXQ, 1)));
    ASSERT_FALSE(txq->active);
    ASSERT_EQ(0u, cq->users);
    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_CQ, 2)));
    ASSERT_FALSE(cq->active);
    ASSERT_EQ(AINIC_STS_ENOENT, run(e, q_destroy(AINIC_QTYPE_CQ, 2)));
    ASSERT_EQ(AINIC_STS_ENOENT, run(e, q_destroy(AINIC_QTYPE_TXQ, 1)));
    ASSERT_EQ(AINIC_STS_ENOENT, run(e, q_destroy(AINIC_QTYPE_TXQ, TEST_QPS)));
    ASSERT_EQ(AINIC_STS_ENOENT, run(e, q_destroy(AINIC_QTYPE_CQ, 0xffff)));
    ASSERT_EQ(AINIC_STS_EOPNOTSUPP, run(e, q_destroy(0, 0)));
    ASSERT_EQ(AINIC_STS_EOPNOTSUPP, run(e, q_destroy(4, 0)));
    ASSERT_EQ(AINIC_STS_EBUSY, run(e, q_destroy(AINIC_QTYPE_CQ, 3)));
    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_RXQ, 1)));
    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_CQ, 3)));
    /* Re-creating after destroy works */
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 2, 0, 2, 0)));
}

TEST_F(up, queue_create_errors)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c;

    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0)));

    /* Unknown qtype */
    ASSERT_EQ(AINIC_STS_EOPNOTSUPP, run(e, q_create(0, 6, 0, 0, 1, 0)));
    ASSERT_EQ(AINIC_STS_EOPNOTSUPP, run(e, q_create(4, 6, 0, 0, 1, 0)));
    /* qid range */
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_TXQ, 6, TEST_QPS, 0, 0, 0)));
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_RXQ, 6, TEST_QPS, 0, 0, 4096)));
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_CQ, 6, 2 * TEST_QPS, 0, 1, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 2 * TEST_QPS - 1, 0, 1,
                                 0)));
    /* log2_entries */
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, q_create(AINIC_QTYPE_CQ, 5, 1, 0, 1, 0)));
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_CQ, 15, 1, 0, 1, 0)));
    /* ring_addr */
    c = q_create(AINIC_QTYPE_CQ, 6, 1, 0, 1, 0);
    c.q_create.ring_addr = 0;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    c.q_create.ring_addr = htole64(RING_GPA + 32);
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    c.q_create.ring_addr = htole64(~0ull & ~63ull);     /* wraps */
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    /* flags */
    c = q_create(AINIC_QTYPE_CQ, 6, 1, 0, 1, 0);
    c.q_create.flags = htole32(1u << 1);
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    /* CQ vector */
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_CQ, 6, 1, 0, TEST_VECTORS, 0)));
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_CQ, 6, 1, 0, 0xffff, 0)));
    /* TXQ/RXQ name an existing CQ */
    ASSERT_EQ(AINIC_STS_ENOENT,
              run(e, q_create(AINIC_QTYPE_TXQ, 6, 0, 1, 0, 0)));
    ASSERT_EQ(AINIC_STS_ENOENT,
              run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 0xffff, 0, 2048)));
    /* RXQ buf_size */
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 0, 0, 255)));
    ASSERT_EQ(AINIC_STS_EINVAL,
              run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 0, 0, 65537)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 0, 0, 256)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_RXQ, 6, 1, 0, 0, 65536)));
    /* Exists */
    ASSERT_EQ(AINIC_STS_EEXIST,
              run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 0, 0, 256)));
    ASSERT_EQ(AINIC_STS_EEXIST, run(e, q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0)));

    /* Failed commands changed nothing */
    ASSERT_FALSE(e->core->cq[1].active);
    ASSERT_FALSE(e->core->txq[0].active);
    ASSERT_EQ(2u, e->core->cq[0].users);
    ASSERT_EQ(6u, e->core->rxq[0].log2_entries);
}

TEST_F(up, doorbells)
{
    Env *e = &self->e;
    unsigned errs;

    /* No queue: ignored */
    wr(e, AINIC_REG_DB_TXQ(0), 1);
    wr(e, AINIC_REG_DB_RXCQ(0), 1);
    ASSERT_EQ(2u, e->guest_errors);
    ASSERT_EQ(0u, rd(e, AINIC_REG_DB_TXQ(0)));

    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_TXQ, 6, 0, 0, 0, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 1, 0, 1, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 1, 0, 2048)));
    errs = e->guest_errors;

    wr(e, AINIC_REG_DB_TXQ(0), 63);
    ASSERT_EQ(63u, rd(e, AINIC_REG_DB_TXQ(0)));
    wr(e, AINIC_REG_DB_TXQ(0), 64);         /* outside the ring */
    ASSERT_EQ(63u, rd(e, AINIC_REG_DB_TXQ(0)));
    wr(e, AINIC_REG_DB_RXQ(0), 10);
    ASSERT_EQ(10u, rd(e, AINIC_REG_DB_RXQ(0)));
    wr(e, AINIC_REG_DB_RXQ(0), 0xffffffff);
    ASSERT_EQ(10u, rd(e, AINIC_REG_DB_RXQ(0)));
    ASSERT_EQ(errs + 2, e->guest_errors);
    /* A CQ consumer index cannot pass what the device produced (nothing) */
    wr(e, AINIC_REG_DB_TXCQ(0), 5);
    ASSERT_EQ(0u, rd(e, AINIC_REG_DB_TXCQ(0)));
    wr(e, AINIC_REG_DB_RXCQ(0), 0);
    ASSERT_EQ(errs + 3, e->guest_errors);
    /* A queue pair without queues */
    wr(e, AINIC_REG_DB_TXQ(1), 0);
    ASSERT_EQ(errs + 4, e->guest_errors);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              rd(e, AINIC_REG_DEV_STATUS));
    /* Reset drops every queue */
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(0u, rd(e, AINIC_REG_DB_TXQ(0)));
    wr(e, AINIC_REG_DB_TXQ(0), 1);
    ASSERT_EQ(errs + 5, e->guest_errors);
}

/* ---- DMA faults ------------------------------------------------------ */

TEST_F(dev, asq_dma_fault_is_fatal)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_NOP);
    struct ainic_admin_comp comp;
    struct ainic_event ev;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 8, 8));
    e->fail_lo = ASQ_GPA;
    e->fail_hi = ASQ_GPA + 8 * 64;
    post(e, &c);
    doorbell(e);
    ASSERT_EQ(AINIC_STATUS_FATAL,
              rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_FATAL);
    ASSERT_EQ((uint32_t)AINIC_ERR_DMA, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_EQ(0u, rd(e, AINIC_REG_ASQ_HEAD));
    ASSERT_FALSE(reap(e, &comp));
    /* The event queue still works: it reports the fatal error */
    ASSERT_TRUE(reap_event(e, &ev));
    ASSERT_EQ(AINIC_EVENT_FATAL, le16toh(ev.code));
    ASSERT_EQ((uint32_t)AINIC_ERR_DMA, le32toh(ev.data));

    /* Stopped until reset, even when memory is good again */
    e->fail_lo = e->fail_hi = 0;
    doorbell(e);
    ASSERT_FALSE(reap(e, &comp));
    ainic_core_set_link(e->core, true);
    ASSERT_FALSE(reap_event(e, &ev));
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED | AINIC_STATUS_LINK_UP,
              bring_up(e, 8, 8));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
}

TEST_F(dev, acq_dma_fault_is_fatal)
{
    Env *e = &self->e;
    struct ainic_admin_comp comp;

    /* ACQ beyond guest memory */
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    config_rings(e, 8, 8);
    wr(e, AINIC_REG_ACQ_BASE_LO, 0);
    wr(e, AINIC_REG_ACQ_BASE_HI, BAD_GPA >> 32);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              rd(e, AINIC_REG_DEV_STATUS));
    ASSERT_EQ(-1, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(AINIC_STATUS_FATAL,
              rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_FATAL);
    ASSERT_EQ((uint32_t)AINIC_ERR_DMA, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_FALSE(reap(e, &comp));
    ASSERT_GE(e->guest_errors, 1u);
}

TEST_F(dev, eq_dma_fault_is_fatal)
{
    Env *e = &self->e;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 8, 8));
    e->fail_lo = EQ_GPA;
    e->fail_hi = EQ_GPA + 8 * 16;
    ainic_core_set_link(e->core, true);
    ASSERT_EQ(AINIC_STATUS_FATAL | AINIC_STATUS_LINK_UP,
              rd(e, AINIC_REG_DEV_STATUS) &
              (AINIC_STATUS_FATAL | AINIC_STATUS_LINK_UP));
    ASSERT_EQ((uint32_t)AINIC_ERR_DMA, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_EQ(0u, e->core->stats.events);
    ASSERT_EQ(0u, e->irq_total);
    /* The admin queue stops too */
    e->fail_lo = e->fail_hi = 0;
    ASSERT_EQ(-1, run(e, mkcmd(AINIC_OP_NOP)));
}

/* ---- Events ---------------------------------------------------------- */

TEST_F(up, link_change_event)
{
    Env *e = &self->e;
    struct ainic_event ev;

    ainic_core_set_link(e->core, true);
    ASSERT_TRUE(!!(rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_LINK_UP));
    ASSERT_TRUE(reap_event(e, &ev));
    ASSERT_EQ(AINIC_EVENT_LINK_CHANGE, le16toh(ev.code));
    ASSERT_EQ(0u, le32toh(ev.id));
    ASSERT_EQ(1u, le32toh(ev.data));
    ASSERT_EQ(AINIC_EVENT_COLOR, ev.flags);
    ASSERT_EQ(1u, e->irqs[0]);
    /* No change, no event */
    ainic_core_set_link(e->core, true);
    ASSERT_FALSE(reap_event(e, &ev));
    ainic_core_set_link(e->core, false);
    ASSERT_TRUE(reap_event(e, &ev));
    ASSERT_EQ(0u, le32toh(ev.data));
    ASSERT_FALSE(!!(rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_LINK_UP));
    ASSERT_EQ(2u, e->irqs[0]);
}

TEST_F(dev, no_events_before_enable)
{
    Env *e = &self->e;

    ainic_core_set_link(e->core, true);
    ASSERT_TRUE(!!(rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_LINK_UP));
    ASSERT_EQ(0u, e->dma_ops);
    ASSERT_EQ(0u, e->irq_total);
    /* Link state survives a reset */
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_TRUE(!!(rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_LINK_UP));
}

TEST_F(dev, event_credits_and_drops)
{
    Env *e = &self->e;
    struct ainic_dev_stats st;
    struct ainic_event ev;
    unsigned i, n = 0;

    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED, bring_up(e, 8, 4));
    /* A 4-entry queue holds 3 events; the rest are dropped */
    for (i = 0; i < 5; i++) {
        ainic_core_set_link(e->core, !(i & 1));
    }
    ASSERT_EQ(3u, e->core->stats.events);
    ASSERT_EQ(2u, e->core->stats.events_dropped);
    ASSERT_EQ(3u, e->irqs[0]);
    for (i = 0; i < 3; i++, n++) {
        ASSERT_TRUE(reap_event(e, &ev));
        ASSERT_EQ((uint32_t)!(i & 1), le32toh(ev.data));
    }
    ASSERT_FALSE(reap_event(e, &ev));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(3u, le64toh(st.events));
    ASSERT_EQ(2u, le64toh(st.events_dropped));

    /* Still full until the driver returns the slots */
    ainic_core_set_link(e->core, false);
    ASSERT_EQ(3u, e->core->stats.events_dropped);
    wr(e, AINIC_REG_EQ_HEAD, e->eq_head);
    ASSERT_EQ(3u, rd(e, AINIC_REG_EQ_HEAD));

    /* Wrap: colour flips after slot 3 */
    for (i = 0; i < 6; i++, n++) {
        ainic_core_set_link(e->core, !(i & 1));
        ASSERT_TRUE(reap_event(e, &ev));
        ASSERT_EQ((n / 4) % 2 ? 0 : AINIC_EVENT_COLOR, ev.flags);
        ASSERT_EQ((uint32_t)!(i & 1), le32toh(ev.data));
        wr(e, AINIC_REG_EQ_HEAD, e->eq_head);
    }
    ASSERT_EQ(9u, e->core->stats.events);
    ASSERT_EQ(3u, e->core->stats.events_dropped);
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(up, eq_head_validation)
{
    Env *e = &self->e;
    struct ainic_event ev;

    ainic_core_set_link(e->core, true);
    ainic_core_set_link(e->core, false);
    /* Outside the ring, or past the device's tail (2) */
    wr(e, AINIC_REG_EQ_HEAD, 8);
    wr(e, AINIC_REG_EQ_HEAD, 3);
    wr(e, AINIC_REG_EQ_HEAD, 7);
    ASSERT_EQ(3u, e->guest_errors);
    ASSERT_EQ(0u, rd(e, AINIC_REG_EQ_HEAD));
    wr(e, AINIC_REG_EQ_HEAD, 2);
    ASSERT_EQ(2u, rd(e, AINIC_REG_EQ_HEAD));
    /* Cannot move backwards over returned slots either */
    wr(e, AINIC_REG_EQ_HEAD, 1);
    ASSERT_EQ(2u, rd(e, AINIC_REG_EQ_HEAD));
    ASSERT_EQ(4u, e->guest_errors);
    ASSERT_TRUE(reap_event(e, &ev));
    ASSERT_TRUE(reap_event(e, &ev));
}

/* ---- Interrupts ------------------------------------------------------ */

TEST_F(up, mask_pending_on_unmask)
{
    Env *e = &self->e;

    wr(e, AINIC_REG_INTR_MASK(0), 1);
    ASSERT_EQ(1u, rd(e, AINIC_REG_INTR_MASK(0)));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(0u, e->irq_total);
    wr(e, AINIC_REG_INTR_MASK(0), 0);
    ASSERT_EQ(1u, e->irqs[0]);           /* remembered once */
    wr(e, AINIC_REG_INTR_MASK(0), 0);
    ASSERT_EQ(1u, e->irqs[0]);           /* and delivered once */

    /* Masks are per vector */
    wr(e, AINIC_REG_INTR_MASK(3), 1);
    wr(e, AINIC_REG_TEST_IRQ, 3);
    wr(e, AINIC_REG_TEST_IRQ, 2);
    ASSERT_EQ(0u, e->irqs[3]);
    ASSERT_EQ(1u, e->irqs[2]);
    /* Masked and pending, then reset: the cause is gone */
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(0u, rd(e, AINIC_REG_INTR_MASK(3)));
    wr(e, AINIC_REG_INTR_MASK(3), 0);
    ASSERT_EQ(0u, e->irqs[3]);
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(up, moderation)
{
    Env *e = &self->e;

    /* Vector 0 is never moderated */
    wr(e, AINIC_REG_INTR_COAL_USECS(0), 10);
    ASSERT_EQ(0u, rd(e, AINIC_REG_INTR_COAL_USECS(0)));
    ASSERT_EQ(1u, e->guest_errors);

    /* No moderation: immediate */
    ainic_core_cq_notify(e->core, 1, 1);
    ASSERT_EQ(1u, e->irqs[1]);

    /* Delay by COAL_USECS */
    wr(e, AINIC_REG_INTR_COAL_USECS(1), 10);
    ainic_core_cq_notify(e->core, 1, 1);
    ainic_core_cq_notify(e->core, 1, 1);
    ASSERT_EQ(1u, e->irqs[1]);
    clock_advance(e, 9999);
    ASSERT_EQ(1u, e->irqs[1]);
    clock_advance(e, 1);
    ASSERT_EQ(2u, e->irqs[1]);
    clock_advance(e, 100000);
    ASSERT_EQ(2u, e->irqs[1]);

    /* ... unless COAL_FRAMES completions are pending */
    wr(e, AINIC_REG_INTR_COAL_FRAMES(1), 3);
    ainic_core_cq_notify(e->core, 1, 2);
    ASSERT_EQ(2u, e->irqs[1]);
    ainic_core_cq_notify(e->core, 1, 1);
    ASSERT_EQ(3u, e->irqs[1]);
    clock_advance(e, 100000);
    ASSERT_EQ(3u, e->irqs[1]);

    /* A moderated interrupt still honours the mask */
    wr(e, AINIC_REG_INTR_MASK(1), 1);
    ainic_core_cq_notify(e->core, 1, 1);
    clock_advance(e, 10000);
    ASSERT_EQ(3u, e->irqs[1]);
    wr(e, AINIC_REG_INTR_MASK(1), 0);
    ASSERT_EQ(4u, e->irqs[1]);

    /* Reset cancels a pending delay */
    ainic_core_cq_notify(e->core, 1, 1);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    clock_advance(e, 100000);
    ASSERT_EQ(4u, e->irqs[1]);
    /* Out-of-range vectors are ignored */
    ainic_core_cq_notify(e->core, TEST_VECTORS, 1);
    ASSERT_EQ(4u, e->irqs[1]);
}

/* ---- Self test ------------------------------------------------------- */

TEST_F(dev, selftest_echo_irq)
{
    Env *e = &self->e;
    unsigned v;

    wr(e, AINIC_REG_TEST_ECHO, 0x12345678);
    ASSERT_EQ(0xedcba987u, rd(e, AINIC_REG_TEST_ECHO));
    wr(e, AINIC_REG_TEST_ECHO, 0);
    ASSERT_EQ(0xffffffffu, rd(e, AINIC_REG_TEST_ECHO));

    /* Works before ENABLE: the driver tests at probe */
    for (v = 0; v < TEST_VECTORS; v++) {
        wr(e, AINIC_REG_TEST_IRQ, v);
        ASSERT_EQ(1u, e->irqs[v]);
    }
    wr(e, AINIC_REG_TEST_IRQ, TEST_VECTORS);
    wr(e, AINIC_REG_TEST_IRQ, 0xffffffff);
    ASSERT_EQ((unsigned)TEST_VECTORS, e->irq_total);
    ASSERT_EQ(2u, e->guest_errors);
}

static uint32_t test_dma(Env *e, uint64_t addr, uint32_t len, uint32_t pat,
                         uint32_t op)
{
    wr(e, AINIC_REG_TEST_DMA_ADDR_LO, (uint32_t)addr);
    wr(e, AINIC_REG_TEST_DMA_ADDR_HI, addr >> 32);
    wr(e, AINIC_REG_TEST_DMA_LEN, len);
    wr(e, AINIC_REG_TEST_DMA_PATTERN, pat);
    wr(e, AINIC_REG_TEST_DMA_CTRL, op);
    return rd(e, AINIC_REG_TEST_DMA_STATUS);
}

TEST_F(dev, selftest_dma)
{
    Env *e = &self->e;
    uint8_t *buf = gpa(e, DMA_GPA);
    unsigned i;

    ASSERT_EQ(0u, rd(e, AINIC_REG_TEST_DMA_STATUS));
    memset(buf - 16, 0xc3, AINIC_TEST_DMA_MAX + 32);
    ASSERT_EQ(AINIC_TEST_STS_DONE,
              test_dma(e, DMA_GPA, AINIC_TEST_DMA_MAX, 0x15a, AINIC_TEST_DMA_FILL));
    ASSERT_EQ(0x5au, rd(e, AINIC_REG_TEST_DMA_PATTERN));
    for (i = 0; i < AINIC_TEST_DMA_MAX; i++) {
        ASSERT_EQ(0x5a, buf[i]);
    }
    ASSERT_EQ(0xc3, buf[-1]);
    ASSERT_EQ(0xc3, buf[AINIC_TEST_DMA_MAX]);

    for (i = 0; i < 100; i++) {
        buf[i] = i;
    }
    ASSERT_EQ(AINIC_TEST_STS_DONE,
              test_dma(e, DMA_GPA, 100, 0, AINIC_TEST_DMA_INVERT));
    for (i = 0; i < 100; i++) {
        ASSERT_EQ((uint8_t)~i, buf[i]);
    }
    ASSERT_EQ(0x5a, buf[100]);
    /* A one-byte FILL */
    ASSERT_EQ(AINIC_TEST_STS_DONE,
              test_dma(e, DMA_GPA + 7, 1, 0x11, AINIC_TEST_DMA_FILL));
    ASSERT_EQ(0x11, buf[7]);
    ASSERT_EQ((uint8_t)~8, buf[8]);
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(dev, selftest_dma_errors)
{
    Env *e = &self->e;
    const uint32_t err = AINIC_TEST_STS_DONE | AINIC_TEST_STS_ERROR;
    uint8_t *buf = gpa(e, DMA_GPA);

    memset(buf, 0xc3, 2 * AINIC_TEST_DMA_MAX);
    ASSERT_EQ(err, test_dma(e, DMA_GPA, 0, 0, AINIC_TEST_DMA_FILL));
    ASSERT_EQ(err, test_dma(e, DMA_GPA, AINIC_TEST_DMA_MAX + 1, 0,
                            AINIC_TEST_DMA_FILL));
    ASSERT_EQ(err, test_dma(e, DMA_GPA, 0xffffffff, 0, AINIC_TEST_DMA_INVERT));
    ASSERT_EQ(err, test_dma(e, DMA_GPA, 16, 0, 0));
    ASSERT_EQ(err, test_dma(e, DMA_GPA, 16, 0, 3));
    ASSERT_EQ(0xc3, buf[0]);
    ASSERT_EQ(0xc3, buf[AINIC_TEST_DMA_MAX]);
    /* Unbacked or wrapping addresses */
    ASSERT_EQ(err, test_dma(e, BAD_GPA, 16, 0, AINIC_TEST_DMA_FILL));
    ASSERT_EQ(err, test_dma(e, BAD_GPA, 16, 0, AINIC_TEST_DMA_INVERT));
    ASSERT_EQ(err, test_dma(e, ~0ull - 7, 16, 0, AINIC_TEST_DMA_FILL));
    ASSERT_EQ(8u, e->guest_errors);
    /* A failed test DMA is not fatal and the next one works */
    ASSERT_EQ(0u, rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_FATAL);
    ASSERT_EQ(AINIC_TEST_STS_DONE,
              test_dma(e, DMA_GPA, 16, 0, AINIC_TEST_DMA_FILL));
    ASSERT_EQ(0, buf[15]);
    ASSERT_EQ(0xc3, buf[16]);
}

/* ---- Data path (§7, §8) ------------------------------------------------ */

/* Enabled, link up, queue pair 0 */
FIXTURE(dp) {
    Env e;
};

FIXTURE_SETUP(dp)
{
    ASSERT_EQ(0, env_init_caps(&self->e, DP_CAPS));
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED,
              bring_up(&self->e, 16, 8));
    ainic_core_set_link(self->e.core, true);
    mkqp(&self->e, 0);
    self->e.irq_total = 0;
    memset(self->e.irqs, 0, sizeof(self->e.irqs));
    self->e.guest_errors = 0;
}

FIXTURE_TEARDOWN(dp)
{
    env_fini(&self->e);
}

TEST_F(dp, tx_encapsulation)
{
    Env *e = &self->e;
    uint8_t f[128], *w, *ip, *udp, *xh;
    struct ainic_admin_cmd c = port_cfg(AINIC_PORT_CFG_UNDERLAY_IP, 0, NULL);
    struct ainic_cqe cqe;
    struct ainic_dev_stats st;
    size_t len = mk_udp4(f, 50, 1111, 2222);
    uint32_t eop;

    c.port_config.underlay_ip = htobe32(0xc0a80a01);
    ASSERT_EQ(0, run(e, c));
    eop = tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_EQ(74 + len, e->wire_len[0]);
    w = wire(e, 0);
    ASSERT_EQ(0, memcmp(w, peer_mac, 6));           /* inner dst */
    ASSERT_EQ(0, memcmp(w + 6, test_mac, 6));       /* device MAC */
    ASSERT_EQ(0x0800, rd16(w + 12));
    ip = w + 14;
    ASSERT_EQ(0x45, ip[0]);
    ASSERT_EQ(0x02, ip[1]);                         /* DSCP 0, ECT(0) */
    ASSERT_EQ(20 + 8 + 32 + len, rd16(ip + 2));
    ASSERT_EQ(64, ip[8]);
    ASSERT_EQ(17, ip[9]);
    ASSERT_EQ(0xffff, ref_fold(ref_sum(0, ip, 20)));  /* header csum */
    ASSERT_EQ(0xc0a80a01u, rd32(ip + 12));
    ASSERT_EQ(0xffffffffu, rd32(ip + 16));
    udp = ip + 20;
    ASSERT_EQ(AINIC_UDP_PORT, rd16(udp + 2));
    ASSERT_EQ(8 + 32 + len, rd16(udp + 4));
    ASSERT_EQ(0, rd16(udp + 6));
    ASSERT_GE(rd16(udp), 0xc000);
    xh = udp + 8;
    ASSERT_EQ(AINIC_WIRE_VERSION << 4 | AINIC_PKT_RAW, xh[0]);
    ASSERT_EQ(0, xh[1]);
    ASSERT_EQ(len, rd16(xh + 2));
    ASSERT_EQ(0u, rd32(xh + 4));                    /* conn_id */
    ASSERT_EQ(0u, rd32(xh + 8));                    /* first psn */
    ASSERT_EQ(0, memcmp(xh + 32, f, len));          /* inner intact */

    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_EQ(AINIC_QTYPE_TXQ, cqe.qtype);
    ASSERT_EQ(eop, le16toh(cqe.desc_index));
    ASSERT_EQ(0, le16toh(cqe.qid));
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(1u, e->irqs[AINIC_VEC_QP(0)]);

    /* Same flow, same UDP source port; the PSN counts per device */
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_EQ(2u, e->nwire);
    ASSERT_EQ(rd16(udp), rd16(wire(e, 1) + 34));
    ASSERT_EQ(1u, rd32(wire(e, 1) + 42 + 8));
    /* Another flow usually hashes elsewhere; at least the port is valid */
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(2u, le64toh(st.tx_packets));
    ASSERT_EQ(2 * len, le64toh(st.tx_bytes));
    ASSERT_EQ(0u, le64toh(st.tx_errors));
    ASSERT_EQ(0u, e->guest_errors);
}

TEST_F(dp, tx_csum_offload)
{
    Env *e = &self->e;
    uint8_t f[1600], ref[1600], *in;
    size_t len = mk_tcp4(f, 1001, 40000, 5201, 0x18);
    uint16_t want;
    struct ainic_cqe cqe;

    /* Reference: full checksum over pseudo header and segment */
    memcpy(ref, f, len);
    want = ~ref_fold(pseudo(ref, 14, false, 6, len - 34) +
                     ref_sum(0, ref + 34, len - 34));
    /* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum */
    wr16(f + 34 + 16, ref_fold(pseudo(f, 14, false, 6, len - 34)));
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_CSUM, .cs = 34,
                                    .co = 16, .frags = 3 });
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    in = wire(e, 0) + 74;
    ASSERT_EQ(want, rd16(in + 34 + 16));
    ASSERT_TRUE(l4_csum_valid(in, 14, 34, false, 6, len - 34));
    ASSERT_EQ(0, memcmp(in, f, 50));
    ASSERT_EQ(0, memcmp(in + 52, f + 52, len - 52));
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_EQ(2, le16toh(cqe.desc_index));

    /* UDP, field at offset 6 */
    len = mk_udp4(f, 333, 7, 9);
    wr16(f + 34 + 6, ref_fold(pseudo(f, 14, false, 17, len - 34)));
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_CSUM, .cs = 34,
                                    .co = 6 });
    tx_ring(e, 0);
    ASSERT_EQ(2u, e->nwire);
    in = wire(e, 1) + 74;
    ASSERT_TRUE(l4_csum_valid(in, 14, 34, false, 17, len - 34));
}

TEST_F(dp, tx_scatter_gather)
{
    Env *e = &self->e;
    uint8_t f[1514];
    size_t len = mk_tcp4(f, 1460, 1, 2, 0x10);
    struct ainic_cqe cqe;

    tx_post(e, 0, f, len, (TxOpts){ .frags = AINIC_MAX_SG });
    ASSERT_EQ((uint32_t)AINIC_MAX_SG, e->tx_tail[0]);
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_EQ(74 + len, e->wire_len[0]);
    ASSERT_EQ(0, memcmp(wire(e, 0) + 74, f, len));
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(AINIC_MAX_SG - 1, le16toh(cqe.desc_index));
    ASSERT_EQ(len, le32toh(cqe.len));
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
}

/* A frame posted in part waits for the rest */
TEST_F(dp, tx_partial_frame_waits)
{
    Env *e = &self->e;
    uint8_t f[200];
    size_t len = mk_tcp4(f, 100, 1, 2, 0x10);
    struct ainic_cqe cqe;

    tx_post(e, 0, f, len, (TxOpts){ .frags = 2 });
    wr(e, AINIC_REG_DB_TXQ(0), 1);
    ASSERT_EQ(0u, e->nwire);
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
}

static void check_tso(struct __test_metadata *_metadata, Env *e, bool v6,
                      size_t payload, uint16_t mss, uint8_t tflags)
{
    uint8_t *f = malloc(70000);
    uint32_t l3 = 14, l4 = v6 ? 54 : 34, hdr = l4 + 20, seq0;
    size_t len = v6 ? mk_tcp6(f, payload, tflags) :
                      mk_tcp4(f, payload, 3333, 4444, tflags);
    unsigned nseg = (payload + mss - 1) / mss, i;
    struct ainic_cqe cqe;
    size_t off = 0;

    ASSERT_NE(NULL, f);
    seq0 = rd32(f + l4 + 4);
    e->nwire = 0;
    tx_post(e, 0, f, len, (TxOpts){
        .flags = AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO |
                 (v6 ? AINIC_TXD_F_TSO_IPV6 : 0),
        .cs = l4, .co = 16, .mss = mss, .hdr = hdr, .frags = 4 });
    tx_ring(e, 0);
    ASSERT_EQ(nseg, e->nwire);
    for (i = 0; i < nseg; i++) {
        const uint8_t *s = wire(e, i) + 74;
        size_t seg = payload - off < mss ? payload - off : mss;
        uint8_t fl = tflags;

        ASSERT_EQ(74 + hdr + seg, e->wire_len[i]);
        ASSERT_EQ(hdr + seg, rd16(wire(e, i) + 42 + 2));    /* payload_len */
        ASSERT_EQ(0, memcmp(s, f, 14));
        if (v6) {
            ASSERT_EQ(20 + seg, rd16(s + l3 + 4));
            ASSERT_EQ(0, memcmp(s + l3 + 8, f + l3 + 8, 32));
        } else {
            ASSERT_EQ(40 + seg, rd16(s + l3 + 2));
            ASSERT_EQ((uint16_t)(0x1234 + i), rd16(s + l3 + 4));
            ASSERT_EQ(0xffff, ref_fold(ref_sum(0, s + l3, 20)));
        }
        ASSERT_EQ((uint32_t)(seq0 + off), rd32(s + l4 + 4));
        if (i != nseg - 1) {
            fl &= ~(0x01 | 0x08);
        }
        if (i) {
            fl &= ~0x80;
        }
        ASSERT_EQ(fl, s[l4 + 13]);
        ASSERT_TRUE(l4_csum_valid(s, l3, l4, v6, 6, 20 + seg));
        ASSERT_EQ(0, memcmp(s + hdr, f + hdr + off, seg));
        off += seg;
    }
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_EQ(len, le32toh(cqe.len));
    free(f);
}

TEST_F(dp, tx_tso_ipv4)
{
    check_tso(_metadata, &self->e, false, 4000, 1460, 0x80 | 0x18 | 0x01);
    check_tso(_metadata, &self->e, false, 1000, 1460, 0x18);   /* 1 seg */
    ASSERT_EQ(0, run(&self->e, port_cfg(AINIC_PORT_CFG_MTU, 9000, NULL)));
    check_tso(_metadata, &self->e, false, 65535 - 54 + 54, 8960, 0x18);
    ASSERT_EQ(0u, self->e.guest_errors);
}

TEST_F(dp, tx_tso_ipv6)
{
    check_tso(_metadata, &self->e, true, 10000, 1440, 0x80 | 0x08 | 0x01);
    check_tso(_metadata, &self->e, true, 2880, 1440, 0x10);    /* exact */
    ASSERT_EQ(0u, self->e.guest_errors);
}

TEST_F(dp, tx_bad_descriptors)
{
    Env *e = &self->e;
    uint8_t f[9100];
    size_t len = mk_tcp4(f, 100, 1, 2, 0x10), big;
    struct ainic_cqe cqe;
    struct ainic_dev_stats st;
    unsigned i, nbad = 0;
    struct {
        uint8_t status;
        uint32_t eop;
    } want[16];

#define BAD(st_) do { want[nbad].status = (st_); \
                      want[nbad].eop = (e->tx_tail[0] - 1) & 63; nbad++; } while (0)
    /* No SOP */
    write_txd(e, 0, e->tx_tail[0]++, TXDATA_GPA, 60, AINIC_TXD_F_EOP, 1,
              0, 0, 0, 0);
    BAD(AINIC_STS_EINVAL);
    /* nr_frags 0, and more than max_sg: one descriptor each */
    write_txd(e, 0, e->tx_tail[0]++, TXDATA_GPA, 60,
              AINIC_TXD_F_SOP | AINIC_TXD_F_EOP, 0, 0, 0, 0, 0);
    BAD(AINIC_STS_EINVAL);
    write_txd(e, 0, e->tx_tail[0]++, TXDATA_GPA, 60,
              AINIC_TXD_F_SOP | AINIC_TXD_F_EOP, AINIC_MAX_SG + 1, 0, 0, 0, 0);
    BAD(AINIC_STS_EINVAL);
    /* Zero length */
    write_txd(e, 0, e->tx_tail[0]++, TXDATA_GPA, 0,
              AINIC_TXD_F_SOP | AINIC_TXD_F_EOP, 1, 0, 0, 0, 0);
    BAD(AINIC_STS_EINVAL);
    /* Checksum offsets outside the frame */
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_CSUM, .cs = len,
                                    .co = 0 });
    BAD(AINIC_STS_EINVAL);
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_CSUM, .cs = 34,
                                    .co = 0xffff });
    BAD(AINIC_STS_EINVAL);
    /* TSO without CSUM; TSO_IPV6 without TSO; unknown flag */
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_TSO, .cs = 34,
                                    .co = 16, .mss = 50, .hdr = 54 });
    BAD(AINIC_STS_EINVAL);
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_TSO_IPV6 });
    BAD(AINIC_STS_EINVAL);
    tx_post(e, 0, f, len, (TxOpts){ .flags = 1u << 9 });
    BAD(AINIC_STS_EINVAL);
    /* TSO: mss above MTU - headers, mss 0, hdr_len past the frame */
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_TSO |
                                    AINIC_TXD_F_CSUM, .cs = 34, .co = 16,
                                    .mss = 1461, .hdr = 54 });
    BAD(AINIC_STS_EINVAL);
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_TSO |
                                    AINIC_TXD_F_CSUM, .cs = 34, .co = 16,
                                    .mss = 0, .hdr = 54 });
    BAD(AINIC_STS_EINVAL);
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_TSO |
                                    AINIC_TXD_F_CSUM, .cs = 34, .co = 16,
                                    .mss = 100, .hdr = 4000 });
    BAD(AINIC_STS_EINVAL);
    /* Above MTU + 18 without TSO */
    big = mk_tcp4(f, 1500 - 40 + 5, 1, 2, 0x10);
    tx_post(e, 0, f, big, (TxOpts){ 0 });
    BAD(AINIC_STS_EINVAL);
    /* DMA fault on a buffer */
    write_txd(e, 0, e->tx_tail[0]++, BAD_GPA, 60,
              AINIC_TXD_F_SOP | AINIC_TXD_F_EOP, 1, 0, 0, 0, 0);
    BAD(AINIC_STS_EFAULT);
    /* ... and a good frame after all that */
    len = mk_tcp4(f, 100, 1, 2, 0x10);
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    want[nbad].status = 0;
    want[nbad].eop = (e->tx_tail[0] - 1) & 63;
    nbad++;
#undef BAD
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_EQ(0, memcmp(wire(e, 0) + 74, f, len));
    for (i = 0; i < nbad; i++) {
        ASSERT_TRUE(reap_cqe(e, 0, &cqe));
        ASSERT_EQ(want[i].status, cqe.status);
        ASSERT_EQ(want[i].eop, le16toh(cqe.desc_index));
    }
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(e->tx_tail[0], rd(e, AINIC_REG_DB_TXQ(0)));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(nbad - 1, le64toh(st.tx_errors));
    ASSERT_EQ(1u, le64toh(st.tx_packets));
    ASSERT_GE(e->guest_errors, nbad - 1);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED |
              AINIC_STATUS_LINK_UP, rd(e, AINIC_REG_DEV_STATUS));
}

/* A TX descriptor ring that cannot be read stops that queue only */
TEST_F(dp, tx_ring_dma_fault)
{
    Env *e = &self->e;
    uint64_t ring = ring_of(AINIC_QTYPE_TXQ, 0);
    struct ainic_cqe cqe;

    e->fail_lo = ring;
    e->fail_hi = ring + 64 * 32;
    wr(e, AINIC_REG_DB_TXQ(0), 1);
    ASSERT_EQ(0u, e->nwire);
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(1u, e->guest_errors);
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));  /* the device lives on */
}

TEST_F(dp, tx_cq_full_stalls_until_db_txcq)
{
    Env *e = &self->e;
    uint8_t f[128];
    size_t len = mk_tcp4(f, 20, 1, 2, 0x10);
    struct ainic_cqe cqe;
    unsigned i;

    for (i = 0; i < 40; i++) {
        tx_post(e, 0, f, len, (TxOpts){ 0 });
    }
    tx_ring(e, 0);
    ASSERT_EQ(40u, e->nwire);
    /* The driver reuses the ring but returns no CQ slots */
    for (i = 0; i < 40; i++) {
        tx_post(e, 0, f, len, (TxOpts){ 0 });
    }
    tx_ring(e, 0);
    ASSERT_EQ(63u, e->nwire);               /* CQ of 64 holds 63 */
    ASSERT_EQ(63u, e->core->cq[0].prod);
    tx_ring(e, 0);                          /* a doorbell does not help */
    ASSERT_EQ(63u, e->nwire);
    for (i = 0; i < 63; i++) {
        ASSERT_TRUE(reap_cqe(e, 0, &cqe));
        ASSERT_EQ(i, le16toh(cqe.desc_index));
    }
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    cq_release(e, 0);
    ASSERT_EQ(80u, e->nwire);
    for (i = 63; i < 80; i++) {
        ASSERT_TRUE(reap_cqe(e, 0, &cqe));
        ASSERT_EQ(i & 63, le16toh(cqe.desc_index));
        /* Slot 63 had colour 1, then the CQ wrapped: colour 0 */
        ASSERT_EQ(i < 64 ? AINIC_CQE_COLOR : 0, cqe.flags & AINIC_CQE_COLOR);
    }
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
}

TEST_F(dp, tx_budget_reschedules)
{
    Env *e = &self->e;
    uint8_t f[128];
    size_t len = mk_tcp4(f, 10, 1, 2, 0x10);
    struct ainic_admin_cmd c;
    unsigned i;

    /* A 512-entry TXQ 1 on a 512-entry CQ 2 */
    c = q_create(AINIC_QTYPE_CQ, 9, 2, 0, 2, 0);
    c.q_create.ring_addr = htole64(MEM_BASE + 0xe0000);
    ASSERT_EQ(0, run(e, c));
    c = q_create(AINIC_QTYPE_TXQ, 9, 1, 2, 0, 0);
    c.q_create.ring_addr = htole64(MEM_BASE + 0x80000);  /* 16 KiB */
    ASSERT_EQ(0, run(e, c));
    memcpy(gpa(e, TXDATA_GPA), f, len);
    for (i = 0; i < 300; i++) {
        struct ainic_tx_desc d = { 0 };

        d.addr = htole64(TXDATA_GPA);
        d.len = htole32(len);
        d.flags = htole16(AINIC_TXD_F_SOP | AINIC_TXD_F_EOP);
        d.nr_frags = htole16(1);
        memcpy(gpa(e, MEM_BASE + 0x80000 + i * 32), &d, 32);
    }
    wr(e, AINIC_REG_DB_TXQ(1), 300);
    ASSERT_EQ((unsigned)AINIC_TX_BUDGET, e->nwire);
    ASSERT_EQ(1u, e->sched_tx[1]);
    ainic_core_tx_process(e->core, 1);
    ASSERT_EQ(300u, e->nwire);
    ASSERT_EQ(1u, e->sched_tx[1]);
    ASSERT_EQ(300u, e->core->cq[2].prod);
    ainic_core_tx_process(e->core, 1);      /* nothing left */
    ASSERT_EQ(300u, e->nwire);
    ainic_core_tx_process(e->core, 99);     /* out of range: ignored */
}

TEST_F(dp, tx_peer_busy_pauses_until_resume)
{
    Env *e = &self->e;
    uint8_t f[128];
    size_t len = mk_tcp4(f, 10, 1, 2, 0x10);
    struct ainic_cqe cqe;
    struct ainic_dev_stats st;
    unsigned i;

    e->send_busy = true;
    for (i = 0; i < 5; i++) {
        tx_post(e, 0, f, len, (TxOpts){ 0 });
    }
    tx_ring(e, 0);
    /* The first frame was queued by the peer: it completes, then TX waits */
    ASSERT_EQ(1u, e->nwire);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    e->send_busy = false;
    ainic_core_tx_resume(e->core);
    ASSERT_EQ(5u, e->nwire);
    for (i = 1; i < 5; i++) {
        ASSERT_TRUE(reap_cqe(e, 0, &cqe));
        ASSERT_EQ(i, le16toh(cqe.desc_index));
    }
    /* A dropped frame still completes (the wire lost it) */
    e->send_fail = true;
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(5u, le64toh(st.tx_packets));
    ASSERT_EQ(1u, le64toh(st.tx_errors));
}

TEST_F(dp, tx_waits_for_link)
{
    Env *e = &self->e;
    uint8_t f[128];
    size_t len = mk_tcp4(f, 10, 1, 2, 0x10);
    struct ainic_cqe cqe;

    ainic_core_set_link(e->core, false);
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_EQ(0u, e->nwire);
    ASSERT_FALSE(ainic_core_receive(e->core, f, len) == false);
    ainic_core_set_link(e->core, true);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
}

TEST_F(dp, rx_single_buffer)
{
    Env *e = &self->e;
    uint8_t f[1600], w[1700];
    size_t len = mk_udp4(f, 1000, 53, 5353), wl = encap(e, w, f, len);
    struct ainic_cqe cqe;
    struct ainic_dev_stats st;

    rx_post(e, 0, 4);
    ASSERT_TRUE(ainic_core_can_receive(e->core));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_EQ(AINIC_QTYPE_RXQ, cqe.qtype);
    ASSERT_EQ(0, le16toh(cqe.desc_index));
    ASSERT_EQ(len, le32toh(cqe.len));
    ASSERT_EQ(AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK, le16toh(cqe.cflags));
    ASSERT_EQ(0, memcmp(rx_buf(e, 0, 0), f, len));
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    ASSERT_GE(e->irqs[AINIC_VEC_QP(0)], 1u);

    /* A corrupted inner checksum is delivered without CSUM_OK */
    w[74 + 42 + 10] ^= 0xff;
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(AINIC_CQE_F_EOP, le16toh(cqe.cflags));
    ASSERT_EQ(1, le16toh(cqe.desc_index));
    /* Bytes after the outer IP packet (Ethernet padding) are ignored */
    w[74 + 42 + 10] ^= 0xff;
    memset(w + wl, 0xaa, 16);
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl + 16));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(len, le32toh(cqe.len));
    ASSERT_EQ(AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK, le16toh(cqe.cflags));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(3u, le64toh(st.rx_packets));
    ASSERT_EQ(3 * len, le64toh(st.rx_bytes));
    ASSERT_EQ(0u, le64toh(st.rx_errors));
}

TEST_F(dp, rx_multi_buffer)
{
    Env *e = &self->e;
    uint8_t f[6000], w[6100];
    size_t len, wl;
    struct ainic_cqe cqe;
    unsigned i;

    ASSERT_EQ(0, run(e, port_cfg(AINIC_PORT_CFG_MTU, 9000, NULL)));
    len = mk_tcp4(f, 5000, 80, 8080, 0x18);
    wr16(f + 50, ~ref_fold(pseudo(f, 14, false, 6, len - 34) +
                           ref_sum(0, f + 34, len - 34)));
    wl = encap(e, w, f, len);
    rx_post(e, 0, 2);
    /* Needs 3 buffers: it waits in the queue's backlog */
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_EQ(1u, e->core->rx.backlog[0].count);
    ASSERT_TRUE(ainic_core_can_receive(e->core));
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    rx_post(e, 0, 1);                   /* the third: delivered now */
    ASSERT_EQ(0u, e->core->rx.backlog[0].count);
    ASSERT_EQ(1u, e->core->qp_stats[0].rx_backlogged);
    for (i = 0; i < 3; i++) {
        uint32_t n = i < 2 ? RX_BUF : len - 2 * RX_BUF;

        ASSERT_TRUE(reap_cqe(e, 1, &cqe));
        ASSERT_EQ(i, le16toh(cqe.desc_index));
        ASSERT_EQ(n, le32toh(cqe.len));
        ASSERT_EQ(i == 2 ? AINIC_CQE_F_EOP | AINIC_CQE_F_CSUM_OK : 0,
                  le16toh(cqe.cflags));
        ASSERT_EQ(0, memcmp(rx_buf(e, 0, i), f + i * RX_BUF, n));
    }
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
}

/* Offer a frame n times; the number the core took */
static unsigned offer_n(Env *e, const uint8_t *w, size_t wl, unsigned n)
{
    unsigned i, took = 0;

    for (i = 0; i < n; i++) {
        took += ainic_core_receive(e->core, w, wl);
    }
    return took;
}

TEST_F(dp, rx_backpressure_and_cq_colour)
{
    Env *e = &self->e;
    uint8_t f[200], w[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);
    struct ainic_cqe cqe;
    unsigned i, got = 0;

    /* No buffers: the backlog takes AINIC_RX_BACKLOG, then the port holds */
    ASSERT_TRUE(ainic_core_can_receive(e->core));
    ASSERT_EQ((unsigned)AINIC_RX_BACKLOG,
              offer_n(e, w, wl, AINIC_RX_BACKLOG));
    ASSERT_FALSE(ainic_core_can_receive(e->core));
    ASSERT_FALSE(ainic_core_receive(e->core, w, wl));
    ASSERT_FALSE(ainic_core_can_receive(e->core));
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    /* 63 buffers: the backlog goes first, then the held frame and more */
    rx_post(e, 0, 63);
    ASSERT_EQ(1u, e->rx_ready);
    ASSERT_EQ(0u, e->core->rx.backlog[0].count);
    ASSERT_EQ((unsigned)AINIC_RX_BACKLOG, e->core->cq[1].prod);
    ASSERT_EQ(63u - AINIC_RX_BACKLOG, offer_n(e, w, wl, 63 - AINIC_RX_BACKLOG));
    /* Out of buffers again: backlog, then hold */
    ASSERT_EQ((unsigned)AINIC_RX_BACKLOG,
              offer_n(e, w, wl, AINIC_RX_BACKLOG));
    ASSERT_FALSE(ainic_core_receive(e->core, w, wl));
    /* Buffers, but the CQ is full (63 entries not returned) */
    rx_post(e, 0, 10);
    ASSERT_EQ(2u, e->rx_ready);
    ASSERT_EQ((unsigned)AINIC_RX_BACKLOG, e->core->rx.backlog[0].count);
    ASSERT_FALSE(ainic_core_receive(e->core, w, wl));
    ASSERT_EQ(2u, e->rx_ready);
    while (reap_cqe(e, 1, &cqe)) {
        ASSERT_EQ(AINIC_CQE_COLOR, cqe.flags & AINIC_CQE_COLOR);
        got++;
    }
    ASSERT_EQ(63u, got);
    /* CQ slots back: the backlog fills 8 of the 10 buffers */
    cq_release(e, 1);
    ASSERT_EQ(3u, e->rx_ready);
    ASSERT_EQ(0u, e->core->rx.backlog[0].count);
    ASSERT_EQ(2u, offer_n(e, w, wl, 2));
    /* Entry 63 has colour 1, the wrapped ones colour 0 */
    for (i = 0; i < 10; i++) {
        ASSERT_TRUE(reap_cqe(e, 1, &cqe));
        ASSERT_EQ(i == 0 ? AINIC_CQE_COLOR : 0, cqe.flags & AINIC_CQE_COLOR);
        ASSERT_EQ((63 + i) & 63, le16toh(cqe.desc_index));
    }
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    /* One queue: every frame waited or went through, none dropped */
    ASSERT_EQ(0u, e->core->qp_stats[0].rx_backlog_drops);
    ASSERT_EQ(0u, e->core->stats.rx_dropped);
}

TEST_F(dp, rx_malformed_dropped)
{
    Env *e = &self->e;
    uint8_t f[200], w[300], m[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);
    struct ainic_dev_stats st;
    struct ainic_cqe cqe;
    unsigned n = 0;

    rx_post(e, 0, 8);
#define MAL(stmt, l) do { memcpy(m, w, wl); stmt; \
        n++; ASSERT_TRUE(ainic_core_receive(e->core, m, (l))); } while (0)
    MAL((void)0, 60);                       /* short */
    MAL(m[12] = 0x86, wl);                  /* not IPv4 */
    MAL(wr16(m + 36, 4791), wl);            /* other UDP port */
    MAL(m[42] = 2 << 4 | AINIC_PKT_RAW, wl);        /* version */
    MAL(m[42] = 1 << 4 | AINIC_PKT_DATA, wl);       /* type */
    MAL(m[43] = AINIC_XH_F_SECURE, wl);
    MAL(wr16(m + 44, len - 1), wl);         /* payload_len */
    MAL(wr16(m + 38, rd16(m + 38) + 1), wl);        /* UDP length */
    MAL(m[14 + 8] = 1, wl);                 /* IP header checksum */
    MAL((void)0, wl - 1);                   /* truncated */
    MAL(memset(m, 0, wl), wl);
#undef MAL
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(n, le64toh(st.rx_errors));
    ASSERT_EQ(0u, le64toh(st.rx_packets));
    /* A good one still goes through */
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
}

TEST_F(dp, rx_steering)
{
    Env *e = &self->e;
    uint8_t f[200], w[300], arp[60] = { 0 };
    size_t len, wl;
    unsigned q, i, hits[3] = { 0 }, first = 99;
    struct ainic_cqe cqe;

    mkqp(e, 1);
    mkqp(e, 2);
    for (q = 0; q < 3; q++) {
        rx_post(e, q, 63);
    }
    for (i = 0; i < 48; i++) {
        len = mk_udp4(f, 30, 1000 + i, 7);
        wl = encap(e, w, f, len);
        ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
        /* The same flow again lands in the same queue */
        ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
        for (q = 0; q < 3; q++) {
            if (reap_cqe(e, 2 * q + 1, &cqe)) {
                ASSERT_TRUE(reap_cqe(e, 2 * q + 1, &cqe));
                ASSERT_EQ(q, le16toh(cqe.qid));
                hits[q]++;
                break;
            }
        }
        ASSERT_LT(q, 3u);
        if (i == 0) {
            first = q;
        }
    }
    ASSERT_EQ(48u, hits[0] + hits[1] + hits[2]);
    ASSERT_GT(hits[0], 0u);
    ASSERT_GT(hits[1], 0u);
    ASSERT_GT(hits[2], 0u);
    (void)first;
    /* A non-IP frame goes to queue 0 */
    memcpy(arp, peer_mac, 6);
    memcpy(arp + 6, test_mac, 6);
    wr16(arp + 12, 0x0806);
    wl = encap(e, w, arp, sizeof(arp));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(sizeof(arp), le32toh(cqe.len));
    ASSERT_EQ(0, memcmp(rx_buf(e, 0, le16toh(cqe.desc_index)), arp, 60));
}

TEST_F(dp, rx_without_queue_or_datapath_drops)
{
    Env *e = &self->e;
    uint8_t f[200], w[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);
    struct ainic_dev_stats st;

    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_RXQ, 0)));
    ASSERT_TRUE(ainic_core_can_receive(e->core));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ainic_core_set_link(e->core, false);
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_EQ(0, stats_get(e, &st));
    ASSERT_EQ(2u, le64toh(st.rx_dropped));
    ASSERT_EQ(0u, le64toh(st.rx_errors));
}

TEST_F(dp, rx_held_frame_released_by_reset)
{
    Env *e = &self->e;
    uint8_t f[200], w[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);

    ASSERT_EQ((unsigned)AINIC_RX_BACKLOG,
              offer_n(e, w, wl, AINIC_RX_BACKLOG));
    ASSERT_FALSE(ainic_core_receive(e->core, w, wl));
    ASSERT_EQ(0u, e->rx_ready);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(1u, e->rx_ready);
    ASSERT_EQ(0u, e->core->rx.backlog[0].count);      /* the backlog went too */
    ASSERT_EQ(0u, e->core->rx.backlog_bytes);
    ASSERT_TRUE(ainic_core_can_receive(e->core));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
}

TEST_F(dp, moderation_of_completions)
{
    Env *e = &self->e;
    uint8_t f[128];
    size_t len = mk_tcp4(f, 10, 1, 2, 0x10);
    unsigned v = AINIC_VEC_QP(0), i;

    wr(e, AINIC_REG_INTR_COAL_USECS(v), 50);
    wr(e, AINIC_REG_INTR_COAL_FRAMES(v), 8);
    for (i = 0; i < 3; i++) {
        tx_post(e, 0, f, len, (TxOpts){ 0 });
        tx_ring(e, 0);
    }
    ASSERT_EQ(3u, e->nwire);
    ASSERT_EQ(0u, e->irqs[v]);
    clock_advance(e, 49999);
    ASSERT_EQ(0u, e->irqs[v]);
    clock_advance(e, 1);
    ASSERT_EQ(1u, e->irqs[v]);
    /* Eight completions at once fire at once */
    for (i = 0; i < 8; i++) {
        tx_post(e, 0, f, len, (TxOpts){ 0 });
    }
    tx_ring(e, 0);
    ASSERT_EQ(2u, e->irqs[v]);
    /* NAPI: masked while polling, fires on unmask */
    wr(e, AINIC_REG_INTR_COAL_USECS(v), 0);
    wr(e, AINIC_REG_INTR_MASK(v), 1);
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_EQ(2u, e->irqs[v]);
    wr(e, AINIC_REG_INTR_MASK(v), 0);
    ASSERT_EQ(3u, e->irqs[v]);
}

TEST_F(dp, port_config_underlay_and_mtu)
{
    Env *e = &self->e;
    uint8_t f[9100];
    struct ainic_admin_cmd c = port_cfg(AINIC_PORT_CFG_UNDERLAY_IP |
                                        AINIC_PORT_CFG_MTU, 9000, NULL);
    size_t len = mk_tcp4(f, 9000 - 40, 1, 2, 0x10);
    struct ainic_cqe cqe;

    c.port_config.underlay_ip = htobe32(0x0a640001);
    ASSERT_EQ(0, run(e, c));
    ASSERT_EQ(0x0a640001u, e->core->underlay_ip);
    tx_post(e, 0, f, len, (TxOpts){ .frags = 3 });
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_EQ(74 + 9014u, e->wire_len[0]);
    ASSERT_EQ(0x0a640001u, rd32(wire(e, 0) + 26));
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    /* Back to 1500: the same frame is too big */
    ASSERT_EQ(0, run(e, port_cfg(AINIC_PORT_CFG_MTU, 1500, NULL)));
    tx_post(e, 0, f, len, (TxOpts){ .frags = 3 });
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(AINIC_STS_EINVAL, cqe.status);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(0u, e->core->underlay_ip);
}

/* Without AINIC_CAP_DATAPATH, queues move nothing (§4.2) */
TEST_F(up, no_datapath_without_cap)
{
    Env *e = &self->e;

    ainic_core_set_link(e->core, true);
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_TXQ, 6, 0, 0, 0, 0)));
    write_txd(e, 0, 0, TXDATA_GPA, 60, AINIC_TXD_F_SOP | AINIC_TXD_F_EOP, 1,
              0, 0, 0, 0);
    wr(e, AINIC_REG_DB_TXQ(0), 1);
    ASSERT_EQ(0u, e->nwire);
    ASSERT_EQ(0u, e->core->cq[0].prod);
}

/* ---- Hostile driver (tests/ainic/hostile.sh found these) ------------- */

/* Every refused command is explained in the guest-error log */
TEST_F(up, refusals_are_logged)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c;
    unsigned errs = e->guest_errors;

    ASSERT_EQ(AINIC_STS_EOPNOTSUPP, run(e, mkcmd(AINIC_OP_CC_GET)));
    ASSERT_EQ(errs + 1, e->guest_errors);
    c = mkcmd(AINIC_OP_PORT_CONFIG);
    c.port_config.rsvd[1] = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(errs + 2, e->guest_errors);
    c = mkcmd(AINIC_OP_STATS_GET);
    c.stats_get.buf_addr = htole64(BUF_GPA);
    c.stats_get.buf_len = htole32(512);
    c.stats_get.rsvd = htole32(1);
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(errs + 3, e->guest_errors);
    c = q_destroy(AINIC_QTYPE_CQ, 0);
    c.q_destroy.rsvd = 1;
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, c));
    ASSERT_EQ(errs + 4, e->guest_errors);
}

/*
 * Two 64 KiB TSO frames of mss 88 (745 segments each): a call sends at most
 * AINIC_TX_SEG_BUDGET segments, stopping inside the second frame, and the
 * next call resumes it where it stopped.
 */
static struct {
    uint32_t next_seq;
    uint16_t next_id;
    unsigned bad, starts;
} tso_seen;

/* Segments of frames of mk_tcp4() (seq 1000, IP id 0x1234), in order */
static void tso_check_send(Env *e, const void *buf, size_t len)
{
    const uint8_t *s = (const uint8_t *)buf + 74;

    (void)e;
    if (len >= 74 + 54 && rd32(s + 38) == 1000 && rd16(s + 18) == 0x1234) {
        tso_seen.next_seq = 1000;       /* a frame's first segment */
        tso_seen.next_id = 0x1234;
        tso_seen.starts++;
    }
    if (len < 74 + 54 || rd32(s + 38) != tso_seen.next_seq ||
        rd16(s + 18) != tso_seen.next_id ||
        !l4_csum_valid(s, 14, 34, false, 6, len - 74 - 34)) {
        tso_seen.bad++;
    }
    tso_seen.next_seq += len - 74 - 54;
    tso_seen.next_id++;
}

TEST_F(dp, tx_tso_bounded_per_call_and_resumes)
{
    Env *e = &self->e;
    uint8_t *f = malloc(70000);
    size_t payload = 65535 - 54, len;
    unsigned per = (payload + 87) / 88, i;

    ASSERT_NE(NULL, f);
    len = mk_tcp4(f, payload, 1, 2, 0x18);
    for (i = 0; i < 2; i++) {
        tx_post(e, 0, f, len, (TxOpts){
            .flags = AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO,
            .cs = 34, .co = 16, .mss = 88, .hdr = 54, .frags = 16 });
    }
    memset(&tso_seen, 0, sizeof(tso_seen));
    e->on_send = tso_check_send;
    tx_ring(e, 0);
    ASSERT_EQ((unsigned)AINIC_TX_SEG_BUDGET, e->nwire);
    ASSERT_EQ(1u, e->sched_tx[0]);
    ASSERT_EQ(1u, e->core->cq[0].prod);         /* the first completed */
    ASSERT_TRUE(e->core->txq[0].tso.active);
    ASSERT_EQ(AINIC_TX_SEG_BUDGET - per, e->core->txq[0].tso.seg);
    ASSERT_GE(e->traces[AINIC_TRACE_TSO_PAUSE], 1u);
    /* The second frame's segments go on exactly where they stopped */
    ainic_core_tx_process(e->core, 0);
    ASSERT_EQ(2 * per, e->nwire);
    ASSERT_EQ(2u, tso_seen.starts);
    ASSERT_EQ(2u, e->core->cq[0].prod);
    ASSERT_FALSE(e->core->txq[0].tso.active);
    ASSERT_EQ(0u, tso_seen.bad);
    ASSERT_EQ(0u, e->guest_errors);
    free(f);
}

/*
 * can_receive() false (no RX buffer) makes the embedder hold frames it never
 * offered: posting buffers (or a reset) must still call rx_ready, else the
 * held frames and the backend behind them wait forever.
 */
/* Fill queue 0's backlog (no buffers posted): can_receive() turns false */
static void fill_backlog(Env *e)
{
    uint8_t f[200], w[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);

    if (offer_n(e, w, wl, AINIC_RX_BACKLOG) != AINIC_RX_BACKLOG) {
        abort();
    }
}

TEST_F(dp, can_receive_false_then_room_calls_rx_ready)
{
    Env *e = &self->e;
    unsigned before = e->rx_ready;

    ASSERT_TRUE(ainic_core_can_receive(e->core));  /* backlog room */
    fill_backlog(e);
    ASSERT_FALSE(ainic_core_can_receive(e->core));
    rx_post(e, 0, 4);
    ASSERT_EQ(before + 1, e->rx_ready);
    ASSERT_TRUE(ainic_core_can_receive(e->core));
}

TEST_F(dp, can_receive_false_then_reset_calls_rx_ready)
{
    Env *e = &self->e;
    unsigned before = e->rx_ready;

    fill_backlog(e);
    ASSERT_FALSE(ainic_core_can_receive(e->core));
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_EQ(before + 1, e->rx_ready);
    ASSERT_TRUE(ainic_core_can_receive(e->core));
}

/* A producer index that moves back over posted entries is refused */
TEST_F(up, producer_never_moves_back)
{
    Env *e = &self->e;
    unsigned errs;

    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 0, 0, 1, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_TXQ, 6, 0, 0, 0, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_CQ, 6, 1, 0, 1, 0)));
    ASSERT_EQ(0, run(e, q_create(AINIC_QTYPE_RXQ, 6, 0, 1, 0, 2048)));
    errs = e->guest_errors;
    wr(e, AINIC_REG_DB_TXQ(0), 10);
    wr(e, AINIC_REG_DB_TXQ(0), 10);         /* the same again: fine */
    wr(e, AINIC_REG_DB_TXQ(0), 9);          /* back over posted entries */
    ASSERT_EQ(10u, rd(e, AINIC_REG_DB_TXQ(0)));
    wr(e, AINIC_REG_DB_TXQ(0), 63);
    ASSERT_EQ(63u, rd(e, AINIC_REG_DB_TXQ(0)));
    wr(e, AINIC_REG_DB_RXQ(0), 40);
    wr(e, AINIC_REG_DB_RXQ(0), 0);          /* back to the consumer */
    ASSERT_EQ(40u, rd(e, AINIC_REG_DB_RXQ(0)));
    ASSERT_EQ(errs + 2, e->guest_errors);
}

/* ---- TSO: what Linux never sends is refused; a busy wire pauses it ---- */

/* Post one TSO frame on TXQ 0 and return its CQE status (-1: no CQE) */
static int tso_status(Env *e, const uint8_t *f, size_t len, bool v6,
                      uint16_t cs, uint16_t mss, uint16_t hdr)
{
    struct ainic_cqe cqe;

    tx_post(e, 0, f, len, (TxOpts){
        .flags = AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO |
                 (v6 ? AINIC_TXD_F_TSO_IPV6 : 0),
        .cs = cs, .co = 16, .mss = mss, .hdr = hdr });
    tx_ring(e, 0);
    if (!reap_cqe(e, 0, &cqe)) {
        return -1;
    }
    cq_release(e, 0);
    return cqe.status;
}

TEST_F(dp, tx_tso_refuses_what_linux_never_sends)
{
    Env *e = &self->e;
    uint8_t f[1200];
    size_t len = mk_tcp4(f, 1000, 1, 2, 0x18);
    unsigned errs;

    /* mss below AINIC_TSO_MIN_MSS; the minimum itself is fine */
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, false, 34, 87, 54));
    ASSERT_EQ(0u, e->nwire);
    ASSERT_EQ(0, tso_status(e, f, len, false, 34, AINIC_TSO_MIN_MSS, 54));
    ASSERT_EQ((1000u + 87) / 88, e->nwire);
    e->nwire = 0;
    errs = e->guest_errors;
    /* csum_start not at the end of the IPv4 header */
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, false, 30, 500, 50));
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, false, 38, 500, 58));
    /* A TCP header beyond 60 bytes, or not the one doff says */
    f[34 + 12] = 0xf0;
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, false, 34, 500,
                                           34 + 64));
    ASSERT_EQ(0, tso_status(e, f, len, false, 34, 500, 34 + 60));
    e->nwire = 0;
    f[34 + 12] = 6 << 4;
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, false, 34, 500, 54));
    f[34 + 12] = 5 << 4;
    /* Not TCP */
    f[14 + 9] = 17;
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, false, 34, 500, 54));
    /* IPv6: csum_start past an extension header, next header not TCP */
    len = mk_tcp6(f, 1000, 0x18);
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, true, 62, 500, 82));
    f[14 + 6] = 0;
    ASSERT_EQ(AINIC_STS_EINVAL, tso_status(e, f, len, true, 54, 500, 74));
    ASSERT_EQ(0u, e->nwire);
    ASSERT_EQ(errs + 7, e->guest_errors);
    ASSERT_EQ(0, strncmp(e->last_error, "TSO: ", 5));
}

TEST_F(dp, tx_tso_waits_for_a_busy_wire_per_segment)
{
    Env *e = &self->e;
    uint8_t f[4200];
    size_t len = mk_tcp4(f, 4000, 1, 2, 0x18);
    struct ainic_cqe cqe;

    e->send_busy = true;
    tx_post(e, 0, f, len, (TxOpts){ .flags = AINIC_TXD_F_CSUM |
                                    AINIC_TXD_F_TSO, .cs = 34, .co = 16,
                                    .mss = 1460, .hdr = 54 });
    tx_ring(e, 0);
    /* The peer queued the first segment: nothing more until it is sent */
    ASSERT_EQ(1u, e->nwire);
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    tx_ring(e, 0);
    ASSERT_EQ(1u, e->nwire);
    ainic_core_tx_resume(e->core);          /* still busy: one more */
    ASSERT_EQ(2u, e->nwire);
    ASSERT_FALSE(reap_cqe(e, 0, &cqe));
    e->send_busy = false;
    ainic_core_tx_resume(e->core);
    ASSERT_EQ(3u, e->nwire);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_EQ(len, le32toh(cqe.len));
    ASSERT_EQ((uint32_t)(1000 + 2 * 1460), rd32(wire(e, 2) + 74 + 38));
}

/* Queue 0's second 64 KiB frame paused by the budget; the tail of it */
static void tso_pause_two_frames(struct __test_metadata *_metadata, Env *e,
                                 uint8_t *f)
{
    size_t len = mk_tcp4(f, 65535 - 54, 1, 2, 0x18);
    unsigned i;

    for (i = 0; i < 2; i++) {
        tx_post(e, 0, f, len, (TxOpts){
            .flags = AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO,
            .cs = 34, .co = 16, .mss = 88, .hdr = 54, .frags = 16 });
    }
    memset(&tso_seen, 0, sizeof(tso_seen));
    e->on_send = tso_check_send;
    tx_ring(e, 0);
    ASSERT_TRUE(e->core->txq[0].tso.active);
    ASSERT_EQ(1u, e->core->cq[0].prod);
    /* TXQ 1 sends a plain frame through the same gather buffer */
    mkqp(e, 1);
    len = mk_udp4(f + 66000, 100, 7, 8);
    e->on_send = NULL;
    tx_post(e, 1, f + 66000, len, (TxOpts){ 0 });
    tx_ring(e, 1);
    e->on_send = tso_check_send;
    ASSERT_EQ(1u, e->core->cq[2].prod);
    ASSERT_EQ(1, e->core->tx.buf_owner);
}

TEST_F(dp, tx_tso_gathers_again_after_another_queue)
{
    Env *e = &self->e;
    uint8_t *f = malloc(70000);
    struct ainic_cqe cqe;

    ASSERT_NE(NULL, f);
    tso_pause_two_frames(_metadata, e, f);
    ainic_core_tx_process(e->core, 0);
    ASSERT_FALSE(e->core->txq[0].tso.active);
    ASSERT_EQ(2u, tso_seen.starts);
    ASSERT_EQ(0u, tso_seen.bad);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(0, cqe.status);
    ASSERT_EQ(31, le16toh(cqe.desc_index));
    ASSERT_EQ(0u, e->guest_errors);
    free(f);
}

TEST_F(dp, tx_tso_frame_changed_under_the_device_fails)
{
    Env *e = &self->e;
    uint8_t *f = malloc(70000);
    struct ainic_cqe cqe;
    unsigned sent;

    ASSERT_NE(NULL, f);
    tso_pause_two_frames(_metadata, e, f);
    /* The driver rewrites the paused frame's SOP descriptor: mss 100 */
    write_txd(e, 0, 16, TXDATA_GPA + ((65535 + 63) & ~63ul), 4096,
              AINIC_TXD_F_SOP | AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO, 16, 34,
              16, 100, 54);
    sent = e->nwire;
    ainic_core_tx_process(e->core, 0);
    ASSERT_EQ(sent, e->nwire);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(AINIC_STS_EINVAL, cqe.status);
    ASSERT_EQ(31, le16toh(cqe.desc_index));
    ASSERT_NE(NULL, strstr(e->last_error, "changed"));
    ASSERT_FALSE(e->core->txq[0].tso.active);
    free(f);
}

/* ---- RX: one starved queue does not stop the others (§7.3) ---------- */

#define FLOWS   10

/* Encapsulated UDP frames that steer to RXQ 0 and to RXQ 1 of 2 */
typedef struct Flows {
    uint8_t pkt[2][FLOWS][200];
    size_t len[2][FLOWS];
    uint16_t sport[2][FLOWS];
} Flows;

static int find_flows(Flows *fl)
{
    unsigned n[2] = { 0, 0 };
    uint16_t sport;
    Env d;
    int ret = -1;

    if (env_init_caps(&d, DP_CAPS)) {
        goto out;
    }
    bring_up(&d, 16, 8);
    ainic_core_set_link(d.core, true);
    mkqp(&d, 0);
    mkqp(&d, 1);
    rx_post(&d, 0, 63);
    rx_post(&d, 1, 63);
    for (sport = 1000; sport < 1100 && (n[0] < FLOWS || n[1] < FLOWS);
         sport++) {
        uint8_t f[100], w[200];
        struct ainic_cqe cqe;
        size_t wl = encap(&d, w, f, mk_udp4(f, 30, sport, 7));
        unsigned q, hit = 0;

        if (!ainic_core_receive(d.core, w, wl)) {
            goto out;
        }
        for (q = 0; q < 2; q++) {
            if (reap_cqe(&d, 2 * q + 1, &cqe)) {
                hit++;
                if (n[q] < FLOWS) {
                    memcpy(fl->pkt[q][n[q]], w, wl);
                    fl->len[q][n[q]] = wl;
                    fl->sport[q][n[q]++] = sport;
                }
            }
            cq_release(&d, 2 * q + 1);
        }
        if (hit != 1) {
            goto out;
        }
    }
    ret = n[0] == FLOWS && n[1] == FLOWS ? 0 : -1;
out:
    env_fini(&d);
    return ret;
}

TEST_F(dp, rx_starved_queue_does_not_stop_the_others)
{
    Env *e = &self->e;
    Flows *fl = calloc(1, sizeof(*fl));
    uint8_t st[512 + TEST_QPS * 16];
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_STATS_GET);
    struct ainic_admin_comp comp;
    struct ainic_qp_stats qs[TEST_QPS];
    struct ainic_cqe cqe;
    unsigned i;

    ASSERT_NE(NULL, fl);
    ASSERT_EQ(0, find_flows(fl));
    mkqp(e, 1);
    rx_post(e, 1, 20);          /* RXQ 0 gets no buffers */
    for (i = 0; i < FLOWS; i++) {
        ASSERT_TRUE(ainic_core_receive(e->core, fl->pkt[0][i],
                                       fl->len[0][i]));
        ASSERT_TRUE(ainic_core_receive(e->core, fl->pkt[1][i],
                                       fl->len[1][i]));
        /* RXQ 1 keeps receiving, in order */
        ASSERT_TRUE(reap_cqe(e, 3, &cqe));
        ASSERT_EQ(fl->sport[1][i], rd16(rx_buf(e, 1, le16toh(cqe.desc_index)) +
                                        34));
    }
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ((unsigned)AINIC_RX_BACKLOG, e->core->rx.backlog[0].count);
    ASSERT_EQ((uint64_t)AINIC_RX_BACKLOG, e->core->qp_stats[0].rx_backlogged);
    ASSERT_EQ((uint64_t)(FLOWS - AINIC_RX_BACKLOG),
              e->core->qp_stats[0].rx_backlog_drops);
    ASSERT_GE(e->traces[AINIC_TRACE_RX_BACKLOG], (unsigned)AINIC_RX_BACKLOG);
    /* Buffers for RXQ 0: the waiting frames arrive, oldest first */
    rx_post(e, 0, 16);
    for (i = 0; i < AINIC_RX_BACKLOG; i++) {
        ASSERT_TRUE(reap_cqe(e, 1, &cqe));
        ASSERT_EQ(i, le16toh(cqe.desc_index));
        ASSERT_EQ(fl->sport[0][i], rd16(rx_buf(e, 0, i) + 34));
    }
    ASSERT_FALSE(reap_cqe(e, 1, &cqe));
    /* The driver reads the counters per queue pair with STATS_GET */
    c.stats_get.buf_addr = htole64(BUF_GPA);
    c.stats_get.buf_len = htole32(sizeof(st));
    ASSERT_EQ(0, exec(e, &c, &comp));
    ASSERT_EQ(sizeof(st), le32toh(comp.result));
    memcpy(st, gpa(e, BUF_GPA), sizeof(st));
    memcpy(qs, st + 512, sizeof(qs));
    ASSERT_EQ((uint64_t)AINIC_RX_BACKLOG, le64toh(qs[0].rx_backlogged));
    ASSERT_EQ((uint64_t)(FLOWS - AINIC_RX_BACKLOG),
              le64toh(qs[0].rx_backlog_drops));
    ASSERT_EQ(0u, le64toh(qs[1].rx_backlogged));
    ASSERT_EQ(0u, le64toh(qs[1].rx_backlog_drops));
    ASSERT_EQ((uint64_t)(FLOWS - AINIC_RX_BACKLOG),
              le64toh(((struct ainic_dev_stats *)st)->rx_dropped));
    ASSERT_EQ((uint64_t)(FLOWS + AINIC_RX_BACKLOG),
              le64toh(((struct ainic_dev_stats *)st)->rx_packets));
    /* A 512-byte buffer still gets the device counters only */
    c.stats_get.buf_len = htole32(512);
    ASSERT_EQ(0, exec(e, &c, &comp));
    ASSERT_EQ(512u, le32toh(comp.result));
    free(fl);
}

TEST_F(dp, rx_port_held_only_while_no_queue_has_room)
{
    Env *e = &self->e;
    Flows *fl = calloc(1, sizeof(*fl));
    unsigned i, ready;

    ASSERT_NE(NULL, fl);
    ASSERT_EQ(0, find_flows(fl));
    mkqp(e, 1);
    /* No buffers anywhere: both backlogs fill, then the port holds */
    for (i = 0; i < AINIC_RX_BACKLOG; i++) {
        ASSERT_TRUE(ainic_core_receive(e->core, fl->pkt[0][i],
                                       fl->len[0][i]));
        ASSERT_TRUE(ainic_core_receive(e->core, fl->pkt[1][i],
                                       fl->len[1][i]));
    }
    ASSERT_FALSE(ainic_core_receive(e->core, fl->pkt[0][8], fl->len[0][8]));
    ASSERT_FALSE(ainic_core_can_receive(e->core));
    ASSERT_GE(e->traces[AINIC_TRACE_RX_HOLD], 1u);
    ASSERT_EQ(0u, e->core->stats.rx_dropped);
    /* RXQ 1 gets room: the held frame for starved RXQ 0 is now dropped */
    ready = e->rx_ready;
    rx_post(e, 1, 12);
    ASSERT_EQ(ready + 1, e->rx_ready);
    ASSERT_EQ(0u, e->core->rx.backlog[1].count);
    ASSERT_TRUE(ainic_core_can_receive(e->core));
    ASSERT_TRUE(ainic_core_receive(e->core, fl->pkt[0][8], fl->len[0][8]));
    ASSERT_EQ(1u, e->core->qp_stats[0].rx_backlog_drops);
    ASSERT_TRUE(ainic_core_receive(e->core, fl->pkt[1][8], fl->len[1][8]));
    ASSERT_EQ((uint64_t)AINIC_RX_BACKLOG + 1, e->core->stats.rx_packets);
    free(fl);
}

TEST_F(dp, rx_backlog_of_a_destroyed_queue_is_counted)
{
    Env *e = &self->e;
    uint8_t f[200], w[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);

    ASSERT_EQ(3u, offer_n(e, w, wl, 3));
    ASSERT_EQ(3u, e->core->rx.backlog[0].count);
    ASSERT_EQ(0, run(e, q_destroy(AINIC_QTYPE_RXQ, 0)));
    ASSERT_EQ(0u, e->core->rx.backlog[0].count);
    ASSERT_EQ(0u, e->core->rx.backlog_bytes);
    ASSERT_EQ(3u, e->core->qp_stats[0].rx_backlog_drops);
    ASSERT_EQ(3u, e->core->stats.rx_dropped);
}

/* ---- Fault injector (spec appendix A) -------------------------------- */

static int inject(Env *e, const char *spec)
{
    char err[128];

    return ainic_core_fault_inject(e->core, spec, err, sizeof(err));
}

static const char *armed(Env *e)
{
    static char buf[256];

    ainic_core_fault_describe(e->core, buf, sizeof(buf));
    return buf;
}

TEST(fault_parse_refuses_hostile_strings)
{
    static const char *const bad[] = {
        "", ":", "bogus", "RX-SHORT", "rx-short ", " rx-short", "rx-short:0",
        "rx-short:-1", "rx-short:+1", "rx-short:0x10",
        "rx-short:abc", "rx-short:1000001", "rx-short:99999999999999999999",
        "rx-short:1:x", "rx-short:1:", "fatal:1:now", "admin-late:1:0",
        "admin-late:1:600001", "admin-late:1:-5", "admin-late:1:1e3",
        "rx-corrupt:1:lenx", "admin-drop:1:EXEC", "irq-storm:1:1000001",
        "off:1", "off:", "a:b:c:d", "rx-short:1:len:x",
        "xport-ack-drop:1:0", "xport-ack-drop:1:1001", "xport-ack-drop:1:x",
        "xport-ack-drop:1:", "XPORT-ACK-DROP", "xport-ack-drop:0",
        "xport-timer-stuck:1:0", "xport-timer-stuck:1:600001",
        "xport-timer-stuck:1:2s", "xport-timer-stuck:1:-1", "xport-timer",
        "rx-short\n", "tx-wrong-desc:1\0ignored",
        "rx-short:11111111111111111111111111111111111111111111111111111111",
    };
    AinicFaultSpec sp = { .kind = AINIC_FAULT_NR };
    char err[128];
    unsigned i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int want = strcmp(bad[i], "tx-wrong-desc:1") ? -1 : 0;

        err[0] = 0;
        sp.kind = AINIC_FAULT_NR;
        ASSERT_EQ(want, ainic_fault_parse(bad[i], &sp, err, sizeof(err)))
            TH_LOG("'%s'", bad[i]);
        if (want) {
            ASSERT_NE(0, err[0]);
            /* Untouched */
            ASSERT_EQ((unsigned)AINIC_FAULT_NR, (unsigned)sp.kind);
        }
    }
    ASSERT_EQ(-1, ainic_fault_parse(NULL, &sp, err, sizeof(err)));
    ASSERT_EQ(-1, ainic_fault_parse("bogus", &sp, NULL, 0));
    ASSERT_EQ(-1, ainic_fault_parse("bogus", &sp, err, 1));
    ASSERT_EQ(0, err[0]);
    ASSERT_EQ(0, ainic_fault_parse("nope", &sp, err, sizeof(err)) + 1);
    ASSERT_NE(NULL, strstr(err, "unknown kind"));

    ASSERT_EQ(0, ainic_fault_parse("off", &sp, err, sizeof(err)));
    ASSERT_TRUE(sp.off);
    ASSERT_EQ(0, ainic_fault_parse("rx-short", &sp, err, sizeof(err)));
    ASSERT_FALSE(sp.off);
    ASSERT_EQ((unsigned)AINIC_FAULT_RX_SHORT, (unsigned)sp.kind);
    ASSERT_EQ(1u, sp.count);
    ASSERT_EQ(0, ainic_fault_parse("admin-late", &sp, err, sizeof(err)));
    ASSERT_EQ(AINIC_FAULT_LATE_DEFAULT_MS, sp.arg);
    ASSERT_EQ(0, ainic_fault_parse("admin-late::500", &sp, err, sizeof(err)));
    ASSERT_EQ(1u, sp.count);
    ASSERT_EQ(500u, sp.arg);
    ASSERT_EQ(0, ainic_fault_parse("rx-corrupt:1000000:index", &sp, err,
                                   sizeof(err)));
    ASSERT_EQ(AINIC_FAULT_MAX_COUNT, sp.count);
    ASSERT_EQ((uint32_t)AINIC_FAULT_CORRUPT_INDEX, sp.arg);
    ASSERT_EQ(0, ainic_fault_parse("admin-drop:2:exec", &sp, err,
                                   sizeof(err)));
    ASSERT_EQ((uint32_t)AINIC_FAULT_EXEC, sp.arg);
    ASSERT_EQ(0, ainic_fault_parse("irq-storm:5:0", &sp, err, sizeof(err)));
    ASSERT_EQ(0u, sp.arg);
}

/* The transport's kinds (spec appendix A): defaults, ranges, reasons */
TEST(fault_parse_xport_kinds)
{
    AinicFaultSpec sp;
    char err[AINIC_FAULT_ERR_MAX];
    unsigned k;

    ASSERT_EQ(0, ainic_fault_parse("xport-ack-drop", &sp, err, sizeof(err)));
    ASSERT_EQ((unsigned)AINIC_FAULT_XPORT_ACK_DROP, (unsigned)sp.kind);
    ASSERT_EQ(1u, sp.count);
    ASSERT_EQ(1u, sp.arg);                      /* every one */
    ASSERT_EQ(0, ainic_fault_parse("xport-ack-drop:200:1000", &sp, err,
                                   sizeof(err)));
    ASSERT_EQ(200u, sp.count);
    ASSERT_EQ(1000u, sp.arg);
    ASSERT_EQ(0, ainic_fault_parse("xport-timer-stuck", &sp, err,
                                   sizeof(err)));
    ASSERT_EQ((unsigned)AINIC_FAULT_XPORT_TIMER_STUCK, (unsigned)sp.kind);
    ASSERT_EQ(2000u, sp.arg);                   /* the spec's default */
    ASSERT_EQ(0, ainic_fault_parse("xport-timer-stuck::600000", &sp, err,
                                   sizeof(err)));
    ASSERT_EQ(1u, sp.count);
    ASSERT_EQ(600000u, sp.arg);
    ASSERT_EQ(0, ainic_fault_parse("xport-timer-stuck:3:1", &sp, err,
                                   sizeof(err)));
    ASSERT_EQ(1u, sp.arg);
    /* A bad ARG is refused naming the kind and its range */
    ASSERT_EQ(-1, ainic_fault_parse("xport-ack-drop:1:0", &sp, err,
                                    sizeof(err)));
    ASSERT_NE(NULL, strstr(err, "xport-ack-drop ARG"));
    ASSERT_NE(NULL, strstr(err, "1 to 1000"));
    ASSERT_EQ(-1, ainic_fault_parse("xport-timer-stuck:1:600001", &sp, err,
                                    sizeof(err)));
    ASSERT_NE(NULL, strstr(err, "xport-timer-stuck ARG"));
    ASSERT_NE(NULL, strstr(err, "1 to 600000"));
    /* An unknown kind's reason lists every kind, whole */
    ASSERT_EQ(-1, ainic_fault_parse("bogus", &sp, err, sizeof(err)));
    for (k = 0; k < AINIC_FAULT_NR; k++) {
        ASSERT_NE(NULL, strstr(err, ainic_fault_name((AinicFaultKind)k)))
            TH_LOG("%s", err);
    }
    ASSERT_EQ(')', err[strlen(err) - 1]);
}

TEST(fault_take_nth_one_in_n)
{
    AinicFaults f = { 0 };
    AinicFaultSpec sp;
    char err[AINIC_FAULT_ERR_MAX];
    unsigned i, hits = 0, first = 0;

    ASSERT_EQ(0, ainic_fault_parse("xport-ack-drop:2:3", &sp, err,
                                   sizeof(err)));
    ainic_fault_arm(&f, &sp);
    for (i = 1; i <= 12; i++) {
        if (ainic_fault_take_nth(&f, AINIC_FAULT_XPORT_ACK_DROP)) {
            hits++;
            first = first ? first : i;
            ASSERT_EQ(0u, i % 3);               /* the 3rd, the 6th */
        }
    }
    ASSERT_EQ(2u, hits);
    ASSERT_EQ(3u, first);
    ASSERT_EQ(2u, f.fired);
    ASSERT_FALSE(ainic_fault_take_nth(&f, AINIC_FAULT_XPORT_ACK_DROP));
    /* Arming again starts the one-in-N count afresh */
    ASSERT_EQ(0, ainic_fault_parse("xport-ack-drop:5:2", &sp, err,
                                   sizeof(err)));
    ainic_fault_arm(&f, &sp);
    ASSERT_FALSE(ainic_fault_take_nth(&f, AINIC_FAULT_XPORT_ACK_DROP));
    ASSERT_EQ(0, ainic_fault_parse("xport-ack-drop:1:2", &sp, err,
                                   sizeof(err)));
    ainic_fault_arm(&f, &sp);
    ASSERT_FALSE(ainic_fault_take_nth(&f, AINIC_FAULT_XPORT_ACK_DROP));
    ASSERT_TRUE(ainic_fault_take_nth(&f, AINIC_FAULT_XPORT_ACK_DROP));
    ASSERT_FALSE(ainic_fault_take_nth(&f, AINIC_FAULT_XPORT_ACK_DROP));
    ASSERT_EQ(3u, f.fired);
}

TEST_F(dp, fault_arming_off_and_reset)
{
    Env *e = &self->e;

    ASSERT_STREQ("off", armed(e));
    ASSERT_EQ(-1, inject(e, "rx-short:0"));
    ASSERT_STREQ("off", armed(e));              /* a refusal arms nothing */
    ASSERT_EQ(0, inject(e, "rx-short:3"));
    ASSERT_EQ(0, inject(e, "admin-late::500"));
    ASSERT_EQ(0, inject(e, "rx-corrupt:2:index"));
    ASSERT_STREQ("rx-short:3,rx-corrupt:2:index,admin-late:1:500", armed(e));
    ASSERT_EQ(0, inject(e, "rx-short:1"));      /* arming again replaces */
    ASSERT_STREQ("rx-short:1,rx-corrupt:2:index,admin-late:1:500", armed(e));
    /* A device reset (the driver's recovery) leaves the test's faults */
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ASSERT_STREQ("rx-short:1,rx-corrupt:2:index,admin-late:1:500", armed(e));
    ASSERT_EQ(0, inject(e, "xport-timer-stuck:2"));
    ASSERT_EQ(0, inject(e, "xport-ack-drop:50:4"));
    ASSERT_STREQ("rx-short:1,rx-corrupt:2:index,admin-late:1:500,"
                 "xport-ack-drop:50:4,xport-timer-stuck:2:2000", armed(e));
    ASSERT_EQ(0, inject(e, "off"));
    ASSERT_STREQ("off", armed(e));
    ASSERT_EQ(0u, ainic_core_faults_fired(e->core));
}

TEST_F(dp, fault_rx_short)
{
    Env *e = &self->e;
    uint8_t f[6000], w[6100];
    size_t len = mk_udp4(f, 100, 1, 2), wl = encap(e, w, f, len);
    struct ainic_cqe cqe;

    rx_post(e, 0, 8);
    ASSERT_EQ(0, inject(e, "rx-short"));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(6u, le32toh(cqe.len));            /* below ETH_HLEN */
    ASSERT_EQ(AINIC_CQE_F_EOP, le16toh(cqe.cflags) & AINIC_CQE_F_EOP);
    ASSERT_EQ(1u, ainic_core_faults_fired(e->core));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(len, le32toh(cqe.len));           /* armed for one frame */
    /* A multi-buffer frame: the short first CQE is not EOP */
    ASSERT_EQ(0, run(e, port_cfg(AINIC_PORT_CFG_MTU, 9000, NULL)));
    len = mk_udp4(f, 5000, 1, 2);
    wl = encap(e, w, f, len);
    ASSERT_EQ(0, inject(e, "rx-short:1"));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(6u, le32toh(cqe.len));
    ASSERT_EQ(0u, le16toh(cqe.cflags) & AINIC_CQE_F_EOP);
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ((uint32_t)RX_BUF, le32toh(cqe.len));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(AINIC_CQE_F_EOP, le16toh(cqe.cflags) & AINIC_CQE_F_EOP);
    ASSERT_EQ(2u, ainic_core_faults_fired(e->core));
    ASSERT_GE(e->traces[AINIC_TRACE_FAULT], 2u);
}

TEST_F(dp, fault_rx_corrupt)
{
    Env *e = &self->e;
    uint8_t f[200], w[300];
    size_t len = mk_udp4(f, 60, 1, 2), wl = encap(e, w, f, len);
    struct ainic_cqe cqe;

    rx_post(e, 0, 8);
    ASSERT_EQ(0, inject(e, "rx-corrupt:2"));
    ASSERT_EQ(2u, offer_n(e, w, wl, 2));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_GT(le32toh(cqe.len), (uint32_t)RX_BUF);  /* beyond the buffer */
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_GT(le32toh(cqe.len), (uint32_t)RX_BUF);
    ASSERT_EQ(0, inject(e, "rx-corrupt:1:index"));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    /* Buffers 0..7 are posted; the CQE names 8, which is not */
    ASSERT_EQ(e->rx_tail[0], le16toh(cqe.desc_index));
    ASSERT_EQ(len, le32toh(cqe.len));
    ASSERT_TRUE(ainic_core_receive(e->core, w, wl));
    ASSERT_TRUE(reap_cqe(e, 1, &cqe));
    ASSERT_EQ(3, le16toh(cqe.desc_index));      /* then the truth again */
    ASSERT_EQ(3u, ainic_core_faults_fired(e->core));
}

TEST_F(dp, fault_tx_wrong_desc)
{
    Env *e = &self->e;
    uint8_t f[300];
    size_t len = mk_udp4(f, 200, 1, 2);
    struct ainic_cqe cqe;
    uint32_t eop;

    ASSERT_EQ(0, inject(e, "tx-wrong-desc:2"));
    /* One descriptor: the CQE names one that is not outstanding */
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(e->tx_tail[0], le16toh(cqe.desc_index));
    /* Three: the CQE names the first, not the last */
    eop = tx_post(e, 0, f, len, (TxOpts){ .frags = 3 });
    tx_ring(e, 0);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(eop - 2, le16toh(cqe.desc_index));
    eop = tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_TRUE(reap_cqe(e, 0, &cqe));
    ASSERT_EQ(eop, le16toh(cqe.desc_index));
    ASSERT_EQ(3u, e->nwire);                    /* the frames still went */
    ASSERT_EQ(2u, ainic_core_faults_fired(e->core));
}

TEST_F(dp, fault_admin_drop)
{
    Env *e = &self->e;
    struct ainic_admin_comp comp;
    struct ainic_admin_cmd c = port_cfg(AINIC_PORT_CFG_MTU, 9000, NULL);
    uint32_t head;

    ASSERT_EQ(0, inject(e, "admin-drop"));
    ASSERT_EQ(-1, run(e, c));                   /* never completes */
    ASSERT_EQ(e->sq_tail, rd(e, AINIC_REG_ASQ_HEAD));   /* but consumed */
    ASSERT_EQ(1500u, e->core->mtu);             /* and not executed */
    ASSERT_FALSE(reap(e, &comp));
    /* The next command completes in the slot the lost one would have had */
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(0, inject(e, "admin-drop:1:exec"));
    head = e->cq_head;
    ASSERT_EQ(-1, run(e, c));
    ASSERT_EQ(9000u, e->core->mtu);             /* executed, not completed */
    ASSERT_EQ(head, e->cq_head);
    ASSERT_EQ(2u, ainic_core_faults_fired(e->core));
}

TEST_F(dp, fault_admin_late)
{
    Env *e = &self->e;
    struct ainic_admin_cmd a = mkcmd(AINIC_OP_NOP), b = mkcmd(AINIC_OP_NOP);
    struct ainic_admin_comp comp;
    uint16_t ida, idb;
    unsigned irqs;

    ASSERT_EQ(0, inject(e, "admin-late::500"));
    a.nop.cookie = htole64(0xa);
    b.nop.cookie = htole64(0xb);
    ida = post(e, &a);
    doorbell(e);
    idb = post(e, &b);
    doorbell(e);
    irqs = e->irqs[0];
    ASSERT_FALSE(reap(e, &comp));
    clock_advance(e, 499999999);
    ASSERT_FALSE(reap(e, &comp));               /* in order: b waits too */
    clock_advance(e, 1);
    ASSERT_TRUE(reap(e, &comp));
    ASSERT_EQ(ida, le16toh(comp.cmd_id));
    ASSERT_EQ(0xau, le32toh(comp.result));
    ASSERT_TRUE(reap(e, &comp));
    ASSERT_EQ(idb, le16toh(comp.cmd_id));
    ASSERT_GT(e->irqs[0], irqs);
    /* Default 3000 ms, beyond the admin timeout; a reset forgets it */
    ASSERT_EQ(0, inject(e, "admin-late"));
    ASSERT_EQ(-1, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(e->now + 3000000000ull, e->timers[TEST_QPS].expire);
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED |
              AINIC_STATUS_LINK_UP, bring_up(e, 16, 8));
    clock_advance(e, 4000000000ull);
    ASSERT_FALSE(reap(e, &comp));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(2u, ainic_core_faults_fired(e->core));
}

TEST_F(dp, fault_admin_status)
{
    Env *e = &self->e;
    struct ainic_admin_cmd c = port_cfg(AINIC_PORT_CFG_MTU, 9000, NULL);

    ASSERT_EQ(0, inject(e, "admin-status"));
    ASSERT_EQ(AINIC_FAULT_BAD_STATUS, run(e, c));
    ASSERT_EQ(1500u, e->core->mtu);             /* not executed */
    ASSERT_EQ(0, inject(e, "admin-status:1:exec"));
    ASSERT_EQ(AINIC_FAULT_BAD_STATUS, run(e, c));
    ASSERT_EQ(9000u, e->core->mtu);
    ASSERT_EQ(0, run(e, c));
    ASSERT_EQ(2u, ainic_core_faults_fired(e->core));
}

TEST_F(dp, fault_fatal)
{
    Env *e = &self->e;
    uint8_t f[128];
    size_t len = mk_tcp4(f, 10, 1, 2, 0x10);
    struct ainic_event ev;
    char err[128];

    ASSERT_EQ(0, inject(e, "fatal"));
    ASSERT_NE(0u, rd(e, AINIC_REG_DEV_STATUS) & AINIC_STATUS_FATAL);
    ASSERT_EQ((uint32_t)AINIC_ERR_INTERNAL, rd(e, AINIC_REG_DEV_ERROR));
    ASSERT_TRUE(reap_event(e, &ev));            /* the fixture's link up */
    ASSERT_EQ(AINIC_EVENT_LINK_CHANGE, le16toh(ev.code));
    ASSERT_TRUE(reap_event(e, &ev));
    ASSERT_EQ(AINIC_EVENT_FATAL, le16toh(ev.code));
    ASSERT_EQ((uint32_t)AINIC_ERR_INTERNAL, le32toh(ev.data));
    /* No DMA: neither frames nor admin completions */
    tx_post(e, 0, f, len, (TxOpts){ 0 });
    tx_ring(e, 0);
    ASSERT_EQ(0u, e->nwire);
    ASSERT_EQ(-1, run(e, mkcmd(AINIC_OP_NOP)));
    ASSERT_EQ(-1, ainic_core_fault_inject(e->core, "fatal", err,
                                          sizeof(err)));
    ASSERT_NE(NULL, strstr(err, "FATAL already"));
    ASSERT_EQ(1u, ainic_core_faults_fired(e->core));
    /* Recovery: reset and enable again */
    ASSERT_EQ(AINIC_STATUS_READY | AINIC_STATUS_ENABLED |
              AINIC_STATUS_LINK_UP, bring_up(e, 16, 8));
    ASSERT_EQ(0, run(e, mkcmd(AINIC_OP_NOP)));
}

TEST_F(dp, fault_irq_storm)
{
    Env *e = &self->e;
    unsigned v;

    wr(e, AINIC_REG_INTR_MASK(2), 1);
    memset(e->irqs, 0, sizeof(e->irqs));
    ASSERT_EQ(0, inject(e, "irq-storm:3:100"));
    for (v = 0; v < TEST_VECTORS; v++) {
        ASSERT_EQ(v == 2 ? 0u : 1u, e->irqs[v]);    /* the first round */
    }
    ASSERT_STREQ("irq-storm:2:100", armed(e));
    clock_advance(e, 99999);
    ASSERT_EQ(1u, e->irqs[0]);
    clock_advance(e, 1);
    ASSERT_EQ(2u, e->irqs[0]);
    clock_advance(e, 1000000);
    for (v = 0; v < TEST_VECTORS; v++) {
        ASSERT_EQ(v == 2 ? 0u : 3u, e->irqs[v]);
    }
    ASSERT_EQ(3u * (TEST_VECTORS - 1), ainic_core_faults_fired(e->core));
    /* "off" stops a storm */
    ASSERT_EQ(0, inject(e, "irq-storm:100:10"));
    ASSERT_EQ(0, inject(e, "off"));
    clock_advance(e, 1000000);
    ASSERT_EQ(4u, e->irqs[0]);
    ASSERT_STREQ("off", armed(e));
}

TEST_HARNESS_MAIN
