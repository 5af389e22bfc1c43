// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * suggest: an allow-list policy block (or an RFC 8520 MUD file) learned
 * from a device's or a class's flows. The learning is lib/suggest.c's;
 * here: the live tables, the options, the output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include "cli.h"
#include "compile.h"
#include "flows.h"
#include "mud.h"
#include "observe.h"
#include "policy.h"
#include "remote_info.h"
#include "ring.h"
#include "state.h"
#include "suggest.h"
#include "values.h"

#define DEFAULT_MUD_URL	"https://modwall.invalid/%s.json"
/* --since up to a century, as flows takes it */
#define MAX_SINCE_S	(100ull * 365 * 86400)

struct suggest_args {
	uint64_t since_s;	/* 0: every flow */
	const char *since;
	int mud;
	const char *name;
	const char *mud_url;
};

enum { SUG_SINCE, SUG_MUD, SUG_NAME, SUG_MUD_URL };

static const struct mw_opt suggest_opts[] = {
	{ SUG_SINCE, "since", 0, "DURATION", "learn only from flows seen within DURATION: 30s, "
	  "5m, 2h, 7d" },
	{ SUG_MUD, "mud", 0, NULL, "write an RFC 8520 MUD file (JSON) instead of a policy block" },
	{ SUG_NAME, "name", 'n', "POLICY", "name of the policy (default: DEVICE-learned); with "
	  "--mud, of its ACL" },
	{ SUG_MUD_URL, "mud-url", 0, "URL", "the mud-url of the MUD file (default "
	  "https://modwall.invalid/DEVICE.json)" },
	{ 0, NULL, 0, NULL, NULL },
};

static int suggest_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct suggest_args *a = ctx;

	switch (opt->id) {
	case SUG_SINCE:
		a->since = arg;
		return mw_val_duration(opt, arg, MAX_SINCE_S, &a->since_s);
	case SUG_MUD:
		a->mud = 1;
		break;
	case SUG_NAME:
		a->name = arg;
		break;
	case SUG_MUD_URL:
		if (!*arg || strchr(arg, ' ')) {
			mw_err("suggest: --mud-url '%s': a URL without blanks is expected", arg);
			return -1;
		}
		a->mud_url = arg;
		break;
	}
	return 0;
}

static const char *learned_name(void *ctx, int family, const uint8_t *addr)
{
	return mw_remote_name(ctx, family, addr);
}

/* The subject named @arg in the live policy: its id, or 0 after an error. */
static uint32_t find_subject(const char *arg, const struct mw_maps *m,
			     const struct mw_subject_info *tab, int *is_class)
{
	unsigned gen = m->ctlm->gen & 1;
	uint32_t i;

	for (i = 1; i < m->max_subjects; i++)
		if ((tab[i].kind == MW_KIND_DEVICE || tab[i].kind == MW_KIND_CLASS) &&
		    (tab[i].gens & (1u << gen)) && !strncmp(tab[i].name, arg, MW_NAME_LEN)) {
			*is_class = tab[i].kind == MW_KIND_CLASS;
			return i;
		}
	return 0;
}

/* The text must be what check accepts: parse and compile it, as mud import does. */
static int self_check(const char *text)
{
	struct mw_policy pol;
	struct mw_plan plan;
	int k, rc;

	rc = mw_policy_load_string(&pol, "suggestion", text);
	if (rc == 0)
		rc = mw_compile(&plan, &pol, NULL, NULL);
	else
		memset(&plan, 0, sizeof(plan));
	for (k = 0; k < pol.errors.n; k++)
		mw_err("suggest: the suggested policy does not check: %s", pol.errors.msg[k]);
	mw_plan_free(&plan);
	mw_policy_free(&pol);
	return rc || pol.errors.n;
}

/* The MUD file must be one `modwall mud import` takes. */
static int mud_self_check(struct json_object *doc, const struct mw_suggest_meta *meta)
{
	struct mw_mud_opts o = { .file = "suggestion", .name = meta->policy };
	struct mw_mud mud;
	int k, rc;

	rc = mw_mud_import(&mud, doc, &o);
	for (k = 0; k < mud.errors.n; k++)
		mw_err("suggest: the MUD file would not import: %s", mud.errors.msg[k]);
	mw_mud_free(&mud);
	return rc;
}

