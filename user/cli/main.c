// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* modwall: command dispatch and global options. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "compile.h"
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
	{ "flows",	cmd_flows,	"where devices talk: remote, protocol, port, packets and bytes each way" },
	{ "names",	cmd_names,	"DNS names learned from the answers devices receive, and what each asked" },
	{ "suggest",	cmd_suggest,	"an allow-list (or MUD file) learned from a device's flows" },
	{ "events",	cmd_events,	"stream of sampled drop events (--stats: their counters)" },
	{ "capture",	cmd_capture,	"write dropped frames to a pcap file" },
	{ "daemon",	cmd_daemon,	"serve Prometheus /metrics and a textfile; re-apply the policy on SIGHUP" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: modwall [--json] [--pretty] [--quiet] COMMAND [ARGS]\n"
		   "       modwall COMMAND [ARGS] [--json] [--pretty] [--quiet]\n\n"
		   "Cellular IoT module enforcer: XDP data path, policy CLI, counters.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nGlobal options (anywhere on the command line, before a '--'):\n"
		   "  -j, --json     print one JSON value (errors as {\"error\": ...}); streaming\n"
		   "                 commands (stats --interval, events) print one per line\n"
		   "  -p, --pretty   indent JSON (implies --json)\n"
		   "  -q, --quiet    no warnings\n"
		   "  --geoip-db FILE  country database (default: Debian's geoip-database)\n"
		   "  -V, --version  print version and schema (first, before the command)\n"
		   "\n'modwall COMMAND --help' describes a command. Environment:\n"
		   "  MODWALL_PIN_DIR   pin directory (default " MW_PIN_DIR ")\n"
		   "  MODWALL_IEEE_DIR  IEEE registry CSVs (default /usr/share/ieee-data)\n"
		   "  MODWALL_GEOIP_DB  country database, as --geoip-db\n");
}

static int version(void)
{
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "version", json_object_new_string(MW_VERSION));
		json_object_object_add(j, "schema", json_object_new_int(MW_SCHEMA_VERSION));
		mw_json_print(j);
	} else {
		printf("modwall %s (schema %d)\n", MW_VERSION, MW_SCHEMA_VERSION);
	}
	return MW_EXIT_OK;
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

	/* -j, -p, -q anywhere: `modwall status --json` as well as `modwall -j status` */
	argc = mw_global_opts(argc, argv);
	mw_country_db_use(mw_opts.geoip_db);
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return MW_EXIT_OK;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			return version();
		} else {
			mw_err("unknown global option '%s'; see 'modwall --help'", o);
			return MW_EXIT_USAGE;
		}
	}
	if (a >= argc) {
		mw_err("which command? See 'modwall --help'");
		usage(stderr);
		return MW_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[a], cmds[i].name))
			return mw_exit(cmds[i].name, cmds[i].fn(argc - a, argv + a));
	mw_err("what is '%s'? See 'modwall --help'", argv[a]);
	return MW_EXIT_USAGE;
}
