// SPDX-License-Identifier: GPL-2.0
/*
 * ainic: the driver's mirror of the device's reliable connections (§10).
 *
 * The device makes connections on demand, one per peer MAC, and posts
 * CONN_STATE (id: slot, data: new state) on every change, AINIC_CONN_FREE
 * when a slot is freed. The mirror is an xarray of struct ainic_conn by
 * slot, kept from those events; an event for a slot the mirror does not
 * know is followed by a CONN_QUERY for its peer. Events can be lost when
 * the event queue is full (the event queue tells, ainic_event.c): then
 * every slot is read again with CONN_QUERY (ENOENT: free).
 *
 * Connections made with conn-add are pinned in the device (never reaped;
 * AINIC_CONN_INFO_F_PINNED tells a mirror that reads a slot again) and
 * shadow state like the MTU: a device reset drops every connection, so
 * after recovery the mirror is emptied and those are made again. Every
 * change of the mirror is announced on the genl "conn" group and bumps a
 * generation that conn-get dumps use to flag themselves interrupted.
 */

#include <linux/etherdevice.h>
#include <linux/slab.h>

#include "ainic.h"
#include "ainic_conn.h"
#include "ainic_genl.h"

/* Largest table the driver takes from IDENTIFY */
#define AINIC_CONNS_MAX		4096

static_assert((int)AINIC_CONNECTION_STATE_FREE == (int)AINIC_CONN_FREE);
static_assert((int)AINIC_CONNECTION_STATE_IDLE == (int)AINIC_CONN_IDLE);
static_assert((int)AINIC_CONNECTION_STATE_SYN_SENT == (int)AINIC_CONN_SYN_SENT);
static_assert((int)AINIC_CONNECTION_STATE_ESTABLISHED == (int)AINIC_CONN_ESTABLISHED);
static_assert((int)AINIC_CONNECTION_STATE_ERROR == (int)AINIC_CONN_ERROR);

/* Bumped on every change of any device's mirror (conn-get dumps) */
static atomic_t ainic_conns_gen = ATOMIC_INIT(1);

/**
 * ainic_conns_generation() - the mirrors' generation
 *
 * Return: a value that changes whenever a connection appears, changes
 * state or goes away on any device.
 */
u32 ainic_conns_generation(void)
{
	return atomic_read(&ainic_conns_gen);
}

static u32 ainic_conns_max(struct ainic_dev *adev)
{
	return min_t(u32, adev->ident.max_conns, AINIC_CONNS_MAX);
}

static bool ainic_conns_supported(struct ainic_dev *adev)
{
	return ainic_has_cap(adev, AINIC_CAP_RELIABLE) && adev->conns.info;
}

/**
 * ainic_conns_init() - set up the mirror and the CONN_QUERY buffer
 * @adev: device
 *
 * Return: 0 or -ENOMEM.
 */
int ainic_conns_init(struct ainic_dev *adev)
{
	struct ainic_conns *cs = &adev->conns;

	xa_init(&cs->xa);
	mutex_init(&cs->lock);
	mutex_init(&cs->query_lock);
	if (!ainic_has_cap(adev, AINIC_CAP_RELIABLE))
		return 0;

	cs->info = dma_alloc_coherent(adev->dev, sizeof(*cs->info),
				      &cs->info_dma, GFP_KERNEL);
	if (!cs->info)
		return -ENOMEM;

	return 0;
}

/**
 * ainic_conns_fini() - free the mirror and the buffer
 * @adev: device, reset and its event work stopped
 */
void ainic_conns_fini(struct ainic_dev *adev)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn *conn;
	unsigned long id;

	xa_for_each(&cs->xa, id, conn) {
		xa_erase(&cs->xa, id);
		kfree(conn);
	}
	xa_destroy(&cs->xa);

	if (cs->info)
		dma_free_coherent(adev->dev, sizeof(*cs->info), cs->info,
				  cs->info_dma);
	cs->info = NULL;
}

