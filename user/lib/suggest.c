// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Suggest: flows into allow rules (see suggest.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "addr.h"
#include "modwall.h"
#include "policy.h"
#include "suggest.h"

#define ETH_ARP		0x0806
#define ICMP_ECHO	8
#define ICMP_ECHOREPLY	0
#define ICMP6_ECHO	128
#define ICMP6_ECHOREPLY	129

/* One rule a flow asks for, before equal ones are merged. */
struct cand {
	int kind;
	char *name;		/* MW_SUG_NAME: normal form, malloc'd */
	struct mw_sug_addr to;	/* the flow's remote address (both kinds) */
	int proto;
	int has_range;
	uint16_t lo, hi;
	int how;
	const struct mw_flow_rec *f;
};

static int cmp_addr(const struct mw_sug_addr *a, const struct mw_sug_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static int cmp_u(long a, long b)
{
	return a < b ? -1 : a > b;
}

/* The remote end, for sorting and grouping. */
static int cmp_dest(int ka, const struct mw_sug_addr *ta, const char *na, int kb,
		    const struct mw_sug_addr *tb, const char *nb)
{
	if (ka != kb)
		return ka == MW_SUG_ADDR ? -1 : 1;
	return ka == MW_SUG_ADDR ? cmp_addr(ta, tb) : strcmp(na, nb);
}

/* Remote end, protocol (any first), no range first, then the range. */
static int cmp_key(int ka, const struct mw_sug_addr *ta, const char *na, int pa, int ra,
		   unsigned la, unsigned ha, int kb, const struct mw_sug_addr *tb, const char *nb,
		   int pb, int rb, unsigned lb, unsigned hb)
{
	int c = cmp_dest(ka, ta, na, kb, tb, nb);

	if (c)
		return c;
	if (pa != pb)
		return cmp_u(pa, pb);
	if (ra != rb)
		return cmp_u(ra, rb);
	if (la != lb)
		return cmp_u(la, lb);
	return cmp_u(ha, hb);
}

static int cmp_cand(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c = cmp_key(a->kind, &a->to, a->name, a->proto, a->has_range, a->lo, a->hi, b->kind,
			&b->to, b->name, b->proto, b->has_range, b->lo, b->hi);

	return c ? c : cmp_addr(&a->to, &b->to);
}

static int cmp_rule(const void *x, const void *y)
{
	const struct mw_sug_rule *a = x, *b = y;

	return cmp_key(a->kind, &a->to, a->name, a->proto, a->has_range, a->lo, a->hi, b->kind,
		       &b->to, b->name, b->proto, b->has_range, b->lo, b->hi);
}

static int same_dest(const struct mw_sug_rule *a, const struct mw_sug_rule *b)
{
	return !cmp_dest(a->kind, &a->to, a->name, b->kind, &b->to, b->name);
}

static int cmp_left(const void *x, const void *y)
{
	const struct mw_sug_left *a = x, *b = y;

	return memcmp(&a->f.k, &b->f.k, sizeof(a->f.k));
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Link-local unicast or multicast: where neighbour discovery is always allowed. */
static int nd_scope(const uint8_t *a)
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && a[1] == 0x02);
}

static int add_left(struct mw_suggestion *s, int why, const struct mw_flow_rec *f)
{
	struct mw_sug_left *l = realloc(s->left, sizeof(*l) * (s->nleft + 1));

	if (!l)
		return -ENOMEM;
	s->left = l;
	l[s->nleft].why = why;
	l[s->nleft++].f = *f;
	return 0;
}

/* Why flow @f gives no rule, or -1 when it gives one. */
static int left_why(const struct mw_flow_rec *f)
{
	const struct mw_flow_key *k = &f->k;

	if (!k->family)
		return k->port == ETH_ARP ? MW_SUG_ARP : f->v.packets[MW_FDIR_OUT] ? MW_SUG_NOT_IP
										   : MW_SUG_INBOUND;
	if (!f->v.packets[MW_FDIR_OUT])
		return MW_SUG_INBOUND;
	if (f->v.dropped[MW_FDIR_OUT] >= f->v.packets[MW_FDIR_OUT])
		return MW_SUG_DROPPED;
	if ((k->proto == IPPROTO_ICMP && k->family != AF_INET) ||
	    (k->proto == IPPROTO_ICMPV6 && k->family != AF_INET6))
		return MW_SUG_ODD;
	if (k->proto == IPPROTO_ICMPV6 && k->port >= 133 && k->port <= 137 && nd_scope(k->addr))
		return MW_SUG_ND;
	return -1;
}

