// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for test_fabric.py: makes malloc fail for some requests,
 * so the fabric's out-of-memory paths can be driven from outside.
 * AINIC_FAIL_MALLOC="MIN-MAX" fails every second malloc of MIN..MAX bytes
 * (the 2nd, 4th, ...): a range only the test's frames fall in.
 */
#include <stddef.h>
#include <stdlib.h>

void *__libc_malloc(size_t size);

void *malloc(size_t size)
{
	static int parsed;
	static size_t lo, hi;
	static unsigned long calls;

	if (!parsed) {
		const char *s = getenv("AINIC_FAIL_MALLOC");
		char *end;

		parsed = 1;
		if (s) {
			lo = strtoul(s, &end, 10);
			hi = *end == '-' ? strtoul(end + 1, NULL, 10) : 0;
		}
	}
	if (size >= lo && size <= hi && ++calls % 2 == 0)
		return NULL;
	return __libc_malloc(size);
}
