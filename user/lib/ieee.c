// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reader for the IEEE registry CSVs of Debian's ieee-data package.
 *
 * The files are RFC 4180 CSV as the IEEE publishes it: CRLF record ends,
 * fields double-quoted when they hold a comma, '""' for a quote inside
 * quotes, and quoted address fields that run over several LF-terminated
 * lines. Each file is read whole and parsed in place, so the organization
 * names are pointers into the file buffers and loading the ~46k records
 * costs one allocation per file plus the entry array.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file.h"
#include "ieee.h"

#define MAC_MASK	0xffffffffffffull

static const struct {
	const char *file;
	const char *registry;
	int digits;		/* hex digits of an assignment: bits / 4 */
} ieee_files[4] = {
	{ "oui.csv",	"MA-L",	6 },
	{ "mam.csv",	"MA-M",	7 },
	{ "oui36.csv",	"MA-S",	9 },
	{ "iab.csv",	"IAB",	9 },
};

/* Columns the header must start with; later columns (the address) are not used. */
static const char *const ieee_header[] = { "Registry", "Assignment", "Organization Name" };
#define MAX_FIELDS	8

struct csv {
	const char *path;
	char *p;		/* cursor */
	char *end;		/* end of the data; *end is writable */
	unsigned int line;	/* physical line of the cursor, 1-based */
	char *err;
	size_t errlen;
};

