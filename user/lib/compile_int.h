/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the files of the policy compiler share among themselves. Not for
 * use outside compile*.c; the module's interface is compile.h.
 */
#ifndef MW_COMPILE_INT_H
#define MW_COMPILE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "compile.h"

/* realloc that exits when out of memory */
void *compile_xrealloc(void *p, size_t n);
/* A zeroed entry of map @map for subject @subj, appended to @plan. */
struct mw_plan_entry *compile_plan_add(struct mw_plan *plan, int map, uint32_t subj);

/* compile_devices.c: MAC, IMEI and address entries; the checks that no two devices share one */
void compile_devices(struct mw_plan *plan, struct mw_policy *pol,
		     const struct mw_bindings *binds);
/* compile_classes.c: vendor prefix entries of classes; subjects from @first_subj */
void compile_classes(struct mw_plan *plan, struct mw_policy *pol,
		     const struct mw_ieee *db, uint32_t first_subj);

#endif /* MW_COMPILE_INT_H */
