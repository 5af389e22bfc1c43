/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Names of the ABI's enums, from the X-macro lists in include/modwall.h:
 * the words stats, show, metrics, JSON and the policy language use.
 * A value without a name reads as "?"; a name without a value parses to -1.
 */
#ifndef MW_NAMES_H
#define MW_NAMES_H

const char *mw_action_name(int action);
int mw_action_parse(const char *s);
const char *mw_reason_name(int reason);
int mw_reason_parse(const char *s);
extern const char *const mw_role_names[];	/* NULL-terminated */
const char *mw_role_name(int role);
int mw_role_parse(const char *s);
const char *mw_kind_name(int kind);
const char *mw_mode_name(int mode);
int mw_mode_parse(const char *s);
const char *mw_attach_name(int attach);
const char *mw_bind_source_name(int source);
const char *mw_dir_name(int dir);	/* GTP-U direction (enum mw_dir) */

#endif /* MW_NAMES_H */
