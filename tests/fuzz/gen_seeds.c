// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Seed corpus generator of the ainic fuzzers: encodes small, meaningful
 * operation sequences (fuzz_util.h) and writes them to
 * DIR/<target>/seed-<name>. Run once by `make -C tests/fuzz seeds`; the
 * output is committed. Regression inputs (crash-*) are committed as found.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

static const char *outdir;

static void save(const char *target, const char *name, const FuzzOut *o)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", outdir, target);
    if (mkdir(path, 0755) && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/seed-%s", outdir, target, name);
    f = fopen(path, "wb");
    if (!f || fwrite(o->buf, 1, o->n, f) != o->n || fclose(f)) {
        perror(path);
        exit(1);
    }
}

/* ---- fuzz_regs_admin ------------------------------------------------- */

static void ra_wr(FuzzOut *o, uint16_t off, uint32_t val)
{
    fout_u8(o, RA_WRITE);
    fout_u16(o, off);
    fout_u32(o, val);
}

static void ra_rd(FuzzOut *o, uint16_t off)
{
    fout_u8(o, RA_READ);
    fout_u16(o, off);
}

static void ra_admin(FuzzOut *o, struct ainic_admin_cmd c)
{
    fout_u8(o, RA_ADMIN);
    fout_bytes(o, &c, sizeof(c));
}

