/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nicctl: one output path for text and JSON, after iproute2's json_print.
 *
 * Every value is printed once, through print_*(type, key, fmt, value):
 * in text mode fmt is used (when type includes PRINT_FP), in JSON mode the
 * value is stored under key (when type includes PRINT_JSON) in the object
 * or array currently open. Nothing is written to stdout in JSON list mode
 * until print_flush(), so a command that fails half way prints nothing
 * there; commands collect their replies before they print anything.
 */
#ifndef NICCTL_PRINT_H
#define NICCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum output_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/*
 * Start output. With @list, JSON output is one top-level array that the
 * top-level objects are appended to and that print_flush() writes; without
 * it (monitor), each top-level object is written as one line as soon as it
 * is closed.
 */
void print_init(bool json, bool pretty, bool list);
/* Write the pending JSON array (if any); 0 or -1 on a write error. */
int print_flush(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(enum output_type type, const char *key);
void close_json_array(enum output_type type);

void print_string(enum output_type type, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type type, const char *key, const char *fmt,
		unsigned int value);
void print_u64(enum output_type type, const char *key, const char *fmt,
	       uint64_t value);
/* JSON: true or false; text: fmt (no conversion) when @value is true */
void print_bool(enum output_type type, const char *key, const char *fmt,
		bool value);
/* Text only: literal text (e.g. a line break and indentation). */
void print_text(const char *text);

#endif
