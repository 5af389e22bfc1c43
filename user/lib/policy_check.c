// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: the checks that need no outside data (names, policy
 * and vendor set references), run once every file has been read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "nameset.h"
#include "policy_int.h"
#include "state.h"

static int find_pol(const struct mw_policy *pol, const char *name)
{
	int i;

	for (i = 0; i < pol->npols; i++)
		if (!strcmp(pol->pols[i].name, name))
			return i;
	return -1;
}

static void resolve_ref(struct mw_policy *pol, struct mw_ref *r)
{
	r->idx = find_pol(pol, r->name);
	if (r->idx < 0)
		mw_diag_add(&pol->errors, &r->loc, "unknown policy '%s'", r->name);
}

/* An allow rule's addrset: known, and with a prefix its protocol can reach. */
static void resolve_addrset(struct mw_policy *pol, struct mw_allow_rule *r)
{
	const struct mw_addrset *s;
	int i, fam;

	if (r->kind != MW_ALLOW_SET)
		return;
	for (i = 0; i < pol->naddrsets; i++)
		if (!strcmp(pol->addrsets[i].name, pol->names[r->name]))
			break;
	if (i == pol->naddrsets) {
		mw_diag_add(&pol->errors, &r->dst_loc, "unknown addrset '%s'", pol->names[r->name]);
		return;
	}
	r->set = i;
	s = &pol->addrsets[i];
	if (r->proto != IPPROTO_ICMP && r->proto != IPPROTO_ICMPV6)
		return;
	fam = r->proto == IPPROTO_ICMP ? AF_INET : AF_INET6;
	for (i = 0; i < s->npfx; i++)
		if (s->pfx[i].family == fam)
			return;
	mw_diag_add(&pol->errors, &r->dst_loc, "%s to addrset %s never matches: it has no %s "
		    "prefix", r->proto == IPPROTO_ICMP ? "icmp" : "icmpv6", s->name,
		    fam == AF_INET ? "IPv4" : "IPv6");
}

void pol_add_builtins(struct mw_policy *pol)
{
	int a;

	for (a = 0; a < MW_ACT_MAX; a++) {
		struct mw_pol p = { .action = a, .builtin = 1, .flows = a == MW_ACT_OBSERVE };

		snprintf(p.name, sizeof(p.name), "%s", mw_action_name(a));
		pol->pols = pol_grow(pol->pols, pol->npols, sizeof(p));
		pol->pols[pol->npols++] = p;
	}
}

static void dup_name(struct mw_policy *pol, const char *kind, const char *name,
		     const struct mw_loc *here, const struct mw_loc *first)
{
	mw_diag_add(&pol->errors, here, "%s '%s' already defined at %s:%d:%d", kind, name,
		    first->file, first->line, first->col);
}

/* Devices and classes share one namespace (counters are keyed by name). */
static void check_subject_names(struct mw_policy *pol)
{
	int n = pol->ndevs + pol->nclasses, i;
	struct mw_nameset set;

	if (mw_nameset_init(&set, (size_t)n))
		return;
	/* devices first, then classes, in file order: the first one met is "first" */
	for (i = 0; i < n; i++) {
		int is_class = i >= pol->ndevs;
		const char *name = is_class ? pol->classes[i - pol->ndevs].name : pol->devs[i].name;
		const struct mw_loc *loc = is_class ? &pol->classes[i - pol->ndevs].loc :
						     &pol->devs[i].loc;
		const struct mw_loc *floc;
		uint32_t f;
		int first_class;

		if (mw_nameset_add(&set, name, (uint32_t)i, &f) != 1)
			continue;
		first_class = (int)f >= pol->ndevs;
		floc = first_class ? &pol->classes[f - (uint32_t)pol->ndevs].loc : &pol->devs[f].loc;
		if (is_class == first_class)
			dup_name(pol, is_class ? "class" : "device", name, loc, floc);
		else
			mw_diag_add(&pol->errors, loc, "class '%s' has the name of device "
				    "'%s' (%s:%d:%d); devices and classes need distinct names",
				    name, name, floc->file, floc->line, floc->col);
	}
	mw_nameset_free(&set);
}

