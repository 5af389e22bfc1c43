// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* modwall: command dispatch and global options. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "modwall.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "load",	cmd_load,	"attach the data path to an interface (again: upgrade in place)" },
	{ "unload",	cmd_unload,	"detach from an interface (or --all)" },
	{ "status",	cmd_status,	"interfaces, roles, modes, program ids, policy generation" },
	{ "check",	cmd_check,	"validate a policy file; touch nothing" },
	{ "apply",	cmd_apply,	"validate a policy file and swap it in atomically" },
	{ "show",	cmd_show,	"the live policy as the kernel holds it" },
	{ "stats",	cmd_stats,	"counters per device, class and interface, by reason" },
	{ "vendors",	cmd_vendors,	"look up IEEE MAC assignments by vendor name or MAC" },
	{ "bind",	cmd_bind,	"bind an IMEI to IP addresses" },
	{ "unbind",	cmd_unbind,	"remove IMEI bindings" },
	{ "mud",	cmd_mud,	"import a MUD file (RFC 8520) as a policy block" },
	{ "discovered",	cmd_discovered,	"untagged MACs of watched vendor classes, with counters" },
	{ "events",	cmd_events,	"stream of sampled drop events (--stats: their counters)" },
	{ "capture",	cmd_capture,	"write dropped frames to a pcap file" },
	{ "daemon",	cmd_daemon,	"serve Prometheus /metrics and a textfile; re-apply the policy on SIGHUP" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: modwall [--json] [--pretty] [--quiet] COMMAND [ARGS]\n\n"
		   "Cellular IoT module enforcer: XDP data path, policy CLI, counters.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nGlobal options:\n"
		   "  -j, --json     print one JSON value (errors as {\"error\": ...})\n"
		   "  -p, --pretty   indent JSON (implies --json)\n"
		   "  -q, --quiet    no warnings\n"
		   "  -V, --version  print version and schema\n"
		   "\n'modwall COMMAND --help' describes a command. Environment:\n"
		   "  MODWALL_PIN_DIR   pin directory (default " MW_PIN_DIR ")\n"
		   "  MODWALL_IEEE_DIR  IEEE registry CSVs (default /usr/share/ieee-data)\n");
}

/*
 * libbpf's warnings reach the operator; its notes do not (libxdp opens its
 * dispatcher object on every look at an interface, and libbpf comments on
 * each section it skips). Errors that matter come back through mw_err.
 */
static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	size_t i;
	int a;

	libbpf_set_print(libbpf_warnings);
	mw_opts_from_env();

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			mw_opts.json = 1;
		} else if (!strcmp(o, "-p") || !strcmp(o, "--pretty")) {
			mw_opts.json = mw_opts.pretty = 1;
		} else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
			mw_opts.quiet = 1;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return MW_EXIT_OK;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("modwall %s (schema %d)\n", MW_VERSION, MW_SCHEMA_VERSION);
			return MW_EXIT_OK;
		} else {
			mw_err("unknown global option '%s'", o);
			usage(stderr);
			return MW_EXIT_USAGE;
		}
	}
	if (a >= argc) {
		usage(stderr);
		return MW_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[a], cmds[i].name))
			return cmds[i].fn(argc - a, argv + a);
	mw_err("what is '%s'? See 'modwall --help'", argv[a]);
	return MW_EXIT_USAGE;
}
