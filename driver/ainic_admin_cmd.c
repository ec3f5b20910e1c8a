// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: typed admin commands, in the manner of EFA's efa_com_cmd.c.
 *
 * Every command the driver sends is built here, from typed arguments,
 * with its MBZ fields zero (§4). Each returns 0 or a negative errno: the
 * device's status mapped by ainic_admin_status_errno() (an undefined
 * status becomes -EIO), or the queue's own errors (-ETIMEDOUT, -EIO once
 * stopped, -ENODEV). The command buffers live on the stack and are wiped
 * on return, as the ASQ slot is once completed.
 */

#include <linux/etherdevice.h>
#include <linux/string.h>

#include "ainic.h"
#include "ainic_admin_cmd.h"

/* Run @cmd; fill @result from the completion when it is not NULL */
static int ainic_cmd_exec(struct ainic_dev *adev, struct ainic_admin_cmd *cmd,
			  u32 *result)
{
	struct ainic_admin_comp comp;
	int err;

	err = ainic_admin_exec(&adev->admin, cmd, &comp);
	if (!err && result)
		*result = le32_to_cpu(comp.result);
	memzero_explicit(cmd, sizeof(*cmd));

	return err;
}

/**
 * ainic_cmd_nop() - NOP, which echoes its cookie
 * @adev: device
 * @cookie: echoed, low 32 bits, in @result
 * @result: the completion's result, may be NULL
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno.
 */
int ainic_cmd_nop(struct ainic_dev *adev, u64 cookie, u32 *result)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_NOP;
	cmd.nop.cookie = cpu_to_le64(cookie);

	return ainic_cmd_exec(adev, &cmd, result);
}

/**
 * ainic_cmd_identify() - IDENTIFY into a DMA buffer
 * @adev: device
 * @buf: bus address of the buffer
 * @len: its length, at least sizeof(struct ainic_identity)
 * @written: bytes the device wrote
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno.
 */
int ainic_cmd_identify(struct ainic_dev *adev, dma_addr_t buf, u32 len,
		       u32 *written)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_IDENTIFY;
	cmd.identify.buf_addr = cpu_to_le64(buf);
	cmd.identify.buf_len = cpu_to_le32(len);
	cmd.identify.driver_version =
		cpu_to_le32(AINIC_IF_VERSION(AINIC_IF_VERSION_MAJOR,
					     AINIC_IF_VERSION_MINOR));

	return ainic_cmd_exec(adev, &cmd, written);
}

/**
 * ainic_cmd_port_config() - PORT_CONFIG
 * @adev: device
 * @valid: AINIC_PORT_CFG_MTU, AINIC_PORT_CFG_MAC, AINIC_PORT_CFG_XPORT
 *	and/or AINIC_PORT_CFG_RX_COALESCE
 * @mtu: with AINIC_PORT_CFG_MTU
 * @mac: with AINIC_PORT_CFG_MAC, else may be NULL
 * @xport: with AINIC_PORT_CFG_XPORT, enum ainic_xport_policy
 * @rx_coal_bufs: with AINIC_PORT_CFG_RX_COALESCE: 0 turns receive
 *	coalescing off, else on with at most this many buffers per frame
 *
 * Context: process; sleeps.
 * Return: 0, -ERANGE for an MTU the device refuses, -EINVAL, or another
 * negative errno.
 */
int ainic_cmd_port_config(struct ainic_dev *adev, u32 valid, u32 mtu,
			  const u8 *mac, u32 xport, u8 rx_coal_bufs)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_PORT_CONFIG;
	cmd.port_config.valid = cpu_to_le32(valid);
	if (valid & AINIC_PORT_CFG_MTU)
		cmd.port_config.mtu = cpu_to_le32(mtu);
	if ((valid & AINIC_PORT_CFG_MAC) && mac)
		ether_addr_copy(cmd.port_config.mac, mac);
	if (valid & AINIC_PORT_CFG_XPORT)
		cmd.port_config.xport = cpu_to_le32(xport);
	if (valid & AINIC_PORT_CFG_RX_COALESCE) {
		cmd.port_config.rx_coalesce = !!rx_coal_bufs;
		cmd.port_config.rx_coalesce_max_bufs = rx_coal_bufs;
	}

	return ainic_cmd_exec(adev, &cmd, NULL);
}

/**
 * ainic_cmd_stats_get() - STATS_GET into a DMA buffer
 * @adev: device
 * @buf: bus address of the buffer
 * @len: its length, at least sizeof(struct ainic_dev_stats)
 * @written: bytes the device wrote
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno.
 */
