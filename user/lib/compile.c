// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy compiler. Duplicate and overlap checks sort instead of comparing
 * pairs, so a policy with a million devices compiles in seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "compile_int.h"

void *compile_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	return p;
}

struct mw_plan_entry *compile_plan_add(struct mw_plan *plan, int map, uint32_t subj)
{
	struct mw_plan_entry *e;

	if (plan->ne == plan->cap) {
		plan->cap = plan->cap ? plan->cap * 2 : 64;
		plan->e = compile_xrealloc(plan->e, plan->cap * sizeof(*plan->e));
	}
	e = &plan->e[plan->ne++];
	memset(e, 0, sizeof(*e));
	e->map = (uint8_t)map;
	e->subj = subj;
	plan->count[map]++;
	return e;
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

/* One remote prefix and the rule an allow rule gives it, as the data path sees it. */
struct flat_rule {
	const struct mw_allow_rule *src;
	struct mw_prefix pfx;
	struct mw_rule rule;
};

struct flat {
	struct flat_rule *v;
	size_t n;
};

static void flat_add(struct flat *f, const struct mw_allow_rule *a, const struct mw_prefix *p)
{
	struct flat_rule *r;

	/* icmp and icmpv6 reach one family: a set or a country may hold both */
	if ((a->proto == IPPROTO_ICMP && p->family != AF_INET) ||
	    (a->proto == IPPROTO_ICMPV6 && p->family != AF_INET6))
		return;
	if (f->n % 64 == 0)
		f->v = compile_xrealloc(f->v, (f->n + 64) * sizeof(*f->v));
	r = &f->v[f->n++];
	memset(r, 0, sizeof(*r));
	r->src = a;
	r->pfx = *p;
	r->rule.proto = a->proto;
	r->rule.flags = (uint8_t)((a->has_range ? MW_RF_PORTS : 0) | a->init);
	r->rule.lo = a->lo;
	r->rule.hi = a->hi;
}

/*
 * The prefix rules a policy's allow rules stand for: an address set gives
 * one per prefix, a country the prefixes of the country database. A name
 * rule gives none: its addresses are installed when they are learned.
 */
static void flatten(struct flat *f, struct mw_policy *pol, const struct mw_pol *p)
{
	int i, k;

	for (i = 0; i < p->nallow; i++) {
		const struct mw_allow_rule *a = &p->allow[i];

		switch (a->kind) {
		case MW_ALLOW_PREFIX:
			flat_add(f, a, &a->pfx);
			break;
		case MW_ALLOW_SET:
			for (k = 0; k < pol->addrsets[a->set].npfx; k++)
				flat_add(f, a, &pol->addrsets[a->set].pfx[k]);
			break;
		case MW_ALLOW_COUNTRY: {
			struct mw_prefix *cp = NULL;
			size_t n = 0, j;

			if (mw_country_prefixes(a->country, &cp, &n)) {
				mw_diag_add(&pol->errors, &a->dst_loc, "country rules need a country "
					    "database (--geoip-db FILE or Debian's geoip-database)%s%s",
					    *mw_country_db_error() ? ": " : "", mw_country_db_error());
				break;
			}
			if (!n)
				mw_diag_add(&pol->warnings, &a->dst_loc, "the country database has no "
					    "address of %s: the rule allows nothing", a->country);
			for (j = 0; j < n; j++)
				flat_add(f, a, &cp[j]);
			free(cp);
			break;
		}
		case MW_ALLOW_NAME:
			break;
		}
	}
}

static void compile_allow(struct mw_plan *plan, struct mw_policy *pol, int pi)
{
	const struct mw_pol *p = &pol->pols[pi];
	struct flat f = { NULL, 0 };
	size_t i, j;
	int k;

	flatten(&f, pol, p);
	for (i = 0; i < f.n; i++) {
		const struct flat_rule *a = &f.v[i];
		struct mw_allow_val v = { 0 };
		struct mw_plan_entry *e;

		/* one entry per distinct prefix, at its first rule */
		for (j = 0; j < i; j++)
			if (f.v[j].pfx.family == a->pfx.family && f.v[j].pfx.len == a->pfx.len &&
			    !memcmp(f.v[j].pfx.addr, a->pfx.addr, 16))
				break;
		if (j < i)
			continue;
		/* every rule whose prefix contains this one applies to it */
		for (j = 0; j < f.n; j++) {
			const struct flat_rule *r = &f.v[j];

			if (!prefix_contains(&r->pfx, &a->pfx))
				continue;
			for (k = 0; k < (int)v.n; k++)
				if (!memcmp(&v.rule[k], &r->rule, sizeof(r->rule)))
					break;
			if (k < (int)v.n)
				continue;
			if (v.n == MW_MAX_RULES) {
				char s[64];

				mw_format_prefix(&a->pfx, s, sizeof(s));
				mw_diag_add(&pol->errors, &a->src->loc, "policy %s: more than %d rules "
					    "apply to %s (rules of containing prefixes count too)",
					    p->name, MW_MAX_RULES, s);
				free(f.v);
				return;
			}
			v.rule[v.n++] = r->rule;
		}
		if (plan->navals % 64 == 0)
			plan->avals = compile_xrealloc(plan->avals, (plan->navals + 64) * sizeof(*plan->avals));
		plan->avals[plan->navals] = v;
		e = compile_plan_add(plan, a->pfx.family == AF_INET ? MW_PM_ALLOW4 : MW_PM_ALLOW6,
			     (uint32_t)plan->navals);
		e->pfx = a->pfx;
		e->policy = (uint16_t)pi;
		plan->navals++;
	}
	free(f.v);
}

/* A policy with only name rules is an allow list too: it allows nothing until names are learned. */
/* The name rules of policy @pi, for mw_namerules (the learned addresses come at apply). */
static void compile_names(struct mw_plan *plan, struct mw_policy *pol, int pi)
{
	struct mw_name_rule *nr = NULL;
	int n = mw_policy_name_rules(pol, pi, &nr), k;

	for (k = 0; k < n; k++) {
		struct mw_namerule *r;

		if (plan->nnrules == MW_MAX_NAMERULES) {
			mw_diag_add(&pol->errors, nr[k].loc, "more than %d name rules",
				    MW_MAX_NAMERULES);
			break;
		}
		if (plan->nnrules % 64 == 0)
			plan->nrules = compile_xrealloc(plan->nrules, (plan->nnrules + 64) *
							sizeof(*plan->nrules));
		r = &plan->nrules[plan->nnrules++];
		memset(r, 0, sizeof(*r));
		r->policy = (uint16_t)pi;
		r->used = 1;
		r->rule.proto = nr[k].proto;
		r->rule.flags = nr[k].flags;
		r->rule.lo = nr[k].lo;
		r->rule.hi = nr[k].hi;
		snprintf(r->pattern, sizeof(r->pattern), "%s", nr[k].pattern);
	}
	free(nr);
}

static uint8_t pol_flags(const struct mw_pol *p)
{
	return (uint8_t)((p->nallow ? MW_SF_ALLOW : 0) | (p->pps || p->bps ? MW_SF_RATE : 0) |
			 (p->flows ? MW_SF_FLOWS : 0));
}

int mw_compile(struct mw_plan *plan, struct mw_policy *pol, const struct mw_ieee *db,
	       const struct mw_bindings *binds)
{
	int i;

	memset(plan, 0, sizeof(*plan));
	if (pol->errors.n)
		return -1;
	plan->nsubj = (uint32_t)(pol->ndevs + pol->nclasses);
	plan->subj = compile_xrealloc(NULL, (plan->nsubj + 1) * sizeof(*plan->subj));
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
	plan->ifd = compile_xrealloc(NULL, sizeof(*plan->ifd) * (size_t)(pol->nifdefs + 1));
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
	plan->pcfg = compile_xrealloc(NULL, sizeof(*plan->pcfg) * plan->npcfg);
	for (i = 0; i < pol->npols; i++) {
		if (mw_rate_params(&pol->pols[i], &plan->pcfg[i]))
			mw_diag_add(&pol->errors, &pol->pols[i].rate_loc, "policy %s: the burst is "
				    "too large for the rate (years of traffic)",
				    pol->pols[i].name);
		if (pol->pols[i].nallow)
			compile_allow(plan, pol, i);
		compile_names(plan, pol, i);
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
	free(plan->nrules);
	memset(plan, 0, sizeof(*plan));
}