struct cands {
	struct cand *v;
	size_t n, cap;
};

static int cand_add(struct cands *c, const struct cand *x)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct cand *v = realloc(c->v, sizeof(*v) * cap);

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n] = *x;
	if (x->name) {
		c->v[c->n].name = strdup(x->name);
		if (!c->v[c->n].name)
			return -ENOMEM;
	}
	c->n++;
	return 0;
}

/* The rules flow @f asks for. */
static int flow_cands(struct cands *c, const struct mw_flow_rec *f, const struct mw_suggest_opts *o)
{
	const struct mw_flow_key *k = &f->k;
	struct cand x = { .kind = MW_SUG_ADDR, .proto = k->proto, .how = MW_SUG_SEEN, .f = f };
	char pat[MW_SUG_NAME_MAX];
	const char *name = o->name ? o->name(o->name_ctx, k->family, k->addr) : NULL;
	struct mw_perr e;
	int echo;

	x.to.family = k->family;
	memcpy(x.to.addr, k->addr, k->family == AF_INET ? 4 : 16);
	/* a learned name the language cannot take stays an address */
	if (name && !mw_parse_name_pattern(name, pat, sizeof(pat), &e) && !strchr(pat, '*')) {
		x.kind = MW_SUG_NAME;
		x.name = pat;
	}
	switch (k->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* port 0: no L4 header (ICMP echo replies are folded onto 8 or 128) */
		if (!k->port) {
			x.how = MW_SUG_NO_PORT;
			break;
		}
		x.has_range = 1;
		x.lo = x.hi = k->port;
		break;
	}
	if (cand_add(c, &x))
		return -ENOMEM;
	echo = (k->proto == IPPROTO_ICMP && k->port == ICMP_ECHO) ||
	       (k->proto == IPPROTO_ICMPV6 && k->port == ICMP6_ECHO);
	/* frames came back and passed: the replies (or the device's own) need their type */
	if (echo && f->v.packets[MW_FDIR_IN] > f->v.dropped[MW_FDIR_IN]) {
		x.lo = x.hi = k->proto == IPPROTO_ICMP ? ICMP_ECHOREPLY : ICMP6_ECHOREPLY;
		x.how = MW_SUG_REPLY;
		if (cand_add(c, &x))
			return -ENOMEM;
	}
	return 0;
}

static void add_stats(struct mw_sug_rule *r, const struct cand *c)
{
	const struct mw_flow *v = &c->f->v;

	r->flows++;
	r->fams |= c->to.family == AF_INET ? MW_SUG_FAM4 : MW_SUG_FAM6;
	if (c->how == MW_SUG_REPLY) {	/* its frames are counted under the request's rule */
		r->packets_in += v->packets[MW_FDIR_IN];
		r->bytes_in += v->bytes[MW_FDIR_IN];
		return;
	}
	r->packets_out += v->packets[MW_FDIR_OUT];
	r->bytes_out += v->bytes[MW_FDIR_OUT];
	r->packets_in += v->packets[MW_FDIR_IN];
	r->bytes_in += v->bytes[MW_FDIR_IN];
}

static void fold(struct mw_sug_rule *into, const struct mw_sug_rule *r)
{
	size_t i;

	into->flows += r->flows;
	into->fams |= r->fams;
	into->packets_out += r->packets_out;
	into->bytes_out += r->bytes_out;
	into->packets_in += r->packets_in;
	into->bytes_in += r->bytes_in;
	/* name rules of one name: the union of their addresses */
	for (i = 0; i < r->naddrs; i++) {
		size_t j;

		for (j = 0; j < into->naddrs && cmp_addr(&into->addrs[j], &r->addrs[i]); j++)
			;
		if (j == into->naddrs) {
			struct mw_sug_addr *a = realloc(into->addrs, sizeof(*a) * (into->naddrs + 1));

			if (!a)
				continue;	/* the list is a comment: keep what fits */
			into->addrs = a;
			into->addrs[into->naddrs++] = r->addrs[i];
		}
	}
}