static void seeds_regs_admin(void)
{
    struct ainic_admin_cmd c;
    FuzzOut o;

    memset(&o, 0, sizeof(o));
    c = mkcmd(AINIC_OP_NOP);
    c.nop.cookie = htole64(0x1122334455667788ull);
    ra_admin(&o, c);
    fout_u8(&o, RA_REAP);
    ra_rd(&o, AINIC_REG_ASQ_HEAD);
    save("fuzz_regs_admin", "nop", &o);

    memset(&o, 0, sizeof(o));
    c = mkcmd(AINIC_OP_IDENTIFY);
    c.identify.buf_addr = htole64(BUF_GPA);
    c.identify.buf_len = htole32(512);
    ra_admin(&o, c);
    c = mkcmd(AINIC_OP_STATS_GET);
    c.stats_get.buf_addr = htole64(BUF_GPA + 0x1000);
    c.stats_get.buf_len = htole32(512);
    ra_admin(&o, c);
    c.stats_get.buf_addr = htole64(MEM_BASE + MEM_SIZE - 256);  /* EFAULT */
    ra_admin(&o, c);
    fout_u8(&o, RA_REAP);
    save("fuzz_regs_admin", "identify-stats", &o);

    memset(&o, 0, sizeof(o));
    c = mkcmd(AINIC_OP_PORT_CONFIG);
    c.port_config.valid = htole32(AINIC_PORT_CFG_MTU | AINIC_PORT_CFG_MAC |
                                  AINIC_PORT_CFG_UNDERLAY_IP);
    c.port_config.mtu = htole32(9000);
    memcpy(c.port_config.mac, peer_mac, 6);
    c.port_config.underlay_ip = htobe32(0x0a000001);
    ra_admin(&o, c);
    c.port_config.mtu = htole32(67);                            /* ERANGE */
    ra_admin(&o, c);
    fout_u8(&o, RA_REAP);
    save("fuzz_regs_admin", "port-config", &o);

    /* Queue pair 1 (pair 0 exists): create in order, destroy in reverse */
    memset(&o, 0, sizeof(o));
    c = q_create(AINIC_QTYPE_CQ, 6, 2, 0, AINIC_VEC_QP(1), 0);
    c.q_create.flags = htole32(AINIC_Q_F_IRQ_ENABLE);
    ra_admin(&o, c);
    c = q_create(AINIC_QTYPE_CQ, 6, 3, 0, AINIC_VEC_QP(1), 0);
    c.q_create.flags = htole32(AINIC_Q_F_IRQ_ENABLE);
    ra_admin(&o, c);
    ra_admin(&o, q_create(AINIC_QTYPE_TXQ, 6, 1, 2, 0, 0));
    ra_admin(&o, q_create(AINIC_QTYPE_RXQ, 6, 1, 3, 0, RX_BUF));
    fout_u8(&o, RA_REAP);
    ra_wr(&o, AINIC_REG_DB_TXQ(1), 0);
    ra_wr(&o, AINIC_REG_DB_RXQ(1), 5);
    ra_wr(&o, AINIC_REG_DB_RXCQ(1), 0);
    ra_rd(&o, AINIC_REG_DB_RXQ(1));
    ra_admin(&o, q_destroy(AINIC_QTYPE_CQ, 3));                 /* EBUSY */
    ra_admin(&o, q_destroy(AINIC_QTYPE_RXQ, 1));
    ra_admin(&o, q_destroy(AINIC_QTYPE_TXQ, 1));
    ra_admin(&o, q_destroy(AINIC_QTYPE_CQ, 3));
    ra_admin(&o, q_destroy(AINIC_QTYPE_CQ, 2));
    fout_u8(&o, RA_REAP);
    save("fuzz_regs_admin", "queues", &o);

    memset(&o, 0, sizeof(o));
    ra_wr(&o, AINIC_REG_TEST_ECHO, 0x12345678);
    ra_rd(&o, AINIC_REG_TEST_ECHO);
    ra_wr(&o, AINIC_REG_TEST_IRQ, 1);
    ra_wr(&o, AINIC_REG_TEST_DMA_ADDR_LO, (uint32_t)DMA_GPA);
    ra_wr(&o, AINIC_REG_TEST_DMA_ADDR_HI, 0);
    ra_wr(&o, AINIC_REG_TEST_DMA_LEN, 4096);
    ra_wr(&o, AINIC_REG_TEST_DMA_PATTERN, 0x5a);
    ra_wr(&o, AINIC_REG_TEST_DMA_CTRL, AINIC_TEST_DMA_FILL);
    ra_wr(&o, AINIC_REG_TEST_DMA_CTRL, AINIC_TEST_DMA_INVERT);
    ra_rd(&o, AINIC_REG_TEST_DMA_STATUS);
    save("fuzz_regs_admin", "selftest", &o);

    memset(&o, 0, sizeof(o));
    ra_wr(&o, AINIC_REG_INTR_COAL_USECS(1), 50);
    ra_wr(&o, AINIC_REG_INTR_COAL_FRAMES(1), 4);
    ra_wr(&o, AINIC_REG_INTR_MASK(1), 1);
    ra_wr(&o, AINIC_REG_TEST_IRQ, 1);
    ra_wr(&o, AINIC_REG_INTR_MASK(1), 0);
    fout_u8(&o, RA_TIME);
    fout_u32(&o, 10000);
    fout_u8(&o, RA_TIMERS);
    save("fuzz_regs_admin", "interrupts", &o);

    /* Link events fill the 8-entry EQ, then the driver returns slots */
    memset(&o, 0, sizeof(o));
    for (int i = 0; i < 10; i++) {
        fout_u8(&o, RA_LINK);
        fout_u8(&o, i & 1);
    }
    fout_u8(&o, RA_REAP);
    ra_wr(&o, AINIC_REG_EQ_HEAD, 7);
    save("fuzz_regs_admin", "events", &o);

    /* Reset, re-enable with other sizes, then a fatal ASQ outside RAM */
    memset(&o, 0, sizeof(o));
    ra_wr(&o, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    fout_u8(&o, RA_BRING_UP);
    fout_u8(&o, 2);
    fout_u8(&o, 1);
    ra_admin(&o, mkcmd(AINIC_OP_NOP));
    ra_wr(&o, AINIC_REG_DEV_CTRL, AINIC_CTRL_RESET);
    ra_wr(&o, AINIC_REG_ASQ_BASE_LO, 0);
    ra_wr(&o, AINIC_REG_ASQ_BASE_HI, (uint32_t)(BAD_GPA >> 32));
    ra_wr(&o, AINIC_REG_ASQ_SIZE, 8);
    ra_wr(&o, AINIC_REG_ACQ_BASE_LO, (uint32_t)ACQ_GPA);
    ra_wr(&o, AINIC_REG_ACQ_SIZE, 8);
    ra_wr(&o, AINIC_REG_EQ_BASE_LO, (uint32_t)EQ_GPA);
    ra_wr(&o, AINIC_REG_EQ_SIZE, 8);
    ra_wr(&o, AINIC_REG_DEV_CTRL, AINIC_CTRL_ENABLE);
    ra_wr(&o, AINIC_REG_ASQ_TAIL, 1);
    ra_rd(&o, AINIC_REG_DEV_ERROR);
    fout_u8(&o, RA_REAP);
    save("fuzz_regs_admin", "reset-fatal", &o);

    /* Each fault kind armed (x-fault), then the events it acts on */
    memset(&o, 0, sizeof(o));
    {
        static const char *const specs[] = {
            "admin-drop:1:exec", "admin-status", "admin-late::5",
            "tx-wrong-desc:2", "rx-corrupt:1:index", "rx-short:3",
            "irq-storm:3:10", "fatal", "off", "admin-late:1:bogus",
        };
        unsigned i;

        for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
            fout_u8(&o, RA_FAULT);
            fout_u8(&o, strlen(specs[i]));
            fout_bytes(&o, specs[i], strlen(specs[i]));
            if (i < 3) {
                ra_admin(&o, mkcmd(AINIC_OP_NOP));
            }
        }
    }
    fout_u8(&o, RA_TIME);
    fout_u32(&o, 10000000);
    fout_u8(&o, RA_TIMERS);
    fout_u8(&o, RA_REAP);
    save("fuzz_regs_admin", "faults", &o);
}

