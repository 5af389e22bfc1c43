// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus metrics: a reading rendered in the text exposition format,
 * and the atomic write of that text for node_exporter's textfile collector.
 */
#define _GNU_SOURCE	/* mkostemp */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "health.h"
#include "metrics_int.h"
#include "flowexport.h"
#include "radius.h"
#include "dnslearn.h"
#include "state.h"

/* ---- rendering ---- */

/* every reason but the placeholder that keeps the stride a power of two */
static const int reasons[] = { MW_R_PASS, MW_R_DROP, MW_R_OBSERVE, MW_R_MALFORMED,
			       MW_R_NO_POLICY, MW_R_NOT_ALLOWED, MW_R_RATE_LIMITED };
#define NREASONS ((int)(sizeof(reasons) / sizeof(reasons[0])))
_Static_assert(SUBJ_SERIES == 2 * NREASONS, "a subject's series: packets and bytes per reason");

static void family(struct mw_sbuf *b, const char *name, const char *type, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A Unix time to the millisecond. */
static void stamp(struct mw_sbuf *b, const char *name, const struct timespec *t)
{
	mw_sbuf_printf(b, "%s %lld.%03ld\n", name, (long long)t->tv_sec, t->tv_nsec / 1000000);
}

/* "NAME{device=\"SUBJECT\"": the start of a subject's lines, its name escaped. */
static void subject_start(struct mw_sbuf *b, const char *name, const struct mw_msubj *o)
{
	mw_sbuf_puts(b, name);
	mw_sbuf_put(b, "{device=\"", 9);
	mw_sbuf_label(b, o->name);
	mw_sbuf_put(b, "\"", 1);
}

/* " VALUE\n" after a line's labels. */
static void value(struct mw_sbuf *b, uint64_t v)
{
	mw_sbuf_put(b, " ", 1);
	mw_sbuf_u64(b, v);
	mw_sbuf_put(b, "\n", 1);
}

static void subject_family(struct mw_sbuf *b, const struct mw_msnap *s, const struct mw_mshown *w,
			   struct mw_sbuf *pre, int bytes)
{
	const char *name = bytes ? "modwall_device_bytes_total" : "modwall_device_packets_total";
	uint32_t k;
	int r;

	family(b, name, "counter", bytes ?
	       "Bytes of frames attributed to a device or vendor class (kind), by verdict "
	       "reason; lan interfaces count what the device sends, wan interfaces what it "
	       "receives." :
	       "Frames attributed to a device or vendor class (kind), by verdict reason; lan "
	       "interfaces count what the device sends, wan interfaces what it receives.");
	for (k = 0; k < w->nkept; k++) {
		const struct mw_msubj *o = &s->subj[w->kept[k]];

		/* the labels up to the reason, escaped once for the seven lines */
		pre->len = 0;
		subject_start(pre, name, o);
		mw_sbuf_put(pre, ",kind=\"", 7);
		mw_sbuf_puts(pre, mw_kind_name(o->kind));
		mw_sbuf_put(pre, "\",reason=\"", 10);
		if (pre->err) {
			b->err = 1;
			return;
		}
		for (r = 0; r < NREASONS; r++) {
			const struct mw_counter *c = &o->c[reasons[r]];

			mw_sbuf_put(b, pre->s, pre->len);
			mw_sbuf_puts(b, mw_reason_name(reasons[r]));
			mw_sbuf_put(b, "\"}", 2);
			value(b, bytes ? c->bytes : c->packets);
		}
	}
}

/* G-PDUs per subject and its last outer peer: only subjects seen in tunnels. */
static void tunnel_families(struct mw_sbuf *b, const struct mw_msnap *s, const struct mw_mshown *w)
{
	char peer[INET6_ADDRSTRLEN];
	uint32_t k;
	int p;

	for (p = 0; p < 2; p++) {
		const char *name = p ? "modwall_device_tunnel_peer" :
				       "modwall_device_tunnel_frames_total";

		family(b, name, p ? "gauge" : "counter", p ?
		       "1, labelled with the outer peer (base station) and direction of the "
		       "subject's last G-PDU on an n3 interface." :
		       "G-PDUs of a device or class inside GTP-U tunnels (n3 interfaces).");
		for (k = 0; k < w->nkept; k++) {
			const struct mw_msubj *o = &s->subj[w->kept[k]];
			const struct mw_tunnel *t = o->tun;

			if (!t)
				continue;
			subject_start(b, name, o);
			mw_sbuf_put(b, ",kind=\"", 7);
			mw_sbuf_puts(b, mw_kind_name(o->kind));
			if (!p) {
				mw_sbuf_put(b, "\"}", 2);
				value(b, t->frames);
				continue;
			}
			if (!inet_ntop(t->family == AF_INET6 ? AF_INET6 : AF_INET, t->peer, peer,
				       sizeof(peer)))
				snprintf(peer, sizeof(peer), "?");
			mw_sbuf_put(b, "\",peer=\"", 8);
			mw_sbuf_label(b, peer);
			mw_sbuf_put(b, "\",direction=\"", 13);
			mw_sbuf_puts(b, mw_dir_name(t->dir));
			mw_sbuf_put(b, "\"} 1\n", 5);
		}
	}
}

/*
 * Flows per subject: only subjects with flows in the table. Gauges: they
 * sum the flows in the table now, and the daemon's exporter takes idle
 * flows out, so they fall as well as rise.
 */
#define FLOW_TABLE_SERIES	5	/* entries, max, full, missed packets and bytes */

static const char *const dirs[2] = { "out", "in" };

/* ",direction=\"DIR\"} VALUE\n" */
static void direction(struct mw_sbuf *b, int d, uint64_t v)
{
	mw_sbuf_put(b, ",direction=\"", 12);
	mw_sbuf_puts(b, dirs[d]);
	mw_sbuf_put(b, "\"}", 2);
	value(b, v);
}

static void flow_families(struct mw_sbuf *b, const struct mw_msnap *s, const struct mw_mshown *w)
{
	uint32_t k, t;
	int f, d;

	for (f = 0; f < 2; f++) {
		const char *name = f ? "modwall_flow_remotes" : "modwall_flows";

		family(b, name, "gauge", f ?
		       "Distinct remote addresses among the flows of a device or class in the "
		       "flow table now (non-IP flows: one per EtherType)." :
		       "Flows of a device or class (all its members) in the flow table now.");
		for (k = 0; k < w->nkept; k++) {
			const struct mw_msubj *o = &s->subj[w->kept[k]];

			if (!o->fl)
				continue;
			subject_start(b, name, o);
			mw_sbuf_put(b, "}", 1);
			value(b, f ? o->fl->remotes : o->fl->flows);
		}
	}
	for (f = 0; f < 2; f++) {
		const char *name = f ? "modwall_flow_bytes" : "modwall_flow_packets";

		family(b, name, "gauge", f ?
		       "Bytes of the flows of a device or class in the flow table now, by "
		       "direction (out: from the device, in: to it). A sum over the flows in the "
		       "table: it falls when idle flows are taken out (exported)." :
		       "Packets of the flows of a device or class in the flow table now, by "
		       "direction (out: from the device, in: to it). A sum over the flows in the "
		       "table: it falls when idle flows are taken out (exported).");
		for (k = 0; k < w->nkept; k++) {
			const struct mw_msubj *o = &s->subj[w->kept[k]];

			for (d = 0; o->fl && d < 2; d++) {
				subject_start(b, name, o);
				direction(b, d, f ? o->fl->bytes[d] : o->fl->packets[d]);
			}
		}
	}
	family(b, "modwall_flow_country_bytes", "gauge",
	       "Bytes of the flows of a device or class in the flow table now, by the country "
	       "of the remote address (\"\": not in the country database, or not IP) and "
	       "direction; only rows with bytes. A sum over the flows in the table: it falls "
	       "when idle flows are taken out (exported).");
	for (k = 0; k < w->nkept; k++) {
		uint32_t i = w->kept[k];
		const struct mw_msubj *o = &s->subj[i];

		for (t = 0; w->ckeep[i] && t < o->fl->ncc; t++)
			for (d = 0; d < 2; d++) {
				if (!o->fl->cc[t].bytes[d])
					continue;
				subject_start(b, "modwall_flow_country_bytes", o);
				mw_sbuf_put(b, ",country=\"", 10);
				mw_sbuf_label(b, o->fl->cc[t].cc);
				mw_sbuf_put(b, "\"", 1);
				direction(b, d, o->fl->cc[t].bytes[d]);
			}
	}
	family(b, "modwall_flow_remote_bytes", "gauge",
	       "Bytes exchanged with one of the busiest remote addresses of a device or class "
	       "(--flow-top), by direction, summed over its flows in the table now; name: the "
	       "DNS name the address was learned as, \"\" when none.");
	for (k = 0; k < w->nkept; k++) {
		uint32_t i = w->kept[k];
		const struct mw_msubj *o = &s->subj[i];

		for (t = 0; t < w->rkeep[i]; t++)
			for (d = 0; d < 2; d++) {
				const struct mw_mremote *r = &o->fl->top[t];

				subject_start(b, "modwall_flow_remote_bytes", o);
				mw_sbuf_put(b, ",remote=\"", 9);
				mw_sbuf_label(b, r->addr);
				mw_sbuf_put(b, "\",name=\"", 8);
				mw_sbuf_label(b, r->name ? r->name : "");
				mw_sbuf_put(b, "\"", 1);
				direction(b, d, r->bytes[d]);
			}
	}
}

static void flow_table_families(struct mw_sbuf *b, const struct mw_msnap *s)
{
	family(b, "modwall_flow_table_entries", "gauge",
	       "Flows in the flow table now, every device and class.");
	mw_sbuf_printf(b, "modwall_flow_table_entries %llu\n", (unsigned long long)s->flow_entries);
	family(b, "modwall_flow_table_max", "gauge", "Flows the flow table holds (load --max-flows).");
	mw_sbuf_printf(b, "modwall_flow_table_max %llu\n", (unsigned long long)s->flow_max);
	family(b, "modwall_flow_table_full_total", "counter",
	       "Times a frame of a new flow found the flow table full; it was counted in the "
	       "missed totals instead.");
	mw_sbuf_printf(b, "modwall_flow_table_full_total %llu\n", (unsigned long long)s->flow_full);
	family(b, "modwall_flow_missed_packets_total", "counter",
	       "Packets that kept no flow because the flow table was full (GSO segments "
	       "counted one by one), every device and class.");
	mw_sbuf_printf(b, "modwall_flow_missed_packets_total %llu\n",
		       (unsigned long long)s->flow_missed.packets);
	family(b, "modwall_flow_missed_bytes_total", "counter",
	       "Bytes of the packets that kept no flow because the flow table was full.");
	mw_sbuf_printf(b, "modwall_flow_missed_bytes_total %llu\n",
		       (unsigned long long)s->flow_missed.bytes);
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
		if (o->role == MW_ROLE_N3) {
			mw_sbuf_printf(b, "%s{interface=\"", name);
			mw_sbuf_label(b, o->name);
			mw_sbuf_printf(b, "\",role=\"n3\",reason=\"%s\"} %llu\n",
				       mw_reason_name(MW_R_TUNNEL_SIGNAL), (unsigned long long)(bytes ?
				       o->c[MW_R_TUNNEL_SIGNAL].bytes :
				       o->c[MW_R_TUNNEL_SIGNAL].packets));
		}
	}
}

