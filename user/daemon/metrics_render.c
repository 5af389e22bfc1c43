// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus metrics: a reading rendered in the text exposition format,
 * and the atomic write of that text for node_exporter's textfile collector.
 */
#define _GNU_SOURCE	/* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "health.h"
#include "metrics.h"
#include "flowexport.h"
#include "radius.h"
#include "dnslearn.h"
#include "state.h"

/* ---- rendering ---- */

/* every reason but the placeholder that keeps the stride a power of two */
static const int reasons[] = { MW_R_PASS, MW_R_DROP, MW_R_OBSERVE, MW_R_MALFORMED,
			       MW_R_NO_POLICY, MW_R_NOT_ALLOWED, MW_R_RATE_LIMITED };
#define NREASONS ((int)(sizeof(reasons) / sizeof(reasons[0])))
#define SUBJ_SERIES (2 * NREASONS)	/* packets and bytes per reason */

static void family(struct mw_sbuf *b, const char *name, const char *type, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A Unix time to the millisecond. */
static void stamp(struct mw_sbuf *b, const char *name, const struct timespec *t)
{
	mw_sbuf_printf(b, "%s %lld.%03ld\n", name, (long long)t->tv_sec, t->tv_nsec / 1000000);
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
			mw_sbuf_printf(b, "\",kind=\"%s\",reason=\"%s\"} %llu\n", mw_kind_name(o->kind),
				       mw_reason_name(reasons[r]), (unsigned long long)(bytes ?
				       o->c[reasons[r]].bytes : o->c[reasons[r]].packets));
		}
	}
}

/* G-PDUs per subject and its last outer peer: only subjects seen in tunnels. */
#define TUN_SERIES	2

static void tunnel_families(struct mw_sbuf *b, const struct mw_msnap *s, const uint8_t *keep)
{
	size_t i;
	int peer;

	for (peer = 0; peer < 2; peer++) {
		const char *name = peer ? "modwall_device_tunnel_peer" :
					  "modwall_device_tunnel_frames_total";

		family(b, name, peer ? "gauge" : "counter", peer ?
		       "1, labelled with the outer peer (base station) and direction of the "
		       "subject's last G-PDU on an n3 interface." :
		       "G-PDUs of a device or class inside GTP-U tunnels (n3 interfaces).");
		for (i = 0; i < s->nsubj; i++) {
			const struct mw_msubj *o = &s->subj[i];

			if (!keep[i] || !o->tun_frames)
				continue;
			mw_sbuf_printf(b, "%s{device=\"", name);
			mw_sbuf_label(b, o->name);
			mw_sbuf_printf(b, "\",kind=\"%s\"", mw_kind_name(o->kind));
			if (peer) {
				mw_sbuf_printf(b, ",peer=\"");
				mw_sbuf_label(b, o->tun_peer);
				mw_sbuf_printf(b, "\",direction=\"%s\"} 1\n", mw_dir_name(o->tun_dir));
			} else {
				mw_sbuf_printf(b, "} %llu\n", (unsigned long long)o->tun_frames);
			}
		}
	}
}

/*
 * Flows per subject: only subjects with flows in the table. Gauges: they
 * sum the flows in the table now, and the daemon's exporter takes idle
 * flows out, so they fall as well as rise.
 */
#define FLOW_SERIES		6	/* flows, remotes, packets x 2, bytes x 2 */
#define FLOW_TABLE_SERIES	5	/* entries, max, full, missed packets and bytes */

static void flow_device(struct mw_sbuf *b, const char *name, const struct mw_msubj *o)
{
	mw_sbuf_printf(b, "%s{device=\"", name);
	mw_sbuf_label(b, o->name);
	mw_sbuf_printf(b, "\"");
}

/* Rows of modwall_flow_country_bytes: one per country and direction with bytes. */
static uint64_t country_rows(const struct mw_msubj *o)
{
	uint64_t n = 0;
	uint32_t c;

	for (c = 0; c < o->ncc; c++)
		n += (o->cc[c].bytes[0] != 0) + (o->cc[c].bytes[1] != 0);
	return n;
}

