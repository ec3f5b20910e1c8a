/* SPDX-License-Identifier: GPL-2.0 */
/* Monotonic time in nanoseconds: the only clock the fabric uses, so wall-clock
 * jumps never stretch or shrink a link's serialization time. */
#ifndef FABRIC_CLOCK_H
#define FABRIC_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC UINT64_C(1000000000)
#define NSEC_PER_MSEC UINT64_C(1000000)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif
