// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: KUnit tests of driver internals that need no device: ring index
 * arithmetic, admin command ids and completion matching, wrap-safe
 * sequence comparison and the folding of per-queue statistics.
 *
 * Built as ainic_kunit.ko only against a kernel with CONFIG_KUNIT (the
 * debug lane); the suites run when it is loaded after ainic.ko and report
 * in /sys/kernel/debug/kunit/<suite>/results.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/u64_stats_sync.h>

#include "ainic.h"
#include "ainic_admin.h"
#include "ainic_ring.h"
#include "ainic_txrx.h"

/* ---- ring index arithmetic ------------------------------------------- */

static void ainic_ring_empty_and_full(struct kunit *test)
{
	const u32 mask = 255;
	u32 cons;

	for (cons = 0; cons <= mask; cons += 17) {
		/* Empty: every slot but one is free */
		KUNIT_EXPECT_EQ(test, ainic_ring_free(cons, cons, mask), mask);
		KUNIT_EXPECT_EQ(test, ainic_ring_used(cons, cons, mask), 0);
		/* Full: the producer is one behind the consumer */
		KUNIT_EXPECT_EQ(test,
				ainic_ring_free((cons - 1) & mask, cons, mask), 0);
		KUNIT_EXPECT_EQ(test,
				ainic_ring_used((cons - 1) & mask, cons, mask),
				mask);
	}
}

static void ainic_ring_wraps(struct kunit *test)
{
	const u32 mask = 63;
	u32 prod, cons;

	/* Producer wrapped past the end, consumer not yet */
	KUNIT_EXPECT_EQ(test, ainic_ring_used(2, 62, mask), 4);
	KUNIT_EXPECT_EQ(test, ainic_ring_free(2, 62, mask), mask - 4);

	/* free + used == mask for every pair of indices */
	for (prod = 0; prod <= mask; prod++)
		for (cons = 0; cons <= mask; cons++)
			KUNIT_ASSERT_EQ(test, ainic_ring_free(prod, cons, mask) +
					ainic_ring_used(prod, cons, mask), mask);
}

static void ainic_ring_phase_flips_on_wrap(struct kunit *test)
{
	const u32 mask = 7;
	u32 head = 0, i;
	u8 phase = 1;

	for (i = 1; i <= 3 * (mask + 1); i++) {
		ainic_ring_advance(&head, &phase, mask);
		KUNIT_ASSERT_EQ(test, head, i & mask);
		/* Flipped once per completed lap */
		KUNIT_ASSERT_EQ(test, phase, (u8)((1 + i / (mask + 1)) & 1));
	}
}

static void ainic_ring_colour_ownership(struct kunit *test)
{
	const u8 colour = AINIC_CQE_COLOR;

	KUNIT_EXPECT_TRUE(test, ainic_ring_owned(colour, colour, 1));
	KUNIT_EXPECT_FALSE(test, ainic_ring_owned(0, colour, 1));
	KUNIT_EXPECT_TRUE(test, ainic_ring_owned(0, colour, 0));
	KUNIT_EXPECT_FALSE(test, ainic_ring_owned(colour, colour, 0));
	/* Other flag bits do not count */
	KUNIT_EXPECT_TRUE(test, ainic_ring_owned((u8)~colour, colour, 0));
	KUNIT_EXPECT_FALSE(test, ainic_ring_owned((u8)~colour, colour, 1));
}

static struct kunit_case ainic_ring_cases[] = {
	KUNIT_CASE(ainic_ring_empty_and_full),
	KUNIT_CASE(ainic_ring_wraps),
	KUNIT_CASE(ainic_ring_phase_flips_on_wrap),
	KUNIT_CASE(ainic_ring_colour_ownership),
	{}
};

static struct kunit_suite ainic_ring_suite = {
	.name = "ainic_ring",
	.test_cases = ainic_ring_cases,
};

/* ---- admin command ids and completion matching ----------------------- */

static void ainic_admin_id_round_trip(struct kunit *test)
{
	u32 slot;
	u16 wrap;

	for (wrap = 0; wrap < 4096; wrap += 7)
		for (slot = 0; slot < AINIC_ADMINQ_DEPTH; slot++)
			KUNIT_ASSERT_EQ(test,
					ainic_admin_id_slot(ainic_admin_cmd_id(slot, wrap)),
					slot);
}

static void ainic_admin_id_differs_per_lap(struct kunit *test)
{
	/* The same slot gets a new id on each lap until the id space wraps */
	u16 laps = 1 << (16 - AINIC_ADMIN_ID_SHIFT);

	KUNIT_EXPECT_NE(test, ainic_admin_cmd_id(5, 0), ainic_admin_cmd_id(5, 1));
	KUNIT_EXPECT_NE(test, ainic_admin_cmd_id(5, 1),
			ainic_admin_cmd_id(5, laps - 1));
	KUNIT_EXPECT_EQ(test, ainic_admin_cmd_id(5, 0),
			ainic_admin_cmd_id(5, laps));
}

