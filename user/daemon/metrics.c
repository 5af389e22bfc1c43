// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Prometheus metrics: one reading of the pinned maps (metrics_render.c renders it). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "flows.h"
#include "metrics.h"
#include "observe.h"
#include "remote_info.h"
#include "state.h"

/* ---- reading the maps ---- */

/* A discovered MAC reduced to what is exported. */
struct disc_ent {
	uint32_t class_id;
	const char *org;
};

struct disc_list {
	struct disc_ent *v;
	size_t n, cap;
	const struct mw_ieee *db;
};

static int disc_add(struct disc_list *l, __u64 mac, const struct mw_disc_val *v)
{
	const struct mw_ieee_entry *e = l->db ? mw_ieee_lookup(l->db, mac) : NULL;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct disc_ent *p = realloc(l->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n].class_id = v->subject;
	l->v[l->n].org = e && e->org && *e->org ? e->org : "unknown";
	l->n++;
	return 0;
}

static int cmp_disc_ptr(const void *a, const void *b)
{
	const struct disc_ent *x = a, *y = b;

	if (x->class_id != y->class_id)
		return x->class_id < y->class_id ? -1 : 1;
	return x->org < y->org ? -1 : x->org > y->org;
}

struct disc_group {
	uint32_t class_id;
	const char *org;
	char norm[128];
	uint64_t n;
};

static int cmp_group(const void *a, const void *b)
{
	const struct disc_group *x = a, *y = b;
	int c;

	if (x->class_id != y->class_id)
		return x->class_id < y->class_id ? -1 : 1;
	c = strcmp(x->norm, y->norm);
	return c ? c : strcmp(x->org, y->org);
}

static int cmp_mdisc(const void *a, const void *b)
{
	const struct mw_mdisc *x = a, *y = b;
	int c = strcmp(x->class_name, y->class_name);

	return c ? c : strcmp(x->vendor, y->vendor);
}

/*
 * Count discovered MACs per class and vendor. Spellings of one organization
 * that differ only in punctuation or case (the registry has many) are one
 * vendor, labelled with the first spelling in byte order.
 */
static int disc_aggregate(struct disc_list *l, const struct mw_subject_info *tab,
			  uint32_t max_subjects, struct mw_msnap *s)
{
	struct disc_group *g = NULL;
	size_t ng = 0, i, j;

	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), cmp_disc_ptr);
	g = calloc(l->n, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		if (ng && g[ng - 1].class_id == l->v[i].class_id && g[ng - 1].org == l->v[i].org) {
			g[ng - 1].n++;
			continue;
		}
		g[ng].class_id = l->v[i].class_id;
		g[ng].org = l->v[i].org;
		mw_ieee_norm(g[ng].org, g[ng].norm, sizeof(g[ng].norm));
		g[ng].n = 1;
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	s->disc = calloc(ng, sizeof(*s->disc));
	if (!s->disc) {
		free(g);
		return -ENOMEM;
	}
	for (i = 0; i < ng; i = j) {
		struct mw_mdisc *d = &s->disc[s->ndisc++];
		uint32_t c = g[i].class_id;

		d->vendor = g[i].org;
		if (c < max_subjects && tab[c].kind == MW_KIND_CLASS)
			snprintf(d->class_name, sizeof(d->class_name), "%.*s", MW_NAME_LEN - 1,
				 tab[c].name);
		else
			snprintf(d->class_name, sizeof(d->class_name), "unknown");
		for (j = i; j < ng && g[j].class_id == c && !strcmp(g[j].norm, g[i].norm); j++)
			d->devices += g[j].n;
	}
	free(g);
	/* two classes may share a name after removal ("unknown"): merge them */
	qsort(s->disc, s->ndisc, sizeof(*s->disc), cmp_mdisc);
	for (i = 0, j = 0; i < s->ndisc; i++) {
		if (j && !cmp_mdisc(&s->disc[j - 1], &s->disc[i]))
			s->disc[j - 1].devices += s->disc[i].devices;
		else
			s->disc[j++] = s->disc[i];
	}
	s->ndisc = j;
	return 0;
}

