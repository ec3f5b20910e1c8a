// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: devlink health reporters and device recovery.
 *
 * "fw_fatal" takes the device failures the driver detects: DEV_STATUS
 * FATAL (or a FATAL event), a lost admin completion, a TX completion that
 * breaks the ring contract. Its dump is the device's registers and the
 * driver's ring state, its diagnose the counters below, and its recovery
 * (automatic unless turned off with devlink health set) resets the device
 * and replays the driver's shadow of its configuration: MTU, MAC and
 * transport policy, the queue pairs with their ring sizes and moderation
 * (struct ainic_net), and the connections made with conn-add. The
 * netdev stays registered throughout: it is detached while the device is
 * reset and attached again after.
 *
 * "tx_timeout" takes the TX watchdog's reports; its recovery restarts the
 * queue pairs (which resets the device if it no longer answers).
 *
 * devlink health test on either raises a test report, which goes the
 * whole way (report, dump, automatic recovery) like a real one.
 *
 * Causes are raised from any context into @pending and reported from a
 * work item: devlink takes mutexes, and recovery takes RTNL (after the
 * devlink instance lock, which devlink holds around ->recover).
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/devlink.h>

#include "ainic.h"
#include "ainic_health.h"
#include "ainic_netdev.h"
#include "ainic_txrx.h"

/* Shortest time between two automatic recoveries of one reporter, ms */
#define AINIC_HEALTH_GRACE_MS	500
/* How often DEV_STATUS is looked at, for a FATAL that posted no event */
#define AINIC_HEALTH_POLL	HZ

static const char * const ainic_health_cause_str[AINIC_HEALTH_NUM_CAUSES] = {
	[AINIC_HEALTH_FATAL] = "device fatal error",
	[AINIC_HEALTH_ADMIN_TIMEOUT] = "admin completion lost",
	[AINIC_HEALTH_BAD_TX_COMP] = "bad TX completion",
	[AINIC_HEALTH_TEST] = "test event",
};

static const char * const ainic_health_cause_name[AINIC_HEALTH_NUM_CAUSES] = {
	[AINIC_HEALTH_FATAL] = "fatal",
	[AINIC_HEALTH_ADMIN_TIMEOUT] = "admin_timeout",
	[AINIC_HEALTH_BAD_TX_COMP] = "bad_tx_comp",
	[AINIC_HEALTH_TEST] = "test",
};

/**
 * struct ainic_health_ctx - what a fw_fatal report saw
 * @cause: enum ainic_health_cause
 * @dev_status: DEV_STATUS when reported
 * @dev_error: DEV_ERROR when reported
 */
struct ainic_health_ctx {
	u32 cause;
	u32 dev_status;
	u32 dev_error;
};

/**
 * ainic_health_report() - hand the device to the fw_fatal reporter
 * @adev: device
 * @cause: what went wrong
 *
 * Context: any, including hard IRQ.
 */
void ainic_health_report(struct ainic_dev *adev, enum ainic_health_cause cause)
{
	struct ainic_health *h = &adev->health;
	u32 gen = atomic_read(&h->resets);

	/* The same failure seen again (poll, event, admin) before a reset */
	if (xchg(&h->seen_gen[cause], gen) == gen)
		return;

	atomic64_inc(&h->raised[cause]);
	WRITE_ONCE(h->cause_gen[cause], gen);
	set_bit(cause, &h->pending);
	queue_work(system_wq, &h->work);
}

/**
 * ainic_health_tx_timeout() - hand a TX timeout to the tx_timeout reporter
 * @adev: device
 * @txqueue: the queue that timed out
 *
 * Context: any (the TX watchdog calls it from a timer).
 */
void ainic_health_tx_timeout(struct ainic_dev *adev, unsigned int txqueue)
{
	struct ainic_health *h = &adev->health;

	atomic64_inc(&h->tx_timeouts);
	WRITE_ONCE(h->tx_queue, txqueue);
	set_bit(AINIC_HEALTH_TX_PENDING, &h->pending);
	queue_work(system_wq, &h->work);
}

