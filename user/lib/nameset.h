/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A set of names with a 32-bit value each, for matching a million device
 * names in linear time (duplicate names in a policy, ids kept across
 * applies). Names are not copied: they must outlive the set.
 */
#ifndef MW_NAMESET_H
#define MW_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct mw_name_slot {
	const char *name;	/* NULL: empty */
	uint32_t val;
};

struct mw_nameset {
	struct mw_name_slot *v;
	size_t mask;		/* slots - 1: a power of two, at least twice the names */
};

/* Room for @n names. 0 or -ENOMEM. */
int mw_nameset_init(struct mw_nameset *s, size_t n);
void mw_nameset_free(struct mw_nameset *s);
/*
 * Add @name with @val unless it is there: 0 when added, 1 when it was
 * there (its value to *@had when not NULL), -ENOSPC past the room asked for.
 */
int mw_nameset_add(struct mw_nameset *s, const char *name, uint32_t val, uint32_t *had);
/* The value of @name: 1 and *@val, or 0 when it is not in the set. */
int mw_nameset_get(const struct mw_nameset *s, const char *name, uint32_t *val);

#endif /* MW_NAMESET_H */
