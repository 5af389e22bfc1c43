// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwall vendors QUERY: the IEEE assignments of a vendor, or the
 * assignment a MAC address (or MAC prefix) falls in. This is what a policy's
 * `vendor "NAME"` resolves to, so operators can see it before applying.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "cli.h"
#include "ieee.h"

enum { VENDORS_NAME };

static const struct mw_opt vendors_opts[] = {
	{ VENDORS_NAME, "name", 'n', NULL, "QUERY is a vendor name even if it reads as a MAC "
	  "prefix" },
	{ 0, NULL, 0, NULL, NULL },
};

struct vendors_args {
	int by_name;
};

static int vendors_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct vendors_args *a = ctx;

	(void)arg;
	switch (opt->id) {
	case VENDORS_NAME:
		a->by_name = 1;
		break;
	}
	return 0;
}

/*
 * Whether a QUERY that parses as neither a MAC nor a MAC prefix was meant as
 * one (and deserves the parse error): only hex digits and separators, with
 * at least one separator ("00:11:22:33:44", "00-1b-c5/20"), or four and
 * more groups of one or two letters or digits ("00:11:22:33:44:5g").
 * Vendor names such as "e:cue", "S-I-C" or "IT-1" stay names.
 */
static int looks_like_mac(const char *s)
{
	int sep = 0, hex = 1, groups = 1, glen = 0, short_groups = 1;
	const char *p;

	for (p = s; *p && *p != '/'; p++) {
		if (*p == ':' || *p == '-') {
			sep = 1;
			groups++;
			short_groups &= glen >= 1 && glen <= 2;
			glen = 0;
		} else if (isalnum((unsigned char)*p)) {
			hex &= isxdigit((unsigned char)*p) != 0;
			glen++;
		} else {
			return 0;
		}
	}
	short_groups &= glen >= 1 && glen <= 2;
	if (*p == '/') {
		sep = 1;
		while (*++p)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	return (hex && sep) || (short_groups && groups >= 4);
}

static int is_option(const char *arg)
{
	return arg[0] == '-' && arg[1];
}

/*
 * Options may follow QUERY (`modwall vendors Quectel --json`) although
 * mw_getopt stops at the first operand: move them in front, keeping their
 * order. None takes an argument, so every "-..." word is one option; "--"
 * ends the options.
 */
static void options_first(int argc, char **argv)
{
	char **tmp;
	int end, i, n = 0;

	for (end = 1; end < argc && strcmp(argv[end], "--"); end++)
		;
	tmp = malloc((size_t)argc * sizeof(*tmp));
	if (!tmp)
		return;
	for (i = 1; i < end; i++)
		if (is_option(argv[i]))
			tmp[n++] = argv[i];
	if (end < argc)
		tmp[n++] = argv[end];	/* "--": the rest are operands */
	for (i = 1; i < end; i++)
		if (!is_option(argv[i]))
			tmp[n++] = argv[i];
	for (i = end + 1; i < argc; i++)
		tmp[n++] = argv[i];
	memcpy(argv + 1, tmp, (size_t)n * sizeof(*argv));
	free(tmp);
}

static struct json_object *json_entry(const struct mw_ieee_entry *e)
{
	struct json_object *o = json_object_new_object();
	char p[24];

	mw_ieee_format_prefix(e->prefix, e->bits, p);
	json_object_object_add(o, "registry", json_object_new_string(e->registry));
	json_object_object_add(o, "prefix", json_object_new_string(p));
	json_object_object_add(o, "bits", json_object_new_int(e->bits));
	json_object_object_add(o, "organization", json_object_new_string(e->org));
	return o;
}

static void print_json(const char *query, const struct mw_ieee_entry *const *v, size_t n,
		       const char *const *orgs, size_t norgs)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	struct json_object *g = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_entry(v[i]));
	for (i = 0; i < norgs; i++)
		json_object_array_add(g, json_object_new_string(orgs[i]));
	json_object_object_add(o, "query", json_object_new_string(query));
	json_object_object_add(o, "assignments", a);
	json_object_object_add(o, "organizations", g);
	mw_json_print(o);
}

static void print_table(const struct mw_ieee_entry *const *v, size_t n)
{
	size_t i;

	printf("%-9s %-18s %s\n", "REGISTRY", "PREFIX", "ORGANIZATION");
	for (i = 0; i < n; i++) {
		char p[24];

		mw_ieee_format_prefix(v[i]->prefix, v[i]->bits, p);
		printf("%-9s %-18s %s\n", v[i]->registry, p, v[i]->org);
	}
}

static void print_summary(const struct mw_ieee_entry *const *v, size_t n, size_t norgs)
{
	size_t ma_l = 0, ma_m = 0, ma_s = 0, iab = 0, i;

	for (i = 0; i < n; i++) {
		if (!strcmp(v[i]->registry, "MA-L"))
			ma_l++;
		else if (!strcmp(v[i]->registry, "MA-M"))
			ma_m++;
		else if (!strcmp(v[i]->registry, "MA-S"))
			ma_s++;
		else
			iab++;
	}
	printf("%zu assignment%s (%zu MA-L, %zu MA-M, %zu MA-S, %zu IAB) for %zu organisation%s\n",
	       n, n == 1 ? "" : "s", ma_l, ma_m, ma_s, iab, norgs, norgs == 1 ? "" : "s");
}

