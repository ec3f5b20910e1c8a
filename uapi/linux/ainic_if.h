/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * ainic device interface: the one definition of the hardware contract,
 * shared by the Linux driver (driver/) and the device model (qemu-device/).
 * The prose specification is uapi/ainic-device.md; keep the two in step.
 *
 * All multi-byte fields in device memory (registers, rings, commands) are
 * little-endian; all fields on the wire (transport, security headers) are
 * big-endian (network order). Masks are plain constants so that the kernel
 * can use them with FIELD_GET()/FIELD_PREP() and the model with shifts.
 *
 * Compatibility rules: AINIC_IF_VERSION_MAJOR changes only on an
 * incompatible change, and a driver refuses a device with another major.
 * Everything else grows compatibly: new registers in reserved space, new
 * opcodes, new fields in reserved bytes (which must be zero), and new
 * capability bits that a driver only relies on after testing them.
 */
#ifndef _UAPI_LINUX_AINIC_IF_H
#define _UAPI_LINUX_AINIC_IF_H

#include <linux/types.h>

/* ---- PCI identity -------------------------------------------------- */

#define AINIC_PCI_VENDOR_ID		0x1af4	/* Red Hat, Inc. (QEMU) */
#define AINIC_PCI_DEVICE_ID		0x10f0	/* experimental range 10f0-10ff */
#define AINIC_PCI_REVISION		0x01
#define AINIC_PCI_CLASS			0x020000 /* Ethernet controller */

#define AINIC_BAR_REGS			0	/* BAR0: registers, 64 KiB */
#define AINIC_BAR_MSIX			2	/* BAR2: MSI-X table and PBA */
#define AINIC_BAR0_SIZE			0x10000

/* ---- Interface version and capabilities ----------------------------- */

#define AINIC_IF_VERSION_MAJOR		1
#define AINIC_IF_VERSION_MINOR		0
#define AINIC_IF_VERSION(maj, min)	(((maj) << 16) | (min))
#define AINIC_IF_VERSION_MAJOR_OF(v)	((v) >> 16)
#define AINIC_IF_VERSION_MINOR_OF(v)	((v) & 0xffff)

/* Capability bits (AINIC_REG_CAPS, struct ainic_identity.caps) */
#define AINIC_CAP_SELFTEST		(1ULL << 0)	/* self-test registers */
#define AINIC_CAP_EVENTQ		(1ULL << 1)	/* async event queue */
#define AINIC_CAP_DATAPATH		(1ULL << 2)	/* TX/RX queues move frames */
#define AINIC_CAP_TX_SG			(1ULL << 3)	/* multi-descriptor TX */
#define AINIC_CAP_TX_CSUM		(1ULL << 4)	/* TX checksum offload */
#define AINIC_CAP_RX_CSUM		(1ULL << 5)	/* RX checksum validation */
#define AINIC_CAP_TSO			(1ULL << 6)	/* TX segmentation offload */
#define AINIC_CAP_RX_COALESCE		(1ULL << 7)	/* RX segment coalescing */
#define AINIC_CAP_INTR_MODERATION	(1ULL << 8)
#define AINIC_CAP_JUMBO			(1ULL << 9)	/* MTU up to 9000 */
#define AINIC_CAP_RELIABLE		(1ULL << 16)	/* PSN/ACK/SACK transport */
#define AINIC_CAP_CRYPTO		(1ULL << 17)	/* AES-GCM, PSP-style keys */
#define AINIC_CAP_CC_DCQCN		(1ULL << 18)	/* DCQCN congestion control */
#define AINIC_CAP_CC_DELAY		(1ULL << 19)	/* timestamps for delay CC */

/* ---- BAR0 register map (byte offsets, 32-bit access only) ----------- */

#define AINIC_REG_MAGIC			0x0000	/* RO: AINIC_MAGIC */
#define AINIC_REG_IF_VERSION		0x0004	/* RO: AINIC_IF_VERSION() */
#define AINIC_REG_CAPS_LO		0x0008	/* RO: capability bits 31:0 */
#define AINIC_REG_CAPS_HI		0x000c	/* RO: capability bits 63:32 */
#define AINIC_REG_DEV_CTRL		0x0010	/* RW: AINIC_CTRL_* */
#define AINIC_REG_DEV_STATUS		0x0014	/* RO: AINIC_STATUS_* */
#define AINIC_REG_DEV_ERROR		0x0018	/* RO: AINIC_ERR_* of last fatal */
#define AINIC_REG_NUM_VECTORS		0x001c	/* RO: MSI-X vectors */
#define AINIC_REG_MAX_QPS		0x0020	/* RO: queue pairs */
#define AINIC_REG_ADMIN_TIMEOUT		0x0024	/* RO: admin cmd budget, ms */

