// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import: accepted aces become allow rules, printed as a policy block;
 * repeats are left out, and an accept ace a drop ace before it overlaps is
 * reported (an ACL is first-match, allow rules have no order).
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "mud_int.h"

/* ---- rules ---- */

/* The protocol an ace means for one address family; -1 for any. */
static int ace_proto(const struct ace *a, int af)
{
	if (a->proto >= 0)
		return a->proto;
	if (a->l4 == IPPROTO_ICMP)
		return af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	return a->l4 ? a->l4 : -1;
}

static void any_prefix(int af, struct mw_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = af;
}

/* Whether drop ace @d matches some traffic that rule @r allows (when unsure: yes). */
static int overlaps(const struct ace *d, const struct rule *r)
{
	int dp = ace_proto(d, r->af), i;

	if (!(d->fam & (r->af == AF_INET ? FAM4 : FAM6)))
		return 0;
	if (dp >= 0 && r->proto >= 0 && dp != r->proto)
		return 0;
	if (d->has_dst && !mw_prefix_overlap(&d->dst, &r->pfx))
		return 0;
	if (!d->nr || !r->has_range)
		return 1;
	for (i = 0; i < d->nr; i++)
		if (d->r[i].lo <= r->r.hi && r->r.lo <= d->r[i].hi)
			return 1;
	return 0;
}

static const char *proto_name(int proto, char *buf, size_t len)
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

static void format_rule(const struct rule *r, char *buf, size_t len)
{
	char p[64], pn[8];
	const char *proto = proto_name(r->proto, pn, sizeof(pn));
	int n;

	mw_format_prefix(&r->pfx, p, sizeof(p));
	n = snprintf(buf, len, "allow %s%sto %s", proto ? proto : "", proto ? " " : "", p);
	if (r->has_range && n > 0 && (size_t)n < len) {
		const char *kw = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP ? "port" : "type";

		if (r->r.lo == r->r.hi)
			snprintf(buf + n, len - (size_t)n, " %s %u", kw, r->r.lo);
		else
			snprintf(buf + n, len - (size_t)n, " %s %u-%u", kw, r->r.lo, r->r.hi);
	}
}

static int same_rule(const struct rule *a, const struct rule *b)
{
	return a->af == b->af && a->proto == b->proto && a->pfx.len == b->pfx.len &&
	       !memcmp(a->pfx.addr, b->pfx.addr, 16) && a->has_range == b->has_range &&
	       (!a->has_range || (a->r.lo == b->r.lo && a->r.hi == b->r.hi));
}

