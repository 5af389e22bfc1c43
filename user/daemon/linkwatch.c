// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Link watch: re-attach on interface return, and the periodic check that
 * drives both halves. See linkwatch.h for the model; the neighbour half is
 * in linkwatch_neigh.c, the netlink sockets in linkwatch_nl.c.
 */
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "apply.h"
#include "linkwatch.h"
#include "linkwatch_int.h"
#include "reattach.h"
#include "state.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void lwlog(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "modwall: linkwatch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
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

int any_wan(const struct mw_maps *m)
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
			else
				lwlog("%s was unloaded (modwall unload: its slot %u is free): no "
				      "longer watched", w->ifs[i].name, w->ifs[i].slot);
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

/*
 * @t's interface is still there (ifindex @cur) but modwall's hook is not on
 * it. `modwall unload` detaches first and frees the slot last, all under
 * the pin directory lock: while the lock is held, look again a moment
 * later; once it is free and the pin is gone, the CLI unloaded the
 * interface (refresh_slots() says so when it sees the slot free). Returns
 * 1 when @t is being or was unloaded, 0 when its hook went otherwise.
 */
static int unloading(struct mw_linkwatch *w, struct mw_lw_iface *t, uint32_t cur)
{
	uint32_t lidx;
	int lock, fd, attach;

	lock = trylock(w->pin_dir);
	if (lock == -EAGAIN) {
		t->dirty = 1;
		w->links_dirty = 1;
		w->retry_lock_at = mono_now() + LOCK_RETRY_S;
		return 1;
	}
	if (lock < 0)
		return lock == -ENOENT;	/* the pin directory went: unloaded */
	fd = mw_attach_pin_get(w->pin_dir, t->name, cur, t->ifindex, &lidx, &attach);
	close(lock);
	if (fd < 0)
		return 1;
	close(fd);
	return 0;
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
	if (t->state != MW_LW_WAITING && cur && cur == t->ifindex) {
		if (unloading(w, t, cur))
			return;
		lwlog("%s (ifindex %u) is there but modwall's XDP hook is not: detached by "
		      "something else; attaching it again (role %s, %s mode)", t->name, cur,
		      mw_role_name(t->role), t->mode == MW_MODE_GENERIC ? "generic" : "native");
	} else if (t->state != MW_LW_WAITING) {
		lwlog("%s is gone (ifindex %u): modwall's XDP hook went with it; waiting for an "
		      "interface of that name (role %s, %s mode)", t->name, t->ifindex,
		      mw_role_name(t->role), t->mode == MW_MODE_GENERIC ? "generic" : "native");
		w->gone++;
	}
	if (t->state != MW_LW_WAITING) {
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

void links_process(struct mw_linkwatch *w)
{
	int i;

	if (!w->links_dirty)
		return;
	w->links_dirty = 0;
	for (i = 0; i < w->nifs; i++)
		if (w->ifs[i].dirty)
			check_iface(w, &w->ifs[i]);
}

/* Once a second: slots changed by the CLI, applies made without the daemon, retries. */
void tick(struct mw_linkwatch *w)
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
			else
				lwlog("%s was unloaded (modwall unload: its pinned state is gone): "
				      "no longer watched", w->ifs[i].name);
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

void gauges(struct mw_linkwatch *w)
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
