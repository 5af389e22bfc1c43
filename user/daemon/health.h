/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's own health, read from /proc/self at every reading and
 * exported under the names Prometheus client libraries use for any
 * process, so existing dashboards and alerts work unchanged:
 *
 *   process_open_fds                 descriptors open (/proc/self/fd)
 *   process_max_fds                  RLIMIT_NOFILE, soft limit
 *   process_resident_memory_bytes    resident set (/proc/self/statm)
 *   process_virtual_memory_bytes     address space (/proc/self/statm)
 *   process_cpu_seconds_total        user + system CPU time
 *   process_start_time_seconds       Unix time the process started
 */
#ifndef MW_HEALTH_H
#define MW_HEALTH_H

#include <stdint.h>
#include "sbuf.h"

#define MW_PROC_SERIES	6	/* series mw_proc_metrics() writes */

struct mw_proc {
	int ok;			/* 0: /proc/self could not be read; nothing is rendered */
	uint64_t open_fds;
	uint64_t max_fds;	/* 0: unlimited */
	uint64_t resident_bytes;
	uint64_t virtual_bytes;
	double cpu_seconds;
	double start_time;	/* kept across readings: it never changes */
};

/* Fill @p from /proc/self; 0, or a negative errno with p->ok 0. */
int mw_proc_read(struct mw_proc *p);
void mw_proc_metrics(const struct mw_proc *p, struct mw_sbuf *b);

#endif /* MW_HEALTH_H */
