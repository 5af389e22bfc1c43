// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Prometheus metrics: reading the pinned maps and the text exposition format. */
#define _GNU_SOURCE	/* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "metrics.h"
#include "radius.h"
#include "observe.h"
#include "state.h"

/* ---- strings ---- */

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
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '\\')
			mw_sbuf_printf(b, "\\\\");
		else if (*p == '"')
			mw_sbuf_printf(b, "\\\"");
		else if (*p == '\n')
			mw_sbuf_printf(b, "\\n");
		else if (!n)
			mw_sbuf_printf(b, "\xef\xbf\xbd");
		else
			mw_sbuf_printf(b, "%.*s", (int)n, (const char *)p);
		p += n ? n : 1;
	}
}

/* ---- reading the maps ---- */

/* A discovered MAC reduced to what is exported. */
struct disc_ent {
	uint32_t class_id;
	const char *org;
};

struct disc_list {
	struct disc_ent *v;
	size_t n, cap;
	const struct mw_ieee *db;
};

static int disc_add(struct disc_list *l, __u64 mac, const struct mw_disc_val *v)
{
	const struct mw_ieee_entry *e = l->db ? mw_ieee_lookup(l->db, mac) : NULL;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct disc_ent *p = realloc(l->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n].class_id = v->subject;
	l->v[l->n].org = e && e->org && *e->org ? e->org : "unknown";
	l->n++;
	return 0;
}

static int cmp_disc_ptr(const void *a, const void *b)
{
	const struct disc_ent *x = a, *y = b;

	if (x->class_id != y->class_id)
		return x->class_id < y->class_id ? -1 : 1;
	return x->org < y->org ? -1 : x->org > y->org;
}

struct disc_group {
	uint32_t class_id;
	const char *org;
	char norm[128];
	uint64_t n;
};

static int cmp_group(const void *a, const void *b)
{
	const struct disc_group *x = a, *y = b;
	int c;

	if (x->class_id != y->class_id)
		return x->class_id < y->class_id ? -1 : 1;
	c = strcmp(x->norm, y->norm);
	return c ? c : strcmp(x->org, y->org);
}

static int cmp_mdisc(const void *a, const void *b)
{
	const struct mw_mdisc *x = a, *y = b;
	int c = strcmp(x->class_name, y->class_name);

	return c ? c : strcmp(x->vendor, y->vendor);
}

/*
 * Count discovered MACs per class and vendor. Spellings of one organization
 * that differ only in punctuation or case (the registry has many) are one
 * vendor, labelled with the first spelling in byte order.
 */
static int disc_aggregate(struct disc_list *l, const struct mw_subject_info *tab,
			  uint32_t max_subjects, struct mw_msnap *s)
{
	struct disc_group *g = NULL;
	size_t ng = 0, i, j;

	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), cmp_disc_ptr);
	g = calloc(l->n, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		if (ng && g[ng - 1].class_id == l->v[i].class_id && g[ng - 1].org == l->v[i].org) {
			g[ng - 1].n++;
			continue;
		}
		g[ng].class_id = l->v[i].class_id;
		g[ng].org = l->v[i].org;
		mw_ieee_norm(g[ng].org, g[ng].norm, sizeof(g[ng].norm));
		g[ng].n = 1;
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	s->disc = calloc(ng, sizeof(*s->disc));
	if (!s->disc) {
		free(g);
		return -ENOMEM;
	}
	for (i = 0; i < ng; i = j) {
		struct mw_mdisc *d = &s->disc[s->ndisc++];
		uint32_t c = g[i].class_id;

		d->vendor = g[i].org;
		if (c < max_subjects && tab[c].kind == MW_KIND_CLASS)
			snprintf(d->class_name, sizeof(d->class_name), "%s", tab[c].name);
		else
			snprintf(d->class_name, sizeof(d->class_name), "unknown");
		for (j = i; j < ng && g[j].class_id == c && !strcmp(g[j].norm, g[i].norm); j++)
			d->devices += g[j].n;
	}
	free(g);
	/* two classes may share a name after removal ("unknown"): merge them */
	qsort(s->disc, s->ndisc, sizeof(*s->disc), cmp_mdisc);
	for (i = 0, j = 0; i < s->ndisc; i++) {
		if (j && !cmp_mdisc(&s->disc[j - 1], &s->disc[i]))
			s->disc[j - 1].devices += s->disc[i].devices;
		else
			s->disc[j++] = s->disc[i];
	}
	s->ndisc = j;
	return 0;
}

