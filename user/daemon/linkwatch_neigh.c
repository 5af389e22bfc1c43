// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Neighbour learning for wan roles: neighbour entries whose MAC is a tagged
 * device's become exact-address entries of the live policy (linkwatch.h
 * says when they come and go).
 */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/neighbour.h>
#include "apply.h"
#include "ident.h"
#include "linkwatch.h"
#include "linkwatch_int.h"
#include "state.h"

#define NUD_PRESENT	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | \
			 NUD_NOARP)

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

/* ---- neighbours ---- */

void nb_forget(struct mw_linkwatch *w)
{
	w->nnb = 0;
}

/* Map writes need the lock and the live policy; -EAGAIN when the lock is held. */
int session_begin(struct mw_linkwatch *w, struct session *s)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int rc, wan;

	memset(s, 0, sizeof(*s));
	s->lock = trylock(w->pin_dir);
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

void session_end(struct session *s)
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

/* An exact address as a prefix, for the live entries (ident.h). */
static struct mw_prefix host_of(uint8_t family, const uint8_t *addr)
{
	struct mw_prefix p = { .family = family, .len = family == AF_INET ? 32 : 128 };

	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	return p;
}

struct bound_scan {
	const struct session *s;
	uint8_t family;
	const uint8_t *addr;
	uint32_t id;
	int found;
};

static int bound_fn(const void *key, const void *val, void *ctx)
{
	const struct mw_bind_key *k = key;
	struct bound_scan *c = ctx;
	size_t alen = c->family == AF_INET ? 4 : 16;
	struct mw_subject dev;
	__u64 ik;

	(void)val;
	if (k->family != c->family || k->len != alen * 8 || memcmp(k->addr, c->addr, alen))
		return 0;
	ik = MW_IMEI_KEY(c->s->gen, k->imei);
	c->found = !bpf_map_lookup_elem(c->s->m.imei, &ik, &dev) && dev.id == c->id;
	return c->found;
}

/* A runtime binding of exactly this address to the same device (bind wrote the entry too). */
static int bound_to(const struct session *s, uint8_t family, const uint8_t *addr, uint32_t id)
{
	struct bound_scan c = { s, family, addr, id, 0 };

	mw_map_scan(s->m.binds, sizeof(struct mw_bind_key), sizeof(struct mw_bind_val), bound_fn,
		    &c);
	return c.found;
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
void nb_remove(struct mw_linkwatch *w, struct session *s, struct mw_lw_neigh *e,
		      const char *why)
{
	char a[INET6_ADDRSTRLEN], name[MW_NAME_LEN + 8];
	struct mw_prefix p = host_of(e->family, e->addr);
	struct mw_subject v;
	int rc;

	if (e->state == MW_LN_OWNED && e->gen == s->gen) {
		if (!mw_ident_get(&s->m, s->gen, &p, &v) && v.id == e->dev.id &&
		    !bound_to(s, e->family, e->addr, e->dev.id)) {
			rc = mw_ident_del(&s->m, s->gen, &p);
			if (rc && rc != -ENOENT)
				lwlog("removing %s: %s", inet_ntop(e->family, e->addr, a, sizeof(a)),
				      strerror(-rc));
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
	struct mw_prefix p = host_of(ev->family, ev->addr);
	struct mw_subject v;
	int rc;

	memcpy(e.addr, ev->addr, 16);
	inet_ntop(ev->family, ev->addr, a, sizeof(a));
	fmt_mac(ev->mac, mac, sizeof(mac));
	if (!mw_ident_get(&s->m, s->gen, &p, &v)) {
		e.state = v.id == dev->id ? MW_LN_POLICY : MW_LN_CONFLICT;
		if (e.state == MW_LN_CONFLICT) {
			w->neigh_conflicts++;
			lwlog("%s (%s on %s) is device '%s' by MAC, but the live policy gives the "
			      "address to '%s': left as it is", a, mac, ifname_of(ev->ifindex, ifn),
			      subject_name(s, dev->id, name, sizeof(name)),
			      subject_name(s, v.id, oname, sizeof(oname)));
		}
	} else {
		rc = mw_ident_add(&s->m, s->gen, &p, dev);
		if (rc) {
			lwlog("adding %s for device '%s': %s", a,
			      subject_name(s, dev->id, name, sizeof(name)), strerror(-rc));
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
int neigh_event(struct rtnl_neigh *n, int deleted, struct mw_lw_nev *ev)
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

int neigh_process(struct mw_linkwatch *w)
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
