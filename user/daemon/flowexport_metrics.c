// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The modwall_ipfix_* metric families (flowexport.h). */
#include "flowexport.h"

static void family(struct mw_sbuf *b, const char *name, const char *type, const char *help,
		   uint64_t v)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
		       (unsigned long long)v);
}

void mw_flowexp_metrics(const struct mw_flowexp_stats *s, struct mw_sbuf *b)
{
	family(b, "modwall_ipfix_records_total", "counter",
	       "IPFIX data records sent to the collector (one per flow direction and export).",
	       s->ipfix.records);
	family(b, "modwall_ipfix_messages_total", "counter",
	       "IPFIX messages (UDP datagrams) sent to the collector.", s->ipfix.messages);
	family(b, "modwall_ipfix_send_errors_total", "counter",
	       "IPFIX messages the socket refused (their records are lost).",
	       s->ipfix.send_errors);
	family(b, "modwall_ipfix_records_lost_total", "counter",
	       "IPFIX data records in messages that could not be sent.", s->ipfix.lost_records);
	family(b, "modwall_ipfix_flows_expired_total", "counter",
	       "Flows taken out of the flow table on the idle timeout and exported.",
	       s->expired_idle);
	family(b, "modwall_ipfix_active_exports_total", "counter",
	       "Active-timeout exports of flows that stay in the table.", s->active_exports);
	family(b, "modwall_ipfix_flows_skipped_total", "counter",
	       "Non-IP flows taken on the idle timeout without an IPFIX record.", s->skipped);
	family(b, "modwall_ipfix_read_errors_total", "counter",
	       "Readings of the flow table that failed.", s->read_errors);
	family(b, "modwall_ipfix_flows", "gauge",
	       "Flows in the flow table at the exporter's last reading.", s->tracked);
}
