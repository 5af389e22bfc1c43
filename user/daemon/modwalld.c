// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwalld: the long-running part as a program of its own, so that only it
 * links libmicrohttpd, libnl and nettle. `modwall daemon ARGS` runs it with
 * the same arguments; `modwalld ARGS` is the same thing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "compile.h"
#include "daemon.h"

static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_warnings);
	mw_opts_from_env();
	argc = mw_global_opts(argc, argv);
	mw_country_db_use(mw_opts.geoip_db);
	argv[0] = "daemon";
	return mw_exit("daemon", cmd_daemon(argc, argv));
}
