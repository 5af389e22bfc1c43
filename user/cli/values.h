/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Option values, one parser per kind, so that `--count` means the same in
 * every command. Each takes the option's table row and its argument, and on
 * bad input prints "COMMAND: --OPTION 'VALUE': what is expected" through
 * mw_err() and returns -1 (the caller returns -1 to mw_getopt: exit 2).
 */
#ifndef MW_CLI_VALUES_H
#define MW_CLI_VALUES_H

#include <stdint.h>
#include "cli.h"

/* A whole number from @min to @max: digits only (no sign, no spaces). */
int mw_val_uint(const struct mw_opt *o, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out);
/* How many (--count N): a whole number from 1 up. */
int mw_val_count(const struct mw_opt *o, const char *arg, long *out);
/* A duration in seconds from @min to @max, fractions allowed ("0.5"). */
int mw_val_seconds(const struct mw_opt *o, const char *arg, double min, double max, double *out);
/*
 * A duration: a whole number with a unit, s (seconds), m (minutes), h
 * (hours) or d (days): "30s", "5m", "2h", "7d"; a bare number is seconds.
 * From 1 s to @max_s seconds; the result in seconds.
 */
int mw_val_duration(const struct mw_opt *o, const char *arg, uint64_t max_s, uint64_t *out);
/* An event rate N[/BURST] (mw_parse_event_rate's rule: N from 0, BURST from 1). */
int mw_val_rate(const struct mw_opt *o, const char *arg, uint64_t *rate, uint64_t *burst);
/* One of @names (NULL-terminated): its index. */
int mw_val_choice(const struct mw_opt *o, const char *arg, const char *const *names, int *out);

#endif /* MW_CLI_VALUES_H */