int mw_metrics_render(const struct mw_msnap *s, struct mw_mstate *st, struct mw_sbuf *b)
{
	static const char *const outcome[3] = { "emitted", "suppressed", "ring_full" };
	uint64_t fixed, budget, dropped = 0;
	struct mw_sbuf pre = { 0 };
	struct mw_mshown w;
	struct timespec t1;
	uint32_t top;
	size_t i;
	double secs;

	/* the families that never give way */
	/* up, build_info, the three series_*, scrape_duration, reading time; reloads; process */
	fixed = 7 + (st->reload_enabled ? 4 : 0) + (st->radius ? MW_RADIUS_SERIES : 0) +
		(st->ipfix ? MW_FLOWEXP_SERIES : 0) +
		(st->proc ? MW_PROC_SERIES : 0) + (st->dns ? MW_DNSLEARN_SERIES : 0);
	if (s->up)
		fixed += 4 + 3 + FLOW_TABLE_SERIES + (uint64_t)s->niface * SUBJ_SERIES;
	for (i = 0; s->up && i < (size_t)s->niface; i++)
		if (s->iface[i].role == MW_ROLE_N3)
			fixed += 2;	/* tunnel_signal: packets and bytes */
	budget = st->max_series > fixed ? st->max_series - fixed : 0;
	top = st->flow_top < MW_METRICS_FLOW_TOP_MAX ? st->flow_top : MW_METRICS_FLOW_TOP_MAX;
	if (mw_metrics_choose(s, budget, top, &w, &dropped))
		return -ENOMEM;
	st->series_dropped += dropped;

	family(b, "modwall_up", "gauge",
	       "1 when the pinned maps of the data path could be read, 0 otherwise.");
	mw_sbuf_printf(b, "modwall_up %d\n", s->up);
	family(b, "modwall_build_info", "gauge", "Version and schema of this modwall binary.");
	mw_sbuf_printf(b, "modwall_build_info{version=\"%s\",schema=\"%d\"} 1\n", MW_VERSION,
		       MW_SCHEMA_VERSION);

	if (s->up) {
		subject_family(b, s, &w, &pre, 0);
		subject_family(b, s, &w, &pre, 1);
		tunnel_families(b, s, &w);
		flow_families(b, s, &w);
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
			if (!w.dkeep[i])
				continue;
			mw_sbuf_printf(b, "modwall_discovered_devices{vendor=\"");
			mw_sbuf_label(b, s->disc[i].vendor);
			mw_sbuf_printf(b, "\",class=\"");
			mw_sbuf_label(b, s->disc[i].class_name);
			mw_sbuf_printf(b, "\"} %llu\n", (unsigned long long)s->disc[i].devices);
		}
		flow_table_families(b, s);
	}
	mw_mshown_free(&w);
	mw_sbuf_free(&pre);

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
		family(b, "modwall_last_reload_success_timestamp_seconds", "gauge",
		       "Unix time of the last successful SIGHUP reload; 0 before the first.");
		stamp(b, "modwall_last_reload_success_timestamp_seconds", &st->last_reload_ok_at);
	}
	if (st->radius)
		mw_radius_metrics(st->radius, b);
	if (st->dns)
		mw_dnslearn_metrics(st->dns, b);
	if (st->ipfix)
		mw_flowexp_metrics(st->ipfix, b);
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
	family(b, "modwall_last_reading_timestamp_seconds", "gauge",
	       "Unix time at which this reading of the maps was made. A scrape answered while "
	       "the daemon is busy gets the last completed one: time() minus this is its age.");
	stamp(b, "modwall_last_reading_timestamp_seconds", &s->wall);
	if (st->proc)
		mw_proc_metrics(st->proc, b);
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
