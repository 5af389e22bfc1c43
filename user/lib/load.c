// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* load: create or reuse the pinned maps, verify the program, attach it. */
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "load.h"
#include "log.h"
#include "netns.h"
#include "pins.h"
#include "tc_egress.h"
#include "xdp_entry.h"
#include "modwall.skel.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

int mw_set_event_rate(const struct mw_maps *m, uint64_t rate, uint64_t burst)
{
	struct mw_evctl c = { 0 };
	__u32 k = 0;

	if (rate) {
		c.rate = rate;
		c.burst = burst ? burst : 1;
		c.cost = (1000000000ull << MW_RATE_SHIFT) / rate;
		if (!c.cost)
			c.cost = 1;
		if (c.burst > 10000000)
			return -ERANGE;
		c.tau = (c.burst - 1) * c.cost;	/* < 2^38 * 2^34: no overflow */
		/* ticks are 1 to 10 ms: a CPU may offer a whole burst or 10 ms of the rate */
		c.per_tick = c.burst > rate / 100 ? c.burst : rate / 100;
		if (c.per_tick < MW_EVGATE_PER_TICK)
			c.per_tick = MW_EVGATE_PER_TICK;
	}
	return bpf_map_update_elem(m->evctl, &k, &c, BPF_ANY) ? -errno : 0;
}

void mw_mtu_hint(const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	SETERR("%s: its MTU (%d) needs multi-buffer XDP, which modwall's program does not do "
	       "(it reads every header from one buffer): lower the MTU to what the driver "
	       "takes in one buffer (3498 or less on veth, about 3500 on most NICs), or load "
	       "with --mode generic, where the kernel makes each frame one buffer at some cost",
	       ifname, mtu);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Was @v's interface in this namespace, and is it deleted? */
static int gone_here(const struct mw_iface *v)
{
	char name[IF_NAMESIZE];

	if (v->netns && v->netns != mw_netns_ino())
		return 0;
	return !if_indextoname(v->ifindex, name);
}

static int find_slot(const struct mw_maps *m, uint32_t ifindex, const char *ifname,
		     struct mw_iface *cur)
{
	int free_slot = -1;
	__u32 k;

	for (k = 0; k < MW_MAX_IFACES; k++) {
		struct mw_iface v;

		if (bpf_map_lookup_elem(m->ifaces, &k, &v))
			return -errno;
		if (v.ifindex && !strncmp(v.name, ifname, MW_IFNAME_LEN) &&
		    (v.ifindex == ifindex || gone_here(&v))) {
			/* this interface, or the one of that name before it was re-created */
			*cur = v;
			return (int)k;
		}
		if (!v.ifindex && free_slot < 0)
			free_slot = (int)k;
	}
	memset(cur, 0, sizeof(*cur));
	return free_slot < 0 ? -ENOSPC : free_slot;
}

/* Attach @prog_fd alone on a bpf_link pinned as link_IFNAME, or replace the linked program. */
static int attach_link(const char *pin_dir, const struct mw_load_opts *o, uint32_t ifindex,
		       int prog_fd, int *link_out, struct mw_load_result *r, char *err,
		       size_t errlen)
{
	char path[512];
	int link_fd, rc;

	*link_out = -1;
	mw_attach_pin_path(pin_dir, o->ifname, MW_ATTACH_EXCLUSIVE, path, sizeof(path));
	link_fd = bpf_obj_get(path);
	if (link_fd >= 0) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		if (bpf_obj_get_info_by_fd(link_fd, &li, &len) || li.type != BPF_LINK_TYPE_XDP) {
			SETERR("%s is pinned but is not an XDP link; remove it first", path);
			close(link_fd);
			return -EEXIST;
		}
		if (li.xdp.ifindex == ifindex) {
			if (bpf_link_update(link_fd, prog_fd, NULL)) {
				rc = -errno;
				SETERR("replacing the program on %s: %s", o->ifname, strerror(-rc));
				close(link_fd);
				return rc;
			}
			r->upgraded = 1;
			*link_out = link_fd;
			return 0;
		}
		close(link_fd);
		if (li.xdp.ifindex) {
			char other[IF_NAMESIZE] = "?";

			if_indextoname(li.xdp.ifindex, other);
			SETERR("%s is attached to %s (ifindex %u), not to %s; 'modwall unload "
			       "%s' first", path, other, li.xdp.ifindex, o->ifname, o->ifname);
			return -EBUSY;
		}
		/* the interface it was attached to is gone */
		if (unlink(path)) {
			rc = -errno;
			SETERR("removing the stale %s: %s", path, strerror(-rc));
			return rc;
		}
	}
	{
		LIBBPF_OPTS(bpf_link_create_opts, lo);

		lo.flags = o->mode == MW_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		link_fd = bpf_link_create(prog_fd, (int)ifindex, BPF_XDP, &lo);
	}
	if (link_fd < 0) {
		rc = -errno;
		if (rc == -ERANGE)
			mw_mtu_hint(o->ifname, err, errlen);
		else if (rc == -EBUSY || rc == -EEXIST)
			SETERR("%s already has an XDP program attached; --exclusive needs the "
			       "interface to itself (drop --exclusive to share it through libxdp)",
			       o->ifname);
		else if (rc == -EOPNOTSUPP || rc == -EINVAL)
			SETERR("attaching to %s in %s mode: %s%s", o->ifname,
			       o->mode == MW_MODE_GENERIC ? "generic" : "native",
			       strerror(-rc), o->mode == MW_MODE_GENERIC ? "" :
			       " (the driver may lack native XDP: try --mode generic)");
		else
			SETERR("attaching to %s: %s", o->ifname, strerror(-rc));
		return rc;
	}
	if (bpf_obj_pin(link_fd, path)) {
		rc = -errno;
		SETERR("pinning %s: %s", path, strerror(-rc));
		bpf_link_detach(link_fd);
		close(link_fd);
		return rc;
	}
	*link_out = link_fd;
	return 0;
}

