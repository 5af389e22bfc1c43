/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow harvester: turns the data path's flow table (mw_flows) into
 * IPFIX records (ipfix.h) for a collector. It runs in a thread of its own,
 * so a large table never holds up the daemon's poll loop (RADIUS, the link
 * watch, scrapes).
 *
 * Once a second it reads the whole table (opening the pins afresh, as every
 * reading of the daemon does) and, per flow:
 *   - idle for the idle timeout (no frame since): the flow is taken out of
 *     the table (lookup-and-delete: its final counts) and what was not
 *     exported yet goes out with flowEndReason 1 (idle timeout);
 *   - otherwise, every active timeout since its first frame (or its last
 *     export), the counts added since the last export go out with
 *     flowEndReason 2 (active timeout); the flow stays.
 * What was exported per flow is kept in a table sorted by flow key, merged
 * with every reading, so it holds at most as many entries as mw_flows.
 * On stop (SIGTERM, SIGINT) every flow is taken and its remainder exported
 * with flowEndReason 4 (forced end: the metering process stops), so a
 * daemon started later counts from zero and nothing is exported twice.
 *
 * A flow gives one record per direction that has frames to report:
 *   out (from the device): source = the device, destination = the remote
 *       end and its port; flowDirection 0 (ingress: into the gateway on the
 *       device's side);
 *   in (to the device): source = the remote end and its port, destination
 *       = the device; flowDirection 1 (egress).
 * The device's own port is not in the flow key: 0. ICMP and ICMPv6 flows
 * carry the type in icmpTypeCode (type << 8, code 0; an echo reply is
 * counted under the echo request's type, as the flow key folds them), with
 * ports 0. interfaceName carries the device or class name. The device's
 * MAC (sourceMacAddress out, destinationMacAddress in) is the member MAC
 * of a class flow; 0 for a tagged device. The device's address is the one
 * the data path last saw from a class member (discovery), or for a
 * tagged device its one exact address of that family in the live policy
 * (written, bound to its IMEI, or learned from wan neighbours); 0.0.0.0 or
 * :: when there is none or more than one. Both directions share the flow's
 * first and last frame times. Non-IP flows (ARP and the like) have no
 * IPFIX record here: they are taken on the idle timeout too, and counted
 * as skipped.
 */
#ifndef MW_FLOWEXPORT_H
#define MW_FLOWEXPORT_H

#include <stdint.h>
#include "ipfix.h"
#include "sbuf.h"

#define MW_FLOWEXP_ACTIVE	60	/* default seconds */
#define MW_FLOWEXP_IDLE		30
#define MW_FLOWEXP_TEMPLATES	60

struct mw_flowexp_cfg {
	const char *dest;		/* HOST:PORT */
	const char *pin_dir;
	double active_s, idle_s, templates_s;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

/* Counters, for metrics: a copy taken with mw_flowexp_stats_get(). */
struct mw_flowexp_stats {
	struct mw_ipfix_stats ipfix;
	uint64_t expired_idle;		/* flows taken on the idle timeout */
	uint64_t expired_stop;		/* flows taken at stop */
	uint64_t active_exports;	/* active-timeout exports (flow stays) */
	uint64_t skipped;		/* non-IP flows taken without a record */
	uint64_t read_errors;		/* readings of the table that failed */
	uint64_t tracked;		/* flows in the table at the last reading */
};

struct mw_flowexp;

/*
 * Open the exporter and start the thread. NULL with @err filled on
 * failure; *@usage set when the destination is bad input.
 */
struct mw_flowexp *mw_flowexp_start(const struct mw_flowexp_cfg *cfg, int *usage, char *err,
				    size_t errlen);
/* Export what is left (see above), stop the thread, free everything. */
void mw_flowexp_stop(struct mw_flowexp *fx);
void mw_flowexp_stats_get(struct mw_flowexp *fx, struct mw_flowexp_stats *out);

/* The modwall_ipfix_* metric families. */
#define MW_FLOWEXP_SERIES	9
void mw_flowexp_metrics(const struct mw_flowexp_stats *s, struct mw_sbuf *b);

#endif /* MW_FLOWEXPORT_H */
