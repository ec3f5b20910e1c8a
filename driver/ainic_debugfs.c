// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: debugfs, /sys/kernel/debug/ainic/<pci-name>/
 *
 *  admin_stress  write N: issue N NOP commands with distinct random
 *                cookies, several outstanding at once, and check that each
 *                completion's result is its cookie's low 32 bits.
 *                read: "issued N completed N mismatched M errors E
 *                timeouts T stale S" for the last run.
 *  regs          the main BAR0 registers and the driver's ring state.
 *
 * Nothing here may fail probe: debugfs errors are ignored.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ainic.h"
#include "ainic_debugfs.h"

/* Upper bound of one admin_stress run */
#define AINIC_STRESS_MAX	BIT(24)
/* Commands kept outstanding by admin_stress */
#define AINIC_STRESS_WINDOW	min(16, AINIC_ADMINQ_DEPTH - 1)

static struct dentry *ainic_dbg_root;

/**
 * struct ainic_stress_slot - one outstanding admin_stress command
 * @wait: its tracking structure
 * @expect: the result it must complete with
 * @busy: submitted and not reaped yet
 */
struct ainic_stress_slot {
	struct ainic_admin_wait wait;
	u32 expect;
	bool busy;
};

/* Wait for one stress command and account for it; true: stop issuing. */
static bool ainic_stress_reap(struct ainic_dev *adev,
			      struct ainic_stress_slot *s,
			      struct ainic_stress_res *res)
{
	int err;

	err = ainic_admin_wait(&adev->admin, &s->wait);
	s->busy = false;

	if (s->wait.has_comp) {
		res->completed++;
		if (s->wait.comp.status)
			res->errors++;
		else if (le32_to_cpu(s->wait.comp.result) != s->expect)
			res->mismatched++;
		return false;
	}

	if (err == -ETIMEDOUT)
		res->timeouts++;
	else
		res->errors++;

	/* The queue is stuck or stopped: stop issuing */
	return true;
}

/**
 * ainic_admin_stress() - issue @count NOPs, keeping several outstanding
 * @adev: device
 * @count: commands to issue
 * @res: results of the run
 *
 * The low 32 bits of the cookies are distinct (a random base plus the
 * command's number), so a completion delivered to the wrong command is
 * seen as a mismatch. Stops issuing at the first failed submission,
 * timeout or stopped queue, when a signal is pending and when the device
 * is being removed.
 *
 * Context: process; sleeps. Caller holds stress_lock.
 * Return: 0, -EINTR when interrupted by a signal, or -ENOMEM.
 */
static int ainic_admin_stress(struct ainic_dev *adev, u32 count,
			      struct ainic_stress_res *res)
{
	const unsigned int window = AINIC_STRESS_WINDOW;
	struct ainic_admin_stats before, after;
	struct ainic_stress_slot *slots, *s;
	struct ainic_admin_cmd cmd;
	u32 base = get_random_u32();
	bool stop = false;
	unsigned int j;
	u64 cookie;
	int err = 0;
	u32 i;

	slots = kcalloc(window, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;

	memset(res, 0, sizeof(*res));
	ainic_admin_get_stats(&adev->admin, &before);

	for (i = 0; i < count && !stop; i++) {
		s = &slots[i % window];
		if (s->busy && ainic_stress_reap(adev, s, res))
			break;

		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (test_bit(AINIC_FLAG_REMOVING, &adev->flags))
			break;

		cookie = (u64)get_random_u32() << 32 | (u32)(base + i);
		memset(&cmd, 0, sizeof(cmd));
		cmd.hdr.opcode = AINIC_OP_NOP;
		cmd.nop.cookie = cpu_to_le64(cookie);

		if (ainic_admin_submit(&adev->admin, &cmd, &s->wait)) {
			res->errors++;
			stop = true;
			continue;
		}
		s->expect = lower_32_bits(cookie);
		s->busy = true;
		res->issued++;
	}

	/* Reap what is still outstanding */
	for (j = 0; j < window; j++) {
		if (slots[j].busy)
			ainic_stress_reap(adev, &slots[j], res);
	}

	ainic_admin_get_stats(&adev->admin, &after);
	res->stale = after.stale - before.stale;

	kfree(slots);
	return err;
}

static ssize_t ainic_dbg_stress_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	struct ainic_dev *adev = file->private_data;
	struct ainic_stress_res res;
	char buf[192];
	int len;

	if (mutex_lock_interruptible(&adev->stress_lock))
		return -EINTR;
	res = adev->stress;
	mutex_unlock(&adev->stress_lock);

	len = scnprintf(buf, sizeof(buf),
			"issued %llu completed %llu mismatched %llu errors %llu timeouts %llu stale %llu\n",
			res.issued, res.completed, res.mismatched, res.errors,
			res.timeouts, res.stale);

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t ainic_dbg_stress_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct ainic_dev *adev = file->private_data;
	u32 n;
	int err;

