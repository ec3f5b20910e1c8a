// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host unit tests of the ainic device core (qemu-device/ainic_core.c).
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

/* Guest memory: [MEM_BASE, MEM_BASE + MEM_SIZE); everything else faults */
#define MEM_BASE        0x100000ull
#define MEM_SIZE        0x100000u
#define ASQ_GPA         (MEM_BASE + 0x00000)    /* up to 4096 x 64 */
#define ACQ_GPA         (MEM_BASE + 0x40000)    /* up to 4096 x 16 */
#define EQ_GPA          (MEM_BASE + 0x50000)    /* up to 4096 x 16 */
#define BUF_GPA         (MEM_BASE + 0x60000)    /* command buffers */
#define DMA_GPA         (MEM_BASE + 0x80000)    /* TEST_DMA buffer */
#define RING_GPA        (MEM_BASE + 0xa0000)    /* data rings */
#define BAD_GPA         0x40000000000ull        /* unbacked */

#define TEST_QPS        4
#define TEST_VECTORS    (1 + TEST_QPS)

struct fake_timer {
    AinicTimerCb *cb;
    void *cb_opaque;
    bool armed;
    bool freed;
    uint64_t expire;
};

typedef struct Env {
    AinicCore *core;
    uint8_t *mem;
    uint64_t fail_lo, fail_hi;      /* DMA to [lo, hi) fails */
    unsigned dma_ops;

    unsigned irqs[AINIC_MAX_VECTORS];
    unsigned irq_total;
    unsigned guest_errors;
    char last_error[256];
    unsigned traces[AINIC_TRACE_RX_DROP + 1];

    uint64_t now;
    struct fake_timer timers[AINIC_MAX_VECTORS];
    unsigned ntimers;

    /* Driver-side ring state */
    uint32_t sq_size, sq_tail, cq_head;
    uint8_t cq_color;
    uint32_t eq_size, eq_head;
    uint8_t eq_color;
    uint16_t next_id;
} Env;

/* ---- Fake platform --------------------------------------------------- */

static bool dma_ok(Env *e, uint64_t addr, size_t len)
{
    e->dma_ops++;
    if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE ||
        len > MEM_SIZE - (addr - MEM_BASE)) {
        return false;
    }
    return !(addr < e->fail_hi && addr + len > e->fail_lo);
}

static int fake_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Env *e = opaque;

    if (!dma_ok(e, addr, len)) {
        return -1;
    }
    memcpy(buf, e->mem + (addr - MEM_BASE), len);
    return 0;
}

static int fake_dma_write(void *opaque, uint64_t addr, const void *buf,
                          size_t len)
{
    Env *e = opaque;

    if (!dma_ok(e, addr, len)) {
        return -1;
    }
    memcpy(e->mem + (addr - MEM_BASE), buf, len);
    return 0;
}

static void fake_raise_irq(void *opaque, unsigned vector)
{
    Env *e = opaque;

    /* The core must never hand out a vector the device does not have */
    if (vector >= TEST_VECTORS) {
        abort();
    }
    e->irqs[vector]++;
    e->irq_total++;
}

static void fake_log(void *opaque, const char *fmt, va_list ap)
{
    Env *e = opaque;

    e->guest_errors++;
    vsnprintf(e->last_error, sizeof(e->last_error), fmt, ap);
}

static void fake_trace(void *opaque, AinicTraceEvent ev, uint64_t a,
                       uint64_t b, uint64_t c, uint64_t d)
{
    Env *e = opaque;

    (void)a, (void)b, (void)c, (void)d;
    if (ev <= AINIC_TRACE_RX_DROP) {
        e->traces[ev]++;
    }
}

static uint64_t fake_now(void *opaque)
{
    return ((Env *)opaque)->now;
}

static AinicTimer *fake_timer_new(void *opaque, AinicTimerCb *cb,
                                  void *cb_opaque)
{
    Env *e = opaque;
    struct fake_timer *t;

    if (e->ntimers == AINIC_MAX_VECTORS) {
        return NULL;
    }
    t = &e->timers[e->ntimers++];
    t->cb = cb;
    t->cb_opaque = cb_opaque;
    return (AinicTimer *)t;
}

static void fake_timer_mod(void *opaque, AinicTimer *t, uint64_t expire)
{
    struct fake_timer *ft = (struct fake_timer *)t;

    (void)opaque;
    ft->armed = true;
    ft->expire = expire;
}

