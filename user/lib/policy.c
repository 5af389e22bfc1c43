// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language parser. The lexer makes words, strings, '{' and '}';
 * newlines are whitespace and '#' starts a comment to the end of the line.
 * Statements start with a keyword, so the grammar needs no separators.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "policy.h"
#include "state.h"

#define MW_MAX_INCLUDE_DEPTH	16
#define MW_MAX_ERRORS		50

void mw_diag_add(struct mw_diag *d, const struct mw_loc *loc, const char *fmt, ...)
{
	char buf[768], *s;
	va_list ap;
	int n;

	n = loc ? snprintf(buf, sizeof(buf), "%s:%d:%d: ", loc->file, loc->line, loc->col) : 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 8;
		char **m = realloc(d->msg, sizeof(*m) * (size_t)cap);

		if (!m)
			return;
		d->msg = m;
		d->cap = cap;
	}
	s = strdup(buf);
	if (s)
		d->msg[d->n++] = s;
}

void mw_diag_free(struct mw_diag *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}

/* ---- lexer ---- */

enum tok_type { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_ERROR };

struct lexer {
	const char *src, *p;
	struct mw_loc loc;	/* of the next character */
	struct mw_loc tloc;	/* of the current token */
	int type;
	char text[512];
	int peeked;
};

struct parser {
	struct mw_policy *pol;
	char *stack[MW_MAX_INCLUDE_DEPTH];	/* realpaths of files being read */
	int depth;
};

static void lex_advance(struct lexer *lx)
{
	if (*lx->p == '\n') {
		lx->loc.line++;
		lx->loc.col = 1;
	} else {
		lx->loc.col++;
	}
	lx->p++;
}

static int is_word_char(int c)
{
	return c && !isspace(c) && c != '{' && c != '}' && c != '"' && c != '#';
}

/* Read the next token into lx; lexical errors go to @pol as T_ERROR. */
static int lex_next(struct lexer *lx, struct mw_policy *pol)
{
	size_t n = 0;

	if (lx->peeked) {
		lx->peeked = 0;
		return lx->type;
	}
	for (;;) {
		while (isspace((unsigned char)*lx->p))
			lex_advance(lx);
		if (*lx->p != '#')
			break;
		while (*lx->p && *lx->p != '\n')
			lex_advance(lx);
	}
	lx->tloc = lx->loc;
	lx->text[0] = 0;
	if (!*lx->p)
		return lx->type = T_EOF;
	if (*lx->p == '{' || *lx->p == '}') {
		lx->type = *lx->p == '{' ? T_LBRACE : T_RBRACE;
		lx->text[0] = *lx->p;
		lx->text[1] = 0;
		lex_advance(lx);
		return lx->type;
	}
	if (*lx->p == '"') {
		lex_advance(lx);
		while (*lx->p != '"') {
			if (!*lx->p || *lx->p == '\n') {
				mw_diag_add(&pol->errors, &lx->tloc, "unterminated string");
				return lx->type = T_ERROR;
			}
			if (n + 1 >= sizeof(lx->text)) {
				mw_diag_add(&pol->errors, &lx->tloc, "string longer than %zu bytes",
					    sizeof(lx->text) - 1);
				goto skip;
			}
			if ((unsigned char)*lx->p < 0x20) {
				mw_diag_add(&pol->errors, &lx->loc, "control character in string");
				goto skip;
			}
			lx->text[n++] = *lx->p;
			lex_advance(lx);
		}
		lex_advance(lx);
		lx->text[n] = 0;
		return lx->type = T_STRING;
skip:
		while (*lx->p && *lx->p != '\n' && *lx->p != '"')
			lex_advance(lx);
		if (*lx->p == '"')
			lex_advance(lx);
		return lx->type = T_ERROR;
	}
	if (!isprint((unsigned char)*lx->p)) {
		mw_diag_add(&pol->errors, &lx->loc, "unexpected byte 0x%02x",
			    (unsigned char)*lx->p);
		lex_advance(lx);
		return lx->type = T_ERROR;
	}
	while (is_word_char((unsigned char)*lx->p)) {
		if (n + 1 < sizeof(lx->text))
			lx->text[n++] = *lx->p;
		lex_advance(lx);
	}
	lx->text[n] = 0;
	return lx->type = T_WORD;
}