static int cmp_sug_addr(const void *x, const void *y)
{
	return cmp_addr(x, y);
}

/* Equal candidates (sorted) into rules. */
static int group(struct mw_suggestion *s, struct cand *c, size_t n)
{
	size_t i = 0;

	s->rules = calloc(n ? n : 1, sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	while (i < n) {
		struct mw_sug_rule *r = &s->rules[s->nrules++];
		size_t j;

		r->kind = c[i].kind;
		r->to = c[i].to;
		if (r->kind == MW_SUG_NAME)
			snprintf(r->name, sizeof(r->name), "%s", c[i].name);
		r->proto = c[i].proto;
		r->has_range = c[i].has_range;
		r->lo = c[i].lo;
		r->hi = c[i].hi;
		r->how = c[i].how;
		for (j = i; j < n && !cmp_key(c[i].kind, &c[i].to, c[i].name, c[i].proto,
					    c[i].has_range, c[i].lo, c[i].hi, c[j].kind, &c[j].to,
					    c[j].name, c[j].proto, c[j].has_range, c[j].lo, c[j].hi);
		     j++) {
			add_stats(r, &c[j]);
			if (c[j].how < r->how)
				r->how = c[j].how;
			if (r->kind == MW_SUG_NAME &&
			    (!r->naddrs || cmp_addr(&r->addrs[r->naddrs - 1], &c[j].to))) {
				struct mw_sug_addr *a = realloc(r->addrs, sizeof(*a) * (r->naddrs + 1));

				if (!a)
					return -ENOMEM;
				r->addrs = a;
				r->addrs[r->naddrs++] = c[j].to;
			}
		}
		if (r->kind == MW_SUG_NAME)
			memset(&r->to, 0, sizeof(r->to));
		i = j;
	}
	return 0;
}

/* Drop rule @i, its counts already folded elsewhere. */
static void remove_rule(struct mw_suggestion *s, size_t i)
{
	free(s->rules[i].addrs);
	memmove(&s->rules[i], &s->rules[i + 1], sizeof(*s->rules) * (s->nrules - i - 1));
	s->nrules--;
}

/* A rule without a range covers those of its remote end and protocol that have one. */
static void subsume(struct mw_suggestion *s)
{
	size_t i = 0;

	while (i + 1 < s->nrules) {
		struct mw_sug_rule *a = &s->rules[i], *b = &s->rules[i + 1];

		if (same_dest(a, b) && a->proto == b->proto && !a->has_range && b->has_range) {
			fold(a, b);
			remove_rule(s, i + 1);
		} else {
			i++;
		}
	}
}

static int ported(int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/*
 * Rules [@from, @to) share a remote end: merge until at most MW_MAX_RULES
 * are left. Returns the new end.
 */
static size_t cap_dest(struct mw_suggestion *s, size_t from, size_t to)
{
	size_t i;
	int step;

	for (step = 0; step < 3 && to - from > MW_MAX_RULES; step++) {
		i = from;
		while (i + 1 < to) {
			struct mw_sug_rule *a = &s->rules[i], *b = &s->rules[i + 1];
			int merge;

			if (step < 2)
				merge = a->proto == b->proto && ported(a->proto) && a->has_range &&
					b->has_range && (step == 1 || b->lo <= (unsigned)a->hi + 1);
			else
				merge = 1;
			if (!merge) {
				i++;
				continue;
			}
			if (step == 2) {
				a->proto = -1;
				a->has_range = 0;
			} else if (b->hi > a->hi) {
				if (b->lo > (unsigned)a->hi + 1)
					a->how = MW_SUG_WIDENED;
				a->hi = b->hi;
			}
			if (step == 2)
				a->how = MW_SUG_WIDENED;
			else if (a->how != MW_SUG_WIDENED)
				a->how = MW_SUG_MERGED;
			fold(a, b);
			remove_rule(s, i + 1);
			to--;
		}
	}
	return to;
}

static void cap_rules(struct mw_suggestion *s)
{
	size_t i = 0;

	while (i < s->nrules) {
		size_t j = i + 1;

		while (j < s->nrules && same_dest(&s->rules[i], &s->rules[j]))
			j++;
		i = cap_dest(s, i, j);
	}
}

int mw_suggest(struct mw_suggestion *s, const struct mw_flow_rec *recs, size_t n,
	       const struct mw_suggest_opts *o)
{
	struct cands c = { 0 };
	uint64_t *members = NULL;
	size_t i, nm = 0;
	int rc = -ENOMEM;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		const struct mw_flow_rec *f = &recs[i];
		int why;

		if (f->k.subject != o->subject || f->v.last_ns < o->from_ns)
			continue;
		if (!s->nflows || f->v.first_ns < s->first_ns)
			s->first_ns = f->v.first_ns;
		if (f->v.last_ns > s->last_ns)
			s->last_ns = f->v.last_ns;
		s->nflows++;
		if (f->k.member) {
			uint64_t *m = realloc(members, sizeof(*m) * (nm + 1));

			if (!m)
				goto out;
			members = m;
			members[nm++] = f->k.member;
		}
		why = left_why(f);
		if (why >= 0 ? add_left(s, why, f) : flow_cands(&c, f, o))
			goto out;
	}
	if (nm) {
		qsort(members, nm, sizeof(*members), cmp_u64);
		for (i = 0; i < nm; i++)
			if (!i || members[i] != members[i - 1])
				s->nmembers++;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_cand);
	if (group(s, c.v, c.n))
		goto out;
	subsume(s);
	cap_rules(s);
	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].naddrs > 1)
			qsort(s->rules[i].addrs, s->rules[i].naddrs, sizeof(*s->rules[i].addrs),
			      cmp_sug_addr);
	if (s->nrules)
		qsort(s->rules, s->nrules, sizeof(*s->rules), cmp_rule);
	if (s->nleft)
		qsort(s->left, s->nleft, sizeof(*s->left), cmp_left);
	rc = 0;