static int csv_fail(struct csv *c, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int csv_fail(struct csv *c, unsigned int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s", c->path, line, msg);
	return -1;
}

/* '\n', or '\r' ending a line ("\r\n", or last byte); any other '\r' is data. */
static int csv_eol(const struct csv *c, const char *p)
{
	return *p == '\n' || (*p == '\r' && (p + 1 == c->end || p[1] == '\n'));
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Split the next record into NUL-terminated fields, in place. Returns the
 * number of fields (only the first MAX_FIELDS are stored), 0 at the end of
 * the data, -1 on a syntax error. Blank lines are skipped. *@line is the
 * line the record starts on.
 */
static int csv_record(struct csv *c, char **fields, unsigned int *line)
{
	char *r = c->p;
	int nf = 0;

	for (;;) {		/* skip blank lines */
		char *q = r;

		while (q < c->end && is_blank(*q))
			q++;
		if (q == c->end) {
			c->p = q;
			return 0;
		}
		if (!csv_eol(c, q))
			break;
		r = q + (*q == '\r') + 1;
		c->line++;
	}
	*line = c->line;

	for (;;) {
		char *f = r, *w = r, sep;

		if (*r == '"') {
			r++;
			for (;;) {
				char ch;

				if (r == c->end)
					return csv_fail(c, *line, "quoted field %d never closed", nf + 1);
				ch = *r++;
				if (ch == '"') {
					if (r == c->end || *r != '"')
						break;
					r++;	/* "" is one quote */
				} else if (ch == '\n') {
					c->line++;
				}
				*w++ = ch;
			}
			while (r < c->end && is_blank(*r))
				r++;
			if (r < c->end && *r != ',' && !csv_eol(c, r))
				return csv_fail(c, c->line, "'%c' after the closing quote of field %d",
						*r, nf + 1);
		} else {
			/* Unquoted: up to the separator; a '"' in it is data. */
			while (r < c->end && *r != ',' && !csv_eol(c, r))
				r++;
			w = r;
		}
		sep = r < c->end ? *r : 0;
		*w = 0;		/* over the separator, or at *end */
		if (nf < MAX_FIELDS)
			fields[nf] = f;
		nf++;
		if (sep == ',') {
			r++;
			continue;
		}
		/* End of record: "\n", "\r\n" ('\r' now overwritten), or the end. */
		if (sep == '\r')
			r++;
		if (sep && r < c->end && (sep == '\n' || *r == '\n')) {
			r++;
			c->line++;
		}
		break;
	}
	c->p = r;
	return nf;
}

static char *trim(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		e--;
	*e = 0;
	return s;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	char why[128];
	int rc = mw_file_read(path, MW_FILE_IEEE_MAX, data, len, why, sizeof(why));

	if (rc)
		snprintf(err, errlen, "%s: %s%s", path, why,
			 rc == -ENOENT ? " (install Debian's ieee-data)" : "");
	return rc ? -1 : 0;
}

static int push_entry(struct mw_ieee *db, size_t *cap, const struct mw_ieee_entry *e)
{
	if (db->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct mw_ieee_entry *v = realloc(db->v, ncap * sizeof(*v));

		if (!v)
			return -1;
		db->v = v;
		*cap = ncap;
	}
	db->v[db->n++] = *e;
	return 0;
}

static int load_file(struct mw_ieee *db, size_t *cap, int fi, const char *dir,
		     char *err, size_t errlen)
{
	const char *reg = ieee_files[fi].registry;
	int digits = ieee_files[fi].digits;
	char path[4096], *fields[MAX_FIELDS], *nul;
	unsigned int line;
	struct csv c;
	size_t len;
	int nf, ncols, i;

	snprintf(path, sizeof(path), "%s/%s", dir, ieee_files[fi].file);
	if (read_file(path, &db->buf[fi], &len, err, errlen))
		return -1;
	c = (struct csv){ .path = path, .p = db->buf[fi], .end = db->buf[fi] + len,
			  .line = 1, .err = err, .errlen = errlen };
	if (len >= 3 && !memcmp(c.p, "\xef\xbb\xbf", 3))
		c.p += 3;	/* UTF-8 byte order mark */
	nul = memchr(c.p, 0, (size_t)(c.end - c.p));
	if (nul) {
		unsigned int l = 1;
		char *q;

		for (q = c.p; q < nul; q++)
			l += *q == '\n';
		return csv_fail(&c, l, "NUL byte in a text file");
	}

	ncols = csv_record(&c, fields, &line);
	if (ncols < 0)
		return -1;
	if (ncols == 0)
		return csv_fail(&c, 1, "empty file, expected a header line");
	for (i = 0; i < 3; i++) {
		if (i >= ncols || strcmp(trim(fields[i]), ieee_header[i]))
			return csv_fail(&c, line, "expected the header "
					"\"Registry,Assignment,Organization Name,...\"");
	}

	while ((nf = csv_record(&c, fields, &line)) > 0) {
		struct mw_ieee_entry e = { .line = line };
		char *a, *o, *s;

		if (nf != ncols)
			return csv_fail(&c, line, "%d fields, the header has %d", nf, ncols);
		s = trim(fields[0]);
		if (strcmp(s, reg))
			return csv_fail(&c, line, "registry \"%s\" in the %s file", s, reg);
		a = trim(fields[1]);
		for (i = 0; a[i]; i++) {
			int h = hexval(a[i]);

			if (h < 0 || i == digits)
				break;
			e.prefix = e.prefix << 4 | (uint64_t)h;
		}
		if (a[i] || i != digits)
			return csv_fail(&c, line, "assignment \"%s\" is not %d hex digits", a, digits);
		e.bits = (uint8_t)(digits * 4);
		e.prefix <<= 48 - e.bits;
		/* Names are one line; a stray tab or newline reads as a space. */
		for (o = fields[2]; *o; o++)
			if ((unsigned char)*o < 0x20 || *o == 0x7f)
				*o = ' ';
		e.org = trim(fields[2]);
		if (!*e.org)
			return csv_fail(&c, line, "empty organization name");
		memcpy(e.registry, reg, strlen(reg) + 1);
		if (strlen(e.org) > db->org_max)
			db->org_max = strlen(e.org);
		if (push_entry(db, cap, &e)) {
			snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
			return -1;
		}
	}
	return nf;	/* 0, or -1 with err set */
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct mw_ieee_entry *a = pa, *b = pb;
	int r;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	if (a->bits != b->bits)
		return a->bits < b->bits ? -1 : 1;
	r = strcmp(a->registry, b->registry);
	if (r)
		return r;
	return a->line < b->line ? -1 : a->line > b->line;
}

int mw_ieee_load(struct mw_ieee *db, const char *dir, char *err, size_t errlen)
{
	size_t cap = 0;
	int i;

	memset(db, 0, sizeof(*db));
	if (!dir)
		dir = MW_IEEE_DIR;
	for (i = 0; i < 4; i++) {
		if (load_file(db, &cap, i, dir, err, errlen)) {
			mw_ieee_free(db);
			return -1;
		}
	}
	if (db->n)
		qsort(db->v, db->n, sizeof(*db->v), cmp_entry);
	return 0;
}

void mw_ieee_free(struct mw_ieee *db)
{
	int i;

	free(db->v);
	for (i = 0; i < 4; i++)
		free(db->buf[i]);
	memset(db, 0, sizeof(*db));
}

static uint64_t prefix_mask(int bits)
{
	return (MAC_MASK << (48 - bits)) & MAC_MASK;
}

/* First entry equal to (prefix, bits), or NULL. */
static const struct mw_ieee_entry *find_exact(const struct mw_ieee *db, uint64_t prefix, int bits)
{
	size_t lo = 0, hi = db->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mw_ieee_entry *e = &db->v[mid];

		if (e->prefix < prefix || (e->prefix == prefix && e->bits < bits))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < db->n && db->v[lo].prefix == prefix && db->v[lo].bits == bits)
		return &db->v[lo];
	return NULL;
}

const struct mw_ieee_entry *mw_ieee_lookup_prefix(const struct mw_ieee *db, uint64_t prefix,
						  int bits)
{
	static const int lens[] = { 36, 28, 24 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		const struct mw_ieee_entry *e;

		if (lens[i] > bits)
			continue;
		e = find_exact(db, prefix & prefix_mask(lens[i]), lens[i]);
		if (e)
			return e;
	}
	return NULL;
}

const struct mw_ieee_entry *mw_ieee_lookup(const struct mw_ieee *db, uint64_t mac)
{
	return mw_ieee_lookup_prefix(db, mac & MAC_MASK, 48);
}

static unsigned char lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

static int is_word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch >= 0x80;
}

