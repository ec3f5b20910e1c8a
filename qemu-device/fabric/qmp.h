/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal QMP client: tells a VM's QEMU that its NIC's link went up or
 * down (set_link), so the guest sees carrier follow the switch port. */
#ifndef FABRIC_QMP_H
#define FABRIC_QMP_H

#include <stdbool.h>
#include <stddef.h>

/* Whole exchange (connect, greeting, capabilities, set_link) at most this
 * long, so the event loop is never held up for more. */
#define QMP_TIMEOUT_MS 2000

/* A QEMU device/netdev id as accepted by --port-qmp: 1..63 of [A-Za-z0-9_.-]
 * (QEMU ids are alphanumeric plus -._), so it needs no JSON escaping. */
bool qmp_id_valid(const char *id);

/* Runs {"execute":"set_link","arguments":{"name":id,"up":up}} on the QMP
 * unix stream socket at path. Returns 0, or -1 with a reason in err. */
int qmp_set_link(const char *path, const char *id, bool up, char *err, size_t errlen);

#endif
