// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy compiler: classes. Vendor names, MAC prefixes and vendor sets
 * become the MA-L/MA-M/MA-S prefix entries of the OUI map, with the flags
 * that tell the data path whether longer assignments exist inside a /24.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

/* ---- a small u64 -> index hash (open addressing) ---- */

struct u64map {
	uint64_t *k;
	uint32_t *v;
	size_t cap;		/* power of two; key 0 never stored (keys have bits set) */
};

static void u64map_init(struct u64map *m, size_t n)
{
	m->cap = 16;
	while (m->cap < n * 2)
		m->cap <<= 1;
	m->k = calloc(m->cap, sizeof(*m->k));
	m->v = calloc(m->cap, sizeof(*m->v));
	if (!m->k || !m->v) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
}

static size_t u64map_slot(const struct u64map *m, uint64_t k)
{
	size_t i = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);

	while (m->k[i] && m->k[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static uint32_t *u64map_get(const struct u64map *m, uint64_t k)
{
	size_t i = u64map_slot(m, k);

	return m->k[i] ? &m->v[i] : NULL;
}

static void u64map_put(struct u64map *m, uint64_t k, uint32_t v)
{
	size_t i = u64map_slot(m, k);

	m->k[i] = k;
	m->v[i] = v;
}

static void u64map_free(struct u64map *m)
{
	free(m->k);
	free(m->v);
}

/* ---- vendor prefixes ---- */

struct oui_item {
	uint64_t prefix;
	int bits;
	uint32_t cls;		/* class index */
	const struct mw_loc *loc;
	const char *via;	/* vendor name, or NULL for an explicit prefix */
	uint32_t order;
};

struct oui_list {
	struct oui_item *v;
	size_t n, cap;
};

static void oui_push(struct oui_list *l, uint64_t prefix, int bits, uint32_t cls,
		     const struct mw_loc *loc, const char *via)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = compile_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n] = (struct oui_item){ prefix, bits, cls, loc, via, (uint32_t)l->n };
	l->n++;
}

static struct mw_class *find_set(struct mw_policy *pol, const char *name)
{
	int i;

	for (i = 0; i < pol->nsets; i++)
		if (!strcmp(pol->sets[i].name, name))
			return &pol->sets[i];
	return NULL;
}

static void expand_members(struct mw_policy *pol, const struct mw_class *c, uint32_t cls,
			   const struct mw_ieee *db, struct oui_list *out, int depth)
{
	int k;

	for (k = 0; k < c->nmem; k++) {
		const struct mw_member *m = &c->mem[k];

		if (m->type == MW_MEMBER_PREFIX) {
			oui_push(out, m->prefix, m->bits, cls, &m->loc, NULL);
		} else if (m->type == MW_MEMBER_SET) {
			struct mw_class *s = find_set(pol, m->set);

			if (s && depth < 32) {
				s->expanded = 1;
				expand_members(pol, s, cls, db, out, depth + 1);
			}
		} else {
			const struct mw_ieee_entry **v = NULL;
			size_t norgs = 0;
			ssize_t n, i;

			if (!db) {
				mw_diag_add(&pol->errors, &m->loc, "vendor \"%s\": the IEEE registry "
					    "is not loaded", m->vendor);
				continue;
			}
			n = mw_ieee_find_vendor(db, m->vendor, &v, &norgs);
			if (n <= 0) {
				mw_diag_add(&pol->errors, &m->loc, n < 0 && errno == EINVAL ?
					    "vendor name \"%s\" has no letter or digit" :
					    "no IEEE assignment matches vendor \"%s\"", m->vendor);
				free(v);
				continue;
			}
			if (norgs > 1) {
				const char **names = NULL;
				ssize_t no = mw_ieee_orgs(v, (size_t)n, &names), j;
				char buf[512];
				size_t off = 0;

				buf[0] = 0;
				for (j = 0; j < no && j < 6 && off < sizeof(buf); j++)
					off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\"%s\"",
								j ? ", " : "", names[j]);
				mw_diag_add(&pol->warnings, &m->loc, "vendor \"%s\" matches %zu "
					    "organizations: %s%s", m->vendor, norgs, buf,
					    no > 6 ? ", ..." : "");
				free(names);
			}
			for (i = 0; i < n; i++)
				oui_push(out, v[i]->prefix, v[i]->bits, cls, &m->loc, m->vendor);
			free(v);
		}
	}
}