#define AINIC_MAGIC			0x43494e41	/* "ANIC" */

/* DEV_CTRL */
#define AINIC_CTRL_RESET		(1U << 0)	/* W1: reset; self-clearing */
#define AINIC_CTRL_ENABLE		(1U << 1)	/* admin + event queues on */

/* DEV_STATUS */
#define AINIC_STATUS_READY		(1U << 0)	/* reset done, regs usable */
#define AINIC_STATUS_ENABLED		(1U << 1)	/* ENABLE accepted */
#define AINIC_STATUS_FATAL		(1U << 2)	/* see DEV_ERROR; reset */
#define AINIC_STATUS_LINK_UP		(1U << 3)

/* DEV_ERROR: why the device went FATAL or refused ENABLE */
#define AINIC_ERR_NONE			0
#define AINIC_ERR_ADMINQ_CONFIG		1	/* bad admin queue base/size */
#define AINIC_ERR_EVENTQ_CONFIG		2	/* bad event queue base/size */
#define AINIC_ERR_DMA			3	/* DMA to/from host failed */
#define AINIC_ERR_INTERNAL		4

/* Admin submission queue (64-byte commands) and completion queue */
#define AINIC_REG_ASQ_BASE_LO		0x0040
#define AINIC_REG_ASQ_BASE_HI		0x0044
#define AINIC_REG_ASQ_SIZE		0x0048	/* entries, power of 2 */
#define AINIC_REG_ASQ_TAIL		0x004c	/* doorbell: producer index */
#define AINIC_REG_ASQ_HEAD		0x0050	/* RO: consumer index */
#define AINIC_REG_ACQ_BASE_LO		0x0054
#define AINIC_REG_ACQ_BASE_HI		0x0058
#define AINIC_REG_ACQ_SIZE		0x005c	/* entries, power of 2 */

/* Async event queue (16-byte events) */
#define AINIC_REG_EQ_BASE_LO		0x0060
#define AINIC_REG_EQ_BASE_HI		0x0064
#define AINIC_REG_EQ_SIZE		0x0068	/* entries, power of 2 */
#define AINIC_REG_EQ_HEAD		0x006c	/* doorbell: consumer index */

#define AINIC_ADMINQ_MIN_ENTRIES	2
#define AINIC_ADMINQ_MAX_ENTRIES	4096
#define AINIC_EQ_MIN_ENTRIES		2
#define AINIC_EQ_MAX_ENTRIES		4096
#define AINIC_RING_ALIGN		64	/* every ring base address */

/* Self-test block */
#define AINIC_REG_TEST_ECHO		0x0100	/* RW: reads back ~value */
#define AINIC_REG_TEST_IRQ		0x0104	/* W: raise MSI-X vector N */
#define AINIC_REG_TEST_DMA_ADDR_LO	0x0108
#define AINIC_REG_TEST_DMA_ADDR_HI	0x010c
#define AINIC_REG_TEST_DMA_LEN		0x0110	/* bytes, <= TEST_DMA_MAX */
#define AINIC_REG_TEST_DMA_PATTERN	0x0114	/* fill byte in bits 7:0 */
#define AINIC_REG_TEST_DMA_CTRL		0x0118	/* W: AINIC_TEST_DMA_*, sync */
#define AINIC_REG_TEST_DMA_STATUS	0x011c	/* RO: AINIC_TEST_STS_* */

#define AINIC_TEST_DMA_MAX		4096
#define AINIC_TEST_DMA_FILL		1	/* write pattern to buffer */
#define AINIC_TEST_DMA_INVERT		2	/* read buffer, write ~buffer */
#define AINIC_TEST_STS_DONE		(1U << 0)
#define AINIC_TEST_STS_ERROR		(1U << 1)

/*
 * Interrupt control, one 16-byte block per MSI-X vector. MASK lets NAPI
 * keep a vector quiet without touching the MSI-X table; a cause raised
 * while masked is remembered and fires on unmask. COAL_USECS delays an
 * interrupt so that completions arriving within the window share it.
 */
