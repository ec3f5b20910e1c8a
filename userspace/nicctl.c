// SPDX-License-Identifier: GPL-2.0
/*
 * nicctl: administration tool of ainic NICs, over the "ainic" generic
 * netlink family.
 *
 *   nicctl [ OPTIONS ] OBJECT { COMMAND | help }
 *
 * Options, objects and commands follow iproute2: options come before the
 * object, keywords may be abbreviated to any unambiguous prefix, "help"
 * never touches netlink, errors are "Error: ..." on stderr and exit 1.
 */

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ainic.h>

#include "conn.h"
#include "dev.h"
#include "nicctl.h"

struct nicctl_opts opts;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: nicctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"where  OBJECT := { dev | conn | monitor }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -V[ersion] |\n"
		"                    -h[elp] }\n"
		"\n"
		"       nicctl dev [ show | list ] [ DEV ]\n"
		"       nicctl dev selftest DEV\n"
		"       nicctl dev set DEV xport { reliable | raw }\n"
		"       nicctl conn [ show | list ] [ dev DEV ] [ peer MAC ] [ id ID ]\n"
		"       nicctl conn add dev DEV peer MAC\n"
		"       nicctl conn del dev DEV id ID\n"
		"       nicctl monitor\n"
		"where  DEV := { INDEX | PCI-ADDRESS | IFNAME }\n");
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

bool matches(const char *word, const char *keyword)
{
	size_t len = strlen(word);

	return len > 0 && len <= strlen(keyword) && !strncmp(word, keyword, len);
}

int usage_error(const char *help, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ", try \"%s\".\n", help);
	return 1;
}

const struct cmd *cmd_find(const struct cmd *table, const char *word,
			   const char *what, const char *help)
{
	const struct cmd *found = NULL;
	const struct cmd *c;
	int n = 0;

	for (c = table; c->name; c++) {
		if (!strcmp(word, c->name))
			return c;
	}
	for (c = table; c->name; c++) {
		/* "show" and "list" run the same handler: not ambiguous */
		if (matches(word, c->name) && (!found || found->fn != c->fn)) {
			found = c;
			n++;
		}
	}
	if (n == 1)
		return found;

	if (n == 0) {
		usage_error(help, "%s \"%s\" is unknown", what, word);
	} else {
		fprintf(stderr, "Error: %s \"%s\" is ambiguous (", what, word);
		n = 0;
		for (c = table; c->name; c++) {
			if (matches(word, c->name))
				fprintf(stderr, "%s%s", n++ ? ", " : "", c->name);
		}
		fprintf(stderr, "), try \"%s\".\n", help);
	}
	return NULL;
}

/* Output that did not make it to stdout is a failure too. */
static int finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "Error: cannot write to stdout.\n");
		return 1;
	}
	return ret ? 1 : 0;
}

static const struct cmd objects[] = {
	{ "dev", do_dev },
	{ "conn", do_conn },
	{ "monitor", do_monitor },
	{ "help", do_help },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "statistics", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *obj;
	int c;

	/*
	 * "+": options end at the object, as in iproute2. getopt_long_only
	 * also takes iproute2's single-dash long forms (-json, -stat).
	 */
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+jpsVh", long_opts,
				     NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.pretty = true;
			opts.json = true;
			break;
		case 's':
			opts.stats++;
			break;
		case 'V':
			printf("nicctl %s (ainic generic netlink family version %d)\n",
			       NICCTL_VERSION, AINIC_FAMILY_VERSION);
			return finish(0);
		case 'h':
			usage(stdout);
			return finish(0);
		default:
			if (optopt)
				return usage_error("nicctl help",
						   "option \"-%c\" is unknown",
						   optopt);
			return usage_error("nicctl help",
					   "option \"%s\" is unknown",
					   argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		usage(stderr);
		return 1;
	}

	obj = cmd_find(objects, argv[0], "object", "nicctl help");
	if (!obj)
		return 1;
	return finish(obj->fn(argc - 1, argv + 1));
}