static void fake_timer_del(void *opaque, AinicTimer *t)
{
    (void)opaque;
    ((struct fake_timer *)t)->armed = false;
}

static void fake_timer_free(void *opaque, AinicTimer *t)
{
    (void)opaque;
    ((struct fake_timer *)t)->freed = true;
}

/* Advance the virtual clock, firing due timers in order. */
static void clock_advance(Env *e, uint64_t ns)
{
    uint64_t end = e->now + ns;

    for (;;) {
        struct fake_timer *next = NULL;
        unsigned i;

        for (i = 0; i < e->ntimers; i++) {
            struct fake_timer *t = &e->timers[i];

            if (t->armed && t->expire <= end &&
                (!next || t->expire < next->expire)) {
                next = t;
            }
        }
        if (!next) {
            break;
        }
        e->now = next->expire;
        next->armed = false;
        next->cb(next->cb_opaque);
    }
    e->now = end;
}

static const AinicCoreOps fake_ops = {
    .dma_read = fake_dma_read,
    .dma_write = fake_dma_write,
    .raise_irq = fake_raise_irq,
    .log_guest_error = fake_log,
    .trace = fake_trace,
    .now_ns = fake_now,
    .timer_new = fake_timer_new,
    .timer_mod = fake_timer_mod,
    .timer_del = fake_timer_del,
    .timer_free = fake_timer_free,
};

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0xa1, 0x00, 0x01 };

static int env_init(Env *e)
{
    AinicCoreConfig cfg = {
        .max_qps = TEST_QPS,
        .if_version = AINIC_IF_VERSION(AINIC_IF_VERSION_MAJOR,
                                       AINIC_IF_VERSION_MINOR),
        .caps = AINIC_CAPS_V1,
        .serial = "AINIC0001",
    };

    memset(e, 0, sizeof(*e));
    memcpy(cfg.mac, test_mac, 6);
    e->core = calloc(1, sizeof(*e->core));
    e->mem = calloc(1, MEM_SIZE);
    if (!e->core || !e->mem) {
        return -1;
    }
    return ainic_core_init(e->core, &cfg, &fake_ops, e);
}

static void env_fini(Env *e)
{
    ainic_core_fini(e->core);
    free(e->core);
    free(e->mem);
}

static uint8_t *gpa(Env *e, uint64_t addr)
{
    return e->mem + (addr - MEM_BASE);
}

static uint32_t rd(Env *e, uint32_t reg)
{
    return ainic_core_mmio_read(e->core, reg);
}

static void wr(Env *e, uint32_t reg, uint32_t val)
{
    ainic_core_mmio_write(e->core, reg, val);
}

/* ---- Driver side ----------------------------------------------------- */

static void config_rings(Env *e, uint32_t sq, uint32_t eq)
{
    wr(e, AINIC_REG_ASQ_BASE_LO, (uint32_t)ASQ_GPA);
    wr(e, AINIC_REG_ASQ_BASE_HI, ASQ_GPA >> 32);
    wr(e, AINIC_REG_ASQ_SIZE, sq);
    wr(e, AINIC_REG_ACQ_BASE_LO, (uint32_t)ACQ_GPA);
    wr(e, AINIC_REG_ACQ_BASE_HI, ACQ_GPA >> 32);
    wr(e, AINIC_REG_ACQ_SIZE, sq);
    wr(e, AINIC_REG_EQ_BASE_LO, (uint32_t)EQ_GPA);
    wr(e, AINIC_REG_EQ_BASE_HI, EQ_GPA >> 32);
    wr(e, AINIC_REG_EQ_SIZE, eq);
    e->sq_size = sq;
    e->sq_tail = e->cq_head = 0;
    e->cq_color = 1;
    e->eq_size = eq;
    e->eq_head = 0;
    e->eq_color = 1;
}

/* Reset, configure and enable; returns DEV_STATUS. */
static uint32_t bring_up(Env *e, uint32_t sq, uint32_t eq)
{
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    memset(gpa(e, ACQ_GPA), 0, 0x10000);
    memset(gpa(e, EQ_GPA), 0, 0x10000);
    config_rings(e, sq, eq);
    wr(e, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);
    return rd(e, AINIC_REG_DEV_STATUS);
}

