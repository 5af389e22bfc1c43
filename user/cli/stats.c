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
 * are shown as read, in the --interval reports too.
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
	int rc = mw_read_counters(m, m->counters, s->nsubj * MW_NR_REASONS, s->subj);

	if (!rc)
		rc = mw_read_counters(m, m->ifcounters, 2 * MW_MAX_IFACES * MW_NR_REASONS,
				      s->iface);
	if (!rc) {
		rc = mw_flowmiss_read(m, s->miss);
		errno = -rc;
	}
	if (rc)
		return rc;
	n = mw_flows_read(m, MW_FLOWS_ALL, &recs);
	if (n < 0) {
		errno = (int)-n;
		return (int)n;
	}
	mw_flows_per_subject(recs, (size_t)n, s->flows, m->max_subjects);
	free(recs);
	return 0;
}

static struct json_object *reasons_json(const struct mw_counter *c, const struct mw_counter *p,
					double secs)
{
	struct json_object *o = json_object_new_object();
	int r;

	for (r = 0; r < MW_NR_REASONS; r++) {
		struct json_object *x;

		x = json_object_new_object();
		if (p) {
			json_object_object_add(x, "pps", json_object_new_double(
				(double)(c[r].packets - p[r].packets) / secs));
			json_object_object_add(x, "bps", json_object_new_double(
				8.0 * (double)(c[r].bytes - p[r].bytes) / secs));
		} else {
			json_object_object_add(x, "packets", json_object_new_int64((int64_t)c[r].packets));
			json_object_object_add(x, "bytes", json_object_new_int64((int64_t)c[r].bytes));
		}
		json_object_object_add(o, mw_reason_name(r), x);
	}
	return o;
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

static void report(const struct mw_maps *m, const struct mw_subject_info *tab,
		   const struct snap *cur, const struct snap *prev, double secs,
		   const char *only, int all)
{
	struct json_object *j = json_object_new_object(), *subs = json_object_new_array(),
			   *ifs = json_object_new_array();
	struct mw_counter total[MW_NR_REASONS] = { 0 }, ptotal[MW_NR_REASONS] = { 0 };
	long long nflows = 0;
	unsigned gen = m->ctlm->gen & 1;
	/* devices inside GTP-U tunnels: totals, so not in the --interval rates */
	struct mw_tunnel *tun = prev ? NULL : mw_cli_tunnels(m, cur->nsubj);
	uint32_t i, ntun = 0;
	int r, heading = 0;

	if (!mw_opts.json) {
		printf("%-24s %-7s %-8s", "SUBJECT", "KIND", "ACTION");
		for (r = 0; r < NSHOWN; r++)
			printf(" %12s", mw_reason_name(shown[r]));
		printf(" %14s %8s\n", prev ? "bits/s" : "bytes", "FLOWS");
	}
	for (i = 0; i < cur->nsubj; i++) {
		const struct mw_counter *c = &cur->subj[i * MW_NR_REASONS];
		const struct mw_counter *p = prev ? &prev->subj[i * MW_NR_REASONS] : NULL;
		const char *kind = tab[i].kind == MW_KIND_CLASS ? "class" :
				   tab[i].kind == MW_KIND_DEVICE ? "device" : "-";
		const char *action = i == 0 ? "default" : mw_action_name(tab[i].action[gen]);
		struct json_object *o, *full;

		for (r = 0; r < MW_NR_REASONS; r++) {
			total[r].packets += c[r].packets;
			total[r].bytes += c[r].bytes;
			if (p) {
				ptotal[r].packets += p[r].packets;
				ptotal[r].bytes += p[r].bytes;
			}
		}
		nflows += cur->flows[i];
		if (tab[i].kind == MW_KIND_FREE)
			continue;
		if (only && strcmp(only, tab[i].name))
			continue;
		if (!only && !all && i && !nonzero(c))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(tab[i].name));
		json_object_object_add(o, "id", json_object_new_int((int)i));
		json_object_object_add(o, "kind", json_object_new_string(kind));
		json_object_object_add(o, "action", json_object_new_string(action));
		json_object_object_add(o, "reasons", reasons_json(c, p, secs));
		json_object_object_add(o, "flows", json_object_new_int64(cur->flows[i]));
		full = json_object_new_object();
		json_object_object_add(full, "packets",
				       json_object_new_int64((int64_t)cur->miss[i].packets));
		json_object_object_add(full, "bytes",
				       json_object_new_int64((int64_t)cur->miss[i].bytes));
		json_object_object_add(o, "flows_table_full", full);
		if (tun && tun[i].frames) {
			json_object_object_add(o, "tunnel", mw_tunnel_json(&tun[i]));
			ntun++;
		}
		json_object_array_add(subs, o);
		if (!mw_opts.json)
			row(tab[i].name, kind, action, c, p, secs, cur->flows[i]);
	}
	if (!mw_opts.json && !only) {
		printf("%-24s %-7s %-8s", "", "", "");
		for (r = 0; r < NSHOWN; r++)
			printf(" %12s", "------------");
		printf(" %14s %8s\n", "--------------", "--------");
		row("total", "", "", total, prev ? ptotal : NULL, secs, nflows);
	}
	for (i = 0; ntun && !mw_opts.json && i < cur->nsubj; i++) {
		char peer[64];

		if (tab[i].kind == MW_KIND_FREE || !tun[i].frames || (only && strcmp(only, tab[i].name)))
			continue;
		if (!heading++)
			printf("\n%-24s %12s %-39s %-9s %s\n", "IN GTP-U TUNNELS", "G-PDUS",
			       "LAST PEER", "DIRECTION", "TEID");
		printf("%-24s %12llu %-39s %-9s 0x%08x\n", tab[i].name,
		       (unsigned long long)tun[i].frames, mw_tunnel_peer(&tun[i], peer, sizeof(peer)),
		       mw_dir_name(tun[i].dir), tun[i].teid);
	}
	free(tun);
	for (i = 0; i < MW_MAX_IFACES && !only; i++) {
		uint32_t eg = MW_IFC_EGRESS(i) * MW_NR_REASONS;
		struct mw_iface v;
		struct json_object *o;

		if (bpf_map_lookup_elem(m->ifaces, &i, &v) || !v.ifindex)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "interface", json_object_new_string(v.name));
		json_object_object_add(o, "role", json_object_new_string(mw_role_name(v.role)));
		json_object_object_add(o, "reasons", reasons_json(&cur->iface[i * MW_NR_REASONS],
			prev ? &prev->iface[i * MW_NR_REASONS] : NULL, secs));
		/* downloads judged by the tc egress program, after de-NAT */
		if (v.tc_prog_id)
			json_object_object_add(o, "egress", reasons_json(&cur->iface[eg],
				prev ? &prev->iface[eg] : NULL, secs));
		json_object_array_add(ifs, o);
		if (!mw_opts.json) {
			char label[32];

			if (json_object_array_length(ifs) == 1) {
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
	json_object_object_add(j, "subjects", subs);
	json_object_object_add(j, "interfaces", ifs);
	json_object_object_add(j, "total", reasons_json(total, prev ? ptotal : NULL, secs));
	if (prev)
		json_object_object_add(j, "interval", json_object_new_double(secs));
	if (mw_opts.json)
		mw_json_print(j);
	else
		json_object_put(j);
	fflush(stdout);
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
	a.subj = calloc((size_t)a.nsubj * MW_NR_REASONS, sizeof(*a.subj));
	b.subj = calloc((size_t)b.nsubj * MW_NR_REASONS, sizeof(*b.subj));
	a.flows = calloc(m.max_subjects, sizeof(*a.flows));
	b.flows = calloc(m.max_subjects, sizeof(*b.flows));
	a.miss = calloc(m.max_subjects, sizeof(*a.miss));
	b.miss = calloc(m.max_subjects, sizeof(*b.miss));
	errno = ENOMEM;
	if (!a.subj || !b.subj || !a.flows || !b.flows || !a.miss || !b.miss || take(&m, &a)) {
		mw_err("stats: reading counters: %s", strerror(errno));
		goto out;
	}
	if (!c.interval) {
		report(&m, tab, &a, NULL, 1, only, c.all);
		rc = MW_EXIT_OK;
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
		report(&m, tab, &b, &a, secs, only, 1);
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
