// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Link and neighbour watch: re-attach on interface return, neighbour MAC ->
 * address entries for wan roles. See linkwatch.h for the model.
 */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include "apply.h"
#include "linkwatch.h"
#include "reattach.h"
#include "state.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

#define TICK_S		1.0	/* periodic check: slots, applies, retries */
#define RETRY_S		5.0	/* after a failed re-attach, doubling up to RETRY_MAX_S */
#define RETRY_MAX_S	60.0
#define LOCK_RETRY_S	0.1	/* the pin directory lock was busy */
#define RCVBUF		(4 << 20)
#define MAX_RECV	1024	/* datagrams read per call: the poll loop stays responsive */
#define MAX_EVENTS	65536	/* queued neighbour changes; beyond, a full re-read */

#define NUD_PRESENT	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | \
			 NUD_NOARP)

struct mw_lw_nev {
	uint8_t family;
	uint8_t present;	/* 0: the neighbour went (or has no usable MAC) */
	uint8_t addr[16];
	uint32_t ifindex;
	uint64_t mac;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lwlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void lwlog(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "modwall: linkwatch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void fmt_mac(uint64_t mac, char *s, size_t len)
{
	snprintf(s, len, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
		 (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
		 (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

static const char *ifname_of(uint32_t ifindex, char *buf)
{
	if (!ifindex || !if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %u", ifindex);
	return buf;
}

/* ---- interfaces ---- */

/* ifindex of @name (0: no such interface) and whether it is up. */
static uint32_t link_query(struct mw_linkwatch *w, const char *name, int *up)
{
	struct rtnl_link *l = NULL;
	uint32_t idx;

	*up = 0;
	if (rtnl_link_get_kernel(w->dump, 0, name, &l) < 0 || !l)
		return 0;
	idx = (uint32_t)rtnl_link_get_ifindex(l);
	*up = !!(rtnl_link_get_flags(l) & IFF_UP);
	rtnl_link_put(l);
	return idx;
}

static int any_wan(const struct mw_maps *m)
{
	struct mw_iface v;
	__u32 k;

	for (k = 0; k < MW_MAX_IFACES; k++)
		if (!bpf_map_lookup_elem(m->ifaces, &k, &v) && v.ifindex && v.role == MW_ROLE_WAN)
			return 1;
	return 0;
}

/* Follow mw_ifaces: interfaces loaded or unloaded from the CLI. */
static void refresh_slots(struct mw_linkwatch *w, const struct mw_maps *m)
{
	struct mw_lw_iface *t;
	struct mw_iface v;
	int i, j;
	__u32 k;

	for (i = 0; i < w->nifs; i++)
		w->ifs[i].seen = 0;
	for (k = 0; k < MW_MAX_IFACES; k++) {
		if (bpf_map_lookup_elem(m->ifaces, &k, &v) || !v.ifindex)
			continue;
		/* names and ifindexes of another namespace mean nothing here */
		if (mw_iface_foreign(&v))
			continue;
		v.name[MW_IFNAME_LEN - 1] = 0;
		t = NULL;
		for (i = 0; i < w->nifs && !t; i++)
			if (w->ifs[i].slot == k && !strcmp(w->ifs[i].name, v.name))
				t = &w->ifs[i];
		if (!t) {
			if (w->nifs == MW_MAX_IFACES)
				continue;
			t = &w->ifs[w->nifs++];
			memset(t, 0, sizeof(*t));
			memcpy(t->name, v.name, MW_IFNAME_LEN);
			t->slot = k;
			t->state = MW_LW_ATTACHED;
		}
		t->ifindex = v.ifindex;
		t->role = v.role;
		t->mode = v.xdp_mode;
		t->fail_action = v.fail_action;
		t->malformed_action = v.malformed_action;
		t->seen = 1;
		t->dirty = 1;
	}
	for (i = j = 0; i < w->nifs; i++) {
		if (!w->ifs[i].seen) {
			if (w->ifs[i].state == MW_LW_WAITING)
				lwlog("%s was unloaded while waiting for its return",
				      w->ifs[i].name);
			continue;
		}
		w->ifs[j++] = w->ifs[i];
	}
	w->nifs = j;
	w->links_dirty = 1;
}

/* @t is back as ifindex @cur: the loader re-attaches it; failures are retried with backoff. */
static void reattach(struct mw_linkwatch *w, struct mw_lw_iface *t, uint32_t cur)
{
	struct mw_reattach_result r;
	char err[1024];
	double t0 = mono_now();
	int rc;

	rc = mw_reattach(w->pin_dir, t->name, t->slot, cur, &r, err, sizeof(err));
	if (rc == -EAGAIN) {
		t->dirty = 1;
		w->links_dirty = 1;
		w->retry_lock_at = t0 + LOCK_RETRY_S;
		return;
	}
	if (rc < 0 && r.stale_err) {
		lwlog("%s: %s", t->name, err);
		return;
	}
	if (rc < 0) {
		double delay = RETRY_S;
		unsigned k;

		w->failed++;
		if (t->failed_ifindex == cur)
			t->fails++;
		else
			t->fails = 0;
		for (k = 0; k < t->fails && delay < RETRY_MAX_S; k++)
			delay *= 2;
		if (delay > RETRY_MAX_S)
			delay = RETRY_MAX_S;
		t->failed_ifindex = cur;
		t->retry_at = mono_now() + delay;
		lwlog("re-attaching %s (ifindex %u) failed: %s; trying again in %.0f s", t->name,
		      cur, err, delay);
		return;
	}
	if (rc == 0)
		return;
	w->reattached++;
	w->last_reattach_s = mono_now() - (t->back_at ? t->back_at : t0);
	lwlog("%s is back (ifindex %u): re-attached %.3f s after it came up (role %s, %s mode, "
	      "slot %u, link %u)", t->name, cur, w->last_reattach_s, mw_role_name(r.role),
	      mw_mode_name(r.mode), r.load.slot, r.load.link_id);
	t->state = MW_LW_ATTACHED;
	t->ifindex = cur;
	t->failed_ifindex = 0;
	t->fails = 0;
	t->back_at = 0;
	t->warned = 0;
}

/* Where is @t now: attached, gone, back (then re-attach), renamed. */
static void check_iface(struct mw_linkwatch *w, struct mw_lw_iface *t)
{
	char other[IF_NAMESIZE];
	uint32_t lidx = 0, cur;
	int up, fd, attach;

	t->dirty = 0;
	cur = link_query(w, t->name, &up);
	fd = mw_attach_pin_get(w->pin_dir, t->name, cur, t->ifindex, &lidx, &attach);
	if (fd < 0)
		return;		/* no pin: being unloaded, or not modwall's */
	close(fd);
	if (lidx && lidx == cur) {
		if (t->state == MW_LW_WAITING)
			lwlog("%s is attached again (ifindex %u)", t->name, cur);
		t->state = MW_LW_ATTACHED;
		t->ifindex = cur;
		t->back_at = 0;
		t->warned = 0;
		return;
	}
	if (lidx && if_indextoname(lidx, other)) {
		if (t->state != MW_LW_RENAMED)
			lwlog("%s: modwall's link is on %s (ifindex %u) now, renamed from %s: left "
			      "alone ('modwall unload %s' detaches it)", t->name, other, lidx,
			      t->name, t->name);
		t->state = MW_LW_RENAMED;
		return;
	}
	if (t->state != MW_LW_WAITING) {
		lwlog("%s is gone (ifindex %u): modwall's XDP hook went with it; waiting for an "
		      "interface of that name (role %s, %s mode)", t->name, t->ifindex,
		      mw_role_name(t->role), t->mode == MW_MODE_GENERIC ? "generic" : "native");
		w->gone++;
		t->state = MW_LW_WAITING;
		t->back_at = 0;
		t->warned = 0;
		t->failed_ifindex = 0;
	}
	if (!cur) {
		t->back_at = 0;
		return;
	}
	if (!up) {
		if (!t->warned)
			lwlog("%s is back (ifindex %u) but down; attaching when it comes up",
			      t->name, cur);
		t->warned = 1;
		return;
	}
	if (!t->back_at)
		t->back_at = mono_now();
	if (cur == t->failed_ifindex && mono_now() < t->retry_at)
		return;
	reattach(w, t, cur);
}

static void links_process(struct mw_linkwatch *w)
{
	int i;

	if (!w->links_dirty)
		return;
	w->links_dirty = 0;
	for (i = 0; i < w->nifs; i++)
		if (w->ifs[i].dirty)
			check_iface(w, &w->ifs[i]);
}

/* ---- neighbours ---- */

struct session {
	struct mw_maps m;
	int lock;
	unsigned gen;
	int applied;
	struct mw_config cfg;
};

static void nb_forget(struct mw_linkwatch *w)
{
	w->nnb = 0;
}

/* Map writes need the lock and the live policy; -EAGAIN when the lock is held. */
static int session_begin(struct mw_linkwatch *w, struct session *s)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int rc, wan;

	memset(s, 0, sizeof(*s));
	s->lock = mw_trylock(w->pin_dir);
	if (s->lock < 0)
		return s->lock;
	rc = mw_maps_open(&s->m, w->pin_dir, NULL, 0);
	if (rc) {
		close(s->lock);
		return rc;
	}
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(s->m.ctl, &info, &len);
	s->gen = s->m.ctlm->gen & 1;
	s->applied = (int)s->m.ctlm->applied;
	if (bpf_map_lookup_elem(s->m.config, &s->gen, &s->cfg))
		memset(&s->cfg, 0, sizeof(s->cfg));
	if (info.id != w->ctl_id || s->m.ctlm->seq != w->seq) {
		/* a new generation (or new maps): what was written went with the old one */
		nb_forget(w);
		w->ctl_id = info.id;
		w->seq = s->m.ctlm->seq;
		w->need_resync = 1;
	}
	wan = any_wan(&s->m);
	if (wan != w->wan) {
		w->wan = wan;
		w->need_resync = 1;
	}
	return 0;
}

static void session_end(struct session *s)
{
	mw_maps_close(&s->m);
	close(s->lock);
}

/* The live policy's entry for a MAC, probed as the data path does. */
static int mac_lookup(const struct session *s, uint64_t mac, struct mw_subject *out)
{
	const struct mw_config *c = &s->cfg;
	int overflow = 1;

	if (c->lookups & MW_LK_MACTAB) {
		unsigned bits = c->mac_bits;
		const struct mw_slot *half;
		uint32_t mask, h, i;

		if (bits != s->m.mac_bits)
			return -EPROTO;
		half = s->m.mactab_m + ((size_t)s->gen << bits);
		mask = (1u << bits) - 1;
		h = MW_TAB_HASH(mac, bits);
		overflow = 0;
		for (i = 0; i < MW_TAB_PROBES; i++) {
			const struct mw_slot *sl = &half[(h + i) & mask];
			uint64_t key = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);

			if (!(key & MW_SLOT_VALID))
				break;
			if ((key & MW_SLOT_KEY) == mac) {
				*out = sl->v;
				return 0;
			}
			if (i == MW_TAB_PROBES - 1)
				overflow = !!(key & MW_SLOT_OVERFLOW);
		}
	}
	if (overflow && (c->lookups & MW_LK_MAC)) {
		__u64 k = MW_MAC_KEY(s->gen, mac);

		if (bpf_map_lookup_elem(s->m.mac, &k, out) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Exact-address key of the live generation, and the map it goes to. */
static int ip_key(const struct session *s, uint8_t family, const uint8_t *addr, void *key)
{
	struct mw_prefix p = { .family = family, .len = family == AF_INET ? 32 : 128 };
	uint8_t bit;

	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	return mw_ip_key(&s->m, s->gen, &p, key, &bit);
}

/* Entry before flag, as bind does: a frame that sees the flag finds the entry. */
static int enable_lookup(struct session *s, uint8_t family)
{
	__u8 bit = family == AF_INET ? MW_LK_IP4 : MW_LK_IP6;
	int rc = mw_enable_lookup(&s->m, s->gen, bit);

	if (!rc)
		s->cfg.lookups |= bit;
	return rc;
}

/* A runtime binding of exactly this address to the same device (bind wrote the entry too). */
static int bound_to(const struct session *s, uint8_t family, const uint8_t *addr, uint32_t id)
{
	struct mw_bind_key k, next;
	struct mw_subject dev;
	void *prev = NULL;
	size_t alen = family == AF_INET ? 4 : 16;

	while (bpf_map_get_next_key(s->m.binds, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (next.family == family && next.len == alen * 8 &&
		    !memcmp(next.addr, addr, alen)) {
			__u64 ik = MW_IMEI_KEY(s->gen, next.imei);

			if (!bpf_map_lookup_elem(s->m.imei, &ik, &dev) && dev.id == id)
				return 1;
		}
	}
	return 0;
}

static const char *subject_name(const struct session *s, uint32_t id, char *buf, size_t len)
{
	struct mw_subject_info info;

	if (bpf_map_lookup_elem(s->m.subjects, &id, &info))
		snprintf(buf, len, "#%u", id);
	else
		snprintf(buf, len, "%.*s", MW_NAME_LEN, info.name);
	return buf;
}

static struct mw_lw_neigh *nb_find(struct mw_linkwatch *w, uint8_t family, const uint8_t *addr)
{
	size_t i, alen = family == AF_INET ? 4 : 16;

	for (i = 0; i < w->nnb; i++)
		if (w->nb[i].family == family && !memcmp(w->nb[i].addr, addr, alen))
			return &w->nb[i];
	return NULL;
}

/* Forget @e; an entry written here leaves the live policy with it. */
static void nb_remove(struct mw_linkwatch *w, struct session *s, struct mw_lw_neigh *e,
		      const char *why)
{
	char a[INET6_ADDRSTRLEN], name[MW_NAME_LEN + 8];
	unsigned char key[32];
	struct mw_subject v;
	int fd;

	if (e->state == MW_LN_OWNED && e->gen == s->gen) {
		fd = ip_key(s, e->family, e->addr, key);
		if (!bpf_map_lookup_elem(fd, key, &v) && v.id == e->dev.id &&
		    !bound_to(s, e->family, e->addr, e->dev.id)) {
			if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
				lwlog("removing %s: %s", inet_ntop(e->family, e->addr, a, sizeof(a)),
				      strerror(errno));
		}
		w->neigh_removed++;
		lwlog("%s: no longer device '%s' on wan interfaces (%s)",
		      inet_ntop(e->family, e->addr, a, sizeof(a)),
		      subject_name(s, e->dev.id, name, sizeof(name)), why);
	}
	*e = w->nb[--w->nnb];
}

static void nb_add(struct mw_linkwatch *w, struct session *s, const struct mw_lw_nev *ev,
		   const struct mw_subject *dev)
{
	char a[INET6_ADDRSTRLEN], mac[18], name[MW_NAME_LEN + 8], oname[MW_NAME_LEN + 8];
	char ifn[IF_NAMESIZE];
	struct mw_lw_neigh e = { .family = ev->family, .ifindex = ev->ifindex, .mac = ev->mac,
				 .dev = *dev, .gen = s->gen, .mark = 1 };
	unsigned char key[32];
	struct mw_subject v;
	int fd;

	memcpy(e.addr, ev->addr, 16);
	inet_ntop(ev->family, ev->addr, a, sizeof(a));
	fmt_mac(ev->mac, mac, sizeof(mac));
	fd = ip_key(s, ev->family, ev->addr, key);
	if (!bpf_map_lookup_elem(fd, key, &v)) {
		e.state = v.id == dev->id ? MW_LN_POLICY : MW_LN_CONFLICT;
		if (e.state == MW_LN_CONFLICT) {
			w->neigh_conflicts++;
			lwlog("%s (%s on %s) is device '%s' by MAC, but the live policy gives the "
			      "address to '%s': left as it is", a, mac, ifname_of(ev->ifindex, ifn),
			      subject_name(s, dev->id, name, sizeof(name)),
			      subject_name(s, v.id, oname, sizeof(oname)));
		}
	} else {
		if (bpf_map_update_elem(fd, key, dev, BPF_NOEXIST) ||
		    enable_lookup(s, ev->family)) {
			lwlog("adding %s for device '%s': %s", a,
			      subject_name(s, dev->id, name, sizeof(name)), strerror(errno));
			return;
		}
		e.state = MW_LN_OWNED;
		w->neigh_added++;
		lwlog("%s (%s on %s): device '%s' on wan interfaces too", a, mac,
		      ifname_of(ev->ifindex, ifn), subject_name(s, dev->id, name, sizeof(name)));
	}
	if (w->nnb == w->capnb) {
		size_t cap = w->capnb ? w->capnb * 2 : 64;
		struct mw_lw_neigh *n = realloc(w->nb, cap * sizeof(*n));

		if (!n) {
			lwlog("out of memory");
			return;
		}
		w->nb = n;
		w->capnb = cap;
	}
	w->nb[w->nnb++] = e;
}

/* One neighbour's current state against what is held for its address. */
static void neigh_apply(struct mw_linkwatch *w, struct session *s, const struct mw_lw_nev *ev)
{
	struct mw_lw_neigh *e = nb_find(w, ev->family, ev->addr);
	struct mw_subject dev;
	int tagged = 0;

	if (e && !ev->present && e->ifindex != ev->ifindex)
		return;		/* the address went from another interface */
	if (ev->present && w->wan && s->applied)
		tagged = !mac_lookup(s, ev->mac, &dev) && dev.id != MW_SUBJECT_NONE;
	if (!tagged) {
		if (e)
			nb_remove(w, s, e, ev->present ? (w->wan ? "its MAC is not a tagged device's" :
						  "no wan interface is loaded") :
				  "the neighbour went");
		return;
	}
	if (e && e->mac == ev->mac && !memcmp(&e->dev, &dev, sizeof(dev))) {
		e->ifindex = ev->ifindex;
		e->mark = 1;
		return;
	}
	if (e)
		nb_remove(w, s, e, "its MAC changed");
	nb_add(w, s, ev, &dev);
}

static int skip_addr(uint8_t family, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (family == AF_INET)
		return !memcmp(a, zero, 4) || a[0] >= 224 || (a[0] == 169 && a[1] == 254);
	return !memcmp(a, zero, 16) || a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* A neighbour object as a change; -1 when it is nothing to act on. */
static int neigh_event(struct rtnl_neigh *n, int deleted, struct mw_lw_nev *ev)
{
	int family = rtnl_neigh_get_family(n), state, flags;
	struct nl_addr *dst = rtnl_neigh_get_dst(n), *ll = rtnl_neigh_get_lladdr(n);
	unsigned alen = family == AF_INET ? 4 : 16;
	const uint8_t *b;
	int i;

	if (family != AF_INET && family != AF_INET6)
		return -1;
	if (!dst || nl_addr_get_len(dst) != alen)
		return -1;
	flags = rtnl_neigh_get_flags(n);
	if (flags > 0 && (flags & NTF_PROXY))
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->family = (uint8_t)family;
	memcpy(ev->addr, nl_addr_get_binary_addr(dst), alen);
	if (skip_addr(ev->family, ev->addr))
		return -1;
	ev->ifindex = (uint32_t)rtnl_neigh_get_ifindex(n);
	state = rtnl_neigh_get_state(n);
	ev->present = !deleted && state > 0 && (state & NUD_PRESENT) && ll &&
		      nl_addr_get_len(ll) == 6;
	if (ev->present) {
		b = nl_addr_get_binary_addr(ll);
		for (i = 0; i < 6; i++)
			ev->mac = ev->mac << 8 | b[i];
	}
	return 0;
}

struct dump_ctx {
	struct mw_linkwatch *w;
	struct session *s;
};

static void dump_one(struct nl_object *obj, void *arg)
{
	struct dump_ctx *c = arg;
	struct mw_lw_nev ev;

	if (!neigh_event((struct rtnl_neigh *)obj, 0, &ev) && ev.present)
		neigh_apply(c->w, c->s, &ev);
}

/* The whole neighbour table against the live policy. */
static int full_resync(struct mw_linkwatch *w, struct session *s)
{
	struct dump_ctx c = { w, s };
	struct nl_cache *cache = NULL;
	size_t i;
	int rc;

	for (i = 0; i < w->nnb; i++)
		w->nb[i].mark = 0;
	if (w->wan && s->applied) {
		rc = rtnl_neigh_alloc_cache(w->dump, &cache);
		if (rc < 0) {
			lwlog("reading the neighbour table: %s", nl_geterror(rc));
			return -EIO;
		}
		nl_cache_foreach(cache, dump_one, &c);
		nl_cache_free(cache);
	}
	for (i = 0; i < w->nnb;) {
		if (w->nb[i].mark) {
			i++;
			continue;
		}
		nb_remove(w, s, &w->nb[i], w->wan ? "no longer in the neighbour table" :
			  "no wan interface is loaded");
	}
	w->need_resync = 0;
	w->resyncs++;
	return 0;
}

static int neigh_process(struct mw_linkwatch *w)
{
	struct session s;
	size_t i;
	int rc;

	if (!w->nev && !w->need_resync)
		return 0;
	rc = session_begin(w, &s);
	if (rc == -EAGAIN) {
		/* the CLI holds the lock: read the table again in a moment */
		w->need_resync = 1;
		w->nev = 0;
		w->retry_lock_at = mono_now() + LOCK_RETRY_S;
		return rc;
	}
	if (rc) {
		/* nothing loaded: nothing to write to, nothing held */
		nb_forget(w);
		w->ctl_id = 0;
		w->seq = 0;
		w->wan = 0;
		w->nev = 0;
		w->need_resync = 0;
		return 0;
	}
	if (w->need_resync) {
		rc = full_resync(w, &s);	/* newer than anything queued */
	} else {
		for (i = 0; i < w->nev; i++)
			neigh_apply(w, &s, &w->ev[i]);
	}
	w->nev = 0;
	session_end(&s);
	return rc;
}

/* ---- notifications ---- */

static void on_link(struct mw_linkwatch *w, struct rtnl_link *l)
{
	const char *name = rtnl_link_get_name(l);
	uint32_t idx = (uint32_t)rtnl_link_get_ifindex(l);
	int i;

	if (rtnl_link_get_family(l) != AF_UNSPEC)
		return;		/* bridge port and other per-family messages */
	for (i = 0; i < w->nifs; i++) {
		struct mw_lw_iface *t = &w->ifs[i];

		if ((name && !strcmp(name, t->name)) || (idx && idx == t->ifindex)) {
			t->dirty = 1;
			w->links_dirty = 1;
		}
	}
}

static void on_neigh(struct mw_linkwatch *w, struct rtnl_neigh *n)
{
	struct mw_lw_nev ev;

	if (!w->wan && !w->nnb)
		return;
	if (neigh_event(n, w->msgtype == RTM_DELNEIGH, &ev))
		return;
	if (w->nev == MAX_EVENTS) {
		w->need_resync = 1;
		return;
	}
	if (w->nev == w->capev) {
		size_t cap = w->capev ? w->capev * 2 : 64;
		struct mw_lw_nev *p = realloc(w->ev, cap * sizeof(*p));

		if (!p) {
			w->need_resync = 1;
			return;
		}
		w->ev = p;
		w->capev = cap;
	}
	w->ev[w->nev++] = ev;
}

static void on_obj(struct nl_object *obj, void *arg)
{
	struct mw_linkwatch *w = arg;
	const char *type = nl_object_get_type(obj);

	if (!type)
		return;
	if (!strcmp(type, "route/link"))
		on_link(w, (struct rtnl_link *)obj);
	else if (!strcmp(type, "route/neigh"))
		on_neigh(w, (struct rtnl_neigh *)obj);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct mw_linkwatch *w = arg;

	w->msgtype = nlmsg_hdr(msg)->nlmsg_type;
	nl_msg_parse(msg, on_obj, w);
	return NL_OK;
}

static void drain(struct mw_linkwatch *w)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	int n, rc, i;

	for (n = 0; n < MAX_RECV && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLERR)); n++) {
		rc = nl_recvmsgs_default(w->sk);
		if (rc >= 0 || rc == -NLE_AGAIN)
			continue;
		if (rc == -NLE_NOMEM || rc == -NLE_MSG_OVERFLOW) {
			/* the kernel dropped notifications: look at everything again */
			w->overruns++;
			w->need_resync = 1;
			w->nev = 0;
			for (i = 0; i < w->nifs; i++)
				w->ifs[i].dirty = 1;
			w->links_dirty = 1;
			continue;
		}
		lwlog("reading notifications: %s", nl_geterror(rc));
		break;
	}
}

/* Once a second: slots changed by the CLI, applies made without the daemon, retries. */
static void tick(struct mw_linkwatch *w)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct mw_maps m;
	int i;

	w->next_tick = mono_now() + TICK_S;
	if (mw_maps_open(&m, w->pin_dir, NULL, 0)) {
		for (i = 0; i < w->nifs; i++)
			if (w->ifs[i].state == MW_LW_WAITING)
				lwlog("%s: modwall was unloaded while it was waiting", w->ifs[i].name);
		w->nifs = 0;
		nb_forget(w);
		w->ctl_id = 0;
		w->seq = 0;
		w->wan = 0;
		return;
	}
	refresh_slots(w, &m);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(m.ctl, &info, &len);
	if (info.id != w->ctl_id || m.ctlm->seq != w->seq || any_wan(&m) != w->wan)
		w->need_resync = 1;
	mw_maps_close(&m);
}

static void gauges(struct mw_linkwatch *w)
{
	size_t i;
	int k;

	w->waiting = 0;
	for (k = 0; k < w->nifs; k++)
		w->waiting += w->ifs[k].state == MW_LW_WAITING;
	w->learned = 0;
	for (i = 0; i < w->nnb; i++)
		w->learned += w->nb[i].state == MW_LN_OWNED;
}

void mw_linkwatch_handle(struct mw_linkwatch *w)
{
	if (!w->sk)
		return;
	drain(w);
	if (mono_now() >= w->next_tick)
		tick(w);
	if (w->retry_lock_at && mono_now() >= w->retry_lock_at)
		w->retry_lock_at = 0;
	neigh_process(w);
	links_process(w);
	gauges(w);
}

int mw_linkwatch_timeout(const struct mw_linkwatch *w)
{
	double now = mono_now(), next = w->next_tick, ms;

	if (w->retry_lock_at && w->retry_lock_at < next)
		next = w->retry_lock_at;
	ms = (next - now) * 1000;
	if (ms <= 0)
		return 0;
	return ms > TICK_S * 1000 ? (int)(TICK_S * 1000) : (int)ms + 1;
}

int mw_linkwatch_resync(struct mw_linkwatch *w)
{
	int rc;

	if (!w->sk)
		return -EBADF;
	w->need_resync = 1;
	rc = neigh_process(w);
	gauges(w);
	return rc;
}

int mw_linkwatch_open(struct mw_linkwatch *w, const char *pin_dir, char *err, size_t errlen)
{
	int rc, sz = RCVBUF;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (strlen(pin_dir) >= sizeof(w->pin_dir)) {
		SETERR("pin directory %s: name too long", pin_dir);
		return -ENAMETOOLONG;
	}
	snprintf(w->pin_dir, sizeof(w->pin_dir), "%s", pin_dir);
	w->sk = nl_socket_alloc();
	w->dump = nl_socket_alloc();
	if (!w->sk || !w->dump) {
		SETERR("netlink: out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	rc = nl_connect(w->sk, NETLINK_ROUTE);
	if (!rc)
		rc = nl_socket_add_memberships(w->sk, RTNLGRP_LINK, RTNLGRP_NEIGH, 0);
	if (!rc)
		rc = nl_socket_set_nonblocking(w->sk);
	if (!rc)
		rc = nl_connect(w->dump, NETLINK_ROUTE);
	if (rc) {
		SETERR("netlink: %s", nl_geterror(rc));
		rc = -EIO;
		goto fail;
	}
	w->fd = nl_socket_get_fd(w->sk);
	/* bursts (an interface with many neighbours going) must not overrun it */
	if (setsockopt(w->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		nl_socket_set_buffer_size(w->sk, RCVBUF, 0);

	/* subscribed first: nothing that happens from here on is missed */
	tick(w);
	w->need_resync = 1;
	neigh_process(w);
	links_process(w);
	gauges(w);
	return w->fd;
fail:
	nl_socket_free(w->sk);
	nl_socket_free(w->dump);
	w->sk = w->dump = NULL;
	return rc;
}

void mw_linkwatch_close(struct mw_linkwatch *w)
{
	struct session s;
	int rc = 1, tries;

	/* what was written here leaves with the watch: nobody would keep it current */
	for (tries = 0; w->nnb && tries < 50; tries++) {
		rc = session_begin(w, &s);
		if (rc != -EAGAIN)
			break;
		usleep(100000);
	}
	if (!rc) {
		while (w->nnb)
			nb_remove(w, &s, &w->nb[w->nnb - 1], "the watch stops");
		session_end(&s);
	} else if (w->nnb && rc == -EAGAIN) {
		lwlog("%zu address(es) stay in the live policy until the next apply: %s",
		      w->nnb, strerror(-rc));
	}
	if (w->sk)
		nl_socket_free(w->sk);
	if (w->dump)
		nl_socket_free(w->dump);
	free(w->nb);
	free(w->ev);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}
