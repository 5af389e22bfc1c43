// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The modwall_radius_* metric families. */
#include "radius.h"

/* ---- metrics ---- */

static void counter(struct mw_sbuf *b, const char *name, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

void mw_radius_metrics(const struct mw_radius_stats *s, struct mw_sbuf *b)
{
	const struct { const char *label; uint64_t v; } pk[] = {
		{ "answered", s->answered }, { "malformed", s->malformed },
		{ "rejected", s->rejected }, { "unsupported", s->unsupported },
		{ "unrecorded", s->unrecorded },
	}, rq[] = {
		{ "start", s->start }, { "stop", s->stop }, { "interim_update", s->interim },
		{ "accounting_on", s->acct_on }, { "accounting_off", s->acct_off },
		{ "other", s->other_status },
	}, bd[] = {
		{ "bound", s->bound }, { "refreshed", s->refreshed }, { "unbound", s->unbound },
		{ "conflict", s->conflicts },
	};
	size_t i;

	counter(b, "modwall_radius_packets_total",
		"RADIUS datagrams by result: answered, malformed, rejected (wrong Request "
		"Authenticator), unsupported (not Accounting-Request), unrecorded (bindings "
		"not writable: no answer, the NAS sends again).");
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++)
		mw_sbuf_printf(b, "modwall_radius_packets_total{result=\"%s\"} %llu\n", pk[i].label,
			       (unsigned long long)pk[i].v);
	counter(b, "modwall_radius_requests_total",
		"Answered Accounting-Requests by Acct-Status-Type.");
	for (i = 0; i < sizeof(rq) / sizeof(rq[0]); i++)
		mw_sbuf_printf(b, "modwall_radius_requests_total{status=\"%s\"} %llu\n", rq[i].label,
			       (unsigned long long)rq[i].v);
	counter(b, "modwall_radius_bindings_total",
		"Addresses of accounting requests by effect: bound, refreshed (already bound), "
		"unbound, conflict (refused: another IMEI's or device's address).");
	for (i = 0; i < sizeof(bd) / sizeof(bd[0]); i++)
		mw_sbuf_printf(b, "modwall_radius_bindings_total{change=\"%s\"} %llu\n", bd[i].label,
			       (unsigned long long)bd[i].v);
	counter(b, "modwall_radius_ignored_total",
		"Start, Interim-Update or Stop requests without a usable 3GPP-IMEISV or address "
		"(answered, nothing bound).");
	mw_sbuf_printf(b, "modwall_radius_ignored_total %llu\n", (unsigned long long)s->ignored);
	counter(b, "modwall_radius_send_errors_total", "Accounting-Responses the socket refused.");
	mw_sbuf_printf(b, "modwall_radius_send_errors_total %llu\n",
		       (unsigned long long)s->send_errors);
}
