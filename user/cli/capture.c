// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* capture: dropped frames from the mw_events ring buffer into a pcap file (see ring.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H	/* its struct bpf_insn clashes with the kernel's */
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include "cli.h"
#include "ring.h"
#include "values.h"

struct capture_args {
	const char *file;
	const char *device;
	long count;
	int snaplen, backlog;
};

struct capture_ctx {
	pcap_dumper_t *d;
	const char *device;
	unsigned snaplen;
};

enum { CAP_WRITE, CAP_COUNT, CAP_DEVICE, CAP_SNAPLEN, CAP_BACKLOG };

static const struct mw_opt capture_opts[] = {
	{ CAP_WRITE, "write", 'w', "FILE", "pcap file to write ('-': standard output); with "
	  "--json, a summary value on standard output" },
	{ CAP_COUNT, "count", 'c', "N", "stop after N frames" },
	{ CAP_DEVICE, "device", 'd', "NAME", "only frames of this device or class" },
	{ CAP_SNAPLEN, "snaplen", 's', "N", "bytes kept of each frame (events carry at most "
	  "128)" },
	{ CAP_BACKLOG, "backlog", 'b', NULL, "also write frames queued in the ring before the "
	  "capture started" },
	{ 0, NULL, 0, NULL, NULL },
};

static int capture_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct capture_args *a = ctx;
	uint64_t v;

	switch (opt->id) {
	case CAP_WRITE:
		a->file = arg;
		break;
	case CAP_COUNT:
		return mw_val_count(opt, arg, &a->count);
	case CAP_DEVICE:
		a->device = arg;
		break;
	case CAP_SNAPLEN:
		if (mw_val_uint(opt, arg, 1, 65535, &v))
			return -1;
		a->snaplen = (int)v;
		break;
	case CAP_BACKLOG:
		a->backlog = 1;
		break;
	}
	return 0;
}

static int dump_event(struct reader *r, const struct mw_event *e)
{
	struct capture_ctx *c = r->ctx;
	uint64_t t = (uint64_t)((int64_t)e->ts_ns + r->off);
	struct pcap_pkthdr h;
	unsigned cap = e->caplen < MW_EVENT_SNAP ? e->caplen : MW_EVENT_SNAP;

	if (c->device) {
		const char *name = names_get(&r->nm, e->subject);

		if (!name || strcmp(name, c->device))
			return 0;
	}
	if (cap > c->snaplen)
		cap = c->snaplen;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(t % 1000000000ull / 1000);
	h.caplen = cap;
	h.len = e->len > cap ? e->len : cap;
	pcap_dump((u_char *)c->d, &h, e->data);
	errno = 0;
	if (pcap_dump_flush(c->d))
		return errno ? -errno : -EIO;
	return 1;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_args a = { .snaplen = MW_EVENT_SNAP };
	struct capture_ctx c = { 0 };
	struct reader r = { 0 };
	pcap_t *pd = NULL;
	int rc = MW_EXIT_FAIL, ix, to_stdout;
	uint32_t i;

	ix = mw_getopt(argc, argv, "capture -w FILE [--count N] [--device NAME] [--snaplen N] "
		       "[--backlog]", capture_opts, capture_opt, &a);
	if (ix == -2)
		printf("%s", ring_note);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix < argc) {
		mw_err("capture: takes no operand ('%s'); the file goes with -w", argv[ix]);
		return MW_EXIT_USAGE;
	}
	if (!a.file) {
		mw_err("capture: where to? (-w FILE, or -w - for standard output)");
		return MW_EXIT_USAGE;
	}
	to_stdout = !strcmp(a.file, "-");
	if (to_stdout)
		mw_stdout_is_data();
	if (reader_open(&r, "capture"))
		goto out;
	if (a.device) {
		for (i = 0; i < r.m.max_subjects; i++)
			if (r.nm.tab[i].kind != MW_KIND_FREE && !strcmp(r.nm.tab[i].name, a.device))
				break;
		if (i == r.m.max_subjects) {
			mw_err("capture: no device or class named '%s' in the live policy",
			       a.device);
			rc = MW_EXIT_USAGE;
			goto out;
		}
	}
	pd = pcap_open_dead(DLT_EN10MB, a.snaplen);
	if (!pd) {
		mw_err("capture: pcap_open_dead failed");
		goto out;
	}
	c.d = pcap_dump_open(pd, a.file);
	if (!c.d) {
		mw_err("capture: %s", pcap_geterr(pd));
		goto out;
	}
	c.device = a.device;
	c.snaplen = (unsigned)a.snaplen;
	warn_if_off(&r);
	r.fn = dump_event;
	r.ctx = &c;
	r.limit = a.count;
	r.backlog = a.backlog;
	if (reader_run(&r))
		goto out;
	errno = 0;
	if (!r.out_err && pcap_dump_flush(c.d))
		r.out_err = errno ? errno : EIO;
	if (r.out_err && !(to_stdout && r.out_err == EPIPE)) {
		mw_err("capture: writing %s: %s", to_stdout ? "standard output" : a.file,
		       strerror(r.out_err));
		goto out;
	}
	if (mw_opts.json && !to_stdout) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(a.file));
		add_u64(j, "frames", r.shown);
		add_u64(j, "filtered", r.filtered);
		add_u64(j, "skipped_backlog", r.old);
		mw_json_print(j);
	} else if (!mw_opts.quiet || !to_stdout) {
		fprintf(to_stdout ? stderr : stdout, "%ld frame%s written to %s%s\n", r.shown,
			r.shown == 1 ? "" : "s", to_stdout ? "standard output" : a.file,
			r.filtered ? " (frames of other subjects left out)" : "");
	}
	rc = MW_EXIT_OK;
out:
	if (c.d)
		pcap_dump_close(c.d);
	if (pd)
		pcap_close(pd);
	reader_close(&r);
	return rc;
}