int ainic_cmd_stats_get(struct ainic_dev *adev, dma_addr_t buf, u32 len,
			u32 *written)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_STATS_GET;
	cmd.stats_get.buf_addr = cpu_to_le64(buf);
	cmd.stats_get.buf_len = cpu_to_le32(len);

	return ainic_cmd_exec(adev, &cmd, written);
}

/**
 * ainic_cmd_q_create() - Q_CREATE of a CQ, TXQ or RXQ (§4.2)
 * @adev: device
 * @qtype: enum ainic_qtype
 * @qid: queue id
 * @cq_id: TXQ/RXQ: its completion queue
 * @vector: CQ: its MSI-X vector
 * @log2: entries, log2
 * @ring: bus address of the ring
 * @flags: AINIC_Q_F_*
 * @buf_size: RXQ: bytes per buffer
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno.
 */
int ainic_cmd_q_create(struct ainic_dev *adev, u8 qtype, u16 qid, u16 cq_id,
		       u16 vector, unsigned int log2, dma_addr_t ring,
		       u32 flags, u32 buf_size)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_Q_CREATE;
	cmd.q_create.qtype = qtype;
	cmd.q_create.log2_entries = log2;
	cmd.q_create.qid = cpu_to_le16(qid);
	cmd.q_create.cq_id = cpu_to_le16(cq_id);
	cmd.q_create.vector = cpu_to_le16(vector);
	cmd.q_create.ring_addr = cpu_to_le64(ring);
	cmd.q_create.flags = cpu_to_le32(flags);
	cmd.q_create.buf_size = cpu_to_le32(buf_size);

	return ainic_cmd_exec(adev, &cmd, NULL);
}

/**
 * ainic_cmd_q_destroy() - Q_DESTROY
 * @adev: device
 * @qtype: enum ainic_qtype
 * @qid: queue id
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno; on failure the device may still use the
 * queue's memory (see ainic_qps_stop()).
 */
int ainic_cmd_q_destroy(struct ainic_dev *adev, u8 qtype, u16 qid)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_Q_DESTROY;
	cmd.q_destroy.qtype = qtype;
	cmd.q_destroy.qid = cpu_to_le16(qid);

	return ainic_cmd_exec(adev, &cmd, NULL);
}

/**
 * ainic_cmd_conn_create() - CONN_CREATE (§10.2)
 * @adev: device
 * @peer: MAC of the peer NIC
 * @conn_id: the new connection's id, or with -EEXIST the existing one's
 *
 * Context: process; sleeps.
 * Return: 0, -EEXIST, -EINVAL (multicast, zero or own MAC), -ENOSPC (table
 * full), -EOPNOTSUPP, or another negative errno.
 */
int ainic_cmd_conn_create(struct ainic_dev *adev, const u8 *peer,
			  u32 *conn_id)
{
	struct ainic_admin_cmd cmd = {};
	struct ainic_admin_comp comp;
	int err;

	cmd.hdr.opcode = AINIC_OP_CONN_CREATE;
	ether_addr_copy(cmd.conn_create.peer_mac, peer);

	/* The result also means something with EEXIST */
	err = ainic_admin_exec(&adev->admin, &cmd, &comp);
	if (!err || err == -EEXIST)
		*conn_id = le32_to_cpu(comp.result);
	memzero_explicit(&cmd, sizeof(cmd));

	return err;
}

/**
 * ainic_cmd_conn_destroy() - CONN_DESTROY
 * @adev: device
 * @conn_id: connection id
 *
 * Context: process; sleeps.
 * Return: 0, -ENOENT for a free slot, or another negative errno.
 */
int ainic_cmd_conn_destroy(struct ainic_dev *adev, u32 conn_id)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_CONN_DESTROY;
	cmd.conn_destroy.conn_id = cpu_to_le32(conn_id);

	return ainic_cmd_exec(adev, &cmd, NULL);
}

/**
 * ainic_cmd_conn_query() - CONN_QUERY into a DMA buffer
 * @adev: device
 * @conn_id: connection id
 * @buf: bus address of the buffer
 * @len: its length, at least sizeof(struct ainic_conn_info)
 * @written: bytes the device wrote
 *
 * Context: process; sleeps.
 * Return: 0, -ENOENT for a free slot, or another negative errno.
 */
int ainic_cmd_conn_query(struct ainic_dev *adev, u32 conn_id, dma_addr_t buf,
			 u32 len, u32 *written)
{
	struct ainic_admin_cmd cmd = {};

	cmd.hdr.opcode = AINIC_OP_CONN_QUERY;
	cmd.conn_query.conn_id = cpu_to_le32(conn_id);
	cmd.conn_query.buf_addr = cpu_to_le64(buf);
	cmd.conn_query.buf_len = cpu_to_le32(len);

	return ainic_cmd_exec(adev, &cmd, written);
}
