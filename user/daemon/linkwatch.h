/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Link and neighbour watch (libnl-3, NETLINK_ROUTE): the daemon's half of
 * keeping enforcement in place while the network around it changes.
 *
 * Links. An XDP link dies with its interface: when an interface modwall was
 * loaded on (a slot of the pinned mw_ifaces map) disappears, the slot and
 * the dead link_IFNAME pin are kept and the interface is "waiting". When an
 * interface of that name is up again (it appears up, or comes up: an up
 * interface cannot be renamed, so its name is final), the stale pin is
 * removed and the data path attached again through mw_load() with the
 * slot's settings (role, mode, fail and malformed actions) and the same
 * slot, so per-interface policy defaults and counters carry on. Subject
 * counters, policy and rate-limit state live in the shared maps and are not
 * touched; the slot's interface counters are carried over. A failed attempt
 * (another XDP program on the interface, say) pins the dead link back, so
 * the interface stays waiting and `modwall unload` still works on it; it is
 * tried again after 5 s, the delay doubling up to a minute. A link that
 * follows its interface to another name (renamed while down) is left alone.
 *
 * Neighbours. On a wan interface the device is the frame's destination IP,
 * so a device tagged only by MAC is not recognised there. While a wan-role
 * interface is loaded, every neighbour entry (any interface, IPv4 and IPv6,
 * link-local addresses excepted) whose link-layer address is the MAC of a
 * tagged device in the live policy puts its address into the live
 * generation's exact addresses (mw_ip4tab / mw_ip6, see ident.h) with
 * that device's subject, unless an exact entry of the policy or a binding holds the
 * address already (an address inside a policy prefix is written: the MAC
 * decides, as it does on a lan interface). The entry goes when the
 * neighbour does (deleted, failed, or moved to another MAC). Only entries
 * added here are ever removed, and mw_linkwatch_close() removes them all. An
 * apply starts a new generation without them: the watch notices the apply
 * (mw_ctl.seq) within a tick and writes them again; the daemon calls
 * mw_linkwatch_resync() right after its own reload to close that gap.
 *
 * Nothing is held open on the pinned state between calls: maps are opened
 * per batch of work, so `unload`/`load` from the CLI are followed. Writes to
 * the maps happen under the pin directory lock, taken without blocking; when
 * the CLI holds it the work is retried a moment later.
 *
 * Use from a poll loop:
 *
 *	fd = mw_linkwatch_open(&w, pin_dir, err, sizeof(err));
 *	loop:
 *		timeout = min(timeout, mw_linkwatch_timeout(&w));
 *		poll(... fd, POLLIN ...);
 *		mw_linkwatch_handle(&w);	(every iteration: it never blocks)
 *	after a SIGHUP reload (the pin directory lock released):
 *		mw_linkwatch_resync(&w);
 *	mw_linkwatch_close(&w);
 *
 * The netlink callbacks hold the address of @w: it must not move while open.
 * A re-attach runs mw_load() in the caller's thread (about 0.6 s here, most
 * of it the verifier).
 */
#ifndef MW_LINKWATCH_H
#define MW_LINKWATCH_H

#include <stddef.h>
#include <stdint.h>
#include "modwall.h"

struct nl_sock;
struct mw_lw_nev;	/* a neighbour notification waiting to be applied */

enum mw_lw_state {
	MW_LW_ATTACHED = 0,	/* the pinned link is attached to the named interface */
	MW_LW_WAITING = 1,	/* the interface is gone (or not up yet): re-attach on return */
	MW_LW_RENAMED = 2,	/* the link is on a live interface of another name: left alone */
};

/* An interface modwall was loaded on: a copy of its mw_ifaces slot. */
struct mw_lw_iface {
	char name[MW_IFNAME_LEN];
	uint32_t slot;
	uint32_t ifindex;	/* as recorded in the slot */
	uint8_t role, mode, fail_action, malformed_action;
	int state;		/* enum mw_lw_state */
	int seen;		/* still in mw_ifaces at the last refresh */
	int dirty;		/* a link message named it: look again */
	int warned;		/* the current condition was logged */
	double back_at;		/* monotonic: when its name was seen up again */
	double retry_at;	/* monotonic: no attempt before this after a failure */
	uint32_t failed_ifindex;	/* the interface the last failed attempt was on */
	unsigned fails;		/* failed attempts on it in a row, minus one */
};

