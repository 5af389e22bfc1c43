// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * daemon: hand over to modwalld, the long-running program. It is looked for
 * beside this executable first (a build tree, or the same sbin), then in
 * $PATH; MODWALLD names it explicitly.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

int cmd_daemon(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 16];
	const char *env = getenv("MODWALLD");
	char **args;
	ssize_t n;
	int i, k = 0;

	args = calloc((size_t)argc + 6, sizeof(*args));
	if (!args) {
		mw_err("daemon: out of memory");
		return MW_EXIT_FAIL;
	}
	args[k++] = "modwalld";
	if (mw_opts.pretty)
		args[k++] = "--pretty";
	else if (mw_opts.json)
		args[k++] = "--json";
	if (mw_opts.quiet)
		args[k++] = "--quiet";
	/* the country database: policy country rules and the flow metrics */
	if (mw_opts.geoip_db) {
		args[k++] = "--geoip-db";
		args[k++] = (char *)mw_opts.geoip_db;
	}
	for (i = 1; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	if (env && *env) {
		execv(env, args);
		mw_err("daemon: cannot run %s: %s", env, strerror(errno));
		free(args);
		return MW_EXIT_FAIL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		snprintf(path, sizeof(path), "%s/modwalld", dirname(self));
		execv(path, args);
	}
	execvp("modwalld", args);
	mw_err("daemon: cannot run modwalld (beside this program or in PATH): %s",
	       strerror(errno));
	free(args);
	return MW_EXIT_FAIL;
}
