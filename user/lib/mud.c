// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import (RFC 8520, with the ACL model of RFC 8519 and the DNS-name
 * matches of ietf-acldns). The from-device policy names ACLs; each accepted
 * ace becomes allow rules:
 *
 *   matches.ipv4/ipv6: protocol, destination-ipv4/ipv6-network,
 *                      ietf-acldns:dst-dnsname (with resolve only)
 *   matches.tcp/udp:   destination-port (operator eq, lte, gte or neq with
 *                      port; or lower-port and upper-port)
 *   matches.icmp:      type
 *
 * modwall's allow rules have no order, while an ACL is first-match: a drop
 * ace followed by an accept ace that overlaps it would be widened by the
 * import, so that is an error too (a warning when lenient).
 */
#include <ctype.h>
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
#include "compile.h"
#include "mud.h"

#define MUD_KEY		"ietf-mud:mud"
#define ACLS_KEY	"ietf-access-control-list:acls"
#define DNS_DST_KEY	"ietf-acldns:dst-dnsname"
#define MUD_MAX_BYTES	(16u << 20)
#define FAM4		1
#define FAM6		2
#define MAX_PROBS	8
#define RULE_COL	44	/* allow rules are padded to this width before their comment */

enum prob_kind {
	P_SKIP,		/* the ace cannot be imported: lenient leaves it out */
	P_NARROW,	/* a condition cannot be expressed: lenient drops the condition */
};

struct prob {
	int kind;
	char label[64];		/* short, for the output comment */
	char text[400];		/* the whole message */
};

struct range {
	uint16_t lo, hi;
};

/* What one ace says, as far as modwall can tell. */
struct ace {
	char *name;		/* printable */
	int fam;		/* FAM4 | FAM6: the families it can match */
	int proto;		/* 'protocol', -1 when not given */
	int l4;			/* 'tcp', 'udp' or 'icmp' match: 6, 17 or 1; 0 when none */
	int has_dst;
	struct mw_prefix dst;
	char *dns;		/* destination DNS name, printable */
	const char *dns_raw;
	struct range r[2];	/* destination port or ICMP type ranges */
	int nr;
	int hard;		/* errors reported */
	struct prob prob[MAX_PROBS];
	int nprob, nskip;
};

struct rule {
	int af;
	int proto;		/* -1: any */
	struct mw_prefix pfx;
	int has_range;
	struct range r;
};

struct ctx {
	struct mw_mud *m;
	const struct mw_mud_opts *o;
	const char *file;	/* printable */
	FILE *out;
	struct rule *rules;	/* emitted, to leave out repeats */
	int nrules;
	struct ace *drops;	/* drop and reject aces seen so far, in order */
	int ndrops;
};

/* ---- helpers ---- */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	return q;
}

/* A copy of @s safe to print in a message or a comment: control bytes become '?'. */
static char *printable(const char *s)
{
	char *r = strdup(s ? s : "");
	char *p;

	if (!r) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	for (p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return r;
}

static void add(struct mw_diag *d, const char *file, const char *ace, const char *fmt, va_list ap)
{
	char buf[640];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (ace)
		mw_diag_add(d, NULL, "%s: ace '%s': %s", file, ace, buf);
	else
		mw_diag_add(d, NULL, "%s: %s", file, buf);
}

static void __attribute__((format(printf, 2, 3))) err(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&c->m->errors, c->file, NULL, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
ace_err(struct ctx *c, struct ace *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&c->m->errors, c->file, a->name, fmt, ap);
	va_end(ap);
	a->hard = 1;
}

static void __attribute__((format(printf, 3, 4)))
note(struct ctx *c, const char *ace, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&c->m->notes, c->file, ace, fmt, ap);
	va_end(ap);
}

/* Something the ace says that modwall cannot; reported when the ace is accepted. */
static void __attribute__((format(printf, 4, 5)))
prob(struct ace *a, int kind, const char *label, const char *fmt, ...)
{
	struct prob *p;
	va_list ap;

	if (kind == P_SKIP)
		a->nskip++;
	if (a->nprob == MAX_PROBS && kind == P_SKIP)
		a->nprob--;	/* keep a reason to leave the ace out */
	else if (a->nprob == MAX_PROBS)
		return;
	p = &a->prob[a->nprob++];
	p->kind = kind;
	snprintf(p->label, sizeof(p->label), "'%s'", label);
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* An identity value may carry its module's prefix: "ietf-access-control-list:accept". */
static const char *identity(const char *s)
{
	const char *colon = strchr(s, ':');

	return colon ? colon + 1 : s;
}

static int get_uint(struct json_object *v, int64_t max, int64_t *out)
{
	int64_t x;

	if (!v || !json_object_is_type(v, json_type_int))
		return -1;
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < 0 || x > max)
		return -1;
	*out = x;
	return 0;
}

