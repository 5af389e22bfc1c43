// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* user/metrics.c without maps: label escaping, rendering, the series cap, the textfile. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnsallow.h"
#include "flows.h"
#include "geo.h"
#include "health.h"
#include "metrics.h"
#include "remote_info.h"

#ifndef GEO_DATA
#define GEO_DATA "build/tests/geo"
#endif

static char *label(const char *v)
{
	static char out[256];
	struct mw_sbuf b = { 0 };

	mw_sbuf_label(&b, v);
	assert_false(b.err);
	snprintf(out, sizeof(out), "%s", b.s ? b.s : "");
	mw_sbuf_free(&b);
	return out;
}

static void test_label_escaping(void **state)
{
	(void)state;
	assert_string_equal(label("meter-17"), "meter-17");
	assert_string_equal(label(""), "");
	assert_string_equal(label("a\"b"), "a\\\"b");
	assert_string_equal(label("a\\b"), "a\\\\b");
	assert_string_equal(label("a\nb"), "a\\nb");
	/* UTF-8 is kept; invalid bytes become U+FFFD */
	assert_string_equal(label("Gen\xc3\xa8ve"), "Gen\xc3\xa8ve");
	assert_string_equal(label("\xe4\xb8\xad"), "\xe4\xb8\xad");
	assert_string_equal(label("a\xff" "b"), "a\xef\xbf\xbd" "b");
	assert_string_equal(label("\xc3"), "\xef\xbf\xbd");		/* truncated */
	assert_string_equal(label("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong */
	assert_string_equal(label("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
}

static void test_sbuf_grows(void **state)
{
	struct mw_sbuf b = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		mw_sbuf_printf(&b, "%05d\n", i);
	assert_false(b.err);
	assert_int_equal(b.len, 60000);
	assert_int_equal(strlen(b.s), 60000);
	assert_memory_equal(b.s + 59994, "09999\n", 6);
	mw_sbuf_free(&b);

	/* the fast writers, beside printf */
	mw_sbuf_u64(&b, 0);
	mw_sbuf_put(&b, " ", 1);
	mw_sbuf_u64(&b, UINT64_MAX);
	mw_sbuf_puts(&b, " x");
	mw_sbuf_printf(&b, " %d", 7);
	assert_false(b.err);
	assert_string_equal(b.s, "0 18446744073709551615 x 7");
	assert_int_equal(b.len, strlen(b.s));
	mw_sbuf_free(&b);
}

/* three subjects, one interface, one vendor row */
static void snapshot(struct mw_msnap *s)
{
	static struct mw_msubj subj[3];
	static struct mw_counter c[3][MW_NR_REASONS];
	static struct mw_mdisc disc[1];
	int i;

	memset(s, 0, sizeof(*s));
	memset(subj, 0, sizeof(subj));
	memset(c, 0, sizeof(c));
	s->up = 1;
	s->ctl.gen = 1;
	s->ctl.applied = 1;
	s->ctl.seq = 7;
	s->ctl.applied_ns = 1700000000123456789ull;
	subj[0] = (struct mw_msubj){ .id = 0, .kind = MW_KIND_UNKNOWN, .name = "unattributed" };
	subj[1] = (struct mw_msubj){ .id = 1, .kind = MW_KIND_DEVICE, .name = "meter-17" };
	subj[2] = (struct mw_msubj){ .id = 2, .kind = MW_KIND_CLASS, .name = "quectel" };
	for (i = 0; i < 3; i++)
		subj[i].c = c[i];
	subj[0].c[MW_R_PASS] = (struct mw_counter){ 5, 500 };
	subj[1].c[MW_R_DROP] = (struct mw_counter){ 40, 3920 };
	subj[1].c[MW_R_RATE_LIMITED] = (struct mw_counter){ 2, 196 };
	subj[2].c[MW_R_OBSERVE] = (struct mw_counter){ 5, 700 };
	s->subj = subj;
	s->nsubj = 3;
	s->niface = 1;
	snprintf(s->iface[0].name, sizeof(s->iface[0].name), "eth1");
	s->iface[0].role = MW_ROLE_WAN;
	s->iface[0].c[MW_R_DROP] = (struct mw_counter){ 40, 3920 };
	s->events[MW_EV_EMITTED] = 3;
	s->events[MW_EV_SUPPRESSED] = 9;
	disc[0] = (struct mw_mdisc){ .vendor = "Quectel \"Wireless\"", .class_name = "quectel",
				     .devices = 4 };
	s->disc = disc;
	s->ndisc = 1;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
}

static int count_lines(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);
	int c = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, n))
			c++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return c;
}

static int has_line(const char *text, const char *line)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "\n%s\n", line);
	return strstr(text, buf) != NULL;
}

#define assert_line(text, line) do { \
	if (!has_line(text, line)) \
		fail_msg("missing line: %s", line); \
} while (0)

/*
 * Never left out: up, build_info, the three series_*, duration and reading
 * time; 4 policy, 3 events, 5 flow table, 1 interface x 14.
 */
#define FIXED_UP	(7 + 4 + 3 + 5 + 14)