/**
 * ainic_conn_query() - CONN_QUERY of one slot
 * @adev: device
 * @id: slot
 * @info: filled with the device's answer
 *
 * Context: process; sleeps.
 * Return: 0, -ENOENT for a free slot, -EIO for an answer about another
 * slot or a short one, or another negative errno.
 */
int ainic_conn_query(struct ainic_dev *adev, u32 id,
		     struct ainic_conn_info *info)
{
	struct ainic_conns *cs = &adev->conns;
	u32 len = 0;
	int err;

	if (!ainic_conns_supported(adev))
		return -EOPNOTSUPP;

	mutex_lock(&cs->query_lock);
	memset(cs->info, 0, sizeof(*cs->info));
	err = ainic_cmd_conn_query(adev, id, cs->info_dma, sizeof(*cs->info),
				   &len);
	if (!err)
		*info = *cs->info;
	mutex_unlock(&cs->query_lock);
	if (err)
		return err;

	if (len < sizeof(*info) || le32_to_cpu(info->conn_id) != id) {
		dev_warn_ratelimited(adev->dev, "CONN_QUERY of %u: %u bytes about connection %u\n",
				     id, len, le32_to_cpu(info->conn_id));
		return -EIO;
	}
	return 0;
}

/* Drop @conn from the mirror and announce it; cs->lock held */
static void ainic_conn_remove(struct ainic_dev *adev, struct ainic_conn *conn)
{
	xa_erase(&adev->conns.xa, conn->id);
	atomic_inc(&ainic_conns_gen);
	ainic_genl_conn_notify(adev, conn->id, conn->peer, AINIC_CONN_FREE);
	kfree(conn);
}

/*
 * Record that slot @id is a connection to @peer in @state (not FREE) and
 * announce what changed; @added marks it as made by conn-add. A slot that
 * now holds another peer was freed and reused: the old one goes first.
 * cs->lock held. Return: 0 or -ENOMEM.
 */
static int ainic_conn_set(struct ainic_dev *adev, u32 id, const u8 *peer,
			  u8 state, bool added)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn *conn;
	int err;

	lockdep_assert_held(&cs->lock);

	conn = xa_load(&cs->xa, id);
	if (conn && !ether_addr_equal(conn->peer, peer)) {
		ainic_conn_remove(adev, conn);
		conn = NULL;
	}

	if (!conn) {
		conn = kzalloc(sizeof(*conn), GFP_KERNEL);
		if (!conn)
			return -ENOMEM;
		conn->id = id;
		conn->state = state;
		conn->added = added;
		ether_addr_copy(conn->peer, peer);
		err = xa_err(xa_store(&cs->xa, id, conn, GFP_KERNEL));
		if (err) {
			kfree(conn);
			return err;
		}
	} else if (conn->state != state || (added && !conn->added)) {
		xa_lock(&cs->xa);
		conn->added |= added;
		if (conn->state == state) {
			xa_unlock(&cs->xa);
			return 0;
		}
		conn->state = state;
		xa_unlock(&cs->xa);
	} else {
		return 0;
	}

	atomic_inc(&ainic_conns_gen);
	ainic_genl_conn_notify(adev, id, peer, state);
	return 0;
}

/* Whether the device has the connection as made by CONN_CREATE */
static bool ainic_conn_info_pinned(const struct ainic_conn_info *info)
{
	return info->flags & AINIC_CONN_INFO_F_PINNED;
}

/**
 * ainic_conn_event() - handle a CONN_STATE event
 * @adev: device
 * @id: the event's id, the slot
 * @state: the event's data, the new enum ainic_conn_state
 *
 * Context: process (the event work); sleeps.
 */
