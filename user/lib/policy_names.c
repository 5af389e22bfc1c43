// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: DNS name patterns of name rules (allow ... to name
 * "PATTERN"), the table of strings allow rules refer to, and the list of a
 * policy's name rules for the code that installs the addresses learned for
 * those names. Compiling a policy gives name rules no map entry: a policy
 * whose only rules are name rules allows nothing until names are learned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_int.h"

#define NAME_MAX_LEN	253	/* a DNS name in text form, without the trailing dot */
#define LABEL_MAX_LEN	63

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int perr(struct mw_perr *e, int col, const char *msg)
{
	e->col = col;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

int mw_parse_name_pattern(const char *s, char *out, size_t len, struct mw_perr *e)
{
	size_t n = strlen(s), i, start = 0, label;

	if (n && s[n - 1] == '.' && n > 1)
		n--;	/* the root's dot: "example.com." is example.com */
	if (!n)
		return perr(e, 0, "an empty name");
	if (n == 1 && s[0] == '.')
		return perr(e, 0, "the root '.' is no host's name");
	if (n > NAME_MAX_LEN)
		return perr(e, 0, "longer than 253 characters");
	if (s[0] == '*') {
		if (n < 3 || s[1] != '.')
			return perr(e, 0, "'*' stands only for whole labels at the front: "
				    "'*.example.com'");
		start = 2;
	}
	label = start;
	for (i = start; i <= n; i++) {
		int c = i < n ? lower((unsigned char)s[i]) : '.';

		if (c == '.') {
			if (i == label)
				return perr(e, (int)i, "an empty label");
			if (i - label > LABEL_MAX_LEN)
				return perr(e, (int)label, "a label longer than 63 characters");
			label = i + 1;
			continue;
		}
		if (c == '*')
			return perr(e, (int)i, "'*' only as the first label: '*.example.com'");
		if (!label_char(c)) {
			char msg[96];

			if (c >= 0x20 && c < 0x7f)
				snprintf(msg, sizeof(msg), "'%c' is not a letter, digit, '-' or '_'",
					 c);
			else
				snprintf(msg, sizeof(msg), "byte 0x%02x is not a letter, digit, "
					 "'-' or '_'", (unsigned char)s[i]);
			return perr(e, (int)i, msg);
		}
	}
	if (len <= n)
		return perr(e, 0, "longer than 253 characters");
	for (i = 0; i < n; i++)
		out[i] = (char)lower((unsigned char)s[i]);
	out[n] = 0;
	return 0;
}

int pol_intern(struct mw_policy *pol, const char *s)
{
	int i;

	for (i = 0; i < pol->nnames; i++)
		if (!strcmp(pol->names[i], s))
			return i;
	pol->names = pol_grow(pol->names, pol->nnames, sizeof(char *));
	pol->names[pol->nnames] = strdup(s);
	if (!pol->names[pol->nnames]) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	return pol->nnames++;
}

int mw_policy_name_rules(const struct mw_policy *pol, int pi, struct mw_name_rule **out)
{
	const struct mw_pol *p;
	int i, n = 0;

	*out = NULL;
	if (pi < 0 || pi >= pol->npols)
		return -1;
	p = &pol->pols[pi];
	for (i = 0; i < p->nallow; i++)
		n += p->allow[i].kind == MW_ALLOW_NAME;
	if (!n)
		return 0;
	*out = calloc((size_t)n, sizeof(**out));
	if (!*out) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	n = 0;
	for (i = 0; i < p->nallow; i++) {
		const struct mw_allow_rule *a = &p->allow[i];
		struct mw_name_rule *r = &(*out)[n];

		if (a->kind != MW_ALLOW_NAME)
			continue;
		r->pattern = pol->names[a->name];
		r->loc = &a->loc;
		r->proto = a->proto;
		r->flags = (uint8_t)((a->has_range ? MW_RF_PORTS : 0) | a->init);
		r->lo = a->lo;
		r->hi = a->hi;
		n++;
	}
	return n;
}
