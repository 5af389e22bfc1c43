// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* events: sampled drop events from the mw_events ring buffer (see ring.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "cli.h"
#include "netns.h"
#include "remote_info.h"
#include "ring.h"
#include "values.h"

struct events_args {
	long count;
	int stats, backlog, set_rate;
	uint64_t rate, burst;
};

enum { EV_COUNT, EV_RATE, EV_STATS, EV_BACKLOG };

static const struct mw_opt events_opts[] = {
	{ EV_COUNT, "count", 'c', "N", "stop after N events" },
	{ EV_RATE, "rate", 'r', "N[/BURST]", "set the event cap first: N/s (0: off), burst "
	  "(default N/2)" },
	{ EV_STATS, "stats", 's', NULL, "print the counters (emitted, suppressed, ring full) and "
	  "exit" },
	{ EV_BACKLOG, "backlog", 'b', NULL, "also show events queued in the ring before this "
	  "reader started" },
	{ 0, NULL, 0, NULL, NULL },
};

static int events_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct events_args *a = ctx;

	switch (opt->id) {
	case EV_COUNT:
		return mw_val_count(opt, arg, &a->count);
	case EV_RATE:
		if (mw_val_rate(opt, arg, &a->rate, &a->burst))
			return -1;
		a->set_rate = 1;
		break;
	case EV_STATS:
		a->stats = 1;
		break;
	case EV_BACKLOG:
		a->backlog = 1;
		break;
	}
	return 0;
}

/* Names and countries of the events' remote ends. */
struct remotes {
	struct mw_remote_info *ri;
	uint64_t names_mono;	/* when the learned names were read */
};

#define NAMES_RETRY_NS	1000000000ull	/* a remote without a name: read again after 1 s */
#define NAMES_MAX_AGE_NS	30000000000ull	/* and every 30 s: names change */

/* The remote address of @f (dropped on @e's interface), or NULL. */
static const uint8_t *event_remote(struct reader *r, const struct mw_event *e,
				   const struct mw_frame *f, int *family)
{
	struct mw_ifnames *t = &r->ifc.t;
	int i = mw_ifnames_slot(t, e->ifindex);

	if (i < 0)
		return NULL;
	if (t->role[i] == MW_ROLE_LAN && t->mac_state[i] == MW_IFMAC_UNREAD)
		t->mac_state[i] = mw_iface_hwaddr(t->ifindex[i], t->netns[i], t->mac[i]) ?
				  MW_IFMAC_NONE : MW_IFMAC_OK;
	return mw_frame_remote(f, t->role[i], t->mac_state[i] == MW_IFMAC_OK ? t->mac[i] : NULL,
			       family);
}

static const char *remote_name(struct reader *r, struct remotes *x, int family,
			       const uint8_t *addr)
{
	const char *name = mw_remote_name(x->ri, family, addr);
	uint64_t age = mw_mono_ns() - x->names_mono;

	if ((!name && age >= NAMES_RETRY_NS) || age >= NAMES_MAX_AGE_NS) {
		x->names_mono = mw_mono_ns();
		mw_remote_info_read_names(x->ri, &r->m);
		name = mw_remote_name(x->ri, family, addr);
	}
	return name;
}

