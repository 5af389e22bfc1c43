/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the files of the MUD import share among themselves. Not for use
 * outside mud*.c; the module's interface is mud.h.
 */
#ifndef MW_MUD_INT_H
#define MW_MUD_INT_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "addr.h"
#include "mud.h"

#define MUD_KEY		"ietf-mud:mud"
#define ACLS_KEY	"ietf-access-control-list:acls"
#define DNS_DST_KEY	"ietf-acldns:dst-dnsname"
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

/* mud_json.c: memory, messages, JSON members */
void *mud_xrealloc(void *p, size_t n);
/* A copy of @s safe to print in a message or a comment: control bytes become '?'. */
char *mud_printable(const char *s);
void mud_err(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mud_ace_err(struct ctx *c, struct ace *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mud_note(struct ctx *c, const char *ace, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Something the ace says that modwall cannot; reported when the ace is accepted. */
void mud_prob(struct ace *a, int kind, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct json_object *mud_get(struct json_object *o, const char *key);
/* An identity value may carry its module's prefix: "ietf-access-control-list:accept". */
const char *mud_identity(const char *s);
int mud_get_uint(struct json_object *v, int64_t max, int64_t *out);

/* mud_ace.c */
/*
 * Read an ace's name, matches and forwarding. Returns the forwarding:
 * 1 accept, 0 drop or reject, -1 after an error.
 */
int mud_parse_ace(struct ctx *c, struct ace *a, struct json_object *ace, int idx,
		  const char *acl, int acl_fam, const char **fwd);
void mud_free_ace(struct ace *a);

/* mud_rules.c */
void mud_emit_comment_line(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mud_import_accept(struct ctx *c, struct ace *a);

#endif /* MW_MUD_INT_H */
