/*
 * ainic: the device model's fault injector (a test hook, never reachable
 * from the guest): which faults are armed, the parser of the x-fault
 * property's "KIND[:COUNT[:ARG]]" strings, and the count of faults fired.
 * The core's modules take armed faults where they apply; the
 * contract is the spec's appendix "Model-only test hooks".
 *
 * Plain C11, no QEMU headers (host unit tests and fuzzers use it too).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NET_AINIC_FAULT_H
#define HW_NET_AINIC_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum AinicFaultKind {
    AINIC_FAULT_RX_SHORT,       /* first RX CQE of a frame below ETH_HLEN */
    AINIC_FAULT_RX_CORRUPT,     /* RX CQE: length or descriptor invalid */
    AINIC_FAULT_TX_WRONG_DESC,  /* TX CQE names the wrong descriptor */
    AINIC_FAULT_ADMIN_DROP,     /* admin completion never posted */
    AINIC_FAULT_ADMIN_LATE,     /* admin completion posted ARG ms late */
    AINIC_FAULT_ADMIN_STATUS,   /* admin completion with undefined status */
    AINIC_FAULT_FATAL,          /* FATAL now */
    AINIC_FAULT_IRQ_STORM,      /* COUNT rounds of spurious interrupts */
    AINIC_FAULT_XPORT_ACK_DROP, /* ACK/NACK from the wire discarded */
    AINIC_FAULT_XPORT_TIMER_STUCK, /* a connection's RTO stuck ARG ms */
    AINIC_FAULT_NR
} AinicFaultKind;

/* ARG of rx-corrupt */
#define AINIC_FAULT_CORRUPT_LEN     0   /* len beyond the posted buffer */
#define AINIC_FAULT_CORRUPT_INDEX   1   /* desc_index the driver did not post */
/* ARG of admin-drop and admin-status */
#define AINIC_FAULT_NO_EXEC         0   /* the command is not executed */
#define AINIC_FAULT_EXEC            1   /* executed, only its completion lies */

#define AINIC_FAULT_MAX_COUNT       1000000u
#define AINIC_FAULT_LATE_DEFAULT_MS 3000u
#define AINIC_FAULT_LATE_MAX_MS     600000u
#define AINIC_FAULT_STORM_DEFAULT_US 10u
#define AINIC_FAULT_STORM_MAX_US    1000000u
/* ARG of xport-ack-drop: one in N ACKs (1: every one) */
#define AINIC_FAULT_ACK_DROP_MAX_N  1000u
#define AINIC_FAULT_STUCK_DEFAULT_MS 2000u
#define AINIC_FAULT_STUCK_MAX_MS    600000u
/* The length rx-short reports in a frame's first RX CQE (< ETH_HLEN) */
#define AINIC_FAULT_RUNT_LEN        6
/* The admin status admin-status reports: no enum ainic_status value */
#define AINIC_FAULT_BAD_STATUS      0xfe
/* Longest spec the parser reads */
#define AINIC_FAULT_SPEC_MAX        64
/* Room for any reason the parser gives (err of ainic_fault_parse) */
#define AINIC_FAULT_ERR_MAX         256

/* One parsed x-fault value */
typedef struct AinicFaultSpec {
    bool off;                   /* "off": disarm everything */
    AinicFaultKind kind;
    uint32_t count;
    uint32_t arg;
} AinicFaultSpec;

/* What is armed, and the witness the tests read */
typedef struct AinicFaults {
    uint32_t left[AINIC_FAULT_NR];      /* events still to hit */
    uint32_t arg[AINIC_FAULT_NR];
    uint32_t passed[AINIC_FAULT_NR];    /* let through since the last hit */
    uint64_t fired;                     /* faults injected, every kind */
} AinicFaults;

const char *ainic_fault_name(AinicFaultKind kind);

/*
 * Parse "off" or "KIND[:COUNT[:ARG]]" (COUNT 1 .. AINIC_FAULT_MAX_COUNT,
 * default 1; ARG as the kind defines). Returns 0, or -1 with the reason in
 * err (NUL-terminated, errlen bytes) and spec untouched.
 */
int ainic_fault_parse(const char *str, AinicFaultSpec *spec, char *err,
                      size_t errlen);

/* Arm (or disarm, for "off") an event-driven kind from a parsed spec */
void ainic_fault_arm(AinicFaults *f, const AinicFaultSpec *spec);

/*
 * One event where kind applies: true (and counted as fired) if an armed
 * fault of that kind takes it.
 */
bool ainic_fault_take(AinicFaults *f, AinicFaultKind kind);

/*
 * The same for a kind whose ARG is "one in N": true for every N-th event
 * while it is armed (the first N - 1 pass).
 */
bool ainic_fault_take_nth(AinicFaults *f, AinicFaultKind kind);

/* "off", or the armed kinds as "KIND:LEFT[:ARG],..." (truncated to len) */
void ainic_fault_describe(const AinicFaults *f, char *buf, size_t len);

#endif /* HW_NET_AINIC_FAULT_H */