static const char *const name_keywords[] = {
	"include", "policy", "device", "class", "vendorset", "default", "interface",
	"mac", "imei", "ip", "vendor", "prefix", "pass", "drop", "observe", NULL,
};

int mw_mud_valid_name(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return 0;
	for (i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return 0;
	if (i >= MW_NAME_LEN)
		return 0;
	for (i = 0; name_keywords[i]; i++)
		if (!strcmp(s, name_keywords[i]))
			return 0;
	return 1;
}

void mw_mud_policy_name(const char *acl, char out[MW_NAME_LEN])
{
	char buf[MW_NAME_LEN + 8];
	size_t n = 0;

	if (!acl || (!isalpha((unsigned char)acl[0]) && acl[0] != '_')) {
		strcpy(buf, "mud-");
		n = 4;
	}
	for (; acl && *acl && n < MW_NAME_LEN - 1; acl++)
		buf[n++] = isalnum((unsigned char)*acl) || strchr("_-.", *acl) ? *acl : '_';
	buf[n] = 0;
	if (n == 4 && !strcmp(buf, "mud-"))
		buf[--n] = 0;
	if (!mw_mud_valid_name(buf)) {	/* a keyword or a built-in policy */
		memmove(buf + 4, buf, n + 1);
		memcpy(buf, "mud-", 4);
		n += 4;
	}
	if (n > MW_NAME_LEN - 1)
		n = MW_NAME_LEN - 1;
	memcpy(out, buf, n);
	out[n] = 0;
}

/* ---- JSON ---- */

struct json_object *mw_mud_parse_json(const char *text, size_t len, const char *file,
				      struct mw_diag *errors)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error e;
	struct mw_loc loc = { .file = file, .line = 1, .col = 1 };
	const char *what;
	size_t end, i;

	if (len > MUD_MAX_BYTES) {
		mw_diag_add(errors, NULL, "%s: larger than %u MiB", file, MUD_MAX_BYTES >> 20);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		mw_diag_add(errors, NULL, "%s: out of memory", file);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root && e == json_tokener_success) {
		/* strict parsing reports text after the value itself; this is a safety net */
		for (i = end; i < len && isspace((unsigned char)text[i]); i++)
			;
		if (i == len)
			return root;
		json_object_put(root);
		end = i;
		what = "text after the JSON value";
	} else if (e == json_tokener_continue || e == json_tokener_success) {
		end = len;
		what = len && memchr(text, 0, len) ? "NUL byte" : "unexpected end of file";
	} else {
		what = json_tokener_error_desc(e);
	}
	for (i = 0; i < end && i < len; i++) {
		if (text[i] == '\n') {
			loc.line++;
			loc.col = 1;
		} else {
			loc.col++;
		}
	}
	mw_diag_add(errors, &loc, "bad JSON: %s", what);
	return NULL;
}

/* ---- matches ---- */

static const struct {
	const char *key;
	const char *what;
} mud_matches[] = {
	{ "manufacturer", "the devices of a manufacturer" },
	{ "same-manufacturer", "the devices of the same manufacturer" },
	{ "model", "the devices of a model" },
	{ "local-networks", "the local networks" },
	{ "controller", "a controller class" },
	{ "my-controller", "the device's controller" },
};

/* Fields of an 'ipv4'/'ipv6' match that only narrow it. */
static const char *const l3_narrow[] = {
	"source-ipv4-network", "source-ipv6-network", "ietf-acldns:src-dnsname", "dscp", "ecn",
	"length", "ttl", "ihl", "flags", "offset", "identification", "flow-label", NULL,
};