/* An address this module knows from the neighbour table and a tagged MAC. */
enum mw_lw_nstate {
	MW_LN_OWNED = 0,	/* written here: removed here */
	MW_LN_POLICY = 1,	/* the live policy maps it to the same device already */
	MW_LN_CONFLICT = 2,	/* another subject holds the address: not written */
};

struct mw_lw_neigh {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t state;		/* enum mw_lw_nstate */
	uint8_t mark;		/* resync bookkeeping */
	uint8_t addr[16];
	uint32_t ifindex;
	uint64_t mac;
	struct mw_subject dev;
	uint32_t gen;		/* generation written to */
};

struct mw_linkwatch {
	char pin_dir[256];
	struct nl_sock *sk;	/* notifications: RTNLGRP_LINK, RTNLGRP_NEIGH */
	struct nl_sock *dump;	/* requests: neighbour dumps */
	int fd;
	int msgtype;		/* nlmsg_type of the message being parsed */

	struct mw_lw_iface ifs[MW_MAX_IFACES];
	int nifs;
	int wan;		/* a wan-role interface is loaded */

	struct mw_lw_neigh *nb;
	size_t nnb, capnb;
	/* the live policy the neighbour entries were written for */
	uint32_t ctl_id;	/* map id of mw_ctl (0: none) */
	uint64_t seq;		/* mw_ctl.seq */

	/* work found while reading the socket */
	struct mw_lw_nev *ev;
	size_t nev, capev;
	int links_dirty;	/* a link message named a watched interface */
	int need_resync;	/* full neighbour dump needed */
	double next_tick;	/* monotonic */
	double retry_lock_at;	/* the pin directory lock was busy: try again then */

	/* for metrics: counters (they only grow) and two gauges */
	uint64_t reattached;	/* successful re-attaches */
	uint64_t failed;	/* failed re-attach attempts */
	uint64_t gone;		/* watched interfaces seen disappearing */
	uint64_t neigh_added;	/* addresses written to the live policy */
	uint64_t neigh_removed;	/* ... taken out again (not counting applies) */
	uint64_t neigh_conflicts; /* neighbours of tagged MACs whose address is another's */
	uint64_t resyncs;	/* full neighbour re-reads */
	uint64_t overruns;	/* notifications lost (socket buffer full) */
	uint32_t waiting;	/* gauge: interfaces waiting to return */
	uint32_t learned;	/* gauge: addresses held in the live policy */
	double last_reattach_s;	/* seconds from "up again" to attached, last time */
};

/*
 * Open the netlink sockets, read the interface slots and the neighbour
 * table, re-attach what can be re-attached. Works before anything is
 * loaded (the watch picks the state up later). Returns the fd to poll for
 * POLLIN, or a negative errno with @err filled.
 */
int mw_linkwatch_open(struct mw_linkwatch *w, const char *pin_dir, char *err, size_t errlen);

/*
 * Read pending notifications and do the work due: re-attach, neighbour
 * updates, the periodic check (slots changed by the CLI, applies, retries).
 * Never blocks on the socket: call it after every poll() return.
 */
void mw_linkwatch_handle(struct mw_linkwatch *w);

/* Milliseconds until mw_linkwatch_handle() has periodic work (0..1000). */
int mw_linkwatch_timeout(const struct mw_linkwatch *w);

/*
 * The policy was applied again: write the neighbour-derived entries into the
 * new live generation now (a full neighbour dump). Returns 0 or a negative
 * errno (the work is then retried by mw_linkwatch_handle()).
 */
int mw_linkwatch_resync(struct mw_linkwatch *w);

/* Take the addresses written here out of the live policy; close the sockets. */
void mw_linkwatch_close(struct mw_linkwatch *w);

#endif /* MW_LINKWATCH_H */
