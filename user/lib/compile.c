// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy compiler. Duplicate and overlap checks sort instead of comparing
 * pairs, so a policy with a million devices compiles in seconds.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "compile.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	return p;
}

static struct mw_plan_entry *plan_add(struct mw_plan *plan, int map, uint32_t subj)
{
	struct mw_plan_entry *e;

	if (plan->ne == plan->cap) {
		plan->cap = plan->cap ? plan->cap * 2 : 64;
		plan->e = xrealloc(plan->e, plan->cap * sizeof(*plan->e));
	}
	e = &plan->e[plan->ne++];
	memset(e, 0, sizeof(*e));
	e->map = (uint8_t)map;
	e->subj = subj;
	plan->count[map]++;
	return e;
}

/* ---- bindings ---- */

int mw_bindings_add(struct mw_bindings *b, uint64_t imei, const struct mw_prefix *p,
		    const struct mw_loc *loc)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n].imei = imei;
	b->v[b->n].pfx = *p;
	b->v[b->n].loc = *loc;
	b->n++;
	return 0;
}

int mw_bindings_load(struct mw_bindings *b, const char *path, struct mw_diag *errs,
		     struct mw_diag *notes)
{
	FILE *f = fopen(path, "r");
	char line[4096], *file;
	int lineno = 0, nerr = errs->n;

