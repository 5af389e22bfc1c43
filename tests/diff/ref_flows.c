// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Reference model of the flow table (see ref_flows.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ref_flows.h"

int ref_flows_init(struct ref_flows *t, uint32_t max, uint32_t nsubj)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->nsubj = nsubj;
	t->cap = 1024;
	t->v = calloc(t->cap, sizeof(*t->v));
	t->miss = calloc(nsubj, sizeof(*t->miss));
	if (!t->v || !t->miss) {
		ref_flows_free(t);
		return -ENOMEM;
	}
	return 0;
}

void ref_flows_free(struct ref_flows *t)
{
	free(t->v);
	free(t->miss);
	t->v = NULL;
	t->miss = NULL;
	t->cap = t->n = 0;
}

/* The remote port, or the ICMP/ICMPv6 type with echo replies folded onto requests. */
static uint16_t flow_port(const struct ref_pkt *p, const uint8_t *f, size_t len)
{
	if (p->no_l4)
		return 0;
	if (p->l4 == 6 || p->l4 == 17)
		return p->dport;			/* lan: the remote is the destination */
	if (p->l4_off >= len)
		return 0;
	if (p->l3 == 4 && p->l4 == 1)
		return f[p->l4_off] == 0 ? 8 : f[p->l4_off];
	if (p->l3 == 6 && p->l4 == 58)
		return f[p->l4_off] == 129 ? 128 : f[p->l4_off];
	return 0;
}

int ref_flow_key(const struct ref_result *res, int keeps, const uint8_t *f, size_t len,
		 struct mw_flow_key *k)
{
	const struct ref_pkt *p = &res->pkt;

	if (!keeps || res->subject == MW_SUBJECT_NONE || p->status != REF_OK)
		return 0;
	if (res->reason != MW_R_PASS && res->reason != MW_R_DROP && res->reason != MW_R_OBSERVE)
		return 0;
	if (res->via != REF_VIA_MAC && res->via != REF_VIA_IP && res->via != REF_VIA_PREFIX &&
	    res->via != REF_VIA_VENDOR)
		return 0;
	memset(k, 0, sizeof(*k));
	k->subject = res->subject;
	if (res->via == REF_VIA_VENDOR)
		k->member = p->smac;
	if (p->l3 == 4 || p->l3 == 6) {
		k->family = p->l3 == 4 ? AF_INET : AF_INET6;
		memcpy(k->addr, p->daddr, p->l3 == 4 ? 4 : 16);
		k->proto = p->l4 >= 0 ? (uint8_t)p->l4 : 0;
		k->port = flow_port(p, f, len);
	} else {
		k->port = p->ethertype;
	}
	return 1;
}

static size_t slot_of(const struct ref_flows *t, const struct mw_flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	for (i = h & (t->cap - 1); t->v[i].used; i = (i + 1) & (t->cap - 1))
		if (!memcmp(&t->v[i].k, k, sizeof(*k)))
			break;
	return i;
}

const struct ref_flow *ref_flows_find(const struct ref_flows *t, const struct mw_flow_key *k)
{
	size_t i = slot_of(t, k);

	return t->v[i].used ? &t->v[i] : NULL;
}

static int grow(struct ref_flows *t)
{
	struct ref_flows n = *t;
	size_t i;

	n.cap = 2 * t->cap;
	n.v = calloc(n.cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->v[i].used)
			n.v[slot_of(&n, &t->v[i].k)] = t->v[i];
	free(t->v);
	*t = n;
	return 0;
}

int ref_flows_add(struct ref_flows *t, const struct mw_flow_key *k, int dir, int dropped,
		  uint64_t bytes)
{
	size_t i = slot_of(t, k);
	struct ref_flow *fl = &t->v[i];

	if (!fl->used) {
		if (t->n == t->max) {	/* full: the subject's misses */
			t->full++;
			if (k->subject < t->nsubj) {
				t->miss[k->subject].packets++;
				t->miss[k->subject].bytes += bytes;
			}
			return 0;
		}
		if (2 * (t->n + 1) > t->cap) {
			int err = grow(t);

			if (err)
				return err;
			fl = &t->v[slot_of(t, k)];
		}
		fl->k = *k;
		fl->used = 1;
		t->n++;
	}
	fl->packets[dir]++;
	fl->bytes[dir] += bytes;
	fl->dropped[dir] += dropped != 0;
	return 0;
}
