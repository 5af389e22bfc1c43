// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The streaming JSON writer: see jsonw.h for the format it keeps to. */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "jsonw.h"

void mw_jw_init(struct mw_jw *w, FILE *f, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
}

static void put(struct mw_jw *w, const char *s, size_t n)
{
	fwrite_unlocked(s, 1, n, w->f);
}

static void indent(struct mw_jw *w, int level)
{
	static const char sp[] = "                                                                ";
	size_t n = w->pretty ? (size_t)level * 2 : 0;

	while (n) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		put(w, sp, k);
		n -= k;
	}
}

/*
 * Before a value (or a key): the separator and indentation its container
 * asks for. Returns 0 when the value may be written.
 */
static int before(struct mw_jw *w, int is_key)
{
	int top;

	if (!w->f || w->bad)
		return -1;
	if (!w->depth) {
		/* the one top-level value; once it is closed nothing more */
		if (is_key || w->any[0] == 2) {
			w->bad = 1;
			return -1;
		}
		return 0;
	}
	top = w->depth - 1;
	if (w->key) {			/* the value of a member */
		if (is_key) {
			w->bad = 1;
			return -1;
		}
		w->key = 0;
		return 0;
	}
	if (w->obj[top] != is_key) {	/* a bare value in an object, a key in an array */
		w->bad = 1;
		return -1;
	}
	if (w->any[top]) {
		putc_unlocked(',', w->f);
		if (w->pretty)
			putc_unlocked('\n', w->f);
	}
	w->any[top] = 1;
	indent(w, w->depth);
	return 0;
}

/* After a complete value: at depth 0 the document is done. */
static void after(struct mw_jw *w)
{
	if (!w->depth)
		w->any[0] = 2;
}

static void open_(struct mw_jw *w, int obj)
{
	if (before(w, 0))
		return;
	if (w->depth == MW_JW_DEPTH - 1) {
		w->bad = 1;
		return;
	}
	putc_unlocked(obj ? '{' : '[', w->f);
	if (w->pretty)
		putc_unlocked('\n', w->f);
	w->depth++;
	w->obj[w->depth - 1] = (unsigned char)obj;
	w->any[w->depth - 1] = 0;
}

void mw_jw_object(struct mw_jw *w)
{
	open_(w, 1);
}

void mw_jw_array(struct mw_jw *w)
{
	open_(w, 0);
}

void mw_jw_end(struct mw_jw *w)
{
	int top;

	if (!w->f || w->bad)
		return;
	if (!w->depth || w->key) {
		w->bad = 1;
		return;
	}
	top = w->depth - 1;
	if (w->pretty) {
		if (w->any[top])
			putc_unlocked('\n', w->f);
		indent(w, top);
	}
	putc_unlocked(w->obj[top] ? '}' : ']', w->f);
	w->depth--;
	after(w);
}

static void escaped(struct mw_jw *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	putc_unlocked('"', w->f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[6];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		e[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			e[1] = (char)c;
			break;
		case '\b':
			e[1] = 'b';
			break;
		case '\f':
			e[1] = 'f';
			break;
		case '\n':
			e[1] = 'n';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '\t':
			e[1] = 't';
			break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 0xf];
			n = 6;
		}
		put(w, e, n);
	}
	put(w, s + run, len - run);
	putc_unlocked('"', w->f);
}

void mw_jw_key(struct mw_jw *w, const char *key)
{
	if (before(w, 1))
		return;
	escaped(w, key, strlen(key));
	if (w->pretty)
		put(w, ": ", 2);
	else
		putc_unlocked(':', w->f);
	w->key = 1;
}

void mw_jw_strn(struct mw_jw *w, const char *s, size_t len)
{
	const char *nul = memchr(s, 0, len);

	if (before(w, 0))
		return;
	escaped(w, s, nul ? (size_t)(nul - s) : len);
	after(w);
}

void mw_jw_str(struct mw_jw *w, const char *s)
{
	if (before(w, 0))
		return;
	escaped(w, s, strlen(s));
	after(w);
}

void mw_jw_int(struct mw_jw *w, int64_t v)
{
	char buf[24];
	int n;

	if (before(w, 0))
		return;
	n = snprintf(buf, sizeof(buf), "%" PRId64, v);
	put(w, buf, (size_t)n);
	after(w);
}

/* json-c's default: "%.17g", and ".0" after a whole number so it reads as a double */
void mw_jw_double(struct mw_jw *w, double v)
{
	char buf[40];
	int n;

	if (before(w, 0))
		return;
	if (isnan(v)) {
		n = snprintf(buf, sizeof(buf), "NaN");
	} else if (isinf(v)) {
		n = snprintf(buf, sizeof(buf), "%s", v > 0 ? "Infinity" : "-Infinity");
	} else {
		char *comma;

		n = snprintf(buf, sizeof(buf), "%.17g", v);
		/* a locale's decimal comma is a point in JSON */
		comma = strchr(buf, ',');
		if (comma)
			*comma = '.';
		if (!strpbrk(buf, ".e") && (buf[0] == '-' ? buf[1] : buf[0]) >= '0' &&
		    (buf[0] == '-' ? buf[1] : buf[0]) <= '9') {
			memcpy(buf + n, ".0", 3);
			n += 2;
		}
	}
	put(w, buf, (size_t)n);
	after(w);
}

void mw_jw_bool(struct mw_jw *w, int v)
{
	if (before(w, 0))
		return;
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
	after(w);
}

void mw_jw_null(struct mw_jw *w)
{
	if (before(w, 0))
		return;
	put(w, "null", 4);
	after(w);
}

void mw_jw_json(struct mw_jw *w, struct json_object *o)
{
	const char *s;

	switch (json_object_get_type(o)) {
	case json_type_object:
		mw_jw_object(w);
		json_object_object_foreach(o, k, v) {
			mw_jw_key(w, k);
			mw_jw_json(w, v);
		}
		mw_jw_end(w);
		return;
	case json_type_array:
		mw_jw_array(w);
		for (size_t i = 0; i < json_object_array_length(o); i++)
			mw_jw_json(w, json_object_array_get_idx(o, i));
		mw_jw_end(w);
		return;
	case json_type_null:
		mw_jw_null(w);
		return;
	default:
		/* a scalar: json-c's own text of it (custom number formats included) */
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		if (before(w, 0))
			return;
		put(w, s, strlen(s));
		after(w);
	}
}

void mw_jw_kstr(struct mw_jw *w, const char *key, const char *s)
{
	mw_jw_key(w, key);
	mw_jw_str(w, s);
}

void mw_jw_kint(struct mw_jw *w, const char *key, int64_t v)
{
	mw_jw_key(w, key);
	mw_jw_int(w, v);
}

void mw_jw_kdouble(struct mw_jw *w, const char *key, double v)
{
	mw_jw_key(w, key);
	mw_jw_double(w, v);
}

void mw_jw_kbool(struct mw_jw *w, const char *key, int v)
{
	mw_jw_key(w, key);
	mw_jw_bool(w, v);
}

int mw_jw_error(const struct mw_jw *w)
{
	return w->bad || (w->f && ferror(w->f)) || (w->f && w->depth);
}
