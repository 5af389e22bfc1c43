/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What modwall knows of names: (name, address) pairs learned from DNS
 * responses (dns.h), each until its TTL plus a grace period, and per
 * device the names it asked for. Policies allow by name through it (the
 * daemon installs the addresses of matching pairs in the allow-lists and
 * takes them out when they leave), flows show the names of an address.
 *
 * Time is whatever monotonic second count the caller passes as @now
 * (CLOCK_MONOTONIC seconds in the daemon); nothing here reads a clock.
 *
 * Names are kept lower-case, without a trailing dot, and may hold letters,
 * digits, '-', '_' and '.' between non-empty labels; every function that
 * takes a name accepts any case and one trailing dot.
 *
 * Pairs. A response (NOERROR only) gives, for each address it resolves, a
 * pair for the question name and one for every CNAME alias on the way to
 * the address, so a later lookup of any of those names finds it. A pair's
 * TTL is the least TTL from its name to the address (a CNAME that expires
 * takes its addresses with it); clamped to [min_ttl, max_ttl]. The pair
 * expires at now + TTL and leaves at expiry + grace: it is present while
 * now < leave time, gone from then on. A new answer for a present pair
 * pushes its expiry later, never earlier (a device may still use the
 * address it was given before).
 *
 * Bounded memory: at most max_pairs pairs; a full cache evicts the pair
 * that would leave first (after taking out every pair already due), and
 * counts it. Names are stored once, however many pairs and devices refer
 * to them. Per device at most max_asked_per_device names (the least
 * recently asked goes), in total max_asked (the least recently asked over
 * all devices goes); a device leaves with its last name.
 *
 * All of it is allocated by mw_namecache_new: about 110 bytes a pair and
 * 100 an asked record, with 48 a name slot (max_pairs + max_asked of them)
 * plus each name's text, allocated as it comes.
 *
 * Lookups by name, by address, by device, and insertion, are hash-table
 * probes: O(1) but for the entries returned, and for the heap of leave
 * times (O(log n)) on insertion and expiry.
 */
#ifndef MW_NAMECACHE_H
#define MW_NAMECACHE_H

#include <stddef.h>
#include <stdint.h>
#include "dns.h"

#define MW_NC_NO_DEVICE		UINT32_MAX	/* mw_namecache_insert: no device */

struct mw_nc_cfg {
	uint32_t max_pairs;		/* (name, address) pairs, > 0 */
	uint32_t max_asked;		/* (device, name) records in total, > 0 */
	uint32_t max_asked_per_device;	/* > 0 */
	uint32_t grace;			/* seconds a pair stays after its TTL */
	uint32_t min_ttl;		/* shorter TTLs count as this */
	uint32_t max_ttl;		/* longer TTLs count as this; 0: no limit */
	uint64_t seed;			/* hash seed; 0: a random one */
};

/* What happened to a pair (struct mw_nc_event.kind) */
enum mw_nc_kind {
	MW_NC_ADDED = 0,	/* new pair */
	MW_NC_EXPIRED = 1,	/* its leave time came */
	MW_NC_EVICTED = 2,	/* pushed out by a new pair in a full cache */
	MW_NC_PRESENT = 3,	/* mw_namecache_match: a present pair */
};

struct mw_nc_event {
	int kind;		/* enum mw_nc_kind */
	const char *name;	/* valid during the callback only */
	uint8_t family;		/* AF_INET or AF_INET6 */
	const uint8_t *addr;	/* 4 or 16 bytes, network order */
	uint64_t expires;	/* end of the TTL */
	uint64_t leaves;	/* expires + grace */
};

/*
 * Called for each pair an operation adds or takes out. It must not call
 * back into the cache. @cb may be NULL.
 */
typedef void (*mw_nc_cb)(void *ctx, const struct mw_nc_event *ev);

struct mw_nc_addr {
	uint8_t family;
	uint8_t addr[16];
	uint64_t expires, leaves;
	uint64_t seen;		/* last answer that gave it */
};

struct mw_nc_name {
	char name[MW_DNS_NAME_MAX + 1];
	uint64_t expires, leaves;
	uint64_t seen;
};

struct mw_nc_asked {
	char name[MW_DNS_NAME_MAX + 1];
	uint64_t first, last;	/* first and last time asked */
	uint32_t count;		/* times asked */
};

