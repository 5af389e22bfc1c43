// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The libxdp attachment: an entry component in the interface's dispatcher
 * that tail-calls mw_progs[slot]. Loading again replaces only that slot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "load.h"
#include "log.h"
#include "pins.h"
#include "xdp_entry.h"
#include "entry.skel.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

uint32_t mw_prog_id(int fd)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);

	return bpf_obj_get_info_by_fd(fd, &pi, &len) ? 0 : pi.id;
}

/*
 * The programs libxdp runs on an interface, after @p (NULL: the first):
 * the dispatcher's components, or the one program libxdp attached alone
 * (a kernel that lacks what the dispatcher needs).
 */
static struct xdp_program *component_next(struct xdp_multiprog *mp, struct xdp_program *p)
{
	if (xdp_multiprog__is_legacy(mp))
		return p ? NULL : xdp_multiprog__main_prog(mp);
	return xdp_multiprog__next_prog(p, mp);
}

/*
 * The libxdp component with program id @id on @ifindex, and its
 * dispatcher (the caller closes it), or NULL when it does not run there.
 */
static struct xdp_program *entry_find(uint32_t ifindex, uint32_t id, struct xdp_multiprog **mpp,
				       int *errp)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;

	*mpp = NULL;
	if (errp)
		*errp = 0;
	if (!ifindex || !id)
		return NULL;
	/* libxdp prints why it cannot look (a reader without CAP_SYS_ADMIN): the caller says */
	mw_log_begin();
	mp = xdp_multiprog__get_from_ifindex((int)ifindex);
	mw_log_end();
	if (!mp || libxdp_get_error(mp)) {
		if (errp)
			*errp = mp ? (int)libxdp_get_error(mp) : -ENOENT;
		return NULL;
	}
	while ((p = component_next(mp, p)))
		if (xdp_program__id(p) == id)
			break;
	if (!p)
		xdp_multiprog__close(mp);
	else
		*mpp = mp;
	return p;
}

/*
 * Whether program @id is an extension linked into program @target (a
 * libxdp dispatcher): 1 yes, 0 no, -1 when the kernel does not say what a
 * link's target is, -EPERM when the caller may not walk the links. Asks
 * the kernel link by link rather than through libxdp: libxdp 1.3's
 * xdp_multiprog__get_from_ifindex() leaks the dispatcher's fd at every
 * call, and the daemon's link watch asks once a second.
 */
static int ext_linked(uint32_t id, uint32_t target)
{
	__u32 lid = 0;
	int rc = 0;

	while (rc == 0) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		int fd;

		if (bpf_link_get_next_id(lid, &lid))
			return errno == EPERM || errno == EACCES ? -EPERM : 0;
		fd = bpf_link_get_fd_by_id(lid);
		if (fd < 0)
			continue;	/* gone meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_TRACING &&
		    li.prog_id == id)
			rc = !li.tracing.target_obj_id ? -1 : li.tracing.target_obj_id == target;
		close(fd);
	}
	return rc;
}

int mw_entry_state(uint32_t ifindex, uint32_t id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xdp_multiprog *mp;
	uint32_t hook[2];
	int st = MW_ENTRY_GONE, i, r = 0, e;

	if (!ifindex || !id)
		return MW_ENTRY_GONE;
	if (bpf_xdp_query((int)ifindex, 0, &q))
		return errno == EPERM || errno == EACCES ? MW_ENTRY_UNKNOWN : MW_ENTRY_GONE;
	hook[0] = q.drv_prog_id;
	hook[1] = q.skb_prog_id;
	for (i = 0; i < 2; i++) {
		if (!hook[i])
			continue;
		if (hook[i] == id)
			return MW_ENTRY_ALONE;
		r = ext_linked(id, hook[i]);
		if (r > 0)
			return MW_ENTRY_DISPATCHER;
		if (r == -EPERM)
			return MW_ENTRY_UNKNOWN;
		if (r < 0)
			break;
	}
	if (i == 2)
		return MW_ENTRY_GONE;
	/* a kernel that does not name link targets: ask libxdp */
	if (!entry_find(ifindex, id, &mp, &e) && (e == -EPERM || e == -EACCES))
		return MW_ENTRY_UNKNOWN;
	if (mp)
		st = xdp_multiprog__is_legacy(mp) ? MW_ENTRY_ALONE : MW_ENTRY_DISPATCHER;
	xdp_multiprog__close(mp);
	return st;
}