static int cmp_oui(const void *a, const void *b)
{
	const struct oui_item *x = a, *y = b;

	if (x->bits != y->bits)
		return x->bits - y->bits;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static uint64_t oui_hkey(uint64_t prefix, int bits)
{
	return (uint64_t)bits << 48 | prefix;
}

static void oui_conflict(struct mw_policy *pol, const struct oui_item *it,
			 const struct oui_item *prev, const char *how)
{
	char a[24], b[24];

	mw_ieee_format_prefix(it->prefix, it->bits, a);
	mw_ieee_format_prefix(prev->prefix, prev->bits, b);
	mw_diag_add(&pol->errors, it->loc, "MAC prefix %s%s%s%s of class '%s' %s %s of class "
		    "'%s' (%s:%d:%d): a MAC can belong to one class only", a,
		    it->via ? " (vendor \"" : "", it->via ? it->via : "", it->via ? "\")" : "",
		    pol->classes[it->cls].name, how, b, pol->classes[prev->cls].name,
		    prev->loc->file, prev->loc->line, prev->loc->col);
}

void compile_classes(struct mw_plan *plan, struct mw_policy *pol,
		     const struct mw_ieee *db, uint32_t first_subj)
{
	struct oui_list l = { 0 };
	struct u64map h;
	size_t i;
	int c;

	for (c = 0; c < pol->nclasses; c++)
		expand_members(pol, &pol->classes[c], (uint32_t)c, db, &l, 0);
	/* a vendor list checked on its own is validated too */
	for (c = 0; c < pol->nsets; c++)
		if (!pol->sets[c].expanded) {
			struct oui_list scratch = { 0 };

			pol->sets[c].expanded = 1;
			expand_members(pol, &pol->sets[c], UINT32_MAX, db, &scratch, 0);
			free(scratch.v);
		}
	if (!l.n)
		goto out_nomap;
	/* shortest first, so containers are in the map before what they contain */
	qsort(l.v, l.n, sizeof(*l.v), cmp_oui);
	u64map_init(&h, l.n + 1);
	for (i = 0; i < l.n; i++) {
		struct oui_item *it = &l.v[i];
		uint32_t *hit;
		int pb, dropped = 0;

		hit = u64map_get(&h, oui_hkey(it->prefix, it->bits));
		if (hit) {
			if (l.v[*hit].cls != it->cls)
				oui_conflict(pol, it, &l.v[*hit], "is also");
			continue;	/* same class: listed twice, keep one */
		}
		for (pb = 24; pb < it->bits && !dropped; pb += 4) {
			uint64_t outer;

			if (pb != 24 && pb != 28)
				continue;
			outer = it->prefix & (0xffffffffffffull << (48 - pb)) & 0xffffffffffffull;
			hit = u64map_get(&h, oui_hkey(outer, pb));
			if (!hit)
				continue;
			if (l.v[*hit].cls != it->cls)
				oui_conflict(pol, it, &l.v[*hit], "lies inside");
			dropped = 1;	/* same class: the outer prefix covers it */
		}
		if (dropped)
			continue;
		u64map_put(&h, oui_hkey(it->prefix, it->bits), (uint32_t)i);
		plan->nprefix[it->bits == 24 ? 0 : it->bits == 28 ? 1 : 2]++;
	}
	if (pol->errors.n)
		goto out;

	/* entries: every kept prefix, plus /24 containers carrying probe flags */
	{
		struct u64map e24;

		u64map_init(&e24, l.n + 1);
		for (i = 0; i < l.n; i++) {
			struct oui_item *it = &l.v[i];
			uint32_t *hit = u64map_get(&h, oui_hkey(it->prefix, it->bits));
			struct mw_plan_entry *e;
			uint64_t p24;
			uint8_t flag;

			if (!hit || *hit != i)
				continue;
			e = compile_plan_add(plan, MW_PM_OUI, first_subj + it->cls);
			e->mac = it->prefix;
			e->bits = (uint8_t)it->bits;
			if (it->bits == 24) {
				u64map_put(&e24, it->prefix | 1ull << 48, (uint32_t)(plan->ne - 1));
				continue;
			}
			p24 = it->prefix & 0xffffff000000ull;
			flag = it->bits == 28 ? MW_SF_HAS_MAM : MW_SF_HAS_MAS;
			hit = u64map_get(&e24, p24 | 1ull << 48);
			if (!hit) {
				e = compile_plan_add(plan, MW_PM_OUI, MW_PLAN_CONTAINER);
				e->mac = p24;
				e->bits = 24;
				u64map_put(&e24, p24 | 1ull << 48, (uint32_t)(plan->ne - 1));
				hit = u64map_get(&e24, p24 | 1ull << 48);
			}
			plan->e[*hit].flags |= flag;
		}
		u64map_free(&e24);
	}
out:
	u64map_free(&h);
out_nomap:
	free(l.v);
}