#define AINIC_REG_INTR_BASE		0x0800
#define AINIC_REG_INTR_STRIDE		0x10
#define AINIC_REG_INTR_MASK(v)		(AINIC_REG_INTR_BASE + (v) * AINIC_REG_INTR_STRIDE + 0x0)
#define AINIC_REG_INTR_COAL_USECS(v)	(AINIC_REG_INTR_BASE + (v) * AINIC_REG_INTR_STRIDE + 0x4)
#define AINIC_REG_INTR_COAL_FRAMES(v)	(AINIC_REG_INTR_BASE + (v) * AINIC_REG_INTR_STRIDE + 0x8)
#define AINIC_MAX_VECTORS		65	/* vector 0 + 64 queue pairs */

/*
 * MSI-X vector map: vector 0 serves the admin completion queue, the event
 * queue and TEST_IRQ; queue pair N uses vector N + 1 for both of its
 * completion queues.
 */
#define AINIC_VEC_ADMIN			0
#define AINIC_VEC_QP(n)			((n) + 1)

/*
 * Doorbells, one 16-byte block per queue pair. TX and RX take the new
 * producer index; the CQ doorbells take the new consumer index, which
 * returns completion slots to the device.
 */
#define AINIC_REG_DB_BASE		0x2000
#define AINIC_REG_DB_STRIDE		0x10
#define AINIC_REG_DB_TXQ(n)		(AINIC_REG_DB_BASE + (n) * AINIC_REG_DB_STRIDE + 0x0)
#define AINIC_REG_DB_RXQ(n)		(AINIC_REG_DB_BASE + (n) * AINIC_REG_DB_STRIDE + 0x4)
#define AINIC_REG_DB_TXCQ(n)		(AINIC_REG_DB_BASE + (n) * AINIC_REG_DB_STRIDE + 0x8)
#define AINIC_REG_DB_RXCQ(n)		(AINIC_REG_DB_BASE + (n) * AINIC_REG_DB_STRIDE + 0xc)
#define AINIC_MAX_QPS			64

/* ---- Status codes (admin completions, CQEs): the errno they mean ---- */

enum ainic_status {
	AINIC_STS_OK		= 0,
	AINIC_STS_EPERM		= 1,
	AINIC_STS_ENOENT	= 2,
	AINIC_STS_EIO		= 5,
	AINIC_STS_EAGAIN	= 11,
	AINIC_STS_ENOMEM	= 12,
	AINIC_STS_EFAULT	= 14,	/* a DMA address was unusable */
	AINIC_STS_EBUSY		= 16,
	AINIC_STS_EEXIST	= 17,
	AINIC_STS_EINVAL	= 22,
	AINIC_STS_ENOSPC	= 28,
	AINIC_STS_ERANGE	= 34,
	AINIC_STS_EMSGSIZE	= 90,
	AINIC_STS_EOPNOTSUPP	= 95,
	AINIC_STS_ETIMEDOUT	= 110,
};

/* ---- Admin queue ---------------------------------------------------- */

/* Opcodes, grouped by object in ranges of 16 */
enum ainic_admin_opcode {
	AINIC_OP_NOP			= 0x00,	/* echoes cookie into result */
	AINIC_OP_IDENTIFY		= 0x01,	/* DMA struct ainic_identity */
	AINIC_OP_PORT_CONFIG		= 0x02,	/* MTU, MAC */
	AINIC_OP_STATS_GET		= 0x03,	/* DMA struct ainic_dev_stats */

	AINIC_OP_Q_CREATE		= 0x10,
	AINIC_OP_Q_DESTROY		= 0x11,

	AINIC_OP_CONN_CREATE		= 0x20,
	AINIC_OP_CONN_DESTROY		= 0x21,
	AINIC_OP_CONN_QUERY		= 0x22,

	AINIC_OP_KEY_SET_MASTER		= 0x30,
	AINIC_OP_KEY_ROTATE		= 0x31,
	AINIC_OP_SA_ADD			= 0x32,
	AINIC_OP_SA_DEL			= 0x33,

	AINIC_OP_CC_SET			= 0x40,
	AINIC_OP_CC_GET			= 0x41,
};

/* Command flags */
#define AINIC_CMD_F_NO_COMP		(1U << 0)	/* reserved; MBZ */

/* Common 8-byte header of every admin command */
struct ainic_admin_hdr {
	__u8	opcode;		/* enum ainic_admin_opcode */
	__u8	flags;
	__le16	cmd_id;		/* echoed in the completion */
	__le32	rsvd;		/* MBZ */
};

struct ainic_cmd_nop {
	__le64	cookie;		/* completion result = low 32 bits */
};

/* IDENTIFY: the device writes struct ainic_identity to buf_addr */
struct ainic_cmd_identify {
	__le64	buf_addr;
	__le32	buf_len;	/* >= sizeof(struct ainic_identity) */
	__le32	driver_version;	/* informational */
};

