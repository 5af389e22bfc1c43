// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Re-attach a returning interface: see reattach.h. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "maps.h"
#include "pins.h"
#include "reattach.h"
#include "xdp_entry.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

int mw_trylock(const char *pin_dir)
{
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int mw_link_unpin_stale(const char *pin_dir, const char *ifname, uint32_t was, int *keep_fd,
			int *attach, char *err, size_t errlen)
{
	char path[512], other[IF_NAMESIZE];
	uint32_t lidx = 0, cur = if_nametoindex(ifname);
	int fd, rc;

	if (keep_fd)
		*keep_fd = -1;
	fd = mw_attach_pin_get(pin_dir, ifname, cur, was, &lidx, attach);
	if (fd == -ENOENT)
		return 0;
	mw_attach_pin_path(pin_dir, ifname, *attach, path, sizeof(path));
	if (fd < 0) {
		SETERR("%s: %s", path, fd == -EPROTO ? "not an XDP link" : strerror(-fd));
		return fd;
	}
	if (lidx && lidx == cur) {
		close(fd);
		return 0;
	}
	if (lidx && if_indextoname(lidx, other)) {
		SETERR("%s is attached to %s (ifindex %u), not to %s", path, other, lidx, ifname);
		close(fd);
		return -EBUSY;
	}
	if (unlink(path)) {
		rc = -errno;
		SETERR("removing %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	if (keep_fd)
		*keep_fd = fd;
	else
		close(fd);
	return 1;
}

/* Interface counters of a slot, per CPU: @out has MW_NR_REASONS * @ncpus cells. */
static int ifc_read(int fd, int ncpus, uint32_t slot, struct mw_counter *out)
{
	__u32 r, k;

	for (r = 0; r < MW_NR_REASONS; r++) {
		k = slot * MW_NR_REASONS + r;
		if (bpf_map_lookup_elem(fd, &k, out + (size_t)r * ncpus))
			return -errno;
	}
	return 0;
}

/*
 * Loading on a link it creates, mw_load() starts the slot's interface
 * counters from zero. A re-attach continues the interface's history: a
 * reason whose cells went back gets the saved values added again, one
 * reason at a time (a frame counted between that read and write is lost).
 */
static void ifc_restore(int fd, int ncpus, uint32_t slot, const struct mw_counter *saved)
{
	struct mw_counter *cur = calloc((size_t)ncpus, sizeof(*cur));
	const struct mw_counter *sv;
	int c, reset, any;
	__u32 r, k;

	for (r = 0; cur && r < MW_NR_REASONS; r++) {
		sv = saved + (size_t)r * ncpus;
		k = slot * MW_NR_REASONS + r;
		for (c = any = 0; c < ncpus; c++)
			any |= sv[c].packets || sv[c].bytes;
		if (!any || bpf_map_lookup_elem(fd, &k, cur))
			continue;
		for (c = reset = 0; c < ncpus; c++)
			reset |= cur[c].packets < sv[c].packets || cur[c].bytes < sv[c].bytes;
		if (!reset)
			continue;
		for (c = 0; c < ncpus; c++) {
			cur[c].packets += sv[c].packets;
			cur[c].bytes += sv[c].bytes;
		}
		bpf_map_update_elem(fd, &k, cur, BPF_ANY);
	}
	free(cur);
}

/* Put a dead attachment back under its pin: the interface stays "waiting". */
static void repin(const char *pin_dir, const char *ifname, int attach, int fd)
{
	char path[512];
	int lock;

	if (fd < 0)
		return;
	mw_attach_pin_path(pin_dir, ifname, attach, path, sizeof(path));
	lock = mw_lock(pin_dir);
	if (access(path, F_OK) && bpf_obj_pin(fd, path))
		fprintf(stderr, "modwall: pinning the dead attachment of %s back to %s: %s\n",
			ifname, path, strerror(errno));
	if (lock >= 0)
		close(lock);
	close(fd);
}

int mw_reattach(const char *pin_dir, const char *ifname, uint32_t slot, uint32_t ifindex,
		struct mw_reattach_result *res, char *err, size_t errlen)
{
	struct mw_load_opts o = { .ifname = ifname, .event_rate = -1, .reuse = 1 };
	struct mw_counter *saved = NULL;
	struct mw_maps m;
	struct mw_iface v;
	int lock, stale = -1, rc, ifc = -1, ncpus, attach = MW_ATTACH_EXCLUSIVE;
	__u32 k = slot;

	memset(res, 0, sizeof(*res));
	lock = mw_trylock(pin_dir);
	if (lock < 0)
		return lock == -EAGAIN ? -EAGAIN : 0;
	if (mw_maps_open(&m, pin_dir, err, errlen)) {
		close(lock);
		return 0;
	}
	/* under the lock: still loaded, and still not attached by someone else */
	if (bpf_map_lookup_elem(m.ifaces, &k, &v) || !v.ifindex ||
	    strncmp(v.name, ifname, MW_IFNAME_LEN)) {
		rc = 0;
		goto unlock;
	}
	rc = mw_link_unpin_stale(pin_dir, ifname, v.ifindex, &stale, &attach, err, errlen);
	res->stale_err = rc < 0;
	if (rc <= 0)
		goto unlock;
	ncpus = m.ncpus;
	saved = calloc((size_t)ncpus * MW_NR_REASONS, sizeof(*saved));
	ifc = saved ? dup(m.ifcounters) : -1;
	if (ifc < 0 || ifc_read(ifc, ncpus, slot, saved)) {
		free(saved);
		saved = NULL;
	}
	/* mw_load() finds the slot by name and ifindex: the same slot, the same settings */
	res->old_ifindex = v.ifindex;
	v.ifindex = ifindex;
	if (bpf_map_update_elem(m.ifaces, &k, &v, BPF_ANY)) {
		rc = -errno;
		SETERR("updating its slot: %s", strerror(-rc));
		mw_maps_close(&m);
		close(lock);
		repin(pin_dir, ifname, attach, stale);
		goto out;
	}
	mw_maps_close(&m);
	close(lock);

	o.role = res->role = v.role;
	o.mode = res->mode = v.xdp_mode;
	o.fail_action = v.fail_action;
	o.malformed_action = v.malformed_action;
	o.exclusive = v.attach == MW_ATTACH_EXCLUSIVE;
	o.run_prio = v.run_prio;
	rc = mw_load(pin_dir, &o, &res->load, err, errlen);
	if (rc) {
		repin(pin_dir, ifname, attach, stale);
		goto out;
	}
	if (saved)
		ifc_restore(ifc, ncpus, slot, saved);
	if (attach == MW_ATTACH_LIBXDP)
		mw_entry_gc(res->old_ifindex, mw_prog_id(stale));
	close(stale);
	rc = 1;
out:
	free(saved);
	if (ifc >= 0)
		close(ifc);
	return rc;
unlock:
	if (stale >= 0)
		close(stale);
	mw_maps_close(&m);
	close(lock);
	return rc;
}
