// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* flows: where devices and class members talk (the mw_flows table). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "addr.h"
#include "cli.h"
#include "flows.h"
#include "observe.h"
#include "ring.h"
#include "state.h"
#include "values.h"
#include "remote_info.h"

enum { SORT_BYTES, SORT_PACKETS, SORT_LAST };

struct flows_args {
	long top;		/* 0: every flow */
	int sort;
	uint64_t since_s;	/* 0: any age */
};

enum { FLOWS_TOP, FLOWS_SORT, FLOWS_SINCE };

static const struct mw_opt flows_opts[] = {
	{ FLOWS_TOP, "top", 't', "N", "show the first N flows only (after the filters)" },
	{ FLOWS_SORT, "sort", 's', "KEY", "bytes (out + in, the default), packets (out + in) or "
	  "last (most recently seen first); ties in key order" },
	{ FLOWS_SINCE, "since", 0, "DURATION", "only flows seen within DURATION: 30s, 5m, 2h, "
	  "7d" },
	{ 0, NULL, 0, NULL, NULL },
};

/* --since up to a century: its nanoseconds fit in 64 bits. */
#define MAX_SINCE_S	(100ull * 365 * 86400)

static int flows_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	/* in the order of SORT_BYTES, SORT_PACKETS, SORT_LAST */
	static const char *const keys[] = { "bytes", "packets", "last", NULL };
	struct flows_args *a = ctx;

	switch (opt->id) {
	case FLOWS_TOP:
		return mw_val_count(opt, arg, &a->top);
	case FLOWS_SORT:
		return mw_val_choice(opt, arg, keys, &a->sort);
	case FLOWS_SINCE:
		return mw_val_duration(opt, arg, MAX_SINCE_S, &a->since_s);
	}
	return 0;
}

static int sort_key;

static int cmp_flow(const void *pa, const void *pb)
{
	const struct mw_flow_rec *a = pa, *b = pb;
	uint64_t x, y;

	switch (sort_key) {
	case SORT_PACKETS:
		x = a->v.packets[MW_FDIR_OUT] + a->v.packets[MW_FDIR_IN];
		y = b->v.packets[MW_FDIR_OUT] + b->v.packets[MW_FDIR_IN];
		break;
	case SORT_LAST:
		x = a->v.last_ns;
		y = b->v.last_ns;
		break;
	default:
		x = a->v.bytes[MW_FDIR_OUT] + a->v.bytes[MW_FDIR_IN];
		y = b->v.bytes[MW_FDIR_OUT] + b->v.bytes[MW_FDIR_IN];
	}
	if (x != y)
		return x > y ? -1 : 1;
	return memcmp(&a->k, &b->k, sizeof(a->k));
}

/* What the operand selects: a subject by name, or a class member by MAC. */
struct filter {
	uint32_t subject;	/* MW_FLOWS_ALL: any */
	uint64_t member;	/* 0: any */
	int by_mac;
};

/*
 * The operand: a MAC selects a class member, anything else must name a
 * device or class of the live policy. Returns -1 to go on, or an exit code.
 */
static int parse_filter(const char *arg, const struct mw_maps *m,
			const struct mw_subject_info *tab, struct filter *f)
{
	unsigned gen = m->ctlm->gen & 1;
	uint64_t mac;
	uint32_t i;

	f->subject = MW_FLOWS_ALL;
	if (!arg)
		return -1;
	if (mw_parse_mac(arg, &mac, NULL) == 0) {
		f->member = mac;
		f->by_mac = 1;
		return -1;
	}
	for (i = 1; i < m->max_subjects; i++)
		if ((tab[i].kind == MW_KIND_DEVICE || tab[i].kind == MW_KIND_CLASS) &&
		    (tab[i].gens & (1u << gen)) && !strncmp(tab[i].name, arg, MW_NAME_LEN)) {
			f->subject = i;
			return -1;
		}
	mw_err("flows: no device or class named '%s' in the live policy (nor is it a MAC)", arg);
	return MW_EXIT_USAGE;
}

