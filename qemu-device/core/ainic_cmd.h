/*
 * ainic: admin command handlers (§4.2), one file per object: the device
 * (ainic_cmd_dev.c), its queues (ainic_cmd_queue.c) and connections
 * (ainic_cmd_conn.c). The engine
 * (ainic_adminq.c) has checked the header and that the body past the
 * opcode's struct is zero; a handler parses the private copy cmd, changes
 * nothing unless it succeeds, and returns an enum ainic_status with the
 * completion's result in *result (0 unless set).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_CMD_H
#define HW_NET_AINIC_CMD_H

#include "ainic_types.h"

typedef uint8_t AinicAdminHandler(AinicCore *core, const uint8_t *cmd,
                                  uint32_t *result);

AinicAdminHandler ainic_op_nop;
AinicAdminHandler ainic_op_identify;
AinicAdminHandler ainic_op_port_config;
AinicAdminHandler ainic_op_stats_get;
AinicAdminHandler ainic_op_q_create;
AinicAdminHandler ainic_op_q_destroy;
AinicAdminHandler ainic_op_conn_create;
AinicAdminHandler ainic_op_conn_destroy;
AinicAdminHandler ainic_op_conn_query;

#endif /* HW_NET_AINIC_CMD_H */
