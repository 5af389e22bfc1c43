/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Differential harness: the XDP program side (instances loaded from the
 * skeleton, policies written into the maps at ABI level, test runs,
 * counter snapshots) and what the differential test and the fuzz target
 * share (random policies, the per-frame comparison).
 */
#ifndef MW_DIFF_HARNESS_H
#define MW_DIFF_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "modwall.h"
#include "ref.h"

/* Deterministic generator (splitmix64): the same seed, the same run. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability num/den. */
static inline int rng_chance(struct rng *r, uint32_t num, uint32_t den)
{
	return rng_below(r, den) < num;
}

enum h_map {
	HM_CTL, HM_CONFIG, HM_MAC, HM_OUI, HM_IP4, HM_IP6, HM_LPM4, HM_LPM6,
	HM_COUNTERS, HM_IFCOUNTERS, HM_FLOWS, HM_FLOWMISS, HM_FLOWSTATS, HM_NR,
};

struct modwall_bpf;

/* One loaded program instance, with its own maps. */
struct h_inst {
	const char *name;
	struct ref_inst ref;
	struct modwall_bpf *skel;
	int prog_fd;
	int fd[HM_NR];
	uint32_t max_flows;	/* size of mw_flows; 0: the object's default */
};

/*
 * Flows: on lan instances the entries of subjects with odd ids carry
 * MW_SF_FLOWS (everywhere else no entry does), so the differential test
 * knows which frames make flows and can check the flow table as well.
 */
static inline int h_keeps_flows(const struct h_inst *in, uint32_t id)
{
	return in->ref.role == MW_ROLE_LAN && (id & 1);
}

/*
 * The instances both tests use: lan, wan and n3 roles, fail-open and
 * fail-closed (and observe), every malformed action, first, middle and
 * last interface slots.
 */
#define H_NINST	7
extern struct h_inst h_insts[H_NINST];

/*
 * A policy owned by the harness: the model's view (struct ref_policy) over
 * arrays allocated here. The same contents go into the BPF maps.
 */
struct h_policy {
	struct ref_policy p;
	uint32_t max_id;	/* highest subject id used */
};

/* Limits of a random policy. */
#define H_MAX_MAC	256
#define H_MAX_OUI	320
#define H_MAX_IP	256
#define H_MAX_PFX	96

struct h_policy_shape {
	/*
	 * subject ids are drawn from [1, id_space); with @split, those at or
	 * above it become MW_PCPU_IDS + (id - split): the ids apply gives
	 * devices, counted in shared lines, beside per-CPU ones below it
	 */
	uint32_t id_space;
	uint32_t split;
	uint32_t max_subjects;	/* subjects per policy */
	int scale;		/* 1..4: how full the tables get */
};

/* A random address, often in the ranges random policies use. */
void h_rand_addr(struct rng *r, uint8_t *a, int bytes);

int h_policy_alloc(struct h_policy *hp);
void h_policy_free(struct h_policy *hp);
void h_policy_random(struct h_policy *hp, struct rng *r, const struct h_policy_shape *shape);

int h_inst_load(struct h_inst *in);
void h_inst_destroy(struct h_inst *in);

/* Write @hp into generation @gen of @in's maps (keys must be new). */
int h_policy_write(struct h_inst *in, uint32_t gen, const struct h_policy *hp);
/* Delete @hp's keys from generation @gen. */
int h_policy_erase(struct h_inst *in, uint32_t gen, const struct h_policy *hp);
int h_set_ctl(struct h_inst *in, uint32_t gen, uint32_t applied);

/*
 * Run one frame through the program (repeat 1). Returns 0 and the XDP
 * verdict in @verdict, or -errno (-EINVAL for frames the kernel refuses).
 */
int h_run(struct h_inst *in, const uint8_t *frame, size_t len, uint32_t *verdict);

/*
 * Counter snapshots: per-CPU cells summed over CPUs. @rows subjects of
 * mw_counters (rows * MW_NR_REASONS cells) and every mw_ifcounters cell.
 */
#define H_IFCELLS	(MW_MAX_IFACES * MW_NR_REASONS)

struct h_counters {
	uint32_t rows;
	struct mw_counter *cnt;		/* rows * MW_NR_REASONS */
	struct mw_counter ifcnt[H_IFCELLS];
};

int h_counters_alloc(struct h_counters *c, uint32_t rows);
void h_counters_free(struct h_counters *c);
int h_counters_read(struct h_inst *in, struct h_counters *c);
/* One cell of HM_COUNTERS or HM_IFCOUNTERS, summed over CPUs. */
int h_cell_read(struct h_inst *in, int map, uint32_t idx, struct mw_counter *out);
/* Add one frame to expected totals. */
void h_counters_add(struct h_counters *c, uint32_t slot, uint32_t subject, uint32_t reason,
		    uint64_t bytes);
/* Number of cells that differ. */
size_t h_counters_cmp(const struct h_counters *a, const struct h_counters *b);

/*
 * What one frame did to the counters, from a before/after pair: the single
 * subject cell and interface cell that moved. Returns 0 when exactly one
 * cell of each moved, by one packet and @bytes; otherwise -1 with the first
 * moved cells (or ~0u) filled in.
 */
struct h_delta {
	uint32_t subject, reason;	/* mw_counters cell that moved */
	uint32_t slot, ifreason;	/* mw_ifcounters cell that moved */
	size_t moved, ifmoved;		/* how many cells moved */
};

int h_counters_delta(const struct h_counters *before, const struct h_counters *after,
		     uint64_t bytes, struct h_delta *d);

void h_hexdump(FILE *out, const uint8_t *p, size_t len);

#endif /* MW_DIFF_HARNESS_H */