/* PORT_CONFIG: fields whose valid bit is set are applied */
#define AINIC_PORT_CFG_MTU		(1U << 0)
#define AINIC_PORT_CFG_MAC		(1U << 1)
#define AINIC_PORT_CFG_UNDERLAY_IP	(1U << 2)
#define AINIC_PORT_CFG_XPORT		(1U << 3)	/* transport policy */
#define AINIC_PORT_CFG_RX_COALESCE	(1U << 4)	/* needs AINIC_CAP_RX_COALESCE */

/* Transport policy (PORT_CONFIG xport); reset: RELIABLE with the cap */
enum ainic_xport_policy {
	AINIC_XPORT_RAW		= 0,	/* every frame as a RAW datagram */
	AINIC_XPORT_RELIABLE	= 1,	/* unicast over connections (§10) */
};
struct ainic_cmd_port_config {
	__le32	valid;
	__le32	mtu;		/* 68 .. identity.max_mtu */
	__u8	mac[6];
	__u8	rsvd[2];
	__be32	underlay_ip;	/* outer IPv4 source of RAW packets */
	__le32	xport;		/* enum ainic_xport_policy */
	__u8	rx_coalesce;	/* 1 on, 0 off (reset: off) */
	__u8	rx_coalesce_max_bufs; /* on: most RX buffers per frame, >= 1 */
	__u8	rsvd1[2];	/* MBZ */
};

/* STATS_GET: the device writes struct ainic_dev_stats to buf_addr */
struct ainic_cmd_stats_get {
	__le64	buf_addr;
	__le32	buf_len;
	__le32	rsvd;
};

/* Queue types */
enum ainic_qtype {
	AINIC_QTYPE_TXQ	= 1,	/* struct ainic_tx_desc ring */
	AINIC_QTYPE_RXQ	= 2,	/* struct ainic_rx_desc ring */
	AINIC_QTYPE_CQ	= 3,	/* struct ainic_cqe ring */
};

/*
 * Q_CREATE: a TXQ or RXQ names the CQ its completions go to, which must
 * exist; a CQ names its MSI-X vector. qid is the queue-pair index for
 * TXQ/RXQ; a CQ's qid is 2 * qp (TX) or 2 * qp + 1 (RX).
 */
#define AINIC_Q_F_IRQ_ENABLE		(1U << 0)	/* CQ: raise its vector */
struct ainic_cmd_q_create {
	__u8	qtype;		/* enum ainic_qtype */
	__u8	log2_entries;	/* AINIC_RING_MIN_LOG2 .. _MAX_LOG2 */
	__le16	qid;
	__le16	cq_id;		/* TXQ/RXQ: completion queue */
	__le16	vector;		/* CQ: MSI-X vector */
	__le64	ring_addr;	/* AINIC_RING_ALIGN aligned */
	__le32	flags;		/* AINIC_Q_F_* */
	__le32	buf_size;	/* RXQ: bytes per posted buffer */
};

struct ainic_cmd_q_destroy {
	__u8	qtype;
	__u8	rsvd;
	__le16	qid;
};

#define AINIC_RING_MIN_LOG2		6	/* 64 entries */
#define AINIC_RING_MAX_LOG2		14	/* 16384 entries */

/*
 * CONN_CREATE: a connection to the peer NIC with this MAC, before any
 * traffic (connections are also made on demand, §10.1); result: its id.
 */
struct ainic_cmd_conn_create {
	__u8	peer_mac[6];
	__u8	rsvd[2];
};

/* CONN_DESTROY: free the slot; what it holds is dropped and counted */
struct ainic_cmd_conn_destroy {
	__le32	conn_id;
};

/*
 * Connection states (§10.2), CONN_STATE event data and conn_info.state.
 * A connection is one slot per peer NIC; its state is its send side's.
 */
enum ainic_conn_state {
	AINIC_CONN_FREE		= 0,	/* slot unused */
	AINIC_CONN_IDLE		= 1,	/* receives only: nothing sent yet */
	AINIC_CONN_SYN_SENT	= 2,	/* sending with SYN until an ACK */
	AINIC_CONN_ESTABLISHED	= 3,
	AINIC_CONN_ERROR	= 4,	/* retry limit reached: held down */
};

/* CONN_QUERY: DMA struct ainic_conn_info of conn_id to buf_addr */
#define AINIC_CONN_INFO_F_PINNED	(1U << 0)	/* CONN_CREATE: never reaped */
struct ainic_cmd_conn_query {
	__le32	conn_id;
	__le32	buf_len;
	__le64	buf_addr;
};

