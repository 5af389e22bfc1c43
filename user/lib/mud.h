/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * MUD import (RFC 8520): the from-device ACLs of a Manufacturer Usage
 * Description file, turned into a policy block of the modwall language.
 *
 * Only what an allow-list can say is imported: accepted destinations
 * (address or prefix, protocol, remote port or ICMP type range). Drop and
 * reject aces need no rule, since everything not allowed is dropped. What
 * cannot be expressed (DNS names unless resolved at import time, MUD
 * abstractions such as "same-manufacturer", conditions on the device's own
 * port or on who opens a connection) is an error naming the ace, or with
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
#include "modwall.h"
#include "policy.h"

struct mw_mud_opts {
	const char *file;	/* the MUD file's name, for messages and the header */
	const char *name;	/* policy name; NULL: from the first from-device ACL */
	int resolve;		/* resolve DNS names now, with getaddrinfo */
	int lenient;		/* what cannot be expressed: warnings, not errors */
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

/* 1 when @s may name a policy: a NAME that is no keyword and no built-in policy. */
int mw_mud_valid_name(const char *s);

/* A valid policy name made from an ACL name (invalid characters become '_'). */
void mw_mud_policy_name(const char *acl, char out[MW_NAME_LEN]);

#endif /* MW_MUD_H */
