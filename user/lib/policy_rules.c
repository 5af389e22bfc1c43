// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: policy blocks and their rules (actions, allow, rate).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "policy_int.h"
#include "state.h"

int pol_parse_ref(struct lexer *lx, struct mw_policy *pol, struct mw_ref *ref)
{
	ref->idx = -1;
	return pol_expect_name(lx, pol, "policy name", ref->name, &ref->loc);
}

/* A decimal number that fits @max; on error report at the token. */
static int parse_num(struct lexer *lx, struct mw_policy *pol, const char *what, uint64_t max,
		     uint64_t *out)
{
	const char *p = lx->text;
	uint64_t v = 0;

	if (!*p) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s, found %s", what, pol_tok_desc(lx));
		return -1;
	}
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			struct mw_loc l = at_col(&lx->tloc, (int)(p - lx->text));

			mw_diag_add(&pol->errors, &l, "expected %s, found '%s'", what, lx->text);
			return -1;
		}
		if (v > (max - (uint64_t)(*p - '0')) / 10) {
			mw_diag_add(&pol->errors, &lx->tloc, "%s '%s' is larger than %llu", what,
				    lx->text, (unsigned long long)max);
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

/* N or N-M, each at most @max. */
static int parse_range(struct lexer *lx, struct mw_policy *pol, const char *what,
		       uint64_t max, uint16_t *lo, uint16_t *hi)
{
	char buf[sizeof(lx->text)], *dash;
	uint64_t a, b;

	if (pol_expect_word(lx, pol, what))
		return -1;
	snprintf(buf, sizeof(buf), "%s", lx->text);
	dash = strchr(lx->text, '-');
	if (dash)
		*dash = 0;
	if (parse_num(lx, pol, what, max, &a))
		return -1;
	b = a;
	if (dash) {
		struct lexer tmp = *lx;

		snprintf(tmp.text, sizeof(tmp.text), "%s", dash + 1);
		tmp.tloc = at_col(&lx->tloc, (int)(dash - lx->text) + 1);
		if (parse_num(&tmp, pol, what, max, &b))
			return -1;
		if (b < a) {
			mw_diag_add(&pol->errors, &lx->tloc, "%s range '%s' runs backwards", what, buf);
			return -1;
		}
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "any", 0 }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
};

/* The quoted operand of 'name' or 'country'; the string token stays current. */
static int expect_string(struct lexer *lx, struct mw_policy *pol, const char *what)
{
	int t = pol_lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_STRING) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s in quotes, found %s", what,
			    pol_tok_desc(lx));
		if (t != T_WORD)
			pol_lex_unget(lx);
		return -1;
	}
	return 0;
}