static void ainic_admin_comp_matching(struct kunit *test)
{
	struct ainic_admin_slot slot = {
		.busy = true,
		.cmd_id = ainic_admin_cmd_id(3, 9),
		.opcode = AINIC_OP_IDENTIFY,
	};

	KUNIT_EXPECT_TRUE(test, ainic_admin_comp_matches(&slot, slot.cmd_id,
							 AINIC_OP_IDENTIFY));
	/* A late completion from an earlier lap in the same slot */
	KUNIT_EXPECT_FALSE(test,
			   ainic_admin_comp_matches(&slot, ainic_admin_cmd_id(3, 8),
						    AINIC_OP_IDENTIFY));
	/* Right id, wrong opcode: a confused device */
	KUNIT_EXPECT_FALSE(test, ainic_admin_comp_matches(&slot, slot.cmd_id,
							  AINIC_OP_NOP));
	/* Nothing outstanding in the slot */
	slot.busy = false;
	KUNIT_EXPECT_FALSE(test, ainic_admin_comp_matches(&slot, slot.cmd_id,
							  AINIC_OP_IDENTIFY));
}

/* Each defined status is its errno; anything else is EIO (§4) */
static void ainic_admin_status_map(struct kunit *test)
{
	static const u8 defined[] = {
		AINIC_STS_EPERM, AINIC_STS_ENOENT, AINIC_STS_EIO,
		AINIC_STS_EAGAIN, AINIC_STS_ENOMEM, AINIC_STS_EFAULT,
		AINIC_STS_EBUSY, AINIC_STS_EEXIST, AINIC_STS_EINVAL,
		AINIC_STS_ENOSPC, AINIC_STS_ERANGE, AINIC_STS_EMSGSIZE,
		AINIC_STS_EOPNOTSUPP, AINIC_STS_ETIMEDOUT,
	};
	unsigned int i, st;
	bool known;

	KUNIT_EXPECT_EQ(test, ainic_admin_status_errno(AINIC_STS_OK), 0);
	for (st = 1; st < 256; st++) {
		known = false;
		for (i = 0; i < ARRAY_SIZE(defined); i++)
			known |= defined[i] == st;
		KUNIT_EXPECT_EQ_MSG(test, ainic_admin_status_errno(st),
				    known ? -(int)st : -EIO, "status %u", st);
	}
}

static struct kunit_case ainic_admin_cases[] = {
	KUNIT_CASE(ainic_admin_status_map),
	KUNIT_CASE(ainic_admin_id_round_trip),
	KUNIT_CASE(ainic_admin_id_differs_per_lap),
	KUNIT_CASE(ainic_admin_comp_matching),
	{}
};

static struct kunit_suite ainic_admin_suite = {
	.name = "ainic_admin",
	.test_cases = ainic_admin_cases,
};

/* ---- wrap-safe sequence comparison ------------------------------------ */

static void ainic_seq_compare(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ainic_seq_before(1, 2));
	KUNIT_EXPECT_FALSE(test, ainic_seq_before(2, 2));
	KUNIT_EXPECT_FALSE(test, ainic_seq_after(2, 2));
	/* Across the wrap */
	KUNIT_EXPECT_TRUE(test, ainic_seq_before(0xffffffffU, 0));
	KUNIT_EXPECT_TRUE(test, ainic_seq_after(3, 0xfffffffeU));
	KUNIT_EXPECT_EQ(test, ainic_seq_diff(1, 0xffffffffU), 2);
	KUNIT_EXPECT_EQ(test, ainic_seq_diff(0xffffffffU, 1), -2);
	/* Up to 2^31 - 1 ahead is after; 2^31 ahead reads as before */
	KUNIT_EXPECT_TRUE(test, ainic_seq_after(0x7fffffffU, 0));
	KUNIT_EXPECT_TRUE(test, ainic_seq_before(0x80000000U, 0));
}

static void ainic_seq_total_order_in_window(struct kunit *test)
{
	u32 base = 0xfffffff0U, i, j;

	/* Within a window of less than 2^31, the order is the linear one */
	for (i = 0; i < 64; i++)
		for (j = 0; j < 64; j++) {
			KUNIT_ASSERT_EQ(test, ainic_seq_before(base + i, base + j),
					i < j);
			KUNIT_ASSERT_EQ(test, ainic_seq_after(base + i, base + j),
					i > j);
		}
}

static struct kunit_case ainic_seq_cases[] = {
	KUNIT_CASE(ainic_seq_compare),
	KUNIT_CASE(ainic_seq_total_order_in_window),
	{}
};

static struct kunit_suite ainic_seq_suite = {
	.name = "ainic_seq",
	.test_cases = ainic_seq_cases,
};

