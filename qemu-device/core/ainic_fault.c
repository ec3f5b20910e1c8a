/*
 * ainic: the device model's fault injector: parsing and bookkeeping (see
 * ainic_fault.h). The strings come from QMP or the command line: every
 * field is length-checked and parsed by hand, nothing is trusted.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ainic_fault.h"

static const char *const fault_names[AINIC_FAULT_NR] = {
    [AINIC_FAULT_RX_SHORT] = "rx-short",
    [AINIC_FAULT_RX_CORRUPT] = "rx-corrupt",
    [AINIC_FAULT_TX_WRONG_DESC] = "tx-wrong-desc",
    [AINIC_FAULT_ADMIN_DROP] = "admin-drop",
    [AINIC_FAULT_ADMIN_LATE] = "admin-late",
    [AINIC_FAULT_ADMIN_STATUS] = "admin-status",
    [AINIC_FAULT_FATAL] = "fatal",
    [AINIC_FAULT_IRQ_STORM] = "irq-storm",
    [AINIC_FAULT_XPORT_ACK_DROP] = "xport-ack-drop",
    [AINIC_FAULT_XPORT_TIMER_STUCK] = "xport-timer-stuck",
};

const char *ainic_fault_name(AinicFaultKind kind)
{
    return kind < AINIC_FAULT_NR ? fault_names[kind] : "?";
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void append_err(char *err, size_t errlen, const char *text)
{
    size_t used;

    if (err && errlen) {
        used = strlen(err);
        snprintf(err + used, errlen - used, "%s", text);
    }
}

/* "unknown kind (off, KIND, ...)": the list from the table, never stale */
static void set_err_kinds(char *err, size_t errlen)
{
    unsigned k;

    set_err(err, errlen, "unknown kind (off");
    for (k = 0; k < AINIC_FAULT_NR; k++) {
        append_err(err, errlen, ", ");
        append_err(err, errlen, fault_names[k]);
    }
    append_err(err, errlen, ")");
}

static bool field_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && !memcmp(p, word, n);
}

/* A decimal number of n characters, at most max; false if not one */
static bool parse_u32(const char *p, size_t n, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0 || n > 10) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > max) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static int parse_arg(AinicFaultKind kind, const char *p, size_t n,
                     uint32_t *arg, char *err, size_t errlen)
{
    switch (kind) {
    case AINIC_FAULT_ADMIN_LATE:
        if (!parse_u32(p, n, AINIC_FAULT_LATE_MAX_MS, arg) || *arg == 0) {
            set_err(err, errlen, "admin-late ARG is a delay in ms, 1 to %u",
                    AINIC_FAULT_LATE_MAX_MS);
            return -1;
        }
        return 0;
    case AINIC_FAULT_IRQ_STORM:
        if (!parse_u32(p, n, AINIC_FAULT_STORM_MAX_US, arg)) {
            set_err(err, errlen, "irq-storm ARG is the interval between "
                    "rounds in us, 0 to %u", AINIC_FAULT_STORM_MAX_US);
            return -1;
        }
        return 0;
    case AINIC_FAULT_XPORT_ACK_DROP:
        if (!parse_u32(p, n, AINIC_FAULT_ACK_DROP_MAX_N, arg) || *arg == 0) {
            set_err(err, errlen, "xport-ack-drop ARG is N of 'one in N', "
                    "1 to %u", AINIC_FAULT_ACK_DROP_MAX_N);
            return -1;
        }
        return 0;
    case AINIC_FAULT_XPORT_TIMER_STUCK:
        if (!parse_u32(p, n, AINIC_FAULT_STUCK_MAX_MS, arg) || *arg == 0) {
            set_err(err, errlen, "xport-timer-stuck ARG is a duration in "
                    "ms, 1 to %u", AINIC_FAULT_STUCK_MAX_MS);
            return -1;
        }
        return 0;
    case AINIC_FAULT_RX_CORRUPT:
        if (field_is(p, n, "len")) {
            *arg = AINIC_FAULT_CORRUPT_LEN;
        } else if (field_is(p, n, "index")) {
            *arg = AINIC_FAULT_CORRUPT_INDEX;
        } else {
            set_err(err, errlen, "rx-corrupt ARG is 'len' or 'index'");
            return -1;
        }
        return 0;
    case AINIC_FAULT_ADMIN_DROP:
    case AINIC_FAULT_ADMIN_STATUS:
        if (field_is(p, n, "exec")) {
            *arg = AINIC_FAULT_EXEC;
        } else if (field_is(p, n, "noexec")) {
            *arg = AINIC_FAULT_NO_EXEC;
        } else {
            set_err(err, errlen, "%s ARG is 'exec' or 'noexec'",
                    ainic_fault_name(kind));
            return -1;
        }
        return 0;
    default:
        set_err(err, errlen, "%s takes no ARG", ainic_fault_name(kind));
        return -1;
    }
}

