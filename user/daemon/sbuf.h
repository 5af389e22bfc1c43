/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A growing string, the buffer metrics are rendered into. On its own so
 * that the renderers (metrics, RADIUS, link watch) share it without
 * including each other.
 */
#ifndef MW_SBUF_H
#define MW_SBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A growing string, always NUL-terminated; @err is set once an allocation failed. */
struct mw_sbuf {
	char *s;
	size_t len, cap;
	int err;
};

void mw_sbuf_printf(struct mw_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The fast way for the many lines of a large reading: bytes, a string, a number. */
void mw_sbuf_put(struct mw_sbuf *b, const char *s, size_t n);
void mw_sbuf_puts(struct mw_sbuf *b, const char *s);
void mw_sbuf_u64(struct mw_sbuf *b, uint64_t v);
void mw_sbuf_vprintf(struct mw_sbuf *b, const char *fmt, va_list ap);
/* @v as a label value: \\, \" and \n escaped, invalid UTF-8 replaced by U+FFFD. */
void mw_sbuf_label(struct mw_sbuf *b, const char *v);
void mw_sbuf_free(struct mw_sbuf *b);

#endif /* MW_SBUF_H */