/* Keep the flows @f and --since select, in --sort order, at most --top of them. */
static size_t select_flows(struct mw_flow_rec *v, size_t n, const struct filter *f,
			   const struct flows_args *a)
{
	uint64_t now = mw_mono_ns(), from = 0;
	size_t i, w = 0;

	if (a->since_s && now > a->since_s * 1000000000ull)
		from = now - a->since_s * 1000000000ull;
	for (i = 0; i < n; i++) {
		if (f->subject != MW_FLOWS_ALL && v[i].k.subject != f->subject)
			continue;
		if (f->by_mac && v[i].k.member != f->member)
			continue;
		if (v[i].v.last_ns < from)
			continue;
		v[w++] = v[i];
	}
	sort_key = a->sort;
	qsort(v, w, sizeof(*v), cmp_flow);
	if (a->top && (size_t)a->top < w)
		w = (size_t)a->top;
	return w;
}

/* The text of one flow, for both outputs. */
struct flow_text {
	char subject[MW_NAME_LEN + 8];	/* name, or "#ID" for a subject no longer named */
	int named;
	int kind;			/* enum mw_subject_kind */
	char member[18];		/* "" for a device */
	char remote[64];
	char proto[16];
	const char *family;
	char first[32], last[32];
	const char *name;		/* DNS name of the remote end, or NULL */
	char country[3];		/* "" when unknown */
};

static void flow_text(const struct mw_flow_rec *r, const struct mw_subject_info *tab,
		      const struct mw_maps *m, const struct mw_remote_info *ri, int64_t off,
		      int digits, struct flow_text *t)
{
	const struct mw_subject_info *s = r->k.subject < m->max_subjects ? &tab[r->k.subject] : NULL;

	t->named = s && s->kind != MW_KIND_FREE;
	if (t->named)
		snprintf(t->subject, sizeof(t->subject), "%.*s", MW_NAME_LEN, s->name);
	else
		snprintf(t->subject, sizeof(t->subject), "#%u", r->k.subject);
	t->kind = t->named ? s->kind : r->k.member ? MW_KIND_CLASS : MW_KIND_DEVICE;
	mw_flow_member(&r->k, t->member, sizeof(t->member));
	mw_flow_remote(&r->k, t->remote, sizeof(t->remote));
	mw_flow_proto(&r->k, t->proto, sizeof(t->proto));
	t->family = r->k.family == AF_INET ? "ipv4" : r->k.family == AF_INET6 ? "ipv6"
											: "ethernet";
	mw_format_iso(r->v.first_ns + (uint64_t)off, digits, t->first, sizeof(t->first));
	mw_format_iso(r->v.last_ns + (uint64_t)off, digits, t->last, sizeof(t->last));
	t->name = NULL;
	t->country[0] = 0;
	if (r->k.family) {
		t->name = mw_remote_name(ri, r->k.family, r->k.addr);
		if (mw_remote_country(ri, r->k.family, r->k.addr, t->country))
			t->country[0] = 0;
	}
}

/* The listing's context: table size and fill, miss counters of what is shown. */
struct summary {
	size_t entries;		/* flows in the table, every subject */
	uint32_t max_entries;
	struct mw_counter full;	/* frames that found the table full */
};

