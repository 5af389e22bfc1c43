/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The DNS learner: the daemon's half of allowing by name. The tc egress
 * program queues the DNS answers going to devices (mw_dnsq; see
 * MW_DNS_MARK in modwall.h for which are held and which copied). For each,
 * the learner reads the message with ldns (lib/dns.c), keeps the (name,
 * address) pairs until their TTL plus the grace (lib/namecache.c), mirrors
 * them in the pinned mw_dns map (which apply reads), writes the live
 * generation's mw_names entries of every policy whose name rules match,
 * and only then sends a held answer on, marked so the program lets it
 * pass: a device never holds an address its policy does not allow yet.
 * An answer that cannot be read is sent on all the same, and counted.
 *
 * While it runs, the learner beats mw_dnsctl.alive_ns every second; when it
 * stops (or dies), the program stops holding within MW_DNS_ALIVE_NS.
 *
 * Use from a poll loop: fd = mw_dnslearn_fd(); poll it with
 * mw_dnslearn_timeout(); call mw_dnslearn_handle() every iteration.
 */
#ifndef MW_DNSLEARN_H
#define MW_DNSLEARN_H

#include <stddef.h>
#include <stdint.h>
#include "dns.h"
#include "maps.h"

struct mw_dnslearn_stats {
	uint64_t answers;			/* records read from the queue */
	uint64_t held;				/* of those, held by the program */
	uint64_t released;			/* held answers sent on */
	uint64_t send_errors;			/* held answers that could not be sent */
	uint64_t result[MW_DNS_RESULT_NR];	/* by mw_dns_parse result */
	uint64_t not_dns;			/* no UDP payload in the frame */
	uint64_t learned;			/* pairs added */
	uint64_t expired;			/* pairs gone (TTL + grace, or evicted) */
	uint64_t allow_writes;			/* mw_names entries written or removed */
	uint64_t lock_ms;			/* time spent waiting for the pin lock */
	uint32_t pairs;				/* pairs known now */
	uint32_t rules;				/* name rules of the live policy */
};

struct mw_dnslearn {
	const char *pin_dir;
	uint32_t grace;			/* seconds an address stays after its TTL */
	int no_hold;			/* diagnostics: copies only (MW_DNSCTL_NO_HOLD) */
	int open;			/* the maps and the queue are open */
	struct mw_maps m;
	struct ring_buffer *rb;
	int pkt;			/* AF_PACKET socket that sends held answers on */
	struct mw_namecache *nc;
	uint32_t ctl_id;		/* mw_ctl's map id: a reload makes new maps */
	uint64_t seq;			/* the apply whose name rules are in @rules */
	unsigned gen;
	struct mw_namerule *rules;	/* the live generation's */
	int nrules;
	double next_tick;
	struct mw_dnslearn_stats st;
	/* addresses touched by the record being handled */
	struct dl_addr { uint8_t family, addr[16]; } *touched;
	size_t ntouched, cap_touched;
};

struct mw_sbuf;
#define MW_DNSLEARN_SERIES	(MW_DNS_RESULT_NR + 8)	/* series mw_dnslearn_metrics writes */
/* The modwall_dns_* families (dnslearn_metrics.c). */
void mw_dnslearn_metrics(const struct mw_dnslearn_stats *s, struct mw_sbuf *b);

/* Set up (the maps are opened on the first tick that finds them). 0 or -errno. */
int mw_dnslearn_init(struct mw_dnslearn *dl, const char *pin_dir, uint32_t grace, int no_hold);
/* The queue's fd to poll (-1 while the maps are not open). */
int mw_dnslearn_fd(const struct mw_dnslearn *dl);
/* Milliseconds until the next tick. */
int mw_dnslearn_timeout(const struct mw_dnslearn *dl);
/* Read what is queued; tick (beat, expire, follow applies) when due. Never blocks long. */
void mw_dnslearn_handle(struct mw_dnslearn *dl);
/* Stop beating, send on what is still held, free everything. */
void mw_dnslearn_close(struct mw_dnslearn *dl);

#endif /* MW_DNSLEARN_H */
