/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The loader: attach the data path to an interface (creating the pinned
 * maps on the first load, upgrading the program in place afterwards) and
 * detach it again.
 */
#ifndef MW_LOAD_H
#define MW_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include "maps.h"

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
	uint32_t max_flows;	/* flow table size, first load only (0: MW_DEFAULT_FLOWS) */
	int no_egress;		/* lan: no tc egress program (downloads not judged there) */
};

struct mw_load_result {
	int upgraded;		/* 1: link existed, program replaced */
	int created;		/* 1: maps were created */
	int repaired;		/* 1: the mw_progs pin was missing or wrong and is right again */
	int attach;		/* enum mw_attach */
	unsigned run_prio;	/* libxdp */
	uint32_t slot, prog_id, link_id, ifindex;
	uint32_t entry_id;	/* libxdp: the dispatcher component */
	uint32_t tc_prog_id;	/* lan: the tc egress program; 0: none */
};

/*
 * Size the maps of an opened skeleton for @maxs subject ids and @maxf (0:
 * the default) flows, as the loader does (benchmarks load the same shapes).
 */
struct modwall_bpf;
void mw_load_size_maps(struct modwall_bpf *skel, uint32_t maxs, uint32_t maxf);

/* The XDP program of a role: modwall_xdp_n3 for n3, modwall_xdp for lan and wan. */
struct bpf_program;
struct bpf_program *mw_xdp_program(struct modwall_bpf *skel, int role);
/* Load only @role's XDP program, and the tc egress program when @egress. */
void mw_load_select(struct modwall_bpf *skel, int role, int egress);

int mw_load(const char *pin_dir, const struct mw_load_opts *o, struct mw_load_result *r,
	    char *err, size_t errlen);

/*
 * The attach of @ifname failed with ERANGE: the kernel refuses a program
 * without multi-buffer support on an interface whose MTU needs it. @err
 * says so and what to do.
 */
void mw_mtu_hint(const char *ifname, char *err, size_t errlen);

/* Detach @ifname (or every interface when NULL); maps go with the last one unless @keep. */
int mw_unload(const char *pin_dir, const char *ifname, int keep, char *err, size_t errlen);

#endif /* MW_LOAD_H */
