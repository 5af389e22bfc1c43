// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* DNS names as text: their normal form, and the patterns of name rules (see namecache.h). */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "namecache.h"

int mw_name_norm(const char *name, char out[MW_DNS_NAME_MAX + 1])
{
	size_t n = strlen(name), i;

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > MW_DNS_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (ch == '.') {
			if (i == 0 || out[i - 1] == '.' || i == n - 1)
				return -EINVAL;
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			     ch == '-' || ch == '_')) {
			return -EINVAL;
		}
		out[i] = ch;
	}
	out[n] = '\0';
	return 0;
}

int mw_name_pattern_valid(const char *p)
{
	char buf[MW_DNS_NAME_MAX + 1];

	if (p[0] == '*' && p[1] == '.')
		p += 2;
	return mw_name_norm(p, buf) == 0;
}

static size_t len_nodot(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '.' ? n - 1 : n;
}

int mw_name_match(const char *pattern, const char *name)
{
	size_t pl = len_nodot(pattern), nl = len_nodot(name);

	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* the ".b.c" of "*.b.c" ends the name, with a label before it */
		const char *suffix = pattern + 1;
		size_t sl = pl - 1;

		return nl > sl && strncasecmp(name + nl - sl, suffix, sl) == 0;
	}
	return pl == nl && strncasecmp(pattern, name, pl) == 0;
}
