// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: device self test, after rocker's rocker_basic_hw_test().
 *
 * Proves the three paths everything else depends on, at probe and on
 * request (genl dev-selftest):
 *  - echo: MMIO reads and writes (TEST_ECHO returns the complement);
 *  - irq: MSI-X delivery of vector 0 (TEST_IRQ): only an interrupt with
 *    no admin completion and no event behind it counts as the test's;
 *  - dma: device writes and reads of host memory (TEST_DMA FILL, INVERT),
 *    failed too when the device reports FATAL (it stops DMA then).
 */

#include <linux/dma-mapping.h>
#include <linux/random.h>
#include <linux/string.h>

#include "ainic.h"
#include "ainic_selftest.h"

/* Fill byte of the bytes the DMA test must leave alone */
#define AINIC_TEST_GUARD	0xc3

static const u32 ainic_echo_patterns[] = {
	0x00000000, 0xffffffff, 0xa5a5a5a5, 0x5a5a5a5a, 0x01234567, 0xfedcba98,
};

static const u8 ainic_dma_patterns[] = { 0xa5, 0x5a, 0x00, 0xff };

/**
 * ainic_selftest_init() - set up self-test state
 * @adev: device
 */
void ainic_selftest_init(struct ainic_dev *adev)
{
	mutex_init(&adev->selftest_lock);
	init_completion(&adev->selftest_irq);
}

/* Attempts of the IRQ test: its interrupt may merge with an admin one */
#define AINIC_TEST_IRQ_TRIES	3

/**
 * ainic_selftest_irq() - claim a vector 0 interrupt for the IRQ test
 * @adev: device
 *
 * Called for an interrupt that no admin completion or event explains.
 *
 * Context: hard IRQ.
 * Return: true when the IRQ test was waiting for it.
 */
bool ainic_selftest_irq(struct ainic_dev *adev)
{
	if (!test_and_clear_bit(AINIC_FLAG_IRQ_TEST, &adev->flags))
		return false;

	atomic64_inc(&adev->irq_test);
	complete(&adev->selftest_irq);
	return true;
}

static int ainic_selftest_echo_one(struct ainic_dev *adev, u32 val)
{
	u32 got;

	ainic_wr32(adev, AINIC_REG_TEST_ECHO, val);
	got = ainic_rd32(adev, AINIC_REG_TEST_ECHO);
	if (got != ~val) {
		dev_err(adev->dev, "self test: echo of %#010x read %#010x, expected %#010x\n",
			val, got, ~val);
		return -EIO;
	}

	return 0;
}

static int ainic_selftest_echo(struct ainic_dev *adev)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(ainic_echo_patterns); i++) {
		err = ainic_selftest_echo_one(adev, ainic_echo_patterns[i]);
		if (err)
			return err;
	}

	return ainic_selftest_echo_one(adev, get_random_u32());
}

static int ainic_selftest_irq_test(struct ainic_dev *adev)
{
	unsigned int try;

	for (try = 0; try < AINIC_TEST_IRQ_TRIES; try++) {
		reinit_completion(&adev->selftest_irq);
		set_bit(AINIC_FLAG_IRQ_TEST, &adev->flags);

		/* writel() orders the flag before the interrupt it triggers */
		ainic_wr32(adev, AINIC_REG_TEST_IRQ, AINIC_VEC_ADMIN);

		if (wait_for_completion_timeout(&adev->selftest_irq,
						adev->admin.timeout))
			return 0;
		clear_bit(AINIC_FLAG_IRQ_TEST, &adev->flags);
	}

	dev_err(adev->dev, "self test: no interrupt of its own on vector %u in %u tries of %u ms\n",
		AINIC_VEC_ADMIN, AINIC_TEST_IRQ_TRIES, adev->admin.timeout_ms);
	return -ETIMEDOUT;
}

static const char *ainic_dma_op_str(u32 op)
{
	return op == AINIC_TEST_DMA_FILL ? "fill" : "invert";
}

/* Run one DMA test operation; it completes before the CTRL write returns. */
static int ainic_selftest_dma_op(struct ainic_dev *adev, dma_addr_t addr,
				 u32 len, u8 pattern, u32 op)
{
	u32 status;

	ainic_wr32(adev, AINIC_REG_TEST_DMA_ADDR_LO, lower_32_bits(addr));
	ainic_wr32(adev, AINIC_REG_TEST_DMA_ADDR_HI, upper_32_bits(addr));
	ainic_wr32(adev, AINIC_REG_TEST_DMA_LEN, len);
	ainic_wr32(adev, AINIC_REG_TEST_DMA_PATTERN, pattern);
	ainic_wr32(adev, AINIC_REG_TEST_DMA_CTRL, op);

	/* The read also flushes the posted CTRL write */
	status = ainic_rd32(adev, AINIC_REG_TEST_DMA_STATUS);
	if ((status & (AINIC_TEST_STS_DONE | AINIC_TEST_STS_ERROR)) !=
	    AINIC_TEST_STS_DONE) {
		dev_err(adev->dev, "self test: DMA %s of %u bytes failed, status %#x\n",
			ainic_dma_op_str(op), len, status);
		return -EIO;
	}

	return 0;
}

