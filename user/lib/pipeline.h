/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy pipeline: parse, bindings, registry, compile, and (for apply)
 * the atomic swap, in one order for every caller (`check`, `apply`, the
 * daemon's start and SIGHUP reload, and whatever applies policies later):
 *
 *   1. apply only: open the pinned maps (nothing loaded: a runtime error);
 *   2. read and validate the inputs: the policy and its includes, the
 *      bindings files, the IEEE registry when the policy names a vendor
 *      (or the caller wants it kept); no lock is held while files are read;
 *   3. apply: take the pin directory lock; check: open the maps read-only
 *      if something is loaded. Add the runtime bindings (modwall bind,
 *      RADIUS) from the pinned map;
 *   4. compile; 5. apply: swap the live policy, still under the lock.
 *
 * Any error leaves the live policy as it was. Nothing is printed: errors
 * and warnings are returned as diagnostics for the caller to show.
 */
#ifndef MW_PIPELINE_H
#define MW_PIPELINE_H

#include "apply.h"
#include "compile.h"
#include "ieee.h"
#include "policy.h"

struct mw_pipeline_opts {
	const char *file;		/* the policy */
	const char *const *bindings;	/* bindings files */
	int nbindings;
	const char *pin_dir;
	const char *ieee_dir;
	int apply;			/* 0: check only, touch nothing */
	int keep_registry;		/* read the registry even if no vendor is named */
};

enum mw_pipeline_status {
	MW_PIPE_OK = 0,
	MW_PIPE_INVALID = 1,	/* the inputs have errors (pol.errors) */
	MW_PIPE_FAILED = 2,	/* a runtime failure (err): maps, lock, apply */
};

struct mw_pipeline {
	struct mw_policy pol;		/* errors and warnings, and the parsed policy */
	struct mw_plan plan;
	struct mw_bindings binds;
	struct mw_ieee db;		/* valid when have_db */
	int have_db;
	int runtime_bindings;		/* the pinned runtime bindings were included */
	struct mw_apply_result res;	/* valid when applied */
	int applied;
	char err[1024];			/* the runtime failure, for MW_PIPE_FAILED */
	char dberr[512];		/* why the registry could not be read, if it could not */
};

/* Run the pipeline; returns an enum mw_pipeline_status. Free @p afterwards. */
int mw_pipeline_run(struct mw_pipeline *p, const struct mw_pipeline_opts *o);
/* Take the registry out of @p (the caller frees it); 0 when there was none. */
int mw_pipeline_take_registry(struct mw_pipeline *p, struct mw_ieee *db);
void mw_pipeline_free(struct mw_pipeline *p);

#endif /* MW_PIPELINE_H */