struct ainic_conn_info {
	__le32	conn_id;	/* slot, 1 .. max_conns */
	__u8	state;		/* enum ainic_conn_state */
	__u8	flags;		/* AINIC_CONN_INFO_F_* */
	__u8	peer_mac[6];
	__le32	tx_incarnation;	/* conn_id of our DATA on the wire */
	__le32	rx_incarnation;	/* the peer's, 0: none yet */
	__le32	snd_una;	/* oldest PSN not acknowledged */
	__le32	snd_nxt;	/* next PSN to send */
	__le32	rcv_nxt;	/* next PSN expected (cumulative ACK) */
	__le32	srtt_us;
	__le32	rttvar_us;
	__le32	rto_us;
	__le32	retries;	/* timeouts since the last progress */
	__le32	staged;		/* frames waiting for the window */
	__le32	rsvd1;
	__le64	tx_pkts;
	__le64	tx_bytes;
	__le64	rx_pkts;
	__le64	rx_bytes;
	__le64	retx_fast;
	__le64	retx_timeout;
	__le64	dup_dropped;
	__le64	ooo_buffered;
	__le64	nacks_sent;
	__le64	nacks_rcvd;
	__le64	rnr_sent;
	__le64	rnr_rcvd;
	__le64	rsvd2[5];
};

/* KEY_SET_MASTER: load a device master key into one phase slot */
struct ainic_cmd_key_set_master {
	__u8	phase;		/* 0 or 1: selected by the SPI's top bit */
	__u8	key_len;	/* 16 or 32 */
	__u8	rsvd[2];
	__le32	generation;
	__u8	key[32];
};

/* KEY_ROTATE: make the other phase current; the old one stays for RX */
struct ainic_cmd_key_rotate {
	__le32	generation;
};

/* SA_ADD/SA_DEL: bind a TX key (from the peer) to a connection */
struct ainic_cmd_sa {
	__le32	conn_id;
	__be32	spi;
	__u8	key_len;
	__u8	rsvd[3];
	__u8	key[32];
};

/* CC_SET/CC_GET: DCQCN parameters; names follow mlx5 roce_rp/roce_np */
struct ainic_cmd_cc {
	__le32	valid;		/* CC_SET: bit per field below */
	__le32	rpg_min_rate_mbps;
	__le32	rpg_ai_rate_mbps;
	__le32	rpg_hai_rate_mbps;
	__le32	rpg_time_reset_us;
	__le32	rpg_byte_reset;
	__le32	rpg_gd;		/* alpha gain shift */
	__le32	dce_tcp_g;
	__le32	min_time_between_cnps_us;
	__le32	cnp_dscp;
	__le32	rsvd[2];
};

struct ainic_admin_cmd {
	struct ainic_admin_hdr hdr;
	union {
		struct ainic_cmd_nop nop;
		struct ainic_cmd_identify identify;
		struct ainic_cmd_port_config port_config;
		struct ainic_cmd_stats_get stats_get;
		struct ainic_cmd_q_create q_create;
		struct ainic_cmd_q_destroy q_destroy;
		struct ainic_cmd_conn_create conn_create;
		struct ainic_cmd_conn_destroy conn_destroy;
		struct ainic_cmd_conn_query conn_query;
		struct ainic_cmd_key_set_master key_set_master;
		struct ainic_cmd_key_rotate key_rotate;
		struct ainic_cmd_sa sa;
		struct ainic_cmd_cc cc;
		__u8	data[56];
	};
};

/*
 * Admin completion. The device writes entries in ring order and flips
 * AINIC_COMP_COLOR each time it wraps; it starts at 1 after reset, so a
 * zeroed ring holds no valid entry. cmd_id matches the command's.
 */
#define AINIC_COMP_COLOR		(1U << 7)	/* in .flags */
struct ainic_admin_comp {
	__u8	status;		/* enum ainic_status */
	__u8	opcode;		/* of the command */
	__le16	cmd_id;
	__le16	sq_head;	/* device consumer index after this cmd */
	__le16	rsvd;
	__le32	result;		/* opcode-specific */
	__u8	rsvd2[3];
	__u8	flags;		/* AINIC_COMP_COLOR */
};

/* ---- Identity (IDENTIFY) -------------------------------------------- */

#define AINIC_SERIAL_LEN		32
#define AINIC_FW_VERSION_LEN		32
#define AINIC_MODEL_LEN			32