size_t mw_ieee_norm(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	int gap = 0;

	if (!len)
		return 0;
	for (; *s && n + 1 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!is_word_char(ch)) {
			gap = n > 0;
			continue;
		}
		if (gap) {
			buf[n++] = ' ';
			gap = 0;
			if (n + 1 == len)
				break;
		}
		buf[n++] = (char)lower(ch);
	}
	buf[n] = 0;
	return n;
}

/* Whether @hay holds @word (lowercase), ignoring ASCII case. */
static int contains_nocase(const char *hay, const char *word)
{
	const unsigned char *h = (const unsigned char *)hay;
	unsigned char w0 = (unsigned char)word[0];

	for (; *h; h++) {
		size_t i;

		if (lower(*h) != w0)
			continue;
		for (i = 1; word[i] && lower(h[i]) == (unsigned char)word[i]; i++)
			;
		if (!word[i])
			return 1;
	}
	return 0;
}

/* @needle (normalised, @nl bytes) in @hay (normalised) starting and ending on word boundaries. */
static int word_match(const char *hay, const char *needle, size_t nl)
{
	const char *p;

	for (p = hay; (p = strstr(p, needle)); p++) {
		if ((p == hay || p[-1] == ' ') && (p[nl] == 0 || p[nl] == ' '))
			return 1;
	}
	return 0;
}