/* ADDR[/LEN] | addrset NAME | name "PATTERN" | country "CC" */
static int parse_dest(struct lexer *lx, struct mw_policy *pol, struct mw_allow_rule *r)
{
	struct mw_perr e;

	if (pol_expect_word(lx, pol, "an address, a prefix, addrset, name or country"))
		return -1;
	if (!strcmp(lx->text, "addrset")) {
		char set[MW_NAME_LEN];

		if (pol_expect_name(lx, pol, "address set name", set, &r->dst_loc))
			return -1;
		if (!strcmp(set, "port") || !strcmp(set, "type") || !strcmp(set, "initiated-by")) {
			mw_diag_add(&pol->errors, &lx->tloc, "expected address set name, found %s",
				    pol_tok_desc(lx));
			return -1;
		}
		r->kind = MW_ALLOW_SET;
		r->name = pol_intern(pol, set);
		return 0;
	}
	if (!strcmp(lx->text, "name")) {
		char pat[256];

		if (expect_string(lx, pol, "a DNS name"))
			return -1;
		r->dst_loc = lx->tloc;
		if (mw_parse_name_pattern(lx->text, pat, sizeof(pat), &e)) {
			char ex[MW_EXCERPT + 4];
			struct mw_loc el = at_col(&lx->tloc, e.col + 1);

			mw_diag_add(&pol->errors, &el, "bad DNS name \"%s\": %s",
				    pol_excerpt(lx->text, ex), e.msg);
			return -1;
		}
		r->kind = MW_ALLOW_NAME;
		r->name = pol_intern(pol, pat);
		return 0;
	}
	if (!strcmp(lx->text, "country")) {
		const char *c;

		if (expect_string(lx, pol, "a country code"))
			return -1;
		r->dst_loc = lx->tloc;
		c = lx->text;
		if (strlen(c) != 2 || !isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1]) ||
		    (unsigned char)c[0] > 0x7f || (unsigned char)c[1] > 0x7f) {
			char ex[MW_EXCERPT + 4];

			mw_diag_add(&pol->errors, &lx->tloc, "bad country code \"%s\": two letters, "
				    "as in ISO 3166-1 (\"DE\", \"CN\")", pol_excerpt(c, ex));
			return -1;
		}
		r->kind = MW_ALLOW_COUNTRY;
		r->country[0] = (char)toupper((unsigned char)c[0]);
		r->country[1] = (char)toupper((unsigned char)c[1]);
		return 0;
	}
	r->dst_loc = lx->tloc;
	if (mw_parse_prefix(lx->text, &r->pfx, &e)) {
		struct mw_loc el = at_col(&lx->tloc, e.col);

		mw_diag_add(&pol->errors, &el, "bad address '%s': %s", lx->text, e.msg);
		return -1;
	}
	if ((r->proto == IPPROTO_ICMP && r->pfx.family != AF_INET) ||
	    (r->proto == IPPROTO_ICMPV6 && r->pfx.family != AF_INET6)) {
		mw_diag_add(&pol->errors, &lx->tloc, "%s to an %s address never matches",
			    r->proto == IPPROTO_ICMP ? "icmp" : "icmpv6",
			    r->pfx.family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	return 0;
}

/* initiated-by device|remote, after 'initiated-by' */
static int parse_initiator(struct lexer *lx, struct mw_policy *pol, struct mw_allow_rule *r)
{
	struct mw_loc kw = lx->tloc;

	if (pol_expect_word(lx, pol, "'device' or 'remote'"))
		return -1;
	if (!strcmp(lx->text, "device")) {
		r->init = MW_RF_INIT_DEVICE;
	} else if (!strcmp(lx->text, "remote")) {
		r->init = MW_RF_INIT_REMOTE;
	} else {
		mw_diag_add(&pol->errors, &lx->tloc, "expected 'device' or 'remote' after "
			    "'initiated-by', found %s", pol_tok_desc(lx));
		return -1;
	}
	if (r->proto != IPPROTO_TCP) {
		mw_diag_add(&pol->errors, &kw, "'initiated-by' needs tcp: only TCP has "
			    "connection openings");
		return -1;
	}
	return 0;
}

/*
 * allow [PROTO] to DEST [port N[-M] | type N[-M]] [initiated-by device|remote]
 * DEST: ADDR[/LEN] | addrset NAME | name "PATTERN" | country "CC"
 */
static int parse_allow(struct lexer *lx, struct mw_policy *pol, struct mw_pol *p)
{
	struct mw_allow_rule r = { .loc = lx->tloc, .name = -1, .set = -1 };
	size_t i;
	int t;

	if (pol_expect_word(lx, pol, "a protocol or 'to'"))
		return -1;
	if (strcmp(lx->text, "to")) {
		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (!strcmp(lx->text, protos[i].name))
				break;
		if (i < sizeof(protos) / sizeof(protos[0])) {
			r.proto = protos[i].proto;
		} else {
			uint64_t v;

			if (strchr(lx->text, '.') || strchr(lx->text, ':')) {
				mw_diag_add(&pol->errors, &lx->tloc, "expected 'to' before the address "
					    "'%s'", lx->text);
				return -1;
			}
			if (!isdigit((unsigned char)lx->text[0])) {
				mw_diag_add(&pol->errors, &lx->tloc, "unknown protocol '%s' (expected "
					    "tcp, udp, icmp, icmpv6, any or a number)", lx->text);
				return -1;
			}
			if (parse_num(lx, pol, "a protocol number", 255, &v))
				return -1;
			r.proto = (uint8_t)v;
		}
		if (pol_expect_word(lx, pol, "'to'"))
			return -1;
		if (strcmp(lx->text, "to")) {
			mw_diag_add(&pol->errors, &lx->tloc, "expected 'to', found %s", pol_tok_desc(lx));
			return -1;
		}
	}
	if (parse_dest(lx, pol, &r))
		return -1;
	t = pol_lex_next(lx, pol);
	if (t == T_WORD && (!strcmp(lx->text, "port") || !strcmp(lx->text, "type"))) {
		int is_port = lx->text[0] == 'p';

		if (is_port && r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP) {
			mw_diag_add(&pol->errors, &lx->tloc, "'port' needs tcp or udp");
			return -1;
		}
		if (!is_port && r.proto != IPPROTO_ICMP && r.proto != IPPROTO_ICMPV6) {
			mw_diag_add(&pol->errors, &lx->tloc, "'type' needs icmp or icmpv6");
			return -1;
		}
		if (parse_range(lx, pol, is_port ? "a port" : "an ICMP type", is_port ? 65535 : 255,
				&r.lo, &r.hi))
			return -1;
		r.has_range = 1;
		t = pol_lex_next(lx, pol);
	}
	if (t == T_WORD && !strcmp(lx->text, "initiated-by")) {
		if (parse_initiator(lx, pol, &r))
			return -1;
		t = pol_lex_next(lx, pol);
		if (t == T_WORD && (!strcmp(lx->text, "port") || !strcmp(lx->text, "type"))) {
			mw_diag_add(&pol->errors, &lx->tloc, "'%s' goes before 'initiated-by'",
				    lx->text);
			return -1;
		}
	}
	pol_lex_unget(lx);
	p->allow = pol_grow(p->allow, p->nallow, sizeof(r));
	p->allow[p->nallow++] = r;
	return 0;
}

/* rate N pps [burst N [packets]] | rate N bit|kbit|mbit|gbit [burst N [byte|kbyte|mbyte]], repeatable */
static int parse_rate(struct lexer *lx, struct mw_policy *pol, struct mw_pol *p)
{
	static const struct {
		const char *name;
		uint64_t mul;
	} bit_units[] = { { "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 },
			  { "gbit", 1000000000 } },
	  byte_units[] = { { "byte", 1 }, { "bytes", 1 }, { "kbyte", 1024 },
			   { "mbyte", 1048576 } };
	int t, n = 0;

	if (!p->rate_loc.line)
		p->rate_loc = lx->tloc;
	for (;;) {
		uint64_t v, burst;
		struct mw_loc nl;
		size_t i;
		int pps;

		t = pol_lex_next(lx, pol);
		if (t != T_WORD || !isdigit((unsigned char)lx->text[0])) {
			if (!n) {
				mw_diag_add(&pol->errors, &lx->tloc, "expected a rate (e.g. '50 pps' "
					    "or '256 kbit'), found %s", pol_tok_desc(lx));
				if (t != T_WORD)
					pol_lex_unget(lx);
				return -1;
			}
			pol_lex_unget(lx);
			return 0;
		}
		nl = lx->tloc;
		if (parse_num(lx, pol, "a rate", 1000000000000ull, &v))
			return -1;
		if (!v) {
			mw_diag_add(&pol->errors, &nl, "a rate of 0 passes nothing: use drop");
			return -1;
		}
		if (pol_expect_word(lx, pol, "a rate unit (pps, bit, kbit, mbit, gbit)"))
			return -1;
		pps = !strcmp(lx->text, "pps");
		for (i = 0; !pps && i < sizeof(bit_units) / sizeof(bit_units[0]); i++)
			if (!strcmp(lx->text, bit_units[i].name))
				break;
		if (!pps && i == sizeof(bit_units) / sizeof(bit_units[0])) {
			mw_diag_add(&pol->errors, &lx->tloc, "unknown rate unit '%s' (expected pps, "
				    "bit, kbit, mbit or gbit)", lx->text);
			return -1;
		}
		if ((pps && p->pps) || (!pps && p->bps)) {
			mw_diag_add(&pol->errors, &nl, "policy %s already has a %s limit", p->name,
				    pps ? "packet-rate" : "bit-rate");
			return -1;
		}
		if (!pps && v > 1000000000000ull / bit_units[i].mul) {
			mw_diag_add(&pol->errors, &nl, "bit rate %llu %s is larger than 1000 gbit",
				    (unsigned long long)v, bit_units[i].name);
			return -1;
		}
		if (!pps && v * bit_units[i].mul < 1000) {
			mw_diag_add(&pol->errors, &nl, "bit rate below 1 kbit: use a packet rate");
			return -1;
		}
		if (pps)
			p->pps = v;
		else
			p->bps = v * bit_units[i].mul;
		/* default burst: a tenth of a second, at least one packet / one 1500-byte frame */
		burst = pps ? (v / 10 ? v / 10 : 1) : (p->bps / 80 > 1500 ? p->bps / 80 : 1500);
		t = pol_lex_next(lx, pol);
		if (t == T_WORD && !strcmp(lx->text, "burst")) {
			if (pol_expect_word(lx, pol, "a burst size") ||
			    parse_num(lx, pol, "a burst size", 1000000000000ull, &burst))
				return -1;
			if (!burst) {
				mw_diag_add(&pol->errors, &lx->tloc, "a burst of 0 passes nothing");
				return -1;
			}
			t = pol_lex_next(lx, pol);
			if (t == T_WORD && pps && !strcmp(lx->text, "packets")) {
				/* the unit, said out loud */
			} else if (t == T_WORD && !pps) {
				for (i = 0; i < sizeof(byte_units) / sizeof(byte_units[0]); i++)
					if (!strcmp(lx->text, byte_units[i].name))
						break;
				if (i < sizeof(byte_units) / sizeof(byte_units[0]))
					burst *= byte_units[i].mul;
				else
					pol_lex_unget(lx);
			} else {
				pol_lex_unget(lx);
			}
		} else {
			pol_lex_unget(lx);
		}
		if (pps)
			p->pkt_burst = burst;
		else
			p->byte_burst = burst;
		n++;
	}
}

void pol_free_pol(struct mw_pol *p)
{
	free(p->allow);
	p->allow = NULL;
	p->nallow = 0;
}

int pol_parse_policy(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_pol p = { .action = -1 };
	struct mw_loc drop_loc = { 0 };
	int t;

	if (pol_open_block(lx, pol, "policy", "policy name", p.name, &p.loc))
		return -1;
	for (;;) {
		int a;

		t = pol_lex_next(lx, pol);
		if (t == T_RBRACE)
			break;
		if (t == T_ERROR)
			goto fail;
		if (t != T_WORD) {
			mw_diag_add(&pol->errors, &lx->tloc, "expected an action, allow, rate, flows or '}' "
				    "in policy %s, found %s", p.name, pol_tok_desc(lx));
			if (t == T_EOF)
				pol_lex_unget(lx);
			goto fail;
		}
		if (!strcmp(lx->text, "allow")) {
			if (parse_allow(lx, pol, &p))
				goto fail;
			continue;
		}
		if (!strcmp(lx->text, "rate")) {
			if (parse_rate(lx, pol, &p))
				goto fail;
			continue;
		}
		if (!strcmp(lx->text, "flows")) {
			if (p.flows) {
				mw_diag_add(&pol->errors, &lx->tloc, "policy %s already keeps flows",
					    p.name);
				goto fail;
			}
			p.flows = 1;
			continue;
		}
		a = mw_action_parse(lx->text);
		if (a < 0) {
			mw_diag_add(&pol->errors, &lx->tloc, "unknown rule '%s' (expected pass, drop, "
				    "observe, allow, rate or flows)", lx->text);
			goto fail;
		}
		if (p.action >= 0) {
			mw_diag_add(&pol->errors, &lx->tloc, "policy %s already has action '%s'",
				    p.name, mw_action_name(p.action));
			goto fail;
		}
		p.action = a;
		drop_loc = lx->tloc;
	}
	if (p.action < 0 && !p.nallow && !p.pps && !p.bps && !p.flows) {
		mw_diag_add(&pol->errors, &p.loc, "policy %s has no action", p.name);
		goto fail;
	}
	if (p.action == MW_ACT_OBSERVE && (p.nallow || p.pps || p.bps)) {
		mw_diag_add(&pol->errors, &drop_loc, "policy %s observes: it drops nothing, so its "
			    "%s rules cannot apply (use pass)", p.name, p.nallow ? "allow" : "rate");
		goto fail;
	}
	if (p.action == MW_ACT_DROP && (p.nallow || p.pps || p.bps)) {
		mw_diag_add(&pol->errors, &drop_loc, "policy %s drops everything: its %s rules "
			    "would never apply", p.name, p.nallow ? "allow" : "rate");
		goto fail;
	}
	if (p.action < 0)
		p.action = MW_ACT_PASS;	/* allow/rate only: what is allowed passes */
	pol->pols = pol_grow(pol->pols, pol->npols, sizeof(p));
	pol->pols[pol->npols++] = p;
	return 0;
fail:
	pol_free_pol(&p);
	return -1;
}