struct ainic_identity {
	union {
		struct {
			__le32	if_version;
			__le32	rsvd0;
			__le64	caps;
			__u8	mac[6];
			__le16	max_qps;
			__le16	num_vectors;
			__le16	max_sg;		/* TX descriptors per frame */
			__le32	min_mtu;
			__le32	max_mtu;
			__le32	link_speed_mbps;
			__le32	max_conns;
			__u8	max_ring_log2;
			__u8	min_ring_log2;
			__le16	rsvd1;
			__le32	admin_timeout_ms;
			char	serial[AINIC_SERIAL_LEN];
			char	fw_version[AINIC_FW_VERSION_LEN];
			char	model[AINIC_MODEL_LEN];
		};
		__le32	words[128];
	};
};

/* ---- Device statistics (STATS_GET), counters since reset ------------ */

struct ainic_dev_stats {
	union {
		struct {
			__le64	admin_cmds;
			__le64	admin_errors;
			__le64	events;
			__le64	events_dropped;	/* event queue was full */
			__le64	tx_packets;
			__le64	tx_bytes;
			__le64	rx_packets;
			__le64	rx_bytes;
			__le64	tx_errors;	/* bad descriptors, DMA faults */
			__le64	rx_dropped;	/* no buffer */
			__le64	rx_errors;
			/* Reliable transport (§10.6) */
			__le64	xport_tx_pkts;	/* DATA packets first sent */
			__le64	xport_tx_bytes;	/* their inner bytes */
			__le64	xport_rx_pkts;	/* DATA delivered to the host */
			__le64	xport_rx_bytes;
			__le64	xport_retx_fast; /* retransmitted on NACK/SACK */
			__le64	xport_retx_timeout; /* retransmitted on RTO */
			__le64	xport_rto_expired;
			__le64	xport_nacks_sent;
			__le64	xport_nacks_rcvd;
			__le64	xport_acks_sent;
			__le64	xport_acks_rcvd;
			__le64	xport_dup_dropped; /* DATA received twice */
			__le64	xport_ooo_buffered; /* DATA held out of order */
			__le64	xport_out_of_window; /* DATA beyond the window */
			__le64	xport_rnr_sent;	/* no room: receiver not ready */
			__le64	xport_rnr_rcvd;
			__le64	xport_bad_acks;	/* ACK/NACK for PSNs never sent */
			__le64	xport_unknown_conn; /* no state for conn_id */
			__le64	xport_retry_exhausted;
			__le64	xport_conns_created;
			__le64	xport_conns_reaped;
			__le64	xport_conns_refused; /* table full */
			__le64	xport_error_drops; /* frames for a failed conn */
			__le64	xport_malformed; /* bad transport packets */
			__le64	xport_timer_recovered; /* RTOs the watchdog fired */
			/* Receive coalescing (§7.5) */
			__le64	rx_coalesced_frames; /* frames of >= 2 segments */
			__le64	rx_coalesced_segs; /* segments in them */
			__le64	rx_coalesce_flush_timer; /* end of a burst */
			__le64	rx_coalesce_flush_limit; /* segs, bytes, bufs, room */
			__le64	rx_coalesce_flush_psh;
			__le64	rx_coalesce_flush_mismatch; /* flow frame not joining */
			__le64	rx_coalesce_flush_other; /* disable, backlog, evict */
			/* Reliable transport, continued */
			__le64	xport_rnr_dropped; /* refused, no RNR (§10.4) */
		};
		__le64	words[64];
	};
};

/*
 * STATS_GET with buf_len >= sizeof(struct ainic_dev_stats) + max_qps *
 * sizeof(struct ainic_qp_stats): one entry per queue pair follows the
 * device counters, and the result (bytes written) says so.
 */
struct ainic_qp_stats {
	__le64	rx_backlogged;	/* frames that waited in the RX backlog */
	__le64	rx_backlog_drops; /* dropped: no buffer, backlog full */
};

/* ---- Async events --------------------------------------------------- */

enum ainic_event_code {
	AINIC_EVENT_LINK_CHANGE		= 1,	/* data: 1 up, 0 down */
	AINIC_EVENT_FATAL		= 2,	/* data: AINIC_ERR_* */
	AINIC_EVENT_CONN_STATE		= 3,	/* id: conn, data: state */
	AINIC_EVENT_KEY_ROTATION	= 4,	/* data: new generation */
	AINIC_EVENT_HEARTBEAT		= 5,
};

/* Same colour rule as admin completions */
#define AINIC_EVENT_COLOR		(1U << 7)	/* in .flags */
struct ainic_event {
	__le16	code;		/* enum ainic_event_code */
	__le16	rsvd;
	__le32	id;
	__le32	data;
	__u8	rsvd2[3];
	__u8	flags;
};