struct mw_nc_stats {
	uint32_t pairs, names, devices, asked;	/* now */
	uint64_t added;		/* new pairs */
	uint64_t refreshed;	/* answers for a pair already present */
	uint64_t expired;
	uint64_t evicted;	/* pairs pushed out by a full cache */
	uint64_t asked_evicted;	/* device names pushed out (per-device or total bound) */
	uint64_t skipped;	/* responses not learned from (an rcode other than NOERROR) */
};

struct mw_namecache;

/* NULL with errno EINVAL (a bound of 0) or ENOMEM. */
struct mw_namecache *mw_namecache_new(const struct mw_nc_cfg *cfg);
void mw_namecache_free(struct mw_namecache *c);

/*
 * Take out every pair whose leave time is @now or earlier (MW_NC_EXPIRED
 * for each). Returns how many.
 */
size_t mw_namecache_expire(struct mw_namecache *c, uint64_t now, mw_nc_cb cb, void *ctx);

/*
 * Learn from a parsed message: first expire what is due, then for a
 * NOERROR response add or refresh its pairs (MW_NC_ADDED for new ones,
 * MW_NC_EVICTED for what a full cache pushes out), and record its question
 * name as asked by @device unless that is MW_NC_NO_DEVICE (any response or
 * query counts). Returns the number of new pairs, or -ENOMEM.
 */
int mw_namecache_insert(struct mw_namecache *c, const struct mw_dns_msg *m, uint32_t device,
			uint64_t now, mw_nc_cb cb, void *ctx);

/*
 * One pair, as insert adds them: 1 new, 0 refreshed (or a TTL and grace of
 * 0: never present), -EINVAL for a name that is not one (see above) or a
 * family other than AF_INET/AF_INET6, -ENOMEM. Does not expire.
 */
int mw_namecache_add(struct mw_namecache *c, const char *name, int family, const uint8_t *addr,
		     uint32_t ttl, uint64_t now, mw_nc_cb cb, void *ctx);

/*
 * The addresses of @name present at @now, most recently answered first:
 * returns how many there are (or -EINVAL for a malformed name) and fills
 * the first @max of them into @out.
 */
int mw_namecache_lookup(const struct mw_namecache *c, const char *name, uint64_t now,
			struct mw_nc_addr *out, size_t max);

/*
 * The names of an address present at @now, most recently answered first
 * (within one response: the question name before its aliases): returns
 * how many there are (-EINVAL for a bad family) and fills the first @max.
 */
int mw_namecache_rlookup(const struct mw_namecache *c, int family, const uint8_t *addr,
			 uint64_t now, struct mw_nc_name *out, size_t max);

/*
 * Policy name patterns: "a.b.c" matches that name only; "*.b.c" matches
 * any name with one or more labels before ".b.c" ("x.b.c", "y.x.b.c"),
 * never "b.c" itself. Both sides case-insensitive, one trailing dot
 * ignored. mw_name_pattern_valid: 1 when @p is such a pattern (a '*' is
 * allowed only as the whole first label, and a name must follow it).
 */
int mw_name_pattern_valid(const char *p);
int mw_name_match(const char *pattern, const char *name);

/*
 * Lower-case @name without its trailing dot into @out: 0, or -EINVAL when
 * it is not a name (empty, too long, an empty label, another byte).
 */
int mw_name_norm(const char *name, char out[MW_DNS_NAME_MAX + 1]);

/*
 * Every pair present at @now whose name matches @pattern, as MW_NC_PRESENT
 * events (for a policy applied after its names were learned). An exact
 * pattern is one probe; "*." walks every name. Returns the number of
 * pairs, or -EINVAL for an invalid pattern.
 */
int mw_namecache_match(const struct mw_namecache *c, const char *pattern, uint64_t now,
		       mw_nc_cb cb, void *ctx);

/* Record that @device asked for @name at @now: 0, -EINVAL, -ENOMEM. */
int mw_namecache_asked(struct mw_namecache *c, uint32_t device, const char *name, uint64_t now);

/*
 * The names @device asked for, most recently asked first: returns how
 * many it has and fills the first @max into @out.
 */
size_t mw_namecache_device_names(const struct mw_namecache *c, uint32_t device,
				 struct mw_nc_asked *out, size_t max);

/* Forget what @device asked for (it was untagged). */
void mw_namecache_forget_device(struct mw_namecache *c, uint32_t device);

void mw_namecache_stats(const struct mw_namecache *c, struct mw_nc_stats *s);

#endif /* MW_NAMECACHE_H */
