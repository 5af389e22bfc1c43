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
#include "jsonw.h"
#include "policy.h"
#include "live.h"
#include "state.h"
#include "tunnels.h"

/*
 * TAC -> maker: an optional operator-supplied table (no TAC database ships
 * with the system). Lines "TAC,maker[,model]"; '#' starts a comment.
 */
struct tac_entry {
	unsigned tac;
	unsigned line;		/* order in the file: the first line of a TAC wins */
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

/* by TAC, then by line: a lookup finds a TAC's first line */
static int tac_cmp(const void *a, const void *b)
{
	const struct tac_entry *x = a, *y = b;

	if (x->tac != y->tac)
		return x->tac < y->tac ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
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
		(*out)[*n].line = (unsigned)lineno;
		mw_escape((*out)[*n].maker, sizeof((*out)[*n].maker), end + 1, strlen(end + 1));
		for (char *c = (*out)[*n].maker; *c; c++)
			if (*c == ',')
				*c = ' ';
		(*n)++;
	}
	fclose(f);
	free(text);
	if (*n)
		qsort(*out, *n, sizeof(**out), tac_cmp);
	return 0;
}

static const char *tac_maker(const struct tac_entry *t, size_t n, uint64_t body)
{
	unsigned tac = (unsigned)(body / 1000000);
	size_t lo = 0, hi = n;

	while (lo < hi) {		/* the first entry not below @tac */
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].tac < tac)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo].tac == tac ? t[lo].maker : NULL;
}

/*
 * The live generation's identity entries, grouped by subject: a compact
 * record each (a million devices: 24 MiB), in the order the maps were
 * walked, then an index sorted by subject (counting sort, so each
 * subject's entries keep that order).
 */
struct ident {
	uint32_t id;
	uint8_t kind;		/* enum mw_live_kind */
	uint8_t bits;		/* vendor prefix: 24, 28, 36; address: prefix length */
	uint8_t family;		/* address: AF_INET or AF_INET6 */
	uint8_t pad;
	union {
		uint64_t v;	/* MAC, vendor prefix or IMEI body */
		uint8_t addr[16];
	};
};

struct idents {
	struct ident *e;
	size_t n, cap;
	uint32_t nsub;
	int nomem;
	uint32_t *start;	/* nsub + 1: subject i's entries are order[start[i]..start[i + 1]) */
	uint32_t *order;
};

static void add_live(const struct mw_live_ident *le, void *ctx)
{
	struct idents *c = ctx;
	struct ident *e;

	if (le->id >= c->nsub || c->nomem)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		struct ident *p = realloc(c->e, cap * sizeof(*p));

		if (!p) {
			c->nomem = 1;
			return;
		}
		c->e = p;
		c->cap = cap;
	}
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->id = le->id;
	e->kind = (uint8_t)le->kind;
	switch (le->kind) {
	case MW_LIVE_MAC:
		e->v = le->mac;
		break;
	case MW_LIVE_PREFIX:
		e->v = le->mac;
		e->bits = (uint8_t)le->bits;
		break;
	case MW_LIVE_IMEI:
		e->v = le->imei;
		break;
	case MW_LIVE_IP:
		e->family = (uint8_t)le->ip.family;
		e->bits = (uint8_t)le->ip.len;
		memcpy(e->addr, le->ip.addr, sizeof(e->addr));
		break;
	}
}

static int group(struct idents *c)
{
	size_t i;
	uint32_t s;

	c->start = calloc((size_t)c->nsub + 1, sizeof(*c->start));
	c->order = malloc((c->n ? c->n : 1) * sizeof(*c->order));
	if (!c->start || !c->order || c->n > UINT32_MAX)
		return -ENOMEM;
	for (i = 0; i < c->n; i++)
		c->start[c->e[i].id + 1]++;
	for (s = 0; s < c->nsub; s++)
		c->start[s + 1] += c->start[s];
	/* place, then start[] is shifted by one subject: put it back */
	for (i = 0; i < c->n; i++)
		c->order[c->start[c->e[i].id]++] = (uint32_t)i;
	for (s = c->nsub; s > 0; s--)
		c->start[s] = c->start[s - 1];
	c->start[0] = 0;
	return 0;
}

/* An entry as show prints it: its key ("mac", "prefix", "imei", "ip") and text. */
static const char *ident_text(const struct ident *e, const struct tac_entry *tacs, size_t ntac,
			      char *buf, size_t len)
{
	struct mw_prefix p;
	size_t l;

	switch (e->kind) {
	case MW_LIVE_MAC:
		mw_format_mac(e->v, buf);
		return "mac";
	case MW_LIVE_PREFIX:
		mw_ieee_format_prefix(e->v, e->bits, buf);
		return "prefix";
	case MW_LIVE_IMEI:
		mw_format_imei(e->v, buf);
		if (ntac) {
			const char *mk = tac_maker(tacs, ntac, e->v);

			l = strlen(buf);
			snprintf(buf + l, len - l, " (%.40s)", mk ? mk : "TAC not in table");
		}
		return "imei";
	default:
		memset(&p, 0, sizeof(p));
		p.family = e->family;
		p.len = e->bits;
		memcpy(p.addr, e->addr, sizeof(p.addr));
		mw_format_prefix(&p, buf, len);	/* a host without "/32" */
		return "ip";
	}
}

