// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* discovered: the discovery table and LRU map (untagged MACs of watched vendor classes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "apply.h"
#include "cli.h"
#include "ieee.h"
#include "ring.h"
#include "values.h"

enum { SORT_LAST, SORT_PACKETS, SORT_BYTES };

struct disc_args {
	const char *vendor;
	int sort;
};

enum { DISC_VENDOR, DISC_SORT };

static const struct mw_opt disc_opts[] = {
	{ DISC_VENDOR, "vendor", 'v', "NAME", "only MACs whose IEEE organization matches NAME, "
	  "as in a policy" },
	{ DISC_SORT, "sort", 's', "KEY", "last (most recently seen first, the default), packets "
	  "or bytes" },
	{ 0, NULL, 0, NULL, NULL },
};

static int disc_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	/* in the order of SORT_LAST, SORT_PACKETS, SORT_BYTES */
	static const char *const keys[] = { "last", "packets", "bytes", NULL };
	struct disc_args *a = ctx;

	switch (opt->id) {
	case DISC_VENDOR:
		a->vendor = arg;
		break;
	case DISC_SORT:
		return mw_val_choice(opt, arg, keys, &a->sort);
	}
	return 0;
}

static int sort_key;

static int cmp_disc(const void *pa, const void *pb)
{
	const struct mw_disc_entry *a = pa, *b = pb;
	uint64_t x, y;

	switch (sort_key) {
	case SORT_PACKETS:
		x = a->v.packets;
		y = b->v.packets;
		break;
	case SORT_BYTES:
		x = a->v.bytes;
		y = b->v.bytes;
		break;
	default:
		x = a->v.last_ns;
		y = b->v.last_ns;
	}
	if (x != y)
		return x > y ? -1 : 1;
	return a->mac < b->mac ? -1 : a->mac > b->mac;
}

static int cmp_ptr(const void *a, const void *b)
{
	const void *x = *(const void *const *)a, *y = *(const void *const *)b;

	return x < y ? -1 : x > y;
}

/* Display row of one discovered MAC. */
struct disc_row {
	char mac[18], first[32], last[32], ip[INET6_ADDRSTRLEN];
	const char *vendor, *class, *ifname;
};

/* One listing: the registry, the --vendor filter, the entries and their rows. */
struct disc {
	struct disc_args a;
	struct mw_ieee db;
	int have_db;
	const struct mw_ieee_entry **match;	/* --vendor's assignments, by address */
	size_t nmatch;
	struct mw_disc_entry *v;		/* the entries shown, in order */
	size_t n;
	struct disc_row *rows;			/* one per entry */
	size_t nclass;				/* classes the entries fall in */
	int wv, wc, wi;				/* widths of VENDOR, CLASS, LAST IP */
};

/* The registry, and the assignments --vendor names. Returns an exit code, or -1 to go on. */
static int vendor_filter(struct disc *x)
{
	char err[1024];
	size_t norgs;
	ssize_t k;

	x->have_db = mw_ieee_load(&x->db, mw_opts.ieee_dir, err, sizeof(err)) == 0;
	if (!x->have_db && x->a.vendor) {
		mw_err("discovered: --vendor needs the IEEE registry: %s", err);
		return MW_EXIT_FAIL;
	}
	if (!x->have_db)
		mw_warn("discovered: no vendor names: %s", err);
	if (!x->a.vendor)
		return -1;
	k = mw_ieee_find_vendor(&x->db, x->a.vendor, &x->match, &norgs);
	if (k <= 0) {
		mw_err("discovered: --vendor '%s' %s", x->a.vendor,
		       k < 0 && errno == EINVAL ? "has no letter or digit"
		       : k < 0 ? strerror(errno) : "matches no IEEE assignment");
		return k < 0 && errno != EINVAL ? MW_EXIT_FAIL : MW_EXIT_USAGE;
	}
	x->nmatch = (size_t)k;
	qsort(x->match, x->nmatch, sizeof(*x->match), cmp_ptr);
	return -1;
}

/* Keep the @got entries read that --vendor selects, in --sort order. */
static void select_entries(struct disc *x, size_t got)
{
	size_t i;

	for (i = 0; i < got; i++) {
		const struct mw_ieee_entry *e = x->have_db ? mw_ieee_lookup(&x->db, x->v[i].mac)
							   : NULL;

		if (x->a.vendor &&
		    (!e || !bsearch(&e, x->match, x->nmatch, sizeof(*x->match), cmp_ptr)))
			continue;
		x->v[x->n++] = x->v[i];
	}
	sort_key = x->a.sort;
	qsort(x->v, x->n, sizeof(*x->v), cmp_disc);
}