static void test_render(void **state)
{
	struct mw_mstate st = { .max_series = 10000, .reload_enabled = 1, .reloads_ok = 2,
				.reloads_err = 1, .last_reload_ok = 0,
				.last_reload_ok_at = { 1700000100, 987654321 } };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;

	(void)state;
	snapshot(&s);
	s.wall = (struct timespec){ 1700000200, 5000000 };
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_line(b.s, "modwall_up 1");
	assert_line(b.s, "modwall_device_packets_total{device=\"meter-17\",kind=\"device\",reason=\"drop\"} 40");
	assert_line(b.s, "modwall_device_bytes_total{device=\"meter-17\",kind=\"device\",reason=\"rate_limited\"} 196");
	assert_line(b.s, "modwall_device_packets_total{device=\"meter-17\",kind=\"device\",reason=\"pass\"} 0");
	assert_line(b.s, "modwall_device_packets_total{device=\"unattributed\",kind=\"unattributed\",reason=\"pass\"} 5");
	assert_line(b.s, "modwall_device_packets_total{device=\"quectel\",kind=\"class\",reason=\"observe\"} 5");
	assert_line(b.s, "modwall_interface_packets_total{interface=\"eth1\",role=\"wan\",reason=\"drop\"} 40");
	assert_line(b.s, "modwall_policy_generation 1");
	assert_line(b.s, "modwall_policy_applies_total 7");
	assert_line(b.s, "modwall_policy_applied_timestamp_seconds 1700000000.123");
	assert_line(b.s, "modwall_events_total{outcome=\"suppressed\"} 9");
	assert_line(b.s, "modwall_events_total{outcome=\"ring_full\"} 0");
	assert_line(b.s, "modwall_discovered_devices{vendor=\"Quectel \\\"Wireless\\\"\",class=\"quectel\"} 4");
	assert_line(b.s, "modwall_reloads_total{result=\"ok\"} 2");
	assert_line(b.s, "modwall_reloads_total{result=\"error\"} 1");
	assert_line(b.s, "modwall_last_reload_successful 0");
	assert_line(b.s, "modwall_last_reload_success_timestamp_seconds 1700000100.987");
	assert_line(b.s, "modwall_last_reading_timestamp_seconds 1700000200.005");
	assert_line(b.s, "modwall_series_limit_reached 0");
	assert_null(strstr(b.s, "process_"));	/* no mw_proc given */
	/* reserved reasons are not exported */
	assert_null(strstr(b.s, "reserved"));
	/* one HELP and one TYPE per family, each before its samples */
	assert_int_equal(count_lines(b.s, "# HELP "), count_lines(b.s, "# TYPE "));
	assert_int_equal(count_lines(b.s, "# TYPE modwall_device_packets_total counter"), 1);
	/* 3 subjects x 7 reasons x 2, 1 interface x 14, 1 vendor row, 3 reload series */
	assert_int_equal(count_lines(b.s, "modwall_device_"), 42);
	assert_int_equal(count_lines(b.s, "modwall_interface_"), 14);
	mw_sbuf_free(&b);
}

static void test_render_down(void **state)
{
	struct mw_mstate st = { .max_series = 10000 };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;

	(void)state;
	memset(&s, 0, sizeof(s));
	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_line(b.s, "modwall_up 0");
	assert_int_equal(count_lines(b.s, "modwall_device_"), 0);
	assert_null(strstr(b.s, "modwall_policy_"));
	assert_null(strstr(b.s, "modwall_reloads_total"));	/* no --policy */
	assert_int_equal(count_lines(b.s, "modwall_"), 7);
	mw_sbuf_free(&b);
}

static void test_series_cap(void **state)
{
	struct mw_mstate st = { .max_series = FIXED_UP + 14 };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;
	int i;

	(void)state;
	snapshot(&s);
	/* room for one subject: the busiest (meter-17, 42 packets) */
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_device_packets_total{device=\"meter-17\""), 7);
	assert_null(strstr(b.s, "device=\"quectel\""));
	assert_null(strstr(b.s, "device=\"unattributed\""));
	assert_null(strstr(b.s, "modwall_discovered_devices{"));
	assert_line(b.s, "modwall_series_limit_reached 1");
	assert_line(b.s, "modwall_series_dropped_total 29");
	mw_sbuf_free(&b);

	/* a tie (quectel and unattributed: 5 packets each) goes by bytes, then by id */
	st.max_series = FIXED_UP + 2 * 14;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_non_null(strstr(b.s, "device=\"quectel\""));	/* 700 bytes beat 500 */
	assert_null(strstr(b.s, "device=\"unattributed\""));
	assert_line(b.s, "modwall_series_dropped_total 44");	/* summed over readings */
	mw_sbuf_free(&b);
	s.subj[2].c[MW_R_OBSERVE].bytes = 500;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_non_null(strstr(b.s, "device=\"unattributed\""));	/* id 0 before id 2 */
	assert_null(strstr(b.s, "device=\"quectel\""));
	mw_sbuf_free(&b);

	/* the same input always gives the same output, cap or not */
	for (i = 0; i < 2; i++) {
		struct mw_sbuf x = { 0 }, y = { 0 };
		char *cx, *cy;

		st.max_series = i ? 10000 : FIXED_UP + 14;
		mw_metrics_render(&s, &st, &x);
		mw_metrics_render(&s, &st, &y);
		/* everything but the duration and the dropped sum */
		cx = strstr(x.s, "# HELP modwall_series_dropped_total");
		cy = strstr(y.s, "# HELP modwall_series_dropped_total");
		assert_non_null(cx);
		assert_int_equal(cx - x.s, cy - y.s);
		assert_memory_equal(x.s, y.s, (size_t)(cx - x.s));
		mw_sbuf_free(&x);
		mw_sbuf_free(&y);
	}

	/* a limit below the fixed families still emits them, and nothing else */
	st.max_series = 1;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_device_"), 0);
	assert_non_null(strstr(b.s, "modwall_interface_packets_total{"));
	mw_sbuf_free(&b);
}