/* ---- Data queues ---------------------------------------------------- */

/*
 * TX descriptor. A frame is one or more descriptors, the last with EOP;
 * offload fields are read from the first (SOP) descriptor only.
 */
#define AINIC_TXD_F_SOP			(1U << 0)
#define AINIC_TXD_F_EOP			(1U << 1)
#define AINIC_TXD_F_CSUM		(1U << 2)	/* insert L4 checksum */
#define AINIC_TXD_F_TSO			(1U << 3)	/* cut at mss */
#define AINIC_TXD_F_TSO_IPV6		(1U << 4)
#define AINIC_TXD_F_COMP		(1U << 5)	/* completion requested */
#define AINIC_TSO_MIN_MSS		88	/* smaller: EINVAL (Linux: TCP_MIN_MSS) */
#define AINIC_TSO_MAX_TCP_HDR		60	/* TCP header with options */
struct ainic_tx_desc {
	__le64	addr;
	__le32	len;
	__le16	flags;		/* AINIC_TXD_F_* */
	__le16	nr_frags;	/* SOP: descriptors in this frame */
	__le16	csum_start;	/* SOP: from frame start */
	__le16	csum_offset;	/* SOP: from csum_start */
	__le16	mss;		/* SOP with TSO */
	__le16	hdr_len;	/* SOP with TSO: L2-L4 header bytes */
	__le32	conn_id;	/* 0: device resolves the peer itself */
	__le32	rsvd;
};

struct ainic_rx_desc {
	__le64	addr;
	__le32	len;		/* buffer size */
	__le32	rsvd;
};

/* Completion queue entry, same colour rule as admin completions */
#define AINIC_CQE_COLOR			(1U << 7)	/* in .flags */
#define AINIC_CQE_F_EOP			(1U << 0)	/* RX: last buffer */
#define AINIC_CQE_F_CSUM_OK		(1U << 1)	/* RX: L4 csum verified */
#define AINIC_CQE_F_COALESCED		(1U << 2)	/* RX: gso_segs valid */
#define AINIC_CQE_F_TSO_IPV6		(1U << 3)	/* RX: coalesced TCP/IPv6 */
struct ainic_cqe {
	__le32	len;		/* RX: bytes written to this buffer */
	__le16	desc_index;	/* TX: last descriptor of frame; RX: buffer */
	__le16	qid;
	__le16	cflags;		/* AINIC_CQE_F_* */
	__le16	gso_segs;	/* RX EOP with COALESCED: segments, >= 2 */
	__u8	status;		/* enum ainic_status */
	__u8	qtype;		/* AINIC_QTYPE_TXQ or _RXQ */
	__u8	rsvd;
	__u8	flags;		/* AINIC_CQE_COLOR */
};

/* ---- Wire format (network byte order) -------------------------------- */

/*
 * Host frames travel between NICs encapsulated as
 *   Ethernet | IPv4 | UDP(dport AINIC_UDP_PORT) | ainic_xport_hdr |
 *   [ainic_sec_hdr] | payload (inner Ethernet frame) | [ICV]
 * so the fabric can ECN-mark the outer IP header as for RoCEv2.
 */
#define AINIC_UDP_PORT			4793
#define AINIC_WIRE_VERSION		1

enum ainic_pkt_type {
	AINIC_PKT_DATA		= 1,
	AINIC_PKT_ACK		= 2,
	AINIC_PKT_NACK		= 3,
	AINIC_PKT_CNP		= 4,	/* congestion notification */
	AINIC_PKT_CONN_REQ	= 5,
	AINIC_PKT_CONN_RESP	= 6,
	AINIC_PKT_PROBE		= 7,
	AINIC_PKT_RAW		= 8,	/* unreliable datagram, no conn */
};

#define AINIC_XH_F_ACK_REQ		(1U << 0)	/* ask for an ACK now */
#define AINIC_XH_F_RETX			(1U << 1)	/* retransmission */
#define AINIC_XH_F_SECURE		(1U << 2)	/* sec hdr + ICV follow */
#define AINIC_XH_F_ECN_ECHO		(1U << 3)
#define AINIC_XH_F_TIMESTAMP		(1U << 4)	/* ts fields valid */
#define AINIC_XH_F_SYN			(1U << 5)	/* DATA: ack_psn is the start PSN */

#define AINIC_XH_VERSION_SHIFT		4
#define AINIC_XH_TYPE_MASK		0x0f