static void print_json(const struct mw_flow_rec *v, size_t n, const struct mw_subject_info *tab,
		       const struct mw_maps *m, const struct mw_remote_info *ri,
		       const struct summary *s)
{
	struct json_object *j = json_object_new_object(), *arr = json_object_new_array(), *tf;
	int64_t off = mw_clock_offset();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mw_flow_rec *r = &v[i];
		struct json_object *o = json_object_new_object();
		struct flow_text t;

		flow_text(r, tab, m, ri, off, 3, &t);
		json_object_object_add(o, "device", str_or_null(t.named ? t.subject : NULL));
		json_object_object_add(o, "kind", json_object_new_string(
			t.kind == MW_KIND_CLASS ? "class" : "device"));
		json_object_object_add(o, "member", str_or_null(t.member[0] ? t.member : NULL));
		json_object_object_add(o, "remote", json_object_new_string(t.remote));
		json_object_object_add(o, "family", json_object_new_string(t.family));
		if (r->k.family && !mw_proto_name(r->k.proto))
			json_object_object_add(o, "proto", json_object_new_int(r->k.proto));
		else
			json_object_object_add(o, "proto", json_object_new_string(t.proto));
		/* non-IP: the EtherType is the remote end, there is no port */
		add_u64(o, "port", r->k.family ? r->k.port : 0);
		add_u64(o, "packets_out", r->v.packets[MW_FDIR_OUT]);
		add_u64(o, "bytes_out", r->v.bytes[MW_FDIR_OUT]);
		add_u64(o, "packets_in", r->v.packets[MW_FDIR_IN]);
		add_u64(o, "bytes_in", r->v.bytes[MW_FDIR_IN]);
		add_u64(o, "dropped_out", r->v.dropped[MW_FDIR_OUT]);
		add_u64(o, "dropped_in", r->v.dropped[MW_FDIR_IN]);
		json_object_object_add(o, "first_seen", json_object_new_string(t.first));
		json_object_object_add(o, "last_seen", json_object_new_string(t.last));
		/* the name it was resolved as (learned from DNS), its country: null when unknown */
		json_object_object_add(o, "name", str_or_null(t.name));
		json_object_object_add(o, "country", str_or_null(t.country[0] ? t.country : NULL));
		json_object_array_add(arr, o);
	}
	json_object_object_add(j, "flows", arr);
	add_u64(j, "entries", s->entries);
	add_u64(j, "max_entries", s->max_entries);
	tf = json_object_new_object();
	add_u64(tf, "packets", s->full.packets);
	add_u64(tf, "bytes", s->full.bytes);
	json_object_object_add(j, "table_full", tf);
	mw_json_print(j);
}

