// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the debug lane (scripts/check-debug): writing a bug's
 * name to /sys/kernel/debug/ainic_debug_test/trigger commits that bug once,
 * so that tests/host/vm_run_debug_test.sh can prove the debug kernel and
 * scripts/vm-run catch each class: "leak" (kmemleak), "oob" (KASAN),
 * "lock-order" (lockdep) and "atomic-sleep" (DEBUG_ATOMIC_SLEEP).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct dentry *debug_dir;
static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);
static DEFINE_SPINLOCK(atomic_lock);

static void bug_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	/* Dropped on purpose: kmemleak must report it. */
	if (p)
		memset(p, 0xa5, 128);
}

static void bug_oob(void)
{
	size_t size = 32;
	char *p = kmalloc(size, GFP_KERNEL);

	if (!p)
		return;
	/* Hidden from the compiler so that only KASAN sees the overflow. */
	OPTIMIZER_HIDE_VAR(size);
	pr_info("ainic_debug_test: byte past the end: %d\n", READ_ONCE(p[size]));
	kfree(p);
}

static void bug_lock_order(void)
{
	/* A then B, later B then A: lockdep reports the cycle without a hang. */
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);

	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
}

static void bug_atomic_sleep(void)
{
	void *p;

	/* GFP_KERNEL may sleep: not allowed under a spinlock. */
	spin_lock(&atomic_lock);
	p = kmalloc(16, GFP_KERNEL);
	spin_unlock(&atomic_lock);
	kfree(p);
}

static const struct {
	const char *name;
	void (*commit)(void);
} bugs[] = {
	{ "leak", bug_leak },
	{ "oob", bug_oob },
	{ "lock-order", bug_lock_order },
	{ "atomic-sleep", bug_atomic_sleep },
};

static ssize_t trigger_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[32];
	size_t i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);
	for (i = 0; i < ARRAY_SIZE(bugs); i++) {
		if (!strcmp(buf, bugs[i].name)) {
			pr_info("ainic_debug_test: committing bug \"%s\"\n", buf);
			bugs[i].commit();
			return len;
		}
	}
	return -EINVAL;
}

static const struct file_operations trigger_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = trigger_write,
};

static int __init ainic_debug_test_init(void)
{
	debug_dir = debugfs_create_dir("ainic_debug_test", NULL);
	debugfs_create_file("trigger", 0200, debug_dir, NULL, &trigger_fops);
	return 0;
}
module_init(ainic_debug_test_init);

static void __exit ainic_debug_test_exit(void)
{
	debugfs_remove(debug_dir);
}
module_exit(ainic_debug_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Commits one deliberate bug on request, to test the ainic debug lane");