void mw_msnap_free(struct mw_msnap *s)
{
	free(s->subj);
	free(s->disc);
	s->subj = NULL;
	s->disc = NULL;
	s->nsubj = s->ndisc = 0;
}

int mw_metrics_read(const char *pin_dir, const struct mw_ieee *db, struct mw_msnap *s)
{
	struct mw_subject_info *tab = NULL;
	struct mw_counter *cnt = NULL;
	struct mw_iface ifs[MW_MAX_IFACES];
	struct mw_counter ifc[MW_MAX_IFACES * MW_NR_REASONS];
	struct disc_list dl = { .db = db };
	struct mw_disc_entry *de = NULL;
	struct mw_config cfg;
	ssize_t nd;
	size_t k;
	struct mw_maps m;
	uint32_t nsub = 1, i;
	const char *what = "";
	unsigned gen;
	int rc;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	rc = mw_maps_open_ro(&m, pin_dir, s->err, sizeof(s->err));
	if (rc)
		return rc;
	s->ctl = *(volatile struct mw_ctl *)m.ctlm;
	gen = s->ctl.gen & 1;

	tab = calloc(m.max_subjects, sizeof(*tab));
	if (!tab) {
		rc = -ENOMEM;
		goto fail;
	}
	what = MW_MAP_SUBJECTS;
	rc = mw_read_subjects(&m, tab);
	if (rc)
		goto fail;
	if (bpf_map_lookup_elem(m.config, &gen, &cfg) == 0 && cfg.nsubjects &&
	    cfg.nsubjects <= m.max_subjects)
		nsub = cfg.nsubjects;
	/* subjects of the previous generation may sit above nsubjects */
	for (i = nsub; i < m.max_subjects; i++)
		if (tab[i].kind != MW_KIND_FREE)
			nsub = i + 1;

	what = MW_MAP_COUNTERS;
	cnt = calloc((size_t)nsub * MW_NR_REASONS, sizeof(*cnt));
	if (!cnt) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = mw_read_counters(&m, m.counters, nsub * MW_NR_REASONS, cnt);
	if (rc)
		goto fail;
	s->subj = calloc(nsub, sizeof(*s->subj));
	if (!s->subj) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < nsub; i++) {
		struct mw_msubj *o;

		if (i && tab[i].kind == MW_KIND_FREE)
			continue;
		o = &s->subj[s->nsubj++];
		o->id = i;
		o->kind = i ? tab[i].kind : MW_KIND_UNKNOWN;
		snprintf(o->name, sizeof(o->name), "%.*s", MW_NAME_LEN - 1,
			 i ? tab[i].name : "unattributed");
		memcpy(o->c, &cnt[(size_t)i * MW_NR_REASONS], sizeof(o->c));
	}

	what = MW_MAP_IFACES;
	rc = mw_read_array(m.ifaces, MW_MAX_IFACES, sizeof(ifs[0]), ifs);
	if (rc)
		goto fail;
	what = MW_MAP_IFCOUNTERS;
	rc = mw_read_counters(&m, m.ifcounters, MW_MAX_IFACES * MW_NR_REASONS, ifc);
	if (rc)
		goto fail;
	for (i = 0; i < MW_MAX_IFACES; i++) {
		struct mw_miface *o;

		if (!ifs[i].ifindex)
			continue;
		o = &s->iface[s->niface++];
		snprintf(o->name, sizeof(o->name), "%.*s", MW_IFNAME_LEN - 1, ifs[i].name);
		o->role = ifs[i].role;
		memcpy(o->c, &ifc[i * MW_NR_REASONS], sizeof(o->c));
	}

	what = MW_MAP_EVSTATS;
	rc = mw_read_evstats(&m, s->events);
	if (rc)
		goto fail;

	what = MW_MAP_DISCOVERED;
	nd = mw_read_discovered(&m, &de);
	if (nd < 0) {
		rc = (int)nd;
		goto fail;
	}
	for (k = 0; k < (size_t)nd && !rc; k++)
		rc = disc_add(&dl, de[k].mac, &de[k].v);
	free(de);
	if (!rc)
		rc = disc_aggregate(&dl, tab, m.max_subjects, s);
	if (rc)
		goto fail;

	s->up = 1;
	free(dl.v);
	free(cnt);
	free(tab);
	mw_maps_close(&m);
	return 0;