/* The text between the line starting "# HELP @from" and the one starting "# HELP @to". */
static char *section(const char *text, const char *from, const char *to)
{
	char a[128], b[128];
	const char *p, *q;

	snprintf(a, sizeof(a), "# HELP %s ", from);
	snprintf(b, sizeof(b), "# HELP %s ", to);
	p = strstr(text, a);
	q = p ? strstr(p, b) : NULL;
	if (!p || !q)
		return NULL;
	return strndup(p, (size_t)(q - p));
}

/* meter-17 and quectel keep flows; the table has seven frames that missed it */
static struct mw_mremote top17[2] = {
	{ .addr = "198.51.100.7", .bytes = { 2000, 1000 } },
	{ .addr = "2001:db8::1", .bytes = { 1000, 500 } },
};
static struct mw_mremote topq[3] = {
	{ .addr = "0x0806", .bytes = { 120, 60 } },
	{ .addr = "198.51.100.53", .bytes = { 100, 0 } },
	{ .addr = "198.51.100.9", .bytes = { 10, 0 } },
};

static void flow_snapshot(struct mw_msnap *s)
{
	static struct mw_mflows fl17, flq;

	snapshot(s);
	fl17 = (struct mw_mflows){ .flows = 3, .remotes = 2, .top = top17, .ntop = 2 };
	fl17.packets[MW_FDIR_OUT] = 30;
	fl17.packets[MW_FDIR_IN] = 10;
	fl17.bytes[MW_FDIR_OUT] = 3000;
	fl17.bytes[MW_FDIR_IN] = 1500;
	flq = (struct mw_mflows){ .flows = 3, .remotes = 3, .top = topq, .ntop = 3 };
	flq.packets[MW_FDIR_OUT] = 4;
	flq.packets[MW_FDIR_IN] = 1;
	flq.bytes[MW_FDIR_OUT] = 230;
	flq.bytes[MW_FDIR_IN] = 60;
	s->subj[1].fl = &fl17;
	s->subj[2].fl = &flq;
	s->flow_entries = 6;
	s->flow_max = 65536;
	s->flow_full = 7;
	s->flow_missed = (struct mw_counter){ 9, 900 };
}

#define COUNTRY_HEAD \
	"# HELP modwall_flow_country_bytes Bytes of the flows of a device or class in the flow " \
	"table now, by the country of the remote address (\"\": not in the country database, " \
	"or not IP) and direction; only rows with bytes. A sum over the flows in the table: it " \
	"falls when idle flows are taken out (exported).\n" \
	"# TYPE modwall_flow_country_bytes gauge\n"
#define REMOTE_HEAD \
	"# HELP modwall_flow_remote_bytes Bytes exchanged with one of the busiest remote " \
	"addresses of a device or class (--flow-top), by direction, summed over its flows in " \
	"the table now; name: the DNS name the address was learned as, \"\" when none.\n" \
	"# TYPE modwall_flow_remote_bytes gauge\n"

