/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What discovered, events and capture share: caches of subject and
 * interface names, small JSON and address formatters, and the reader of
 * the mw_events ring buffer (events and capture).
 *
 * A BPF ring buffer has a single consumer position, so two readers would
 * each get part of the events: a reader holds an exclusive lock (a file
 * under /run/lock named after the ring's map id) and a second one is
 * refused with the first one's pid.
 *
 * Events queued before a reader starts (the ring keeps what nobody read,
 * up to MW_RINGBUF_BYTES, possibly from long ago) are skipped unless
 * --backlog is given: a reader shows drops from its start on.
 */
#ifndef MW_CLI_RING_H
#define MW_CLI_RING_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "observe.h"
#include "state.h"

/* Subject names, read again after an apply or when an unknown id shows up. */
struct names {
	const struct mw_maps *m;
	struct mw_subject_info *tab;
	uint64_t seq;
	uint64_t read_mono;
};

/* Interface names, read again (at most once a second) when an ifindex is unknown. */
struct ifn {
	const struct mw_maps *m;
	struct mw_ifnames t;
	uint64_t read_mono;
};

struct reader {
	const char *cmd;
	struct mw_maps m;
	struct names nm;
	struct ifn ifc;
	int64_t off;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t start_mono;	/* events stamped before this are backlog */
	int backlog;		/* show the backlog too */
	long limit;		/* stop after this many (0: no limit) */
	long shown, old, filtered, runt;
	int out_err;		/* errno of a failed write; EPIPE: the reader went away */
	/* 1: the event was shown, 0: filtered out, -errno: output failed */
	int (*fn)(struct reader *r, const struct mw_event *e);
	void *ctx;
	int lock_fd;
	char lock_path[64];
};

int names_load(struct names *n);
const char *names_get(struct names *n, uint32_t id);
const char *ifn_get(struct ifn *c, uint32_t ifindex);
const char *addr_str(int family, const uint8_t *a, char *buf, size_t len);
void mac_str(const uint8_t *b, char out[18]);
struct json_object *str_or_null(const char *s);
void add_u64(struct json_object *o, const char *key, uint64_t v);

int reader_open(struct reader *r, const char *cmd);
void reader_close(struct reader *r);
int reader_run(struct reader *r);
void warn_if_off(const struct reader *r);

/* Printed after the --help of events and capture. */
extern const char ring_note[];

#endif /* MW_CLI_RING_H */