fail:
	snprintf(s->err, sizeof(s->err), "reading %s: %s", what, strerror(-rc));
	mw_msnap_free(s);
	s->niface = 0;
	free(dl.v);
	free(cnt);
	free(tab);
	mw_maps_close(&m);
	return rc;
}

/* ---- rendering ---- */

static const int reasons[] = { MW_R_PASS, MW_R_DROP, MW_R_OBSERVE, MW_R_MALFORMED,
			       MW_R_NO_POLICY, MW_R_NOT_ALLOWED, MW_R_RATE_LIMITED };
#define NREASONS ((int)(sizeof(reasons) / sizeof(reasons[0])))
#define SUBJ_SERIES (2 * NREASONS)	/* packets and bytes per reason */

static void family(struct mw_sbuf *b, const char *name, const char *type, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case MW_KIND_DEVICE:
		return "device";
	case MW_KIND_CLASS:
		return "class";
	default:
		return "unattributed";
	}
}

static uint64_t sum_packets(const struct mw_counter *c)
{
	uint64_t t = 0;
	int r;

	for (r = 0; r < MW_NR_REASONS; r++)
		t += c[r].packets;
	return t;
}

static uint64_t sum_bytes(const struct mw_counter *c)
{
	uint64_t t = 0;
	int r;

	for (r = 0; r < MW_NR_REASONS; r++)
		t += c[r].bytes;
	return t;
}

struct rank {
	uint64_t packets, bytes;
	uint32_t id;
	size_t idx;
};

/* Busiest first; ties by lower id, so the choice never depends on read order. */
static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_disc_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void subject_family(struct mw_sbuf *b, const struct mw_msnap *s, const uint8_t *keep,
			   int bytes)
{
	const char *name = bytes ? "modwall_device_bytes_total" : "modwall_device_packets_total";
	size_t i;
	int r;

	family(b, name, "counter", bytes ?
	       "Bytes of frames attributed to a device or vendor class (kind), by verdict "
	       "reason; lan interfaces count what the device sends, wan interfaces what it "
	       "receives." :
	       "Frames attributed to a device or vendor class (kind), by verdict reason; lan "
	       "interfaces count what the device sends, wan interfaces what it receives.");
	for (i = 0; i < s->nsubj; i++) {
		const struct mw_msubj *o = &s->subj[i];

		if (!keep[i])
			continue;
		for (r = 0; r < NREASONS; r++) {
			mw_sbuf_printf(b, "%s{device=\"", name);
			mw_sbuf_label(b, o->name);
			mw_sbuf_printf(b, "\",kind=\"%s\",reason=\"%s\"} %llu\n", kind_name(o->kind),
				       mw_reason_name(reasons[r]), (unsigned long long)(bytes ?
				       o->c[reasons[r]].bytes : o->c[reasons[r]].packets));
		}
	}
}

static void iface_family(struct mw_sbuf *b, const struct mw_msnap *s, int bytes)
{
	const char *name = bytes ? "modwall_interface_bytes_total" :
				   "modwall_interface_packets_total";
	int i, r;

	family(b, name, "counter", bytes ?
	       "Bytes of frames seen by modwall on an attached interface, by verdict reason." :
	       "Frames seen by modwall on an attached interface, by verdict reason.");
	for (i = 0; i < s->niface; i++) {
		const struct mw_miface *o = &s->iface[i];

		for (r = 0; r < NREASONS; r++) {
			mw_sbuf_printf(b, "%s{interface=\"", name);
			mw_sbuf_label(b, o->name);
			mw_sbuf_printf(b, "\",role=\"%s\",reason=\"%s\"} %llu\n", mw_role_name(o->role),
				       mw_reason_name(reasons[r]), (unsigned long long)(bytes ?
				       o->c[reasons[r]].bytes : o->c[reasons[r]].packets));
		}
	}
}

