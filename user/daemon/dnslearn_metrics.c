// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The modwall_dns_* metric families: what the DNS learner read and did. */
#include "dnslearn.h"
#include "sbuf.h"

static void family(struct mw_sbuf *b, const char *name, const char *type, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void mw_dnslearn_metrics(const struct mw_dnslearn_stats *s, struct mw_sbuf *b)
{
	int r;

	family(b, "modwall_dns_answers_total", "counter",
	       "DNS answers to devices read by the learner, by how they read: ok, or the kind "
	       "of refusal (a message that cannot be read teaches nothing and is still "
	       "delivered).");
	for (r = 0; r < MW_DNS_RESULT_NR; r++)
		mw_sbuf_printf(b, "modwall_dns_answers_total{result=\"%s\"} %llu\n",
			       mw_dns_result_name(r), (unsigned long long)s->result[r]);
	mw_sbuf_printf(b, "modwall_dns_answers_total{result=\"not_dns\"} %llu\n",
		       (unsigned long long)s->not_dns);
	family(b, "modwall_dns_held_total", "counter",
	       "Answers the tc egress program held until their names were learned.");
	mw_sbuf_printf(b, "modwall_dns_held_total %llu\n", (unsigned long long)s->held);
	family(b, "modwall_dns_released_total", "counter",
	       "Held answers sent on to their device, by result.");
	mw_sbuf_printf(b, "modwall_dns_released_total{result=\"sent\"} %llu\n",
		       (unsigned long long)s->released);
	mw_sbuf_printf(b, "modwall_dns_released_total{result=\"error\"} %llu\n",
		       (unsigned long long)s->send_errors);
	family(b, "modwall_dns_pairs_learned_total", "counter",
	       "(name, address) pairs learned, and gone after their TTL and the grace.");
	mw_sbuf_printf(b, "modwall_dns_pairs_learned_total{event=\"added\"} %llu\n",
		       (unsigned long long)s->learned);
	mw_sbuf_printf(b, "modwall_dns_pairs_learned_total{event=\"gone\"} %llu\n",
		       (unsigned long long)s->expired);
	family(b, "modwall_dns_pairs", "gauge", "(name, address) pairs known now.");
	mw_sbuf_printf(b, "modwall_dns_pairs %u\n", s->pairs);
	family(b, "modwall_dns_name_rules", "gauge", "Name rules of the live policy.");
	mw_sbuf_printf(b, "modwall_dns_name_rules %u\n", s->rules);
}