static const char flows_text[] =
	"# HELP modwall_flows Flows of a device or class (all its members) in the flow table now.\n"
	"# TYPE modwall_flows gauge\n"
	"modwall_flows{device=\"meter-17\"} 3\n"
	"modwall_flows{device=\"quectel\"} 3\n"
	"# HELP modwall_flow_remotes Distinct remote addresses among the flows of a device or class "
	"in the flow table now (non-IP flows: one per EtherType).\n"
	"# TYPE modwall_flow_remotes gauge\n"
	"modwall_flow_remotes{device=\"meter-17\"} 2\n"
	"modwall_flow_remotes{device=\"quectel\"} 3\n"
	"# HELP modwall_flow_packets Packets of the flows of a device or class in the flow table "
	"now, by direction (out: from the device, in: to it). A sum over the flows in the table: "
	"it falls when idle flows are taken out (exported).\n"
	"# TYPE modwall_flow_packets gauge\n"
	"modwall_flow_packets{device=\"meter-17\",direction=\"out\"} 30\n"
	"modwall_flow_packets{device=\"meter-17\",direction=\"in\"} 10\n"
	"modwall_flow_packets{device=\"quectel\",direction=\"out\"} 4\n"
	"modwall_flow_packets{device=\"quectel\",direction=\"in\"} 1\n"
	"# HELP modwall_flow_bytes Bytes of the flows of a device or class in the flow table now, "
	"by direction (out: from the device, in: to it). A sum over the flows in the table: it "
	"falls when idle flows are taken out (exported).\n"
	"# TYPE modwall_flow_bytes gauge\n"
	"modwall_flow_bytes{device=\"meter-17\",direction=\"out\"} 3000\n"
	"modwall_flow_bytes{device=\"meter-17\",direction=\"in\"} 1500\n"
	"modwall_flow_bytes{device=\"quectel\",direction=\"out\"} 230\n"
	"modwall_flow_bytes{device=\"quectel\",direction=\"in\"} 60\n"
	COUNTRY_HEAD
	REMOTE_HEAD
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.51.100.7\",name=\"\",direction=\"out\"} 2000\n"
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.51.100.7\",name=\"\",direction=\"in\"} 1000\n"
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"2001:db8::1\",name=\"\",direction=\"out\"} 1000\n"
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"2001:db8::1\",name=\"\",direction=\"in\"} 500\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"0x0806\",name=\"\",direction=\"out\"} 120\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"0x0806\",name=\"\",direction=\"in\"} 60\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"198.51.100.53\",name=\"\",direction=\"out\"} 100\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"198.51.100.53\",name=\"\",direction=\"in\"} 0\n";

static const char flow_table_text[] =
	"# HELP modwall_flow_table_entries Flows in the flow table now, every device and class.\n"
	"# TYPE modwall_flow_table_entries gauge\n"
	"modwall_flow_table_entries 6\n"
	"# HELP modwall_flow_table_max Flows the flow table holds (load --max-flows).\n"
	"# TYPE modwall_flow_table_max gauge\n"
	"modwall_flow_table_max 65536\n"
	"# HELP modwall_flow_table_full_total Times a frame of a new flow found the flow table "
	"full; it was counted in the missed totals instead.\n"
	"# TYPE modwall_flow_table_full_total counter\n"
	"modwall_flow_table_full_total 7\n"
	"# HELP modwall_flow_missed_packets_total Packets that kept no flow because the flow table "
	"was full (GSO segments counted one by one), every device and class.\n"
	"# TYPE modwall_flow_missed_packets_total counter\n"
	"modwall_flow_missed_packets_total 9\n"
	"# HELP modwall_flow_missed_bytes_total Bytes of the packets that kept no flow because the "
	"flow table was full.\n"
	"# TYPE modwall_flow_missed_bytes_total counter\n"
	"modwall_flow_missed_bytes_total 900\n";

#define assert_section(text, from, to, want) do {				\
	char *got_ = section((text), (from), (to));				\
	if (!got_)								\
		fail_msg("no section %s .. %s", (from), (to));			\
	if (strcmp(got_, (want)))						\
		fail_msg("section %s:\n--- got\n%s--- expected\n%s", (from), got_, (want));	\
	free(got_);								\
} while (0)

