// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The flow harvester: mw_flows -> IPFIX records, in a thread of its own (flowexport.h). */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <bpf/bpf.h>
#include "flowexport.h"
#include "flows.h"
#include "ident.h"
#include "maps.h"
#include "observe.h"

#define TICK_NS		1000000000ull	/* one reading of the table a second */
#define ADDRS_MAX_AGE	(10 * TICK_NS)	/* device addresses read again after this */

/* What was exported of one flow. */
struct fstate {
	struct mw_flow_key k;
	uint64_t first_ns;		/* the flow's first frame: a new incarnation differs */
	uint64_t packets[2], bytes[2];	/* exported so far */
	uint64_t from_ns;		/* start of the next record */
	uint64_t due_ns;		/* next active-timeout export */
};

/* A tagged device's exact address of one family. */
struct devaddr {
	uint32_t subject;
	uint8_t family;
	uint8_t ambiguous;		/* more than one: none is reported */
	uint8_t addr[16];
};

struct mw_flowexp {
	struct mw_flowexp_cfg cfg;
	struct mw_ipfix *ipfix;
	pthread_t thread;
	pthread_mutex_t mu;		/* guards stop and pub */
	pthread_cond_t cv;
	int stop;
	struct mw_flowexp_stats pub;	/* copy for readers */

	/* the thread's own */
	struct mw_flowexp_stats st;
	struct fstate *state;		/* sorted by key */
	size_t nstate;
	uint64_t next_tmpl_ns;
	int maps_ok;			/* -1 before the first reading */
	char last_err[256];
	/* per reading */
	struct mw_maps m;
	int64_t off;			/* realtime - monotonic */
	struct mw_subject_info *names;	/* read when a record needs one */
	int names_tried;
	struct devaddr *addrs;		/* sorted by subject, family */
	size_t naddrs;
	uint64_t addrs_ns;		/* when read; 0: never */
};

