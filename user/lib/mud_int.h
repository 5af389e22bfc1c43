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
#define OLD_ACLS_KEY	"ietf-access-control-list:access-lists"	/* before RFC 8519 */
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
	int init;		/* MW_RF_INIT_*: 'ietf-mud:direction-initiated' */
	int set;		/* an 'ietf-mud:mud' match: index into ctx.sets; -1 */
	int eth_type;		/* 'eth' 'ethertype', -1 when not given */
	int eth_bcast;		/* 'eth' 'destination-mac-address' is ff:ff:ff:ff:ff:ff */
	int arp;		/* the ace matches ARP frames: nothing to import */
	int hard;		/* errors reported */
	struct prob prob[MAX_PROBS];
	int nprob, nskip;
};

struct rule {
	int af;			/* of pfx; 0 for set and name rules */
	int proto;		/* -1: any */
	struct mw_prefix pfx;
	int set;		/* to addrset: index into ctx.sets; -1 */
	const char *name;	/* to name: the pattern (owned by the ace's import); NULL */
	int has_range;
	struct range r;
	int init;		/* MW_RF_INIT_* */
};

/* An address set declared for a MUD abstraction. */
struct mudset {
	int cls;		/* enum mw_mud_class */
	const char *key;	/* the URI or domain, for classes that have one */
	char name[MW_NAME_LEN];	/* of the addrset */
	struct mw_prefix *pfx;
	int npfx;
	int used;		/* an imported rule names it */
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
	struct mudset *sets;	/* declared by the operator (mw_mud_opts.decl) */
	int nsets;
	char **names;		/* DNS name patterns of name rules, kept for c->rules */
	int nnames;
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

/* mud_sets.c: the address sets of MUD abstractions */
void mud_sets_build(struct ctx *c);
/* The set declared for @cls (and @key); -1 when there is none. */
int mud_set_find(const struct ctx *c, int cls, const char *key);
/* What the class stands for, and its match key: "the local networks", "local-networks". */
const char *mud_class_what(int cls);
const char *mud_class_key(int cls);
/* Write the used sets as addrset statements. */
void mud_sets_emit(struct ctx *c);
void mud_sets_free(struct ctx *c);

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
