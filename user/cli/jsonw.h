/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A streaming JSON writer: a value is written as it is built, so a command
 * listing a million subjects needs no tree of a million objects. It prints
 * byte for byte what json-c's json_object_to_json_string_ext() prints for
 * the same value with JSON_C_TO_STRING_NOSLASHESCAPE and either
 * JSON_C_TO_STRING_PLAIN or JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
 * (mw_json_print's two formats): keys in the order written, strings escaped
 * as json-c escapes them (", \, \b \f \n \r \t, other bytes below 0x20 as
 * \u00XX, every other byte as is), integers in decimal, doubles as "%.17g"
 * with ".0" added to a whole number, NaN and infinities as json-c spells
 * them. Pretty output indents by two spaces and opens every object and
 * array on a new line, as json-c 0.16 does; tests/unit/test_jsonw.c holds
 * the writer to the json-c it is built with.
 *
 * No heap: the nesting state is a fixed stack in struct mw_jw (nesting
 * deeper than MW_JW_DEPTH, or a value where a key is due, sets @bad and
 * writes nothing more).
 */
#ifndef MW_JSONW_H
#define MW_JSONW_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#define MW_JW_DEPTH	32

struct mw_jw {
	FILE *f;			/* NULL: every call is a no-op */
	int pretty;
	int depth;			/* open objects and arrays */
	int key;			/* a key was written: its value is due */
	int bad;			/* misuse seen: nothing more is written */
	unsigned char obj[MW_JW_DEPTH];	/* level i is an object (1) or an array (0) */
	unsigned char any[MW_JW_DEPTH];	/* level i has a member already */
};

/* Write one JSON value on @f (NULL: discard), json-c's plain or pretty format. */
void mw_jw_init(struct mw_jw *w, FILE *f, int pretty);

void mw_jw_object(struct mw_jw *w);	/* { */
void mw_jw_array(struct mw_jw *w);	/* [ */
void mw_jw_end(struct mw_jw *w);	/* } or ], whichever is open */
/* The key of the next member of the open object. */
void mw_jw_key(struct mw_jw *w, const char *key);

void mw_jw_str(struct mw_jw *w, const char *s);
/* The first @len bytes of @s (json-c stops at a NUL byte: so does this). */
void mw_jw_strn(struct mw_jw *w, const char *s, size_t len);
void mw_jw_int(struct mw_jw *w, int64_t v);
void mw_jw_double(struct mw_jw *w, double v);
void mw_jw_bool(struct mw_jw *w, int v);
void mw_jw_null(struct mw_jw *w);
/* A json-c value, as json-c would print it in this place; NULL is null. */
void mw_jw_json(struct mw_jw *w, struct json_object *o);

/* Members: key and value in one call. */
void mw_jw_kstr(struct mw_jw *w, const char *key, const char *s);
void mw_jw_kint(struct mw_jw *w, const char *key, int64_t v);
void mw_jw_kdouble(struct mw_jw *w, const char *key, double v);
void mw_jw_kbool(struct mw_jw *w, const char *key, int v);

/* 0 when the value is complete, every call was well formed and every write succeeded. */
int mw_jw_error(const struct mw_jw *w);

#endif /* MW_JSONW_H */