/* Names, times and addresses of the entries kept, and the column widths. */
static int make_rows(struct disc *x, const struct mw_maps *m, struct names *nm, struct ifn *ifc)
{
	int64_t off = mw_clock_offset();
	uint8_t *seen = calloc(m->max_subjects, 1);
	size_t i;

	x->rows = calloc(x->n + 1, sizeof(*x->rows));
	if (!x->rows || !seen) {
		free(seen);
		return -1;
	}
	x->wv = 6;
	x->wc = 5;
	x->wi = 7;
	for (i = 0; i < x->n; i++) {
		const struct mw_disc_val *d = &x->v[i].v;
		const struct mw_ieee_entry *e = x->have_db ? mw_ieee_lookup(&x->db, x->v[i].mac)
							   : NULL;
		struct disc_row *r = &x->rows[i];

		mw_format_mac(x->v[i].mac, r->mac);
		r->vendor = e ? e->org : NULL;
		r->class = names_get(nm, d->subject);
		if (d->subject < m->max_subjects && !seen[d->subject]) {
			seen[d->subject] = 1;
			x->nclass++;
		}
		mw_format_iso(d->first_ns + (uint64_t)off, 3, r->first, sizeof(r->first));
		mw_format_iso(d->last_ns + (uint64_t)off, 3, r->last, sizeof(r->last));
		if (!addr_str(d->family, d->addr, r->ip, sizeof(r->ip)))
			strcpy(r->ip, "-");
		r->ifname = ifn_get(ifc, d->ifindex);
		if (r->vendor && (int)strlen(r->vendor) > x->wv)
			x->wv = (int)strlen(r->vendor);
		if (r->class && (int)strlen(r->class) > x->wc)
			x->wc = (int)strlen(r->class);
		if ((int)strlen(r->ip) > x->wi)
			x->wi = (int)strlen(r->ip);
	}
	if (x->wv > 36)
		x->wv = 36;
	free(seen);
	return 0;
}

static void print_json(const struct disc *x)
{
	struct json_object *j = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < x->n; i++) {
		const struct mw_disc_val *d = &x->v[i].v;
		const struct disc_row *r = &x->rows[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "mac", json_object_new_string(r->mac));
		json_object_object_add(o, "vendor", str_or_null(r->vendor));
		json_object_object_add(o, "class", str_or_null(r->class));
		add_u64(o, "class_id", d->subject);
		json_object_object_add(o, "first_seen", json_object_new_string(r->first));
		json_object_object_add(o, "last_seen", json_object_new_string(r->last));
		add_u64(o, "packets", d->packets);
		add_u64(o, "bytes", d->bytes);
		json_object_object_add(o, "last_ip", str_or_null(strcmp(r->ip, "-") ? r->ip : NULL));
		json_object_object_add(o, "interface", str_or_null(r->ifname));
		add_u64(o, "ifindex", d->ifindex);
		json_object_array_add(arr, o);
	}
	json_object_object_add(j, "devices", arr);
	add_u64(j, "count", x->n);
	add_u64(j, "classes", x->nclass);
	json_object_object_add(j, "max_entries", json_object_new_int(MW_DISCOVERED_MAX));
	mw_json_print(j);
}

static void print_table(const struct disc *x)
{
	size_t i;

	printf("%-17s  ", "MAC");
	if (x->have_db)
		printf("%-*s  ", x->wv, "VENDOR");
	printf("%-*s  %-24s  %-24s  %10s  %12s  %-*s  %s\n", x->wc, "CLASS", "FIRST SEEN",
	       "LAST SEEN", "PACKETS", "BYTES", x->wi, "LAST IP", "INTERFACE");
	for (i = 0; i < x->n; i++) {
		const struct mw_disc_val *d = &x->v[i].v;
		const struct disc_row *r = &x->rows[i];
		char cls[24], ifx[24];

		printf("%-17s  ", r->mac);
		if (x->have_db)
			printf("%-*.*s  ", x->wv, x->wv, r->vendor ? r->vendor : "-");
		if (!r->class)
			snprintf(cls, sizeof(cls), "#%u", d->subject);
		if (!r->ifname)
			snprintf(ifx, sizeof(ifx), "ifindex %u", d->ifindex);
		printf("%-*s  %-24s  %-24s  %10llu  %12llu  %-*s  %s\n", x->wc,
		       r->class ? r->class : cls, r->first, r->last,
		       (unsigned long long)d->packets, (unsigned long long)d->bytes,
		       x->wi, r->ip, r->ifname ? r->ifname : ifx);
	}
	printf("%zu device%s in %zu class%s\n", x->n, x->n == 1 ? "" : "s", x->nclass,
	       x->nclass == 1 ? "" : "es");
}

int cmd_discovered(int argc, char **argv)
{
	struct disc x = { .a = { .sort = SORT_LAST } };
	struct ifn ifc = { 0 };
	struct names nm = { 0 };
	struct mw_maps m;
	char err[1024];
	int rc, ix;
	ssize_t got;

	ix = mw_getopt(argc, argv, "discovered [--vendor NAME] [--sort KEY]", disc_opts,
		       disc_opt, &x.a);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix < argc) {
		mw_err("discovered: takes no operand ('%s')", argv[ix]);
		return MW_EXIT_USAGE;
	}
	rc = vendor_filter(&x);
	if (rc >= 0)
		goto out_db;
	rc = MW_EXIT_FAIL;
	if (mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("discovered: %s", err);
		goto out_db;
	}
	nm.m = ifc.m = &m;
	if (names_load(&nm)) {
		mw_err("discovered: reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		goto out;
	}
	mw_ifnames_load(&m, &ifc.t);
	ifc.read_mono = mw_mono_ns();
	got = mw_read_discovered(&m, &x.v);
	if (got < 0) {
		mw_err("discovered: reading %s and %s: %s", MW_MAP_DISCTAB, MW_MAP_DISCOVERED,
		       strerror((int)-got));
		goto out;
	}
	select_entries(&x, (size_t)got);
	if (make_rows(&x, &m, &nm, &ifc)) {
		mw_err("discovered: out of memory");
		goto out;
	}
	if (mw_opts.json)
		print_json(&x);
	else
		print_table(&x);
	rc = MW_EXIT_OK;
out:
	free(x.rows);
	free(x.v);
	free(nm.tab);
	mw_maps_close(&m);
out_db:
	free(x.match);
	if (x.have_db)
		mw_ieee_free(&x.db);
	return rc;
}
