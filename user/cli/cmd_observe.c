// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * discovered, events, capture: what the data path observes beyond counters.
 *
 * discovered lists the mw_discovered LRU map (untagged MACs of vendor
 * classes). events and capture read drop events from the mw_events ring
 * buffer. A BPF ring buffer has a single consumer position, so two readers
 * would each get part of the events: a reader holds an exclusive lock
 * (a file under /run/lock named after the ring's map id) and a second one
 * is refused with the first one's pid.
 *
 * Events queued before a reader starts (the ring keeps what nobody read,
 * up to MW_RINGBUF_BYTES, possibly from long ago) are skipped unless
 * --backlog is given: a reader shows drops from its start on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H	/* its struct bpf_insn clashes with the kernel's */
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include "addr.h"
#include "apply.h"
#include "cli.h"
#include "ieee.h"
#include "observe.h"
#include "state.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* No SA_RESTART: a signal ends the ring buffer's epoll_wait with EINTR. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed output is seen as a write error */
}

static int parse_count(const char *cmd, const char *arg, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || *end || !*arg || *out < 1) {
		mw_err("%s: --count '%s': a positive number", cmd, arg);
		return -1;
	}
	return 0;
}

/* Subject names, read again after an apply or when an unknown id shows up. */
struct names {
	const struct mw_maps *m;
	struct mw_subject_info *tab;
	uint64_t seq;
	uint64_t read_mono;
};

static int names_load(struct names *n)
{
	if (!n->tab) {
		n->tab = calloc(n->m->max_subjects, sizeof(*n->tab));
		if (!n->tab)
			return -ENOMEM;
	}
	n->seq = n->m->ctlm->seq;
	n->read_mono = mw_mono_ns();
	return mw_read_subjects(n->m, n->tab);
}

static const char *names_get(struct names *n, uint32_t id)
{
	if (id >= n->m->max_subjects)
		return NULL;
	if (n->seq != n->m->ctlm->seq ||
	    (n->tab[id].kind == MW_KIND_FREE && mw_mono_ns() - n->read_mono > 1000000000ull))
		names_load(n);
	if (n->tab[id].kind == MW_KIND_FREE)
		return NULL;
	return n->tab[id].name;
}

/* Interface names, read again (at most once a second) when an ifindex is unknown. */
struct ifn {
	const struct mw_maps *m;
	struct mw_ifnames t;
	uint64_t read_mono;
};

static const char *ifn_get(struct ifn *c, uint32_t ifindex)
{
	const char *s = mw_ifnames_find(&c->t, ifindex);
	uint64_t now;

	if (s)
		return s;
	now = mw_mono_ns();
	if (now - c->read_mono < 1000000000ull)
		return NULL;
	c->read_mono = now;
	if (mw_ifnames_load(c->m, &c->t))
		return NULL;
	return mw_ifnames_find(&c->t, ifindex);
}

static const char *addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return inet_ntop(family, a, buf, (socklen_t)len);
}