/* ---- fuzz_tx ---------------------------------------------------------- */

static void tx_desc(FuzzOut *o, uint8_t qp, uint8_t idx, uint8_t mode,
                    uint64_t addr, uint32_t len, uint16_t flags, uint16_t nr,
                    uint16_t cs, uint16_t co, uint16_t mss, uint16_t hdr)
{
    fout_u8(o, TX_DESC);
    fout_u8(o, qp);
    fout_u8(o, idx);
    fout_u8(o, mode);
    fout_u64(o, addr);
    fout_u32(o, len);
    fout_u16(o, flags);
    fout_u16(o, nr);
    fout_u16(o, cs);
    fout_u16(o, co);
    fout_u16(o, mss);
    fout_u16(o, hdr);
}

static void tx_frame(FuzzOut *o, uint8_t kind, uint16_t payload, uint16_t off,
                     uint8_t tflags)
{
    fout_u8(o, TX_FRAME);
    fout_u8(o, kind);
    fout_u16(o, payload);
    fout_u16(o, off);
    fout_u8(o, tflags);
}

static void tx2(FuzzOut *o, uint8_t op, uint8_t a, uint8_t b)
{
    fout_u8(o, op);
    fout_u8(o, a);
    fout_u8(o, b);
}

#define SE      (AINIC_TXD_F_SOP | AINIC_TXD_F_EOP)
#define OFF     1       /* mode: address is an offset in the data area */
                        /* mode | 2: length taken as is (not mod 4096) */