struct bpf_program *mw_xdp_program(struct modwall_bpf *skel, int role)
{
	return role == MW_ROLE_N3 ? skel->progs.modwall_xdp_n3 : skel->progs.modwall_xdp;
}

void mw_load_select(struct modwall_bpf *skel, int role, int egress)
{
	/*
	 * Kernels check that a prog array's programs share one expected
	 * attach type. libxdp loads the entry as an extension, whose type is
	 * 0, so the program it tail-calls (and the entry when libxdp loads it
	 * as plain XDP) uses 0 too, as XDP loaders did before BPF_XDP existed.
	 */
	bpf_program__set_expected_attach_type(skel->progs.modwall_xdp, 0);
	bpf_program__set_expected_attach_type(skel->progs.modwall_xdp_n3, 0);
	bpf_program__set_autoload(skel->progs.modwall_xdp, role != MW_ROLE_N3);
	bpf_program__set_autoload(skel->progs.modwall_xdp_n3, role == MW_ROLE_N3);
	bpf_program__set_autoload(skel->progs.modwall_tc, egress);
}

void mw_load_size_maps(struct modwall_bpf *skel, uint32_t maxs, uint32_t maxf)
{
	/*
	 * exact MACs and IPv4 addresses spill to the hash only past a full
	 * window of their table: rare
	 */
	uint32_t spill = maxs / 8 > 1024 ? maxs / 8 : 1024;

	bpf_map__set_max_entries(skel->maps.mw_mac, 2 * spill);
	bpf_map__set_max_entries(skel->maps.mw_ip4, 2 * spill);
	bpf_map__set_max_entries(skel->maps.mw_ip6, 2 * maxs);
	bpf_map__set_max_entries(skel->maps.mw_imei, 2 * maxs);
	bpf_map__set_max_entries(skel->maps.mw_counters,
				 (maxs < MW_PCPU_IDS ? maxs : MW_PCPU_IDS) * MW_NR_REASONS);
	bpf_map__set_max_entries(skel->maps.mw_devcounters, maxs);
	bpf_map__set_max_entries(skel->maps.mw_subjects, maxs);
	bpf_map__set_max_entries(skel->maps.mw_buckets, maxs);
	bpf_map__set_max_entries(skel->maps.mw_tunnels, maxs);
	bpf_map__set_max_entries(skel->maps.mw_flowmiss, maxs);
	bpf_map__set_max_entries(skel->maps.mw_flows, maxf ? maxf : MW_DEFAULT_FLOWS);
	bpf_map__set_max_entries(skel->maps.mw_mactab, 2u << mw_tab_bits(maxs));
	bpf_map__set_max_entries(skel->maps.mw_ouitab, 2u << mw_tab_bits(65536));
	bpf_map__set_max_entries(skel->maps.mw_ip4tab, 2u << mw_tab_bits(maxs));
}