void mw_mstore_free(struct mw_mstore *st)
{
	free(st->tab.p);
	free(st->cnt.p);
	free(st->tun.p);
	free(st->subj.p);
	memset(st, 0, sizeof(*st));
}

/*
 * @n bytes of @b, as they were: the memory of the last reading when it is
 * large enough and not far larger (a policy that shrank gives it back).
 */
static void *block(struct mw_mblock *b, size_t n)
{
	if (!n)
		n = 1;
	if (n > b->cap || n < b->cap / 4) {
		free(b->p);
		b->p = malloc(n);
		b->cap = b->p ? n : 0;
	}
	return b->p;
}

void mw_msnap_free(struct mw_msnap *s)
{
	size_t i;

	for (i = 0; s->subj && i < s->nsubj; i++) {
		struct mw_mflows *f = s->subj[i].fl;

		if (f) {
			free(f->top);
			free(f->cc);
			free(f);
		}
	}
	free(s->disc);
	mw_remote_info_close(s->ri);
	if (s->own_store && s->store) {
		mw_mstore_free(s->store);
		free(s->store);
	}
	s->store = NULL;
	s->own_store = 0;
	s->subj = NULL;
	s->disc = NULL;
	s->ri = NULL;
	s->nsubj = s->ndisc = 0;
}

/* Which subjects were seen inside GTP-U tunnels, and through which peer. */
static int read_tunnels(const struct mw_maps *m, uint32_t nsub, struct mw_msnap *s)
{
	struct mw_tunnel *t = block(&s->store->tun, (size_t)nsub * sizeof(*t));
	size_t k;
	int rc;

	if (!t)
		return -ENOMEM;
	memset(t, 0, (size_t)nsub * sizeof(*t));
	rc = mw_read_tunnels(m, 0, nsub, t);
	for (k = 0; k < s->nsubj && !rc; k++)
		s->subj[k].tun = t[s->subj[k].id].frames ? &t[s->subj[k].id] : NULL;
	return rc;
}

/* Flow records by subject, then remote end: address, or EtherType for non-IP flows. */
static int cmp_rec_remote(const void *a, const void *b)
{
	const struct mw_flow_key *x = &((const struct mw_flow_rec *)a)->k;
	const struct mw_flow_key *y = &((const struct mw_flow_rec *)b)->k;
	int c;

	if (x->subject != y->subject)
		return x->subject < y->subject ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c || x->family)
		return c;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* Busiest first (bytes both ways), then by address text: the order never depends on the read. */