/* Reset the device and enable it again; the admin queue is stopped */
static int ainic_dev_restart(struct ainic_dev *adev)
{
	int err;

	atomic_inc(&adev->health.resets);
	err = ainic_dev_reset(adev);
	if (!err)
		err = ainic_dev_enable(adev);

	return err;
}

/**
 * ainic_health_destroy_failed() - a Q_DESTROY failed: stop the device's DMA
 * @adev: device
 *
 * The device may still write into the queue's memory, which the caller is
 * about to free: reset it, which drops every queue and stops DMA (§3.2),
 * and bring it back with its port configuration. The caller then treats
 * every device queue as gone.
 *
 * Context: process, RTNL held.
 */
void ainic_health_destroy_failed(struct ainic_dev *adev)
{
	int err;

	ASSERT_RTNL();
	adev->health.destroy_failures++;
	dev_warn(adev->dev, "resetting the device so that it stops DMA into queues it did not destroy\n");

	ainic_admin_abort(&adev->admin, -EIO);
	err = ainic_dev_restart(adev);
	if (!err)
		err = ainic_port_replay(adev);
	if (err) {
		dev_err(adev->dev, "device did not come back after reset: %pe\n",
			ERR_PTR(err));
		ainic_health_report(adev, AINIC_HEALTH_FATAL);
		return;
	}

	/* The reset dropped every connection */
	ainic_conns_reset(adev);

	/* A failure reported before is dealt with: auto recovery stays on */
	devlink_health_reporter_state_update(adev->health.fw_fatal,
					     DEVLINK_HEALTH_REPORTER_STATE_HEALTHY);
}

/**
 * ainic_dev_recover() - reset the device and replay the shadow state
 * @adev: device
 *
 * Context: process, RTNL held.
 * Return: 0 or a negative errno (the netdev then stays detached until a
 * later recovery, devlink health recover, succeeds).
 */
int ainic_dev_recover(struct ainic_dev *adev)
{
	struct ainic_health *h = &adev->health;
	int err;

	ASSERT_RTNL();
	if (test_bit(AINIC_FLAG_REMOVING, &adev->flags) || !ainic_present(adev))
		return -ENODEV;

	mutex_lock(&adev->selftest_lock);
	ainic_admin_abort(&adev->admin, -EIO);
	ainic_netdev_quiesce(adev);
	err = ainic_dev_restart(adev);
	if (!err)
		err = ainic_netdev_resume(adev);
	mutex_unlock(&adev->selftest_lock);

	if (err) {
		h->recover_failures++;
		dev_err(adev->dev, "recovery failed: %pe\n", ERR_PTR(err));
		return err;
	}

	/* The reset dropped every connection: make conn-add's again */
	ainic_conns_reset(adev);

	h->recoveries++;
	dev_info(adev->dev, "device reset and configuration restored\n");
	return 0;
}

/* The failure is still there, and no reset since it was raised fixed it */
static bool ainic_health_cause_holds(struct ainic_dev *adev,
				     enum ainic_health_cause cause)
{
	struct ainic_health *h = &adev->health;
	u32 status;

	if (READ_ONCE(h->cause_gen[cause]) != atomic_read(&h->resets))
		return false;
	if (cause != AINIC_HEALTH_FATAL)
		return true;

	status = ainic_rd32(adev, AINIC_REG_DEV_STATUS);
	return (status & AINIC_STATUS_FATAL) || !READ_ONCE(adev->admin.running);
}