int mw_load(const char *pin_dir, const struct mw_load_opts *o, struct mw_load_result *r,
	    char *err, size_t errlen)
{
	struct modwall_bpf *skel = NULL;
	struct mw_maps m = { .ctl = -1 };
	struct mw_iface cur, ifv;
	char path[512];
	uint32_t ifindex, maxs, maxf, tc_id = 0;
	int rc, fresh = 0, slot, link_fd = -1, prog_fd, own_prog_fd = -1, lock = -1;
	int tc_fd = -1, own_tc_fd = -1, egress = o->role == MW_ROLE_LAN && !o->no_egress;
	__u32 k;

	memset(r, 0, sizeof(*r));
	if (o->group && !getgrnam(o->group)) {	/* before anything is attached */
		SETERR("--group: no group '%s'", o->group);
		return -EINVAL;
	}
	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		SETERR("no interface '%s'", o->ifname);
		return -ENODEV;
	}
	rc = mw_bpffs_ensure(pin_dir, err, errlen);
	if (rc)
		return rc;
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		SETERR("mkdir %s: %s", pin_dir, strerror(errno));
		return -errno;
	}

	lock = mw_lock(pin_dir);
	if (lock < 0) {
		SETERR("locking %s: %s", pin_dir, strerror(-lock));
		return lock;
	}
	rc = mw_maps_open(&m, pin_dir, err, errlen);
	if (rc == -ENOENT) {
		fresh = 1;
		maxs = o->max_subjects ? o->max_subjects : MW_DEFAULT_SUBJECTS;
		maxf = o->max_flows ? o->max_flows : MW_DEFAULT_FLOWS;
		slot = 0;
		memset(&cur, 0, sizeof(cur));
	} else if (rc) {
		close(lock);
		return rc;
	} else {
		maxs = m.max_subjects;
		maxf = m.max_flows;
		if (o->max_subjects && o->max_subjects != maxs) {
			SETERR("modwall is loaded with --max-devices %u; changing it needs "
			       "'modwall unload --all' first (counters are lost)", maxs - 1);
			rc = -EINVAL;
			goto out;
		}
		if (o->max_flows && o->max_flows != maxf) {
			SETERR("modwall is loaded with --max-flows %u; changing it needs "
			       "'modwall unload --all' first (counters are lost)", maxf);
			rc = -EINVAL;
			goto out;
		}
		slot = find_slot(&m, ifindex, o->ifname, &cur);
		if (slot < 0) {
			if (slot == -ENOSPC)
				SETERR("all %d interface slots are in use", MW_MAX_IFACES);
			else
				SETERR("reading %s: %s", MW_MAP_IFACES, strerror(-slot));
			rc = slot;
			goto out;
		}
		if (cur.ifindex && cur.xdp_mode != o->mode) {
			SETERR("%s is attached in %s mode; 'modwall unload %s' before changing "
			       "the mode", o->ifname, cur.xdp_mode == MW_MODE_GENERIC ?
			       "generic" : "native", o->ifname);
			rc = -EINVAL;
			goto out;
		}
		{
			/* by name: the same name elsewhere has another ifindex */
			struct mw_iface byname;
			__u32 i;
			int nsfd;

			for (i = 0; i < MW_MAX_IFACES; i++) {
				char now[IF_NAMESIZE];

				if (bpf_map_lookup_elem(m.ifaces, &i, &byname) || !byname.ifindex ||
				    strncmp(byname.name, o->ifname, MW_IFNAME_LEN))
					continue;
				if ((nsfd = mw_netns_other(&byname)) >= 0) {
					close(nsfd);
					rc = mw_netns_check(&byname, o->ifname, err, errlen);
					goto out;
				}
				if (byname.ifindex != ifindex && byname.attach == MW_ATTACH_LIBXDP &&
				    !mw_iface_foreign(&byname) &&
				    if_indextoname(byname.ifindex, now) &&
				    mw_entry_live(byname.ifindex, byname.entry_id)) {
					SETERR("the interface modwall attached as %s (ifindex %u) is "
					       "called %s now and still runs it; 'modwall unload %s' "
					       "first", o->ifname, byname.ifindex, now, o->ifname);
					rc = -EBUSY;
					goto out;
				}
			}
		}
		if (cur.ifindex && cur.attach != (o->exclusive ? MW_ATTACH_EXCLUSIVE :
						  MW_ATTACH_LIBXDP)) {
			SETERR("%s is attached %s; 'modwall unload %s' before %s", o->ifname,
			       cur.attach == MW_ATTACH_EXCLUSIVE ? "exclusively (--exclusive)" :
			       "through libxdp", o->ifname, o->exclusive ?
			       "taking it exclusively" : "sharing it through libxdp (or add "
			       "--exclusive)");
			rc = -EINVAL;
			goto out;
		}
	}

	/*
	 * The interface came back: its program still sits in mw_progs[slot],
	 * verified and bound to this slot. Only a new entry needs attaching,
	 * which takes milliseconds instead of another verifier run.
	 */
	if (o->reuse && !o->exclusive && !fresh) {
		prog_fd = own_prog_fd = mw_slot_prog_fd(pin_dir, (uint32_t)slot);
		if (egress && prog_fd >= 0) {
			mw_tc_pin_path(pin_dir, o->ifname, path, sizeof(path));
			tc_fd = own_tc_fd = bpf_obj_get(path);
		}
		if (prog_fd >= 0 && (!egress || tc_fd >= 0))
			goto attach;
		if (own_prog_fd >= 0)
			close(own_prog_fd);
		own_prog_fd = -1;
	}
	skel = modwall_bpf__open();
	if (!skel) {
		rc = -errno;
		SETERR("opening the BPF object: %s", strerror(-rc));
		goto out;
	}
	mw_load_select(skel, o->role, egress);
	skel->rodata->mw_slot = (uint32_t)slot;
	skel->rodata->mw_role = (uint8_t)o->role;
	skel->rodata->mw_fail_action = (uint8_t)o->fail_action;
	skel->rodata->mw_malformed_action = (uint8_t)o->malformed_action;
	mw_load_size_maps(skel, maxs, maxf);
	{
		struct bpf_map *map;

		bpf_object__for_each_map(map, skel->obj) {
			const char *n = bpf_map__name(map);

			if (strncmp(n, "mw_", 3))
				continue;	/* .rodata */
			snprintf(path, sizeof(path), "%s/%s", pin_dir, n);
			bpf_map__set_pin_path(map, path);
		}
	}
	mw_log_begin();
	rc = modwall_bpf__load(skel);
	mw_log_end();
	if (rc) {
		SETERR("loading the BPF program failed (%s)%s%s", strerror(-rc),
		       mw_log_libbpf()[0] ? ":\n" : "", mw_log_libbpf());
		goto out;
	}
	if (fresh) {
		rc = mw_maps_from_skel(&m, skel, err, errlen);
		if (!rc)
			rc = mw_maps_init(&m, maxs);
		if (!rc && o->event_rate < 0)
			rc = mw_set_event_rate(&m, MW_EVENT_RATE_DEFAULT, MW_EVENT_BURST_DEFAULT);
		if (rc) {
			SETERR("initialising maps: %s", strerror(-rc));
			goto out;
		}
	}
	if (o->event_rate >= 0) {
		rc = mw_set_event_rate(&m, (uint64_t)o->event_rate, o->event_burst);
		if (rc) {
			SETERR("setting the event rate: %s", strerror(-rc));
			goto out;
		}
	}
	prog_fd = bpf_program__fd(mw_xdp_program(skel, o->role));
	if (egress)
		tc_fd = bpf_program__fd(skel->progs.modwall_tc);