/* the flow families, rendered exactly; quectel shows its two busiest remotes of three */
static void test_render_flows(void **state)
{
	struct mw_mstate st = { .max_series = 10000, .flow_top = 2 };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;

	(void)state;
	flow_snapshot(&s);
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_section(b.s, "modwall_flows", "modwall_interface_packets_total", flows_text);
	assert_section(b.s, "modwall_flow_table_entries", "modwall_series_limit", flow_table_text);
	assert_line(b.s, "modwall_series_limit_reached 0");
	/* the unattributed subject has no flows: no flow series of its own */
	assert_null(strstr(b.s, "modwall_flows{device=\"unattributed\""));
	mw_sbuf_free(&b);

	/* --flow-top 0: no remote rows, and none counted as left out */
	st.flow_top = 0;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{"), 0);
	assert_int_equal(count_lines(b.s, "modwall_flows{"), 2);
	assert_line(b.s, "modwall_series_limit_reached 0");
	mw_sbuf_free(&b);

	/* the table families are there with no flows at all */
	snapshot(&s);
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flows{"), 0);
	assert_line(b.s, "modwall_flow_table_entries 0");
	assert_line(b.s, "modwall_flow_missed_bytes_total 0");
	mw_sbuf_free(&b);
}

/* remote rows give way first, busiest remote of every device first; the rest with the device */
static void test_flows_cap(void **state)
{
	/* every subject (3 x 14, two of them + 6 flow series), the vendor row, one remote row */
	struct mw_mstate st = { .max_series = FIXED_UP + 3 * 14 + 2 * 6 + 1 + 2, .flow_top = 5 };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;

	(void)state;
	flow_snapshot(&s);
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	/* meter-17 is the busiest subject: its busiest remote is the one row kept */
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{"), 2);
	assert_line(b.s, "modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.51.100.7\",name=\"\",direction=\"in\"} 1000");
	assert_non_null(strstr(b.s, "modwall_discovered_devices{"));
	assert_line(b.s, "modwall_series_limit_reached 1");
	assert_line(b.s, "modwall_series_dropped_total 8");	/* 1 + 3 remote rows of 2 */
	mw_sbuf_free(&b);

	/* two more rows: quectel's busiest comes before meter-17's second */
	st.max_series += 4;
	st.series_dropped = 0;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{"), 6);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{device=\"quectel\",remote=\"0x0806\""), 2);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{device=\"meter-17\",remote=\"2001:db8::1\""), 2);
	assert_line(b.s, "modwall_series_dropped_total 4");	/* quectel's 2nd and 3rd rows */
	mw_sbuf_free(&b);

	/* room for meter-17 alone (14 + 6): quectel's flow series go with it */
	st.max_series = FIXED_UP + 14 + 6;
	st.series_dropped = 0;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flows{"), 1);
	assert_line(b.s, "modwall_flows{device=\"meter-17\"} 3");
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{"), 0);
	assert_null(strstr(b.s, "device=\"quectel\""));
	/* quectel 14 + 6, unattributed 14, the vendor row, meter-17's two remote rows */
	assert_line(b.s, "modwall_series_dropped_total 39");
	assert_line(b.s, "modwall_flow_table_entries 6");	/* never left out */
	mw_sbuf_free(&b);
}

/* ---- countries and names, from flow records through the test country database ---- */

static struct mw_flow_rec frec(uint32_t subject, int family, const char *addr, uint8_t proto,
			       uint16_t port, uint64_t pout, uint64_t bout, uint64_t pin,
			       uint64_t bin)
{
	struct mw_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.k.subject = subject;
	r.k.family = (uint8_t)family;
	r.k.proto = proto;
	r.k.port = port;
	if (family)
		assert_int_equal(inet_pton(family, addr, r.k.addr), 1);
	r.v.packets[MW_FDIR_OUT] = pout;
	r.v.bytes[MW_FDIR_OUT] = bout;
	r.v.packets[MW_FDIR_IN] = pin;
	r.v.bytes[MW_FDIR_IN] = bin;
	return r;
}

static struct mw_learned learned(const char *addr, const char *name, uint64_t expires)
{
	struct mw_learned l;

	memset(&l, 0, sizeof(l));
	l.k.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, l.k.addr), 1);
	snprintf(l.k.name, sizeof(l.k.name), "%s", name);
	l.v.expires_ns = expires;
	return l;
}

/*
 * meter-17 (id 1) and quectel (id 2) in the networks of mkmmdb.pl:
 * 198.18.0.0/16 DE, 198.18.5.0/24 AT, 198.19.0.0/17 JP, 2001:db8:1::/48
 * DE, 203.0.113.128/25 US (registered country only), 192.0.2.0/24 no
 * country. Learned names: 198.18.1.1 is broker.test (old.test ran out
 * sooner), 198.18.5.9 dns.test.
 */
static struct mw_remote_info *country_snapshot(struct mw_msnap *s, struct mw_geo **geo)
{
	struct mw_flow_rec r[] = {
		frec(1, AF_INET, "198.18.1.1", 17, 5001, 3, 300, 2, 200),
		frec(1, AF_INET, "198.18.5.9", 17, 53, 1, 70, 1, 90),
		frec(1, AF_INET, "198.19.0.5", 17, 123, 1, 90, 0, 0),
		frec(1, AF_INET, "192.0.2.1", 17, 7, 1, 50, 0, 0),
		frec(1, AF_INET6, "2001:db8:1::5", 17, 9, 1, 60, 1, 60),
		frec(1, AF_INET, "198.18.1.1", 6, 443, 1, 100, 1, 1000),
		frec(2, 0, NULL, 0, 0x0806, 1, 60, 1, 60),
		frec(2, AF_INET, "203.0.113.200", 17, 5000, 2, 200, 0, 0),
		frec(7, AF_INET, "198.18.1.1", 17, 1, 1, 1, 1, 1),	/* no such subject */
	};
	struct mw_learned *l = calloc(3, sizeof(*l));
	struct mw_remote_info *ri;
	char err[256];

	assert_non_null(l);
	l[0] = learned("198.18.1.1", "old.test", 1000);
	l[1] = learned("198.18.5.9", "dns.test", 3000);
	l[2] = learned("198.18.1.1", "broker.test", 2000);
	if (geo)
		assert_int_equal(mw_geo_open(GEO_DATA "/geo6.mmdb", geo, err, sizeof(err)), 0);
	ri = mw_remote_info_new(geo ? *geo : NULL);
	assert_non_null(ri);
	mw_remote_info_set_names(ri, l, 3);
	snapshot(s);
	assert_int_equal(mw_metrics_flows(s, r, sizeof(r) / sizeof(r[0]), ri), 0);
	return ri;
}

static void free_flows(struct mw_msnap *s, struct mw_remote_info *ri, struct mw_geo *geo)
{
	size_t i;

	for (i = 0; i < s->nsubj; i++) {
		if (s->subj[i].fl) {
			free(s->subj[i].fl->top);
			free(s->subj[i].fl->cc);
			free(s->subj[i].fl);
			s->subj[i].fl = NULL;
		}
	}
	mw_remote_info_close(ri);
	if (geo)
		mw_geo_close(geo);
}

static const char country_text[] =
	"# HELP modwall_flow_bytes Bytes of the flows of a device or class in the flow table now, "
	"by direction (out: from the device, in: to it). A sum over the flows in the table: it "
	"falls when idle flows are taken out (exported).\n"
	"# TYPE modwall_flow_bytes gauge\n"
	"modwall_flow_bytes{device=\"meter-17\",direction=\"out\"} 670\n"
	"modwall_flow_bytes{device=\"meter-17\",direction=\"in\"} 1350\n"
	"modwall_flow_bytes{device=\"quectel\",direction=\"out\"} 260\n"
	"modwall_flow_bytes{device=\"quectel\",direction=\"in\"} 60\n"
	COUNTRY_HEAD
	"modwall_flow_country_bytes{device=\"meter-17\",country=\"\",direction=\"out\"} 50\n"
	"modwall_flow_country_bytes{device=\"meter-17\",country=\"AT\",direction=\"out\"} 70\n"
	"modwall_flow_country_bytes{device=\"meter-17\",country=\"AT\",direction=\"in\"} 90\n"
	"modwall_flow_country_bytes{device=\"meter-17\",country=\"DE\",direction=\"out\"} 460\n"
	"modwall_flow_country_bytes{device=\"meter-17\",country=\"DE\",direction=\"in\"} 1260\n"
	"modwall_flow_country_bytes{device=\"meter-17\",country=\"JP\",direction=\"out\"} 90\n"
	"modwall_flow_country_bytes{device=\"quectel\",country=\"\",direction=\"out\"} 60\n"
	"modwall_flow_country_bytes{device=\"quectel\",country=\"\",direction=\"in\"} 60\n"
	"modwall_flow_country_bytes{device=\"quectel\",country=\"US\",direction=\"out\"} 200\n"
	REMOTE_HEAD
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.18.1.1\",name=\"broker.test\",direction=\"out\"} 400\n"
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.18.1.1\",name=\"broker.test\",direction=\"in\"} 1200\n"
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.18.5.9\",name=\"dns.test\",direction=\"out\"} 70\n"
	"modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.18.5.9\",name=\"dns.test\",direction=\"in\"} 90\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"203.0.113.200\",name=\"\",direction=\"out\"} 200\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"203.0.113.200\",name=\"\",direction=\"in\"} 0\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"0x0806\",name=\"\",direction=\"out\"} 60\n"
	"modwall_flow_remote_bytes{device=\"quectel\",remote=\"0x0806\",name=\"\",direction=\"in\"} 60\n";

/* bytes by country (sums of the flows' bytes, "" for unknown and non-IP), and names */
static void test_flow_countries(void **state)
{
	struct mw_mstate st = { .max_series = 10000, .flow_top = 2 };
	struct mw_sbuf b = { 0 };
	struct mw_remote_info *ri;
	struct mw_geo *geo;
	struct mw_msnap s;

	(void)state;
	ri = country_snapshot(&s, &geo);
	assert_int_equal(s.subj[1].fl->flows, 6);
	assert_int_equal(s.subj[1].fl->remotes, 5);
	assert_int_equal(s.subj[2].fl->flows, 2);
	assert_null(s.subj[0].fl);
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_section(b.s, "modwall_flow_bytes", "modwall_interface_packets_total",
		       country_text);
	assert_line(b.s, "modwall_series_limit_reached 0");
	mw_sbuf_free(&b);
	free_flows(&s, ri, geo);

	/* no country database: no country rows, the names still there */
	ri = country_snapshot(&s, NULL);
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flow_country_bytes{"), 0);
	assert_int_equal(count_lines(b.s, "# TYPE modwall_flow_country_bytes gauge"), 1);
	assert_line(b.s, "modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.18.1.1\",name=\"broker.test\",direction=\"in\"} 1200");
	mw_sbuf_free(&b);
	free_flows(&s, ri, NULL);
}

/* a device's country rows are kept whole or left out whole, before any remote row */
static void test_countries_cap(void **state)
{
	/* every subject, two with flow series, the vendor row: then country and remote rows */
	const uint32_t base = FIXED_UP + 3 * 14 + 2 * 6 + 1;
	struct mw_mstate st = { .max_series = base + 6 + 2, .flow_top = 2 };
	struct mw_sbuf b = { 0 };
	struct mw_remote_info *ri;
	struct mw_geo *geo;
	struct mw_msnap s;

	(void)state;
	ri = country_snapshot(&s, &geo);
	/* meter-17's 6 country rows, not quectel's 3; meter-17's busiest remote */
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flow_country_bytes{"), 6);
	assert_int_equal(count_lines(b.s, "modwall_flow_country_bytes{device=\"meter-17\""), 6);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{"), 2);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{device=\"meter-17\",remote=\"198.18.1.1\""), 2);
	assert_line(b.s, "modwall_series_limit_reached 1");
	assert_line(b.s, "modwall_series_dropped_total 9");	/* quectel's 3, 3 remote rows of 2 */
	mw_sbuf_free(&b);

	/* one row less: meter-17's do not fit, quectel's 3 do, and one remote row */
	st.max_series = base + 5;
	st.series_dropped = 0;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flow_country_bytes{"), 3);
	assert_int_equal(count_lines(b.s, "modwall_flow_country_bytes{device=\"quectel\""), 3);
	assert_int_equal(count_lines(b.s, "modwall_flow_remote_bytes{"), 2);
	assert_line(b.s, "modwall_series_dropped_total 12");	/* meter-17's 6, 3 remote rows */
	mw_sbuf_free(&b);

	/* no room past the subjects: every country and remote row left out */
	st.max_series = base;
	st.series_dropped = 0;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_flow_country_bytes{"), 0);
	assert_int_equal(count_lines(b.s, "modwall_flows{"), 2);
	assert_line(b.s, "modwall_series_dropped_total 17");	/* 6 + 3 + 4 remote rows of 2 */
	mw_sbuf_free(&b);
	free_flows(&s, ri, geo);
}

/* the process_* families: what mw_proc_read() finds, rendered exactly */
static void test_process(void **state)
{
	struct mw_proc p = { 0 }, q = { 0 };
	struct mw_mstate st = { .proc = &p };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;
	struct dirent *de;
	uint64_t n = 0;
	DIR *d;
	int fd;

	(void)state;
	/* counted here the same way: every entry but the directory's own */
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d);
	closedir(d);
	assert_int_equal(mw_proc_read(&p), 0);
	assert_int_equal(p.ok, 1);
	assert_int_equal(p.open_fds, n);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	q.start_time = p.start_time;
	assert_int_equal(mw_proc_read(&q), 0);
	assert_int_equal(q.open_fds, n + 1);
	close(fd);
	assert_true(p.resident_bytes > 0 && p.resident_bytes <= p.virtual_bytes);
	assert_true(p.start_time > 1.6e9 && p.start_time <= (double)time(NULL) + 1);
	assert_true(p.cpu_seconds >= 0 && q.cpu_seconds >= p.cpu_seconds);

	p = (struct mw_proc){ .ok = 1, .open_fds = 12, .max_fds = 20000,
			      .resident_bytes = 4096 * 1000, .virtual_bytes = 4096 * 9000,
			      .cpu_seconds = 1.25, .start_time = 1700000000.5 };
	snapshot(&s);
	/* the process series count against the cap: one short, the vendor row goes */
	st.max_series = FIXED_UP + MW_PROC_SERIES + 3 * 14;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_line(b.s, "modwall_series_limit_reached 1");
	assert_null(strstr(b.s, "modwall_discovered_devices{"));
	mw_sbuf_free(&b);
	st.max_series = FIXED_UP + MW_PROC_SERIES + 3 * 14 + 1;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_line(b.s, "modwall_series_limit_reached 0");
	assert_line(b.s, "# TYPE process_open_fds gauge");
	assert_line(b.s, "process_open_fds 12");
	assert_line(b.s, "process_max_fds 20000");
	assert_line(b.s, "process_resident_memory_bytes 4096000");
	assert_line(b.s, "process_virtual_memory_bytes 36864000");
	assert_line(b.s, "# TYPE process_cpu_seconds_total counter");
	assert_line(b.s, "process_cpu_seconds_total 1.25");
	assert_line(b.s, "process_start_time_seconds 1700000000.50");
	assert_int_equal(count_lines(b.s, "process_"), MW_PROC_SERIES);
	mw_sbuf_free(&b);
	p.ok = 0;	/* /proc unreadable: left out, not zero */
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_null(strstr(b.s, "process_"));
	mw_sbuf_free(&b);
}

/* a subject seen in a GTP-U tunnel: its G-PDUs and last peer, two more series */
static void test_render_tunnel(void **state)
{
	struct mw_mstate st = { .max_series = FIXED_UP + 3 * 14 + 1 + 2 };
	struct mw_tunnel t = { .frames = 12, .family = AF_INET6, .dir = MW_DIR_DOWN };
	struct mw_sbuf b = { 0 };
	struct mw_msnap s;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "fd00::5", t.peer), 1);
	snapshot(&s);
	s.subj[2].tun = &t;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_line(b.s, "modwall_device_tunnel_frames_total{device=\"quectel\",kind=\"class\"} 12");
	assert_line(b.s, "modwall_device_tunnel_peer{device=\"quectel\",kind=\"class\",peer=\"fd00::5\",direction=\"downlink\"} 1");
	assert_int_equal(count_lines(b.s, "modwall_device_tunnel_"), 2);
	assert_line(b.s, "modwall_series_limit_reached 0");
	mw_sbuf_free(&b);
	/* one series less: the vendor row gives way, not a tunnel line */
	st.max_series--;
	assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
	assert_int_equal(count_lines(b.s, "modwall_device_tunnel_"), 2);
	assert_null(strstr(b.s, "modwall_discovered_devices{"));
	mw_sbuf_free(&b);
}

/* many subjects under a cap: the chosen ones are those of a plain sort and greedy pass */
#define MANY	3000

static struct mw_msubj *many_subj;

static int cmp_many(const void *a, const void *b)
{
	const struct mw_msubj *x = &many_subj[*(const uint32_t *)a];
	const struct mw_msubj *y = &many_subj[*(const uint32_t *)b];
	uint64_t px = 0, py = 0, bx = 0, by = 0;
	int r;

	for (r = 0; r < MW_NR_REASONS; r++) {
		px += x->c[r].packets;
		py += y->c[r].packets;
		bx += x->c[r].bytes;
		by += y->c[r].bytes;
	}
	if (px != py)
		return px > py ? -1 : 1;
	if (bx != by)
		return bx > by ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void test_many_cap(void **state)
{
	static struct mw_msubj subj[MANY];
	static struct mw_counter c[MANY][MW_NR_REASONS];
	static struct mw_mflows fl[MANY];
	static char names[MANY][16];
	static uint32_t order[MANY];
	struct mw_tunnel t = { .frames = 1, .family = AF_INET };
	static const uint64_t caps[] = { 0, 100, 1000, 5000, 20000, 60000, 1000000 };
	struct mw_mstate st = { 0 };
	struct mw_msnap s;
	uint64_t seed = 1;
	size_t k, i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.up = 1;
	for (i = 0; i < MANY; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		snprintf(names[i], sizeof(names[i]), "s%zu", i);
		/* few distinct values: many ties, broken by bytes, then by id */
		subj[i] = (struct mw_msubj){ .id = (uint32_t)(MANY - i), .kind = MW_KIND_DEVICE,
					     .name = names[i], .c = c[i] };
		c[i][MW_R_PASS] = (struct mw_counter){ seed >> 60, (seed >> 40) & 3 };
		c[i][MW_R_DROP] = (struct mw_counter){ (seed >> 56) & 3, 0 };
		subj[i].tun = (seed >> 20) & 1 ? &t : NULL;
		if ((seed >> 24) & 1) {
			fl[i] = (struct mw_mflows){ .flows = 1, .remotes = 1 };
			subj[i].fl = &fl[i];
		}
		order[i] = (uint32_t)i;
	}
	s.subj = subj;
	s.nsubj = MANY;
	many_subj = subj;
	qsort(order, MANY, sizeof(order[0]), cmp_many);
	for (k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		struct mw_sbuf b = { 0 };
		uint64_t used = 0, dropped = 0, kept = 0;
		char line[128];

		st = (struct mw_mstate){ .max_series = (uint32_t)(FIXED_UP - 14 + caps[k]) };
		assert_int_equal(mw_metrics_render(&s, &st, &b), 0);
		for (i = 0; i < MANY; i++) {
			const struct mw_msubj *o = &subj[order[i]];
			uint64_t cost = 14 + (o->tun ? 2 : 0) + (o->fl ? 6 : 0);
			int shown;

			snprintf(line, sizeof(line), "modwall_device_packets_total{device=\"%s\",",
				 o->name);
			shown = strstr(b.s, line) != NULL;
			if (used + cost <= caps[k]) {
				used += cost;
				kept++;
				if (!shown)
					fail_msg("cap %llu: %s left out", (unsigned long long)caps[k],
						 o->name);
			} else {
				dropped += cost;
				if (shown)
					fail_msg("cap %llu: %s shown", (unsigned long long)caps[k],
						 o->name);
			}
		}
		snprintf(line, sizeof(line), "modwall_series_dropped_total %llu",
			 (unsigned long long)dropped);
		assert_line(b.s, line);
		assert_int_equal(count_lines(b.s, "modwall_device_packets_total{"), kept * 7);
		mw_sbuf_free(&b);
	}
}

static void test_textfile(void **state)
{
	char dir[] = "/tmp/mw-textfile-XXXXXX", path[128], buf[64], err[256];
	struct dirent *de;
	FILE *f;
	DIR *d;
	size_t n;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mw_metrics_write_textfile(dir, "modwall_up 1\n", 13, err, sizeof(err)), 0);
	assert_int_equal(mw_metrics_write_textfile(dir, "modwall_up 0\n", 13, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/modwall.prom", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, 13);
	assert_memory_equal(buf, "modwall_up 0\n", 13);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
			files++;
	closedir(d);
	assert_int_equal(files, 1);	/* no temporary file left */
	unlink(path);
	rmdir(dir);

	assert_int_not_equal(mw_metrics_write_textfile(dir, "x\n", 2, err, sizeof(err)), 0);
	assert_non_null(strstr(err, dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_sbuf_grows),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_down),
		cmocka_unit_test(test_series_cap),
		cmocka_unit_test(test_render_flows),
		cmocka_unit_test(test_flows_cap),
		cmocka_unit_test(test_flow_countries),
		cmocka_unit_test(test_countries_cap),
		cmocka_unit_test(test_render_tunnel),
		cmocka_unit_test(test_many_cap),
		cmocka_unit_test(test_textfile),
		cmocka_unit_test(test_process),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