static void ainic_health_work(struct work_struct *work)
{
	struct ainic_health *h = container_of(work, struct ainic_health, work);
	struct ainic_dev *adev = container_of(h, struct ainic_dev, health);
	struct ainic_health_ctx ctx = { .cause = AINIC_HEALTH_NUM_CAUSES };
	char msg[80];
	int cause;

	/* One report for all causes raised together: the first one holding */
	for (cause = 0; cause < AINIC_HEALTH_NUM_CAUSES; cause++) {
		if (!test_and_clear_bit(cause, &h->pending))
			continue;
		if (ctx.cause == AINIC_HEALTH_NUM_CAUSES &&
		    ainic_health_cause_holds(adev, cause))
			ctx.cause = cause;
	}

	if (ctx.cause != AINIC_HEALTH_NUM_CAUSES) {
		ctx.dev_status = ainic_rd32(adev, AINIC_REG_DEV_STATUS);
		ctx.dev_error = ainic_rd32(adev, AINIC_REG_DEV_ERROR);
		WRITE_ONCE(h->last_cause, ctx.cause);
		WRITE_ONCE(h->last_dev_error, ctx.dev_error);
		if (ctx.cause == AINIC_HEALTH_FATAL)
			snprintf(msg, sizeof(msg), "%s %u (%s)",
				 ainic_health_cause_str[ctx.cause],
				 ctx.dev_error,
				 ainic_dev_error_str(ctx.dev_error));
		else
			strscpy(msg, ainic_health_cause_str[ctx.cause],
				sizeof(msg));
		dev_err(adev->dev, "health: %s\n", msg);
		devlink_health_report(h->fw_fatal, msg, &ctx);
	}

	if (test_and_clear_bit(AINIC_HEALTH_TX_PENDING, &h->pending)) {
		snprintf(msg, sizeof(msg), "TX queue %u timed out",
			 READ_ONCE(h->tx_queue));
		devlink_health_report(h->tx_timeout, msg, NULL);
	}
}

/*
 * A device that goes FATAL while the event queue is what failed posts no
 * event, and with no admin command in flight nothing would notice it.
 */
static void ainic_health_poll(struct work_struct *work)
{
	struct ainic_health *h = container_of(to_delayed_work(work),
					      struct ainic_health, poll);
	struct ainic_dev *adev = container_of(h, struct ainic_dev, health);
	u32 status;

	status = ainic_rd32(adev, AINIC_REG_DEV_STATUS);
	if (!ainic_present(adev))
		return;
	if (status & AINIC_STATUS_FATAL) {
		ainic_admin_abort(&adev->admin, -EIO);
		ainic_health_report(adev, AINIC_HEALTH_FATAL);
	}

	queue_delayed_work(system_wq, &h->poll, AINIC_HEALTH_POLL);
}

/* ---- fw_fatal ------------------------------------------------------ */

static int ainic_fw_fatal_recover(struct devlink_health_reporter *reporter,
				  void *priv_ctx,
				  struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);
	int err;

	rtnl_lock();
	err = ainic_dev_recover(adev);
	rtnl_unlock();
	if (err)
		NL_SET_ERR_MSG_MOD(extack, "device reset or configuration replay failed");

	return err;
}

static const struct {
	const char *name;
	u32 offset;
} ainic_health_regs[] = {
	{ "dev_ctrl", AINIC_REG_DEV_CTRL },
	{ "dev_status", AINIC_REG_DEV_STATUS },
	{ "dev_error", AINIC_REG_DEV_ERROR },
	{ "asq_size", AINIC_REG_ASQ_SIZE },
	{ "asq_tail", AINIC_REG_ASQ_TAIL },
	{ "asq_head", AINIC_REG_ASQ_HEAD },
	{ "acq_size", AINIC_REG_ACQ_SIZE },
	{ "eq_size", AINIC_REG_EQ_SIZE },
	{ "eq_head", AINIC_REG_EQ_HEAD },
};

static void ainic_health_put_admin(struct devlink_fmsg *fmsg,
				   struct ainic_dev *adev)
{
	struct ainic_admin_stats st;
	u16 sq_tail, cq_head;
	bool running;
	u8 cq_phase;

	ainic_admin_get_stats(&adev->admin, &st);
	ainic_admin_get_state(&adev->admin, &sq_tail, &cq_head, &cq_phase,
			      &running);

