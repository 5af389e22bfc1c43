/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line plumbing shared by the command files of user/cli/ (one per command).
 *
 * Every command is `int cmd_X(int argc, char **argv)`: argv[0] is the
 * command name, global options (--json, --pretty) are already consumed.
 * Return MW_EXIT_OK, MW_EXIT_FAIL (runtime failure) or MW_EXIT_USAGE (bad
 * usage or bad input). Errors go to stderr through mw_err() as
 * "modwall: ...". With --json, an error is also printed on stdout as
 * {"error": "..."} so every invocation prints exactly one JSON value.
 */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <json-c/json.h>

#define MW_EXIT_OK	0
#define MW_EXIT_FAIL	1
#define MW_EXIT_USAGE	2

struct mw_opts {
	int json;		/* --json / -j */
	int pretty;		/* --pretty / -p */
	int quiet;		/* --quiet / -q: no warnings */
	const char *pin_dir;	/* MODWALL_PIN_DIR or MW_PIN_DIR */
	const char *ieee_dir;	/* MODWALL_IEEE_DIR or /usr/share/ieee-data */
};

extern struct mw_opts mw_opts;

/* MODWALL_PIN_DIR and MODWALL_IEEE_DIR into mw_opts. */
void mw_opts_from_env(void);

void mw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print @obj as the command's JSON output (one value) and drop the reference. */
void mw_json_print(struct json_object *obj);

/*
 * Parse the options of a command from a table: getopt_long under the hood,
 * --help printed from the same table so it cannot drift. Returns the index
 * of the first operand, or -1 after printing an error (usage), or -2 when
 * --help was printed.
 */
struct mw_opt {
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0 when none */
	const char *arg;	/* argument placeholder, NULL for a flag */
	const char *help;
};

int mw_getopt(int argc, char **argv, const char *usage, const struct mw_opt *opts,
	      int (*handle)(int idx, const char *arg, void *ctx), void *ctx);

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_vendors(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_mud(int argc, char **argv);
int cmd_discovered(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_capture(int argc, char **argv);
/* Runs modwalld (the daemon is a program of its own). */
int cmd_daemon(int argc, char **argv);

#endif /* MW_CLI_H */