void ainic_conn_event(struct ainic_dev *adev, u32 id, u32 state)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn_info info;
	struct ainic_conn *conn;
	int err;

	if (!ainic_conns_supported(adev))
		return;
	if (!id || id > ainic_conns_max(adev) || state > AINIC_CONN_ERROR) {
		dev_warn_ratelimited(adev->dev, "CONN_STATE event for connection %u, state %u: out of range, ignored\n",
				     id, state);
		return;
	}

	mutex_lock(&cs->lock);
	conn = xa_load(&cs->xa, id);
	if (state == AINIC_CONN_FREE) {
		if (conn)
			ainic_conn_remove(adev, conn);
		goto out;
	}

	if (conn) {
		err = ainic_conn_set(adev, id, conn->peer, state, false);
	} else {
		/* A new connection: the event does not name its peer */
		err = ainic_conn_query(adev, id, &info);
		if (err == -ENOENT)	/* freed again already */
			goto out;
		if (!err)
			err = ainic_conn_set(adev, id, info.peer_mac, state,
					     ainic_conn_info_pinned(&info));
	}
	if (err)
		dev_warn_ratelimited(adev->dev, "connection %u (state %u) not mirrored: %pe\n",
				     id, state, ERR_PTR(err));
out:
	mutex_unlock(&cs->lock);
}

/**
 * ainic_conns_resync() - read every slot again
 * @adev: device
 *
 * For when CONN_STATE events may have been lost: CONN_QUERY of each slot
 * makes the mirror the device's table again.
 *
 * Context: process; sleeps.
 */
void ainic_conns_resync(struct ainic_dev *adev)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn_info info;
	struct ainic_conn *conn;
	u32 id, n = ainic_conns_max(adev);
	int err;

	if (!ainic_conns_supported(adev))
		return;

	mutex_lock(&cs->lock);
	cs->resyncs++;
	for (id = 1; id <= n; id++) {
		err = ainic_conn_query(adev, id, &info);
		if (err == -ENOENT) {
			conn = xa_load(&cs->xa, id);
			if (conn)
				ainic_conn_remove(adev, conn);
			continue;
		}
		if (!err && info.state != AINIC_CONN_FREE &&
		    info.state <= AINIC_CONN_ERROR)
			err = ainic_conn_set(adev, id, info.peer_mac,
					     info.state,
					     ainic_conn_info_pinned(&info));
		if (err) {
			dev_warn_ratelimited(adev->dev, "connection table not read again: %pe\n",
					     ERR_PTR(err));
			break;
		}
	}
	mutex_unlock(&cs->lock);
}

/**
 * ainic_conns_reset() - the device was reset: its connections are gone
 * @adev: device, reset, enabled and its port configuration replayed
 *
 * Empties the mirror (announcing each connection freed) and makes the
 * connections of conn-add again.
 *
 * Context: process; sleeps.
 */
void ainic_conns_reset(struct ainic_dev *adev)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn_info info;
	struct ainic_conn *conn;
	unsigned int n = 0, i;
	unsigned long id;
	u8 (*peers)[ETH_ALEN];
	u32 new_id;
	int err;

	if (!ainic_conns_supported(adev))
		return;

	mutex_lock(&cs->lock);
	xa_for_each(&cs->xa, id, conn)
		n += conn->added;
	peers = n ? kcalloc(n, ETH_ALEN, GFP_KERNEL) : NULL;
	if (n && !peers)
		dev_err(adev->dev, "out of memory: %u connections of conn-add not made again\n",
			n);

	i = 0;
	xa_for_each(&cs->xa, id, conn) {
		if (conn->added && peers)
			ether_addr_copy(peers[i++], conn->peer);
		ainic_conn_remove(adev, conn);
	}

	for (i = 0; peers && i < n; i++) {
		err = ainic_cmd_conn_create(adev, peers[i], &new_id);
		if (!err) {
			err = ainic_conn_set(adev, new_id, peers[i],
					     AINIC_CONN_IDLE, true);
		} else if (err == -EEXIST) {
			/* Traffic made it first */
			err = ainic_conn_query(adev, new_id, &info);
			if (!err && info.state != AINIC_CONN_FREE &&
			    info.state <= AINIC_CONN_ERROR)
				err = ainic_conn_set(adev, new_id, peers[i],
						     info.state, true);
		}
		if (err)
			dev_warn(adev->dev, "connection to %pM not made again after reset: %pe\n",
				 peers[i], ERR_PTR(err));
	}
	mutex_unlock(&cs->lock);
	kfree(peers);
}