static void print_table(const struct mw_flow_rec *v, size_t n, const struct mw_subject_info *tab,
			const struct mw_maps *m, const struct mw_remote_info *ri,
			const struct summary *s)
{
	int64_t off = mw_clock_offset();
	struct flow_text *t = calloc(n + 1, sizeof(*t));
	int wd = 6, wr = 6, wn = 4;
	size_t i;

	if (!t) {
		mw_err("flows: out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		int l;

		flow_text(&v[i], tab, m, ri, off, 0, &t[i]);
		l = (int)strlen(t[i].subject) + (t[i].member[0] ? 1 + (int)strlen(t[i].member) : 0);
		if (l > wd)
			wd = l;
		if ((int)strlen(t[i].remote) > wr)
			wr = (int)strlen(t[i].remote);
		if (t[i].name && (int)strlen(t[i].name) > wn)
			wn = (int)strlen(t[i].name);
	}
	printf("%-*s  %-*s  %-*s  %-2s  %-6s  %5s  %10s  %12s  %10s  %12s  %8s  %-20s  %s\n", wd,
	       "DEVICE", wr, "REMOTE", wn, "NAME", "CC", "PROTO", "PORT", "PKTS_OUT", "BYTES_OUT",
	       "PKTS_IN", "BYTES_IN", "DROPPED", "FIRST_SEEN", "LAST_SEEN");
	for (i = 0; i < n; i++) {
		const struct mw_flow *f = &v[i].v;
		char who[MW_NAME_LEN + 32], port[8];

		snprintf(who, sizeof(who), "%s%s%s", t[i].subject, t[i].member[0] ? "/" : "",
			 t[i].member);
		if (v[i].k.family)
			snprintf(port, sizeof(port), "%u", v[i].k.port);
		else
			snprintf(port, sizeof(port), "-");
		printf("%-*s  %-*s  %-*s  %-2s  %-6s  %5s  %10llu  %12llu  %10llu  %12llu  %8llu  "
		       "%-20s  %s\n", wd, who, wr, t[i].remote, wn, t[i].name ? t[i].name : "-",
		       t[i].country[0] ? t[i].country : "-", t[i].proto, port,
		       (unsigned long long)f->packets[MW_FDIR_OUT],
		       (unsigned long long)f->bytes[MW_FDIR_OUT],
		       (unsigned long long)f->packets[MW_FDIR_IN],
		       (unsigned long long)f->bytes[MW_FDIR_IN],
		       (unsigned long long)(f->dropped[MW_FDIR_OUT] + f->dropped[MW_FDIR_IN]),
		       t[i].first, t[i].last);
	}
	printf("%zu flow%s shown; %zu of %u entries in use", n, n == 1 ? "" : "s", s->entries,
	       s->max_entries);
	if (s->full.packets)
		printf("; %llu frames (%llu bytes) found the table full",
		       (unsigned long long)s->full.packets, (unsigned long long)s->full.bytes);
	printf("\n");
	free(t);
}

int cmd_flows(int argc, char **argv)
{
	struct mw_remote_info *ri = NULL;
	struct flows_args a = { .sort = SORT_BYTES };
	struct mw_subject_info *tab = NULL;
	struct mw_counter *miss = NULL;
	struct mw_flow_rec *v = NULL;
	struct summary s = { 0 };
	struct filter f = { 0 };
	struct mw_maps m;
	char err[1024];
	ssize_t got;
	size_t n;
	uint32_t i;
	int rc, ix;

	ix = mw_getopt(argc, argv, "flows [DEVICE|CLASS|MAC] [--top N] [--sort bytes|packets|last] "
		       "[--since DURATION]", flows_opts, flows_opt, &a);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - ix > 1) {
		mw_err("flows: one device, class or MAC at a time");
		return MW_EXIT_USAGE;
	}
	if (mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("flows: %s", err);
		return MW_EXIT_FAIL;
	}
	rc = MW_EXIT_FAIL;
	tab = calloc(m.max_subjects, sizeof(*tab));
	miss = calloc(m.max_subjects, sizeof(*miss));
	if (!tab || !miss || mw_read_subjects(&m, tab)) {
		mw_err("flows: reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		goto out;
	}
	rc = parse_filter(argc - ix == 1 ? argv[ix] : NULL, &m, tab, &f);
	if (rc >= 0)
		goto out;
	rc = MW_EXIT_FAIL;
	got = mw_flows_read(&m, MW_FLOWS_ALL, &v);
	if (got < 0) {
		mw_err("flows: reading %s: %s", MW_MAP_FLOWS, strerror((int)-got));
		goto out;
	}
	rc = mw_flowmiss_read(&m, miss);
	if (rc) {
		mw_err("flows: reading %s: %s", MW_MAP_FLOWMISS, strerror(-rc));
		rc = MW_EXIT_FAIL;
		goto out;
	}
	s.entries = (size_t)got;
	s.max_entries = m.max_flows;
	/* misses are kept per subject: the one named, else all of them */
	for (i = 0; i < m.max_subjects; i++)
		if (f.subject == MW_FLOWS_ALL || f.subject == i) {
			s.full.packets += miss[i].packets;
			s.full.bytes += miss[i].bytes;
		}
	n = select_flows(v, (size_t)got, &f, &a);
	ri = mw_remote_info_open(&m, mw_opts.geoip_db);
	if (mw_opts.json)
		print_json(v, n, tab, &m, ri, &s);
	else
		print_table(v, n, tab, &m, ri, &s);
	rc = MW_EXIT_OK;
out:
	mw_remote_info_close(ri);
	free(v);
	free(miss);
	free(tab);
	mw_maps_close(&m);
	return rc;
}