void pol_check(struct mw_policy *pol)
{
	int i, j, k;

	/* names: policies (built-ins first), then devices and classes share one namespace */
	for (i = 0; i < pol->npols; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(pol->pols[i].name, pol->pols[j].name)) {
				if (pol->pols[j].builtin)
					mw_diag_add(&pol->errors, &pol->pols[i].loc, "policy '%s' "
						    "is built in and cannot be redefined",
						    pol->pols[i].name);
				else
					dup_name(pol, "policy", pol->pols[i].name,
						 &pol->pols[i].loc, &pol->pols[j].loc);
				break;
			}
	check_subject_names(pol);
	for (i = 0; i < pol->nsets; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(pol->sets[i].name, pol->sets[j].name)) {
				dup_name(pol, "vendorset", pol->sets[i].name, &pol->sets[i].loc,
					 &pol->sets[j].loc);
				break;
			}
	for (i = 0; i < pol->naddrsets; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(pol->addrsets[i].name, pol->addrsets[j].name)) {
				dup_name(pol, "addrset", pol->addrsets[i].name, &pol->addrsets[i].loc,
					 &pol->addrsets[j].loc);
				break;
			}
	if (pol->ndevs + pol->nclasses + 1 > (int)MW_MAX_SUBJECTS)
		mw_diag_add(&pol->errors, NULL, "%d devices and classes: more than %u", pol->ndevs +
			    pol->nclasses, MW_MAX_SUBJECTS - 1);

	/* policy references */
	for (i = 0; i < pol->ndevs; i++)
		resolve_ref(pol, &pol->devs[i].pol);
	for (i = 0; i < pol->nclasses; i++)
		resolve_ref(pol, &pol->classes[i].pol);
	for (i = 0; i < pol->nifdefs; i++) {
		resolve_ref(pol, &pol->ifdefs[i].pol);
		for (j = 0; j < i; j++)
			if (!strcmp(pol->ifdefs[i].ifname, pol->ifdefs[j].ifname)) {
				dup_name(pol, "interface default for", pol->ifdefs[i].ifname,
					 &pol->ifdefs[i].loc, &pol->ifdefs[j].loc);
				break;
			}
	}
	if (pol->has_default)
		resolve_ref(pol, &pol->deflt);
	for (i = -1; i < pol->nifdefs; i++) {
		const struct mw_ref *r = i < 0 ? (pol->has_default ? &pol->deflt : NULL)
					       : &pol->ifdefs[i].pol;
		const struct mw_pol *p;

		if (!r || r->idx < 0)
			continue;
		p = &pol->pols[r->idx];
		if (p->nallow || p->pps || p->bps)
			mw_diag_add(&pol->errors, &r->loc, "policy %s has %s rules, which apply to "
				    "devices and classes only; a default takes pass, drop or observe",
				    p->name, p->nallow ? "allow" : "rate");
	}

	/* address set references (sets may be defined anywhere) */
	for (i = 0; i < pol->npols; i++)
		for (k = 0; k < pol->pols[i].nallow; k++)
			resolve_addrset(pol, &pol->pols[i].allow[k]);

	/* vendor set references (sets may refer to sets defined before them) */
	for (i = 0; i < pol->nsets + pol->nclasses; i++) {
		struct mw_class *c = i < pol->nsets ? &pol->sets[i] : &pol->classes[i - pol->nsets];

		for (k = 0; k < c->nmem; k++) {
			const struct mw_member *m = &c->mem[k];

			if (m->type != MW_MEMBER_SET)
				continue;
			for (j = 0; j < pol->nsets; j++)
				if (!strcmp(pol->sets[j].name, m->set))
					break;
			if (j == pol->nsets)
				mw_diag_add(&pol->errors, &m->loc, "unknown vendorset '%s'", m->set);
			else if (i < pol->nsets && j >= i)
				mw_diag_add(&pol->errors, &m->loc, "vendorset '%s' must be defined "
					    "before it is used in vendorset '%s'", m->set, c->name);
		}
	}

}