static struct json_object *rules_json(const struct mw_suggestion *s)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < s->nrules; i++) {
		const struct mw_sug_rule *r = &s->rules[i];
		struct json_object *o = json_object_new_object();
		char to[MW_SUG_NAME_MAX], pn[8];
		const char *p = mw_sug_proto(r->proto, pn, sizeof(pn));
		int ported = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP;

		mw_sug_rule_to(r, to, sizeof(to));
		if (p && !strcmp(p, pn))
			json_object_object_add(o, "proto", json_object_new_int(r->proto));
		else
			json_object_object_add(o, "proto", json_object_new_string(p ? p : "any"));
		json_object_object_add(o, "to", json_object_new_string(to));
		json_object_object_add(o, "kind", json_object_new_string(
			r->kind == MW_SUG_NAME ? "name" : "address"));
		/* port or type: a number, or the last of a range in port_to / type_to */
		if (r->has_range) {
			json_object_object_add(o, ported ? "port" : "type", json_object_new_int(r->lo));
			if (r->hi != r->lo)
				json_object_object_add(o, ported ? "port_to" : "type_to",
						       json_object_new_int(r->hi));
		}
		if (r->kind == MW_SUG_NAME) {
			struct json_object *addrs = json_object_new_array();
			size_t k;

			for (k = 0; k < r->naddrs; k++) {
				struct mw_sug_rule one = { .kind = MW_SUG_ADDR, .to = r->addrs[k] };
				char a[64];

				mw_sug_rule_to(&one, a, sizeof(a));
				json_object_array_add(addrs, json_object_new_string(a));
			}
			json_object_object_add(o, "addresses", addrs);
		}
		json_object_object_add(o, "widened", json_object_new_boolean(
			r->how == MW_SUG_WIDENED));
		add_u64(o, "flows", r->flows);
		add_u64(o, "packets_out", r->packets_out);
		add_u64(o, "packets_in", r->packets_in);
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *left_json(const struct mw_suggestion *s)
{
	static const char *const why[] = { "dropped", "inbound", "arp", "neighbour-discovery",
					   "not-ip", "icmp-family" };
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < s->nleft; i++) {
		const struct mw_flow_rec *f = &s->left[i].f;
		struct json_object *o = json_object_new_object();
		char remote[64], proto[16];

		mw_flow_remote(&f->k, remote, sizeof(remote));
		mw_flow_proto(&f->k, proto, sizeof(proto));
		json_object_object_add(o, "why", json_object_new_string(why[s->left[i].why]));
		json_object_object_add(o, "remote", json_object_new_string(remote));
		json_object_object_add(o, "proto", json_object_new_string(proto));
		add_u64(o, "port", f->k.family ? f->k.port : 0);
		add_u64(o, "packets_out", f->v.packets[MW_FDIR_OUT]);
		add_u64(o, "dropped_out", f->v.dropped[MW_FDIR_OUT]);
		add_u64(o, "packets_in", f->v.packets[MW_FDIR_IN]);
		json_object_array_add(arr, o);
	}
	return arr;
}

static int output(const struct mw_suggestion *s, const struct mw_suggest_meta *meta,
		  const struct suggest_args *a)
{
	struct json_object *j;
	char *text;

	if (a->mud) {
		j = mw_suggest_mud(s, meta);
		if (!j) {
			mw_err("suggest: %s", strerror(ENOMEM));
			return MW_EXIT_FAIL;
		}
		if (mud_self_check(j, meta)) {
			json_object_put(j);
			return MW_EXIT_FAIL;
		}
		if (mw_opts.json) {	/* the MUD document is the value */
			mw_json_print(j);
			return MW_EXIT_OK;
		}
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
		return MW_EXIT_OK;
	}
	text = mw_suggest_text(s, meta);
	if (!text) {
		mw_err("suggest: %s", strerror(ENOMEM));
		return MW_EXIT_FAIL;
	}
	if (self_check(text)) {
		free(text);
		return MW_EXIT_FAIL;
	}
	if (mw_opts.json) {
		j = json_object_new_object();
		json_object_object_add(j, "device", json_object_new_string(meta->subject));
		json_object_object_add(j, "kind", json_object_new_string(
			meta->is_class ? "class" : "device"));
		json_object_object_add(j, "name", json_object_new_string(meta->policy));
		add_u64(j, "flows", s->nflows);
		json_object_object_add(j, "rules", rules_json(s));
		json_object_object_add(j, "left_out", left_json(s));
		json_object_object_add(j, "policy", json_object_new_string(text));
		mw_json_print(j);
	} else {
		fputs(text, stdout);
	}
	free(text);
	return MW_EXIT_OK;
}