	err = kstrtou32_from_user(ubuf, count, 0, &n);
	if (err)
		return err;
	if (n > AINIC_STRESS_MAX)
		return -EINVAL;

	if (mutex_lock_interruptible(&adev->stress_lock))
		return -EINTR;
	err = ainic_admin_stress(adev, n, &adev->stress);
	mutex_unlock(&adev->stress_lock);

	return err ? err : count;
}

static const struct file_operations ainic_dbg_stress_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= ainic_dbg_stress_read,
	.write	= ainic_dbg_stress_write,
	.llseek	= default_llseek,
};

struct ainic_dbg_reg {
	const char *name;
	u32 offset;
};

#define AINIC_DBG_REG(r)	{ #r, AINIC_REG_##r }

static const struct ainic_dbg_reg ainic_dbg_regs[] = {
	AINIC_DBG_REG(MAGIC),
	AINIC_DBG_REG(IF_VERSION),
	AINIC_DBG_REG(CAPS_LO),
	AINIC_DBG_REG(CAPS_HI),
	AINIC_DBG_REG(DEV_CTRL),
	AINIC_DBG_REG(DEV_STATUS),
	AINIC_DBG_REG(DEV_ERROR),
	AINIC_DBG_REG(NUM_VECTORS),
	AINIC_DBG_REG(MAX_QPS),
	AINIC_DBG_REG(ADMIN_TIMEOUT),
	AINIC_DBG_REG(ASQ_BASE_LO),
	AINIC_DBG_REG(ASQ_BASE_HI),
	AINIC_DBG_REG(ASQ_SIZE),
	AINIC_DBG_REG(ASQ_TAIL),
	AINIC_DBG_REG(ASQ_HEAD),
	AINIC_DBG_REG(ACQ_BASE_LO),
	AINIC_DBG_REG(ACQ_BASE_HI),
	AINIC_DBG_REG(ACQ_SIZE),
	AINIC_DBG_REG(EQ_BASE_LO),
	AINIC_DBG_REG(EQ_BASE_HI),
	AINIC_DBG_REG(EQ_SIZE),
	AINIC_DBG_REG(EQ_HEAD),
	AINIC_DBG_REG(TEST_DMA_STATUS),
};

static int ainic_dbg_regs_show(struct seq_file *m, void *unused)
{
	struct ainic_dev *adev = m->private;
	u16 sq_tail, cq_head, eq_head;
	u8 cq_phase, eq_phase;
	unsigned int i;
	bool running;

	for (i = 0; i < ARRAY_SIZE(ainic_dbg_regs); i++)
		seq_printf(m, "%-16s 0x%04x 0x%08x\n", ainic_dbg_regs[i].name,
			   ainic_dbg_regs[i].offset,
			   ainic_rd32(adev, ainic_dbg_regs[i].offset));

	for (i = 0; i < adev->num_irqs; i++)
		seq_printf(m, "INTR_MASK(%-2u)    0x%04x 0x%08x\n", i,
			   AINIC_REG_INTR_MASK(i),
			   ainic_rd32(adev, AINIC_REG_INTR_MASK(i)));

	ainic_admin_get_state(&adev->admin, &sq_tail, &cq_head, &cq_phase,
			      &running);
	ainic_event_get_state(&adev->eq, &eq_head, &eq_phase);
	seq_printf(m, "driver: asq tail %u acq head %u colour %u %s, eq head %u colour %u, depth %u/%u\n",
		   sq_tail, cq_head, cq_phase,
		   running ? "running" : "stopped", eq_head, eq_phase,
		   AINIC_ADMINQ_DEPTH, AINIC_EQ_DEPTH);
	seq_printf(m, "driver: device %s\n",
		   ainic_present(adev) ? "present" : "gone");

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ainic_dbg_regs);

/**
 * ainic_debugfs_dev_add() - create the device's debugfs directory
 * @adev: device
 */
void ainic_debugfs_dev_add(struct ainic_dev *adev)
{
	adev->dbg_dir = debugfs_create_dir(pci_name(adev->pdev),
					   ainic_dbg_root);
	debugfs_create_file("admin_stress", 0600, adev->dbg_dir, adev,
			    &ainic_dbg_stress_fops);
	debugfs_create_file("regs", 0400, adev->dbg_dir, adev,
			    &ainic_dbg_regs_fops);
}

/**
 * ainic_debugfs_dev_del() - remove the device's debugfs directory
 * @adev: device
 *
 * Waits for file operations in progress (an admin_stress run included).
 */
void ainic_debugfs_dev_del(struct ainic_dev *adev)
{
	debugfs_remove(adev->dbg_dir);
	adev->dbg_dir = NULL;
}

void ainic_debugfs_init(void)
{
	ainic_dbg_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

void ainic_debugfs_exit(void)
{
	debugfs_remove(ainic_dbg_root);
	ainic_dbg_root = NULL;
}