struct out_ctx {
	struct mw_jw w;
	const struct mw_maps *m;
	const struct mw_subject_info *tab;
	const struct idents *id;
	const struct tac_entry *tacs;
	size_t ntac;
	const struct mw_policy_cfg *pol;	/* the live generation's MW_MAX_POLICIES */
	const unsigned *allow_n;
	unsigned gen;
};

/* One subject: a member of "subjects", or its lines of the table. */
static void subject(struct out_ctx *o, uint32_t i, const struct mw_tunnel *tun)
{
	const struct mw_subject_info *t = &o->tab[i];
	const struct mw_policy_cfg *pc = &o->pol[t->policy[o->gen] & (MW_MAX_POLICIES - 1)];
	unsigned allow = o->allow_n[t->policy[o->gen] & (MW_MAX_POLICIES - 1)];
	const char *kind = t->kind == MW_KIND_CLASS ? "class" : "device";
	const char *action = mw_action_name(t->action[o->gen]);
	uint32_t first = o->id->start[i], end = o->id->start[i + 1], x;
	unsigned long long pburst = 0, bburst = 0;
	char buf[128], enf[160];
	int nprefix[3] = { 0, 0, 0 };

	if (pc->pkt_cost)
		pburst = pc->pkt_tau / pc->pkt_cost + 1;
	if (pc->byte_cost)
		bburst = (pc->byte_tau << MW_BYTE_COST_SHIFT) / pc->byte_cost;
	if (mw_opts.json) {
		struct mw_jw *w = &o->w;

		mw_jw_object(w);
		mw_jw_kstr(w, "name", t->name);
		mw_jw_kint(w, "id", (int)i);
		mw_jw_kstr(w, "kind", kind);
		mw_jw_kstr(w, "action", action);
		mw_jw_key(w, "identities");
		mw_jw_array(w);
		for (x = first; x < end; x++) {
			const char *key = ident_text(&o->id->e[o->id->order[x]], o->tacs, o->ntac,
						     buf, sizeof(buf));

			mw_jw_object(w);
			mw_jw_kstr(w, key, buf);
			mw_jw_end(w);
		}
		mw_jw_end(w);
		mw_jw_kint(w, "policy", t->policy[o->gen]);
		mw_jw_kint(w, "allow_prefixes", (int)allow);
		if (pc->pkt_cost) {
			mw_jw_kint(w, "rate_pps", (int64_t)pc->pps);
			mw_jw_kint(w, "burst_packets", (int64_t)pburst);
		}
		if (pc->byte_cost) {
			mw_jw_kint(w, "rate_bps", (int64_t)pc->bps);
			mw_jw_kint(w, "burst_bytes", (int64_t)bburst);
		}
		if (tun && tun->frames) {
			mw_jw_key(w, "tunnel");
			mw_tunnel_jw(w, tun);
		}
		mw_jw_end(w);
		return;
	}
	printf("%-24s %-6u %-7s %-8s ", t->name, i, kind, action);
	if (t->kind == MW_KIND_CLASS) {
		for (x = first; x < end; x++) {
			const struct ident *e = &o->id->e[o->id->order[x]];

			if (e->kind == MW_LIVE_PREFIX)
				nprefix[e->bits == 24 ? 0 : e->bits == 28 ? 1 : 2]++;
		}
		printf("%u prefixes (%d /24, %d /28, %d /36)\n", end - first, nprefix[0],
		       nprefix[1], nprefix[2]);
	} else {
		for (x = first; x < end; x++) {
			const char *key = ident_text(&o->id->e[o->id->order[x]], o->tacs, o->ntac,
						     buf, sizeof(buf));

			printf("%s%s %s", x > first ? ", " : "", key, buf);
		}
		printf("%s\n", end > first ? "" : "(no address bound)");
	}
	enf[0] = 0;
	if (allow)
		snprintf(enf, sizeof(enf), "allow-list of %u prefixes", allow);
	if (pc->pkt_cost) {
		size_t l = strlen(enf);

		snprintf(enf + l, sizeof(enf) - l, "%srate %llu pps burst %llu", l ? ", " : "",
			 (unsigned long long)pc->pps, pburst);
	}
	if (pc->byte_cost) {
		size_t l = strlen(enf);

		snprintf(enf + l, sizeof(enf) - l, "%srate %llu bit/s burst %llu bytes",
			 l ? ", " : "", (unsigned long long)pc->bps, bburst);
	}
	if (enf[0])
		printf("%-24s %-6s %-7s %-8s %s\n", "", "", "", "", enf);
	if (tun && tun->frames)
		printf("%-24s %-6s %-7s %-8s in GTP-U tunnels: %s\n", "", "", "", "",
		       mw_tunnel_text(tun, enf, sizeof(enf)));
}