static void lex_unget(struct lexer *lx)
{
	lx->peeked = 1;
}

static const char *tok_desc(const struct lexer *lx)
{
	static char buf[600];

	switch (lx->type) {
	case T_EOF:
		return "end of file";
	case T_STRING:
		snprintf(buf, sizeof(buf), "string \"%s\"", lx->text);
		return buf;
	default:
		snprintf(buf, sizeof(buf), "'%s'", lx->text);
		return buf;
	}
}

/* ---- helpers ---- */

static void *grow(void *arr, int n, size_t sz)
{
	void *p;

	if (n & (n - 1))	/* capacity doubles at powers of two */
		return arr;
	p = realloc(arr, sz * (size_t)(n ? n * 2 : 1));
	if (!p) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	return p;
}

static int valid_name(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return 0;
	for (i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return 0;
	return 1;
}

static const char *const keywords[] = {
	"include", "policy", "device", "class", "vendorset", "default", "interface",
	"mac", "imei", "ip", "vendor", "prefix", NULL,
};

static int is_keyword(const char *s)
{
	int i;

	for (i = 0; keywords[i]; i++)
		if (!strcmp(s, keywords[i]))
			return 1;
	return 0;
}

/* Expect a NAME token; copy it to @out. */
static int expect_name(struct lexer *lx, struct mw_policy *pol, const char *what,
		       char *out, struct mw_loc *loc)
{
	int t = lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_WORD || is_keyword(lx->text)) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s, found %s", what, tok_desc(lx));
		if (t != T_WORD)
			lex_unget(lx);
		return -1;
	}
	if (!valid_name(lx->text)) {
		mw_diag_add(&pol->errors, &lx->tloc, "'%s' is not a valid %s: letters, digits, "
			    "'_', '-' and '.', starting with a letter or '_'", lx->text, what);
		return -1;
	}
	if (strlen(lx->text) >= MW_NAME_LEN) {
		mw_diag_add(&pol->errors, &lx->tloc, "%s '%s' is longer than %d characters",
			    what, lx->text, MW_NAME_LEN - 1);
		return -1;
	}
	if (!strcmp(lx->text, "unattributed")) {
		mw_diag_add(&pol->errors, &lx->tloc, "'unattributed' is reserved: it names the "
			    "frames no device or class claims");
		return -1;
	}
	strcpy(out, lx->text);
	if (loc)
		*loc = lx->tloc;
	return 0;
}

static int expect_word(struct lexer *lx, struct mw_policy *pol, const char *what)
{
	int t = lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_WORD) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s, found %s", what, tok_desc(lx));
		lex_unget(lx);
		return -1;
	}
	return 0;
}

static struct mw_loc at_col(const struct mw_loc *l, int off)
{
	struct mw_loc r = *l;

	r.col += off;
	return r;
}

/* Skip to the next statement keyword after an error. */
static void recover(struct lexer *lx, struct mw_policy *pol)
{
	static const char *const starts[] = {
		"include", "policy", "device", "class", "vendorset", "default", "interface", NULL,
	};
	int t, i, depth = 0;

	for (;;) {
		t = lex_next(lx, pol);
		if (t == T_EOF)
			break;
		if (t == T_LBRACE)
			depth++;
		if (t == T_RBRACE && depth > 0)
			depth--;
		if (t != T_WORD || depth)
			continue;
		if (!strcmp(lx->text, "policy")) {
			struct lexer save = *lx;
			int nerr = pol->errors.n, t1, t2;

			t1 = lex_next(lx, pol);
			t2 = t1 == T_WORD ? lex_next(lx, pol) : T_EOF;
			while (pol->errors.n > nerr)
				free(pol->errors.msg[--pol->errors.n]);
			*lx = save;
			if (t1 != T_WORD || t2 != T_LBRACE)
				continue;
		}
		for (i = 0; starts[i]; i++)
			if (!strcmp(lx->text, starts[i])) {
				lex_unget(lx);
				return;
			}
	}
	lex_unget(lx);
}