static int cmp_remote(const void *a, const void *b)
{
	const struct mw_mremote *x = a, *y = b;
	uint64_t tx = x->bytes[0] + x->bytes[1], ty = y->bytes[0] + y->bytes[1];

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

/*
 * Bytes by country while one subject's flows are summed: a cell per code
 * (two of A-Z0-9, so the cells are in the codes' byte order) and one for
 * "" before them; the cells in use are listed, and cleared when taken.
 */
#define CC_CELLS	(1 + 36 * 36)

struct cc_acc {
	uint64_t bytes[CC_CELLS][2];
	uint16_t used[CC_CELLS];
	uint32_t nused;
};

static int c36(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return 10 + c - 'A';
	return -1;
}

static void cc_add(struct cc_acc *a, const char *cc, const uint64_t bytes[2])
{
	int x = cc[0] ? c36(cc[0]) : -1, y = cc[0] ? c36(cc[1]) : -1;
	unsigned cell = x >= 0 && y >= 0 && !cc[2] ? 1u + (unsigned)(x * 36 + y) : 0;

	if (!a->bytes[cell][0] && !a->bytes[cell][1] && (bytes[0] || bytes[1]))
		a->used[a->nused++] = (uint16_t)cell;
	a->bytes[cell][0] += bytes[0];
	a->bytes[cell][1] += bytes[1];
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

static int cc_take(struct cc_acc *a, struct mw_mflows *o)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	uint32_t i;

	if (!a->nused)
		return 0;
	o->cc = calloc(a->nused, sizeof(*o->cc));
	if (!o->cc)
		return -ENOMEM;
	qsort(a->used, a->nused, sizeof(a->used[0]), cmp_u16);
	for (i = 0; i < a->nused; i++) {
		struct mw_mcountry *c = &o->cc[o->ncc++];
		unsigned cell = a->used[i];

		if (cell) {
			c->cc[0] = digits[(cell - 1) / 36];
			c->cc[1] = digits[(cell - 1) % 36];
		}
		c->bytes[0] = a->bytes[cell][0];
		c->bytes[1] = a->bytes[cell][1];
		a->bytes[cell][0] = a->bytes[cell][1] = 0;
	}
	a->nused = 0;
	return 0;
}

/*
 * One subject's flows, recs[0..n) sorted by remote end: counts, sums, bytes
 * by country (@acc: NULL without a country database) and its busiest
 * remotes with their names.
 */
static int subject_flows(struct mw_msubj *s, const struct mw_flow_rec *recs, size_t n,
			 const struct mw_remote_info *ri, struct cc_acc *acc)
{
	struct mw_mremote *rem = calloc(n, sizeof(*rem));
	struct mw_mflows *o = calloc(1, sizeof(*o));
	size_t i, nrem = 0;
	uint32_t t;
	int d;

	if (!rem || !o) {
		free(rem);
		free(o);
		return -ENOMEM;
	}
	s->fl = o;
	for (i = 0; i < n; i++) {
		if (!i || cmp_rec_remote(&recs[i - 1], &recs[i])) {
			struct mw_mremote *r = &rem[nrem++];

			mw_flow_remote(&recs[i].k, r->addr, sizeof(r->addr));
			if (recs[i].k.family == AF_INET || recs[i].k.family == AF_INET6) {
				r->family = recs[i].k.family;
				memcpy(r->raw, recs[i].k.addr, sizeof(r->raw));
			}
		}
		for (d = 0; d < 2; d++) {
			rem[nrem - 1].bytes[d] += recs[i].v.bytes[d];
			o->packets[d] += recs[i].v.packets[d];
			o->bytes[d] += recs[i].v.bytes[d];
		}
	}
	o->flows = (uint32_t)n;
	o->remotes = (uint32_t)nrem;
	/* one country lookup per remote address */
	for (i = 0; acc && i < nrem; i++) {
		char cc[3] = "";

		if (!rem[i].family || mw_remote_country(ri, rem[i].family, rem[i].raw, cc))
			cc[0] = 0;
		cc_add(acc, cc, rem[i].bytes);
	}
	if (acc && cc_take(acc, o)) {
		free(rem);
		return -ENOMEM;
	}
	qsort(rem, nrem, sizeof(*rem), cmp_remote);
	o->ntop = nrem < MW_METRICS_FLOW_TOP_MAX ? (uint32_t)nrem : MW_METRICS_FLOW_TOP_MAX;
	o->top = rem;
	if (o->ntop < n) {	/* n >= 1: give back what is not kept; a failed shrink keeps all */
		struct mw_mremote *p = realloc(rem, o->ntop * sizeof(*rem));

		if (p)
			o->top = p;
	}
	for (t = 0; t < o->ntop; t++)
		if (o->top[t].family)
			o->top[t].name = mw_remote_name(ri, o->top[t].family, o->top[t].raw);
	return 0;
}

int mw_metrics_flows(struct mw_msnap *s, struct mw_flow_rec *r, size_t n,
		     const struct mw_remote_info *ri)
{
	struct cc_acc *acc = NULL;
	int32_t *idx = NULL;
	uint32_t nsub = 0;
	size_t i, j, k;
	int rc = 0;

	for (k = 0; k < s->nsubj; k++)
		if (s->subj[k].id >= nsub)
			nsub = s->subj[k].id + 1;
	idx = malloc((nsub ? nsub : 1) * sizeof(*idx));
	if (mw_remote_have_countries(ri))
		acc = calloc(1, sizeof(*acc));
	if (!idx || (mw_remote_have_countries(ri) && !acc)) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nsub; i++)
		idx[i] = -1;
	for (k = 0; k < s->nsubj; k++)
		idx[s->subj[k].id] = (int32_t)k;
	qsort(r, n, sizeof(*r), cmp_rec_remote);
	/* flows of a subject no longer in the policy count in the table, not per device */
	for (i = 0; i < n && !rc; i = j) {
		uint32_t id = r[i].k.subject;

		for (j = i; j < n && r[j].k.subject == id; j++)
			;
		if (id < nsub && idx[id] >= 0)
			rc = subject_flows(&s->subj[idx[id]], &r[i], j - i, ri, acc);
	}
out:
	free(acc);
	free(idx);
	return rc;
}

