/* SPDX-License-Identifier: GPL-2.0 */
/* ainic: the driver's mirror of the device's reliable connections */

#ifndef _AINIC_CONN_H_
#define _AINIC_CONN_H_

#include <linux/dma-mapping.h>
#include <linux/if_ether.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <uapi/linux/ainic_if.h>

struct ainic_dev;
struct netlink_ext_ack;

/**
 * struct ainic_conn - one connection as the driver knows it
 * @id: the device's slot, 1 .. max_conns
 * @state: enum ainic_conn_state, never AINIC_CONN_FREE
 * @peer: MAC of the peer NIC
 * @added: made with conn-add: shadow state, made again after a reset
 */
struct ainic_conn {
	u32 id;
	u8 state;
	u8 peer[ETH_ALEN];
	bool added;
};

/**
 * struct ainic_conns - the connection mirror of one device
 * @xa: struct ainic_conn by id; readers copy entries under its lock
 * @lock: serialises the writers (event handler, conn-add/conn-del, reset)
 *	and so keeps a command and the events it causes in order
 * @query_lock: protects @info, the CONN_QUERY buffer (taken after @lock)
 * @info: CONN_QUERY buffer (coherent DMA memory)
 * @info_dma: bus address of @info
 * @resyncs: times every slot was read again (events were lost)
 */
struct ainic_conns {
	struct xarray xa;
	struct mutex lock;		/* see above */
	struct mutex query_lock;	/* see above */
	struct ainic_conn_info *info;
	dma_addr_t info_dma;
	u64 resyncs;
};

int ainic_conns_init(struct ainic_dev *adev);
void ainic_conns_fini(struct ainic_dev *adev);
void ainic_conn_event(struct ainic_dev *adev, u32 id, u32 state);
void ainic_conns_resync(struct ainic_dev *adev);
void ainic_conns_reset(struct ainic_dev *adev);
int ainic_conn_query(struct ainic_dev *adev, u32 id,
		     struct ainic_conn_info *info);
bool ainic_conn_next(struct ainic_dev *adev, unsigned long *id,
		     struct ainic_conn *conn);
int ainic_conn_add(struct ainic_dev *adev, const u8 *peer, u32 *id,
		   struct netlink_ext_ack *extack);
int ainic_conn_del(struct ainic_dev *adev, u32 id,
		   struct netlink_ext_ack *extack);
u32 ainic_conns_generation(void);

#endif /* _AINIC_CONN_H_ */
