// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A growing string buffer, and Prometheus label values written into it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbuf.h"

void mw_sbuf_vprintf(struct mw_sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->err = 1;
		return;
	}
	if (!b->s || b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->err = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void mw_sbuf_printf(struct mw_sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mw_sbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Room for @n more bytes and the NUL; 0, or -1 with b->err set. */
static int reserve(struct mw_sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err)
		return -1;
	if (b->s && b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->s, cap);
	if (!p) {
		b->err = 1;
		return -1;
	}
	b->s = p;
	b->cap = cap;
	return 0;
}

void mw_sbuf_put(struct mw_sbuf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void mw_sbuf_puts(struct mw_sbuf *b, const char *s)
{
	mw_sbuf_put(b, s, strlen(s));
}

void mw_sbuf_u64(struct mw_sbuf *b, uint64_t v)
{
	char t[20];
	size_t i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	mw_sbuf_put(b, t + i, sizeof(t) - i);
}

void mw_sbuf_free(struct mw_sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Length of the valid UTF-8 sequence at @p (at least one byte), 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n, i;
	unsigned min;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void mw_sbuf_label(struct mw_sbuf *b, const char *v)
{
	const unsigned char *p = (const unsigned char *)v, *run = p;

	while (*p) {
		size_t n;

		if (*p < 0x80 && *p != '\\' && *p != '"' && *p != '\n') {
			p++;	/* plain ASCII: copied with its run */
			continue;
		}
		mw_sbuf_put(b, (const char *)run, (size_t)(p - run));
		n = utf8_len(p);
		if (*p == '\\')
			mw_sbuf_put(b, "\\\\", 2);
		else if (*p == '"')
			mw_sbuf_put(b, "\\\"", 2);
		else if (*p == '\n')
			mw_sbuf_put(b, "\\n", 2);
		else if (!n)
			mw_sbuf_put(b, "\xef\xbf\xbd", 3);
		else
			mw_sbuf_put(b, (const char *)p, n);
		p += n ? n : 1;
		run = p;
	}
	mw_sbuf_put(b, (const char *)run, (size_t)(p - run));
}
