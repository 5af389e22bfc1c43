// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bindings files: lines of "IMEI ADDR[/LEN]...", read into the list the
 * compiler checks and turns into identity entries.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"
#include "file.h"

int mw_bindings_add(struct mw_bindings *b, uint64_t imei, const struct mw_prefix *p,
		    const struct mw_loc *loc)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = compile_xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n].imei = imei;
	b->v[b->n].pfx = *p;
	b->v[b->n].loc = *loc;
	b->n++;
	return 0;
}

int mw_bindings_load(struct mw_bindings *b, const char *path, struct mw_diag *errs,
		     struct mw_diag *notes)
{
	char line[4096], *file, *text, why[128];
	size_t len, off = 0;
	int lineno = 0, nerr = errs->n;

	if (mw_file_read(path, MW_FILE_BINDINGS_MAX, &text, &len, why, sizeof(why))) {
		mw_diag_add(errs, NULL, "%s: %s", path, why);
		return -1;
	}
	file = strdup(path);
	b->files = compile_xrealloc(b->files, sizeof(char *) * (size_t)(b->nfiles + 1));
	b->files[b->nfiles++] = file;
	while (off < len) {
		struct mw_loc loc = { .file = file, .line = ++lineno };
		const char *nl = memchr(text + off, '\n', len - off), *nul;
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		char *p = line, *tok;
		uint64_t imei = 0;
		int naddr = 0, sv;

		if (n > sizeof(line) - 2) {
			loc.col = 1;
			mw_diag_add(errs, &loc, "line longer than %zu bytes", sizeof(line) - 2);
			break;
		}
		memcpy(line, text + off, n);
		line[n] = 0;
		off += n + 1;
		nul = memchr(line, 0, n);
		if (nul) {
			loc.col = (int)(nul - line) + 1;
			mw_diag_add(errs, &loc, "NUL byte");
			continue;
		}
		if ((tok = strchr(line, '#')))
			*tok = 0;
		for (;;) {
			struct mw_perr e;
			struct mw_prefix pfx;

			while (*p && isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			tok = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (*p)
				*p++ = 0;
			loc.col = (int)(tok - line) + 1;
			if (imei == 0 && naddr == 0) {
				if (mw_parse_imei(tok, &imei, &sv, &e)) {
					struct mw_loc el = loc;

					el.col += e.col;
					mw_diag_add(errs, &el, "bad IMEI '%s': %s", tok, e.msg);
					break;
				}
				if (sv && notes) {
					char s[16];

					mw_format_imei(imei, s);
					mw_diag_add(notes, &loc, "IMEISV %s taken as IMEI %s", tok, s);
				}
				naddr = -1;
				continue;
			}
			if (mw_parse_prefix(tok, &pfx, &e)) {
				struct mw_loc el = loc;

				el.col += e.col;
				mw_diag_add(errs, &el, "bad address '%s': %s", tok, e.msg);
				naddr = 0;
				break;
			}
			if (mw_device_prefix_check(&pfx, &e)) {
				mw_diag_add(errs, &loc, "%s: %s", tok, e.msg);
				naddr = 0;
				break;
			}
			mw_bindings_add(b, imei, &pfx, &loc);
			naddr = naddr < 0 ? 1 : naddr + 1;
		}
		if (naddr < 0) {
			loc.col = (int)strlen(line);
			mw_diag_add(errs, &loc, "IMEI without an address");
		}
	}
	free(text);
	return errs->n > nerr ? -1 : 0;
}

void mw_bindings_free(struct mw_bindings *b)
{
	int i;

	for (i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->v);
	memset(b, 0, sizeof(*b));
}
