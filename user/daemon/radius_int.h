/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the radius*.c files share with each other and nobody else. */
#ifndef MW_RADIUS_INT_H
#define MW_RADIUS_INT_H

#include "radius.h"

#define MIN_V6_PREFIX	32	/* shorter Framed-IPv6-Prefix values are not one device's */

/*
 * A log line through r->log, "modwall: radius: " on stderr without one. A
 * flood of forged or broken packets must not become a flood of lines: at
 * most 20 a second, then one line saying how many were left out.
 */
void mw_radius_log(struct mw_radius *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* MW_RADIUS_INT_H */
