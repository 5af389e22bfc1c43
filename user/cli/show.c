// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* show: the live policy as the kernel holds it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "cli.h"
#include "compile.h"
#include "file.h"
#include "ieee.h"
#include "policy.h"
#include "live.h"
#include "state.h"
#include "tunnels.h"

struct show_subj {
	struct json_object *ids;
	int nprefix[3];
};

static void add_ident(struct show_subj *ss, uint32_t id, uint32_t nsub, const char *what,
		      const char *val)
{
	struct json_object *o;

	if (id >= nsub)
		return;
	o = json_object_new_object();
	json_object_object_add(o, what, json_object_new_string(val));
	json_object_array_add(ss[id].ids, o);
}

/*
 * TAC -> maker: an optional operator-supplied table (no TAC database ships
 * with the system). Lines "TAC,maker[,model]"; '#' starts a comment.
 */
struct tac_entry {
	unsigned tac;
	char maker[96];
};

struct show_ctx {
	const char *tac_file;
};

enum { SHOW_TAC };

static const struct mw_opt show_opts[] = {
	{ SHOW_TAC, "tac", 't', "FILE", "name the maker of IMEI devices from a TAC table "
	  "(TAC,maker[,model])" },
	{ 0, NULL, 0, NULL, NULL },
};

static int show_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	switch (opt->id) {
	case SHOW_TAC:
		((struct show_ctx *)ctx)->tac_file = arg;
		break;
	}
	return 0;
}

static int load_tac(const char *path, struct tac_entry **out, size_t *n)
{
	char line[512], *text = NULL, why[128];
	size_t cap = 0, len = 0;
	int lineno = 0;
	/* a regular file of bounded size, read whole; makers are escaped before they are shown */
	FILE *f = mw_file_read(path, MW_FILE_TAC_MAX, &text, &len, why, sizeof(why)) ? NULL :
		  fmemopen(text, len ? len : 1, "r");

	*out = NULL;
	*n = 0;
	if (!f) {
		mw_err("show: %s: %s", path, text ? strerror(errno) : why);
		free(text);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned long tac;

		lineno++;
		line[strcspn(line, "#\r\n")] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		tac = strtoul(p, &end, 10);
		if (end - p != 8 || *end != ',' || !end[1]) {
			mw_err("%s:%d:1: expected an 8-digit TAC, a comma and a maker", path, lineno);
			fclose(f);
			free(text);
			free(*out);
			return -1;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = realloc(*out, cap * sizeof(**out));
		}
		(*out)[*n].tac = (unsigned)tac;
		mw_escape((*out)[*n].maker, sizeof((*out)[*n].maker), end + 1, strlen(end + 1));
		for (char *c = (*out)[*n].maker; *c; c++)
			if (*c == ',')
				*c = ' ';
		(*n)++;
	}
	fclose(f);
	free(text);
	return 0;
}

static const char *tac_maker(const struct tac_entry *t, size_t n, uint64_t body)
{
	unsigned tac = (unsigned)(body / 1000000);
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].tac == tac)
			return t[i].maker;
	return NULL;
}

struct live_ctx {
	struct show_subj *ss;
	uint32_t nsub;
	const struct tac_entry *tacs;
	size_t ntac;
};

static void add_live(const struct mw_live_ident *e, void *ctx)
{
	struct live_ctx *c = ctx;
	char buf[128];
	size_t l;

	switch (e->kind) {
	case MW_LIVE_MAC:
		mw_format_mac(e->mac, buf);
		add_ident(c->ss, e->id, c->nsub, "mac", buf);
		break;
	case MW_LIVE_PREFIX:
		if (e->id < c->nsub)
			c->ss[e->id].nprefix[e->bits == 24 ? 0 : e->bits == 28 ? 1 : 2]++;
		mw_ieee_format_prefix(e->mac, e->bits, buf);
		add_ident(c->ss, e->id, c->nsub, "prefix", buf);
		break;
	case MW_LIVE_IMEI:
		mw_format_imei(e->imei, buf);
		if (c->ntac) {
			const char *mk = tac_maker(c->tacs, c->ntac, e->imei);

			l = strlen(buf);
			snprintf(buf + l, sizeof(buf) - l, " (%.40s)", mk ? mk : "TAC not in table");
		}
		add_ident(c->ss, e->id, c->nsub, "imei", buf);
		break;
	case MW_LIVE_IP:
		mw_format_prefix(&e->ip, buf, sizeof(buf));	/* a host without "/32" */
		add_ident(c->ss, e->id, c->nsub, "ip", buf);
		break;
	}
}