static void flog(struct mw_flowexp *fx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void flog(struct mw_flowexp *fx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!fx->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fx->cfg.log(fx->cfg.log_ctx, msg);
}

/* Log exporter errors when they change, not at every message. */
static void note_ipfix_error(struct mw_flowexp *fx)
{
	const char *e = mw_ipfix_error(fx->ipfix);

	if (*e && strcmp(e, fx->last_err)) {
		flog(fx, "ipfix: %s", e);
		snprintf(fx->last_err, sizeof(fx->last_err), "%s", e);
	}
}

/* ---- the device side of a record ---- */

static int cmp_devaddr(const void *a, const void *b)
{
	const struct devaddr *x = a, *y = b;

	if (x->subject != y->subject)
		return x->subject < y->subject ? -1 : 1;
	return (int)x->family - (int)y->family;
}

struct addr_scan {
	struct devaddr *v;
	size_t n, cap;
	uint32_t gen;
	int family;
};

static int addr_one(const void *key, const void *val, void *ctx)
{
	const struct mw_subject *s = val;
	struct addr_scan *c = ctx;
	struct devaddr *d;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct devaddr *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	d = &c->v[c->n];
	memset(d, 0, sizeof(*d));
	if (c->family == AF_INET) {
		uint64_t k;
		uint32_t a;

		memcpy(&k, key, sizeof(k));
		if ((k >> 32) != c->gen)
			return 0;
		a = (uint32_t)k;	/* the address as the data path keys it: network order */
		memcpy(d->addr, &a, 4);
	} else {
		const struct mw_ip6_key *k = key;

		if (k->gen != c->gen)
			return 0;
		memcpy(d->addr, k->addr, 16);
	}
	d->subject = s->id;
	d->family = (uint8_t)c->family;
	c->n++;
	return 0;
}

/* Exact addresses of the live generation, one per device and family. */
static void read_addrs(struct mw_flowexp *fx, uint64_t now)
{
	struct addr_scan c = { .gen = fx->m.ctlm->gen & 1 };
	size_t i, w;

	free(fx->addrs);
	fx->addrs = NULL;
	fx->naddrs = 0;
	fx->addrs_ns = now;
	c.family = AF_INET;
	if (mw_ip4_scan(&fx->m, c.gen, addr_one, &c))
		goto fail;
	c.family = AF_INET6;
	if (mw_map_scan(fx->m.ip6, sizeof(struct mw_ip6_key), sizeof(struct mw_subject), addr_one,
			&c))
		goto fail;
	qsort(c.v, c.n, sizeof(*c.v), cmp_devaddr);
	for (i = w = 0; i < c.n; i++) {
		if (w && !cmp_devaddr(&c.v[w - 1], &c.v[i])) {
			c.v[w - 1].ambiguous = 1;
			continue;
		}
		c.v[w++] = c.v[i];
	}
	fx->addrs = c.v;
	fx->naddrs = w;
	return;
fail:
	free(c.v);
}

/* The device's address for flow @k into @out (zero when unknown). */
static void device_addr(struct mw_flowexp *fx, const struct mw_flow_key *k, uint64_t now,
			uint8_t out[16])
{
	memset(out, 0, 16);
	if (k->member) {
		struct mw_disc_val dv;
		__u64 mac = k->member;

		if (!mw_disc_lookup(&fx->m, mac, &dv) && dv.family == k->family)
			memcpy(out, dv.addr, k->family == AF_INET ? 4 : 16);
		return;
	}
	if (!fx->addrs_ns || now - fx->addrs_ns >= ADDRS_MAX_AGE)
		read_addrs(fx, now);
	{
		struct devaddr key = { .subject = k->subject, .family = k->family };
		const struct devaddr *d = bsearch(&key, fx->addrs, fx->naddrs, sizeof(key),
						  cmp_devaddr);

		if (d && !d->ambiguous)
			memcpy(out, d->addr, k->family == AF_INET ? 4 : 16);
	}
}

static const char *subject_name(struct mw_flowexp *fx, uint32_t id)
{
	if (!fx->names && !fx->names_tried) {
		fx->names_tried = 1;
		fx->names = calloc(fx->m.max_subjects, sizeof(*fx->names));
		if (fx->names && mw_read_subjects(&fx->m, fx->names)) {
			free(fx->names);
			fx->names = NULL;
		}
	}
	if (!fx->names || id >= fx->m.max_subjects)
		return "";
	fx->names[id].name[MW_NAME_LEN - 1] = 0;
	return fx->names[id].name;
}

static void mac_bytes(uint64_t mac, uint8_t out[6])
{
	int i;

	for (i = 0; i < 6; i++)
		out[i] = (uint8_t)(mac >> (8 * (5 - i)));
}

/* ---- records ---- */

static uint64_t ms(const struct mw_flowexp *fx, uint64_t mono_ns)
{
	int64_t t = (int64_t)mono_ns + fx->off;

	return t > 0 ? (uint64_t)t / 1000000 : 0;
}

/*
 * Export what @v holds beyond what @s exported (both directions), from
 * s->from_ns to the flow's last frame, then count it as exported.
 */
static void export(struct mw_flowexp *fx, struct fstate *s, const struct mw_flow *v,
		   uint8_t reason, uint64_t now)
{
	const struct mw_flow_key *k = &s->k;
	struct mw_ipfix_rec r;
	uint8_t dev[16], mac[6] = { 0 };
	int dir, have_dev = 0;

	for (dir = 0; dir < 2; dir++) {
		uint64_t p = v->packets[dir] - s->packets[dir];
		uint64_t b = v->bytes[dir] - s->bytes[dir];

		if (!p && !b)
			continue;
		if (!have_dev) {
			device_addr(fx, k, now, dev);
			if (k->member)
				mac_bytes(k->member, mac);
			have_dev = 1;
		}
		memset(&r, 0, sizeof(r));
		r.start_ms = ms(fx, s->from_ns < v->first_ns ? v->first_ns : s->from_ns);
		r.end_ms = ms(fx, v->last_ns);
		if (r.end_ms < r.start_ms)
			r.end_ms = r.start_ms;
		r.octets = b;
		r.packets = p;
		r.name = subject_name(fx, k->subject);
		r.family = k->family;
		r.proto = k->proto;
		r.end_reason = reason;
		if ((k->family == AF_INET && k->proto == IPPROTO_ICMP) ||
		    (k->family == AF_INET6 && k->proto == IPPROTO_ICMPV6))
			r.icmp = (uint16_t)(k->port << 8);
		if (dir == MW_FDIR_OUT) {
			r.direction = MW_IPFIX_DIR_INGRESS;
			memcpy(r.src, dev, 16);
			memcpy(r.dst, k->addr, 16);
			memcpy(r.src_mac, mac, 6);
			if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP)
				r.dport = k->port;
		} else {
			r.direction = MW_IPFIX_DIR_EGRESS;
			memcpy(r.src, k->addr, 16);
			memcpy(r.dst, dev, 16);
			memcpy(r.dst_mac, mac, 6);
			if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP)
				r.sport = k->port;
		}
		mw_ipfix_add(fx->ipfix, &r);
	}
	memcpy(s->packets, v->packets, sizeof(s->packets));
	memcpy(s->bytes, v->bytes, sizeof(s->bytes));
	s->from_ns = v->last_ns;
}