out:
	for (i = 0; i < c.n; i++)
		free(c.v[i].name);
	free(c.v);
	free(members);
	if (rc)
		mw_suggestion_free(s);
	return rc;
}

void mw_suggestion_free(struct mw_suggestion *s)
{
	size_t i;

	for (i = 0; i < s->nrules; i++)
		free(s->rules[i].addrs);
	free(s->rules);
	free(s->left);
	memset(s, 0, sizeof(*s));
}

const char *mw_sug_proto(int proto, char *buf, size_t len)
{
	switch (proto) {
	case -1:
		return NULL;
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, len, "%d", proto);
	return buf;
}

void mw_sug_rule_to(const struct mw_sug_rule *r, char *buf, size_t len)
{
	struct mw_prefix p = { .family = r->to.family };

	if (r->kind == MW_SUG_NAME) {
		snprintf(buf, len, "%s", r->name);
		return;
	}
	p.len = r->to.family == AF_INET ? 32 : 128;
	memcpy(p.addr, r->to.addr, 16);
	mw_format_prefix(&p, buf, len);
}

void mw_sug_rule_text(const struct mw_sug_rule *r, char *buf, size_t len)
{
	char to[MW_SUG_NAME_MAX + 2], pn[8];
	const char *proto = mw_sug_proto(r->proto, pn, sizeof(pn));
	size_t n;

	mw_sug_rule_to(r, to, sizeof(to));
	snprintf(buf, len, "allow %s%sto %s%s%s", proto ? proto : "", proto ? " " : "",
		 r->kind == MW_SUG_NAME ? "name \"" : "", to, r->kind == MW_SUG_NAME ? "\"" : "");
	n = strlen(buf);
	if (r->has_range && n < len) {
		const char *kw = ported(r->proto) ? "port" : "type";

		if (r->lo == r->hi)
			snprintf(buf + n, len - n, " %s %u", kw, r->lo);
		else
			snprintf(buf + n, len - n, " %s %u-%u", kw, r->lo, r->hi);
	}
}