/* Fields of a 'tcp'/'udp' match, besides the ports, that only narrow it. */
static const char *const l4_narrow[] = {
	"sequence-number", "acknowledgement-number", "data-offset", "reserved", "window-size",
	"urgent-pointer", "options", "length", NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static void parse_l3(struct ctx *c, struct ace *a, struct json_object *m, int af)
{
	const char *l3 = af == AF_INET ? "ipv4" : "ipv6";
	const char *dst_key = af == AF_INET ? "destination-ipv4-network" : "destination-ipv6-network";

	if (!json_object_is_type(m, json_type_object)) {
		ace_err(c, a, "'%s' is not an object", l3);
		return;
	}
	a->fam = af == AF_INET ? FAM4 : FAM6;
	json_object_object_foreach(m, key, v) {
		char *k = printable(key);

		if (!strcmp(key, "protocol")) {
			int64_t p;

			if (get_uint(v, 255, &p))
				ace_err(c, a, "'%s' 'protocol' is not a number from 0 to 255", l3);
			else
				a->proto = (int)p;
		} else if (!strcmp(key, dst_key)) {
			struct mw_perr e;
			char *s;

			if (!json_object_is_type(v, json_type_string)) {
				ace_err(c, a, "'%s' is not a string", dst_key);
				free(k);
				continue;
			}
			s = printable(json_object_get_string(v));
			if (mw_parse_prefix(json_object_get_string(v), &a->dst, &e))
				ace_err(c, a, "bad '%s' '%s': %s", dst_key, s, e.msg);
			else if (a->dst.family != af)
				ace_err(c, a, "'%s' '%s' is not an %s prefix", dst_key, s,
					af == AF_INET ? "IPv4" : "IPv6");
			else
				a->has_dst = 1;
			free(s);
		} else if (!strcmp(key, DNS_DST_KEY)) {
			if (!json_object_is_type(v, json_type_string) ||
			    !json_object_get_string_len(v)) {
				ace_err(c, a, "'%s' is not a DNS name", DNS_DST_KEY);
			} else {
				free(a->dns);
				a->dns = printable(json_object_get_string(v));
				a->dns_raw = json_object_get_string(v);
			}
		} else if (in_list(l3_narrow, key)) {
			prob(a, P_NARROW, k, "'%s' in '%s' cannot be expressed: modwall matches the "
			     "remote end's address and the protocol only", k, l3);
		} else {
			prob(a, P_SKIP, k, "unknown match '%s' in '%s'", k, l3);
		}
		free(k);
	}
	if (a->has_dst && a->dns)
		ace_err(c, a, "has both '%s' and '%s'", dst_key, DNS_DST_KEY);
}

/* A port-range-or-operator container: one or two ranges in @a. */
static void parse_ports(struct ctx *c, struct ace *a, struct json_object *p, const char *where)
{
	struct json_object *lo = get(p, "lower-port"), *hi = get(p, "upper-port");
	struct json_object *op = get(p, "operator"), *port = get(p, "port");
	int64_t x, y;
	const char *o = "eq";

	if (!json_object_is_type(p, json_type_object)) {
		ace_err(c, a, "%s is not an object", where);
		return;
	}
	json_object_object_foreach(p, key, v) {
		(void)v;
		if (strcmp(key, "lower-port") && strcmp(key, "upper-port") &&
		    strcmp(key, "operator") && strcmp(key, "port")) {
			char *k = printable(key);

			ace_err(c, a, "unknown member '%s' in %s", k, where);
			free(k);
			return;
		}
	}
	if (lo || hi) {
		if (op || port) {
			ace_err(c, a, "%s has both a range (lower-port, upper-port) and an "
				"operator and port", where);
			return;
		}
		if (get_uint(lo, 65535, &x) || get_uint(hi, 65535, &y)) {
			ace_err(c, a, "%s needs 'lower-port' and 'upper-port', numbers from 0 to "
				"65535", where);
			return;
		}
		if (y < x) {
			ace_err(c, a, "%s range %lld-%lld runs backwards", where, (long long)x,
				(long long)y);
			return;
		}
		a->r[0] = (struct range){ (uint16_t)x, (uint16_t)y };
		a->nr = 1;
		return;
	}
	if (get_uint(port, 65535, &x)) {
		ace_err(c, a, "%s needs a 'port' from 0 to 65535", where);
		return;
	}
	if (op) {
		if (!json_object_is_type(op, json_type_string)) {
			ace_err(c, a, "%s 'operator' is not a string", where);
			return;
		}
		o = json_object_get_string(op);
	}
	if (!strcmp(o, "eq")) {
		a->r[0] = (struct range){ (uint16_t)x, (uint16_t)x };
		a->nr = 1;
	} else if (!strcmp(o, "lte")) {
		a->r[0] = (struct range){ 0, (uint16_t)x };
		a->nr = 1;
	} else if (!strcmp(o, "gte")) {
		a->r[0] = (struct range){ (uint16_t)x, 65535 };
		a->nr = 1;
	} else if (!strcmp(o, "neq")) {
		if (x > 0)
			a->r[a->nr++] = (struct range){ 0, (uint16_t)(x - 1) };
		if (x < 65535)
			a->r[a->nr++] = (struct range){ (uint16_t)(x + 1), 65535 };
	} else {
		char *s = printable(o);

		ace_err(c, a, "%s 'operator' '%s' is not eq, lte, gte or neq", where, s);
		free(s);
	}
}

static void parse_l4(struct ctx *c, struct ace *a, struct json_object *m, const char *l4)
{
	struct json_object *sport = NULL, *dport = NULL;
	char where[64];

	if (!json_object_is_type(m, json_type_object)) {
		ace_err(c, a, "'%s' is not an object", l4);
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = printable(key);

		if (!strcmp(key, "destination-port")) {
			dport = v;
		} else if (!strcmp(key, "source-port")) {
			sport = v;
		} else if (!strcmp(key, "ietf-mud:direction-initiated") && !strcmp(l4, "tcp")) {
			char *s = printable(json_object_get_string(v));

			prob(a, P_NARROW, k, "'%s' (%s) cannot be expressed: modwall does not track "
			     "which end opens a TCP connection", k, s);
			free(s);
		} else if (!strcmp(key, "flags") && !strcmp(l4, "tcp")) {
			prob(a, P_NARROW, "flags", "tcp 'flags' cannot be expressed: modwall "
			     "does not match TCP flags");
		} else if (in_list(l4_narrow, key)) {
			prob(a, P_NARROW, k, "'%s' in '%s' cannot be expressed: modwall matches the "
			     "remote port only", k, l4);
		} else {
			prob(a, P_SKIP, k, "unknown match '%s' in '%s'", k, l4);
		}
		free(k);
	}
	if (dport) {
		snprintf(where, sizeof(where), "%s 'destination-port'", l4);
		parse_ports(c, a, dport, where);
	}
	if (sport && !dport)
		prob(a, P_SKIP, "source-port", "matches the source port only, which is the "
		     "device's own port; modwall matches the remote port");
	else if (sport)
		prob(a, P_NARROW, "source-port", "'source-port' (the device's own port) cannot be "
		     "expressed: modwall matches the remote port only");
}

static void parse_icmp(struct ctx *c, struct ace *a, struct json_object *m)
{
	if (!json_object_is_type(m, json_type_object)) {
		ace_err(c, a, "'icmp' is not an object");
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = printable(key);
		int64_t t;

		if (!strcmp(key, "type")) {
			if (get_uint(v, 255, &t)) {
				ace_err(c, a, "'icmp' 'type' is not a number from 0 to 255");
			} else {
				a->r[0] = (struct range){ (uint16_t)t, (uint16_t)t };
				a->nr = 1;
			}
		} else if (!strcmp(key, "code") || !strcmp(key, "rest-of-header")) {
			prob(a, P_NARROW, k, "icmp '%s' cannot be expressed: modwall matches the ICMP "
			     "type only", k);
		} else {
			prob(a, P_SKIP, k, "unknown match '%s' in 'icmp'", k);
		}
		free(k);
	}
}

static void parse_mud_match(struct ace *a, struct json_object *m)
{
	size_t i;

	if (!json_object_is_type(m, json_type_object) || !json_object_object_length(m)) {
		prob(a, P_SKIP, MUD_KEY, "an empty '%s' match", MUD_KEY);
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = printable(key);

		(void)v;
		for (i = 0; i < sizeof(mud_matches) / sizeof(mud_matches[0]); i++)
			if (!strcmp(key, mud_matches[i].key))
				break;
		if (i < sizeof(mud_matches) / sizeof(mud_matches[0]))
			prob(a, P_SKIP, k, "destination is %s ('%s' match '%s'), which is not an "
			     "address; modwall matches addresses: write them by hand",
			     mud_matches[i].what, MUD_KEY, k);
		else
			prob(a, P_SKIP, k, "unknown '%s' match '%s'", MUD_KEY, k);
		free(k);
	}
}

/*
 * Read an ace's name, matches and forwarding. Returns the forwarding:
 * 1 accept, 0 drop or reject, -1 after an error.
 */
static int parse_ace(struct ctx *c, struct ace *a, struct json_object *ace, int idx,
		     const char *acl, int acl_fam, const char **fwd)
{
	struct json_object *name = get(ace, "name"), *m, *act;
	int has_l3 = 0;

	memset(a, 0, sizeof(*a));
	a->proto = -1;
	if (!json_object_is_type(ace, json_type_object) || !name ||
	    !json_object_is_type(name, json_type_string)) {
		err(c, "ace #%d of ACL '%s' has no name", idx + 1, acl);
		return -1;
	}
	a->name = printable(json_object_get_string(name));

	m = get(ace, "matches");
	if (m && !json_object_is_type(m, json_type_object)) {
		ace_err(c, a, "'matches' is not an object");
		m = NULL;
	}
	if (m) {
		json_object_object_foreach(m, key, v) {
			char *k;

			if (!strcmp(key, "ipv4") || !strcmp(key, "ipv6")) {
				if (has_l3++) {
					ace_err(c, a, "has both 'ipv4' and 'ipv6' matches");
					continue;
				}
				parse_l3(c, a, v, key[3] == '4' ? AF_INET : AF_INET6);
			} else if (!strcmp(key, "tcp") || !strcmp(key, "udp") ||
				   !strcmp(key, "icmp")) {
				int l4 = key[0] == 't' ? IPPROTO_TCP : key[0] == 'u' ? IPPROTO_UDP
										: IPPROTO_ICMP;

				if (a->l4) {
					ace_err(c, a, "has more than one of 'tcp', 'udp' and 'icmp'");
					continue;
				}
				a->l4 = l4;
				if (l4 == IPPROTO_ICMP)
					parse_icmp(c, a, v);
				else
					parse_l4(c, a, v, key);
			} else if (!strcmp(key, MUD_KEY)) {
				parse_mud_match(a, v);
			} else if (!strcmp(key, "eth")) {
				prob(a, P_SKIP, "eth", "matches Ethernet fields ('eth'); modwall matches "
				     "the remote end's IP address");
			} else if (!strcmp(key, "egress-interface") ||
				   !strcmp(key, "ingress-interface")) {
				k = printable(key);
				prob(a, P_NARROW, k, "'%s' cannot be expressed: modwall policies apply "
				     "on every interface", k);
				free(k);
			} else {
				k = printable(key);
				prob(a, P_SKIP, k, "unknown match '%s'", k);
				free(k);
			}
		}
	}
	if (!has_l3)
		a->fam = acl_fam;

	/* the protocol and the L4 match must agree */
	if (a->proto >= 0 && a->l4) {
		int ok = a->l4 == IPPROTO_ICMP ? a->proto == IPPROTO_ICMP ||
						 a->proto == IPPROTO_ICMPV6
					       : a->proto == a->l4;

		if (!ok)
			ace_err(c, a, "'protocol' %d contradicts its '%s' match", a->proto,
				a->l4 == IPPROTO_TCP ? "tcp" : a->l4 == IPPROTO_UDP ? "udp" : "icmp");
	}

	act = get(get(ace, "actions"), "forwarding");
	if (!act || !json_object_is_type(act, json_type_string)) {
		ace_err(c, a, "has no 'actions' 'forwarding'");
		return -1;
	}
	*fwd = identity(json_object_get_string(act));
	if (!strcmp(*fwd, "accept"))
		return a->hard ? -1 : 1;
	if (!strcmp(*fwd, "drop") || !strcmp(*fwd, "reject"))
		return a->hard ? -1 : 0;
	{
		char *s = printable(json_object_get_string(act));

		ace_err(c, a, "unknown 'forwarding' '%s' (expected accept, drop or reject)", s);
		free(s);
	}
	return -1;
}

static void free_ace(struct ace *a)
{
	free(a->name);
	free(a->dns);
	a->name = a->dns = NULL;
}

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
		ace_err(c, a, "cannot resolve the DNS name '%s'%s: %s", a->dns,
			a->fam == FAM4 ? " to IPv4 addresses" : a->fam == FAM6 ?
			" to IPv6 addresses" : "", rc == EAI_SYSTEM ? strerror(errno) :
			gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next)
		k++;
	*out = xrealloc(NULL, sizeof(**out) * (size_t)k);
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
		ace_err(c, a, "the DNS name '%s' has no IP address", a->dns);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- output ---- */

static void emit_comment_line(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit_comment_line(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fputs("    # ", c->out);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

static void import_accept(struct ctx *c, struct ace *a)
{
	struct mw_prefix *dsts = NULL;
	struct rule *mine = NULL;
	char extra[256] = "", rule[160];
	int ndst = 0, nmine = 0, nnew = 0, fams[2] = { FAM4, FAM6 }, f, i, k, d;
	int unresolved = a->dns && !c->o->resolve;

	if (!c->o->lenient) {
		if (unresolved)
			ace_err(c, a, "destination is the DNS name '%s'; modwall matches addresses: "
				"use --resolve to resolve it now (getaddrinfo), or write the "
				"addresses by hand", a->dns);
		for (i = 0; i < a->nprob; i++)
			ace_err(c, a, "%s (--lenient %s)", a->prob[i].text,
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
			emit_comment_line(c, "%s: not imported (destination is the DNS name %s)",
					  a->name, a->dns);
		else
			emit_comment_line(c, "%s: not imported (%s cannot be expressed)", a->name,
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
		dsts = xrealloc(NULL, sizeof(*dsts));
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
			note(c, a->name, "protocol %d (%s) never matches %s traffic: no %s rule",
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
				mine = xrealloc(mine, sizeof(*mine) * (size_t)(nmine + 1));
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
			ace_err(c, a, "overlaps the drop ace '%s' before it; allow rules have no "
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
		c->rules = xrealloc(c->rules, sizeof(*c->rules) * (size_t)(c->nrules + 1));
		c->rules[c->nrules++] = mine[i];
		format_rule(&mine[i], rule, sizeof(rule));
		fprintf(c->out, "    %-*s # %s%s%s%s\n", RULE_COL, rule, a->name,
			*extra ? " (" : "", extra, *extra ? ")" : "");
		nnew++;
	}
	if (nmine && !nnew)
		emit_comment_line(c, "%s: the same rules as above", a->name);
	if (nnew && a->nr && a->l4 == IPPROTO_ICMP)
		note(c, a->name, "ICMP type rules match both ways: on a wan interface, frames from "
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
		note(c, a->name, "'%s' resolved at import time to %s; the rules do not follow "
		     "later changes of its addresses", a->dns, list);
	}
	free(mine);
}

/* ---- the MUD file ---- */

static int acl_family(struct json_object *acl)
{
	struct json_object *t = get(acl, "type");
	const char *s;

	if (!t || !json_object_is_type(t, json_type_string))
		return FAM4 | FAM6;
	s = identity(json_object_get_string(t));
	if (!strcmp(s, "ipv4-acl-type"))
		return FAM4;
	if (!strcmp(s, "ipv6-acl-type"))
		return FAM6;
	return FAM4 | FAM6;
}

static struct json_object *find_acl(struct json_object *acls, const char *name)
{
	size_t i, n = acls ? json_object_array_length(acls) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *acl = json_object_array_get_idx(acls, i);
		struct json_object *nm = get(acl, "name");

		if (nm && json_object_is_type(nm, json_type_string) &&
		    !strcmp(json_object_get_string(nm), name))
			return acl;
	}
	return NULL;
}

static void import_acl(struct ctx *c, struct json_object *acl, const char *name)
{
	struct json_object *aces = get(get(acl, "aces"), "ace");
	int fam = acl_family(acl);
	size_t i, n;

	emit_comment_line(c, "acl %s", name);
	if (!aces) {
		note(c, NULL, "ACL '%s' has no aces", name);
		return;
	}
	if (!json_object_is_type(aces, json_type_array)) {
		err(c, "ACL '%s': 'aces' 'ace' is not a list", name);
		return;
	}
	n = json_object_array_length(aces);
	for (i = 0; i < n; i++) {
		struct ace a;
		const char *fwd = NULL;
		int rc = parse_ace(c, &a, json_object_array_get_idx(aces, i), (int)i, name, fam,
				   &fwd);

		if (rc == 1) {
			import_accept(c, &a);
		} else if (rc == 0) {
			emit_comment_line(c, "%s: %s, not imported: what is not allowed is dropped",
					  a.name, fwd);
			note(c, a.name, "%s ace not imported: everything not allowed is dropped",
			     fwd);
			/* kept to check the accept aces after it */
			free(a.dns);
			a.dns = NULL;
			if (a.nskip)	/* its destination is unknown: it may be anything */
				a.has_dst = 0;
			c->drops = xrealloc(c->drops, sizeof(*c->drops) * (size_t)(c->ndrops + 1));
			c->drops[c->ndrops++] = a;
			continue;
		}
		free_ace(&a);
	}
}

/* "mud:LINE:COL: text" -> "text": a location in the generated text means nothing to the user. */
static const char *strip_loc(const char *msg)
{
	const char *p = msg;
	int i;

	if (strncmp(msg, "mud:", 4))
		return msg;
	for (i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (!p)
			return msg;
		p++;
	}
	return p + (*p == ' ');
}

static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* The names of the ACLs of a from-device-policy or to-device-policy; NULL when absent. */
static struct json_object *policy_acls(struct ctx *c, struct json_object *mud, const char *key)
{
	struct json_object *p = get(mud, key), *l;

	if (!p)
		return NULL;
	l = get(get(p, "access-lists"), "access-list");
	if (!l || !json_object_is_type(l, json_type_array)) {
		err(c, "'%s' has no 'access-lists' 'access-list' list", key);
		return NULL;
	}
	return l;
}

static int convert(struct mw_mud *m, struct json_object *root, const struct mw_mud_opts *o)
{
	struct ctx c = { .m = m, .o = o };
	struct json_object *mud, *acls, *from, *to;
	char *file, *url, *sys, *buf = NULL;
	size_t len = 0, i, n;
	int rc = -1;

	file = printable(o->file ? o->file : "-");
	c.file = file;
	mud = get(root, MUD_KEY);
	if (!mud || !json_object_is_type(mud, json_type_object)) {
		err(&c, "no '%s' object: not a MUD file", MUD_KEY);
		free(file);
		return -1;
	}
	from = policy_acls(&c, mud, "from-device-policy");
	if (!from) {
		if (!m->errors.n)
			err(&c, "'%s' has no 'from-device-policy': no traffic from the device to "
			    "import", MUD_KEY);
		free(file);
		return -1;
	}
	n = json_object_array_length(from);
	if (!n) {
		err(&c, "'from-device-policy' names no ACL");
		free(file);
		return -1;
	}
	acls = get(get(root, ACLS_KEY), "acl");
	if (acls && !json_object_is_type(acls, json_type_array)) {
		err(&c, "'%s' 'acl' is not a list", ACLS_KEY);
		free(file);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *nm = str_member(json_object_array_get_idx(from, i), "name");
		char *p;

		if (!nm) {
			err(&c, "'from-device-policy' access-list #%zu has no name", i + 1);
			continue;
		}
		if (find_acl(acls, nm))
			continue;
		p = printable(nm);
		if (!get(root, ACLS_KEY))
			err(&c, "'from-device-policy' names ACL '%s', but there is no '%s' object",
			    p, ACLS_KEY);
		else
			err(&c, "'from-device-policy' names ACL '%s', which '%s' does not define", p,
			    ACLS_KEY);
		free(p);
	}
	if (m->errors.n) {
		free(file);
		return -1;
	}

	if (o->name) {
		snprintf(m->name, sizeof(m->name), "%s", o->name);
	} else {
		mw_mud_policy_name(str_member(json_object_array_get_idx(from, 0), "name"), m->name);
	}

	c.out = open_memstream(&buf, &len);
	if (!c.out) {
		err(&c, "%s", strerror(errno));
		free(file);
		return -1;
	}
	url = printable(str_member(mud, "mud-url") ? str_member(mud, "mud-url") : "(none)");
	sys = printable(str_member(mud, "systeminfo") ? str_member(mud, "systeminfo") : "(none)");
	fprintf(c.out, "# modwall mud import of %s\n# MUD URL:    %s\n# systeminfo: %s\n", file,
		url, sys);
	free(url);
	free(sys);
	fputs("# from-device ACLs:", c.out);
	for (i = 0; i < n; i++) {
		char *p = printable(str_member(json_object_array_get_idx(from, i), "name"));

		fprintf(c.out, "%s %s", i ? "," : "", p);
		free(p);
	}
	fputc('\n', c.out);
	to = get(mud, "to-device-policy");
	if (to) {
		fputs("# to-device ACLs not imported: allow rules work both ways\n", c.out);
		note(&c, NULL, "to-device-policy not imported: an allow rule passes traffic to its "
		     "remote end from the device on a lan interface, and from it to the device on "
		     "a wan interface");
	}
	fprintf(c.out, "policy %s {\n", m->name);
	for (i = 0; i < n; i++) {
		const char *nm = str_member(json_object_array_get_idx(from, i), "name");
		char *p = printable(nm);

		import_acl(&c, find_acl(acls, nm), p);
		free(p);
	}
	if (!c.nrules && !m->errors.n) {
		fputs("    drop    # nothing from the device is accepted\n", c.out);
		note(&c, NULL, "no accept ace imported: the policy drops everything");
	}
	fputs("}\n", c.out);
	if (fclose(c.out)) {
		err(&c, "%s", strerror(errno));
		buf = NULL;
	}
	m->nrules = c.nrules;

	/* the text must be what check accepts: parse and compile it */
	if (!m->errors.n && buf) {
		struct mw_policy pol;
		struct mw_plan plan;
		int k;

		if (mw_policy_load_string(&pol, "mud", buf) == 0)
			mw_compile(&plan, &pol, NULL, NULL);
		else
			memset(&plan, 0, sizeof(plan));
		for (k = 0; k < pol.errors.n; k++)
			err(&c, "the imported policy would be rejected: %s",
			    strip_loc(pol.errors.msg[k]));
		mw_plan_free(&plan);
		mw_policy_free(&pol);
	}
	if (!m->errors.n) {
		m->text = buf;
		buf = NULL;
		rc = 0;
	}
	free(buf);
	for (i = 0; i < (size_t)c.ndrops; i++)
		free_ace(&c.drops[i]);
	free(c.drops);
	free(c.rules);
	free(file);
	return rc;
}

int mw_mud_import(struct mw_mud *m, struct json_object *root, const struct mw_mud_opts *o)
{
	memset(m, 0, sizeof(*m));
	if (o->name && !mw_mud_valid_name(o->name)) {
		char *s = printable(o->name);

		mw_diag_add(&m->errors, NULL, "'%s' is not a valid policy name: letters, digits, "
			    "'_', '-' and '.', starting with a letter or '_', at most %d "
			    "characters, and not a keyword or a built-in policy", s,
			    MW_NAME_LEN - 1);
		free(s);
		return -1;
	}
	return convert(m, root, o);
}

static char *read_all(FILE *f, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0 && n <= MUD_MAX_BYTES);
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

int mw_mud_import_file(struct mw_mud *m, const char *path, const struct mw_mud_opts *o)
{
	struct mw_mud_opts opts = *o;
	struct json_object *root;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *text, *p;
	size_t len;
	int rc;

	if (!opts.file)
		opts.file = strcmp(path, "-") ? path : "<stdin>";
	memset(m, 0, sizeof(*m));
	p = printable(opts.file);
	if (!f) {
		mw_diag_add(&m->errors, NULL, "%s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	text = read_all(f, &len);
	if (!text)
		mw_diag_add(&m->errors, NULL, "%s: %s", p, strerror(errno ? errno : EIO));
	if (f != stdin)
		fclose(f);
	if (!text) {
		free(p);
		return -1;
	}
	root = mw_mud_parse_json(text, len, p, &m->errors);
	free(text);
	free(p);
	if (!root)
		return -1;
	rc = mw_mud_import(m, root, &opts);
	json_object_put(root);
	return rc;
}

void mw_mud_free(struct mw_mud *m)
{
	free(m->text);
	mw_diag_free(&m->errors);
	mw_diag_free(&m->warnings);
	mw_diag_free(&m->notes);
	memset(m, 0, sizeof(*m));
}