/* Take flow @s out of the table and export its remainder; 0 when it was there. */
static int finish(struct mw_flowexp *fx, struct fstate *s, uint8_t reason, uint64_t now)
{
	struct mw_flow v;

	if (mw_flow_take(&fx->m, &s->k, &v))
		return -1;
	if (v.first_ns != s->first_ns) {	/* taken and made again in between */
		memset(s->packets, 0, sizeof(s->packets));
		memset(s->bytes, 0, sizeof(s->bytes));
		s->from_ns = v.first_ns;
	}
	if (s->k.family == AF_INET || s->k.family == AF_INET6) {
		export(fx, s, &v, reason, now);
		return 0;
	}
	fx->st.skipped++;
	return 1;
}

static int cmp_key(const struct mw_flow_key *a, const struct mw_flow_key *b)
{
	return memcmp(a, b, sizeof(*a));
}

/*
 * One reading: merge the table (sorted by key, as mw_flows_read returns
 * it) with what was exported, expire and export. @stop: take everything.
 */
static void harvest(struct mw_flowexp *fx, int stop)
{
	struct mw_flow_rec *recs = NULL;
	struct fstate *next = NULL;
	uint64_t now = mw_mono_ns();
	uint64_t idle = (uint64_t)(fx->cfg.idle_s * 1e9), active = (uint64_t)(fx->cfg.active_s * 1e9);
	char err[256];
	ssize_t n;
	size_t i, j = 0, w = 0;
	int rc;

	rc = mw_maps_open(&fx->m, fx->cfg.pin_dir, err, sizeof(err));
	if (rc) {
		if (fx->maps_ok != 0)
			flog(fx, "ipfix: pinned maps unavailable: %s", rc == -ENOENT ?
			     "nothing is loaded" : err);
		fx->maps_ok = 0;
		/* unloaded: the flows went with the maps */
		if (rc == -ENOENT) {
			free(fx->state);
			fx->state = NULL;
			fx->nstate = 0;
		}
		return;
	}
	if (fx->maps_ok == 0)
		flog(fx, "ipfix: pinned maps readable again");
	fx->maps_ok = 1;
	fx->off = mw_clock_offset();
	if (fx->addrs_ns && now - fx->addrs_ns >= ADDRS_MAX_AGE)
		fx->addrs_ns = 0;
	n = mw_flows_read(&fx->m, MW_FLOWS_ALL, &recs);
	if (n < 0) {
		fx->st.read_errors++;
		flog(fx, "ipfix: reading %s: %s", MW_MAP_FLOWS, strerror((int)-n));
		goto out;
	}
	next = n ? calloc((size_t)n, sizeof(*next)) : NULL;
	if (n && !next) {
		fx->st.read_errors++;
		goto out;
	}
	for (i = 0; i < (size_t)n; i++) {
		const struct mw_flow_rec *r = &recs[i];
		struct fstate *s = &next[w];
		int c = 1;

		while (j < fx->nstate && (c = cmp_key(&fx->state[j].k, &r->k)) < 0)
			j++;	/* no longer in the table: someone else took it */
		if (j < fx->nstate && c == 0 && fx->state[j].first_ns == r->v.first_ns) {
			*s = fx->state[j];
		} else {
			memset(s, 0, sizeof(*s));
			s->k = r->k;
			s->first_ns = r->v.first_ns;
			s->from_ns = r->v.first_ns;
			s->due_ns = r->v.first_ns + active;
		}
		if (stop) {
			if (!finish(fx, s, MW_IPFIX_END_FORCED, now))
				fx->st.expired_stop++;
			continue;
		}
		if (now > r->v.last_ns && now - r->v.last_ns >= idle) {
			if (!finish(fx, s, MW_IPFIX_END_IDLE, now))
				fx->st.expired_idle++;
			continue;
		}
		if (now >= s->due_ns) {
			if (r->k.family == AF_INET || r->k.family == AF_INET6) {
				export(fx, s, &r->v, MW_IPFIX_END_ACTIVE, now);
				fx->st.active_exports++;
			}
			s->due_ns = now + active;
		}
		w++;
	}
	free(fx->state);
	fx->state = next;
	fx->nstate = w;
	next = NULL;
	fx->st.tracked = (uint64_t)w;
out:
	free(next);
	free(recs);
	free(fx->names);
	fx->names = NULL;
	fx->names_tried = 0;
	mw_maps_close(&fx->m);
}