/**
 * ainic_conn_next() - the mirrored connection with the lowest id >= *@id
 * @adev: device
 * @id: where to start; set to the connection's id
 * @conn: filled with a copy of the connection
 *
 * Return: false when there is none.
 */
bool ainic_conn_next(struct ainic_dev *adev, unsigned long *id,
		     struct ainic_conn *conn)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn *c;

	xa_lock(&cs->xa);
	c = xa_find(&cs->xa, id, ULONG_MAX, XA_PRESENT);
	if (c)
		*conn = *c;
	xa_unlock(&cs->xa);

	return !!c;
}

static int ainic_conns_check(struct ainic_dev *adev,
			     struct netlink_ext_ack *extack)
{
	if (!ainic_has_cap(adev, AINIC_CAP_RELIABLE)) {
		NL_SET_ERR_MSG_MOD(extack, "device has no reliable transport");
		return -EOPNOTSUPP;
	}
	if (!adev->conns.info) {
		NL_SET_ERR_MSG_MOD(extack, "connections are not available");
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * ainic_conn_add() - make a connection to @peer (conn-add)
 * @adev: device
 * @peer: MAC of the peer NIC
 * @id: the new connection's id
 * @extack: why it failed
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno, explained in @extack.
 */
int ainic_conn_add(struct ainic_dev *adev, const u8 *peer, u32 *id,
		   struct netlink_ext_ack *extack)
{
	struct ainic_conns *cs = &adev->conns;
	int err;

	err = ainic_conns_check(adev, extack);
	if (err)
		return err;
	if (!is_valid_ether_addr(peer)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "peer %pM is not a unicast address", peer);
		return -EINVAL;
	}

	mutex_lock(&cs->lock);
	err = ainic_cmd_conn_create(adev, peer, id);
	switch (err) {
	case 0:
		err = ainic_conn_set(adev, *id, peer, AINIC_CONN_IDLE, true);
		if (err)
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "connection %u made but not mirrored: %pe",
					       *id, ERR_PTR(err));
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "a connection to %pM exists already: id %u",
				       peer, *id);
		break;
	case -EINVAL:
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "device refused peer %pM (its own MAC?)",
				       peer);
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "connection table full (%u) and none can be reaped",
				       ainic_conns_max(adev));
		break;
	default:
		NL_SET_ERR_MSG_FMT_MOD(extack, "CONN_CREATE failed: %pe",
				       ERR_PTR(err));
		break;
	}
	mutex_unlock(&cs->lock);

	return err;
}

/**
 * ainic_conn_del() - free connection @id (conn-del)
 * @adev: device
 * @id: connection id
 * @extack: why it failed
 *
 * Context: process; sleeps.
 * Return: 0 or a negative errno, explained in @extack.
 */
int ainic_conn_del(struct ainic_dev *adev, u32 id,
		   struct netlink_ext_ack *extack)
{
	struct ainic_conns *cs = &adev->conns;
	struct ainic_conn *conn;
	int err;

	err = ainic_conns_check(adev, extack);
	if (err)
		return err;
	if (id > ainic_conns_max(adev)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "connection id %u out of range (1-%u)",
				       id, ainic_conns_max(adev));
		return -ERANGE;
	}

	mutex_lock(&cs->lock);
	err = ainic_cmd_conn_destroy(adev, id);
	if (!err) {
		conn = xa_load(&cs->xa, id);
		if (conn)
			ainic_conn_remove(adev, conn);
	} else if (err == -ENOENT) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no connection %u", id);
	} else {
		NL_SET_ERR_MSG_FMT_MOD(extack, "CONN_DESTROY failed: %pe",
				       ERR_PTR(err));
	}
	mutex_unlock(&cs->lock);

	return err;
}
