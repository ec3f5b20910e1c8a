/* SPDX-License-Identifier: GPL-2.0 */
/* nicctl: global options and command-line helpers shared by the objects. */
#ifndef NICCTL_H
#define NICCTL_H

#include <stdbool.h>
#include <stdio.h>

#define NICCTL_VERSION "1.0"

struct nicctl_opts {
	bool json;		/* -j, or -p */
	bool pretty;		/* -p */
	int stats;		/* -s, repeatable */
};

extern struct nicctl_opts opts;

/* A keyword table entry: the command's name and its handler. */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/*
 * The entry of @table (ended by a NULL name) that @word names, exactly or
 * as an unambiguous prefix. Otherwise prints 'Error: <what> "word" is
 * unknown|ambiguous, try "<help>".' and returns NULL.
 */
const struct cmd *cmd_find(const struct cmd *table, const char *word,
			   const char *what, const char *help);

/* Whether @word is a non-empty prefix of @keyword (iproute2's matches()). */
bool matches(const char *word, const char *keyword);

/*
 * Print "Error: <fmt...>, try "<help>"." to stderr; returns 1 (the exit
 * status of a usage error).
 */
int usage_error(const char *help, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int do_monitor(int argc, char **argv);

#endif