static struct ainic_admin_cmd mkcmd(uint8_t opcode)
{
    struct ainic_admin_cmd c;

    memset(&c, 0, sizeof(c));
    c.hdr.opcode = opcode;
    return c;
}

/* Place a command in the next ASQ slot without ringing the doorbell. */
static uint16_t post(Env *e, struct ainic_admin_cmd *c)
{
    uint16_t id = e->next_id++;

    c->hdr.cmd_id = htole16(id);
    memcpy(gpa(e, ASQ_GPA + (uint64_t)e->sq_tail * 64), c, 64);
    e->sq_tail = (e->sq_tail + 1) % e->sq_size;
    return id;
}

static void doorbell(Env *e)
{
    wr(e, AINIC_REG_ASQ_TAIL, e->sq_tail);
}

/* Take the next completion if its colour says the device wrote it. */
static bool reap(Env *e, struct ainic_admin_comp *out)
{
    const uint8_t *slot = gpa(e, ACQ_GPA + (uint64_t)e->cq_head * 16);

    if (!!(slot[15] & AINIC_COMP_COLOR) != e->cq_color) {
        return false;
    }
    memcpy(out, slot, sizeof(*out));
    e->cq_head = (e->cq_head + 1) % e->sq_size;
    if (e->cq_head == 0) {
        e->cq_color ^= 1;
    }
    return true;
}

/* Run one command; returns its status or -1 when nothing completed. */
static int exec(Env *e, struct ainic_admin_cmd *c, struct ainic_admin_comp *out)
{
    struct ainic_admin_comp comp;
    uint16_t id = post(e, c);

    doorbell(e);
    if (!reap(e, &comp) || le16toh(comp.cmd_id) != id ||
        comp.opcode != c->hdr.opcode) {
        return -1;
    }
    if (out) {
        *out = comp;
    }
    return comp.status;
}

static int run(Env *e, struct ainic_admin_cmd c)
{
    return exec(e, &c, NULL);
}

static bool reap_event(Env *e, struct ainic_event *out)
{
    const uint8_t *slot = gpa(e, EQ_GPA + (uint64_t)e->eq_head * 16);

    if (!!(slot[15] & AINIC_EVENT_COLOR) != e->eq_color) {
        return false;
    }
    memcpy(out, slot, sizeof(*out));
    e->eq_head = (e->eq_head + 1) % e->eq_size;
    if (e->eq_head == 0) {
        e->eq_color ^= 1;
    }
    return true;
}

static struct ainic_admin_cmd q_create(uint8_t qtype, uint8_t log2,
                                       uint16_t qid, uint16_t cq_id,
                                       uint16_t vector, uint32_t buf_size)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_Q_CREATE);

    c.q_create.qtype = qtype;
    c.q_create.log2_entries = log2;
    c.q_create.qid = htole16(qid);
    c.q_create.cq_id = htole16(cq_id);
    c.q_create.vector = htole16(vector);
    c.q_create.ring_addr = htole64(RING_GPA + (uint64_t)qid * 0x1000 +
                                   (uint64_t)qtype * 0x10000);
    c.q_create.buf_size = htole32(buf_size);
    return c;
}

static struct ainic_admin_cmd q_destroy(uint8_t qtype, uint16_t qid)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_Q_DESTROY);

    c.q_destroy.qtype = qtype;
    c.q_destroy.qid = htole16(qid);
    return c;
}

static int stats_get(Env *e, struct ainic_dev_stats *st)
{
    struct ainic_admin_cmd c = mkcmd(AINIC_OP_STATS_GET);
    int ret;

    c.stats_get.buf_addr = htole64(BUF_GPA);
    c.stats_get.buf_len = htole32(sizeof(*st));
    ret = exec(e, &c, NULL);
    memcpy(st, gpa(e, BUF_GPA), sizeof(*st));
    return ret;
}

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
    /* One moderation timer per queue vector, all released at fini */
    ASSERT_EQ((unsigned)AINIC_MAX_QPS, e.ntimers);
    ainic_core_fini(&core);
    ASSERT_TRUE(e.timers[0].freed);
    ASSERT_TRUE(e.timers[AINIC_MAX_QPS - 1].freed);
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
    ASSERT_EQ(AINIC_STS_EINVAL, run(e, port_cfg(1u << 2, 0, NULL)));
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

TEST_HARNESS_MAIN
