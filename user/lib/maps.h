/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The map layer: the pinned maps opened by path (so every command works
 * the same with or without a long-running process), and the one way to
 * read them: a batched array reader, per-CPU sums, a hash-map walk.
 */
#ifndef MW_MAPS_H
#define MW_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "modwall.h"

struct modwall_bpf;

struct mw_maps {
	int ctl, config, mac, oui, ip4, ip6, lpm4, lpm6;
	int counters, devcounters, ifcounters, subjects, ifaces, sync, binds, imei;
	int policies, allow4, allow6, buckets;
	int events, evctl, evstats, discovered, evgate, tunnels;
	int mactab, ouitab, ip4tab;
	int flows, flowmiss, flowstats;
	int names, namerules, dns, dnsq, dnsctl, dnsstats, asked, clock;
	int disctab;
	struct mw_ctl *ctlm;		/* mmap of mw_ctl[0] */
	struct mw_slot *mactab_m, *ouitab_m, *ip4tab_m;	/* mmaps of the tables, both halves */
	unsigned mac_bits, oui_bits, ip4_bits;	/* log2 of the slots per generation */
	/*
	 * mmaps of arrays indexed by subject id: writable after mw_maps_open,
	 * read-only (or NULL, when the caller may not map them) after
	 * mw_maps_open_ro
	 */
	struct mw_subject_info *subjects_m;
	struct mw_devctr *devctr_m;
	struct mw_bucket *buckets_m;
	uint32_t pcpu_ids;		/* ids counted per CPU: min(MW_PCPU_IDS, max_subjects) */
	int viewed;			/* read-only: mw_maps_view() was called */
	struct mw_disc_slot *disctab_m;	/* mmap of mw_disctab; read-only opens: NULL when the
					 * caller may not write the pins (it is read in batches) */
	int readonly;			/* opened with mw_maps_open_ro */
	uint32_t max_subjects;
	uint32_t max_flows;		/* size of mw_flows */
	int ncpus;
};

/* Pin names of the maps in struct mw_maps, in its order. */
extern const char *const mw_map_names[];
extern const size_t mw_nr_maps;

/* Table size (log2 of slots per generation) for @n keys: load factor <= 1/2. */
unsigned mw_tab_bits(uint64_t n);

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
/*
 * The MAC, vendor-prefix and IPv4 tables in mactab_m/ouitab_m/ip4tab_m:
 * mmapped by mw_maps_open(); copied on this call after mw_maps_open_ro(),
 * which leaves them out (a million devices make them 132 MiB, which
 * status, stats and scrapes do not need). 0 or a negative errno with @err
 * filled.
 */
int mw_maps_tables(struct mw_maps *m, char *err, size_t errlen);
/*
 * After mw_maps_open_ro: map the arrays indexed by subject id read-only
 * (subjects_m, devctr_m, buckets_m), once, for the readers below, which
 * call it; where the caller may not map them they stay NULL and are copied.
 */
void mw_maps_view(const struct mw_maps *m);
/* Bytes the mmap of @n values of @vsz bytes of an array map spans (whole pages). */
size_t mw_array_bytes(uint32_t n, size_t vsz);
/* Take the map fds of a loaded skeleton (tests, and the loader itself). */
int mw_maps_from_skel(struct mw_maps *m, struct modwall_bpf *skel, char *err, size_t errlen);
void mw_maps_close(struct mw_maps *m);

/* Count the wan-role interfaces of mw_ifaces into mw_ctl.wan_ifaces (read-write maps). */
int mw_ctl_sync_roles(struct mw_maps *m);

/* Initialise mw_ctl and subject 0 of freshly created maps. */
int mw_maps_init(struct mw_maps *m, uint32_t max_subjects);

/* ---- reading ---- */

/*
 * Cells [0, @n) of array map @fd, @vsz bytes each as the kernel copies them
 * (per-CPU maps: every CPU's value), handed to @sink in runs of consecutive
 * cells. Batched lookups where the kernel has them, one lookup per cell
 * otherwise. No lock is taken: each cell is one copy under RCU.
 */
typedef void (*mw_sink_fn)(void *ctx, uint32_t first, uint32_t cnt, const void *vals);
int mw_map_read(int fd, uint32_t n, size_t vsz, mw_sink_fn sink, void *ctx);
/* The same for cells [@first, @first + @n); @sink gets indexes relative to @first. */
int mw_map_read_range(int fd, uint32_t first, uint32_t n, size_t vsz, mw_sink_fn sink,
		      void *ctx);

/*
 * The readers below fill each cell's own place, so a large read is split
 * among threads (one per online CPU, up to 4, each 32768 cells or more).
 */
/* All @n values (@vsz bytes each) of an array map into @out. */
int mw_read_array(int fd, uint32_t n, size_t vsz, void *out);
/* Values [@first, @first + @n) of an array map into @out. */
int mw_read_array_range(int fd, uint32_t first, uint32_t n, size_t vsz, void *out);

/* Per-CPU counter cells [0, @n) of @fd (mw_ifcounters), summed over CPUs into @out. */
int mw_read_counters(const struct mw_maps *m, int fd, uint32_t n, struct mw_counter *out);
/*
 * The counters of subjects [@first, @first + @n) into @out, MW_NR_REASONS
 * cells per subject (out[(id - @first) * MW_NR_REASONS + reason]): per-CPU
 * cells summed, devices' shared lines and bucket counters read (see
 * "Counters" in modwall.h).
 */
int mw_read_subject_counters(const struct mw_maps *m, uint32_t first, uint32_t n,
			     struct mw_counter *out);
/* Zero every counter of subject @id (read-write maps; nothing may count under it). */
int mw_zero_subject(const struct mw_maps *m, uint32_t id);
/* Cells [@first, @first + @n) of a per-CPU counter map on @ncpus CPUs, summed (tests). */
int mw_sum_percpu(int fd, int ncpus, uint32_t first, uint32_t n, struct mw_counter *out);

/* Records [@first, @first + @n) of mw_tunnels; family 0: never seen in a tunnel. */
int mw_read_tunnels(const struct mw_maps *m, uint32_t first, uint32_t n, struct mw_tunnel *out);

/* The subject table (m->max_subjects entries). */
int mw_read_subjects(const struct mw_maps *m, struct mw_subject_info *out);

/* Zero per-CPU counter cells [@from, @from + @n) of @fd. */
int mw_zero_percpu(const struct mw_maps *m, int fd, uint32_t from, uint32_t n);

/*
 * Call @fn on every entry of a hash or LPM map (keys up to 512 bytes,
 * values up to 256) until it returns non-zero. Hash maps are read in
 * batches (a few system calls for the whole map); maps without a batch
 * operation (LPM tries) key by key. Returns 0 or -errno.
 */
typedef int (*mw_scan_fn)(const void *key, const void *val, void *ctx);
int mw_map_scan(int fd, size_t ksz, size_t vsz, mw_scan_fn fn, void *ctx);

/*
 * Every entry of hash map @fd into a malloc'd array (*@out, NULL when
 * empty) of records of @rsz bytes: the key (@ksz bytes) at offset 0, the
 * value (@vsz bytes) at @voff. Returns the number of records or -errno.
 */
ssize_t mw_map_collect(int fd, size_t ksz, size_t vsz, size_t rsz, size_t voff, void **out);

#endif /* MW_MAPS_H */