static void mac_str(const uint8_t *b, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* discovered */

enum { SORT_LAST, SORT_PACKETS, SORT_BYTES };

struct disc_args {
	const char *vendor;
	int sort;
};

static const struct mw_opt disc_opts[] = {
	{ "json", 'j', NULL, "print one JSON value" },
	{ "vendor", 'v', "NAME", "only MACs whose IEEE organization matches NAME, as in a policy" },
	{ "sort", 's', "KEY", "last (most recently seen first, the default), packets or bytes" },
	{ NULL, 0, NULL, NULL },
};

static int disc_opt(int idx, const char *arg, void *ctx)
{
	struct disc_args *a = ctx;

	switch (idx) {
	case 0:
		mw_opts.json = 1;
		return 0;
	case 1:
		a->vendor = arg;
		return 0;
	}
	if (!strcmp(arg, "last")) {
		a->sort = SORT_LAST;
	} else if (!strcmp(arg, "packets")) {
		a->sort = SORT_PACKETS;
	} else if (!strcmp(arg, "bytes")) {
		a->sort = SORT_BYTES;
	} else {
		mw_err("discovered: --sort: what is '%s'? (expected last, packets or bytes)", arg);
		return -1;
	}
	return 0;
}

static int sort_key;

static int cmp_disc(const void *pa, const void *pb)
{
	const struct mw_disc_entry *a = pa, *b = pb;
	uint64_t x, y;

	switch (sort_key) {
	case SORT_PACKETS:
		x = a->v.packets;
		y = b->v.packets;
		break;
	case SORT_BYTES:
		x = a->v.bytes;
		y = b->v.bytes;
		break;
	default:
		x = a->v.last_ns;
		y = b->v.last_ns;
	}
	if (x != y)
		return x > y ? -1 : 1;
	return a->mac < b->mac ? -1 : a->mac > b->mac;
}

static int cmp_ptr(const void *a, const void *b)
{
	const void *x = *(const void *const *)a, *y = *(const void *const *)b;

	return x < y ? -1 : x > y;
}

/* Display row of one discovered MAC. */
struct disc_row {
	char mac[18], first[32], last[32], ip[INET6_ADDRSTRLEN];
	const char *vendor, *class, *ifname;
};

int cmd_discovered(int argc, char **argv)
{
	struct disc_args a = { .sort = SORT_LAST };
	const struct mw_ieee_entry **match = NULL;
	struct mw_disc_entry *v = NULL;
	struct ifn ifc = { 0 };
	struct names nm = { 0 };
	struct mw_ieee db = { 0 };
	struct disc_row *rows = NULL;
	struct mw_maps m;
	char err[1024];
	int have_db, rc = MW_EXIT_FAIL, ix;
	size_t i, n = 0, nmatch = 0, nclass = 0, wv = 6, wc = 5, wi = 7;
	ssize_t got;
	int64_t off;
	uint8_t *seen = NULL;

	ix = mw_getopt(argc, argv, "discovered [--json] [--vendor NAME] [--sort KEY]", disc_opts,
		       disc_opt, &a);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix < argc) {
		mw_err("discovered: takes no operand ('%s')", argv[ix]);
		return MW_EXIT_USAGE;
	}
	have_db = mw_ieee_load(&db, mw_opts.ieee_dir, err, sizeof(err)) == 0;
	if (!have_db && a.vendor) {
		mw_err("discovered: --vendor needs the IEEE registry: %s", err);
		return MW_EXIT_FAIL;
	}
	if (!have_db)
		mw_warn("discovered: no vendor names: %s", err);
	if (a.vendor) {
		size_t norgs;
		ssize_t k = mw_ieee_find_vendor(&db, a.vendor, &match, &norgs);

		if (k <= 0) {
			mw_err("discovered: --vendor '%s' %s", a.vendor,
			       k < 0 && errno == EINVAL ? "has no letter or digit"
			       : k < 0 ? strerror(errno) : "matches no IEEE assignment");
			rc = k < 0 && errno != EINVAL ? MW_EXIT_FAIL : MW_EXIT_USAGE;
			mw_ieee_free(&db);
			return rc;
		}
		nmatch = (size_t)k;
		qsort(match, nmatch, sizeof(*match), cmp_ptr);
	}
	if (mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("discovered: %s", err);
		goto out_db;
	}
	nm.m = ifc.m = &m;
	if (names_load(&nm)) {
		mw_err("discovered: reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		goto out;
	}
	mw_ifnames_load(&m, &ifc.t);
	ifc.read_mono = mw_mono_ns();
	got = mw_read_discovered(&m, &v);
	if (got < 0) {
		mw_err("discovered: reading %s: %s", MW_MAP_DISCOVERED, strerror((int)-got));
		goto out;
	}
	off = mw_clock_offset();
	rows = calloc((size_t)got + 1, sizeof(*rows));
	seen = calloc(m.max_subjects, 1);
	if (!rows || !seen) {
		mw_err("discovered: out of memory");
		goto out;
	}
	for (i = 0; i < (size_t)got; i++) {
		const struct mw_ieee_entry *e = have_db ? mw_ieee_lookup(&db, v[i].mac) : NULL;

		if (a.vendor && (!e || !bsearch(&e, match, nmatch, sizeof(*match), cmp_ptr)))
			continue;
		v[n++] = v[i];
	}
	sort_key = a.sort;
	qsort(v, n, sizeof(*v), cmp_disc);
	for (i = 0; i < n; i++) {
		const struct mw_disc_val *d = &v[i].v;
		const struct mw_ieee_entry *e = have_db ? mw_ieee_lookup(&db, v[i].mac) : NULL;
		struct disc_row *r = &rows[i];

		mw_format_mac(v[i].mac, r->mac);
		r->vendor = e ? e->org : NULL;
		r->class = names_get(&nm, d->subject);
		if (d->subject < m.max_subjects && !seen[d->subject]) {
			seen[d->subject] = 1;
			nclass++;
		}
		mw_format_iso(d->first_ns + (uint64_t)off, 3, r->first, sizeof(r->first));
		mw_format_iso(d->last_ns + (uint64_t)off, 3, r->last, sizeof(r->last));
		if (!addr_str(d->family, d->addr, r->ip, sizeof(r->ip)))
			strcpy(r->ip, "-");
		r->ifname = ifn_get(&ifc, d->ifindex);
		if (r->vendor && strlen(r->vendor) > wv)
			wv = strlen(r->vendor);
		if (r->class && strlen(r->class) > wc)
			wc = strlen(r->class);
		if (strlen(r->ip) > wi)
			wi = strlen(r->ip);
	}
	if (wv > 36)
		wv = 36;

	if (mw_opts.json) {
		struct json_object *j = json_object_new_object(), *arr = json_object_new_array();

		for (i = 0; i < n; i++) {
			const struct mw_disc_val *d = &v[i].v;
			struct disc_row *r = &rows[i];
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "mac", json_object_new_string(r->mac));
			json_object_object_add(o, "vendor", str_or_null(r->vendor));
			json_object_object_add(o, "class", str_or_null(r->class));
			add_u64(o, "class_id", d->subject);
			json_object_object_add(o, "first_seen", json_object_new_string(r->first));
			json_object_object_add(o, "last_seen", json_object_new_string(r->last));
			add_u64(o, "packets", d->packets);
			add_u64(o, "bytes", d->bytes);
			json_object_object_add(o, "last_ip", str_or_null(
				strcmp(r->ip, "-") ? r->ip : NULL));
			json_object_object_add(o, "interface", str_or_null(r->ifname));
			add_u64(o, "ifindex", d->ifindex);
			json_object_array_add(arr, o);
		}
		json_object_object_add(j, "devices", arr);
		add_u64(j, "count", n);
		add_u64(j, "classes", nclass);
		json_object_object_add(j, "max_entries", json_object_new_int(MW_DISCOVERED_MAX));
		mw_json_print(j);
	} else {
		printf("%-17s  ", "MAC");
		if (have_db)
			printf("%-*s  ", (int)wv, "VENDOR");
		printf("%-*s  %-24s  %-24s  %10s  %12s  %-*s  %s\n", (int)wc, "CLASS", "FIRST SEEN",
		       "LAST SEEN", "PACKETS", "BYTES", (int)wi, "LAST IP", "INTERFACE");
		for (i = 0; i < n; i++) {
			const struct mw_disc_val *d = &v[i].v;
			struct disc_row *r = &rows[i];
			char cls[24], ifx[24];

			printf("%-17s  ", r->mac);
			if (have_db)
				printf("%-*.*s  ", (int)wv, (int)wv, r->vendor ? r->vendor : "-");
			if (!r->class)
				snprintf(cls, sizeof(cls), "#%u", d->subject);
			if (!r->ifname)
				snprintf(ifx, sizeof(ifx), "ifindex %u", d->ifindex);
			printf("%-*s  %-24s  %-24s  %10llu  %12llu  %-*s  %s\n", (int)wc,
			       r->class ? r->class : cls, r->first, r->last,
			       (unsigned long long)d->packets, (unsigned long long)d->bytes,
			       (int)wi, r->ip, r->ifname ? r->ifname : ifx);
		}
		printf("%zu device%s in %zu class%s\n", n, n == 1 ? "" : "s", nclass,
		       nclass == 1 ? "" : "es");
	}
	rc = MW_EXIT_OK;
out:
	free(rows);
	free(seen);
	free(v);
	free(nm.tab);
	mw_maps_close(&m);
out_db:
	free(match);
	if (have_db)
		mw_ieee_free(&db);
	return rc;
}