int cmd_suggest(int argc, char **argv)
{
	struct suggest_args a = { 0 };
	struct mw_suggest_meta meta = { 0 };
	struct mw_suggest_opts so = { 0 };
	struct mw_remote_info *ri = NULL;
	struct mw_subject_info *tab = NULL;
	struct mw_flow_rec *v = NULL;
	struct mw_suggestion s = { 0 };
	char err[1024], policy[MW_NAME_LEN + 16], url[512];
	const char *subject;
	struct mw_maps m;
	struct timespec now;
	int rc, ix, is_class = 0;
	ssize_t got;

	ix = mw_getopt(argc, argv, "suggest DEVICE|CLASS [--since DURATION] [--name POLICY] "
		       "[--mud [--mud-url URL]]", suggest_opts, suggest_opt, &a);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - ix != 1) {
		mw_err("suggest: %s", argc - ix ? "one device or class at a time"
						: "which device or class?");
		return MW_EXIT_USAGE;
	}
	subject = argv[ix];
	if (a.mud_url && !a.mud) {
		mw_err("suggest: --mud-url goes with --mud");
		return MW_EXIT_USAGE;
	}
	snprintf(policy, sizeof(policy), "%s-learned", subject);
	if (a.name ? !mw_mud_valid_name(a.name) : !mw_mud_valid_name(policy)) {
		mw_err("suggest: %s '%s' is not a valid policy name: letters, digits, '_', '-' and "
		       "'.', starting with a letter or '_', at most %d characters, and not a keyword "
		       "or a built-in policy%s", a.name ? "--name" : "the policy name",
		       a.name ? a.name : policy, MW_NAME_LEN - 1, a.name ? "" : "; give one with --name");
		return MW_EXIT_USAGE;
	}
	if (mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("suggest: %s", err);
		return MW_EXIT_FAIL;
	}
	rc = MW_EXIT_FAIL;
	tab = calloc(m.max_subjects, sizeof(*tab));
	if (!tab || mw_read_subjects(&m, tab)) {
		mw_err("suggest: reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		goto out;
	}
	so.subject = find_subject(subject, &m, tab, &is_class);
	if (!so.subject) {
		mw_err("suggest: no device or class named '%s' in the live policy", subject);
		rc = MW_EXIT_USAGE;
		goto out;
	}
	got = mw_flows_read(&m, so.subject, &v);
	if (got < 0) {
		mw_err("suggest: reading %s: %s", MW_MAP_FLOWS, strerror((int)-got));
		goto out;
	}
	if (got == 0) {
		mw_err("suggest: %s '%s' has no flows to learn from: keep them ('flows' in its "
		       "policy, or policy observe), let it run a while (a week shows most "
		       "schedules), then suggest", is_class ? "class" : "device", subject);
		goto out;
	}
	if (a.since_s) {
		uint64_t t = mw_mono_ns(), span = a.since_s * 1000000000ull;

		so.from_ns = t > span ? t - span : 0;
	}
	ri = mw_remote_info_open(&m, mw_opts.geoip_db);
	so.name = learned_name;
	so.name_ctx = ri;
	if (mw_suggest(&s, v, (size_t)got, &so)) {
		mw_err("suggest: %s", strerror(ENOMEM));
		goto out;
	}
	if (!s.nflows) {
		mw_err("suggest: %s '%s' has %zd flow%s, none seen within %s", is_class ? "class" :
		       "device", subject, got, got == 1 ? "" : "s", a.since);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(url, sizeof(url), DEFAULT_MUD_URL, subject);
	meta.subject = subject;
	meta.is_class = is_class;
	meta.policy = a.name ? a.name : policy;
	meta.since = a.since;
	meta.clock_off = mw_clock_offset();
	meta.mud_url = a.mud_url ? a.mud_url : url;
	meta.now_real_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	rc = output(&s, &meta, &a);
out:
	mw_suggestion_free(&s);
	mw_remote_info_close(ri);
	free(v);
	free(tab);
	mw_maps_close(&m);
	return rc;
}
