// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The tc egress program of lan interfaces: attach, replace, query, detach. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "modwall.h"
#include "tc_egress.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

void mw_tc_pin_path(const char *pin_dir, const char *ifname, char *path, size_t len)
{
	snprintf(path, len, "%s/tc_%s", pin_dir, ifname);
}

static void hook_init(struct bpf_tc_hook *h, uint32_t ifindex)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = (int)ifindex;
	h->attach_point = BPF_TC_EGRESS;
}

uint32_t mw_tc_prog_id(uint32_t ifindex)
{
	struct bpf_tc_hook h;
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = MW_TC_HANDLE, .priority = MW_TC_PRIO);

	hook_init(&h, ifindex);
	mw_log_begin();
	if (bpf_tc_query(&h, &q))
		q.prog_id = 0;
	mw_log_end();
	return q.prog_id;
}

int mw_tc_attach(const char *pin_dir, const char *ifname, uint32_t ifindex, int prog_fd,
		 uint32_t *prog_id, char *err, size_t errlen)
{
	struct bpf_tc_hook h;
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = MW_TC_HANDLE, .priority = MW_TC_PRIO,
		    .flags = BPF_TC_F_REPLACE, .prog_fd = prog_fd);
	char path[512];
	int rc;

	hook_init(&h, ifindex);
	mw_log_begin();
	rc = bpf_tc_hook_create(&h);	/* the clsact qdisc; -EEXIST: it is there */
	if (rc && rc != -EEXIST) {
		mw_log_end();
		SETERR("creating the clsact qdisc on %s: %s", ifname, strerror(-rc));
		return rc;
	}
	rc = bpf_tc_attach(&h, &o);
	mw_log_end();
	if (rc) {
		SETERR("attaching the tc egress program to %s: %s", ifname, strerror(-rc));
		return rc;
	}
	*prog_id = o.prog_id;
	mw_tc_pin_path(pin_dir, ifname, path, sizeof(path));
	if (unlink(path) && errno != ENOENT) {
		rc = -errno;
		SETERR("replacing %s: %s", path, strerror(-rc));
		return rc;
	}
	if (bpf_obj_pin(prog_fd, path)) {
		rc = -errno;
		SETERR("pinning %s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

int mw_tc_detach(const char *pin_dir, const char *ifname, uint32_t ifindex, uint32_t prog_id,
		 char *err, size_t errlen)
{
	struct bpf_tc_hook h;
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = MW_TC_HANDLE, .priority = MW_TC_PRIO);
	char path[512];
	uint32_t live = ifindex ? mw_tc_prog_id(ifindex) : 0;
	int rc = 0;

	if (live && (!prog_id || live == prog_id)) {
		hook_init(&h, ifindex);
		mw_log_begin();
		rc = bpf_tc_detach(&h, &o);
		mw_log_end();
		if (rc && rc != -ENOENT) {
			SETERR("detaching the tc egress program from %s: %s", ifname,
			       strerror(-rc));
			return rc;
		}
	}
	mw_tc_pin_path(pin_dir, ifname, path, sizeof(path));
	if (unlink(path) && errno != ENOENT) {
		rc = -errno;
		SETERR("removing %s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}