	if (!f) {
		mw_diag_add(errs, NULL, "%s: %s", path, strerror(errno));
		return -1;
	}
	file = strdup(path);
	b->files = xrealloc(b->files, sizeof(char *) * (size_t)(b->nfiles + 1));
	b->files[b->nfiles++] = file;
	while (fgets(line, sizeof(line), f)) {
		struct mw_loc loc = { .file = file, .line = ++lineno };
		char *p = line, *tok;
		uint64_t imei = 0;
		int naddr = 0, sv;

		if (!strchr(line, '\n') && !feof(f)) {
			loc.col = 1;
			mw_diag_add(errs, &loc, "line longer than %zu bytes", sizeof(line) - 2);
			break;
		}
		if ((tok = strchr(line, '#')))
			*tok = 0;
		for (;;) {
			struct mw_perr e;
			struct mw_prefix pfx;
			size_t len;

			while (*p && isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			tok = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			len = (size_t)(p - tok);
			if (*p)
				*p++ = 0;
			loc.col = (int)(tok - line) + 1;
			if (imei == 0 && naddr == 0) {
				if (mw_parse_imei(tok, &imei, &sv, &e)) {
					struct mw_loc el = loc;

					el.col += e.col;
					mw_diag_add(errs, &el, "bad IMEI '%s': %s", tok, e.msg);
					break;
				}
				if (sv && notes) {
					char s[16];

					mw_format_imei(imei, s);
					mw_diag_add(notes, &loc, "IMEISV %s taken as IMEI %s", tok, s);
				}
				naddr = -1;
				continue;
			}
			(void)len;
			if (mw_parse_prefix(tok, &pfx, &e)) {
				struct mw_loc el = loc;

				el.col += e.col;
				mw_diag_add(errs, &el, "bad address '%s': %s", tok, e.msg);
				naddr = 0;
				break;
			}
			mw_bindings_add(b, imei, &pfx, &loc);
			naddr = naddr < 0 ? 1 : naddr + 1;
		}
		if (naddr < 0) {
			loc.col = (int)strlen(line);
			mw_diag_add(errs, &loc, "IMEI without an address");
		}
	}
	fclose(f);
	return errs->n > nerr ? -1 : 0;
}

void mw_bindings_free(struct mw_bindings *b)
{
	int i;

	for (i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

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
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
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

static void compile_classes(struct mw_plan *plan, struct mw_policy *pol,
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
			e = plan_add(plan, MW_PM_OUI, first_subj + it->cls);
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
				e = plan_add(plan, MW_PM_OUI, MW_PLAN_CONTAINER);
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

/* ---- device identities ---- */

struct id_item {
	uint64_t key;
	uint32_t dev;
	const struct mw_loc *loc;
	uint32_t order;
};

static int cmp_id(const void *a, const void *b)
{
	const struct id_item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct ip_item {
	struct mw_prefix pfx;
	uint32_t subj;
	uint32_t dev;
	const struct mw_loc *loc;
	uint32_t order;
	uint64_t imei;		/* 0 for a static address */
};

static int cmp_ip(const void *a, const void *b)
{
	const struct ip_item *x = a, *y = b;
	int c;

	if (x->pfx.family != y->pfx.family)
		return x->pfx.family - y->pfx.family;
	c = memcmp(x->pfx.addr, y->pfx.addr, 16);
	if (c)
		return c;
	if (x->pfx.len != y->pfx.len)
		return x->pfx.len - y->pfx.len;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int is_device_imei(const struct id_item *imeis, size_t n, uint64_t imei)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (imeis[mid].key < imei)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && imeis[lo].key == imei;
}

static int cmp_bind_imei(const void *a, const void *b)
{
	const struct mw_binding *x = *(const struct mw_binding *const *)a;
	const struct mw_binding *y = *(const struct mw_binding *const *)b;

	return x->imei < y->imei ? -1 : x->imei > y->imei;
}

/* Last address of @p (network order bytes) into @out. */
static void prefix_last(const struct mw_prefix *p, uint8_t out[16])
{
	int max = p->family == AF_INET ? 32 : 128, i;

	memcpy(out, p->addr, 16);
	for (i = p->len; i < max; i++)
		out[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static void compile_devices(struct mw_plan *plan, struct mw_policy *pol,
			    const struct mw_bindings *binds)
{
	struct id_item *macs = NULL, *imeis = NULL;
	struct ip_item *ips = NULL;
	const struct mw_binding **bs = NULL;
	size_t nmac = 0, nimei = 0, nip = 0, cip = 0, i, j;
	uint32_t order = 0;
	int d, k;

	for (d = 0; d < pol->ndevs; d++) {
		nmac += 0;
		for (k = 0; k < pol->devs[d].nids; k++) {
			int t = pol->devs[d].ids[k].type;

			if (t == MW_IDENT_MAC)
				nmac++;
			else if (t == MW_IDENT_IMEI)
				nimei++;
			else
				cip++;
		}
	}
	macs = xrealloc(NULL, (nmac + 1) * sizeof(*macs));
	imeis = xrealloc(NULL, (nimei + 1) * sizeof(*imeis));
	cip += binds ? binds->n : 0;
	ips = xrealloc(NULL, (cip + 1) * sizeof(*ips));
	nmac = nimei = 0;

	/* bindings sorted by IMEI, to find a device's addresses */
	if (binds && binds->n) {
		bs = xrealloc(NULL, binds->n * sizeof(*bs));
		for (i = 0; i < binds->n; i++)
			bs[i] = &binds->v[i];
		qsort(bs, binds->n, sizeof(*bs), cmp_bind_imei);
	}

	for (d = 0; d < pol->ndevs; d++) {
		const struct mw_dev *dev = &pol->devs[d];
		int has_mac = 0, has_imei = 0, has_ip = 0;

		for (k = 0; k < dev->nids; k++) {
			const struct mw_ident *id = &dev->ids[k];

			if (id->type == MW_IDENT_MAC) {
				macs[nmac++] = (struct id_item){ id->mac, (uint32_t)d, &id->loc, order++ };
				has_mac = 1;
			} else if (id->type == MW_IDENT_IP) {
				ips[nip++] = (struct ip_item){ id->pfx, (uint32_t)d, (uint32_t)d,
							       &id->loc, order++, 0 };
				has_ip = 1;
			} else {
				size_t lo = 0, hi = binds ? binds->n : 0, nb = 0;

				imeis[nimei++] = (struct id_item){ id->imei, (uint32_t)d, &id->loc,
								   order++ };
				has_imei = 1;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;

					if (bs[mid]->imei < id->imei)
						lo = mid + 1;
					else
						hi = mid;
				}
				for (; binds && lo < binds->n && bs[lo]->imei == id->imei; lo++, nb++)
					ips[nip++] = (struct ip_item){ bs[lo]->pfx, (uint32_t)d,
								       (uint32_t)d, &bs[lo]->loc,
								       order++, id->imei };
				if (!nb)
					plan->nunbound++;
			}
		}
		plan->ndev_mac += has_mac;
		plan->ndev_imei += has_imei;
		plan->ndev_ip += has_ip;
	}

	/* one device per MAC, per IMEI */
	qsort(macs, nmac, sizeof(*macs), cmp_id);
	for (i = 1; i < nmac; i++)
		if (macs[i].key == macs[i - 1].key) {
			char s[18];

			for (j = i - 1; j > 0 && macs[j - 1].key == macs[i].key; j--)
				;
			mw_format_mac(macs[i].key, s);
			mw_diag_add(&pol->errors, macs[i].loc, "MAC %s already belongs to device "
				    "'%s' (%s:%d:%d)", s, pol->devs[macs[j].dev].name,
				    macs[j].loc->file, macs[j].loc->line, macs[j].loc->col);
		}
	qsort(imeis, nimei, sizeof(*imeis), cmp_id);
	for (i = 1; i < nimei; i++)
		if (imeis[i].key == imeis[i - 1].key) {
			char s[16];

			for (j = i - 1; j > 0 && imeis[j - 1].key == imeis[i].key; j--)
				;
			mw_format_imei(imeis[i].key, s);
			mw_diag_add(&pol->errors, imeis[i].loc, "IMEI %s already belongs to device "
				    "'%s' (%s:%d:%d)", s, pol->devs[imeis[j].dev].name,
				    imeis[j].loc->file, imeis[j].loc->line, imeis[j].loc->col);
		}

	/* no address may be bound to two IMEIs, whether or not devices name them */
	if (binds && binds->n > 1) {
		struct ip_item *all = xrealloc(NULL, binds->n * sizeof(*all));

		for (i = 0; i < binds->n; i++)
			all[i] = (struct ip_item){ binds->v[i].pfx, 0, 0, &binds->v[i].loc,
						   (uint32_t)i, binds->v[i].imei };
		qsort(all, binds->n, sizeof(*all), cmp_ip);
		for (i = 0; i < binds->n; i++) {
			uint8_t last[16];

			prefix_last(&all[i].pfx, last);
			for (j = i + 1; j < binds->n && all[j].pfx.family == all[i].pfx.family &&
					memcmp(all[j].pfx.addr, last, 16) <= 0; j++) {
				const struct ip_item *later = all[j].order > all[i].order ? &all[j] : &all[i];
				const struct ip_item *first = later == &all[j] ? &all[i] : &all[j];
				char a[64], b[64], im[16];

				if (all[j].imei == all[i].imei ||
				    (is_device_imei(imeis, nimei, all[i].imei) &&
				     is_device_imei(imeis, nimei, all[j].imei)))
					continue;	/* the device check below names both */
				mw_format_prefix(&later->pfx, a, sizeof(a));
				mw_format_prefix(&first->pfx, b, sizeof(b));
				mw_format_imei(first->imei, im);
				if (first->loc->line)
					mw_diag_add(&pol->errors, later->loc, "%s overlaps %s, bound to IMEI %s "
						    "(%s:%d:%d)", a, b, im, first->loc->file,
						    first->loc->line, first->loc->col);
				else
					mw_diag_add(&pol->errors, later->loc, "%s overlaps %s, bound to IMEI %s "
						    "(%s)", a, b, im, first->loc->file);
			}
		}
		free(all);
	}

	/* addresses: no address may belong to two devices (nor twice to one) */
	qsort(ips, nip, sizeof(*ips), cmp_ip);
	for (i = 0; i < nip; i++) {
		uint8_t last[16];

		if (ips[i].subj == UINT32_MAX)
			continue;	/* dropped duplicate */
		prefix_last(&ips[i].pfx, last);
		for (j = i + 1; j < nip && ips[j].pfx.family == ips[i].pfx.family &&
				memcmp(ips[j].pfx.addr, last, 16) <= 0; j++) {
			char a[64], b[64];

			if (ips[j].subj == UINT32_MAX)
				continue;
			if (ips[j].imei && ips[j].imei == ips[i].imei &&
			    ips[j].pfx.len == ips[i].pfx.len) {
				ips[j].subj = UINT32_MAX;	/* same binding from two sources */
				continue;
			}
			mw_format_prefix(&ips[j].pfx, a, sizeof(a));
			mw_format_prefix(&ips[i].pfx, b, sizeof(b));
			if (ips[j].order > ips[i].order)
				mw_diag_add(&pol->errors, ips[j].loc, "%s overlaps %s of device '%s' "
					    "(%s:%d:%d)", a, b, pol->devs[ips[i].dev].name,
					    ips[i].loc->file, ips[i].loc->line, ips[i].loc->col);
			else
				mw_diag_add(&pol->errors, ips[i].loc, "%s overlaps %s of device '%s' "
					    "(%s:%d:%d)", b, a, pol->devs[ips[j].dev].name,
					    ips[j].loc->file, ips[j].loc->line, ips[j].loc->col);
		}
	}

	if (!pol->errors.n) {
		for (i = 0; i < nmac; i++)
			plan_add(plan, MW_PM_MAC, macs[i].dev)->mac = macs[i].key;
		for (i = 0; i < nimei; i++)
			plan_add(plan, MW_PM_IMEI, imeis[i].dev)->mac = imeis[i].key;
		for (i = 0; i < nip; i++) {
			const struct mw_prefix *p = &ips[i].pfx;
			int host = p->len == (p->family == AF_INET ? 32 : 128);
			int map = p->family == AF_INET ? (host ? MW_PM_IP4 : MW_PM_LPM4)
						       : (host ? MW_PM_IP6 : MW_PM_LPM6);

			if (ips[i].subj == UINT32_MAX)
				continue;
			plan_add(plan, map, ips[i].subj)->pfx = *p;
		}
	}
	free(bs);
	free(macs);
	free(imeis);
	free(ips);
}

/* ---- policies: rate parameters and allow-lists ---- */

/* Tolerances beyond this (about 9 years of bucket time) are refused. */
#define MW_TAU_MAX	(1ull << 62)

int mw_rate_params(const struct mw_pol *p, struct mw_policy_cfg *cfg)
{
	unsigned __int128 t;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (p->pps) {
		cfg->pps = p->pps;
		cfg->pkt_cost = (1000000000ull << MW_RATE_SHIFT) / p->pps;
		if (!cfg->pkt_cost)
			cfg->pkt_cost = 1;
		t = (unsigned __int128)(p->pkt_burst - 1) * cfg->pkt_cost;
		cfg->pkt_tau = t > MW_TAU_MAX ? MW_TAU_MAX : (uint64_t)t;
		rc |= t > MW_TAU_MAX;
	}
	if (p->bps) {
		cfg->bps = p->bps;
		cfg->byte_cost = ((8000000000ull << MW_RATE_SHIFT) << MW_BYTE_COST_SHIFT) / p->bps;
		if (!cfg->byte_cost)
			cfg->byte_cost = 1;
		t = ((unsigned __int128)p->byte_burst * cfg->byte_cost) >> MW_BYTE_COST_SHIFT;
		cfg->byte_tau = t > MW_TAU_MAX ? MW_TAU_MAX : (uint64_t)t;
		rc |= t > MW_TAU_MAX;
	}
	return rc ? -1 : 0;
}

static int prefix_contains(const struct mw_prefix *outer, const struct mw_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       mw_prefix_overlap(outer, inner);
}

static void compile_allow(struct mw_plan *plan, struct mw_policy *pol, int pi)
{
	const struct mw_pol *p = &pol->pols[pi];
	int i, j, k;

	for (i = 0; i < p->nallow; i++) {
		const struct mw_allow_rule *a = &p->allow[i];
		struct mw_allow_val v = { 0 };
		struct mw_plan_entry *e;

		/* one entry per distinct prefix, at its first rule */
		for (j = 0; j < i; j++)
			if (p->allow[j].pfx.family == a->pfx.family &&
			    p->allow[j].pfx.len == a->pfx.len &&
			    !memcmp(p->allow[j].pfx.addr, a->pfx.addr, 16))
				break;
		if (j < i)
			continue;
		/* every rule whose prefix contains this one applies to it */
		for (j = 0; j < p->nallow; j++) {
			const struct mw_allow_rule *r = &p->allow[j];
			struct mw_rule rr = { .proto = r->proto, .flags = r->has_range ? MW_RF_PORTS : 0,
					      .lo = r->lo, .hi = r->hi };

			if (!prefix_contains(&r->pfx, &a->pfx))
				continue;
			for (k = 0; k < (int)v.n; k++)
				if (!memcmp(&v.rule[k], &rr, sizeof(rr)))
					break;
			if (k < (int)v.n)
				continue;
			if (v.n == MW_MAX_RULES) {
				char s[64];

				mw_format_prefix(&a->pfx, s, sizeof(s));
				mw_diag_add(&pol->errors, &a->loc, "policy %s: more than %d rules apply "
					    "to %s (rules of containing prefixes count too)", p->name,
					    MW_MAX_RULES, s);
				return;
			}
			v.rule[v.n++] = rr;
		}
		if (plan->navals % 64 == 0)
			plan->avals = xrealloc(plan->avals, (plan->navals + 64) * sizeof(*plan->avals));
		plan->avals[plan->navals] = v;
		e = plan_add(plan, a->pfx.family == AF_INET ? MW_PM_ALLOW4 : MW_PM_ALLOW6,
			     (uint32_t)plan->navals);
		e->pfx = a->pfx;
		e->policy = (uint16_t)pi;
		plan->navals++;
	}
}

static uint8_t pol_flags(const struct mw_pol *p)
{
	return (uint8_t)((p->nallow ? MW_SF_ALLOW : 0) | (p->pps || p->bps ? MW_SF_RATE : 0));
}

int mw_compile(struct mw_plan *plan, struct mw_policy *pol, const struct mw_ieee *db,
	       const struct mw_bindings *binds)
{
	int i;

	memset(plan, 0, sizeof(*plan));
	if (pol->errors.n)
		return -1;
	plan->nsubj = (uint32_t)(pol->ndevs + pol->nclasses);
	plan->subj = xrealloc(NULL, (plan->nsubj + 1) * sizeof(*plan->subj));
	for (i = 0; i < pol->ndevs; i++) {
		struct mw_plan_subj *s = &plan->subj[i];

		memset(s, 0, sizeof(*s));
		memcpy(s->name, pol->devs[i].name, MW_NAME_LEN);
		s->kind = MW_KIND_DEVICE;
		s->action = (uint8_t)pol->pols[pol->devs[i].pol.idx].action;
		s->policy = (uint16_t)pol->devs[i].pol.idx;
		s->flags = pol_flags(&pol->pols[pol->devs[i].pol.idx]);
	}
	for (i = 0; i < pol->nclasses; i++) {
		struct mw_plan_subj *s = &plan->subj[pol->ndevs + i];

		memset(s, 0, sizeof(*s));
		memcpy(s->name, pol->classes[i].name, MW_NAME_LEN);
		s->kind = MW_KIND_CLASS;
		s->action = (uint8_t)pol->pols[pol->classes[i].pol.idx].action;
		s->policy = (uint16_t)pol->classes[i].pol.idx;
		s->flags = pol_flags(&pol->pols[pol->classes[i].pol.idx]);
	}
	plan->default_action = (uint8_t)(pol->has_default ? pol->pols[pol->deflt.idx].action
							  : MW_ACT_PASS);
	plan->nifd = pol->nifdefs;
	plan->ifd = xrealloc(NULL, sizeof(*plan->ifd) * (size_t)(pol->nifdefs + 1));
	for (i = 0; i < pol->nifdefs; i++) {
		memcpy(plan->ifd[i].ifname, pol->ifdefs[i].ifname, MW_IFNAME_LEN);
		plan->ifd[i].action = (uint8_t)pol->pols[pol->ifdefs[i].pol.idx].action;
	}
	for (i = 0; i < pol->npols; i++)
		plan->npolicies += !pol->pols[i].builtin;
	if (pol->npols > MW_MAX_POLICIES) {
		mw_diag_add(&pol->errors, &pol->pols[MW_MAX_POLICIES].loc, "more than %d policies",
			    MW_MAX_POLICIES - MW_ACT_MAX);
		return -1;
	}
	plan->npcfg = (uint32_t)pol->npols;
	plan->pcfg = xrealloc(NULL, sizeof(*plan->pcfg) * plan->npcfg);
	for (i = 0; i < pol->npols; i++) {
		if (mw_rate_params(&pol->pols[i], &plan->pcfg[i]))
			mw_diag_add(&pol->errors, &pol->pols[i].rate_loc, "policy %s: the burst is "
				    "too large for the rate (years of traffic)",
				    pol->pols[i].name);
		if (pol->pols[i].nallow)
			compile_allow(plan, pol, i);
	}

	compile_devices(plan, pol, binds);
	compile_classes(plan, pol, db, (uint32_t)pol->ndevs);
	return pol->errors.n ? -1 : 0;
}

void mw_plan_free(struct mw_plan *plan)
{
	free(plan->subj);
	free(plan->e);
	free(plan->ifd);
	free(plan->pcfg);
	free(plan->avals);
	memset(plan, 0, sizeof(*plan));
}