static int cmp_prefix(const void *x, const void *y)
{
	const struct mw_prefix *a = x, *b = y;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

/* Addresses of @a->dns for the ace's families, sorted; -1 after an error. */
static int resolve(struct ctx *c, struct ace *a, struct mw_prefix **out, int *n)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc, i, k = 0;

	hints.ai_family = a->fam == FAM4 ? AF_INET : a->fam == FAM6 ? AF_INET6 : AF_UNSPEC;
	rc = getaddrinfo(a->dns_raw, NULL, &hints, &res);
	if (rc) {
		mud_ace_err(c, a, "cannot resolve the DNS name '%s'%s: %s", a->dns,
			a->fam == FAM4 ? " to IPv4 addresses" : a->fam == FAM6 ?
			" to IPv6 addresses" : "", rc == EAI_SYSTEM ? strerror(errno) :
			gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next)
		k++;
	*out = mud_xrealloc(NULL, sizeof(**out) * (size_t)k);
	*n = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		struct mw_prefix p = { .family = ai->ai_family };

		if (ai->ai_family == AF_INET) {
			p.len = 32;
			memcpy(p.addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			p.len = 128;
			memcpy(p.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		for (i = 0; i < *n; i++)
			if (!cmp_prefix(&(*out)[i], &p))
				break;
		if (i == *n)
			(*out)[(*n)++] = p;
	}
	freeaddrinfo(res);
	qsort(*out, (size_t)*n, sizeof(**out), cmp_prefix);
	if (!*n) {
		mud_ace_err(c, a, "the DNS name '%s' has no IP address", a->dns);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- output ---- */

void mud_emit_comment_line(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fputs("    # ", c->out);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

void mud_import_accept(struct ctx *c, struct ace *a)
{
	struct mw_prefix *dsts = NULL;
	struct rule *mine = NULL;
	char extra[256] = "", rule[160];
	int ndst = 0, nmine = 0, nnew = 0, fams[2] = { FAM4, FAM6 }, f, i, k, d;
	int unresolved = a->dns && !c->o->resolve;

	if (!c->o->lenient) {
		if (unresolved)
			mud_ace_err(c, a, "destination is the DNS name '%s'; modwall matches addresses: "
				"use --resolve to resolve it now (getaddrinfo), or write the "
				"addresses by hand", a->dns);
		for (i = 0; i < a->nprob; i++)
			mud_ace_err(c, a, "%s (--lenient %s)", a->prob[i].text,
				a->prob[i].kind == P_SKIP ? "leaves the ace out"
							  : "imports the ace without it");
		if (a->hard)
			return;
	} else if (unresolved || a->nskip) {
		if (unresolved)
			mw_diag_add(&c->m->warnings, NULL, "%s: ace '%s': destination is the DNS "
				    "name '%s'; modwall matches addresses (ace left out; --resolve "
				    "resolves it)", c->file, a->name, a->dns);
		for (i = 0; i < a->nprob; i++)
			if (a->prob[i].kind == P_SKIP)
				mw_diag_add(&c->m->warnings, NULL, "%s: ace '%s': %s (ace left out)",
					    c->file, a->name, a->prob[i].text);
		for (i = 0; i < a->nprob && a->prob[i].kind != P_SKIP; i++)
			;
		if (unresolved)
			mud_emit_comment_line(c, "%s: not imported (destination is the DNS name %s)",
					  a->name, a->dns);
		else
			mud_emit_comment_line(c, "%s: not imported (%s cannot be expressed)", a->name,
					  i < a->nprob ? a->prob[i].label : "a match");
		return;
	} else {
		for (i = 0; i < a->nprob; i++) {
			size_t n = strlen(extra);

			mw_diag_add(&c->m->warnings, NULL, "%s: ace '%s': %s (imported without it)",
				    c->file, a->name, a->prob[i].text);
			snprintf(extra + n, sizeof(extra) - n, "%s%s", n ? ", " : "without ",
				 a->prob[i].label);
		}
	}
	if (a->dns) {
		size_t n = strlen(extra);

		if (resolve(c, a, &dsts, &ndst))
			return;
		snprintf(extra + n, sizeof(extra) - n, "%s%s resolved at import time",
			 n ? "; " : "", a->dns);
	} else if (a->has_dst) {
		dsts = mud_xrealloc(NULL, sizeof(*dsts));
		dsts[ndst++] = a->dst;
	}

	/* the rules: family x destination x range */
	for (f = 0; f < 2; f++) {
		int af = fams[f] == FAM4 ? AF_INET : AF_INET6;
		int proto = ace_proto(a, af);
		struct mw_prefix any;

		if (!(a->fam & fams[f]))
			continue;
		if ((proto == IPPROTO_ICMP && af == AF_INET6) ||
		    (proto == IPPROTO_ICMPV6 && af == AF_INET)) {
			mud_note(c, a->name, "protocol %d (%s) never matches %s traffic: no %s rule",
			     proto, proto == IPPROTO_ICMP ? "ICMP" : "ICMPv6",
			     af == AF_INET ? "IPv4" : "IPv6", af == AF_INET ? "IPv4" : "IPv6");
			continue;
		}
		any_prefix(af, &any);
		for (d = 0; d < (a->dns || a->has_dst ? ndst : 1); d++) {
			const struct mw_prefix *p = a->dns || a->has_dst ? &dsts[d] : &any;

			if (p->family != af)
				continue;
			for (k = 0; k < (a->nr ? a->nr : 1); k++) {
				struct rule r = { .af = af, .proto = proto, .pfx = *p,
						  .has_range = a->nr > 0 };

				if (a->nr)
					r.r = a->r[k];
				mine = mud_xrealloc(mine, sizeof(*mine) * (size_t)(nmine + 1));
				mine[nmine++] = r;
			}
		}
	}
	free(dsts);

	/* a drop ace before this one that it overlaps: the import would widen the ACL */
	for (d = 0; d < c->ndrops; d++) {
		for (i = 0; i < nmine; i++)
			if (overlaps(&c->drops[d], &mine[i]))
				break;
		if (i == nmine)
			continue;
		if (!c->o->lenient) {
			mud_ace_err(c, a, "overlaps the drop ace '%s' before it; allow rules have no "
				"order, so the import would pass traffic that '%s' drops (--lenient "
				"imports it all the same)", c->drops[d].name, c->drops[d].name);
		} else {
			mw_diag_add(&c->m->warnings, NULL, "%s: ace '%s': overlaps the drop ace '%s' "
				    "before it; allow rules have no order, so the import passes "
				    "traffic that '%s' drops", c->file, a->name, c->drops[d].name,
				    c->drops[d].name);
		}
	}
	if (a->hard) {
		free(mine);
		return;
	}

	for (i = 0; i < nmine; i++) {
		for (k = 0; k < c->nrules; k++)
			if (same_rule(&c->rules[k], &mine[i]))
				break;
		if (k < c->nrules)
			continue;
		c->rules = mud_xrealloc(c->rules, sizeof(*c->rules) * (size_t)(c->nrules + 1));
		c->rules[c->nrules++] = mine[i];
		format_rule(&mine[i], rule, sizeof(rule));
		fprintf(c->out, "    %-*s # %s%s%s%s\n", RULE_COL, rule, a->name,
			*extra ? " (" : "", extra, *extra ? ")" : "");
		nnew++;
	}
	if (nmine && !nnew)
		mud_emit_comment_line(c, "%s: the same rules as above", a->name);
	if (nnew && a->nr && a->l4 == IPPROTO_ICMP)
		mud_note(c, a->name, "ICMP type rules match both ways: on a wan interface, frames from "
		     "the remote end pass only when their own type is accepted (echo replies are "
		     "type 0 in ICMP, 129 in ICMPv6)");
	if (a->dns && nnew) {
		char list[512] = "";

		for (i = 0; i < nmine; i++) {
			char p[64];
			size_t n = strlen(list);

			if (i && same_rule(&mine[i], &mine[i - 1]))
				continue;
			if (i && !cmp_prefix(&mine[i].pfx, &mine[i - 1].pfx))
				continue;
			mw_format_prefix(&mine[i].pfx, p, sizeof(p));
			snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", p);
		}
		mud_note(c, a->name, "'%s' resolved at import time to %s; the rules do not follow "
		     "later changes of its addresses", a->dns, list);
	}
	free(mine);
}
