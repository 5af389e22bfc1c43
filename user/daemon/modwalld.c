// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwalld: the long-running part as a program of its own, so that only it
 * links libmicrohttpd, libnl and nettle. `modwall daemon ARGS` runs it with
 * the same arguments; `modwalld ARGS` is the same thing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "daemon.h"

static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_warnings);
	mw_opts_from_env();
	while (argc > 1 && (!strcmp(argv[1], "--json") || !strcmp(argv[1], "-j") ||
			    !strcmp(argv[1], "--quiet") || !strcmp(argv[1], "-q"))) {
		if (argv[1][1] == 'j' || argv[1][2] == 'j')
			mw_opts.json = 1;
		else
			mw_opts.quiet = 1;
		argv++;
		argc--;
	}
	argv[0] = "daemon";
	return cmd_daemon(argc, argv);
}
