/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the linkwatch*.c files share with each other and nobody else. */
#ifndef MW_LINKWATCH_INT_H
#define MW_LINKWATCH_INT_H

#include <stdint.h>
#include "linkwatch.h"
#include "reattach.h"
#include "state.h"

#define TICK_S		1.0	/* periodic check: slots, applies, retries */
#define RETRY_S		5.0	/* after a failed re-attach, doubling up to RETRY_MAX_S */
#define RETRY_MAX_S	60.0
#define LOCK_RETRY_S	0.1	/* the pin directory lock was busy */
#define RCVBUF		(4 << 20)
#define MAX_RECV	1024	/* datagrams read per call: the poll loop stays responsive */
#define MAX_EVENTS	65536	/* queued neighbour changes; beyond, a full re-read */

/*
 * The short names the three files use, as symbols of the mw_lw_ family so
 * that nothing else linked into modwalld can clash with them.
 */
#define mono_now	mw_lw_now
#define lwlog		mw_lw_log
#define trylock		mw_trylock	/* lib/reattach.h */
#define any_wan		mw_lw_any_wan
#define links_process	mw_lw_links_process
#define tick		mw_lw_tick
#define gauges		mw_lw_gauges
#define nb_forget	mw_lw_nb_forget
#define session_begin	mw_lw_session_begin
#define session_end	mw_lw_session_end
#define nb_remove	mw_lw_nb_remove
#define neigh_event	mw_lw_neigh_event
#define neigh_process	mw_lw_neigh_process
#define drain		mw_lw_drain

struct rtnl_neigh;

struct mw_lw_nev {
	uint8_t family;
	uint8_t present;	/* 0: the neighbour went (or has no usable MAC) */
	uint8_t addr[16];
	uint32_t ifindex;
	uint64_t mac;
};

/* The pinned maps, locked, with the live generation: one batch of neighbour work. */
struct session {
	struct mw_maps m;
	int lock;
	unsigned gen;
	int applied;
	struct mw_config cfg;
};

/* linkwatch.c */
double mono_now(void);
void lwlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int any_wan(const struct mw_maps *m);
void links_process(struct mw_linkwatch *w);
/* Once a second: slots changed by the CLI, applies made without the daemon, retries. */
void tick(struct mw_linkwatch *w);
void gauges(struct mw_linkwatch *w);

/* linkwatch_neigh.c */
void nb_forget(struct mw_linkwatch *w);
/* Map writes need the lock and the live policy; -EAGAIN when the lock is held. */
int session_begin(struct mw_linkwatch *w, struct session *s);
void session_end(struct session *s);
/* Forget @e; an entry written here leaves the live policy with it. */
void nb_remove(struct mw_linkwatch *w, struct session *s, struct mw_lw_neigh *e, const char *why);
/* A neighbour object as a change; -1 when it is nothing to act on. */
int neigh_event(struct rtnl_neigh *n, int deleted, struct mw_lw_nev *ev);
int neigh_process(struct mw_linkwatch *w);

/* linkwatch_nl.c */
void drain(struct mw_linkwatch *w);

#endif /* MW_LINKWATCH_INT_H */