attach:
	r->attach = o->exclusive ? MW_ATTACH_EXCLUSIVE : MW_ATTACH_LIBXDP;
	if (o->exclusive)
		rc = attach_link(pin_dir, o, ifindex, prog_fd, &link_fd, r, err, errlen);
	else
		rc = mw_entry_attach(pin_dir, o, ifindex, (uint32_t)slot, prog_fd, &cur, r, err,
				  errlen);
	if (rc)
		goto out;
	/* downloads after de-NAT: the tc egress side of a lan interface */
	if (egress)
		rc = mw_tc_attach(pin_dir, o->ifname, ifindex, tc_fd, &tc_id, err, errlen);
	else if (cur.tc_prog_id || mw_tc_prog_id(ifindex))
		rc = mw_tc_detach(pin_dir, o->ifname, ifindex, cur.tc_prog_id, err, errlen);
	if (rc)
		goto out;
	/* a slot taken afresh starts with clean interface counters */
	if (!r->upgraded && !cur.ifindex) {
		mw_zero_percpu(&m, m.ifcounters, (uint32_t)slot * MW_NR_REASONS, MW_NR_REASONS);
		mw_zero_percpu(&m, m.ifcounters, MW_IFC_EGRESS((uint32_t)slot) * MW_NR_REASONS,
			       MW_NR_REASONS);
	}

	{
		struct bpf_prog_info pi = {};
		struct bpf_link_info li = {};
		__u32 len = sizeof(pi);

		bpf_obj_get_info_by_fd(prog_fd, &pi, &len);
		len = sizeof(li);
		if (link_fd >= 0)
			bpf_obj_get_info_by_fd(link_fd, &li, &len);
		memset(&ifv, 0, sizeof(ifv));
		ifv.ifindex = ifindex;
		ifv.role = (uint8_t)o->role;
		ifv.xdp_mode = (uint8_t)o->mode;
		ifv.fail_action = (uint8_t)o->fail_action;
		ifv.malformed_action = (uint8_t)o->malformed_action;
		snprintf(ifv.name, sizeof(ifv.name), "%s", o->ifname);
		ifv.prog_id = pi.id;
		ifv.link_id = li.id;
		ifv.loaded_ns = now_ns();
		ifv.attach = (uint8_t)r->attach;
		ifv.run_prio = (uint16_t)(r->attach == MW_ATTACH_LIBXDP ? r->run_prio : 0);
		ifv.entry_id = r->entry_id;
		ifv.netns = mw_netns_ino();
		ifv.tc_prog_id = tc_id;
		k = (uint32_t)slot;
		if (bpf_map_update_elem(m.ifaces, &k, &ifv, BPF_ANY)) {
			rc = -errno;
			SETERR("recording interface slot: %s", strerror(-rc));
			goto out;
		}
		mw_ctl_sync_roles(&m);
		if (o->group) {
			rc = mw_pins_share(pin_dir, o->group, err, errlen);
			if (rc)
				goto out;
		}
		r->slot = k;
		r->prog_id = pi.id;
		r->link_id = li.id;
		r->ifindex = ifindex;
		r->created = fresh;
		r->tc_prog_id = tc_id;
	}
	rc = 0;
out:
	if (link_fd >= 0)
		close(link_fd);
	if (own_prog_fd >= 0)
		close(own_prog_fd);
	if (own_tc_fd >= 0)
		close(own_tc_fd);
	if (rc && fresh)
		mw_pins_remove(pin_dir);
	modwall_bpf__destroy(skel);
	mw_maps_close(&m);
	close(lock);
	return rc;
}
