// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Name rules, learned names and the allow entries that follow from them. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "compile_int.h"
#include "dnsallow.h"
#include "namecache.h"

ssize_t mw_dns_read(const struct mw_maps *m, struct mw_learned **out)
{
	return mw_map_collect(m->dns, sizeof(struct mw_dns_key), sizeof(struct mw_dns_val),
			      sizeof(struct mw_learned), offsetof(struct mw_learned, v),
			      (void **)out);
}

int mw_name_value(const struct mw_namerule *rules, size_t nrules, uint16_t policy,
		  const char *const *names, size_t nnames, struct mw_allow_val *out,
		  int *truncated)
{
	size_t i, j;
	uint32_t k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nrules; i++) {
		const struct mw_namerule *r = &rules[i];
		int hit = 0;

		if (!r->used || r->policy != policy)
			continue;
		for (j = 0; j < nnames && !hit; j++)
			hit = mw_name_match(r->pattern, names[j]);
		if (!hit)
			continue;
		for (k = 0; k < out->n; k++)
			if (!memcmp(&out->rule[k], &r->rule, sizeof(r->rule)))
				break;
		if (k < out->n)
			continue;
		if (out->n == MW_MAX_RULES) {
			if (truncated)
				*truncated = 1;
			continue;
		}
		out->rule[out->n++] = r->rule;
	}
	return (int)out->n;
}

static int addr_cmp(const void *a, const void *b)
{
	const struct mw_learned *x = a, *y = b;

	if (x->k.family != y->k.family)
		return x->k.family < y->k.family ? -1 : 1;
	return memcmp(x->k.addr, y->k.addr, sizeof(x->k.addr));
}

int mw_plan_add_names(struct mw_plan *plan, const struct mw_learned *l, size_t n,
		      uint64_t now)
{
	struct mw_learned *v = NULL;
	const char **names = NULL;
	size_t i, j, nv = 0;
	uint32_t s, r;
	int rc = 0;

	for (s = 0; s < plan->nsubj; s++)
		for (r = 0; r < plan->nnrules; r++)
			if (plan->nrules[r].used && plan->nrules[r].policy == plan->subj[s].policy)
				plan->subj[s].flags |= MW_SF_NAMES | MW_SF_ALLOW;
	if (!plan->nnrules || !n)
		return 0;
	v = malloc(n * sizeof(*v));
	names = malloc(n * sizeof(*names));
	if (!v || !names) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (l[i].v.expires_ns > now)
			v[nv++] = l[i];
	qsort(v, nv, sizeof(*v), addr_cmp);
	for (i = 0; i < nv; i = j) {
		size_t nn = 0;
		uint16_t pol;
		int seen[MW_MAX_POLICIES / 32 + 1] = { 0 };

		for (j = i; j < nv && !addr_cmp(&v[i], &v[j]); j++)
			names[nn++] = v[j].k.name;
		for (r = 0; r < plan->nnrules; r++) {
			struct mw_allow_val val;
			struct mw_plan_entry *e;

			pol = plan->nrules[r].policy;
			if (!plan->nrules[r].used || pol >= MW_MAX_POLICIES ||
			    (seen[pol / 32] & (1 << (pol % 32))))
				continue;
			seen[pol / 32] |= 1 << (pol % 32);
			if (!mw_name_value(plan->nrules, plan->nnrules, pol, names, nn, &val, NULL))
				continue;
			if (plan->navals % 64 == 0)
				plan->avals = compile_xrealloc(plan->avals, (plan->navals + 64) *
							       sizeof(*plan->avals));
			plan->avals[plan->navals] = val;
			e = compile_plan_add(plan, MW_PM_NAME, (uint32_t)plan->navals);
			e->policy = pol;
			e->pfx.family = v[i].k.family;
			e->pfx.len = v[i].k.family == AF_INET ? 32 : 128;
			memcpy(e->pfx.addr, v[i].k.addr, 16);
			plan->navals++;
		}
	}
out:
	free(v);
	free(names);
	return rc;
}

int mw_namerules_write(const struct mw_maps *m, unsigned gen, const struct mw_namerule *r,
		       uint32_t n)
{
	struct mw_namerule empty;
	uint32_t i;

	memset(&empty, 0, sizeof(empty));
	if (n > MW_MAX_NAMERULES)
		return -E2BIG;
	for (i = 0; i < MW_MAX_NAMERULES; i++) {
		__u32 k = gen * MW_MAX_NAMERULES + i;
		struct mw_namerule cur;

		if (i >= n) {
			/* clear what is set, and stop at the first unused slot past @n */
			if (bpf_map_lookup_elem(m->namerules, &k, &cur))
				return -errno;
			if (!cur.used)
				break;
		}
		if (bpf_map_update_elem(m->namerules, &k, i < n ? &r[i] : &empty, BPF_ANY))
			return -errno;
	}
	return 0;
}

int mw_namerules_read(const struct mw_maps *m, unsigned gen, struct mw_namerule *out)
{
	uint32_t i, n = 0;

	/* the rules of a generation fill its first slots; the first unused one ends them */
	for (i = 0; i < MW_MAX_NAMERULES; i++) {
		__u32 k = gen * MW_MAX_NAMERULES + i;

		if (bpf_map_lookup_elem(m->namerules, &k, &out[n]))
			return -errno;
		if (!out[n].used)
			break;
		n++;
	}
	return (int)n;
}
