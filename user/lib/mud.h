/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * MUD import (RFC 8520): the from-device ACLs of a Manufacturer Usage
 * Description file, turned into a policy block of the modwall language.
 *
 * Only what an allow-list can say is imported: accepted destinations
 * (address or prefix, DNS name, the address sets the operator declares for
 * MUD abstractions such as "local-networks"), protocol, remote port or ICMP
 * type range, and who opens a TCP connection. Drop and reject aces need no
 * rule, since everything not allowed is dropped. What cannot be expressed
 * (an undeclared abstraction, conditions on the device's own port, Ethernet
 * fields beyond restating the IP match) is an error naming the ace, or with
 * the lenient option a warning: an ace whose destination cannot be
 * expressed is left out, a condition that only narrows an ace is dropped
 * and the ace imported without it.
 *
 * Every diagnostic reads "FILE: ..." (JSON syntax errors "FILE:LINE:COL: ...")
 * so the CLI prints it after "modwall: ".
 */
#ifndef MW_MUD_H
#define MW_MUD_H

#include <stddef.h>
#include <json-c/json.h>
#include "addr.h"
#include "modwall.h"
#include "policy.h"

/*
 * The MUD abstractions ('ietf-mud:mud' matches) an operator declares the
 * addresses of; each becomes an address set of the imported policy.
 */
enum mw_mud_class {
	MW_MUD_LOCAL,		/* local-networks: addrset local-networks (--local) */
	MW_MUD_MY_CONTROLLER,	/* my-controller: addrset my-controller */
	MW_MUD_SAME_MFR,	/* same-manufacturer: addrset same-manufacturer */
	MW_MUD_CONTROLLER,	/* controller URI: addrset ctl-URI */
	MW_MUD_MANUFACTURER,	/* manufacturer DOMAIN: addrset mfr-DOMAIN */
	MW_MUD_MODEL,		/* model URI: addrset model-URI */
	MW_MUD_NCLASS
};

/* One declared prefix: --local PREFIX, --controller URI=PREFIX, ... */
struct mw_mud_decl {
	int cls;		/* enum mw_mud_class */
	const char *key;	/* controller, manufacturer, model: the URI or domain; else NULL */
	struct mw_prefix pfx;
};

struct mw_mud_opts {
	const char *file;	/* the MUD file's name, for messages and the header */
	const char *name;	/* policy name; NULL: from the first from-device ACL */
	int resolve;		/* resolve DNS names now, with getaddrinfo, not as name rules */
	int lenient;		/* what cannot be expressed: warnings, not errors */
	const struct mw_mud_decl *decl;	/* addresses of MUD abstractions */
	int ndecl;
};

struct mw_mud {
	char *text;		/* the policy block; NULL when there are errors */
	int nrules;		/* allow rules in it */
	char name[MW_NAME_LEN];	/* its policy name */
	struct mw_diag errors;
	struct mw_diag warnings;	/* only with the lenient option */
	struct mw_diag notes;	/* what was left out on purpose, what was resolved */
};

/*
 * Parse JSON @text of @len bytes. On a syntax error, adds
 * "FILE:LINE:COL: bad JSON: ..." to @errors and returns NULL.
 */
struct json_object *mw_mud_parse_json(const char *text, size_t len, const char *file,
				      struct mw_diag *errors);

/* Convert a parsed MUD file. 0 when @m->text is set, -1 after errors. */
int mw_mud_import(struct mw_mud *m, struct json_object *root, const struct mw_mud_opts *o);

/* Read @path ("-": standard input), parse and convert it. */
int mw_mud_import_file(struct mw_mud *m, const char *path, const struct mw_mud_opts *o);

void mw_mud_free(struct mw_mud *m);

/*
 * Add the declarations of option @arg for class @cls to *@v: "PREFIX" for
 * local-networks, my-controller and same-manufacturer, "KEY=PREFIX[,PREFIX]..."
 * for controller, manufacturer and model (@arg is kept, not copied). 0, or
 * -1 with a message in @err.
 */
int mw_mud_parse_decl(int cls, const char *arg, struct mw_mud_decl **v, int *n, char *err,
		      size_t len);

void mw_mud_decls_free(struct mw_mud_decl *v, int n);

/* The option that declares class @cls, without dashes: "local", "controller", ... */
const char *mw_mud_class_option(int cls);

/* 1 when @s may name a policy: a NAME that is no keyword and no built-in policy. */
int mw_mud_valid_name(const char *s);

/* A valid policy name made from an ACL name (invalid characters become '_'). */
void mw_mud_policy_name(const char *acl, char out[MW_NAME_LEN]);

#endif /* MW_MUD_H */
