/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the files of the policy parser share among themselves: the lexer,
 * the token helpers and the statement parsers. Not for use outside
 * policy_*.c; the module's interface is policy.h.
 */
#ifndef MW_POLICY_INT_H
#define MW_POLICY_INT_H

#include <stddef.h>
#include "policy.h"

#define MW_MAX_INCLUDE_DEPTH	16
#define MW_MAX_ERRORS		50	/* errors kept; the rest are counted */
#define MW_EXCERPT		40	/* bytes of a token quoted in a message */

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
	size_t left;		/* bytes the files still to be read may hold together */
	char *stack[MW_MAX_INCLUDE_DEPTH];	/* realpaths of files being read */
	int depth;
};

/* policy_lex.c */
/* Read the next token into lx; lexical errors go to @pol as T_ERROR. */
int pol_lex_next(struct lexer *lx, struct mw_policy *pol);
void pol_lex_unget(struct lexer *lx);
/* The current token for a message: "end of file", "'WORD'", "string \"TEXT\"" (excerpts). */
const char *pol_tok_desc(const struct lexer *lx);
const char *pol_excerpt(const char *s, char buf[MW_EXCERPT + 4]);
/* 1 when @s may be a NAME (letters, digits, "_-.", not starting with a digit). */
int pol_valid_name(const char *s);
/* @arr with room for element @n (capacity doubles at powers of two); exits when out of memory. */
void *pol_grow(void *arr, int n, size_t sz);
/* Expect a NAME token; copy it to @out. */
int pol_expect_name(struct lexer *lx, struct mw_policy *pol, const char *what,
		    char *out, struct mw_loc *loc);
/*
 * "KEYWORD NAME {": the name (@what names it in errors) into @name and
 * @loc, then the opening brace. 0, or -1 with the error recorded.
 */
int pol_open_block(struct lexer *lx, struct mw_policy *pol, const char *keyword,
		   const char *what, char *name, struct mw_loc *loc);
int pol_expect_word(struct lexer *lx, struct mw_policy *pol, const char *what);
/* Take back the messages added to @d since it had @n (and @dropped past its cap). */
void pol_diag_restore(struct mw_diag *d, int n, int dropped);
/* Skip to the next statement keyword after an error. */
void pol_recover(struct lexer *lx, struct mw_policy *pol);

static inline struct mw_loc at_col(const struct mw_loc *l, int off)
{
	struct mw_loc r = *l;

	r.col += off;
	return r;
}

/* policy_rules.c */
int pol_parse_ref(struct lexer *lx, struct mw_policy *pol, struct mw_ref *ref);
int pol_parse_policy(struct lexer *lx, struct mw_policy *pol);
void pol_free_pol(struct mw_pol *p);

/* policy_subjects.c */
int pol_parse_device(struct lexer *lx, struct mw_policy *pol);
int pol_parse_class(struct lexer *lx, struct mw_policy *pol);
int pol_parse_vendorset(struct lexer *lx, struct mw_policy *pol);
int pol_parse_interface(struct lexer *lx, struct mw_policy *pol);
void pol_free_class(struct mw_class *c);

/* policy_addrset.c */
int pol_parse_addrset(struct lexer *lx, struct mw_policy *pol);

/* policy_names.c */
/* The index of @s in pol->names, added when new; exits when out of memory. */
int pol_intern(struct mw_policy *pol, const char *s);

/* policy_check.c */
void pol_add_builtins(struct mw_policy *pol);
void pol_check(struct mw_policy *pol);

#endif /* MW_POLICY_INT_H */