struct ainic_xport_hdr {
	__u8	ver_type;	/* version 7:4, enum ainic_pkt_type 3:0 */
	__u8	flags;		/* AINIC_XH_F_* */
	__be16	payload_len;
	__be32	conn_id;	/* the data sender's incarnation (§10.1) */
	__be32	psn;
	__be32	ack_psn;	/* cumulative: all before this received */
	__be64	sack;		/* bit i: ack_psn + 1 + i received */
	__be32	ts_tx;		/* sender timestamp, ns (delay CC) */
	__be32	ts_echo;	/* echoed peer timestamp */
};

/*
 * PSNs (and the device's other 32-bit sequence numbers) compare modulo
 * 2^32: a is before b when b is less than 2^31 ahead of a. Driver and
 * model both use these, so a wrap is handled the same on both sides.
 */
static inline __s32 ainic_seq_diff(__u32 a, __u32 b)
{
	return (__s32)(a - b);
}

static inline int ainic_seq_before(__u32 a, __u32 b)
{
	return ainic_seq_diff(a, b) < 0;
}

static inline int ainic_seq_after(__u32 a, __u32 b)
{
	return ainic_seq_diff(a, b) > 0;
}

/* PSP-style security header: the SPI's top bit selects the key phase */
#define AINIC_SPI_PHASE			(1U << 31)
#define AINIC_ICV_LEN			16
struct ainic_sec_hdr {
	__be32	spi;
	__be32	rsvd;
	__be64	iv;
};

/* NACK payload (§10.4) */
enum ainic_nack_code {
	AINIC_NACK_SEQ		= 1,	/* psn is missing: retransmit it */
	AINIC_NACK_RNR		= 2,	/* no room for psn: retry after a delay */
	AINIC_NACK_NO_CONN	= 3,	/* no state for conn_id: new incarnation */
};

struct ainic_nack {
	__u8	code;		/* enum ainic_nack_code */
	__u8	rsvd[3];
};

/* CNP payload */
struct ainic_cnp {
	__be32	marked_psn;
	__be32	rsvd;
};

/* ---- Layout checks -------------------------------------------------- */

#define AINIC_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")

AINIC_ASSERT_SIZE(struct ainic_admin_hdr, 8);
AINIC_ASSERT_SIZE(struct ainic_admin_cmd, 64);
AINIC_ASSERT_SIZE(struct ainic_admin_comp, 16);
AINIC_ASSERT_SIZE(struct ainic_cmd_q_create, 24);
AINIC_ASSERT_SIZE(struct ainic_cmd_port_config, 28);
AINIC_ASSERT_SIZE(struct ainic_cmd_key_set_master, 40);
AINIC_ASSERT_SIZE(struct ainic_cmd_sa, 44);
AINIC_ASSERT_SIZE(struct ainic_cmd_cc, 48);
AINIC_ASSERT_SIZE(struct ainic_identity, 512);
AINIC_ASSERT_SIZE(struct ainic_dev_stats, 512);
AINIC_ASSERT_SIZE(struct ainic_qp_stats, 16);
AINIC_ASSERT_SIZE(struct ainic_conn_info, 192);
AINIC_ASSERT_SIZE(struct ainic_nack, 4);
AINIC_ASSERT_SIZE(struct ainic_event, 16);
AINIC_ASSERT_SIZE(struct ainic_tx_desc, 32);
AINIC_ASSERT_SIZE(struct ainic_rx_desc, 16);
AINIC_ASSERT_SIZE(struct ainic_cqe, 16);
AINIC_ASSERT_SIZE(struct ainic_xport_hdr, 32);
AINIC_ASSERT_SIZE(struct ainic_sec_hdr, 16);

#define AINIC_ASSERT_OFFSET(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), \
		       #type "." #field " must be at " #off)

/* The colour bit is in the last byte, written last by the device. */
AINIC_ASSERT_OFFSET(struct ainic_admin_comp, flags, 15);
AINIC_ASSERT_OFFSET(struct ainic_event, flags, 15);
AINIC_ASSERT_OFFSET(struct ainic_cqe, flags, 15);
AINIC_ASSERT_OFFSET(struct ainic_admin_cmd, q_create.ring_addr, 16);
AINIC_ASSERT_OFFSET(struct ainic_identity, serial, 52);
AINIC_ASSERT_OFFSET(struct ainic_identity, model, 116);
AINIC_ASSERT_OFFSET(struct ainic_xport_hdr, sack, 16);

#endif /* _UAPI_LINUX_AINIC_IF_H */