/* ---- statements ---- */

static int parse_file(struct parser *ps, const char *path, const struct mw_loc *from);

static int parse_ref(struct lexer *lx, struct mw_policy *pol, struct mw_ref *ref)
{
	ref->idx = -1;
	return expect_name(lx, pol, "policy name", ref->name, &ref->loc);
}

/* A decimal number that fits @max; on error report at the token. */
static int parse_num(struct lexer *lx, struct mw_policy *pol, const char *what, uint64_t max,
		     uint64_t *out)
{
	const char *p = lx->text;
	uint64_t v = 0;

	if (!*p) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s, found %s", what, tok_desc(lx));
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

	if (expect_word(lx, pol, what))
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

/* allow [PROTO] to ADDR[/LEN] [port N[-M] | type N[-M]] */
static int parse_allow(struct lexer *lx, struct mw_policy *pol, struct mw_pol *p)
{
	struct mw_allow_rule r = { .loc = lx->tloc };
	struct mw_perr e;
	size_t i;
	int t;

	if (expect_word(lx, pol, "a protocol or 'to'"))
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
		if (expect_word(lx, pol, "'to'"))
			return -1;
		if (strcmp(lx->text, "to")) {
			mw_diag_add(&pol->errors, &lx->tloc, "expected 'to', found %s", tok_desc(lx));
			return -1;
		}
	}
	if (expect_word(lx, pol, "an address or prefix"))
		return -1;
	if (mw_parse_prefix(lx->text, &r.pfx, &e)) {
		struct mw_loc el = at_col(&lx->tloc, e.col);

		mw_diag_add(&pol->errors, &el, "bad address '%s': %s", lx->text, e.msg);
		return -1;
	}
	if ((r.proto == IPPROTO_ICMP && r.pfx.family != AF_INET) ||
	    (r.proto == IPPROTO_ICMPV6 && r.pfx.family != AF_INET6)) {
		mw_diag_add(&pol->errors, &lx->tloc, "%s to an %s address never matches",
			    r.proto == IPPROTO_ICMP ? "icmp" : "icmpv6",
			    r.pfx.family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	t = lex_next(lx, pol);
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
	} else {
		lex_unget(lx);
	}
	p->allow = grow(p->allow, p->nallow, sizeof(r));
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

		t = lex_next(lx, pol);
		if (t != T_WORD || !isdigit((unsigned char)lx->text[0])) {
			if (!n) {
				mw_diag_add(&pol->errors, &lx->tloc, "expected a rate (e.g. '50 pps' "
					    "or '256 kbit'), found %s", tok_desc(lx));
				if (t != T_WORD)
					lex_unget(lx);
				return -1;
			}
			lex_unget(lx);
			return 0;
		}
		nl = lx->tloc;
		if (parse_num(lx, pol, "a rate", 1000000000000ull, &v))
			return -1;
		if (!v) {
			mw_diag_add(&pol->errors, &nl, "a rate of 0 passes nothing: use drop");
			return -1;
		}
		if (expect_word(lx, pol, "a rate unit (pps, bit, kbit, mbit, gbit)"))
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
		t = lex_next(lx, pol);
		if (t == T_WORD && !strcmp(lx->text, "burst")) {
			if (expect_word(lx, pol, "a burst size") ||
			    parse_num(lx, pol, "a burst size", 1000000000000ull, &burst))
				return -1;
			if (!burst) {
				mw_diag_add(&pol->errors, &lx->tloc, "a burst of 0 passes nothing");
				return -1;
			}
			t = lex_next(lx, pol);
			if (t == T_WORD && pps && !strcmp(lx->text, "packets")) {
				/* the unit, said out loud */
			} else if (t == T_WORD && !pps) {
				for (i = 0; i < sizeof(byte_units) / sizeof(byte_units[0]); i++)
					if (!strcmp(lx->text, byte_units[i].name))
						break;
				if (i < sizeof(byte_units) / sizeof(byte_units[0]))
					burst *= byte_units[i].mul;
				else
					lex_unget(lx);
			} else {
				lex_unget(lx);
			}
		} else {
			lex_unget(lx);
		}
		if (pps)
			p->pkt_burst = burst;
		else
			p->byte_burst = burst;
		n++;
	}
}

