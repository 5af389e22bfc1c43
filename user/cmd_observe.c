// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * discovered, events, capture: what the data path observes beyond counters.
 *
 * discovered lists the mw_discovered LRU map (untagged MACs of vendor
 * classes). events and capture read drop events from the mw_events ring
 * buffer. A BPF ring buffer has a single consumer position, so two readers
 * would each get part of the events: a reader holds an exclusive lock
 * (a file under /run/lock named after the ring's map id) and a second one
 * is refused with the first one's pid.
 *
 * Events queued before a reader starts (the ring keeps what nobody read,
 * up to MW_RINGBUF_BYTES, possibly from long ago) are skipped unless
 * --backlog is given: a reader shows drops from its start on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pcap/pcap.h>
#include "addr.h"
#include "apply.h"
#include "cli.h"
#include "ieee.h"
#include "observe.h"
#include "state.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* No SA_RESTART: a signal ends the ring buffer's epoll_wait with EINTR. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed output is seen as a write error */
}

static int parse_count(const char *cmd, const char *arg, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || *end || !*arg || *out < 1) {
		mw_err("%s: --count '%s': a positive number", cmd, arg);
		return -1;
	}
	return 0;
}

/* Subject names, read again after an apply or when an unknown id shows up. */
struct names {
	const struct mw_maps *m;
	struct mw_subject_info *tab;
	uint64_t seq;
	uint64_t read_mono;
};

static int names_load(struct names *n)
{
	if (!n->tab) {
		n->tab = calloc(n->m->max_subjects, sizeof(*n->tab));
		if (!n->tab)
			return -ENOMEM;
	}
	n->seq = n->m->ctlm->seq;
	n->read_mono = mw_mono_ns();
	return mw_read_subjects(n->m, n->tab);
}

static const char *names_get(struct names *n, uint32_t id)
{
	if (id >= n->m->max_subjects)
		return NULL;
	if (n->seq != n->m->ctlm->seq ||
	    (n->tab[id].kind == MW_KIND_FREE && mw_mono_ns() - n->read_mono > 1000000000ull))
		names_load(n);
	if (n->tab[id].kind == MW_KIND_FREE)
		return NULL;
	return n->tab[id].name;
}

/* Interface names, read again (at most once a second) when an ifindex is unknown. */
struct ifn {
	const struct mw_maps *m;
	struct mw_ifnames t;
	uint64_t read_mono;
	char buf[IF_NAMESIZE];
};

static const char *ifn_get(struct ifn *c, uint32_t ifindex)
{
	const char *s = mw_ifnames_find(&c->t, ifindex, c->buf);
	uint64_t now;

	if (s)
		return s;
	now = mw_mono_ns();
	if (now - c->read_mono < 1000000000ull)
		return NULL;
	c->read_mono = now;
	if (mw_ifnames_load(c->m, &c->t))
		return NULL;
	return mw_ifnames_find(&c->t, ifindex, c->buf);
}

static const char *addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return inet_ntop(family, a, buf, (socklen_t)len);
}

static void mac_str(const uint8_t *b, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* discovered */

enum { SORT_LAST, SORT_PACKETS, SORT_BYTES };

struct disc_args {
	const char *vendor;
	int sort;
};

static const struct mw_opt disc_opts[] = {
	{ "json", 'j', NULL, "print one JSON value" },
	{ "vendor", 'v', "NAME", "only MACs whose IEEE organization matches NAME (as vendor \"NAME\" in a policy)" },
	{ "sort", 's', "last|packets|bytes", "most recently seen first (default), most packets, most bytes" },
	{ NULL, 0, NULL, NULL },
};

static int disc_opt(int idx, const char *arg, void *ctx)
{
	struct disc_args *a = ctx;

	switch (idx) {
	case 0:
		mw_opts.json = 1;
		return 0;
	case 1:
		a->vendor = arg;
		return 0;
	}
	if (!strcmp(arg, "last")) {
		a->sort = SORT_LAST;
	} else if (!strcmp(arg, "packets")) {
		a->sort = SORT_PACKETS;
	} else if (!strcmp(arg, "bytes")) {
		a->sort = SORT_BYTES;
	} else {
		mw_err("discovered: --sort: what is '%s'? (expected last, packets or bytes)", arg);
		return -1;
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
	char mac[18], first[32], last[32], ip[INET6_ADDRSTRLEN], ifbuf[IF_NAMESIZE];
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
	size_t i, n = 0, nmatch = 0, nclass = 0, wv = 6, wc = 5, wi = 7, wf = 9;
	ssize_t got;
	int64_t off;
	uint8_t *seen = NULL;

	ix = mw_getopt(argc, argv, "discovered [--json] [--vendor NAME] [--sort last|packets|bytes]",
		       disc_opts, disc_opt, &a);
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
	if (mw_maps_open(&m, mw_opts.pin_dir, err, sizeof(err))) {
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
		mw_format_iso((uint64_t)((int64_t)d->first_ns + off), 3, r->first, sizeof(r->first));
		mw_format_iso((uint64_t)((int64_t)d->last_ns + off), 3, r->last, sizeof(r->last));
		if (!addr_str(d->family, d->addr, r->ip, sizeof(r->ip)))
			strcpy(r->ip, "-");
		r->ifname = ifn_get(&ifc, d->ifindex);
		if (r->vendor && strlen(r->vendor) > wv)
			wv = strlen(r->vendor);
		if (r->class && strlen(r->class) > wc)
			wc = strlen(r->class);
		if (strlen(r->ip) > wi)
			wi = strlen(r->ip);
		if (r->ifname && strlen(r->ifname) > wf)
			wf = strlen(r->ifname);
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
			json_object_object_add(o, "class_id", json_object_new_int64(d->subject));
			json_object_object_add(o, "first_seen", json_object_new_string(r->first));
			json_object_object_add(o, "last_seen", json_object_new_string(r->last));
			json_object_object_add(o, "packets", json_object_new_int64((int64_t)d->packets));
			json_object_object_add(o, "bytes", json_object_new_int64((int64_t)d->bytes));
			json_object_object_add(o, "last_ip", str_or_null(
				strcmp(r->ip, "-") ? r->ip : NULL));
			json_object_object_add(o, "interface", str_or_null(r->ifname));
			json_object_object_add(o, "ifindex", json_object_new_int64(d->ifindex));
			json_object_array_add(arr, o);
		}
		json_object_object_add(j, "devices", arr);
		json_object_object_add(j, "count", json_object_new_int64((int64_t)n));
		json_object_object_add(j, "classes", json_object_new_int64((int64_t)nclass));
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