int mw_entry_live(uint32_t ifindex, uint32_t id)
{
	return mw_entry_state(ifindex, id) != MW_ENTRY_GONE;
}

int mw_attach_pin_get(const char *pin_dir, const char *ifname, uint32_t cur, uint32_t was,
		      uint32_t *lidx, int *attach)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	char path[512];
	int fd;

	*lidx = 0;
	*attach = MW_ATTACH_EXCLUSIVE;
	mw_attach_pin_path(pin_dir, ifname, MW_ATTACH_EXCLUSIVE, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_obj_get_info_by_fd(fd, &li, &len) || li.type != BPF_LINK_TYPE_XDP) {
			close(fd);
			return -EPROTO;
		}
		*lidx = li.xdp.ifindex;
		return fd;
	}
	*attach = MW_ATTACH_LIBXDP;
	mw_attach_pin_path(pin_dir, ifname, MW_ATTACH_LIBXDP, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (mw_entry_live(cur, mw_prog_id(fd)))
		*lidx = cur;
	else if (was != cur && mw_entry_live(was, mw_prog_id(fd)))
		*lidx = was;	/* still on the interface it was loaded on, renamed */
	return fd;
}

/* The pinned prog array the entries tail-call through, created on first use. */
int mw_progs_map(const char *pin_dir, char *err, size_t errlen)
{
	char path[512];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	fd = bpf_obj_get(path);
	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			SETERR("opening %s: %s", path, strerror(errno));
		return fd < 0 ? -errno : fd;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, MW_MAP_PROGS, sizeof(__u32), sizeof(__u32),
			    MW_MAX_IFACES, NULL);
	if (fd < 0 || bpf_obj_pin(fd, path)) {
		rc = -errno;
		SETERR("creating %s: %s", path, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return fd;
}

/* The program in mw_progs[@slot] (an fd), or -1. */
int mw_slot_prog_fd(const char *pin_dir, uint32_t slot)
{
	char path[512];
	__u32 id = 0;
	int pfd, fd = -1;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	pfd = bpf_obj_get(path);
	if (pfd < 0)
		return -1;
	if (!bpf_map_lookup_elem(pfd, &slot, &id) && id)
		fd = bpf_prog_get_fd_by_id(id);
	close(pfd);
	return fd < 0 ? -1 : fd;
}

/* The prog array the entry @efd tail-calls: an fd, or -1. */
static int entry_progs_fd(int efd)
{
	struct bpf_prog_info pi = {};
	__u32 ids[8], len = sizeof(pi), i;
	int fd;

	pi.nr_map_ids = 8;
	pi.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(efd, &pi, &len))
		return -1;
	for (i = 0; i < pi.nr_map_ids && i < 8; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);

		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) && mi.type == BPF_MAP_TYPE_PROG_ARRAY &&
		    !strcmp(mi.name, MW_MAP_PROGS))
			return fd;
		close(fd);
	}
	return -1;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	return bpf_obj_get_info_by_fd(fd, &mi, &len) ? 0 : mi.id;
}

