/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line plumbing shared by the command files of user/cli/ (one per command).
 *
 * Every command is `int cmd_X(int argc, char **argv)`: argv[0] is the
 * command name; the global options (-j/--json, -p/--pretty, -q/--quiet),
 * wherever they stood, are already taken out of argv by mw_global_opts().
 * Return MW_EXIT_OK, MW_EXIT_FAIL (runtime failure) or MW_EXIT_USAGE (bad
 * usage or bad input). Errors go to stderr through mw_err() as
 * "modwall: ...". With --json, the first error is also printed on stdout as
 * {"error": "..."}, unless a value was printed already: every invocation
 * prints exactly one JSON value (streaming commands: one per line).
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
	const char *geoip_db;	/* --geoip-db FILE or MODWALL_GEOIP_DB; NULL: Debian's */
};

extern struct mw_opts mw_opts;

/* MODWALL_PIN_DIR and MODWALL_IEEE_DIR into mw_opts. */
void mw_opts_from_env(void);

/*
 * Take the global options out of argv[1..argc-1] wherever they stand (as
 * bpftool does: `modwall status --json` and `modwall -j status` are the
 * same), up to a "--" operand separator, into mw_opts. A word is a global
 * option when it is -j, --json, -p, --pretty, -q, --quiet or a cluster of
 * j, p and q ("-jq"); no command has a short option of these letters.
 * Returns the new argc (argv[argc] is NULL).
 */
int mw_global_opts(int argc, char **argv);

void mw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct mw_diag;
/* Each message of @d on stderr as "modwall: KIND MESSAGE" (@kind "" or "warning: "). */
void mw_print_diag(const struct mw_diag *d, const char *kind);
/*
 * Print @obj as the command's JSON output (one value) and drop the
 * reference. After an error value nothing more is printed.
 */
void mw_json_print(struct json_object *obj);
/*
 * The same value written as it goes (struct mw_jw, jsonw.h): begin counts
 * it as the command's value, so validate and open everything first, as an
 * error after it can no longer be a JSON value; end writes the newline
 * and returns 0 when the value came out whole. After an error value the
 * writer discards everything.
 */
struct mw_jw;
void mw_json_begin(struct mw_jw *w);
int mw_json_end(struct mw_jw *w);
/*
 * The command streams (stats --interval, events): one value per line
 * (NDJSON) whatever --pretty says, and an error after some values ends the
 * stream as its last line.
 */
void mw_json_stream(void);
/* Standard output carries data (capture -w -): JSON errors go to stderr only. */
void mw_stdout_is_data(void);
/*
 * End of a command: returns @rc. In JSON mode a failure that printed no
 * value on stdout gets one, so that even a path without an mw_err() keeps
 * the one-value rule.
 */
int mw_exit(const char *cmd, int rc);

/*
 * Parse the options of a command from a table: getopt_long under the hood,
 * --help printed from the same table so it cannot drift. The handler gets
 * the row of the option seen and switches on its id (an enum of the
 * command), so the order of the rows is only the order of the help.
 * Returns the index of the first operand, or -1 after printing an error
 * (usage), or -2 when --help was printed.
 */
struct mw_opt {
	int id;			/* what the handler switches on */
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0 when none; never j, p, q (global) or h (help) */
	const char *arg;	/* argument placeholder, NULL for a flag */
	const char *help;
};

typedef int (*mw_opt_fn)(const struct mw_opt *opt, const char *arg, void *ctx);

int mw_getopt(int argc, char **argv, const char *usage, const struct mw_opt *opts,
	      mw_opt_fn handle, void *ctx);
/* argv[0] of the last mw_getopt() ("stats", "mud import"): how values.c names the command. */
extern const char *mw_getopt_cmd;

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
int cmd_names(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_suggest(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_capture(int argc, char **argv);
/* Runs modwalld (the daemon is a program of its own). */
int cmd_daemon(int argc, char **argv);

#endif /* MW_CLI_H */
