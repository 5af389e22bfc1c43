// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Option values: one rule per kind of value (see values.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "observe.h"
#include "values.h"

#define MW_RATE_MAX	10000000	/* mw_parse_event_rate's bound on N and BURST */

int mw_val_uint(const struct mw_opt *o, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = arg[0] >= '0' && arg[0] <= '9' ? strtoull(arg, &end, 10) : 0;
	if (arg[0] < '0' || arg[0] > '9' || errno || *end || v < min || v > max) {
		mw_err("%s: --%s '%s': a whole number from %llu to %llu", mw_getopt_cmd, o->name,
		       arg, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int mw_val_count(const struct mw_opt *o, const char *arg, long *out)
{
	uint64_t v;

	if (mw_val_uint(o, arg, 1, LONG_MAX, &v))
		return -1;
	*out = (long)v;
	return 0;
}

int mw_val_seconds(const struct mw_opt *o, const char *arg, double min, double max, double *out)
{
	char *end = NULL;
	double v = 0;

	errno = 0;
	/* strtod also reads " 1", "inf", "nan" and "0x1p3": only digits and a point here */
	if ((arg[0] >= '0' && arg[0] <= '9') || arg[0] == '.')
		v = strtod(arg, &end);
	if (!end || end == arg || errno || *end || arg[strspn(arg, "0123456789.")] ||
	    !(v >= min && v <= max)) {
		mw_err("%s: --%s '%s': seconds from %g to %g", mw_getopt_cmd, o->name, arg, min,
		       max);
		return -1;
	}
	*out = v;
	return 0;
}

int mw_val_duration(const struct mw_opt *o, const char *arg, uint64_t max_s, uint64_t *out)
{
	static const struct { char unit; uint64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t digits = strspn(arg, "0123456789"), i;
	unsigned long long v;
	uint64_t mul = 0;

	errno = 0;
	v = digits ? strtoull(arg, NULL, 10) : 0;
	if (digits && !arg[digits])
		mul = 1;
	for (i = 0; digits && !mul && i < sizeof(units) / sizeof(units[0]); i++)
		if (arg[digits] == units[i].unit && !arg[digits + 1])
			mul = units[i].secs;
	if (!mul || errno || v < 1 || v > max_s / mul) {
		mw_err("%s: --%s '%s': a duration from 1s to %llus: a whole number and a unit, "
		       "s, m, h or d (30s, 5m, 2h, 7d)", mw_getopt_cmd, o->name, arg,
		       (unsigned long long)max_s);
		return -1;
	}
	*out = v * mul;
	return 0;
}

int mw_val_rate(const struct mw_opt *o, const char *arg, uint64_t *rate, uint64_t *burst)
{
	if (mw_parse_event_rate(arg, rate, burst)) {
		mw_err("%s: --%s '%s': N or N/BURST events per second, N from 0 to %d, BURST "
		       "from 1 to %d (default N/2)", mw_getopt_cmd, o->name, arg, MW_RATE_MAX,
		       MW_RATE_MAX);
		return -1;
	}
	return 0;
}

int mw_val_choice(const struct mw_opt *o, const char *arg, const char *const *names, int *out)
{
	char expected[256] = "";
	size_t len = 0;
	int i, n;

	for (n = 0; names[n]; n++)
		if (!strcmp(arg, names[n])) {
			*out = n;
			return 0;
		}
	for (i = 0; i < n && len < sizeof(expected); i++)
		len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%s",
					!i ? "" : i == n - 1 ? " or " : ", ", names[i]);
	mw_err("%s: --%s: what is '%s'? (expected %s)", mw_getopt_cmd, o->name, arg, expected);
	return -1;
}
