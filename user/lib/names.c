// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Name tables expanded from the X-macro lists of include/modwall.h. */
#include <string.h>
#include "modwall.h"
#include "names.h"

#define NAME_ENTRY(e, v, n)	[v] = n,
#define NR(t)			((int)(sizeof(t) / sizeof((t)[0])))

static const char *const action_names[] = { MW_ACTIONS(NAME_ENTRY) };
static const char *const reason_names[] = { MW_REASONS(NAME_ENTRY) };
/* NULL-terminated: option parsers list the choices from it */
const char *const mw_role_names[] = { MW_ROLES(NAME_ENTRY) NULL };
static const char *const kind_names[] = { MW_KINDS(NAME_ENTRY) };
static const char *const mode_names[] = { MW_XDP_MODES(NAME_ENTRY) };
static const char *const attach_names[] = { MW_ATTACHES(NAME_ENTRY) };
static const char *const source_names[] = { MW_BIND_SOURCES(NAME_ENTRY) };
static const char *const dir_names[] = { MW_DIRS(NAME_ENTRY) };

_Static_assert(NR(reason_names) == MW_NR_REASONS, "a reason without a name");
_Static_assert(NR(action_names) == MW_ACT_MAX, "an action without a name");

static const char *lookup(const char *const *t, int n, int v)
{
	return v >= 0 && v < n && t[v] ? t[v] : "?";
}

static int parse(const char *const *t, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (t[i] && !strcmp(s, t[i]))
			return i;
	return -1;
}

const char *mw_action_name(int a) { return lookup(action_names, NR(action_names), a); }
int mw_action_parse(const char *s) { return parse(action_names, NR(action_names), s); }
const char *mw_reason_name(int r) { return lookup(reason_names, NR(reason_names), r); }
int mw_reason_parse(const char *s) { return parse(reason_names, NR(reason_names), s); }
const char *mw_role_name(int r) { return lookup(mw_role_names, NR(mw_role_names) - 1, r); }
int mw_role_parse(const char *s) { return parse(mw_role_names, NR(mw_role_names) - 1, s); }
const char *mw_kind_name(int k) { return lookup(kind_names, NR(kind_names), k); }
const char *mw_mode_name(int m) { return lookup(mode_names, NR(mode_names), m); }
int mw_mode_parse(const char *s) { return parse(mode_names, NR(mode_names), s); }
const char *mw_attach_name(int a) { return lookup(attach_names, NR(attach_names), a); }
const char *mw_bind_source_name(int s) { return lookup(source_names, NR(source_names), s); }
const char *mw_dir_name(int d) { return lookup(dir_names, NR(dir_names), d); }