static int print_event(struct reader *r, const struct mw_event *e)
{
	struct remotes *x = r->ctx;
	const char *rname = NULL;
	const uint8_t *raddr;
	char cc[3] = "", note[300];
	int rfam = 0;
	size_t cap = e->caplen < MW_EVENT_SNAP ? e->caplen : MW_EVENT_SNAP;
	const char *ifname = ifn_get(&r->ifc, e->ifindex);
	const char *subj = names_get(&r->nm, e->subject);
	char when[40], sum[320], s[18], d[18], a[INET6_ADDRSTRLEN];
	struct mw_frame f;

	mw_decode_frame(e->data, cap, &f);
	mw_frame_summary(&f, sum, sizeof(sum));
	raddr = event_remote(r, e, &f, &rfam);
	if (raddr) {
		rname = remote_name(r, x, rfam, raddr);
		if (mw_remote_country(x->ri, rfam, raddr, cc))
			cc[0] = 0;
	}
	mw_format_iso((uint64_t)((int64_t)e->ts_ns + r->off), 6, when, sizeof(when));
	if (mw_opts.json) {
		struct json_object *o = json_object_new_object(), *vl = json_object_new_array();
		int i;

		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "interface", str_or_null(ifname));
		add_u64(o, "ifindex", e->ifindex);
		json_object_object_add(o, "subject", str_or_null(subj));
		add_u64(o, "subject_id", e->subject);
		json_object_object_add(o, "reason",
				       json_object_new_string(mw_reason_name(e->reason)));
		add_u64(o, "len", e->len);
		add_u64(o, "caplen", cap);
		if (f.l2_ok) {
			mac_str(f.src, s);
			mac_str(f.dst, d);
			json_object_object_add(o, "src_mac", json_object_new_string(s));
			json_object_object_add(o, "dst_mac", json_object_new_string(d));
			for (i = 0; i < f.nvlan; i++)
				json_object_array_add(vl, json_object_new_int(f.vlan[i]));
			json_object_object_add(o, "vlans", vl);
			json_object_object_add(o, "ethertype", json_object_new_int(f.ethertype));
		} else {
			json_object_put(vl);
		}
		if (f.family) {
			json_object_object_add(o, "src", json_object_new_string(
				addr_str(f.family, f.saddr, a, sizeof(a))));
			json_object_object_add(o, "dst", json_object_new_string(
				addr_str(f.family, f.daddr, a, sizeof(a))));
		}
		if (f.ethertype == 0x0806 && f.family)
			json_object_object_add(o, "arp_op", json_object_new_int(f.arp_op));
		else if (f.family)
			json_object_object_add(o, "proto", json_object_new_int(f.proto));
		if (f.has_l4 && (f.proto == 1 || f.proto == 58)) {
			json_object_object_add(o, "icmp_type", json_object_new_int(f.icmp_type));
			json_object_object_add(o, "icmp_code", json_object_new_int(f.icmp_code));
		} else if (f.has_l4) {
			json_object_object_add(o, "sport", json_object_new_int(f.sport));
			json_object_object_add(o, "dport", json_object_new_int(f.dport));
		}
		if (f.frag)
			json_object_object_add(o, "fragment", json_object_new_string(
				f.later_frag ? "later" : "first"));
		json_object_object_add(o, "truncated", json_object_new_boolean(f.truncated));
		json_object_object_add(o, "summary", json_object_new_string(sum));
		json_object_object_add(o, "name", str_or_null(rname));
		json_object_object_add(o, "country", str_or_null(cc[0] ? cc : NULL));
		mw_json_print(o);	/* a stream: one line per event */
	} else {
		char ifx[24], sx[16];

		if (!ifname)
			snprintf(ifx, sizeof(ifx), "ifindex:%u", e->ifindex);
		if (!subj)
			snprintf(sx, sizeof(sx), "#%u", e->subject);
		mw_remote_note(rname, cc, note, sizeof(note));
		printf("%s %s %s %s len %u: %s%s\n", when, ifname ? ifname : ifx, subj ? subj : sx,
		       mw_reason_name(e->reason), e->len, sum, note);
	}
	errno = 0;
	if (fflush(stdout) || ferror(stdout))
		return errno ? -errno : -EIO;
	return 1;
}

static int set_rate(const struct mw_maps *m, const char *cmd, uint64_t rate, uint64_t burst)
{
	int lock = mw_lock(mw_opts.pin_dir), rc;

	if (lock < 0) {
		mw_err("%s: locking %s: %s", cmd, mw_opts.pin_dir, strerror(-lock));
		return -1;
	}
	rc = mw_set_event_rate(m, rate, burst);
	close(lock);
	if (rc) {
		mw_err("%s: setting the event rate: %s", cmd, strerror(-rc));
		return -1;
	}
	return 0;
}