static void seeds_tx(void)
{
    FuzzOut o;
    int i;

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx_frame(&o, 2, 50, 0, 0);
    tx_desc(&o, 0, 0, OFF, 0, 42 + 50, SE, 1, 0, 0, 0, 0);
    tx2(&o, TX_DOORBELL, 0, 1);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "udp", &o);

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx_frame(&o, 0, 100, 0, 0x18);
    tx_desc(&o, 0, 0, OFF, 0, 154, SE | AINIC_TXD_F_CSUM, 1, 34, 16, 0, 0);
    tx2(&o, TX_DOORBELL, 0, 1);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "csum", &o);

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx_frame(&o, 0, 3000, 0, 0x99);                  /* CWR PSH FIN */
    tx_desc(&o, 0, 0, OFF, 0, 3054, SE | AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO,
            1, 34, 16, 1000, 54);
    tx2(&o, TX_DOORBELL, 0, 1);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "tso4", &o);

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 1);                                 /* jumbo */
    tx_frame(&o, 1, 20000, 0, 0x18);
    tx_desc(&o, 1, 0, OFF | 2, 0, 10000, AINIC_TXD_F_SOP | AINIC_TXD_F_CSUM |
            AINIC_TXD_F_TSO | AINIC_TXD_F_TSO_IPV6, 2, 54, 16, 8000, 74);
    tx_desc(&o, 1, 1, OFF | 2, 10000, 10074, AINIC_TXD_F_EOP, 0, 0, 0, 0,
            0);
    tx2(&o, TX_DOORBELL, 1, 2);
    tx2(&o, TX_REAP, 1, 1);
    save("fuzz_tx", "tso6-jumbo-sg", &o);

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx_frame(&o, 2, 300, 0x100, 0);
    tx_desc(&o, 0, 0, OFF, 0x100, 100, AINIC_TXD_F_SOP | AINIC_TXD_F_CSUM,
            3, 34, 6, 0, 0);
    tx_desc(&o, 0, 1, OFF, 0x164, 100, 0, 0, 0, 0, 0, 0);
    tx_desc(&o, 0, 2, OFF, 0x1c8, 142, AINIC_TXD_F_EOP, 0, 0, 0, 0, 0);
    tx2(&o, TX_DOORBELL, 0, 2);                     /* not all posted */
    tx2(&o, TX_DOORBELL, 0, 3);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "sg-udp-csum", &o);

    /* Every drop: no SOP, zero, huge, unbacked, bad nr_frags, TSO w/o CSUM */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx_frame(&o, 0, 100, 0, 0);
    tx_desc(&o, 0, 0, OFF, 0, 154, AINIC_TXD_F_EOP, 1, 0, 0, 0, 0);
    tx_desc(&o, 0, 1, OFF, 0, 0, SE, 1, 0, 0, 0, 0);
    tx_desc(&o, 0, 2, OFF | 2, 0, 0xffffffff, SE, 1, 0, 0, 0, 0);
    tx_desc(&o, 0, 3, 0, BAD_GPA, 154, SE, 1, 0, 0, 0, 0);
    tx_desc(&o, 0, 4, 0, 0xfffffffffffffff0ull, 154, SE, 1, 0, 0, 0, 0);
    tx_desc(&o, 0, 5, OFF, 0, 154, SE, 17, 0, 0, 0, 0);
    tx_desc(&o, 0, 6, OFF, 0, 154, SE | AINIC_TXD_F_TSO, 1, 34, 16, 50, 54);
    tx_desc(&o, 0, 7, OFF, 0, 154, SE | AINIC_TXD_F_CSUM, 1, 150, 16, 0, 0);
    tx_desc(&o, 0, 8, OFF, 0, 154, SE | AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO,
            1, 34, 16, 1500, 54);
    tx2(&o, TX_DOORBELL, 0, 9);
    tx2(&o, TX_REAP, 0, 1);
    tx2(&o, TX_DOORBELL, 0, 200);                   /* outside the ring */
    save("fuzz_tx", "drops", &o);

    /* More frames than CQ slots: the TXQ stalls until DB_TXCQ */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx_frame(&o, 2, 10, 0, 0);
    for (i = 0; i < 63; i++) {
        tx_desc(&o, 1, i, OFF, 0, 52, SE, 1, 0, 0, 0, 0);
    }
    tx2(&o, TX_DOORBELL, 1, 63);
    tx2(&o, TX_REAP, 1, 0);
    tx_desc(&o, 1, 63, OFF, 0, 52, SE, 1, 0, 0, 0, 0);
    tx2(&o, TX_DOORBELL, 1, 0);
    tx2(&o, TX_REAP, 1, 1);
    tx2(&o, TX_REAP, 1, 1);
    save("fuzz_tx", "cq-stall", &o);

    /*
     * TSO with a 1-byte mss and a 8920-byte header (csum_start 8900): the
     * most segments (65535) and bytes one frame can make
     */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 1);                                 /* jumbo */
    tx_frame(&o, 0, 65535, 0, 0x18);
    fout_u8(&o, TX_DATA);                           /* TCP doff 5 at l4 */
    fout_u16(&o, 8900 + 12);
    fout_u8(&o, 1);
    fout_u8(&o, 0x50);
    tx_desc(&o, 0, 0, OFF | 2, 0, 65589, AINIC_TXD_F_SOP | AINIC_TXD_F_CSUM |
            AINIC_TXD_F_TSO, 2, 8900, 16, 1, 8920);
    tx_desc(&o, 0, 1, OFF | 2, 0, 65535 + 8920 - 65589, AINIC_TXD_F_EOP, 0,
            0, 0, 0, 0);
    tx2(&o, TX_DOORBELL, 0, 2);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "tso-mss1", &o);

    /* A device without TX_SG, TX_CSUM and TSO drops frames that use them */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 4 | 8 | 16);
    tx_frame(&o, 0, 3000, 0, 0x18);
    tx_desc(&o, 0, 0, OFF, 0, 100, AINIC_TXD_F_SOP, 2, 0, 0, 0, 0);
    tx_desc(&o, 0, 1, OFF, 100, 54, AINIC_TXD_F_EOP, 0, 0, 0, 0, 0);
    tx_desc(&o, 0, 2, OFF, 0, 154, SE | AINIC_TXD_F_CSUM, 1, 34, 16, 0, 0);
    tx_desc(&o, 0, 3, OFF, 0, 3054, SE | AINIC_TXD_F_CSUM | AINIC_TXD_F_TSO,
            1, 34, 16, 1000, 54);
    tx2(&o, TX_DOORBELL, 0, 4);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "no-offload-caps", &o);

    /* A busy peer, link down and up, MTU change */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 2);
    tx_frame(&o, 2, 1400, 0, 0);
    tx_desc(&o, 0, 0, OFF, 0, 1442, SE, 1, 0, 0, 0, 0);
    tx_desc(&o, 0, 1, OFF, 0, 1442, SE, 1, 0, 0, 0, 0);
    tx2(&o, TX_DOORBELL, 0, 2);
    fout_u8(&o, TX_BUSY);
    fout_u8(&o, 0);
    fout_u8(&o, TX_LINK);
    fout_u8(&o, 0);
    fout_u8(&o, TX_MTU);
    fout_u16(&o, 1000);
    tx_desc(&o, 0, 2, OFF, 0, 1442, SE, 1, 0, 0, 0, 0);
    tx2(&o, TX_DOORBELL, 0, 3);
    fout_u8(&o, TX_LINK);
    fout_u8(&o, 1);
    fout_u8(&o, TX_PROCESS);
    fout_u8(&o, 0);
    tx2(&o, TX_REAP, 0, 1);
    save("fuzz_tx", "busy-link-mtu", &o);
}