static void publish(struct mw_flowexp *fx)
{
	mw_ipfix_flush(fx->ipfix);
	note_ipfix_error(fx);
	fx->st.ipfix = *mw_ipfix_stats(fx->ipfix);
	pthread_mutex_lock(&fx->mu);
	fx->pub = fx->st;
	pthread_mutex_unlock(&fx->mu);
}

static void *run(void *arg)
{
	struct mw_flowexp *fx = arg;
	struct timespec next;
	int stop = 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		uint64_t now = mw_mono_ns(), due;

		if (now >= fx->next_tmpl_ns) {
			mw_ipfix_templates(fx->ipfix);
			fx->next_tmpl_ns = now + (uint64_t)(fx->cfg.templates_s * 1e9);
		}
		harvest(fx, 0);
		publish(fx);
		/* the next reading a second after this one started; no burst after a long one */
		due = (uint64_t)next.tv_sec * 1000000000ull + (uint64_t)next.tv_nsec + TICK_NS;
		if (due < mw_mono_ns())
			due = mw_mono_ns() + TICK_NS;
		next.tv_sec = (time_t)(due / 1000000000ull);
		next.tv_nsec = (long)(due % 1000000000ull);
		pthread_mutex_lock(&fx->mu);
		while (!fx->stop && pthread_cond_timedwait(&fx->cv, &fx->mu, &next) != ETIMEDOUT)
			;
		stop = fx->stop;
		pthread_mutex_unlock(&fx->mu);
	}
	harvest(fx, 1);
	publish(fx);
	return NULL;
}

struct mw_flowexp *mw_flowexp_start(const struct mw_flowexp_cfg *cfg, int *usage, char *err,
				    size_t errlen)
{
	struct mw_flowexp *fx = calloc(1, sizeof(*fx));
	pthread_condattr_t ca;
	int rc;

	*usage = 0;
	if (!fx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fx->cfg = *cfg;
	fx->maps_ok = -1;
	fx->ipfix = mw_ipfix_open(cfg->dest, 0, usage, err, errlen);
	if (!fx->ipfix) {
		free(fx);
		return NULL;
	}
	pthread_mutex_init(&fx->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fx->cv, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&fx->thread, NULL, run, fx);
	if (rc) {
		snprintf(err, errlen, "starting the exporter thread: %s", strerror(rc));
		pthread_cond_destroy(&fx->cv);
		pthread_mutex_destroy(&fx->mu);
		mw_ipfix_close(fx->ipfix);
		free(fx);
		return NULL;
	}
	flog(fx, "ipfix: exporting flows to udp %s (active timeout %g s, idle %g s, "
	     "templates every %g s)", mw_ipfix_peer(fx->ipfix), cfg->active_s, cfg->idle_s,
	     cfg->templates_s);
	return fx;
}

void mw_flowexp_stop(struct mw_flowexp *fx)
{
	struct mw_flowexp_stats s;

	if (!fx)
		return;
	pthread_mutex_lock(&fx->mu);
	fx->stop = 1;
	pthread_cond_signal(&fx->cv);
	pthread_mutex_unlock(&fx->mu);
	pthread_join(fx->thread, NULL);
	s = fx->st;
	flog(fx, "ipfix: stopped: %llu records in %llu messages, %llu flows expired idle, "
	     "%llu at stop, %llu send errors", (unsigned long long)s.ipfix.records,
	     (unsigned long long)s.ipfix.messages, (unsigned long long)s.expired_idle,
	     (unsigned long long)s.expired_stop, (unsigned long long)s.ipfix.send_errors);
	pthread_cond_destroy(&fx->cv);
	pthread_mutex_destroy(&fx->mu);
	mw_ipfix_close(fx->ipfix);
	free(fx->state);
	free(fx->addrs);
	free(fx);
}

void mw_flowexp_stats_get(struct mw_flowexp *fx, struct mw_flowexp_stats *out)
{
	pthread_mutex_lock(&fx->mu);
	*out = fx->pub;
	pthread_mutex_unlock(&fx->mu);
}