static int print_stats(const struct mw_maps *m)
{
	uint64_t st[MW_EV_NR];
	struct mw_evctl c;
	int rc = mw_read_evstats(m, st);

	if (!rc)
		rc = mw_read_evctl(m, &c);
	if (rc) {
		mw_err("events: reading %s: %s", MW_MAP_EVSTATS, strerror(-rc));
		return MW_EXIT_FAIL;
	}
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "enabled", json_object_new_boolean(c.cost != 0));
		add_u64(j, "rate", c.rate);
		add_u64(j, "burst", c.burst);
		add_u64(j, "emitted", st[MW_EV_EMITTED]);
		add_u64(j, "suppressed", st[MW_EV_SUPPRESSED]);
		add_u64(j, "ring_full", st[MW_EV_RING_FULL]);
		add_u64(j, "total", st[MW_EV_EMITTED] + st[MW_EV_SUPPRESSED] + st[MW_EV_RING_FULL]);
		mw_json_print(j);
	} else {
		if (c.cost)
			printf("drop events: %llu/s, burst %llu\n", (unsigned long long)c.rate,
			       (unsigned long long)c.burst);
		else
			printf("drop events: off\n");
		printf("emitted     %llu\nsuppressed  %llu\nring full   %llu\n",
		       (unsigned long long)st[MW_EV_EMITTED],
		       (unsigned long long)st[MW_EV_SUPPRESSED],
		       (unsigned long long)st[MW_EV_RING_FULL]);
	}
	return MW_EXIT_OK;
}

int cmd_events(int argc, char **argv)
{
	struct events_args a = { 0 };
	struct reader r = { 0 };
	struct remotes x = { 0 };
	uint64_t before[MW_EV_NR] = { 0 }, after[MW_EV_NR] = { 0 };
	int rc = MW_EXIT_FAIL, ix;

	ix = mw_getopt(argc, argv, "events [--count N] [--rate N[/BURST]] [--stats] "
		       "[--backlog]", events_opts, events_opt, &a);
	if (ix == -2)
		printf("%s\nWith --json, one JSON value per line (NDJSON), an error as the last line;\n"
		       "the closing summary goes to standard error.\n", ring_note);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix < argc) {
		mw_err("events: takes no operand ('%s')", argv[ix]);
		return MW_EXIT_USAGE;
	}
	if (reader_open(&r, "events"))
		goto out;
	if (a.set_rate && set_rate(&r.m, "events", a.rate, a.burst))
		goto out;
	if (a.stats) {
		rc = print_stats(&r.m);
		goto out;
	}
	warn_if_off(&r);
	x.ri = mw_remote_info_open(&r.m, mw_opts.geoip_db);
	if (!x.ri) {
		mw_err("events: out of memory");
		goto out;
	}
	x.names_mono = mw_mono_ns();
	mw_json_stream();
	r.fn = print_event;
	r.ctx = &x;
	r.limit = a.count;
	r.backlog = a.backlog;
	mw_read_evstats(&r.m, before);
	if (reader_run(&r))
		goto out;
	mw_read_evstats(&r.m, after);
	if (!mw_opts.quiet)
		fprintf(stderr, "%ld event%s shown%s; since load: emitted %llu, suppressed %llu, "
			"ring full %llu; while reading: emitted %llu, suppressed %llu, "
			"ring full %llu\n",
			r.shown, r.shown == 1 ? "" : "s",
			r.old ? " (older events in the ring skipped: --backlog shows them)" : "",
			(unsigned long long)after[MW_EV_EMITTED],
			(unsigned long long)after[MW_EV_SUPPRESSED],
			(unsigned long long)after[MW_EV_RING_FULL],
			(unsigned long long)(after[MW_EV_EMITTED] - before[MW_EV_EMITTED]),
			(unsigned long long)(after[MW_EV_SUPPRESSED] - before[MW_EV_SUPPRESSED]),
			(unsigned long long)(after[MW_EV_RING_FULL] - before[MW_EV_RING_FULL]));
	/* a closed pipe (`modwall events | head`) is a normal end */
	if (r.out_err && r.out_err != EPIPE)
		mw_err("events: writing: %s", strerror(r.out_err));
	rc = r.out_err && r.out_err != EPIPE ? MW_EXIT_FAIL : MW_EXIT_OK;
out:
	mw_remote_info_close(x.ri);
	reader_close(&r);
	return rc;
}