static void free_pol(struct mw_pol *p)
{
	free(p->allow);
	p->allow = NULL;
	p->nallow = 0;
}

static int parse_policy(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_pol p = { .action = -1 };
	struct mw_loc drop_loc = { 0 };
	int t;

	if (expect_name(lx, pol, "policy name", p.name, &p.loc))
		return -1;
	t = lex_next(lx, pol);
	if (t != T_LBRACE) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected '{' after policy %s, found %s",
			    p.name, tok_desc(lx));
		lex_unget(lx);
		return -1;
	}
	for (;;) {
		int a;

		t = lex_next(lx, pol);
		if (t == T_RBRACE)
			break;
		if (t == T_ERROR)
			goto fail;
		if (t != T_WORD) {
			mw_diag_add(&pol->errors, &lx->tloc, "expected an action, allow, rate or '}' "
				    "in policy %s, found %s", p.name, tok_desc(lx));
			if (t == T_EOF)
				lex_unget(lx);
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
		a = mw_action_parse(lx->text);
		if (a < 0) {
			mw_diag_add(&pol->errors, &lx->tloc, "unknown rule '%s' (expected pass, drop, "
				    "observe, allow or rate)", lx->text);
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
	if (p.action < 0 && !p.nallow && !p.pps && !p.bps) {
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
	pol->pols = grow(pol->pols, pol->npols, sizeof(p));
	pol->pols[pol->npols++] = p;
	return 0;
fail:
	free_pol(&p);
	return -1;
}

static int parse_ident(struct lexer *lx, struct mw_policy *pol, struct mw_dev *d)
{
	struct mw_ident id = { 0 };
	struct mw_perr e;
	struct mw_loc l;
	int sv;

	id.loc = lx->tloc;
	if (!strcmp(lx->text, "mac"))
		id.type = MW_IDENT_MAC;
	else if (!strcmp(lx->text, "imei"))
		id.type = MW_IDENT_IMEI;
	else
		id.type = MW_IDENT_IP;
	if (expect_word(lx, pol, id.type == MW_IDENT_MAC ? "a MAC address" :
			id.type == MW_IDENT_IMEI ? "an IMEI" : "an IP address or prefix"))
		return -1;
	l = lx->tloc;
	if (id.type == MW_IDENT_MAC) {
		if (mw_parse_mac(lx->text, &id.mac, &e)) {
			struct mw_loc el = at_col(&l, e.col);

			mw_diag_add(&pol->errors, &el, "bad MAC address '%s': %s", lx->text, e.msg);
			return -1;
		}
		if (id.mac & (1ull << 40)) {
			mw_diag_add(&pol->errors, &l, "%s is a multicast MAC address, not a device",
				    lx->text);
			return -1;
		}
	} else if (id.type == MW_IDENT_IMEI) {
		if (mw_parse_imei(lx->text, &id.imei, &sv, &e)) {
			struct mw_loc el = at_col(&l, e.col);

			mw_diag_add(&pol->errors, &el, "bad IMEI '%s': %s", lx->text, e.msg);
			return -1;
		}
		if (sv) {
			char imei[16];

			mw_format_imei(id.imei, imei);
			mw_diag_add(&pol->errors, &l, "'%s' is an IMEISV (16 digits, software "
				    "version last); a device is named by its IMEI: %s", lx->text,
				    imei);
			return -1;
		}
	} else {
		if (mw_parse_prefix(lx->text, &id.pfx, &e)) {
			struct mw_loc el = at_col(&l, e.col);

			mw_diag_add(&pol->errors, &el, "bad IP address '%s': %s", lx->text, e.msg);
			return -1;
		}
	}
	id.loc = l;
	d->ids = grow(d->ids, d->nids, sizeof(id));
	d->ids[d->nids++] = id;
	return 0;
}

static int parse_device(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_dev d = { 0 };
	int t;

	if (expect_name(lx, pol, "device name", d.name, &d.loc))
		return -1;
	for (;;) {
		t = lex_next(lx, pol);
		if (t == T_ERROR)
			goto fail;
		if (t == T_WORD && (!strcmp(lx->text, "mac") || !strcmp(lx->text, "imei") ||
				    !strcmp(lx->text, "ip"))) {
			if (parse_ident(lx, pol, &d))
				goto fail;
			continue;
		}
		if (t == T_WORD && !strcmp(lx->text, "policy") && d.nids) {
			if (parse_ref(lx, pol, &d.pol))
				goto fail;
			break;
		}
		mw_diag_add(&pol->errors, &lx->tloc, d.nids ?
			    "expected mac, imei, ip or policy in device %s, found %s" :
			    "expected mac, imei or ip after device %s, found %s", d.name,
			    tok_desc(lx));
		lex_unget(lx);
		goto fail;
	}
	pol->devs = grow(pol->devs, pol->ndevs, sizeof(d));
	pol->devs[pol->ndevs++] = d;
	return 0;
fail:
	free(d.ids);
	return -1;
}

static int parse_member(struct lexer *lx, struct mw_policy *pol, struct mw_class *c)
{
	struct mw_member m = { 0 };
	struct mw_perr e;
	int t;

	m.loc = lx->tloc;
	if (!strcmp(lx->text, "vendor")) {
		m.type = MW_MEMBER_VENDOR;
		t = lex_next(lx, pol);
		if (t == T_ERROR)
			return -1;
		if (t != T_STRING || !lx->text[0]) {
			mw_diag_add(&pol->errors, &lx->tloc, t == T_STRING ? "empty vendor name" :
				    "expected a vendor name in quotes, found %s", tok_desc(lx));
			if (t != T_WORD && t != T_STRING)
				lex_unget(lx);
			return -1;
		}
		m.loc = lx->tloc;
		m.vendor = strdup(lx->text);
	} else if (!strcmp(lx->text, "prefix")) {
		m.type = MW_MEMBER_PREFIX;
		if (expect_word(lx, pol, "a MAC prefix"))
			return -1;
		m.loc = lx->tloc;
		if (mw_parse_mac_prefix(lx->text, &m.prefix, &m.bits, &e)) {
			struct mw_loc el = at_col(&m.loc, e.col);

			mw_diag_add(&pol->errors, &el, "bad MAC prefix '%s': %s", lx->text, e.msg);
			return -1;
		}
	} else {
		m.type = MW_MEMBER_SET;
		if (expect_name(lx, pol, "vendor set name", m.set, &m.loc))
			return -1;
	}
	c->mem = grow(c->mem, c->nmem, sizeof(m));
	c->mem[c->nmem++] = m;
	return 0;
}

static void free_class(struct mw_class *c)
{
	int i;

	for (i = 0; i < c->nmem; i++)
		free(c->mem[i].vendor);
	free(c->mem);
}

static int parse_class(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_class c = { 0 };
	int t;

	if (expect_name(lx, pol, "class name", c.name, &c.loc))
		return -1;
	for (;;) {
		t = lex_next(lx, pol);
		if (t == T_ERROR)
			goto fail;
		if (t == T_WORD && (!strcmp(lx->text, "vendor") || !strcmp(lx->text, "prefix") ||
				    !strcmp(lx->text, "vendorset"))) {
			if (parse_member(lx, pol, &c))
				goto fail;
			continue;
		}
		if (t == T_WORD && !strcmp(lx->text, "policy") && c.nmem) {
			if (parse_ref(lx, pol, &c.pol))
				goto fail;
			break;
		}
		mw_diag_add(&pol->errors, &lx->tloc, c.nmem ?
			    "expected vendor, prefix, vendorset or policy in class %s, found %s" :
			    "expected vendor, prefix or vendorset after class %s, found %s",
			    c.name, tok_desc(lx));
		lex_unget(lx);
		goto fail;
	}
	pol->classes = grow(pol->classes, pol->nclasses, sizeof(c));
	pol->classes[pol->nclasses++] = c;
	return 0;
fail:
	free_class(&c);
	return -1;
}

static int parse_vendorset(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_class c = { 0 };
	int t;

	if (expect_name(lx, pol, "vendor set name", c.name, &c.loc))
		return -1;
	t = lex_next(lx, pol);
	if (t != T_LBRACE) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected '{' after vendorset %s, found %s",
			    c.name, tok_desc(lx));
		lex_unget(lx);
		return -1;
	}
	for (;;) {
		t = lex_next(lx, pol);
		if (t == T_RBRACE)
			break;
		if (t == T_ERROR)
			goto fail;
		if (t == T_WORD && (!strcmp(lx->text, "vendor") || !strcmp(lx->text, "prefix") ||
				    !strcmp(lx->text, "vendorset"))) {
			if (parse_member(lx, pol, &c))
				goto fail;
			continue;
		}
		mw_diag_add(&pol->errors, &lx->tloc, "expected vendor, prefix, vendorset or '}' "
			    "in vendorset %s, found %s", c.name, tok_desc(lx));
		if (t == T_EOF)
			lex_unget(lx);
		goto fail;
	}
	if (!c.nmem) {
		mw_diag_add(&pol->errors, &c.loc, "vendorset %s is empty", c.name);
		goto fail;
	}
	pol->sets = grow(pol->sets, pol->nsets, sizeof(c));
	pol->sets[pol->nsets++] = c;
	return 0;
fail:
	free_class(&c);
	return -1;
}

static int parse_interface(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_ifdef f = { 0 };
	int bad = 0;

	if (expect_word(lx, pol, "an interface name"))
		return -1;
	f.loc = lx->tloc;
	if (strlen(lx->text) >= MW_IFNAME_LEN || strchr(lx->text, '/')) {
		mw_diag_add(&pol->errors, &lx->tloc, "'%s' is not a valid interface name",
			    lx->text);
		bad = 1;
	}
	if (!bad)
		strcpy(f.ifname, lx->text);
	if (expect_word(lx, pol, "'default'"))
		return -1;
	if (strcmp(lx->text, "default")) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected 'default' after interface %s, "
			    "found %s", f.ifname, tok_desc(lx));
		return -1;
	}
	if (parse_ref(lx, pol, &f.pol) || bad)
		return -1;
	pol->ifdefs = grow(pol->ifdefs, pol->nifdefs, sizeof(f));
	pol->ifdefs[pol->nifdefs++] = f;
	return 0;
}

