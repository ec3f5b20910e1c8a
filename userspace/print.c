// SPDX-License-Identifier: GPL-2.0
/*
 * nicctl: text/JSON output (see print.h). JSON is built with jansson and
 * written in one piece, compact or indented by two spaces (-p).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "print.h"

#define PRINT_MAX_DEPTH 16

static struct {
	bool json;
	bool pretty;
	bool list;
	json_t *root;			/* the top-level array, or the object being built */
	json_t *stack[PRINT_MAX_DEPTH];	/* open containers, borrowed */
	int depth;
} pr;

void print_init(bool json, bool pretty, bool list)
{
	pr.json = json || pretty;
	pr.pretty = pretty;
	pr.list = list;
	pr.depth = 0;
	pr.root = NULL;
	if (pr.json && list) {
		pr.root = json_array();
		if (!pr.root) {
			fprintf(stderr, "Error: out of memory.\n");
			exit(1);
		}
	}
}

static size_t dump_flags(void)
{
	return pr.pretty ? JSON_INDENT(2) : JSON_COMPACT;
}

static int dump_root(void)
{
	int ret = 0;

	if (json_dumpf(pr.root, stdout, dump_flags()) || putchar('\n') == EOF)
		ret = -1;
	json_decref(pr.root);
	pr.root = NULL;
	pr.depth = 0;
	return ret;
}

int print_flush(void)
{
	if (!pr.json || !pr.root)
		return 0;
	return dump_root();
}

static void oom(void)
{
	fprintf(stderr, "Error: out of memory.\n");
	exit(1);
}

/* The container new values and containers go into, or NULL. */
static json_t *parent(void)
{
	if (pr.depth > 0)
		return pr.stack[pr.depth - 1];
	return pr.list ? pr.root : NULL;
}

/* Put @val (a new reference) into the innermost open container. */
static void json_add(const char *key, json_t *val)
{
	json_t *p = parent();

	if (!val)
		oom();
	if (!p) {
		/* a standalone top-level value: not used, not printed */
		json_decref(val);
		return;
	}
	if (json_is_array(p)) {
		if (json_array_append_new(p, val))
			oom();
	} else {
		if (json_object_set_new(p, key ? key : "", val))
			oom();
	}
}

/* Open @container (a new reference) inside the current one, or as root. */
static void push(json_t *container, const char *key)
{
	if (pr.depth >= PRINT_MAX_DEPTH) {
		fprintf(stderr, "Error: JSON output nested too deeply.\n");
		exit(1);
	}
	if (parent()) {
		json_add(key, container);	/* the parent owns it now */
	} else {
		json_decref(pr.root);
		pr.root = container;
	}
	pr.stack[pr.depth++] = container;
}

static void pop(void)
{
	if (pr.depth == 0)
		return;
	pr.depth--;
	/* without a list, a finished top-level object is written at once */
	if (pr.depth == 0 && !pr.list && pr.root) {
		if (dump_root())
			fprintf(stderr, "Error: cannot write to stdout.\n");
		fflush(stdout);
	}
}

void open_json_object(const char *key)
{
	json_t *obj;

	if (!pr.json)
		return;
	obj = json_object();
	if (!obj)
		oom();
	push(obj, key);
}

void close_json_object(void)
{
	if (pr.json)
		pop();
}

void open_json_array(enum output_type type, const char *key)
{
	json_t *arr;

	if (!pr.json || !(type & PRINT_JSON))
		return;
	arr = json_array();
	if (!arr)
		oom();
	push(arr, key);
}

void close_json_array(enum output_type type)
{
	if (pr.json && (type & PRINT_JSON))
		pop();
}

/*
 * Strings come from the device: in text, show control characters as '?'
 * so that they cannot break lines or drive the terminal; in both, show
 * non-ASCII bytes as '?' when the string is not valid UTF-8 (jansson
 * refuses such strings).
 */
static char *sanitize(const char *s, bool ascii_only)
{
	char *copy = strdup(s);
	unsigned char *p;

	if (!copy)
		oom();
	for (p = (unsigned char *)copy; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || (ascii_only && *p >= 0x80))
			*p = '?';
	}
	return copy;
}

static bool utf8_valid(const char *s)
{
	json_t *str = json_string(s);	/* NULL for invalid UTF-8 */

	json_decref(str);
	return str != NULL;
}

void print_string(enum output_type type, const char *key, const char *fmt,
		  const char *value)
{
	char *clean;

	if (pr.json) {
		json_t *str;

		if (!(type & PRINT_JSON))
			return;
		str = json_string(value);
		if (!str) {
			clean = sanitize(value, true);
			str = json_string(clean);
			free(clean);
		}
		json_add(key, str);
	} else if (type & PRINT_FP) {
		clean = sanitize(value, !utf8_valid(value));
		printf(fmt, clean[0] ? clean : "\"\"");
		free(clean);
	}
}

void print_uint(enum output_type type, const char *key, const char *fmt,
		unsigned int value)
{
	if (pr.json) {
		if (type & PRINT_JSON)
			json_add(key, json_integer(value));
	} else if (type & PRINT_FP) {
		printf(fmt, value);
	}
}

void print_u64(enum output_type type, const char *key, const char *fmt,
	       uint64_t value)
{
	if (pr.json) {
		if (!(type & PRINT_JSON))
			return;
		/* json_int_t is signed 64 bit; beyond that a real is the best */
		if (value > INT64_MAX)
			json_add(key, json_real((double)value));
		else
			json_add(key, json_integer((json_int_t)value));
	} else if (type & PRINT_FP) {
		printf(fmt, value);
	}
}

void print_bool(enum output_type type, const char *key, const char *fmt,
		bool value)
{
	if (pr.json) {
		if (type & PRINT_JSON)
			json_add(key, json_boolean(value));
	} else if ((type & PRINT_FP) && value) {
		fputs(fmt, stdout);
	}
}

void print_text(const char *text)
{
	if (!pr.json)
		fputs(text, stdout);
}