static void flow_families(struct mw_sbuf *b, const struct mw_msnap *s, const uint8_t *keep,
			  const uint8_t *ckeep, const uint32_t *rkeep)
{
	static const char *const dirs[2] = { "out", "in" };
	size_t i;
	uint32_t t;
	int f, d;

	for (f = 0; f < 2; f++) {
		const char *name = f ? "modwall_flow_remotes" : "modwall_flows";

		family(b, name, "gauge", f ?
		       "Distinct remote addresses among the flows of a device or class in the "
		       "flow table now (non-IP flows: one per EtherType)." :
		       "Flows of a device or class (all its members) in the flow table now.");
		for (i = 0; i < s->nsubj; i++) {
			const struct mw_msubj *o = &s->subj[i];

			if (!keep[i] || !o->flows)
				continue;
			flow_device(b, name, o);
			mw_sbuf_printf(b, "} %u\n", f ? o->remotes : o->flows);
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
		for (i = 0; i < s->nsubj; i++) {
			const struct mw_msubj *o = &s->subj[i];

			if (!keep[i] || !o->flows)
				continue;
			for (d = 0; d < 2; d++) {
				flow_device(b, name, o);
				mw_sbuf_printf(b, ",direction=\"%s\"} %llu\n", dirs[d],
					       (unsigned long long)(f ? o->flow_bytes[d] :
								    o->flow_packets[d]));
			}
		}
	}
	family(b, "modwall_flow_country_bytes", "gauge",
	       "Bytes of the flows of a device or class in the flow table now, by the country "
	       "of the remote address (\"\": not in the country database, or not IP) and "
	       "direction; only rows with bytes. A sum over the flows in the table: it falls "
	       "when idle flows are taken out (exported).");
	for (i = 0; i < s->nsubj; i++) {
		const struct mw_msubj *o = &s->subj[i];

		for (t = 0; keep[i] && ckeep[i] && t < o->ncc; t++)
			for (d = 0; d < 2; d++) {
				if (!o->cc[t].bytes[d])
					continue;
				flow_device(b, "modwall_flow_country_bytes", o);
				mw_sbuf_printf(b, ",country=\"");
				mw_sbuf_label(b, o->cc[t].cc);
				mw_sbuf_printf(b, "\",direction=\"%s\"} %llu\n", dirs[d],
					       (unsigned long long)o->cc[t].bytes[d]);
			}
	}
	family(b, "modwall_flow_remote_bytes", "gauge",
	       "Bytes exchanged with one of the busiest remote addresses of a device or class "
	       "(--flow-top), by direction, summed over its flows in the table now; name: the "
	       "DNS name the address was learned as, \"\" when none.");
	for (i = 0; i < s->nsubj; i++) {
		const struct mw_msubj *o = &s->subj[i];

		for (t = 0; keep[i] && t < rkeep[i]; t++)
			for (d = 0; d < 2; d++) {
				flow_device(b, "modwall_flow_remote_bytes", o);
				mw_sbuf_printf(b, ",remote=\"");
				mw_sbuf_label(b, o->top[t].addr);
				mw_sbuf_printf(b, "\",name=\"");
				mw_sbuf_label(b, o->top[t].name ? o->top[t].name : "");
				mw_sbuf_printf(b, "\",direction=\"%s\"} %llu\n", dirs[d],
					       (unsigned long long)o->top[t].bytes[d]);
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
	uint8_t *keep = NULL, *dkeep = NULL, *ckeep = NULL;
	uint32_t *rkeep = NULL, top, pos;
	uint64_t fixed, budget, dropped = 0, used;
	struct rank *rk = NULL;
	size_t *order = NULL;
	struct timespec t1;
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

	keep = calloc(s->nsubj ? s->nsubj : 1, 1);
	dkeep = calloc(s->ndisc ? s->ndisc : 1, 1);
	ckeep = calloc(s->nsubj ? s->nsubj : 1, 1);
	rkeep = calloc(s->nsubj ? s->nsubj : 1, sizeof(*rkeep));
	order = calloc(s->nsubj ? s->nsubj : 1, sizeof(*order));
	rk = calloc((s->nsubj > s->ndisc ? s->nsubj : s->ndisc) + 1, sizeof(*rk));
	if (!keep || !dkeep || !ckeep || !rkeep || !order || !rk) {
		free(keep);
		free(dkeep);
		free(ckeep);
		free(rkeep);
		free(order);
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
		const struct mw_msubj *o = &s->subj[rk[i].idx];
		uint64_t cost = SUBJ_SERIES + (o->tun_frames ? TUN_SERIES : 0) +
				(o->flows ? FLOW_SERIES : 0);

		order[i] = rk[i].idx;
		if (used + cost <= budget) {
			keep[rk[i].idx] = 1;
			used += cost;
		} else {
			dropped += cost;
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
	/* country rows: a shown subject's all or none, busiest subjects first */
	for (i = 0; i < s->nsubj; i++) {
		size_t x = order[i];
		uint64_t cost = country_rows(&s->subj[x]);

		if (!keep[x] || !cost)
			continue;
		if (used + cost <= budget) {
			ckeep[x] = 1;
			used += cost;
		} else {
			dropped += cost;
		}
	}
	/* remote rows: every shown subject's busiest remote, then every second one, ... */
	top = st->flow_top < MW_METRICS_FLOW_TOP_MAX ? st->flow_top : MW_METRICS_FLOW_TOP_MAX;
	for (pos = 0; pos < top; pos++)
		for (i = 0; i < s->nsubj; i++) {
			size_t x = order[i];

			if (!keep[x] || pos >= s->subj[x].ntop)
				continue;
			if (used + 2 <= budget) {
				rkeep[x] = pos + 1;
				used += 2;
			} else {
				dropped += 2;
			}
		}
	free(rk);
	free(order);
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
		tunnel_families(b, s, keep);
		flow_families(b, s, keep, ckeep, rkeep);
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
		flow_table_families(b, s);
	}
	free(keep);
	free(dkeep);
	free(ckeep);
	free(rkeep);

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
