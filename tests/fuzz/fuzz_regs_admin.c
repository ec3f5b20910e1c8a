// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: BAR0 registers and the admin queue of the ainic device
 * core. The input is a sequence of RA_* operations (fuzz_util.h): register
 * writes and reads anywhere in BAR0, virtual time, timers, admin commands
 * taken verbatim from the input (their DMA addresses point anywhere:
 * inside the fake guest RAM, outside, wrapping), guest RAM contents.
 * The device starts enabled with a data path; each input gets a new one.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static void admin_op(Env *e, FuzzIn *in)
{
    struct ainic_admin_cmd c;

    fin_bytes(in, &c, sizeof(c));
    if (!e->sq_size) {
        return;
    }
    memcpy(gpa(e, ASQ_GPA + (uint64_t)e->sq_tail * 64), &c, 64);
    e->sq_tail = (e->sq_tail + 1) % e->sq_size;
    doorbell(e);
}

/*
 * The fault injector's parser takes strings from QMP: any bytes. A value it
 * accepts arms what it names, and the fired count only grows.
 */
static void fault_op(Env *e, FuzzIn *in)
{
    uint8_t len = fin_u8(in) % 72;
    char str[73], err[128], armed[256];
    uint64_t fired = ainic_core_faults_fired(e->core);
    AinicFaultSpec sp;

    fin_bytes(in, str, len);
    str[len] = 0;
    /* Millions of back-to-back storm rounds would only hit -timeout */
    if (!ainic_fault_parse(str, &sp, err, sizeof(err)) && !sp.off &&
        sp.kind == AINIC_FAULT_IRQ_STORM && sp.arg == 0 && sp.count > 1000) {
        return;
    }
    memset(err, 0xff, sizeof(err));
    if (ainic_core_fault_inject(e->core, str, err, sizeof(err)) &&
        !memchr(err, 0, sizeof(err))) {
        fuzz_fail("x-fault '%s' refused without a terminated reason", str);
    }
    ainic_core_fault_describe(e->core, armed, sizeof(armed));
    if (!memchr(armed, 0, sizeof(armed)) ||
        ainic_core_faults_fired(e->core) < fired) {
        fuzz_fail("x-fault '%s': describe or fired count broken", str);
    }
}

static void check(Env *e)
{
    uint32_t st = rd(e, AINIC_REG_DEV_STATUS);

    if (st & ~(AINIC_STATUS_READY | AINIC_STATUS_ENABLED |
               AINIC_STATUS_FATAL | AINIC_STATUS_LINK_UP)) {
        fuzz_fail("DEV_STATUS 0x%x", st);
    }
    if ((st & AINIC_STATUS_ENABLED) &&
        rd(e, AINIC_REG_ASQ_HEAD) >= rd(e, AINIC_REG_ASQ_SIZE)) {
        fuzz_fail("ASQ_HEAD %u outside a ring of %u",
                  rd(e, AINIC_REG_ASQ_HEAD), rd(e, AINIC_REG_ASQ_SIZE));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = { data, size };
    Env e;

    fuzz_dp_up(&e, 0);
    mkqp(&e, 0);
    while (in.n) {
        uint8_t op = fin_u8(&in) % RA_NOPS;

        switch (op) {
        case RA_WRITE: {
            uint16_t off = fin_u16(&in);

            wr(&e, off, fin_u32(&in));
            break;
        }
        case RA_READ:
            rd(&e, fin_u16(&in));
            break;
        case RA_TIME:
            clock_advance(&e, fin_u32(&in));
            break;
        case RA_TIMERS:
            fuzz_fire_timers(&e);
            break;
        case RA_ADMIN:
            admin_op(&e, &in);
            break;
        case RA_BRING_UP: {
            uint8_t sq = fin_u8(&in) % 13, eq = fin_u8(&in) % 13;

            bring_up(&e, 1u << sq, 1u << eq);
            break;
        }
        case RA_REAP:
            fuzz_reap_admin(&e);
            break;
        case RA_POKE: {
            uint32_t off = fin_u32(&in) % MEM_SIZE;
            uint8_t len = fin_u8(&in), buf[256];

            fin_bytes(&in, buf, len);
            if (len > MEM_SIZE - off) {
                len = MEM_SIZE - off;
            }
            memcpy(e.mem + off, buf, len);
            break;
        }
        case RA_LINK:
            ainic_core_set_link(e.core, fin_u8(&in) & 1);
            break;
        case RA_TX_PROCESS:
            ainic_core_tx_process(e.core, fin_u8(&in));
            ainic_core_tx_resume(e.core);
            break;
        case RA_FAULT:
            fault_op(&e, &in);
            break;
        }
        check(&e);
    }
    fuzz_debug(&e, "fuzz_regs_admin");
    env_fini(&e);
    return 0;
}