	devlink_fmsg_pair_nest_start(fmsg, "admin");
	devlink_fmsg_obj_nest_start(fmsg);
	devlink_fmsg_bool_pair_put(fmsg, "running", running);
	devlink_fmsg_u32_pair_put(fmsg, "sq_tail", sq_tail);
	devlink_fmsg_u32_pair_put(fmsg, "cq_head", cq_head);
	devlink_fmsg_u32_pair_put(fmsg, "cq_phase", cq_phase);
	devlink_fmsg_u64_pair_put(fmsg, "cmds", st.cmds);
	devlink_fmsg_u64_pair_put(fmsg, "errors", st.errors);
	devlink_fmsg_u64_pair_put(fmsg, "timeouts", st.timeouts);
	devlink_fmsg_u64_pair_put(fmsg, "stale", st.stale);
	devlink_fmsg_u64_pair_put(fmsg, "bad_status", st.bad_status);
	devlink_fmsg_obj_nest_end(fmsg);
	devlink_fmsg_pair_nest_end(fmsg);
}

static int ainic_fw_fatal_dump(struct devlink_health_reporter *reporter,
			       struct devlink_fmsg *fmsg, void *priv_ctx,
			       struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);
	struct ainic_health_ctx *ctx = priv_ctx;
	unsigned int i;
	u16 eq_head;
	u8 eq_phase;

	if (ctx && ctx->cause < AINIC_HEALTH_NUM_CAUSES) {
		devlink_fmsg_string_pair_put(fmsg, "cause",
					     ainic_health_cause_name[ctx->cause]);
		devlink_fmsg_u32_pair_put(fmsg, "reported_dev_status",
					  ctx->dev_status);
		devlink_fmsg_u32_pair_put(fmsg, "reported_dev_error",
					  ctx->dev_error);
	}

	devlink_fmsg_bool_pair_put(fmsg, "present", ainic_present(adev));
	devlink_fmsg_pair_nest_start(fmsg, "registers");
	devlink_fmsg_obj_nest_start(fmsg);
	for (i = 0; i < ARRAY_SIZE(ainic_health_regs); i++)
		devlink_fmsg_u32_pair_put(fmsg, ainic_health_regs[i].name,
					  ainic_rd32(adev,
						     ainic_health_regs[i].offset));
	devlink_fmsg_obj_nest_end(fmsg);
	devlink_fmsg_pair_nest_end(fmsg);

	ainic_health_put_admin(fmsg, adev);

	ainic_event_get_state(&adev->eq, &eq_head, &eq_phase);
	devlink_fmsg_pair_nest_start(fmsg, "eq");
	devlink_fmsg_obj_nest_start(fmsg);
	devlink_fmsg_u32_pair_put(fmsg, "head", eq_head);
	devlink_fmsg_u32_pair_put(fmsg, "phase", eq_phase);
	devlink_fmsg_u64_pair_put(fmsg, "events", ainic_event_count(&adev->eq));
	devlink_fmsg_obj_nest_end(fmsg);
	devlink_fmsg_pair_nest_end(fmsg);

	return 0;
}

