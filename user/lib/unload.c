// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* unload: detach exactly what modwall attached; the maps go with the last interface. */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "load.h"
#include "netns.h"
#include "tc_egress.h"
#include "pins.h"
#include "xdp_entry.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

static int is_attach_pin(const char *name, const char **ifname)
{
	if (!strncmp(name, "link_", 5))
		*ifname = name + 5;
	else if (!strncmp(name, "entry_", 6))
		*ifname = name + 6;
	else
		return 0;
	return 1;
}

static int count_links(const char *pin_dir)
{
	DIR *d = opendir(pin_dir);
	struct dirent *de;
	const char *ifn;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += is_attach_pin(de->d_name, &ifn);
	closedir(d);
	return n;
}

static int unload_one(const char *pin_dir, const char *ifname, struct mw_maps *m,
		      char *err, size_t errlen)
{
	char path[512];
	struct mw_iface v = {}, cur = {};
	int fd, attach = MW_ATTACH_EXCLUSIVE, slot = -1, home = -1, gone = 0;
	__u32 k;

	for (k = 0; m && k < MW_MAX_IFACES && slot < 0; k++)
		if (!bpf_map_lookup_elem(m->ifaces, &k, &v) && v.ifindex &&
		    !strncmp(v.name, ifname, MW_IFNAME_LEN)) {
			slot = (int)k;
			cur = v;
		}
	mw_attach_pin_path(pin_dir, ifname, attach, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT) {
		attach = MW_ATTACH_LIBXDP;
		mw_attach_pin_path(pin_dir, ifname, attach, path, sizeof(path));
		fd = bpf_obj_get(path);
	}
	if (fd < 0 && errno != ENOENT) {
		int e = errno;

		SETERR("%s: %s%s", path, strerror(e), e == EACCES || e == EPERM ?
		       " (unload needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		return -e;
	}
	if (fd < 0 && slot < 0) {
		SETERR("modwall is not loaded on %s", ifname);
		return -ENOENT;
	}
	if (fd < 0 && (cur.attach != MW_ATTACH_LIBXDP || !cur.entry_id)) {
		/* a link went with its pin: only the slot (and the tc side) is left */
		if (cur.tc_prog_id)
			mw_tc_detach(pin_dir, ifname, cur.ifindex, cur.tc_prog_id, NULL, 0);
		memset(&v, 0, sizeof(v));
		k = (__u32)slot;
		bpf_map_update_elem(m->ifaces, &k, &v, BPF_ANY);
		return 0;
	}
	/*
	 * An entry whose pin was removed by hand still runs (and may drop
	 * everything when fail-closed): its slot knows the program to detach.
	 */
	if ((attach == MW_ATTACH_LIBXDP || cur.tc_prog_id) && mw_netns_check(&cur, ifname, NULL, 0)) {
		/* libxdp and tc work by ifindex: detach from within the interface's namespace */
		int nsfd = mw_netns_open(cur.netns);

		if (nsfd < 0) {
			gone = 1;	/* the namespace went, and the interface with it */
		} else {
			home = mw_netns_enter(nsfd);
			close(nsfd);
			if (home < 0) {
				SETERR("entering the network namespace of %s (net:[%u]): %s",
				       ifname, cur.netns, strerror(errno));
				close(fd);
				return -EXDEV;
			}
		}
	}
	if (!gone) {
		/* the tc egress side first: it never outlives the XDP side */
		uint32_t idx = cur.ifindex ? cur.ifindex : if_nametoindex(ifname);
		int rc = mw_tc_detach(pin_dir, ifname, idx, cur.tc_prog_id, err, errlen);

		if (rc) {
			mw_netns_leave(home);
			if (fd >= 0)
				close(fd);
			return rc;
		}
	} else {
		mw_tc_detach(pin_dir, ifname, 0, 0, NULL, 0);	/* the pin */
	}
	if (attach == MW_ATTACH_EXCLUSIVE) {
		if (bpf_link_detach(fd) && errno != ENOLINK)
			fprintf(stderr, "modwall: warning: detaching %s: %s\n", ifname,
				strerror(errno));
	} else {
		uint32_t idx = cur.ifindex ? cur.ifindex : if_nametoindex(ifname);
		char msg[512];
		int pfd;

		uint32_t eid = fd >= 0 ? mw_prog_id(fd) : cur.entry_id;

		if (!gone && mw_entry_detach(idx, eid, msg, sizeof(msg))) {
			/* still attached: keep the pin and the program it tail-calls */
			mw_netns_leave(home);
			SETERR("%s: %s", ifname, msg);
			if (fd >= 0)
				close(fd);
			return -EBUSY;
		}
		if (!gone)
			mw_entry_gc(idx, eid);	/* if its interface was deleted */
		mw_netns_leave(home);
		snprintf(msg, sizeof(msg), "%s/%s", pin_dir, MW_MAP_PROGS);
		pfd = bpf_obj_get(msg);
		k = (__u32)slot;
		if (pfd >= 0 && slot >= 0)
			bpf_map_delete_elem(pfd, &k);
		if (pfd >= 0)
			close(pfd);
	}
	if (fd >= 0) {
		close(fd);
		if (unlink(path)) {
			SETERR("removing %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	if (slot >= 0) {
		memset(&v, 0, sizeof(v));
		k = (__u32)slot;
		bpf_map_update_elem(m->ifaces, &k, &v, BPF_ANY);
	}
	return 0;
}

int mw_unload(const char *pin_dir, const char *ifname, int keep, char *err, size_t errlen)
{
	struct mw_maps m;
	int have_maps, rc = 0, lock;
	__u32 k;

	/* Unload works on any schema: it only needs the link pins. */
	lock = mw_lock(pin_dir);
	if (lock == -ENOENT) {
		SETERR("modwall is not loaded (no %s)", pin_dir);
		return -ENOENT;
	}
	if (lock < 0) {
		SETERR("locking %s: %s", pin_dir, strerror(-lock));
		return lock;
	}
	have_maps = mw_maps_open(&m, pin_dir, NULL, 0) == 0;
	if (ifname) {
		rc = unload_one(pin_dir, ifname, have_maps ? &m : NULL, err, errlen);
	} else {
		DIR *d = opendir(pin_dir);
		struct dirent *de;

		if (!d) {
			SETERR("modwall is not loaded (no %s)", pin_dir);
			rc = -ENOENT;
			goto out;
		}
		const char *ifn;

		while ((de = readdir(d)))
			if (is_attach_pin(de->d_name, &ifn)) {
				rc = unload_one(pin_dir, ifn, have_maps ? &m : NULL, err, errlen);
				if (rc)
					break;
			}
		closedir(d);
		/* slots whose attachment pin is gone: their entries may still run */
		for (k = 0; !rc && have_maps && k < MW_MAX_IFACES; k++) {
			struct mw_iface v;

			if (bpf_map_lookup_elem(m.ifaces, &k, &v) || !v.ifindex)
				continue;
			v.name[MW_IFNAME_LEN - 1] = 0;
			rc = unload_one(pin_dir, v.name, &m, err, errlen);
		}
	}
	if (have_maps)
		mw_ctl_sync_roles(&m);
	if (!rc && !keep && count_links(pin_dir) == 0)
		mw_pins_remove(pin_dir);
out:
	if (have_maps)
		mw_maps_close(&m);
	close(lock);
	return rc;
}