/* Ring buffer reader shared by events and capture. */

struct reader {
	const char *cmd;
	struct mw_maps m;
	struct names nm;
	struct ifn ifc;
	int64_t off;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t start_mono;	/* events stamped before this are backlog */
	int backlog;		/* show the backlog too */
	long limit;		/* stop after this many (0: no limit) */
	long shown, old, filtered, runt;
	int out_err;		/* errno of a failed write; EPIPE: the reader went away */
	/* 1: the event was shown, 0: filtered out, -errno: output failed */
	int (*fn)(struct reader *r, const struct mw_event *e);
	void *ctx;
	int lock_fd;
	char lock_path[64];
};

static int ring_cb(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	const struct mw_event *e = data;
	int rc;

	if (size < sizeof(*e)) {
		r->runt++;
		return 0;
	}
	if (!r->backlog && e->ts_ns < r->start_mono) {
		r->old++;
		return 0;
	}
	rc = r->fn(r, e);
	if (rc < 0) {
		r->out_err = -rc;
		return -EIO;
	}
	if (!rc)
		r->filtered++;
	r->shown += rc;
	/* the record that returns this is consumed; the rest stay for the next reader */
	if (r->limit && r->shown >= r->limit)
		return -ECANCELED;
	return 0;
}

/*
 * One reader per ring. The lock file is named after the map id, unique
 * while the map lives; it is removed while still locked, and a reader that
 * locked a file somebody removed meanwhile tries again.
 */
