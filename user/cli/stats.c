// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* stats: counters per subject, per interface and in total, by verdict reason. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "cli.h"
#include "flows.h"
#include "jsonw.h"
#include "state.h"
#include "tunnels.h"
#include "values.h"

struct stats_ctx {
	double interval;
	long count;
	int all;
};

enum { STATS_INTERVAL, STATS_COUNT, STATS_ALL };

static const struct mw_opt stats_opts[] = {
	{ STATS_INTERVAL, "interval", 'i', "S", "print rates over S seconds, repeatedly (Ctrl-C "
	  "stops); with --json one value per line" },
	{ STATS_COUNT, "count", 'c', "N", "with --interval: stop after N reports" },
	{ STATS_ALL, "all", 'a', NULL, "list subjects whose counters are all zero too" },
	{ 0, NULL, 0, NULL, NULL },
};

static int stats_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct stats_ctx *c = ctx;

	switch (opt->id) {
	case STATS_INTERVAL:
		return mw_val_seconds(opt, arg, 0.1, 86400, &c->interval);
	case STATS_COUNT:
		return mw_val_count(opt, arg, &c->count);
	case STATS_ALL:
		c->all = 1;
		break;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * One reading. Interface cells: the XDP side of slot i at i *
 * MW_NR_REASONS, its tc egress side at MW_IFC_EGRESS(i) * MW_NR_REASONS.
 * Flows are a gauge (entries now) and the table-full misses a total: both
 * are shown as read, in the --interval reports too. A single report keeps
 * no copy of the subjects' counters (subj and miss NULL): it reads them
 * by the chunk as it prints.
 */
struct snap {
	struct mw_counter *subj;	/* nsubj * MW_NR_REASONS */
	struct mw_counter iface[2 * MW_MAX_IFACES * MW_NR_REASONS];
	uint32_t *flows;		/* max_subjects: flow entries per subject */
	struct mw_counter *miss;	/* max_subjects: frames that found the table full */
	uint32_t nsubj;
};

static int take(const struct mw_maps *m, struct snap *s)
{
	struct mw_flow_rec *recs = NULL;
	ssize_t n;
	int rc = 0;

	if (s->subj)
		rc = mw_read_subject_counters(m, 0, s->nsubj, s->subj);
	if (!rc)
		rc = mw_read_counters(m, m->ifcounters, 2 * MW_MAX_IFACES * MW_NR_REASONS,
				      s->iface);
	if (!rc && s->miss)
		rc = mw_flowmiss_read(m, s->miss);
	if (rc) {
		errno = -rc;
		return rc;
	}
	n = mw_flows_read(m, MW_FLOWS_ALL, &recs);
	if (n < 0) {
		errno = (int)-n;
		return (int)n;
	}
	mw_flows_per_subject(recs, (size_t)n, s->flows, m->max_subjects);
	free(recs);
	return 0;
}

/*
 * Subjects read at a time by a single report: their counters, then the
 * table-full misses and tunnel cells of the ones listed (the span from the
 * first to the last of them).
 */
#define STATS_CHUNK	16384

struct chunk_buf {
	struct mw_counter c[STATS_CHUNK * MW_NR_REASONS];
	struct mw_counter miss[STATS_CHUNK];
	struct mw_tunnel tun[STATS_CHUNK];
};

static void reasons_jw(struct mw_jw *w, const struct mw_counter *c, const struct mw_counter *p,
		       double secs)
{
	int r;

	mw_jw_object(w);
	for (r = 0; r < MW_NR_REASONS; r++) {
		mw_jw_key(w, mw_reason_name(r));
		mw_jw_object(w);
		if (p) {
			mw_jw_kdouble(w, "pps", (double)(c[r].packets - p[r].packets) / secs);
			mw_jw_kdouble(w, "bps", 8.0 * (double)(c[r].bytes - p[r].bytes) / secs);
		} else {
			mw_jw_kint(w, "packets", (int64_t)c[r].packets);
			mw_jw_kint(w, "bytes", (int64_t)c[r].bytes);
		}
		mw_jw_end(w);
	}
	mw_jw_end(w);
}

static const int shown[] = { MW_R_PASS, MW_R_DROP, MW_R_OBSERVE, MW_R_NOT_ALLOWED,
			     MW_R_RATE_LIMITED, MW_R_MALFORMED, MW_R_NO_POLICY };
#define NSHOWN ((int)(sizeof(shown) / sizeof(shown[0])))

/* One table row; @flows < 0: no FLOWS cell (interfaces). */
static void row(const char *name, const char *kind, const char *action,
		const struct mw_counter *c, const struct mw_counter *p, double secs, long long flows)
{
	uint64_t bytes = 0;
	int r;

	printf("%-24s %-7s %-8s", name, kind, action);
	for (r = 0; r < NSHOWN; r++) {
		uint64_t v = c[shown[r]].packets - (p ? p[shown[r]].packets : 0);

		if (p)
			printf(" %12.1f", (double)v / secs);
		else
			printf(" %12llu", (unsigned long long)v);
	}
	for (r = 0; r < MW_NR_REASONS; r++)
		bytes += c[r].bytes - (p ? p[r].bytes : 0);
	if (p)
		printf(" %14.0f", 8.0 * (double)bytes / secs);
	else
		printf(" %14llu", (unsigned long long)bytes);
	if (flows >= 0)
		printf(" %8lld", flows);
	printf("\n");
}

static int nonzero(const struct mw_counter *c)
{
	int r;

	for (r = 0; r < MW_NR_REASONS; r++)
		if (c[r].packets)
			return 1;
	return 0;
}

/* Is subject @i a row of the report? */
static int listed(const struct mw_subject_info *tab, uint32_t i, const struct mw_counter *c,
		  const char *only, int all)
{
	if (tab[i].kind == MW_KIND_FREE)
		return 0;
	if (only)
		return !strcmp(only, tab[i].name);
	return all || !i || nonzero(c);
}

/*
 * The table of subjects seen in GTP-U tunnels (text, after the totals):
 * every subject of the report's selection with G-PDUs, listed or not.
 */
static int tunnel_table(const struct mw_maps *m, const struct mw_subject_info *tab,
			uint32_t nsubj, const char *only, struct mw_tunnel *tun)
{
	int heading = 0, rc;

	for (uint32_t first = 0; first < nsubj; first += STATS_CHUNK) {
		uint32_t n = nsubj - first < STATS_CHUNK ? nsubj - first : STATS_CHUNK;

		rc = mw_read_tunnels(m, first, n, tun);
		if (rc)
			return rc;
		for (uint32_t i = first; i < first + n; i++) {
			const struct mw_tunnel *t = &tun[i - first];
			char peer[64];

			if (tab[i].kind == MW_KIND_FREE || !t->frames ||
			    (only && strcmp(only, tab[i].name)))
				continue;
			if (!heading++)
				printf("\n%-24s %12s %-39s %-9s %s\n", "IN GTP-U TUNNELS", "G-PDUS",
				       "LAST PEER", "DIRECTION", "TEID");
			printf("%-24s %12llu %-39s %-9s 0x%08x\n", tab[i].name,
			       (unsigned long long)t->frames, mw_tunnel_peer(t, peer, sizeof(peer)),
			       mw_dir_name(t->dir), t->teid);
		}
	}
	return 0;
}

/*
 * One report. @cur without subject counters: a single report, which reads
 * them by the chunk while it prints (no copy of a million subjects'
 * counters). 0, or -1 after an error message: a read that failed (before
 * anything was printed if it was the first chunk's), or a failed write.
 */
static int report(const struct mw_maps *m, const struct mw_subject_info *tab,
		  const struct snap *cur, const struct snap *prev, double secs,
		  const char *only, int all)
{
	struct mw_counter total[MW_NR_REASONS] = { 0 }, ptotal[MW_NR_REASONS] = { 0 };
	struct chunk_buf *buf = NULL;
	struct mw_jw w;
	long long nflows = 0;
	unsigned gen = m->ctlm->gen & 1;
	uint32_t i, ntun = 0, nif = 0;
	int r, rc = 0;

	mw_jw_init(&w, NULL, 0);
	if (!cur->subj && !(buf = malloc(sizeof(*buf)))) {
		mw_err("stats: %s", strerror(ENOMEM));
		return -1;
	}
	for (uint32_t first = 0; first < cur->nsubj; first += STATS_CHUNK) {
		uint32_t n = cur->nsubj - first < STATS_CHUNK ? cur->nsubj - first : STATS_CHUNK;
		uint32_t lo = UINT32_MAX, hi = 0, base = 0;
		const struct mw_counter *cc, *pc, *miss;
		const struct mw_tunnel *tun = NULL;

		if (buf) {
			rc = mw_read_subject_counters(m, first, n, buf->c);
			if (rc)
				break;
			cc = buf->c;
			pc = NULL;
		} else {
			cc = &cur->subj[(size_t)first * MW_NR_REASONS];
			pc = prev ? &prev->subj[(size_t)first * MW_NR_REASONS] : NULL;
		}
		for (i = first; i < first + n; i++)
			if (listed(tab, i, &cc[(size_t)(i - first) * MW_NR_REASONS], only, all)) {
				lo = lo == UINT32_MAX ? i : lo;
				hi = i;
			}
		if (buf) {
			/* buf->miss[k], buf->tun[k]: subject base + k */
			if (lo <= hi && mw_opts.json)
				rc = mw_read_array_range(m->flowmiss, lo, hi - lo + 1,
							 sizeof(*buf->miss), buf->miss);
			if (rc)
				break;
			miss = buf->miss;
			base = lo;
			/* devices inside GTP-U tunnels: a failed read leaves them out */
			if (lo <= hi && !mw_read_tunnels(m, lo, hi - lo + 1,
							 buf->tun))
				tun = buf->tun;
		} else {
			/* rates: devices inside GTP-U tunnels are totals, so not here */
			miss = cur->miss;
		}
		if (!first && mw_opts.json) {
			mw_json_begin(&w);
			mw_jw_object(&w);
			mw_jw_key(&w, "subjects");
			mw_jw_array(&w);
		} else if (!first) {
			printf("%-24s %-7s %-8s", "SUBJECT", "KIND", "ACTION");
			for (r = 0; r < NSHOWN; r++)
				printf(" %12s", mw_reason_name(shown[r]));
			printf(" %14s %8s\n", prev ? "bits/s" : "bytes", "FLOWS");
		}
		for (i = first; i < first + n; i++) {
			const struct mw_counter *c = &cc[(size_t)(i - first) * MW_NR_REASONS];
			const struct mw_counter *p = pc ? &pc[(size_t)(i - first) * MW_NR_REASONS]
							: NULL;
			const char *kind = tab[i].kind == MW_KIND_CLASS ? "class" :
					   tab[i].kind == MW_KIND_DEVICE ? "device" : "-";
			const char *action = i == 0 ? "default" : mw_action_name(tab[i].action[gen]);
			const struct mw_tunnel *t;

			for (r = 0; r < MW_NR_REASONS; r++) {
				total[r].packets += c[r].packets;
				total[r].bytes += c[r].bytes;
				if (p) {
					ptotal[r].packets += p[r].packets;
					ptotal[r].bytes += p[r].bytes;
				}
			}
			nflows += cur->flows[i];
			if (i < lo || i > hi || !listed(tab, i, c, only, all))
				continue;
			t = tun && tun[i - base].frames ? &tun[i - base] : NULL;
			if (t)
				ntun++;
			if (!mw_opts.json) {
				row(tab[i].name, kind, action, c, p, secs, cur->flows[i]);
				continue;
			}
			mw_jw_object(&w);
			mw_jw_kstr(&w, "name", tab[i].name);
			mw_jw_kint(&w, "id", (int)i);
			mw_jw_kstr(&w, "kind", kind);
			mw_jw_kstr(&w, "action", action);
			mw_jw_key(&w, "reasons");
			reasons_jw(&w, c, p, secs);
			mw_jw_kint(&w, "flows", cur->flows[i]);
			mw_jw_key(&w, "flows_table_full");
			mw_jw_object(&w);
			mw_jw_kint(&w, "packets", (int64_t)miss[i - base].packets);
			mw_jw_kint(&w, "bytes", (int64_t)miss[i - base].bytes);
			mw_jw_end(&w);
			if (t) {
				mw_jw_key(&w, "tunnel");
				mw_tunnel_jw(&w, t);
			}
			mw_jw_end(&w);
		}
	}
	if (rc) {
		free(buf);
		mw_err("stats: reading counters: %s", strerror(-rc));
		return -1;
	}
	if (mw_opts.json) {
		mw_jw_end(&w);
	} else if (!only) {
		printf("%-24s %-7s %-8s", "", "", "");
		for (r = 0; r < NSHOWN; r++)
			printf(" %12s", "------------");
		printf(" %14s %8s\n", "--------------", "--------");
		row("total", "", "", total, prev ? ptotal : NULL, secs, nflows);
	}
	/* a listed subject was seen in a tunnel: the table of all that were */
	if (ntun && !mw_opts.json)
		tunnel_table(m, tab, cur->nsubj, only, buf->tun);
	free(buf);
	if (mw_opts.json) {
		mw_jw_key(&w, "interfaces");
		mw_jw_array(&w);
	}
	for (i = 0; i < MW_MAX_IFACES && !only; i++) {
		uint32_t eg = MW_IFC_EGRESS(i) * MW_NR_REASONS;
		struct mw_iface v;

		if (bpf_map_lookup_elem(m->ifaces, &i, &v) || !v.ifindex)
			continue;
		nif++;
		if (mw_opts.json) {
			mw_jw_object(&w);
			mw_jw_kstr(&w, "interface", v.name);
			mw_jw_kstr(&w, "role", mw_role_name(v.role));
			mw_jw_key(&w, "reasons");
			reasons_jw(&w, &cur->iface[i * MW_NR_REASONS],
				   prev ? &prev->iface[i * MW_NR_REASONS] : NULL, secs);
			/* downloads judged by the tc egress program, after de-NAT */
			if (v.tc_prog_id) {
				mw_jw_key(&w, "egress");
				reasons_jw(&w, &cur->iface[eg], prev ? &prev->iface[eg] : NULL, secs);
			}
			mw_jw_end(&w);
		} else {
			char label[32];

			if (nif == 1) {
				printf("\n%-24s %-7s %-8s", "INTERFACE", "ROLE", "");
				for (r = 0; r < NSHOWN; r++)
					printf(" %12s", mw_reason_name(shown[r]));
				printf(" %14s\n", prev ? "bits/s" : "bytes");
			}
			snprintf(label, sizeof(label), "%.*s", MW_IFNAME_LEN, v.name);
			row(label, mw_role_name(v.role), "", &cur->iface[i * MW_NR_REASONS],
			    prev ? &prev->iface[i * MW_NR_REASONS] : NULL, secs, -1);
			if (v.tc_prog_id) {
				snprintf(label, sizeof(label), "%.*s (egress)", MW_IFNAME_LEN,
					 v.name);
				row(label, mw_role_name(v.role), "", &cur->iface[eg],
				    prev ? &prev->iface[eg] : NULL, secs, -1);
			}
		}
	}
	if (mw_opts.json) {
		mw_jw_end(&w);
		mw_jw_key(&w, "total");
		reasons_jw(&w, total, prev ? ptotal : NULL, secs);
		if (prev)
			mw_jw_kdouble(&w, "interval", secs);
		mw_jw_end(&w);
		rc = mw_json_end(&w);
	}
	if (fflush(stdout) || ferror(stdout) || rc) {
		mw_err("stats: writing the report failed");
		return -1;
	}
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_ctx c = { 0 };
	struct mw_subject_info *tab = NULL;
	struct snap a = { 0 }, b = { 0 };
	struct mw_maps m;
	struct mw_config cfg;
	const char *only = NULL;
	char err[1024];
	unsigned gen;
	uint32_t i;
	int rc = MW_EXIT_FAIL, ix;

	ix = mw_getopt(argc, argv, "stats [DEVICE|CLASS] [--interval S [--count N]] [--all]",
		       stats_opts, stats_opt, &c);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (c.count && !c.interval) {
		mw_err("stats: --count is the number of --interval reports; give --interval S");
		return MW_EXIT_USAGE;
	}
	if (argc - ix > 1) {
		mw_err("stats: one device or class at a time");
		return MW_EXIT_USAGE;
	}
	if (argc - ix == 1)
		only = argv[ix];
	if (mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("stats: %s", err);
		return MW_EXIT_FAIL;
	}
	tab = calloc(m.max_subjects, sizeof(*tab));
	if (!tab || mw_read_subjects(&m, tab)) {
		mw_err("stats: reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		goto out;
	}
	gen = m.ctlm->gen & 1;
	a.nsubj = b.nsubj = 1;
	if (bpf_map_lookup_elem(m.config, &gen, &cfg) == 0 && cfg.nsubjects)
		a.nsubj = b.nsubj = cfg.nsubjects;
	/* subjects of the previous generation may sit above nsubjects */
	for (i = a.nsubj; i < m.max_subjects; i++)
		if (tab[i].kind != MW_KIND_FREE)
			a.nsubj = b.nsubj = i + 1;
	if (only) {
		for (i = 0; i < a.nsubj; i++)
			if (tab[i].kind != MW_KIND_FREE && !strcmp(tab[i].name, only))
				break;
		if (i == a.nsubj) {
			mw_err("stats: no device or class named '%s' in the live policy", only);
			rc = MW_EXIT_USAGE;
			goto out;
		}
	}
	a.flows = calloc(m.max_subjects, sizeof(*a.flows));
	errno = ENOMEM;
	if (!c.interval) {
		/* one report: the subjects' counters are read as they are printed */
		if (!a.flows || take(&m, &a)) {
			mw_err("stats: reading counters: %s", strerror(errno));
			goto out;
		}
		if (!report(&m, tab, &a, NULL, 1, only, c.all))
			rc = MW_EXIT_OK;
		goto out;
	}
	/* rates: two whole readings, the previous one and the current one */
	a.subj = calloc((size_t)a.nsubj * MW_NR_REASONS, sizeof(*a.subj));
	b.subj = calloc((size_t)b.nsubj * MW_NR_REASONS, sizeof(*b.subj));
	b.flows = calloc(m.max_subjects, sizeof(*b.flows));
	a.miss = calloc(m.max_subjects, sizeof(*a.miss));
	b.miss = calloc(m.max_subjects, sizeof(*b.miss));
	errno = ENOMEM;
	if (!a.subj || !b.subj || !a.flows || !b.flows || !a.miss || !b.miss || take(&m, &a)) {
		mw_err("stats: reading counters: %s", strerror(errno));
		goto out;
	}
	mw_json_stream();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (long n = 0; !stop && (!c.count || n < c.count); n++) {
		struct timespec t0, t1;
		struct snap tmp;
		double secs;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		usleep((useconds_t)(c.interval * 1e6));
		if (stop)
			break;
		if (take(&m, &b)) {
			mw_err("stats: reading counters: %s", strerror(errno));
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (!mw_opts.json && n)
			printf("\n");
		if (report(&m, tab, &b, &a, secs, only, 1))
			goto out;
		tmp = a;
		a = b;
		b = tmp;
	}
	rc = MW_EXIT_OK;
out:
	free(a.subj);
	free(b.subj);
	free(a.flows);
	free(b.flows);
	free(a.miss);
	free(b.miss);
	free(tab);
	mw_maps_close(&m);
	return rc;
}