/* The flow table: per-subject sums, countries and remotes, the table's own numbers. */
static int read_flows(const struct mw_maps *m, const struct mw_mread_opts *o, struct mw_msnap *s)
{
	struct mw_flow_rec *r = NULL;
	struct mw_counter *miss = NULL;
	uint64_t fs[MW_FS_NR];
	size_t i;
	ssize_t n;
	int rc;

	rc = mw_flowstats_read(m, fs);
	if (rc)
		return rc;
	s->flow_full = fs[MW_FS_FULL];
	s->flow_max = m->max_flows;
	/*
	 * The data path adds to mw_flowmiss before it counts MW_FS_FULL, and
	 * neither goes back: while that count is 0 every cell is 0, and a
	 * million of them need not be read.
	 */
	if (s->flow_full) {
		miss = malloc((size_t)m->max_subjects * sizeof(*miss));
		if (!miss)
			return -ENOMEM;
		rc = mw_flowmiss_read(m, miss);
		if (rc)
			goto out;
		for (i = 0; i < m->max_subjects; i++) {
			s->flow_missed.packets += miss[i].packets;
			s->flow_missed.bytes += miss[i].bytes;
		}
	}
	n = mw_flows_read(m, MW_FLOWS_ALL, &r);
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	s->flow_entries = (uint64_t)n;
	if (!n)
		goto out;
	s->ri = mw_remote_info_new(o ? o->geo : NULL);
	if (!s->ri) {
		rc = -ENOMEM;
		goto out;
	}
	/* names are known or not: a table that cannot be read leaves them "" */
	if (o && o->names)
		mw_remote_info_read_names(s->ri, m);
	rc = mw_metrics_flows(s, r, (size_t)n, s->ri);
out:
	free(r);
	free(miss);
	return rc;
}

