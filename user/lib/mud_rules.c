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
#include "policy.h"

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
static int overlaps(const struct ctx *c, const struct ace *d, const struct rule *r)
{
	int i;

	if (r->set >= 0 && d->has_dst) {
		const struct mudset *s = &c->sets[r->set];
		struct rule one = *r;

		one.set = -1;
		for (i = 0; i < s->npfx; i++) {
			one.af = s->pfx[i].family;
			one.pfx = s->pfx[i];
			if (overlaps(c, d, &one))
				return 1;
		}
		return 0;
	}
	for (i = 0; i < 2; i++) {
		int af = i ? AF_INET6 : AF_INET, dp = ace_proto(d, af);

		if (r->af && r->af != af)
			continue;
		if (!(d->fam & (af == AF_INET ? FAM4 : FAM6)))
			continue;
		if (dp >= 0 && r->proto >= 0 && dp != r->proto)
			continue;
		break;
	}
	if (i == 2)
		return 0;
	/* a name's addresses are not known here: a drop ace to any address may hold them */
	if (d->has_dst && r->af && !mw_prefix_overlap(&d->dst, &r->pfx))
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

static void format_rule(const struct ctx *c, const struct rule *r, char *buf, size_t len)
{
	char p[300], pn[8];
	const char *proto = proto_name(r->proto, pn, sizeof(pn));
	size_t n;

	if (r->set >= 0)
		snprintf(p, sizeof(p), "addrset %s", c->sets[r->set].name);
	else if (r->name)
		snprintf(p, sizeof(p), "name \"%s\"", r->name);
	else
		mw_format_prefix(&r->pfx, p, sizeof(p));
	snprintf(buf, len, "allow %s%sto %s", proto ? proto : "", proto ? " " : "", p);
	n = strlen(buf);
	if (r->has_range) {
		const char *kw = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP ? "port" : "type";

		if (r->r.lo == r->r.hi)
			snprintf(buf + n, len - n, " %s %u", kw, r->r.lo);
		else
			snprintf(buf + n, len - n, " %s %u-%u", kw, r->r.lo, r->r.hi);
	}
	n = strlen(buf);
	if (r->init)
		snprintf(buf + n, len - n, " initiated-by %s",
			 r->init == MW_RF_INIT_DEVICE ? "device" : "remote");
}

static int same_rule(const struct rule *a, const struct rule *b)
{
	return a->af == b->af && a->proto == b->proto && a->pfx.len == b->pfx.len &&
	       !memcmp(a->pfx.addr, b->pfx.addr, 16) && a->set == b->set &&
	       (a->name == b->name || (a->name && b->name && !strcmp(a->name, b->name))) &&
	       a->has_range == b->has_range && a->init == b->init &&
	       (!a->has_range || (a->r.lo == b->r.lo && a->r.hi == b->r.hi));
}

/* The name pattern of @a's DNS name, kept in @c; NULL after an error. */
static const char *keep_name(struct ctx *c, struct ace *a)
{
	struct mw_perr e;
	char pat[256];
	int i;

	if (mw_parse_name_pattern(a->dns_raw, pat, sizeof(pat), &e)) {
		mud_ace_err(c, a, "'%s' '%s' is not a DNS name a policy takes: %s", DNS_DST_KEY,
			    a->dns, e.msg);
		return NULL;
	}
	for (i = 0; i < c->nnames; i++)
		if (!strcmp(c->names[i], pat))
			return c->names[i];
	c->names = mud_xrealloc(c->names, sizeof(*c->names) * (size_t)(c->nnames + 1));
	c->names[c->nnames] = mud_printable(pat);
	if (!c->nnames)
		mud_note(c, NULL, "DNS names are imported as name rules, which allow the addresses "
			 "learned for each name and follow its changes; --resolve resolves them at "
			 "import time instead, into address rules that do not follow changes");
	return c->names[c->nnames++];
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
	char extra[256] = "", rule[400];
	int ndst = 0, nmine = 0, nnew = 0, fams[2] = { FAM4, FAM6 }, f, i, k, d;
	int named = a->dns && !c->o->resolve;
	const char *name = NULL;

	if (a->arp) {
		mud_emit_comment_line(c, "%s: ARP, which modwall always passes", a->name);
		mud_note(c, a->name, "allows ARP, which modwall always passes: no rule needed");
		return;
	}
	if (!c->o->lenient) {
		for (i = 0; i < a->nprob; i++)
			mud_ace_err(c, a, "%s (--lenient %s)", a->prob[i].text,
				a->prob[i].kind == P_SKIP ? "leaves the ace out"
							  : "imports the ace without it");
		if (a->hard)
			return;
	} else if (a->nskip) {
		for (i = 0; i < a->nprob; i++)
			if (a->prob[i].kind == P_SKIP)
				mw_diag_add(&c->m->warnings, NULL, "%s: ace '%s': %s (ace left out)",
					    c->file, a->name, a->prob[i].text);
		for (i = 0; i < a->nprob && a->prob[i].kind != P_SKIP; i++)
			;
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
	if (named) {
		name = keep_name(c, a);
		if (!name)
			return;
	} else if (a->dns) {
		size_t n = strlen(extra);

		if (resolve(c, a, &dsts, &ndst))
			return;
		snprintf(extra + n, sizeof(extra) - n, "%s%s resolved at import time",
			 n ? "; " : "", a->dns);
	} else if (a->has_dst) {
		dsts = mud_xrealloc(NULL, sizeof(*dsts));
		dsts[ndst++] = a->dst;
	}

	if (a->set >= 0 && a->fam != (FAM4 | FAM6)) {
		const struct mudset *s = &c->sets[a->set];
		int other = a->fam == FAM4 ? AF_INET6 : AF_INET;

		for (k = 0; k < s->npfx && s->pfx[k].family != other; k++)
			;
		if (k < s->npfx)
			mud_note(c, a->name, "matches IPv%c only, but addrset %s has IPv%c prefixes "
				 "too, which its rule allows as well", a->fam == FAM4 ? '4' : '6',
				 s->name, other == AF_INET ? '4' : '6');
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
		if (a->set >= 0 && (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)) {
			const struct mudset *s = &c->sets[a->set];

			for (k = 0; k < s->npfx && s->pfx[k].family != af; k++)
				;
			if (k == s->npfx) {
				mud_note(c, a->name, "addrset %s has no %s prefix: no %s rule",
					 s->name, af == AF_INET ? "IPv4" : "IPv6",
					 proto == IPPROTO_ICMP ? "icmp" : "icmpv6");
				continue;
			}
		}
		any_prefix(af, &any);
		for (d = 0; d < (a->has_dst || (a->dns && !named) ? ndst : 1); d++) {
			const struct mw_prefix *p = a->has_dst || (a->dns && !named) ? &dsts[d]
										 : &any;

			if (p->family != af)
				continue;
			for (k = 0; k < (a->nr ? a->nr : 1); k++) {
				struct rule r = { .af = af, .proto = proto, .pfx = *p, .set = a->set,
						  .name = name, .has_range = a->nr > 0,
						  .init = a->init };

				if (a->set >= 0 || name) {	/* one rule for both families */
					r.af = 0;
					memset(&r.pfx, 0, sizeof(r.pfx));
				}
				if (a->nr)
					r.r = a->r[k];
				for (i = 0; i < nmine; i++)
					if (same_rule(&mine[i], &r))
						break;
				if (i < nmine)
					continue;
				mine = mud_xrealloc(mine, sizeof(*mine) * (size_t)(nmine + 1));
				mine[nmine++] = r;
			}
		}
	}
	free(dsts);

	/* a drop ace before this one that it overlaps: the import would widen the ACL */
	for (d = 0; d < c->ndrops; d++) {
		for (i = 0; i < nmine; i++)
			if (overlaps(c, &c->drops[d], &mine[i]))
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
		if (mine[i].set >= 0)
			c->sets[mine[i].set].used = 1;
		format_rule(c, &mine[i], rule, sizeof(rule));
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
	if (a->dns && !named && nnew) {
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