static int parse_include(struct parser *ps, struct lexer *lx)
{
	struct mw_policy *pol = ps->pol;
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct mw_loc l;
	int t = lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_STRING || !lx->text[0]) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected a file name in quotes after "
			    "include, found %s", tok_desc(lx));
		if (t != T_WORD)
			lex_unget(lx);
		return -1;
	}
	l = lx->tloc;
	if (lx->text[0] == '/') {
		snprintf(path, sizeof(path), "%s", lx->text);
	} else {
		snprintf(dir, sizeof(dir), "%s", lx->loc.file);
		snprintf(path, sizeof(path), "%s/%s", dirname(dir), lx->text);
	}
	return parse_file(ps, path, &l);
}

static void parse_text(struct parser *ps, const char *file, const char *text)
{
	struct mw_policy *pol = ps->pol;
	struct lexer lx = { .src = text, .p = text };
	int t, rc;

	lx.loc.file = file;
	lx.loc.line = 1;
	lx.loc.col = 1;
	while ((t = lex_next(&lx, pol)) != T_EOF) {
		if (pol->errors.n >= MW_MAX_ERRORS)
			return;
		if (t == T_ERROR) {
			recover(&lx, pol);
			continue;
		}
		if (t != T_WORD) {
			mw_diag_add(&pol->errors, &lx.tloc, "expected a statement (include, policy, "
				    "device, class, vendorset, default, interface), found %s",
				    tok_desc(&lx));
			recover(&lx, pol);
			continue;
		}
		if (!strcmp(lx.text, "include")) {
			rc = parse_include(ps, &lx);
		} else if (!strcmp(lx.text, "policy")) {
			rc = parse_policy(&lx, pol);
		} else if (!strcmp(lx.text, "device")) {
			rc = parse_device(&lx, pol);
		} else if (!strcmp(lx.text, "class")) {
			rc = parse_class(&lx, pol);
		} else if (!strcmp(lx.text, "vendorset")) {
			rc = parse_vendorset(&lx, pol);
		} else if (!strcmp(lx.text, "interface")) {
			rc = parse_interface(&lx, pol);
		} else if (!strcmp(lx.text, "default")) {
			if (pol->has_default) {
				mw_diag_add(&pol->errors, &lx.tloc, "default already set at %s:%d:%d",
					    pol->deflt.loc.file, pol->deflt.loc.line,
					    pol->deflt.loc.col);
				rc = -1;
			} else {
				rc = parse_ref(&lx, pol, &pol->deflt);
				pol->has_default = rc == 0;
			}
		} else {
			mw_diag_add(&pol->errors, &lx.tloc, "unknown statement '%s' (expected include, "
				    "policy, device, class, vendorset, default or interface)",
				    lx.text);
			rc = -1;
		}
		if (rc)
			recover(&lx, pol);
	}
}

