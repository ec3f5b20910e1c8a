/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: rocker-style device self test */

#ifndef _AINIC_SELFTEST_H_
#define _AINIC_SELFTEST_H_

#include <linux/types.h>

struct ainic_dev;
struct ainic_selftest_res;

void ainic_selftest_init(struct ainic_dev *adev);
int ainic_selftest_run(struct ainic_dev *adev, struct ainic_selftest_res *res);
bool ainic_selftest_passed(const struct ainic_selftest_res *res);
const char *ainic_selftest_result_str(u8 result);
bool ainic_selftest_irq(struct ainic_dev *adev);

#endif /* _AINIC_SELFTEST_H_ */