ssize_t mw_ieee_find_vendor(const struct mw_ieee *db, const char *name,
			    const struct mw_ieee_entry ***out, size_t *norgs)
{
	const struct mw_ieee_entry **v = NULL;
	size_t n = 0, cap = 0, nl, i;
	char *needle, *hay, *word = NULL;
	const char **names;
	ssize_t k;

	*out = NULL;
	*norgs = 0;
	needle = malloc(strlen(name) + 1);
	hay = malloc(db->org_max + 1);
	if (!needle || !hay)
		goto nomem;
	nl = mw_ieee_norm(name, needle, strlen(name) + 1);
	if (!nl) {
		free(needle);
		free(hay);
		errno = EINVAL;
		return -1;
	}
	/*
	 * Normalising leaves runs of letters and digits as they are but for
	 * case, so an org can only match if it holds the needle's first word:
	 * check that on the raw string first, which rules out nearly all.
	 */
	word = strndup(needle, strcspn(needle, " "));
	if (!word)
		goto nomem;
	for (i = 0; i < db->n; i++) {
		if (!contains_nocase(db->v[i].org, word))
			continue;
		mw_ieee_norm(db->v[i].org, hay, db->org_max + 1);
		if (!word_match(hay, needle, nl))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			const struct mw_ieee_entry **nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				goto nomem;
			v = nv;
			cap = ncap;
		}
		v[n++] = &db->v[i];
	}
	free(needle);
	free(hay);
	free(word);
	needle = hay = word = NULL;
	if (!n)
		return 0;
	k = mw_ieee_orgs(v, n, &names);
	if (k < 0)
		goto nomem;
	free(names);
	*out = v;
	*norgs = (size_t)k;
	return (ssize_t)n;
nomem:
	free(v);
	free(needle);
	free(hay);
	free(word);
	errno = ENOMEM;
	return -1;
}

struct org_key {
	const char *key;	/* normalised */
	const char *org;
};

static int cmp_org_key(const void *pa, const void *pb)
{
	const struct org_key *a = pa, *b = pb;
	int r = strcmp(a->key, b->key);

	return r ? r : strcmp(a->org, b->org);
}

ssize_t mw_ieee_orgs(const struct mw_ieee_entry *const *v, size_t n, const char ***names)
{
	struct org_key *k;
	const char **out;
	size_t total = 0, i, j, m = 0;
	char *arena, *w;

	*names = NULL;
	for (i = 0; i < n; i++)
		total += strlen(v[i]->org) + 1;
	k = malloc((n ? n : 1) * sizeof(*k));
	arena = malloc(total ? total : 1);
	out = malloc((n ? n : 1) * sizeof(*out));
	if (!k || !arena || !out) {
		free(k);
		free(arena);
		free(out);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0, w = arena; i < n; i++) {
		size_t l = strlen(v[i]->org) + 1;

		k[i].key = w;
		k[i].org = v[i]->org;
		w += mw_ieee_norm(v[i]->org, w, l) + 1;
	}
	qsort(k, n, sizeof(*k), cmp_org_key);
	/* One group per key; within it, runs of one spelling: keep the longest run. */
	for (i = 0; i < n; i = j) {
		size_t best = i, best_len = 0, r = i;

		for (j = i; j < n && !strcmp(k[j].key, k[i].key); j++) {
			if (strcmp(k[j].org, k[r].org))
				r = j;
			if (j - r + 1 > best_len) {
				best_len = j - r + 1;
				best = r;
			}
		}
		out[m++] = k[best].org;
	}
	free(k);
	free(arena);
	*names = out;
	return (ssize_t)m;
}

void mw_ieee_format_prefix(uint64_t prefix, int bits, char buf[24])
{
	int octets = (bits + 7) / 8, i, n = 0;

	for (i = 0; i < octets; i++)
		n += snprintf(buf + n, (size_t)(24 - n), "%s%02x", i ? ":" : "",
			      (unsigned int)(prefix >> (40 - 8 * i)) & 0xff);
	snprintf(buf + n, (size_t)(24 - n), "/%d", bits);
}