int cmd_show(int argc, char **argv)
{
	struct show_ctx sc = { NULL };
	struct live_ctx lc;
	struct tac_entry *tacs = NULL;
	size_t ntac = 0;
	struct mw_subject_info *tab = NULL;
	struct mw_tunnel *tun = NULL;
	uint32_t ntun;
	struct show_subj *ss = NULL;
	struct json_object *j, *arr;
	struct mw_config cfg;
	struct mw_maps m;
	unsigned gen;
	char err[1024], enf[160];
	static unsigned allow_n[MW_MAX_POLICIES];
	__u32 i;
	int rc;

	i = (__u32)mw_getopt(argc, argv, "show [--tac FILE]", show_opts, show_opt, &sc);
	if ((int)i < 0)
		return (int)i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if ((int)i != argc) {
		mw_err("show: takes no arguments");
		return MW_EXIT_USAGE;
	}
	if (sc.tac_file && load_tac(sc.tac_file, &tacs, &ntac))
		return MW_EXIT_USAGE;
	rc = mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err));
	if (rc) {
		mw_err("show: %s", err);
		return MW_EXIT_FAIL;
	}
	gen = m.ctlm->gen & 1;
	tab = calloc(m.max_subjects, sizeof(*tab));
	ss = calloc(m.max_subjects, sizeof(*ss));
	if (!tab || !ss || mw_read_subjects(&m, tab) ||
	    bpf_map_lookup_elem(m.config, &gen, &cfg)) {
		mw_err("show: reading maps: %s", strerror(errno));
		rc = MW_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < m.max_subjects; i++)
		ss[i].ids = json_object_new_array();
	/* devices seen inside GTP-U tunnels (n3 interfaces), up to the last subject in use */
	for (ntun = m.max_subjects; ntun > 1 && tab[ntun - 1].kind == MW_KIND_FREE; ntun--)
		;
	tun = mw_cli_tunnels(&m, ntun);
	lc.ss = ss;
	lc.nsub = m.max_subjects;
	lc.tacs = tacs;
	lc.ntac = ntac;

	/* every identity entry and allow-list prefix of the live generation */
	if (mw_live_idents(&m, gen, add_live, &lc) || mw_live_allow_counts(&m, gen, allow_n)) {
		mw_err("show: reading maps: %s", strerror(errno));
		rc = MW_EXIT_FAIL;
		goto out;
	}

	j = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(j, "applied", json_object_new_boolean(m.ctlm->applied));
	json_object_object_add(j, "generation", json_object_new_int((int)gen));
	json_object_object_add(j, "apply", json_object_new_int64((int64_t)m.ctlm->seq));
	json_object_object_add(j, "default", json_object_new_string(
		mw_action_name(cfg.default_action)));
	if (!mw_opts.json) {
		if (!m.ctlm->applied)
			printf("no policy applied\n");
		else
			printf("generation %u (apply #%llu), default %s\n\n%-24s %-6s %-7s %-8s "
			       "%s\n", gen, (unsigned long long)m.ctlm->seq,
			       mw_action_name(cfg.default_action), "NAME", "ID", "KIND", "ACTION",
			       "IDENTITIES");
	}
	for (i = 1; m.ctlm->applied && i < m.max_subjects; i++) {
		struct json_object *o;
		size_t n, x;

		if (!(tab[i].gens & (1u << gen)))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(tab[i].name));
		json_object_object_add(o, "id", json_object_new_int((int)i));
		json_object_object_add(o, "kind", json_object_new_string(
			tab[i].kind == MW_KIND_CLASS ? "class" : "device"));
		json_object_object_add(o, "action", json_object_new_string(
			mw_action_name(tab[i].action[gen])));
		json_object_object_add(o, "identities", json_object_get(ss[i].ids));
		{
			__u32 pk = gen * MW_MAX_POLICIES + tab[i].policy[gen];
			struct mw_policy_cfg pc = { 0 };

			bpf_map_lookup_elem(m.policies, &pk, &pc);
			enf[0] = 0;
			json_object_object_add(o, "policy", json_object_new_int(tab[i].policy[gen]));
			json_object_object_add(o, "allow_prefixes",
					       json_object_new_int((int)allow_n[tab[i].policy[gen] &
										(MW_MAX_POLICIES - 1)]));
			if (allow_n[tab[i].policy[gen] & (MW_MAX_POLICIES - 1)])
				snprintf(enf, sizeof(enf), "allow-list of %u prefixes",
					 allow_n[tab[i].policy[gen] & (MW_MAX_POLICIES - 1)]);
			if (pc.pkt_cost) {
				unsigned long long burst = pc.pkt_tau / pc.pkt_cost + 1;
				size_t l = strlen(enf);

				json_object_object_add(o, "rate_pps", json_object_new_int64((int64_t)pc.pps));
				json_object_object_add(o, "burst_packets", json_object_new_int64((int64_t)burst));
				snprintf(enf + l, sizeof(enf) - l, "%srate %llu pps burst %llu",
					 l ? ", " : "", (unsigned long long)pc.pps, burst);
			}
			if (pc.byte_cost) {
				unsigned long long burst = (pc.byte_tau << MW_BYTE_COST_SHIFT) / pc.byte_cost;
				size_t l = strlen(enf);

				json_object_object_add(o, "rate_bps", json_object_new_int64((int64_t)pc.bps));
				json_object_object_add(o, "burst_bytes", json_object_new_int64((int64_t)burst));
				snprintf(enf + l, sizeof(enf) - l, "%srate %llu bit/s burst %llu bytes",
					 l ? ", " : "", (unsigned long long)pc.bps, burst);
			}
		}
		if (tun && i < ntun && tun[i].frames)
			json_object_object_add(o, "tunnel", mw_tunnel_json(&tun[i]));
		json_object_array_add(arr, o);
		if (mw_opts.json)
			continue;
		printf("%-24s %-6u %-7s %-8s ", tab[i].name, i,
		       tab[i].kind == MW_KIND_CLASS ? "class" : "device",
		       mw_action_name(tab[i].action[gen]));
		n = json_object_array_length(ss[i].ids);
		if (tab[i].kind == MW_KIND_CLASS) {
			printf("%zu prefixes (%d /24, %d /28, %d /36)\n", n, ss[i].nprefix[0],
			       ss[i].nprefix[1], ss[i].nprefix[2]);
		} else {
			for (x = 0; x < n; x++) {
				struct json_object *id = json_object_array_get_idx(ss[i].ids, x);

				json_object_object_foreach(id, key, val)
					printf("%s%s %s", x ? ", " : "", key,
					       json_object_get_string(val));
			}
			printf("%s\n", n ? "" : "(no address bound)");
		}
		if (enf[0])
			printf("%-24s %-6s %-7s %-8s %s\n", "", "", "", "", enf);
		if (tun && i < ntun && tun[i].frames)
			printf("%-24s %-6s %-7s %-8s in GTP-U tunnels: %s\n", "", "", "", "",
			       mw_tunnel_text(&tun[i], enf, sizeof(enf)));
	}
	json_object_object_add(j, "subjects", arr);
	if (mw_opts.json)
		mw_json_print(j);
	else
		json_object_put(j);
	rc = MW_EXIT_OK;
out:
	if (ss)
		for (i = 0; i < m.max_subjects; i++)
			json_object_put(ss[i].ids);
	free(ss);
	free(tab);
	free(tun);
	free(tacs);
	mw_maps_close(&m);
	return rc;
}