/* Subjects at a time: their mw_tunnels cells are read (and summed over CPUs) by the chunk. */
#define SHOW_CHUNK	65536

int cmd_show(int argc, char **argv)
{
	struct show_ctx sc = { NULL };
	struct tac_entry *tacs = NULL;
	size_t ntac = 0;
	struct mw_subject_info *tab = NULL;
	struct mw_tunnel *tun = NULL;
	struct idents id = { 0 };
	struct out_ctx o;
	uint32_t ntun;
	struct mw_config cfg;
	struct mw_maps m;
	unsigned gen;
	char err[1024];
	static struct mw_policy_cfg pol[MW_MAX_POLICIES];
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
		free(tacs);
		return MW_EXIT_FAIL;
	}
	/* everything is read before the first byte is printed, but the tunnel cells */
	gen = m.ctlm->gen & 1;
	tab = calloc(m.max_subjects, sizeof(*tab));
	tun = calloc(SHOW_CHUNK, sizeof(*tun));
	id.nsub = m.max_subjects;
	errno = ENOMEM;
	if (!tab || !tun || mw_read_subjects(&m, tab) ||
	    bpf_map_lookup_elem(m.config, &gen, &cfg) ||
	    mw_read_array_range(m.policies, gen * MW_MAX_POLICIES, MW_MAX_POLICIES, sizeof(*pol),
				pol)) {
		mw_err("show: reading maps: %s", strerror(errno));
		rc = MW_EXIT_FAIL;
		goto out;
	}
	/* every identity entry and allow-list prefix of the live generation */
	rc = mw_live_idents(&m, gen, add_live, &id);
	if (!rc)
		rc = mw_live_allow_counts(&m, gen, allow_n);
	if (!rc && (id.nomem || group(&id)))
		rc = -ENOMEM;
	if (rc) {
		mw_err("show: reading maps: %s", strerror(-rc));
		rc = MW_EXIT_FAIL;
		goto out;
	}
	/* devices seen inside GTP-U tunnels (n3 interfaces), up to the last subject in use */
	for (ntun = m.max_subjects; ntun > 1 && tab[ntun - 1].kind == MW_KIND_FREE; ntun--)
		;

	o.m = &m;
	o.tab = tab;
	o.id = &id;
	o.tacs = tacs;
	o.ntac = ntac;
	o.pol = pol;
	o.allow_n = allow_n;
	o.gen = gen;
	if (mw_opts.json) {
		mw_json_begin(&o.w);
		mw_jw_object(&o.w);
		mw_jw_kbool(&o.w, "applied", (int)m.ctlm->applied);
		mw_jw_kint(&o.w, "generation", (int)gen);
		mw_jw_kint(&o.w, "apply", (int64_t)m.ctlm->seq);
		mw_jw_kstr(&o.w, "default", mw_action_name(cfg.default_action));
		mw_jw_key(&o.w, "subjects");
		mw_jw_array(&o.w);
	} else if (!m.ctlm->applied) {
		printf("no policy applied\n");
	} else {
		printf("generation %u (apply #%llu), default %s\n\n%-24s %-6s %-7s %-8s %s\n", gen,
		       (unsigned long long)m.ctlm->seq, mw_action_name(cfg.default_action), "NAME",
		       "ID", "KIND", "ACTION", "IDENTITIES");
	}
	for (i = 1; m.ctlm->applied && i < m.max_subjects; i++) {
		uint32_t c = i % SHOW_CHUNK;

		/* a failed read of the tunnel cells leaves them out, as if never seen */
		if ((c == 0 || i == 1) && i < ntun) {
			uint32_t n = ntun - (i - c) < SHOW_CHUNK ? ntun - (i - c) : SHOW_CHUNK;

			if (mw_read_tunnels(&m, i - c, n, tun))
				memset(tun, 0, SHOW_CHUNK * sizeof(*tun));
		}
		if (!(tab[i].gens & (1u << gen)))
			continue;
		subject(&o, i, i < ntun ? &tun[c] : NULL);
	}
	rc = MW_EXIT_OK;
	if (mw_opts.json) {
		mw_jw_end(&o.w);
		mw_jw_end(&o.w);
		if (mw_json_end(&o.w))
			rc = MW_EXIT_FAIL;
	}
	if (fflush(stdout) || ferror(stdout)) {
		mw_err("show: writing the output: %s", strerror(errno));
		rc = MW_EXIT_FAIL;
	}
out:
	free(id.e);
	free(id.start);
	free(id.order);
	free(tab);
	free(tun);
	free(tacs);
	mw_maps_close(&m);
	return rc;
}
