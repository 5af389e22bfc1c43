// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Diagnostics, JSON output and table-driven option parsing for the CLI. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "jsonw.h"
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
	if ((env = getenv("MODWALL_GEOIP_DB")) && *env)
		mw_opts.geoip_db = env;
}

/*
 * What went to standard output in JSON mode: the one-value rule is kept
 * here, for every command at once, rather than on each error path.
 */
static struct {
	int values;	/* values printed */
	int error;	/* an {"error": ...} value printed */
	int stream;	/* NDJSON: several values, one per line */
	int data;	/* stdout carries data, not JSON */
} out;

static void json_error(const char *msg)
{
	struct json_object *o;

	if (!mw_opts.json || out.data || out.error || (out.values && !out.stream))
		return;
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
	out.error = 1;
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "modwall: %s%s\n", kind, buf);
	if (!*kind)
		json_error(buf);
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
	int flags = mw_opts.pretty && !out.stream ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
						  : JSON_C_TO_STRING_PLAIN;

	if (!out.error) {
		printf("%s\n", json_object_to_json_string_ext(obj, flags |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		out.values++;
	}
	json_object_put(obj);
}

void mw_json_begin(struct mw_jw *w)
{
	if (out.error) {
		mw_jw_init(w, NULL, 0);
		return;
	}
	mw_jw_init(w, stdout, mw_opts.pretty && !out.stream);
	out.values++;
}

int mw_json_end(struct mw_jw *w)
{
	int rc = mw_jw_error(w);

	if (w->f)
		putchar('\n');
	return rc;
}

void mw_json_stream(void)
{
	out.stream = 1;
}

void mw_stdout_is_data(void)
{
	out.data = 1;
}

int mw_exit(const char *cmd, int rc)
{
	char msg[128];

	if (rc != MW_EXIT_OK && !out.values) {
		snprintf(msg, sizeof(msg), "%s: failed (exit status %d); see standard error", cmd,
			 rc);
		json_error(msg);
	}
	return rc;
}

static int is_global(const char *w)
{
	if (!strcmp(w, "--json") || !strcmp(w, "--pretty") || !strcmp(w, "--quiet"))
		return 1;
	if (w[0] != '-' || !w[1])
		return 0;
	return strspn(w + 1, "jpq") == strlen(w + 1);
}

int mw_global_opts(int argc, char **argv)
{
	int i, k = 1;

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "--")) {
			while (i < argc)
				argv[k++] = argv[i++];
			break;
		}
		/* the one global option with a value: the country database */
		if (!strncmp(w, "--geoip-db=", 11)) {
			mw_opts.geoip_db = w + 11;
			continue;
		}
		if (!strcmp(w, "--geoip-db") && i + 1 < argc) {
			mw_opts.geoip_db = argv[++i];
			continue;
		}
		if (!is_global(w)) {
			argv[k++] = argv[i];
			continue;
		}
		if (!strcmp(w, "--json") || (w[1] != '-' && strchr(w, 'j')))
			mw_opts.json = 1;
		if (!strcmp(w, "--pretty") || (w[1] != '-' && strchr(w, 'p')))
			mw_opts.json = mw_opts.pretty = 1;
		if (!strcmp(w, "--quiet") || (w[1] != '-' && strchr(w, 'q')))
			mw_opts.quiet = 1;
	}
	argv[k] = NULL;
	return k;
}

/* The global options, in every command's --help. */
static const struct {
	const char *lhs, *help;
} global_help[] = {
	{ "-j, --json", "print one JSON value; an error is {\"error\": \"...\"}" },
	{ "-p, --pretty", "indent the JSON (implies --json)" },
	{ "-q, --quiet", "no warnings" },
	{ "    --geoip-db FILE", "country database: a MaxMind DB (.mmdb) or a GeoIP .dat "
			      "(default: Debian's geoip-database)" },
};

static void print_help(const char *usage, const struct mw_opt *opts)
{
	const struct mw_opt *o;
	size_t i;

	printf("Usage: modwall %s\n\nOptions:\n", usage);
	for (o = opts; o && o->name; o++) {
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
	printf("\nGlobal options (anywhere on the command line, before a '--'):\n");
	for (i = 0; i < sizeof(global_help) / sizeof(global_help[0]); i++)
		printf("  %-28s %s\n", global_help[i].lhs, global_help[i].help);
}

const char *mw_getopt_cmd = "modwall";

int mw_getopt(int argc, char **argv, const char *usage, const struct mw_opt *opts,
	      mw_opt_fn handle, void *ctx)
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

	mw_getopt_cmd = argv[0];
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
		if (handle(&opts[i], optarg, ctx))
			return -1;
	}
	return optind;
}
