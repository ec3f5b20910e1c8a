/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: typed admin commands */

#ifndef _AINIC_ADMIN_CMD_H_
#define _AINIC_ADMIN_CMD_H_

#include <linux/types.h>

struct ainic_dev;

int ainic_cmd_nop(struct ainic_dev *adev, u64 cookie, u32 *result);
int ainic_cmd_identify(struct ainic_dev *adev, dma_addr_t buf, u32 len,
		       u32 *written);
int ainic_cmd_port_config(struct ainic_dev *adev, u32 valid, u32 mtu,
			  const u8 *mac, u32 xport, u8 rx_coal_bufs);
int ainic_cmd_stats_get(struct ainic_dev *adev, dma_addr_t buf, u32 len,
			u32 *written);
int ainic_cmd_q_create(struct ainic_dev *adev, u8 qtype, u16 qid, u16 cq_id,
		       u16 vector, unsigned int log2, dma_addr_t ring,
		       u32 flags, u32 buf_size);
int ainic_cmd_q_destroy(struct ainic_dev *adev, u8 qtype, u16 qid);
int ainic_cmd_conn_create(struct ainic_dev *adev, const u8 *peer,
			  u32 *conn_id);
int ainic_cmd_conn_destroy(struct ainic_dev *adev, u32 conn_id);
int ainic_cmd_conn_query(struct ainic_dev *adev, u32 conn_id, dma_addr_t buf,
			 u32 len, u32 *written);

#endif /* _AINIC_ADMIN_CMD_H_ */