/* ---- fuzz_rx ---------------------------------------------------------- */

static void rx_encap(FuzzOut *o, const uint8_t *f, size_t len, uint16_t pos,
                     uint8_t x)
{
    fout_u8(o, RX_ENCAP);
    fout_u16(o, len);
    fout_bytes(o, f, len);
    fout_u16(o, pos);
    fout_u8(o, x);
}

static void rx_tcp(FuzzOut *o, uint8_t how, uint16_t len)
{
    fout_u8(o, RX_TCP);
    fout_u8(o, how);
    fout_u16(o, len);
}

static void seeds_rx(void)
{
    uint8_t f[2048];
    FuzzOut o;
    size_t n;
    int i;

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx2(&o, RX_POST, 0, 8);
    n = mk_udp4(f, 100, 1111, 2222);
    rx_encap(&o, f, n, 0, 0);
    tx2(&o, RX_REAP, 0, 1);
    save("fuzz_rx", "udp", &o);

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 4);                                 /* 256-byte buffers */
    tx2(&o, RX_POST, 0, 3);
    n = mk_tcp4(f, 1000, 5001, 80, 0x18);
    rx_encap(&o, f, n, 0, 0);                       /* held: 5 buffers */
    tx2(&o, RX_REAP, 0, 1);
    tx2(&o, RX_POST, 0, 8);
    fout_u8(&o, RX_RETRY);
    tx2(&o, RX_REAP, 0, 1);
    save("fuzz_rx", "multi-buffer-held", &o);

    memset(&o, 0, sizeof(o));
    fout_u8(&o, 3);                                 /* 4 queue pairs */
    for (i = 0; i < 4; i++) {
        tx2(&o, RX_POST, i, 4);
    }
    for (i = 0; i < 6; i++) {
        n = mk_tcp4(f, 64, 4000 + i, 80, 0x10);
        rx_encap(&o, f, n, 0, 0);
    }
    n = mk_tcp6(f, 64, 0x10);
    rx_encap(&o, f, n, 0, 0);
    for (i = 0; i < 4; i++) {
        tx2(&o, RX_REAP, i, 1);
    }
    save("fuzz_rx", "steering", &o);

    /* Not ainic packets or corrupted ones */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0);
    tx2(&o, RX_POST, 0, 8);
    n = mk_udp4(f, 60, 1, 2);
    fout_u8(&o, RX_RAW);
    fout_u16(&o, n);
    fout_bytes(&o, f, n);
    rx_encap(&o, f, n, 42, 0x10);                   /* version */
    rx_encap(&o, f, n, 37, 0x01);                   /* UDP port */
    rx_encap(&o, f, n, 17, 0x01);                   /* IP length */
    rx_encap(&o, f, n, 45, 0x01);                   /* payload_len */
    rx_encap(&o, f, n, 74 + 50, 0xff);              /* inner checksum */
    rx_encap(&o, f, 10, 0, 0);                      /* runt inner */
    tx2(&o, RX_REAP, 0, 1);
    save("fuzz_rx", "malformed", &o);

    /* A descriptor with a bad buffer, queue re-creation, masking */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 1);
    fout_u8(&o, RX_DESC);
    fout_u8(&o, 0);
    fout_u8(&o, 0);
    fout_u64(&o, BAD_GPA);
    fout_u32(&o, RX_BUF);
    fout_u8(&o, RX_DESC);
    fout_u8(&o, 0);
    fout_u8(&o, 1);
    fout_u64(&o, RXBUF_GPA);
    fout_u32(&o, 100);                              /* short */
    tx2(&o, RX_DOORBELL, 0, 2);
    tx2(&o, RX_MASK, 1, 1);
    n = mk_udp4(f, 30, 1, 2);
    rx_encap(&o, f, n, 0, 0);
    rx_encap(&o, f, n, 0, 0);
    tx2(&o, RX_MASK, 1, 0);
    tx2(&o, RX_REAP, 0, 1);
    tx2(&o, RX_QUEUE, 0, 0);
    rx_encap(&o, f, n, 0, 0);
    tx2(&o, RX_QUEUE, 0, 1);
    tx2(&o, RX_POST, 0, 4);
    fout_u8(&o, RX_LINK);
    fout_u8(&o, 0);
    rx_encap(&o, f, n, 0, 0);
    fout_u8(&o, RX_LINK);
    fout_u8(&o, 1);
    rx_encap(&o, f, n, 0, 0);
    tx2(&o, RX_REAP, 0, 1);
    save("fuzz_rx", "errors-queues", &o);

    /* Receive coalescing: runs of TCP segments, flows interleaved */
    memset(&o, 0, sizeof(o));
    fout_u8(&o, 0x10 | (5 << 5));                   /* on, 16 buffers */
    tx2(&o, RX_POST, 0, 60);
    for (i = 0; i < 12; i++) {
        rx_tcp(&o, (i % 3 == 2) ? 1 : 0, 1000);     /* flow 0, some 1 */
    }
    rx_tcp(&o, 0x08, 500);                          /* PSH ends flow 0 */
    rx_tcp(&o, 0x06, 800);                          /* flow 2 over IPv6 */
    rx_tcp(&o, 0x06, 800);
    rx_tcp(&o, 0x12, 300);                          /* a gap in flow 2 */
    fout_u8(&o, RX_TIME);
    fout_u32(&o, 0);
    tx2(&o, RX_REAP, 0, 1);
    rx_tcp(&o, 0x03, 100);
    rx_tcp(&o, 0x03, 100);
    fout_u8(&o, RX_COALESCE);                       /* off: flushes */
    fout_u8(&o, 0);
    fout_u8(&o, 0);
    fout_u8(&o, 0);
    rx_tcp(&o, 0x03, 100);
    tx2(&o, RX_REAP, 0, 1);
    save("fuzz_rx", "coalesce", &o);
}

