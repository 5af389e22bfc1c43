/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Pinned state: the maps and per-interface links under the pin directory.
 * The loader creates them; every other command opens them by path, so the
 * CLI works the same with or without a long-running process.
 */
#ifndef MW_STATE_H
#define MW_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "modwall.h"

struct modwall_bpf;

struct mw_maps {
	int ctl, config, mac, oui, ip4, ip6, lpm4, lpm6;
	int counters, ifcounters, subjects, ifaces, sync, binds, imei;
	int policies, allow4, allow6, buckets;
	int events, evctl, evstats, discovered, evgate;
	int mactab, ouitab;
	struct mw_ctl *ctlm;		/* mmap of mw_ctl[0] */
	struct mw_slot *mactab_m, *ouitab_m;	/* mmaps of the tables, both halves */
	unsigned mac_bits, oui_bits;	/* log2 of the slots per generation */
	int readonly;			/* opened with mw_maps_open_ro */
	uint32_t max_subjects;
	int ncpus;
};

/* Table size (log2 of slots per generation) for @n keys: load factor <= 1/4. */
unsigned mw_tab_bits(uint64_t n);

/* Mount bpffs at MW_PIN_ROOT when nothing is mounted there. */
int mw_bpffs_ensure(const char *pin_dir, char *err, size_t errlen);

/*
 * Open the pinned maps. Returns 0, -ENOENT when nothing is loaded, or
 * another negative errno with @err filled (schema mismatch: -EPROTO).
 */
int mw_maps_open(struct mw_maps *m, const char *pin_dir, char *err, size_t errlen);
/*
 * The same, read-only (BPF_F_RDONLY, mmaps PROT_READ): enough for status,
 * show, stats, discovered and the daemon's scrapes, and all a pin mode of
 * 0640 lets a non-root reader in the pins' group do.
 */
int mw_maps_open_ro(struct mw_maps *m, const char *pin_dir, char *err, size_t errlen);
/* Take the map fds of a loaded skeleton (tests, and the loader itself). */
int mw_maps_from_skel(struct mw_maps *m, struct modwall_bpf *skel, char *err, size_t errlen);
void mw_maps_close(struct mw_maps *m);

/* Initialise mw_ctl and subject 0 of freshly created maps. */
int mw_maps_init(struct mw_maps *m, uint32_t max_subjects);

#define MW_EVENT_RATE_DEFAULT	100	/* drop events per second */
#define MW_EVENT_BURST_DEFAULT	50

/* Set the drop-event rate cap (0 turns events off). */
int mw_set_event_rate(const struct mw_maps *m, uint64_t rate, uint64_t burst);

struct mw_load_opts {
	const char *ifname;
	int role;		/* enum mw_role */
	int mode;		/* enum mw_xdp_mode */
	int fail_action;	/* enum mw_action */
	int malformed_action;	/* enum mw_action */
	uint32_t max_subjects;	/* only for the first load */
	int64_t event_rate;	/* drop events per second, 0 off; -1: keep (default on first load) */
	const char *group;	/* readers' group: map pins 0640, pin dir 0750 (NULL: root only) */
	uint64_t event_burst;
	int exclusive;		/* plain bpf_link instead of a libxdp dispatcher component */
	unsigned run_prio;	/* libxdp run priority (0: keep, or MW_RUN_PRIO_DEFAULT) */
	int reuse;		/* libxdp re-attach: keep the slot's loaded program if any */
};

struct mw_load_result {
	int upgraded;		/* 1: link existed, program replaced */
	int created;		/* 1: maps were created */
	int attach;		/* enum mw_attach */
	unsigned run_prio;	/* libxdp */
	uint32_t slot, prog_id, link_id, ifindex;
	uint32_t entry_id;	/* libxdp: the dispatcher component */
};

int mw_load(const char *pin_dir, const struct mw_load_opts *o, struct mw_load_result *r,
	    char *err, size_t errlen);
/*
 * The pin that holds @ifname's attachment, link_IFNAME (exclusive) or
 * entry_IFNAME (libxdp): its fd, its kind in *@attach, and in *@lidx the
 * ifindex it runs on (0: that interface is gone). A link knows its
 * interface; an entry is looked for on @cur (the ifindex of @ifname now),
 * then on @was (the one it was loaded on). -ENOENT without a pin, -EPROTO
 * when link_IFNAME is not an XDP link.
 */
int mw_attach_pin_get(const char *pin_dir, const char *ifname, uint32_t cur, uint32_t was,
		      uint32_t *lidx, int *attach);
/*
 * libxdp leaves the pins of a deleted interface's dispatcher (with every
 * component) under /sys/fs/bpf/xdp. Remove the dispatcher directory of
 * @old_ifindex that holds the entry @entry_id, unless that dispatcher is
 * still attached there. Call in the interface's network namespace.
 */
void mw_entry_gc(uint32_t old_ifindex, uint32_t entry_id);

/* Inode number of the caller's network namespace (0 if unknown). */
uint32_t mw_netns_ino(void);
/* Was @v attached from a network namespace other than the caller's? */
int mw_iface_foreign(const struct mw_iface *v);

/* Where libxdp runs the entry @id on @ifindex. */
enum { MW_ENTRY_GONE = 0, MW_ENTRY_ALONE = 1, MW_ENTRY_DISPATCHER = 2 };
int mw_entry_state(uint32_t ifindex, uint32_t id);
void mw_attach_pin_path(const char *pin_dir, const char *ifname, int attach, char *path,
			size_t len);

/* Detach @ifname (or every interface when NULL); maps go with the last one unless @keep. */
int mw_unload(const char *pin_dir, const char *ifname, int keep, char *err, size_t errlen);

/*
 * Serialise the commands that change pinned state (load, unload, apply,
 * bind, unbind): an exclusive flock on the pin directory. Returns the fd to
 * close when done, or a negative errno.
 */
int mw_lock(const char *pin_dir);

/* All @n values (@vsz bytes each) of an array map: batches, or one by one. */
int mw_read_array(int fd, uint32_t n, size_t vsz, void *out);

/* Counters summed over CPUs; @vals has room for max_subjects * MW_NR_REASONS cells. */
int mw_read_counters(const struct mw_maps *m, int fd, uint32_t n, struct mw_counter *out);

/* Action and reason names (stable, used in output and the policy language). */
const char *mw_action_name(int action);
int mw_action_parse(const char *s);
const char *mw_reason_name(int reason);
const char *mw_role_name(int role);

#endif /* MW_STATE_H */