int mw_metrics_render(const struct mw_msnap *s, struct mw_mstate *st, struct mw_sbuf *b)
{
	static const char *const outcome[3] = { "emitted", "suppressed", "ring_full" };
	uint8_t *keep = NULL, *dkeep = NULL;
	uint64_t fixed, budget, dropped = 0, used;
	struct rank *rk = NULL;
	struct timespec t1;
	size_t i;
	double secs;

	/* the families that never give way */
	/* up, build_info, the three series_* and scrape_duration; reloads; policy, events */
	fixed = 6 + (st->reload_enabled ? 3 : 0) + (st->radius ? MW_RADIUS_SERIES : 0);
	if (s->up)
		fixed += 4 + 3 + (uint64_t)s->niface * SUBJ_SERIES;
	budget = st->max_series > fixed ? st->max_series - fixed : 0;

	keep = calloc(s->nsubj ? s->nsubj : 1, 1);
	dkeep = calloc(s->ndisc ? s->ndisc : 1, 1);
	rk = calloc((s->nsubj > s->ndisc ? s->nsubj : s->ndisc) + 1, sizeof(*rk));
	if (!keep || !dkeep || !rk) {
		free(keep);
		free(dkeep);
		free(rk);
		return -ENOMEM;
	}
	for (i = 0; i < s->nsubj; i++) {
		rk[i].packets = sum_packets(s->subj[i].c);
		rk[i].bytes = sum_bytes(s->subj[i].c);
		rk[i].id = s->subj[i].id;
		rk[i].idx = i;
	}
	qsort(rk, s->nsubj, sizeof(*rk), cmp_rank);
	used = 0;
	for (i = 0; i < s->nsubj; i++) {
		if (used + SUBJ_SERIES <= budget) {
			keep[rk[i].idx] = 1;
			used += SUBJ_SERIES;
		} else {
			dropped += SUBJ_SERIES;
		}
	}
	for (i = 0; i < s->ndisc; i++) {
		rk[i].packets = s->disc[i].devices;
		rk[i].idx = i;
	}
	qsort(rk, s->ndisc, sizeof(*rk), cmp_disc_rank);
	for (i = 0; i < s->ndisc; i++) {
		if (used + 1 <= budget) {
			dkeep[rk[i].idx] = 1;
			used++;
		} else {
			dropped++;
		}
	}
	free(rk);
	st->series_dropped += dropped;

	family(b, "modwall_up", "gauge",
	       "1 when the pinned maps of the data path could be read, 0 otherwise.");
	mw_sbuf_printf(b, "modwall_up %d\n", s->up);
	family(b, "modwall_build_info", "gauge", "Version and schema of this modwall binary.");
	mw_sbuf_printf(b, "modwall_build_info{version=\"%s\",schema=\"%d\"} 1\n", MW_VERSION,
		       MW_SCHEMA_VERSION);

	if (s->up) {
		subject_family(b, s, keep, 0);
		subject_family(b, s, keep, 1);
		iface_family(b, s, 0);
		iface_family(b, s, 1);

		family(b, "modwall_policy_applied", "gauge",
		       "1 once a policy was applied; 0 while interfaces follow their fail mode.");
		mw_sbuf_printf(b, "modwall_policy_applied %u\n", s->ctl.applied ? 1 : 0);
		family(b, "modwall_policy_generation", "gauge",
		       "Live copy of the double-buffered configuration (0 or 1).");
		mw_sbuf_printf(b, "modwall_policy_generation %u\n", s->ctl.gen & 1);
		family(b, "modwall_policy_applies_total", "counter",
		       "Successful policy applies since the maps were created.");
		mw_sbuf_printf(b, "modwall_policy_applies_total %llu\n",
			       (unsigned long long)s->ctl.seq);
		family(b, "modwall_policy_applied_timestamp_seconds", "gauge",
		       "Unix time of the last successful apply; 0 before the first.");
		mw_sbuf_printf(b, "modwall_policy_applied_timestamp_seconds %llu.%03llu\n",
			       (unsigned long long)(s->ctl.applied_ns / 1000000000ull),
			       (unsigned long long)(s->ctl.applied_ns % 1000000000ull / 1000000ull));

		family(b, "modwall_events_total", "counter",
		       "Sampled drop events: emitted to the ring buffer, suppressed by the rate "
		       "cap, or lost because the ring was full.");
		for (i = 0; i < 3; i++)
			mw_sbuf_printf(b, "modwall_events_total{outcome=\"%s\"} %llu\n", outcome[i],
				       (unsigned long long)s->events[i]);

		family(b, "modwall_discovered_devices", "gauge",
		       "Untagged MACs of watched vendor classes in the discovery table, by "
		       "IEEE registry vendor and class.");
		for (i = 0; i < s->ndisc; i++) {
			if (!dkeep[i])
				continue;
			mw_sbuf_printf(b, "modwall_discovered_devices{vendor=\"");
			mw_sbuf_label(b, s->disc[i].vendor);
			mw_sbuf_printf(b, "\",class=\"");
			mw_sbuf_label(b, s->disc[i].class_name);
			mw_sbuf_printf(b, "\"} %llu\n", (unsigned long long)s->disc[i].devices);
		}
	}
	free(keep);
	free(dkeep);

	if (st->reload_enabled) {
		family(b, "modwall_reloads_total", "counter",
		       "Policy reloads on SIGHUP, by result; a failed reload changes nothing.");
		mw_sbuf_printf(b, "modwall_reloads_total{result=\"ok\"} %llu\n",
			       (unsigned long long)st->reloads_ok);
		mw_sbuf_printf(b, "modwall_reloads_total{result=\"error\"} %llu\n",
			       (unsigned long long)st->reloads_err);
		family(b, "modwall_last_reload_successful", "gauge",
		       "0 when the last SIGHUP reload failed, 1 otherwise.");
		mw_sbuf_printf(b, "modwall_last_reload_successful %d\n", st->last_reload_ok);
	}
	if (st->radius)
		mw_radius_metrics(st->radius, b);
	family(b, "modwall_series_limit", "gauge", "Most series one reading exposes (--max-series).");
	mw_sbuf_printf(b, "modwall_series_limit %u\n", st->max_series);
	family(b, "modwall_series_limit_reached", "gauge",
	       "1 when this reading left series out to stay under the limit.");
	mw_sbuf_printf(b, "modwall_series_limit_reached %d\n", dropped ? 1 : 0);
	family(b, "modwall_series_dropped_total", "counter",
	       "Series left out to stay under the limit, summed over every reading.");
	mw_sbuf_printf(b, "modwall_series_dropped_total %llu\n",
		       (unsigned long long)st->series_dropped);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - s->t0.tv_sec) + (double)(t1.tv_nsec - s->t0.tv_nsec) / 1e9;
	family(b, "modwall_scrape_duration_seconds", "gauge",
	       "Time taken to read the maps and render this output.");
	mw_sbuf_printf(b, "modwall_scrape_duration_seconds %.6f\n", secs);
	return b->err ? -ENOMEM : 0;
}

/* ---- textfile ---- */

int mw_metrics_write_textfile(const char *dir, const char *text, size_t len, char *err,
			      size_t errlen)
{
	char tmp[4096], dst[4096];
	size_t off = 0;
	int fd, dfd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/." MW_METRICS_TEXTFILE ".XXXXXX", dir) >=
	    sizeof(tmp) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/" MW_METRICS_TEXTFILE, dir) >= sizeof(dst)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "creating a file in %s: %s", dir, strerror(errno));
		return rc;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "writing %s: %s", tmp, strerror(-rc));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) || fsync(fd)) {
		rc = -errno;
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		rc = -errno;
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst)) {
		rc = -errno;
		snprintf(err, errlen, "renaming %s to %s: %s", tmp, dst, strerror(errno));
		goto fail;
	}
	/* the rename itself is durable once the directory is */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}
