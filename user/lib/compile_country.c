// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy compiler: the prefixes of a country, for country rules. There is
 * no country database yet; see mw_country_prefixes() in compile.h.
 */
#include <errno.h>
#include "compile.h"

int mw_country_prefixes(const char cc[3], struct mw_prefix **out, size_t *n)
{
	(void)cc;
	*out = NULL;
	*n = 0;
	return -ENOENT;
}
