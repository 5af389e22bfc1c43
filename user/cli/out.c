// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Diagnostics, JSON output and table-driven option parsing for the CLI. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "modwall.h"
#include "policy.h"

struct mw_opts mw_opts = {
	.pin_dir = MW_PIN_DIR,
	.ieee_dir = "/usr/share/ieee-data",
};

void mw_opts_from_env(void)
{
	const char *env;

	if ((env = getenv("MODWALL_PIN_DIR")) && *env)
		mw_opts.pin_dir = env;
	if ((env = getenv("MODWALL_IEEE_DIR")) && *env)
		mw_opts.ieee_dir = env;
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "modwall: %s%s\n", kind, buf);
	if (mw_opts.json && !*kind) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(buf));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
}

void mw_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void mw_warn(const char *fmt, ...)
{
	va_list ap;

	if (mw_opts.quiet)
		return;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void mw_print_diag(const struct mw_diag *d, const char *kind)
{
	int i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "modwall: %s%s\n", kind, d->msg[i]);
	fflush(stderr);
}

void mw_json_print(struct json_object *obj)
{
	int flags = mw_opts.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
				   : JSON_C_TO_STRING_PLAIN;

	printf("%s\n", json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

static void print_help(const char *usage, const struct mw_opt *opts)
{
	const struct mw_opt *o;

	printf("Usage: modwall %s\n", usage);
	if (!opts || !opts->name)
		return;
	printf("\nOptions:\n");
	for (o = opts; o->name; o++) {
		char lhs[64];

		if (o->short_name)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		printf("  %-28s %s\n", lhs, o->help);
	}
	printf("  %-28s %s\n", "-h, --help", "show this help");
}

int mw_getopt(int argc, char **argv, const char *usage, const struct mw_opt *opts,
	      int (*handle)(int idx, const char *arg, void *ctx), void *ctx)
{
	struct option lo[64];
	char so[160] = "h";
	int n = 0, c, i;

	for (i = 0; opts && opts[i].name && i < 62; i++, n++) {
		lo[n].name = opts[i].name;
		lo[n].has_arg = opts[i].arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + i;
		if (opts[i].short_name) {
			size_t l = strlen(so);

			so[l] = opts[i].short_name;
			so[l + 1] = opts[i].arg ? ':' : 0;
			so[l + 2] = 0;
		}
	}
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ 0, 0, 0, 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == 'h') {
			print_help(usage, opts);
			return -2;
		}
		if (c == '?' || c == ':') {
			if (optopt >= 256 || (optopt == 0 && argv[optind - 1]))
				mw_err("%s: option '%s' %s", argv[0], argv[optind - 1],
				       c == ':' || (optopt >= 256 && opts[optopt - 256].arg)
					       ? "needs an argument" : "is not known");
			else
				mw_err("%s: option '-%c' %s", argv[0], optopt,
				       c == ':' ? "needs an argument" : "is not known");
			fprintf(stderr, "Usage: modwall %s (see 'modwall %s --help')\n", usage, argv[0]);
			return -1;
		}
		if (c < 256) {
			for (i = 0; opts[i].name; i++)
				if (opts[i].short_name == c)
					break;
		} else {
			i = c - 256;
		}
		if (handle(i, optarg, ctx))
			return -1;
	}
	return optind;
}