/* "A"; "B"; "C" and N more: the organizations a name matched. */
static void warn_ambiguous(const char *query, const char *const *orgs, size_t norgs)
{
	char list[768];
	size_t i, len = 0, shown = 0;

	list[0] = 0;
	for (i = 0; i < norgs && len < sizeof(list); i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s\"%s\"", i ? ", " : "", orgs[i]);

		if (w < 0 || (size_t)w >= sizeof(list) - len || i == 8) {
			list[len] = 0;
			break;
		}
		len += (size_t)w;
		shown++;
	}
	if (shown < norgs)
		snprintf(list + len, sizeof(list) - len, " and %zu more", norgs - shown);
	mw_warn("\"%s\" matches %zu organizations: %s", query, norgs, list);
}

static int by_address(const struct mw_ieee *db, const char *query, uint64_t mac, int bits)
{
	const struct mw_ieee_entry *e = mw_ieee_lookup_prefix(db, mac, bits);
	const struct mw_ieee_entry *v[8];
	const char **orgs;
	size_t n = 0;
	ssize_t k;

	if (!e) {
		/* The U/L bit of the first octet: set on addresses no registry hands out. */
		mw_err("no IEEE assignment contains %s%s", query,
		       (mac >> 40) & 0x02 ? " (a locally administered address)" : "");
		return MW_EXIT_FAIL;
	}
	/* A few early MA-Ls went to several organizations (08:00:30): show them all. */
	for (; e < db->v + db->n && n < sizeof(v) / sizeof(v[0]); e++) {
		if (n && (e->prefix != v[0]->prefix || e->bits != v[0]->bits))
			break;
		v[n++] = e;
	}
	k = mw_ieee_orgs(v, n, &orgs);
	if (k < 0) {
		mw_err("vendors: %s", strerror(errno));
		return MW_EXIT_FAIL;
	}
	if (mw_opts.json)
		print_json(query, v, n, orgs, (size_t)k);
	else
		print_table(v, n);
	free(orgs);
	return MW_EXIT_OK;
}

static int by_name(const struct mw_ieee *db, const char *query)
{
	const struct mw_ieee_entry **v;
	const char **orgs;
	size_t norgs;
	ssize_t n, k;

	n = mw_ieee_find_vendor(db, query, &v, &norgs);
	if (n < 0 && errno == EINVAL) {
		mw_err("vendors: \"%s\" has no letter or digit to match", query);
		return MW_EXIT_USAGE;
	}
	if (n < 0) {
		mw_err("vendors: %s", strerror(errno));
		return MW_EXIT_FAIL;
	}
	if (n == 0) {
		mw_err("no IEEE assignment matches \"%s\"", query);
		return MW_EXIT_FAIL;
	}
	k = mw_ieee_orgs(v, (size_t)n, &orgs);
	if (k < 0) {
		free(v);
		mw_err("vendors: %s", strerror(errno));
		return MW_EXIT_FAIL;
	}
	if (k > 1)
		warn_ambiguous(query, orgs, (size_t)k);
	if (mw_opts.json) {
		print_json(query, v, (size_t)n, orgs, (size_t)k);
	} else {
		print_table(v, (size_t)n);
		print_summary(v, (size_t)n, (size_t)k);
	}
	free(orgs);
	free(v);
	return MW_EXIT_OK;
}

int cmd_vendors(int argc, char **argv)
{
	static const char usage[] = "vendors [--name] NAME... | MAC | MAC-PREFIX";
	struct vendors_args args = { 0 };
	struct mw_ieee db;
	char err[512], *query;
	size_t qlen = 0;
	uint64_t mac = 0;
	int first, i, bits = 0, rc;

	options_first(argc, argv);
	first = mw_getopt(argc, argv, usage, vendors_opts, vendors_opt, &args);
	if (first == -2)
		return MW_EXIT_OK;
	if (first < 0)
		return MW_EXIT_USAGE;
	if (first >= argc) {
		mw_err("vendors: a QUERY is needed (vendor name, MAC or MAC prefix)");
		fprintf(stderr, "Usage: modwall %s\n", usage);
		return MW_EXIT_USAGE;
	}

	/* Several operands are one name: `modwall vendors Sierra Wireless`. */
	for (i = first; i < argc; i++)
		qlen += strlen(argv[i]) + 1;
	query = malloc(qlen);
	if (!query) {
		mw_err("vendors: %s", strerror(ENOMEM));
		return MW_EXIT_FAIL;
	}
	query[0] = 0;
	for (i = first; i < argc; i++) {
		if (i > first)
			strcat(query, " ");
		strcat(query, argv[i]);
	}

	if (!args.by_name) {
		struct mw_perr e = { 0 };

		if (!mw_parse_mac(query, &mac, &e)) {
			bits = 48;
		} else if (!mw_parse_mac_prefix(query, &mac, &bits, &e)) {
			/* bits set */
		} else if (looks_like_mac(query)) {
			/* Report what the user most likely meant: 4 separators and up, a MAC. */
			size_t seps = 0;
			const char *p;

			for (p = query; *p; p++)
				seps += *p == ':' || *p == '-';
			if (!strchr(query, '/') && seps >= 4)
				mw_parse_mac(query, &mac, &e);
			mw_err("\"%s\", column %d: %s (--name searches it as a vendor name)",
			       query, e.col + 1, e.msg);
			free(query);
			return MW_EXIT_USAGE;
		}
	}

	if (mw_ieee_load(&db, mw_opts.ieee_dir, err, sizeof(err))) {
		mw_err("%s", err);
		free(query);
		return MW_EXIT_FAIL;
	}
	if (bits)
		rc = by_address(&db, query, mac, bits);
	else
		rc = by_name(&db, query);
	mw_ieee_free(&db);
	free(query);
	return rc;
}