int mw_progs_repair(const char *pin_dir, int efd, char *err, size_t errlen)
{
	char path[512];
	int mfd, pfd, rc = 0;

	mfd = entry_progs_fd(efd);
	if (mfd < 0) {
		SETERR("the prog array of the entry (program %u) cannot be read", mw_prog_id(efd));
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	pfd = bpf_obj_get(path);
	if (pfd >= 0) {
		int same = map_id(pfd) == map_id(mfd);

		close(pfd);
		if (same)
			goto out;
		if (unlink(path)) {
			rc = -errno;
			SETERR("removing %s, which the entry does not use: %s", path,
			       strerror(-rc));
			goto out;
		}
	}
	if (bpf_obj_pin(mfd, path)) {
		rc = -errno;
		SETERR("pinning the entry's prog array as %s: %s", path, strerror(-rc));
		goto out;
	}
	rc = 1;
out:
	close(mfd);
	return rc;
}

int mw_attach_check(const char *pin_dir, const char *ifname, const struct mw_iface *v,
		    uint32_t slot, char *why, size_t len)
{
	char path[512];
	int fd, pfd, mfd, ok;
	uint32_t id = 0;

	mw_attach_pin_path(pin_dir, ifname, v->attach, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(why, len, "its attachment pin %s is missing", path);
		return -1;
	}
	if (v->attach == MW_ATTACH_EXCLUSIVE) {
		struct bpf_link_info li = {};
		__u32 llen = sizeof(li);
		int gone = !bpf_obj_get_info_by_fd(fd, &li, &llen) && !li.xdp.ifindex;

		close(fd);
		if (gone)
			snprintf(why, len, "the interface its link %u was attached to is gone", li.id);
		return gone ? -1 : 0;
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	pfd = bpf_obj_get(path);
	mfd = entry_progs_fd(fd);
	ok = pfd >= 0 && mfd >= 0 && map_id(pfd) == map_id(mfd);
	if (ok && bpf_map_lookup_elem(pfd, &slot, &id))
		id = 0;
	close(fd);
	if (pfd >= 0)
		close(pfd);
	if (mfd >= 0)
		close(mfd);
	if (!ok) {
		snprintf(why, len, "%s is %s: the entry runs its fallback verdict on every "
			 "frame ('modwall load %s' repairs it)", path,
			 pfd < 0 ? "missing" : "not the prog array the entry uses", ifname);
		return -1;
	}
	if (!id) {
		snprintf(why, len, "slot %u of %s holds no program: the entry runs its "
			 "fallback verdict on every frame ('modwall load %s' repairs it)", slot,
			 path, ifname);
		return -1;
	}
	return 0;
}

/*
 * libxdp attach: mw_progs[slot] gets the program, then (first load only)
 * an entry that tail-calls it joins the interface's dispatcher. Loading
 * again only replaces mw_progs[slot]: the dispatcher and the other
 * programs on the interface are not touched, and no frame goes by
 * unclassified.
 */
int mw_entry_attach(const char *pin_dir, const struct mw_load_opts *o, uint32_t ifindex,
			uint32_t slot, int prog_fd, const struct mw_iface *cur,
			struct mw_load_result *r, char *err, size_t errlen)
{
	enum xdp_attach_mode mode = o->mode == MW_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_program *xp = NULL;
	struct entry_bpf *es = NULL;
	char path[512], ppath[512];
	int pfd, efd, rc, prev_fd = -1;
	uint32_t id;
	__u32 k = slot;

	r->run_prio = o->run_prio ? o->run_prio :
		      cur->ifindex && cur->run_prio ? cur->run_prio : MW_RUN_PRIO_DEFAULT;
	/* a live entry's prog array is the one to fill, pinned or not */
	mw_attach_pin_path(pin_dir, o->ifname, MW_ATTACH_LIBXDP, path, sizeof(path));
	efd = bpf_obj_get(path);
	if (efd >= 0 && mw_entry_live(ifindex, mw_prog_id(efd))) {
		rc = mw_progs_repair(pin_dir, efd, err, errlen);
		if (rc < 0) {
			close(efd);
			return rc;
		}
		r->repaired = rc;
	}
	if (efd >= 0)
		close(efd);
	pfd = mw_progs_map(pin_dir, err, errlen);
	if (pfd < 0)
		return pfd;
	mw_attach_pin_path(pin_dir, o->ifname, MW_ATTACH_LIBXDP, path, sizeof(path));
	efd = bpf_obj_get(path);
	if (efd >= 0) {
		id = mw_prog_id(efd);
		close(efd);
		if (mw_entry_live(ifindex, id)) {
			if (cur->ifindex && r->run_prio != cur->run_prio) {
				SETERR("%s runs at libxdp priority %u; 'modwall unload %s' "
				       "before changing it", o->ifname, cur->run_prio, o->ifname);
				rc = -EINVAL;
				goto out;
			}
			if (bpf_map_update_elem(pfd, &k, &prog_fd, BPF_ANY)) {
				rc = -errno;
				SETERR("replacing the program of %s: %s", o->ifname, strerror(-rc));
				goto out;
			}
			r->upgraded = 1;
			r->entry_id = id;
			rc = 0;
			goto out;
		}
		/* the interface it ran on is gone (deleted, or its dispatcher removed) */
		if (cur->ifindex)	/* spares a dispatcher still attached there */
			mw_entry_gc(cur->ifindex, id);
		if (unlink(path)) {
			rc = -errno;
			SETERR("removing the stale %s: %s", path, strerror(-rc));
			goto out;
		}
	}
	{
		/* a modwall entry these pins do not know would count every frame twice */
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex((int)ifindex);
		struct xdp_program *p = NULL;
		uint32_t other = 0;

		if (mp && !libxdp_get_error(mp)) {
			while (!other && (p = component_next(mp, p)))
				if (!strcmp(xdp_program__name(p), "modwall_entry"))
					other = xdp_program__id(p);
			xdp_multiprog__close(mp);
		}
		if (other) {
			SETERR("%s already runs a modwall entry (program %u) that %s does not "
			       "know (another pin directory, or pins removed by hand); remove it "
			       "with 'xdp-loader unload %s -i %u' first", o->ifname, other,
			       pin_dir, o->ifname, other);
			rc = -EEXIST;
			goto out;
		}
	}
	prev_fd = mw_slot_prog_fd(pin_dir, slot);	/* put back if the attach fails */
	if (bpf_map_update_elem(pfd, &k, &prog_fd, BPF_ANY)) {
		rc = -errno;
		SETERR("storing the program of %s in %s: %s", o->ifname, MW_MAP_PROGS,
		       strerror(-rc));
		goto out;
	}
	es = entry_bpf__open();
	if (!es) {
		rc = -errno;
		SETERR("opening the entry object: %s", strerror(-rc));
		goto clear;
	}
	bpf_program__set_expected_attach_type(es->progs.modwall_entry, 0);
	es->rodata->mw_entry_slot = slot;
	es->rodata->mw_entry_fallback = o->fail_action == MW_ACT_DROP ? XDP_DROP : XDP_PASS;
	snprintf(ppath, sizeof(ppath), "%s/%s", pin_dir, MW_MAP_PROGS);
	bpf_map__set_pin_path(es->maps.mw_progs, ppath);
	xp = xdp_program__from_bpf_obj(es->obj, NULL);
	rc = libxdp_get_error(xp);
	if (rc) {
		xp = NULL;
		SETERR("preparing the libxdp component: %s", strerror(-rc));
		goto clear;
	}
	xdp_program__set_run_prio(xp, r->run_prio);
	mw_log_begin();
	rc = xdp_program__attach(xp, (int)ifindex, mode, 0);
	mw_log_end();
	if (rc) {
		char msg[256];

		libxdp_strerror(rc, msg, sizeof(msg));
		if (rc == -ERANGE)
			mw_mtu_hint(o->ifname, err, errlen);
		else if (rc == -EEXIST || rc == -EBUSY)
			SETERR("%s already runs an XDP program that libxdp cannot share (%s); "
			       "detach it, or load it through libxdp (xdp-loader), or use "
			       "'modwall load %s --exclusive' once it is gone%s%s", o->ifname, msg,
			       o->ifname, mw_log_libxdp()[0] ? ":\n" : "", mw_log_libxdp());
		else if (rc == -EOPNOTSUPP || (rc == -EINVAL && mode == XDP_MODE_NATIVE))
			SETERR("attaching to %s in %s mode: %s%s%s%s", o->ifname,
			       mode == XDP_MODE_SKB ? "generic" : "native", msg,
			       mode == XDP_MODE_SKB ? "" :
			       " (the driver may lack native XDP: try --mode generic)",
			       mw_log_libxdp()[0] ? ":\n" : "", mw_log_libxdp());
		else
			SETERR("attaching to %s through libxdp: %s%s%s%s", o->ifname, msg,
			       mw_log_libxdp()[0] || mw_log_libbpf()[0] ? ":\n" : "", mw_log_libxdp(), mw_log_libbpf());
		goto clear;
	}
	efd = xdp_program__fd(xp);
	if (bpf_obj_pin(efd, path)) {
		rc = -errno;
		SETERR("pinning %s: %s", path, strerror(-rc));
		xdp_program__detach(xp, (int)ifindex, mode, 0);
		goto clear;
	}
	r->entry_id = xdp_program__id(xp);
	rc = 0;
	goto out;
clear:
	if (prev_fd < 0 || bpf_map_update_elem(pfd, &k, &prev_fd, BPF_ANY))
		bpf_map_delete_elem(pfd, &k);
out:
	if (prev_fd >= 0)
		close(prev_fd);
	xdp_program__close(xp);
	entry_bpf__destroy(es);
	close(pfd);
	return rc;
}

/* Remove @dir (a libxdp dispatcher directory) and the pins in it. */
static void rm_pin_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

void mw_entry_gc(uint32_t old_ifindex, uint32_t entry_id)
{
	const char *root = getenv("LIBXDP_BPFFS");
	struct xdp_multiprog *mp;
	uint32_t live = 0, idx, disp;
	struct dirent *de;
	char path[512];
	DIR *d;
	int dfd;

	if (!old_ifindex || !entry_id)
		return;
	snprintf(path, sizeof(path), "%s/xdp", root && *root ? root : MW_PIN_ROOT);
	d = opendir(path);
	if (!d)
		return;
	/*
	 * A dispatcher still attached to an interface of that ifindex here is
	 * not stale. Asked before taking libxdp's lock, which libxdp takes
	 * itself on another open file (flock would wait for ourselves).
	 */
	mp = xdp_multiprog__get_from_ifindex((int)old_ifindex);
	if (mp && !libxdp_get_error(mp)) {
		live = xdp_program__id(xdp_multiprog__main_prog(mp));
		xdp_multiprog__close(mp);
	}
	dfd = dirfd(d);
	if (flock(dfd, LOCK_EX)) {	/* libxdp's own lock on its pins */
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		char sub[1024];
		int k, fd, ours = 0;

		if (sscanf(de->d_name, "dispatch-%u-%u", &idx, &disp) != 2 ||
		    idx != old_ifindex || disp == live)
			continue;
		for (k = 0; k < 16 && !ours; k++) {
			snprintf(sub, sizeof(sub), "%s/%s/prog%d-prog", path, de->d_name, k);
			fd = bpf_obj_get(sub);
			if (fd >= 0) {
				ours = mw_prog_id(fd) == entry_id;
				close(fd);
			}
		}
		if (ours)
			rm_pin_dir(dfd, de->d_name);
	}
	flock(dfd, LOCK_UN);
	closedir(d);
}

/* Take @ifname's entry out of the dispatcher on @ifindex (if it still runs there). */
int mw_entry_detach(uint32_t ifindex, uint32_t id, char *err, size_t errlen)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = entry_find(ifindex, id, &mp, NULL);
	int rc = 0;

	if (p) {
		rc = xdp_program__detach(p, (int)ifindex, xdp_multiprog__attach_mode(mp), 0);
		if (rc) {
			char msg[256];

			libxdp_strerror(rc, msg, sizeof(msg));
			SETERR("detaching from ifindex %u: %s", ifindex, msg);
		}
	}
	xdp_multiprog__close(mp);
	return rc;
}
