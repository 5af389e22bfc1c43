// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: diagnostics, the lexer, and the token helpers the
 * statement parsers share. The lexer makes words, strings, '{' and '}';
 * newlines are whitespace and '#' starts a comment to the end of the line.
 * Statements start with a keyword, so the grammar needs no separators.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file.h"
#include "policy_int.h"

static void diag_push(struct mw_diag *d, const char *text)
{
	char *s;

	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 8;
		char **m = realloc(d->msg, sizeof(*m) * (size_t)cap);

		if (!m)
			return;
		d->msg = m;
		d->cap = cap;
	}
	s = strdup(text);
	if (s)
		d->msg[d->n++] = s;
}

/* The last message of a capped list: how many were left out. */
static void diag_summary(struct mw_diag *d)
{
	char buf[96];

	if (d->n > d->max) {
		free(d->msg[--d->n]);
		d->msg[d->n] = NULL;
	}
	if (!d->dropped)
		return;
	snprintf(buf, sizeof(buf), "stopping after %d errors: %d more not shown", d->max,
		 d->dropped);
	diag_push(d, buf);
}

void mw_diag_add(struct mw_diag *d, const struct mw_loc *loc, const char *fmt, ...)
{
	char buf[768], out[sizeof(buf) * 4];
	va_list ap;
	int n = 0;

	if (d->max && d->n >= d->max) {
		d->dropped++;
		diag_summary(d);
		return;
	}
	if (loc && loc->line)
		n = snprintf(buf, sizeof(buf), "%s:%d:%d: ", loc->file, loc->line, loc->col);
	else if (loc)
		n = snprintf(buf, sizeof(buf), "%s: ", loc->file);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	mw_escape(out, sizeof(out), buf, strlen(buf));
	diag_push(d, out);
}

void pol_diag_restore(struct mw_diag *d, int n, int dropped)
{
	while (d->n > n)
		free(d->msg[--d->n]);
	if (d->dropped != dropped) {
		d->dropped = dropped;
		diag_summary(d);
	}
}

void mw_diag_free(struct mw_diag *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}

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
int pol_lex_next(struct lexer *lx, struct mw_policy *pol)
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

void pol_lex_unget(struct lexer *lx)
{
	lx->peeked = 1;
}

/*
 * @s as quoted in a message: at most MW_EXCERPT bytes, then "...". A file
 * given as a policy by mistake must not be copied to the terminal.
 */
const char *pol_excerpt(const char *s, char buf[MW_EXCERPT + 4])
{
	size_t n = strlen(s);

	if (n <= MW_EXCERPT)
		return s;
	n = MW_EXCERPT;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;	/* do not cut a UTF-8 character in two */
	memcpy(buf, s, n);
	strcpy(buf + n, "...");
	return buf;
}

const char *pol_tok_desc(const struct lexer *lx)
{
	static char buf[MW_EXCERPT + 16];
	char ex[MW_EXCERPT + 4];

	switch (lx->type) {
	case T_EOF:
		return "end of file";
	case T_STRING:
		snprintf(buf, sizeof(buf), "string \"%s\"", pol_excerpt(lx->text, ex));
		return buf;
	default:
		snprintf(buf, sizeof(buf), "'%s'", pol_excerpt(lx->text, ex));
		return buf;
	}
}

/* ---- helpers ---- */

void *pol_grow(void *arr, int n, size_t sz)
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

int pol_valid_name(const char *s)
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
	"include", "policy", "device", "class", "vendorset", "addrset", "default", "interface",
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

int mw_policy_name_ok(const char *s)
{
	return pol_valid_name(s) && !is_keyword(s) && strlen(s) < MW_NAME_LEN;
}

/* Expect a NAME token; copy it to @out. */
int pol_open_block(struct lexer *lx, struct mw_policy *pol, const char *keyword,
		   const char *what, char *name, struct mw_loc *loc)
{
	if (pol_expect_name(lx, pol, what, name, loc))
		return -1;
	if (pol_lex_next(lx, pol) != T_LBRACE) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected '{' after %s %s, found %s", keyword,
			    name, pol_tok_desc(lx));
		pol_lex_unget(lx);
		return -1;
	}
	return 0;
}

int pol_expect_name(struct lexer *lx, struct mw_policy *pol, const char *what,
		       char *out, struct mw_loc *loc)
{
	int t = pol_lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_WORD || is_keyword(lx->text)) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s, found %s", what, pol_tok_desc(lx));
		if (t != T_WORD)
			pol_lex_unget(lx);
		return -1;
	}
	if (!pol_valid_name(lx->text)) {
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

int pol_expect_word(struct lexer *lx, struct mw_policy *pol, const char *what)
{
	int t = pol_lex_next(lx, pol);

	if (t == T_ERROR)
		return -1;
	if (t != T_WORD) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected %s, found %s", what, pol_tok_desc(lx));
		pol_lex_unget(lx);
		return -1;
	}
	return 0;
}

/* Skip to the next statement keyword after an error. */
void pol_recover(struct lexer *lx, struct mw_policy *pol)
{
	static const char *const starts[] = {
		"include", "policy", "device", "class", "vendorset", "addrset", "default",
		"interface", NULL,
	};
	int t, i, depth = 0;

	for (;;) {
		t = pol_lex_next(lx, pol);
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
			int nerr = pol->errors.n, ndrop = pol->errors.dropped, t1, t2;

			t1 = pol_lex_next(lx, pol);
			t2 = t1 == T_WORD ? pol_lex_next(lx, pol) : T_EOF;
			pol_diag_restore(&pol->errors, nerr, ndrop);
			*lx = save;
			if (t1 != T_WORD || t2 != T_LBRACE)
				continue;
		}
		for (i = 0; starts[i]; i++)
			if (!strcmp(lx->text, starts[i])) {
				pol_lex_unget(lx);
				return;
			}
	}
	pol_lex_unget(lx);
}