static int ring_lock(struct reader *r)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	const char *dir = access("/run/lock", W_OK) == 0 ? "/run/lock" : "/run";
	int tries;

	r->lock_fd = -1;
	if (bpf_obj_get_info_by_fd(r->m.events, &info, &len))
		return 0;
	snprintf(r->lock_path, sizeof(r->lock_path), "%s/modwall-events-%u.lock", dir, info.id);
	for (tries = 0; tries < 10; tries++) {
		struct stat a, b;
		char pid[32] = "";
		ssize_t n;
		int fd = open(r->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			return 0;	/* no place for a lock: read unguarded */
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			char who[48] = "";

			n = read(fd, pid, sizeof(pid) - 1);
			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			if (*pid)
				snprintf(who, sizeof(who), " (pid %s)", pid);
			close(fd);
			mw_err("%s: another reader%s holds the event ring buffer; each event goes "
			       "to one reader only, so stop that one first", r->cmd, who);
			return -1;
		}
		if (fstat(fd, &a) == 0 && stat(r->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			if (ftruncate(fd, 0) == 0)
				dprintf(fd, "%d\n", (int)getpid());
			r->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	return 0;
}

static void ring_unlock(struct reader *r)
{
	if (r->lock_fd < 0)
		return;
	unlink(r->lock_path);
	close(r->lock_fd);
	r->lock_fd = -1;
}

static int reader_open(struct reader *r, const char *cmd)
{
	char err[1024];

	r->cmd = cmd;
	r->lock_fd = -1;
	if (mw_maps_open(&r->m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("%s: %s", cmd, err);
		return -1;
	}
	r->nm.m = r->ifc.m = &r->m;
	if (names_load(&r->nm)) {
		mw_err("%s: reading %s: %s", cmd, MW_MAP_SUBJECTS, strerror(errno));
		return -1;
	}
	mw_ifnames_load(&r->m, &r->ifc.t);
	r->ifc.read_mono = mw_mono_ns();
	return 0;
}

static void reader_close(struct reader *r)
{
	ring_unlock(r);
	free(r->nm.tab);
	r->nm.tab = NULL;
	mw_maps_close(&r->m);
}

static int reader_run(struct reader *r)
{
	struct ring_buffer *rb;
	int err = 0;

	if (ring_lock(r))
		return -1;
	catch_signals();
	rb = ring_buffer__new(r->m.events, ring_cb, r, NULL);
	if (!rb) {
		mw_err("%s: opening %s: %s", r->cmd, MW_MAP_EVENTS, strerror(errno));
		return -1;
	}
	r->off = mw_clock_offset();
	r->start_mono = mw_mono_ns();
	while (!stop) {
		err = ring_buffer__poll(rb, 200);
		if (err == -ECANCELED || (err == -EIO && r->out_err)) {
			err = 0;
			break;
		}
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
	}
	ring_buffer__free(rb);
	if (err) {
		mw_err("%s: reading %s: %s", r->cmd, MW_MAP_EVENTS, strerror(-err));
		return -1;
	}
	return 0;
}

static void warn_if_off(const struct reader *r)
{
	struct mw_evctl c;

	if (mw_read_evctl(&r->m, &c) == 0 && !c.cost)
		mw_warn("%s: drop events are off: nothing will arrive ('modwall events --rate N' "
			"or 'modwall load IFACE --event-rate N' turns them on)", r->cmd);
}

/* events */

struct events_args {
	long count;
	int stats, backlog, set_rate;
	uint64_t rate, burst;
};

static const struct mw_opt events_opts[] = {
	{ "json", 'j', NULL, "one JSON object per line (NDJSON); the summary goes to stderr" },
	{ "count", 'c', "N", "stop after N events" },
	{ "rate", 'r', "N[/BURST]", "set the event cap first: N/s (0: off), burst (default N/2)" },
	{ "stats", 's', NULL, "print the counters (emitted, suppressed, ring full) and exit" },
	{ "backlog", 'b', NULL, "also show events queued in the ring before this reader started" },
	{ NULL, 0, NULL, NULL },
};

static const char ring_note[] =
	"\nDrop events are rate capped in the kernel (load --event-rate, events --rate);\n"
	"every drop while events are on is counted once as emitted, suppressed (over\n"
	"the cap) or ring full (the ring buffer had no room: nobody read it).\n"
	"'events' and 'capture' read the same ring buffer and each event reaches one\n"
	"reader only, so one of them runs at a time (a second one is refused).\n"
	"Times are wall clock (UTC): the kernel's CLOCK_MONOTONIC stamps plus the\n"
	"offset between CLOCK_REALTIME and CLOCK_MONOTONIC taken at start.\n";

static int events_opt(int idx, const char *arg, void *ctx)
{
	struct events_args *a = ctx;

	switch (idx) {
	case 0:
		mw_opts.json = 1;
		return 0;
	case 1:
		return parse_count("events", arg, &a->count);
	case 2:
		if (mw_parse_event_rate(arg, &a->rate, &a->burst)) {
			mw_err("events: --rate '%s': N or N/BURST, N from 0 to 10000000", arg);
			return -1;
		}
		a->set_rate = 1;
		return 0;
	case 3:
		a->stats = 1;
		return 0;
	}
	a->backlog = 1;
	return 0;
}

static int print_event(struct reader *r, const struct mw_event *e)
{
	size_t cap = e->caplen < MW_EVENT_SNAP ? e->caplen : MW_EVENT_SNAP;
	const char *ifname = ifn_get(&r->ifc, e->ifindex);
	const char *subj = names_get(&r->nm, e->subject);
	char when[40], sum[320], s[18], d[18], a[INET6_ADDRSTRLEN];
	struct mw_frame f;

	mw_decode_frame(e->data, cap, &f);
	mw_frame_summary(&f, sum, sizeof(sum));
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
		/* NDJSON: one line per event, whatever --pretty says */
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		char ifx[24], sx[16];

		if (!ifname)
			snprintf(ifx, sizeof(ifx), "ifindex:%u", e->ifindex);
		if (!subj)
			snprintf(sx, sizeof(sx), "#%u", e->subject);
		printf("%s %s %s %s len %u: %s\n", when, ifname ? ifname : ifx, subj ? subj : sx,
		       mw_reason_name(e->reason), e->len, sum);
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
	uint64_t before[MW_EV_NR] = { 0 }, after[MW_EV_NR] = { 0 };
	int rc = MW_EXIT_FAIL, ix;

	ix = mw_getopt(argc, argv, "events [--json] [--count N] [--rate N[/BURST]] [--stats] "
		       "[--backlog]", events_opts, events_opt, &a);
	if (ix == -2)
		printf("%s", ring_note);
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
	r.fn = print_event;
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
	reader_close(&r);
	return rc;
}

/* capture */

struct capture_args {
	const char *file;
	const char *device;
	long count;
	int snaplen, backlog;
};

struct capture_ctx {
	pcap_dumper_t *d;
	const char *device;
	unsigned snaplen;
};

static const struct mw_opt capture_opts[] = {
	{ "write", 'w', "FILE", "pcap file to write ('-': standard output)" },
	{ "count", 'c', "N", "stop after N frames" },
	{ "device", 'd', "NAME", "only frames of this device or class" },
	{ "snaplen", 's', "N", "bytes kept of each frame (events carry at most " "128" ")" },
	{ "backlog", 'b', NULL, "also write frames queued in the ring before the capture started" },
	{ "json", 'j', NULL, "print the closing summary as JSON" },
	{ NULL, 0, NULL, NULL },
};

static int capture_opt(int idx, const char *arg, void *ctx)
{
	struct capture_args *a = ctx;
	char *end;
	long v;

	switch (idx) {
	case 0:
		a->file = arg;
		return 0;
	case 1:
		return parse_count("capture", arg, &a->count);
	case 2:
		a->device = arg;
		return 0;
	case 3:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || !*arg || v < 1 || v > 65535) {
			mw_err("capture: --snaplen '%s': a number from 1 to 65535", arg);
			return -1;
		}
		a->snaplen = (int)v;
		return 0;
	case 4:
		a->backlog = 1;
		return 0;
	}
	mw_opts.json = 1;
	return 0;
}

static int dump_event(struct reader *r, const struct mw_event *e)
{
	struct capture_ctx *c = r->ctx;
	uint64_t t = (uint64_t)((int64_t)e->ts_ns + r->off);
	struct pcap_pkthdr h;
	unsigned cap = e->caplen < MW_EVENT_SNAP ? e->caplen : MW_EVENT_SNAP;

	if (c->device) {
		const char *name = names_get(&r->nm, e->subject);

		if (!name || strcmp(name, c->device))
			return 0;
	}
	if (cap > c->snaplen)
		cap = c->snaplen;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(t % 1000000000ull / 1000);
	h.caplen = cap;
	h.len = e->len > cap ? e->len : cap;
	pcap_dump((u_char *)c->d, &h, e->data);
	errno = 0;
	if (pcap_dump_flush(c->d))
		return errno ? -errno : -EIO;
	return 1;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_args a = { .snaplen = MW_EVENT_SNAP };
	struct capture_ctx c = { 0 };
	struct reader r = { 0 };
	pcap_t *pd = NULL;
	int rc = MW_EXIT_FAIL, ix, to_stdout;
	uint32_t i;

	ix = mw_getopt(argc, argv, "capture -w FILE [--count N] [--device NAME] [--snaplen N] "
		       "[--backlog] [--json]", capture_opts, capture_opt, &a);
	if (ix == -2)
		printf("%s", ring_note);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix < argc) {
		mw_err("capture: takes no operand ('%s'); the file goes with -w", argv[ix]);
		return MW_EXIT_USAGE;
	}
	if (!a.file) {
		mw_err("capture: where to? (-w FILE, or -w - for standard output)");
		return MW_EXIT_USAGE;
	}
	to_stdout = !strcmp(a.file, "-");
	if (reader_open(&r, "capture"))
		goto out;
	if (a.device) {
		for (i = 0; i < r.m.max_subjects; i++)
			if (r.nm.tab[i].kind != MW_KIND_FREE && !strcmp(r.nm.tab[i].name, a.device))
				break;
		if (i == r.m.max_subjects) {
			mw_err("capture: no device or class named '%s' in the live policy",
			       a.device);
			rc = MW_EXIT_USAGE;
			goto out;
		}
	}
	pd = pcap_open_dead(DLT_EN10MB, a.snaplen);
	if (!pd) {
		mw_err("capture: pcap_open_dead failed");
		goto out;
	}
	c.d = pcap_dump_open(pd, a.file);
	if (!c.d) {
		mw_err("capture: %s", pcap_geterr(pd));
		goto out;
	}
	c.device = a.device;
	c.snaplen = (unsigned)a.snaplen;
	warn_if_off(&r);
	r.fn = dump_event;
	r.ctx = &c;
	r.limit = a.count;
	r.backlog = a.backlog;
	if (reader_run(&r))
		goto out;
	errno = 0;
	if (!r.out_err && pcap_dump_flush(c.d))
		r.out_err = errno ? errno : EIO;
	if (r.out_err && !(to_stdout && r.out_err == EPIPE)) {
		mw_err("capture: writing %s: %s", to_stdout ? "standard output" : a.file,
		       strerror(r.out_err));
		goto out;
	}
	if (mw_opts.json && !to_stdout) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(a.file));
		add_u64(j, "frames", r.shown);
		add_u64(j, "filtered", r.filtered);
		add_u64(j, "skipped_backlog", r.old);
		mw_json_print(j);
	} else if (!mw_opts.quiet || !to_stdout) {
		fprintf(to_stdout ? stderr : stdout, "%ld frame%s written to %s%s\n", r.shown,
			r.shown == 1 ? "" : "s", to_stdout ? "standard output" : a.file,
			r.filtered ? " (frames of other subjects left out)" : "");
	}
	rc = MW_EXIT_OK;
out:
	if (c.d)
		pcap_dump_close(c.d);
	if (pd)
		pcap_close(pd);
	reader_close(&r);
	return rc;
}
