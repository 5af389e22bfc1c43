// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* discovered: the mw_discovered LRU map (untagged MACs of watched vendor classes). */
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

int cmd_discovered(int argc, char **argv)
{
	struct disc_args a = { .sort = SORT_LAST };
	const struct mw_ieee_entry **match = NULL;
	struct mw_disc_entry *v = NULL;
	struct ifn ifc = { 0 };
	struct names nm = { 0 };
	struct mw_ieee db = { 0 };
	struct disc_row *rows = NULL;
	struct mw_maps m;
	char err[1024];
	int have_db, rc = MW_EXIT_FAIL, ix;
	size_t i, n = 0, nmatch = 0, nclass = 0, wv = 6, wc = 5, wi = 7;
	ssize_t got;
	int64_t off;
	uint8_t *seen = NULL;

	ix = mw_getopt(argc, argv, "discovered [--vendor NAME] [--sort KEY]", disc_opts,
		       disc_opt, &a);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix < argc) {
		mw_err("discovered: takes no operand ('%s')", argv[ix]);
		return MW_EXIT_USAGE;
	}
	have_db = mw_ieee_load(&db, mw_opts.ieee_dir, err, sizeof(err)) == 0;
	if (!have_db && a.vendor) {
		mw_err("discovered: --vendor needs the IEEE registry: %s", err);
		return MW_EXIT_FAIL;
	}
	if (!have_db)
		mw_warn("discovered: no vendor names: %s", err);
	if (a.vendor) {
		size_t norgs;
		ssize_t k = mw_ieee_find_vendor(&db, a.vendor, &match, &norgs);

		if (k <= 0) {
			mw_err("discovered: --vendor '%s' %s", a.vendor,
			       k < 0 && errno == EINVAL ? "has no letter or digit"
			       : k < 0 ? strerror(errno) : "matches no IEEE assignment");
			rc = k < 0 && errno != EINVAL ? MW_EXIT_FAIL : MW_EXIT_USAGE;
			mw_ieee_free(&db);
			return rc;
		}
		nmatch = (size_t)k;
		qsort(match, nmatch, sizeof(*match), cmp_ptr);
	}
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
	got = mw_read_discovered(&m, &v);
	if (got < 0) {
		mw_err("discovered: reading %s: %s", MW_MAP_DISCOVERED, strerror((int)-got));
		goto out;
	}
	off = mw_clock_offset();
	rows = calloc((size_t)got + 1, sizeof(*rows));
	seen = calloc(m.max_subjects, 1);
	if (!rows || !seen) {
		mw_err("discovered: out of memory");
		goto out;
	}
	for (i = 0; i < (size_t)got; i++) {
		const struct mw_ieee_entry *e = have_db ? mw_ieee_lookup(&db, v[i].mac) : NULL;

		if (a.vendor && (!e || !bsearch(&e, match, nmatch, sizeof(*match), cmp_ptr)))
			continue;
		v[n++] = v[i];
	}
	sort_key = a.sort;
	qsort(v, n, sizeof(*v), cmp_disc);
	for (i = 0; i < n; i++) {
		const struct mw_disc_val *d = &v[i].v;
		const struct mw_ieee_entry *e = have_db ? mw_ieee_lookup(&db, v[i].mac) : NULL;
		struct disc_row *r = &rows[i];

		mw_format_mac(v[i].mac, r->mac);
		r->vendor = e ? e->org : NULL;
		r->class = names_get(&nm, d->subject);
		if (d->subject < m.max_subjects && !seen[d->subject]) {
			seen[d->subject] = 1;
			nclass++;
		}
		mw_format_iso(d->first_ns + (uint64_t)off, 3, r->first, sizeof(r->first));
		mw_format_iso(d->last_ns + (uint64_t)off, 3, r->last, sizeof(r->last));
		if (!addr_str(d->family, d->addr, r->ip, sizeof(r->ip)))
			strcpy(r->ip, "-");
		r->ifname = ifn_get(&ifc, d->ifindex);
		if (r->vendor && strlen(r->vendor) > wv)
			wv = strlen(r->vendor);
		if (r->class && strlen(r->class) > wc)
			wc = strlen(r->class);
		if (strlen(r->ip) > wi)
			wi = strlen(r->ip);
	}
	if (wv > 36)
		wv = 36;

	if (mw_opts.json) {
		struct json_object *j = json_object_new_object(), *arr = json_object_new_array();

		for (i = 0; i < n; i++) {
			const struct mw_disc_val *d = &v[i].v;
			struct disc_row *r = &rows[i];
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "mac", json_object_new_string(r->mac));
			json_object_object_add(o, "vendor", str_or_null(r->vendor));
			json_object_object_add(o, "class", str_or_null(r->class));
			add_u64(o, "class_id", d->subject);
			json_object_object_add(o, "first_seen", json_object_new_string(r->first));
			json_object_object_add(o, "last_seen", json_object_new_string(r->last));
			add_u64(o, "packets", d->packets);
			add_u64(o, "bytes", d->bytes);
			json_object_object_add(o, "last_ip", str_or_null(
				strcmp(r->ip, "-") ? r->ip : NULL));
			json_object_object_add(o, "interface", str_or_null(r->ifname));
			add_u64(o, "ifindex", d->ifindex);
			json_object_array_add(arr, o);
		}
		json_object_object_add(j, "devices", arr);
		add_u64(j, "count", n);
		add_u64(j, "classes", nclass);
		json_object_object_add(j, "max_entries", json_object_new_int(MW_DISCOVERED_MAX));
		mw_json_print(j);
	} else {
		printf("%-17s  ", "MAC");
		if (have_db)
			printf("%-*s  ", (int)wv, "VENDOR");
		printf("%-*s  %-24s  %-24s  %10s  %12s  %-*s  %s\n", (int)wc, "CLASS", "FIRST SEEN",
		       "LAST SEEN", "PACKETS", "BYTES", (int)wi, "LAST IP", "INTERFACE");
		for (i = 0; i < n; i++) {
			const struct mw_disc_val *d = &v[i].v;
			struct disc_row *r = &rows[i];
			char cls[24], ifx[24];

			printf("%-17s  ", r->mac);
			if (have_db)
				printf("%-*.*s  ", (int)wv, (int)wv, r->vendor ? r->vendor : "-");
			if (!r->class)
				snprintf(cls, sizeof(cls), "#%u", d->subject);
			if (!r->ifname)
				snprintf(ifx, sizeof(ifx), "ifindex %u", d->ifindex);
			printf("%-*s  %-24s  %-24s  %10llu  %12llu  %-*s  %s\n", (int)wc,
			       r->class ? r->class : cls, r->first, r->last,
			       (unsigned long long)d->packets, (unsigned long long)d->bytes,
			       (int)wi, r->ip, r->ifname ? r->ifname : ifx);
		}
		printf("%zu device%s in %zu class%s\n", n, n == 1 ? "" : "s", nclass,
		       nclass == 1 ? "" : "es");
	}
	rc = MW_EXIT_OK;
out:
	free(rows);
	free(seen);
	free(v);
	free(nm.tab);
	mw_maps_close(&m);
out_db:
	free(match);
	if (have_db)
		mw_ieee_free(&db);
	return rc;
}