static int ainic_fw_fatal_diagnose(struct devlink_health_reporter *reporter,
				   struct devlink_fmsg *fmsg,
				   struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);
	struct ainic_health *h = &adev->health;
	u32 status = ainic_rd32(adev, AINIC_REG_DEV_STATUS);
	u32 error = ainic_rd32(adev, AINIC_REG_DEV_ERROR);
	u32 last = READ_ONCE(h->last_cause);
	unsigned int i;

	devlink_fmsg_bool_pair_put(fmsg, "present", ainic_present(adev));
	devlink_fmsg_bool_pair_put(fmsg, "fatal",
				   !!(status & AINIC_STATUS_FATAL));
	devlink_fmsg_u32_pair_put(fmsg, "dev_status", status);
	devlink_fmsg_u32_pair_put(fmsg, "dev_error", error);
	devlink_fmsg_string_pair_put(fmsg, "dev_error_str",
				     ainic_dev_error_str(error));
	if (last < AINIC_HEALTH_NUM_CAUSES)
		devlink_fmsg_string_pair_put(fmsg, "last_cause",
					     ainic_health_cause_name[last]);

	devlink_fmsg_pair_nest_start(fmsg, "causes");
	devlink_fmsg_obj_nest_start(fmsg);
	for (i = 0; i < AINIC_HEALTH_NUM_CAUSES; i++)
		devlink_fmsg_u64_pair_put(fmsg, ainic_health_cause_name[i],
					  atomic64_read(&h->raised[i]));
	devlink_fmsg_obj_nest_end(fmsg);
	devlink_fmsg_pair_nest_end(fmsg);

	devlink_fmsg_u32_pair_put(fmsg, "resets", atomic_read(&h->resets));
	devlink_fmsg_u64_pair_put(fmsg, "recoveries", READ_ONCE(h->recoveries));
	devlink_fmsg_u64_pair_put(fmsg, "recover_failures",
				  READ_ONCE(h->recover_failures));
	devlink_fmsg_u64_pair_put(fmsg, "destroy_failures",
				  READ_ONCE(h->destroy_failures));
	devlink_fmsg_u64_pair_put(fmsg, "irq_spurious",
				  atomic64_read(&adev->irq_spurious));
	devlink_fmsg_u64_pair_put(fmsg, "events_unknown",
				  READ_ONCE(adev->eq.unknown));
	ainic_health_put_admin(fmsg, adev);

	return 0;
}

/* Asynchronous: devlink holds its instance lock here, as the report takes */
static int ainic_fw_fatal_test(struct devlink_health_reporter *reporter,
			       struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);

	ainic_health_report(adev, AINIC_HEALTH_TEST);
	return 0;
}

static const struct devlink_health_reporter_ops ainic_fw_fatal_ops = {
	.name = "fw_fatal",
	.recover = ainic_fw_fatal_recover,
	.dump = ainic_fw_fatal_dump,
	.diagnose = ainic_fw_fatal_diagnose,
	.test = ainic_fw_fatal_test,
};

/* ---- tx_timeout ---------------------------------------------------- */

static int ainic_tx_timeout_recover(struct devlink_health_reporter *reporter,
				    void *priv_ctx,
				    struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);
	struct net_device *netdev;
	struct ainic_net *an;
	int err = 0;

	rtnl_lock();
	netdev = adev->netdev;
	if (test_bit(AINIC_FLAG_REMOVING, &adev->flags) || !netdev) {
		err = -ENODEV;
		goto out;
	}
	an = netdev_priv(netdev);
	if (netif_running(netdev) && netif_device_present(netdev) &&
	    an->datapath)
		err = ainic_netdev_reconfig(an, an->num_qps, an->tx_log2,
					    an->rx_log2, extack);
out:
	rtnl_unlock();
	return err;
}

static int ainic_tx_timeout_diagnose(struct devlink_health_reporter *reporter,
				     struct devlink_fmsg *fmsg,
				     struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);
	struct ainic_health *h = &adev->health;
	struct net_device *netdev;
	struct ainic_net *an;
	unsigned int i;

	devlink_fmsg_u64_pair_put(fmsg, "timeouts",
				  atomic64_read(&h->tx_timeouts));
	devlink_fmsg_u32_pair_put(fmsg, "last_queue", READ_ONCE(h->tx_queue));

	rtnl_lock();
	netdev = adev->netdev;
	an = netdev ? netdev_priv(netdev) : NULL;
	devlink_fmsg_arr_pair_nest_start(fmsg, "queues");
	for (i = 0; an && an->qps && i < an->nqps; i++) {
		struct ainic_txq *txq = &an->qps[i].txq;

		devlink_fmsg_obj_nest_start(fmsg);
		devlink_fmsg_u32_pair_put(fmsg, "queue", i);
		devlink_fmsg_u32_pair_put(fmsg, "prod", READ_ONCE(txq->prod));
		devlink_fmsg_u32_pair_put(fmsg, "cons", READ_ONCE(txq->cons));
		devlink_fmsg_bool_pair_put(fmsg, "stopped",
					   netif_tx_queue_stopped(txq->nq));
		devlink_fmsg_obj_nest_end(fmsg);
	}
	devlink_fmsg_arr_pair_nest_end(fmsg);
	rtnl_unlock();

	return 0;
}

