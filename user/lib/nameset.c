// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Open addressing with linear probing over FNV-1a hashes of the names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nameset.h"

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

int mw_nameset_init(struct mw_nameset *s, size_t n)
{
	size_t slots = 16;

	while (slots < 2 * n)
		slots <<= 1;
	s->v = calloc(slots, sizeof(*s->v));
	s->mask = slots - 1;
	return s->v ? 0 : -ENOMEM;
}

void mw_nameset_free(struct mw_nameset *s)
{
	free(s->v);
	s->v = NULL;
	s->mask = 0;
}

static struct mw_name_slot *probe(const struct mw_nameset *s, const char *name)
{
	size_t i = (size_t)name_hash(name) & s->mask, k;

	for (k = 0; k <= s->mask; k++, i = (i + 1) & s->mask)
		if (!s->v[i].name || !strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

int mw_nameset_add(struct mw_nameset *s, const char *name, uint32_t val, uint32_t *had)
{
	struct mw_name_slot *sl = probe(s, name);

	if (!sl)
		return -ENOSPC;
	if (sl->name) {
		if (had)
			*had = sl->val;
		return 1;
	}
	sl->name = name;
	sl->val = val;
	return 0;
}

int mw_nameset_get(const struct mw_nameset *s, const char *name, uint32_t *val)
{
	struct mw_name_slot *sl = probe(s, name);

	if (!sl || !sl->name)
		return 0;
	*val = sl->val;
	return 1;
}
