// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import: the JSON text, access to its members, messages, and the
 * policy names an import may take.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file.h"
#include "mud_int.h"
#include "policy.h"

void *mud_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "modwall: out of memory\n");
		exit(1);
	}
	return q;
}

/* A copy of @s safe to print in a message or a comment: control bytes become '?'. */
char *mud_printable(const char *s)
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

void mud_err(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&c->m->errors, c->file, NULL, fmt, ap);
	va_end(ap);
}

void mud_ace_err(struct ctx *c, struct ace *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&c->m->errors, c->file, a->name, fmt, ap);
	va_end(ap);
	a->hard = 1;
}

void mud_note(struct ctx *c, const char *ace, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&c->m->notes, c->file, ace, fmt, ap);
	va_end(ap);
}

/* Something the ace says that modwall cannot; reported when the ace is accepted. */
void mud_prob(struct ace *a, int kind, const char *label, const char *fmt, ...)
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

struct json_object *mud_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* An identity value may carry its module's prefix: "ietf-access-control-list:accept". */
const char *mud_identity(const char *s)
{
	const char *colon = strchr(s, ':');

	return colon ? colon + 1 : s;
}

int mud_get_uint(struct json_object *v, int64_t max, int64_t *out)
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

int mw_mud_valid_name(const char *s)
{
	/* a new name for the policy language: not a keyword, not a built-in policy */
	return mw_policy_name_ok(s) && strcmp(s, "pass") && strcmp(s, "drop") &&
	       strcmp(s, "observe");
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

	if (len > MW_FILE_MUD_MAX) {
		mw_diag_add(errors, NULL, "%s: larger than %u MiB", file, MW_FILE_MUD_MAX >> 20);
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
