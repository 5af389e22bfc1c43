// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* unload: detach from one interface or all of them. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "state.h"

enum { UNLOAD_ALL, UNLOAD_KEEP_STATE };

static const struct mw_opt unload_opts[] = {
	{ UNLOAD_ALL, "all", 'a', NULL, "detach from every interface modwall is attached to" },
	{ UNLOAD_KEEP_STATE, "keep-state", 0, NULL, "keep maps and counters when the last "
	  "interface goes" },
	{ 0, NULL, 0, NULL, NULL },
};

struct unload_ctx {
	int all, keep;
};

static int unload_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct unload_ctx *c = ctx;

	(void)arg;
	switch (opt->id) {
	case UNLOAD_ALL:
		c->all = 1;
		break;
	case UNLOAD_KEEP_STATE:
		c->keep = 1;
		break;
	}
	return 0;
}

int cmd_unload(int argc, char **argv)
{
	struct unload_ctx c = { 0 };
	char err[1024];
	int i, rc;

	i = mw_getopt(argc, argv, "unload IFACE | --all [--keep-state]", unload_opts, unload_opt,
		      &c);
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if ((c.all && argc - i != 0) || (!c.all && argc - i != 1)) {
		mw_err("unload: name one interface, or --all");
		return MW_EXIT_USAGE;
	}
	rc = mw_unload(mw_opts.pin_dir, c.all ? NULL : argv[i], c.keep, err, sizeof(err));
	if (rc) {
		mw_err("unload: %s", err);
		return MW_EXIT_FAIL;
	}
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "unloaded", json_object_new_string(c.all ? "all" : argv[i]));
		mw_json_print(j);
	} else {
		printf("detached %s\n", c.all ? "from all interfaces" : argv[i]);
	}
	return MW_EXIT_OK;
}
