/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What namecache.c (pairs, names, the heap) and namecache_asked.c (what
 * devices asked for) share: the entries, linked by index, and the helpers
 * on them.
 */
#ifndef MW_NAMECACHE_INT_H
#define MW_NAMECACHE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "namecache.h"

#define NIL	UINT32_MAX

struct link {
	uint32_t prev, next;
};

struct list {
	uint32_t head, tail;
};

struct name_e {
	char *s;		/* NULL: free slot */
	uint32_t len;
	uint32_t refs;		/* pairs and asked records naming it */
	uint64_t hash;
	struct link bucket;	/* free slots: the free list through .next */
	struct list pairs;	/* its pairs, most recently answered first */
};

struct pair_e {
	uint32_t name;		/* NIL: free slot */
	uint32_t heap;		/* position in c->heap */
	uint8_t family;
	uint8_t addr[16];
	uint64_t expires, leaves, seen;
	struct link bucket;	/* by (name, address) */
	struct link by_addr;	/* by address, most recently answered first */
	struct link by_name;	/* in its name's list */
};

struct dev_e {
	uint32_t id;
	uint32_t n;		/* 0: free slot */
	struct link bucket;
	struct list names;	/* asked records, most recent first */
};

struct asked_e {
	uint32_t dev;		/* NIL: free slot */
	uint32_t name;
	uint32_t count;
	uint64_t first, last;
	struct link bucket;	/* by (device, name) */
	struct link in_dev;
	struct link lru;	/* all records, most recent first */
};

struct mw_namecache {
	struct mw_nc_cfg cfg;
	uint64_t seed;
	struct mw_nc_stats st;

	struct name_e *names;
	uint32_t names_cap, names_free;
	struct list *name_b;
	uint32_t name_mask;

	struct pair_e *pairs;
	uint32_t pairs_free;
	uint32_t *heap;
	struct list *pair_b, *addr_b;
	uint32_t pair_mask;

	struct dev_e *devs;
	uint32_t devs_free;
	struct asked_e *asked;
	uint32_t asked_free;
	struct list *dev_b, *asked_b;
	uint32_t asked_mask;
	struct list lru;
};

/* Where the struct link of entry i sits: entries of @stride bytes, link at @off. */
struct chain {
	void *base;
	size_t stride, off;
};

#define CHAIN(arr, field) \
	((struct chain){ (arr), sizeof(*(arr)), offsetof(__typeof__(*(arr)), field) })

void nc_push_head(struct chain ch, struct list *l, uint32_t i);
void nc_unlink(struct chain ch, struct list *l, uint32_t i);
void nc_to_head(struct chain ch, struct list *l, uint32_t i);
uint64_t nc_mix(uint64_t h, uint64_t v);
uint64_t nc_hash_bytes(uint64_t h, const void *p, size_t n);
/* The name entry of @s (@len bytes, hash @h), or NIL. */
uint32_t nc_name_find(const struct mw_namecache *c, const char *s, size_t len, uint64_t h);
/* @s normalised; a new reference to it, or NIL when out of memory. */
uint32_t nc_name_get(struct mw_namecache *c, const char *s);
/* Drop a reference; the last one frees the entry. */
void nc_name_put(struct mw_namecache *c, uint32_t i);

#endif /* MW_NAMECACHE_INT_H */
