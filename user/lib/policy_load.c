// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: reading files, includes, the statement loop, and the
 * public load and free functions.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file.h"
#include "policy_int.h"

static int parse_file(struct parser *ps, const char *path, const struct mw_loc *from);

static int parse_include(struct parser *ps, struct lexer *lx)
{
	struct mw_policy *pol = ps->pol;
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct mw_loc l;
	int t = pol_lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_STRING || !lx->text[0]) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected a file name in quotes after "
			    "include, found %s", pol_tok_desc(lx));
		if (t != T_WORD)
			pol_lex_unget(lx);
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

static int is_statement(const struct lexer *lx)
{
	static const char *const starts[] = {
		"include", "policy", "device", "class", "vendorset", "addrset", "default",
		"interface", NULL,
	};
	int i;

	for (i = 0; lx->type == T_WORD && starts[i]; i++)
		if (!strcmp(lx->text, starts[i]))
			return 1;
	return 0;
}

/*
 * Is a file whose first token is not a statement still worth reporting on
 * token by token? Yes when that token is a string, a brace, or a word
 * that could be a misspelt keyword; no for any other word (one with ':' or
 * '$' in it, or longer than a name): then it is some other file, and its
 * content stays out of the messages.
 */
static int looks_like_policy(const struct lexer *lx)
{
	if (lx->type == T_STRING || lx->type == T_LBRACE || lx->type == T_RBRACE)
		return 1;
	return lx->type == T_WORD && strlen(lx->text) < MW_NAME_LEN &&
	       pol_valid_name(lx->text);
}

static void parse_text(struct parser *ps, const char *file, const char *text)
{
	struct mw_policy *pol = ps->pol;
	struct lexer lx = { .src = text, .p = text };
	int t, rc, first = 1;

	lx.loc.file = file;
	lx.loc.line = 1;
	lx.loc.col = 1;
	while ((t = pol_lex_next(&lx, pol)) != T_EOF) {
		if (first && t == T_ERROR)
			return;	/* reported, without quoting: a binary file says no more */
		if (first && !is_statement(&lx) && !looks_like_policy(&lx)) {
			/* quote nothing: it may be any file, /etc/shadow included */
			mw_diag_add(&pol->errors, &lx.tloc, "not a policy file: it does not start "
				    "with a statement (include, policy, device, class, vendorset, "
				    "addrset, default, interface) or a comment");
			return;
		}
		first = 0;
		if (t == T_ERROR) {
			pol_recover(&lx, pol);
			continue;
		}
		if (t != T_WORD) {
			mw_diag_add(&pol->errors, &lx.tloc, "expected a statement (include, policy, "
				    "device, class, vendorset, addrset, default, interface), found %s",
				    pol_tok_desc(&lx));
			pol_recover(&lx, pol);
			continue;
		}
		if (!strcmp(lx.text, "include")) {
			rc = parse_include(ps, &lx);
		} else if (!strcmp(lx.text, "policy")) {
			rc = pol_parse_policy(&lx, pol);
		} else if (!strcmp(lx.text, "device")) {
			rc = pol_parse_device(&lx, pol);
		} else if (!strcmp(lx.text, "class")) {
			rc = pol_parse_class(&lx, pol);
		} else if (!strcmp(lx.text, "vendorset")) {
			rc = pol_parse_vendorset(&lx, pol);
		} else if (!strcmp(lx.text, "addrset")) {
			rc = pol_parse_addrset(&lx, pol);
		} else if (!strcmp(lx.text, "interface")) {
			rc = pol_parse_interface(&lx, pol);
		} else if (!strcmp(lx.text, "default")) {
			if (pol->has_default) {
				mw_diag_add(&pol->errors, &lx.tloc, "default already set at %s:%d:%d",
					    pol->deflt.loc.file, pol->deflt.loc.line,
					    pol->deflt.loc.col);
				rc = -1;
			} else {
				rc = pol_parse_ref(&lx, pol, &pol->deflt);
				pol->has_default = rc == 0;
			}
		} else {
			char ex[MW_EXCERPT + 4];

			mw_diag_add(&pol->errors, &lx.tloc, "unknown statement '%s' (expected include, "
				    "policy, device, class, vendorset, addrset, default or "
				    "interface)",
				    pol_excerpt(lx.text, ex));
			rc = -1;
		}
		if (rc)
			pol_recover(&lx, pol);
	}
}

static const char *keep_file(struct mw_policy *pol, const char *path)
{
	char *s = strdup(path);

	if (!s) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	pol->files = pol_grow(pol->files, pol->nfiles, sizeof(char *));
	pol->files[pol->nfiles++] = s;
	return s;
}

static int parse_file(struct parser *ps, const char *path, const struct mw_loc *from)
{
	struct mw_policy *pol = ps->pol;
	char real[PATH_MAX], why[128];
	const char *name;
	char *text;
	size_t len;
	int i, rc;

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
	rc = mw_file_read(path, ps->left, &text, &len, why, sizeof(why));
	if (rc == -EFBIG && ps->left < MW_FILE_POLICY_MAX)
		snprintf(why, sizeof(why), "the policy and its includes are larger than %u MiB",
			 MW_FILE_POLICY_MAX >> 20);
	if (!rc && strlen(text) != len) {
		snprintf(why, sizeof(why), "contains a NUL byte");
		free(text);
		rc = -EILSEQ;
	}
	if (rc) {
		if (from)
			mw_diag_add(&pol->errors, from, "cannot include '%s': %s", path, why);
		else
			mw_diag_add(&pol->errors, NULL, "%s: %s", path, why);
		return -1;
	}
	ps->left -= len;
	name = keep_file(pol, path);
	ps->stack[ps->depth++] = real;
	parse_text(ps, name, text);
	ps->depth--;
	free(text);
	return 0;
}

static void policy_init(struct mw_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->deflt.idx = -1;
	p->errors.max = MW_MAX_ERRORS;
	pol_add_builtins(p);
}

int mw_policy_load(struct mw_policy *p, const char *path)
{
	struct parser ps = { .pol = p, .left = MW_FILE_POLICY_MAX };

	policy_init(p);
	if (parse_file(&ps, path, NULL) == 0 && !p->errors.n)
		pol_check(p);
	return p->errors.n ? -1 : 0;
}

int mw_policy_load_string(struct mw_policy *p, const char *name, const char *text)
{
	struct parser ps = { .pol = p, .left = MW_FILE_POLICY_MAX };

	policy_init(p);
	parse_text(&ps, keep_file(p, name), text);
	if (!p->errors.n)
		pol_check(p);
	return p->errors.n ? -1 : 0;
}

void mw_policy_free(struct mw_policy *p)
{
	int i;

	for (i = 0; i < p->ndevs; i++)
		free(p->devs[i].ids);
	for (i = 0; i < p->nclasses; i++)
		pol_free_class(&p->classes[i]);
	for (i = 0; i < p->nsets; i++)
		pol_free_class(&p->sets[i]);
	for (i = 0; i < p->naddrsets; i++)
		free(p->addrsets[i].pfx);
	for (i = 0; i < p->nnames; i++)
		free(p->names[i]);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	for (i = 0; i < p->npols; i++)
		pol_free_pol(&p->pols[i]);
	free(p->pols);
	free(p->devs);
	free(p->classes);
	free(p->sets);
	free(p->addrsets);
	free(p->names);
	free(p->ifdefs);
	free(p->files);
	mw_diag_free(&p->errors);
	mw_diag_free(&p->warnings);
	memset(p, 0, sizeof(*p));
}
