// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for scripts/vm-run: loading it logs one WARN and fails with
 * -EAGAIN, so that the runner's detection of kernel splats can be tested.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/module.h>

static int __init ainic_warn_test_init(void)
{
	WARN(1, "ainic_warn_test: deliberate warning for the vm-run self test\n");
	return -EAGAIN;
}
module_init(ainic_warn_test_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Raises a WARN on load to test the ainic VM runner");