static int ainic_tx_timeout_test(struct devlink_health_reporter *reporter,
				 struct netlink_ext_ack *extack)
{
	struct ainic_dev *adev = devlink_health_reporter_priv(reporter);
	struct ainic_health *h = &adev->health;

	WRITE_ONCE(h->tx_queue, 0);
	set_bit(AINIC_HEALTH_TX_PENDING, &h->pending);
	queue_work(system_wq, &h->work);
	return 0;
}

static const struct devlink_health_reporter_ops ainic_tx_timeout_ops = {
	.name = "tx_timeout",
	.recover = ainic_tx_timeout_recover,
	.diagnose = ainic_tx_timeout_diagnose,
	.test = ainic_tx_timeout_test,
};

/**
 * ainic_health_init() - create the reporters; reports wait for probe's end
 * @adev: device, its devlink instance allocated
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
int ainic_health_init(struct ainic_dev *adev)
{
	struct devlink *devlink = priv_to_devlink(adev);
	struct ainic_health *h = &adev->health;

	INIT_WORK(&h->work, ainic_health_work);
	INIT_DELAYED_WORK(&h->poll, ainic_health_poll);
	/* Nothing is reported (nor recovered) before probe is complete */
	disable_work(&h->work);
	memset(h->seen_gen, 0xff, sizeof(h->seen_gen));

	h->last_cause = AINIC_HEALTH_NUM_CAUSES;
	h->fw_fatal = devlink_health_reporter_create(devlink,
						     &ainic_fw_fatal_ops,
						     AINIC_HEALTH_GRACE_MS,
						     adev);
	if (IS_ERR(h->fw_fatal))
		return PTR_ERR(h->fw_fatal);

	h->tx_timeout = devlink_health_reporter_create(devlink,
						       &ainic_tx_timeout_ops,
						       AINIC_HEALTH_GRACE_MS,
						       adev);
	if (IS_ERR(h->tx_timeout)) {
		devlink_health_reporter_destroy(h->fw_fatal);
		return PTR_ERR(h->tx_timeout);
	}

	return 0;
}

/**
 * ainic_health_start() - let reports through, at the end of probe
 * @adev: device
 */
void ainic_health_start(struct ainic_dev *adev)
{
	struct ainic_health *h = &adev->health;

	/* What went wrong during probe was handled by probe itself */
	h->pending = 0;
	memset(h->seen_gen, 0xff, sizeof(h->seen_gen));
	enable_work(&h->work);
	queue_delayed_work(system_wq, &h->poll, AINIC_HEALTH_POLL);
}

/**
 * ainic_health_stop() - no more reports or recoveries, for remove
 * @adev: device
 *
 * Waits for a report (and its recovery) in progress.
 *
 * Context: process; sleeps; RTNL not held.
 */
void ainic_health_stop(struct ainic_dev *adev)
{
	disable_delayed_work_sync(&adev->health.poll);
	disable_work_sync(&adev->health.work);
}

/**
 * ainic_health_fini() - destroy the reporters
 * @adev: device, ainic_health_stop() done and the netdev gone (a failed
 *	Q_DESTROY in its teardown updates the fw_fatal reporter)
 */
void ainic_health_fini(struct ainic_dev *adev)
{
	devlink_health_reporter_destroy(adev->health.tx_timeout);
	devlink_health_reporter_destroy(adev->health.fw_fatal);
}
