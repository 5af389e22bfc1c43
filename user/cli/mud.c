// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwall mud import FILE.json: a MUD file's from-device ACLs (RFC 8520) as
 * a policy block of the modwall language, to review, give to devices and
 * check like any policy. The conversion is user/mud.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "mud.h"

static const char mud_usage[] = "mud import [--name POLICY] [--resolve] [--lenient] "
				"[--local PREFIX]... [--my-controller PREFIX]... "
				"[--same-manufacturer PREFIX]... [--controller URI=PREFIX[,PREFIX]]... "
				"[--manufacturer DOMAIN=PREFIX[,PREFIX]]... "
				"[--model URI=PREFIX[,PREFIX]]... [-o OUT] FILE.json";

enum { MUD_NAME, MUD_RESOLVE, MUD_LENIENT, MUD_OUTPUT, MUD_DECL };

static const struct mw_opt import_opts[] = {
	{ MUD_NAME, "name", 'n', "POLICY", "name of the policy (default: from the first "
	  "from-device ACL)" },
	{ MUD_RESOLVE, "resolve", 'r', NULL, "resolve DNS names now (getaddrinfo) into address "
	  "rules, which do not follow later changes (default: name rules)" },
	{ MUD_LENIENT, "lenient", 'l', NULL, "leave out or widen what cannot be expressed, with a "
	  "warning" },
	{ MUD_OUTPUT, "output", 'o', "OUT", "write the policy to OUT instead of standard output" },
	{ MUD_DECL + MW_MUD_LOCAL, "local", 0, "PREFIX", "a prefix of the local networks "
	  "(addrset local-networks); repeatable" },
	{ MUD_DECL + MW_MUD_MY_CONTROLLER, "my-controller", 0, "PREFIX", "a prefix of the "
	  "device's controller (addrset my-controller); repeatable" },
	{ MUD_DECL + MW_MUD_SAME_MFR, "same-manufacturer", 0, "PREFIX", "a prefix of the devices "
	  "of the same manufacturer (addrset same-manufacturer); repeatable" },
	{ MUD_DECL + MW_MUD_CONTROLLER, "controller", 0, "URI=PREFIX[,PREFIX]", "the prefixes of "
	  "the controller class URI (addrset ctl-URI); repeatable" },
	{ MUD_DECL + MW_MUD_MANUFACTURER, "manufacturer", 0, "DOMAIN=PREFIX[,PREFIX]", "the "
	  "prefixes of the devices of manufacturer DOMAIN (addrset mfr-DOMAIN); repeatable" },
	{ MUD_DECL + MW_MUD_MODEL, "model", 0, "URI=PREFIX[,PREFIX]", "the prefixes of the "
	  "devices of model URI (addrset model-URI); repeatable" },
	{ 0, NULL, 0, NULL, NULL },
};

struct import_args {
	struct mw_mud_opts o;
	const char *out;
	struct mw_mud_decl *decl;
	int ndecl;
};

static int import_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct import_args *a = ctx;

	switch (opt->id) {
	case MUD_NAME:
		a->o.name = arg;
		break;
	case MUD_RESOLVE:
		a->o.resolve = 1;
		break;
	case MUD_LENIENT:
		a->o.lenient = 1;
		break;
	case MUD_OUTPUT:
		a->out = arg;
		break;
	default: {
		char err[256];

		if (mw_mud_parse_decl(opt->id - MUD_DECL, arg, &a->decl, &a->ndecl, err,
				      sizeof(err))) {
			mw_err("mud import: %s", err);
			return -1;
		}
		break;
	}
	}
	return 0;
}

