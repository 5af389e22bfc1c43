/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading the flow table (mw_flows, see struct mw_flow_key in modwall.h):
 * the whole table or one subject's flows, taking a flow out for good
 * (export), the per-subject miss counters, and the text of a flow's
 * remote end. Times in struct mw_flow are CLOCK_MONOTONIC (see observe.h
 * for the conversion to wall-clock time).
 */
#ifndef MW_FLOWS_H
#define MW_FLOWS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "maps.h"

struct mw_flow_rec {
	struct mw_flow_key k;
	struct mw_flow v;
};

#define MW_FLOWS_ALL	UINT32_MAX

/*
 * The flows of @subject (MW_FLOWS_ALL: every subject), read in batches.
 * The data path adds flows meanwhile; a key is reported once. Returns the
 * number read and sets *@out (malloc'd; NULL when none), or a negative errno.
 */
ssize_t mw_flows_read(const struct mw_maps *m, uint32_t subject, struct mw_flow_rec **out);

/*
 * Take the flow @k out of the table: its final counts in @out, with one
 * lookup-and-delete, so no frame counted before the call is lost. 0,
 * -ENOENT when it is not there, or another negative errno.
 */
int mw_flow_take(const struct mw_maps *m, const struct mw_flow_key *k, struct mw_flow *out);

/*
 * Delete the flows of every subject whose entry in @tab (@n subjects) is
 * free: apply calls it when subjects went, before their ids are reused.
 */
int mw_flows_forget(const struct mw_maps *m, const struct mw_subject_info *tab, uint32_t n);

/* Frames that found the table full, per subject (m->max_subjects cells into @out). */
int mw_flowmiss_read(const struct mw_maps *m, struct mw_counter *out);

/* Global flow-table statistics (enum mw_flowstat), summed over CPUs. */
int mw_flowstats_read(const struct mw_maps *m, uint64_t out[MW_FS_NR]);

/* Flows per subject (m->max_subjects cells of @count, zeroed first) from @recs. */
void mw_flows_per_subject(const struct mw_flow_rec *recs, size_t n, uint32_t *count,
			  uint32_t max_subjects);

/* The remote end: "198.18.0.1", "fd00::1", or for non-IP flows the EtherType "0x0806". */
void mw_flow_remote(const struct mw_flow_key *k, char *buf, size_t len);
/* "tcp", "udp", "icmp", "icmpv6", "arp" (non-IP: by EtherType), or the number. */
void mw_flow_proto(const struct mw_flow_key *k, char *buf, size_t len);
/* The member MAC of a class flow as "02:00:00:00:00:01"; "" for a device's flow. */
void mw_flow_member(const struct mw_flow_key *k, char *buf, size_t len);

#endif /* MW_FLOWS_H */
