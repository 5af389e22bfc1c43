// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Suggest: the policy block, with comments that say where each rule comes from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "observe.h"
#include "suggest.h"

#define RULE_COL	48	/* rules are padded to this width before their comment */
#define MAX_LISTED	20	/* left-out flows listed one by one, then a count */
#define MAX_ADDRS	4	/* addresses listed after a name rule, then a count */

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void addr_text(const struct mw_sug_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* "udp to 198.18.0.9 port 9 (name ...)" for a flow, as a comment says it. */
static void flow_text(const struct mw_flow_rec *f, char *buf, size_t len)
{
	const struct mw_flow_key *k = &f->k;
	char a[64], pn[8];
	const char *p;

	if (!k->family) {
		snprintf(buf, len, "EtherType 0x%04x", k->port);
		return;
	}
	mw_flow_remote(k, a, sizeof(a));
	p = mw_sug_proto(k->proto, pn, sizeof(pn));
	if (k->port && (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP))
		snprintf(buf, len, "%s to %s port %u", p, a, k->port);
	else if (k->port)
		snprintf(buf, len, "%s to %s type %u", p, a, k->port);
	else
		snprintf(buf, len, "%s to %s", p, a);
}

static void rule_comment(const struct mw_sug_rule *r, char *buf, size_t len)
{
	size_t n = 0, i;

	buf[0] = 0;
	if (r->kind == MW_SUG_NAME) {
		for (i = 0; i < r->naddrs && i < MAX_ADDRS; i++) {
			char a[64];

			addr_text(&r->addrs[i], a, sizeof(a));
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", a);
			if (n >= len)
				return;
		}
		if (r->naddrs > MAX_ADDRS)
			n += (size_t)snprintf(buf + n, len - n, " and %zu more", r->naddrs - MAX_ADDRS);
		if (n >= len)
			return;
		n += (size_t)snprintf(buf + n, len - n, "; ");
		if (n >= len)
			return;
	}
	switch (r->how) {
	case MW_SUG_REPLY:
		snprintf(buf + n, len - n, "echo replies: %llu packet%s in",
			 (unsigned long long)r->packets_in, plural(r->packets_in));
		return;
	case MW_SUG_NO_PORT:
		n += (size_t)snprintf(buf + n, len - n, "no port: fragments; ");
		break;
	case MW_SUG_MERGED:
		n += (size_t)snprintf(buf + n, len - n, "ports merged; ");
		break;
	case MW_SUG_WIDENED:
		n += (size_t)snprintf(buf + n, len - n, "WIDENED to fit %d rules per remote end; ",
				      MW_MAX_RULES);
		break;
	}
	if (n >= len)
		return;
	snprintf(buf + n, len - n, "%u flow%s, %llu packet%s out", r->flows, plural(r->flows),
		 (unsigned long long)r->packets_out, plural(r->packets_out));
}

static size_t count_why(const struct mw_suggestion *s, int why, uint64_t *packets)
{
	size_t i, n = 0;

	*packets = 0;
	for (i = 0; i < s->nleft; i++)
		if (s->left[i].why == why) {
			n++;
			*packets += s->left[i].f.v.packets[MW_FDIR_OUT] +
				    s->left[i].f.v.packets[MW_FDIR_IN];
		}
	return n;
}

/* The flows left out for @why, one comment line each (up to MAX_LISTED). */
static void list_left(FILE *out, const struct mw_suggestion *s, int why, const char *head,
		      const char *what)
{
	size_t i, n = 0;
	uint64_t pk;
	size_t total = count_why(s, why, &pk);

	if (!total)
		return;
	fprintf(out, "    # ");
	fprintf(out, head, what);
	fprintf(out, ":\n");
	for (i = 0; i < s->nleft; i++) {
		const struct mw_flow_rec *f = &s->left[i].f;
		char t[128];

		if (s->left[i].why != why)
			continue;
		if (n++ == MAX_LISTED) {
			fprintf(out, "    #   and %zu more (modwall flows lists them)\n",
				total - MAX_LISTED);
			break;
		}
		flow_text(f, t, sizeof(t));
		fprintf(out, "    #   %s: %llu packet%s out, %llu dropped\n", t,
			(unsigned long long)f->v.packets[MW_FDIR_OUT], plural(f->v.packets[MW_FDIR_OUT]),
			(unsigned long long)f->v.dropped[MW_FDIR_OUT]);
	}
}

static void count_left(FILE *out, const struct mw_suggestion *s, int why, const char *what,
		       const char *who)
{
	uint64_t pk;
	size_t n = count_why(s, why, &pk);

	if (!n)
		return;
	fprintf(out, "    # no rule needed: ");
	fprintf(out, what, who);
	fprintf(out, " (%zu flow%s, %llu packet%s)\n", n, plural(n), (unsigned long long)pk,
		plural(pk));
}

char *mw_suggest_text(const struct mw_suggestion *s, const struct mw_suggest_meta *m)
{
	const char *what = m->is_class ? "class" : "device";
	char first[32], last[32], *buf = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	mw_format_iso(s->first_ns + (uint64_t)m->clock_off, 0, first, sizeof(first));
	mw_format_iso(s->last_ns + (uint64_t)m->clock_off, 0, last, sizeof(last));
	fprintf(out, "# modwall suggest: learned from %zu flow%s of %s %s", s->nflows,
		plural(s->nflows), what, m->subject);
	if (m->is_class)
		fprintf(out, " (%zu member%s)", s->nmembers, plural(s->nmembers));
	fprintf(out, "\n# seen from %s to %s", first, last);
	if (m->since)
		fprintf(out, " (flows seen within %s)", m->since);
	fprintf(out, ".\n# Every rule is something the %s sent with at least one packet passed;\n"
		     "# review it, then: modwall check FILE && modwall apply FILE\n", what);
	fprintf(out, "policy %s {\n", m->policy);
	for (i = 0; i < s->nrules; i++) {
		char rule[400], c[512];

		mw_sug_rule_text(&s->rules[i], rule, sizeof(rule));
		rule_comment(&s->rules[i], c, sizeof(c));
		fprintf(out, "    %-*s # %s\n", RULE_COL, rule, c);
	}
	if (!s->nrules)
		fprintf(out, "    %-*s # the %s sent nothing that passed\n", RULE_COL, "drop", what);
	fprintf(out, "    %-*s # keep watching: modwall flows %s\n", RULE_COL, "flows", m->subject);
	list_left(out, s, MW_SUG_DROPPED, "left out: every packet the %s sent was dropped (a "
		  "rule would widen today's policy)", what);
	list_left(out, s, MW_SUG_NOT_IP, "left out: neither IP nor ARP, which no allow rule names "
		  "(an allow list drops them)", what);
	list_left(out, s, MW_SUG_ODD, "left out: ICMP over IPv6 or ICMPv6 over IPv4, which no "
		  "allow rule names", what);
	count_left(out, s, MW_SUG_ARP, "ARP, which modwall always allows", what);
	count_left(out, s, MW_SUG_ND, "neighbour discovery on the link, always allowed", what);
	count_left(out, s, MW_SUG_INBOUND, "flows the %s sent nothing on", what);
	fprintf(out, "}\n# Give it to the %s in place of its policy:\n#   %s %s ... policy %s\n",
		what, what, m->subject, m->policy);
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}
