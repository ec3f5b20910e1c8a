/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: devlink health reporters and device recovery */

#ifndef _AINIC_HEALTH_H_
#define _AINIC_HEALTH_H_

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct ainic_dev;
struct devlink_health_reporter;

/* Why the device is handed to the fw_fatal reporter; most severe first */
enum ainic_health_cause {
	AINIC_HEALTH_FATAL,		/* DEV_STATUS.FATAL or a FATAL event */
	AINIC_HEALTH_ADMIN_TIMEOUT,	/* an admin completion was lost */
	AINIC_HEALTH_BAD_TX_COMP,	/* a TX completion broke §7.2 */
	AINIC_HEALTH_TEST,		/* devlink health test */
	AINIC_HEALTH_NUM_CAUSES,
};

/**
 * struct ainic_health - health reporting and recovery state
 * @fw_fatal: reporter of device failures; recovery resets the device
 * @tx_timeout: reporter of TX watchdog timeouts; recovery restarts queues
 * @work: reports pending causes to devlink, in process context
 * @poll: looks at DEV_STATUS periodically, for a FATAL without an event
 * @pending: AINIC_HEALTH_* causes (bits) and AINIC_HEALTH_TX_PENDING not
 *	reported yet
 * @cause_gen: @resets when each pending cause was raised: a reset since
 *	then has dealt with it
 * @seen_gen: @resets when each cause was last raised: raised again before
 *	the next reset, it is the same failure and not reported twice
 * @raised: times each cause was raised
 * @resets: device resets done to recover (recovery, failed Q_DESTROY)
 * @tx_timeouts: TX watchdog timeouts
 * @tx_queue: the queue of the last TX timeout
 * @recoveries: successful recoveries
 * @recover_failures: failed recoveries
 * @destroy_failures: failed Q_DESTROYs that forced a reset
 * @last_cause: enum ainic_health_cause of the last fw_fatal report
 * @last_dev_error: DEV_ERROR read at the last fw_fatal report
 */
struct ainic_health {
	struct devlink_health_reporter *fw_fatal;
	struct devlink_health_reporter *tx_timeout;
	struct work_struct work;
	struct delayed_work poll;
	unsigned long pending;
	u32 cause_gen[AINIC_HEALTH_NUM_CAUSES];
	u32 seen_gen[AINIC_HEALTH_NUM_CAUSES];
	atomic64_t raised[AINIC_HEALTH_NUM_CAUSES];
	atomic_t resets;
	atomic64_t tx_timeouts;
	unsigned int tx_queue;
	u64 recoveries;
	u64 recover_failures;
	u64 destroy_failures;
	u32 last_cause;
	u32 last_dev_error;
};

#define AINIC_HEALTH_TX_PENDING	AINIC_HEALTH_NUM_CAUSES

int ainic_health_init(struct ainic_dev *adev);
void ainic_health_fini(struct ainic_dev *adev);
void ainic_health_start(struct ainic_dev *adev);
void ainic_health_stop(struct ainic_dev *adev);
void ainic_health_report(struct ainic_dev *adev, enum ainic_health_cause cause);
void ainic_health_tx_timeout(struct ainic_dev *adev, unsigned int txqueue);
void ainic_health_destroy_failed(struct ainic_dev *adev);
int ainic_dev_recover(struct ainic_dev *adev);

#endif /* _AINIC_HEALTH_H_ */