static const char *keep_file(struct mw_policy *pol, const char *path)
{
	char *s = strdup(path);

	if (!s) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	pol->files = grow(pol->files, pol->nfiles, sizeof(char *));
	pol->files[pol->nfiles++] = s;
	return s;
}

static char *read_all(const char *path, int *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f) {
		*err = errno;
		return NULL;
	}
	do {
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				*err = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		*err = errno ? errno : EIO;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	if (strlen(buf) != n) {
		*err = EILSEQ;
		free(buf);
		return NULL;
	}
	return buf;
}

static int parse_file(struct parser *ps, const char *path, const struct mw_loc *from)
{
	struct mw_policy *pol = ps->pol;
	char real[PATH_MAX];
	const char *name;
	char *text;
	int i, err = 0;

	if (!realpath(path, real)) {
		if (from)
			mw_diag_add(&pol->errors, from, "cannot include '%s': %s", path,
				    strerror(errno));
		else
			mw_diag_add(&pol->errors, NULL, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < ps->depth; i++)
		if (!strcmp(ps->stack[i], real)) {
			mw_diag_add(&pol->errors, from, "include cycle: '%s' is already being read",
				    path);
			return -1;
		}
	if (ps->depth == MW_MAX_INCLUDE_DEPTH) {
		mw_diag_add(&pol->errors, from, "includes nested deeper than %d",
			    MW_MAX_INCLUDE_DEPTH);
		return -1;
	}
	text = read_all(path, &err);
	if (!text) {
		if (from)
			mw_diag_add(&pol->errors, from, "cannot include '%s': %s", path,
				    err == EILSEQ ? "contains a NUL byte" : strerror(err));
		else
			mw_diag_add(&pol->errors, NULL, "%s: %s", path,
				    err == EILSEQ ? "contains a NUL byte" : strerror(err));
		return -1;
	}
	name = keep_file(pol, path);
	ps->stack[ps->depth++] = real;
	parse_text(ps, name, text);
	ps->depth--;
	free(text);
	return 0;
}

/* ---- checks that need no outside data ---- */

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

static void add_builtins(struct mw_policy *pol)
{
	int a;

	for (a = 0; a < MW_ACT_MAX; a++) {
		struct mw_pol p = { .action = a, .builtin = 1 };

		snprintf(p.name, sizeof(p.name), "%s", mw_action_name(a));
		pol->pols = grow(pol->pols, pol->npols, sizeof(p));
		pol->pols[pol->npols++] = p;
	}
}

static void dup_name(struct mw_policy *pol, const char *kind, const char *name,
		     const struct mw_loc *here, const struct mw_loc *first)
{
	mw_diag_add(&pol->errors, here, "%s '%s' already defined at %s:%d:%d", kind, name,
		    first->file, first->line, first->col);
}

struct name_ref {
	const char *name;
	const struct mw_loc *loc;
	int order;		/* devices first, then classes, in file order */
	int is_class;
};

static int cmp_name_ref(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->order - y->order;
}

/* Devices and classes share one namespace (counters are keyed by name). */
static void check_subject_names(struct mw_policy *pol)
{
	int n = pol->ndevs + pol->nclasses, i;
	struct name_ref *v = calloc((size_t)n + 1, sizeof(*v));

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		v[i].is_class = i >= pol->ndevs;
		v[i].name = v[i].is_class ? pol->classes[i - pol->ndevs].name : pol->devs[i].name;
		v[i].loc = v[i].is_class ? &pol->classes[i - pol->ndevs].loc : &pol->devs[i].loc;
		v[i].order = i;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_name_ref);
	for (i = 1; i < n; i++) {
		const struct name_ref *first;
		int j = i - 1;

		if (strcmp(v[i].name, v[j].name))
			continue;
		while (j > 0 && !strcmp(v[j - 1].name, v[i].name))
			j--;
		first = &v[j];
		if (v[i].is_class == first->is_class)
			dup_name(pol, v[i].is_class ? "class" : "device", v[i].name, v[i].loc,
				 first->loc);
		else
			mw_diag_add(&pol->errors, v[i].loc, "class '%s' has the name of device "
				    "'%s' (%s:%d:%d); devices and classes need distinct names",
				    v[i].name, first->name, first->loc->file, first->loc->line,
				    first->loc->col);
	}
	free(v);
}