/* ---- statistics folding --------------------------------------------- */

#define STATS_QPS	4

static struct ainic_net *ainic_stats_net(struct kunit *test)
{
	struct ainic_net *an;
	unsigned int i;

	an = kunit_kzalloc(test, sizeof(*an), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, an);
	an->qstats = kunit_kcalloc(test, STATS_QPS, sizeof(*an->qstats),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, an->qstats);
	an->max_qps = STATS_QPS;
	an->num_qps = STATS_QPS;
	for (i = 0; i < STATS_QPS; i++) {
		struct ainic_qstats *qs = &an->qstats[i];

		u64_stats_init(&qs->tx.syncp);
		u64_stats_init(&qs->txx.syncp);
		u64_stats_init(&qs->rx.syncp);
		/* Distinct values per queue and per counter */
		u64_stats_add(&qs->tx.packets, 100 * (i + 1));
		u64_stats_add(&qs->tx.bytes, 100000 * (i + 1));
		u64_stats_add(&qs->txx.drops, i + 1);
		u64_stats_add(&qs->rx.packets, 1000 * (i + 1));
		u64_stats_add(&qs->rx.bytes, 1000000 * (i + 1));
	}
	return an;
}

/* Active queues plus base, the way the netdev core adds them up */
static void ainic_stats_total(struct ainic_net *an,
			      struct ainic_stats_snap *tx,
			      struct ainic_stats_snap *rx)
{
	struct ainic_stats_snap t, r;
	unsigned int i;

	ainic_base_stats_fold(an, tx, rx);
	for (i = 0; i < an->num_qps; i++) {
		ainic_qstats_read(an, i, &t, &r);
		ainic_stats_add(tx, &t);
		ainic_stats_add(rx, &r);
	}
}

static void ainic_stats_xmit_counters_fold_into_tx(struct kunit *test)
{
	struct ainic_net *an = ainic_stats_net(test);
	struct ainic_stats_snap t, r;

	ainic_qstats_read(an, 2, &t, &r);
	KUNIT_EXPECT_EQ(test, t.packets, 300);
	KUNIT_EXPECT_EQ(test, t.drops, 3);
	KUNIT_EXPECT_EQ(test, r.packets, 3000);
	KUNIT_EXPECT_EQ(test, r.drops, 0);
}

static void ainic_stats_base_is_empty_with_all_queues(struct kunit *test)
{
	struct ainic_net *an = ainic_stats_net(test);
	struct ainic_stats_snap t, r;

	ainic_base_stats_fold(an, &t, &r);
	KUNIT_EXPECT_EQ(test, t.packets, 0);
	KUNIT_EXPECT_EQ(test, r.bytes, 0);
}

static void ainic_stats_totals_survive_fewer_channels(struct kunit *test)
{
	struct ainic_net *an = ainic_stats_net(test);
	struct ainic_stats_snap t0, r0, t, r;
	unsigned int n;

	ainic_stats_total(an, &t0, &r0);
	KUNIT_EXPECT_EQ(test, t0.packets, 100 + 200 + 300 + 400);
	KUNIT_EXPECT_EQ(test, t0.drops, 1 + 2 + 3 + 4);
	KUNIT_EXPECT_EQ(test, r0.bytes, 10000000);

	for (n = STATS_QPS; n >= 1; n--) {
		an->num_qps = n;
		ainic_stats_total(an, &t, &r);
		KUNIT_EXPECT_EQ(test, t.packets, t0.packets);
		KUNIT_EXPECT_EQ(test, t.bytes, t0.bytes);
		KUNIT_EXPECT_EQ(test, t.drops, t0.drops);
		KUNIT_EXPECT_EQ(test, r.packets, r0.packets);
		KUNIT_EXPECT_EQ(test, r.bytes, r0.bytes);
	}

	/* One channel: the base holds exactly queues 1..3 */
	ainic_base_stats_fold(an, &t, &r);
	KUNIT_EXPECT_EQ(test, t.packets, 200 + 300 + 400);
	KUNIT_EXPECT_EQ(test, r.packets, 2000 + 3000 + 4000);
}

static struct kunit_case ainic_stats_cases[] = {
	KUNIT_CASE(ainic_stats_xmit_counters_fold_into_tx),
	KUNIT_CASE(ainic_stats_base_is_empty_with_all_queues),
	KUNIT_CASE(ainic_stats_totals_survive_fewer_channels),
	{}
};

static struct kunit_suite ainic_stats_suite = {
	.name = "ainic_stats",
	.test_cases = ainic_stats_cases,
};

kunit_test_suites(&ainic_ring_suite, &ainic_admin_suite, &ainic_seq_suite,
		  &ainic_stats_suite);

MODULE_DESCRIPTION("KUnit tests of ainic driver internals");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
