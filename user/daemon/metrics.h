/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Prometheus metrics: one reading of the pinned maps (a snapshot) rendered
 * in the text exposition format 0.0.4. The daemon serves it on /metrics and
 * writes it for node_exporter's textfile collector; neither takes the pin
 * directory lock: reading counters never blocks load, apply or bind.
 *
 * Families (labels in braces):
 *
 *   modwall_up                                  1 when the pinned maps were read
 *   modwall_build_info{version,schema}          always 1
 *   modwall_device_packets_total{device,kind,reason}
 *   modwall_device_bytes_total{device,kind,reason}
 *        per subject: kind "device", "class", or "unattributed" for the
 *        subject that counts frames no device or class claimed (its device
 *        label is "unattributed", as in `modwall stats`). Subjects count
 *        both directions: uploads on lan interfaces, downloads on wan ones.
 *   modwall_device_tunnel_frames_total{device,kind}
 *        G-PDUs of the subject on n3 interfaces (inside GTP-U tunnels)
 *   modwall_device_tunnel_peer{device,kind,peer,direction}
 *        1, labelled with the outer peer (base station) and direction of
 *        the subject's last G-PDU; both tunnel families only for subjects
 *        seen in a tunnel, and they give way with the subject's series
 *   modwall_flows{device}                       flows of the subject in the flow table now
 *   modwall_flow_remotes{device}                distinct remote addresses among them
 *   modwall_flow_packets{device,direction}      their packets, direction "out" or "in"
 *   modwall_flow_bytes{device,direction}        their bytes
 *   modwall_flow_country_bytes{device,country,direction}
 *        their bytes by the country of the remote address ("DE"; "" when
 *        the database does not know it, and for non-IP flows, so a
 *        subject's rows add up to its modwall_flow_bytes): one series per
 *        country and direction with bytes. None without a country
 *        database (the daemon opens --geoip-db, else Debian's, at start).
 *   modwall_flow_remote_bytes{device,remote,name,direction}
 *        the subject's busiest remotes (--flow-top N, bytes both ways)
 *        and their bytes; name: the DNS name the remote was learned as
 *        (mw_dns, the answer that lasts longest), "" when none; a reading
 *        with remote rows reads mw_dns whole (at most its 65536 pairs,
 *        in batches), one label per row, so no series are added. The flow
 *        families are gauges: they sum the
 *        flows in the table now, and a flow taken out (exported after
 *        its idle time) leaves the sums. Only subjects with flows in the
 *        table have them; they give way with the subject's series.
 *   modwall_interface_packets_total{interface,role,reason}
 *   modwall_interface_bytes_total{interface,role,reason}
 *        n3 interfaces add reason "tunnel_signal" (GTP-U signalling)
 *   modwall_policy_applied                      0 until the first apply
 *   modwall_policy_generation                   live configuration copy (0 or 1)
 *   modwall_policy_applies_total                successful applies
 *   modwall_policy_applied_timestamp_seconds    time of the last apply
 *   modwall_events_total{outcome}               drop events: emitted, suppressed, ring_full
 *   modwall_discovered_devices{vendor,class}    untagged MACs in the discovery table
 *   modwall_flow_table_entries                  flows in the table (every subject)
 *   modwall_flow_table_max                      its size (load --max-flows)
 *   modwall_flow_table_full_total               times a new flow found the table full
 *   modwall_flow_missed_packets_total           what those frames carried (mw_flowmiss,
 *   modwall_flow_missed_bytes_total             every subject), GSO segments counted
 *   modwall_reloads_total{result}               SIGHUP reloads: ok, error
 *   modwall_last_reload_successful              0 after a failed reload
 *   modwall_last_reload_success_timestamp_seconds  time of the last good reload
 *   modwall_series_limit                        --max-series
 *   modwall_series_limit_reached                1 when this reading left series out
 *   modwall_series_dropped_total                series left out, summed over readings
 *   modwall_scrape_duration_seconds             time to read the maps and render
 *   modwall_last_reading_timestamp_seconds      when the reading served was made
 *   modwall_ipfix_*                             with --ipfix: the flow exporter (flowexport.h)
 *   process_*                                   the daemon's own health (health.h)
 *
 * Every verdict reason is emitted for every live subject, zero or not, so
 * rate() works from a subject's first frame. The series cap counts every
 * series; the per-subject families give way first: subjects are ranked by
 * packets, then bytes (both summed over reasons), then id, and the lowest
 * are left out whole. Discovered-vendor rows go next, fewest devices first.
 * Then the country rows of modwall_flow_country_bytes: a subject's rows
 * are shown whole or not at all, the busiest subjects' first (a subject
 * whose rows do not fit leaves room for a later, smaller one).
 * The remote rows of modwall_flow_remote_bytes come last and go first:
 * every shown subject's busiest remote before any subject's second, and
 * so on; a subject left out takes its country and remote rows with it
 * (they are not counted as dropped then, only the subject's own series are).
 * The families that do not grow with the policy are never left out.
 */
#ifndef MW_METRICS_H
#define MW_METRICS_H

struct mw_radius_stats;
struct mw_flowexp_stats;
struct mw_flow_rec;
struct mw_geo;
struct mw_remote_info;
struct mw_proc;
struct mw_dnslearn_stats;

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "ieee.h"
#include "modwall.h"
#include "sbuf.h"

#define MW_METRICS_PORT		9715
#define MW_METRICS_MAX_SERIES	10000
#define MW_METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define MW_METRICS_TEXTFILE	"modwall.prom"
#define MW_METRICS_FLOW_TOP	5	/* remotes per device in modwall_flow_remote_bytes */
#define MW_METRICS_FLOW_TOP_MAX	100	/* most a reading keeps per subject */

/* One remote address of a subject's flows, its bytes summed over them. */
struct mw_mremote {
	char addr[48];			/* "198.18.0.1", "fd00::1", or an EtherType "0x0806" */
	uint64_t bytes[2];		/* by enum mw_fdir */
	uint8_t family;			/* AF_INET, AF_INET6; 0: not IP */
	uint8_t raw[16];		/* the address */
	const char *name;		/* learned name (in mw_msnap.ri); NULL: none */
};

/* A subject's flow bytes with the remotes of one country. */
struct mw_mcountry {
	char cc[3];			/* "DE"; "": not known, or not IP */
	uint64_t bytes[2];		/* by enum mw_fdir; not both 0 */
};

/* A subject's flows in the table now. */
struct mw_mflows {
	uint32_t flows;			/* flows in the table now */
	uint32_t remotes;		/* distinct remote addresses among them */
	uint64_t packets[2];		/* their sums, by enum mw_fdir */
	uint64_t bytes[2];
	struct mw_mremote *top;		/* busiest remotes first (bytes both ways, then */
	uint32_t ntop;			/* address), at most MW_METRICS_FLOW_TOP_MAX */
	struct mw_mcountry *cc;		/* by code, "" first; none without a database */
	uint32_t ncc;
};

/* A subject; what it points to lives as long as the snapshot. */
struct mw_msubj {
	uint32_t id;
	uint8_t kind;			/* enum mw_subject_kind */
	const char *name;
	struct mw_counter *c;		/* MW_NR_REASONS cells, by reason */
	const struct mw_tunnel *tun;	/* folded over CPUs; NULL: never in a tunnel */
	struct mw_mflows *fl;		/* NULL: no flows in the table now */
};

struct mw_miface {
	char name[MW_IFNAME_LEN];	/* unique: links are pinned by name */
	uint8_t role;
	struct mw_counter c[MW_NR_REASONS];
};

struct mw_mdisc {
	const char *vendor;		/* registry organization, or "unknown" */
	char class_name[MW_NAME_LEN];
	uint64_t devices;
};

/* Memory kept from one reading to the next. */
struct mw_mblock {
	void *p;
	size_t cap;			/* bytes */
};

/*
 * The large arrays of a reading: the subject table, counters and tunnels
 * the subjects point into, and the subjects. A million subjects make
 * hundreds of MiB; kept for the next reading, they are not faulted in
 * afresh every time. One snapshot at a time uses a store.
 */
struct mw_mstore {
	struct mw_mblock tab, cnt, tun, subj;
};

void mw_mstore_free(struct mw_mstore *st);

/* One reading of the pinned state. */
struct mw_msnap {
	int up;				/* 0: nothing below is valid but err */
	char err[512];
	struct mw_ctl ctl;
	struct mw_msubj *subj;		/* by id */
	size_t nsubj;
	struct mw_miface iface[MW_MAX_IFACES];
	int niface;
	uint64_t events[MW_EV_NR];
	struct mw_mdisc *disc;		/* sorted by class, then vendor */
	size_t ndisc;
	uint64_t flow_entries;		/* flows in the table */
	uint64_t flow_max;		/* its size */
	uint64_t flow_full;		/* MW_FS_FULL */
	struct mw_counter flow_missed;	/* mw_flowmiss summed over subjects */
	struct mw_remote_info *ri;	/* the learned names the top rows point into */
	struct timespec t0;		/* CLOCK_MONOTONIC at the start of the reading */
	struct timespec wall;		/* CLOCK_REALTIME, the same moment */
	struct mw_mstore *store;	/* where subj and what it points to live */
	int own_store;			/* made for this snapshot: freed with it */
};

/* What the process itself keeps across readings. */
struct mw_mstate {
	uint32_t max_series;
	uint32_t flow_top;		/* remotes per device (--flow-top); 0: none */
	uint64_t series_dropped;	/* summed over readings */
	int reload_enabled;		/* a policy file is configured */
	uint64_t reloads_ok, reloads_err;
	int last_reload_ok;
	struct timespec last_reload_ok_at;	/* CLOCK_REALTIME; 0 before the first */
	const struct mw_radius_stats *radius;	/* NULL: no RADIUS listener */
	const struct mw_flowexp_stats *ipfix;	/* NULL: no IPFIX export */
	const struct mw_proc *proc;	/* NULL: no process_* families */
	const struct mw_dnslearn_stats *dns;	/* NULL: no DNS learner */
};

/* What a reading looks up besides the pinned maps; every member optional. */
struct mw_mread_opts {
	const struct mw_ieee *db;	/* vendor names of discovered devices */
	const struct mw_geo *geo;	/* countries of remote addresses (country rows) */
	int names;			/* read the learned names (name of the top rows) */
	struct mw_mstore *store;	/* arrays of the last reading (NULL: fresh ones) */
};

/*
 * Read the pinned maps under @pin_dir. @o->db, @o->geo and @o->store must
 * outlive @s, and @o->store serves no other snapshot until @s is freed.
 * Returns 0, or a negative errno with s->up 0 and s->err set (the
 * snapshot still renders).
 */
int mw_metrics_read(const char *pin_dir, const struct mw_mread_opts *o, struct mw_msnap *s);

/*
 * The flow families of @s's subjects from the flow records @recs (@n, in
 * any order: sorted here), with the names and countries @ri knows (NULL:
 * none): what mw_metrics_read does with the flow table. @ri must outlive
 * @s; records of subjects not in @s are skipped. 0 or -ENOMEM.
 */
int mw_metrics_flows(struct mw_msnap *s, struct mw_flow_rec *recs, size_t n,
		     const struct mw_remote_info *ri);
void mw_msnap_free(struct mw_msnap *s);

/* Render @s; updates st->series_dropped. Returns 0 or -ENOMEM. */
int mw_metrics_render(const struct mw_msnap *s, struct mw_mstate *st, struct mw_sbuf *out);

/*
 * Write @len bytes of @text to DIR/modwall.prom atomically: a temporary
 * file in DIR (a name the collector ignores), fsync, rename, fsync of DIR.
 */
int mw_metrics_write_textfile(const char *dir, const char *text, size_t len, char *err,
			      size_t errlen);

#endif /* MW_METRICS_H */