/* Check that @len bytes at @buf + @off all read @val. */
static int ainic_selftest_dma_check(struct ainic_dev *adev, const u8 *buf,
				    size_t off, size_t len, u8 val,
				    const char *what)
{
	const u8 *bad;

	bad = memchr_inv(buf + off, val, len);
	if (bad) {
		dev_err(adev->dev, "self test: DMA %s: byte %td is %#04x, expected %#04x\n",
			what, bad - buf, *bad, val);
		return -EIO;
	}

	return 0;
}

static int ainic_selftest_dma(struct ainic_dev *adev, u8 *buf, dma_addr_t dma)
{
	const size_t size = AINIC_TEST_DMA_MAX;
	const size_t off = 3, len = 1021;
	unsigned int i;
	u8 pat;
	int err;

	for (i = 0; i < ARRAY_SIZE(ainic_dma_patterns); i++) {
		pat = ainic_dma_patterns[i];

		/* Start from the complement so a FILL that did nothing fails */
		memset(buf, (u8)~pat, size);
		err = ainic_selftest_dma_op(adev, dma, size, pat,
					    AINIC_TEST_DMA_FILL);
		if (!err)
			err = ainic_selftest_dma_check(adev, buf, 0, size, pat,
						       "fill");
		if (!err)
			err = ainic_selftest_dma_op(adev, dma, size, 0,
						    AINIC_TEST_DMA_INVERT);
		if (!err)
			err = ainic_selftest_dma_check(adev, buf, 0, size,
						       (u8)~pat, "invert");
		if (err)
			return err;
	}

	/* A short, unaligned buffer: the bytes around it stay untouched */
	memset(buf, AINIC_TEST_GUARD, size);
	err = ainic_selftest_dma_op(adev, dma + off, len, 0x5a,
				    AINIC_TEST_DMA_FILL);
	if (!err)
		err = ainic_selftest_dma_check(adev, buf, off, len, 0x5a,
					       "partial fill");
	if (!err)
		err = ainic_selftest_dma_check(adev, buf, 0, off,
					       AINIC_TEST_GUARD, "guard before");
	if (!err)
		err = ainic_selftest_dma_check(adev, buf, off + len,
					       size - off - len,
					       AINIC_TEST_GUARD, "guard after");
	if (err)
		return err;

	/* A FATAL device masters no DMA (§3.2): whatever passed is suspect */
	if (ainic_rd32(adev, AINIC_REG_DEV_STATUS) & AINIC_STATUS_FATAL) {
		dev_err(adev->dev, "self test: device is FATAL (error %u), DMA not trusted\n",
			ainic_rd32(adev, AINIC_REG_DEV_ERROR));
		return -EIO;
	}

	return 0;
}

static u8 ainic_selftest_result(int err)
{
	return err ? AINIC_SELFTEST_RESULT_FAIL : AINIC_SELFTEST_RESULT_PASS;
}

/**
 * ainic_selftest_run() - run the echo, IRQ and DMA tests
 * @adev: device, with vector 0 requested
 * @res: receives the per-step results
 *
 * Every step runs even when an earlier one failed, so that the results
 * tell which paths work. The results are also stored for genl.
 *
 * Context: process; sleeps.
 * Return: 0 when the test ran (see @res for the outcome), -EOPNOTSUPP when
 * the device has no self-test block, -ENOMEM, or -EINTR when interrupted
 * while waiting for another self test.
 */
int ainic_selftest_run(struct ainic_dev *adev, struct ainic_selftest_res *res)
{
	dma_addr_t dma;
	u8 *buf;

	if (!ainic_has_cap(adev, AINIC_CAP_SELFTEST))
		return -EOPNOTSUPP;

	buf = dma_alloc_coherent(adev->dev, AINIC_TEST_DMA_MAX, &dma,
				 GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	if (mutex_lock_interruptible(&adev->selftest_lock)) {
		dma_free_coherent(adev->dev, AINIC_TEST_DMA_MAX, buf, dma);
		return -EINTR;
	}

	res->echo = ainic_selftest_result(ainic_selftest_echo(adev));
	res->irq = ainic_selftest_result(ainic_selftest_irq_test(adev));
	res->dma = ainic_selftest_result(ainic_selftest_dma(adev, buf, dma));

	WRITE_ONCE(adev->selftest.echo, res->echo);
	WRITE_ONCE(adev->selftest.irq, res->irq);
	WRITE_ONCE(adev->selftest.dma, res->dma);

	mutex_unlock(&adev->selftest_lock);

	dma_free_coherent(adev->dev, AINIC_TEST_DMA_MAX, buf, dma);
	return 0;
}

/**
 * ainic_selftest_passed() - whether every step of a self test passed
 * @res: results
 *
 * Return: true when echo, irq and dma all passed.
 */
bool ainic_selftest_passed(const struct ainic_selftest_res *res)
{
	return res->echo == AINIC_SELFTEST_RESULT_PASS &&
	       res->irq == AINIC_SELFTEST_RESULT_PASS &&
	       res->dma == AINIC_SELFTEST_RESULT_PASS;
}

/**
 * ainic_selftest_result_str() - name of a self-test result
 * @result: enum ainic_selftest_result
 *
 * Return: "pass", "fail" or "not run".
 */
const char *ainic_selftest_result_str(u8 result)
{
	switch (result) {
	case AINIC_SELFTEST_RESULT_PASS:
		return "pass";
	case AINIC_SELFTEST_RESULT_FAIL:
		return "fail";
	default:
		return "not run";
	}
}