static uint32_t default_arg(AinicFaultKind kind)
{
    switch (kind) {
    case AINIC_FAULT_ADMIN_LATE:
        return AINIC_FAULT_LATE_DEFAULT_MS;
    case AINIC_FAULT_IRQ_STORM:
        return AINIC_FAULT_STORM_DEFAULT_US;
    case AINIC_FAULT_XPORT_ACK_DROP:
        return 1;               /* every one */
    case AINIC_FAULT_XPORT_TIMER_STUCK:
        return AINIC_FAULT_STUCK_DEFAULT_MS;
    default:
        return 0;   /* CORRUPT_LEN, NO_EXEC */
    }
}

int ainic_fault_parse(const char *str, AinicFaultSpec *spec, char *err,
                      size_t errlen)
{
    const char *field[3];
    size_t flen[3], len, nf = 0, i, start = 0;
    AinicFaultSpec s = { 0 };
    unsigned k;

    if (!str) {
        set_err(err, errlen, "no value");
        return -1;
    }
    len = 0;
    while (len <= AINIC_FAULT_SPEC_MAX && str[len]) {
        len++;
    }
    if (len > AINIC_FAULT_SPEC_MAX) {
        set_err(err, errlen, "longer than %d characters",
                AINIC_FAULT_SPEC_MAX);
        return -1;
    }
    for (i = 0; i <= len; i++) {
        if (i == len || str[i] == ':') {
            if (nf == 3) {
                set_err(err, errlen, "more than KIND:COUNT:ARG");
                return -1;
            }
            field[nf] = str + start;
            flen[nf++] = i - start;
            start = i + 1;
        }
    }
    if (field_is(field[0], flen[0], "off")) {
        if (nf > 1) {
            set_err(err, errlen, "'off' takes no COUNT or ARG");
            return -1;
        }
        s.off = true;
        *spec = s;
        return 0;
    }
    for (k = 0; k < AINIC_FAULT_NR; k++) {
        if (field_is(field[0], flen[0], fault_names[k])) {
            break;
        }
    }
    if (k == AINIC_FAULT_NR) {
        set_err_kinds(err, errlen);
        return -1;
    }
    s.kind = (AinicFaultKind)k;
    s.count = 1;
    s.arg = default_arg(s.kind);
    /* An empty COUNT ("admin-late::500") keeps the default of 1 */
    if (nf > 1 && flen[1] &&
        (!parse_u32(field[1], flen[1], AINIC_FAULT_MAX_COUNT, &s.count) ||
         s.count == 0)) {
        set_err(err, errlen, "COUNT must be a decimal number from 1 to %u",
                AINIC_FAULT_MAX_COUNT);
        return -1;
    }
    if (nf > 2 && parse_arg(s.kind, field[2], flen[2], &s.arg, err,
                            errlen)) {
        return -1;
    }
    *spec = s;
    return 0;
}

void ainic_fault_arm(AinicFaults *f, const AinicFaultSpec *spec)
{
    if (spec->off) {
        memset(f->left, 0, sizeof(f->left));
        return;
    }
    if (spec->kind < AINIC_FAULT_NR) {
        f->left[spec->kind] = spec->count;
        f->arg[spec->kind] = spec->arg;
        f->passed[spec->kind] = 0;
    }
}

bool ainic_fault_take(AinicFaults *f, AinicFaultKind kind)
{
    if (kind >= AINIC_FAULT_NR || !f->left[kind]) {
        return false;
    }
    f->left[kind]--;
    f->fired++;
    return true;
}

bool ainic_fault_take_nth(AinicFaults *f, AinicFaultKind kind)
{
    if (kind >= AINIC_FAULT_NR || !f->left[kind]) {
        return false;
    }
    if (++f->passed[kind] < f->arg[kind]) {
        return false;
    }
    f->passed[kind] = 0;
    return ainic_fault_take(f, kind);
}

static const char *arg_text(AinicFaultKind kind, uint32_t arg, char *buf,
                            size_t len)
{
    switch (kind) {
    case AINIC_FAULT_ADMIN_LATE:
    case AINIC_FAULT_IRQ_STORM:
    case AINIC_FAULT_XPORT_ACK_DROP:
    case AINIC_FAULT_XPORT_TIMER_STUCK:
        snprintf(buf, len, ":%u", (unsigned)arg);
        return buf;
    case AINIC_FAULT_RX_CORRUPT:
        return arg == AINIC_FAULT_CORRUPT_INDEX ? ":index" : ":len";
    case AINIC_FAULT_ADMIN_DROP:
    case AINIC_FAULT_ADMIN_STATUS:
        return arg == AINIC_FAULT_EXEC ? ":exec" : ":noexec";
    default:
        return "";
    }
}

void ainic_fault_describe(const AinicFaults *f, char *buf, size_t len)
{
    size_t used = 0;
    unsigned k;

    if (!len) {
        return;
    }
    buf[0] = 0;
    for (k = 0; k < AINIC_FAULT_NR; k++) {
        char num[16];
        int n;

        if (!f->left[k]) {
            continue;
        }
        n = snprintf(buf + used, len - used, "%s%s:%u%s", used ? "," : "",
                     fault_names[k], (unsigned)f->left[k],
                     arg_text((AinicFaultKind)k, f->arg[k], num,
                              sizeof(num)));
        if (n < 0 || (size_t)n >= len - used) {
            return;     /* truncated, still NUL-terminated */
        }
        used += (size_t)n;
    }
    if (!used) {
        snprintf(buf, len, "off");
    }
}