/* ---- fuzz_xport ------------------------------------------------------ */

static void xp_send(FuzzOut *o, uint8_t peer, uint16_t len)
{
    fout_u8(o, XP_SEND);
    fout_u8(o, peer);
    fout_u16(o, len);
}

static void xp_time(FuzzOut *o, uint32_t us)
{
    fout_u8(o, XP_TIME);
    fout_u32(o, us);
}

static void xp_fault(FuzzOut *o, uint8_t kind, uint32_t count, uint16_t arg)
{
    fout_u8(o, XP_FAULT);
    fout_u8(o, kind);
    fout_u32(o, count);
    fout_u16(o, arg);
}

/* An ACK from peer for the connection's incarnation, ack_psn snd_una + d */
static void xp_ack(FuzzOut *o, uint8_t peer, int8_t d)
{
    fout_u8(o, XP_FORGE);
    fout_u8(o, peer);
    fout_u8(o, AINIC_PKT_ACK);
    fout_u8(o, 0);
    fout_u8(o, 1 | 4);          /* conn and ack near the connection's */
    fout_u32(o, 0);
    fout_u32(o, 0);
    fout_u32(o, (uint8_t)d);
    fout_u64(o, 0);
    fout_u16(o, 0);
    fout_u8(o, 0);
}

static void seeds_xport(void)
{
    FuzzOut o;
    int i;

    /* A peer that never answers, the timer stuck: the watchdog fires it */
    memset(&o, 0, sizeof(o));
    xp_fault(&o, 1, 1, 2000);
    for (i = 0; i < 3; i++) {
        xp_send(&o, 0, 100);
    }
    for (i = 0; i < 4; i++) {
        xp_time(&o, 300000);
    }
    save("fuzz_xport", "timer-stuck", &o);

    /* ACKs of a peer, one in two dropped inside the device */
    memset(&o, 0, sizeof(o));
    for (i = 0; i < 4; i++) {
        xp_send(&o, 1, 200);
    }
    xp_fault(&o, 0, 2, 2);
    for (i = 0; i < 4; i++) {
        xp_ack(&o, 1, 1);
    }
    xp_time(&o, 50000);
    save("fuzz_xport", "ack-drop", &o);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    if (mkdir(outdir, 0755) && errno != EEXIST) {
        perror(outdir);
        return 1;
    }
    seeds_regs_admin();
    seeds_tx();
    seeds_rx();
    seeds_xport();
    return 0;
}