static void check(struct mw_policy *pol)
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

static void policy_init(struct mw_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->deflt.idx = -1;
	add_builtins(p);
}

int mw_policy_load(struct mw_policy *p, const char *path)
{
	struct parser ps = { .pol = p };

	policy_init(p);
	if (parse_file(&ps, path, NULL) == 0 && !p->errors.n)
		check(p);
	return p->errors.n ? -1 : 0;
}

int mw_policy_load_string(struct mw_policy *p, const char *name, const char *text)
{
	struct parser ps = { .pol = p };

	policy_init(p);
	parse_text(&ps, keep_file(p, name), text);
	if (!p->errors.n)
		check(p);
	return p->errors.n ? -1 : 0;
}

void mw_policy_free(struct mw_policy *p)
{
	int i;

	for (i = 0; i < p->ndevs; i++)
		free(p->devs[i].ids);
	for (i = 0; i < p->nclasses; i++)
		free_class(&p->classes[i]);
	for (i = 0; i < p->nsets; i++)
		free_class(&p->sets[i]);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	for (i = 0; i < p->npols; i++)
		free_pol(&p->pols[i]);
	free(p->pols);
	free(p->devs);
	free(p->classes);
	free(p->sets);
	free(p->ifdefs);
	free(p->files);
	mw_diag_free(&p->errors);
	mw_diag_free(&p->warnings);
	memset(p, 0, sizeof(*p));
}