int mw_metrics_read(const char *pin_dir, const struct mw_mread_opts *opts, struct mw_msnap *s)
{
	struct mw_subject_info *tab;
	struct mw_counter *cnt;
	struct mw_iface ifs[MW_MAX_IFACES];
	struct mw_counter ifc[MW_MAX_IFACES * MW_NR_REASONS];
	struct disc_list dl = { .db = opts ? opts->db : NULL };
	struct mw_disc_entry *de = NULL;
	struct mw_config cfg;
	ssize_t nd;
	size_t k;
	struct mw_maps m;
	uint32_t nsub = 1, i;
	const char *what = "";
	unsigned gen;
	int rc;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	clock_gettime(CLOCK_REALTIME, &s->wall);
	s->store = opts ? opts->store : NULL;
	if (!s->store) {
		s->store = calloc(1, sizeof(*s->store));
		s->own_store = 1;
	}
	if (!s->store) {
		snprintf(s->err, sizeof(s->err), "no memory for a reading");
		return -ENOMEM;
	}
	rc = mw_maps_open_ro(&m, pin_dir, s->err, sizeof(s->err));
	if (rc)
		return rc;
	s->ctl = *(volatile struct mw_ctl *)m.ctlm;
	gen = s->ctl.gen & 1;

	tab = block(&s->store->tab, (size_t)m.max_subjects * sizeof(*tab));
	if (!tab) {
		rc = -ENOMEM;
		goto fail;
	}
	what = MW_MAP_SUBJECTS;
	rc = mw_read_subjects(&m, tab);
	if (rc)
		goto fail;
	if (bpf_map_lookup_elem(m.config, &gen, &cfg) == 0 && cfg.nsubjects &&
	    cfg.nsubjects <= m.max_subjects)
		nsub = cfg.nsubjects;
	/* subjects of the previous generation may sit above nsubjects */
	for (i = nsub; i < m.max_subjects; i++)
		if (tab[i].kind != MW_KIND_FREE)
			nsub = i + 1;

	what = MW_MAP_COUNTERS;
	cnt = block(&s->store->cnt, (size_t)nsub * MW_NR_REASONS * sizeof(*cnt));
	s->subj = block(&s->store->subj, (size_t)nsub * sizeof(*s->subj));
	if (!cnt || !s->subj) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = mw_read_subject_counters(&m, 0, nsub, cnt);
	if (rc)
		goto fail;
	for (i = 0; i < nsub; i++) {
		struct mw_msubj *o;

		if (i && tab[i].kind == MW_KIND_FREE)
			continue;
		o = &s->subj[s->nsubj++];
		o->id = i;
		o->kind = i ? tab[i].kind : MW_KIND_UNKNOWN;
		tab[i].name[MW_NAME_LEN - 1] = 0;
		o->name = i ? tab[i].name : "unattributed";
		o->c = &cnt[(size_t)i * MW_NR_REASONS];
		o->tun = NULL;
		o->fl = NULL;
	}

	what = MW_MAP_TUNNELS;
	rc = read_tunnels(&m, nsub, s);
	if (rc)
		goto fail;

	what = MW_MAP_FLOWS;
	rc = read_flows(&m, opts, s);
	if (rc)
		goto fail;

	what = MW_MAP_IFACES;
	rc = mw_read_array(m.ifaces, MW_MAX_IFACES, sizeof(ifs[0]), ifs);
	if (rc)
		goto fail;
	what = MW_MAP_IFCOUNTERS;
	rc = mw_read_counters(&m, m.ifcounters, MW_MAX_IFACES * MW_NR_REASONS, ifc);
	if (rc)
		goto fail;
	for (i = 0; i < MW_MAX_IFACES; i++) {
		struct mw_miface *o;

		if (!ifs[i].ifindex)
			continue;
		o = &s->iface[s->niface++];
		snprintf(o->name, sizeof(o->name), "%.*s", MW_IFNAME_LEN - 1, ifs[i].name);
		o->role = ifs[i].role;
		memcpy(o->c, &ifc[i * MW_NR_REASONS], sizeof(o->c));
	}

	what = MW_MAP_EVSTATS;
	rc = mw_read_evstats(&m, s->events);
	if (rc)
		goto fail;

	what = MW_MAP_DISCTAB " and " MW_MAP_DISCOVERED;
	nd = mw_read_discovered(&m, &de);
	if (nd < 0) {
		rc = (int)nd;
		goto fail;
	}
	for (k = 0; k < (size_t)nd && !rc; k++)
		rc = disc_add(&dl, de[k].mac, &de[k].v);
	free(de);
	if (!rc)
		rc = disc_aggregate(&dl, tab, m.max_subjects, s);
	if (rc)
		goto fail;

	s->up = 1;
	free(dl.v);
	mw_maps_close(&m);
	return 0;
fail:
	snprintf(s->err, sizeof(s->err), "reading %s: %s", what, strerror(-rc));
	{
		struct mw_mstore *st = s->store;
		int own = s->own_store;

		s->own_store = 0;	/* the caller's mw_msnap_free frees it */
		mw_msnap_free(s);
		s->store = st;
		s->own_store = own;
	}
	s->niface = 0;
	free(dl.v);
	mw_maps_close(&m);
	return rc;
}