static int write_out(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		mw_err("mud import: %s: %s", path, strerror(errno));
		return -1;
	}
	fputs(text, f);
	if (fflush(f) || ferror(f)) {
		mw_err("mud import: %s: %s", path, strerror(errno ? errno : EIO));
		fclose(f);
		return -1;
	}
	if (fclose(f)) {
		mw_err("mud import: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int import(int argc, char **argv, struct import_args *ap);

static int cmd_mud_import(int argc, char **argv)
{
	struct import_args args = { { 0 }, NULL, NULL, 0 };
	int rc;

	rc = import(argc, argv, &args);
	mw_mud_decls_free(args.decl, args.ndecl);
	return rc;
}

static int import(int argc, char **argv, struct import_args *ap)
{
	struct import_args args;
	struct mw_mud m;
	int first, i;

	first = mw_getopt(argc, argv, mud_usage, import_opts, import_opt, ap);
	args = *ap;
	args.o.decl = args.decl;
	args.o.ndecl = args.ndecl;
	if (first == -2)
		return MW_EXIT_OK;
	if (first < 0)
		return MW_EXIT_USAGE;
	if (argc - first != 1) {
		mw_err("mud import: %s", argc - first ? "one MUD file at a time"
						      : "a MUD file (JSON) is needed");
		fprintf(stderr, "Usage: modwall %s\n", mud_usage);
		return MW_EXIT_USAGE;
	}

	if (args.o.name && !mw_mud_valid_name(args.o.name)) {
		mw_err("mud import: --name '%s' is not a valid policy name: letters, digits, '_', "
		       "'-' and '.', starting with a letter or '_', at most %d characters, and not "
		       "a keyword or a built-in policy", args.o.name, MW_NAME_LEN - 1);
		return MW_EXIT_USAGE;
	}
	if (mw_mud_import_file(&m, argv[first], &args.o)) {
		mw_print_diag(&m.errors, "");
		if (!mw_opts.quiet)
			mw_print_diag(&m.warnings, "warning: ");
		if (mw_opts.json)
			mw_err("mud import: %s: %d error(s)", argv[first], m.errors.n);
		mw_mud_free(&m);
		return MW_EXIT_USAGE;
	}
	if (!mw_opts.quiet) {
		mw_print_diag(&m.warnings, "warning: ");
		if (!mw_opts.json)
			mw_print_diag(&m.notes, "note: ");
	}
	if (args.out && write_out(args.out, m.text)) {
		mw_mud_free(&m);
		return MW_EXIT_FAIL;
	}
	if (mw_opts.json) {
		struct json_object *o = json_object_new_object();
		struct json_object *notes = json_object_new_array();

		for (i = 0; i < m.warnings.n; i++) {
			char buf[1024];

			snprintf(buf, sizeof(buf), "warning: %s", m.warnings.msg[i]);
			json_object_array_add(notes, json_object_new_string(buf));
		}
		for (i = 0; i < m.notes.n; i++)
			json_object_array_add(notes, json_object_new_string(m.notes.msg[i]));
		json_object_object_add(o, "policy", json_object_new_string(m.text));
		json_object_object_add(o, "name", json_object_new_string(m.name));
		json_object_object_add(o, "rules", json_object_new_int(m.nrules));
		json_object_object_add(o, "notes", notes);
		mw_json_print(o);
	} else if (!args.out) {
		fputs(m.text, stdout);
	}
	mw_mud_free(&m);
	return MW_EXIT_OK;
}

int cmd_mud(int argc, char **argv)
{
	char **sub;
	int rc, i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;

		if (argc < 2)
			mw_err("mud: which subcommand? ('import')");
		fprintf(f, "Usage: modwall %s\n\n"
			   "Print the from-device ACLs of a MUD file (RFC 8520) as a policy block;\n"
			   "with --json, {\"policy\": TEXT, \"name\": ..., \"rules\": N, \"notes\": [...]}.\n"
			   "'modwall mud import --help' lists the options.\n", mud_usage);
		return argc < 2 ? MW_EXIT_USAGE : MW_EXIT_OK;
	}
	if (strcmp(argv[1], "import")) {
		mw_err("mud: what is '%s'? The subcommand is 'import'", argv[1]);
		fprintf(stderr, "Usage: modwall %s\n", mud_usage);
		return MW_EXIT_USAGE;
	}
	/* "mud import" is the command name in option errors */
	sub = calloc((size_t)argc, sizeof(*sub));
	if (!sub) {
		mw_err("mud: %s", strerror(ENOMEM));
		return MW_EXIT_FAIL;
	}
	sub[0] = (char *)"mud import";
	for (i = 2; i < argc; i++)
		sub[i - 1] = argv[i];
	rc = cmd_mud_import(argc - 1, sub);
	free(sub);
	return rc;
}
